/* culvert-wizard.h
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "culvert-application.h"

G_BEGIN_DECLS

#define CULVERT_TYPE_WIZARD (culvert_wizard_get_type ())

G_DECLARE_FINAL_TYPE (CulvertWizard, culvert_wizard, CULVERT, WIZARD, AdwWindow)

/* The "New Connection…" wizard; Finish saves the profile into @app's store
 * and, when asked, connects it. */
CulvertWizard *culvert_wizard_new (GtkWindow          *parent,
                                   CulvertApplication *app);

G_END_DECLS

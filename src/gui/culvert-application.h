/* culvert-application.h
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CULVERT_TYPE_APPLICATION (culvert_application_get_type ())

G_DECLARE_FINAL_TYPE (CulvertApplication, culvert_application, CULVERT, APPLICATION, AdwApplication)

CulvertApplication *culvert_application_new          (void);
GSettings          *culvert_application_get_settings (CulvertApplication *self);

G_END_DECLS

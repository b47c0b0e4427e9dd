/* culvert-forward-dialog.h
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "culvert-profile-store.h"

G_BEGIN_DECLS

#define CULVERT_TYPE_FORWARD_DIALOG (culvert_forward_dialog_get_type ())

G_DECLARE_FINAL_TYPE (CulvertForwardDialog, culvert_forward_dialog,
                      CULVERT, FORWARD_DIALOG, AdwWindow)

/* @forward: (nullable): the rule to edit, or %NULL to add one to @profile.
 * Emits "saved" once the profile holds the change and the store wrote it. */
GtkWidget *culvert_forward_dialog_new (GtkWindow           *parent,
                                       CulvertProfileStore *store,
                                       CulvertProfile      *profile,
                                       CulvertForward      *forward);

G_END_DECLS

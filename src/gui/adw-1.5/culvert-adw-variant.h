/* culvert-adw-variant.h — the base types of Culvert's dialogs on
 * libadwaita 1.5 and newer: dialogs inside the window
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

typedef AdwDialog CulvertDialogBase;
typedef AdwDialogClass CulvertDialogBaseClass;
#define CULVERT_TYPE_DIALOG_BASE ADW_TYPE_DIALOG

typedef AdwPreferencesDialog CulvertPreferencesBase;
typedef AdwPreferencesDialogClass CulvertPreferencesBaseClass;
#define CULVERT_TYPE_PREFERENCES_BASE ADW_TYPE_PREFERENCES_DIALOG

/* What G_DECLARE_FINAL_TYPE asks of a parent type. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CulvertDialogBase, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CulvertPreferencesBase, g_object_unref)

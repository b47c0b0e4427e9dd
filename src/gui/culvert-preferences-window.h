/* culvert-preferences-window.h
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "culvert-adw-compat.h"

G_BEGIN_DECLS

#define CULVERT_TYPE_PREFERENCES_WINDOW (culvert_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (CulvertPreferencesWindow, culvert_preferences_window,
                      CULVERT, PREFERENCES_WINDOW, CulvertPreferencesBase)

CulvertPreferencesWindow *culvert_preferences_window_new (GSettings *settings);

G_END_DECLS

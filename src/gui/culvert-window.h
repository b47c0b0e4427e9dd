/* culvert-window.h
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "culvert-application.h"

G_BEGIN_DECLS

#define CULVERT_TYPE_WINDOW (culvert_window_get_type ())

G_DECLARE_FINAL_TYPE (CulvertWindow, culvert_window, CULVERT, WINDOW, AdwApplicationWindow)

CulvertWindow *culvert_window_new               (CulvertApplication *application);
/* Takes @toast (transfer full). */
void           culvert_window_add_toast         (CulvertWindow      *self,
                                                 AdwToast           *toast);
void           culvert_window_select_profile    (CulvertWindow      *self,
                                                 CulvertProfile     *profile);

G_END_DECLS

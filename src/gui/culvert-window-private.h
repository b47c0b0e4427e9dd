/* culvert-window-private.h — what the tests look at
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "culvert-connection-page.h"
#include "culvert-window.h"

G_BEGIN_DECLS

GtkListBox            *culvert_window_get_sidebar_list    (CulvertWindow *self);
CulvertConnectionPage *culvert_window_get_connection_page (CulvertWindow *self);
GtkSearchEntry        *culvert_window_get_search_entry    (CulvertWindow *self);
/* The AdwLeaflet or AdwNavigationSplitView (see culvert-adw-compat.h). */
GtkWidget             *culvert_window_get_split           (CulvertWindow *self);
/* The problem banner's text, or NULL while it is hidden. */
const char            *culvert_window_get_problem_text    (CulvertWindow *self);
/* The toast of the last deletion that can still be undone, or NULL. */
AdwToast              *culvert_window_get_undo_toast      (CulvertWindow *self);

G_END_DECLS

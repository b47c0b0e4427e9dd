/* culvert-connection-page-private.h — what the tests look at
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "culvert-connection-page.h"

G_BEGIN_DECLS

GtkColumnView *culvert_connection_page_get_forwards_view (CulvertConnectionPage *self);
GtkListView   *culvert_connection_page_get_clients_list  (CulvertConnectionPage *self);
GtkListBox    *culvert_connection_page_get_log_list      (CulvertConnectionPage *self);
GtkLabel      *culvert_connection_page_get_status_title  (CulvertConnectionPage *self);
GtkLabel      *culvert_connection_page_get_status_detail (CulvertConnectionPage *self);

G_END_DECLS

/* culvert-connection-row.h
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "culvert-tunnel.h"

G_BEGIN_DECLS

#define CULVERT_TYPE_CONNECTION_ROW (culvert_connection_row_get_type ())

G_DECLARE_FINAL_TYPE (CulvertConnectionRow, culvert_connection_row,
                      CULVERT, CONNECTION_ROW, GtkListBoxRow)

GtkWidget      *culvert_connection_row_new         (CulvertTunnel        *tunnel);
CulvertProfile *culvert_connection_row_get_profile (CulvertConnectionRow *self);
void            culvert_connection_row_popup_menu  (CulvertConnectionRow *self,
                                                    double                x,
                                                    double                y);

/* Connect (or Disconnect, when @on), Edit, Duplicate, Copy as ssh Command,
 * Delete: the window's actions, with @profile's id as their target. */
GMenuModel     *culvert_connection_menu_new        (CulvertProfile       *profile,
                                                    gboolean              on);

G_END_DECLS

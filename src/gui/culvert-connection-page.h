/* culvert-connection-page.h
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "culvert-profile-store.h"
#include "culvert-tunnel.h"

G_BEGIN_DECLS

#define CULVERT_TYPE_CONNECTION_PAGE (culvert_connection_page_get_type ())

G_DECLARE_FINAL_TYPE (CulvertConnectionPage, culvert_connection_page,
                      CULVERT, CONNECTION_PAGE, AdwBin)

void           culvert_connection_page_set_tunnel (CulvertConnectionPage *self,
                                                   CulvertProfileStore   *store,
                                                   CulvertTunnel         *tunnel);
CulvertTunnel *culvert_connection_page_get_tunnel (CulvertConnectionPage *self);

G_END_DECLS

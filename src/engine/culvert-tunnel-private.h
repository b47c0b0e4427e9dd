/* culvert-tunnel-private.h — what tests may set beyond a profile
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "culvert-tunnel.h"

G_BEGIN_DECLS

/* Keepalives every @milliseconds (profiles say whole seconds); 0: the profile's. */
void culvert_tunnel_set_keepalive_interval_ms (CulvertTunnel *self,
                                               guint          milliseconds);

G_END_DECLS

/* culvert-tunnel-bind.h — a tunnel's local listening sockets
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "culvert-forward-status.h"

G_BEGIN_DECLS

/* The addresses a bind address stands for, when that needs no name lookup;
 * NULL for a name, which is looked up asynchronously. */
GList     *culvert_tunnel_bind_literal            (const char            *bind);
/* Binds one local forward on @addresses (the addresses @bind stands for, or
 * NULL with @lookup_error when looking them up failed): its sockets, or
 * NULL with the status's error and suggestion set. */
GPtrArray *culvert_tunnel_bind_forward            (CulvertForwardStatus  *status,
                                                   const char            *bind,
                                                   GList                 *addresses,
                                                   const GError          *lookup_error,
                                                   GError               **error);
GSocket   *culvert_tunnel_bind_socket_file        (CulvertForwardStatus  *status,
                                                   gboolean               unlink_first,
                                                   GError               **error);
void       culvert_tunnel_bind_remove_socket_file (CulvertForwardStatus  *status);
/* A listener of @forward (forward @index) on @socket, into @listeners (of
 * CulvertWorkerListener*). */
void       culvert_tunnel_bind_add_listener       (GPtrArray             *listeners,
                                                   guint                  index,
                                                   GSocket               *socket,
                                                   CulvertForward        *forward);

G_END_DECLS

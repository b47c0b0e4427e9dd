/* culvert-network-watch.h — tells tunnels when it is worth trying again now
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CULVERT_TYPE_NETWORK_WATCH (culvert_network_watch_get_type ())

G_DECLARE_FINAL_TYPE (CulvertNetworkWatch, culvert_network_watch, CULVERT, NETWORK_WATCH, GObject)

/* The process's watch, made on first use on the main thread: it follows
 * GIO's default GNetworkMonitor and, when there is a system bus, logind's
 * PrepareForSleep. It emits "retry" (a sentence saying why) when the
 * network comes back and when the computer wakes up. */
CulvertNetworkWatch *culvert_network_watch_get_default (void);

G_END_DECLS

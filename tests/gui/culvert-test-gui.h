/* culvert-test-gui.h — helpers the window and background tests share
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "culvert-test-net.h"
#include "culvert-test-sshd.h"

G_BEGIN_DECLS

/* Runs the default main context for a fifth of a second. */
void      culvert_test_iterate_until_idle (void);
/* Runs the default main context until @check says yes; FALSE after 30 s
 * (a connection on a machine busy with the whole suite can take 10). */
gboolean  culvert_test_wait_for           (gboolean (*check) (gpointer),
                                           gpointer   data);

/* The echo server, CulvertTestEcho, comes from culvert-test-net. */
/* Sends @len bytes through @fd and asserts they come back. */
void             culvert_test_echo_through (int   fd,
                                            gsize len);

/* One byte there and back through a forward to an echo, within a second. */
gboolean         culvert_test_forward_echoes (guint16 port);
/* Nobody listens on the loopback @port: connecting is refused. */
gboolean         culvert_test_port_refuses   (guint16 port);


/* A relay in front of sshd that the test can cut and resume, so the
 * connection drops and cannot come back until the test allows it. */
typedef struct
{
  guint16     port;
  guint16     target;
  int         listen_fd;
  GThread    *thread;
  GMutex      lock;
  GArray     *fds;  /* of int: every relayed socket */
} CulvertTestRelay;

CulvertTestRelay *culvert_test_relay_new    (guint16           target);
void              culvert_test_relay_cut    (CulvertTestRelay *relay);
void              culvert_test_relay_resume (CulvertTestRelay *relay);
void              culvert_test_relay_free   (CulvertTestRelay *relay);

/* Ends every session of @sshd (every process under it: the monitor and its
 * unprivileged child), as a server that drops its clients; @sshd itself
 * goes on accepting. */
void              culvert_test_kill_sessions (CulvertTestSshd *sshd);

/* A notification server: owns org.gtk.Notifications on the session bus
 * (GLib sends GNotification there outside a Flatpak) and records what it is
 * asked. Create it before the application sends its first notification. */
typedef struct _CulvertTestNotifications CulvertTestNotifications;

/* @address: the bus to serve on, or NULL for the session bus */
CulvertTestNotifications *culvert_test_notifications_new   (const char *address);
void                      culvert_test_notifications_free  (CulvertTestNotifications *self);
GDBusConnection          *culvert_test_notifications_get_connection (
                                                           CulvertTestNotifications *self);
/* Each call as (method, application id, notification id, notification a{sv});
 * RemoveNotification has an empty a{sv}. */
GPtrArray                *culvert_test_notifications_get_calls (CulvertTestNotifications *self);
/* Returns: (transfer full) (nullable): the a{sv} of the last AddNotification of @id */
GVariant                 *culvert_test_notifications_find_added (CulvertTestNotifications *self,
                                                                 const char               *id);
gboolean                  culvert_test_notifications_was_removed (CulvertTestNotifications *self,
                                                                  const char               *id);
void                      culvert_test_notifications_clear (CulvertTestNotifications *self);

G_END_DECLS

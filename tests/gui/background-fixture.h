/* background-fixture.h — what the notification and background tests share
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "culvert-application.h"
#include "culvert-test-gui.h"
#include "culvert-test-sshd.h"
#include "culvert-window-private.h"

G_BEGIN_DECLS

#define wait_for culvert_test_wait_for

/* One application per process, and the notification server it talks to. */
extern CulvertApplication       *the_app;
extern CulvertTestNotifications *notifications;

typedef struct
{
  CulvertApplication *app;
  CulvertTestSshd    *sshd;   /* NULL when the test skips */
  CulvertTestEcho    *echo;
} Fixture;

void            background_fixture_init     (int             *argc,
                                             char          ***argv);
void            background_fixture_shutdown (void);
void            fixture_setup               (Fixture         *f,
                                             gconstpointer    data);
void            fixture_teardown            (Fixture         *f,
                                             gconstpointer    data);

/* A connection to the sshd (through @server_port) with one outgoing forward
 * to the echo, listening on the port it returns in @listen_port. */
CulvertProfile *add_profile                 (Fixture         *f,
                                             const char      *name,
                                             guint16          server_port,
                                             gboolean         reconnect,
                                             guint16         *listen_port);
/* The relay's port, under the sshd's host key. */
void            trust_relay                 (Fixture          *f,
                                             CulvertProfile   *profile,
                                             CulvertTestRelay *relay);
void            assert_state                (CulvertTunnel      *tunnel,
                                             CulvertTunnelState  state);
/* For wait_for: GUINT_TO_POINTER (port) */
gboolean        forward_works               (gpointer          data);
gboolean        port_is_free                (gpointer          data);
void            assert_forward_passes_bytes (guint16           port);

/* For wait_for: a notification id */
gboolean        notification_added          (gpointer          data);
gboolean        notification_removed        (gpointer          data);
/* Returns: (transfer full): what arrived as @id (fails after 10 s) */
GVariant       *wait_for_notification       (const char       *id);
/* Whatever the application sent before has arrived when this returns. */
void            notifications_barrier       (void);
/* "dropped:ID", "back:ID" */
char           *id_of                       (const char       *kind,
                                             CulvertProfile   *profile);
gboolean        find_button                 (GVariant         *notification,
                                             const char       *label,
                                             char            **action,
                                             GVariant        **target);
void            assert_button               (GVariant         *notification,
                                             const char       *label,
                                             const char       *action,
                                             CulvertProfile   *profile);
/* Presses it as the shell does: org.gtk.Actions.Activate over the bus. */
void            press_button                (GVariant         *notification,
                                             const char       *label);
CulvertWindow  *open_window                 (Fixture          *f,
                                             CulvertProfile   *shown);
gboolean        window_is_active            (gpointer          data);

G_END_DECLS

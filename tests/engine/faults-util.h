/* faults-util.h — what the fault tests share
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "culvert-test-dropbear.h"
#include "culvert-worker-private.h"
#include "engine-test-util.h"

G_BEGIN_DECLS

#define PAYLOAD (64 * 1024)

/* A client that sends to a sink until the connection breaks. */
typedef struct
{
  int      fd;
  gint     sent_kib;  /* atomically */
  gboolean broke;
} Stream;

typedef struct
{
  CulvertTestSshd     *sshd;
  CulvertTestDropbear *dropbear;
  CulvertProfile      *profile;
  CulvertTunnel       *tunnel;
  guint                fds_before;
} Fixture;

typedef struct
{
  GSubprocess      *proc;
  GDataInputStream *out;
} Headless;

/* Before g_test_init(): the test's own session bus (its address, or NULL
 * without one) stands in for the system bus, so that no real one is
 * watched; a peer that went away is an error, not SIGPIPE. */
const char *stand_in_system_bus (void);
/* Makes what lives as long as the process before any test counts
 * descriptors: the network watch and its connection to the stand-in
 * system bus. */
void warm_up_process (void);
guint count_fds (void);
guint64 rss_kib (void);
void assert_fds_back_to (guint baseline);
void set_timeouts (int fd, guint seconds);
gboolean echo_over (int fd);
gboolean echo_through (guint16 port);
/* A SOCKS 5 client through @proxy_port to 127.0.0.1:@port; -1 on refusal. */
int socks5_connect (guint16 proxy_port, guint16 port);
gpointer stream_thread (gpointer data);
gboolean streamed_a_lot (gpointer data);
void fixture_setup (Fixture *f, gconstpointer data);
void fixture_setup_dropbear (Fixture *f, gconstpointer data);
void fixture_stop_tunnel (Fixture *f);
void fixture_teardown (Fixture *f, gconstpointer data);
void add_forward (Fixture *f, CulvertForwardKind kind, const char *format, ...) G_GNUC_PRINTF (3, 4);
guint16 port_of (Fixture *f, guint index);
gboolean tunnel_waiting (gpointer data);
gboolean tunnel_serving (gpointer data);
gboolean no_active_clients (gpointer data);
void start_tunnel (Fixture *f);
void connect_tunnel (Fixture *f);
void assert_silence_noticed (Fixture *f, void (*freeze) (Fixture *f));
Headless *headless_start (Fixture *f, const char * const *extra);
Headless *headless_start_profile (const char *name);
JsonObject *headless_next (Headless *h, const char *name);
void headless_wait_state (Headless *h, const char *state);
int headless_wait_exit (Headless *h, gint64 *elapsed);
void headless_free (Headless *h);
gboolean port_refuses (gpointer data);

G_END_DECLS

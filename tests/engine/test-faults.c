/* test-faults.c — tunnels under faults, with real servers that die, freeze
 * and come back
 *
 * A real OpenSSH sshd on 127.0.0.1 is killed, frozen with SIGSTOP and
 * restarted on the same port while a CulvertTunnel or `culvert --headless`
 * serves forwards through it; real TCP clients check that the forwards
 * carry bytes again afterwards and that nothing leaked (descriptors in
 * /proc/self/fd, memory, channels, worker threads). The network monitor
 * and logind are test doubles GIO and the test's own bus let in. Dropbear
 * has the same checks in test-dropbear.c.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define _GNU_SOURCE 1

#include <gio/gio.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "culvert-profile-store.h"
#include "culvert-secrets.h"
#include "faults-util.h"

/* ---------------------------------------------------------------------- */
/* A server killed and restarted                                           */

/* sshd dies in the middle of a transfer and comes back on the same port:
 * the transfer ends (it does not hang), the local ports stay bound while
 * the server is away, and afterwards outgoing and incoming forwards carry
 * bytes again, with no channel or descriptor left behind. */
static void
test_sshd_restart (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  Echo *echo = echo_new ();
  Echo *sink = sink_new ();
  guint16 remote_port = free_port ();
  Stream stream = { -1 };
  GThread *streamer;
  guint16 echo_port, sink_port;
  guint baseline;
  int fd;

  culvert_profile_set_reconnect (f->profile, TRUE);
  add_forward (f, CULVERT_FORWARD_LOCAL, "127.0.0.1:%u:127.0.0.1:%u", free_port (), echo->port);
  add_forward (f, CULVERT_FORWARD_LOCAL, "127.0.0.1:%u:127.0.0.1:%u", free_port (), sink->port);
  add_forward (f, CULVERT_FORWARD_REMOTE, "127.0.0.1:%u:127.0.0.1:%u", remote_port, echo->port);
  connect_tunnel (f);
  echo_port = port_of (f, 0);
  sink_port = port_of (f, 1);
  g_assert_true (echo_through (echo_port));
  g_assert_true (echo_through (remote_port));
  g_assert_true (wait_until (no_active_clients, f, 10));
  baseline = count_fds ();

  stream.fd = culvert_test_connect_loopback (sink_port);
  g_assert_cmpint (stream.fd, >=, 0);
  streamer = g_thread_new ("stream", stream_thread, &stream);
  g_assert_true (wait_until (streamed_a_lot, &stream, 20));

  culvert_test_sshd_kill (f->sshd);
  g_thread_join (streamer);
  g_assert_true (stream.broke);
  g_assert_true (wait_until (tunnel_waiting, f->tunnel, 20));

  /* Away: the port is still ours (a client is accepted, then let go). */
  fd = culvert_test_connect_loopback (echo_port);
  g_assert_cmpint (fd, >=, 0);
  close (fd);

  g_assert_true (culvert_test_sshd_restart (f->sshd, &error));
  g_assert_no_error (error);
  g_assert_true (wait_until (tunnel_serving, f, 30));
  g_assert_cmpuint (port_of (f, 0), ==, echo_port);
  g_assert_true (echo_through (echo_port));
  g_assert_true (echo_through (remote_port));

  /* Nothing left over: no client counted active, no descriptor more. */
  g_assert_true (wait_until (no_active_clients, f, 10));
  assert_fds_back_to (baseline);

  fixture_stop_tunnel (f);
  echo_free (echo);
  echo_free (sink);
}

/* A server that stops answering (its connection's process frozen) is
 * noticed within interval × count + 2 s. */
static void
freeze_sshd (Fixture *f)
{
  culvert_test_sshd_signal_sessions (f->sshd, SIGSTOP);
}

static void
test_server_stops_answering (Fixture       *f,
                             gconstpointer  data)
{
  assert_silence_noticed (f, freeze_sshd);
}

/* Twenty drops and restores: the descriptors and memory stay flat. */
static void
test_cycles (Fixture       *f,
             gconstpointer  data)
{
  Echo *echo = echo_new ();
  guint16 remote_port = free_port ();
  guint baseline = 0;
  guint64 rss_before = 0;

  culvert_profile_set_reconnect (f->profile, TRUE);
  add_forward (f, CULVERT_FORWARD_LOCAL, "127.0.0.1:%u:127.0.0.1:%u", free_port (), echo->port);
  add_forward (f, CULVERT_FORWARD_REMOTE, "127.0.0.1:%u:127.0.0.1:%u", remote_port, echo->port);
  connect_tunnel (f);

  for (guint cycle = 0; cycle <= 20; cycle++)
    {
      if (cycle == 1)
        {
          /* The first cycle warmed everything up (libssh's and GLib's own
           * one-time allocations); count from here. */
          g_assert_true (wait_until (no_active_clients, f, 10));
          baseline = count_fds ();
          rss_before = rss_kib ();
        }

      culvert_test_sshd_signal_sessions (f->sshd, SIGKILL);
      g_assert_true (wait_until (tunnel_waiting, f->tunnel, 20));
      /* No need to wait out the backoff. */
      culvert_tunnel_retry_now (f->tunnel);
      g_assert_true (wait_until (tunnel_serving, f, 20));
      g_assert_true (echo_through (port_of (f, 0)));
      g_assert_true (echo_through (remote_port));
    }

  g_assert_true (wait_until (no_active_clients, f, 10));
  assert_fds_back_to (baseline);
  g_test_message ("RSS %" G_GUINT64_FORMAT " KiB before, %" G_GUINT64_FORMAT " KiB after",
                  rss_before, rss_kib ());
  g_assert_cmpuint (rss_kib (), <, rss_before + 8 * 1024);

  fixture_stop_tunnel (f);
  echo_free (echo);
}

/* A tunnel stopped while it serves (a client connected through each kind
 * of forward) lets go of everything within 2 s: its clients are closed,
 * its ports refuse, and the server stops listening for it; the same with
 * a server that no longer answers at all. */
static void
test_stop_while_serving (Fixture       *f,
                         gconstpointer  data)
{
  Echo *echo = echo_new ();
  guint16 remote_port = free_port ();

  add_forward (f, CULVERT_FORWARD_LOCAL, "127.0.0.1:%u:127.0.0.1:%u", free_port (), echo->port);
  add_forward (f, CULVERT_FORWARD_REMOTE, "127.0.0.1:%u:127.0.0.1:%u", remote_port, echo->port);
  add_forward (f, CULVERT_FORWARD_DYNAMIC, "127.0.0.1:%u", free_port ());

  for (guint frozen = 0; frozen <= 1; frozen++)
    {
      int clients[3];
      guint16 local_port, dynamic_port;
      char byte;

      connect_tunnel (f);
      local_port = port_of (f, 0);
      dynamic_port = port_of (f, 2);
      clients[0] = culvert_test_connect_loopback (local_port);
      clients[1] = culvert_test_connect_loopback (remote_port);
      clients[2] = socks5_connect (dynamic_port, echo->port);
      for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
        {
          g_assert_cmpint (clients[i], >=, 0);
          set_timeouts (clients[i], 10);
          /* Each one really is through. */
          g_assert_cmpint (send (clients[i], "x", 1, MSG_NOSIGNAL), ==, 1);
          g_assert_cmpint (recv (clients[i], &byte, 1, 0), ==, 1);
        }

      if (frozen)
        culvert_test_sshd_signal_all (f->sshd, SIGSTOP);
      fixture_stop_tunnel (f);  /* asserts the 2 s */

      g_assert_true (port_refuses (GUINT_TO_POINTER (local_port)));
      g_assert_true (port_refuses (GUINT_TO_POINTER (dynamic_port)));
      /* Our clients of the local and dynamic forwards were closed. */
      g_assert_cmpint (recv (clients[0], &byte, 1, 0), <=, 0);
      g_assert_cmpint (recv (clients[2], &byte, 1, 0), <=, 0);
      if (frozen)
        culvert_test_sshd_signal_all (f->sshd, SIGCONT);
      /* The server let go of the incoming forward and its client. */
      g_assert_true (wait_until (port_refuses, GUINT_TO_POINTER (remote_port), 10));
      g_assert_cmpint (recv (clients[1], &byte, 1, 0), <=, 0);
      for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
        close (clients[i]);
    }

  echo_free (echo);
}

/* ---------------------------------------------------------------------- */
/* Stopping at every step of logging in                                    */

static void
on_question_keep (CulvertTunnel    *tunnel,
                  CulvertQuestion  *question,
                  CulvertQuestion **out)
{
  g_set_object (out, question);
}

static gboolean
has_question (gpointer data)
{
  return *(CulvertQuestion **) data != NULL;
}

/* A listener that accepts and never speaks; a passphrase asked for and
 * not answered; a host key question not answered: in each, a stop ends the
 * attempt at once, and nothing stays behind. */
static void
test_stop_during_login (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *encrypted = NULL;
  g_autofree char *empty_known_hosts = g_build_filename (f->sshd->dir, "empty_known_hosts", NULL);
  guint16 silent_port = 0;
  int silent = culvert_test_listen_loopback (&silent_port);
  guint baseline = count_fds ();
  int server_side;

  /* 1. Connecting: the server never says a word. */
  culvert_profile_set_port (f->profile, silent_port);
  start_tunnel (f);
  server_side = accept (silent, NULL, NULL);
  g_assert_cmpint (server_side, >=, 0);
  g_assert_cmpint (culvert_tunnel_get_state (f->tunnel), ==, CULVERT_TUNNEL_CONNECTING);
  fixture_stop_tunnel (f);
  close (server_side);
  close (silent);
  g_assert_true (wait_until (no_worker_alive, NULL, 10));
  assert_fds_back_to (baseline);

  /* 2. Authenticating: the key's passphrase is asked for. */
  encrypted = culvert_test_sshd_encrypt_client_key (f->sshd, "a passphrase", &error);
  g_assert_no_error (error);
  culvert_profile_set_port (f->profile, f->sshd->port);
  culvert_profile_set_identity_file (f->profile, encrypted);
  {
    g_autoptr(CulvertQuestion) question = NULL;

    start_tunnel (f);
    g_signal_connect (f->tunnel, "question", G_CALLBACK (on_question_keep), &question);
    g_assert_true (wait_until (has_question, &question, 20));
    g_assert_cmpint (culvert_question_get_kind (question), ==, CULVERT_QUESTION_PASSPHRASE);
    g_assert_cmpint (culvert_tunnel_get_state (f->tunnel), ==, CULVERT_TUNNEL_CONNECTING);
    fixture_stop_tunnel (f);
  }
  g_assert_true (wait_until (no_worker_alive, NULL, 10));
  assert_fds_back_to (baseline);

  /* 3. Verifying the host: an unknown key, asked about. */
  culvert_profile_set_identity_file (f->profile, f->sshd->client_key_path);
  culvert_profile_set_known_hosts_file (f->profile, empty_known_hosts);
  {
    g_autoptr(CulvertQuestion) question = NULL;

    f->tunnel = culvert_tunnel_new (f->profile);
    culvert_tunnel_set_host_key_policy (f->tunnel, CULVERT_HOST_KEY_ASK);
    g_signal_connect (f->tunnel, "question", G_CALLBACK (on_question_keep), &question);
    g_assert_true (culvert_tunnel_connect (f->tunnel, &error));
    g_assert_no_error (error);
    g_assert_true (wait_until (has_question, &question, 20));
    g_assert_cmpint (culvert_question_get_kind (question), ==, CULVERT_QUESTION_HOST_KEY);
    fixture_stop_tunnel (f);
  }
  g_assert_true (wait_until (no_worker_alive, NULL, 10));
  assert_fds_back_to (baseline);
  /* Nothing was written about the host it was never told to trust. */
  {
    g_autofree char *contents = NULL;

    g_assert_true (!g_file_get_contents (empty_known_hosts, &contents, NULL, NULL) ||
                   *contents == '\0');
  }
}

/* ---------------------------------------------------------------------- */
/* Retrying at once when it is worth it                                    */

/* Keeps the server away until the tunnel waits at least @seconds for its
 * next attempt, then brings it back. Returns the time of that attempt. */
static gint64
wait_for_long_backoff (Fixture *f,
                       guint    seconds)
{
  g_autoptr(GError) error = NULL;
  gint64 next_try;

  culvert_test_sshd_kill (f->sshd);
  for (;;)
    {
      g_assert_true (wait_until (tunnel_waiting, f->tunnel, 60));
      next_try = culvert_tunnel_get_next_try (f->tunnel);
      if (next_try - g_get_real_time () >= (gint64) seconds * G_USEC_PER_SEC)
        break;
      /* Wait for this attempt to start and fail. */
      while (culvert_tunnel_get_next_try (f->tunnel) == next_try)
        {
          g_main_context_iteration (NULL, FALSE);
          g_usleep (1000);
        }
    }
  g_assert_true (culvert_test_sshd_restart (f->sshd, &error));
  g_assert_no_error (error);

  return next_try;
}

static void
assert_connected_early (Fixture *f,
                        gint64   next_try,
                        void   (*trigger) (gpointer),
                        gpointer data)
{
  gint64 deadline = next_try - G_USEC_PER_SEC;

  /* The trigger may be repeated (the watch may still be subscribing). */
  while (culvert_tunnel_get_state (f->tunnel) != CULVERT_TUNNEL_CONNECTED)
    {
      if (g_get_real_time () > deadline)
        g_error ("the tunnel waited for its backoff instead of trying again at once");
      trigger (data);
      for (guint i = 0; i < 200; i++)
        {
          g_main_context_iteration (NULL, FALSE);
          g_usleep (1000);
        }
    }
  g_assert_true (log_contains (f->tunnel, "connecting again now"));
}

/* A GNetworkMonitor the test drives, installed as GIO's default through
 * its extension point (GIO_USE_NETWORK_MONITOR names it). */
typedef struct
{
  GObject  parent_instance;
  gboolean available;
} TestMonitor;

typedef struct
{
  GObjectClass parent_class;
} TestMonitorClass;

enum {
  PROP_0,
  PROP_NETWORK_AVAILABLE,
  PROP_NETWORK_METERED,
  PROP_CONNECTIVITY,
};

static GType test_monitor_get_type (void);
static void test_monitor_iface_init (GNetworkMonitorInterface *iface);
static void test_monitor_initable_init (GInitableIface *iface);

G_DEFINE_TYPE_WITH_CODE (TestMonitor, test_monitor, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, test_monitor_initable_init)
                         G_IMPLEMENT_INTERFACE (G_TYPE_NETWORK_MONITOR, test_monitor_iface_init))

static gboolean
test_monitor_initable_init_fn (GInitable     *initable,
                               GCancellable  *cancellable,
                               GError       **error)
{
  return TRUE;
}

static void
test_monitor_initable_init (GInitableIface *iface)
{
  iface->init = test_monitor_initable_init_fn;
}

static void
test_monitor_iface_init (GNetworkMonitorInterface *iface)
{
}

static void
test_monitor_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TestMonitor *self = (TestMonitor *) object;

  switch (prop_id)
    {
    case PROP_NETWORK_AVAILABLE:
      g_value_set_boolean (value, self->available);
      break;
    case PROP_NETWORK_METERED:
      g_value_set_boolean (value, FALSE);
      break;
    case PROP_CONNECTIVITY:
      g_value_set_enum (value, self->available ? G_NETWORK_CONNECTIVITY_FULL
                                               : G_NETWORK_CONNECTIVITY_LOCAL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
test_monitor_class_init (TestMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = test_monitor_get_property;
  g_object_class_override_property (object_class, PROP_NETWORK_AVAILABLE, "network-available");
  g_object_class_override_property (object_class, PROP_NETWORK_METERED, "network-metered");
  g_object_class_override_property (object_class, PROP_CONNECTIVITY, "connectivity");
}

static void
test_monitor_init (TestMonitor *self)
{
  self->available = TRUE;
}

static void
test_monitor_set_available (gboolean available)
{
  TestMonitor *monitor = (TestMonitor *) g_network_monitor_get_default ();

  monitor->available = available;
  g_signal_emit_by_name (monitor, "network-changed", available);
}

static void
network_comes_back (gpointer data)
{
  test_monitor_set_available (FALSE);
  test_monitor_set_available (TRUE);
}

/* The network monitor (the test's, as GIO's default) says the
 * network is back: the tunnel tries at once instead of waiting. */
static void
test_network_monitor_retry (Fixture       *f,
                            gconstpointer  data)
{
  Echo *echo = echo_new ();
  gint64 next_try;

  g_assert_true (G_TYPE_CHECK_INSTANCE_TYPE (g_network_monitor_get_default (),
                                             test_monitor_get_type ()));
  culvert_profile_set_reconnect (f->profile, TRUE);
  add_forward (f, CULVERT_FORWARD_LOCAL, "127.0.0.1:%u:127.0.0.1:%u", free_port (), echo->port);
  connect_tunnel (f);

  next_try = wait_for_long_backoff (f, 2);
  assert_connected_early (f, next_try, network_comes_back, NULL);
  g_assert_true (wait_until (tunnel_serving, f, 20));
  g_assert_true (echo_through (port_of (f, 0)));

  fixture_stop_tunnel (f);
  echo_free (echo);
}

/* logind's part, on the bus the test points DBUS_SYSTEM_BUS_ADDRESS at. */
static void
computer_wakes_up (gpointer data)
{
  GDBusConnection *logind = data;
  g_autoptr(GError) error = NULL;

  g_dbus_connection_emit_signal (logind, NULL, "/org/freedesktop/login1",
                                 "org.freedesktop.login1.Manager", "PrepareForSleep",
                                 g_variant_new ("(b)", FALSE), &error);
  g_assert_no_error (error);
  g_dbus_connection_flush_sync (logind, NULL, NULL);
}

static void
on_name (GDBusConnection *connection,
         const char      *name,
         gpointer         user_data)
{
  *(gboolean *) user_data = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static void
test_resume_retry (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) logind = NULL;
  Echo *echo = echo_new ();
  gboolean owned = FALSE;
  gint64 next_try;
  guint owner;

  logind = g_dbus_connection_new_for_address_sync (g_getenv ("DBUS_SYSTEM_BUS_ADDRESS"),
                                                   G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                   G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                   NULL, NULL, &error);
  g_assert_no_error (error);
  owner = g_bus_own_name_on_connection (logind, "org.freedesktop.login1",
                                        G_BUS_NAME_OWNER_FLAGS_NONE, on_name, NULL,
                                        &owned, NULL);
  g_assert_true (wait_until (flag_set, &owned, 10));

  culvert_profile_set_reconnect (f->profile, TRUE);
  add_forward (f, CULVERT_FORWARD_LOCAL, "127.0.0.1:%u:127.0.0.1:%u", free_port (), echo->port);
  connect_tunnel (f);

  /* Going to sleep is no reason to hurry. */
  next_try = wait_for_long_backoff (f, 2);
  g_dbus_connection_emit_signal (logind, NULL, "/org/freedesktop/login1",
                                 "org.freedesktop.login1.Manager", "PrepareForSleep",
                                 g_variant_new ("(b)", TRUE), &error);
  g_assert_no_error (error);
  assert_connected_early (f, next_try, computer_wakes_up, logind);
  g_assert_true (log_contains (f->tunnel, "woke up"));
  g_assert_true (wait_until (tunnel_serving, f, 20));
  g_assert_true (echo_through (port_of (f, 0)));

  g_bus_unown_name (owner);
  fixture_stop_tunnel (f);
  echo_free (echo);
}

/* The waits between attempts: 1 s doubling to a minute, with jitter. */
static void
test_backoff (void)
{
  for (guint attempt = 0; attempt < 12; attempt++)
    {
      /* 1, 2, 4 … 32 s, then a minute. */
      guint nominal = attempt < 6 ? 1000u << attempt : 60000u;
      guint low = G_MAXUINT, high = 0;

      for (guint i = 0; i < 2000; i++)
        {
          guint delay = culvert_worker_backoff_ms (attempt, g_random_int ());

          low = MIN (low, delay);
          high = MAX (high, delay);
        }
      g_test_message ("attempt %u: %u to %u ms", attempt + 1, low, high);
      /* Within the upper half of the nominal wait ... */
      g_assert_cmpuint (low, >=, nominal / 2);
      g_assert_cmpuint (high, <=, nominal);
      /* ... and spread out, so many tunnels do not all come back at once. */
      g_assert_cmpuint (high - low, >=, nominal / 4);
    }
  g_assert_cmpuint (culvert_worker_backoff_ms (0, 0), ==, 500);
  g_assert_cmpuint (culvert_worker_backoff_ms (0, 500), ==, 1000);
  g_assert_cmpuint (culvert_worker_backoff_ms (40, 30000), ==, 60000);
}

/* The waits each tunnel logs ("Connecting again in 1.3 seconds"), in order. */
static GArray *
logged_delays (CulvertTunnel *tunnel)
{
  GListModel *log = culvert_tunnel_get_log (tunnel);
  GArray *delays = g_array_new (FALSE, FALSE, sizeof (double));
  const char *prefix = "Connecting again in ";

  for (guint i = 0; i < g_list_model_get_n_items (log); i++)
    {
      g_autoptr(CulvertLogEntry) entry = g_list_model_get_item (log, i);
      const char *message = culvert_log_entry_get_message (entry);

      if (g_str_has_prefix (message, prefix))
        {
          double seconds = g_ascii_strtod (message + strlen (prefix), NULL);

          g_array_append_val (delays, seconds);
        }
    }

  return delays;
}

#define N_BACKOFF_TUNNELS  6
#define N_BACKOFF_ATTEMPTS 3

static gboolean
tunnels_backed_off (gpointer data)
{
  CulvertTunnel **tunnels = data;

  for (guint i = 0; i < N_BACKOFF_TUNNELS; i++)
    {
      g_autoptr(GArray) delays = logged_delays (tunnels[i]);

      if (delays->len < N_BACKOFF_ATTEMPTS)
        return FALSE;
    }

  return TRUE;
}

/* Tunnels that lost their server wait between attempts as the worker
 * decides on its own (the real path, not the helper alone): each wait
 * within the upper half of 1, 2, 4 s, and the tunnels do not all wait
 * the same, so they do not all come back at once. */
static void
test_backoff_jitter (Fixture       *f,
                     gconstpointer  data)
{
  CulvertTunnel *tunnels[N_BACKOFF_TUNNELS];
  GArray *delays[N_BACKOFF_TUNNELS];

  culvert_profile_set_reconnect (f->profile, TRUE);
  for (guint i = 0; i < N_BACKOFF_TUNNELS; i++)
    {
      tunnels[i] = tunnel_start (f->profile);
      g_assert_true (wait_until (tunnel_connected, tunnels[i], 20));
    }

  culvert_test_sshd_kill (f->sshd);
  g_assert_true (wait_until (tunnels_backed_off, tunnels, 30));

  for (guint i = 0; i < N_BACKOFF_TUNNELS; i++)
    {
      delays[i] = logged_delays (tunnels[i]);
      for (guint a = 0; a < N_BACKOFF_ATTEMPTS; a++)
        {
          double nominal = 1 << a;
          double delay = g_array_index (delays[i], double, a);

          g_test_message ("tunnel %u, wait %u: %.1f s", i, a + 1, delay);
          g_assert_cmpfloat (delay, >=, nominal / 2 - 0.05);
          g_assert_cmpfloat (delay, <=, nominal + 0.05);
        }
    }
  /* The second and third waits (11 and 21 values to the tenth of a second):
   * not all the same across the tunnels. */
  for (guint a = 1; a < N_BACKOFF_ATTEMPTS; a++)
    {
      gboolean differ = FALSE;

      for (guint i = 1; i < N_BACKOFF_TUNNELS; i++)
        if (g_array_index (delays[i], double, a) != g_array_index (delays[0], double, a))
          differ = TRUE;
      g_assert_true (differ);
    }

  for (guint i = 0; i < N_BACKOFF_TUNNELS; i++)
    {
      g_assert_true (disconnect_and_wait (tunnels[i], 10));
      g_assert_finalize_object (tunnels[i]);
      g_array_unref (delays[i]);
    }
}

/* A server frozen for less than interval × count keeps the connection; one
 * frozen for good is noticed within interval × count (and the second the
 * limit allows for the last answer), plus slack. */
static void
test_keepalive_count (Fixture       *f,
                      gconstpointer  data)
{
  const guint interval = 1, count = 4;
  Echo *echo = echo_new ();
  gint64 start, elapsed, until;

  culvert_profile_set_keepalive_interval (f->profile, interval);
  culvert_profile_set_keepalive_count (f->profile, count);
  add_forward (f, CULVERT_FORWARD_LOCAL, "127.0.0.1:%u:127.0.0.1:%u", free_port (), echo->port);
  connect_tunnel (f);
  g_assert_true (echo_through (port_of (f, 0)));

  /* 2.5 s: more than interval × 1 (+1 s), less than interval × count. */
  culvert_test_sshd_signal_sessions (f->sshd, SIGSTOP);
  until = g_get_monotonic_time () + 2500 * 1000;
  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
      g_assert_cmpint (culvert_tunnel_get_state (f->tunnel), ==, CULVERT_TUNNEL_CONNECTED);
    }
  culvert_test_sshd_signal_sessions (f->sshd, SIGCONT);
  until = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
      g_assert_cmpint (culvert_tunnel_get_state (f->tunnel), ==, CULVERT_TUNNEL_CONNECTED);
    }
  g_assert_true (echo_through (port_of (f, 0)));
  g_assert_false (log_contains (f->tunnel, "stopped answering"));

  /* For good. */
  culvert_test_sshd_signal_sessions (f->sshd, SIGSTOP);
  start = g_get_monotonic_time ();
  g_assert_true (wait_until (tunnel_failed, f->tunnel, 30));
  elapsed = g_get_monotonic_time () - start;
  g_test_message ("noticed after %.2f s", elapsed / (double) G_USEC_PER_SEC);
  g_assert_cmpint (elapsed, <=, (interval * count + 2) * G_USEC_PER_SEC);
  g_assert_true (log_contains (f->tunnel, "stopped answering"));

  fixture_stop_tunnel (f);
  echo_free (echo);
}

/* SIGTERM ends the runner within 2 s and gives the ports back: with a live
 * server the incoming forward's port on the server closes too, and with a
 * frozen server it still exits in time. */
static void
test_headless_sigterm (Fixture       *f,
                       gconstpointer  data)
{
  Echo *echo = echo_new ();
  guint16 local_port = free_port ();
  guint16 remote_port = free_port ();
  g_autofree char *local = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", local_port, echo->port);
  g_autofree char *remote = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", remote_port,
                                             echo->port);
  const char *extra[] = { "-L", local, "-R", remote, NULL };

  for (guint frozen = 0; frozen <= 1; frozen++)
    {
      Headless *h = headless_start (f, extra);
      g_autoptr(JsonObject) listening = NULL;
      gint64 elapsed;

      headless_wait_state (h, "connected");
      /* The incoming forward listens once the server said so. */
      while (!echo_through (remote_port))
        g_usleep (20 * 1000);
      g_assert_true (echo_through (local_port));

      if (frozen)
        culvert_test_sshd_signal_all (f->sshd, SIGSTOP);
      g_subprocess_send_signal (h->proc, SIGTERM);
      g_assert_cmpint (headless_wait_exit (h, &elapsed), ==, 0);
      g_test_message ("exited %.2f s after SIGTERM%s", elapsed / (double) G_USEC_PER_SEC,
                      frozen ? " (server frozen)" : "");
      g_assert_cmpint (elapsed, <=, 2 * G_USEC_PER_SEC);
      g_assert_true (port_refuses (GUINT_TO_POINTER (local_port)));
      if (frozen)
        culvert_test_sshd_signal_all (f->sshd, SIGCONT);
      /* The server stopped listening for us. */
      g_assert_true (wait_until (port_refuses, GUINT_TO_POINTER (remote_port), 10));
      headless_free (h);
    }

  echo_free (echo);
}

/* Like ssh, a lost connection ends the run (255); with --reconnect it goes
 * on like autossh, and --json says each attempt and when the next comes. */
static void
test_headless_reconnect (Fixture       *f,
                         gconstpointer  data)
{
  Echo *echo = echo_new ();
  guint16 local_port = free_port ();
  g_autofree char *local = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", local_port, echo->port);
  const char *plain[] = { "-L", local, NULL };
  const char *again[] = { "-L", local, "--reconnect", NULL };
  Headless *h;

  h = headless_start (f, plain);
  headless_wait_state (h, "connected");
  g_assert_true (echo_through (local_port));
  culvert_test_sshd_signal_sessions (f->sshd, SIGKILL);
  g_assert_cmpint (headless_wait_exit (h, NULL), ==, 255);
  headless_free (h);

  h = headless_start (f, again);
  headless_wait_state (h, "connected");
  g_assert_true (echo_through (local_port));
  for (guint drop = 1; drop <= 2; drop++)
    {
      g_autoptr(JsonObject) scheduled = NULL;
      g_autoptr(JsonObject) attempt = NULL;
      g_autoptr(GDateTime) next = NULL;
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

      culvert_test_sshd_signal_sessions (f->sshd, SIGKILL);
      scheduled = headless_next (h, "reconnect-scheduled");
      g_assert_nonnull (scheduled);
      g_assert_cmpint (json_object_get_int_member (scheduled, "attempt"), ==, 1);
      /* The first wait: from 0.5 to 1 s (1 s with jitter). */
      g_assert_cmpint (json_object_get_int_member (scheduled, "delay_ms"), <=, 1000);
      next = g_date_time_new_from_iso8601 (json_object_get_string_member (scheduled, "next_try"),
                                           NULL);
      g_assert_nonnull (next);
      g_assert_cmpint (g_date_time_difference (next, now), <=, 2 * G_USEC_PER_SEC);
      attempt = headless_next (h, "reconnect-attempt");
      g_assert_nonnull (attempt);
      g_assert_cmpint (json_object_get_int_member (attempt, "attempt"), ==, 1);
      headless_wait_state (h, "connected");
      g_assert_true (echo_through (local_port));
    }

  g_subprocess_send_signal (h->proc, SIGTERM);
  g_assert_cmpint (headless_wait_exit (h, NULL), ==, 0);
  headless_free (h);

  /* A saved connection reconnects as it says. */
  {
    g_autoptr(CulvertProfileStore) store = culvert_profile_store_new (NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) scheduled = NULL;

    culvert_profile_set_name (f->profile, "faults-reconnect");
    culvert_profile_set_reconnect (f->profile, TRUE);
    add_forward (f, CULVERT_FORWARD_LOCAL, "127.0.0.1:%u:127.0.0.1:%u", local_port, echo->port);
    g_assert_true (culvert_profile_store_load (store, &error));
    g_assert_true (culvert_profile_store_save_profile (store, f->profile, &error));
    g_assert_no_error (error);

    h = headless_start_profile ("faults-reconnect");
    headless_wait_state (h, "connected");
    g_assert_true (echo_through (local_port));
    culvert_test_sshd_signal_sessions (f->sshd, SIGKILL);
    scheduled = headless_next (h, "reconnect-scheduled");
    g_assert_nonnull (scheduled);
    headless_wait_state (h, "connected");
    g_assert_true (echo_through (local_port));
    g_subprocess_send_signal (h->proc, SIGTERM);
    g_assert_cmpint (headless_wait_exit (h, NULL), ==, 0);
    headless_free (h);
  }

  echo_free (echo);
}

/* ---------------------------------------------------------------------- */

int
main (int    argc,
      char **argv)
{
  const char *session_bus;

  /* Before GIO picks them: the network monitor the test drives, and the
   * test's own bus standing in for the system bus (logind's test double
   * lives there). */
  g_io_extension_point_register (G_NETWORK_MONITOR_EXTENSION_POINT_NAME);
  g_io_extension_point_implement (G_NETWORK_MONITOR_EXTENSION_POINT_NAME,
                                  test_monitor_get_type (), "culvert-test", 1000);
  g_setenv ("GIO_USE_NETWORK_MONITOR", "culvert-test", TRUE);
  session_bus = stand_in_system_bus ();

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/faults/backoff", test_backoff);

  if (skip_all_without_sshd ("/faults/sshd-restart"))
    return g_test_run ();
  warm_up_process ();
  /* Likewise the keyring's connection, made when a secret is first looked up. */
  if (session_bus != NULL)
    culvert_secrets_free (culvert_secrets_lookup_sync (CULVERT_SECRET_KEY_PASSPHRASE,
                                                       "faults-warm-up", "nobody",
                                                       "localhost", NULL, NULL));

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/faults/sshd-restart", test_sshd_restart);
  ADD ("/faults/server-stops-answering", test_server_stops_answering);
  ADD ("/faults/keepalive-count", test_keepalive_count);
  ADD ("/faults/backoff-jitter", test_backoff_jitter);
  ADD ("/faults/cycles", test_cycles);
  ADD ("/faults/stop-while-serving", test_stop_while_serving);
  ADD ("/faults/stop-during-login", test_stop_during_login);
  ADD ("/faults/retry/network-monitor", test_network_monitor_retry);
  if (session_bus != NULL)
    ADD ("/faults/retry/resume", test_resume_retry);
  else
    g_test_add_data_func ("/faults/retry/resume", "no session bus to stand in for the system bus",
                          (GTestDataFunc) g_test_skip);
  ADD ("/faults/headless/sigterm", test_headless_sigterm);
  ADD ("/faults/headless/reconnect", test_headless_reconnect);
#undef ADD

  return g_test_run ();
}

/* faults-util.c — what the fault tests share: leak counters, clients, a
 * tunnel fixture and the headless runner
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define _GNU_SOURCE 1

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "culvert-network-watch.h"
#include "faults-util.h"

/* ---------------------------------------------------------------------- */
/* The process                                                             */

/* Before g_test_init(): the test's own session bus (its address, or NULL
 * without one) stands in for the system bus, so that no real one is
 * watched; a peer that went away is an error, not SIGPIPE. */
const char *
stand_in_system_bus (void)
{
  const char *session_bus = g_getenv ("DBUS_SESSION_BUS_ADDRESS");

  if (session_bus != NULL)
    g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", session_bus, TRUE);
  signal (SIGPIPE, SIG_IGN);

  return session_bus;
}

/* Makes what lives as long as the process before any test counts
 * descriptors: the network watch and its connection to the stand-in
 * system bus, which it makes asynchronously (waiting for the same shared
 * connection here keeps that descriptor out of the first test's count). */
void
warm_up_process (void)
{
  culvert_network_watch_get_default ();
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") != NULL)
    g_object_unref (g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, NULL));
}

/* ---------------------------------------------------------------------- */
/* What a leak looks like from outside                                     */

guint
count_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;

  return n - 1;  /* the directory's own descriptor */
}

guint64
rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "VmRSS:");
  g_assert_nonnull (line);

  return g_ascii_strtoull (line + strlen ("VmRSS:"), NULL, 10);
}

static gboolean
fds_back_to (gpointer data)
{
  return count_fds () <= GPOINTER_TO_UINT (data);
}

/* Descriptors return to @baseline (closing sockets of finished clients and
 * destinations may take a moment on a loaded machine). */
void
assert_fds_back_to (guint baseline)
{
  if (!wait_until (fds_back_to, GUINT_TO_POINTER (baseline), 10))
    {
      g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
      const char *name;

      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename ("/proc/self/fd", name, NULL);
          g_autofree char *target = g_file_read_link (path, NULL);

          g_test_message ("fd %s: %s", name, target);
        }
      g_error ("descriptors leaked: %u open, %u before", count_fds (), baseline);
    }
}

/* ---------------------------------------------------------------------- */
/* Clients                                                                 */

void
set_timeouts (int   fd,
              guint seconds)
{
  struct timeval tv = { seconds, 0 };

  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* Sends PAYLOAD bytes over @fd and reads them back; TRUE when every byte
 * came back in order. Closes @fd. */
gboolean
echo_over (int fd)
{
  g_autofree guint8 *out = g_malloc (PAYLOAD);
  g_autofree guint8 *in = g_malloc (PAYLOAD);
  gsize sent = 0, got = 0;
  gboolean ok;

  for (gsize i = 0; i < PAYLOAD; i++)
    out[i] = g_random_int_range (0, 256);
  set_timeouts (fd, 10);
  /* Small enough for the socket buffers: send it all, then read it back. */
  while (sent < PAYLOAD && got == sent)
    {
      ssize_t n = send (fd, out + sent, MIN (PAYLOAD - sent, 16384), MSG_NOSIGNAL);

      if (n <= 0)
        break;
      sent += n;
      while (got < sent)
        {
          ssize_t r = recv (fd, in + got, sent - got, 0);

          if (r <= 0)
            {
              g_test_message ("echo: %s after %" G_GSIZE_FORMAT " bytes back",
                              r == 0 ? "end of stream" : g_strerror (errno), got);
              break;
            }
          got += r;
        }
    }
  ok = sent == PAYLOAD && got == PAYLOAD && memcmp (in, out, PAYLOAD) == 0;
  close (fd);

  return ok;
}

gboolean
echo_through (guint16 port)
{
  int fd = culvert_test_connect_loopback (port);

  if (fd < 0)
    return FALSE;

  return echo_over (fd);
}

/* A SOCKS 5 client through @proxy_port to 127.0.0.1:@port; -1 on refusal. */
int
socks5_connect (guint16 proxy_port,
                guint16 port)
{
  guint8 hello[] = { 5, 1, 0 };
  guint8 request[10] = { 5, 1, 0, 1, 127, 0, 0, 1, port >> 8, port & 0xff };
  guint8 reply[10];
  int fd = culvert_test_connect_loopback (proxy_port);

  if (fd < 0)
    return -1;
  set_timeouts (fd, 10);
  if (send (fd, hello, sizeof hello, MSG_NOSIGNAL) != sizeof hello ||
      recv (fd, reply, 2, MSG_WAITALL) != 2 || reply[0] != 5 || reply[1] != 0 ||
      send (fd, request, sizeof request, MSG_NOSIGNAL) != sizeof request ||
      recv (fd, reply, 10, MSG_WAITALL) != 10 || reply[1] != 0)
    {
      close (fd);
      return -1;
    }

  return fd;
}

gpointer
stream_thread (gpointer data)
{
  Stream *stream = data;
  guint8 buf[16384] = { 0 };

  set_timeouts (stream->fd, 30);
  for (;;)
    {
      ssize_t n = send (stream->fd, buf, sizeof buf, MSG_NOSIGNAL);

      if (n <= 0)
        break;
      g_atomic_int_add (&stream->sent_kib, n / 1024);
    }
  stream->broke = TRUE;
  close (stream->fd);

  return NULL;
}

gboolean
streamed_a_lot (gpointer data)
{
  return g_atomic_int_get (&((Stream *) data)->sent_kib) > 4 * 1024;
}

/* ---------------------------------------------------------------------- */
/* The tunnel                                                              */

void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->fds_before = count_fds ();
  f->sshd = culvert_test_sshd_start (NULL, &error);
  g_assert_no_error (error);
  f->profile = key_profile_new ("127.0.0.1", f->sshd->port, f->sshd->user,
                                f->sshd->client_key_path, f->sshd->known_hosts_path);
}

void
fixture_setup_dropbear (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->fds_before = count_fds ();
  f->dropbear = culvert_test_dropbear_start (NULL, &error);
  g_assert_no_error (error);
  f->profile = key_profile_new ("127.0.0.1", f->dropbear->port, f->dropbear->user,
                                f->dropbear->client_key_path, f->dropbear->known_hosts_path);
}

/* Stops the tunnel and checks it let go of everything. */
void
fixture_stop_tunnel (Fixture *f)
{
  if (f->tunnel == NULL)
    return;

  if (culvert_tunnel_is_running (f->tunnel))
    {
      gint64 start = g_get_monotonic_time ();

      g_assert_true (disconnect_and_wait (f->tunnel, 10));
      /* Within 2 s, whatever state the server is in. */
      g_assert_cmpint (g_get_monotonic_time () - start, <=, 2 * G_USEC_PER_SEC);
    }
  g_assert_finalize_object (f->tunnel);
  f->tunnel = NULL;
}

void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  fixture_stop_tunnel (f);
  /* Every worker is gone: its thread, its session, its sockets. */
  g_assert_true (wait_until (no_worker_alive, NULL, 10));
  g_clear_object (&f->profile);
  culvert_test_sshd_stop (f->sshd);
  culvert_test_dropbear_stop (f->dropbear);

  /* The first tunnel of the process makes what lives as long as the process
   * (GIO's resolver and settings, the bus connections); from then on each
   * test must leave as many descriptors as it found. */
  {
    static guint settled;

    if (settled == 0)
      settled = MAX (f->fds_before, count_fds ());
    assert_fds_back_to (MAX (settled, f->fds_before));
  }
}

void
add_forward (Fixture            *f,
             CulvertForwardKind  kind,
             const char         *format,
             ...)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CulvertForward) forward = NULL;
  g_autofree char *spec = NULL;
  va_list args;

  va_start (args, format);
  spec = g_strdup_vprintf (format, args);
  va_end (args);
  forward = culvert_forward_parse (kind, spec, &error);
  g_assert_no_error (error);
  culvert_profile_add_forward (f->profile, forward);
}

guint16
port_of (Fixture *f,
         guint    index)
{
  return culvert_forward_status_get_port (status_at (f->tunnel, index));
}

gboolean
tunnel_waiting (gpointer data)
{
  return culvert_tunnel_get_state (data) == CULVERT_TUNNEL_RECONNECTING &&
         culvert_tunnel_get_next_try (data) != 0;
}

/* Every forward serves: the connection is up and each one listens. */
gboolean
tunnel_serving (gpointer data)
{
  Fixture *f = data;
  GListModel *forwards = culvert_tunnel_get_forwards (f->tunnel);

  if (!tunnel_connected (f->tunnel))
    return FALSE;
  for (guint i = 0; i < g_list_model_get_n_items (forwards); i++)
    if (culvert_forward_status_get_state (status_at (f->tunnel, i)) != CULVERT_FORWARD_STATE_LISTENING)
      return FALSE;

  return TRUE;
}

gboolean
no_active_clients (gpointer data)
{
  Fixture *f = data;
  GListModel *forwards = culvert_tunnel_get_forwards (f->tunnel);

  for (guint i = 0; i < g_list_model_get_n_items (forwards); i++)
    if (culvert_forward_status_get_active (status_at (f->tunnel, i)) != 0)
      return FALSE;

  return TRUE;
}

void
start_tunnel (Fixture *f)
{
  f->tunnel = tunnel_start (f->profile);
}

void
connect_tunnel (Fixture *f)
{
  start_tunnel (f);
  g_assert_true (wait_until (tunnel_serving, f, 20));
}

void
assert_silence_noticed (Fixture *f,
                        void   (*freeze) (Fixture *f))
{
  const guint interval = 2, count = 1;
  Echo *echo = echo_new ();
  gint64 start, elapsed;

  culvert_profile_set_keepalive_interval (f->profile, interval);
  culvert_profile_set_keepalive_count (f->profile, count);
  add_forward (f, CULVERT_FORWARD_LOCAL, "127.0.0.1:%u:127.0.0.1:%u", free_port (), echo->port);
  connect_tunnel (f);
  /* Idle but answering: keepalives keep it up for a few intervals. */
  {
    gint64 until = g_get_monotonic_time () + (interval * (count + 1) + 1) * G_USEC_PER_SEC;

    while (g_get_monotonic_time () < until)
      {
        g_main_context_iteration (NULL, FALSE);
        g_usleep (10 * 1000);
        g_assert_cmpint (culvert_tunnel_get_state (f->tunnel), ==, CULVERT_TUNNEL_CONNECTED);
      }
  }
  g_assert_true (echo_through (port_of (f, 0)));

  freeze (f);
  start = g_get_monotonic_time ();
  g_assert_true (wait_until (tunnel_failed, f->tunnel, 30));
  elapsed = g_get_monotonic_time () - start;
  g_test_message ("noticed after %.2f s", elapsed / (double) G_USEC_PER_SEC);
  g_assert_cmpint (elapsed, <=, (interval * count + 2) * G_USEC_PER_SEC);
  g_assert_true (log_contains (f->tunnel, "stopped answering"));

  fixture_stop_tunnel (f);
  echo_free (echo);
}


/* ---------------------------------------------------------------------- */
/* culvert --headless                                                      */

static Headless *
headless_spawn (GPtrArray *argv)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GError) error = NULL;
  Headless *h = g_new0 (Headless, 1);

  /* GIO's own network monitor, and no system bus at all: the runner must
   * not mind. (Its base one: see GIO_USE_NETWORK_MONITOR in
   * tests/meson.build for the netlink one.) */
  g_subprocess_launcher_setenv (launcher, "GIO_USE_NETWORK_MONITOR", "base", TRUE);
  g_subprocess_launcher_setenv (launcher, "DBUS_SYSTEM_BUS_ADDRESS",
                                "unix:path=/nonexistent/culvert-test", TRUE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_test,
                                         GINT_TO_POINTER (getpid ()), NULL);
  h->proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  h->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (h->proc));

  return h;
}

static GPtrArray *
culvert_argv (void)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (argv, g_strdup (culvert_binary ()));
  g_ptr_array_add (argv, g_strdup ("--headless"));
  g_ptr_array_add (argv, g_strdup ("--json"));

  return argv;
}

Headless *
headless_start (Fixture            *f,
                const char * const *extra)
{
  g_autoptr(GPtrArray) argv = culvert_argv ();

  g_ptr_array_add (argv, g_strdup ("-p"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", f->sshd->port));
  g_ptr_array_add (argv, g_strdup ("-l"));
  g_ptr_array_add (argv, g_strdup (f->sshd->user));
  g_ptr_array_add (argv, g_strdup ("-i"));
  g_ptr_array_add (argv, g_strdup (f->sshd->client_key_path));
  g_ptr_array_add (argv, g_strdup ("-o"));
  g_ptr_array_add (argv, g_strdup_printf ("UserKnownHostsFile=%s", f->sshd->known_hosts_path));
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (extra[i]));
  g_ptr_array_add (argv, g_strdup ("127.0.0.1"));
  g_ptr_array_add (argv, NULL);

  return headless_spawn (argv);
}

/* The runner for a saved connection. */
Headless *
headless_start_profile (const char *name)
{
  g_autoptr(GPtrArray) argv = culvert_argv ();

  g_ptr_array_add (argv, g_strdup ("--profile"));
  g_ptr_array_add (argv, g_strdup (name));
  g_ptr_array_add (argv, NULL);

  return headless_spawn (argv);
}

/* The next event called @name (others are skipped); NULL at the end. */
JsonObject *
headless_next (Headless   *h,
               const char *name)
{
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autofree char *line = g_data_input_stream_read_line_utf8 (h->out, NULL, NULL, &error);
      JsonObject *event;

      g_assert_no_error (error);
      if (line == NULL)
        return NULL;
      g_assert_true (json_parser_load_from_data (parser, line, -1, NULL));
      event = json_node_get_object (json_parser_get_root (parser));
      if (g_str_equal (json_object_get_string_member (event, "event"), name))
        return json_object_ref (event);
    }
}

void
headless_wait_state (Headless   *h,
                     const char *state)
{
  for (;;)
    {
      g_autoptr(JsonObject) event = headless_next (h, "state");

      g_assert_nonnull (event);
      if (g_str_equal (json_object_get_string_member (event, "state"), state))
        return;
    }
}

/* Waits for the exit; returns its status, and how long it took in @elapsed. */
int
headless_wait_exit (Headless *h,
                    gint64   *elapsed)
{
  gint64 start = g_get_monotonic_time ();
  g_autoptr(GError) error = NULL;

  g_subprocess_wait (h->proc, NULL, &error);
  g_assert_no_error (error);
  if (elapsed != NULL)
    *elapsed = g_get_monotonic_time () - start;

  return g_subprocess_get_if_exited (h->proc) ? g_subprocess_get_exit_status (h->proc) : -1;
}

void
headless_free (Headless *h)
{
  if (g_subprocess_get_identifier (h->proc) != NULL)
    {
      g_subprocess_force_exit (h->proc);
      g_subprocess_wait (h->proc, NULL, NULL);
    }
  g_object_unref (h->out);
  g_object_unref (h->proc);
  g_free (h);
}

gboolean
port_refuses (gpointer data)
{
  int fd = culvert_test_connect_loopback (GPOINTER_TO_UINT (data));

  if (fd >= 0)
    {
      close (fd);
      return FALSE;
    }

  return errno == ECONNREFUSED;
}


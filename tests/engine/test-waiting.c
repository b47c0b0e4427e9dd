/* test-waiting.c — a client that connects while the session is being made
 * or remade waits and is served, as with ssh's own listeners
 *
 * The server is reached through a relay (engine-test-util) that the test
 * freezes (a slow path: the handshake waits) or sets refusing (a server
 * that is down).
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine-test-util.h"

typedef struct
{
  CulvertTestSshd *sshd;
  CulvertTestEcho *echo;
  Relay           *relay;
  CulvertProfile  *profile;
  CulvertTunnel   *tunnel;
  guint16          port;   /* the forward's, to the echo server */
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CulvertForward) forward = NULL;
  g_autofree char *host_pub = NULL;
  g_autofree char *pub = NULL;
  g_autofree char *line = NULL;
  g_autofree char *known = NULL;
  g_autofree char *spec = NULL;

  f->sshd = culvert_test_sshd_start (NULL, &error);
  g_assert_no_error (error);
  f->echo = echo_new ();
  f->relay = relay_new (f->sshd->port);

  /* The relay's port is another name for the same host key. */
  host_pub = g_strconcat (f->sshd->host_key_path, ".pub", NULL);
  g_assert_true (g_file_get_contents (host_pub, &pub, NULL, NULL));
  line = g_strdup_printf ("[127.0.0.1]:%u %s", f->relay->port, pub);
  known = g_build_filename (f->sshd->dir, "relay_known_hosts", NULL);
  g_assert_true (g_file_set_contents (known, line, -1, NULL));

  f->profile = key_profile_new ("127.0.0.1", f->relay->port, f->sshd->user,
                                f->sshd->client_key_path, known);
  f->port = free_port ();
  spec = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", f->port, f->echo->port);
  forward = culvert_forward_parse (CULVERT_FORWARD_LOCAL, spec, &error);
  g_assert_no_error (error);
  culvert_profile_add_forward (f->profile, forward);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->tunnel != NULL)
    {
      g_atomic_int_set (&f->relay->frozen, 0);
      if (culvert_tunnel_is_running (f->tunnel))
        disconnect_and_wait (f->tunnel, 0);
      g_assert_finalize_object (f->tunnel);
    }
  g_clear_object (&f->profile);
  relay_free (f->relay);
  echo_free (f->echo);
  culvert_test_sshd_stop (f->sshd);
}

/* A client that sends @size random bytes at once, then waits for them to
 * come back whole through the forward. */
typedef struct
{
  guint16   port;
  gsize     size;
  int       fd;
  gboolean  ok;
  gsize     got;
  GThread  *thread;
} Waiter;

static gpointer
waiter_thread (gpointer data)
{
  Waiter *w = data;
  g_autofree guint8 *payload = random_payload (w->size);
  g_autofree char *sent = checksum_of (payload, w->size);
  g_autofree char *back = NULL;
  SendJob job = { w->fd, payload, w->size, FALSE };
  GThread *sender = g_thread_new ("send", send_job_thread, &job);
  struct timeval tv = { 60, 0 };

  setsockopt (w->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  back = read_to_eof_checksum (w->fd, &w->got);
  g_thread_join (sender);
  w->ok = job.ok && w->got == w->size && g_strcmp0 (back, sent) == 0;
  return NULL;
}

/* Connects now (the connect itself must succeed: the port is bound), and
 * sends and checks in a thread. */
static Waiter *
waiter_start (guint16 port,
              gsize   size)
{
  Waiter *w = g_new0 (Waiter, 1);

  w->port = port;
  w->size = size;
  w->fd = culvert_test_connect_loopback (port);
  g_assert_cmpint (w->fd, >=, 0);
  w->thread = g_thread_new ("waiter", waiter_thread, w);
  return w;
}

/* Waits for the client's thread; TRUE when all its bytes came back. */
static gboolean
waiter_finish (Waiter *w)
{
  gboolean ok;

  g_thread_join (w->thread);
  close (w->fd);
  ok = w->ok;
  if (!ok)
    g_test_message ("a client got %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes back",
                    w->got, w->size);
  g_free (w);
  return ok;
}

static guint
count_open_fds (void)
{
  DIR *dir = opendir ("/proc/self/fd");
  guint n = 0;

  g_assert_nonnull (dir);
  while (readdir (dir) != NULL)
    n++;
  closedir (dir);
  return n;
}

static gboolean
tunnel_connecting (gpointer data)
{
  return culvert_tunnel_get_state (data) == CULVERT_TUNNEL_CONNECTING;
}

/* The first connect over a slow path (the relay holds every byte for a
 * second): a client that connects meanwhile gets all of its 1 MiB back. */
static void
test_first_connect (Fixture       *f,
                    gconstpointer  data)
{
  Waiter *w;

  g_atomic_int_set (&f->relay->frozen, 1);
  f->tunnel = tunnel_start (f->profile);
  g_assert_true (wait_until (tunnel_connecting, f->tunnel, 10));
  g_usleep (200 * 1000);

  w = waiter_start (f->port, 1024 * 1024);
  g_usleep (1000 * 1000);
  g_assert_cmpint (culvert_tunnel_get_state (f->tunnel), ==, CULVERT_TUNNEL_CONNECTING);
  g_atomic_int_set (&f->relay->frozen, 0);

  g_assert_true (wait_until (tunnel_connected, f->tunnel, 20));
  g_assert_true (waiter_finish (w));
}

typedef struct
{
  CulvertTunnel *tunnel;
  guint          attempt;
} AttemptWait;

static gboolean
reached_attempt (gpointer data)
{
  AttemptWait *wait = data;

  return culvert_tunnel_get_state (wait->tunnel) == CULVERT_TUNNEL_RECONNECTING &&
         culvert_tunnel_get_reconnect_attempt (wait->tunnel) >= wait->attempt &&
         culvert_tunnel_get_next_try (wait->tunnel) != 0;
}

/* The server goes down and the reconnect backs off far (attempt 5: a wait
 * of 8 to 16 s). A client connects, the server is back a second later: the
 * client is the reason to try now, and gets its bytes within seconds, not
 * after the backoff. */
static void
test_server_back (Fixture       *f,
                  gconstpointer  data)
{
  AttemptWait wait;
  Waiter *w;
  gint64 back;
  gint64 served;

  culvert_profile_set_reconnect (f->profile, TRUE);
  f->tunnel = tunnel_start (f->profile);
  g_assert_true (wait_until (tunnel_connected, f->tunnel, 20));

  /* Down: every connection reset, new ones too. */
  g_atomic_int_set (&f->relay->refusing, 1);
  relay_cut (f->relay);
  wait = (AttemptWait) { f->tunnel, 5 };
  g_assert_true (wait_until (reached_attempt, &wait, 40));
  g_assert_cmpint (culvert_tunnel_get_next_try (f->tunnel), >,
                   g_get_real_time () + 6 * G_USEC_PER_SEC);

  w = waiter_start (f->port, 256 * 1024);
  g_usleep (1000 * 1000);
  g_atomic_int_set (&f->relay->refusing, 0);
  back = g_get_monotonic_time ();

  g_assert_true (waiter_finish (w));
  served = g_get_monotonic_time ();
  g_test_message ("served %.1f s after the server was back",
                  (served - back) / (double) G_USEC_PER_SEC);
  /* Within a 1 s retry or two, far under the 5 s or more the backoff had
   * left (it was 6 s or more away when the client came, a second before). */
  g_assert_cmpint (served - back, <, 3 * G_USEC_PER_SEC);
}

/* 100 clients while the handshake is held: Culvert holds at most 64 of
 * them (the kernel's backlog the rest), and serves all 100 once the
 * session is up. */
static void
test_bound (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GPtrArray) waiters = g_ptr_array_new ();
  guint before;
  guint during;

  g_atomic_int_set (&f->relay->frozen, 1);
  f->tunnel = tunnel_start (f->profile);
  g_assert_true (wait_until (tunnel_connecting, f->tunnel, 10));
  g_usleep (200 * 1000);

  before = count_open_fds ();
  for (guint i = 0; i < 100; i++)
    g_ptr_array_add (waiters, waiter_start (f->port, 16 * 1024));
  g_usleep (1000 * 1000);
  during = count_open_fds ();
  g_test_message ("open descriptors: %u before, %u with 100 clients waiting", before, during);
  /* Our 100 ends, at most 64 held by the worker, a few to spare. */
  g_assert_cmpuint (during - before, <=, 100 + 64 + 4);
  g_assert_cmpuint (during - before, >=, 100 + 32);

  g_atomic_int_set (&f->relay->frozen, 0);
  g_assert_true (wait_until (tunnel_connected, f->tunnel, 20));
  for (guint i = 0; i < waiters->len; i++)
    g_assert_true (waiter_finish (g_ptr_array_index (waiters, i)));
}

typedef struct
{
  CulvertTunnel *tunnel;
  const char    *text;
} LogWait;

static gboolean
log_has (gpointer data)
{
  LogWait *wait = data;

  return log_contains (wait->tunnel, wait->text);
}

/* A session that never comes (the handshake held past the connect
 * timeout): the waiting client is closed, with a line in the log. */
static void
test_gives_up (Fixture       *f,
               gconstpointer  data)
{
  LogWait wait;
  char buf[16];
  int fd;
  struct timeval tv = { 15, 0 };

  g_atomic_int_set (&f->relay->frozen, 1);
  f->tunnel = culvert_tunnel_new (f->profile);
  culvert_tunnel_set_connect_timeout (f->tunnel, 2);
  g_assert_true (culvert_tunnel_connect (f->tunnel, NULL));
  g_assert_true (wait_until (tunnel_connecting, f->tunnel, 10));

  fd = culvert_test_connect_loopback (f->port);
  g_assert_cmpint (fd, >=, 0);
  wait = (LogWait) { f->tunnel, "waited for the connection to the server" };
  g_assert_true (wait_until (log_has, &wait, 15));
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  g_assert_cmpint (recv (fd, buf, sizeof buf, 0), ==, 0);
  close (fd);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  if (skip_all_without_sshd ("/waiting/first-connect"))
    return g_test_run ();

  g_test_add ("/waiting/first-connect", Fixture, NULL, fixture_setup, test_first_connect,
              fixture_teardown);
  g_test_add ("/waiting/server-back", Fixture, NULL, fixture_setup, test_server_back,
              fixture_teardown);
  g_test_add ("/waiting/bound", Fixture, NULL, fixture_setup, test_bound, fixture_teardown);
  g_test_add ("/waiting/gives-up", Fixture, NULL, fixture_setup, test_gives_up,
              fixture_teardown);

  return g_test_run ();
}

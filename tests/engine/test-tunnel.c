/* test-tunnel.c — outgoing forwards through a real sshd, as a user would use them
 *
 * Every test starts a real OpenSSH sshd on 127.0.0.1, a CulvertTunnel with
 * -L forwards to servers this test runs on 127.0.0.1, and real TCP clients.
 * Clients and servers are plain blocking threads; the main thread runs the
 * tunnel's main context.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define _GNU_SOURCE 1

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pty.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "culvert-test-dropbear.h"
#include "culvert-secrets.h"
#include "culvert-worker-private.h"
#include "engine-test-util.h"

#define MiB (1024 * 1024)

/* ---------------------------------------------------------------------- */
/* Plain sockets                                                           */

/* A listening socket on any free port of 127.0.0.1. */
static int
listen_loopback (guint16 *port)
{
  *port = 0;
  return culvert_test_listen_loopback (port);
}

static int
connect_loopback (guint16 port)
{
  return culvert_test_connect_loopback (port);
}

/* ---------------------------------------------------------------------- */
/* The destination: for each client, reads to EOF while it sends its own
 * payload, then closes its sending side. Records what it received. */

typedef struct
{
  int          fd;
  guint16      port;
  gsize        reply_size;     /* bytes each connection sends back */
  guint8      *reply;          /* NULL: echo the client's bytes instead */
  gboolean     reply_after_eof; /* send the reply only once the client finished */
  guint        expected;       /* connections to serve, then exit */
  GMutex       lock;
  GHashTable  *received;       /* checksum of what arrived → count */
  guint        served;
  guint        accepted;
  GThread     *thread;
} Destination;

typedef struct
{
  Destination *dest;
  int          fd;
} DestConn;

static gpointer
dest_echo_thread (gpointer data)
{
  DestConn *dc = data;

  echo_until_eof (dc->fd, FALSE);

  g_mutex_lock (&dc->dest->lock);
  dc->dest->served++;
  g_mutex_unlock (&dc->dest->lock);
  g_free (dc);
  return NULL;
}

static gpointer
dest_sink_thread (gpointer data)
{
  DestConn *dc = data;
  SendJob reply = { dc->fd, dc->dest->reply, dc->dest->reply_size, FALSE };
  g_autofree char *sum = NULL;
  GThread *sender = NULL;
  gsize total;

  if (!dc->dest->reply_after_eof)
    sender = g_thread_new ("dest-send", send_job_thread, &reply);
  sum = read_to_eof_checksum (dc->fd, &total);
  /* Half-close: the client is done sending, and the answer still flows. */
  if (sender == NULL)
    send_job_thread (&reply);
  else
    g_thread_join (sender);
  close (dc->fd);

  g_mutex_lock (&dc->dest->lock);
  g_hash_table_insert (dc->dest->received, g_strdup (sum),
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (dc->dest->received, sum)) + 1));
  dc->dest->served++;
  g_mutex_unlock (&dc->dest->lock);
  g_free (dc);
  return NULL;
}

static gpointer
dest_accept_thread (gpointer data)
{
  Destination *dest = data;

  for (guint i = 0; i < dest->expected; i++)
    {
      DestConn *dc = g_new0 (DestConn, 1);
      GThread *thread;

      dc->dest = dest;
      dc->fd = accept4 (dest->fd, NULL, NULL, SOCK_CLOEXEC);
      if (dc->fd < 0)
        {
          g_free (dc);
          break;
        }
      g_mutex_lock (&dest->lock);
      dest->accepted++;
      g_mutex_unlock (&dest->lock);
      thread = g_thread_new ("dest-conn", dest->reply ? dest_sink_thread : dest_echo_thread, dc);
      g_thread_unref (thread);
    }

  return NULL;
}

static Destination *
destination_new (guint         expected,
                 const guint8 *reply,
                 gsize         reply_size)
{
  Destination *dest = g_new0 (Destination, 1);

  g_mutex_init (&dest->lock);
  dest->fd = listen_loopback (&dest->port);
  dest->expected = expected;
  dest->reply = (guint8 *) reply;
  dest->reply_size = reply_size;
  dest->received = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  dest->thread = g_thread_new ("dest-accept", dest_accept_thread, dest);

  return dest;
}

static guint
destination_served (Destination *dest)
{
  guint served;

  g_mutex_lock (&dest->lock);
  served = dest->served;
  g_mutex_unlock (&dest->lock);

  return served;
}

/* The destination's thread records a connection just after closing it. */
static guint
destination_wait_served (Destination *dest,
                         guint        expected)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (destination_served (dest) < expected && g_get_monotonic_time () < deadline)
    g_usleep (1000);

  return destination_served (dest);
}

static void
destination_free (Destination *dest)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  shutdown (dest->fd, SHUT_RDWR);
  g_thread_join (dest->thread);

  /* Connection threads use @dest until they have counted themselves. */
  for (;;)
    {
      gboolean done;

      g_mutex_lock (&dest->lock);
      done = dest->served >= dest->accepted;
      g_mutex_unlock (&dest->lock);
      if (done)
        break;
      if (g_get_monotonic_time () > deadline)
        g_error ("a destination connection is still open after the test");
      g_usleep (1000);
    }

  close (dest->fd);
  g_hash_table_unref (dest->received);
  g_mutex_clear (&dest->lock);
  g_free (dest);
}

/* ---------------------------------------------------------------------- */
/* The tunnel                                                              */

typedef struct
{
  CulvertTestSshd *sshd;
  CulvertProfile  *profile;
  CulvertTunnel   *tunnel;
  gboolean         exited;
} Fixture;

static void
on_exited (CulvertTunnel *tunnel,
           Fixture       *f)
{
  f->exited = TRUE;
}

/* wait_until() check: the fixture's tunnel said it exited (on_exited()). */
static gboolean
tunnel_exited (gpointer data)
{
  return ((Fixture *) data)->exited;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->sshd = culvert_test_sshd_start (NULL, &error);
  g_assert_no_error (error);

  f->profile = key_profile_new ("127.0.0.1", f->sshd->port, f->sshd->user,
                                f->sshd->client_key_path, f->sshd->known_hosts_path);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->tunnel != NULL)
    {
      if (culvert_tunnel_is_running (f->tunnel))
        {
          gboolean failed = culvert_tunnel_get_state (f->tunnel) == CULVERT_TUNNEL_FAILED;

          disconnect_and_wait (f->tunnel, 0);
          /* A failed tunnel stays failed; a working one ends disconnected. */
          if (!failed)
            g_assert_cmpint (culvert_tunnel_get_state (f->tunnel), ==,
                             CULVERT_TUNNEL_DISCONNECTED);
        }
      g_assert_finalize_object (f->tunnel);
    }
  g_clear_object (&f->profile);
  culvert_test_sshd_stop (f->sshd);
}

static CulvertForward *
add_forward (Fixture            *f,
             CulvertForwardKind  kind,
             const char         *spec)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CulvertForward) forward = culvert_forward_parse (kind, spec, &error);

  g_assert_no_error (error);
  culvert_profile_add_forward (f->profile, forward);

  return forward;
}

static CulvertForward *
add_local (Fixture    *f,
           const char *spec)
{
  return add_forward (f, CULVERT_FORWARD_LOCAL, spec);
}

static guint16
add_local_to (Fixture *f,
              guint16  destination_port)
{
  guint16 port = free_port ();
  g_autofree char *spec = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", port, destination_port);

  add_local (f, spec);
  return port;
}

static guint16
listening_port (Fixture *f,
                guint    index)
{
  CulvertForwardStatus *status = status_at (f->tunnel, index);

  g_assert_cmpint (culvert_forward_status_get_state (status), !=, CULVERT_FORWARD_STATE_FAILED);
  g_assert_cmpuint (culvert_forward_status_get_port (status), >, 0);

  return culvert_forward_status_get_port (status);
}

static void
connect_tunnel (Fixture *f)
{
  f->tunnel = tunnel_start (f->profile);
  g_assert_true (wait_until (tunnel_connected, f->tunnel, 20));
}

/* Starts a relay in front of the fixture's sshd and points the profile at
 * it; its port is another known_hosts entry for the same host key. */
static Relay *
fixture_use_relay (Fixture *f)
{
  Relay *relay = relay_new (f->sshd->port);
  g_autofree char *host_pub = g_strconcat (f->sshd->host_key_path, ".pub", NULL);
  g_autofree char *file = g_build_filename (f->sshd->dir, "relay_known_hosts", NULL);
  g_autofree char *pub = NULL;
  g_autofree char *line = NULL;

  g_assert_true (g_file_get_contents (host_pub, &pub, NULL, NULL));
  line = g_strdup_printf ("[127.0.0.1]:%u %s", relay->port, pub);
  g_assert_true (g_file_set_contents (file, line, -1, NULL));
  culvert_profile_set_known_hosts_file (f->profile, file);
  culvert_profile_set_port (f->profile, relay->port);

  return relay;
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                   */

/* 64 MiB each way through one channel at the same time, checked by SHA-256. */
static void
test_tunnel_integrity (Fixture       *f,
                       gconstpointer  data)
{
  gsize size = (g_test_slow () ? 64 : 64) * MiB;
  g_autofree guint8 *down = random_payload (size);
  g_autofree char *down_sum = checksum_of (down, size);
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  Destination *dest = destination_new (1, down, size);
  CulvertForwardStatus *status;
  Client *c;

  add_local_to (f, dest->port);
  connect_tunnel (f);

  c = start_client (clients, listening_port (f, 0), size, FALSE, down_sum, size);

  g_assert_true (wait_until (clients_done, clients, 120));
  g_assert_cmpstr (c->problem, ==, NULL);
  g_assert_true (c->ok);

  /* What the server got is what the client sent. */
  g_assert_cmpuint (destination_wait_served (dest, 1), ==, 1);
  {
    g_autofree char *up_sum = checksum_of (c->payload, size);

    g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (dest->received, up_sum)), ==, 1);
  }

  /* The counters reach the main thread. */
  status = status_at (f->tunnel, 0);
  g_assert_true (wait_until ((gboolean (*) (gpointer)) culvert_forward_status_get_total, status, 5));
  while (culvert_forward_status_get_bytes_received (status) < size ||
         culvert_forward_status_get_active (status) != 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (culvert_forward_status_get_bytes_sent (status), ==, size);
  g_assert_cmpuint (culvert_forward_status_get_bytes_received (status), ==, size);
  g_assert_cmpuint (culvert_forward_status_get_total (status), ==, 1);

  destination_free (dest);
}

/* Many clients at once, each with its own data, each on its own channel. */
static void
test_tunnel_many_clients (Fixture       *f,
                          gconstpointer  data)
{
  const guint n_clients = 200;
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  Destination *dest = destination_new (n_clients, NULL, 0);
  CulvertForwardStatus *status;
  guint16 port;

  add_local_to (f, dest->port);
  connect_tunnel (f);
  port = listening_port (f, 0);

  for (guint i = 0; i < n_clients; i++)
    start_client (clients, port, 64 * 1024 + g_random_int_range (0, 256 * 1024), TRUE, NULL, 0);
  assert_clients_ok (clients);
  g_assert_cmpuint (destination_wait_served (dest, n_clients), ==, n_clients);

  /* Every connection was counted and none is left open. */
  status = status_at (f->tunnel, 0);
  while (culvert_forward_status_get_total (status) < n_clients ||
         culvert_forward_status_get_active (status) != 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (culvert_forward_status_get_total (status), ==, n_clients);
  g_assert_cmpuint (g_list_model_get_n_items (culvert_forward_status_get_connections (status)),
                    ==, 0);

  destination_free (dest);
}

/* The client finishes sending first; the server answers after that EOF. */
static void
test_tunnel_half_close (Fixture       *f,
                        gconstpointer  data)
{
  gsize reply_size = 3 * MiB;
  g_autofree guint8 *reply = random_payload (reply_size);
  g_autofree char *reply_sum = checksum_of (reply, reply_size);
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  Destination *dest = destination_new (1, reply, reply_size);

  dest->reply_after_eof = TRUE;
  add_local_to (f, dest->port);
  connect_tunnel (f);

  start_client (clients, listening_port (f, 0), 2 * MiB, FALSE, reply_sum, reply_size);
  assert_clients_ok (clients);
  g_assert_cmpuint (destination_wait_served (dest, 1), ==, 1);
  {
    Client *c = g_ptr_array_index (clients, 0);
    g_autofree char *up_sum = checksum_of (c->payload, c->size);

    g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (dest->received, up_sum)), ==, 1);
  }

  destination_free (dest);
}

/* A taken port fails that forward alone, with a suggestion; the others serve. */
static void
test_tunnel_port_in_use (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  Destination *dest = destination_new (1, NULL, 0);
  CulvertForwardStatus *failed;
  g_autofree char *message = NULL;
  guint16 taken;
  int blocker = listen_loopback (&taken);
  g_autofree char *spec = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", taken, dest->port);
  guint16 suggested;
  int probe;

  add_local (f, spec);
  add_local_to (f, dest->port);
  connect_tunnel (f);

  failed = status_at (f->tunnel, 0);
  message = g_strdup_printf ("Port %u on 127.0.0.1 is already in use", taken);
  g_assert_cmpint (culvert_forward_status_get_state (failed), ==, CULVERT_FORWARD_STATE_FAILED);
  g_assert_cmpstr (culvert_forward_status_get_error (failed), ==, message);

  /* The suggested port really is free. */
  suggested = culvert_forward_status_get_suggested_port (failed);
  g_assert_cmpuint (suggested, !=, 0);
  g_assert_cmpuint (suggested, !=, taken);
  probe = connect_loopback (suggested);
  g_assert_cmpint (probe, <, 0);

  /* The other forward works. */
  g_assert_cmpint (culvert_forward_status_get_state (status_at (f->tunnel, 1)), ==,
                   CULVERT_FORWARD_STATE_LISTENING);
  start_client (clients, listening_port (f, 1), 100 * 1024, TRUE, NULL, 0);
  assert_clients_ok (clients);

  close (blocker);
  destination_free (dest);
}

/* With ExitOnForwardFailure, a taken port stops the whole connection. */
static void
test_tunnel_port_in_use_exit (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint16 taken;
  int blocker = listen_loopback (&taken);
  g_autofree char *spec = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:9", taken);
  g_autofree char *message = g_strdup_printf ("Port %u on 127.0.0.1 is already in use", taken);

  add_local_to (f, 9);
  add_local (f, spec);
  f->tunnel = culvert_tunnel_new (f->profile);
  culvert_tunnel_set_exit_on_forward_failure (f->tunnel, TRUE);
  g_assert_false (culvert_tunnel_connect (f->tunnel, &error));
  g_assert_error (error, CULVERT_TUNNEL_ERROR, CULVERT_TUNNEL_ERROR_FORWARD_FAILED);
  g_assert_cmpstr (error->message, ==, message);
  g_assert_false (culvert_tunnel_is_running (f->tunnel));
  g_assert_cmpint (culvert_tunnel_get_state (f->tunnel), ==, CULVERT_TUNNEL_FAILED);

  close (blocker);
}

typedef struct
{
  CulvertTunnel *tunnel;
  const char    *needle;
} LogWait;

static gboolean
log_has (gpointer data)
{
  LogWait *w = data;

  return log_contains (w->tunnel, w->needle);
}

/* A destination that refuses closes only that client, and says which. */
static void
test_tunnel_destination_refused (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  Destination *dest = destination_new (1, NULL, 0);
  guint16 refused = free_port ();
  g_autofree char *needle = g_strdup_printf ("127.0.0.1:%u", refused);
  LogWait wait = { NULL, needle };
  char byte;
  int fd;

  add_local_to (f, refused);
  add_local_to (f, dest->port);
  connect_tunnel (f);
  wait.tunnel = f->tunnel;

  fd = connect_loopback (listening_port (f, 0));
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (recv (fd, &byte, 1, 0), ==, 0);
  close (fd);
  g_assert_true (wait_until (log_has, &wait, 10));

  /* The connection and the other forward are fine. */
  g_assert_cmpint (culvert_tunnel_get_state (f->tunnel), ==, CULVERT_TUNNEL_CONNECTED);
  start_client (clients, listening_port (f, 1), 200 * 1024, TRUE, NULL, 0);
  assert_clients_ok (clients);

  destination_free (dest);
}

static gboolean
has_connections (gpointer data)
{
  return g_list_model_get_n_items (culvert_forward_status_get_connections (data)) > 0;
}

static gboolean
has_no_connections (gpointer data)
{
  return !has_connections (data);
}

/* The live connection is listed, and closing it from the tunnel closes the client. */
static void
test_tunnel_close_client (Fixture       *f,
                          gconstpointer  data)
{
  Destination *dest = destination_new (1, NULL, 0);
  g_autoptr(CulvertClientConnection) client = NULL;
  CulvertForwardStatus *status;
  g_autofree char *source = NULL;
  struct sockaddr_in addr;
  socklen_t len = sizeof addr;
  char buf[16];
  int fd;

  add_local_to (f, dest->port);
  connect_tunnel (f);
  status = status_at (f->tunnel, 0);

  fd = connect_loopback (listening_port (f, 0));
  g_assert_cmpint (send (fd, "hello", 5, 0), ==, 5);
  g_assert_cmpint (recv (fd, buf, 5, MSG_WAITALL), ==, 5);
  g_assert_true (wait_until (has_connections, status, 5));

  client = g_list_model_get_item (culvert_forward_status_get_connections (status), 0);
  getsockname (fd, (struct sockaddr *) &addr, &len);
  source = g_strdup_printf ("127.0.0.1:%u", ntohs (addr.sin_port));
  g_assert_cmpstr (culvert_client_connection_get_source (client), ==, source);
  g_assert_cmpuint (culvert_forward_status_get_active (status), <=, 1);

  culvert_tunnel_close_client (f->tunnel, client);
  g_assert_cmpint (recv (fd, buf, sizeof buf, 0), <=, 0);
  g_assert_true (wait_until (has_no_connections, status, 5));
  close (fd);

  destination_free (dest);
}


static int
connect_ipv6_loopback (guint16 port)
{
  struct sockaddr_in6 addr = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT,
                               .sin6_port = htons (port) };
  int fd = socket (AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) != 0)
    {
      close (fd);
      return -1;
    }

  return fd;
}

/* A forward bound on ::1 serves IPv6 clients; "localhost" serves both families. */
static void
test_tunnel_ipv6 (Fixture       *f,
                  gconstpointer  data)
{
  Destination *dest = destination_new (2, NULL, 0);
  g_autofree char *v6 = g_strdup_printf ("[::1]:%u:127.0.0.1:%u", free_port (), dest->port);
  g_autofree char *both = g_strdup_printf ("localhost:%u:127.0.0.1:%u", free_port (), dest->port);
  char buf[8] = { 0 };
  int fd;

  if ((fd = socket (AF_INET6, SOCK_STREAM, 0)) < 0)
    {
      g_test_skip ("this machine has no IPv6");
      return;
    }
  close (fd);

  add_local (f, v6);
  add_local (f, both);
  connect_tunnel (f);
  g_assert_nonnull (strstr (culvert_forward_status_get_listen_address (status_at (f->tunnel, 0)), "[::1]:"));
  g_assert_nonnull (strstr (culvert_forward_status_get_listen_address (status_at (f->tunnel, 1)), "127.0.0.1:"));
  g_assert_nonnull (strstr (culvert_forward_status_get_listen_address (status_at (f->tunnel, 1)), "[::1]:"));

  /* The v6-only forward is not on IPv4. */
  g_assert_cmpint (connect_loopback (listening_port (f, 0)), <, 0);

  fd = connect_ipv6_loopback (listening_port (f, 0));
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (send (fd, "six", 3, 0), ==, 3);
  g_assert_cmpint (recv (fd, buf, 3, MSG_WAITALL), ==, 3);
  g_assert_cmpstr (buf, ==, "six");
  close (fd);

  fd = connect_ipv6_loopback (listening_port (f, 1));
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (send (fd, "both", 4, 0), ==, 4);
  g_assert_cmpint (recv (fd, buf, 4, MSG_WAITALL), ==, 4);
  g_assert_cmpstr (buf, ==, "both");
  close (fd);

  destination_free (dest);
}

static void
connect_expect_failure (Fixture    *f,
                        const char *needle1,
                        const char *needle2)
{
  g_autoptr(GError) error = NULL;
  const char *reason;

  if (f->tunnel == NULL)
    f->tunnel = culvert_tunnel_new (f->profile);
  g_assert_true (culvert_tunnel_connect (f->tunnel, &error));
  g_assert_true (wait_until (tunnel_failed, f->tunnel, 30));
  reason = culvert_tunnel_get_state_reason (f->tunnel);
  g_assert_nonnull (reason);
  if (strstr (reason, needle1) == NULL || (needle2 && strstr (reason, needle2) == NULL))
    g_error ("expected “%s” and “%s” in: %s", needle1, needle2, reason);
}

static void
test_tunnel_unknown_host_key (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *empty = g_build_filename (f->sshd->dir, "empty_known_hosts", NULL);

  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  culvert_profile_set_known_hosts_file (f->profile, empty);
  f->tunnel = culvert_tunnel_new (f->profile);
  culvert_tunnel_set_host_key_policy (f->tunnel, CULVERT_HOST_KEY_STRICT);
  connect_expect_failure (f, f->sshd->host_key_fingerprint, "StrictHostKeyChecking=accept-new");
}

static void
on_question_accept (CulvertTunnel   *tunnel,
                    CulvertQuestion *question,
                    char           **fingerprint)
{
  g_assert_cmpint (culvert_question_get_kind (question), ==, CULVERT_QUESTION_HOST_KEY);
  *fingerprint = g_strdup (culvert_question_get_detail (question));
  culvert_question_answer (question, TRUE, NULL);
}

/* Under "ask" the front end sees the fingerprint and accepts; it is recorded. */
static void
test_tunnel_ask_host_key (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *file = g_build_filename (f->sshd->dir, "new_known_hosts", NULL);
  g_autofree char *fingerprint = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (file, "", 0, NULL));
  culvert_profile_set_known_hosts_file (f->profile, file);
  f->tunnel = culvert_tunnel_new (f->profile);
  culvert_tunnel_set_host_key_policy (f->tunnel, CULVERT_HOST_KEY_ASK);
  g_signal_connect (f->tunnel, "question", G_CALLBACK (on_question_accept), &fingerprint);
  g_assert_true (culvert_tunnel_connect (f->tunnel, &error));
  g_assert_true (wait_until (tunnel_connected, f->tunnel, 20));
  g_assert_cmpstr (fingerprint, ==, f->sshd->host_key_fingerprint);
  g_assert_true (g_file_get_contents (file, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "ssh-ed25519"));
}

/* Writes @file, a known_hosts that names the fixture's sshd with another
 * host key (made for this, "other_host" in sshd's directory), as after the
 * server's key changed; returns that key's SHA256 fingerprint. */
static char *
write_changed_known_hosts (Fixture    *f,
                           const char *file)
{
  g_autofree char *other = g_build_filename (f->sshd->dir, "other_host", NULL);
  g_autofree char *other_pub = g_strconcat (other, ".pub", NULL);
  g_autofree char *cmd = g_strdup_printf ("ssh-keygen -q -t ed25519 -N '' -f %s", other);
  g_autofree char *fp_cmd = g_strdup_printf ("ssh-keygen -l -E sha256 -f %s", other_pub);
  g_autofree char *pub = NULL;
  g_autofree char *line = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) fields = NULL;

  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL));
  g_assert_true (g_file_get_contents (other_pub, &pub, NULL, NULL));
  line = g_strdup_printf ("[127.0.0.1]:%u %s", f->sshd->port, pub);
  g_assert_true (g_file_set_contents (file, line, -1, NULL));
  g_assert_true (g_spawn_command_line_sync (fp_cmd, &out, NULL, NULL, NULL));
  fields = g_strsplit (out, " ", 3);

  return g_strdup (fields[1]);
}

static void
test_tunnel_changed_host_key (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *file = g_build_filename (f->sshd->dir, "changed_known_hosts", NULL);
  g_autofree char *fingerprint = write_changed_known_hosts (f, file);

  /* Refused under every policy, with both fingerprints shown. */
  culvert_profile_set_known_hosts_file (f->profile, file);
  f->tunnel = culvert_tunnel_new (f->profile);
  culvert_tunnel_set_host_key_policy (f->tunnel, CULVERT_HOST_KEY_NO);
  connect_expect_failure (f, f->sshd->host_key_fingerprint, fingerprint);
}

static void
test_tunnel_wrong_key (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *key = g_build_filename (f->sshd->dir, "stranger", NULL);
  g_autofree char *cmd = g_strdup_printf ("ssh-keygen -q -t ed25519 -N '' -f %s", key);

  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL));
  culvert_profile_set_identity_file (f->profile, key);
  connect_expect_failure (f, "Permission denied", "rejected the key");
}

#define WRONG_PASSWORD "not-the-password-5417"

static void
on_question_password (CulvertTunnel   *tunnel,
                      CulvertQuestion *question,
                      guint           *asked)
{
  const char *answers[] = { WRONG_PASSWORD, NULL };

  g_assert_cmpint (culvert_question_get_kind (question), ==, CULVERT_QUESTION_PASSWORD);
  (*asked)++;
  culvert_question_answer (question, TRUE, answers);
}

static void
test_tunnel_wrong_password (Fixture       *f,
                            gconstpointer  data)
{
  guint asked = 0;

  if (f->sshd->password == NULL)
    {
      g_test_skip ("password logins need sshd to run as root");
      return;
    }

  culvert_profile_set_auth_method (f->profile, CULVERT_AUTH_PASSWORD);
  f->tunnel = culvert_tunnel_new (f->profile);
  g_signal_connect (f->tunnel, "question", G_CALLBACK (on_question_password), &asked);
  connect_expect_failure (f, "Permission denied", NULL);
  g_assert_cmpuint (asked, >=, 1);

  /* The wrong password is in no log line, and not in the reason. */
  {
    GListModel *log = culvert_tunnel_get_log (f->tunnel);

    g_assert_cmpuint (g_list_model_get_n_items (log), >, 0);
    g_assert_true (log_contains (f->tunnel, "Permission denied"));
    for (guint i = 0; i < g_list_model_get_n_items (log); i++)
      {
        g_autoptr(CulvertLogEntry) entry = g_list_model_get_item (log, i);

        g_assert_null (strstr (culvert_log_entry_get_message (entry), WRONG_PASSWORD));
      }
    g_assert_null (strstr (culvert_tunnel_get_state_reason (f->tunnel), WRONG_PASSWORD));
  }
}

/* A proxy URL of a scheme Culvert cannot use is logged without its user
 * and password (which may hold '/' and '@'), and the tunnel goes direct. */
static void
test_tunnel_proxy_unsupported_scheme (Fixture       *f,
                                      gconstpointer  data)
{
  GListModel *log;

  culvert_profile_set_proxy_mode (f->profile, CULVERT_PROXY_CUSTOM);
  culvert_profile_set_proxy_url (f->profile, "ftp://bob-the-user:pw/with@signs-6623@127.0.0.1:21");
  connect_tunnel (f);
  g_assert_true (log_contains (f->tunnel, "is not an http:// or socks5:// address"));
  g_assert_true (log_contains (f->tunnel, "ftp://127.0.0.1:21"));
  log = culvert_tunnel_get_log (f->tunnel);
  for (guint i = 0; i < g_list_model_get_n_items (log); i++)
    {
      g_autoptr(CulvertLogEntry) entry = g_list_model_get_item (log, i);
      const char *message = culvert_log_entry_get_message (entry);

      g_assert_null (strstr (message, "signs-6623"));
      g_assert_null (strstr (message, "pw/with"));
      g_assert_null (strstr (message, "bob-the-user"));
    }
}

typedef struct
{
  Client *client;
} ClientWait;

static gboolean
client_finished (gpointer data)
{
  Client *c = data;

  return c->ok || c->problem != NULL;
}

/* The server goes away in the middle of a transfer: the tunnel says so,
 * the client's connection is closed, nothing hangs. */
static void
test_tunnel_server_goes_away (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  gsize size = 512 * MiB;
  Destination *dest = destination_new (1, NULL, 0);
  Relay *relay = fixture_use_relay (f);
  CulvertForwardStatus *status;
  Client *c;


  add_local_to (f, dest->port);
  connect_tunnel (f);
  status = status_at (f->tunnel, 0);

  c = start_client (clients, listening_port (f, 0), size, TRUE, NULL, 0);
  while (culvert_forward_status_get_bytes_received (status) < 4 * MiB)
    g_main_context_iteration (NULL, TRUE);

  relay_cut (relay);
  g_assert_true (wait_until (tunnel_failed, f->tunnel, 30));
  g_assert_nonnull (strstr (culvert_tunnel_get_state_reason (f->tunnel), "lost"));
  g_assert_true (wait_until (client_finished, c, 30));
  g_assert_false (c->ok);
  g_assert_true (wait_until (has_no_connections, status, 10));

  relay_free (relay);
  destination_free (dest);
}


/* ---------------------------------------------------------------------- */
/* The same scenarios through `culvert --headless`, end to end             */

typedef struct
{
  GSubprocess      *proc;
  GDataInputStream *out;
  GPtrArray        *events;      /* every event seen, as a JsonObject */
  GArray           *ports;       /* listening ports, in order */
  GArray           *failed;      /* indices of forwards that failed */
} Headless;

static GPtrArray *
headless_args (Fixture            *f,
               const char * const *extra)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (argv, g_strdup (culvert_binary ()));
  g_ptr_array_add (argv, g_strdup ("--headless"));
  g_ptr_array_add (argv, g_strdup ("--json"));
  g_ptr_array_add (argv, g_strdup ("-p"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", culvert_profile_get_port (f->profile)));
  g_ptr_array_add (argv, g_strdup ("-l"));
  g_ptr_array_add (argv, g_strdup (f->sshd->user));
  g_ptr_array_add (argv, g_strdup ("-o"));
  g_ptr_array_add (argv, g_strdup_printf ("UserKnownHostsFile=%s",
                                          culvert_profile_get_known_hosts_file (f->profile)));
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (extra[i]));
  g_ptr_array_add (argv, g_strdup ("127.0.0.1"));
  g_ptr_array_add (argv, NULL);

  return argv;
}

/* One line of --json output: exactly one JSON object, with the event's name
 * in "event" and an ISO 8601 "time"; anything else fails the test. */
static JsonObject *
parse_event (const char *line)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) time = NULL;
  JsonNode *root;
  JsonObject *object;
  JsonNode *member;

  if (!json_parser_load_from_data (parser, line, -1, &error))
    g_error ("culvert --headless --json printed a line that is not JSON (%s): %s",
             error->message, line);
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    g_error ("culvert --headless --json printed a line that is not one object: %s", line);
  object = json_node_get_object (root);

  member = json_object_get_member (object, "event");
  if (member == NULL || json_node_get_value_type (member) != G_TYPE_STRING)
    g_error ("an event without a string \"event\": %s", line);
  member = json_object_get_member (object, "time");
  if (member == NULL || json_node_get_value_type (member) != G_TYPE_STRING ||
      (time = g_date_time_new_from_iso8601 (json_node_get_string (member), NULL)) == NULL)
    g_error ("an event without an ISO 8601 \"time\": %s", line);

  return json_object_ref (object);
}

static const char *
event_name (JsonObject *event)
{
  return json_object_get_string_member (event, "event");
}

/* The string member @key of @event; fails the test when it is not a string. */
static const char *
event_string (JsonObject *event,
              const char *key)
{
  JsonNode *member = json_object_get_member (event, key);

  if (member == NULL || json_node_get_value_type (member) != G_TYPE_STRING)
    g_error ("event “%s” has no string “%s”", event_name (event), key);

  return json_node_get_string (member);
}

/* The whole-number member @key of @event, from @min to @max. */
static gint64
event_int (JsonObject *event,
           const char *key,
           gint64      min,
           gint64      max)
{
  JsonNode *member = json_object_get_member (event, key);
  gint64 value;

  if (member == NULL || json_node_get_value_type (member) != G_TYPE_INT64)
    g_error ("event “%s” has no whole number “%s”", event_name (event), key);
  value = json_node_get_int (member);
  if (value < min || value > max)
    g_error ("event “%s”: “%s” is %" G_GINT64_FORMAT ", not from %" G_GINT64_FORMAT
             " to %" G_GINT64_FORMAT, event_name (event), key, value, min, max);

  return value;
}

/* Reads one line of stdout into h->events; NULL at the end of the output. */
static JsonObject *
headless_read_event (Headless *h)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_utf8 (h->out, NULL, NULL, &error);
  JsonObject *event;

  g_assert_no_error (error);
  if (line == NULL)
    return NULL;
  event = parse_event (line);
  g_ptr_array_add (h->events, event);

  return event;
}

/* Reads events until the tunnel is connected (TRUE) or the runner ends (FALSE). */
static gboolean
headless_wait_connected (Headless *h)
{
  JsonObject *event;

  while ((event = headless_read_event (h)) != NULL)
    {
      const char *name = event_name (event);

      if (g_str_equal (name, "listening"))
        {
          guint16 port = event_int (event, "port", 1, 65535);

          event_string (event, "forward");
          event_string (event, "address");
          g_array_append_val (h->ports, port);
        }
      else if (g_str_equal (name, "forward-failed"))
        {
          guint index = h->ports->len + h->failed->len;
          guint16 none = 0;

          event_string (event, "forward");
          event_string (event, "error");
          event_int (event, "suggested_port", 0, 65535);
          g_array_append_val (h->failed, index);
          g_array_append_val (h->ports, none);
        }
      else if (g_str_equal (name, "state") &&
               g_str_equal (event_string (event, "state"), "connected"))
        return TRUE;
    }

  return FALSE;
}

/* The thread that runs main(): the only one that may start children (see
 * die_with_test()). */
static GThread *main_thread;

/* Starts `argv` with stdout and stderr piped to the test, with @env
 * ("NAME", "VALUE", … NULL; may be NULL) added to the environment; it dies
 * with the test. */
static Headless *
headless_spawn_env (const char * const *argv,
                    const char * const *env)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  Headless *h = g_new0 (Headless, 1);

  g_assert_true (g_thread_self () == main_thread);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  for (guint i = 0; env != NULL && env[i] != NULL; i += 2)
    g_subprocess_launcher_setenv (launcher, env[i], env[i + 1], TRUE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_test,
                                         GINT_TO_POINTER (getpid ()), NULL);
  h->proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  h->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (h->proc));
  h->events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  h->ports = g_array_new (FALSE, FALSE, sizeof (guint16));
  h->failed = g_array_new (FALSE, FALSE, sizeof (guint));

  return h;
}

static Headless *
headless_spawn (const char * const *argv)
{
  return headless_spawn_env (argv, NULL);
}

static Headless *
headless_start (Fixture            *f,
                const char * const *extra)
{
  g_autoptr(GPtrArray) argv = headless_args (f, extra);

  return headless_spawn ((const char * const *) argv->pdata);
}

/* Reads the rest of stdout and all of stderr, and waits for the exit. */
static int
headless_finish (Headless  *h,
                 char     **err_text)
{
  g_autoptr(GError) error = NULL;
  GInputStream *err = g_subprocess_get_stderr_pipe (h->proc);
  g_autoptr(GOutputStream) sink = g_memory_output_stream_new_resizable ();

  while (headless_read_event (h) != NULL)
    ;
  /* The sink stays open for the terminating NUL: a closed one refuses it. */
  g_output_stream_splice (sink, err, G_OUTPUT_STREAM_SPLICE_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_output_stream_write (sink, "", 1, NULL, &error), ==, 1);
  g_assert_no_error (error);
  if (err_text != NULL)
    *err_text = g_strdup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (sink)));
  g_subprocess_wait (h->proc, NULL, &error);
  g_assert_no_error (error);

  return g_subprocess_get_if_exited (h->proc) ? g_subprocess_get_exit_status (h->proc) : -1;
}

/* Like headless_finish(), and shows stderr when the exit status is not @expected. */
static void
headless_assert_exit (Headless  *h,
                      int        expected,
                      char     **err_text)
{
  g_autofree char *err = NULL;
  int status = headless_finish (h, &err);

  if (status != expected)
    g_error ("culvert --headless exited with %d, expected %d; it said:\n%s",
             status, expected, err);
  if (err_text != NULL)
    *err_text = g_steal_pointer (&err);
}

static void
headless_free (Headless *h)
{
  if (!g_subprocess_get_if_exited (h->proc) && !g_subprocess_get_if_signaled (h->proc))
    {
      g_subprocess_force_exit (h->proc);
      g_subprocess_wait (h->proc, NULL, NULL);
    }
  g_object_unref (h->out);
  g_object_unref (h->proc);
  g_ptr_array_unref (h->events);
  g_array_unref (h->ports);
  g_array_unref (h->failed);
  g_free (h);
}

static guint
count_events (Headless   *h,
              const char *event)
{
  guint n = 0;

  for (guint i = 0; i < h->events->len; i++)
    if (g_str_equal (event_name (g_ptr_array_index (h->events, i)), event))
      n++;

  return n;
}

/* Integrity, 200 concurrent clients and half-close through one headless run,
 * which then stops cleanly on SIGINT. */
static void
test_headless_forwards (Fixture       *f,
                        gconstpointer  data)
{
  gsize size = 64 * MiB;
  const guint n_clients = 200;
  g_autofree guint8 *down = random_payload (size);
  g_autofree char *down_sum = checksum_of (down, size);
  gsize reply_size = 3 * MiB;
  g_autofree guint8 *reply = random_payload (reply_size);
  g_autofree char *reply_sum = checksum_of (reply, reply_size);
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  Destination *bulk = destination_new (1, down, size);
  Destination *echo = destination_new (n_clients, NULL, 0);
  Destination *late = destination_new (1, reply, reply_size);
  g_autofree char *spec1 = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", free_port (), bulk->port);
  g_autofree char *spec2 = g_strdup_printf ("%u:127.0.0.1:%u", free_port (), echo->port);
  g_autofree char *spec3 = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", free_port (), late->port);
  g_autofree char *key = g_strdup (f->sshd->client_key_path);
  const char *extra[] = { "-i", key, "-L", spec1, "-L", spec2, "-L", spec3, NULL };
  g_autofree char *err = NULL;
  Headless *h;
  Client *big;

  late->reply_after_eof = TRUE;
  h = headless_start (f, extra);
  g_assert_true (headless_wait_connected (h));
  g_assert_cmpuint (h->ports->len, ==, 3);

  big = start_client (clients, g_array_index (h->ports, guint16, 0), size, FALSE, down_sum, size);
  for (guint i = 0; i < n_clients; i++)
    start_client (clients, g_array_index (h->ports, guint16, 1),
                  16 * 1024 + g_random_int_range (0, 128 * 1024), TRUE, NULL, 0);
  start_client (clients, g_array_index (h->ports, guint16, 2), MiB, FALSE, reply_sum, reply_size);
  assert_clients_ok (clients);

  g_assert_cmpuint (destination_wait_served (bulk, 1), ==, 1);
  {
    g_autofree char *up_sum = checksum_of (big->payload, size);

    g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (bulk->received, up_sum)), ==, 1);
  }
  g_assert_cmpuint (destination_wait_served (echo, n_clients), ==, n_clients);
  g_assert_cmpuint (destination_wait_served (late, 1), ==, 1);

  /* Let the last close events out, then stop it like a user would. */
  g_usleep (G_USEC_PER_SEC / 2);
  g_subprocess_send_signal (h->proc, SIGINT);
  headless_assert_exit (h, 0, &err);
  g_assert_cmpuint (count_events (h, "client-opened"), ==, n_clients + 2);
  g_assert_cmpuint (count_events (h, "client-closed"), ==, n_clients + 2);
  g_assert_cmpuint (count_events (h, "stopping"), ==, 1);
  {
    JsonObject *last = g_ptr_array_index (h->events, h->events->len - 1);

    g_assert_cmpstr (event_name (last), ==, "state");
    g_assert_cmpstr (event_string (last, "state"), ==, "disconnected");
  }

  headless_free (h);
  destination_free (bulk);
  destination_free (echo);
  destination_free (late);
}

static void
test_headless_port_in_use (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  Destination *dest = destination_new (1, NULL, 0);
  guint16 taken;
  int blocker = listen_loopback (&taken);
  g_autofree char *bad = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", taken, dest->port);
  g_autofree char *good = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", free_port (), dest->port);
  g_autofree char *key = g_strdup (f->sshd->client_key_path);
  g_autofree char *message = g_strdup_printf ("Port %u on 127.0.0.1 is already in use", taken);
  g_autofree char *err = NULL;
  const char *extra[] = { "-i", key, "-L", bad, "-L", good, NULL };
  const char *strict[] = { "-i", key, "-o", "ExitOnForwardFailure=yes", "-L", good, "-L", bad, NULL };
  Headless *h;

  /* One forward fails, with a suggestion; the other serves. */
  h = headless_start (f, extra);
  g_assert_true (headless_wait_connected (h));
  g_assert_cmpuint (h->failed->len, ==, 1);
  start_client (clients, g_array_index (h->ports, guint16, 1), 64 * 1024, TRUE, NULL, 0);
  assert_clients_ok (clients);
  g_subprocess_send_signal (h->proc, SIGTERM);
  headless_assert_exit (h, 0, &err);
  assert_contains (err, message);
  assert_contains (err, "is free");
  headless_free (h);
  g_clear_pointer (&err, g_free);

  /* With ExitOnForwardFailure the runner stops at once, non-zero. */
  h = headless_start (f, strict);
  g_assert_false (headless_wait_connected (h));
  headless_assert_exit (h, 255, &err);
  assert_contains (err, message);
  headless_free (h);

  close (blocker);
  destination_free (dest);
}

/* Runs a headless tunnel that must fail; returns its stderr. */
static char *
headless_expect_failure (Fixture            *f,
                         const char * const *extra)
{
  Headless *h = headless_start (f, extra);
  char *err = NULL;

  g_assert_false (headless_wait_connected (h));
  headless_assert_exit (h, 255, &err);
  g_assert_cmpuint (count_events (h, "error"), >=, 1);
  headless_free (h);

  /* A fatal error is one clear line. */
  if (strchr (err, '\n') != strrchr (err, '\n') || !g_str_has_suffix (err, "\n"))
    g_error ("expected one line on stderr, got: %s", err);

  return err;
}

static void
test_headless_host_keys (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *file = g_build_filename (f->sshd->dir, "headless_known_hosts", NULL);
  g_autofree char *key = g_strdup (f->sshd->client_key_path);
  g_autofree char *err = NULL;
  g_autofree char *contents = NULL;
  const char *plain[] = { "-i", key, NULL };
  const char *accept[] = { "-i", key, "-o", "StrictHostKeyChecking=accept-new", NULL };
  Headless *h;

  /* Unknown: refused by default, with the fingerprint and how to accept it. */
  g_assert_true (g_file_set_contents (file, "", 0, NULL));
  culvert_profile_set_known_hosts_file (f->profile, file);
  err = headless_expect_failure (f, plain);
  assert_contains (err, f->sshd->host_key_fingerprint);
  assert_contains (err, "StrictHostKeyChecking=accept-new");
  g_clear_pointer (&err, g_free);

  /* accept-new records it, and the next run is accepted as known. */
  h = headless_start (f, accept);
  g_assert_true (headless_wait_connected (h));
  g_subprocess_send_signal (h->proc, SIGINT);
  headless_assert_exit (h, 0, NULL);
  headless_free (h);
  g_assert_true (g_file_get_contents (file, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "ssh-ed25519"));
  h = headless_start (f, plain);
  g_assert_true (headless_wait_connected (h));
  g_subprocess_send_signal (h->proc, SIGINT);
  headless_assert_exit (h, 0, NULL);
  headless_free (h);

  /* Changed: refused even with StrictHostKeyChecking=no, both fingerprints shown. */
  {
    g_autofree char *fingerprint = write_changed_known_hosts (f, file);
    const char *no[] = { "-i", key, "-o", "StrictHostKeyChecking=no", NULL };

    err = headless_expect_failure (f, no);
    assert_contains (err, f->sshd->host_key_fingerprint);
    assert_contains (err, fingerprint);
  }
}

static void
test_headless_wrong_key (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *key = g_build_filename (f->sshd->dir, "stranger", NULL);
  g_autofree char *cmd = g_strdup_printf ("ssh-keygen -q -t ed25519 -N '' -f %s", key);
  g_autofree char *err = NULL;
  const char *extra[] = { "-i", key, NULL };

  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL));
  err = headless_expect_failure (f, extra);
  assert_contains (err, "Permission denied");
  assert_contains (err, "rejected the key");
}

/* A password asked on the terminal: the runner runs in a pseudo-terminal. */
static void
test_headless_wrong_password (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GPtrArray) argv = NULL;
  g_autoptr(GString) screen = g_string_new (NULL);
  const char *no_key[] = { NULL };
  guint answered = 0;
  int master, status;
  pid_t pid, parent;

  if (f->sshd->password == NULL)
    {
      g_test_skip ("password logins need sshd to run as root");
      return;
    }

  /* No key anywhere in this HOME and no agent: the server's password it is. */
  argv = headless_args (f, no_key);
  parent = getpid ();
  pid = forkpty (&master, NULL, NULL, NULL);
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      die_with_test (GINT_TO_POINTER (parent));
      execv (g_ptr_array_index (argv, 0), (char **) argv->pdata);
      _exit (127);
    }

  for (;;)
    {
      char buf[512];
      ssize_t n = read (master, buf, sizeof buf - 1);

      if (n <= 0)
        break;
      buf[n] = '\0';
      g_string_append (screen, buf);
      /* Answer each password prompt, once, wrongly. */
      {
        guint prompts = 0;

        for (const char *p = screen->str; (p = strstr (p, "Password for ")) != NULL; p++)
          prompts++;
        while (answered < prompts && answered < 10)
          {
            g_assert_cmpint (write (master, "wrong\n", 6), ==, 6);
            answered++;
          }
      }
    }
  close (master);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 255);
  g_assert_cmpuint (answered, >=, 1);
  assert_contains (screen->str, "Permission denied");
  /* What was typed is never echoed back. */
  if (strstr (screen->str, "wrong") != NULL)
    g_error ("the password was echoed: %s", screen->str);
}

static void
test_headless_server_goes_away (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  Destination *dest = destination_new (1, NULL, 0);
  Relay *relay = fixture_use_relay (f);
  g_autofree char *spec = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", free_port (), dest->port);
  g_autofree char *key = g_strdup (f->sshd->client_key_path);
  g_autofree char *err = NULL;
  const char *extra[] = { "-i", key, "-L", spec, NULL };
  Headless *h;
  Client *c;


  h = headless_start (f, extra);
  g_assert_true (headless_wait_connected (h));
  c = start_client (clients, g_array_index (h->ports, guint16, 0), 512 * MiB, TRUE, NULL, 0);
  g_usleep (G_USEC_PER_SEC / 2);
  relay_cut (relay);

  headless_assert_exit (h, 255, &err);
  assert_contains (err, "lost");
  g_assert_true (wait_until (client_finished, c, 30));
  g_assert_false (c->ok);

  headless_free (h);
  relay_free (relay);
  destination_free (dest);
}

/* Off-host binds are announced; a bad command line is refused clearly: exit
 * status 2, one line on stderr that says what is wrong, and no run at all
 * (a port out of range is never taken to mean the default, 22). */
static void
test_headless_warnings_and_bad_input (Fixture       *f,
                                      gconstpointer  data)
{
  g_autofree char *key = g_strdup (f->sshd->client_key_path);
  g_autofree char *spec = g_strdup_printf ("%u:127.0.0.1:9", free_port ());
  g_autofree char *any = g_strdup_printf ("0.0.0.0:%u:127.0.0.1:9", free_port ());
  g_autofree char *err = NULL;
  const char *gateway[] = { "-i", key, "-g", "-L", spec, NULL };
  const char *wildcard[] = { "-i", key, "-L", any, NULL };
  struct { const char *args[6]; const char *message; } bad[] = {
    { { "-L", "70000:127.0.0.1:80", NULL }, "out of range" },
    { { "-L", "8080:127.0.0.1", NULL }, "Bad -L forwarding specification" },
    { { "-p", "0", NULL }, "-p must be a number from 1 to 65535, not “0”" },
    { { "-p", "65536", NULL }, "-p must be a number from 1 to 65535, not “65536”" },
    { { "-p", "abc", NULL }, "-p must be a number from 1 to 65535, not “abc”" },
    { { "-p", "-22", NULL }, "-p must be a number from 1 to 65535, not “-22”" },
    { { "-o", "Port=0", NULL }, "Port must be a number from 1 to 65535, not “0”" },
    { { "-o", "Port=65536", NULL }, "Port must be a number from 1 to 65535, not “65536”" },
    { { "-o", "Frobnicate=yes", NULL }, "Frobnicate" },
    { { "-o", "StrictHostKeyChecking=maybe", NULL }, "StrictHostKeyChecking" },
  };
  Headless *h;

  h = headless_start (f, gateway);
  g_assert_true (headless_wait_connected (h));
  g_subprocess_send_signal (h->proc, SIGINT);
  headless_assert_exit (h, 0, &err);
  assert_contains (err, "all interfaces");
  assert_contains (err, "other computers");
  headless_free (h);
  g_clear_pointer (&err, g_free);

  h = headless_start (f, wildcard);
  g_assert_true (headless_wait_connected (h));
  g_subprocess_send_signal (h->proc, SIGINT);
  headless_assert_exit (h, 0, &err);
  assert_contains (err, "0.0.0.0");
  assert_contains (err, "other computers");
  headless_free (h);
  g_clear_pointer (&err, g_free);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      h = headless_start (f, bad[i].args);
      g_assert_false (headless_wait_connected (h));
      headless_assert_exit (h, 2, &err);
      assert_contains (err, bad[i].message);
      if (strchr (err, '\n') != strrchr (err, '\n') || !g_str_has_suffix (err, "\n"))
        g_error ("expected one line on stderr, got: %s", err);
      /* Refused before anything ran: no event at all. */
      g_assert_cmpuint (h->events->len, ==, 0);
      headless_free (h);
      g_clear_pointer (&err, g_free);
    }
}

/* An ssh_config Host block gives every setting, forwards included (-F). */
static void
test_headless_ssh_config (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  Destination *dest = destination_new (1, NULL, 0);
  g_autofree char *file = g_build_filename (f->sshd->dir, "ssh_config", NULL);
  g_autofree char *config = NULL;
  guint16 port = free_port ();
  Headless *h;

  config = g_strdup_printf ("Host tunnelhost\n"
                            "  HostName 127.0.0.1\n"
                            "  Port %u\n"
                            "  User %s\n"
                            "  IdentityFile %s\n"
                            "  UserKnownHostsFile %s\n"
                            "  LocalForward 127.0.0.1:%u 127.0.0.1:%u\n",
                            f->sshd->port, f->sshd->user, f->sshd->client_key_path,
                            f->sshd->known_hosts_path, port, dest->port);
  g_assert_true (g_file_set_contents (file, config, -1, NULL));

  g_ptr_array_add (argv, (char *) culvert_binary ());
  g_ptr_array_add (argv, "--headless");
  g_ptr_array_add (argv, "--json");
  g_ptr_array_add (argv, "-F");
  g_ptr_array_add (argv, file);
  g_ptr_array_add (argv, "tunnelhost");
  g_ptr_array_add (argv, NULL);
  h = headless_spawn ((const char * const *) argv->pdata);

  g_assert_true (headless_wait_connected (h));
  g_assert_cmpuint (h->ports->len, ==, 1);
  g_assert_cmpuint (g_array_index (h->ports, guint16, 0), ==, port);
  start_client (clients, port, 128 * 1024, TRUE, NULL, 0);
  assert_clients_ok (clients);
  g_subprocess_send_signal (h->proc, SIGINT);
  headless_assert_exit (h, 0, NULL);

  headless_free (h);
  destination_free (dest);
}

/* TRUE when @pid is gone: no such process, or a zombie nobody has reaped yet. */
static gboolean
process_is_gone (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char *end;

  if (kill (pid, 0) != 0 && errno == ESRCH)
    return TRUE;
  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return TRUE;
  /* "pid (comm) S …": the state follows the last ')'. */
  end = strrchr (stat, ')');
  return end != NULL && end[1] == ' ' && end[2] == 'Z';
}

/* A test that aborts half-way (a failed assertion, no teardown) leaves no
 * `culvert --headless` behind: the child is asked to stop when its test dies. */
static void
test_headless_child_dies_with_test (Fixture       *f,
                                    gconstpointer  data)
{
  const char *pid_file = g_getenv ("CULVERT_TEST_CHILD_PID_FILE");
  g_autofree char *own_pid_file = NULL;
  g_autofree char *text = NULL;
  g_autofree char *cmdline = NULL;
  g_autofree char *cmdline_path = NULL;
  gint64 deadline;
  pid_t pid;

  if (g_test_subprocess ())
    {
      g_autofree char *spec = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:9", free_port ());
      g_autofree char *key = g_strdup (f->sshd->client_key_path);
      g_autofree char *pid_text = NULL;
      const char *extra[] = { "-i", key, "-L", spec, NULL };
      Headless *h = headless_start (f, extra);

      g_assert_true (headless_wait_connected (h));
      pid_text = g_strdup (g_subprocess_get_identifier (h->proc));
      g_assert_true (g_file_set_contents (pid_file, pid_text, -1, NULL));
      /* Fails on purpose, with the runner serving: abort(), no teardown. */
      g_assert_cmpstr ("the runner", ==, "left behind");
      return;
    }

  own_pid_file = g_build_filename (f->sshd->dir, "headless.pid", NULL);
  g_setenv ("CULVERT_TEST_CHILD_PID_FILE", own_pid_file, TRUE);
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_unsetenv ("CULVERT_TEST_CHILD_PID_FILE");
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*left behind*");

  g_assert_true (g_file_get_contents (own_pid_file, &text, NULL, NULL));
  pid = atoi (text);
  g_assert_cmpint (pid, >, 1);

  /* It has up to 5 s to close its session; give it a little more. */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!process_is_gone (pid) && g_get_monotonic_time () < deadline)
    g_usleep (G_USEC_PER_SEC / 20);
  if (process_is_gone (pid))
    return;

  /* Still there: clean up what we can be sure is ours, then fail. */
  cmdline_path = g_strdup_printf ("/proc/%d/cmdline", (int) pid);
  if (g_file_get_contents (cmdline_path, &cmdline, NULL, NULL) &&
      g_str_equal (cmdline, culvert_binary ()))
    kill (pid, SIGKILL);
  g_error ("culvert --headless (pid %d) outlived the test that started it", (int) pid);
}

/* ---------------------------------------------------------------------- */
/* Where a forward really listens                                          */

/* The addresses of the listening TCP sockets that process @pid holds on
 * @port, as the kernel has them: /proc/PID/net/tcp and tcp6 (the sockets of
 * that process's network namespace) matched against the socket inodes in
 * /proc/PID/fd. Returns the addresses as text ("127.0.0.1", "::1", "::"). */
static GPtrArray *
listening_addresses (pid_t   pid,
                     guint16 port)
{
  g_autofree char *fd_dir = g_strdup_printf ("/proc/%d/fd", (int) pid);
  g_autoptr(GHashTable) inodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GDir) dir = g_dir_open (fd_dir, 0, NULL);
  GPtrArray *found = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *link = g_build_filename (fd_dir, name, NULL);
      g_autofree char *target = g_file_read_link (link, NULL);

      if (target != NULL && g_str_has_prefix (target, "socket:["))
        g_hash_table_add (inodes, g_strndup (target + 8, strlen (target) - 9));
    }

  for (guint v6 = 0; v6 <= 1; v6++)
    {
      g_autofree char *table = g_strdup_printf ("/proc/%d/net/%s", (int) pid, v6 ? "tcp6" : "tcp");
      g_autofree char *contents = NULL;
      g_auto(GStrv) lines = NULL;

      if (!g_file_get_contents (table, &contents, NULL, NULL))
        continue;  /* no IPv6 on this machine */
      lines = g_strsplit (contents, "\n", -1);
      for (guint i = 1; lines[i] != NULL; i++)
        {
          /* sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode */
          g_auto(GStrv) fields = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
          g_autoptr(GPtrArray) cols = g_ptr_array_new ();
          char text[INET6_ADDRSTRLEN];
          const char *local, *colon;
          guint8 bytes[16];

          for (guint j = 0; fields[j] != NULL; j++)
            if (*fields[j] != '\0')
              g_ptr_array_add (cols, fields[j]);
          if (cols->len < 10 || g_strcmp0 (g_ptr_array_index (cols, 3), "0A") != 0 ||
              !g_hash_table_contains (inodes, g_ptr_array_index (cols, 9)))
            continue;
          local = g_ptr_array_index (cols, 1);
          colon = strchr (local, ':');
          g_assert_nonnull (colon);
          if (g_ascii_strtoull (colon + 1, NULL, 16) != port)
            continue;

          /* The address is printed as 32-bit words in the machine's byte order. */
          g_assert_cmpint (colon - local, ==, v6 ? 32 : 8);
          for (guint w = 0; w < (v6 ? 4u : 1u); w++)
            {
              g_autofree char *hex = g_strndup (local + 8 * w, 8);
              guint32 word = (guint32) g_ascii_strtoull (hex, NULL, 16);

              memcpy (bytes + 4 * w, &word, 4);
            }
          g_assert_nonnull (inet_ntop (v6 ? AF_INET6 : AF_INET, bytes, text, sizeof text));
          g_ptr_array_add (found, g_strdup (text));
        }
    }

  return found;
}

/* Fails unless @pid listens on @port, and only on loopback addresses. */
static void
assert_listens_only_on_loopback (pid_t   pid,
                                 guint16 port)
{
  g_autoptr(GPtrArray) addresses = listening_addresses (pid, port);

  if (addresses->len == 0)
    g_error ("process %d has no listening socket on port %u", (int) pid, port);
  for (guint i = 0; i < addresses->len; i++)
    {
      const char *text = g_ptr_array_index (addresses, i);
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (text);

      g_assert_nonnull (address);
      if (!g_inet_address_get_is_loopback (address))
        g_error ("port %u listens on %s, not only on loopback", port, text);
    }
}

/* TRUE when @pid listens on @port on the wildcard address (0.0.0.0 or ::). */
static gboolean
listens_on_any (pid_t   pid,
                guint16 port)
{
  g_autoptr(GPtrArray) addresses = listening_addresses (pid, port);

  for (guint i = 0; i < addresses->len; i++)
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (addresses->pdata[i]);

      if (g_inet_address_get_is_any (address))
        return TRUE;
    }

  return FALSE;
}

/* A forward with no bind address listens on loopback only, as the kernel
 * sees the sockets, and the tunnel says so. */
static void
test_tunnel_default_bind_loopback (Fixture       *f,
                                   gconstpointer  data)
{
  Destination *dest = destination_new (1, NULL, 0);
  g_autofree char *spec = g_strdup_printf ("%u:127.0.0.1:%u", free_port (), dest->port);
  g_autofree char *label = NULL;
  CulvertForwardStatus *status;
  guint16 port;
  int fd;

  add_local (f, spec);
  connect_tunnel (f);
  status = status_at (f->tunnel, 0);
  port = listening_port (f, 0);
  assert_listens_only_on_loopback (getpid (), port);
  label = g_strdup_printf ("127.0.0.1:%u", port);
  assert_contains (culvert_forward_status_get_listen_address (status), label);

  /* It does serve loopback. */
  fd = connect_loopback (port);
  g_assert_cmpint (fd, >=, 0);
  close (fd);

  destination_free (dest);
}

/* The same through `culvert --headless`: its own sockets, and its "listening"
 * event names what the kernel has. With -g it listens on every interface,
 * which shows that the check sees a wildcard bind. */
static void
test_headless_default_bind_loopback (Fixture       *f,
                                     gconstpointer  data)
{
  g_autofree char *key = g_strdup (f->sshd->client_key_path);
  g_autofree char *spec = g_strdup_printf ("%u:127.0.0.1:9", free_port ());
  const char *plain[] = { "-i", key, "-L", spec, NULL };
  const char *gateway[] = { "-i", key, "-g", "-L", spec, NULL };
  g_autoptr(GPtrArray) addresses = NULL;
  const char *announced = NULL;
  Headless *h;
  pid_t pid;
  guint16 port;

  h = headless_start (f, plain);
  g_assert_true (headless_wait_connected (h));
  pid = atoi (g_subprocess_get_identifier (h->proc));
  port = g_array_index (h->ports, guint16, 0);
  assert_listens_only_on_loopback (pid, port);
  for (guint i = 0; i < h->events->len; i++)
    if (g_str_equal (event_name (h->events->pdata[i]), "listening"))
      announced = event_string (h->events->pdata[i], "address");
  addresses = listening_addresses (pid, port);
  for (guint i = 0; i < addresses->len; i++)
    {
      const char *text = addresses->pdata[i];
      g_autofree char *shown = strchr (text, ':') ? g_strdup_printf ("[%s]:%u", text, port)
                                                  : g_strdup_printf ("%s:%u", text, port);

      assert_contains (announced, shown);
    }
  g_subprocess_send_signal (h->proc, SIGTERM);
  headless_assert_exit (h, 0, NULL);
  headless_free (h);

  h = headless_start (f, gateway);
  g_assert_true (headless_wait_connected (h));
  g_assert_true (listens_on_any (atoi (g_subprocess_get_identifier (h->proc)),
                                 g_array_index (h->ports, guint16, 0)));
  g_subprocess_send_signal (h->proc, SIGTERM);
  headless_assert_exit (h, 0, NULL);
  headless_free (h);
}

/* ---------------------------------------------------------------------- */
/* Reachable from another computer? Two network namespaces made by the test */

/* Addresses live only inside the namespaces this test creates, never in the
 * root namespace; every connection to them is made from inside one. */
#define NETNS_SERVER_ADDRESS "198.51.100.1"
#define NETNS_PEER_ADDRESS   "198.51.100.2"

typedef struct
{
  char  *server;    /* namespace of sshd and the runner */
  char  *peer;      /* namespace of "another computer" on the same link */
  GPid   sshd_pid;
} Netns;

/* Whether the test can make network namespaces: not as root it is skipped,
 * and as root it fails without ip, for as root it must run. */
static gboolean
netns_can_run (void)
{
  g_autofree char *ip = NULL;

  if (getuid () != 0)
    {
      g_test_skip ("network namespaces (ip netns add) need root");
      return FALSE;
    }
  ip = g_find_program_in_path ("ip");
  if (ip == NULL)
    {
      g_test_fail_printf ("ip is missing (install iproute2): as root this test must run");
      return FALSE;
    }

  return TRUE;
}

static Netns *
netns_new (void)
{
  Netns *n = g_new0 (Netns, 1);

  netns_remove_stale ("culvert-test");
  n->server = g_strdup_printf ("culvert-test-%d-a", (int) getpid ());
  n->peer = g_strdup_printf ("culvert-test-%d-b", (int) getpid ());
  run_ip ("netns", "add", n->server, NULL);
  run_ip ("netns", "add", n->peer, NULL);
  run_ip ("-n", n->server, "link", "add", "culvert-a", "type", "veth", "peer", "name", "culvert-b",
          NULL);
  run_ip ("-n", n->server, "link", "set", "culvert-b", "netns", n->peer, NULL);
  run_ip ("-n", n->server, "addr", "add", NETNS_SERVER_ADDRESS "/24", "dev", "culvert-a", NULL);
  run_ip ("-n", n->peer, "addr", "add", NETNS_PEER_ADDRESS "/24", "dev", "culvert-b", NULL);
  run_ip ("-n", n->server, "link", "set", "lo", "up", NULL);
  run_ip ("-n", n->server, "link", "set", "culvert-a", "up", NULL);
  run_ip ("-n", n->peer, "link", "set", "lo", "up", NULL);
  run_ip ("-n", n->peer, "link", "set", "culvert-b", "up", NULL);

  return n;
}

static void
netns_free (Netns *n)
{
  if (n->sshd_pid > 0)
    {
      kill (n->sshd_pid, SIGTERM);
      waitpid (n->sshd_pid, NULL, 0);
      g_spawn_close_pid (n->sshd_pid);
    }
  run_ip ("netns", "delete", n->server, NULL);
  run_ip ("netns", "delete", n->peer, NULL);
  g_free (n->server);
  g_free (n->peer);
  g_free (n);
}

typedef struct
{
  const char *netns;
  const char *host;
  guint16     port;
  int         result;   /* 0: connected; else errno */
} NetnsConnect;

/* A thread that joins @netns (only this thread moves) and connects once. */
static gpointer
netns_connect_thread (gpointer data)
{
  NetnsConnect *c = data;
  g_autofree char *path = g_build_filename ("/run/netns", c->netns, NULL);
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (c->port) };
  struct pollfd pfd;
  socklen_t len = sizeof c->result;
  int ns = open (path, O_RDONLY | O_CLOEXEC);
  int fd;

  if (ns < 0 || setns (ns, CLONE_NEWNET) != 0)
    g_error ("cannot enter the network namespace %s: %s", c->netns, g_strerror (errno));
  close (ns);
  g_assert_cmpint (inet_pton (AF_INET, c->host, &addr.sin_addr), ==, 1);

  fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  g_assert_cmpint (fd, >=, 0);
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0)
    c->result = 0;
  else if (errno != EINPROGRESS)
    c->result = errno;
  else
    {
      pfd.fd = fd;
      pfd.events = POLLOUT;
      if (poll (&pfd, 1, 5000) != 1)
        c->result = ETIMEDOUT;
      else
        g_assert_cmpint (getsockopt (fd, SOL_SOCKET, SO_ERROR, &c->result, &len), ==, 0);
    }
  close (fd);

  return NULL;
}

/* Connects to @host:@port from inside @netns; 0 or the errno. */
static int
netns_connect (const char *netns,
               const char *host,
               guint16     port)
{
  NetnsConnect c = { netns, host, port, -1 };

  g_thread_join (g_thread_new ("netns-connect", netns_connect_thread, &c));

  return c.result;
}

/* Starts a second sshd from the fixture's files inside the server namespace:
 * same host key, same port, on that namespace's own 127.0.0.1. */
static void
netns_start_sshd_with (Netns           *n,
                       CulvertTestSshd *sshd,
                       const char      *option)
{
  g_autofree char *log = g_build_filename (sshd->dir, "sshd-netns.log", NULL);
  g_autofree char *pid_file = g_strdup_printf ("PidFile=%s/sshd-netns.pid", sshd->dir);
  g_autoptr(GError) error = NULL;
  /* sshd keeps the first value it gets of an option: -o wins over the file. */
  const char *argv[] = { "ip", "netns", "exec", n->server, "/usr/sbin/sshd", "-D",
                         "-f", sshd->config_path, "-E", log, "-o", pid_file,
                         option != NULL ? "-o" : NULL, option, NULL };
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_assert_true (g_thread_self () == main_thread);
  g_spawn_async (NULL, (char **) argv, NULL,
                 G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                 G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                 die_with_test, GINT_TO_POINTER (getpid ()), &n->sshd_pid, &error);
  g_assert_no_error (error);

  while (netns_connect (n->server, "127.0.0.1", sshd->port) != 0)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("sshd did not start in the namespace %s", n->server);
      g_usleep (G_USEC_PER_SEC / 20);
    }
}

static void
netns_start_sshd (Netns           *n,
                  CulvertTestSshd *sshd)
{
  netns_start_sshd_with (n, sshd, NULL);
}

static void
netns_stop_sshd (Netns *n)
{
  kill (n->sshd_pid, SIGTERM);
  waitpid (n->sshd_pid, NULL, 0);
  g_spawn_close_pid (n->sshd_pid);
  n->sshd_pid = 0;
}

/* `culvert --headless` inside the server namespace, with @extra flags. */
static Headless *
netns_headless_start (Fixture            *f,
                      Netns              *n,
                      const char * const *extra)
{
  g_autoptr(GPtrArray) inner = headless_args (f, extra);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, "ip");
  g_ptr_array_add (argv, "netns");
  g_ptr_array_add (argv, "exec");
  g_ptr_array_add (argv, n->server);
  for (guint i = 0; i < inner->len; i++)
    g_ptr_array_add (argv, inner->pdata[i]);  /* ends with NULL */

  return headless_spawn ((const char * const *) argv->pdata);
}

/* A forward with no bind address cannot be reached from another computer;
 * one with -g can. "Another computer" is a network namespace joined to the
 * runner's by a veth link: sshd and the runner run in one, the client in the
 * other. */
static void
test_headless_default_bind_unreachable (Fixture       *f,
                                        gconstpointer  data)
{
  g_autofree char *key = g_strdup (f->sshd->client_key_path);
  g_autofree char *spec = g_strdup_printf ("%u:127.0.0.1:9", free_port ());
  const char *plain[] = { "-i", key, "-L", spec, NULL };
  const char *gateway[] = { "-i", key, "-g", "-L", spec, NULL };
  Headless *h;
  Netns *n;
  guint16 port;
  int result;

  if (!netns_can_run ())
    return;

  n = netns_new ();
  netns_start_sshd (n, f->sshd);

  /* Loopback only: served on the runner's own 127.0.0.1, refused from the peer. */
  h = netns_headless_start (f, n, plain);
  g_assert_true (headless_wait_connected (h));
  port = g_array_index (h->ports, guint16, 0);
  assert_listens_only_on_loopback (atoi (g_subprocess_get_identifier (h->proc)), port);
  g_assert_cmpint (netns_connect (n->server, "127.0.0.1", port), ==, 0);
  result = netns_connect (n->peer, NETNS_SERVER_ADDRESS, port);
  if (result != ECONNREFUSED)
    g_error ("a forward with no bind address: connecting from another computer gave “%s”, "
             "expected “%s”", result == 0 ? "connected" : g_strerror (result),
             g_strerror (ECONNREFUSED));
  g_subprocess_send_signal (h->proc, SIGTERM);
  headless_assert_exit (h, 0, NULL);
  headless_free (h);

  /* -g: the same forward is reachable from the peer, so the link works. */
  h = netns_headless_start (f, n, gateway);
  g_assert_true (headless_wait_connected (h));
  port = g_array_index (h->ports, guint16, 0);
  g_assert_cmpint (netns_connect (n->peer, NETNS_SERVER_ADDRESS, port), ==, 0);
  g_subprocess_send_signal (h->proc, SIGTERM);
  headless_assert_exit (h, 0, NULL);
  headless_free (h);

  /* The same for a dynamic forward: an open proxy only when asked for. */
  for (guint off_host = 0; off_host <= 1; off_host++)
    {
      g_autofree char *dynamic = g_strdup_printf ("%s%u", off_host ? "0.0.0.0:" : "",
                                                  free_port ());
      const char *extra[] = { "-i", key, "-D", dynamic, NULL };

      h = netns_headless_start (f, n, extra);
      g_assert_true (headless_wait_connected (h));
      port = g_array_index (h->ports, guint16, 0);
      g_assert_cmpint (netns_connect (n->server, "127.0.0.1", port), ==, 0);
      result = netns_connect (n->peer, NETNS_SERVER_ADDRESS, port);
      if (result != (off_host ? 0 : ECONNREFUSED))
        g_error ("-D %s: connecting from another computer gave “%s”", dynamic,
                 result == 0 ? "connected" : g_strerror (result));
      g_subprocess_send_signal (h->proc, SIGTERM);
      headless_assert_exit (h, 0, NULL);
      headless_free (h);
    }

  netns_free (n);
}

/* The "listening" event of an incoming forward: its port, and "reach". */
static guint16
headless_wait_remote_listening (Headless  *h,
                                char     **reach)
{
  JsonObject *event;

  while ((event = headless_read_event (h)) != NULL)
    if (g_str_equal (event_name (event), "listening"))
      {
        JsonNode *member = json_object_get_member (event, "reach");

        g_assert_nonnull (member);
        *reach = json_node_get_value_type (member) == G_TYPE_STRING
                 ? g_strdup (json_node_get_string (member)) : NULL;
        return event_int (event, "port", 1, 65535);
      }
  g_error ("the runner ended before the incoming forward listened");
}

/* An incoming forward that asks the server to listen on its other
 * computer's address: with GatewayPorts clientspecified the other computer
 * connects, and the runner says so ("reach": "other-hosts"); with
 * GatewayPorts no the server silently listens on its loopback instead, the
 * other computer is refused, and the runner says so rather than claiming
 * it can connect ("loopback-only", and a note on stderr). Culvert runs in
 * the server's namespace, the other computer is the peer namespace. */
static void
test_headless_remote_gateway_ports (Fixture       *f,
                                    gconstpointer  data)
{
  g_autofree char *key = g_strdup (f->sshd->client_key_path);
  g_autofree char *spec = g_strdup_printf (NETNS_SERVER_ADDRESS ":0:127.0.0.1:%u",
                                           free_port ());
  const char *extra[] = { "-i", key, "-R", spec, NULL };
  const char *gateway_ports[] = { "GatewayPorts=clientspecified", "GatewayPorts=no" };
  const char *expected[] = { "other-hosts", "loopback-only" };
  Netns *n;

  if (!netns_can_run ())
    return;

  n = netns_new ();
  for (guint i = 0; i < G_N_ELEMENTS (gateway_ports); i++)
    {
      g_autofree char *reach = NULL;
      g_autofree char *err = NULL;
      Headless *h;
      guint16 port;
      int result;

      g_test_message ("sshd with %s", gateway_ports[i]);
      netns_start_sshd_with (n, f->sshd, gateway_ports[i]);
      h = netns_headless_start (f, n, extra);
      g_assert_true (headless_wait_connected (h));
      port = headless_wait_remote_listening (h, &reach);
      g_assert_cmpstr (reach, ==, expected[i]);

      /* What the other computer really gets. */
      result = netns_connect (n->peer, NETNS_SERVER_ADDRESS, port);
      if (i == 0)
        g_assert_cmpint (result, ==, 0);
      else if (result != ECONNREFUSED)
        g_error ("GatewayPorts no: connecting from another computer gave “%s”, expected “%s”",
                 result == 0 ? "connected" : g_strerror (result), g_strerror (ECONNREFUSED));
      /* …while programs on the server still can. */
      g_assert_cmpint (netns_connect (n->server, "127.0.0.1", port), ==, i == 0 ? ECONNREFUSED : 0);

      g_subprocess_send_signal (h->proc, SIGTERM);
      headless_assert_exit (h, 0, &err);
      if (i == 1)
        g_assert_nonnull (strstr (err, "other computers cannot connect"));
      headless_free (h);
      netns_stop_sshd (n);
    }
  netns_free (n);
}

/* Dropbear decides like OpenSSH's GatewayPorts, with its -a: without it an
 * incoming forward listens on the server's loopback whatever it asks, and
 * the runner says so. Dropbear runs in the server namespace with the
 * fixture's files, Culvert next to it, the other computer in the peer. */
static void
test_headless_remote_gateway_ports_dropbear (Fixture       *f,
                                             gconstpointer  data)
{
  g_autofree char *reason = NULL;
  g_autoptr(CulvertTestDropbear) db = NULL;
  g_autoptr(GError) error = NULL;
  const char *expected[] = { "loopback-only", "other-hosts" };
  Netns *n;

  if (!netns_can_run ())
    return;
  if (!culvert_test_dropbear_available (&reason))
    {
      g_test_fail_printf ("as root this test must run: %s", reason);
      return;
    }

  db = culvert_test_dropbear_start (NULL, &error);
  g_assert_no_error (error);
  n = netns_new ();
  for (guint allow = 0; allow <= 1; allow++)
    {
      g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", db->port);
      g_autofree char *listen_there = g_strdup_printf ("%s:%u", NETNS_SERVER_ADDRESS, db->port);
      g_autofree char *pid_file = g_build_filename (db->dir, "dropbear-netns.pid", NULL);
      const char *dropbear[] = { "ip", "netns", "exec", n->server, "/usr/sbin/dropbear", "-F",
                                 "-E", "-s", "-p", listen, "-p", listen_there,
                                 "-r", db->host_key_path, "-P", pid_file,
                                 allow ? "-a" : NULL, NULL };
      guint16 remote_port = free_port ();
      g_autofree char *port_text = g_strdup_printf ("%u", db->port);
      g_autofree char *known = g_strdup_printf ("UserKnownHostsFile=%s", db->known_hosts_path);
      g_autofree char *spec = g_strdup_printf ("%s:%u:127.0.0.1:%u", NETNS_SERVER_ADDRESS,
                                               remote_port, free_port ());
      const char *runner[] = { "ip", "netns", "exec", n->server, culvert_binary (),
                               "--headless", "--json", "-p", port_text, "-l", db->user,
                               "-i", db->client_key_path, "-o", known, "-R", spec,
                               "127.0.0.1", NULL };
      gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
      g_autofree char *reach = NULL;
      Headless *h;
      GPid pid;
      int result;

      g_spawn_async (NULL, (char **) dropbear, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                     G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     die_with_test, GINT_TO_POINTER (getpid ()), &pid, &error);
      g_assert_no_error (error);
      while (netns_connect (n->server, "127.0.0.1", db->port) != 0)
        {
          if (g_get_monotonic_time () > deadline)
            g_error ("dropbear did not start in the namespace %s", n->server);
          g_usleep (G_USEC_PER_SEC / 20);
        }

      h = headless_spawn (runner);
      g_assert_true (headless_wait_connected (h));
      g_assert_cmpuint (headless_wait_remote_listening (h, &reach), ==, remote_port);
      g_test_message ("dropbear%s: reach %s", allow ? " -a" : "", reach);
      g_assert_cmpstr (reach, ==, expected[allow]);
      result = netns_connect (n->peer, NETNS_SERVER_ADDRESS, remote_port);
      if (result != (allow ? 0 : ECONNREFUSED))
        g_error ("dropbear%s: connecting from another computer gave “%s”", allow ? " -a" : "",
                 result == 0 ? "connected" : g_strerror (result));

      g_subprocess_send_signal (h->proc, SIGTERM);
      headless_assert_exit (h, 0, NULL);
      headless_free (h);
      culvert_test_signal_tree (pid, SIGTERM);
      waitpid (pid, NULL, 0);
      g_spawn_close_pid (pid);
    }
  netns_free (n);
}

static gboolean
tunnel_reconnecting (gpointer data)
{
  return culvert_tunnel_get_state (data) == CULVERT_TUNNEL_RECONNECTING;
}

static gboolean
tunnel_connected_again (gpointer data)
{
  return culvert_tunnel_get_state (data) == CULVERT_TUNNEL_CONNECTED;
}

static gboolean
next_try_known (gpointer data)
{
  return culvert_tunnel_get_next_try (data) != 0;
}

/* A path that stops carrying bytes is noticed by keepalives; the tunnel
 * connects again with the same local port once the path comes back. */
static void
test_tunnel_keepalive_reconnect (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  Destination *dest = destination_new (2, NULL, 0);
  Relay *relay = fixture_use_relay (f);
  LogWait wait = { NULL, "stopped answering" };
  guint16 port;

  culvert_profile_set_keepalive_interval (f->profile, 1);
  culvert_profile_set_keepalive_count (f->profile, 2);
  culvert_profile_set_reconnect (f->profile, TRUE);

  add_local_to (f, dest->port);
  connect_tunnel (f);
  wait.tunnel = f->tunnel;
  port = listening_port (f, 0);
  start_client (clients, port, 64 * 1024, TRUE, NULL, 0);
  assert_clients_ok (clients);

  g_atomic_int_set (&relay->frozen, 1);
  g_assert_true (wait_until (log_has, &wait, 20));
  g_assert_true (wait_until (tunnel_reconnecting, f->tunnel, 20));

  /* While it waits, the tunnel says which attempt comes and when. */
  g_assert_true (wait_until (next_try_known, f->tunnel, 20));
  g_assert_cmpuint (culvert_tunnel_get_reconnect_attempt (f->tunnel), >=, 1);
  g_assert_cmpint (culvert_tunnel_get_next_try (f->tunnel), >, g_get_real_time () - G_USEC_PER_SEC);
  g_assert_cmpint (culvert_tunnel_get_next_try (f->tunnel), <=,
                   g_get_real_time () + 61 * G_USEC_PER_SEC);

  g_atomic_int_set (&relay->frozen, 0);
  g_assert_true (wait_until (tunnel_connected_again, f->tunnel, 60));
  g_assert_cmpuint (culvert_tunnel_get_reconnect_attempt (f->tunnel), ==, 0);
  g_assert_cmpint (culvert_tunnel_get_next_try (f->tunnel), ==, 0);
  g_assert_cmpint (culvert_tunnel_get_state_since (f->tunnel), >, g_get_real_time () - 60 * G_USEC_PER_SEC);

  /* Same port, working again. */
  g_assert_cmpuint (listening_port (f, 0), ==, port);
  start_client (clients, port, 64 * 1024, TRUE, NULL, 0);
  assert_clients_ok (clients);

  relay_free (relay);
  destination_free (dest);
}

static gboolean
no_active (gpointer data)
{
  CulvertForwardStatus *status = data;

  return culvert_forward_status_get_active (status) == 0 &&
         culvert_forward_status_get_total (status) > 0;
}

/* Clients that reset right away, before or after their channel opens, are
 * cleaned up, and the forward goes on serving. */
static void
test_tunnel_clients_that_reset (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  Destination *dest = destination_new (100, NULL, 0);
  CulvertForwardStatus *status;
  guint16 port;

  add_local_to (f, dest->port);
  connect_tunnel (f);
  status = status_at (f->tunnel, 0);
  port = listening_port (f, 0);

  for (guint i = 0; i < 50; i++)
    {
      struct linger hard = { 1, 0 };
      int fd = connect_loopback (port);

      g_assert_cmpint (fd, >=, 0);
      if (i % 2 == 1)
        g_assert_cmpint (send (fd, "x", 1, 0), ==, 1);
      setsockopt (fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
      close (fd);
    }

  g_assert_true (wait_until (no_active, status, 20));
  g_assert_cmpuint (culvert_forward_status_get_total (status), ==, 50);
  g_assert_cmpint (culvert_tunnel_get_state (f->tunnel), ==, CULVERT_TUNNEL_CONNECTED);

  start_client (clients, port, 256 * 1024, TRUE, NULL, 0);
  assert_clients_ok (clients);

  destination_free (dest);
}

/* The server re-keys every megabyte, in the middle of a transfer both ways:
 * writes that libssh holds back during a re-key must go on afterwards. */
static void
test_tunnel_rekey (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gsize size = 32 * MiB;
  g_autofree guint8 *down = random_payload (size);
  g_autofree char *down_sum = checksum_of (down, size);
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  Destination *dest = destination_new (1, down, size);
  Client *c;

  culvert_test_sshd_stop (f->sshd);
  f->sshd = culvert_test_sshd_start ("RekeyLimit 1M", &error);
  g_assert_no_error (error);
  culvert_profile_set_port (f->profile, f->sshd->port);
  culvert_profile_set_user (f->profile, f->sshd->user);
  culvert_profile_set_identity_file (f->profile, f->sshd->client_key_path);
  culvert_profile_set_known_hosts_file (f->profile, f->sshd->known_hosts_path);

  add_local_to (f, dest->port);
  connect_tunnel (f);
  c = start_client (clients, listening_port (f, 0), size, FALSE, down_sum, size);
  assert_clients_ok (clients);
  g_assert_cmpuint (destination_wait_served (dest, 1), ==, 1);
  {
    g_autofree char *up_sum = checksum_of (c->payload, size);

    g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (dest->received, up_sum)), ==, 1);
  }

  destination_free (dest);
}

/* ---------------------------------------------------------------------- */
/* The worker's life                                                       */

/* What libssh 0.11+ does inside ssh_channel_poll: read and write the
 * socket again after a pass has looked at who waits for that. */
static void
pump_socket_late (ssh_session session,
                  ssh_event   event)
{
  for (guint i = 0; i < 16 && ssh_event_dopoll (event, 0) == SSH_OK; i++)
    ;
}

/* Window adjusts read and output flushed at the end of every pass must
 * still wake the clients that waited for them, with no keepalive or other
 * traffic to wake the worker: first one client that uploads far more than
 * one window to a destination that answers only at the end (so nothing but
 * window adjusts comes back meanwhile), then many echo clients at once. */
static void
test_tunnel_late_socket_work (Fixture       *f,
                              gconstpointer  data)
{
  const guint n_clients = 100;
  static const guint8 reply[] = "stored";
  g_autofree char *reply_sum = checksum_of (reply, sizeof reply);
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  Destination *sink = destination_new (1, reply, sizeof reply);
  Destination *echo = destination_new (n_clients, NULL, 0);
  guint16 sink_port;
  guint16 echo_port;

  sink->reply_after_eof = TRUE;
  add_local_to (f, sink->port);
  add_local_to (f, echo->port);
  connect_tunnel (f);
  sink_port = listening_port (f, 0);
  echo_port = listening_port (f, 1);

  culvert_worker_set_pass_hook (pump_socket_late);
  start_client (clients, sink_port, 32 * MiB, FALSE, reply_sum, sizeof reply);
  g_assert_true (wait_until (clients_done, clients, 30));
  for (guint i = 0; i < n_clients; i++)
    start_client (clients, echo_port, 64 * 1024 + g_random_int_range (0, 4 * MiB), TRUE, NULL, 0);
  g_assert_true (wait_until (clients_done, clients, 60));
  culvert_worker_set_pass_hook (NULL);
  assert_clients_ok (clients);
  g_assert_cmpuint (destination_wait_served (sink, 1), ==, 1);
  g_assert_cmpuint (destination_wait_served (echo, n_clients), ==, n_clients);

  destination_free (sink);
  destination_free (echo);
}

typedef struct
{
  Fixture  *f;
  gboolean  reconnected;
  GError   *error;
} Reconnect;

static void
on_exited_reconnect (CulvertTunnel *tunnel,
                     Reconnect     *r)
{
  if (r->reconnected)
    return;
  r->reconnected = culvert_tunnel_connect (tunnel, &r->error);
}

/* A worker that exited has let go of its ports: connecting again from the
 * "exited" handler listens on the same port at once. */
static void
test_tunnel_reconnect_when_exited (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  Destination *dest = destination_new (2, NULL, 0);
  Reconnect r = { f, FALSE, NULL };
  guint16 port;
  gulong id;

  port = add_local_to (f, dest->port);
  connect_tunnel (f);
  g_assert_cmpuint (listening_port (f, 0), ==, port);
  start_client (clients, port, 64 * 1024, TRUE, NULL, 0);
  assert_clients_ok (clients);

  id = g_signal_connect (f->tunnel, "exited", G_CALLBACK (on_exited_reconnect), &r);
  culvert_tunnel_disconnect (f->tunnel);
  while (!r.reconnected && r.error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (f->tunnel, id);
  g_assert_no_error (r.error);
  g_assert_cmpuint (listening_port (f, 0), ==, port);

  g_assert_true (wait_until (tunnel_connected, f->tunnel, 20));
  start_client (clients, port, 64 * 1024, TRUE, NULL, 0);
  assert_clients_ok (clients);

  destination_free (dest);
}

/* A server that stops reading while many clients upload: the windows of
 * its channels allow more than the socket buffers hold. Disconnecting still
 * ends the tunnel at once: the worker writes only what the socket takes
 * (libssh writes after poll() said so, and the pump adds no more while
 * output waits), so it never sits in a write the server does not take. */
static void
test_tunnel_stop_server_stalled (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  const guint n_clients = 32;
  Destination *dest = destination_new (n_clients, NULL, 0);
  CulvertForwardStatus *status;
  guint16 port;
  gint64 deadline;
  gint64 start;

  port = add_local_to (f, dest->port);
  connect_tunnel (f);
  g_assert_cmpuint (listening_port (f, 0), ==, port);
  status = status_at (f->tunnel, 0);
  for (guint i = 0; i < n_clients; i++)
    start_client (clients, port, 4 * MiB, TRUE, NULL, 0);
  while (culvert_forward_status_get_bytes_sent (status) < 8 * MiB)
    g_main_context_iteration (NULL, TRUE);

  /* The server stops; what the clients still send fills every buffer. */
  culvert_test_sshd_signal_sessions (f->sshd, SIGSTOP);
  deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);

  g_signal_connect (f->tunnel, "exited", G_CALLBACK (on_exited), f);
  start = g_get_monotonic_time ();
  culvert_tunnel_disconnect (f->tunnel);
  g_assert_true (wait_until (tunnel_exited, f, 20));
  g_test_message ("stopped after %.2f s", (g_get_monotonic_time () - start) / 1e6);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);

  culvert_test_sshd_signal_sessions (f->sshd, SIGCONT);
  g_ptr_array_set_size (clients, 0);   /* their connections were closed */
  destination_free (dest);
}

static void
on_question_keep (CulvertTunnel    *tunnel,
                  CulvertQuestion  *question,
                  CulvertQuestion **kept)
{
  *kept = g_object_ref (question);
}

/* A question answered after the tunnel stopped is a no-op, and nothing
 * keeps the worker alive. */
static void
test_tunnel_answer_after_stop (Fixture       *f,
                               gconstpointer  data)
{
  g_autofree char *empty = g_build_filename (f->sshd->dir, "empty_known_hosts", NULL);
  g_autoptr(GError) error = NULL;
  CulvertQuestion *question = NULL;

  g_assert_true (wait_until (no_worker_alive, NULL, 5));
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  culvert_profile_set_known_hosts_file (f->profile, empty);
  f->tunnel = culvert_tunnel_new (f->profile);
  culvert_tunnel_set_host_key_policy (f->tunnel, CULVERT_HOST_KEY_ASK);
  g_signal_connect (f->tunnel, "question", G_CALLBACK (on_question_keep), &question);
  g_signal_connect (f->tunnel, "exited", G_CALLBACK (on_exited), f);
  g_assert_true (culvert_tunnel_connect (f->tunnel, &error));
  while (question == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (culvert_worker_get_n_alive (), ==, 1);

  culvert_tunnel_disconnect (f->tunnel);
  while (!f->exited)
    g_main_context_iteration (NULL, TRUE);
  culvert_question_answer (question, TRUE, NULL);
  g_object_unref (question);
  g_assert_true (wait_until (no_worker_alive, NULL, 5));

  /* The key was never accepted. */
  {
    g_autofree char *contents = NULL;

    g_assert_true (g_file_get_contents (empty, &contents, NULL, NULL));
    g_assert_cmpstr (contents, ==, "");
  }
}

/* A server that takes the TCP connection and never says a word: while the
 * handshake waits, a client of the forward is held (its connection stays
 * open, nothing comes back); a stop ends the attempt within a second and
 * closes the client. */
static void
test_tunnel_stop_during_handshake (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint16 silent_port;
  int silent = listen_loopback (&silent_port);
  int server_side;
  int fd;
  char buf[16];
  guint16 port;
  gint64 start;

  culvert_profile_set_port (f->profile, silent_port);
  port = add_local_to (f, free_port ());
  f->tunnel = culvert_tunnel_new (f->profile);
  g_signal_connect (f->tunnel, "exited", G_CALLBACK (on_exited), f);
  g_assert_true (culvert_tunnel_connect (f->tunnel, &error));
  g_assert_no_error (error);

  /* The worker reached the silent server. */
  server_side = accept (silent, NULL, NULL);
  g_assert_cmpint (server_side, >=, 0);

  /* A client of the forward waits for the session: held open. */
  fd = connect_loopback (port);
  g_assert_cmpint (fd, >=, 0);
  {
    struct timeval tv = { 1, 0 };

    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  g_assert_cmpint (recv (fd, buf, sizeof buf, 0), ==, -1);
  g_assert_true (errno == EAGAIN || errno == EWOULDBLOCK);
  g_assert_cmpint (culvert_tunnel_get_state (f->tunnel), ==, CULVERT_TUNNEL_CONNECTING);

  start = g_get_monotonic_time ();
  culvert_tunnel_disconnect (f->tunnel);
  g_assert_true (wait_until (tunnel_exited, f, 1));
  g_assert_cmpint (g_get_monotonic_time () - start, <=, G_USEC_PER_SEC);
  g_assert_cmpint (culvert_tunnel_get_state (f->tunnel), ==, CULVERT_TUNNEL_DISCONNECTED);

  /* Stopped: the client is let go, not left hanging. */
  g_assert_cmpint (recv (fd, buf, sizeof buf, 0), ==, 0);
  close (fd);

  close (server_side);
  close (silent);
}

/* ---------------------------------------------------------------------- */
/* Bind names                                                              */

/* A resolver that knows one name, answers only asynchronously and late,
 * and fails the test if anyone asks it synchronously (the main thread must
 * never wait for a name). The system's resolver would ask a name server
 * outside this machine for any name not in /etc/hosts. */
#define SLOW_NAME "tunnel-bind.culvert.test"

typedef struct
{
  GResolver parent_instance;
} SlowResolver;

typedef struct
{
  GResolverClass parent_class;
} SlowResolverClass;

static GType slow_resolver_get_type (void);
G_DEFINE_TYPE (SlowResolver, slow_resolver, G_TYPE_RESOLVER)

static GList *
slow_resolver_lookup_by_name (GResolver     *resolver,
                              const char    *hostname,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_error ("a name (%s) was looked up synchronously", hostname);
  return NULL;
}

static gboolean
slow_resolver_answer (gpointer data)
{
  GTask *task = data;
  const char *name = g_task_get_task_data (task);

  if (g_strcmp0 (name, SLOW_NAME) == 0)
    g_task_return_pointer (task,
                           g_list_append (NULL, g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4)),
                           (GDestroyNotify) g_resolver_free_addresses);
  else
    g_task_return_new_error (task, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                             "No such host: %s", name);
  g_object_unref (task);

  return G_SOURCE_REMOVE;
}

static void
slow_resolver_lookup_by_name_async (GResolver           *resolver,
                                    const char          *hostname,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GTask *task = g_task_new (resolver, cancellable, callback, user_data);

  g_task_set_task_data (task, g_strdup (hostname), g_free);
  g_timeout_add (300, slow_resolver_answer, task);
}

static GList *
slow_resolver_lookup_by_name_finish (GResolver     *resolver,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
slow_resolver_class_init (SlowResolverClass *klass)
{
  GResolverClass *resolver_class = G_RESOLVER_CLASS (klass);

  resolver_class->lookup_by_name = slow_resolver_lookup_by_name;
  resolver_class->lookup_by_name_async = slow_resolver_lookup_by_name_async;
  resolver_class->lookup_by_name_finish = slow_resolver_lookup_by_name_finish;
}

static void
slow_resolver_init (SlowResolver *self)
{
}

static gboolean
forward_state_is (CulvertForwardStatus    *status,
                  CulvertForwardState      state)
{
  return culvert_forward_status_get_state (status) == state;
}

static gboolean
forward_listening (gpointer data)
{
  return forward_state_is (data, CULVERT_FORWARD_STATE_LISTENING);
}

static gboolean
forward_failed (gpointer data)
{
  return forward_state_is (data, CULVERT_FORWARD_STATE_FAILED);
}

/* A bind address that is a name is looked up without blocking: connecting
 * returns at once, the forward listens once the name is known, and a name
 * that does not resolve fails that forward alone. */
static void
test_tunnel_bind_name (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GResolver) old_resolver = g_resolver_get_default ();
  g_autoptr(GResolver) slow = g_object_new (slow_resolver_get_type (), NULL);
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  Destination *dest = destination_new (1, NULL, 0);
  g_autofree char *named = NULL;
  g_autofree char *unknown = NULL;
  g_autofree char *expected = NULL;
  CulvertForwardStatus *status;
  CulvertForwardStatus *bad;
  guint16 port = free_port ();
  int fd;

  named = g_strdup_printf (SLOW_NAME ":%u:127.0.0.1:%u", port, dest->port);
  unknown = g_strdup_printf ("nowhere.culvert.test:%u:127.0.0.1:%u", free_port (), dest->port);
  add_local (f, named);
  add_local (f, unknown);

  g_resolver_set_default (slow);
  f->tunnel = tunnel_start (f->profile);
  status = status_at (f->tunnel, 0);
  bad = status_at (f->tunnel, 1);

  /* Nothing listens before the name is known. */
  g_assert_cmpint (culvert_forward_status_get_state (status), ==, CULVERT_FORWARD_STATE_PENDING);
  fd = connect_loopback (port);
  g_assert_cmpint (fd, <, 0);

  g_assert_true (wait_until (tunnel_connected, f->tunnel, 20));
  g_assert_true (wait_until (forward_listening, status, 10));
  expected = g_strdup_printf ("127.0.0.1:%u", port);
  g_assert_cmpstr (culvert_forward_status_get_listen_address (status), ==, expected);
  g_assert_cmpuint (culvert_forward_status_get_port (status), ==, port);
  start_client (clients, port, 256 * 1024, TRUE, NULL, 0);
  assert_clients_ok (clients);

  g_assert_true (wait_until (forward_failed, bad, 10));
  g_assert_nonnull (strstr (culvert_forward_status_get_error (bad), "nowhere.culvert.test"));
  g_assert_cmpint (culvert_tunnel_get_state (f->tunnel), ==, CULVERT_TUNNEL_CONNECTED);

  g_resolver_set_default (old_resolver);
  destination_free (dest);
}

/* An idle tunnel with keepalives every second, where two unanswered ones
 * count as a dead server, stays up: each keepalive goes out and its answer
 * comes back through libssh's one slot for global requests. */
static void
test_tunnel_keepalive_idle (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  Destination *dest = destination_new (1, NULL, 0);
  gint64 until;
  guint16 port;

  culvert_profile_set_keepalive_interval (f->profile, 1);
  culvert_profile_set_keepalive_count (f->profile, 1);
  port = add_local_to (f, dest->port);
  connect_tunnel (f);

  until = g_get_monotonic_time () + 6 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
      g_assert_cmpint (culvert_tunnel_get_state (f->tunnel), ==, CULVERT_TUNNEL_CONNECTED);
    }
  g_assert_false (log_contains (f->tunnel, "stopped answering"));

  start_client (clients, port, 64 * 1024, TRUE, NULL, 0);
  assert_clients_ok (clients);
  destination_free (dest);
}

/* ---------------------------------------------------------------------- */
/* Incoming forwards                                                       */

static CulvertForward *
add_remote (Fixture    *f,
            const char *spec)
{
  return add_forward (f, CULVERT_FORWARD_REMOTE, spec);
}

static gboolean
forward_settled (gpointer data)
{
  CulvertForwardState state = culvert_forward_status_get_state (data);

  return state == CULVERT_FORWARD_STATE_LISTENING || state == CULVERT_FORWARD_STATE_FAILED;
}

/* Waits until the server answered for the incoming forward at @index:
 * it listens, on the port returned. */
static guint16
remote_listening_port (Fixture *f,
                       guint    index)
{
  CulvertForwardStatus *status = status_at (f->tunnel, index);
  guint16 port;

  g_assert_true (wait_until (forward_settled, status, 20));
  g_assert_cmpint (culvert_forward_status_get_state (status), ==, CULVERT_FORWARD_STATE_LISTENING);
  port = culvert_forward_status_get_port (status);
  g_assert_cmpuint (port, >, 0);

  return port;
}

/* The server listens on the port it picked (-R 0); what its clients send
 * reaches the destination here whole, and back: 64 MiB each way. */
static void
test_tunnel_remote_integrity (Fixture       *f,
                              gconstpointer  data)
{
  gsize size = 64 * MiB;
  g_autofree guint8 *down = random_payload (size);
  g_autofree char *down_sum = checksum_of (down, size);
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  g_autofree char *spec = NULL;
  g_autofree char *label = NULL;
  Destination *dest = destination_new (1, down, size);
  CulvertForwardStatus *status;
  guint16 port;
  Client *c;

  spec = g_strdup_printf ("127.0.0.1:0:127.0.0.1:%u", dest->port);
  add_remote (f, spec);
  connect_tunnel (f);
  port = remote_listening_port (f, 0);
  status = status_at (f->tunnel, 0);
  label = g_strdup_printf ("127.0.0.1:%u", port);
  g_assert_cmpstr (culvert_forward_status_get_listen_address (status), ==, label);

  /* sshd, on this same machine, listens on that port. */
  c = start_client (clients, port, size, FALSE, down_sum, size);
  assert_clients_ok (clients);
  g_assert_cmpuint (destination_wait_served (dest, 1), ==, 1);
  {
    g_autofree char *up_sum = checksum_of (c->payload, size);

    g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (dest->received, up_sum)), ==, 1);
  }

  /* Counted on the forward, and the client's address is the originator. */
  while (culvert_forward_status_get_bytes_received (status) < size ||
         culvert_forward_status_get_active (status) != 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (culvert_forward_status_get_bytes_sent (status), ==, size);
  g_assert_cmpuint (culvert_forward_status_get_total (status), ==, 1);

  destination_free (dest);
}

/* A port the server cannot take fails that forward alone, with a reason;
 * another incoming forward and a local destination that refuses close only
 * their own connection. */
static void
test_tunnel_remote_refused (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  g_autofree char *taken_spec = NULL;
  g_autofree char *good_spec = NULL;
  g_autofree char *refusing_spec = NULL;
  Destination *dest = destination_new (1, NULL, 0);
  CulvertForwardStatus *taken;
  CulvertForwardStatus *good;
  CulvertForwardStatus *refusing;
  guint16 taken_port;
  int taken_fd = listen_loopback (&taken_port);
  char buf[16];
  int fd;

  taken_spec = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", taken_port, dest->port);
  good_spec = g_strdup_printf ("127.0.0.1:0:127.0.0.1:%u", dest->port);
  refusing_spec = g_strdup_printf ("127.0.0.1:0:127.0.0.1:%u", free_port ());
  add_remote (f, taken_spec);
  add_remote (f, good_spec);
  add_remote (f, refusing_spec);
  connect_tunnel (f);
  taken = status_at (f->tunnel, 0);
  good = status_at (f->tunnel, 1);
  refusing = status_at (f->tunnel, 2);

  g_assert_true (wait_until (forward_settled, taken, 20));
  g_assert_cmpint (culvert_forward_status_get_state (taken), ==, CULVERT_FORWARD_STATE_FAILED);
  g_assert_nonnull (culvert_forward_status_get_error (taken));
  g_assert_true (wait_until (forward_settled, good, 20));
  g_assert_cmpint (culvert_forward_status_get_state (good), ==, CULVERT_FORWARD_STATE_LISTENING);
  g_assert_true (wait_until (forward_settled, refusing, 20));
  g_assert_cmpint (culvert_forward_status_get_state (refusing), ==,
                   CULVERT_FORWARD_STATE_LISTENING);

  /* The destination that refuses: the client's connection is closed. */
  fd = connect_loopback (culvert_forward_status_get_port (refusing));
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (recv (fd, buf, sizeof buf, 0), <=, 0);
  close (fd);

  start_client (clients, culvert_forward_status_get_port (good), 256 * 1024, TRUE, NULL, 0);
  assert_clients_ok (clients);
  g_assert_cmpint (culvert_tunnel_get_state (f->tunnel), ==, CULVERT_TUNNEL_CONNECTED);

  close (taken_fd);
  destination_free (dest);
}

/* Connects to @address:@port (IPv4), sends a line and reads to EOF:
 * returns what came back (NULL when the connection failed). */
static char *
exchange_with (const char *address,
               guint16     port)
{
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons (port) };
  GString *got = g_string_new (NULL);
  char buf[256];
  ssize_t n;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (inet_pton (AF_INET, address, &sin.sin_addr), ==, 1);
  if (connect (fd, (struct sockaddr *) &sin, sizeof sin) != 0)
    {
      close (fd);
      g_string_free (got, TRUE);
      return NULL;
    }
  g_assert_cmpint (send (fd, "hello\n", 6, MSG_NOSIGNAL), ==, 6);
  shutdown (fd, SHUT_WR);
  while ((n = recv (fd, buf, sizeof buf, 0)) > 0)
    g_string_append_len (got, buf, n);
  close (fd);

  return g_string_free (got, FALSE);
}

/* Two incoming forwards on one port number, on 127.0.0.1 and 127.0.0.2
 * (sshd: GatewayPorts clientspecified): a client of each address reaches
 * that forward's own destination, as with OpenSSH; the channel the server
 * opens says which address was connected, and is routed by it. */
static void
test_tunnel_remote_same_port (Fixture       *f,
                              gconstpointer  data)
{
  static const guint8 one[] = "destination one";
  static const guint8 two[] = "destination two";
  Destination *dest1 = destination_new (1, one, sizeof one - 1);
  Destination *dest2 = destination_new (1, two, sizeof two - 1);
  guint16 port = free_port ();
  g_autofree char *spec1 = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", port, dest1->port);
  g_autofree char *spec2 = g_strdup_printf ("127.0.0.2:%u:127.0.0.1:%u", port, dest2->port);
  g_autofree char *got2 = NULL;
  g_autofree char *got1 = NULL;

  add_remote (f, spec1);
  add_remote (f, spec2);
  connect_tunnel (f);
  g_assert_cmpuint (remote_listening_port (f, 0), ==, port);
  g_assert_cmpuint (remote_listening_port (f, 1), ==, port);

  /* The second address first: the table's first entry must not win. */
  got2 = exchange_with ("127.0.0.2", port);
  g_assert_cmpstr (got2, ==, (const char *) two);
  got1 = exchange_with ("127.0.0.1", port);
  g_assert_cmpstr (got1, ==, (const char *) one);
  g_assert_cmpuint (destination_wait_served (dest1, 1), ==, 1);
  g_assert_cmpuint (destination_wait_served (dest2, 1), ==, 1);

  destination_free (dest1);
  destination_free (dest2);
}

static int socks5_connect (guint16       proxy_port,
                           const char   *host,
                           guint16       port,
                           const guint8 *extra,
                           gsize         extra_len,
                           guint8       *reply);

/* -R through `culvert --headless`: the port the server picked comes as a
 * "listening" event once the server answered, and serves; so does a
 * reverse dynamic one (-R with a port alone). */
static void
test_headless_remote (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  Destination *echo = destination_new (1, NULL, 0);
  g_autofree char *spec = g_strdup_printf ("0:127.0.0.1:%u", echo->port);
  g_autofree char *label = g_strconcat ("-R ", spec, NULL);
  g_autofree char *key = g_strdup (f->sshd->client_key_path);
  const char *extra[] = { "-i", key, "-R", spec, "-R", "127.0.0.1:0", NULL };
  g_autofree char *err = NULL;
  JsonObject *event;
  guint16 port = 0;
  guint16 socks_port = 0;
  static const guint8 ok[] = { 5, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
  guint8 reply[10];
  guint8 echoed[5];
  Headless *h;
  int fd;

  h = headless_start (f, extra);
  g_assert_true (headless_wait_connected (h));
  g_assert_cmpuint (h->ports->len, ==, 0);
  while ((port == 0 || socks_port == 0) && (event = headless_read_event (h)) != NULL)
    if (g_str_equal (event_name (event), "listening"))
      {
        if (g_str_equal (event_string (event, "forward"), label))
          port = event_int (event, "port", 1, 65535);
        else if (g_str_equal (event_string (event, "forward"), "-R 127.0.0.1:0"))
          socks_port = event_int (event, "port", 1, 65535);
        else
          g_error ("unexpected forward %s", event_string (event, "forward"));
      }
  g_assert_cmpuint (port, >, 0);
  g_assert_cmpuint (socks_port, >, 0);

  start_client (clients, port, 256 * 1024, TRUE, NULL, 0);
  assert_clients_ok (clients);
  g_assert_cmpuint (destination_wait_served (echo, 1), ==, 1);

  /* The reverse dynamic forward: a SOCKS 5 client on the server's side
   * reaches a destination here (the echo server listens for one more). */
  destination_free (echo);
  echo = destination_new (1, NULL, 0);
  fd = socks5_connect (socks_port, "127.0.0.1", echo->port, (const guint8 *) "hello", 5, reply);
  g_assert_cmpmem (reply, 10, ok, sizeof ok);
  g_assert_cmpint (recv (fd, echoed, sizeof echoed, MSG_WAITALL), ==, sizeof echoed);
  g_assert_cmpmem (echoed, sizeof echoed, "hello", 5);
  close (fd);
  g_assert_cmpuint (destination_wait_served (echo, 1), ==, 1);

  g_subprocess_send_signal (h->proc, SIGINT);
  headless_assert_exit (h, 0, &err);
  headless_free (h);
  destination_free (echo);
}

static gboolean
port_refused (gpointer data)
{
  int fd = connect_loopback (GPOINTER_TO_UINT (data));

  if (fd >= 0)
    close (fd);
  return fd < 0;
}

/* Keepalives every 100 ms while incoming forwards are added and removed:
 * each tcpip-forward and cancel-tcpip-forward gets its own answer (the
 * forward listens, then its port is let go), and the keepalives go out
 * all along, through libssh's one slot for global requests. */
static void
test_tunnel_global_requests (Fixture       *f,
                             gconstpointer  data)
{
  const guint rounds = 6;
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *spec = NULL;
  g_autofree char *log = NULL;
  /* Probes of a port being let go may reach the destination too. */
  Destination *echo = destination_new (1000, NULL, 0);
  guint16 port;

  culvert_test_sshd_stop (f->sshd);
  f->sshd = culvert_test_sshd_start ("LogLevel DEBUG1", &error);
  g_assert_no_error (error);
  culvert_profile_set_port (f->profile, f->sshd->port);
  culvert_profile_set_user (f->profile, f->sshd->user);
  culvert_profile_set_identity_file (f->profile, f->sshd->client_key_path);
  culvert_profile_set_known_hosts_file (f->profile, f->sshd->known_hosts_path);
  culvert_profile_set_keepalive_count (f->profile, 0);

  port = add_local_to (f, echo->port);
  f->tunnel = culvert_tunnel_new (f->profile);
  culvert_tunnel_set_host_key_policy (f->tunnel, CULVERT_HOST_KEY_STRICT);
  culvert_tunnel_set_keepalive_interval_ms (f->tunnel, 100);
  g_assert_true (culvert_tunnel_connect (f->tunnel, &error));
  g_assert_true (wait_until (tunnel_connected, f->tunnel, 20));
  start_client (clients, port, 64 * 1024, TRUE, NULL, 0);
  assert_clients_ok (clients);

  spec = g_strdup_printf ("127.0.0.1:0:127.0.0.1:%u", echo->port);
  for (guint i = 0; i < rounds; i++)
    {
      g_autoptr(CulvertForward) forward = culvert_forward_parse (CULVERT_FORWARD_REMOTE, spec,
                                                                 &error);
      g_autoptr(CulvertForwardStatus) status = NULL;
      guint16 remote_port;
      gint64 until = g_get_monotonic_time () + G_USEC_PER_SEC / 4;

      g_assert_no_error (error);
      status = g_object_ref (culvert_tunnel_add_forward (f->tunnel, forward, &error));
      g_assert_no_error (error);
      g_assert_true (wait_until (forward_settled, status, 20));
      g_assert_cmpstr (culvert_forward_status_get_error (status), ==, NULL);
      g_assert_cmpint (culvert_forward_status_get_state (status), ==,
                       CULVERT_FORWARD_STATE_LISTENING);
      remote_port = culvert_forward_status_get_port (status);
      start_client (clients, remote_port, 64 * 1024, TRUE, NULL, 0);
      assert_clients_ok (clients);

      /* A few keepalives in between. */
      while (g_get_monotonic_time () < until)
        g_main_context_iteration (NULL, FALSE);

      culvert_tunnel_remove_forward (f->tunnel, status);
      g_assert_true (wait_until (port_refused, GUINT_TO_POINTER (remote_port), 10));
    }
  g_assert_cmpuint (g_list_model_get_n_items (culvert_tunnel_get_forwards (f->tunnel)), ==, 1);
  g_assert_cmpint (culvert_tunnel_get_state (f->tunnel), ==, CULVERT_TUNNEL_CONNECTED);

  log = culvert_test_sshd_read_log (f->sshd);
  g_assert_cmpuint (count_substrings (log, "tcpip-forward listen 127.0.0.1 port 0"), ==, rounds);
  g_assert_cmpuint (count_substrings (log, "cancel-tcpip-forward addr 127.0.0.1 port "), ==, rounds);
  g_assert_cmpuint (count_substrings (log, "rtype keepalive@openssh.com "), >=, rounds * 2);

  destination_free (echo);
}

/* ---------------------------------------------------------------------- */
/* Dynamic forwards                                                        */

static CulvertForward *
add_dynamic (Fixture *f,
             guint16  port)
{
  g_autofree char *spec = g_strdup_printf ("127.0.0.1:%u", port);

  return add_forward (f, CULVERT_FORWARD_DYNAMIC, spec);
}

/* Waits until something listens on @port (a server the test started). */
static void
wait_port_open (guint16 port)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (port_refused (GUINT_TO_POINTER (port)))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20000);
    }
}

/* A real HTTP server: Python's, serving @dir on 127.0.0.1. */
static GSubprocess *
http_server_start (const char *dir,
                   guint16    *port)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *port_text = NULL;
  GSubprocess *proc;

  *port = free_port ();
  port_text = g_strdup_printf ("%u", *port);
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                           &error, "/usr/bin/python3", "-m", "http.server", "--bind", "127.0.0.1",
                           "--directory", dir, port_text, NULL);
  g_assert_no_error (error);

  wait_port_open (*port);

  return proc;
}

typedef struct
{
  GPtrArray *destinations;  /* what client-opened said, in order */
} Opened;

static void
on_client_opened_record (CulvertTunnel           *tunnel,
                         CulvertForwardStatus    *status,
                         CulvertClientConnection *client,
                         Opened                  *opened)
{
  g_ptr_array_add (opened->destinations,
                   g_strdup (culvert_client_connection_get_destination (client)));
}

/* curl fetches http://@host:@http_port/payload into @out through the SOCKS
 * proxy on 127.0.0.1:@port, speaking @flavour (--socks5 and so on); it
 * arrives whole: @size bytes with the SHA-256 @sum. */
static void
assert_curl_fetches (const char *flavour,
                     guint16     port,
                     const char *host,
                     guint16     http_port,
                     const char *out,
                     gsize       size,
                     const char *sum)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) curl = NULL;
  g_autofree char *proxy = g_strdup_printf ("127.0.0.1:%u", port);
  g_autofree char *url = g_strdup_printf ("http://%s:%u/payload", host, http_port);
  g_autofree char *contents = NULL;
  g_autofree char *got = NULL;
  gsize len = 0;

  g_unlink (out);
  curl = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error, "curl", "-sS", "-f",
                           "--max-time", "30", flavour, proxy, "-o", out, url, NULL);
  g_assert_no_error (error);
  /* The tunnel's worker runs on its own thread meanwhile. */
  g_assert_true (g_subprocess_wait (curl, NULL, NULL));
  g_assert_true (g_subprocess_get_if_exited (curl));
  if (g_subprocess_get_exit_status (curl) != 0)
    g_error ("curl %s exited with %d", flavour, g_subprocess_get_exit_status (curl));
  g_assert_true (g_file_get_contents (out, &contents, &len, NULL));
  g_assert_cmpuint (len, ==, size);
  got = checksum_of ((const guint8 *) contents, len);
  g_assert_cmpstr (got, ==, sum);
}

/* curl through the SOCKS server, in each flavour, to a real HTTP server:
 * the file arrives whole, and each client is listed with the destination
 * it asked for (a name is passed on for the SSH server to resolve). */
static void
test_tunnel_dynamic_curl (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *dir = g_dir_make_tmp ("culvert-http-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "payload", NULL);
  g_autofree char *out = g_build_filename (dir, "received", NULL);
  gsize size = 4 * MiB;
  g_autofree guint8 *payload = random_payload (size);
  g_autofree char *sum = checksum_of (payload, size);
  const char *flavours[][2] = {
    { "--socks5-hostname", "localhost" },
    { "--socks5", "127.0.0.1" },
    { "--socks4a", "localhost" },
    { "--socks4", "127.0.0.1" },
  };
  Opened opened = { g_ptr_array_new_with_free_func (g_free) };
  g_autoptr(GSubprocess) http = NULL;
  guint16 http_port;
  guint16 port = free_port ();

  g_assert_true (g_file_set_contents (file, (const char *) payload, size, NULL));
  http = http_server_start (dir, &http_port);

  add_dynamic (f, port);
  connect_tunnel (f);
  g_assert_cmpuint (listening_port (f, 0), ==, port);
  g_signal_connect (f->tunnel, "client-opened", G_CALLBACK (on_client_opened_record), &opened);

  for (guint i = 0; i < G_N_ELEMENTS (flavours); i++)
    {
      g_autofree char *expected = g_strdup_printf ("%s:%u", flavours[i][1], http_port);

      assert_curl_fetches (flavours[i][0], port, flavours[i][1], http_port, out, size, sum);

      while (opened.destinations->len < i + 1)
        g_main_context_iteration (NULL, TRUE);
      g_assert_cmpstr (opened.destinations->pdata[i], ==, expected);
    }

  g_subprocess_force_exit (http);
  g_subprocess_wait (http, NULL, NULL);
  g_unlink (file);
  g_unlink (out);
  g_rmdir (dir);
  g_ptr_array_unref (opened.destinations);
}

/* A SOCKS 5 handshake for @host:@port sent in one write with @extra after
 * it; returns the socket after reading the method reply and the request's
 * reply into @reply (10 bytes). */
static int
socks5_connect (guint16       proxy_port,
                const char   *host,
                guint16       port,
                const guint8 *extra,
                gsize         extra_len,
                guint8       *reply)
{
  g_autoptr(GByteArray) msg = g_byte_array_new ();
  guint8 head[] = { 5, 1, 0, 5, 1, 0, 3, (guint8) strlen (host) };
  guint8 port_be[] = { port >> 8, port & 0xff };
  guint8 method[2];
  int fd = connect_loopback (proxy_port);

  g_assert_cmpint (fd, >=, 0);
  g_byte_array_append (msg, head, sizeof head);
  g_byte_array_append (msg, (const guint8 *) host, strlen (host));
  g_byte_array_append (msg, port_be, 2);
  if (extra_len > 0)
    g_byte_array_append (msg, extra, extra_len);
  g_assert_true (culvert_test_write_all (fd, msg->data, msg->len));
  g_assert_cmpint (recv (fd, method, 2, MSG_WAITALL), ==, 2);
  g_assert_cmpint (method[0], ==, 5);
  g_assert_cmpint (method[1], ==, 0);
  g_assert_cmpint (recv (fd, reply, 10, MSG_WAITALL), ==, 10);

  return fd;
}

typedef struct
{
  guint16   proxy_port;
  guint16   dest_port;
  gboolean  ok;
} SocksClient;

static gpointer
socks_client_thread (gpointer data)
{
  SocksClient *c = data;
  gsize size = 32 * 1024 + g_random_int_range (0, 256 * 1024);
  g_autofree guint8 *payload = random_payload (size);
  g_autofree char *sum = checksum_of (payload, size);
  g_autofree char *got = NULL;
  static const guint8 ok[] = { 5, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
  guint8 reply[10];
  SendJob job;
  GThread *sender;
  gsize total;
  int fd;

  /* The first 1000 bytes go with the request, before the reply. */
  fd = socks5_connect (c->proxy_port, "127.0.0.1", c->dest_port, payload, 1000, reply);
  if (memcmp (reply, ok, sizeof ok) != 0)
    {
      close (fd);
      return NULL;
    }
  job = (SendJob) { fd, payload + 1000, size - 1000, FALSE };
  sender = g_thread_new ("socks-send", send_job_thread, &job);
  got = read_to_eof_checksum (fd, &total);
  g_thread_join (sender);
  close (fd);
  c->ok = job.ok && total == size && g_strcmp0 (got, sum) == 0;

  return NULL;
}

/* 100 SOCKS 5 clients at once, each sending part of its data before the
 * reply: all of it comes back through the echo server, in order. */
static void
test_tunnel_dynamic_many (Fixture       *f,
                          gconstpointer  data)
{
  const guint n_clients = 100;
  Destination *echo = destination_new (n_clients, NULL, 0);
  SocksClient clients[100];
  GThread *threads[100];
  guint16 port = free_port ();

  add_dynamic (f, port);
  connect_tunnel (f);

  for (guint i = 0; i < n_clients; i++)
    {
      clients[i] = (SocksClient) { port, echo->port, FALSE };
      threads[i] = g_thread_new ("socks-client", socks_client_thread, &clients[i]);
    }
  for (guint i = 0; i < n_clients; i++)
    {
      g_thread_join (threads[i]);
      if (!clients[i].ok)
        g_error ("SOCKS client %u did not get its data back whole", i);
    }
  g_assert_cmpuint (destination_wait_served (echo, n_clients), ==, n_clients);

  /* A destination that speaks first (a banner; here 4 MiB at once): the
   * client still hears its SOCKS answer before any of it, then all of it,
   * and the bytes it sent with its request reach the destination. */
  {
    static const guint8 ok[] = { 5, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
    gsize size = 4 * MiB;
    g_autofree guint8 *banner = random_payload (size);
    g_autofree guint8 *early = random_payload (1000);
    g_autofree char *banner_sum = checksum_of (banner, size);
    g_autofree char *early_sum = checksum_of (early, 1000);
    g_autofree char *got = NULL;
    Destination *talker = destination_new (1, banner, size);
    guint8 reply[10];
    gsize total = 0;
    int fd;

    fd = socks5_connect (port, "127.0.0.1", talker->port, early, 1000, reply);
    g_assert_cmpmem (reply, 10, ok, sizeof ok);
    shutdown (fd, SHUT_WR);
    got = read_to_eof_checksum (fd, &total);
    close (fd);
    g_assert_cmpuint (total, ==, size);
    g_assert_cmpstr (got, ==, banner_sum);
    g_assert_cmpuint (destination_wait_served (talker, 1), ==, 1);
    g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (talker->received, early_sum)), ==, 1);
    destination_free (talker);
  }

  destination_free (echo);
}

static gboolean
read_closed_within (int    fd,
                    guint  seconds)
{
  struct timeval tv = { seconds, 0 };
  guint8 buf[64];

  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return recv (fd, buf, sizeof buf, 0) == 0;
}

/* What a SOCKS client hears when things go wrong, byte by byte. */
static void
test_tunnel_dynamic_errors (Fixture       *f,
                            gconstpointer  data)
{
  static const guint8 refused5[] = { 5, 5, 0, 1, 0, 0, 0, 0, 0, 0 };
  static const guint8 unsupported5[] = { 5, 7, 0, 1, 0, 0, 0, 0, 0, 0 };
  static const guint8 rejected4[] = { 0, 0x5b, 0, 0, 0, 0, 0, 0 };
  guint16 port = free_port ();
  guint16 nothing = free_port ();
  guint8 reply[10];
  int fd;

  add_dynamic (f, port);
  connect_tunnel (f);

  /* A destination that refuses. */
  fd = socks5_connect (port, "127.0.0.1", nothing, NULL, 0, reply);
  g_assert_cmpmem (reply, 10, refused5, sizeof refused5);
  g_assert_true (read_closed_within (fd, 5));
  close (fd);

  /* A greeting sent with only part of the request: the method reply is not
   * held back for the rest of it, which this client waits for before it
   * goes on. */
  {
    static const guint8 partial[] = { 5, 1, 0, 5, 1, 0 };
    guint8 rest[] = { 1, 127, 0, 0, 1, nothing >> 8, nothing & 0xff };
    struct timeval tv = { 5, 0 };
    guint8 method[2];

    fd = connect_loopback (port);
    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    g_assert_true (culvert_test_write_all (fd, partial, sizeof partial));
    g_assert_cmpint (recv (fd, method, 2, MSG_WAITALL), ==, 2);
    g_assert_cmpint (method[0], ==, 5);
    g_assert_cmpint (method[1], ==, 0);
    g_assert_true (culvert_test_write_all (fd, rest, sizeof rest));
    g_assert_cmpint (recv (fd, reply, 10, MSG_WAITALL), ==, 10);
    g_assert_cmpmem (reply, 10, refused5, sizeof refused5);
    close (fd);
  }

  /* BIND is not supported. */
  {
    static const guint8 bind_req[] = { 5, 1, 0, 5, 2, 0, 1, 127, 0, 0, 1, 0, 80 };
    guint8 method[2];

    fd = connect_loopback (port);
    g_assert_true (culvert_test_write_all (fd, bind_req, sizeof bind_req));
    g_assert_cmpint (recv (fd, method, 2, MSG_WAITALL), ==, 2);
    g_assert_cmpint (recv (fd, reply, 10, MSG_WAITALL), ==, 10);
    g_assert_cmpmem (reply, 10, unsupported5, sizeof unsupported5);
    g_assert_true (read_closed_within (fd, 5));
    close (fd);
  }

  /* SOCKS 4 to a destination that refuses. */
  {
    guint8 req4[] = { 4, 1, nothing >> 8, nothing & 0xff, 127, 0, 0, 1, 'u', 0 };

    fd = connect_loopback (port);
    g_assert_true (culvert_test_write_all (fd, req4, sizeof req4));
    g_assert_cmpint (recv (fd, reply, 8, MSG_WAITALL), ==, 8);
    g_assert_cmpmem (reply, 8, rejected4, sizeof rejected4);
    close (fd);
  }

  /* Not SOCKS at all: closed without a word. */
  fd = connect_loopback (port);
  g_assert_true (culvert_test_write_all (fd, (const guint8 *) "GET / HTTP/1.1\r\n\r\n", 18));
  g_assert_true (read_closed_within (fd, 5));
  close (fd);

  /* A client that stops halfway is let go. */
  fd = connect_loopback (port);
  g_assert_true (culvert_test_write_all (fd, (const guint8 *) "\x05\x01", 2));
  g_assert_true (read_closed_within (fd, 15));
  close (fd);

  g_assert_cmpint (culvert_tunnel_get_state (f->tunnel), ==, CULVERT_TUNNEL_CONNECTED);
}

/* Reverse dynamic (-R with a port alone): the server listens, and its
 * clients are SOCKS clients of this computer. curl on the server's side
 * (the same machine here) gets a file from a real HTTP server through it,
 * in SOCKS 5 and 4a with names resolved here; each client is listed with
 * the destination it asked for; a destination that refuses is answered
 * byte by byte; 20 clients at once, sending before the reply, get their
 * data back whole. */
static void
test_tunnel_reverse_dynamic (Fixture       *f,
                             gconstpointer  data)
{
  static const guint8 refused5[] = { 5, 5, 0, 1, 0, 0, 0, 0, 0, 0 };
  g_autofree char *dir = g_dir_make_tmp ("culvert-http-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "payload", NULL);
  g_autofree char *out = g_build_filename (dir, "received", NULL);
  gsize size = 4 * MiB;
  g_autofree guint8 *payload = random_payload (size);
  g_autofree char *sum = checksum_of (payload, size);
  const char *flavours[] = { "--socks5-hostname", "--socks4a" };
  Opened opened = { g_ptr_array_new_with_free_func (g_free) };
  Destination *echo = destination_new (20, NULL, 0);
  SocksClient clients[20];
  GThread *threads[20];
  g_autoptr(GSubprocess) http = NULL;
  guint16 http_port;
  guint16 port;
  guint8 reply[10];
  int fd;

  g_assert_true (g_file_set_contents (file, (const char *) payload, size, NULL));
  http = http_server_start (dir, &http_port);

  add_remote (f, "127.0.0.1:0");
  connect_tunnel (f);
  port = remote_listening_port (f, 0);
  g_signal_connect (f->tunnel, "client-opened", G_CALLBACK (on_client_opened_record), &opened);

  for (guint i = 0; i < G_N_ELEMENTS (flavours); i++)
    {
      g_autofree char *expected = g_strdup_printf ("localhost:%u", http_port);

      assert_curl_fetches (flavours[i], port, "localhost", http_port, out, size, sum);

      while (opened.destinations->len < i + 1)
        g_main_context_iteration (NULL, TRUE);
      g_assert_cmpstr (opened.destinations->pdata[i], ==, expected);
    }
  g_signal_handlers_disconnect_by_data (f->tunnel, &opened);

  /* A destination here that refuses: the client hears so, and is let go. */
  fd = socks5_connect (port, "127.0.0.1", free_port (), NULL, 0, reply);
  g_assert_cmpmem (reply, 10, refused5, sizeof refused5);
  g_assert_true (read_closed_within (fd, 5));
  close (fd);

  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      clients[i] = (SocksClient) { port, echo->port, FALSE };
      threads[i] = g_thread_new ("socks-client", socks_client_thread, &clients[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      g_thread_join (threads[i]);
      if (!clients[i].ok)
        g_error ("SOCKS client %u did not get its data back whole", i);
    }
  g_assert_cmpuint (destination_wait_served (echo, G_N_ELEMENTS (clients)), ==,
                    G_N_ELEMENTS (clients));
  g_assert_cmpint (culvert_tunnel_get_state (f->tunnel), ==, CULVERT_TUNNEL_CONNECTED);

  destination_free (echo);
  g_subprocess_force_exit (http);
  g_subprocess_wait (http, NULL, NULL);
  g_unlink (file);
  g_unlink (out);
  g_rmdir (dir);
  g_ptr_array_unref (opened.destinations);
}

/* -D through `culvert --headless`, as `ssh -N -D` takes it: curl gets a
 * file from a real HTTP server through it; bound on every interface it
 * says on stderr that it is an open proxy, and where. */
static void
test_headless_dynamic (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *dir = g_dir_make_tmp ("culvert-http-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "index.txt", NULL);
  g_autofree char *key = g_strdup (f->sshd->client_key_path);
  g_autoptr(GSubprocess) http = NULL;
  g_autoptr(GSubprocess) curl = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *port_text = NULL;
  g_autofree char *proxy = NULL;
  g_autofree char *url = NULL;
  g_autofree char *body = NULL;
  g_autofree char *err = NULL;
  guint16 http_port;
  guint16 port = free_port ();
  Headless *h;

  g_assert_true (g_file_set_contents (file, "through the SOCKS forward\n", -1, NULL));
  http = http_server_start (dir, &http_port);

  port_text = g_strdup_printf ("127.0.0.1:%u", port);
  {
    const char *extra[] = { "-i", key, "-D", port_text, NULL };

    h = headless_start (f, extra);
  }
  g_assert_true (headless_wait_connected (h));
  g_assert_cmpuint (h->ports->len, ==, 1);
  g_assert_cmpuint (g_array_index (h->ports, guint16, 0), ==, port);

  proxy = g_strdup_printf ("127.0.0.1:%u", port);
  url = g_strdup_printf ("http://localhost:%u/index.txt", http_port);
  curl = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "curl", "-sS", "-f",
                           "--max-time", "30", "--socks5-hostname", proxy, url, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (curl, NULL, NULL, &body, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (body, ==, "through the SOCKS forward\n");

  /* The client's events come out while the runner runs, not only at its
   * exit: opened, with the destination it asked for, then closed. */
  {
    g_autofree char *expected = g_strdup_printf ("localhost:%u", http_port);
    gboolean opened = FALSE;
    JsonObject *event;

    while ((event = headless_read_event (h)) != NULL &&
           !g_str_equal (event_name (event), "client-closed"))
      if (g_str_equal (event_name (event), "client-opened"))
        {
          g_assert_cmpstr (event_string (event, "destination"), ==, expected);
          opened = TRUE;
        }
    g_assert_nonnull (event);
    g_assert_true (opened);
  }

  g_subprocess_send_signal (h->proc, SIGINT);
  headless_assert_exit (h, 0, &err);
  g_assert_null (strstr (err, "open proxy"));
  headless_free (h);
  g_clear_pointer (&err, g_free);

  /* Every interface: an open proxy, and it says so. */
  g_clear_pointer (&port_text, g_free);
  port_text = g_strdup_printf ("0.0.0.0:%u", free_port ());
  {
    const char *extra[] = { "-i", key, "-D", port_text, NULL };

    h = headless_start (f, extra);
  }
  g_assert_true (headless_wait_connected (h));
  g_subprocess_send_signal (h->proc, SIGINT);
  headless_assert_exit (h, 0, &err);
  assert_contains (err, "open proxy");
  assert_contains (err, "0.0.0.0");
  headless_free (h);

  g_subprocess_force_exit (http);
  g_subprocess_wait (http, NULL, NULL);
  g_unlink (file);
  g_rmdir (dir);
}

/* ---------------------------------------------------------------------- */
/* Proxies                                                                 */

typedef struct
{
  GSubprocess *proc;
  guint16      port;
  char        *log_path;
} Proxy;

static void
proxy_stop (Proxy *proxy)
{
  if (proxy->proc != NULL)
    {
      g_subprocess_send_signal (proxy->proc, SIGTERM);
      g_subprocess_wait (proxy->proc, NULL, NULL);
      g_clear_object (&proxy->proc);
    }
  g_free (proxy->log_path);
}

/* Ends the fixture's tunnel while its proxy still carries it. */
static void
fixture_disconnect (Fixture *f)
{
  disconnect_and_wait (f->tunnel, 0);
  g_assert_cmpint (culvert_tunnel_get_state (f->tunnel), ==, CULVERT_TUNNEL_DISCONNECTED);
}

static char *
proxy_read_log (Proxy *proxy)
{
  char *text = NULL;

  if (!g_file_get_contents (proxy->log_path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

/* tinyproxy (HTTP CONNECT) on 127.0.0.1, allowed to connect to
 * @connect_port only (anything else: 403). FALSE when it is not installed. */
static gboolean
proxy_start_tinyproxy_full (Proxy      *proxy,
                            const char *dir,
                            guint16     connect_port,
                            const char *extra)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *conf = g_build_filename (dir, "tinyproxy.conf", NULL);
  g_autofree char *pid = g_build_filename (dir, "tinyproxy.pid", NULL);
  g_autofree char *text = NULL;

  if (!g_file_test ("/usr/bin/tinyproxy", G_FILE_TEST_IS_EXECUTABLE))
    return FALSE;

  proxy->port = free_port ();
  proxy->log_path = g_build_filename (dir, "tinyproxy.log", NULL);
  text = g_strdup_printf ("Port %u\nListen 127.0.0.1\nTimeout 600\nAllow 127.0.0.1\n"
                          "ConnectPort %u\nLogLevel Info\nLogFile \"%s\"\nPidFile \"%s\"\n%s\n",
                          proxy->port, connect_port, proxy->log_path, pid,
                          extra != NULL ? extra : "");
  g_assert_true (g_file_set_contents (conf, text, -1, NULL));
  proxy->proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                  G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                  &error, "/usr/bin/tinyproxy", "-d", "-c", conf, NULL);
  g_assert_no_error (error);

  wait_port_open (proxy->port);
  return TRUE;
}

static gboolean
proxy_start_tinyproxy (Proxy      *proxy,
                       const char *dir,
                       guint16     connect_port)
{
  return proxy_start_tinyproxy_full (proxy, dir, connect_port, NULL);
}

/* dante (SOCKS 5) on 127.0.0.1, allowed to connect to 127.0.0.1 only. */
static gboolean
proxy_start_dante (Proxy      *proxy,
                   const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *conf = g_build_filename (dir, "danted.conf", NULL);
  g_autofree char *pid = g_build_filename (dir, "danted.pid", NULL);
  g_autofree char *text = NULL;

  if (!g_file_test ("/usr/sbin/danted", G_FILE_TEST_IS_EXECUTABLE) || geteuid () != 0)
    return FALSE;

  proxy->port = free_port ();
  proxy->log_path = g_build_filename (dir, "danted.log", NULL);
  text = g_strdup_printf ("logoutput: %s\ninternal: 127.0.0.1 port = %u\nexternal: 127.0.0.1\n"
                          "socksmethod: none\nclientmethod: none\n"
                          "client pass {\n  from: 127.0.0.1/32 to: 0.0.0.0/0\n  log: connect\n}\n"
                          "socks pass {\n  from: 127.0.0.1/32 to: 127.0.0.1/32\n"
                          "  command: connect\n  log: connect\n}\n",
                          proxy->log_path, proxy->port);
  g_assert_true (g_file_set_contents (conf, text, -1, NULL));
  proxy->proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                  G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                  &error, "/usr/sbin/danted", "-f", conf, "-p", pid, "-N", "1",
                                  NULL);
  g_assert_no_error (error);

  wait_port_open (proxy->port);
  return TRUE;
}

/* Connects the fixture's tunnel through the proxy at @url and passes 4 MiB
 * through a forward; the proxy's log must show @seen (the connection to
 * the server). */
static void
assert_tunnel_through_proxy (Fixture    *f,
                             Proxy      *proxy,
                             const char *url,
                             const char *seen)
{
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  Destination *echo = destination_new (1, NULL, 0);
  g_autofree char *log = NULL;
  guint16 port;

  culvert_profile_set_proxy_mode (f->profile, CULVERT_PROXY_CUSTOM);
  culvert_profile_set_proxy_url (f->profile, url);
  /* The default rules would send 127.0.0.1 direct. */
  culvert_profile_set_proxy_bypass (f->profile, "bypass.example.org");
  port = add_local_to (f, echo->port);
  connect_tunnel (f);
  start_client (clients, port, 4 * MiB, TRUE, NULL, 0);
  assert_clients_ok (clients);

  log = proxy_read_log (proxy);
  assert_contains (log, seen);
  destination_free (echo);
}

/* The SSH connection goes through a real HTTP CONNECT proxy (the proxy's
 * log shows it), and a forward through it carries data whole; a proxy that
 * refuses (403) fails the connection with its answer. */
static void
test_tunnel_http_proxy (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *url = NULL;
  g_autofree char *log = NULL;
  g_autofree char *needle = NULL;
  Proxy proxy = { 0 };
  Proxy refusing = { 0 };

  if (!proxy_start_tinyproxy (&proxy, f->sshd->dir, f->sshd->port))
    {
      g_test_skip ("tinyproxy is not installed (build-aux/install-deps test installs it)");
      return;
    }

  url = g_strdup_printf ("http://127.0.0.1:%u", proxy.port);
  needle = g_strdup_printf ("CONNECT 127.0.0.1:%u", f->sshd->port);
  assert_tunnel_through_proxy (f, &proxy, url, needle);

  /* A proxy that may not connect to the server's port. */
  g_assert_true (proxy_start_tinyproxy (&refusing, f->sshd->dir, 1));
  g_clear_pointer (&url, g_free);
  url = g_strdup_printf ("http://127.0.0.1:%u", refusing.port);
  culvert_profile_set_proxy_url (f->profile, url);
  {
    g_autoptr(CulvertTunnel) tunnel = culvert_tunnel_new (f->profile);
    g_autoptr(GError) error = NULL;

    culvert_tunnel_set_host_key_policy (tunnel, CULVERT_HOST_KEY_STRICT);
    g_signal_connect (tunnel, "exited", G_CALLBACK (on_exited), f);
    g_assert_true (culvert_tunnel_connect (tunnel, &error));
    g_assert_true (wait_until (tunnel_failed, tunnel, 20));
    /* The proxy's answer, with the proxy and the server named: GIO keeps
     * the status line to itself, but tells a 403 apart. */
    g_clear_pointer (&needle, g_free);
    needle = g_strdup_printf ("The proxy %s refused the connection to 127.0.0.1 port %u "
                              "(HTTP 403", url, f->sshd->port);
    assert_contains (culvert_tunnel_get_state_reason (tunnel), needle);
    g_clear_pointer (&log, g_free);
    log = proxy_read_log (&refusing);
    assert_contains (log, "Refused CONNECT");
    f->exited = FALSE;
    while (culvert_tunnel_is_running (tunnel))
      g_main_context_iteration (NULL, TRUE);
  }

  fixture_disconnect (f);
  proxy_stop (&refusing);
  proxy_stop (&proxy);
}

/* The same through a real SOCKS 5 proxy. */
static void
test_tunnel_socks_proxy (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *url = NULL;
  g_autofree char *needle = NULL;
  Proxy proxy = { 0 };

  if (!proxy_start_dante (&proxy, f->sshd->dir))
    {
      g_test_skip ("danted is not installed or the test is not root "
                   "(build-aux/install-deps test installs it; CI runs as root)");
      return;
    }

  url = g_strdup_printf ("socks5://127.0.0.1:%u", proxy.port);
  needle = g_strdup_printf ("127.0.0.1.%u", f->sshd->port);
  assert_tunnel_through_proxy (f, &proxy, url, needle);

  fixture_disconnect (f);
  proxy_stop (&proxy);
}

static guint
proxy_connects (Proxy   *proxy,
                guint16  port)
{
  g_autofree char *log = proxy_read_log (proxy);
  g_autofree char *needle = g_strdup_printf ("CONNECT 127.0.0.1:%u", port);

  return count_substrings (log, needle);
}

/* The headless runner through a real HTTP proxy: HTTPPROXY alone in the
 * environment (a host and port, no scheme) is honoured, --proxy too, and
 * --no-proxy goes direct whatever the environment says. -o ProxyCommand
 * and a proxy that is not a URL are command-line errors. */
static void
test_headless_proxy (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  g_autofree char *key = g_strdup (f->sshd->client_key_path);
  g_autofree char *proxy_host = NULL;
  g_autofree char *proxy_url = NULL;
  g_autofree char *spec = NULL;
  Destination *echo = destination_new (10, NULL, 0);
  Proxy proxy = { 0 };
  guint16 port;
  struct
  {
    const char *flag;
    guint       connects_after;
  } runs[] = {
    { NULL, 1 },           /* HTTPPROXY from the environment */
    { "--no-proxy", 1 },   /* direct: the proxy sees nothing more */
    { "--proxy", 2 },      /* --proxy URL, with HTTPPROXYBYPASS */
  };

  if (!proxy_start_tinyproxy (&proxy, f->sshd->dir, f->sshd->port))
    {
      g_test_skip ("tinyproxy is not installed (build-aux/install-deps test installs it)");
      destination_free (echo);
      return;
    }
  proxy_host = g_strdup_printf ("127.0.0.1:%u", proxy.port);
  proxy_url = g_strdup_printf ("http://127.0.0.1:%u", proxy.port);

  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      /* 127.0.0.1 is on the default bypass list: name another. */
      const char *env[] = { "HTTPPROXYBYPASS", "bypass.example.org", "HTTPPROXY", proxy_host,
                            NULL };
      const char *extra[8] = { "-i", key, "-L", NULL, NULL, NULL, NULL, NULL };
      g_autoptr(GPtrArray) argv = NULL;
      g_autofree char *err = NULL;
      Headless *h;

      port = free_port ();
      g_clear_pointer (&spec, g_free);
      spec = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", port, echo->port);
      extra[3] = spec;
      if (runs[i].flag != NULL)
        {
          extra[4] = runs[i].flag;
          if (g_str_equal (runs[i].flag, "--proxy"))
            extra[5] = proxy_url;
        }
      argv = headless_args (f, extra);
      /* With --proxy, only the bypass list comes from the environment. */
      if (g_strcmp0 (runs[i].flag, "--proxy") == 0)
        env[2] = NULL;
      h = headless_spawn_env ((const char * const *) argv->pdata, env);
      g_assert_true (headless_wait_connected (h));
      start_client (clients, port, 256 * 1024, TRUE, NULL, 0);
      assert_clients_ok (clients);
      g_subprocess_send_signal (h->proc, SIGINT);
      headless_assert_exit (h, 0, &err);
      headless_free (h);
      g_assert_cmpuint (proxy_connects (&proxy, f->sshd->port), ==, runs[i].connects_after);
    }

  /* Not what Culvert can use. */
  {
    const char *bad[][3] = {
      { "-o", "ProxyCommand=nc %h %p", NULL },
      { "--proxy", "ftp://127.0.0.1:21", NULL },
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autofree char *err = NULL;
        Headless *h = headless_start (f, bad[i]);

        headless_assert_exit (h, 2, &err);
        g_assert_nonnull (strstr (err, i == 0 ? "ProxyCommand" : "proxy"));
        headless_free (h);
      }
  }

  proxy_stop (&proxy);
  destination_free (echo);
}

/* A proxy that wants a password (407): without one the tunnel fails with
 * that reason and the proxy never opens the connection to the server; with
 * the user and password in the proxy's URL it carries the tunnel. */
static void
test_tunnel_proxy_auth (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *url = NULL;
  g_autofree char *log = NULL;
  g_autofree char *needle = NULL;
  Proxy proxy = { 0 };

  if (!proxy_start_tinyproxy_full (&proxy, f->sshd->dir, f->sshd->port,
                                   "BasicAuth alice s3cret-proxy"))
    {
      g_test_skip ("tinyproxy is not installed (build-aux/install-deps test installs it)");
      return;
    }

  url = g_strdup_printf ("http://127.0.0.1:%u", proxy.port);
  culvert_profile_set_proxy_mode (f->profile, CULVERT_PROXY_CUSTOM);
  culvert_profile_set_proxy_url (f->profile, url);
  culvert_profile_set_proxy_bypass (f->profile, "bypass.example.org");
  f->tunnel = culvert_tunnel_new (f->profile);
  culvert_tunnel_set_host_key_policy (f->tunnel, CULVERT_HOST_KEY_STRICT);
  connect_expect_failure (f, "user name and password", NULL);
  log = proxy_read_log (&proxy);
  g_assert_null (strstr (log, "opensock: opening connection"));
  g_clear_object (&f->tunnel);

  g_clear_pointer (&url, g_free);
  url = g_strdup_printf ("http://alice:s3cret-proxy@127.0.0.1:%u", proxy.port);
  needle = g_strdup_printf ("CONNECT 127.0.0.1:%u", f->sshd->port);
  assert_tunnel_through_proxy (f, &proxy, url, needle);
  g_clear_pointer (&log, g_free);
  log = proxy_read_log (&proxy);
  assert_contains (log, "opensock: opening connection");
  /* The URL's userinfo, user name and password, is in no log line. */
  g_assert_true (log_contains (f->tunnel, "through the proxy"));
  g_assert_false (log_contains (f->tunnel, "s3cret-proxy"));
  g_assert_false (log_contains (f->tunnel, "alice"));
  fixture_disconnect (f);
  g_clear_object (&f->tunnel);

  /* A user alone in the URL: the password comes from the keyring. */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *before = NULL;

    g_assert_true (culvert_secrets_store_sync (CULVERT_SECRET_PROXY_PASSWORD,
                                               culvert_profile_get_id (f->profile), "alice",
                                               "127.0.0.1", "test proxy", "s3cret-proxy", NULL,
                                               &error));
    g_assert_no_error (error);
    g_clear_pointer (&url, g_free);
    url = g_strdup_printf ("http://alice@127.0.0.1:%u", proxy.port);
    before = proxy_read_log (&proxy);
    assert_tunnel_through_proxy (f, &proxy, url, needle);
    g_clear_pointer (&log, g_free);
    log = proxy_read_log (&proxy);
    g_assert_cmpuint (count_substrings (log, "opensock: opening connection"), >,
                      count_substrings (before, "opensock: opening connection"));
    fixture_disconnect (f);
    g_assert_true (culvert_secrets_clear_sync (CULVERT_SECRET_PROXY_PASSWORD,
                                               culvert_profile_get_id (f->profile), "alice",
                                               "127.0.0.1", NULL, &error));
  }

  proxy_stop (&proxy);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();

  if (skip_all_without_sshd ("/tunnel/integrity"))
    return g_test_run ();

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/tunnel/integrity", test_tunnel_integrity);
  ADD ("/tunnel/rekey", test_tunnel_rekey);
  ADD ("/tunnel/many-clients", test_tunnel_many_clients);
  ADD ("/tunnel/half-close", test_tunnel_half_close);
  ADD ("/tunnel/port-in-use", test_tunnel_port_in_use);
  ADD ("/tunnel/port-in-use-exit", test_tunnel_port_in_use_exit);
  ADD ("/tunnel/destination-refused", test_tunnel_destination_refused);
  ADD ("/tunnel/close-client", test_tunnel_close_client);
  ADD ("/tunnel/clients-that-reset", test_tunnel_clients_that_reset);
  ADD ("/tunnel/ipv6", test_tunnel_ipv6);
  ADD ("/tunnel/unknown-host-key", test_tunnel_unknown_host_key);
  ADD ("/tunnel/ask-host-key", test_tunnel_ask_host_key);
  ADD ("/tunnel/changed-host-key", test_tunnel_changed_host_key);
  ADD ("/tunnel/wrong-key", test_tunnel_wrong_key);
  ADD ("/tunnel/wrong-password", test_tunnel_wrong_password);
  ADD ("/tunnel/proxy-unsupported-scheme", test_tunnel_proxy_unsupported_scheme);
  ADD ("/tunnel/server-goes-away", test_tunnel_server_goes_away);
  ADD ("/tunnel/keepalive-reconnect", test_tunnel_keepalive_reconnect);
  ADD ("/tunnel/keepalive-idle", test_tunnel_keepalive_idle);
  ADD ("/tunnel/late-socket-work", test_tunnel_late_socket_work);
  ADD ("/tunnel/reconnect-when-exited", test_tunnel_reconnect_when_exited);
  ADD ("/tunnel/answer-after-stop", test_tunnel_answer_after_stop);
  ADD ("/tunnel/stop-during-handshake", test_tunnel_stop_during_handshake);
  ADD ("/tunnel/bind-name", test_tunnel_bind_name);
  ADD ("/tunnel/remote-integrity", test_tunnel_remote_integrity);
  ADD ("/tunnel/remote-refused", test_tunnel_remote_refused);
  ADD ("/tunnel/remote-same-port", test_tunnel_remote_same_port);
  ADD ("/tunnel/global-requests", test_tunnel_global_requests);
  ADD ("/tunnel/dynamic-curl", test_tunnel_dynamic_curl);
  ADD ("/tunnel/dynamic-many", test_tunnel_dynamic_many);
  ADD ("/tunnel/dynamic-errors", test_tunnel_dynamic_errors);
  ADD ("/tunnel/reverse-dynamic", test_tunnel_reverse_dynamic);
  ADD ("/tunnel/stop-server-stalled", test_tunnel_stop_server_stalled);
  ADD ("/headless/remote-gateway-ports", test_headless_remote_gateway_ports);
  ADD ("/headless/remote-gateway-ports-dropbear", test_headless_remote_gateway_ports_dropbear);
  ADD ("/tunnel/http-proxy", test_tunnel_http_proxy);
  ADD ("/tunnel/socks-proxy", test_tunnel_socks_proxy);
  ADD ("/tunnel/proxy-auth", test_tunnel_proxy_auth);
  ADD ("/headless/forwards", test_headless_forwards);
  ADD ("/headless/remote", test_headless_remote);
  ADD ("/headless/dynamic", test_headless_dynamic);
  ADD ("/headless/proxy", test_headless_proxy);
  ADD ("/headless/port-in-use", test_headless_port_in_use);
  ADD ("/headless/host-keys", test_headless_host_keys);
  ADD ("/headless/wrong-key", test_headless_wrong_key);
  ADD ("/headless/wrong-password", test_headless_wrong_password);
  ADD ("/headless/server-goes-away", test_headless_server_goes_away);
  ADD ("/headless/warnings-and-bad-input", test_headless_warnings_and_bad_input);
  ADD ("/headless/ssh-config", test_headless_ssh_config);
  ADD ("/headless/child-dies-with-test", test_headless_child_dies_with_test);
  ADD ("/tunnel/default-bind-loopback", test_tunnel_default_bind_loopback);
  ADD ("/headless/default-bind-loopback", test_headless_default_bind_loopback);
  ADD ("/headless/default-bind-unreachable", test_headless_default_bind_unreachable);
#undef ADD

  return g_test_run ();
}

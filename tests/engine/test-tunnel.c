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
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "culvert-test-sshd.h"
#include "culvert-tunnel.h"

#define MiB (1024 * 1024)

/* ---------------------------------------------------------------------- */
/* Plain sockets                                                           */

static int
listen_loopback (guint16 *port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof addr;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;

  g_assert_cmpint (fd, >=, 0);
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (listen (fd, 1024), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &addr, &len), ==, 0);
  *port = ntohs (addr.sin_port);

  return fd;
}

static int
connect_loopback (guint16 port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK),
                              .sin_port = htons (port) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) != 0)
    {
      close (fd);
      return -1;
    }

  return fd;
}

/* A port with nothing listening on it. */
static guint16
closed_port (void)
{
  guint16 port;
  int fd = listen_loopback (&port);

  close (fd);
  return port;
}

static gboolean
write_all (int           fd,
           const guint8 *data,
           gsize         len)
{
  while (len > 0)
    {
      ssize_t n = send (fd, data, MIN (len, 256 * 1024), MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      len -= n;
    }

  return TRUE;
}

/* Reads until EOF; returns the SHA-256 of what came, and its length. */
static char *
read_to_eof_checksum (int     fd,
                      gsize  *total)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buf = g_malloc (256 * 1024);

  *total = 0;
  for (;;)
    {
      ssize_t n = recv (fd, buf, 256 * 1024, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      g_checksum_update (sum, buf, n);
      *total += n;
    }

  return g_strdup (g_checksum_get_string (sum));
}

static guint8 *
random_payload (gsize size)
{
  guint8 *data = g_malloc (size);
  guint32 *words = (guint32 *) data;

  for (gsize i = 0; i < size / 4; i++)
    words[i] = g_random_int ();
  for (gsize i = size / 4 * 4; i < size; i++)
    data[i] = g_random_int ();

  return data;
}

static char *
checksum_of (const guint8 *data,
             gsize         len)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);
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
  guint        expected;       /* connections to serve, then exit */
  GMutex       lock;
  GHashTable  *received;       /* checksum of what arrived → count */
  guint        served;
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
  g_autofree guint8 *buf = g_malloc (64 * 1024);
  ssize_t n;

  while ((n = recv (dc->fd, buf, 64 * 1024, 0)) > 0)
    if (!write_all (dc->fd, buf, n))
      break;
  shutdown (dc->fd, SHUT_WR);
  close (dc->fd);

  g_mutex_lock (&dc->dest->lock);
  dc->dest->served++;
  g_mutex_unlock (&dc->dest->lock);
  g_free (dc);
  return NULL;
}

static gpointer
dest_send_thread (gpointer data)
{
  DestConn *dc = data;

  write_all (dc->fd, dc->dest->reply, dc->dest->reply_size);
  shutdown (dc->fd, SHUT_WR);
  return NULL;
}

static gpointer
dest_sink_thread (gpointer data)
{
  DestConn *dc = data;
  g_autofree char *sum = NULL;
  GThread *sender = g_thread_new ("dest-send", dest_send_thread, dc);
  gsize total;

  sum = read_to_eof_checksum (dc->fd, &total);
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

static void
destination_free (Destination *dest)
{
  shutdown (dest->fd, SHUT_RDWR);
  g_thread_join (dest->thread);
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

static gboolean
wait_until (gboolean (*check) (gpointer),
            gpointer   data,
            guint      seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (!check (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }

  return TRUE;
}

static gboolean
tunnel_connected (gpointer data)
{
  CulvertTunnel *tunnel = data;

  g_assert_cmpint (culvert_tunnel_get_state (tunnel), !=, CULVERT_TUNNEL_FAILED);
  return culvert_tunnel_get_state (tunnel) == CULVERT_TUNNEL_CONNECTED;
}

static void
on_exited (CulvertTunnel *tunnel,
           Fixture       *f)
{
  f->exited = TRUE;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->sshd = culvert_test_sshd_start (NULL, &error);
  g_assert_no_error (error);

  f->profile = culvert_profile_new ();
  culvert_profile_set_host (f->profile, "127.0.0.1");
  culvert_profile_set_port (f->profile, f->sshd->port);
  culvert_profile_set_user (f->profile, f->sshd->user);
  culvert_profile_set_identity_file (f->profile, f->sshd->client_key_path);
  culvert_profile_set_auth_method (f->profile, CULVERT_AUTH_KEY);
  culvert_profile_set_known_hosts_file (f->profile, f->sshd->known_hosts_path);
  culvert_profile_set_reconnect (f->profile, FALSE);
  culvert_profile_set_keepalive_interval (f->profile, 0);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->tunnel != NULL)
    {
      if (culvert_tunnel_is_running (f->tunnel))
        {
          g_signal_connect (f->tunnel, "exited", G_CALLBACK (on_exited), f);
          culvert_tunnel_disconnect (f->tunnel);
          while (!f->exited)
            g_main_context_iteration (NULL, TRUE);
          g_assert_cmpint (culvert_tunnel_get_state (f->tunnel), ==, CULVERT_TUNNEL_DISCONNECTED);
        }
      g_assert_finalize_object (f->tunnel);
    }
  g_clear_object (&f->profile);
  culvert_test_sshd_stop (f->sshd);
}

static CulvertForward *
add_local (Fixture    *f,
           const char *spec)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CulvertForward) forward = culvert_forward_parse (CULVERT_FORWARD_LOCAL, spec, &error);

  g_assert_no_error (error);
  culvert_profile_add_forward (f->profile, forward);

  return forward;
}

static guint16
add_local_to (Fixture *f,
              guint16  destination_port)
{
  guint16 port = closed_port ();
  g_autofree char *spec = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", port, destination_port);

  add_local (f, spec);
  return port;
}

static CulvertForwardStatus *
status_at (Fixture *f,
           guint    index)
{
  CulvertForwardStatus *status = g_list_model_get_item (culvert_tunnel_get_forwards (f->tunnel),
                                                        index);

  g_object_unref (status);  /* the tunnel keeps it */
  return status;
}

static guint16
listening_port (Fixture *f,
                guint    index)
{
  CulvertForwardStatus *status = status_at (f, index);

  g_assert_cmpint (culvert_forward_status_get_state (status), !=, CULVERT_FORWARD_STATE_FAILED);
  g_assert_cmpuint (culvert_forward_status_get_port (status), >, 0);

  return culvert_forward_status_get_port (status);
}

static void
connect_tunnel (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->tunnel = culvert_tunnel_new (f->profile);
  culvert_tunnel_set_host_key_policy (f->tunnel, CULVERT_HOST_KEY_STRICT);
  g_assert_true (culvert_tunnel_connect (f->tunnel, &error));
  g_assert_no_error (error);
  g_assert_true (wait_until (tunnel_connected, f->tunnel, 20));
}

/* ---------------------------------------------------------------------- */
/* Clients                                                                 */

typedef struct
{
  guint16   port;
  gsize     size;
  guint8   *payload;        /* sent, then half-close */
  char     *expected_back;  /* checksum of what must come back */
  gsize     expected_len;
  gboolean  ok;
  char     *problem;
  GThread  *thread;
} Client;

typedef struct
{
  int           fd;
  const guint8 *data;
  gsize         len;
  gboolean      ok;
} SendJob;

static gpointer
send_job_thread (gpointer data)
{
  SendJob *job = data;

  job->ok = write_all (job->fd, job->data, job->len);
  shutdown (job->fd, SHUT_WR);
  return NULL;
}

static gpointer
client_thread (gpointer data)
{
  Client *c = data;
  g_autofree char *sum = NULL;
  SendJob job;
  GThread *sender;
  gsize total;
  int fd = connect_loopback (c->port);

  if (fd < 0)
    {
      c->problem = g_strdup_printf ("connect: %s", g_strerror (errno));
      return NULL;
    }

  job = (SendJob) { fd, c->payload, c->size, FALSE };
  sender = g_thread_new ("client-send", send_job_thread, &job);
  sum = read_to_eof_checksum (fd, &total);
  g_thread_join (sender);
  close (fd);

  if (!job.ok)
    c->problem = g_strdup ("sending failed");
  else if (total != c->expected_len)
    c->problem = g_strdup_printf ("received %" G_GSIZE_FORMAT " bytes, expected %" G_GSIZE_FORMAT,
                                  total, c->expected_len);
  else if (g_strcmp0 (sum, c->expected_back) != 0)
    c->problem = g_strdup ("the data that came back is different");
  else
    c->ok = TRUE;

  return NULL;
}

static gboolean
clients_done (gpointer data)
{
  GPtrArray *clients = data;

  for (guint i = 0; i < clients->len; i++)
    {
      Client *c = g_ptr_array_index (clients, i);

      if (c->ok || c->problem)
        continue;
      return FALSE;
    }

  return TRUE;
}

static void
client_free (Client *c)
{
  if (c->thread)
    g_thread_join (c->thread);
  g_free (c->payload);
  g_free (c->expected_back);
  g_free (c->problem);
  g_free (c);
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

  c = g_new0 (Client, 1);
  c->port = listening_port (f, 0);
  c->size = size;
  c->payload = random_payload (size);
  c->expected_back = g_strdup (down_sum);
  c->expected_len = size;
  g_ptr_array_add (clients, c);
  c->thread = g_thread_new ("client", client_thread, c);

  g_assert_true (wait_until (clients_done, clients, 120));
  g_assert_cmpstr (c->problem, ==, NULL);
  g_assert_true (c->ok);

  /* What the server got is what the client sent. */
  g_assert_cmpuint (destination_served (dest), ==, 1);
  {
    g_autofree char *up_sum = checksum_of (c->payload, size);

    g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (dest->received, up_sum)), ==, 1);
  }

  /* The counters reach the main thread. */
  status = status_at (f, 0);
  g_assert_true (wait_until ((gboolean (*) (gpointer)) culvert_forward_status_get_total, status, 5));
  while (culvert_forward_status_get_bytes_received (status) < size ||
         culvert_forward_status_get_active (status) != 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (culvert_forward_status_get_bytes_sent (status), ==, size);
  g_assert_cmpuint (culvert_forward_status_get_bytes_received (status), ==, size);
  g_assert_cmpuint (culvert_forward_status_get_total (status), ==, 1);

  destination_free (dest);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *reason = NULL;

  g_test_init (&argc, &argv, NULL);

  if (!culvert_test_sshd_available (&reason))
    {
      g_test_add_data_func ("/tunnel/integrity", reason, (GTestDataFunc) g_test_skip);
      return g_test_run ();
    }

  g_test_add ("/tunnel/integrity", Fixture, NULL, fixture_setup, test_tunnel_integrity,
              fixture_teardown);

  return g_test_run ();
}

/* test-rogue-server.c — a server that sends what nobody asked for
 *
 * A small SSH server built on libssh's server API, in this process: it
 * lets anyone in, answers tcpip-forward requests as the test says, pumps
 * direct-tcpip channels (so it can serve as a jump host) and, when the
 * test asks, opens forwarded-tcpip channels of its own choosing. The
 * client must refuse every channel it did not ask for and connect nothing.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "culvert-forward.h"
#include "engine-test-util.h"

/* ---------------------------------------------------------------------- */
/* The server                                                              */

typedef enum
{
  OPEN_PENDING,
  OPEN_ACCEPTED,
  OPEN_REFUSED,
  OPEN_NO_ANSWER,
} OpenResult;

typedef struct
{
  ssh_channel channel;
  int         fd;
  gboolean    eof_sent;
  gboolean    shut_wr;
} Pair;

typedef struct
{
  char       *dir;
  char       *known_hosts_path;
  int         listen_fd;
  guint16     port;
  ssh_bind    bind;
  GThread    *thread;

  GMutex      lock;
  GCond       cond;
  /* under lock */
  gboolean    stop;
  GArray     *refuse_ports;    /* of guint16: tcpip-forward requests refused */
  GPtrArray  *forward_requests; /* "address:port" the client asked for */
  gboolean    authenticated;
  char       *open_address;    /* a forwarded-tcpip open to make, or NULL */
  guint16     open_port;
  OpenResult  open_result;
  guint       direct_opens;    /* direct-tcpip channels accepted */

  /* server thread only */
  GPtrArray  *pairs;           /* of Pair*: direct-tcpip channels and their sockets */
} Server;

static int
on_server_message (ssh_session session,
                   ssh_message message,
                   void       *user_data)
{
  Server *server = user_data;
  int type = ssh_message_type (message);
  int subtype = ssh_message_subtype (message);

  switch (type)
    {
    case SSH_REQUEST_SERVICE:
      ssh_message_service_reply_success (message);
      return 0;

    case SSH_REQUEST_AUTH:
      /* Anyone: "none" is enough. */
      ssh_message_auth_reply_success (message, 0);
      g_mutex_lock (&server->lock);
      server->authenticated = TRUE;
      g_cond_broadcast (&server->cond);
      g_mutex_unlock (&server->lock);
      return 0;

    case SSH_REQUEST_GLOBAL:
      if (subtype == SSH_GLOBAL_REQUEST_TCPIP_FORWARD)
        {
          const char *address = ssh_message_global_request_address (message);
          int port = ssh_message_global_request_port (message);
          gboolean refuse = FALSE;

          g_mutex_lock (&server->lock);
          g_ptr_array_add (server->forward_requests,
                           g_strdup_printf ("%s:%d", address ? address : "", port));
          for (guint i = 0; i < server->refuse_ports->len; i++)
            if (g_array_index (server->refuse_ports, guint16, i) == port)
              refuse = TRUE;
          g_cond_broadcast (&server->cond);
          g_mutex_unlock (&server->lock);
          if (refuse || port == 0)
            return 1;  /* the default answer: refused */
          ssh_message_global_request_reply_success (message, port);
          return 0;
        }
      return 1;

    case SSH_REQUEST_CHANNEL_OPEN:
      if (subtype == SSH_CHANNEL_DIRECT_TCPIP)
        {
          const char *host = ssh_message_channel_request_open_destination (message);
          int port = ssh_message_channel_request_open_destination_port (message);
          g_autoptr(GSocketClient) client = g_socket_client_new ();
          g_autoptr(GSocketConnection) connection = NULL;
          ssh_channel channel;
          Pair *pair;

          connection = g_socket_client_connect_to_host (client, host, port, NULL, NULL);
          if (connection == NULL)
            return 1;
          channel = ssh_message_channel_request_open_reply_accept (message);
          if (channel == NULL)
            return 0;
          pair = g_new0 (Pair, 1);
          pair->channel = channel;
          pair->fd = dup (g_socket_get_fd (g_socket_connection_get_socket (connection)));
          g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
          g_mutex_lock (&server->lock);
          server->direct_opens++;
          g_mutex_unlock (&server->lock);
          g_ptr_array_add (server->pairs, pair);
          return 0;
        }
      return 1;

    default:
      return 1;
    }
}

static void
pair_free (Pair *pair)
{
  ssh_channel_close (pair->channel);
  ssh_channel_free (pair->channel);
  close (pair->fd);
  g_free (pair);
}

/* Moves what is waiting either way; FALSE when the pair is finished. */
static gboolean
pair_pump (Pair *pair)
{
  guint8 buf[16384];
  ssize_t n;
  int r;

  while ((r = ssh_channel_read_nonblocking (pair->channel, buf, sizeof buf, 0)) > 0)
    if (!culvert_test_write_all (pair->fd, buf, r))
      return FALSE;
  if (r == SSH_ERROR)
    return FALSE;
  if (ssh_channel_is_eof (pair->channel) && !pair->shut_wr)
    {
      shutdown (pair->fd, SHUT_WR);
      pair->shut_wr = TRUE;
    }

  while (!pair->eof_sent && (n = recv (pair->fd, buf, sizeof buf, MSG_DONTWAIT)) >= 0)
    {
      if (n == 0)
        {
          ssh_channel_send_eof (pair->channel);
          pair->eof_sent = TRUE;
          break;
        }
      for (ssize_t off = 0; off < n;)
        {
          int w = ssh_channel_write (pair->channel, buf + off, n - off);

          if (w < 0)
            return FALSE;
          off += w;
        }
    }

  return !ssh_channel_is_closed (pair->channel) && !(pair->eof_sent && pair->shut_wr);
}

static gpointer
server_thread (gpointer data)
{
  Server *server = data;
  ssh_session session = ssh_new ();
  ssh_event event = NULL;
  ssh_channel opening = NULL;
  gint64 open_deadline = 0;
  int fd;

  /* Before the key exchange: the client's first requests may be read
   * within it. */
  ssh_set_message_callback (session, on_server_message, server);
  fd = accept4 (server->listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (fd < 0 || ssh_bind_accept_fd (server->bind, session, fd) != SSH_OK ||
      ssh_handle_key_exchange (session) != SSH_OK)
    {
      g_message ("test server: %s", ssh_get_error (session));
      ssh_free (session);
      return NULL;
    }
  ssh_set_blocking (session, 0);
  event = ssh_event_new ();
  ssh_event_add_session (event, session);

  for (;;)
    {
      gboolean stop;

      if (ssh_event_dopoll (event, 20) == SSH_ERROR ||
          (ssh_get_status (session) & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0)
        break;
      for (guint i = 0; i < server->pairs->len; i++)
        if (!pair_pump (g_ptr_array_index (server->pairs, i)))
          g_ptr_array_remove_index (server->pairs, i--);

      g_mutex_lock (&server->lock);
      stop = server->stop;
      if (opening == NULL && server->open_address != NULL &&
          server->open_result == OPEN_PENDING)
        {
          opening = ssh_channel_new (session);
          open_deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
        }
      if (opening != NULL)
        {
          int rc = ssh_channel_open_reverse_forward (opening, server->open_address,
                                                     server->open_port, "192.0.2.7", 40000);

          if (rc != SSH_AGAIN || g_get_monotonic_time () > open_deadline)
            {
              server->open_result = rc == SSH_OK ? OPEN_ACCEPTED :
                                    rc == SSH_AGAIN ? OPEN_NO_ANSWER : OPEN_REFUSED;
              /* An accepted channel stays open until the end. */
              if (rc != SSH_OK)
                ssh_channel_free (opening);
              opening = NULL;
              g_cond_broadcast (&server->cond);
            }
        }
      g_mutex_unlock (&server->lock);
      if (stop)
        break;
    }

  g_ptr_array_set_size (server->pairs, 0);
  ssh_event_remove_session (event, session);
  ssh_event_free (event);
  ssh_disconnect (session);
  ssh_free (session);

  g_mutex_lock (&server->lock);
  server->stop = TRUE;
  if (server->open_result == OPEN_PENDING)
    server->open_result = OPEN_NO_ANSWER;
  g_cond_broadcast (&server->cond);
  g_mutex_unlock (&server->lock);

  return NULL;
}

static Server *
server_start (void)
{
  Server *server = g_new0 (Server, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *pub = NULL;
  g_autofree char *line = NULL;
  ssh_key key = NULL;

  g_mutex_init (&server->lock);
  g_cond_init (&server->cond);
  server->refuse_ports = g_array_new (FALSE, FALSE, sizeof (guint16));
  server->forward_requests = g_ptr_array_new_with_free_func (g_free);
  server->pairs = g_ptr_array_new_with_free_func ((GDestroyNotify) pair_free);
  server->dir = g_dir_make_tmp ("culvert-rogue-XXXXXX", &error);
  g_assert_no_error (error);
  server->listen_fd = culvert_test_listen_loopback (&server->port);
  g_assert_cmpint (server->listen_fd, >=, 0);

  g_assert_cmpint (culvert_test_generate_key (SSH_KEYTYPE_ED25519, 0, &key), ==, SSH_OK);
  g_assert_cmpint (ssh_pki_export_pubkey_base64 (key, &pub), ==, SSH_OK);
  line = g_strdup_printf ("[127.0.0.1]:%u %s %s\n", server->port,
                          ssh_key_type_to_char (ssh_key_type (key)), pub);
  server->known_hosts_path = g_build_filename (server->dir, "known_hosts", NULL);
  g_file_set_contents (server->known_hosts_path, line, -1, &error);
  g_assert_no_error (error);
  /* libssh's own strings, freed with free (). */
  free (g_steal_pointer (&pub));

  server->bind = ssh_bind_new ();
  /* The bind takes the key. */
  g_assert_cmpint (ssh_bind_options_set (server->bind, SSH_BIND_OPTIONS_IMPORT_KEY, key), ==,
                   SSH_OK);
  server->thread = g_thread_new ("rogue-server", server_thread, server);

  return server;
}

static void
server_free (Server *server)
{
  g_mutex_lock (&server->lock);
  server->stop = TRUE;
  g_mutex_unlock (&server->lock);
  shutdown (server->listen_fd, SHUT_RDWR);
  g_thread_join (server->thread);
  close (server->listen_fd);
  ssh_bind_free (server->bind);
  g_ptr_array_unref (server->pairs);
  g_ptr_array_unref (server->forward_requests);
  g_array_unref (server->refuse_ports);
  culvert_test_remove_tree (server->dir);
  g_free (server->dir);
  g_free (server->known_hosts_path);
  g_free (server->open_address);
  g_mutex_clear (&server->lock);
  g_cond_clear (&server->cond);
  g_free (server);
}

/* The server opens a forwarded-tcpip channel for @address:@port, as if a
 * client had connected there; returns what the client answered. The main
 * context runs meanwhile (the tunnel's events). */
static OpenResult
server_open_forwarded (Server     *server,
                       const char *address,
                       guint16     port)
{
  OpenResult result;

  g_mutex_lock (&server->lock);
  g_free (server->open_address);
  server->open_address = g_strdup (address);
  server->open_port = port;
  server->open_result = OPEN_PENDING;
  g_mutex_unlock (&server->lock);

  for (;;)
    {
      g_mutex_lock (&server->lock);
      result = server->open_result;
      g_mutex_unlock (&server->lock);
      if (result != OPEN_PENDING)
        break;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }

  return result;
}

static guint
server_n_forward_requests (gpointer data)
{
  Server *server = data;
  guint n;

  g_mutex_lock (&server->lock);
  n = server->forward_requests->len;
  g_mutex_unlock (&server->lock);

  return n;
}

/* ---------------------------------------------------------------------- */
/* A destination that counts who connects                                  */

/* How many connections reached @fd (a listening socket) within @ms. */
static guint
accepted_within (int fd,
                 int ms)
{
  struct pollfd p = { .fd = fd, .events = POLLIN };
  guint n = 0;

  while (poll (&p, 1, ms) > 0)
    {
      int c = accept4 (fd, NULL, NULL, SOCK_CLOEXEC);

      if (c < 0)
        break;
      close (c);
      n++;
      ms = 200;
    }

  return n;
}

static gboolean
forward_settled (gpointer data)
{
  CulvertForwardState state = culvert_forward_status_get_state (data);

  return state == CULVERT_FORWARD_STATE_LISTENING || state == CULVERT_FORWARD_STATE_FAILED;
}

static CulvertProfile *
rogue_profile_new (Server *server)
{
  CulvertProfile *profile = culvert_profile_new ();

  culvert_profile_set_host (profile, "127.0.0.1");
  culvert_profile_set_port (profile, server->port);
  culvert_profile_set_user (profile, "anyone");
  culvert_profile_set_auth_method (profile, CULVERT_AUTH_AUTOMATIC);
  culvert_profile_set_known_hosts_file (profile, server->known_hosts_path);
  culvert_profile_set_reconnect (profile, FALSE);
  culvert_profile_set_keepalive_interval (profile, 0);

  return profile;
}

static void
add_remote (CulvertProfile *profile,
            const char     *spec)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CulvertForward) forward = culvert_forward_parse (CULVERT_FORWARD_REMOTE, spec,
                                                             &error);

  g_assert_no_error (error);
  culvert_profile_add_forward (profile, forward);
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                   */

/* The server opens forwarded-tcpip channels for an address and ports the
 * client never asked for, and for a forward it refused: each is refused
 * (an open failure the server sees), logged, and nothing connects to the
 * destination; a channel for the forward it did accept is connected on. */
static void
test_unrequested_forwarded_channel (void)
{
  Server *server = server_start ();
  g_autoptr(CulvertProfile) profile = rogue_profile_new (server);
  g_autoptr(CulvertTunnel) tunnel = NULL;
  guint16 dest_port = 0;
  int dest_fd = culvert_test_listen_loopback (&dest_port);
  guint16 asked = free_port ();
  guint16 refused = free_port ();
  guint16 never = free_port ();
  g_autofree char *spec1 = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", asked, dest_port);
  g_autofree char *spec2 = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", refused, dest_port);
  g_autofree char *never_label = g_strdup_printf ("127.0.0.1:%u", never);
  g_autofree char *other_label = g_strdup_printf ("127.0.0.9:%u", asked);
  g_autofree char *refused_label = g_strdup_printf ("127.0.0.1:%u", refused);

  g_array_append_val (server->refuse_ports, refused);
  add_remote (profile, spec1);
  add_remote (profile, spec2);
  tunnel = tunnel_start (profile);
  g_assert_true (wait_until (tunnel_connected, tunnel, 20));
  g_assert_true (wait_until (forward_settled, status_at (tunnel, 0), 20));
  g_assert_true (wait_until (forward_settled, status_at (tunnel, 1), 20));
  g_assert_cmpint (culvert_forward_status_get_state (status_at (tunnel, 0)), ==,
                   CULVERT_FORWARD_STATE_LISTENING);
  g_assert_cmpint (culvert_forward_status_get_state (status_at (tunnel, 1)), ==,
                   CULVERT_FORWARD_STATE_FAILED);
  g_assert_cmpuint (server_n_forward_requests (server), ==, 2);

  /* A port never asked for. */
  g_assert_cmpint (server_open_forwarded (server, "127.0.0.1", never), ==, OPEN_REFUSED);
  /* The port asked for, on an address never asked for. */
  g_assert_cmpint (server_open_forwarded (server, "127.0.0.9", asked), ==, OPEN_REFUSED);
  /* The forward the server refused: nothing of ours listens there. */
  g_assert_cmpint (server_open_forwarded (server, "127.0.0.1", refused), ==, OPEN_REFUSED);
  g_assert_cmpuint (accepted_within (dest_fd, 1000), ==, 0);
  g_assert_cmpint (culvert_tunnel_get_state (tunnel), ==, CULVERT_TUNNEL_CONNECTED);
  /* Each refusal is in the log, with the address and port. */
  {
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    while (!(log_contains (tunnel, never_label) && log_contains (tunnel, other_label) &&
             log_contains (tunnel, refused_label)) &&
           g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, FALSE);
  }
  g_assert_true (log_contains (tunnel, never_label));
  g_assert_true (log_contains (tunnel, other_label));
  g_assert_true (log_contains (tunnel, "did not ask the server to listen there"));

  /* The forward it accepted is served: the destination sees the client. */
  g_assert_cmpint (server_open_forwarded (server, "127.0.0.1", asked), ==, OPEN_ACCEPTED);
  g_assert_cmpuint (accepted_within (dest_fd, 5000), ==, 1);

  disconnect_and_wait (tunnel, 0);
  close (dest_fd);
  server_free (server);
}

/* The rogue server as a jump host in front of a real sshd: once the
 * tunnel runs through it, it opens channels nobody asked for on the jump
 * session. Each is refused at once (libssh would otherwise queue them for
 * as long as the session lives, unanswered), and the tunnel keeps working. */
static void
test_jump_host_unrequested_channel (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CulvertTestSshd) sshd = culvert_test_sshd_start (NULL, &error);
  Server *server = NULL;
  g_autoptr(CulvertProfile) profile = NULL;
  g_autoptr(CulvertTunnel) tunnel = NULL;
  g_autoptr(CulvertForward) forward = NULL;
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  g_autofree char *known = NULL;
  g_autofree char *line = NULL;
  g_autofree char *all = NULL;
  g_autofree char *hop = NULL;
  g_autofree char *spec = NULL;
  Echo *echo = echo_new ();
  guint16 port = free_port ();

  g_assert_no_error (error);
  server = server_start ();
  g_assert_true (g_file_get_contents (server->known_hosts_path, &known, NULL, NULL));
  line = known_hosts_line (sshd, "127.0.0.1", sshd->port);
  all = g_strconcat (known, line, NULL);
  g_assert_true (g_file_set_contents (server->known_hosts_path, all, -1, NULL));

  profile = key_profile_new ("127.0.0.1", sshd->port, sshd->user, sshd->client_key_path,
                             server->known_hosts_path);
  hop = g_strdup_printf ("anyone@127.0.0.1:%u", server->port);
  culvert_profile_set_jump_hosts (profile, (const char *[]) { hop, NULL });
  spec = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", port, echo->port);
  forward = culvert_forward_parse (CULVERT_FORWARD_LOCAL, spec, &error);
  g_assert_no_error (error);
  culvert_profile_add_forward (profile, forward);

  tunnel = tunnel_start (profile);
  g_assert_true (wait_until (tunnel_connected, tunnel, 30));
  g_assert_cmpuint (server->direct_opens, ==, 1);

  /* Channels the jump host opens on its own: each refused, none waits. */
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (server_open_forwarded (server, "127.0.0.1", 4000 + i), ==, OPEN_REFUSED);

  /* The tunnel through the hop still carries data both ways. */
  start_client (clients, port, 256 * 1024, TRUE, NULL, 0);
  g_assert_true (wait_until (clients_done, clients, 60));
  assert_clients_ok (clients);
  g_assert_cmpint (culvert_tunnel_get_state (tunnel), ==, CULVERT_TUNNEL_CONNECTED);

  disconnect_and_wait (tunnel, 0);
  server_free (server);
  echo_free (echo);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ssh_init ();

  g_test_add_func ("/rogue-server/unrequested-forwarded-channel",
                   test_unrequested_forwarded_channel);
  g_test_add_func ("/rogue-server/jump-host-unrequested-channel",
                   test_jump_host_unrequested_channel);

  return g_test_run ();
}

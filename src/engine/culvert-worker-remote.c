/* culvert-worker-remote.c — incoming (remote, -R) forwards
 *
 * The server listens for us: each session asks it with a tcpip-forward
 * global request (through the pump's queue, as libssh has one slot for
 * them), and each client of that port reaches us as a forwarded-tcpip
 * channel the server opens. libssh hands those to the message callback,
 * on 0.10 and on 0.11+ alike; the channel is accepted there, and the
 * connection to the local destination is made asynchronously by
 * GSocketClient (names resolved without blocking, IPv4 and IPv6). Until it
 * is made the channel is not read, so the server holds what the client
 * sends within the channel's window. A forward without a destination (a
 * reverse dynamic one) asks each client where to go first:
 * culvert-worker-rsocks.c.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "Culvert-Remote"

#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <gio/gunixsocketaddress.h>
#include <libssh/server.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "culvert-address.h"
#include "culvert-worker-private.h"

/* Seconds to reach a local destination of an incoming forward. */
#define LOCAL_CONNECT_TIMEOUT 15

void
culvert_remote_free (Remote *remote)
{
  if (remote->probe != NULL)
    {
      remote->probe->probe_for = NULL;
      culvert_conn_close (remote->probe, NULL);
    }
  g_free (remote->probe_host);
  g_free (remote->bind_address);
  g_free (remote->destination_host);
  g_free (remote);
}

Remote *
culvert_worker_take_remote (CulvertWorker       *self,
                            CulvertWorkerRemote *in)
{
  Remote *remote = g_new0 (Remote, 1);

  remote->worker = self;
  remote->counters = culvert_worker_counters_for (self, in->forward_index);
  remote->bind_address = g_strdup (in->bind_address);
  remote->bind_port = in->bind_port;
  remote->destination_host = g_strdup (in->destination_host);
  remote->destination_port = in->destination_port;
  g_ptr_array_add (self->remotes, remote);

  return remote;
}

static char *
server_label (const char *address,
              guint16     port)
{
  if (address == NULL || *address == '\0')
    return g_strdup_printf ("*:%u", port);
  if (strchr (address, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", address, port);
  return g_strdup_printf ("%s:%u", address, port);
}

static void
remote_post_listening (CulvertWorker       *self,
                       Remote              *remote,
                       CulvertForwardReach  reach)
{
  CulvertWorkerEvent event = { .type = CULVERT_WORKER_EVENT_FORWARD_LISTENING };

  event.forward_index = remote->counters->forward_index;
  event.text = server_label (remote->bind_address, remote->bound_port);
  event.port = remote->bound_port;
  event.reach = reach;
  culvert_worker_post (self, &event);
}

/* The address the session reached the server on, when that is the server
 * itself (not a proxy) and not loopback; NULL otherwise. */
static char *
server_address (CulvertWorker *self)
{
  struct sockaddr_storage peer;
  socklen_t len = sizeof peer;
  g_autoptr(GSocketAddress) address = NULL;
  GInetAddress *inet;
  int fd;

  if (self->via_proxy)
    return NULL;
  fd = ssh_get_fd (self->session);
  if (fd < 0 || getpeername (fd, (struct sockaddr *) &peer, &len) != 0)
    return NULL;
  address = g_socket_address_new_from_native (&peer, len);
  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return NULL;
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
  if (g_inet_address_get_is_loopback (inet))
    return NULL;
  return g_inet_address_to_string (inet);
}

/* An incoming forward asked for a bind other than loopback: the server may
 * have listened on loopback alone instead (OpenSSH's GatewayPorts no says
 * nothing about it). Ask the server to connect to the port on the address
 * other hosts would use, through a direct-tcpip channel: refused means
 * loopback only. The forward is reported listening once that is known.
 * FALSE: nothing to check (reported already). */
static gboolean
remote_check_reach (CulvertWorker *self,
                    Remote        *remote)
{
  const char *bind = remote->bind_address;
  g_autofree char *host = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  Conn *probe;

  switch (culvert_address_classify (bind))
    {
    case CULVERT_ADDRESS_LOOPBACK:
      remote_post_listening (self, remote, CULVERT_FORWARD_REACH_AS_ASKED);
      return FALSE;

    case CULVERT_ADDRESS_WILDCARD:
      host = server_address (self);   /* every interface: the one we reached */
      break;

    case CULVERT_ADDRESS_PRIVATE:
    case CULVERT_ADDRESS_PUBLIC:
    default:
      /* An address is checked there; a name: which of its addresses? */
      inet = g_inet_address_new_from_string (bind);
      if (inet != NULL)
        host = g_strdup (bind);
      break;
    }

  if (host == NULL)
    {
      culvert_worker_log (self, FALSE, _("Whether other computers can reach port %u on the server "
                                         "depends on its GatewayPorts setting; Culvert could not "
                                         "check it"), remote->bound_port);
      remote_post_listening (self, remote, CULVERT_FORWARD_REACH_UNCHECKED);
      return FALSE;
    }

  probe = culvert_conn_alloc (self, &self->probe_counters, "127.0.0.1", 0, NULL, 0);
  probe->probe_for = remote;
  probe->destination_host = g_strdup (host);
  probe->destination_port = remote->bound_port;
  probe->destination = server_label (host, remote->bound_port);
  remote->probe = probe;
  g_free (remote->probe_host);
  remote->probe_host = g_steal_pointer (&host);
  remote->probe_until = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  culvert_conn_open_channel (probe);

  return TRUE;
}

/* What the server said to the probe's channel (from conn_open_result). */
void
culvert_remote_probe_done (Conn       *probe,
                           int         rc,
                           const char *reason)
{
  Remote *remote = probe->probe_for;
  CulvertWorker *self = probe->worker;
  CulvertForwardReach reach;
  g_autofree char *lower = g_ascii_strdown (reason != NULL ? reason : "", -1);

  probe->probe_for = NULL;
  culvert_conn_close (probe, NULL);
  if (remote == NULL)
    return;
  remote->probe = NULL;

  if (rc == SSH_OK)
    {
      reach = CULVERT_FORWARD_REACH_OTHER_HOSTS;
      culvert_worker_log (self, FALSE,
                          _("Other computers can reach port %u on the server (checked on "
                            "%s)"), remote->bound_port, remote->probe_host);
    }
  else if (strstr (lower, "refused") != NULL)
    {
      reach = CULVERT_FORWARD_REACH_LOOPBACK_ONLY;
      remote->probe_until = 0;
      culvert_worker_log (self, TRUE,
                          _("The server listens on port %u for programs on the server only, "
                            "not on %s as asked: its GatewayPorts setting does not allow "
                            "other computers"), remote->bound_port, remote->probe_host);
    }
  else
    {
      reach = CULVERT_FORWARD_REACH_UNCHECKED;
      remote->probe_until = 0;
      culvert_worker_log (self, FALSE,
                          _("Whether other computers can reach port %u on the server "
                            "depends on its GatewayPorts setting; Culvert could not check "
                            "it (%s)"), remote->bound_port, reason);
    }

  if (!remote->removed)
    remote_post_listening (self, remote, reach);
}

static void
on_listen_answered (CulvertWorker *self,
                    GlobalRequest *request,
                    int            rc,
                    int            bound_port,
                    const char    *error)
{
  Remote *remote = request->data;
  guint forward_index = remote->counters->forward_index;
  g_autofree char *label = NULL;

  /* The session ended before the server answered, or the forward was
   * removed meanwhile (its cancel follows in the queue). */
  if ((rc != SSH_OK && error == NULL) || remote->removed)
    return;

  if (rc == SSH_OK)
    {
      guint16 port = remote->bind_port;

      /* libssh reads the chosen port from the reply only for port 0. */
      if (port == 0)
        {
          if (bound_port <= 0 || bound_port > G_MAXUINT16)
            {
              CulvertWorkerEvent failed = { .type = CULVERT_WORKER_EVENT_FORWARD_FAILED };

              remote->refused = TRUE;
              failed.forward_index = forward_index;
              failed.text = g_strdup (_("The server listens, but did not say on which port"));
              culvert_worker_post (self, &failed);
              return;
            }
          port = bound_port;
        }
      remote->bound_port = port;
      label = server_label (remote->bind_address, port);
      if (remote->destination_host == NULL)
        culvert_worker_log (self, FALSE, _("The server listens on %s; its clients connect onwards "
                                           "from this computer, as through a SOCKS proxy"), label);
      else if (remote->destination_port == 0)   /* a socket file here */
        culvert_worker_log (self, FALSE, _("The server listens on %s for %s"),
                            label, remote->destination_host);
      else
        culvert_worker_log (self, FALSE, _("The server listens on %s for %s:%u"),
                            label, remote->destination_host, remote->destination_port);
      remote_check_reach (self, remote);
    }
  else
    {
      CulvertWorkerEvent event = { .type = CULVERT_WORKER_EVENT_FORWARD_FAILED };

      /* Nothing listens for it: a channel for its address and port is
       * no longer ours (worker_accept_forwarded()). */
      remote->refused = TRUE;
      label = server_label (remote->bind_address, remote->bind_port);
      event.forward_index = forward_index;
      /* The protocol carries no reason: say what it usually is. */
      event.text = g_strdup_printf (_("The server refused to listen on %s: the port may be in "
                                      "use there, or the server does not allow incoming "
                                      "forwards on it (%s)"), label, error);
      culvert_worker_log (self, TRUE, "%s", event.text);
      culvert_worker_post (self, &event);
    }
}

/* Asks the server to listen for every incoming forward, at the start of
 * each session (the server forgets them when a session ends). Requests with
 * port 0 go first, before channels are busy: libssh reads the chosen port
 * from the last packet it read. */
void
culvert_worker_request_remote (CulvertWorker *self,
                               Remote        *remote)
{
  remote->bound_port = 0;
  remote->refused = FALSE;
  culvert_worker_global_request (self, GLOBAL_LISTEN, remote->bind_address, remote->bind_port,
                                 on_listen_answered, remote);
}

void
culvert_worker_request_remotes (CulvertWorker *self)
{
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < self->remotes->len; i++)
      {
        Remote *remote = g_ptr_array_index (self->remotes, i);

        if (!remote->removed && (remote->bind_port == 0) == (pass == 0))
          culvert_worker_request_remote (self, remote);
      }
}

static void
on_cancel_answered (CulvertWorker *self,
                    GlobalRequest *request,
                    int            rc,
                    int            bound_port,
                    const char    *error)
{
  g_ptr_array_remove_fast (self->remotes, request->data);
}

/* Stops the incoming forward @forward_index: the server is asked to stop
 * listening (after anything already queued for it), then it is freed. */
void
culvert_worker_remove_remotes (CulvertWorker *self,
                               guint          forward_index)
{
  for (guint i = 0; i < self->remotes->len; i++)
    {
      Remote *remote = g_ptr_array_index (self->remotes, i);

      if (remote->counters->forward_index != forward_index || remote->removed)
        continue;
      remote->removed = TRUE;
      if (self->session == NULL)
        {
          g_ptr_array_remove_index_fast (self->remotes, i--);
          continue;
        }
      culvert_worker_global_request (self, GLOBAL_CANCEL, remote->bind_address,
                                     remote->bound_port != 0 ? remote->bound_port
                                                             : remote->bind_port,
                                     on_cancel_answered, remote);
    }
}

/* Connects to local destinations, directly (a proxy is for the server). */
static GSocketClient *
worker_local_client (CulvertWorker *self)
{
  if (self->local_client == NULL)
    {
      self->local_client = g_socket_client_new ();
      g_socket_client_set_enable_proxy (self->local_client, FALSE);
      g_socket_client_set_timeout (self->local_client, LOCAL_CONNECT_TIMEOUT);
    }

  return self->local_client;
}

/* Starts connecting @conn to its destination from this computer; @done
 * finishes with culvert_worker_local_connect_finish(). */
void
culvert_worker_local_connect_start (Conn                *conn,
                                    GAsyncReadyCallback  done)
{
  g_autoptr(GSocketConnectable) address = NULL;
  LocalConnect *op = g_new0 (LocalConnect, 1);

  op->conn = conn;
  op->cancellable = g_cancellable_new ();
  conn->connecting = op;
  if (conn_destination_is_path (conn))
    address = G_SOCKET_CONNECTABLE (g_unix_socket_address_new (conn->destination_host));
  else
    address = g_network_address_new (conn->destination_host, conn->destination_port);
  g_socket_client_connect_async (worker_local_client (conn->worker), address,
                                 op->cancellable, done, op);
}

/* Ends a culvert_worker_local_connect_start(): returns its connection (NULL with @error
 * set when it failed) and the connection's socket as a descriptor of
 * @conn's own in *@fd (-1 when that failed: @conn is closed then). *@conn
 * is NULL when the connection went away meanwhile. */
Conn *
culvert_worker_local_connect_finish (GObject       *source,
                                     GAsyncResult  *result,
                                     gpointer       user_data,
                                     int           *fd,
                                     GError       **error)
{
  LocalConnect *op = user_data;
  g_autoptr(GSocketConnection) connection = NULL;
  Conn *conn = op->conn;

  *fd = -1;
  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, error);
  g_object_unref (op->cancellable);
  g_free (op);
  if (conn == NULL)
    return NULL;  /* gone meanwhile */

  conn->connecting = NULL;
  if (connection == NULL)
    return conn;

  /* Ours from now on; the GSocket closes its own descriptor. */
  *fd = dup (g_socket_get_fd (g_socket_connection_get_socket (connection)));
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  if (*fd < 0)
    culvert_conn_close (conn, g_strerror (errno));
  else if (!culvert_conn_attach_socket (conn, *fd))
    *fd = -1;

  return conn;
}

static void
on_local_connected (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  Conn *conn;
  int fd;

  conn = culvert_worker_local_connect_finish (source, result, user_data, &fd, &error);
  if (conn == NULL)
    return;

  if (error != NULL)
    {
      culvert_worker_log (conn->worker, TRUE, _("Could not connect to %s for %s: %s"),
                          conn->destination, conn->source, error->message);
      culvert_conn_close (conn, error->message);
    }
  else if (fd >= 0)
    culvert_conn_start (conn);
  culvert_worker_pump (conn->worker, FALSE);
}

/* Whether a forwarded-tcpip channel for @address:@port belongs to @remote.
 * As OpenSSH's client does (channels.c, open_listen_match_tcpip), by the
 * address exactly as we sent it in tcpip-forward (which the server echoes;
 * libssh sends no address as "") and the port: the one the server bound, or
 * the one asked for by number while the answer is still on its way. */
static gboolean
remote_matches (Remote     *remote,
                const char *address,
                int         port)
{
  const char *bind = remote->bind_address != NULL ? remote->bind_address : "";

  if (remote->removed || remote->refused || port <= 0 || address == NULL)
    return FALSE;
  if (remote->bound_port != 0 ? remote->bound_port != port : remote->bind_port != port)
    return FALSE;

  return strcmp (bind, address) == 0;
}

/* Accepts a forwarded-tcpip channel for one of our incoming forwards and
 * starts connecting it to its destination; FALSE when it is none of ours
 * (logged; the caller refuses it, and nothing is connected). */
static gboolean
worker_accept_forwarded (CulvertWorker *self,
                         ssh_message    message)
{
  const char *address = ssh_message_channel_request_open_destination (message);
  int port = ssh_message_channel_request_open_destination_port (message);
  const char *originator = ssh_message_channel_request_open_originator (message);
  int originator_port = ssh_message_channel_request_open_originator_port (message);
  Remote *remote = NULL;
  Conn *conn;

  /* The server may open a channel for a port it listens on before we read
   * its answer to our request: a port we asked for by number is ours
   * already, unless the server refused it. Anything else is refused. */
  for (guint i = 0; i < self->remotes->len && remote == NULL; i++)
    if (remote_matches (g_ptr_array_index (self->remotes, i), address, port))
      remote = g_ptr_array_index (self->remotes, i);
  if (remote == NULL)
    {
      /* The server's words, shown as text: no control characters. */
      g_autofree char *shown = g_strescape (address != NULL ? address : "", NULL);
      g_autofree char *label = server_label (shown, CLAMP (port, 0, G_MAXUINT16));

      culvert_worker_log (self, TRUE, _("Refused a connection the server forwarded for %s: "
                                        "Culvert did not ask the server to listen there"), label);
      return FALSE;
    }

  /* The connection the probe made: not a client. */
  if (remote->probe_until > g_get_monotonic_time () && originator != NULL &&
      g_strcmp0 (originator, remote->probe_host) == 0)
    {
      remote->probe_until = 0;
      ssh_message_reply_default (message);
      return TRUE;
    }

  conn = culvert_conn_alloc (self, remote->counters, originator != NULL ? originator : "?",
                             CLAMP (originator_port, 0, G_MAXUINT16),
                             remote->destination_host, remote->destination_port);
  conn->channel = culvert_conn_new_channel (conn);
  if (conn->channel == NULL ||
      ssh_message_channel_request_open_reply_accept_channel (message, conn->channel) != SSH_OK)
    {
      culvert_conn_close (conn, ssh_get_error (self->session));
      return TRUE;  /* the message is answered: the channel is refused */
    }

  /* A reverse dynamic forward: the client says where to go first. */
  if (remote->destination_host == NULL)
    {
      culvert_worker_rsocks_start (conn);
      return TRUE;
    }

  culvert_worker_local_connect_start (conn, on_local_connected);

  return TRUE;
}

/* Called by libssh, inside whatever call read the message: only accept or
 * refuse here. 0: handled; 1: libssh sends its default answer (a refusal). */
int
culvert_worker_on_message (ssh_session  session,
                           ssh_message  message,
                           void        *user_data)
{
  CulvertWorker *self = user_data;

  if (ssh_message_type (message) == SSH_REQUEST_CHANNEL_OPEN &&
      ssh_message_subtype (message) == SSH_CHANNEL_FORWARDED_TCPIP &&
      worker_accept_forwarded (self, message))
    return 0;

  return 1;
}

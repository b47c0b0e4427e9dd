/* culvert-worker-socks.c — the SOCKS side of dynamic (-D) forwards
 *
 * A client of a dynamic forward first says where it wants to go, in SOCKS
 * 4, 4a or 5 (culvert-socks.c parses that, as a pure function); then the
 * connection is the same machine as any other: a direct-tcpip channel to
 * that destination, names resolved by the SSH server. The client hears the
 * outcome in its own protocol's words; bytes it sent after its request are
 * kept and go first once the channel is open. A handshake that takes
 * longer than SOCKS_HANDSHAKE_TIMEOUT is given up.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "Culvert-Socks"

#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "culvert-worker-private.h"

#define SOCKS_HANDSHAKE_TIMEOUT (10 * G_TIME_SPAN_SECOND)

void
culvert_worker_socks_free (ConnSocks *socks)
{
  if (socks == NULL)
    return;
  g_clear_pointer (&socks->parser, culvert_socks_parser_free);
  g_free (socks);
}

static void
socks_done_handshaking (Conn *conn)
{
  if (conn->socks != NULL)
    g_clear_pointer (&conn->socks->parser, culvert_socks_parser_free);
  if (conn->handshaking)
    {
      conn->handshaking = FALSE;
      g_ptr_array_remove_fast (conn->worker->handshaking, conn);
    }
}

/* The client's request is read first, within SOCKS_HANDSHAKE_TIMEOUT. */
void
culvert_worker_socks_begin_handshake (Conn *conn)
{
  conn->state = CONN_HANDSHAKE;
  if (conn->socks == NULL)
    {
      conn->socks = g_new0 (ConnSocks, 1);
      conn->socks->version = -1;
    }
  conn->socks->parser = culvert_socks_parser_new ();
  conn->socks->deadline = g_get_monotonic_time () + SOCKS_HANDSHAKE_TIMEOUT;
  conn->handshaking = TRUE;
  g_ptr_array_add (conn->worker->handshaking, conn);
}

/* A client of a dynamic forward was accepted: read its request first. */
void
culvert_worker_socks_start (Conn *conn)
{
  if (conn->closing)
    return;

  culvert_worker_socks_begin_handshake (conn);
  /* A client usually sends its request right after connecting: it may be
   * here already, a wake-up sooner than epoll would say so. Only a client
   * still to say where it goes is watched. */
  culvert_worker_socks_on_readable (conn);
  if (conn->state == CONN_HANDSHAKE && !conn->closing)
    culvert_worker_watch_set (conn->worker, conn->fd, conn, EPOLLIN, &conn->events);
}

/* Sends all of a short message; the socket is new, so it has room. */
static gboolean
send_short (Conn         *conn,
            const guint8 *data,
            gsize         len)
{
  while (len > 0)
    {
      ssize_t n = send (conn->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          culvert_conn_close (conn, n < 0 ? g_strerror (errno) : NULL);
          return FALSE;
        }
      data += n;
      len -= n;
    }

  return TRUE;
}

/* Moves the replies held back to @out; returns their length. */
static gsize
socks_take_held (Conn   *conn,
                 guint8  out[SOCKS_ANSWER_MAX])
{
  gsize held = conn->socks->held_len;

  memcpy (out, conn->socks->held, held);
  conn->socks->held_len = 0;

  return held;
}

/* Puts the replies held back and then the answer to the client's request
 * for @outcome into @out; returns the length. */
gsize
culvert_worker_socks_build_answer (Conn                *conn,
                                   CulvertSocksOutcome  outcome,
                                   guint8               out[SOCKS_ANSWER_MAX])
{
  gsize held = socks_take_held (conn, out);

  return held + culvert_socks_build_reply (conn->socks->version, outcome, out + held);
}

/* Answers the client's request; FALSE when the connection failed. */
gboolean
culvert_worker_socks_reply (Conn                *conn,
                            CulvertSocksOutcome  outcome)
{
  guint8 answer[SOCKS_ANSWER_MAX];
  gsize len = culvert_worker_socks_build_answer (conn, outcome, answer);

  return send_short (conn, answer, len);
}

/* Sends the replies held back followed by @len bytes of @data. */
static gboolean
socks_send_with_held (Conn                 *conn,
                      const guint8         *data,
                      gsize                 len,
                      const SocksTransport *transport)
{
  guint8 answer[SOCKS_ANSWER_MAX];
  gsize held = socks_take_held (conn, answer);

  g_assert (len <= CULVERT_SOCKS_MAX_REPLY);
  if (len > 0)
    memcpy (answer + held, data, len);

  return transport->send (conn, answer, held + len);
}

/* What a refused channel open means to a SOCKS client. libssh keeps the
 * server's reason code to itself; its message carries the description. */
CulvertSocksOutcome
culvert_worker_socks_outcome_for_error (const char *error)
{
  g_autofree char *lower = g_ascii_strdown (error != NULL ? error : "", -1);

  if (strstr (lower, "refused") != NULL)
    return CULVERT_SOCKS_OUTCOME_CONNECTION_REFUSED;
  if (strstr (lower, "network is unreachable") != NULL)
    return CULVERT_SOCKS_OUTCOME_NETWORK_UNREACHABLE;
  if (strstr (lower, "unreachable") != NULL || strstr (lower, "no route") != NULL ||
      strstr (lower, "not known") != NULL || strstr (lower, "resolve") != NULL ||
      strstr (lower, "timed out") != NULL)
    return CULVERT_SOCKS_OUTCOME_HOST_UNREACHABLE;

  return CULVERT_SOCKS_OUTCOME_GENERAL_FAILURE;
}

/* The client said where it goes: that is the connection's destination
 * from now on, and the forward's status lists it. */
void
culvert_worker_socks_take_request (Conn                      *conn,
                                   const CulvertSocksRequest *request)
{
  conn->socks->version = request->version;
  conn->destination_host = g_strdup (request->host);
  conn->destination_port = request->port;
  conn->destination = strchr (request->host, ':') != NULL
                      ? g_strdup_printf ("[%s]:%u", request->host, request->port)
                      : g_strdup_printf ("%s:%u", request->host, request->port);
  socks_done_handshaking (conn);
  culvert_conn_report_opened (conn);
}

/* The client asked for @request: open the channel to it. @rest are bytes
 * the client already sent for the destination. */
static void
socks_requested (Conn                      *conn,
                 const CulvertSocksRequest *request,
                 const guint8              *rest,
                 gsize                      rest_len)
{
  culvert_worker_socks_take_request (conn, request);

  if (rest_len > 0)
    {
      conn->upload = g_memdup2 (rest, rest_len);
      conn->upload_len = rest_len;
      conn->upload_off = 0;
    }

  /* Nothing more is read from the client until the channel is open. */
  conn->state = CONN_OPENING;
  culvert_worker_watch_set (conn->worker, conn->fd, conn, 0, &conn->events);
  culvert_conn_open_channel (conn);
}

/* Feeds what the client sent to its handshake, answering on @transport;
 * TRUE when all of it was taken and more must come.
 *
 * A client that sends its request without waiting for the answer to its
 * greeting (as many do) gets both answers in one write once the request is
 * answered, as from OpenSSH: one wake-up for it instead of two. */
gboolean
culvert_worker_socks_feed (Conn                 *conn,
                           const guint8         *buf,
                           gsize                 n,
                           const SocksTransport *transport)
{
  gsize off = 0;

  while (conn->socks->parser != NULL)
    {
      g_autoptr(GError) error = NULL;
      gsize consumed = 0;
      const guint8 *reply;
      gsize reply_len = 0;

      switch (culvert_socks_parser_feed (conn->socks->parser, buf + off, n - off, &consumed,
                                         &error))
        {
        case CULVERT_SOCKS_STATUS_NEED_MORE:
          /* The client may be waiting for what was held back. */
          if (conn->socks->held_len > 0 && !socks_send_with_held (conn, NULL, 0, transport))
            return FALSE;
          return TRUE;

        case CULVERT_SOCKS_STATUS_REPLY_NEEDED:
          off += consumed;
          reply = culvert_socks_parser_get_reply (conn->socks->parser, &reply_len);
          if (off < n && conn->socks->held_len + reply_len <= sizeof conn->socks->held)
            {
              /* The client went on without waiting for this reply. */
              memcpy (conn->socks->held + conn->socks->held_len, reply, reply_len);
              conn->socks->held_len += reply_len;
              break;
            }
          if (!socks_send_with_held (conn, reply, reply_len, transport))
            return FALSE;
          if (off == n)
            return TRUE;
          break;

        case CULVERT_SOCKS_STATUS_REQUEST:
          off += consumed;
          transport->requested (conn, culvert_socks_parser_get_request (conn->socks->parser),
                                buf + off, n - off);
          return FALSE;

        case CULVERT_SOCKS_STATUS_FAILED:
          if (transport->on_server)
            culvert_worker_log (conn->worker, TRUE, _("SOCKS client %s on the server: %s"),
                                conn->source, error->message);
          else
            culvert_worker_log (conn->worker, TRUE, _("SOCKS client %s: %s"), conn->source,
                                error->message);
          reply = culvert_socks_parser_get_reply (conn->socks->parser, &reply_len);
          if (reply_len == 0 || socks_send_with_held (conn, reply, reply_len, transport))
            culvert_conn_close (conn, error->message);
          return FALSE;

        default:
          g_assert_not_reached ();
        }
    }

  return FALSE;
}

void
culvert_worker_socks_on_readable (Conn *conn)
{
  static const SocksTransport on_socket = { send_short, socks_requested, FALSE };
  /* Whatever the client sent with its request is read with it, to go on
   * the channel as one message once it is open. */
  guint8 *buf = conn->worker->scratch;
  ssize_t n;

  n = recv (conn->fd, buf, UPLOAD_CHUNK, MSG_DONTWAIT);
  if (n < 0)
    {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        culvert_conn_close (conn, g_strerror (errno));
      return;
    }
  if (n == 0)
    {
      culvert_conn_close (conn, _("The SOCKS client left before saying where to go"));
      return;
    }

  culvert_worker_socks_feed (conn, buf, n, &on_socket);
}

/* Gives up on clients that take too long to say where they go (from the
 * stats tick, a few times a second). */
void
culvert_worker_expire_handshakes (CulvertWorker *self)
{
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < self->handshaking->len; )
    {
      Conn *conn = g_ptr_array_index (self->handshaking, i);

      if (now < conn->socks->deadline)
        {
          i++;
          continue;
        }
      conn->handshaking = FALSE;
      g_ptr_array_remove_index_fast (self->handshaking, i);
      culvert_worker_log (self, TRUE, _("SOCKS client %s did not say where to go in time"),
                          conn->source);
      culvert_conn_close (conn, _("The SOCKS handshake took too long"));
    }
}

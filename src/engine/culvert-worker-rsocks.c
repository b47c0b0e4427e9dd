/* culvert-worker-rsocks.c — reverse dynamic forwards (-R with a port alone)
 *
 * The server listens (as for any incoming forward), and each client of its
 * port is a SOCKS client of ours: its request arrives on the
 * forwarded-tcpip channel, is parsed by the same parser as -D's, and this
 * computer connects to the destination it names (names resolved here, the
 * connection made asynchronously by GSocketClient). The answer goes back
 * on the channel in the client's protocol, then the connection is the same
 * machine as any other. Bytes the client sent after its request go first.
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
#include <unistd.h>

#include "culvert-worker-private.h"

/* The channel was accepted: its first bytes are the SOCKS request. */
void
culvert_worker_rsocks_start (Conn *conn)
{
  conn->reverse_socks = TRUE;
  culvert_worker_socks_begin_handshake (conn);
  /* Bytes may be waiting already. */
  culvert_conn_mark_ready (conn);
}

/* Writes a short message on the channel; FALSE when the connection failed. */
static gboolean
rsocks_send (Conn         *conn,
             const guint8 *data,
             gsize         len)
{
  int w = ssh_channel_write (conn->channel, data, len);

  if (w < 0 || (gsize) w != len)
    {
      culvert_conn_close (conn, w < 0 ? ssh_get_error (conn->worker->session)
                                      : _("The server did not take the SOCKS reply"));
      return FALSE;
    }

  return TRUE;
}

static gboolean
rsocks_reply (Conn                *conn,
              CulvertSocksOutcome  outcome)
{
  guint8 answer[SOCKS_ANSWER_MAX];
  gsize len = culvert_worker_socks_build_answer (conn, outcome, answer);

  return rsocks_send (conn, answer, len);
}

/* What a failed local connection means to a SOCKS client. */
static CulvertSocksOutcome
rsocks_outcome_for_error (const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    return CULVERT_SOCKS_OUTCOME_CONNECTION_REFUSED;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE))
    return CULVERT_SOCKS_OUTCOME_NETWORK_UNREACHABLE;
  if (error->domain == G_RESOLVER_ERROR ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return CULVERT_SOCKS_OUTCOME_HOST_UNREACHABLE;

  return CULVERT_SOCKS_OUTCOME_GENERAL_FAILURE;
}

static void
on_destination_connected (GObject      *source,
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
      culvert_worker_log (conn->worker, TRUE,
                          _("SOCKS client %s on the server: could not connect to %s: %s"),
                          conn->source, conn->destination, error->message);
      if (rsocks_reply (conn, rsocks_outcome_for_error (error)))
        culvert_conn_close (conn, error->message);
    }
  else if (fd >= 0 && rsocks_reply (conn, CULVERT_SOCKS_OUTCOME_SUCCEEDED))
    {
      /* Answered here, on the channel: culvert_conn_start must not answer again. */
      conn->socks->version = -1;
      culvert_conn_start (conn);
    }
  culvert_worker_pump (conn->worker, FALSE);
}

/* PermitRemoteOpen as ssh's client reads it: "host:port", either "*";
 * names compared as written (no lookups), case aside. */
static gboolean
rsocks_permitted (char       **permitted,
                  const char  *host,
                  guint16      port)
{
  if (permitted == NULL)
    return TRUE;

  for (guint i = 0; permitted[i] != NULL; i++)
    {
      const char *entry = permitted[i];
      const char *colon = strrchr (entry, ':');
      g_autofree char *want_host = NULL;
      const char *want_port;

      if (colon == NULL)
        continue;
      want_host = g_strndup (entry, colon - entry);
      want_port = colon + 1;
      if (want_host[0] == '[' && want_host[strlen (want_host) - 1] == ']')
        {
          char *inner = g_strndup (want_host + 1, strlen (want_host) - 2);

          g_free (want_host);
          want_host = inner;
        }
      if (strcmp (want_host, "*") != 0 && g_ascii_strcasecmp (want_host, host) != 0)
        continue;
      if (strcmp (want_port, "*") != 0 && g_ascii_strtoull (want_port, NULL, 10) != port)
        continue;
      return TRUE;
    }

  return FALSE;
}

/* The client asked for @request: connect to it from here. @rest are bytes
 * the client already sent for the destination. */
static void
rsocks_requested (Conn                      *conn,
                  const CulvertSocksRequest *request,
                  const guint8              *rest,
                  gsize                      rest_len)
{
  culvert_worker_socks_take_request (conn, request);

  if (!rsocks_permitted (conn->worker->config->permit_remote_open, request->host,
                         request->port))
    {
      culvert_worker_log (conn->worker, TRUE,
                          _("SOCKS client %s on the server asked for %s, which PermitRemoteOpen "
                            "does not allow"), conn->source, conn->destination);
      if (rsocks_reply (conn, CULVERT_SOCKS_OUTCOME_NOT_ALLOWED))
        culvert_conn_close (conn, _("not allowed by PermitRemoteOpen"));
      return;
    }

  conn->state = CONN_OPENING;
  if (rest_len > 0)
    {
      conn->pending = g_memdup2 (rest, rest_len);
      conn->pending_len = rest_len;
      conn->pending_off = 0;
    }

  culvert_worker_local_connect_start (conn, on_destination_connected);
}

/* Reads the client's request from the channel (from the pass, when the
 * channel has data). */
void
culvert_worker_rsocks_pump (Conn *conn)
{
  static const SocksTransport on_channel = { rsocks_send, rsocks_requested, TRUE };
  guint8 buf[CULVERT_SOCKS_MAX_HANDSHAKE + 512];
  int n;

  n = ssh_channel_read_timeout (conn->channel, buf, sizeof buf, 0, 0);
  if (n == SSH_AGAIN || (n == 0 && !conn->remote_eof))
    return;
  if (n < 0)
    {
      culvert_conn_close (conn, ssh_get_error (conn->worker->session));
      return;
    }
  if (n == 0)
    {
      culvert_conn_close (conn, _("The SOCKS client left before saying where to go"));
      return;
    }

  if (culvert_worker_socks_feed (conn, buf, n, &on_channel))
    culvert_conn_mark_ready (conn);  /* there may be more already */
}

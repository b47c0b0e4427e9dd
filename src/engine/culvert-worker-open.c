/* culvert-worker-open.c — a connection's channel: opening it, and its callbacks
 *
 * A direct-tcpip channel is asked for (again and again with the same
 * channel, as non-blocking libssh wants, until the server answers) once a
 * connection knows its destination; a forwarded-tcpip channel is accepted
 * by culvert-worker-remote.c. Either way the connection starts serving
 * once its channel is open and its local socket connected.
 *
 * Channel callbacks only mark the connection for the next pass: they may
 * run re-entrantly inside any libssh call that handles packets, and a
 * channel must never be freed inside its own callback.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "Culvert-Worker"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "culvert-worker-private.h"

/* SSH2_OPEN_ADMINISTRATIVELY_PROHIBITED (RFC 4254 §5.1). */
#define OPEN_ADMINISTRATIVELY_PROHIBITED 1

static int
on_channel_data (ssh_session  session,
                 ssh_channel  channel,
                 void        *data,
                 uint32_t     len,
                 int          is_stderr,
                 void        *user_data)
{
  Conn *conn = user_data;
  gsize taken = 0;

  if (conn->state == CONN_OPEN && !is_stderr)
    {
      /* With libssh 0.10 this takes nothing: the pass reads with a size
       * that sets the window. */
      taken = culvert_conn_take_data (conn, data, len);
      culvert_conn_mark_ready (conn);
    }
  else if (conn->state == CONN_HANDSHAKE && conn->reverse_socks && !is_stderr)
    culvert_conn_mark_ready (conn);

  return taken;
}

static void
on_channel_eof (ssh_session  session,
                ssh_channel  channel,
                void        *user_data)
{
  Conn *conn = user_data;

  conn->remote_eof = TRUE;
  culvert_conn_mark_ready (conn);
}

static void
on_channel_close (ssh_session  session,
                  ssh_channel  channel,
                  void        *user_data)
{
  Conn *conn = user_data;

  /* Never free the channel here: libssh still uses it after we return. */
  conn->remote_closed = TRUE;
  conn->remote_eof = TRUE;
  culvert_conn_mark_ready (conn);
}

/* The server's reason code for a refused channel (RFC 4254 §5.1), or 0.
 * libssh (0.10 to 0.12) keeps it only in its error text: "Channel opening
 * failure: channel 3 error (1) open failed". */
static guint32
open_failure_code (const char *error)
{
  const char *p = error != NULL ? strstr (error, "Channel opening failure") : NULL;
  char *end = NULL;
  guint64 code;

  if (p == NULL || (p = strstr (p, " error (")) == NULL)
    return 0;
  p += strlen (" error (");
  if (!g_ascii_isdigit (*p))
    return 0;
  code = g_ascii_strtoull (p, &end, 10);
  if (end == NULL || *end != ')' || code > G_MAXUINT32)
    return 0;

  return (guint32) code;
}

/* Acts on what ssh_channel_open_forward said. */
static void
conn_open_result (Conn *conn,
                  int   rc)
{
  CulvertWorker *self = conn->worker;

  if (rc == SSH_AGAIN)
    {
      if (!conn->opening)
        {
          conn->opening = TRUE;
          g_ptr_array_add (self->opening, conn);
        }
      return;
    }

  if (conn->opening)
    {
      conn->opening = FALSE;
      g_ptr_array_remove_fast (self->opening, conn);
    }

  if (conn->probe_for != NULL)
    {
      culvert_remote_probe_done (conn, rc, rc == SSH_OK ? NULL : ssh_get_error (self->session));
      return;
    }

  if (rc != SSH_OK)
    {
      g_autofree char *reason = g_strdup (ssh_get_error (self->session));
      gboolean prohibited = open_failure_code (reason) == OPEN_ADMINISTRATIVELY_PROHIBITED;

      /* A policy (PermitOpen, no-port-forwarding, restrict, Dropbear's -j)
       * is not a destination that failed to answer: say which it is. */
      if (prohibited)
        culvert_worker_log (self, TRUE,
                            _("The server does not allow forwarding to %s (asked for by %s)"),
                            conn->destination, conn->source);
      else
        culvert_worker_log (self, TRUE, _("The server could not connect to %s for %s: %s"),
                            conn->destination, conn->source, reason);
      if (culvert_conn_socks_version (conn) >= 0)
        culvert_worker_socks_reply (conn,
                                    prohibited ? CULVERT_SOCKS_OUTCOME_NOT_ALLOWED
                                               : culvert_worker_socks_outcome_for_error (reason));
      culvert_conn_close (conn, reason);
      return;
    }

  /* Asked for and answered: one round trip, and the server's connect. */
  culvert_path_memory_round_trip (&self->path, g_get_monotonic_time () - conn->open_sent);
  culvert_conn_start (conn);
}

/* A channel for @conn, not open yet, with our callbacks and the window the
 * session learned (libssh 0.10 grows it with the first read instead). */
ssh_channel
culvert_conn_new_channel (Conn *conn)
{
  ssh_channel channel = ssh_channel_new (conn->worker->session);

  if (channel == NULL)
    return NULL;

  conn->callbacks.userdata = conn;
  conn->callbacks.channel_data_function = on_channel_data;
  conn->callbacks.channel_eof_function = on_channel_eof;
  conn->callbacks.channel_close_function = on_channel_close;
  ssh_callbacks_init (&conn->callbacks);
  ssh_set_channel_callbacks (channel, &conn->callbacks);
#ifdef HAVE_SSH_CHANNEL_SET_WINDOW_SIZE
  ssh_channel_set_window_size (channel, conn->window.window);
#endif

  return channel;
}

/* The channel is open and the local socket connected: serve it. */
void
culvert_conn_start (Conn *conn)
{
  conn->state = CONN_OPEN;
  conn->started = TRUE;
  if (conn->abandoned)
    {
      culvert_conn_close (conn, NULL);
      return;
    }

#if !defined (HAVE_SSH_CHANNEL_SET_WINDOW_SIZE) && LIBSSH_VERSION_INT < SSH_VERSION_INT (0, 11, 0)
  /* libssh 0.10 opened the channel with 64,000 bytes; a window the session
   * learned is granted with the first read, before any data arrives. */
  conn->grant_window = conn->window.window > CULVERT_WINDOW_INITIAL;
#endif

  if (culvert_conn_socks_version (conn) >= 0)
    {
      /* What the SOCKS client sent with its request goes to the server
       * first; then the client hears that it is connected, and its
       * wake-up for that answer overlaps the server's round trip instead
       * of coming before it. Nothing reaches the client before the answer
       * (culvert_conn_take_data and conn_check_done wait for it). */
      conn->socks_answer_due = TRUE;
      if (conn->upload_len > 0)
        culvert_conn_pump_up (conn);
      conn->socks_answer_due = FALSE;
      if (conn->closing || !culvert_worker_socks_reply (conn, CULVERT_SOCKS_OUTCOME_SUCCEEDED))
        return;
      culvert_conn_mark_ready (conn);
      culvert_conn_update_events (conn);
      return;
    }

  /* Data may have arrived already, and the client may have sent some. */
  culvert_conn_mark_ready (conn);
  if (conn->upload_len > 0)
    culvert_conn_pump_up (conn);
  else
    culvert_conn_update_events (conn);
}

/* Asks the server for a direct-tcpip channel to the connection's destination. */
void
culvert_conn_open_channel (Conn *conn)
{
  CulvertWorker *self = conn->worker;

  if (conn->closing)
    return;

  conn->channel = culvert_conn_new_channel (conn);
  if (conn->channel == NULL)
    {
      culvert_conn_close (conn, ssh_get_error (self->session));
      return;
    }

  conn->open_sent = g_get_monotonic_time ();
  culvert_conn_try_open (conn);
}

/* Asks again whether the server opened the channel (the same call, again). */
void
culvert_conn_try_open (Conn *conn)
{
  int rc;

  /* A path (port 0): a socket file on the server, direct-streamlocal@openssh.com. */
  if (conn_destination_is_path (conn))
    rc = ssh_channel_open_forward_unix (conn->channel, conn->destination_host,
                                        conn->source_host, conn->source_port);
  else
    rc = ssh_channel_open_forward (conn->channel, conn->destination_host, conn->destination_port,
                                   conn->source_host, conn->source_port);
  conn_open_result (conn, rc);
}


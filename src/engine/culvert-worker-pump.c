/* culvert-worker-pump.c — the session pump: epoll, passes, keepalives, counters
 *
 * One epoll descriptor watches the SSH socket, the listening sockets and
 * every client socket, so the cost of an event does not grow with the
 * number of idle connections. When the SSH socket is ready, libssh reads it
 * (ssh_event_dopoll (ev, 0) on an event that holds only the session); then
 * passes over the connections do what the callbacks marked.
 *
 * Every entry into libssh goes through one step, culvert_worker_pump(): check the
 * session, let libssh read (when the socket is ready), run the passes, and
 * check the session again.
 *
 * On libssh 0.11+ ssh_channel_poll reads and writes the socket on every
 * call, so a pass can see output flushed, or a window adjust read, after it
 * checked who waits for those; nothing would wake the loop for them until
 * the server sent again. So every pass ends by asking again, and the passes
 * are bounded so that one busy channel cannot starve the other sources of
 * the worker's context (timers, commands, a stop).
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "Culvert-Worker"

#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <libssh/server.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "culvert-worker-private.h"

#define EPOLL_BATCH          256
/* Passes over the connections in one go before clients, listeners and
 * timers get their turn. */
#define PROCESS_PASSES       8
/* libssh 0.10 reads its socket 4 KiB per poll; going back to the main loop
 * after each would cost a round of wake-ups per 4 KiB. (Stopping after a
 * read shorter than 4 KiB would save the last, empty poll, but against
 * libssh 0.12 that left 200 concurrent clients waiting for good: what
 * libssh read is its own business.) */
#define SSH_READS_PER_WAKEUP 64

static CulvertWorkerPassHook pass_hook;  /* set by a test's thread: atomic */

void
culvert_worker_set_pass_hook (CulvertWorkerPassHook hook)
{
  g_atomic_pointer_set (&pass_hook, hook);
}

/* ---------------------------------------------------------------------- */
/* epoll                                                                   */

void
culvert_worker_watch_set (CulvertWorker *self,
                          int            fd,
                          gpointer       tag,
                          guint32        events,
                          guint32       *current)
{
  struct epoll_event ev = { .events = events, .data.ptr = tag };

  if (*current == events)
    return;
  if (epoll_ctl (self->epoll_fd, EPOLL_CTL_MOD, fd, &ev) != 0)
    g_warning ("epoll_ctl (MOD, %d): %s", fd, g_strerror (errno));
  *current = events;
}

gboolean
culvert_worker_watch_add (CulvertWorker *self,
                          int            fd,
                          gpointer       tag,
                          guint32        events)
{
  struct epoll_event ev = { .events = events, .data.ptr = tag };

  return epoll_ctl (self->epoll_fd, EPOLL_CTL_ADD, fd, &ev) == 0;
}

void
culvert_worker_watch_remove (CulvertWorker *self,
                             int            fd)
{
  epoll_ctl (self->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
}

Counters *
culvert_worker_counters_for (CulvertWorker *self,
                             guint          forward_index)
{
  Counters *counters;

  for (guint i = 0; i < self->counters->len; i++)
    {
      counters = g_ptr_array_index (self->counters, i);
      if (counters->forward_index == forward_index)
        return counters;
    }

  counters = g_new0 (Counters, 1);
  counters->forward_index = forward_index;
  g_ptr_array_add (self->counters, counters);

  return counters;
}

/* ---------------------------------------------------------------------- */
/* The pump                                                                */

/* Remembers when the server last sent anything; asked after each step of
 * the pump, so the server's silence is known to the millisecond. */
static void
worker_note_rx (CulvertWorker *self)
{
  guint64 rx = self->packet_counter->in_bytes;

  if (rx != self->keepalive.last_rx_bytes)
    {
      self->keepalive.last_rx_bytes = rx;
      self->keepalive.last_rx_time = g_get_monotonic_time ();
    }
}

static void
worker_session_dead (CulvertWorker *self,
                     const char    *reason)
{
  if (self->session_dead)
    return;

  self->session_dead = TRUE;
  g_free (self->dead_reason);
  self->dead_reason = g_strdup (reason);
  if (self->loop != NULL)
    g_main_loop_quit (self->loop);
}

/* Any libssh call may find the connection gone (a failed write closes the
 * socket, which also leaves our epoll set), so this is asked around each
 * step of the pump. */
static gboolean
worker_check_session (CulvertWorker *self,
                      gboolean       poll_failed)
{
  if (self->session_dead)
    return FALSE;

  if (poll_failed || !ssh_is_connected (self->session) ||
      (ssh_get_status (self->session) & (SSH_CLOSED | SSH_CLOSED_ERROR)))
    {
      const char *error = ssh_get_error (self->session);

      worker_session_dead (self, error && *error ? error : _("The server closed the connection"));
      return FALSE;
    }

  return TRUE;
}

static void
worker_update_ssh_events (CulvertWorker *self)
{
  guint32 events = EPOLLIN;
  int fd = ssh_get_fd (self->session);

  if (ssh_get_poll_flags (self->session) & SSH_WRITE_PENDING)
    events |= EPOLLOUT;
  if (fd >= 0)
    culvert_worker_watch_set (self, fd, &self->ssh_watch, events, &self->ssh_events);
}

static gboolean
output_pending (CulvertWorker *self)
{
  return (ssh_get_poll_flags (self->session) & SSH_WRITE_PENDING) != 0;
}

/* Channels that the server answered. Asking libssh about a channel still
 * opening costs a poll of the socket, so a channel not open yet (its open
 * may have been refused) is asked only once a packet came in since the last
 * time. libssh may read packets inside any call, so its own count of
 * packets tells, not our polls. */
static void
pass_opening (CulvertWorker *self)
{
  g_autoptr(GPtrArray) opening = NULL;
  guint64 packets = self->packet_counter->in_packets;
  gboolean answers = packets != self->opening_packets;

  if (self->opening->len == 0)
    return;

  self->opening_packets = packets;
  opening = g_steal_pointer (&self->opening);
  self->opening = g_ptr_array_new ();
  for (guint i = 0; i < opening->len; i++)
    {
      Conn *conn = g_ptr_array_index (opening, i);

      conn->opening = FALSE;
      if (conn->closing)
        continue;
      if (answers || ssh_channel_is_open (conn->channel))
        culvert_conn_try_open (conn);  /* back into the list when still undecided */
      else
        {
          conn->opening = TRUE;
          g_ptr_array_add (self->opening, conn);
        }
    }
}

/* Output drained: read the clients we held back. */
static void
pass_paused (CulvertWorker *self)
{
  g_autoptr(GPtrArray) paused = NULL;

  if (!self->write_blocked || output_pending (self))
    return;

  paused = g_steal_pointer (&self->paused);
  self->paused = g_ptr_array_new ();
  self->write_blocked = FALSE;
  for (guint i = 0; i < paused->len; i++)
    {
      Conn *conn = g_ptr_array_index (paused, i);

      conn->paused = FALSE;
      culvert_conn_pump_up (conn);
    }
}

/* Windows the server opened again, and writes a re-key held back. A
 * connection that must wait again goes into a fresh list. */
static void
pass_window_waiters (CulvertWorker *self)
{
  g_autoptr(GPtrArray) waiters = NULL;

  if (self->window_waiters->len == 0)
    return;

  waiters = g_steal_pointer (&self->window_waiters);
  self->window_waiters = g_ptr_array_new ();
  for (guint i = 0; i < waiters->len; i++)
    {
      Conn *conn = g_ptr_array_index (waiters, i);

      if (conn->closing || conn->state != CONN_OPEN ||
          ssh_channel_window_size (conn->channel) > 0)
        {
          conn->waiting_window = FALSE;
          culvert_conn_pump_up (conn);
        }
      else
        g_ptr_array_add (self->window_waiters, conn);
    }
}

/* Channels with data, EOF or close: the ones marked before this pass. What
 * the callbacks mark meanwhile waits for the next pass. */
static void
pass_ready (CulvertWorker *self)
{
  g_autoptr(GPtrArray) ready = NULL;

  if (self->ready->len == 0)
    return;

  ready = g_steal_pointer (&self->ready);
  self->ready = g_ptr_array_new ();
  for (guint i = 0; i < ready->len; i++)
    {
      Conn *conn = g_ptr_array_index (ready, i);

      conn->ready = FALSE;
      if (conn->closing)
        continue;
      culvert_conn_pump_down (conn);
      if (conn->remote_closed && !conn->closing && conn->pending_len == 0)
        {
          culvert_conn_shutdown_write (conn);
          culvert_conn_close (conn, NULL);
        }
    }
}

/* Frees what was closed, now that no libssh callback is running. */
static gboolean
pass_closing (CulvertWorker *self)
{
  g_autoptr(GPtrArray) closing = NULL;

  if (self->closing->len == 0)
    return FALSE;

  closing = g_steal_pointer (&self->closing);
  self->closing = g_ptr_array_new ();
  for (guint i = 0; i < closing->len; i++)
    {
      Conn *conn = g_ptr_array_index (closing, i);

      if (conn->ready)
        g_ptr_array_remove_fast (self->ready, conn);
      if (conn->waiting_window)
        g_ptr_array_remove_fast (self->window_waiters, conn);
      if (conn->paused)
        g_ptr_array_remove_fast (self->paused, conn);
      if (conn->opening)
        g_ptr_array_remove_fast (self->opening, conn);
      if (conn->handshaking)
        g_ptr_array_remove_fast (self->handshaking, conn);
      culvert_conn_destroy (conn);
    }

  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Global requests                                                         */

static void
global_request_free (GlobalRequest *request)
{
  g_free (request->address);
  g_free (request);
}

/* Queues a global request; @done (may be NULL) hears its answer. */
void
culvert_worker_global_request (CulvertWorker *self,
                               GlobalKind     kind,
                               const char    *address,
                               guint16        port,
                               GlobalDone     done,
                               gpointer       data)
{
  GlobalRequest *request = g_new0 (GlobalRequest, 1);

  request->kind = kind;
  request->address = g_strdup (address);
  request->port = port;
  request->done = done;
  request->data = data;
  g_queue_push_tail (&self->globals.queue, request);
}

static gboolean
worker_has_keepalive_queued (CulvertWorker *self)
{
  for (GList *l = self->globals.queue.head; l != NULL; l = l->next)
    if (((GlobalRequest *) l->data)->kind == GLOBAL_KEEPALIVE)
      return TRUE;

  return FALSE;
}

/* Sends the head of the queue, or asks libssh whether its answer came;
 * the next one goes out only once the head is answered. */
static void
pass_global (CulvertWorker *self)
{
  GlobalRequest *request;

  while ((request = g_queue_peek_head (&self->globals.queue)) != NULL)
    {
      int bound_port = 0;
      int rc = SSH_ERROR;
      gboolean was_sent = request->sent;

      if (request->sent && self->packet_counter->in_packets == self->globals.packets)
        return;  /* nothing came in since we last asked */
      self->globals.packets = self->packet_counter->in_packets;

      switch (request->kind)
        {
        case GLOBAL_KEEPALIVE:
          if (!request->sent)
            ssh_send_keepalive (self->session);
          /* libssh has no call that only asks whether the pending request
           * was answered; a cancel while the slot is taken sends nothing
           * and only collects that answer. (When the answer already came
           * inside ssh_send_keepalive, the slot is free and this sends a
           * cancel of nothing, which the server refuses: one more
           * round trip, collected the same way.) */
          rc = ssh_channel_cancel_forward (self->session, "", 0);
          break;

        case GLOBAL_LISTEN:
          rc = ssh_channel_listen_forward (self->session, request->address, request->port,
                                           &bound_port);
          break;

        case GLOBAL_CANCEL:
          rc = ssh_channel_cancel_forward (self->session, request->address, request->port);
          break;

        default:
          g_assert_not_reached ();
        }
      if (!request->sent)
        request->sent_at = g_get_monotonic_time ();
      request->sent = TRUE;

      if (rc == SSH_AGAIN)
        return;

      /* Answered in a later pass: a round trip at least (a keepalive may
       * take two, see above), and the path keeps the shortest it saw. An
       * answer in the call that sent it was an error of our own, and would
       * make the path look far shorter than it is. */
      if (was_sent)
        culvert_path_memory_round_trip (&self->path, g_get_monotonic_time () - request->sent_at);
      g_queue_pop_head (&self->globals.queue);
      if (request->done != NULL)
        request->done (self, request, rc, bound_port,
                       rc == SSH_OK ? NULL : ssh_get_error (self->session));
      global_request_free (request);
    }
}

static void
worker_clear_global_requests (CulvertWorker *self)
{
  GlobalRequest *request;

  while ((request = g_queue_pop_head (&self->globals.queue)) != NULL)
    {
      if (request->done != NULL)
        request->done (self, request, SSH_ERROR, 0, NULL);
      global_request_free (request);
    }
}

/* One pass over the connections; TRUE when another one is due. */
static gboolean
worker_pass (CulvertWorker *self)
{
  gboolean again;
  guint64 packets;

  pass_global (self);
  pass_opening (self);
  pass_paused (self);
  pass_window_waiters (self);
  /* Any packet read from here on may be a window adjust for a waiter. */
  packets = self->packet_counter->in_packets;
  pass_ready (self);

  {
    CulvertWorkerPassHook hook = g_atomic_pointer_get (&pass_hook);

    if (hook != NULL)
      hook (self->session, self->event);
  }

  again = pass_closing (self);

  /* What libssh did inside the calls of this pass, after we looked. */
  if (self->ready->len > 0)
    again = TRUE;
  if (self->window_waiters->len > 0 && self->packet_counter->in_packets != packets)
    again = TRUE;
  /* A global request's answer may have come in during the pass. */
  if (!g_queue_is_empty (&self->globals.queue) &&
      self->packet_counter->in_packets != self->globals.packets)
    again = TRUE;
  /* Asking one opening channel may have read the answer to another. */
  if (self->opening->len > 0 && self->packet_counter->in_packets != self->opening_packets)
    again = TRUE;
  if (self->write_blocked && !output_pending (self))
    again = TRUE;

  return again;
}

static gboolean
worker_process_later (gpointer user_data)
{
  CulvertWorker *self = user_data;

  g_clear_pointer (&self->process_source, g_source_unref);
  culvert_worker_pump (self, FALSE);

  return G_SOURCE_REMOVE;
}

static void
worker_process (CulvertWorker *self)
{
  guint pass;

  for (pass = 0; pass < PROCESS_PASSES; pass++)
    if (!worker_pass (self))
      break;

  /* Work is left that nothing on the epoll descriptor will announce: come
   * back after the other sources of the context had their turn. */
  if (pass == PROCESS_PASSES && self->process_source == NULL)
    {
      self->process_source = g_idle_source_new ();
      g_source_set_callback (self->process_source, worker_process_later, self, NULL);
      g_source_attach (self->process_source, self->context);
    }

  worker_update_ssh_events (self);
}

/* The one step that drives the session: check it, let libssh read the
 * socket (@read_socket: it is ready), run the passes, check it again.
 * FALSE when the session is gone. */
gboolean
culvert_worker_pump (CulvertWorker *self,
                     gboolean       read_socket)
{
  if (self->session == NULL || !worker_check_session (self, FALSE))
    return FALSE;

  if (read_socket)
    {
      int rc = SSH_OK;

      for (guint i = 0; i < SSH_READS_PER_WAKEUP && rc == SSH_OK; i++)
        {
          rc = ssh_event_dopoll (self->event, 0);
          if (!worker_check_session (self, rc == SSH_ERROR))
            return FALSE;
        }
    }

  worker_process (self);
  worker_note_rx (self);

  return worker_check_session (self, FALSE);
}

gboolean
culvert_worker_epoll_dispatch (int          fd,
                               GIOCondition condition,
                               gpointer     user_data)
{
  CulvertWorker *self = user_data;
  struct epoll_event events[EPOLL_BATCH];
  gboolean ssh_ready = FALSE;
  int n;

  n = epoll_wait (self->epoll_fd, events, EPOLL_BATCH, 0);
  for (int i = 0; i < n; i++)
    {
      WatchKind *kind = events[i].data.ptr;

      switch (*kind)
        {
        case WATCH_SSH:
          ssh_ready = TRUE;
          break;

        case WATCH_LISTENER:
          culvert_listener_accept ((Listener *) kind);
          break;

        case WATCH_CONN:
          if (self->session != NULL)
            culvert_conn_on_socket ((Conn *) kind, events[i].events);
          break;

        default:
          g_assert_not_reached ();
        }
    }

  /* The session goes last so that what clients sent leaves in one pass. */
  if (self->session != NULL)
    culvert_worker_pump (self, ssh_ready);

  return G_SOURCE_CONTINUE;
}

/* ---------------------------------------------------------------------- */
/* Counters and keepalives                                                 */

void
culvert_worker_post_stats (CulvertWorker *self)
{
  CulvertWorkerEvent event = { .type = CULVERT_WORKER_EVENT_STATS };
  GHashTableIter iter;
  gpointer value;

  event.forward_stats = g_array_new (FALSE, FALSE, sizeof (CulvertWorkerForwardStats));
  event.client_stats = g_array_new (FALSE, FALSE, sizeof (CulvertWorkerClientStats));

  for (guint i = 0; i < self->counters->len; i++)
    {
      Counters *counters = g_ptr_array_index (self->counters, i);
      CulvertWorkerForwardStats stats;

      if (!counters->dirty)
        continue;
      counters->dirty = FALSE;
      stats.forward_index = counters->forward_index;
      stats.active = counters->active;
      stats.total = counters->total;
      stats.bytes_sent = counters->bytes_sent;
      stats.bytes_received = counters->bytes_received;
      g_array_append_val (event.forward_stats, stats);
    }

  g_hash_table_iter_init (&iter, self->conns);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Conn *conn = value;
      CulvertWorkerClientStats stats;

      if (conn->bytes_sent == conn->reported_sent &&
          conn->bytes_received == conn->reported_received)
        continue;
      conn->reported_sent = conn->bytes_sent;
      conn->reported_received = conn->bytes_received;
      stats.client_id = conn->id;
      stats.bytes_sent = conn->bytes_sent;
      stats.bytes_received = conn->bytes_received;
      g_array_append_val (event.client_stats, stats);
    }

  if (event.forward_stats->len == 0 && event.client_stats->len == 0)
    {
      g_array_unref (event.forward_stats);
      g_array_unref (event.client_stats);
      culvert_worker_flush_events (self);
      return;
    }

  culvert_worker_post (self, &event);
}

/* Counters reach the main thread a few times a second, whatever the traffic. */
gboolean
culvert_worker_stats_tick (gpointer user_data)
{
  CulvertWorker *self = user_data;

  if (self->handshaking->len > 0)
    {
      culvert_worker_expire_handshakes (self);
      culvert_worker_pump (self, FALSE);
    }
  culvert_worker_post_stats (self);

  return G_SOURCE_CONTINUE;
}

static guint
keepalive_interval_ms (CulvertWorker *self)
{
  if (self->config->keepalive_interval_ms > 0)
    return self->config->keepalive_interval_ms;

  return self->config->keepalive_interval * 1000;
}

/* How long the server may stay silent: @count keepalives unanswered, and a
 * second for the answer to the last one to arrive. */
static gint64
silence_limit_us (CulvertWorker *self)
{
  return (gint64) keepalive_interval_ms (self) * self->config->keepalive_count * 1000 +
         G_USEC_PER_SEC;
}

static gboolean worker_check_silence (gpointer user_data);

/* TRUE when the server has been silent too long (the session is then dead);
 * otherwise makes sure the limit is checked again the moment it is reached. */
static gboolean
worker_silence_exceeded (CulvertWorker *self)
{
  gint64 silence, limit;

  if (self->session == NULL || self->config->keepalive_count == 0 || self->session_dead)
    return FALSE;

  worker_note_rx (self);
  silence = g_get_monotonic_time () - self->keepalive.last_rx_time;
  limit = silence_limit_us (self);

  if (silence >= limit)
    {
      g_autofree char *reason =
        g_strdup_printf (_("The server stopped answering (no reply for %.0f seconds)"),
                         silence / (double) G_USEC_PER_SEC);

      worker_session_dead (self, reason);
      return TRUE;
    }

  culvert_worker_clear_source (&self->keepalive.silence_source);
  self->keepalive.silence_source = culvert_worker_add_timeout (self, (limit - silence) / 1000 + 1,
                                                     worker_check_silence, self);
  return FALSE;
}

static gboolean
worker_check_silence (gpointer user_data)
{
  CulvertWorker *self = user_data;

  g_clear_pointer (&self->keepalive.silence_source, g_source_unref);
  worker_silence_exceeded (self);

  return G_SOURCE_REMOVE;
}

static gboolean
worker_keepalive_tick (gpointer user_data)
{
  CulvertWorker *self = user_data;

  if (self->session == NULL || worker_silence_exceeded (self))
    return G_SOURCE_CONTINUE;

  if (!worker_has_keepalive_queued (self))
    culvert_worker_global_request (self, GLOBAL_KEEPALIVE, NULL, 0, NULL, NULL);
  culvert_worker_pump (self, FALSE);

  return G_SOURCE_CONTINUE;
}

/* ---------------------------------------------------------------------- */
/* Serving a session                                                       */

static void
set_socket_keepalive (int   fd,
                      guint interval,
                      guint count)
{
  int one = 1;
  int idle = MAX (interval, 10);
  int cnt = MAX (count, 3);
  unsigned int user_timeout = (unsigned int) idle * (cnt + 1) * 1000;

  setsockopt (fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  setsockopt (fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  setsockopt (fd, IPPROTO_TCP, TCP_KEEPINTVL, &idle, sizeof idle);
  setsockopt (fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
  setsockopt (fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof user_timeout);
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void
worker_close_all (CulvertWorker *self,
                  const char    *reason)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->conns);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    culvert_conn_close (value, reason);

  g_ptr_array_set_size (self->opening, 0);
  g_ptr_array_set_size (self->ready, 0);
  g_ptr_array_set_size (self->window_waiters, 0);
  g_ptr_array_set_size (self->paused, 0);
  g_ptr_array_set_size (self->handshaking, 0);

  for (guint i = 0; i < self->closing->len; i++)
    {
      Conn *conn = g_ptr_array_index (self->closing, i);

      conn->ready = conn->waiting_window = conn->paused = conn->opening = FALSE;
      conn->handshaking = FALSE;
      culvert_conn_destroy (conn);
    }
  g_ptr_array_set_size (self->closing, 0);
  /* Closing channels let libssh run callbacks of channels already gone. */
  g_ptr_array_set_size (self->ready, 0);
}

/* Serves one authenticated session until it dies or the worker stops. */
void
culvert_worker_serve (CulvertWorker *self)
{
  int fd;

  ssh_set_blocking (self->session, 0);
  self->event = ssh_event_new ();
  ssh_event_add_session (self->event, self->session);
  self->packet_counter = g_new0 (struct ssh_counter_struct, 1);
  self->socket_counter = g_new0 (struct ssh_counter_struct, 1);
  ssh_set_counters (self->session, self->socket_counter, self->packet_counter);
  self->keepalive.last_rx_bytes = 0;
  self->keepalive.last_rx_time = g_get_monotonic_time ();
  self->session_dead = FALSE;
  g_clear_pointer (&self->dead_reason, g_free);
  self->write_blocked = FALSE;
  self->path = (CulvertPathMemory) { 0 };

  fd = ssh_get_fd (self->session);
  set_socket_keepalive (fd, self->config->keepalive_interval, self->config->keepalive_count);
  self->ssh_events = EPOLLIN;
  if (!culvert_worker_watch_add (self, fd, &self->ssh_watch, EPOLLIN))
    {
      worker_session_dead (self, g_strerror (errno));
      return;
    }

  self->ever_connected = TRUE;
  culvert_worker_set_state (self, CULVERT_TUNNEL_CONNECTED, NULL);

  if (keepalive_interval_ms (self) > 0)
    self->keepalive.source = culvert_worker_add_timeout (self, keepalive_interval_ms (self),
                                                         worker_keepalive_tick, self);

  ssh_set_message_callback (self->session, culvert_worker_on_message, self);
  culvert_worker_request_remotes (self);
  /* Clients that came while the session was being made. */
  culvert_worker_serve_waiting (self);

  /* Anything already buffered (the server may have spoken during login). */
  culvert_worker_pump (self, FALSE);

  if (!culvert_worker_is_stopping (self) && !self->session_dead)
    g_main_loop_run (self->loop);

  culvert_worker_clear_source (&self->keepalive.source);
  culvert_worker_clear_source (&self->keepalive.silence_source);
  culvert_worker_clear_source (&self->process_source);
  worker_clear_global_requests (self);
  worker_close_all (self, culvert_worker_is_stopping (self) ? NULL : self->dead_reason);
  culvert_worker_post_stats (self);

  culvert_worker_watch_remove (self, fd);
  ssh_event_remove_session (self->event, self->session);
  ssh_event_free (self->event);
  self->event = NULL;
  ssh_disconnect (self->session);
  ssh_free (self->session);
  self->session = NULL;
  g_clear_pointer (&self->packet_counter, g_free);
  g_clear_pointer (&self->socket_counter, g_free);
}

/* culvert-worker.c — the thread that owns one SSH session and pumps its channels
 *
 * One worker per connected profile, alive through every reconnect. It runs
 * its own GMainContext with a single epoll descriptor that watches the SSH
 * socket, the listening sockets and every client socket, so the cost of an
 * event does not grow with the number of idle connections.
 *
 * libssh 0.10 shapes the loop (shared/notes/libssh.md):
 * - the session is driven non-blocking with ssh_event_dopoll (ev, 0) when its
 *   socket is ready; channel callbacks only mark connections, and all work
 *   happens after dopoll returns (callbacks may run re-entrantly inside any
 *   libssh call that handles packets, and a channel must never be freed
 *   inside its own callback);
 * - incoming data is read with sized reads: on 0.10 the size a reader asks
 *   for is what grows the channel's receive window, and that window decides
 *   the speed over any real network. A channel's window grows only while its
 *   local client keeps up, under a budget shared by all channels;
 * - ssh_channel_write is only called with at most the remote window, so it
 *   never waits; 0 means "retry" (key re-exchange);
 * - the session's output buffer is unbounded, so clients are not read while
 *   it has data pending.
 *
 * Forwarded bytes never leave this thread.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#ifndef _GNU_SOURCE
#define _GNU_SOURCE  /* accept4 */
#endif

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <errno.h>
#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "culvert-worker.h"

/* Bytes read from a channel per call. What the client's socket does not
 * take is kept for it, so this also bounds what a slow client costs us
 * beyond the data libssh holds within the window. */
#define READ_CHUNK           (128 * 1024)
/* Bytes read from a client per call before writing them to the channel. */
#define UPLOAD_CHUNK         (256 * 1024)
#define SCRATCH_SIZE         MAX (READ_CHUNK, UPLOAD_CHUNK)
/* Receive window of a new channel (OpenSSH's client uses 2 MiB). */
#define WINDOW_INITIAL       (2 * 1024 * 1024)
/* Largest receive window one channel may grow to. */
#define WINDOW_MAX           (16 * 1024 * 1024)
/* All channels' windows beyond their initial size share this budget. */
#define WINDOW_BUDGET        (96 * 1024 * 1024)
/* Accepts per wake-up of a listener, so one busy port cannot starve others. */
#define ACCEPT_BATCH         64
/* Upload bytes per wake-up of a client, for fairness. */
#define UPLOAD_BATCH         (1024 * 1024)
#define EPOLL_BATCH          256
#define STATS_INTERVAL_MS    250

typedef enum
{
  WATCH_SSH,
  WATCH_LISTENER,
  WATCH_CONN,
} WatchKind;

typedef struct _Conn Conn;

/* One forward's counters, shared by its listening sockets (127.0.0.1 and ::1). */
typedef struct
{
  guint          forward_index;
  guint          active;
  guint64        total;
  guint64        bytes_sent;
  guint64        bytes_received;
  gboolean       dirty;
} Counters;

typedef struct
{
  WatchKind      kind;          /* first: epoll data points at this struct */
  CulvertWorker *worker;
  guint          forward_index;
  GSocket       *socket;
  int            fd;
  char          *destination_host;
  guint16        destination_port;
  char          *destination_label;
  Counters      *counters;
} Listener;

typedef enum
{
  CONN_OPENING,
  CONN_OPEN,
  CONN_CLOSED,
} ConnState;

struct _Conn
{
  WatchKind      kind;          /* first: epoll data points at this struct */
  CulvertWorker *worker;
  Listener      *listener;
  guint64        id;
  int            fd;
  ssh_channel    channel;
  struct ssh_channel_callbacks_struct callbacks;
  ConnState      state;
  guint32        events;        /* current epoll interest */
  char          *source;

  /* Server to client: bytes read from the channel that the client's socket
   * did not take yet. While any are pending the channel is not read, so its
   * window stops growing and the server stops sending. */
  guint8        *pending;
  gsize          pending_len;
  gsize          pending_off;

  /* Client to server: bytes read from the client that the channel did not
   * take yet (only during a key re-exchange). */
  guint8        *upload;
  gsize          upload_len;
  gsize          upload_off;

  guint32        window;        /* receive window we keep for this channel */
  guint64        delivered;     /* bytes that reached the client at this window */
  gint64         window_started; /* when `delivered` started counting */
  guint64        rate_best;     /* best bytes/s over a window of this size */
  guint64        rate_before;   /* the same at the size before the last growth */
  gint64         grow_after;    /* no growth before this time (a probe failed) */
  guint8         slow_windows;  /* windows in a row that took WINDOW_SLOW or more */
  guint8         windows_at_size;
  guint          probing : 1;   /* the window just grew; has it paid off? */
  char          *source_host;   /* originator, as told to the server */
  guint16        source_port;

  guint64        bytes_sent;
  guint64        bytes_received;
  guint64        reported_sent;
  guint64        reported_received;

  guint          client_eof : 1;     /* the client finished sending */
  guint          eof_sent : 1;       /* …and we told the server */
  guint          remote_eof : 1;     /* the server finished sending */
  guint          shut_wr : 1;        /* …and we told the client */
  guint          remote_closed : 1;  /* the server closed the channel */
  guint          abandoned : 1;      /* the client left while the channel was opening */
  guint          ready : 1;          /* in worker->ready */
  guint          waiting_window : 1; /* in worker->window_waiters */
  guint          paused : 1;         /* in worker->paused */
  guint          closing : 1;        /* in worker->closing */
  guint          opened_reported : 1;
  char          *close_reason;
};

typedef struct
{
  guint      id;
  gboolean   answered;
  gboolean   accepted;
  GStrv      answers;
} Question;

struct _CulvertWorker
{
  gatomicrefcount         ref_count;

  /* Set at creation, read-only afterwards. */
  CulvertWorkerConfig    *config;
  GMainContext           *main_context;
  CulvertWorkerEventFunc  event_func;
  gpointer                event_data;
  GDestroyNotify          event_destroy;

  /* Worker thread only. */
  GThread                *thread;
  GMainContext           *context;
  GMainLoop              *loop;
  GCancellable           *cancellable;
  gboolean                stopping;
  gboolean                session_dead;
  char                   *dead_reason;
  int                     epoll_fd;
  GSource                *epoll_source;
  GPtrArray              *listeners;      /* of Listener* */
  GPtrArray              *counters;       /* of Counters*, one per forward */
  WatchKind               ssh_watch;
  ssh_session             session;
  ssh_event               event;
  ssh_counter             packet_counter;
  ssh_counter             socket_counter;
  guint32                 ssh_events;
  GHashTable             *conns;          /* id → Conn* */
  guint64                 next_conn_id;
  GPtrArray              *opening;        /* Conn* whose channel is opening */
  guint64                 opening_packets; /* packets read when `opening` was last asked */
  GPtrArray              *ready;          /* Conn* marked by callbacks */
  GPtrArray              *window_waiters; /* Conn* waiting for the remote window */
  GPtrArray              *paused;         /* Conn* not read while output is pending */
  GPtrArray              *closing;        /* Conn* to free after dopoll */
  gboolean                write_blocked;
  guint64                 window_granted; /* sum of windows beyond WINDOW_INITIAL */
  guint8                 *scratch;
  GArray                 *batch;          /* events waiting for the main thread */
  GSource                *stats_source;
  GSource                *keepalive_source;
  GSource                *process_source; /* worker_process again, soon */
  guint64                 last_rx_bytes;
  guint                   keepalive_misses;
  guint                   next_question_id;
  Question               *question;
  gboolean                ever_connected;
};

static void conn_close       (Conn *conn, const char *reason);
static void conn_pump_down   (Conn *conn);
static void conn_pump_up     (Conn *conn);
static void conn_check_done  (Conn *conn);
static void worker_process   (CulvertWorker *self);
static gboolean worker_check_session (CulvertWorker *self, gboolean poll_failed);

/* ---------------------------------------------------------------------- */
/* Events to the main thread                                               */

/* Events travel in batches: client connections opened and closed wait for
 * the next stats tick (or a full batch), so a burst of short connections
 * costs the main thread a few wake-ups a second, not two per connection.
 * Any other event sends the batch at once, in order. */
#define EVENT_BATCH_MAX 512

typedef struct
{
  CulvertWorker *worker;
  GArray        *events;  /* of CulvertWorkerEvent */
} EventDelivery;

static void
event_clear (gpointer data)
{
  CulvertWorkerEvent *event = data;

  g_free (event->text);
  g_free (event->source);
  g_free (event->destination);
  g_free (event->title);
  g_free (event->detail);
  g_free (event->key_type);
  g_strfreev (event->prompts);
  g_clear_pointer (&event->echo, g_array_unref);
  g_clear_pointer (&event->forward_stats, g_array_unref);
  g_clear_pointer (&event->client_stats, g_array_unref);
}

static GArray *
event_batch_new (void)
{
  GArray *events = g_array_new (FALSE, FALSE, sizeof (CulvertWorkerEvent));

  g_array_set_clear_func (events, event_clear);
  return events;
}

static void
event_delivery_free (gpointer data)
{
  EventDelivery *d = data;

  g_array_unref (d->events);
  culvert_worker_unref (d->worker);
  g_free (d);
}

static gboolean
event_deliver (gpointer data)
{
  EventDelivery *d = data;

  for (guint i = 0; i < d->events->len; i++)
    d->worker->event_func (&g_array_index (d->events, CulvertWorkerEvent, i),
                           d->worker->event_data);

  return G_SOURCE_REMOVE;
}

static void
worker_flush_events (CulvertWorker *self)
{
  EventDelivery *d;

  if (self->batch->len == 0)
    return;

  d = g_new0 (EventDelivery, 1);
  d->worker = culvert_worker_ref (self);
  d->events = g_steal_pointer (&self->batch);
  self->batch = event_batch_new ();
  g_main_context_invoke_full (self->main_context, G_PRIORITY_DEFAULT,
                              event_deliver, d, event_delivery_free);
}

/* Takes ownership of the event's strings and arrays. */
static void
worker_post (CulvertWorker            *self,
             const CulvertWorkerEvent *event)
{
  g_array_append_vals (self->batch, event, 1);

  if ((event->type != CULVERT_WORKER_EVENT_CLIENT_OPENED &&
       event->type != CULVERT_WORKER_EVENT_CLIENT_CLOSED) ||
      self->batch->len >= EVENT_BATCH_MAX)
    worker_flush_events (self);
}

static void
worker_set_state (CulvertWorker      *self,
                  CulvertTunnelState  state,
                  const char         *reason)
{
  CulvertWorkerEvent event = { .type = CULVERT_WORKER_EVENT_STATE, .state = state };

  event.text = g_strdup (reason);
  worker_post (self, &event);
}

G_GNUC_PRINTF (3, 4)
static void
worker_log (CulvertWorker *self,
            gboolean       is_error,
            const char    *format,
            ...)
{
  CulvertWorkerEvent event = { .type = CULVERT_WORKER_EVENT_LOG, .is_error = is_error };
  va_list args;

  va_start (args, format);
  event.text = g_strdup_vprintf (format, args);
  va_end (args);
  g_log ("Culvert-Worker", G_LOG_LEVEL_DEBUG, "%s", event.text);
  worker_post (self, &event);
}

/* Timers run on the worker's context, never on the global default one. */
static GSource *
worker_add_timeout (CulvertWorker *self,
                    guint          milliseconds,
                    GSourceFunc    func,
                    gpointer       data)
{
  GSource *source = g_timeout_source_new (milliseconds);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, self->context);

  return source;
}

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* ---------------------------------------------------------------------- */
/* epoll                                                                   */

static void
watch_set (CulvertWorker *self,
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

static gboolean
watch_add (CulvertWorker *self,
           int            fd,
           gpointer       tag,
           guint32        events)
{
  struct epoll_event ev = { .events = events, .data.ptr = tag };

  return epoll_ctl (self->epoll_fd, EPOLL_CTL_ADD, fd, &ev) == 0;
}

static void
watch_remove (CulvertWorker *self,
              int            fd)
{
  epoll_ctl (self->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
}

static void
conn_set_events (Conn    *conn,
                 guint32  events)
{
  watch_set (conn->worker, conn->fd, conn, events, &conn->events);
}

/* ---------------------------------------------------------------------- */
/* Connections                                                             */

static void
listener_mark (Listener *listener)
{
  listener->counters->dirty = TRUE;
}

static int
on_channel_data (ssh_session  session,
                 ssh_channel  channel,
                 void        *data,
                 uint32_t     len,
                 int          is_stderr,
                 void        *user_data)
{
  Conn *conn = user_data;

  /* Consume nothing here: the loop reads with a size that sets the window. */
  if (conn->state == CONN_OPEN && !conn->ready && !is_stderr)
    {
      conn->ready = TRUE;
      g_ptr_array_add (conn->worker->ready, conn);
    }

  return 0;
}

static void
on_channel_eof (ssh_session  session,
                ssh_channel  channel,
                void        *user_data)
{
  Conn *conn = user_data;

  conn->remote_eof = TRUE;
  if (!conn->ready)
    {
      conn->ready = TRUE;
      g_ptr_array_add (conn->worker->ready, conn);
    }
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
  if (!conn->ready)
    {
      conn->ready = TRUE;
      g_ptr_array_add (conn->worker->ready, conn);
    }
}

static void
conn_report_opened (Conn *conn)
{
  CulvertWorkerEvent event = { .type = CULVERT_WORKER_EVENT_CLIENT_OPENED };

  conn->opened_reported = TRUE;
  event.forward_index = conn->listener->forward_index;
  event.client_id = conn->id;
  event.source = g_strdup (conn->source);
  event.destination = g_strdup (conn->listener->destination_label);
  event.opened_at = g_get_real_time ();
  worker_post (conn->worker, &event);
}

static void
conn_free (Conn *conn)
{
  g_free (conn->pending);
  g_free (conn->upload);
  g_free (conn->source);
  g_free (conn->source_host);
  g_free (conn->close_reason);
  g_free (conn);
}

/* Releases the channel and the socket. Only called outside libssh callbacks. */
static void
conn_destroy (Conn *conn)
{
  CulvertWorker *self = conn->worker;
  Listener *listener = conn->listener;

  if (conn->channel != NULL)
    {
      /* After this no callback of libssh can reach the freed Conn, even when
       * the server sends data for a channel it already closed. */
      ssh_remove_channel_callbacks (conn->channel, &conn->callbacks);
      if (!conn->remote_closed && ssh_channel_is_open (conn->channel))
        ssh_channel_close (conn->channel);
      ssh_channel_free (conn->channel);
      conn->channel = NULL;
    }

  if (conn->fd >= 0)
    {
      watch_remove (self, conn->fd);
      close (conn->fd);
      conn->fd = -1;
    }

  self->window_granted -= conn->window - WINDOW_INITIAL;

  listener->counters->active--;
  listener_mark (listener);

  if (conn->opened_reported)
    {
      CulvertWorkerEvent event = { .type = CULVERT_WORKER_EVENT_CLIENT_CLOSED };

      event.forward_index = listener->forward_index;
      event.client_id = conn->id;
      event.bytes_sent = conn->bytes_sent;
      event.bytes_received = conn->bytes_received;
      event.text = g_strdup (conn->close_reason);
      worker_post (self, &event);
    }

  g_hash_table_remove (self->conns, &conn->id);
  conn_free (conn);
}

/* Marks @conn for destruction after the current pass. */
static void
conn_close (Conn       *conn,
            const char *reason)
{
  CulvertWorker *self = conn->worker;

  if (conn->closing)
    return;

  conn->closing = TRUE;
  conn->state = CONN_CLOSED;
  if (reason != NULL && conn->close_reason == NULL)
    conn->close_reason = g_strdup (reason);
  if (conn->fd >= 0)
    conn_set_events (conn, 0);
  g_ptr_array_add (self->closing, conn);
}

static void
conn_shutdown_write (Conn *conn)
{
  if (!conn->shut_wr)
    {
      conn->shut_wr = TRUE;
      shutdown (conn->fd, SHUT_WR);
    }
}

/* The connection is finished when both directions are, or the server closed it. */
static void
conn_check_done (Conn *conn)
{
  if (conn->closing || conn->state != CONN_OPEN)
    return;

  if (conn->remote_eof && conn->pending_len == 0 && ssh_channel_poll (conn->channel, 0) == SSH_EOF)
    conn_shutdown_write (conn);

  if (conn->shut_wr && (conn->eof_sent || conn->remote_closed))
    conn_close (conn, NULL);
}

static guint32
conn_wanted_events (Conn *conn)
{
  guint32 events = 0;

  if (conn->state != CONN_OPEN || conn->closing)
    return 0;

  if (!conn->client_eof && conn->upload_len == 0 && !conn->waiting_window && !conn->paused)
    events |= EPOLLIN;
  if (conn->pending_len > 0)
    events |= EPOLLOUT;

  return events;
}

static void
conn_update_events (Conn *conn)
{
  if (conn->fd >= 0 && !conn->closing)
    conn_set_events (conn, conn_wanted_events (conn));
}

/* Writes pending server-to-client bytes; TRUE when none are left. */
static gboolean
conn_flush_pending (Conn *conn)
{
  while (conn->pending_len > 0)
    {
      ssize_t n = send (conn->fd, conn->pending + conn->pending_off, conn->pending_len,
                        MSG_NOSIGNAL | MSG_DONTWAIT);

      if (n < 0)
        {
          if (errno == EAGAIN || errno == EWOULDBLOCK)
            return FALSE;
          if (errno == EINTR)
            continue;
          conn_close (conn, g_strerror (errno));
          return FALSE;
        }

      conn->pending_off += n;
      conn->pending_len -= n;
    }

  g_clear_pointer (&conn->pending, g_free);
  conn->pending_off = 0;

  return TRUE;
}

/* A channel's window grows only where the window is what limits it. When
 * the window is the limit, one window arrives per round trip, so doubling it
 * doubles the speed; when the path or the processor is the limit, a bigger
 * window changes nothing and only makes the server hold more (OpenSSH's sshd
 * then spends its time allocating buffers, which halved a loopback download
 * in the benchmark).
 *
 * So a window is a probe: it doubles — up to WINDOW_MAX, within the budget
 * all channels share — after two windows in a row each took WINDOW_SLOW or
 * more to reach the client (a quiet channel or a fast local path never
 * does), and it stays doubled only if the best rate over the next windows
 * beats the best rate before by a quarter. Otherwise it goes back, and no
 * probe is made for WINDOW_HOLD. The first window after a change carries the
 * change itself, so the verdict waits for the second. */
#define WINDOW_SLOW (10 * G_TIME_SPAN_MILLISECOND)
#define WINDOW_HOLD (2 * G_TIME_SPAN_SECOND)

static void
conn_set_window (Conn    *conn,
                 guint32  window)
{
  CulvertWorker *self = conn->worker;

  self->window_granted -= conn->window - WINDOW_INITIAL;
  self->window_granted += window - WINDOW_INITIAL;
  conn->window = window;
  conn->rate_best = 0;
  conn->slow_windows = 0;
  conn->windows_at_size = 0;
}

static void
conn_delivered (Conn  *conn,
                gsize  bytes)
{
  CulvertWorker *self = conn->worker;
  gint64 now;
  gint64 elapsed;
  guint64 rate;
  guint32 grown;

  conn->delivered += bytes;
  if (conn->delivered < conn->window)
    return;

  now = g_get_monotonic_time ();
  elapsed = MAX (now - conn->window_started, 1);
  rate = conn->delivered * G_TIME_SPAN_SECOND / elapsed;
  conn->delivered = 0;
  conn->window_started = now;

  conn->rate_best = MAX (conn->rate_best, rate);
  conn->slow_windows = elapsed >= WINDOW_SLOW ? MIN (conn->slow_windows + 1, 2) : 0;
  conn->windows_at_size = MIN (conn->windows_at_size + 1, 2);

  if (conn->probing)
    {
      if (conn->windows_at_size < 2)
        return;

      conn->probing = FALSE;
      if (conn->rate_best * 4 < conn->rate_before * 5)
        {
          guint64 rate_before = conn->rate_before;

          conn_set_window (conn, conn->window / 2);
          conn->rate_best = rate_before;
          conn->grow_after = now + WINDOW_HOLD;
          return;
        }
    }

  if (conn->slow_windows < 2 || conn->window >= WINDOW_MAX || now < conn->grow_after)
    return;

  grown = MIN ((guint64) conn->window * 2, WINDOW_MAX);
  if (self->window_granted + (grown - conn->window) > WINDOW_BUDGET)
    return;

  conn->rate_before = conn->rate_best;
  conn_set_window (conn, grown);
  conn->probing = TRUE;
}

/* The client fell behind: offer less from now on (the server may still send
 * what it was already allowed), and give the rest back to the budget. */
static void
conn_client_behind (Conn *conn)
{
  conn_set_window (conn, MAX (conn->window / 2, WINDOW_INITIAL));
  conn->probing = FALSE;
  conn->delivered = 0;
  conn->window_started = g_get_monotonic_time ();
}

/* Server to client: move what libssh buffered for the channel to the socket. */
static void
conn_pump_down (Conn *conn)
{
  CulvertWorker *self = conn->worker;

  if (conn->state != CONN_OPEN || conn->closing)
    return;

  if (conn->pending_len > 0 && !conn_flush_pending (conn))
    {
      conn_update_events (conn);
      return;
    }

  for (;;)
    {
      int avail = ssh_channel_poll (conn->channel, 0);
      uint32_t count;
      int n;
      ssize_t written = 0;

      if (avail == SSH_EOF || avail == 0)
        break;
      if (avail < 0)
        {
          conn_close (conn, ssh_get_error (self->session));
          return;
        }

      /* Asking for more than is buffered tops the window up to what we ask;
       * while more than a chunk is waiting, the window can wait. (Topping up
       * only at half a window, as OpenSSH does, halved the speed over a
       * long path in the benchmark; topping up only after an eighth saved a
       * packet per short connection but made ping-pong about 10 % slower.) */
      if ((gsize) avail <= READ_CHUNK)
        count = MAX ((guint32) avail, conn->window);
      else
        count = READ_CHUNK;

      n = ssh_channel_read_timeout (conn->channel, self->scratch, count, 0, 0);
      if (n == SSH_AGAIN || n == 0)
        break;
      if (n < 0)
        {
          conn_close (conn, ssh_get_error (self->session));
          return;
        }

      conn->bytes_received += n;
      conn->listener->counters->bytes_received += n;
      listener_mark (conn->listener);

      while (written < n)
        {
          ssize_t w = send (conn->fd, self->scratch + written, n - written,
                            MSG_NOSIGNAL | MSG_DONTWAIT);

          if (w < 0)
            {
              if (errno == EINTR)
                continue;
              if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
              conn_close (conn, g_strerror (errno));
              return;
            }
          written += w;
        }

      if (written < n)
        {
          /* The client is slower than the path: keep the rest, stop reading
           * the channel (its window stops growing) until the socket drains. */
          conn->pending_len = n - written;
          conn->pending_off = 0;
          conn->pending = g_memdup2 (self->scratch + written, conn->pending_len);
          conn_client_behind (conn);
          break;
        }
      conn_delivered (conn, n);

      /* Polling an empty buffer would make libssh read the socket here. */
      if (n >= avail && !conn->remote_eof)
        break;
    }

  conn_update_events (conn);
  conn_check_done (conn);
}

/* The channel takes nothing now (its window is shut, or a key re-exchange
 * holds writes back): pump it again after the next pass over the session. */
static void
conn_wait_window (Conn *conn)
{
  if (!conn->waiting_window)
    {
      conn->waiting_window = TRUE;
      g_ptr_array_add (conn->worker->window_waiters, conn);
    }
}

/* Client to server: read what the channel can take now, and write it. */
static void
conn_pump_up (Conn *conn)
{
  CulvertWorker *self = conn->worker;
  gsize moved = 0;

  if (conn->state != CONN_OPEN || conn->closing || conn->client_eof)
    return;

  if (self->write_blocked)
    {
      if (!conn->paused)
        {
          conn->paused = TRUE;
          g_ptr_array_add (self->paused, conn);
        }
      conn_update_events (conn);
      return;
    }

  /* Bytes left over from a key re-exchange go first, within the window
   * (a write into a closed window would make libssh wait for it). */
  if (conn->upload_len > 0)
    {
      guint32 window = ssh_channel_window_size (conn->channel);
      int w = 0;

      if (window > 0)
        w = ssh_channel_write (conn->channel, conn->upload + conn->upload_off,
                               MIN (conn->upload_len, window));
      if (w < 0)
        {
          conn_close (conn, ssh_get_error (self->session));
          return;
        }
      conn->upload_off += w;
      conn->upload_len -= w;
      conn->bytes_sent += w;
      conn->listener->counters->bytes_sent += w;
      listener_mark (conn->listener);
      if (conn->upload_len > 0)
        {
          /* Still re-keying, or the window is shut. */
          conn_wait_window (conn);
          conn_update_events (conn);
          return;
        }
      g_clear_pointer (&conn->upload, g_free);
      conn->upload_off = 0;
    }

  while (moved < UPLOAD_BATCH)
    {
      guint32 window = ssh_channel_window_size (conn->channel);
      gsize want;
      ssize_t n;
      int w;

      if (window == 0)
        {
          conn_wait_window (conn);
          break;
        }

      want = MIN (window, UPLOAD_CHUNK);
      n = recv (conn->fd, self->scratch, want, MSG_DONTWAIT);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno != EAGAIN && errno != EWOULDBLOCK)
            conn_close (conn, g_strerror (errno));
          break;
        }
      if (n == 0)
        {
          conn->client_eof = TRUE;
          if (!conn->eof_sent)
            {
              conn->eof_sent = TRUE;
              ssh_channel_send_eof (conn->channel);
            }
          break;
        }

      w = ssh_channel_write (conn->channel, self->scratch, n);
      if (w < 0)
        {
          conn_close (conn, ssh_get_error (self->session));
          return;
        }
      conn->bytes_sent += w;
      conn->listener->counters->bytes_sent += w;
      listener_mark (conn->listener);
      moved += w;

      if (w < n)
        {
          conn->upload_len = n - w;
          conn->upload_off = 0;
          conn->upload = g_memdup2 (self->scratch + w, conn->upload_len);
          conn_wait_window (conn);
          break;
        }

      if (ssh_get_poll_flags (self->session) & SSH_WRITE_PENDING)
        {
          self->write_blocked = TRUE;
          conn->paused = TRUE;
          g_ptr_array_add (self->paused, conn);
          break;
        }

      if ((gsize) n < want)
        break;
    }

  conn_update_events (conn);
  conn_check_done (conn);
}

/* Acts on what ssh_channel_open_forward said; TRUE when the open is decided. */
static gboolean
conn_open_result (Conn *conn,
                  int   rc)
{
  CulvertWorker *self = conn->worker;
  Listener *listener = conn->listener;

  if (rc == SSH_AGAIN)
    {
      if (!g_ptr_array_find (self->opening, conn, NULL))
        g_ptr_array_add (self->opening, conn);
      return FALSE;
    }

  if (rc != SSH_OK)
    {
      g_autofree char *reason = g_strdup (ssh_get_error (self->session));

      worker_log (self, TRUE, _("The server could not connect to %s for %s: %s"),
                  listener->destination_label, conn->source, reason);
      conn_close (conn, reason);
      return TRUE;
    }

  conn->state = CONN_OPEN;
  if (conn->abandoned)
    {
      conn_close (conn, NULL);
      return TRUE;
    }

  /* Data may have arrived with the confirmation. */
  if (!conn->ready)
    {
      conn->ready = TRUE;
      g_ptr_array_add (self->ready, conn);
    }
  conn_update_events (conn);

  return TRUE;
}

/* Asks again whether the server opened the channel; TRUE when it is decided. */
static gboolean
conn_try_open (Conn *conn)
{
  Listener *listener = conn->listener;
  int rc;

  rc = ssh_channel_open_forward (conn->channel, listener->destination_host,
                                 listener->destination_port,
                                 conn->source_host, conn->source_port);
  return conn_open_result (conn, rc);
}

static void
conn_on_socket (Conn     *conn,
                guint32   revents)
{
  if (conn->closing)
    return;

  if (conn->state == CONN_OPENING)
    {
      /* The client left before the server answered; the channel is closed
       * once it is open, so the server does not keep it. */
      if (revents & (EPOLLHUP | EPOLLERR))
        {
          /* Before the channel is open we have not shut our side, so a
           * hang-up here is a reset: nothing is left to read. It is
           * reported whatever the mask, so let the socket go now. */
          conn->abandoned = TRUE;
          watch_remove (conn->worker, conn->fd);
          close (conn->fd);
          conn->fd = -1;
        }
      return;
    }

  if (revents & EPOLLOUT)
    {
      if (conn_flush_pending (conn))
        {
          /* The client caught up: read the channel again. */
          if (!conn->ready)
            {
              conn->ready = TRUE;
              g_ptr_array_add (conn->worker->ready, conn);
            }
        }
      conn_update_events (conn);
    }

  if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))
    {
      if (revents & EPOLLERR && !(revents & EPOLLIN))
        {
          conn_close (conn, _("The client connection failed"));
          return;
        }
      conn_pump_up (conn);
    }

  /* A reset client is gone for good. A plain hang-up (its FIN after ours)
   * may still have bytes for us to read, so that one is read to the end. */
  if ((revents & EPOLLHUP) && (revents & EPOLLERR) && !conn->closing)
    conn_close (conn, _("The client connection was reset"));
}

static void
listener_accept (Listener *listener)
{
  CulvertWorker *self = listener->worker;

  for (guint i = 0; i < ACCEPT_BATCH; i++)
    {
      struct sockaddr_storage addr;
      socklen_t addr_len = sizeof addr;
      char host[INET6_ADDRSTRLEN] = "?";
      guint16 port = 0;
      int one = 1;
      Conn *conn;
      int fd;
      int rc;

      fd = accept4 (listener->fd, (struct sockaddr *) &addr, &addr_len,
                    SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0)
        {
          if (errno == EMFILE || errno == ENFILE)
            worker_log (self, TRUE, _("Too many open files: a client of port %s was not accepted"),
                        listener->destination_label);
          return;
        }

      /* Without a session (connecting, reconnecting) a client only sees its
       * connection closed; the port itself stays. */
      if (self->session == NULL)
        {
          close (fd);
          continue;
        }

      if (addr.ss_family == AF_INET)
        {
          const struct sockaddr_in *in4 = (const struct sockaddr_in *) &addr;

          inet_ntop (AF_INET, &in4->sin_addr, host, sizeof host);
          port = ntohs (in4->sin_port);
        }
      else if (addr.ss_family == AF_INET6)
        {
          const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) &addr;

          inet_ntop (AF_INET6, &in6->sin6_addr, host, sizeof host);
          port = ntohs (in6->sin6_port);
        }

      setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

      conn = g_new0 (Conn, 1);
      conn->kind = WATCH_CONN;
      conn->worker = self;
      conn->listener = listener;
      conn->id = ++self->next_conn_id;
      conn->fd = fd;
      conn->state = CONN_OPENING;
      conn->window = WINDOW_INITIAL;
      conn->window_started = g_get_monotonic_time ();
      conn->source_host = g_strdup (host);
      conn->source_port = port;
      conn->source = strchr (host, ':') ? g_strdup_printf ("[%s]:%u", host, port)
                                        : g_strdup_printf ("%s:%u", host, port);
      g_hash_table_insert (self->conns, &conn->id, conn);
      listener->counters->active++;
      listener->counters->total++;
      listener_mark (listener);

      if (!watch_add (self, fd, conn, 0))
        {
          conn->fd = -1;
          close (fd);
          conn_close (conn, g_strerror (errno));
          continue;
        }
      conn->events = 0;

      conn_report_opened (conn);

      conn->callbacks.userdata = conn;
      conn->callbacks.channel_data_function = on_channel_data;
      conn->callbacks.channel_eof_function = on_channel_eof;
      conn->callbacks.channel_close_function = on_channel_close;
      ssh_callbacks_init (&conn->callbacks);

      conn->channel = ssh_channel_new (self->session);
      if (conn->channel == NULL)
        {
          conn_close (conn, ssh_get_error (self->session));
          continue;
        }
      ssh_set_channel_callbacks (conn->channel, &conn->callbacks);

      rc = ssh_channel_open_forward (conn->channel, listener->destination_host,
                                     listener->destination_port, conn->source_host,
                                     conn->source_port);
      conn_open_result (conn, rc);
    }
}

/* ---------------------------------------------------------------------- */
/* The session                                                             */

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

static void
worker_update_ssh_events (CulvertWorker *self)
{
  guint32 events = EPOLLIN;
  int fd = ssh_get_fd (self->session);

  if (ssh_get_poll_flags (self->session) & SSH_WRITE_PENDING)
    events |= EPOLLOUT;
  if (fd >= 0)
    watch_set (self, fd, &self->ssh_watch, events, &self->ssh_events);
}

static gboolean
worker_process_later (gpointer user_data)
{
  CulvertWorker *self = user_data;

  g_clear_pointer (&self->process_source, g_source_unref);
  if (self->session != NULL && worker_check_session (self, FALSE))
    {
      worker_process (self);
      worker_check_session (self, FALSE);
    }

  return G_SOURCE_REMOVE;
}

/* Passes over the connections in one go before clients, listeners and
 * timers get their turn (packets can keep arriving while channels that
 * are opening are asked). */
#define PROCESS_PASSES 8

/* Everything that follows a pass of libssh over the session. */
static void
worker_process (CulvertWorker *self)
{
  gboolean again = TRUE;

  for (guint pass = 0; again; pass++)
    {
      if (pass == PROCESS_PASSES)
        {
          /* What libssh already read does not wake the epoll descriptor. */
          if (self->process_source == NULL)
            {
              self->process_source = g_idle_source_new ();
              g_source_set_callback (self->process_source, worker_process_later, self, NULL);
              g_source_attach (self->process_source, self->context);
            }
          break;
        }

      again = FALSE;

      /* Channels that the server answered. Asking libssh about a channel
       * still opening costs a poll of the socket, so a channel not open yet
       * (its open may have been refused) is asked only once a packet came
       * in since the last time. libssh may read packets inside any call,
       * so its own count of packets tells, not our polls. */
      if (self->opening->len > 0)
        {
          guint64 packets = self->packet_counter->in_packets;
          gboolean answers = packets != self->opening_packets;

          self->opening_packets = packets;
          for (guint i = 0; i < self->opening->len; )
            {
              Conn *conn = g_ptr_array_index (self->opening, i);

              if (conn->closing)
                {
                  g_ptr_array_remove_index_fast (self->opening, i);
                  continue;
                }
              if ((answers || ssh_channel_is_open (conn->channel)) && conn_try_open (conn))
                g_ptr_array_remove_index_fast (self->opening, i);
              else
                i++;
            }
        }

      /* Output drained: read the clients we held back. */
      if (self->write_blocked && !(ssh_get_poll_flags (self->session) & SSH_WRITE_PENDING))
        {
          g_autoptr(GPtrArray) paused = g_steal_pointer (&self->paused);

          self->paused = g_ptr_array_new ();
          self->write_blocked = FALSE;
          for (guint i = 0; i < paused->len; i++)
            {
              Conn *conn = g_ptr_array_index (paused, i);

              conn->paused = FALSE;
              conn_pump_up (conn);
            }
        }

      /* Windows the server opened again, and writes a re-key held back.
       * A connection that must wait again goes into a fresh list, for the
       * next pass. */
      if (self->window_waiters->len > 0)
        {
          g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->window_waiters);

          self->window_waiters = g_ptr_array_new ();
          for (guint i = 0; i < waiters->len; i++)
            {
              Conn *conn = g_ptr_array_index (waiters, i);

              if (conn->closing || conn->state != CONN_OPEN ||
                  ssh_channel_window_size (conn->channel) > 0)
                {
                  conn->waiting_window = FALSE;
                  conn_pump_up (conn);
                }
              else
                g_ptr_array_add (self->window_waiters, conn);
            }
        }

      /* Channels with data, EOF or close. */
      while (self->ready->len > 0)
        {
          g_autoptr(GPtrArray) ready = g_steal_pointer (&self->ready);

          self->ready = g_ptr_array_new ();
          for (guint i = 0; i < ready->len; i++)
            {
              Conn *conn = g_ptr_array_index (ready, i);

              conn->ready = FALSE;
              if (conn->closing)
                continue;
              conn_pump_down (conn);
              if (conn->remote_closed && !conn->closing && conn->pending_len == 0)
                {
                  conn_shutdown_write (conn);
                  conn_close (conn, NULL);
                }
            }
        }

      /* Free what was closed, now that no libssh callback is running. */
      if (self->closing->len > 0)
        {
          g_autoptr(GPtrArray) closing = g_steal_pointer (&self->closing);

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
              g_ptr_array_remove_fast (self->opening, conn);
              conn_destroy (conn);
            }
          again = TRUE;
        }

      /* Asking one opening channel may have read the answer to another. */
      if (self->opening->len > 0 &&
          self->packet_counter->in_packets != self->opening_packets)
        again = TRUE;
    }

  if (self->session != NULL)
    worker_update_ssh_events (self);
}

/* Any libssh call may find the connection gone (a failed write closes the
 * socket, which also leaves our epoll set), so this is asked after each pass. */
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

/* libssh 0.10 reads its socket 4 KiB per poll; going back to the main loop
 * after each would cost a round of wake-ups per 4 KiB. (Stopping after a
 * read shorter than 4 KiB would save the last, empty poll, but against
 * libssh 0.12 that left 200 concurrent clients waiting for good: what
 * libssh read is its own business.) */
#define SSH_READS_PER_WAKEUP 64

static void
worker_on_ssh (CulvertWorker *self,
               guint32        revents)
{
  int rc = SSH_OK;

  for (guint i = 0; i < SSH_READS_PER_WAKEUP && rc == SSH_OK; i++)
    {
      rc = ssh_event_dopoll (self->event, 0);
      if (rc == SSH_OK && !worker_check_session (self, FALSE))
        return;
    }

  if (!worker_check_session (self, rc == SSH_ERROR))
    return;

  worker_process (self);
  worker_check_session (self, FALSE);
}

static gboolean
worker_epoll_dispatch (int          fd,
                       GIOCondition condition,
                       gpointer     user_data)
{
  CulvertWorker *self = user_data;
  struct epoll_event events[EPOLL_BATCH];
  gboolean ssh_ready = FALSE;
  guint32 ssh_revents = 0;
  int n;

  n = epoll_wait (self->epoll_fd, events, EPOLL_BATCH, 0);
  for (int i = 0; i < n; i++)
    {
      WatchKind *kind = events[i].data.ptr;

      switch (*kind)
        {
        case WATCH_SSH:
          ssh_ready = TRUE;
          ssh_revents = events[i].events;
          break;

        case WATCH_LISTENER:
          listener_accept ((Listener *) kind);
          break;

        case WATCH_CONN:
          if (self->session != NULL)
            conn_on_socket ((Conn *) kind, events[i].events);
          break;

        default:
          g_assert_not_reached ();
        }
    }

  if (self->session != NULL)
    {
      /* The session goes last so that what clients sent leaves in one pass. */
      if (ssh_ready)
        worker_on_ssh (self, ssh_revents);
      else if (worker_check_session (self, FALSE))
        {
          worker_process (self);
          worker_check_session (self, FALSE);
        }
    }

  return G_SOURCE_CONTINUE;
}

static void
worker_post_stats (CulvertWorker *self)
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
      worker_flush_events (self);
      return;
    }

  worker_post (self, &event);
}

/* Counters reach the main thread a few times a second, whatever the traffic. */
static gboolean
worker_stats_tick (gpointer user_data)
{
  worker_post_stats (user_data);

  return G_SOURCE_CONTINUE;
}

static gboolean
worker_keepalive_tick (gpointer user_data)
{
  CulvertWorker *self = user_data;
  guint64 rx;

  if (self->session == NULL)
    return G_SOURCE_CONTINUE;

  rx = self->packet_counter->in_bytes;
  if (rx == self->last_rx_bytes)
    self->keepalive_misses++;
  else
    self->keepalive_misses = 0;
  self->last_rx_bytes = rx;

  if (self->config->keepalive_count > 0 && self->keepalive_misses > self->config->keepalive_count)
    {
      g_autofree char *reason =
        g_strdup_printf (_("The server stopped answering (no reply for %u seconds)"),
                         self->config->keepalive_interval * self->keepalive_misses);

      worker_session_dead (self, reason);
      return G_SOURCE_CONTINUE;
    }

  /* libssh keeps one slot for global requests: the first call may only
   * collect the previous reply, the second then sends. */
  ssh_send_keepalive (self->session);
  ssh_send_keepalive (self->session);
  if (worker_check_session (self, FALSE))
    worker_process (self);

  return G_SOURCE_CONTINUE;
}

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
    conn_close (value, reason);

  g_ptr_array_set_size (self->opening, 0);
  g_ptr_array_set_size (self->ready, 0);
  g_ptr_array_set_size (self->window_waiters, 0);
  g_ptr_array_set_size (self->paused, 0);

  for (guint i = 0; i < self->closing->len; i++)
    {
      Conn *conn = g_ptr_array_index (self->closing, i);

      conn->ready = conn->waiting_window = conn->paused = FALSE;
      conn_destroy (conn);
    }
  g_ptr_array_set_size (self->closing, 0);
  /* Closing channels let libssh run callbacks of channels already gone. */
  g_ptr_array_set_size (self->ready, 0);
}

/* Serves one authenticated session until it dies or the worker stops. */
static void
worker_serve (CulvertWorker *self)
{
  int fd;

  ssh_set_blocking (self->session, 0);
  self->event = ssh_event_new ();
  ssh_event_add_session (self->event, self->session);
  self->packet_counter = g_new0 (struct ssh_counter_struct, 1);
  self->socket_counter = g_new0 (struct ssh_counter_struct, 1);
  ssh_set_counters (self->session, self->socket_counter, self->packet_counter);
  self->last_rx_bytes = 0;
  self->keepalive_misses = 0;
  self->session_dead = FALSE;
  g_clear_pointer (&self->dead_reason, g_free);
  self->write_blocked = FALSE;

  fd = ssh_get_fd (self->session);
  set_socket_keepalive (fd, self->config->keepalive_interval, self->config->keepalive_count);
  self->ssh_events = EPOLLIN;
  if (!watch_add (self, fd, &self->ssh_watch, EPOLLIN))
    {
      worker_session_dead (self, g_strerror (errno));
      return;
    }

  self->ever_connected = TRUE;
  worker_set_state (self, CULVERT_TUNNEL_CONNECTED, NULL);

  if (self->config->keepalive_interval > 0)
    self->keepalive_source = worker_add_timeout (self, self->config->keepalive_interval * 1000,
                                                 worker_keepalive_tick, self);

  /* Anything already buffered (the server may have spoken during login). */
  worker_process (self);

  if (!self->stopping && !self->session_dead)
    g_main_loop_run (self->loop);

  clear_source (&self->keepalive_source);
  clear_source (&self->process_source);
  worker_close_all (self, self->stopping ? NULL : self->dead_reason);
  worker_post_stats (self);

  watch_remove (self, fd);
  ssh_event_remove_session (self->event, self->session);
  ssh_event_free (self->event);
  self->event = NULL;
  ssh_disconnect (self->session);
  ssh_free (self->session);
  self->session = NULL;
  g_clear_pointer (&self->packet_counter, g_free);
  g_clear_pointer (&self->socket_counter, g_free);
}

/* ---------------------------------------------------------------------- */
/* Questions during login                                                  */

/* Runs the worker's own context until the main thread answers, so commands
 * (stop, close) keep working while the user thinks. */
static Question *
worker_ask (CulvertWorker      *self,
            CulvertWorkerEvent *event)
{
  Question *question = g_new0 (Question, 1);

  question->id = ++self->next_question_id;
  self->question = question;
  event->type = CULVERT_WORKER_EVENT_QUESTION;
  event->question_id = question->id;
  worker_post (self, event);

  while (!question->answered && !self->stopping)
    g_main_context_iteration (self->context, TRUE);

  self->question = NULL;
  return question;
}

static void
question_free (Question *question)
{
  if (question->answers != NULL)
    for (guint i = 0; question->answers[i] != NULL; i++)
      memset (question->answers[i], 0, strlen (question->answers[i]));
  g_strfreev (question->answers);
  g_free (question);
}

static gboolean
login_confirm_host_key (const char *host_label,
                        const char *key_type,
                        const char *fingerprint,
                        gpointer    user_data)
{
  CulvertWorker *self = user_data;
  CulvertWorkerEvent event = { .question_kind = CULVERT_QUESTION_HOST_KEY };
  Question *question;
  gboolean accepted;

  worker_set_state (self, CULVERT_TUNNEL_VERIFYING_HOST_KEY, NULL);
  event.title = g_strdup (host_label);
  event.detail = g_strdup (fingerprint);
  event.key_type = g_strdup (key_type);
  question = worker_ask (self, &event);
  accepted = question->answered && question->accepted;
  question_free (question);
  worker_set_state (self, CULVERT_TUNNEL_AUTHENTICATING, NULL);

  return accepted;
}

static char *
login_ask_secret (const char *prompt,
                  gboolean    is_passphrase,
                  gpointer    user_data)
{
  CulvertWorker *self = user_data;
  CulvertWorkerEvent event = { 0 };
  Question *question;
  char *answer = NULL;

  event.question_kind = is_passphrase ? CULVERT_QUESTION_PASSPHRASE : CULVERT_QUESTION_PASSWORD;
  event.title = g_strdup (prompt);
  question = worker_ask (self, &event);
  if (question->answered && question->accepted && question->answers != NULL &&
      question->answers[0] != NULL)
    answer = g_strdup (question->answers[0]);
  question_free (question);

  return answer;
}

static char **
login_ask_kbdint (const char         *name,
                  const char         *instruction,
                  const char * const *prompts,
                  const gboolean     *echo,
                  guint               n_prompts,
                  gpointer            user_data)
{
  CulvertWorker *self = user_data;
  CulvertWorkerEvent event = { .question_kind = CULVERT_QUESTION_KEYBOARD_INTERACTIVE };
  Question *question;
  char **answers = NULL;

  event.title = g_strdup (name);
  event.detail = g_strdup (instruction);
  event.prompts = g_strdupv ((char **) prompts);
  event.echo = g_array_sized_new (FALSE, FALSE, sizeof (gboolean), n_prompts);
  g_array_append_vals (event.echo, echo, n_prompts);
  question = worker_ask (self, &event);
  if (question->answered && question->accepted && question->answers != NULL &&
      g_strv_length (question->answers) == n_prompts)
    answers = g_strdupv (question->answers);
  question_free (question);

  return answers;
}

static void
login_log (const char *line,
           gpointer    user_data)
{
  worker_log (user_data, FALSE, "%s", line);
}

/* ---------------------------------------------------------------------- */
/* The thread                                                              */

static gboolean
quit_loop (gpointer user_data)
{
  g_main_loop_quit (user_data);

  return G_SOURCE_CONTINUE;
}

/* Waits on the worker's context, so listeners and commands keep working. */
static void
worker_sleep (CulvertWorker *self,
              guint          milliseconds)
{
  GSource *timer = worker_add_timeout (self, milliseconds, quit_loop, self->loop);

  g_main_loop_run (self->loop);
  clear_source (&timer);
}

static gboolean
login_error_is_final (const GError *error)
{
  return g_error_matches (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_HOST_KEY_CHANGED) ||
         g_error_matches (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_HOST_KEY_UNKNOWN) ||
         g_error_matches (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_AUTH_DENIED) ||
         g_error_matches (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_CANCELLED);
}

static gpointer
worker_thread (gpointer data)
{
  CulvertWorker *self = data;
  CulvertWorkerConfig *config = self->config;
  CulvertWorkerEvent exited = { .type = CULVERT_WORKER_EVENT_EXITED };
  guint attempt = 0;
  const CulvertLoginCallbacks callbacks = {
    .confirm_host_key = login_confirm_host_key,
    /* Without anyone to answer, methods that need answers are skipped. */
    .ask_secret = config->interactive ? login_ask_secret : NULL,
    .ask_kbdint = config->interactive ? login_ask_kbdint : NULL,
    .log = login_log,
    .user_data = self,
  };
  const CulvertLoginOptions options = {
    .host = config->host,
    .port = config->port,
    .user = config->user,
    .auth_method = config->auth_method,
    .identity_file = config->identity_file,
    .known_hosts_file = config->known_hosts_file,
    .host_key_policy = config->host_key_policy,
    .connect_timeout = config->connect_timeout,
    .fd = -1,
    .use_agent = config->use_agent,
  };

  g_main_context_push_thread_default (self->context);

  self->epoll_source = g_unix_fd_source_new (self->epoll_fd, G_IO_IN);
  g_source_set_callback (self->epoll_source, (GSourceFunc) (void (*) (void)) worker_epoll_dispatch,
                         self, NULL);
  /* GLib removes and re-adds the descriptors of a source that cannot
   * recurse around each dispatch, waking the context twice per event. */
  g_source_set_can_recurse (self->epoll_source, TRUE);
  g_source_attach (self->epoll_source, self->context);
  self->stats_source = worker_add_timeout (self, STATS_INTERVAL_MS, worker_stats_tick, self);

  for (guint i = 0; i < self->listeners->len; i++)
    {
      Listener *listener = g_ptr_array_index (self->listeners, i);

      watch_add (self, listener->fd, listener, EPOLLIN);
    }

  while (!self->stopping)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *reason = NULL;

      worker_set_state (self, self->ever_connected ? CULVERT_TUNNEL_RECONNECTING
                                                   : CULVERT_TUNNEL_CONNECTING, NULL);
      self->session = culvert_ssh_login (&options, &callbacks, self->cancellable, &error);
      if (self->session != NULL)
        {
          attempt = 0;
          worker_serve (self);
          if (self->stopping)
            break;
          reason = g_strdup_printf (_("The connection to %s was lost: %s"),
                                    config->host, self->dead_reason);
          worker_log (self, TRUE, "%s", reason);
        }
      else
        {
          if (self->stopping)
            break;
          reason = g_strdup (error->message);
          worker_log (self, TRUE, "%s", reason);
          if (login_error_is_final (error) || !self->ever_connected)
            {
              worker_set_state (self, CULVERT_TUNNEL_FAILED, reason);
              break;
            }
        }

      if (!config->reconnect)
        {
          worker_set_state (self, CULVERT_TUNNEL_FAILED, reason);
          break;
        }

      /* Exponential backoff with jitter, at most a minute. */
      {
        guint delay = MIN (1000u << MIN (attempt, 6u), 60000u);

        delay = delay / 2 + g_random_int_range (0, delay / 2 + 1);
        attempt++;
        worker_set_state (self, CULVERT_TUNNEL_RECONNECTING, reason);
        worker_log (self, FALSE, _("Connecting again in %.1f seconds"), delay / 1000.0);
        worker_sleep (self, delay);
      }
    }

  for (guint i = 0; i < self->listeners->len; i++)
    {
      Listener *listener = g_ptr_array_index (self->listeners, i);

      watch_remove (self, listener->fd);
    }
  worker_post_stats (self);
  clear_source (&self->stats_source);
  g_source_destroy (self->epoll_source);
  g_clear_pointer (&self->epoll_source, g_source_unref);

  if (self->stopping)
    worker_set_state (self, CULVERT_TUNNEL_DISCONNECTED, NULL);
  worker_post (self, &exited);

  /* Run what is left (answers, commands) so nothing waits on us. */
  while (g_main_context_pending (self->context))
    g_main_context_iteration (self->context, FALSE);
  g_main_context_pop_thread_default (self->context);

  culvert_worker_unref (self);
  return NULL;
}

/* ---------------------------------------------------------------------- */
/* Commands from the main thread                                           */

static gboolean
stop_in_worker (gpointer data)
{
  CulvertWorker *self = data;

  self->stopping = TRUE;
  g_cancellable_cancel (self->cancellable);
  if (self->loop != NULL)
    g_main_loop_quit (self->loop);

  return G_SOURCE_REMOVE;
}

typedef struct
{
  CulvertWorker *worker;
  guint          question_id;
  gboolean       accepted;
  GStrv          answers;
} Answer;

static void
answer_free (gpointer data)
{
  Answer *answer = data;

  if (answer->answers != NULL)
    for (guint i = 0; answer->answers[i] != NULL; i++)
      memset (answer->answers[i], 0, strlen (answer->answers[i]));
  g_strfreev (answer->answers);
  culvert_worker_unref (answer->worker);
  g_free (answer);
}

static gboolean
answer_in_worker (gpointer data)
{
  Answer *answer = data;
  Question *question = answer->worker->question;

  if (question != NULL && question->id == answer->question_id && !question->answered)
    {
      question->answered = TRUE;
      question->accepted = answer->accepted;
      question->answers = g_steal_pointer (&answer->answers);
    }

  return G_SOURCE_REMOVE;
}

typedef struct
{
  CulvertWorker *worker;
  guint64        client_id;
} CloseClient;

static gboolean
close_client_in_worker (gpointer data)
{
  CloseClient *cc = data;
  CulvertWorker *self = cc->worker;
  Conn *conn = g_hash_table_lookup (self->conns, &cc->client_id);

  if (conn != NULL)
    {
      if (conn->state == CONN_OPENING)
        conn->abandoned = TRUE;
      else
        conn_close (conn, _("Closed by the user"));
      if (self->session != NULL && worker_check_session (self, FALSE))
        worker_process (self);
    }

  return G_SOURCE_REMOVE;
}

static void
close_client_free (gpointer data)
{
  CloseClient *cc = data;

  culvert_worker_unref (cc->worker);
  g_free (cc);
}

void
culvert_worker_config_free (CulvertWorkerConfig *config)
{
  if (config == NULL)
    return;

  g_free (config->host);
  g_free (config->user);
  g_free (config->identity_file);
  g_free (config->known_hosts_file);
  g_free (config);
}

void
culvert_worker_listener_free (CulvertWorkerListener *listener)
{
  if (listener == NULL)
    return;

  g_clear_object (&listener->socket);
  g_free (listener->destination_host);
  g_free (listener);
}

static void
listener_free (Listener *listener)
{
  g_clear_object (&listener->socket);
  g_free (listener->destination_host);
  g_free (listener->destination_label);
  g_free (listener);
}

CulvertWorker *
culvert_worker_new (CulvertWorkerConfig    *config,
                    GPtrArray              *listeners,
                    CulvertWorkerEventFunc  func,
                    gpointer                user_data,
                    GDestroyNotify          destroy)
{
  CulvertWorker *self = g_new0 (CulvertWorker, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->config = config;
  self->main_context = g_main_context_ref_thread_default ();
  self->event_func = func;
  self->event_data = user_data;
  self->event_destroy = destroy;
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->cancellable = g_cancellable_new ();
  self->epoll_fd = epoll_create1 (EPOLL_CLOEXEC);
  self->ssh_watch = WATCH_SSH;
  self->conns = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->opening = g_ptr_array_new ();
  self->ready = g_ptr_array_new ();
  self->window_waiters = g_ptr_array_new ();
  self->paused = g_ptr_array_new ();
  self->closing = g_ptr_array_new ();
  self->scratch = g_malloc (SCRATCH_SIZE);
  self->batch = event_batch_new ();
  self->listeners = g_ptr_array_new_with_free_func ((GDestroyNotify) listener_free);
  self->counters = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; listeners != NULL && i < listeners->len; i++)
    {
      CulvertWorkerListener *in = g_ptr_array_index (listeners, i);
      Listener *listener = g_new0 (Listener, 1);

      listener->kind = WATCH_LISTENER;
      listener->worker = self;
      listener->forward_index = in->forward_index;
      listener->socket = g_steal_pointer (&in->socket);
      listener->fd = g_socket_get_fd (listener->socket);
      listener->destination_host = g_strdup (in->destination_host);
      listener->destination_port = in->destination_port;
      listener->destination_label = strchr (in->destination_host, ':')
        ? g_strdup_printf ("[%s]:%u", in->destination_host, in->destination_port)
        : g_strdup_printf ("%s:%u", in->destination_host, in->destination_port);
      for (guint j = 0; j < self->counters->len && listener->counters == NULL; j++)
        {
          Counters *counters = g_ptr_array_index (self->counters, j);

          if (counters->forward_index == in->forward_index)
            listener->counters = counters;
        }
      if (listener->counters == NULL)
        {
          listener->counters = g_new0 (Counters, 1);
          listener->counters->forward_index = in->forward_index;
          g_ptr_array_add (self->counters, listener->counters);
        }
      g_ptr_array_add (self->listeners, listener);
    }
  if (listeners != NULL)
    g_ptr_array_unref (listeners);

  return self;
}

void
culvert_worker_start (CulvertWorker *self)
{
  g_autofree char *name = g_strdup_printf ("culvert %s", self->config->host);

  g_return_if_fail (self->thread == NULL);

  /* The thread holds a reference until it has exited. */
  self->thread = g_thread_new (name, worker_thread, culvert_worker_ref (self));
}

void
culvert_worker_stop (CulvertWorker *self)
{
  g_main_context_invoke_full (self->context, G_PRIORITY_HIGH, stop_in_worker,
                              culvert_worker_ref (self),
                              (GDestroyNotify) culvert_worker_unref);
}

void
culvert_worker_answer (CulvertWorker      *self,
                       guint               question_id,
                       gboolean            accepted,
                       const char * const *answers)
{
  Answer *answer = g_new0 (Answer, 1);

  answer->worker = culvert_worker_ref (self);
  answer->question_id = question_id;
  answer->accepted = accepted;
  answer->answers = g_strdupv ((char **) answers);
  g_main_context_invoke_full (self->context, G_PRIORITY_HIGH, answer_in_worker, answer,
                              answer_free);
}

void
culvert_worker_close_client (CulvertWorker *self,
                             guint64        client_id)
{
  CloseClient *cc = g_new0 (CloseClient, 1);

  cc->worker = culvert_worker_ref (self);
  cc->client_id = client_id;
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, close_client_in_worker, cc,
                              close_client_free);
}

CulvertWorker *
culvert_worker_ref (CulvertWorker *self)
{
  g_atomic_ref_count_inc (&self->ref_count);

  return self;
}

void
culvert_worker_unref (CulvertWorker *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  if (self->thread != NULL)
    g_thread_unref (self->thread);
  if (self->event_destroy != NULL)
    self->event_destroy (self->event_data);
  g_main_context_unref (self->main_context);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_object_unref (self->cancellable);
  close (self->epoll_fd);
  g_hash_table_unref (self->conns);
  g_ptr_array_unref (self->opening);
  g_ptr_array_unref (self->ready);
  g_ptr_array_unref (self->window_waiters);
  g_ptr_array_unref (self->paused);
  g_ptr_array_unref (self->closing);
  g_ptr_array_unref (self->listeners);
  g_ptr_array_unref (self->counters);
  g_free (self->scratch);
  g_array_unref (self->batch);
  g_free (self->dead_reason);
  culvert_worker_config_free (self->config);
  g_free (self);
}

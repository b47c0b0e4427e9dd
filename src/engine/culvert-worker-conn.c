/* culvert-worker-conn.c — one forwarded connection: a local socket and a channel
 *
 * A connection is the same machine whatever made it (a listener's accept,
 * a SOCKS handshake, a channel the server opened for an incoming forward):
 * it carries its own destination and reports into the counters of the
 * forward it serves. Opening its channel is culvert-worker-open.c's job;
 * here it lives, moves bytes and ends.
 *
 * libssh shapes it (shared/notes/libssh.md):
 * - all work happens in the passes of the pump, never in a callback;
 * - incoming data is read with sized reads: on libssh 0.10 the size a reader
 *   asks for is what grows the channel's receive window, and on a libssh with
 *   ssh_channel_set_window_size() the window is set directly. The window
 *   policy decides the size;
 * - ssh_channel_write is only called with at most the remote window, so it
 *   never waits; 0 means "retry" (key re-exchange);
 * - the session's output buffer is unbounded, so clients are not read while
 *   it has data pending.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "Culvert-Worker"

#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <stddef.h>
#include <unistd.h>

#include "culvert-worker-private.h"

/* Upload bytes per wake-up of a client, for fairness. */
#define UPLOAD_BATCH         (1024 * 1024)

static void conn_check_done (Conn *conn);

static void
conn_set_events (Conn    *conn,
                 guint32  events)
{
  culvert_worker_watch_set (conn->worker, conn->fd, conn, events, &conn->events);
}

static void
conn_count (Conn    *conn,
            guint64  sent,
            guint64  received)
{
  conn->bytes_sent += sent;
  conn->bytes_received += received;
  conn->counters->bytes_sent += sent;
  conn->counters->bytes_received += received;
  conn->counters->dirty = TRUE;
}

/* Queues @conn for the next pass over the channels. */
void
culvert_conn_mark_ready (Conn *conn)
{
  if (!conn->ready)
    {
      conn->ready = TRUE;
      g_ptr_array_add (conn->worker->ready, conn);
    }
}

/* A Unix-domain socket's path (never a host: those have no "/") stands
 * with port 0 for itself. */
static char *
format_host_port (const char *host,
                  guint16     port)
{
  /* A socket file, or -W's standard input: no port. */
  if (port == 0 && (strchr (host, '/') != NULL || strchr (host, ' ') != NULL))
    return g_strdup (host);
  return strchr (host, ':') != NULL ? g_strdup_printf ("[%s]:%u", host, port)
                                    : g_strdup_printf ("%s:%u", host, port);
}

/* A connection from @source_host to @destination_host, told to the main
 * thread and counted; it has neither socket nor channel yet. */
Conn *
culvert_conn_alloc (CulvertWorker *self,
                    Counters      *counters,
                    const char    *source_host,
                    guint16        source_port,
                    const char    *destination_host,
                    guint16        destination_port)
{
  Conn *conn = g_new0 (Conn, 1);

  conn->kind = WATCH_CONN;
  conn->worker = self;
  conn->counters = counters;
  conn->id = ++self->next_conn_id;
  conn->fd = -1;
  conn->state = CONN_OPENING;
  conn->source_host = g_strdup (source_host);
  conn->source_port = source_port;
  conn->source = format_host_port (source_host, source_port);
  if (destination_host != NULL)
    {
      conn->destination_host = g_strdup (destination_host);
      conn->destination_port = destination_port;
      conn->destination = format_host_port (destination_host, destination_port);
    }
  culvert_window_policy_init (&conn->window,
                              culvert_window_policy_start (&self->path,
                                                           WINDOW_BUDGET - self->window_granted),
                              g_get_monotonic_time ());
  self->window_granted += conn->window.window - CULVERT_WINDOW_INITIAL;
  g_hash_table_insert (self->conns, &conn->id, conn);
  counters->active++;
  counters->total++;
  counters->dirty = TRUE;

  /* A SOCKS client is told once it said where it goes. */
  if (conn->destination != NULL)
    culvert_conn_report_opened (conn);

  return conn;
}

/* Tells the main thread about the connection. */
void
culvert_conn_report_opened (Conn *conn)
{
  CulvertWorkerEvent event = { .type = CULVERT_WORKER_EVENT_CLIENT_OPENED };

  conn->opened_reported = TRUE;
  event.forward_index = conn->counters->forward_index;
  event.client_id = conn->id;
  event.source = g_strdup (conn->source);
  event.destination = g_strdup (conn->destination);
  event.opened_at = g_get_real_time ();
  culvert_worker_post (conn->worker, &event);
}

/* Gives @conn its local socket @fd (non-blocking, owned from now on). */
gboolean
culvert_conn_attach_socket (Conn *conn,
                            int   fd)
{
  int one = 1;

  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  conn->fd = fd;
  conn->events = 0;
  if (!culvert_worker_watch_add (conn->worker, fd, conn, 0))
    {
      conn->fd = -1;
      close (fd);
      culvert_conn_close (conn, g_strerror (errno));
      return FALSE;
    }

  return TRUE;
}

/* A connection for the client socket @fd that a listener accepted from
 * @source; its channel is opened next. */
Conn *
culvert_conn_new (CulvertWorker         *self,
                  Counters              *counters,
                  int                    fd,
                  const struct sockaddr *source,
                  const char            *destination_host,
                  guint16                destination_port)
{
  char host[INET6_ADDRSTRLEN] = "?";
  guint16 port = 0;
  Conn *conn;

  /* A client of a socket file: people see the file (its clients have no
   * address of their own), the server hears of loopback, as from ssh. */
  if (source->sa_family == AF_UNIX)
    {
      struct sockaddr_un local = { 0 };
      socklen_t len = sizeof local;
      g_autofree char *path = NULL;

      if (getsockname (fd, (struct sockaddr *) &local, &len) == 0 &&
          len > offsetof (struct sockaddr_un, sun_path) && local.sun_path[0] != '\0')
        path = g_strndup (local.sun_path, len - offsetof (struct sockaddr_un, sun_path));
      /* No path: the socket pair of -W's standard input and output. */
      conn = culvert_conn_alloc (self, counters,
                                 path != NULL ? path
                                 : counters->forward_index == CULVERT_WORKER_STREAM_INDEX
                                 ? _("standard input") : "/?", 0,
                                 destination_host, destination_port);
      g_free (conn->source_host);
      conn->source_host = g_strdup ("127.0.0.1");
      culvert_conn_attach_socket (conn, fd);
      return conn;
    }

  if (source->sa_family == AF_INET)
    {
      const struct sockaddr_in *in4 = (const struct sockaddr_in *) source;

      inet_ntop (AF_INET, &in4->sin_addr, host, sizeof host);
      port = ntohs (in4->sin_port);
    }
  else if (source->sa_family == AF_INET6)
    {
      const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) source;

      inet_ntop (AF_INET6, &in6->sin6_addr, host, sizeof host);
      port = ntohs (in6->sin6_port);
    }

  conn = culvert_conn_alloc (self, counters, host, port, destination_host, destination_port);
  culvert_conn_attach_socket (conn, fd);

  return conn;
}

static void
conn_free (Conn *conn)
{
  g_free (conn->pending);
  g_free (conn->upload);
  g_free (conn->source);
  g_free (conn->source_host);
  g_free (conn->destination_host);
  g_free (conn->destination);
  g_free (conn->close_reason);
  culvert_worker_socks_free (g_steal_pointer (&conn->socks));
  g_free (conn);
}

/* Releases the channel and the socket. Only called outside libssh callbacks. */
void
culvert_conn_destroy (Conn *conn)
{
  CulvertWorker *self = conn->worker;

  if (conn->probe_for != NULL)
    conn->probe_for->probe = NULL;

  if (conn->connecting != NULL)
    {
      conn->connecting->conn = NULL;
      g_cancellable_cancel (conn->connecting->cancellable);
      conn->connecting = NULL;
    }

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
      culvert_worker_watch_remove (self, conn->fd);
      close (conn->fd);
      conn->fd = -1;
    }

  self->window_granted -= conn->window.window - CULVERT_WINDOW_INITIAL;

  conn->counters->active--;
  conn->counters->dirty = TRUE;

  if (conn->opened_reported)
    {
      CulvertWorkerEvent event = { .type = CULVERT_WORKER_EVENT_CLIENT_CLOSED };

      event.forward_index = conn->counters->forward_index;
      event.client_id = conn->id;
      event.bytes_sent = conn->bytes_sent;
      event.bytes_received = conn->bytes_received;
      event.text = g_strdup (conn->close_reason);
      event.is_error = !conn->started;
      culvert_worker_post (self, &event);
    }

  g_hash_table_remove (self->conns, &conn->id);
  conn_free (conn);
}

/* Marks @conn for destruction after the current pass. */
void
culvert_conn_close (Conn       *conn,
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

void
culvert_conn_shutdown_write (Conn *conn)
{
  if (!conn->shut_wr && conn->fd >= 0)
    {
      conn->shut_wr = TRUE;
      shutdown (conn->fd, SHUT_WR);
    }
}

/* The connection is finished when both directions are, or the server closed it. */
static void
conn_check_done (Conn *conn)
{
  if (conn->closing || conn->state != CONN_OPEN || conn->socks_answer_due)
    return;

  if (conn->remote_eof && conn->pending_len == 0 && ssh_channel_poll (conn->channel, 0) == SSH_EOF)
    culvert_conn_shutdown_write (conn);

  if (conn->shut_wr && (conn->eof_sent || conn->remote_closed))
    culvert_conn_close (conn, NULL);
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

void
culvert_conn_update_events (Conn *conn)
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
          culvert_conn_close (conn, g_strerror (errno));
          return FALSE;
        }

      conn->pending_off += n;
      conn->pending_len -= n;
    }

  g_clear_pointer (&conn->pending, g_free);
  conn->pending_off = 0;

  return TRUE;
}

/* Offers the server the window the policy chose. On libssh 0.10 the next
 * read's size does it; with ssh_channel_set_window_size() (the Flatpak's
 * libssh) it is said now. */
static gboolean
conn_count_window (Conn    *conn,
                   guint32  old_window)
{
  CulvertWorker *self = conn->worker;

  if (conn->window.window == old_window)
    return FALSE;

  self->window_granted -= old_window - CULVERT_WINDOW_INITIAL;
  self->window_granted += conn->window.window - CULVERT_WINDOW_INITIAL;
  return TRUE;
}

static void
conn_apply_window (Conn    *conn,
                   guint32  old_window)
{
#ifdef HAVE_SSH_CHANNEL_SET_WINDOW_SIZE
  if (conn_count_window (conn, old_window) && conn->channel != NULL && conn->state == CONN_OPEN)
    ssh_channel_set_window_size (conn->channel, conn->window.window);
#else
  conn_count_window (conn, old_window);
#endif
}

static void
conn_delivered (Conn  *conn,
                gsize  bytes)
{
  CulvertWorker *self = conn->worker;
  guint32 old_window = conn->window.window;

  culvert_window_policy_delivered (&conn->window, bytes, g_get_monotonic_time (),
                                   self->path.round_trip, WINDOW_BUDGET - self->window_granted);
  if (conn->window.delivered == 0)
    culvert_path_memory_learn (&self->path, &conn->window);
#ifdef HAVE_SSH_CHANNEL_SET_WINDOW_SIZE
  conn->window_owed += bytes;
  if (conn_count_window (conn, old_window) ||
      conn->window_owed >= culvert_window_policy_offer_step (&conn->window))
    conn->offer_window = TRUE;
#else
  conn_count_window (conn, old_window);
#endif
}

/* Offers the window the policy chose and gives back what was delivered,
 * as a read's size does on libssh 0.10: once per pump of the connection
 * rather than once per packet, and once a sixteenth of the window (at most
 * 256 KiB) was delivered or the window changed; every window adjust is a
 * packet and a write of its own (9 % of the CPU time of a loopback download
 * when it went out with every read).
 * Left to itself, libssh 0.11+ waits until half the window is free and then
 * allows the server half a window in one go; OpenSSH's sshd then holds
 * megabytes it may send but sends them slowly (libssh's log: 12 MB of window
 * open, one 32 KiB packet every 15-20 ms, for seconds). 128 MiB over the
 * 50 ms path, patched libssh 0.12.2, 3 pairs: 1.41x ssh without this, 4.29x
 * with it. */
static void
conn_offer_window (Conn *conn)
{
#ifdef HAVE_SSH_CHANNEL_SET_WINDOW_SIZE
  if (conn->offer_window && conn->state == CONN_OPEN && !conn->closing)
    {
      conn->offer_window = FALSE;
      conn->window_owed = 0;
      ssh_channel_set_window_size (conn->channel, conn->window.window);
    }
#endif
}

/* Called from the channel's data callback with what libssh has buffered:
 * when that is more than TAKE_MIN, sends what the client's socket takes at
 * once, straight from libssh's buffer, and returns how much that was
 * (libssh then drops it). Saves copying every byte once more through a
 * read. What stays below TAKE_MIN is read by culvert_conn_pump_down() once libssh
 * read what the socket had. Fewer, bigger writes to the client cost the
 * client fewer wake-ups, and so the machine less: loopback download,
 * patched libssh 0.12.2, 9 pairs, ratio to ssh: 0.94 with 32 KiB (every
 * other packet), 0.99 and 1.03 with 128 KiB, 0.97 and 0.99 with 256 KiB.
 * Only where the window is set by ssh_channel_set_window_size(): on
 * libssh 0.10 the size of a read sets it, so there everything goes
 * through culvert_conn_pump_down(). Errors are left to culvert_conn_pump_down(), which may
 * close the connection; a callback may not. */
#define TAKE_MIN (128 * 1024)

gsize
culvert_conn_take_data (Conn         *conn,
                        const guint8 *data,
                        gsize         len)
{
#ifdef HAVE_SSH_CHANNEL_SET_WINDOW_SIZE
  ssize_t w;

  if (conn->state != CONN_OPEN || conn->closing || conn->pending_len > 0 || len <= TAKE_MIN ||
      conn->socks_answer_due)
    return 0;

  do
    w = send (conn->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
  while (w < 0 && errno == EINTR);
  if (w <= 0)
    return 0;

  conn_count (conn, 0, w);
  conn_delivered (conn, w);

  return w;
#else
  return 0;
#endif
}

/* A client whose socket stays full this long is slower than the path. */
#define CLIENT_BEHIND_AFTER (100 * G_TIME_SPAN_MILLISECOND)

/* A channel asks for its window once it brought this much: a packet's
 * worth (the most libssh lets the server send in one). */
#define GROW_AFTER (32 * 1024)

/* While the client's socket is full, and once it drained: a client that
 * could not take data for CLIENT_BEHIND_AFTER is told to the window policy,
 * which offers it less from then on. A shorter stop (the client was not
 * scheduled for a few milliseconds, common on a busy machine) shrinks
 * nothing: halving the window at every one of them made a download over
 * the 50 ms path fall from 4x ssh's speed to 2x in the benchmark, its
 * last quarter to a tenth of the speed before. */
static void
conn_check_behind (Conn *conn)
{
  gint64 now = g_get_monotonic_time ();
  guint32 old_window = conn->window.window;

  if (conn->behind_told || conn->blocked_since == 0 ||
      now - conn->blocked_since < CLIENT_BEHIND_AFTER)
    return;

  conn->behind_told = TRUE;
  culvert_window_policy_behind (&conn->window, now);
  conn_apply_window (conn, old_window);
}

/* Server to client: move what libssh buffered for the channel to the socket. */
void
culvert_conn_pump_down (Conn *conn)
{
  CulvertWorker *self = conn->worker;

  if (conn->state == CONN_HANDSHAKE && conn->reverse_socks && !conn->closing)
    {
      culvert_worker_rsocks_pump (conn);
      return;
    }
  if (conn->state != CONN_OPEN || conn->closing)
    return;

  if (conn->pending_len > 0 && !conn_flush_pending (conn))
    {
      conn_check_behind (conn);
      culvert_conn_update_events (conn);
      return;
    }
  if (conn->blocked_since != 0)
    {
      conn_check_behind (conn);
      conn->blocked_since = 0;
      conn->behind_told = FALSE;
    }

  for (;;)
    {
      int avail = ssh_channel_poll (conn->channel, 0);
      uint32_t count;
      int n;
      ssize_t written = 0;

      if (avail == SSH_EOF || (avail == 0 && !conn->grant_window))
        break;
      if (avail < 0)
        {
          culvert_conn_close (conn, ssh_get_error (self->session));
          return;
        }

      /* Asking for more than is buffered tops the window up to what we ask
       * (libssh 0.10); while more than a chunk is waiting, the window can
       * wait. (Topping up only at half a window, as OpenSSH does, halved the
       * speed over a long path in the benchmark; topping up only after an
       * eighth saved a packet per short connection but made ping-pong about
       * 10 % slower.)
       * Until the channel brought a packet's worth, only what is buffered is
       * asked for: libssh 0.10 itself grows a fresh channel's window to
       * 1,280,000 bytes with its first data, more than a short connection
       * ever uses, and asking for the policy's window as well made that two
       * window adjusts per connection, each a packet for both ends to
       * encrypt and read (callgrind, 3,000 SOCKS connections with a 1 KiB
       * echo: 6 packets sent per connection, 2 of them window adjusts). A
       * bulk transfer's second packet grows the window as before. */
      if ((gsize) avail > READ_CHUNK)
        count = READ_CHUNK;
      else if (conn->bytes_received < GROW_AFTER && !conn->grant_window)
        count = avail;
      else
        count = MAX ((guint32) avail, conn->window.window);

      conn->grant_window = FALSE;
      n = ssh_channel_read_timeout (conn->channel, self->scratch, count, 0, 0);
      if (n == SSH_AGAIN || n == 0)
        break;
      if (n < 0)
        {
          culvert_conn_close (conn, ssh_get_error (self->session));
          return;
        }

      conn_count (conn, 0, n);

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
              culvert_conn_close (conn, g_strerror (errno));
              return;
            }
          written += w;
        }

      if (written < n)
        {
          /* The client's socket is full: keep the rest, stop reading the
           * channel (its window stops growing) until the socket drains. */
          conn->pending_len = n - written;
          conn->pending_off = 0;
          conn->pending = g_memdup2 (self->scratch + written, conn->pending_len);
          conn->blocked_since = g_get_monotonic_time ();
          break;
        }
      conn_delivered (conn, n);

      /* Polling an empty buffer would make libssh read the socket here. */
      if (n >= avail && !conn->remote_eof)
        break;
    }

  conn_offer_window (conn);
  culvert_conn_update_events (conn);
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

static void
conn_pause (Conn *conn)
{
  if (!conn->paused)
    {
      conn->paused = TRUE;
      g_ptr_array_add (conn->worker->paused, conn);
    }
}

/* Writes what the channel takes of @data; FALSE when the connection failed.
 * What it does not take is kept, and the connection waits for the window. */
static gboolean
conn_write (Conn         *conn,
            const guint8 *data,
            gsize         len,
            gsize        *written)
{
  int w = ssh_channel_write (conn->channel, data, len);

  if (w < 0)
    {
      culvert_conn_close (conn, ssh_get_error (conn->worker->session));
      return FALSE;
    }
  conn_count (conn, w, 0);
  *written = w;

  return TRUE;
}

/* Client to server: read what the channel can take now, and write it. */
void
culvert_conn_pump_up (Conn *conn)
{
  CulvertWorker *self = conn->worker;
  gsize moved = 0;

  if (conn->state != CONN_OPEN || conn->closing || conn->client_eof)
    return;

  if (self->write_blocked)
    {
      conn_pause (conn);
      culvert_conn_update_events (conn);
      return;
    }

  /* Bytes left over from a key re-exchange go first, within the window
   * (a write into a closed window would make libssh wait for it). */
  if (conn->upload_len > 0)
    {
      guint32 window = ssh_channel_window_size (conn->channel);
      gsize w = 0;

      if (window > 0 &&
          !conn_write (conn, conn->upload + conn->upload_off, MIN (conn->upload_len, window), &w))
        return;
      conn->upload_off += w;
      conn->upload_len -= w;
      if (conn->upload_len > 0)
        {
          /* Still re-keying, or the window is shut. */
          conn_wait_window (conn);
          culvert_conn_update_events (conn);
          return;
        }
      g_clear_pointer (&conn->upload, g_free);
      conn->upload_off = 0;
    }

  while (moved < UPLOAD_BATCH)
    {
      guint32 window = ssh_channel_window_size (conn->channel);
      gsize want;
      gsize w;
      ssize_t n;

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
            culvert_conn_close (conn, g_strerror (errno));
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

      if (!conn_write (conn, self->scratch, n, &w))
        return;
      moved += w;

      if (w < (gsize) n)
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
          conn_pause (conn);
          break;
        }

      if ((gsize) n < want)
        break;
    }

  culvert_conn_update_events (conn);
  conn_check_done (conn);
}

void
culvert_conn_on_socket (Conn     *conn,
                        guint32   revents)
{
  if (conn->closing)
    return;

  if (conn->state == CONN_HANDSHAKE)
    {
      culvert_worker_socks_on_readable (conn);
      return;
    }

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
          culvert_worker_watch_remove (conn->worker, conn->fd);
          close (conn->fd);
          conn->fd = -1;
        }
      return;
    }

  if (revents & EPOLLOUT)
    {
      /* The client caught up: read the channel again. */
      if (conn_flush_pending (conn))
        culvert_conn_mark_ready (conn);
      culvert_conn_update_events (conn);
    }

  if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))
    {
      if (revents & EPOLLERR && !(revents & EPOLLIN))
        {
          culvert_conn_close (conn, _("The client connection failed"));
          return;
        }
      culvert_conn_pump_up (conn);
    }

  /* A reset client is gone for good. A plain hang-up (its FIN after ours)
   * may still have bytes for us to read, so that one is read to the end. */
  if ((revents & EPOLLHUP) && (revents & EPOLLERR) && !conn->closing)
    culvert_conn_close (conn, _("The client connection was reset"));
}

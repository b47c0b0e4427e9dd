/* culvert-worker-listen.c — the listening sockets of outgoing forwards, and accept
 *
 * The main thread binds the sockets (so "port in use" is known at once) and
 * hands them over; they stay bound through every reconnect and are closed
 * when the thread exits, so the port is free again as soon as the tunnel
 * says it stopped.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "Culvert-Worker"

#include "config.h"

#ifndef _GNU_SOURCE
#define _GNU_SOURCE  /* accept4 */
#endif

#include <glib/gi18n.h>
#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "culvert-worker-private.h"

/* Accepts per wake-up of a listener, so one busy port cannot starve others. */
#define ACCEPT_BATCH         64
/* Clients held per forward while the session is being made or remade; the
 * kernel's backlog holds any more until there is room. */
#define MAX_WAITING          64
/* How long a client is held when the connection sets no timeout. */
#define DEFAULT_WAIT_S       30
/* A waiting client cuts a reconnect's wait short, but no shorter than this
 * after the last attempt failed. */
#define WAITING_RETRY_MS     1000

/* A client accepted while there was no session. Its bytes wait in the
 * kernel's buffer until there is one. */
typedef struct
{
  int                     fd;
  struct sockaddr_storage addr;
  gint64                  since;   /* monotonic */
} Waiting;

static void
waiting_free (Waiting *waiting)
{
  if (waiting->fd >= 0)
    close (waiting->fd);
  g_free (waiting);
}

void
culvert_listener_free (Listener *listener)
{
  g_queue_clear_full (&listener->waiting, (GDestroyNotify) waiting_free);
  g_clear_object (&listener->socket);
  g_free (listener->destination_host);
  g_free (listener);
}

/* Takes @in's socket. */
void
culvert_worker_take_listener (CulvertWorker         *self,
                              CulvertWorkerListener *in)
{
  Listener *listener = g_new0 (Listener, 1);

  listener->kind = WATCH_LISTENER;
  listener->worker = self;
  listener->socket = g_steal_pointer (&in->socket);
  listener->fd = g_socket_get_fd (listener->socket);
  listener->destination_host = g_strdup (in->destination_host);
  listener->destination_port = in->destination_port;
  listener->counters = culvert_worker_counters_for (self, in->forward_index);
  g_queue_init (&listener->waiting);
  g_ptr_array_add (self->listeners, listener);
}

void
culvert_worker_watch_listeners (CulvertWorker *self,
                                gboolean       watch)
{
  for (guint i = 0; i < self->listeners->len; i++)
    {
      Listener *listener = g_ptr_array_index (self->listeners, i);

      if (watch && !listener->paused)
        culvert_worker_watch_add (self, listener->fd, listener, EPOLLIN);
      else if (!watch && !listener->paused)
        culvert_worker_watch_remove (self, listener->fd);
    }
}

static void worker_close_waiting (CulvertWorker *self,
                                  const char    *why);

/* The ports are free again once this returns. */
void
culvert_worker_close_listeners (CulvertWorker *self)
{
  worker_close_waiting (self, culvert_worker_is_stopping (self)
                              ? _("the connection was stopped")
                              : _("the connection to the server could not be made"));
  culvert_worker_watch_listeners (self, FALSE);
  for (guint i = 0; i < self->listeners->len; i++)
    {
      Listener *listener = g_ptr_array_index (self->listeners, i);

      g_socket_close (listener->socket, NULL);
    }
  g_ptr_array_set_size (self->listeners, 0);
}

static guint
wait_limit_s (CulvertWorker *self)
{
  return self->config->connect_timeout > 0 ? self->config->connect_timeout : DEFAULT_WAIT_S;
}

/* Closes the waiting clients of @listener that came before @before (all of
 * them for G_MAXINT64); says how many in the log, and @why. */
static void
listener_close_waiting (Listener   *listener,
                        gint64      before,
                        const char *why)
{
  CulvertWorker *self = listener->worker;
  guint closed = 0;

  while (!g_queue_is_empty (&listener->waiting))
    {
      Waiting *waiting = g_queue_peek_head (&listener->waiting);

      if (waiting->since >= before)
        break;
      waiting_free (g_queue_pop_head (&listener->waiting));
      closed++;
    }

  if (closed > 0)
    {
      g_autoptr(GSocketAddress) local = g_socket_get_local_address (listener->socket, NULL);
      g_autofree char *where = local != NULL ?
        g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (local)) : g_strdup ("?");

      culvert_worker_log (self, TRUE,
                          g_dngettext (GETTEXT_PACKAGE,
                                       "%u client of %s waited for the connection to the "
                                       "server and was closed: %s",
                                       "%u clients of %s waited for the connection to the "
                                       "server and were closed: %s", closed),
                  closed, where, why);
    }
}

gboolean
culvert_worker_has_waiting (CulvertWorker *self)
{
  for (guint i = 0; i < self->listeners->len; i++)
    if (!g_queue_is_empty (&((Listener *) g_ptr_array_index (self->listeners, i))->waiting))
      return TRUE;
  return FALSE;
}

static void
worker_close_waiting (CulvertWorker *self,
                      const char    *why)
{
  for (guint i = 0; i < self->listeners->len; i++)
    listener_close_waiting (g_ptr_array_index (self->listeners, i), G_MAXINT64, why);
  culvert_worker_clear_source (&self->waiting.tick);
  culvert_worker_clear_source (&self->waiting.early_retry);
}

static gboolean
waiting_tick (gpointer data)
{
  CulvertWorker *self = data;
  g_autofree char *why = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                       "no connection within %u second",
                                                       "no connection within %u seconds",
                                                       wait_limit_s (self)),
                                          wait_limit_s (self));
  gint64 before = g_get_monotonic_time () - (gint64) wait_limit_s (self) * G_USEC_PER_SEC;

  for (guint i = 0; i < self->listeners->len; i++)
    listener_close_waiting (g_ptr_array_index (self->listeners, i), before, why);

  if (culvert_worker_has_waiting (self))
    return G_SOURCE_CONTINUE;
  self->waiting.tick = NULL;
  return G_SOURCE_REMOVE;
}

static gboolean
early_retry_cb (gpointer data)
{
  CulvertWorker *self = data;

  self->waiting.early_retry = NULL;
  if (self->waiting.backing_off && !culvert_worker_is_stopping (self))
    {
      self->waiting.backing_off = FALSE;
      culvert_worker_log (self, FALSE, _("A client is waiting: connecting again now"));
      g_main_loop_quit (self->loop);
    }
  return G_SOURCE_REMOVE;
}

/* A client waits: it is held, and a reconnect that is backing off tries
 * at once (within WAITING_RETRY_MS of the last failure). */
static void
listener_hold (Listener                      *listener,
               int                            fd,
               const struct sockaddr_storage *addr)
{
  CulvertWorker *self = listener->worker;
  Waiting *waiting = g_new0 (Waiting, 1);

  waiting->fd = fd;
  waiting->addr = *addr;
  waiting->since = g_get_monotonic_time ();
  g_queue_push_tail (&listener->waiting, waiting);

  if (self->waiting.tick == NULL)
    self->waiting.tick = culvert_worker_add_timeout (self, 1000, waiting_tick, self);

  if (self->waiting.backing_off && self->waiting.early_retry == NULL)
    {
      gint64 waited_ms = (g_get_monotonic_time () - self->waiting.backoff_since) / 1000;

      self->waiting.early_retry = culvert_worker_add_timeout (self,
                                                      waited_ms >= WAITING_RETRY_MS
                                                      ? 0 : (guint) (WAITING_RETRY_MS - waited_ms),
                                                      early_retry_cb, self);
    }
}

guint
culvert_worker_waiting_retry_ms (void)
{
  return WAITING_RETRY_MS;
}

static void
listener_serve (Listener *listener,
                int       fd,
                struct sockaddr_storage *addr)
{
  CulvertWorker *self = listener->worker;
  Conn *conn = culvert_conn_new (self, listener->counters, fd, (struct sockaddr *) addr,
                                 listener->destination_host, listener->destination_port);

  if (listener->destination_host == NULL)
    culvert_worker_socks_start (conn);
  else
    culvert_conn_open_channel (conn);
}

/* The session is up: the waiting clients are served in the order they
 * came, and paused listeners are watched (and drained) again. */
void
culvert_worker_serve_waiting (CulvertWorker *self)
{
  for (guint i = 0; i < self->listeners->len && self->session != NULL; i++)
    {
      Listener *listener = g_ptr_array_index (self->listeners, i);
      Waiting *waiting;

      while ((waiting = g_queue_pop_head (&listener->waiting)) != NULL)
        {
          int fd = waiting->fd;

          waiting->fd = -1;
          listener_serve (listener, fd, &waiting->addr);
          waiting_free (waiting);
        }
      if (listener->paused)
        {
          listener->paused = FALSE;
          culvert_worker_watch_add (self, listener->fd, listener, EPOLLIN);
          culvert_listener_accept (listener);
        }
    }
  culvert_worker_clear_source (&self->waiting.tick);
  culvert_worker_clear_source (&self->waiting.early_retry);
}

void
culvert_listener_accept (Listener *listener)
{
  CulvertWorker *self = listener->worker;

  for (guint i = 0; i < ACCEPT_BATCH; i++)
    {
      struct sockaddr_storage addr;
      socklen_t addr_len = sizeof addr;
      int fd;

      fd = accept4 (listener->fd, (struct sockaddr *) &addr, &addr_len,
                    SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0)
        {
          if (errno == EMFILE || errno == ENFILE)
            culvert_worker_log (self, TRUE, _("Too many open files: a client was not accepted"));
          return;
        }

      /* Without a session (connecting, reconnecting) the client waits for
       * one, its first bytes in the kernel's buffer (culvert_worker_serve_waiting()). */
      if (self->session == NULL)
        {
          listener_hold (listener, fd, &addr);
          if (g_queue_get_length (&listener->waiting) >= MAX_WAITING)
            {
              culvert_worker_watch_remove (self, listener->fd);
              listener->paused = TRUE;
              return;
            }
          continue;
        }

      listener_serve (listener, fd, &addr);
    }
}

/* Closes the listening sockets of forward @forward_index. */
void
culvert_worker_remove_listeners (CulvertWorker *self,
                                 guint          forward_index)
{
  for (guint i = 0; i < self->listeners->len; )
    {
      Listener *listener = g_ptr_array_index (self->listeners, i);

      if (listener->counters->forward_index != forward_index)
        {
          i++;
          continue;
        }
      listener_close_waiting (listener, G_MAXINT64, _("the forward was stopped"));
      if (!listener->paused)
        culvert_worker_watch_remove (self, listener->fd);
      g_socket_close (listener->socket, NULL);
      g_ptr_array_remove_index_fast (self->listeners, i);
    }
}

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

void
listener_free (Listener *listener)
{
  g_clear_object (&listener->socket);
  g_free (listener->destination_host);
  g_free (listener);
}

/* Takes @in's socket. */
void
worker_add_listener (CulvertWorker         *self,
                     CulvertWorkerListener *in)
{
  Listener *listener = g_new0 (Listener, 1);

  listener->kind = WATCH_LISTENER;
  listener->worker = self;
  listener->socket = g_steal_pointer (&in->socket);
  listener->fd = g_socket_get_fd (listener->socket);
  listener->destination_host = g_strdup (in->destination_host);
  listener->destination_port = in->destination_port;
  listener->counters = worker_counters_for (self, in->forward_index);
  g_ptr_array_add (self->listeners, listener);
}

void
worker_watch_listeners (CulvertWorker *self,
                        gboolean       watch)
{
  for (guint i = 0; i < self->listeners->len; i++)
    {
      Listener *listener = g_ptr_array_index (self->listeners, i);

      if (watch)
        watch_add (self, listener->fd, listener, EPOLLIN);
      else
        watch_remove (self, listener->fd);
    }
}

/* The ports are free again once this returns. */
void
worker_close_listeners (CulvertWorker *self)
{
  worker_watch_listeners (self, FALSE);
  for (guint i = 0; i < self->listeners->len; i++)
    {
      Listener *listener = g_ptr_array_index (self->listeners, i);

      g_socket_close (listener->socket, NULL);
    }
  g_ptr_array_set_size (self->listeners, 0);
}

void
listener_accept (Listener *listener)
{
  CulvertWorker *self = listener->worker;

  for (guint i = 0; i < ACCEPT_BATCH; i++)
    {
      struct sockaddr_storage addr;
      socklen_t addr_len = sizeof addr;
      Conn *conn;
      int fd;

      fd = accept4 (listener->fd, (struct sockaddr *) &addr, &addr_len,
                    SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0)
        {
          if (errno == EMFILE || errno == ENFILE)
            worker_log (self, TRUE, _("Too many open files: a client was not accepted"));
          return;
        }

      /* Without a session (connecting, reconnecting) a client only sees its
       * connection closed; the port itself stays. */
      if (self->session == NULL)
        {
          close (fd);
          continue;
        }

      conn = conn_new (self, listener->counters, fd, (struct sockaddr *) &addr,
                       listener->destination_host, listener->destination_port);
      if (listener->destination_host == NULL)
        socks_start (conn);
      else
        conn_open_channel (conn);
    }
}

/* Closes the listening sockets of forward @forward_index. */
void
worker_remove_listeners (CulvertWorker *self,
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
      watch_remove (self, listener->fd);
      g_socket_close (listener->socket, NULL);
      g_ptr_array_remove_index_fast (self->listeners, i);
    }
}

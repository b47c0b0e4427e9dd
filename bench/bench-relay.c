/* bench-relay.c — a long path on loopback: holds every byte DELAY_MS each way
 *
 *   bench-relay LISTEN_PORT TARGET_PORT DELAY_MS
 *
 * Listens on 127.0.0.1:LISTEN_PORT (0: any free port), prints
 * {"event":"listening","port":N} on stdout, and connects every client to
 * 127.0.0.1:TARGET_PORT. Each direction of each connection has a reader
 * thread that stamps every chunk with its arrival time and queues it, and a
 * writer thread that sends the chunk once arrival + DELAY_MS has passed. So
 * the path adds 2 × DELAY_MS to a round trip and limits no bandwidth: the
 * queue takes whatever arrives (up to QUEUE_LIMIT, far more than any SSH
 * window), and the kernel's socket buffers (left to autotuning) never fill
 * while the relay waits.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE  /* accept4 */
#endif

#include "bench-common.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define READ_SIZE    (256 * 1024)
#define QUEUE_LIMIT  ((size_t) 512 * 1024 * 1024)

typedef struct _Chunk Chunk;
struct _Chunk
{
  Chunk   *next;
  int64_t  due_ns;
  size_t   len;      /* 0: end of stream */
  uint8_t  data[];
};

typedef struct _Link Link;

/* One direction: from @in to @out. */
typedef struct
{
  Link            *link;
  int              in;
  int              out;
  pthread_mutex_t  lock;
  pthread_cond_t   changed;
  Chunk           *head;
  Chunk           *tail;
  size_t           queued;
  int              writer_done;
} Pipe;

struct _Link
{
  Pipe             pipes[2];
  pthread_mutex_t  lock;
  int              threads_left;
  int              fds[2];
};

static int64_t delay_ns;

static void
link_release (Link *link)
{
  int last;

  pthread_mutex_lock (&link->lock);
  last = --link->threads_left == 0;
  pthread_mutex_unlock (&link->lock);
  if (!last)
    return;

  close (link->fds[0]);
  close (link->fds[1]);
  for (int i = 0; i < 2; i++)
    {
      Pipe *pipe = &link->pipes[i];

      while (pipe->head != NULL)
        {
          Chunk *next = pipe->head->next;

          free (pipe->head);
          pipe->head = next;
        }
      pthread_mutex_destroy (&pipe->lock);
      pthread_cond_destroy (&pipe->changed);
    }
  pthread_mutex_destroy (&link->lock);
  free (link);
}

static void
pipe_push (Pipe  *pipe,
           Chunk *chunk)
{
  pthread_mutex_lock (&pipe->lock);
  while (pipe->queued > QUEUE_LIMIT && !pipe->writer_done)
    pthread_cond_wait (&pipe->changed, &pipe->lock);
  chunk->next = NULL;
  if (pipe->tail != NULL)
    pipe->tail->next = chunk;
  else
    pipe->head = chunk;
  pipe->tail = chunk;
  pipe->queued += chunk->len;
  pthread_cond_broadcast (&pipe->changed);
  pthread_mutex_unlock (&pipe->lock);
}

static void *
reader_thread (void *data)
{
  Pipe *pipe = data;
  uint8_t *buffer = malloc (READ_SIZE);

  if (buffer == NULL)
    bench_die ("out of memory");

  for (;;)
    {
      ssize_t n = read (pipe->in, buffer, READ_SIZE);
      int64_t now = bench_now_ns ();
      Chunk *chunk;

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        n = 0;
      chunk = malloc (sizeof *chunk + (size_t) n);
      if (chunk == NULL)
        bench_die ("out of memory");
      chunk->due_ns = now + delay_ns;
      chunk->len = (size_t) n;
      memcpy (chunk->data, buffer, (size_t) n);
      pipe_push (pipe, chunk);
      if (n == 0)
        break;
    }

  free (buffer);
  link_release (pipe->link);
  return NULL;
}

static void *
writer_thread (void *data)
{
  Pipe *pipe = data;
  int failed = 0;

  for (;;)
    {
      Chunk *chunk;
      int64_t now;

      pthread_mutex_lock (&pipe->lock);
      while (pipe->head == NULL)
        pthread_cond_wait (&pipe->changed, &pipe->lock);
      chunk = pipe->head;
      pthread_mutex_unlock (&pipe->lock);

      /* Hold it until its time; later chunks are due later still. */
      now = bench_now_ns ();
      if (chunk->due_ns > now)
        {
          struct timespec due = { .tv_sec = chunk->due_ns / 1000000000,
                                  .tv_nsec = chunk->due_ns % 1000000000 };

          while (clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) == EINTR)
            ;
        }

      if (chunk->len == 0)
        {
          shutdown (pipe->out, SHUT_WR);
        }
      else if (!failed && bench_write_all (pipe->out, chunk->data, chunk->len) != 0)
        {
          /* The far side is gone: stop the reader of this direction too. */
          failed = 1;
          shutdown (pipe->in, SHUT_RD);
          shutdown (pipe->out, SHUT_RDWR);
        }

      pthread_mutex_lock (&pipe->lock);
      pipe->head = chunk->next;
      if (pipe->head == NULL)
        pipe->tail = NULL;
      pipe->queued -= chunk->len;
      pthread_cond_broadcast (&pipe->changed);
      pthread_mutex_unlock (&pipe->lock);

      if (chunk->len == 0)
        {
          free (chunk);
          break;
        }
      free (chunk);
    }

  pthread_mutex_lock (&pipe->lock);
  pipe->writer_done = 1;
  pthread_cond_broadcast (&pipe->changed);
  pthread_mutex_unlock (&pipe->lock);
  link_release (pipe->link);
  return NULL;
}

static void
start_thread (void *(*func) (void *),
              void  *data)
{
  pthread_t thread;
  pthread_attr_t attr;

  pthread_attr_init (&attr);
  pthread_attr_setdetachstate (&attr, PTHREAD_CREATE_DETACHED);
  if (pthread_create (&thread, &attr, func, data) != 0)
    bench_die ("bench-relay: cannot start a thread");
  pthread_attr_destroy (&attr);
}

static void
serve (int      client,
       uint16_t target_port)
{
  Link *link;
  int server = bench_connect (target_port, 0);

  if (server < 0)
    {
      fprintf (stderr, "bench-relay: cannot reach port %u: %s\n", target_port,
               strerror (errno));
      close (client);
      return;
    }
  bench_set_nodelay (client);

  link = calloc (1, sizeof *link);
  if (link == NULL)
    bench_die ("out of memory");
  link->fds[0] = client;
  link->fds[1] = server;
  link->threads_left = 4;
  pthread_mutex_init (&link->lock, NULL);
  for (int i = 0; i < 2; i++)
    {
      Pipe *pipe = &link->pipes[i];

      pipe->link = link;
      pipe->in = i == 0 ? client : server;
      pipe->out = i == 0 ? server : client;
      pthread_mutex_init (&pipe->lock, NULL);
      pthread_cond_init (&pipe->changed, NULL);
    }
  for (int i = 0; i < 2; i++)
    {
      start_thread (writer_thread, &link->pipes[i]);
      start_thread (reader_thread, &link->pipes[i]);
    }
}

int
main (int    argc,
      char **argv)
{
  uint16_t port, target_port;
  int listen_fd;

  if (argc != 4)
    bench_die ("usage: bench-relay LISTEN_PORT TARGET_PORT DELAY_MS");
  port = (uint16_t) atoi (argv[1]);
  target_port = (uint16_t) atoi (argv[2]);
  delay_ns = (int64_t) (atof (argv[3]) * 1e6);

  signal (SIGPIPE, SIG_IGN);
  listen_fd = bench_listen (port, &port);
  if (listen_fd < 0)
    bench_die ("bench-relay: cannot listen: %s", strerror (errno));
  printf ("{\"event\":\"listening\",\"port\":%u}\n", port);
  fflush (stdout);

  for (;;)
    {
      int client = accept4 (listen_fd, NULL, NULL, SOCK_CLOEXEC);

      if (client < 0)
        {
          if (errno == EINTR || errno == ECONNABORTED)
            continue;
          bench_die ("bench-relay: accept: %s", strerror (errno));
        }
      serve (client, target_port);
    }
}

/* bench-server.c — the far end of the benchmark's tunnels: sink, source, echo
 *
 *   bench-server [PORT]
 *
 * Listens on 127.0.0.1:PORT (0 or absent: any free port), prints
 * {"event":"listening","port":N} on stdout and serves every connection by
 * its request header (bench-common.h) until SIGTERM:
 * - upload: reads the announced bytes and answers their 8-byte checksum;
 * - download: sends the announced bytes of the stream, then their checksum;
 * - echo: sends back everything until the client's EOF.
 * One thread, epoll; a connection holds memory only while its client is slower
 * than its data.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE  /* accept4 */
#endif

#include "bench-common.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define SCRATCH_SIZE  (256 * 1024)
#define SEND_CHUNK    (1024 * 1024)
#define EPOLL_BATCH   256

typedef struct
{
  int       fd;
  uint32_t  events;
  uint8_t   header[BENCH_HEADER_SIZE];
  size_t    header_len;
  char      mode;
  uint64_t  length;
  uint64_t  offset;
  uint64_t  done;          /* bytes received (upload) or sent (download) */
  BenchSum  sum;
  uint8_t   trailer[8];
  size_t    trailer_off;   /* bytes of the trailer sent; 8 = all */
  int       trailer_ready;
  uint8_t  *out;           /* echo bytes the client did not take yet */
  size_t    out_len;
  size_t    out_off;
  int       read_eof;
} Conn;

static int epoll_fd;
static uint8_t scratch[SCRATCH_SIZE];
static int listen_fd;
static volatile sig_atomic_t stopping;

static void
on_signal (int signum)
{
  stopping = 1;
}

static void
conn_free (Conn *conn)
{
  epoll_ctl (epoll_fd, EPOLL_CTL_DEL, conn->fd, NULL);
  close (conn->fd);
  free (conn->out);
  free (conn);
}

static void
conn_set_events (Conn     *conn,
                 uint32_t  events)
{
  struct epoll_event ev = { .events = events, .data.ptr = conn };

  if (conn->events != events)
    {
      epoll_ctl (epoll_fd, EPOLL_CTL_MOD, conn->fd, &ev);
      conn->events = events;
    }
}

/* Sends what is left of the trailer; 1 when done, 0 when blocked, -1 on error. */
static int
conn_send_trailer (Conn *conn)
{
  while (conn->trailer_off < 8)
    {
      ssize_t n = send (conn->fd, conn->trailer + conn->trailer_off, 8 - conn->trailer_off,
                        MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return 0;
      if (n <= 0)
        return -1;
      conn->trailer_off += (size_t) n;
    }

  return 1;
}

static void
conn_finish_sum (Conn *conn)
{
  bench_put_u64 (conn->trailer, bench_sum_final (&conn->sum));
  conn->trailer_ready = 1;
  conn->trailer_off = 0;
}

/* Echo: writes what the client did not take; 1 when nothing is left. */
static int
conn_flush_echo (Conn *conn)
{
  while (conn->out_len > 0)
    {
      ssize_t n = send (conn->fd, conn->out + conn->out_off, conn->out_len, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return 0;
      if (n <= 0)
        return -1;
      conn->out_off += (size_t) n;
      conn->out_len -= (size_t) n;
    }
  free (conn->out);
  conn->out = NULL;
  conn->out_off = 0;

  return 1;
}

/* Returns -1 when the connection is finished or failed. */
static int
conn_readable (Conn *conn)
{
  for (int rounds = 0; rounds < 16; rounds++)
    {
      ssize_t n;

      if (conn->header_len < BENCH_HEADER_SIZE)
        {
          n = recv (conn->fd, conn->header + conn->header_len,
                    BENCH_HEADER_SIZE - conn->header_len, 0);
          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0 && errno == EAGAIN)
            return 0;
          if (n <= 0)
            return -1;
          conn->header_len += (size_t) n;
          if (conn->header_len < BENCH_HEADER_SIZE)
            continue;
          bench_header_unpack (conn->header, &conn->mode, &conn->length, &conn->offset);
          if (conn->mode != BENCH_MODE_UPLOAD && conn->mode != BENCH_MODE_DOWNLOAD &&
              conn->mode != BENCH_MODE_ECHO)
            return -1;
          if (conn->mode == BENCH_MODE_DOWNLOAD && conn->length == 0)
            conn_finish_sum (conn);
          continue;
        }

      if (conn->mode == BENCH_MODE_ECHO && conn->out_len > 0)
        return 0;

      n = recv (conn->fd, scratch, SCRATCH_SIZE, 0);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return 0;
      if (n < 0)
        return -1;
      if (n == 0)
        {
          conn->read_eof = 1;
          /* Upload and download are over once the client leaves. */
          if (conn->mode != BENCH_MODE_ECHO || conn->out_len == 0)
            return -1;
          return 0;
        }

      switch (conn->mode)
        {
        case BENCH_MODE_UPLOAD:
          if (conn->done + (uint64_t) n > conn->length)
            return -1;  /* more than announced: a broken stream */
          bench_sum_update (&conn->sum, scratch, (size_t) n);
          conn->done += (uint64_t) n;
          if (conn->done == conn->length)
            conn_finish_sum (conn);
          break;

        case BENCH_MODE_ECHO:
          {
            ssize_t w = send (conn->fd, scratch, (size_t) n, MSG_NOSIGNAL);

            if (w < 0 && errno != EAGAIN && errno != EINTR)
              return -1;
            if (w < 0)
              w = 0;
            if (w < n)
              {
                conn->out_len = (size_t) (n - w);
                conn->out_off = 0;
                conn->out = malloc (conn->out_len);
                if (conn->out == NULL)
                  bench_die ("out of memory");
                memcpy (conn->out, scratch + w, conn->out_len);
                return 0;
              }
          }
          break;

        case BENCH_MODE_DOWNLOAD:
        default:
          return -1;  /* the client sends nothing after a download request */
        }
    }

  return 0;
}

static int
conn_writable (Conn *conn)
{
  const uint8_t *pattern = bench_pattern ();

  if (conn->mode == BENCH_MODE_ECHO)
    {
      int rc = conn_flush_echo (conn);

      if (rc < 0 || (rc == 1 && conn->read_eof))
        return -1;
      return 0;
    }

  if (conn->mode == BENCH_MODE_DOWNLOAD)
    {
      for (int rounds = 0; rounds < 16 && conn->done < conn->length; rounds++)
        {
          size_t at = (conn->offset + conn->done) % BENCH_PATTERN_SIZE;
          size_t want = BENCH_PATTERN_SIZE - at;
          ssize_t n;

          if (want > SEND_CHUNK)
            want = SEND_CHUNK;
          if (want > conn->length - conn->done)
            want = (size_t) (conn->length - conn->done);
          n = send (conn->fd, pattern + at, want, MSG_NOSIGNAL);
          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0 && errno == EAGAIN)
            return 0;
          if (n <= 0)
            return -1;
          bench_sum_update (&conn->sum, pattern + at, (size_t) n);
          conn->done += (uint64_t) n;
          if (conn->done == conn->length)
            conn_finish_sum (conn);
        }
    }

  if (conn->trailer_ready && conn->trailer_off < 8)
    {
      int rc = conn_send_trailer (conn);

      if (rc < 0)
        return -1;
      if (rc == 1)
        shutdown (conn->fd, SHUT_WR);
    }

  return 0;
}

static uint32_t
conn_wanted_events (Conn *conn)
{
  if (conn->header_len < BENCH_HEADER_SIZE)
    return EPOLLIN;

  switch (conn->mode)
    {
    case BENCH_MODE_ECHO:
      if (conn->out_len > 0)
        return EPOLLOUT;
      return conn->read_eof ? 0 : EPOLLIN;

    case BENCH_MODE_DOWNLOAD:
      if (conn->done < conn->length || conn->trailer_off < 8)
        return EPOLLIN | EPOLLOUT;
      return EPOLLIN;

    case BENCH_MODE_UPLOAD:
    default:
      if (conn->trailer_ready && conn->trailer_off < 8)
        return EPOLLIN | EPOLLOUT;
      return EPOLLIN;
    }
}

static void
accept_clients (void)
{
  for (int i = 0; i < 64; i++)
    {
      int fd = accept4 (listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
      struct epoll_event ev = { .events = EPOLLIN };
      Conn *conn;

      if (fd < 0)
        {
          if (errno == EMFILE || errno == ENFILE)
            fprintf (stderr, "bench-server: too many open files\n");
          return;
        }
      bench_set_nodelay (fd);
      conn = calloc (1, sizeof *conn);
      if (conn == NULL)
        bench_die ("out of memory");
      conn->fd = fd;
      conn->events = EPOLLIN;
      conn->trailer_off = 8;
      bench_sum_init (&conn->sum);
      ev.data.ptr = conn;
      if (epoll_ctl (epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0)
        {
          close (fd);
          free (conn);
        }
    }
}

int
main (int    argc,
      char **argv)
{
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
  struct epoll_event events[EPOLL_BATCH];
  struct sigaction sa = { .sa_handler = on_signal };
  uint16_t port = argc > 1 ? (uint16_t) atoi (argv[1]) : 0;

  signal (SIGPIPE, SIG_IGN);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGINT, &sa, NULL);
  bench_raise_nofile ();
  bench_pattern ();

  listen_fd = bench_listen (port, &port);
  if (listen_fd < 0)
    bench_die ("bench-server: cannot listen: %s", strerror (errno));
  bench_set_nonblocking (listen_fd);
  epoll_fd = epoll_create1 (EPOLL_CLOEXEC);
  epoll_ctl (epoll_fd, EPOLL_CTL_ADD, listen_fd, &ev);
  printf ("{\"event\":\"listening\",\"port\":%u}\n", port);
  fflush (stdout);

  while (!stopping)
    {
      int n = epoll_wait (epoll_fd, events, EPOLL_BATCH, 1000);

      for (int i = 0; i < n; i++)
        {
          Conn *conn = events[i].data.ptr;
          int rc = 0;

          if (conn == NULL)
            {
              accept_clients ();
              continue;
            }
          if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
            rc = conn_readable (conn);
          if (rc == 0 && events[i].events & EPOLLOUT)
            rc = conn_writable (conn);
          if (rc < 0)
            conn_free (conn);
          else
            conn_set_events (conn, conn_wanted_events (conn));
        }
    }

  return 0;
}

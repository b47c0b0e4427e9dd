/* bench-client.c — the local end of the benchmark's tunnels: load and checks
 *
 *   bench-client upload     PORT BYTES OFFSET
 *   bench-client download   PORT BYTES OFFSET [PAUSE_AFTER PAUSE_SECONDS]
 *   bench-client pingpong   PORT COUNT
 *   bench-client connrate   PORT COUNT PARALLEL
 *   bench-client concurrent PORT CONNECTIONS BYTES
 *   bench-client idle       PORT CONNECTIONS
 *
 * Talks to bench-server through whatever listens on 127.0.0.1:PORT and
 * prints one JSON object with the result on stdout (idle and a paused
 * download also print progress events). With BENCH_PROGRESS=1 in the
 * environment, a download's result also carries "progress": pairs of
 * [seconds since the connect, bytes received by then], one at most every
 * PROGRESS_STEP_NS, so the harness can see how fast the channel got up to
 * speed. Every byte is checked: upload and
 * download compare a checksum of what was sent with one of what arrived,
 * echoes compare both ways. Exit status 0 when everything arrived whole,
 * 1 when something did not, 2 on an error. Every mode gives up after
 * BENCH_TIMEOUT seconds (environment; default 600).
 *
 * With BENCH_SOCKS_TARGET=PORT in the environment, PORT is a SOCKS 5 proxy
 * (a dynamic forward): every connection first asks it for 127.0.0.1:PORT
 * of bench-server, sending the request and its first bytes at once as
 * browsers do, and skips the proxy's 12-byte answer after checking it.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "bench-common.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHUNK          (1024 * 1024)
#define ECHO_CHUNK     (64 * 1024)
#define CONNECT_BATCH  64
#define EPOLL_BATCH    256
#define PROGRESS_STEP_NS  (5 * 1000 * 1000)
#define PROGRESS_MAX      (1 << 16)

static uint8_t scratch[CHUNK];
static double deadline;

/* A download's bytes against time (BENCH_PROGRESS=1). */
typedef struct
{
  int64_t  ns;
  uint64_t bytes;
} Progress;

static Progress *progress;
static size_t progress_len;

static void
progress_note (int64_t  start_ns,
               uint64_t bytes,
               int      last)
{
  int64_t ns;

  if (progress == NULL)
    return;
  ns = bench_now_ns () - start_ns;
  if (progress_len > 0 && !last && ns - progress[progress_len - 1].ns < PROGRESS_STEP_NS)
    return;
  if (progress_len == PROGRESS_MAX)
    progress_len--;   /* keep the last sample the last one */
  progress[progress_len].ns = ns;
  progress[progress_len].bytes = bytes;
  progress_len++;
}

static void
progress_print (void)
{
  if (progress == NULL)
    return;
  printf (",\"progress\":[");
  for (size_t i = 0; i < progress_len; i++)
    printf ("%s[%.6f,%" PRIu64 "]", i > 0 ? "," : "", (double) progress[i].ns / 1e9,
            progress[i].bytes);
  printf ("]");
}

static void
on_alarm (int signum)
{
  static const char message[] = "bench-client: timed out\n";

  if (write (STDERR_FILENO, message, sizeof message - 1) < 0)
    _exit (2);
  _exit (2);
}

static uint64_t
parse_u64 (const char *text)
{
  char *end = NULL;
  unsigned long long value = strtoull (text, &end, 10);

  if (end == text || *end != '\0')
    bench_die ("bench-client: not a number: %s", text);
  return value;
}

/* SOCKS 5: no authentication, CONNECT 127.0.0.1:target; the answers are
 * the method (2 bytes) and the outcome with an IPv4 address (10 bytes). */
#define SOCKS_REQUEST_SIZE 13
#define SOCKS_REPLY_SIZE   12

static uint16_t socks_target;

static void
socks_request (uint8_t *out)
{
  const uint8_t request[SOCKS_REQUEST_SIZE] = {
    5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, socks_target >> 8, socks_target & 0xff
  };

  memcpy (out, request, sizeof request);
}

static int
socks_reply_ok (const uint8_t *reply)
{
  return reply[0] == 5 && reply[1] == 0 && reply[2] == 5 && reply[3] == 0;
}

static int
connect_or_die (uint16_t port)
{
  int fd = bench_connect (port, 0);

  if (fd < 0)
    bench_die ("bench-client: cannot connect to port %u: %s", port, strerror (errno));
  if (socks_target != 0)
    {
      uint8_t request[SOCKS_REQUEST_SIZE];
      uint8_t reply[SOCKS_REPLY_SIZE];

      socks_request (request);
      if (bench_write_all (fd, request, sizeof request) != 0 ||
          bench_read_all (fd, reply, sizeof reply) != 0 || !socks_reply_ok (reply))
        bench_die ("bench-client: the SOCKS proxy on port %u did not connect us", port);
    }
  return fd;
}

static void
send_header (int       fd,
             BenchMode mode,
             uint64_t  length,
             uint64_t  offset)
{
  uint8_t header[BENCH_HEADER_SIZE];

  bench_header_pack (header, mode, length, offset);
  if (bench_write_all (fd, header, sizeof header) != 0)
    bench_die ("bench-client: cannot send the request: %s", strerror (errno));
}

static int
run_upload (uint16_t port,
            uint64_t bytes,
            uint64_t offset)
{
  const uint8_t *pattern = bench_pattern ();
  uint8_t reply[8];
  BenchSum sum;
  uint64_t sent = 0;
  uint64_t theirs, ours;
  double start, seconds;
  int fd;

  bench_sum_init (&sum);
  start = bench_now ();
  fd = connect_or_die (port);
  send_header (fd, BENCH_MODE_UPLOAD, bytes, offset);
  while (sent < bytes)
    {
      size_t at = (offset + sent) % BENCH_PATTERN_SIZE;
      size_t want = BENCH_PATTERN_SIZE - at;
      ssize_t n;

      if (want > CHUNK)
        want = CHUNK;
      if (want > bytes - sent)
        want = (size_t) (bytes - sent);
      n = send (fd, pattern + at, want, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        bench_die ("bench-client: upload failed after %" PRIu64 " bytes: %s", sent,
                   strerror (errno));
      bench_sum_update (&sum, pattern + at, (size_t) n);
      sent += (uint64_t) n;
    }
  if (bench_read_all (fd, reply, sizeof reply) != 0)
    bench_die ("bench-client: no checksum came back after the upload");
  seconds = bench_now () - start;
  close (fd);

  theirs = bench_get_u64 (reply);
  ours = bench_sum_final (&sum);
  printf ("{\"mode\":\"upload\",\"bytes\":%" PRIu64 ",\"seconds\":%.6f,"
          "\"sent_sum\":\"%016" PRIx64 "\",\"received_sum\":\"%016" PRIx64 "\",\"ok\":%s}\n",
          bytes, seconds, ours, theirs, ours == theirs ? "true" : "false");

  return ours == theirs ? 0 : 1;
}

static int
run_download (uint16_t port,
              uint64_t bytes,
              uint64_t offset,
              uint64_t pause_after,
              double   pause_seconds)
{
  uint8_t trailer[8];
  BenchSum sum;
  uint64_t received = 0;
  uint64_t theirs, ours;
  double start, seconds;
  int64_t start_ns;
  int paused = pause_seconds <= 0;
  int fd;

  bench_sum_init (&sum);
  start = bench_now ();
  start_ns = bench_now_ns ();
  if (getenv ("BENCH_PROGRESS") != NULL && progress == NULL)
    {
      progress = calloc (PROGRESS_MAX, sizeof *progress);
      if (progress == NULL)
        bench_die ("out of memory");
    }
  fd = connect_or_die (port);
  send_header (fd, BENCH_MODE_DOWNLOAD, bytes, offset);
  while (received < bytes)
    {
      size_t want = CHUNK;
      ssize_t n;

      if (!paused && received >= pause_after)
        {
          paused = 1;
          printf ("{\"event\":\"paused\",\"received\":%" PRIu64 "}\n", received);
          fflush (stdout);
          usleep ((useconds_t) (pause_seconds * 1e6));
          printf ("{\"event\":\"resumed\"}\n");
          fflush (stdout);
        }
      if (!paused && want > pause_after - received)
        want = (size_t) (pause_after - received);
      if (want > bytes - received)
        want = (size_t) (bytes - received);
      n = recv (fd, scratch, want, 0);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        bench_die ("bench-client: download ended after %" PRIu64 " of %" PRIu64 " bytes",
                   received, bytes);
      bench_sum_update (&sum, scratch, (size_t) n);
      received += (uint64_t) n;
      progress_note (start_ns, received, received == bytes);
    }
  if (bench_read_all (fd, trailer, sizeof trailer) != 0)
    bench_die ("bench-client: the checksum did not follow the download");
  seconds = bench_now () - start;
  close (fd);

  theirs = bench_get_u64 (trailer);
  ours = bench_sum_final (&sum);
  printf ("{\"mode\":\"download\",\"bytes\":%" PRIu64 ",\"seconds\":%.6f,"
          "\"sent_sum\":\"%016" PRIx64 "\",\"received_sum\":\"%016" PRIx64 "\",\"ok\":%s",
          bytes, seconds, theirs, ours, ours == theirs ? "true" : "false");
  progress_print ();
  printf ("}\n");

  return ours == theirs ? 0 : 1;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
percentile (const double *sorted,
            size_t        n,
            double        p)
{
  size_t i = (size_t) (p * (double) (n - 1) + 0.5);

  return sorted[i < n ? i : n - 1];
}

static int
run_pingpong (uint16_t port,
              uint64_t count)
{
  const uint64_t warmup = 100;
  double *samples;
  double total = 0;
  uint64_t wrong = 0;
  int fd;

  if (count == 0)
    bench_die ("bench-client: pingpong needs at least one round trip");
  samples = calloc (count, sizeof *samples);
  if (samples == NULL)
    bench_die ("out of memory");
  fd = connect_or_die (port);
  send_header (fd, BENCH_MODE_ECHO, 0, 0);
  for (uint64_t i = 0; i < warmup + count; i++)
    {
      uint8_t out = (uint8_t) (i * 7 + 1), in = 0;
      int64_t t0 = bench_now_ns ();

      if (bench_write_all (fd, &out, 1) != 0 || bench_read_all (fd, &in, 1) != 0)
        bench_die ("bench-client: the echo stopped after %" PRIu64 " round trips", i);
      if (in != out)
        wrong++;
      if (i >= warmup)
        {
          samples[i - warmup] = (double) (bench_now_ns () - t0) / 1e3;
          total += samples[i - warmup];
        }
    }
  close (fd);

  qsort (samples, count, sizeof *samples, compare_doubles);
  printf ("{\"mode\":\"pingpong\",\"count\":%" PRIu64 ",\"p50_us\":%.2f,\"p99_us\":%.2f,"
          "\"mean_us\":%.2f,\"wrong\":%" PRIu64 ",\"ok\":%s}\n",
          count, percentile (samples, count, 0.50), percentile (samples, count, 0.99),
          total / (double) count, wrong, wrong == 0 ? "true" : "false");
  free (samples);

  return wrong == 0 ? 0 : 1;
}

/* ---------------------------------------------------------------------- */
/* Many connections at once                                                */

typedef enum
{
  SLOT_IDLE,
  SLOT_CONNECTING,   /* connect in progress */
  SLOT_REQUESTED,    /* request and first bytes sent, waiting for their echo */
  SLOT_OPEN,         /* the echo came back: the tunnel's channel is open */
  SLOT_MOVING,       /* sending and reading the rest */
  SLOT_DONE,
  SLOT_FAILED,
} SlotState;

typedef struct
{
  int        fd;
  SlotState  state;
  uint32_t   events;
  uint64_t   offset;    /* where this connection's stream starts */
  uint64_t   length;    /* payload bytes to echo */
  uint64_t   first;     /* payload bytes sent before SLOT_OPEN */
  uint64_t   sent;
  uint64_t   received;
  BenchSum   sent_sum;
  BenchSum   received_sum;
  int        eof;
  uint8_t    socks_reply[SOCKS_REPLY_SIZE];
  size_t     socks_got;     /* of the proxy's answer, read before the echo */
} Slot;

static int epoll_fd = -1;
static uint64_t state_count[SLOT_FAILED + 1];

static void
slot_set_state (Slot      *slot,
                SlotState  state)
{
  state_count[slot->state]--;
  state_count[state]++;
  slot->state = state;
}

static void
slot_set_events (Slot     *slot,
                 uint32_t  events)
{
  struct epoll_event ev = { .events = events, .data.ptr = slot };

  if (slot->events == events)
    return;
  if (epoll_ctl (epoll_fd, slot->events == 0 && events != 0 ? EPOLL_CTL_ADD
                 : events == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD, slot->fd, &ev) != 0)
    bench_die ("bench-client: epoll_ctl: %s", strerror (errno));
  slot->events = events;
}

static void
slot_fail (Slot *slot)
{
  slot_set_events (slot, 0);
  close (slot->fd);
  slot->fd = -1;
  slot_set_state (slot, SLOT_FAILED);
}

static void
slot_start (Slot     *slot,
            uint16_t  port)
{
  slot->fd = bench_connect (port, 1);
  slot->events = 0;
  slot->sent = slot->received = 0;
  slot->eof = 0;
  slot->socks_got = socks_target != 0 ? 0 : SOCKS_REPLY_SIZE;
  bench_sum_init (&slot->sent_sum);
  bench_sum_init (&slot->received_sum);
  if (slot->fd < 0)
    {
      slot_set_state (slot, SLOT_FAILED);
      return;
    }
  slot_set_state (slot, SLOT_CONNECTING);
  slot_set_events (slot, EPOLLOUT);
}

/* Sends payload bytes up to @limit; -1 on error. */
static int
slot_send (Slot     *slot,
           uint64_t  limit)
{
  const uint8_t *pattern = bench_pattern ();

  while (slot->sent < limit)
    {
      size_t at = (slot->offset + slot->sent) % BENCH_PATTERN_SIZE;
      size_t want = BENCH_PATTERN_SIZE - at;
      ssize_t n;

      if (want > ECHO_CHUNK)
        want = ECHO_CHUNK;
      if (want > limit - slot->sent)
        want = (size_t) (limit - slot->sent);
      n = send (slot->fd, pattern + at, want, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return 0;
      if (n <= 0)
        return -1;
      bench_sum_update (&slot->sent_sum, pattern + at, (size_t) n);
      slot->sent += (uint64_t) n;
    }

  return 0;
}

/* Reads echoed bytes; -1 on error or on more bytes than were sent. */
static int
slot_receive (Slot *slot)
{
  while (slot->socks_got < SOCKS_REPLY_SIZE)
    {
      ssize_t n = recv (slot->fd, slot->socks_reply + slot->socks_got,
                        SOCKS_REPLY_SIZE - slot->socks_got, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return 0;
      if (n <= 0)
        return -1;
      slot->socks_got += (size_t) n;
      if (slot->socks_got == SOCKS_REPLY_SIZE && !socks_reply_ok (slot->socks_reply))
        return -1;
    }

  for (int rounds = 0; rounds < 8; rounds++)
    {
      ssize_t n = recv (slot->fd, scratch, ECHO_CHUNK, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return 0;
      if (n < 0)
        return -1;
      if (n == 0)
        {
          slot->eof = 1;
          return 0;
        }
      if (slot->received + (uint64_t) n > slot->sent)
        return -1;
      bench_sum_update (&slot->received_sum, scratch, (size_t) n);
      slot->received += (uint64_t) n;
    }

  return 0;
}

/* One step of a slot after an event; returns its new state. */
static SlotState
slot_step (Slot     *slot,
           uint32_t  revents)
{
  switch (slot->state)
    {
    case SLOT_CONNECTING:
      {
        int error = 0;
        socklen_t len = sizeof error;

        if (getsockopt (slot->fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0)
          {
            slot_fail (slot);
            break;
          }
        if (socks_target != 0)
          {
            uint8_t request[SOCKS_REQUEST_SIZE];

            socks_request (request);
            if (bench_write_all (slot->fd, request, sizeof request) != 0)
              {
                slot_fail (slot);
                break;
              }
          }
        send_header (slot->fd, BENCH_MODE_ECHO, 0, 0);
        if (slot_send (slot, slot->first) < 0)
          {
            slot_fail (slot);
            break;
          }
        slot_set_state (slot, SLOT_REQUESTED);
        slot_set_events (slot, slot->sent < slot->first ? EPOLLIN | EPOLLOUT : EPOLLIN);
      }
      break;

    case SLOT_REQUESTED:
      if ((revents & EPOLLOUT && slot_send (slot, slot->first) < 0) ||
          (revents & (EPOLLIN | EPOLLHUP | EPOLLERR) && slot_receive (slot) < 0) || slot->eof)
        {
          slot_fail (slot);
          break;
        }
      if (slot->received == slot->first)
        {
          slot_set_state (slot, SLOT_OPEN);
          slot_set_events (slot, 0);
        }
      else
        slot_set_events (slot, slot->sent < slot->first ? EPOLLIN | EPOLLOUT : EPOLLIN);
      break;

    case SLOT_MOVING:
      if ((revents & EPOLLOUT && slot_send (slot, slot->length) < 0) ||
          (revents & (EPOLLIN | EPOLLHUP | EPOLLERR) && slot_receive (slot) < 0))
        {
          slot_fail (slot);
          break;
        }
      if (slot->sent == slot->length && (slot->events & EPOLLOUT))
        shutdown (slot->fd, SHUT_WR);
      if (slot->eof)
        {
          int whole = slot->received == slot->length &&
                      bench_sum_final (&slot->sent_sum) == bench_sum_final (&slot->received_sum);

          slot_set_events (slot, 0);
          close (slot->fd);
          slot->fd = -1;
          slot_set_state (slot, whole ? SLOT_DONE : SLOT_FAILED);
          break;
        }
      slot_set_events (slot, slot->sent < slot->length ? EPOLLIN | EPOLLOUT : EPOLLIN);
      break;

    case SLOT_IDLE:
    case SLOT_OPEN:
    case SLOT_DONE:
    case SLOT_FAILED:
    default:
      break;
    }

  return slot->state;
}

static void
pump_events (int timeout_ms)
{
  struct epoll_event events[EPOLL_BATCH];
  int n = epoll_wait (epoll_fd, events, EPOLL_BATCH, timeout_ms);

  for (int i = 0; i < n; i++)
    slot_step (events[i].data.ptr, events[i].events);
  if (bench_now () > deadline)
    bench_die ("bench-client: timed out");
}

/* Slots start idle: @count of them, all counted. */
static Slot *
slots_new (uint64_t count)
{
  Slot *slots = calloc (count, sizeof *slots);

  if (slots == NULL)
    bench_die ("out of memory");
  for (uint64_t i = 0; i < count; i++)
    slots[i].fd = -1;
  memset (state_count, 0, sizeof state_count);
  state_count[SLOT_IDLE] = count;

  return slots;
}

/* Opens @count connections through the tunnel, at most CONNECT_BATCH waiting
 * at a time, each confirmed by an echo of its first bytes. Returns how many
 * are open. */
static uint64_t
open_slots (Slot     *slots,
            uint64_t  count,
            uint16_t  port,
            uint64_t  length,
            uint64_t  first)
{
  uint64_t next = 0;

  while (state_count[SLOT_OPEN] + state_count[SLOT_FAILED] < count)
    {
      while (next < count &&
             state_count[SLOT_CONNECTING] + state_count[SLOT_REQUESTED] < CONNECT_BATCH)
        {
          slots[next].offset = next * 4099;
          slots[next].length = length;
          slots[next].first = first;
          slot_start (&slots[next], port);
          next++;
        }
      pump_events (100);
    }

  return state_count[SLOT_OPEN];
}

static int
run_concurrent (uint16_t port,
                uint64_t count,
                uint64_t bytes)
{
  Slot *slots = slots_new (count);
  uint64_t open, done, failed;
  double start, opened, seconds;

  if (bytes == 0)
    bench_die ("bench-client: concurrent needs at least one byte per connection");
  start = bench_now ();
  open = open_slots (slots, count, port, bytes, 1);
  opened = bench_now ();

  /* Every connection is open: now all of them move their data at once. */
  for (uint64_t i = 0; i < count; i++)
    if (slots[i].state == SLOT_OPEN)
      {
        slot_set_state (&slots[i], SLOT_MOVING);
        slot_set_events (&slots[i], EPOLLIN | EPOLLOUT);
      }
  while (state_count[SLOT_DONE] + state_count[SLOT_FAILED] < count)
    pump_events (100);
  done = state_count[SLOT_DONE];
  failed = state_count[SLOT_FAILED];
  seconds = bench_now () - opened;

  printf ("{\"mode\":\"concurrent\",\"connections\":%" PRIu64 ",\"opened\":%" PRIu64 ","
          "\"bytes_each\":%" PRIu64 ",\"whole\":%" PRIu64 ",\"failed\":%" PRIu64 ","
          "\"open_seconds\":%.6f,\"seconds\":%.6f,\"ok\":%s}\n",
          count, open, bytes, done, failed, opened - start, seconds,
          done == count ? "true" : "false");
  free (slots);

  return done == count ? 0 : 1;
}

static int
run_idle (uint16_t port,
          uint64_t count)
{
  Slot *slots = slots_new (count);
  uint64_t open, alive = 0;
  double start;
  char line[64];
  struct pollfd stdin_poll = { .fd = STDIN_FILENO, .events = POLLIN };

  start = bench_now ();
  open = open_slots (slots, count, port, 1, 1);
  printf ("{\"event\":\"ready\",\"connections\":%" PRIu64 ",\"open\":%" PRIu64 ","
          "\"seconds\":%.6f}\n", count, open, bench_now () - start);
  fflush (stdout);

  /* Hold them until the harness has measured (a line or EOF on stdin). */
  while (poll (&stdin_poll, 1, 1000) == 0)
    if (bench_now () > deadline)
      bench_die ("bench-client: timed out");
  if (fgets (line, sizeof line, stdin) == NULL)
    line[0] = '\0';

  /* Each must still be open: nothing to read, no EOF. */
  for (uint64_t i = 0; i < count; i++)
    if (slots[i].state == SLOT_OPEN)
      {
        uint8_t byte;

        if (recv (slots[i].fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) < 0 && errno == EAGAIN)
          alive++;
        slot_set_events (&slots[i], 0);
        close (slots[i].fd);
      }
  printf ("{\"mode\":\"idle\",\"connections\":%" PRIu64 ",\"open\":%" PRIu64 ","
          "\"alive\":%" PRIu64 ",\"ok\":%s}\n",
          count, open, alive, alive == count ? "true" : "false");
  free (slots);

  return alive == count ? 0 : 1;
}

/* ---------------------------------------------------------------------- */
/* New connections per second                                              */

static int
run_connrate (uint16_t port,
              uint64_t count,
              uint64_t parallel)
{
  Slot *slots;
  uint64_t started = 0, done = 0, failed = 0;
  double start, seconds;

  if (parallel == 0 || count == 0)
    bench_die ("bench-client: connrate needs a count and a parallelism");
  if (parallel > count)
    parallel = count;
  slots = slots_new (parallel);

  start = bench_now ();
  for (uint64_t i = 0; i < parallel; i++)
    {
      slots[i].offset = started * 1031;
      slots[i].first = 1024;
      slot_start (&slots[i], port);
      started++;
    }
  while (done + failed < count)
    {
      pump_events (100);
      for (uint64_t i = 0; i < parallel; i++)
        {
          Slot *slot = &slots[i];

          if (slot->state == SLOT_OPEN)
            {
              /* The 1 KiB came back: check it, close, start the next one. */
              if (bench_sum_final (&slot->sent_sum) == bench_sum_final (&slot->received_sum))
                done++;
              else
                failed++;
              slot_set_events (slot, 0);
              close (slot->fd);
              slot->fd = -1;
              slot_set_state (slot, SLOT_IDLE);
            }
          else if (slot->state == SLOT_FAILED)
            {
              failed++;
              slot_set_state (slot, SLOT_IDLE);
            }
          if (slot->state == SLOT_IDLE && started < count)
            {
              slot->offset = started * 1031;
              slot_start (slot, port);
              started++;
            }
        }
    }
  seconds = bench_now () - start;

  printf ("{\"mode\":\"connrate\",\"count\":%" PRIu64 ",\"parallel\":%" PRIu64 ","
          "\"whole\":%" PRIu64 ",\"failed\":%" PRIu64 ",\"seconds\":%.6f,"
          "\"per_second\":%.2f,\"ok\":%s}\n",
          count, parallel, done, failed, seconds, (double) count / seconds,
          done == count ? "true" : "false");
  free (slots);

  return done == count ? 0 : 1;
}

static void
usage (void)
{
  fprintf (stderr,
           "usage: bench-client upload PORT BYTES OFFSET\n"
           "       bench-client download PORT BYTES OFFSET [PAUSE_AFTER PAUSE_SECONDS]\n"
           "       bench-client pingpong PORT COUNT\n"
           "       bench-client connrate PORT COUNT PARALLEL\n"
           "       bench-client concurrent PORT CONNECTIONS BYTES\n"
           "       bench-client idle PORT CONNECTIONS\n");
  exit (2);
}

int
main (int    argc,
      char **argv)
{
  const char *timeout_text = getenv ("BENCH_TIMEOUT");
  unsigned int timeout = timeout_text ? (unsigned int) atoi (timeout_text) : 600;
  const char *mode;
  uint16_t port;

  if (argc < 4)
    usage ();
  mode = argv[1];
  port = (uint16_t) parse_u64 (argv[2]);
  if (getenv ("BENCH_SOCKS_TARGET") != NULL)
    socks_target = (uint16_t) parse_u64 (getenv ("BENCH_SOCKS_TARGET"));

  signal (SIGPIPE, SIG_IGN);
  signal (SIGALRM, on_alarm);
  alarm (timeout + 5);
  deadline = bench_now () + timeout;
  bench_raise_nofile ();
  bench_pattern ();
  epoll_fd = epoll_create1 (EPOLL_CLOEXEC);

  if (strcmp (mode, "upload") == 0 && argc == 5)
    return run_upload (port, parse_u64 (argv[3]), parse_u64 (argv[4]));
  if (strcmp (mode, "download") == 0 && (argc == 5 || argc == 7))
    return run_download (port, parse_u64 (argv[3]), parse_u64 (argv[4]),
                         argc == 7 ? parse_u64 (argv[5]) : 0,
                         argc == 7 ? atof (argv[6]) : 0);
  if (strcmp (mode, "pingpong") == 0 && argc == 4)
    return run_pingpong (port, parse_u64 (argv[3]));
  if (strcmp (mode, "connrate") == 0 && argc == 5)
    return run_connrate (port, parse_u64 (argv[3]), parse_u64 (argv[4]));
  if (strcmp (mode, "concurrent") == 0 && argc == 5)
    return run_concurrent (port, parse_u64 (argv[3]), parse_u64 (argv[4]));
  if (strcmp (mode, "idle") == 0 && argc == 4)
    return run_idle (port, parse_u64 (argv[3]));

  usage ();
}

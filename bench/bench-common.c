/* bench-common.c — the data stream, checksum and socket helpers of the
 * benchmark
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "bench-common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PRIME1 0x9e3779b185ebca87ULL
#define PRIME2 0xc2b2ae3d27d4eb4fULL

static uint8_t *pattern;

static uint64_t
splitmix64 (uint64_t *state)
{
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

const uint8_t *
bench_pattern (void)
{
  if (pattern == NULL)
    {
      uint64_t state = 0x43756c7665727421ULL;  /* "Culvert!" */

      pattern = malloc (BENCH_PATTERN_SIZE + 8);
      if (pattern == NULL)
        bench_die ("out of memory");
      for (size_t i = 0; i < BENCH_PATTERN_SIZE; i += 8)
        {
          uint64_t word = splitmix64 (&state);

          memcpy (pattern + i, &word, 8);
        }
    }

  return pattern;
}

void
bench_pattern_copy (uint8_t  *out,
                    uint64_t  offset,
                    size_t    len)
{
  const uint8_t *p = bench_pattern ();
  size_t at = offset % BENCH_PATTERN_SIZE;

  while (len > 0)
    {
      size_t n = BENCH_PATTERN_SIZE - at;

      if (n > len)
        n = len;
      memcpy (out, p + at, n);
      out += n;
      len -= n;
      at = 0;
    }
}

static inline uint64_t
rotl64 (uint64_t x,
        int      r)
{
  return (x << r) | (x >> (64 - r));
}

static inline uint64_t
mix_word (uint64_t lane,
          uint64_t word)
{
  return rotl64 ((lane ^ word) * PRIME1, 31) * PRIME2;
}

static inline uint64_t
load64 (const uint8_t *p)
{
  uint64_t v;

  memcpy (&v, p, 8);
  return v;
}

static void
sum_blocks (BenchSum      *sum,
            const uint8_t *p,
            size_t         blocks)
{
  uint64_t a = sum->lane[0], b = sum->lane[1], c = sum->lane[2], d = sum->lane[3];

  for (size_t i = 0; i < blocks; i++, p += 32)
    {
      a = mix_word (a, load64 (p));
      b = mix_word (b, load64 (p + 8));
      c = mix_word (c, load64 (p + 16));
      d = mix_word (d, load64 (p + 24));
    }
  sum->lane[0] = a;
  sum->lane[1] = b;
  sum->lane[2] = c;
  sum->lane[3] = d;
}

void
bench_sum_init (BenchSum *sum)
{
  memset (sum, 0, sizeof *sum);
  sum->lane[0] = 1;
  sum->lane[1] = 2;
  sum->lane[2] = 3;
  sum->lane[3] = 4;
}

void
bench_sum_update (BenchSum   *sum,
                  const void *data,
                  size_t      len)
{
  const uint8_t *p = data;

  sum->total += len;
  if (sum->tail_len > 0)
    {
      size_t n = 32 - sum->tail_len;

      if (n > len)
        n = len;
      memcpy (sum->tail + sum->tail_len, p, n);
      sum->tail_len += n;
      p += n;
      len -= n;
      if (sum->tail_len < 32)
        return;
      sum_blocks (sum, sum->tail, 1);
      sum->tail_len = 0;
    }

  sum_blocks (sum, p, len / 32);
  p += len - len % 32;
  len %= 32;
  memcpy (sum->tail, p, len);
  sum->tail_len = len;
}

uint64_t
bench_sum_final (const BenchSum *sum)
{
  BenchSum copy = *sum;
  uint64_t h = copy.total * PRIME2;
  uint64_t state;

  if (copy.tail_len > 0)
    {
      memset (copy.tail + copy.tail_len, 0, 32 - copy.tail_len);
      sum_blocks (&copy, copy.tail, 1);
    }
  for (int i = 0; i < 4; i++)
    {
      state = copy.lane[i];
      h = rotl64 (h ^ splitmix64 (&state), 27) * PRIME1;
    }

  return h;
}

void
bench_put_u64 (uint8_t  *out,
               uint64_t  value)
{
  for (int i = 0; i < 8; i++)
    out[i] = (uint8_t) (value >> (8 * i));
}

uint64_t
bench_get_u64 (const uint8_t *in)
{
  uint64_t value = 0;

  for (int i = 7; i >= 0; i--)
    value = (value << 8) | in[i];
  return value;
}

void
bench_header_pack (uint8_t   *out,
                   BenchMode  mode,
                   uint64_t   length,
                   uint64_t   offset)
{
  out[0] = (uint8_t) mode;
  bench_put_u64 (out + 1, length);
  bench_put_u64 (out + 9, offset);
}

void
bench_header_unpack (const uint8_t *in,
                     char          *mode,
                     uint64_t      *length,
                     uint64_t      *offset)
{
  *mode = (char) in[0];
  *length = bench_get_u64 (in + 1);
  *offset = bench_get_u64 (in + 9);
}

double
bench_now (void)
{
  return bench_now_ns () / 1e9;
}

int64_t
bench_now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int
bench_set_nonblocking (int fd)
{
  int flags = fcntl (fd, F_GETFL);

  return flags < 0 ? -1 : fcntl (fd, F_SETFL, flags | O_NONBLOCK);
}

void
bench_set_nodelay (int fd)
{
  int one = 1;

  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void
loopback_address (struct sockaddr_in *addr,
                  uint16_t            port)
{
  memset (addr, 0, sizeof *addr);
  addr->sin_family = AF_INET;
  addr->sin_port = htons (port);
  addr->sin_addr.s_addr = htonl (INADDR_LOOPBACK);
}

int
bench_connect (uint16_t port,
               int      nonblocking)
{
  struct sockaddr_in addr;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);

  if (fd < 0)
    return -1;
  bench_set_nodelay (fd);
  loopback_address (&addr, port);
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) != 0 &&
      !(nonblocking && errno == EINPROGRESS))
    {
      int saved = errno;

      close (fd);
      errno = saved;
      return -1;
    }

  return fd;
}

int
bench_listen (uint16_t  port,
              uint16_t *bound_port)
{
  struct sockaddr_in addr;
  socklen_t len = sizeof addr;
  int one = 1;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (fd < 0)
    return -1;
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  loopback_address (&addr, port);
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) != 0 || listen (fd, 4096) != 0 ||
      getsockname (fd, (struct sockaddr *) &addr, &len) != 0)
    {
      close (fd);
      return -1;
    }
  if (bound_port != NULL)
    *bound_port = ntohs (addr.sin_port);

  return fd;
}

void
bench_raise_nofile (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }
}

int
bench_write_all (int         fd,
                 const void *data,
                 size_t      len)
{
  const uint8_t *p = data;

  while (len > 0)
    {
      ssize_t n = write (fd, p, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return -1;
      p += n;
      len -= (size_t) n;
    }

  return 0;
}

int
bench_read_all (int     fd,
                void   *data,
                size_t  len)
{
  uint8_t *p = data;

  while (len > 0)
    {
      ssize_t n = read (fd, p, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return -1;
      p += n;
      len -= (size_t) n;
    }

  return 0;
}

void
bench_die (const char *format,
           ...)
{
  va_list args;

  va_start (args, format);
  vfprintf (stderr, format, args);
  va_end (args);
  fputc ('\n', stderr);
  exit (2);
}

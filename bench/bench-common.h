/* bench-common.h — what the benchmark helpers share: the data stream, its
 * checksum, the request header and a few socket and clock helpers
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

/* Every request starts with this header (little endian):
 * 1 byte mode, 8 bytes length, 8 bytes stream offset. */
#define BENCH_HEADER_SIZE 17

typedef enum
{
  BENCH_MODE_UPLOAD = 'U',    /* client sends length bytes; server answers their checksum */
  BENCH_MODE_DOWNLOAD = 'D',  /* server sends length bytes, then their checksum */
  BENCH_MODE_ECHO = 'E',      /* server echoes everything until the client's EOF */
} BenchMode;

/* The bytes sent: a fixed pseudo-random pattern whose length is not a power
 * of two, read from an offset, so streams differ and nothing lines up. */
#define BENCH_PATTERN_SIZE ((1 << 20) + 4093)

const uint8_t *bench_pattern (void);

/* Copies @len bytes of the stream that starts at @offset. */
void bench_pattern_copy (uint8_t  *out,
                         uint64_t  offset,
                         size_t    len);

/* A streaming 64-bit checksum, the same however the bytes are split up. */
typedef struct
{
  uint64_t lane[4];
  uint64_t total;
  uint8_t  tail[32];
  size_t   tail_len;
} BenchSum;

void     bench_sum_init   (BenchSum      *sum);
void     bench_sum_update (BenchSum      *sum,
                           const void    *data,
                           size_t         len);
uint64_t bench_sum_final  (const BenchSum *sum);

void     bench_header_pack   (uint8_t        *out,
                              BenchMode       mode,
                              uint64_t        length,
                              uint64_t        offset);
void     bench_header_unpack (const uint8_t  *in,
                              char           *mode,
                              uint64_t       *length,
                              uint64_t       *offset);
void     bench_put_u64       (uint8_t        *out,
                              uint64_t        value);
uint64_t bench_get_u64       (const uint8_t  *in);

/* Monotonic clock in seconds and in nanoseconds. */
double   bench_now      (void);
int64_t  bench_now_ns   (void);

int      bench_set_nonblocking (int fd);
void     bench_set_nodelay     (int fd);
/* A TCP socket connected to 127.0.0.1:@port (blocking unless @nonblocking;
 * then the connect may still be in progress). -1 on error. */
int      bench_connect         (uint16_t port,
                                int      nonblocking);
/* A TCP socket listening on 127.0.0.1:@port (0: any free port). */
int      bench_listen          (uint16_t port,
                                uint16_t *bound_port);
/* Raises RLIMIT_NOFILE as far as the hard limit allows. */
void     bench_raise_nofile    (void);

/* Writes all of @len, retrying on EINTR; 0 on success. */
int      bench_write_all (int         fd,
                          const void *data,
                          size_t      len);
/* Reads exactly @len; 0 on success, -1 on error or early EOF. */
int      bench_read_all  (int         fd,
                          void       *data,
                          size_t      len);

void     bench_die       (const char *format,
                          ...) __attribute__ ((format (printf, 1, 2), noreturn));

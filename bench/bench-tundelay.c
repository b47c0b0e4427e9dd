/* bench-tundelay.c — a long path with real TCP: two network namespaces
 * joined by a delay line of TUN devices
 *
 *   bench-tundelay NETNS_A NETNS_B DELAY_MS
 *
 * Makes a TUN device "td0" (IFF_TUN | IFF_NO_PI) in each of the two named
 * namespaces (ip netns add), prints {"event":"ready"} on stdout, and then
 * copies every packet that one device gives to the other after DELAY_MS.
 * So a round trip between the namespaces takes 2 × DELAY_MS, and the TCP of
 * both kernels is real: slow start, autotuning, send buffers, congestion
 * control. Unlike bench-relay, which ends TCP on both sides and so shows the
 * SSH window alone, this path also shows what the kernels' buffers allow.
 * The caller gives the devices their addresses (inside the namespaces
 * only). Each direction is a queue in arrival order; nothing is dropped
 * below QUEUE_LIMIT bytes in flight. Runs until killed.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE  /* setns */
#endif

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define PACKET_MAX   65536
#define QUEUE_LIMIT  ((size_t) 256 * 1024 * 1024)

typedef struct _Packet Packet;
struct _Packet
{
  Packet  *next;
  int64_t  due;    /* CLOCK_MONOTONIC, µs */
  size_t   len;
  unsigned char data[];
};

typedef struct
{
  int     from;
  int     to;
  Packet *head;
  Packet *tail;
  size_t  queued;
} Direction;

static int64_t
now_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A TUN device "td0" in the namespace /var/run/netns/@name. */
static int
tun_in_namespace (const char *name)
{
  char path[256];
  struct ifreq ifr;
  int ns, fd;

  snprintf (path, sizeof path, "/var/run/netns/%s", name);
  ns = open (path, O_RDONLY | O_CLOEXEC);
  if (ns < 0 || setns (ns, CLONE_NEWNET) != 0)
    {
      fprintf (stderr, "bench-tundelay: namespace %s: %s\n", name, strerror (errno));
      exit (1);
    }
  close (ns);

  fd = open ("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  memset (&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  strncpy (ifr.ifr_name, "td0", IFNAMSIZ - 1);
  if (fd < 0 || ioctl (fd, TUNSETIFF, &ifr) != 0)
    {
      fprintf (stderr, "bench-tundelay: TUN device in %s: %s\n", name, strerror (errno));
      exit (1);
    }
  return fd;
}

/* Reads every packet there is now, stamped to leave @delay µs later. */
static void
take_packets (Direction *d,
              int64_t    delay)
{
  for (;;)
    {
      Packet *p = malloc (sizeof (Packet) + PACKET_MAX);
      ssize_t n;

      if (p == NULL)
        abort ();
      n = read (d->from, p->data, PACKET_MAX);
      if (n <= 0)
        {
          free (p);
          if (n < 0 && errno != EAGAIN && errno != EINTR)
            {
              perror ("bench-tundelay: read");
              exit (1);
            }
          return;
        }
      if (d->queued + (size_t) n > QUEUE_LIMIT)
        {
          free (p);  /* a full queue drops, as a router would */
          continue;
        }
      p->len = n;
      p->due = now_us () + delay;
      p->next = NULL;
      if (d->tail != NULL)
        d->tail->next = p;
      else
        d->head = p;
      d->tail = p;
      d->queued += n;
    }
}

/* Sends the packets that are due; returns µs until the next one (-1: none). */
static int64_t
send_due (Direction *d)
{
  int64_t now = now_us ();

  while (d->head != NULL && d->head->due <= now)
    {
      Packet *p = d->head;

      /* A full device queue drops the packet, as a congested link would. */
      if (write (d->to, p->data, p->len) < 0 && errno != EAGAIN && errno != ENOBUFS &&
          errno != EINTR)
        {
          perror ("bench-tundelay: write");
          exit (1);
        }
      d->head = p->next;
      if (d->head == NULL)
        d->tail = NULL;
      d->queued -= p->len;
      free (p);
    }

  return d->head != NULL ? d->head->due - now : -1;
}

int
main (int   argc,
      char *argv[])
{
  Direction dirs[2] = { { 0 } };
  int64_t delay;
  int a, b;

  if (argc != 4)
    {
      fprintf (stderr, "usage: bench-tundelay NETNS_A NETNS_B DELAY_MS\n");
      return 2;
    }
  delay = (int64_t) atoi (argv[3]) * 1000;
  a = tun_in_namespace (argv[1]);
  b = tun_in_namespace (argv[2]);
  dirs[0] = (Direction) { a, b, NULL, NULL, 0 };
  dirs[1] = (Direction) { b, a, NULL, NULL, 0 };

  printf ("{\"event\":\"ready\"}\n");
  fflush (stdout);

  for (;;)
    {
      struct pollfd fds[2] = { { a, POLLIN, 0 }, { b, POLLIN, 0 } };
      int64_t wait = -1;
      int timeout;

      for (int i = 0; i < 2; i++)
        {
          int64_t next = send_due (&dirs[i]);

          if (next >= 0 && (wait < 0 || next < wait))
            wait = next;
        }
      timeout = wait < 0 ? -1 : (int) ((wait + 999) / 1000);
      if (poll (fds, 2, timeout) < 0 && errno != EINTR)
        {
          perror ("bench-tundelay: poll");
          return 1;
        }
      for (int i = 0; i < 2; i++)
        if (fds[i].revents & POLLIN)
          take_packets (&dirs[i], delay);
    }
}

/* culvert-window-policy.h — how big a channel's receive window should be
 *
 * A pure function of what was measured: the bytes that reached the local
 * client and when. No libssh, no clock of its own, no globals, so the unit
 * tests can feed it any path they like.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Receive window of a new channel when nothing is known of the path
 * (OpenSSH's client uses 2 MiB, as libssh 0.11+ does). */
#define CULVERT_WINDOW_INITIAL  (2 * 1024 * 1024)
/* Largest receive window one channel may grow to. */
#define CULVERT_WINDOW_MAX      (16 * 1024 * 1024)
/* A window that took this long to reach the client is worth probing. */
#define CULVERT_WINDOW_SLOW     (10 * G_TIME_SPAN_MILLISECOND)
/* After a probe that did not pay off, no probe for this long. */
#define CULVERT_WINDOW_HOLD     (2 * G_TIME_SPAN_SECOND)

typedef struct
{
  guint32  window;           /* what we offer the server now */
  guint64  delivered;        /* bytes that reached the client at this window */
  gint64   window_started;   /* when `delivered` started counting */
  guint64  rate_best;        /* best bytes/s over a whole window of this size */
  guint64  rate_before;      /* the same at the size before the last growth */
  gint64   grow_after;       /* no growth before this time */
  guint8   slow_windows;     /* windows in a row that took CULVERT_WINDOW_SLOW or more */
  guint8   windows_at_size;
  gboolean probing;          /* the window just grew: has it paid off? */
  guint8   verdict;          /* of the last probe, until learned: CULVERT_PROBE_* */
  gboolean fast;             /* the last whole window took less than CULVERT_WINDOW_SLOW */
} CulvertWindowPolicy;

enum
{
  CULVERT_PROBE_NONE,
  CULVERT_PROBE_KEPT,        /* the bigger window was faster: the path can use it */
  CULVERT_PROBE_UNDONE,      /* it was not: a bigger window does not pay here */
};

/* What the session learned from earlier channels: a window that paid off,
 * and the best rate any channel reached. A new channel starts there. */
typedef struct
{
  guint32  window;           /* 0: nothing learned yet */
  guint64  rate;             /* bytes/s */
  gint64   round_trip;       /* the shortest round trip seen, µs; 0: none yet */
} CulvertPathMemory;

void     culvert_window_policy_init      (CulvertWindowPolicy     *policy,
                                          guint32                  window,
                                          gint64                   now);
guint32  culvert_window_policy_start     (const CulvertPathMemory *memory,
                                          guint64                  budget_free);
guint32  culvert_window_policy_delivered (CulvertWindowPolicy     *policy,
                                          guint64                  bytes,
                                          gint64                   now,
                                          gint64                   round_trip,
                                          guint64                  budget_free);
guint32  culvert_window_policy_behind    (CulvertWindowPolicy     *policy,
                                          gint64                   now);
guint32  culvert_window_policy_offer_step (const CulvertWindowPolicy *policy);
void     culvert_path_memory_learn       (CulvertPathMemory       *memory,
                                          CulvertWindowPolicy     *policy);
void     culvert_path_memory_round_trip  (CulvertPathMemory       *memory,
                                          gint64                   round_trip);

G_END_DECLS

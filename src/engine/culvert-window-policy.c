/* culvert-window-policy.c — how big a channel's receive window should be
 *
 * A window grows only where the window is what limits the channel. When it
 * is the limit, one window arrives per round trip, so doubling it doubles
 * the speed; when the path or the processor is the limit, a bigger window
 * changes nothing and only makes the server hold more (OpenSSH's sshd then
 * spends its time allocating buffers, which halved a loopback download in
 * the benchmark).
 *
 * So a window is a probe: it doubles — up to CULVERT_WINDOW_MAX, within the
 * budget all channels share — after two windows in a row each took
 * CULVERT_WINDOW_SLOW or more to reach the client (a quiet channel or a fast
 * local path never does), and it stays doubled only if the best rate over
 * the next windows beats the best rate before by a quarter. Otherwise it
 * goes back, and no probe is made for CULVERT_WINDOW_HOLD. The first window
 * after a change carries the change itself, so the verdict waits for the
 * second.
 *
 * Where the path's round trip is known, a window that took more than two
 * round trips to arrive was held up by something else than the window (a
 * busy processor, a slow client), and does not count as slow. On loopback
 * a busy machine made windows slow often enough for a probe, and the start
 * of a transfer is slower than the rest, so the probe seemed to pay: the
 * window grew past 2 MiB, and sshd then spent 1.5 to 3.5 times its
 * processor time, most of it in page faults (up to 1,000,000 for a 1 GiB
 * download, against a handful at 2 MiB); the download ran at 35-90 % of
 * ssh's speed.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "Culvert-Worker"

#include "config.h"

#include "culvert-window-policy.h"

static void
policy_resize (CulvertWindowPolicy *policy,
               guint32              window)
{
  policy->window = window;
  policy->rate_best = 0;
  policy->slow_windows = 0;
  policy->windows_at_size = 0;
}

void
culvert_window_policy_init (CulvertWindowPolicy *policy,
                            guint32              window,
                            gint64               now)
{
  *policy = (CulvertWindowPolicy) { 0 };
  policy->window = window;
  policy->window_started = now;
}

/* The window a new channel starts with: what earlier channels on this
 * session found paid off, as far as the shared budget allows. */
guint32
culvert_window_policy_start (const CulvertPathMemory *memory,
                             guint64                  budget_free)
{
  guint64 window = CULVERT_WINDOW_INITIAL;

  if (memory != NULL && memory->window > CULVERT_WINDOW_INITIAL)
    window = MIN ((guint64) memory->window, CULVERT_WINDOW_INITIAL + budget_free);

  return (guint32) MIN (window, (guint64) CULVERT_WINDOW_MAX);
}

/* @bytes more reached the client at @now. Returns the window to offer from
 * now on; it differs from policy->window before the call only when it must
 * change. @round_trip is the path's (0: not known), @budget_free is what
 * the shared budget has left. */
guint32
culvert_window_policy_delivered (CulvertWindowPolicy *policy,
                                 guint64              bytes,
                                 gint64               now,
                                 gint64               round_trip,
                                 guint64              budget_free)
{
  gboolean slow;
  gint64 elapsed;
  guint64 rate;
  guint32 grown;

  policy->delivered += bytes;
  if (policy->delivered < policy->window)
    return policy->window;

  elapsed = MAX (now - policy->window_started, 1);
  rate = policy->delivered * G_TIME_SPAN_SECOND / elapsed;
  policy->delivered = 0;
  policy->window_started = now;

  policy->rate_best = MAX (policy->rate_best, rate);
  slow = elapsed >= CULVERT_WINDOW_SLOW && (round_trip <= 0 || elapsed <= 2 * round_trip);
  policy->slow_windows = slow ? MIN (policy->slow_windows + 1, 2) : 0;
  policy->fast = elapsed < CULVERT_WINDOW_SLOW;
  policy->windows_at_size = MIN (policy->windows_at_size + 1, 2);

  if (policy->probing)
    {
      if (policy->windows_at_size < 2)
        return policy->window;

      policy->probing = FALSE;
      if (policy->rate_best * 4 < policy->rate_before * 5)
        {
          guint64 rate_before = policy->rate_before;

          policy_resize (policy, policy->window / 2);
          policy->rate_best = rate_before;
          policy->grow_after = now + CULVERT_WINDOW_HOLD;
          policy->verdict = CULVERT_PROBE_UNDONE;
          return policy->window;
        }
      policy->verdict = CULVERT_PROBE_KEPT;
    }

  if (policy->slow_windows < 2 || policy->window >= CULVERT_WINDOW_MAX || now < policy->grow_after)
    return policy->window;

  grown = MIN ((guint64) policy->window * 2, CULVERT_WINDOW_MAX);
  if (grown - policy->window > budget_free)
    return policy->window;

  policy->rate_before = policy->rate_best;
  policy_resize (policy, grown);
  policy->probing = TRUE;

  return policy->window;
}

/* The client fell behind: offer less from now on (the server may still send
 * what it was already allowed), and give the rest back to the budget. */
guint32
culvert_window_policy_behind (CulvertWindowPolicy *policy,
                              gint64               now)
{
  policy_resize (policy, MAX (policy->window / 2, CULVERT_WINDOW_INITIAL));
  policy->probing = FALSE;
  policy->delivered = 0;
  policy->window_started = now;

  return policy->window;
}

/* How many bytes may reach the client before the window is offered to the
 * server again (with ssh_channel_set_window_size(); libssh 0.10 offers it
 * with every read instead). Each offer is a packet the server must read.
 * Where windows are slow to arrive, the window is what limits the channel,
 * and the server should never run short: a sixteenth of it, at most
 * 256 KiB. Where a whole window arrives in less than CULVERT_WINDOW_SLOW,
 * it is far bigger than the path needs, and a quarter, at most 1 MiB, is
 * soon enough (OpenSSH waits for half): a loopback download then costs 8 %
 * less processor time per GiB, as the server reads a quarter as many
 * packets from us. */
guint32
culvert_window_policy_offer_step (const CulvertWindowPolicy *policy)
{
  if (policy->fast)
    return MIN (policy->window / 4, 1024 * 1024);

  return MIN (policy->window / 16, 256 * 1024);
}

/* Called after each whole window: a probe's verdict is what the session
 * learns. A window that was tried and kept is one the path can use; one
 * that was undone says a bigger window does not pay on this path. */
void
culvert_path_memory_learn (CulvertPathMemory   *memory,
                           CulvertWindowPolicy *policy)
{
  memory->rate = MAX (memory->rate, policy->rate_best);
  if (policy->verdict == CULVERT_PROBE_KEPT)
    memory->window = MAX (memory->window, policy->window);
  else if (policy->verdict == CULVERT_PROBE_UNDONE && memory->window > policy->window)
    memory->window = policy->window;
  policy->verdict = CULVERT_PROBE_NONE;
}

/* A round trip was measured on the path (a channel opened, a global
 * request answered): the shortest one is the path's. */
void
culvert_path_memory_round_trip (CulvertPathMemory *memory,
                                gint64             round_trip)
{
  if (round_trip > 0 && (memory->round_trip == 0 || round_trip < memory->round_trip))
    memory->round_trip = round_trip;
}

/* test-window-policy.c — the receive-window policy against paths made up here
 *
 * The policy is a pure function of what reached the client and when, so a
 * path is a rule that says how long a window of a given size takes.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>

#include "culvert-window-policy.h"

#define MiB (1024 * 1024)
#define MS  G_TIME_SPAN_MILLISECOND
#define BUDGET_PLENTY ((guint64) 1024 * MiB)

/* How long one whole window of @window bytes takes on a path. */
typedef gint64 (*PathFunc) (guint32 window);

/* A long path whose link is fast: one window per 50 ms round trip, up to
 * 200 MiB/s; the window is the limit until then. */
static gint64
long_path (guint32 window)
{
  gint64 rtt = 50 * MS;
  gint64 at_link = (gint64) window * G_TIME_SPAN_SECOND / (200 * MiB);

  return MAX (rtt, at_link);
}

/* A path limited by the processor at 100 MiB/s: the time grows with the
 * window, so a bigger window never pays. */
static gint64
cpu_bound (guint32 window)
{
  return (gint64) window * G_TIME_SPAN_SECOND / (100 * MiB);
}

/* Loopback: a 2 MiB window arrives in 4 ms. */
static gint64
loopback (guint32 window)
{
  return (gint64) window * G_TIME_SPAN_SECOND / (500 * MiB);
}

/* The round trip the worker would have measured on @path; 0 for the
 * processor-bound one, where the tests see what the policy does without. */
static gint64
round_trip_of (PathFunc path)
{
  if (path == long_path)
    return 50 * MS;
  if (path == loopback)
    return MS / 10;

  return 0;
}

/* Feeds @n_windows whole windows through @policy; returns the clock. */
static gint64
run (CulvertWindowPolicy *policy,
     PathFunc             path,
     guint                n_windows,
     gint64               now,
     guint64              budget_free)
{
  gint64 round_trip = round_trip_of (path);

  for (guint i = 0; i < n_windows; i++)
    {
      guint32 window = policy->window;

      now += path (window);
      /* Two halves, as reads come in pieces. */
      culvert_window_policy_delivered (policy, window / 2, now - path (window) / 2, round_trip,
                                       budget_free);
      culvert_window_policy_delivered (policy, window - window / 2, now, round_trip, budget_free);
    }

  return now;
}

/* Loopback on a busy machine: the first windows of a transfer take 25 ms
 * (the processor is shared, the transfer is starting), the rest arrive as
 * fast as loopback allows. The window was never the limit. Returns the
 * window at the end. */
static guint32
busy_loopback (gint64 round_trip)
{
  CulvertWindowPolicy policy;
  gint64 now = 0;

  culvert_window_policy_init (&policy, CULVERT_WINDOW_INITIAL, 0);
  for (guint i = 0; i < 100; i++)
    {
      now += i < 4 ? 25 * MS : loopback (policy.window);
      culvert_window_policy_delivered (&policy, policy.window, now, round_trip, BUDGET_PLENTY);
    }

  return policy.window;
}

/* With the round trip known, slow windows on a short path are not the
 * window's fault: it stays at its start (a bigger one makes sshd spend its
 * time in page faults). Without it, the slow start looks like a probe that
 * paid, which is what the round trip is for. */
static void
test_busy_loopback (void)
{
  g_assert_cmpuint (busy_loopback (MS / 10), ==, CULVERT_WINDOW_INITIAL);
  g_assert_cmpuint (busy_loopback (2 * MS), ==, CULVERT_WINDOW_INITIAL);
  g_assert_cmpuint (busy_loopback (0), >, CULVERT_WINDOW_INITIAL);
}

/* The shortest round trip is the path's; nothing is not a measurement. */
static void
test_round_trip (void)
{
  CulvertPathMemory memory = { 0 };

  culvert_path_memory_round_trip (&memory, 0);
  g_assert_cmpint (memory.round_trip, ==, 0);
  culvert_path_memory_round_trip (&memory, 80 * MS);
  g_assert_cmpint (memory.round_trip, ==, 80 * MS);
  culvert_path_memory_round_trip (&memory, 50 * MS);
  culvert_path_memory_round_trip (&memory, 120 * MS);
  culvert_path_memory_round_trip (&memory, -1);
  g_assert_cmpint (memory.round_trip, ==, 50 * MS);
}

static void
test_grows_on_long_path (void)
{
  CulvertWindowPolicy policy;

  culvert_window_policy_init (&policy, CULVERT_WINDOW_INITIAL, 0);
  run (&policy, long_path, 40, 0, BUDGET_PLENTY);

  /* 200 MiB/s × 50 ms = 10 MiB is what the path needs: it grows past it
   * to the next power of two and keeps that. */
  g_assert_cmpuint (policy.window, ==, CULVERT_WINDOW_MAX);
  g_assert_false (policy.probing);
}

static void
test_stays_on_loopback (void)
{
  CulvertWindowPolicy policy;

  culvert_window_policy_init (&policy, CULVERT_WINDOW_INITIAL, 0);
  run (&policy, loopback, 200, 0, BUDGET_PLENTY);
  g_assert_cmpuint (policy.window, ==, CULVERT_WINDOW_INITIAL);
}

static void
test_probe_that_does_not_pay_goes_back (void)
{
  CulvertWindowPolicy policy;
  gint64 now;

  culvert_window_policy_init (&policy, CULVERT_WINDOW_INITIAL, 0);

  /* Two slow windows: it probes at twice the size. */
  now = run (&policy, cpu_bound, 2, 0, BUDGET_PLENTY);
  g_assert_cmpuint (policy.window, ==, 2 * CULVERT_WINDOW_INITIAL);
  g_assert_true (policy.probing);

  /* The same rate at the bigger size: back to where it was, and no new
   * probe until the hold time has passed. */
  now = run (&policy, cpu_bound, 2, now, BUDGET_PLENTY);
  g_assert_cmpuint (policy.window, ==, CULVERT_WINDOW_INITIAL);
  g_assert_false (policy.probing);
  g_assert_cmpint (policy.grow_after, >, now);

  now = run (&policy, cpu_bound, 10, now, BUDGET_PLENTY);
  g_assert_cmpint (now, <, policy.grow_after);
  g_assert_cmpuint (policy.window, ==, CULVERT_WINDOW_INITIAL);

  /* After the hold, it may try again. */
  run (&policy, cpu_bound, 200, now, BUDGET_PLENTY);
  g_assert_cmpuint (policy.window, <=, 2 * CULVERT_WINDOW_INITIAL);
}

static void
test_budget_limits_growth (void)
{
  CulvertWindowPolicy policy;

  culvert_window_policy_init (&policy, CULVERT_WINDOW_INITIAL, 0);
  run (&policy, long_path, 40, 0, CULVERT_WINDOW_INITIAL);
  g_assert_cmpuint (policy.window, ==, 2 * CULVERT_WINDOW_INITIAL);

  culvert_window_policy_init (&policy, CULVERT_WINDOW_INITIAL, 0);
  run (&policy, long_path, 40, 0, 0);
  g_assert_cmpuint (policy.window, ==, CULVERT_WINDOW_INITIAL);
}

static void
test_behind_halves (void)
{
  CulvertWindowPolicy policy;

  culvert_window_policy_init (&policy, 8 * MiB, 0);
  g_assert_cmpuint (culvert_window_policy_behind (&policy, 10), ==, 4 * MiB);
  g_assert_cmpuint (culvert_window_policy_behind (&policy, 20), ==, CULVERT_WINDOW_INITIAL);
  g_assert_cmpuint (culvert_window_policy_behind (&policy, 30), ==, CULVERT_WINDOW_INITIAL);
  g_assert_cmpuint (policy.delivered, ==, 0);
  g_assert_cmpint (policy.window_started, ==, 30);
}

/* The window is offered again in small steps while it is what limits the
 * channel, in bigger ones where windows arrive fast. */
static void
test_offer_step (void)
{
  CulvertWindowPolicy policy;
  gint64 now;

  /* Nothing known yet: small steps. */
  culvert_window_policy_init (&policy, CULVERT_WINDOW_INITIAL, 0);
  g_assert_cmpuint (culvert_window_policy_offer_step (&policy), ==, CULVERT_WINDOW_INITIAL / 16);

  /* Loopback: a quarter of the window. */
  now = run (&policy, loopback, 4, 0, BUDGET_PLENTY);
  g_assert_cmpuint (culvert_window_policy_offer_step (&policy), ==, CULVERT_WINDOW_INITIAL / 4);

  /* A long path: small steps, at most 256 KiB once the window grew. */
  culvert_window_policy_init (&policy, CULVERT_WINDOW_INITIAL, now);
  now = run (&policy, long_path, 1, now, BUDGET_PLENTY);
  g_assert_cmpuint (culvert_window_policy_offer_step (&policy), ==, CULVERT_WINDOW_INITIAL / 16);
  run (&policy, long_path, 40, now, BUDGET_PLENTY);
  g_assert_cmpuint (policy.window, ==, CULVERT_WINDOW_MAX);
  g_assert_cmpuint (culvert_window_policy_offer_step (&policy), ==, 256 * 1024);

  /* A bigger window that still arrives fast: a quarter, 1 MiB. */
  culvert_window_policy_init (&policy, 4 * MiB, 0);
  run (&policy, loopback, 2, 0, BUDGET_PLENTY);
  g_assert_cmpuint (culvert_window_policy_offer_step (&policy), ==, MiB);
}

/* A partial window changes nothing. */
static void
test_partial_window (void)
{
  CulvertWindowPolicy policy;

  culvert_window_policy_init (&policy, CULVERT_WINDOW_INITIAL, 0);
  for (guint i = 0; i < 1000; i++)
    culvert_window_policy_delivered (&policy, 100, i * 100 * MS, 0, BUDGET_PLENTY);
  g_assert_cmpuint (policy.window, ==, CULVERT_WINDOW_INITIAL);
  g_assert_cmpuint (policy.delivered, ==, 100000);
}

/* What one channel learned of a long path, the next one starts with; a
 * fast path makes the session forget it. */
static void
test_path_memory (void)
{
  CulvertPathMemory memory = { 0 };
  CulvertWindowPolicy policy;
  gint64 now = 0;

  g_assert_cmpuint (culvert_window_policy_start (&memory, BUDGET_PLENTY), ==,
                    CULVERT_WINDOW_INITIAL);

  culvert_window_policy_init (&policy, CULVERT_WINDOW_INITIAL, now);
  for (guint i = 0; i < 40; i++)
    {
      now = run (&policy, long_path, 1, now, BUDGET_PLENTY);
      culvert_path_memory_learn (&memory, &policy);
    }
  g_assert_cmpuint (memory.window, ==, CULVERT_WINDOW_MAX);
  g_assert_cmpuint (memory.rate, >=, 150 * MiB);

  /* The next channel starts where the first ended, within the budget. */
  g_assert_cmpuint (culvert_window_policy_start (&memory, BUDGET_PLENTY), ==, CULVERT_WINDOW_MAX);
  g_assert_cmpuint (culvert_window_policy_start (&memory, 2 * MiB), ==,
                    CULVERT_WINDOW_INITIAL + 2 * MiB);
  g_assert_cmpuint (culvert_window_policy_start (&memory, 0), ==, CULVERT_WINDOW_INITIAL);

  /* A channel that starts big on a path where that does not pay: its
   * probe is undone, and later channels start smaller. */
  culvert_window_policy_init (&policy, 4 * MiB, now);
  now = run (&policy, cpu_bound, 4, now, BUDGET_PLENTY);
  g_assert_cmpuint (policy.window, ==, 4 * MiB);
  culvert_path_memory_learn (&memory, &policy);
  g_assert_cmpuint (culvert_window_policy_start (&memory, BUDGET_PLENTY), ==, 4 * MiB);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/window-policy/grows-on-long-path", test_grows_on_long_path);
  g_test_add_func ("/window-policy/stays-on-loopback", test_stays_on_loopback);
  g_test_add_func ("/window-policy/probe-that-does-not-pay", test_probe_that_does_not_pay_goes_back);
  g_test_add_func ("/window-policy/budget", test_budget_limits_growth);
  g_test_add_func ("/window-policy/behind", test_behind_halves);
  g_test_add_func ("/window-policy/partial-window", test_partial_window);
  g_test_add_func ("/window-policy/offer-step", test_offer_step);
  g_test_add_func ("/window-policy/path-memory", test_path_memory);
  g_test_add_func ("/window-policy/busy-loopback", test_busy_loopback);
  g_test_add_func ("/window-policy/round-trip", test_round_trip);

  return g_test_run ();
}

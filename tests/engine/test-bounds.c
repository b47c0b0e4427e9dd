/* test-bounds.c — what a tunnel keeps stays bounded whatever its clients do
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "engine-test-util.h"

typedef struct
{
  guint added;
  guint closed;
} Counts;

static void
on_log_added (CulvertTunnel   *tunnel,
              CulvertLogEntry *entry,
              Counts          *counts)
{
  counts->added++;
}

static gboolean
logged_at_least (gpointer data)
{
  Counts *counts = data;

  return counts->added >= counts->closed;
}

/* Not SOCKS at all: each such client is refused and leaves one log line.
 * Returns the client's own port, as the log names it. */
static guint16
bad_socks_client (guint16 port)
{
  static const char junk[] = "GET / HTTP/1.1\r\n\r\n";
  struct sockaddr_in local;
  socklen_t len = sizeof local;
  int fd = culvert_test_connect_loopback (port);
  struct timeval tv = { 10, 0 };
  char buf[64];

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &local, &len), ==, 0);
  g_assert_true (culvert_test_write_all (fd, (const guint8 *) junk, sizeof junk - 1));
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  /* Wait for Culvert to close it, so that its log line is on the way. */
  g_assert_cmpint (recv (fd, buf, sizeof buf, 0), ==, 0);
  close (fd);

  return ntohs (local.sin_port);
}

/* 1,250 bad SOCKS handshakes: the log keeps the newest 1,000 to 1,100
 * lines, the first line says how many were dropped, and the lines that
 * were kept plus those dropped are every line that was logged. */
static void
test_log_ring (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CulvertTestSshd) sshd = NULL;
  g_autoptr(CulvertProfile) profile = NULL;
  g_autoptr(CulvertForward) forward = NULL;
  g_autoptr(CulvertTunnel) tunnel = NULL;
  g_autofree char *spec = NULL;
  g_autofree char *last_source = NULL;
  g_autoptr(CulvertLogEntry) first = NULL;
  g_autoptr(CulvertLogEntry) last = NULL;
  GListModel *log;
  Counts counts = { 0, 0 };
  guint16 port = free_port ();
  guint16 client_port = 0;
  guint n_items;
  guint dropped = 0;
  guint logged_before;

  sshd = culvert_test_sshd_start (NULL, &error);
  g_assert_no_error (error);
  profile = key_profile_new ("127.0.0.1", sshd->port, sshd->user, sshd->client_key_path,
                             sshd->known_hosts_path);
  spec = g_strdup_printf ("127.0.0.1:%u", port);
  forward = culvert_forward_parse (CULVERT_FORWARD_DYNAMIC, spec, &error);
  g_assert_no_error (error);
  culvert_profile_add_forward (profile, forward);

  tunnel = tunnel_start (profile);
  g_assert_true (wait_until (tunnel_connected, tunnel, 20));
  g_signal_connect (tunnel, "log-added", G_CALLBACK (on_log_added), &counts);
  log = culvert_tunnel_get_log (tunnel);
  logged_before = g_list_model_get_n_items (log);

  for (guint i = 0; i < 1250; i++)
    {
      client_port = bad_socks_client (port);
      counts.closed++;
      /* Keep the main context going now and then: the log lines come in
       * through it. */
      if (i % 50 == 49)
        g_main_context_iteration (NULL, FALSE);
    }
  g_assert_true (wait_until (logged_at_least, &counts, 30));

  n_items = g_list_model_get_n_items (log);
  g_test_message ("%u lines logged, %u kept", counts.added + logged_before, n_items);
  g_assert_cmpuint (n_items, >=, CULVERT_TUNNEL_LOG_KEEP);
  g_assert_cmpuint (n_items, <=, CULVERT_TUNNEL_LOG_KEEP + 101);

  /* The first line says how many went, and nothing else went missing. */
  first = g_list_model_get_item (log, 0);
  g_assert_cmpint (sscanf (culvert_log_entry_get_message (first), "%u earlier lines", &dropped),
                   ==, 1);
  g_assert_cmpuint (dropped + n_items - 1, ==, logged_before + counts.added);

  /* The newest line is the last client's. */
  last = g_list_model_get_item (log, n_items - 1);
  last_source = g_strdup_printf ("127.0.0.1:%u", client_port);
  assert_contains (culvert_log_entry_get_message (last), last_source);

  g_assert_true (disconnect_and_wait (tunnel, 0));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  if (skip_all_without_sshd ("/bounds/log-ring"))
    return g_test_run ();

  g_test_add_func ("/bounds/log-ring", test_log_ring);

  return g_test_run ();
}

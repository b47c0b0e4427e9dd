/* test-jump.c — reaching the server through jump hosts, with real sshd instances
 *
 * Two jump hosts and the server are three real OpenSSH sshd; each hop logs
 * in on its own and checks its own host key, recorded under its own name
 * and port. As root a network-namespace test proves the path: the server
 * lives where only the jump host's namespace can reach it.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define _GNU_SOURCE 1

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "culvert-secrets.h"
#include "engine-test-util.h"

#define MiB (1024 * 1024)

/* Documentation-range addresses, only ever inside namespaces this test makes. */
#define NS_TEST_ADDRESS    "192.0.2.1"     /* the test (and Culvert) */
#define NS_JUMP_ADDRESS    "192.0.2.2"     /* the jump host, towards the test */
#define NS_JUMP_INNER      "198.51.100.1"  /* the jump host, towards the server */
#define NS_SERVER_ADDRESS  "198.51.100.2"  /* the server */

/* ---------------------------------------------------------------------- */
/* A client that checks what the echo sends back                          */

/* Sends @size random bytes through the forward at @port and checks that
 * the echo sent the same bytes back; runs the main context meanwhile. */
static void
assert_round_trip (guint16 port,
                   gsize   size)
{
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);

  start_client (clients, port, size, TRUE, NULL, 0);
  if (!wait_until (clients_done, clients, 60))
    g_error ("the client through the jump hosts did not finish within a minute");
  assert_clients_ok (clients);
}

/* ---------------------------------------------------------------------- */
/* sshd instances and the tunnel                                           */

typedef struct
{
  CulvertTestSshd *jump1;
  CulvertTestSshd *jump2;
  CulvertTestSshd *server;
  char            *known_hosts;
  CulvertProfile  *profile;
  CulvertTunnel   *tunnel;
  gboolean         exited;
} Fixture;

static CulvertTestSshd *
start_sshd (const char *extra)
{
  g_autoptr(GError) error = NULL;
  CulvertTestSshd *sshd = culvert_test_sshd_start (extra, &error);

  g_assert_no_error (error);
  return sshd;
}

static char *
hop_spec (CulvertTestSshd *sshd,
          const char      *host,
          guint16          port)
{
  return g_strdup_printf ("%s@%s:%u", sshd->user, host, port);
}

/* Three sshd on 127.0.0.1: jump1 → jump2 → server. The profile names the
 * server and the two hops; one known_hosts file holds each under its port;
 * the server's client key logs in everywhere. */
static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *h1 = NULL;
  g_autofree char *h2 = NULL;
  g_autofree char *hs = NULL;
  g_autofree char *text = NULL;
  g_autofree char *spec1 = NULL;
  g_autofree char *spec2 = NULL;

  /* Keys only (a root sshd would offer passwords too); the first hop
   * re-keys every MiB, so transfers cross key re-exchanges there. */
  f->jump1 = start_sshd ("PasswordAuthentication no\nRekeyLimit 1M");
  f->jump2 = start_sshd ("PasswordAuthentication no");
  f->server = start_sshd (NULL);
  authorize_key_of (f->jump1, f->server);
  authorize_key_of (f->jump2, f->server);

  f->known_hosts = g_build_filename (f->server->dir, "all_known_hosts", NULL);
  h1 = known_hosts_line (f->jump1, "127.0.0.1", f->jump1->port);
  h2 = known_hosts_line (f->jump2, "127.0.0.1", f->jump2->port);
  hs = known_hosts_line (f->server, "127.0.0.1", f->server->port);
  text = g_strconcat (h1, h2, hs, NULL);
  g_assert_true (g_file_set_contents (f->known_hosts, text, -1, NULL));

  spec1 = hop_spec (f->jump1, "127.0.0.1", f->jump1->port);
  spec2 = hop_spec (f->jump2, "127.0.0.1", f->jump2->port);
  f->profile = key_profile_new ("127.0.0.1", f->server->port, f->server->user,
                                f->server->client_key_path, f->known_hosts);
  culvert_profile_set_jump_hosts (f->profile, (const char *[]) { spec1, spec2, NULL });
}

static void
on_exited (CulvertTunnel *tunnel,
           Fixture       *f)
{
  f->exited = TRUE;
}

static void
fixture_stop_tunnel (Fixture *f)
{
  if (f->tunnel == NULL)
    return;
  if (culvert_tunnel_is_running (f->tunnel))
    disconnect_and_wait (f->tunnel, 0);
  g_assert_finalize_object (f->tunnel);
  f->tunnel = NULL;
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  fixture_stop_tunnel (f);
  g_clear_object (&f->profile);
  g_free (f->known_hosts);
  culvert_test_sshd_stop (f->jump1);
  culvert_test_sshd_stop (f->jump2);
  culvert_test_sshd_stop (f->server);
}

/* A -L forward from a free local port to @host:@port as the server sees it. */
static guint16
add_local (CulvertProfile *profile,
           guint16         destination_port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CulvertForward) forward = NULL;
  guint16 port = free_port ();
  g_autofree char *spec = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", port, destination_port);

  forward = culvert_forward_parse (CULVERT_FORWARD_LOCAL, spec, &error);
  g_assert_no_error (error);
  culvert_profile_add_forward (profile, forward);
  return port;
}

static gboolean
tunnel_settled (CulvertTunnel *tunnel)
{
  CulvertTunnelState state = culvert_tunnel_get_state (tunnel);

  return state == CULVERT_TUNNEL_CONNECTED || state == CULVERT_TUNNEL_FAILED;
}

/* Connects the profile's tunnel and waits until it is connected or failed. */
static CulvertTunnelState
fixture_connect (Fixture *f)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  f->tunnel = tunnel_start (f->profile);
  while (!tunnel_settled (f->tunnel))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("the tunnel through the jump hosts neither connected nor failed in a minute");
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }

  return culvert_tunnel_get_state (f->tunnel);
}

static void
assert_connected (Fixture *f)
{
  if (fixture_connect (f) != CULVERT_TUNNEL_CONNECTED)
    g_error ("the tunnel failed: %s", culvert_tunnel_get_state_reason (f->tunnel));
}

/* ---------------------------------------------------------------------- */
/* Tests on 127.0.0.1                                                      */

/* Two hops, each its own login (each sshd logged the key it accepted), and
 * 8 MiB through a forward come back whole; a disconnect and a connect build
 * the chain again. */
static void
test_jump_two_hops (Fixture       *f,
                    gconstpointer  data)
{
  Echo *echo = echo_new ();
  guint16 port = add_local (f->profile, echo->port);

  assert_connected (f);
  assert_round_trip (port, 1);
  assert_round_trip (port, 8 * MiB);

  g_assert_cmpuint (log_count (f->jump1, "Accepted publickey"), ==, 1);
  g_assert_cmpuint (log_count (f->jump2, "Accepted publickey"), ==, 1);
  g_assert_cmpuint (log_count (f->server, "Accepted publickey"), ==, 1);

  /* Disconnect tears the chain down; a new connect builds it again. */
  fixture_stop_tunnel (f);
  assert_connected (f);
  assert_round_trip (port, 1 * MiB);
  g_assert_cmpuint (log_count (f->jump1, "Accepted publickey"), ==, 2);
  fixture_stop_tunnel (f);

  echo_free (echo);
}

/* The parent of process @pid, or 0. */
static int
parent_of (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *stat = NULL;
  const char *after;
  int ppid = 0;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return 0;
  /* "pid (comm) state ppid …": comm may hold spaces and parentheses. */
  after = strrchr (stat, ')');
  if (after == NULL || sscanf (after + 1, " %*c %d", &ppid) != 1)
    return 0;
  return ppid;
}

/* Kills every process sshd started for its connections, and theirs (not
 * sshd itself): every connection through it ends at once. The whole tree
 * is found first: a child whose parent died goes to init at once. */
static guint
kill_connections (CulvertTestSshd *sshd)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  g_autoptr(GArray) doomed = g_array_new (FALSE, FALSE, sizeof (int));
  const char *name;
  guint killed = 0;

  while (proc != NULL && (name = g_dir_read_name (proc)) != NULL)
    {
      int pid = atoi (name);

      if (pid <= 0 || pid == sshd->pid)
        continue;
      for (int up = parent_of (pid); up > 1; up = parent_of (up))
        if (up == sshd->pid)
          {
            g_array_append_val (doomed, pid);
            break;
          }
    }
  for (guint i = 0; i < doomed->len; i++)
    if (kill (g_array_index (doomed, int, i), SIGKILL) == 0)
      killed++;

  return killed;
}

static gboolean
tunnel_reconnecting (CulvertTunnel *tunnel)
{
  return culvert_tunnel_get_state (tunnel) == CULVERT_TUNNEL_RECONNECTING;
}

/* The first jump host drops the connection: the tunnel notices, builds the
 * whole chain again (a new login at every hop), and the forward works. */
static void
test_jump_reconnect (Fixture       *f,
                     gconstpointer  data)
{
  Echo *echo = echo_new ();
  guint16 port = add_local (f->profile, echo->port);
  g_autofree char *name = g_strdup_printf ("jump host 127.0.0.1:%u: ", f->jump1->port);
  gint64 deadline;

  culvert_profile_set_reconnect (f->profile, TRUE);
  assert_connected (f);
  assert_round_trip (port, 1 * MiB);
  g_assert_cmpuint (kill_connections (f->jump1), >, 0);

  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (!tunnel_reconnecting (f->tunnel) && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_cmpint (culvert_tunnel_get_state (f->tunnel), ==, CULVERT_TUNNEL_RECONNECTING);
  /* The reason names the hop that broke, not the session it carried. */
  assert_contains (culvert_tunnel_get_state_reason (f->tunnel), name);
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (culvert_tunnel_get_state (f->tunnel) != CULVERT_TUNNEL_CONNECTED &&
         g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_cmpint (culvert_tunnel_get_state (f->tunnel), ==, CULVERT_TUNNEL_CONNECTED);
  assert_round_trip (port, 1 * MiB);
  g_assert_cmpuint (log_count (f->jump1, "Accepted publickey"), ==, 2);
  g_assert_cmpuint (log_count (f->jump2, "Accepted publickey"), ==, 2);
  g_assert_cmpuint (log_count (f->server, "Accepted publickey"), ==, 2);

  fixture_stop_tunnel (f);
  echo_free (echo);
}

/* A hop whose host key is not in known_hosts under its own name and port
 * fails as that hop, even though the same key is known under another port. */
static void
test_jump_host_key_per_hop (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *h2 = known_hosts_line (f->jump2, "127.0.0.1", f->jump2->port);
  g_autofree char *hs = known_hosts_line (f->server, "127.0.0.1", f->server->port);
  /* jump1's key, but under jump2's port: not jump1's entry. */
  g_autofree char *wrong = known_hosts_line (f->jump1, "127.0.0.1", f->jump2->port + 1);
  g_autofree char *text = g_strconcat (wrong, h2, hs, NULL);
  g_autofree char *name = g_strdup_printf ("jump host 127.0.0.1:%u", f->jump1->port);
  guint before = log_count (f->jump2, "Connection from");

  g_assert_true (g_file_set_contents (f->known_hosts, text, -1, NULL));
  g_assert_cmpint (fixture_connect (f), ==, CULVERT_TUNNEL_FAILED);
  assert_contains (culvert_tunnel_get_state_reason (f->tunnel), name);
  assert_contains (culvert_tunnel_get_state_reason (f->tunnel), "[127.0.0.1]:");
  /* Nothing went past the first hop. */
  g_assert_cmpuint (log_count (f->jump2, "Connection from"), ==, before);
  g_assert_cmpuint (log_count (f->jump1, "Accepted publickey"), ==, 0);
}

static void
on_question_accept (CulvertTunnel   *tunnel,
                    CulvertQuestion *question,
                    GPtrArray       *asked)
{
  g_autofree char *host = NULL;
  guint port = 0;
  gboolean is_jump_host = FALSE;

  g_assert_cmpint (culvert_question_get_kind (question), ==, CULVERT_QUESTION_HOST_KEY);
  /* The properties say what the getters do. */
  g_object_get (question, "host", &host, "port", &port, "is-jump-host", &is_jump_host, NULL);
  g_assert_cmpstr (host, ==, culvert_question_get_host (question));
  g_assert_cmpuint (port, ==, culvert_question_get_port (question));
  g_assert_cmpint (is_jump_host, ==, culvert_question_get_is_jump_host (question));
  g_ptr_array_add (asked, g_strdup_printf ("%s %s %s %u %s", culvert_question_get_title (question),
                                           culvert_question_get_detail (question), host, port,
                                           is_jump_host ? "jump" : "server"));
  culvert_question_answer (question, TRUE, NULL);
}

/* Under "ask", the unknown first hop is asked about under its own name and
 * port with its own fingerprint, and recorded so that OpenSSH finds it. */
static void
test_jump_ask_host_key (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GPtrArray) asked = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *h2 = known_hosts_line (f->jump2, "127.0.0.1", f->jump2->port);
  g_autofree char *hs = known_hosts_line (f->server, "127.0.0.1", f->server->port);
  g_autofree char *text = g_strconcat (h2, hs, NULL);
  g_autofree char *expected = NULL;
  g_autofree char *label = g_strdup_printf ("[127.0.0.1]:%u", f->jump1->port);
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  int status = -1;
  const char *argv[] = { "ssh-keygen", "-F", label, "-f", f->known_hosts, NULL };

  g_assert_true (g_file_set_contents (f->known_hosts, text, -1, NULL));
  f->tunnel = culvert_tunnel_new (f->profile);
  culvert_tunnel_set_host_key_policy (f->tunnel, CULVERT_HOST_KEY_ASK);
  g_signal_connect (f->tunnel, "question", G_CALLBACK (on_question_accept), asked);
  g_assert_true (culvert_tunnel_connect (f->tunnel, &error));
  g_assert_no_error (error);
  while (!tunnel_settled (f->tunnel) && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  if (culvert_tunnel_get_state (f->tunnel) != CULVERT_TUNNEL_CONNECTED)
    g_error ("the tunnel failed: %s", culvert_tunnel_get_state_reason (f->tunnel));

  /* The hop's own name and port, not the server's. */
  expected = g_strdup_printf ("%s %s 127.0.0.1 %u jump", label, f->jump1->host_key_fingerprint,
                              f->jump1->port);
  g_assert_cmpuint (asked->len, ==, 1);
  g_assert_cmpstr (asked->pdata[0], ==, expected);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                               G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status,
                               NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* The server's own unknown key, behind the hops: asked about under the
 * server's name and port, not as a jump host's. */
static void
test_jump_ask_server_host_key (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GPtrArray) asked = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *h1 = known_hosts_line (f->jump1, "127.0.0.1", f->jump1->port);
  g_autofree char *h2 = known_hosts_line (f->jump2, "127.0.0.1", f->jump2->port);
  g_autofree char *text = g_strconcat (h1, h2, NULL);
  g_autofree char *expected = NULL;
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  g_assert_true (g_file_set_contents (f->known_hosts, text, -1, NULL));
  f->tunnel = culvert_tunnel_new (f->profile);
  culvert_tunnel_set_host_key_policy (f->tunnel, CULVERT_HOST_KEY_ASK);
  g_signal_connect (f->tunnel, "question", G_CALLBACK (on_question_accept), asked);
  g_assert_true (culvert_tunnel_connect (f->tunnel, &error));
  g_assert_no_error (error);
  while (!tunnel_settled (f->tunnel) && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  if (culvert_tunnel_get_state (f->tunnel) != CULVERT_TUNNEL_CONNECTED)
    g_error ("the tunnel failed: %s", culvert_tunnel_get_state_reason (f->tunnel));

  expected = g_strdup_printf ("[127.0.0.1]:%u %s 127.0.0.1 %u server", f->server->port,
                              f->server->host_key_fingerprint, f->server->port);
  g_assert_cmpuint (asked->len, ==, 1);
  g_assert_cmpstr (asked->pdata[0], ==, expected);
}

static void
on_question_record (CulvertTunnel   *tunnel,
                    CulvertQuestion *question,
                    GPtrArray       *asked)
{
  g_ptr_array_add (asked, g_strdup_printf ("%d %s %u %s", culvert_question_get_kind (question),
                                           culvert_question_get_host (question),
                                           culvert_question_get_port (question),
                                           culvert_question_get_is_jump_host (question) ?
                                           "jump" : "server"));
  /* Whatever it is, the answer would be yes. */
  culvert_question_answer (question, TRUE, NULL);
}

/* known_hosts holds another key for the first hop, under its own name and
 * port: the connection is refused with the changed-key error, as for the
 * server's own key, even under "ask" with a user who says yes to
 * everything: no question, only the notice naming the hop; nothing logs in
 * and no forward listens. */
static void
test_jump_changed_host_key (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GPtrArray) asked = g_ptr_array_new_with_free_func (g_free);
  /* jump2's key, recorded as jump1's. */
  g_autofree char *wrong = known_hosts_line (f->jump2, "127.0.0.1", f->jump1->port);
  g_autofree char *h2 = known_hosts_line (f->jump2, "127.0.0.1", f->jump2->port);
  g_autofree char *hs = known_hosts_line (f->server, "127.0.0.1", f->server->port);
  g_autofree char *text = g_strconcat (wrong, h2, hs, NULL);
  g_autofree char *label = g_strdup_printf ("[127.0.0.1]:%u", f->jump1->port);
  g_autofree char *notice = g_strdup_printf ("%d 127.0.0.1 %u jump",
                                             CULVERT_QUESTION_HOST_KEY_CHANGED, f->jump1->port);
  g_autoptr(GError) error = NULL;
  guint before2 = log_count (f->jump2, "Connection from");
  guint befores = log_count (f->server, "Connection from");
  guint16 port = add_local (f->profile, 9);
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  const char *reason;
  int fd;

  g_assert_true (g_file_set_contents (f->known_hosts, text, -1, NULL));
  f->tunnel = culvert_tunnel_new (f->profile);
  culvert_tunnel_set_host_key_policy (f->tunnel, CULVERT_HOST_KEY_ASK);
  g_signal_connect (f->tunnel, "question", G_CALLBACK (on_question_record), asked);
  g_assert_true (culvert_tunnel_connect (f->tunnel, &error));
  g_assert_no_error (error);
  while (!tunnel_settled (f->tunnel) && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_cmpint (culvert_tunnel_get_state (f->tunnel), ==, CULVERT_TUNNEL_FAILED);
  reason = culvert_tunnel_get_state_reason (f->tunnel);
  assert_contains (reason, "HAS CHANGED");
  assert_contains (reason, label);

  /* Only the notice, about the hop under its own name and port. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (asked->len, ==, 1);
  g_assert_cmpstr (asked->pdata[0], ==, notice);

  /* Nothing logged in, nothing went past the first hop, nothing listens. */
  g_assert_cmpuint (log_count (f->jump1, "Accepted publickey"), ==, 0);
  g_assert_cmpuint (log_count (f->jump2, "Connection from"), ==, before2);
  g_assert_cmpuint (log_count (f->server, "Connection from"), ==, befores);
  fd = culvert_test_connect_loopback (port);
  g_assert_cmpint (fd, <, 0);
}

static void
on_question_stop (CulvertTunnel   *tunnel,
                  CulvertQuestion *question,
                  GPtrArray       *asked)
{
  g_ptr_array_add (asked, g_strdup (culvert_question_get_title (question)));
  culvert_tunnel_disconnect (tunnel);
}

/* A stop while the server's own host key is being asked about, with both
 * hops logged in and pumping: the worker and the chain end at once. */
static void
test_jump_stop_while_asking (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GPtrArray) asked = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *h1 = known_hosts_line (f->jump1, "127.0.0.1", f->jump1->port);
  g_autofree char *h2 = known_hosts_line (f->jump2, "127.0.0.1", f->jump2->port);
  g_autofree char *text = g_strconcat (h1, h2, NULL);
  g_autofree char *label = g_strdup_printf ("[127.0.0.1]:%u", f->server->port);
  g_autoptr(GError) error = NULL;
  gint64 deadline;

  g_assert_true (g_file_set_contents (f->known_hosts, text, -1, NULL));
  f->tunnel = culvert_tunnel_new (f->profile);
  culvert_tunnel_set_host_key_policy (f->tunnel, CULVERT_HOST_KEY_ASK);
  g_signal_connect (f->tunnel, "question", G_CALLBACK (on_question_stop), asked);
  g_signal_connect (f->tunnel, "exited", G_CALLBACK (on_exited), f);
  f->exited = FALSE;
  g_assert_true (culvert_tunnel_connect (f->tunnel, &error));
  g_assert_no_error (error);

  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (!f->exited && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_true (f->exited);
  g_assert_cmpuint (asked->len, ==, 1);
  g_assert_cmpstr (asked->pdata[0], ==, label);
  g_assert_cmpint (culvert_tunnel_get_state (f->tunnel), ==, CULVERT_TUNNEL_DISCONNECTED);
  g_assert_cmpuint (log_count (f->jump2, "Accepted publickey"), ==, 1);
  g_assert_cmpuint (log_count (f->server, "Accepted publickey"), ==, 0);
}

static void
on_question_cancel_password (CulvertTunnel   *tunnel,
                             CulvertQuestion *question,
                             GPtrArray       *asked)
{
  g_ptr_array_add (asked, g_strdup_printf ("%d %s", culvert_question_get_kind (question),
                                           culvert_question_get_title (question)));
  culvert_question_cancel (question);
}

/* The server's remembered password never goes to a jump host: a hop that
 * takes passwords only (and would take that one: the same account) is
 * asked about, not sent the server's secret; its log shows no password
 * tried. */
static void
test_jump_no_server_password (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GPtrArray) asked = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(CulvertTestSshd) pwjump = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *hp = NULL;
  g_autofree char *hs = NULL;
  g_autofree char *text = NULL;
  g_autofree char *spec = NULL;
  g_autofree char *sshd_log = NULL;
  const char *profile_id = culvert_profile_get_id (f->profile);
  guint befores = log_count (f->server, "Connection from");
  gint64 deadline;

  if (f->server->password == NULL)
    {
      g_test_skip ("password logins need sshd to run as root");
      return;
    }
  pwjump = start_sshd ("PasswordAuthentication yes\nPubkeyAuthentication no\n"
                       "KbdInteractiveAuthentication no");
  hp = known_hosts_line (pwjump, "127.0.0.1", pwjump->port);
  hs = known_hosts_line (f->server, "127.0.0.1", f->server->port);
  text = g_strconcat (hp, hs, NULL);
  g_assert_true (g_file_set_contents (f->known_hosts, text, -1, NULL));
  spec = hop_spec (pwjump, "127.0.0.1", pwjump->port);
  culvert_profile_set_jump_hosts (f->profile, (const char *[]) { spec, NULL });

  /* The server's password, remembered; it is the hop account's too. */
  g_assert_true (culvert_secrets_store_sync (CULVERT_SECRET_PASSWORD, profile_id,
                                             f->server->user, "127.0.0.1", "test server",
                                             f->server->password, NULL, &error));
  g_assert_no_error (error);

  f->tunnel = culvert_tunnel_new (f->profile);
  culvert_tunnel_set_host_key_policy (f->tunnel, CULVERT_HOST_KEY_STRICT);
  g_signal_connect (f->tunnel, "question", G_CALLBACK (on_question_cancel_password), asked);
  g_assert_true (culvert_tunnel_connect (f->tunnel, &error));
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (!tunnel_settled (f->tunnel) && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_cmpint (culvert_tunnel_get_state (f->tunnel), ==, CULVERT_TUNNEL_FAILED);

  /* The hop's password was asked for (and not given). */
  g_assert_cmpuint (asked->len, ==, 1);
  {
    g_autofree char *prefix = g_strdup_printf ("%d ", CULVERT_QUESTION_PASSWORD);

    g_assert_true (g_str_has_prefix (asked->pdata[0], prefix));
    assert_contains (asked->pdata[0], "127.0.0.1");
  }
  /* The hop never saw a password, right or wrong. */
  sshd_log = culvert_test_sshd_read_log (pwjump);
  g_assert_null (strstr (sshd_log, "Accepted password"));
  g_assert_null (strstr (sshd_log, "Failed password"));
  g_assert_cmpuint (log_count (f->server, "Connection from"), ==, befores);

  g_assert_true (culvert_secrets_clear_sync (CULVERT_SECRET_PASSWORD, profile_id,
                                             f->server->user, "127.0.0.1", NULL, &error));
}

/* A hop that refuses the login is named in the error; nothing behind it
 * was reached. */
static void
test_jump_hop_denies (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *authorized = g_build_filename (f->jump2->dir, "authorized_keys", NULL);
  g_autofree char *name = g_strdup_printf ("jump host 127.0.0.1:%u: ", f->jump2->port);
  guint before2 = log_count (f->jump2, "Connection from");
  guint befores = log_count (f->server, "Connection from");
  const char *reason;

  /* jump2 knows no key at all now. */
  g_assert_true (g_file_set_contents (authorized, "", -1, NULL));
  g_assert_cmpint (fixture_connect (f), ==, CULVERT_TUNNEL_FAILED);
  reason = culvert_tunnel_get_state_reason (f->tunnel);
  assert_contains (reason, name);
  assert_contains (reason, "Permission denied (publickey");

  /* jump2 was reached through jump1 and refused; the server never was. */
  g_assert_cmpuint (log_count (f->jump1, "Accepted publickey"), ==, 1);
  g_assert_cmpuint (log_count (f->jump2, "Connection from"), ==, before2 + 1);
  g_assert_cmpuint (log_count (f->jump2, "Accepted publickey"), ==, 0);
  g_assert_cmpuint (log_count (f->server, "Connection from"), ==, befores);
}

/* The last hop cannot reach the server: the error names that hop and the
 * address it could not reach. */
static void
test_jump_hop_cannot_reach (Fixture       *f,
                            gconstpointer  data)
{
  guint16 closed = free_port ();
  g_autofree char *expected = g_strdup_printf ("jump host 127.0.0.1:%u cannot reach 127.0.0.1:%u",
                                               f->jump2->port, closed);

  culvert_profile_set_port (f->profile, closed);
  g_assert_cmpint (fixture_connect (f), ==, CULVERT_TUNNEL_FAILED);
  assert_contains (culvert_tunnel_get_state_reason (f->tunnel), expected);
  /* jump2 itself was logged in to, and tried. */
  g_assert_cmpuint (log_count (f->jump2, "Accepted publickey"), ==, 1);
}

/* The profile's proxy carries the connection to the first hop (tinyproxy's
 * log shows the CONNECT to it, and none to the server), and the forward
 * works through proxy and both hops. */
static void
test_jump_through_proxy (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *conf = g_build_filename (f->jump1->dir, "tinyproxy.conf", NULL);
  g_autofree char *pid = g_build_filename (f->jump1->dir, "tinyproxy.pid", NULL);
  g_autofree char *log_path = g_build_filename (f->jump1->dir, "tinyproxy.log", NULL);
  g_autofree char *text = NULL;
  g_autofree char *url = NULL;
  g_autofree char *to_jump = g_strdup_printf ("CONNECT 127.0.0.1:%u", f->jump1->port);
  g_autofree char *to_server = g_strdup_printf ("CONNECT 127.0.0.1:%u", f->server->port);
  g_autofree char *log = NULL;
  g_autoptr(GSubprocess) proxy = NULL;
  g_autoptr(GError) error = NULL;
  guint16 proxy_port = free_port ();
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  Echo *echo;
  guint16 port;
  int fd;

  if (!g_file_test ("/usr/bin/tinyproxy", G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("tinyproxy is not installed (build-aux/install-deps test installs it)");
      return;
    }
  text = g_strdup_printf ("Port %u\nListen 127.0.0.1\nTimeout 600\nAllow 127.0.0.1\n"
                          "ConnectPort %u\nLogLevel Info\nLogFile \"%s\"\nPidFile \"%s\"\n",
                          proxy_port, f->jump1->port, log_path, pid);
  g_assert_true (g_file_set_contents (conf, text, -1, NULL));
  proxy = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                            &error, "/usr/bin/tinyproxy", "-d", "-c", conf, NULL);
  g_assert_no_error (error);
  while ((fd = culvert_test_connect_loopback (proxy_port)) < 0)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("tinyproxy did not start");
      g_usleep (G_USEC_PER_SEC / 50);
    }
  close (fd);

  echo = echo_new ();
  port = add_local (f->profile, echo->port);
  url = g_strdup_printf ("http://127.0.0.1:%u", proxy_port);
  culvert_profile_set_proxy_mode (f->profile, CULVERT_PROXY_CUSTOM);
  culvert_profile_set_proxy_url (f->profile, url);
  /* The default rules would send 127.0.0.1 direct. */
  culvert_profile_set_proxy_bypass (f->profile, "bypass.example.org");
  assert_connected (f);
  assert_round_trip (port, 2 * MiB);

  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  g_assert_cmpuint (count_substrings (log, to_jump), ==, 1);
  g_assert_cmpuint (count_substrings (log, to_server), ==, 0);

  fixture_stop_tunnel (f);
  g_subprocess_send_signal (proxy, SIGTERM);
  g_subprocess_wait (proxy, NULL, NULL);
  echo_free (echo);
}

/* ---------------------------------------------------------------------- */
/* Proof of path, as root: the server is where only the jump host can go  */

/* Moves the calling thread (the main one: children it starts, and threads
 * it makes, stay there) into the namespace @name; NULL: back to @home. */
static void
enter_netns (const char *name,
             int         home)
{
  g_autofree char *path = name != NULL ? g_build_filename ("/run/netns", name, NULL) : NULL;
  int fd = name != NULL ? open (path, O_RDONLY | O_CLOEXEC) : home;

  if (fd < 0 || setns (fd, CLONE_NEWNET) != 0)
    g_error ("cannot enter the network namespace %s: %s", name != NULL ? name : "of the test",
             g_strerror (errno));
  if (name != NULL)
    close (fd);
}

/* A TCP connection to @address port @port from the calling thread's
 * namespace: 0, or the errno it failed with (within 5 seconds). */
static int
try_connect (const char *address,
             guint16     port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (port) };
  struct pollfd pfd;
  socklen_t len = sizeof (int);
  int result = 0;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

  g_assert_cmpint (inet_pton (AF_INET, address, &addr.sin_addr), ==, 1);
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) != 0)
    {
      if (errno != EINPROGRESS)
        result = errno;
      else
        {
          pfd = (struct pollfd) { .fd = fd, .events = POLLOUT };
          if (poll (&pfd, 1, 5000) != 1)
            result = ETIMEDOUT;
          else
            g_assert_cmpint (getsockopt (fd, SOL_SOCKET, SO_ERROR, &result, &len), ==, 0);
        }
    }
  close (fd);
  return result;
}

/* Three namespaces: the test's, the jump host's (a veth to each other),
 * and the server's, linked only to the jump host's. From the test's own
 * namespace the server cannot be reached; through the jump host a forward
 * reaches an echo server on the server's own 127.0.0.1. */
static void
test_jump_netns_path (void)
{
  g_autofree char *ns_test = g_strdup_printf ("culvert-jump-%d-t", (int) getpid ());
  g_autofree char *ns_jump = g_strdup_printf ("culvert-jump-%d-j", (int) getpid ());
  g_autofree char *ns_server = g_strdup_printf ("culvert-jump-%d-s", (int) getpid ());
  g_autoptr(CulvertProfile) profile = NULL;
  g_autoptr(CulvertTunnel) tunnel = NULL;
  g_autofree char *known_hosts = NULL;
  g_autofree char *h1 = NULL;
  g_autofree char *hs = NULL;
  g_autofree char *text = NULL;
  g_autofree char *hop = NULL;
  CulvertTestSshd *jump;
  CulvertTestSshd *server;
  Echo *echo;
  guint16 port;
  int home;
  int direct;
  gint64 deadline;

  if (geteuid () != 0)
    {
      g_test_skip ("network namespaces need root (CI runs as root)");
      return;
    }

  netns_remove_stale ("culvert-jump");
  run_ip ("netns", "add", ns_test, NULL);
  run_ip ("netns", "add", ns_jump, NULL);
  run_ip ("netns", "add", ns_server, NULL);
  run_ip ("-n", ns_test, "link", "add", "cj-t", "type", "veth", "peer", "name", "cj-j", NULL);
  run_ip ("-n", ns_test, "link", "set", "cj-j", "netns", ns_jump, NULL);
  run_ip ("-n", ns_jump, "link", "add", "cj-js", "type", "veth", "peer", "name", "cj-s", NULL);
  run_ip ("-n", ns_jump, "link", "set", "cj-s", "netns", ns_server, NULL);
  run_ip ("-n", ns_test, "addr", "add", NS_TEST_ADDRESS "/24", "dev", "cj-t", NULL);
  run_ip ("-n", ns_jump, "addr", "add", NS_JUMP_ADDRESS "/24", "dev", "cj-j", NULL);
  run_ip ("-n", ns_jump, "addr", "add", NS_JUMP_INNER "/24", "dev", "cj-js", NULL);
  run_ip ("-n", ns_server, "addr", "add", NS_SERVER_ADDRESS "/24", "dev", "cj-s", NULL);
  run_ip ("-n", ns_test, "link", "set", "lo", "up", NULL);
  run_ip ("-n", ns_test, "link", "set", "cj-t", "up", NULL);
  run_ip ("-n", ns_jump, "link", "set", "lo", "up", NULL);
  run_ip ("-n", ns_jump, "link", "set", "cj-j", "up", NULL);
  run_ip ("-n", ns_jump, "link", "set", "cj-js", "up", NULL);
  run_ip ("-n", ns_server, "link", "set", "lo", "up", NULL);
  run_ip ("-n", ns_server, "link", "set", "cj-s", "up", NULL);

  home = open ("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (home, >=, 0);

  /* Each sshd also listens on port 22 of its namespace's outside address. */
  enter_netns (ns_jump, home);
  jump = start_sshd ("ListenAddress " NS_JUMP_ADDRESS "\nPasswordAuthentication no");
  enter_netns (ns_server, home);
  server = start_sshd ("ListenAddress " NS_SERVER_ADDRESS);
  echo = echo_new ();
  authorize_key_of (jump, server);
  enter_netns (ns_test, home);

  known_hosts = g_build_filename (server->dir, "netns_known_hosts", NULL);
  h1 = known_hosts_line (jump, NS_JUMP_ADDRESS, 22);
  hs = known_hosts_line (server, NS_SERVER_ADDRESS, 22);
  text = g_strconcat (h1, hs, NULL);
  g_assert_true (g_file_set_contents (known_hosts, text, -1, NULL));

  /* The jump host answers here; the server does not. */
  g_assert_cmpint (try_connect (NS_JUMP_ADDRESS, 22), ==, 0);
  direct = try_connect (NS_SERVER_ADDRESS, 22);
  g_assert_cmpint (direct, !=, 0);

  hop = hop_spec (jump, NS_JUMP_ADDRESS, 22);
  profile = key_profile_new (NS_SERVER_ADDRESS, 22, server->user, server->client_key_path,
                             known_hosts);
  culvert_profile_set_jump_hosts (profile, (const char *[]) { hop, NULL });
  port = add_local (profile, echo->port);

  tunnel = tunnel_start (profile);
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (!tunnel_settled (tunnel) && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  if (culvert_tunnel_get_state (tunnel) != CULVERT_TUNNEL_CONNECTED)
    g_error ("through the jump host: %s", culvert_tunnel_get_state_reason (tunnel));

  /* 4 MiB reach the echo on the server's own loopback and come back. */
  assert_round_trip (port, 4 * MiB);
  g_assert_cmpint (g_atomic_int_get (&echo->served), ==, 1);
  g_assert_cmpuint (log_count (jump, "Accepted publickey"), ==, 1);
  g_assert_cmpuint (log_count (server, "Accepted publickey"), ==, 1);

  disconnect_and_wait (tunnel, 0);
  g_assert_finalize_object (g_steal_pointer (&tunnel));

  enter_netns (NULL, home);
  close (home);
  echo_free (echo);
  culvert_test_sshd_stop (jump);
  culvert_test_sshd_stop (server);
  run_ip ("netns", "delete", ns_test, NULL);
  run_ip ("netns", "delete", ns_jump, NULL);
  run_ip ("netns", "delete", ns_server, NULL);
}

/* ---------------------------------------------------------------------- */
/* The headless runner                                                     */

/* Reads the runner's JSON lines until it says "connected" (TRUE) or ends. */
static gboolean
headless_wait_connected (GSubprocess *proc)
{
  g_autoptr(GDataInputStream) out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));

  /* The runner goes on writing there. */
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (out), FALSE);
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, NULL);

      if (line == NULL)
        return FALSE;
      if (strstr (line, "\"state\"") != NULL && strstr (line, "\"connected\"") != NULL)
        return TRUE;
    }
}

static GSubprocess *
headless_spawn (const char * const *argv)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GError) error = NULL;
  GSubprocess *proc;

  g_subprocess_launcher_set_child_setup (launcher, die_with_test, GINT_TO_POINTER (getpid ()),
                                         NULL);
  proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  return proc;
}

static char *
headless_stderr (GSubprocess *proc)
{
  g_autoptr(GOutputStream) sink = g_memory_output_stream_new_resizable ();

  g_output_stream_splice (sink, g_subprocess_get_stderr_pipe (proc),
                          G_OUTPUT_STREAM_SPLICE_NONE, NULL, NULL);
  g_output_stream_write (sink, "", 1, NULL, NULL);
  return g_strdup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (sink)));
}

/* `culvert --headless -J hop1,hop2 -L …` carries a forward whole, and a
 * hop that refuses is named on stderr. */
static void
test_headless_jump (Fixture       *f,
                    gconstpointer  data)
{
  Echo *echo = echo_new ();
  guint16 port = free_port ();
  g_autofree char *spec = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", port, echo->port);
  g_autofree char *jumps = g_strjoinv (",", (char **) culvert_profile_get_jump_hosts (f->profile));
  g_autofree char *server_port = g_strdup_printf ("%u", f->server->port);
  g_autofree char *known = g_strdup_printf ("UserKnownHostsFile=%s", f->known_hosts);
  g_autofree char *proxy_jump = g_strdup_printf ("ProxyJump=%s", jumps);
  g_autofree char *authorized = g_build_filename (f->jump1->dir, "authorized_keys", NULL);
  g_autofree char *err = NULL;
  g_autofree char *name = g_strdup_printf ("jump host 127.0.0.1:%u: ", f->jump1->port);
  const char *argv_j[] = { culvert_binary (), "--headless", "--json", "-J", jumps,
                           "-L", spec, "-p", server_port, "-l", f->server->user,
                           "-i", f->server->client_key_path, "-o", known,
                           "-o", "StrictHostKeyChecking=yes", "127.0.0.1", NULL };
  const char *argv_o[] = { culvert_binary (), "--headless", "--json", "-o", proxy_jump,
                           "-L", spec, "-p", server_port, "-l", f->server->user,
                           "-i", f->server->client_key_path, "-o", known,
                           "-o", "StrictHostKeyChecking=yes", "127.0.0.1", NULL };
  GSubprocess *proc;

  proc = headless_spawn (argv_j);
  g_assert_true (headless_wait_connected (proc));
  assert_round_trip (port, 4 * MiB);
  g_subprocess_send_signal (proc, SIGINT);
  g_assert_true (g_subprocess_wait (proc, NULL, NULL));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  g_object_unref (proc);
  g_assert_cmpuint (log_count (f->jump1, "Accepted publickey"), ==, 1);

  /* The same with -o ProxyJump=, through a hop that refuses the key. */
  g_assert_true (g_file_set_contents (authorized, "", -1, NULL));
  proc = headless_spawn (argv_o);
  g_assert_false (headless_wait_connected (proc));
  err = headless_stderr (proc);
  g_assert_true (g_subprocess_wait (proc, NULL, NULL));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), !=, 0);
  assert_contains (err, name);
  assert_contains (err, "Permission denied");
  g_object_unref (proc);

  /* A hop that cannot be read is a command-line error (exit 2), before
   * anything is reached. */
  {
    const char *argv_bad[] = { culvert_binary (), "--headless", "-J", "gw,,gw2", "-L", spec,
                               "127.0.0.1", NULL };

    proc = headless_spawn (argv_bad);
    g_clear_pointer (&err, g_free);
    err = headless_stderr (proc);
    g_assert_true (g_subprocess_wait (proc, NULL, NULL));
    g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 2);
    assert_contains (err, "-J");
    g_object_unref (proc);
  }

  echo_free (echo);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  if (skip_all_without_sshd ("/jump/two-hops"))
    return g_test_run ();

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/jump/two-hops", test_jump_two_hops);
  ADD ("/jump/reconnect", test_jump_reconnect);
  ADD ("/jump/host-key-per-hop", test_jump_host_key_per_hop);
  ADD ("/jump/ask-host-key", test_jump_ask_host_key);
  ADD ("/jump/ask-server-host-key", test_jump_ask_server_host_key);
  ADD ("/jump/changed-host-key", test_jump_changed_host_key);
  ADD ("/jump/stop-while-asking", test_jump_stop_while_asking);
  ADD ("/jump/hop-denies", test_jump_hop_denies);
  ADD ("/jump/no-server-password", test_jump_no_server_password);
  ADD ("/jump/hop-cannot-reach", test_jump_hop_cannot_reach);
  ADD ("/jump/through-proxy", test_jump_through_proxy);
  ADD ("/jump/headless", test_headless_jump);
#undef ADD
  g_test_add_func ("/jump/netns-path", test_jump_netns_path);

  return g_test_run ();
}

/* engine-test-util.c — what the engine tests share: waiting, loopback
 * ports, an echo server, sshd logs and keys, tunnels, namespaces and the
 * children a test starts
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define _GNU_SOURCE 1

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "culvert-worker-private.h"
#include "engine-test-util.h"

/* ---------------------------------------------------------------------- */
/* Skipping                                                                */

/* For main(), after g_test_init(): when no sshd can run here, adds @path
 * as a test that is skipped with the reason, and returns TRUE (main()
 * then only runs g_test_run()). */
gboolean
skip_all_without_sshd (const char *path)
{
  char *reason = NULL;

  if (culvert_test_sshd_available (&reason))
    return FALSE;

  g_test_message ("SKIP: %s", reason);
  g_test_add_data_func_full (path, reason, (GTestDataFunc) g_test_skip, g_free);
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Text, sshd's log and its keys                                           */

/* How often @needle stands in @haystack. */
guint
count_substrings (const char *haystack,
                  const char *needle)
{
  guint n = 0;

  for (const char *p = haystack; (p = strstr (p, needle)) != NULL; p += strlen (needle))
    n++;

  return n;
}

/* Fails the test, showing @haystack, when @needle is not in it. */
void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (haystack == NULL || strstr (haystack, needle) == NULL)
    g_error ("expected “%s” in: %s", needle, haystack);
}

/* How often @sshd logged @needle so far (the fixture's own check that
 * sshd answers is one "Connection from"). */
guint
log_count (CulvertTestSshd *sshd,
           const char      *needle)
{
  g_autofree char *log = culvert_test_sshd_read_log (sshd);

  return count_substrings (log, needle);
}

/* @sshd's host key, as a known_hosts line under @host:@port. */
char *
known_hosts_line (CulvertTestSshd *sshd,
                  const char      *host,
                  guint16          port)
{
  g_autofree char *pub_path = g_strconcat (sshd->host_key_path, ".pub", NULL);
  g_autofree char *pub = NULL;

  g_assert_true (g_file_get_contents (pub_path, &pub, NULL, NULL));
  if (port == 22)
    return g_strdup_printf ("%s %s", host, pub);
  return g_strdup_printf ("[%s]:%u %s", host, port, pub);
}

/* Lets @client's client key log in to @sshd too. */
void
authorize_key_of (CulvertTestSshd *sshd,
                  CulvertTestSshd *client)
{
  g_autofree char *pub_path = g_strconcat (client->client_key_path, ".pub", NULL);
  g_autofree char *authorized = g_build_filename (sshd->dir, "authorized_keys", NULL);
  g_autofree char *pub = NULL;
  g_autofree char *old = NULL;
  g_autofree char *joined = NULL;

  g_assert_true (g_file_get_contents (pub_path, &pub, NULL, NULL));
  if (!g_file_get_contents (authorized, &old, NULL, NULL))
    old = g_strdup ("");
  joined = g_strconcat (old, pub, NULL);
  g_assert_true (g_file_set_contents (authorized, joined, -1, NULL));
}

/* ---------------------------------------------------------------------- */
/* Tunnels                                                                 */

/* A profile for @user at @host:@port that logs in with the key at
 * @key_path and checks host keys in @known_hosts; it neither reconnects
 * nor sends keepalives. */
CulvertProfile *
key_profile_new (const char *host,
                 guint16     port,
                 const char *user,
                 const char *key_path,
                 const char *known_hosts)
{
  CulvertProfile *profile = culvert_profile_new ();

  culvert_profile_set_host (profile, host);
  culvert_profile_set_port (profile, port);
  culvert_profile_set_user (profile, user);
  culvert_profile_set_identity_file (profile, key_path);
  culvert_profile_set_auth_method (profile, CULVERT_AUTH_KEY);
  culvert_profile_set_known_hosts_file (profile, known_hosts);
  culvert_profile_set_reconnect (profile, FALSE);
  culvert_profile_set_keepalive_interval (profile, 0);

  return profile;
}

/* A new tunnel for @profile, strict about host keys, already connecting. */
CulvertTunnel *
tunnel_start (CulvertProfile *profile)
{
  g_autoptr(GError) error = NULL;
  CulvertTunnel *tunnel = culvert_tunnel_new (profile);

  culvert_tunnel_set_host_key_policy (tunnel, CULVERT_HOST_KEY_STRICT);
  g_assert_true (culvert_tunnel_connect (tunnel, &error));
  g_assert_no_error (error);

  return tunnel;
}

/* The status of @tunnel's forward at @index (the tunnel keeps it). */
CulvertForwardStatus *
status_at (CulvertTunnel *tunnel,
           guint          index)
{
  CulvertForwardStatus *status = g_list_model_get_item (culvert_tunnel_get_forwards (tunnel),
                                                        index);

  g_object_unref (status);  /* the tunnel keeps it */
  return status;
}

/* wait_until() check: @data, a CulvertTunnel, is connected; fails the test
 * when it failed instead. */
gboolean
tunnel_connected (gpointer data)
{
  CulvertTunnel *tunnel = data;

  g_assert_cmpint (culvert_tunnel_get_state (tunnel), !=, CULVERT_TUNNEL_FAILED);
  return culvert_tunnel_get_state (tunnel) == CULVERT_TUNNEL_CONNECTED;
}

/* wait_until() check: @data, a CulvertTunnel, failed. */
gboolean
tunnel_failed (gpointer data)
{
  return culvert_tunnel_get_state (data) == CULVERT_TUNNEL_FAILED;
}

/* wait_until() check: no worker thread of any tunnel is left. */
gboolean
no_worker_alive (gpointer data)
{
  return culvert_worker_get_n_alive () == 0;
}

/* Whether a line of @tunnel's log holds @text. */
gboolean
log_contains (CulvertTunnel *tunnel,
              const char    *text)
{
  GListModel *log = culvert_tunnel_get_log (tunnel);

  for (guint i = 0; i < g_list_model_get_n_items (log); i++)
    {
      g_autoptr(CulvertLogEntry) entry = g_list_model_get_item (log, i);

      if (strstr (culvert_log_entry_get_message (entry), text) != NULL)
        return TRUE;
    }

  return FALSE;
}

static void
on_exited_flag (CulvertTunnel *tunnel,
                gboolean      *exited)
{
  *exited = TRUE;
}

static gboolean
flag_is_set (gpointer data)
{
  return *(gboolean *) data;
}

/* Disconnects @tunnel and runs the main context until it has exited:
 * for as long as it takes when @seconds is 0, else FALSE after @seconds. */
gboolean
disconnect_and_wait (CulvertTunnel *tunnel,
                     guint          seconds)
{
  gboolean exited = FALSE;
  gboolean in_time = TRUE;
  gulong handler = g_signal_connect (tunnel, "exited", G_CALLBACK (on_exited_flag), &exited);

  culvert_tunnel_disconnect (tunnel);
  if (seconds == 0)
    {
      while (!exited)
        g_main_context_iteration (NULL, TRUE);
    }
  else
    in_time = wait_until (flag_is_set, &exited, seconds);
  g_signal_handler_disconnect (tunnel, handler);

  return in_time;
}

/* ---------------------------------------------------------------------- */
/* Network namespaces                                                      */

/* Runs `ip ARGS… NULL`, failing the test if it fails. */
void
run_ip (const char *first,
        ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  const char *arg;
  int status;
  va_list args;

  g_ptr_array_add (argv, "ip");
  va_start (args, first);
  for (arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                     &out, &err, &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    {
      g_autofree char *line = g_strjoinv (" ", (char **) argv->pdata);

      g_error ("%s failed (%s): %s", line, error->message, err != NULL ? err : "");
    }
}

/* Deletes the network namespaces "@prefix-PID-X" that an earlier run left
 * behind when it died (PID names a process that is gone). */
void
netns_remove_stale (const char *prefix)
{
  g_autoptr(GDir) dir = g_dir_open ("/run/netns", 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      int pid;
      char side;

      if (g_str_has_prefix (name, prefix) &&
          sscanf (name + strlen (prefix), "-%d-%c", &pid, &side) == 2 && pid > 0 &&
          kill (pid, 0) != 0 && errno == ESRCH)
        run_ip ("netns", "delete", name, NULL);
    }
}

/* ---------------------------------------------------------------------- */
/* Children                                                                */

/* The culvert binary of this build. */
const char *
culvert_binary (void)
{
  static char *path;

  if (path == NULL)
    path = g_build_filename (g_getenv ("CULVERT_BUILD_DIR"), "src", "culvert", NULL);

  return path;
}

/* Runs in a child between fork and exec (@data: the test's pid). The child
 * gets SIGTERM when the test dies, however it dies: a failed assertion
 * aborts the test without any teardown. The kernel sends it when the
 * *thread* that forked exits, so children are started from the main thread
 * only. A test that died before this ran is seen as a new parent. */
void
die_with_test (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
  if (getppid () != (pid_t) GPOINTER_TO_INT (data))
    _exit (127);
}

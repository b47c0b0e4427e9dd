/* engine-test-util.c — what the engine tests share: clients that check what
 * comes back, sshd logs and keys, tunnels, network namespaces and the
 * children a test starts (waiting, free ports and the echo server come
 * from culvert-test-net)
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
/* Clients that check what comes back                                     */

/* Reads until EOF; returns the SHA-256 of what came, and its length. */
char *
read_to_eof_checksum (int     fd,
                      gsize  *total)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buf = g_malloc (256 * 1024);

  *total = 0;
  for (;;)
    {
      ssize_t n = recv (fd, buf, 256 * 1024, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      g_checksum_update (sum, buf, n);
      *total += n;
    }

  return g_strdup (g_checksum_get_string (sum));
}

/* @size random bytes. */
guint8 *
random_payload (gsize size)
{
  guint8 *data = g_malloc (size);
  guint32 *words = (guint32 *) data;

  for (gsize i = 0; i < size / 4; i++)
    words[i] = g_random_int ();
  for (gsize i = size / 4 * 4; i < size; i++)
    data[i] = g_random_int ();

  return data;
}

/* The SHA-256 of @data, in hex. */
char *
checksum_of (const guint8 *data,
             gsize         len)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);
}

/* A thread (@data: a SendJob) that sends job->data, then half-closes. */
gpointer
send_job_thread (gpointer data)
{
  SendJob *job = data;

  job->ok = culvert_test_write_all (job->fd, job->data, job->len);
  shutdown (job->fd, SHUT_WR);
  return NULL;
}

/* Connects, sends the payload while it reads what comes back to the end,
 * and says how that went in c->ok or c->problem. */
static gpointer
client_thread (gpointer data)
{
  Client *c = data;
  g_autofree char *sum = NULL;
  SendJob job;
  GThread *sender;
  gsize total;
  int fd = culvert_test_connect_loopback (c->port);

  if (fd < 0)
    {
      c->problem = g_strdup_printf ("connect: %s", g_strerror (errno));
      return NULL;
    }

  job = (SendJob) { fd, c->payload, c->size, FALSE };
  sender = g_thread_new ("client-send", send_job_thread, &job);
  sum = read_to_eof_checksum (fd, &total);
  g_thread_join (sender);
  close (fd);

  if (!job.ok)
    c->problem = g_strdup ("sending failed");
  else if (total != c->expected_len)
    c->problem = g_strdup_printf ("received %" G_GSIZE_FORMAT " bytes, expected %" G_GSIZE_FORMAT,
                                  total, c->expected_len);
  else if (g_strcmp0 (sum, c->expected_back) != 0)
    c->problem = g_strdup ("the data that came back is different");
  else
    c->ok = TRUE;

  return NULL;
}

/* wait_until() check: every client in @data (a GPtrArray) has finished. */
gboolean
clients_done (gpointer data)
{
  GPtrArray *clients = data;

  for (guint i = 0; i < clients->len; i++)
    {
      Client *c = g_ptr_array_index (clients, i);

      if (c->ok || c->problem)
        continue;
      return FALSE;
    }

  return TRUE;
}

/* Waits for the client's thread and frees it. */
void
client_free (Client *c)
{
  if (c->thread)
    g_thread_join (c->thread);
  g_free (c->payload);
  g_free (c->expected_back);
  g_free (c->problem);
  g_free (c);
}

/* Starts a client of 127.0.0.1:@port that sends @size random bytes and
 * then half-closes; what must come back is the same bytes (@echo), or else
 * @expected_len bytes with the SHA-256 @expected_back. Added to @clients. */
Client *
start_client (GPtrArray   *clients,
              guint16      port,
              gsize        size,
              gboolean     echo,
              const char  *expected_back,
              gsize        expected_len)
{
  Client *c = g_new0 (Client, 1);

  c->port = port;
  c->size = size;
  c->payload = random_payload (size);
  if (echo)
    {
      c->expected_back = checksum_of (c->payload, size);
      c->expected_len = size;
    }
  else
    {
      c->expected_back = g_strdup (expected_back);
      c->expected_len = expected_len;
    }
  g_ptr_array_add (clients, c);
  c->thread = g_thread_new ("client", client_thread, c);

  return c;
}

/* Waits (up to 2 minutes) for every client in @clients; fails the test
 * with the first one whose bytes did not come back right. */
void
assert_clients_ok (GPtrArray *clients)
{
  g_assert_true (wait_until (clients_done, clients, 120));
  for (guint i = 0; i < clients->len; i++)
    {
      Client *c = g_ptr_array_index (clients, i);

      if (!c->ok)
        g_error ("client %u: %s", i, c->problem);
    }
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

/* ---------------------------------------------------------------------- */
/* A relay between the tunnel and sshd, which the test can cut.            */



typedef struct
{
  Relay *relay;
  int    from;
  int    to;
} Pipe;

static gpointer
relay_pipe_thread (gpointer data)
{
  Pipe *p = data;
  g_autofree guint8 *buf = g_malloc (64 * 1024);
  ssize_t n;

  while ((n = recv (p->from, buf, 64 * 1024, 0)) > 0)
    {
      while (g_atomic_int_get (&p->relay->frozen))
        g_usleep (10 * 1000);
      if (!culvert_test_write_all (p->to, buf, n))
        break;
    }
  shutdown (p->to, SHUT_WR);
  /* The last use of the relay: relay_free() waits for this. */
  g_atomic_int_dec_and_test (&p->relay->pipes);
  g_free (p);
  return NULL;
}

static gpointer
relay_accept_thread (gpointer data)
{
  Relay *relay = data;

  for (;;)
    {
      int in = accept4 (relay->listen_fd, NULL, NULL, SOCK_CLOEXEC);
      int out;
      Pipe *a, *b;

      if (in < 0)
        break;
      if (g_atomic_int_get (&relay->refusing))
        {
          struct linger hard = { 1, 0 };

          /* A server that is down: reset at once. */
          setsockopt (in, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
          close (in);
          continue;
        }
      out = culvert_test_connect_loopback (relay->target);
      g_mutex_lock (&relay->lock);
      g_ptr_array_add (relay->fds, GINT_TO_POINTER (in));
      g_ptr_array_add (relay->fds, GINT_TO_POINTER (out));
      g_mutex_unlock (&relay->lock);
      a = g_new0 (Pipe, 1);
      *a = (Pipe) { relay, in, out };
      b = g_new0 (Pipe, 1);
      *b = (Pipe) { relay, out, in };
      g_atomic_int_add (&relay->pipes, 2);
      g_thread_unref (g_thread_new ("relay-up", relay_pipe_thread, a));
      g_thread_unref (g_thread_new ("relay-down", relay_pipe_thread, b));
    }

  return NULL;
}

Relay *
relay_new (guint16 target)
{
  Relay *relay = g_new0 (Relay, 1);

  g_mutex_init (&relay->lock);
  relay->fds = g_ptr_array_new ();
  relay->target = target;
  relay->listen_fd = culvert_test_listen_loopback (&relay->port);
  relay->thread = g_thread_new ("relay", relay_accept_thread, relay);

  return relay;
}

/* The server "goes away": every connection through the relay is reset. */
void
relay_cut (Relay *relay)
{
  g_mutex_lock (&relay->lock);
  for (guint i = 0; i < relay->fds->len; i++)
    {
      struct linger hard = { 1, 0 };
      int fd = GPOINTER_TO_INT (g_ptr_array_index (relay->fds, i));

      setsockopt (fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
      shutdown (fd, SHUT_RDWR);
    }
  relay->cut = TRUE;
  g_mutex_unlock (&relay->lock);
}

void
relay_free (Relay *relay)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  shutdown (relay->listen_fd, SHUT_RDWR);
  g_thread_join (relay->thread);
  close (relay->listen_fd);

  /* Cut every connection and wait for the pipe threads to let go. */
  g_atomic_int_set (&relay->frozen, 0);
  relay_cut (relay);
  while (g_atomic_int_get (&relay->pipes) > 0)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("the relay's pipes did not stop");
      g_usleep (1000);
    }
  for (guint i = 0; i < relay->fds->len; i++)
    close (GPOINTER_TO_INT (g_ptr_array_index (relay->fds, i)));
  g_ptr_array_unref (relay->fds);
  g_free (relay);
}

/* test-ssh-argv.c — culvert --headless takes ssh's command lines as ssh does
 *
 * Each case runs the same words once after `ssh` and once after
 * `culvert --headless`, against the test sshd, and checks the same effect
 * for both: the forward carries bytes, and listens where ssh's listens
 * (127.0.0.2 reaches a socket bound to every interface, not one bound to
 * 127.0.0.1).
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "culvert-test-dropbear.h"
#include "engine-test-util.h"

typedef struct
{
  CulvertTestSshd *sshd;
  CulvertTestEcho *echo;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->sshd = culvert_test_sshd_start (NULL, &error);
  g_assert_no_error (error);
  f->echo = echo_new ();
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  echo_free (f->echo);
  culvert_test_sshd_stop (f->sshd);
}

static int
connect_to (const char *address,
            guint16     port)
{
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons (port) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (inet_pton (AF_INET, address, &sa.sin_addr), ==, 1);
  if (connect (fd, (struct sockaddr *) &sa, sizeof sa) != 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

static gboolean
reachable (const char *address,
           guint16     port)
{
  int fd = connect_to (address, port);

  if (fd < 0)
    return FALSE;
  close (fd);
  return TRUE;
}

static gboolean
wait_listening (guint16 port,
                guint   seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      if (reachable ("127.0.0.1", port))
        return TRUE;
      g_usleep (20000);
    }
  return FALSE;
}

/* Bytes there and back through the forward at @address:@port. */
static void
assert_round_trip (const char *address,
                   guint16     port)
{
  g_autofree guint8 *payload = random_payload (64 * 1024);
  g_autofree char *sent = checksum_of (payload, 64 * 1024);
  g_autofree char *back = NULL;
  SendJob job;
  GThread *sender;
  gsize total = 0;
  int fd = connect_to (address, port);

  g_assert_cmpint (fd, >=, 0);
  job = (SendJob) { fd, payload, 64 * 1024, FALSE };
  sender = g_thread_new ("send", send_job_thread, &job);
  back = read_to_eof_checksum (fd, &total);
  g_thread_join (sender);
  close (fd);
  g_assert_true (job.ok);
  g_assert_cmpuint (total, ==, 64 * 1024);
  g_assert_cmpstr (back, ==, sent);
}

/* The words every case shares, as ssh takes them, values attached. */
static GPtrArray *
common_words (Fixture *f)
{
  GPtrArray *words = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (words, g_strdup_printf ("-p%u", f->sshd->port));
  g_ptr_array_add (words, g_strdup_printf ("-l%s", f->sshd->user));
  g_ptr_array_add (words, g_strdup_printf ("-i%s", f->sshd->client_key_path));
  g_ptr_array_add (words, g_strdup ("-F/dev/null"));
  g_ptr_array_add (words, g_strdup_printf ("-oUserKnownHostsFile=%s",
                                           f->sshd->known_hosts_path));
  g_ptr_array_add (words, g_strdup ("-oBatchMode=yes"));
  return words;
}

/* The program: "ssh" or this build's culvert --headless, then @words. */
static GSubprocess *
spawn_tool (gboolean            culvert,
            GPtrArray          *words,
            GSubprocessFlags    flags)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (flags);
  g_autoptr(GError) error = NULL;
  GSubprocess *proc;

  if (culvert)
    {
      g_ptr_array_add (argv, (gpointer) culvert_binary ());
      g_ptr_array_add (argv, "--headless");
    }
  else
    {
      g_ptr_array_add (argv, "ssh");
    }
  for (guint i = 0; i < words->len; i++)
    g_ptr_array_add (argv, g_ptr_array_index (words, i));
  g_ptr_array_add (argv, NULL);

  g_subprocess_launcher_set_child_setup (launcher, die_with_test,
                                         GINT_TO_POINTER (getpid ()), NULL);
  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  return proc;
}

static void
stop_tool (GSubprocess *proc)
{
  g_subprocess_send_signal (proc, SIGTERM);
  g_subprocess_wait (proc, NULL, NULL);
  g_object_unref (proc);
}

static const char *
tool_name (gboolean culvert)
{
  return culvert ? "culvert --headless" : "ssh";
}

/* -gNT in one word, every value attached to its flag: the forward works,
 * and -g opened it to every interface. */
static void
test_attached_and_combined (Fixture       *f,
                            gconstpointer  data)
{
  for (guint tool = 0; tool < 2; tool++)
    {
      g_autoptr(GPtrArray) words = common_words (f);
      guint16 port = free_port ();
      GSubprocess *proc;

      g_ptr_array_add (words, g_strdup ("-gNT"));
      g_ptr_array_add (words, g_strdup_printf ("-L%u:127.0.0.1:%u", port, f->echo->port));
      g_ptr_array_add (words, g_strdup ("127.0.0.1"));
      proc = spawn_tool (tool == 1, words, G_SUBPROCESS_FLAGS_NONE);

      g_test_message ("%s", tool_name (tool == 1));
      g_assert_true (wait_listening (port, 20));
      assert_round_trip ("127.0.0.1", port);
      /* -g: 127.0.0.2 reaches it, so it is bound to every interface. */
      assert_round_trip ("127.0.0.2", port);
      stop_tool (proc);
    }
}

/* Options after the host, values in the next word, "-o Key value": the
 * forward works and stays on loopback (no -g). */
static void
test_separate_and_after_host (Fixture       *f,
                              gconstpointer  data)
{
  for (guint tool = 0; tool < 2; tool++)
    {
      g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func (g_free);
      guint16 port = free_port ();
      GSubprocess *proc;

      g_ptr_array_add (words, g_strdup ("-N"));
      g_ptr_array_add (words, g_strdup ("127.0.0.1"));
      g_ptr_array_add (words, g_strdup ("-p"));
      g_ptr_array_add (words, g_strdup_printf ("%u", f->sshd->port));
      g_ptr_array_add (words, g_strdup ("-l"));
      g_ptr_array_add (words, g_strdup (f->sshd->user));
      g_ptr_array_add (words, g_strdup ("-i"));
      g_ptr_array_add (words, g_strdup (f->sshd->client_key_path));
      g_ptr_array_add (words, g_strdup ("-F"));
      g_ptr_array_add (words, g_strdup ("/dev/null"));
      g_ptr_array_add (words, g_strdup ("-o"));
      g_ptr_array_add (words, g_strdup_printf ("UserKnownHostsFile %s",
                                               f->sshd->known_hosts_path));
      g_ptr_array_add (words, g_strdup ("-oBatchMode yes"));
      g_ptr_array_add (words, g_strdup ("-L"));
      g_ptr_array_add (words, g_strdup_printf ("%u:127.0.0.1:%u", port, f->echo->port));
      proc = spawn_tool (tool == 1, words, G_SUBPROCESS_FLAGS_NONE);

      g_test_message ("%s", tool_name (tool == 1));
      g_assert_true (wait_listening (port, 20));
      assert_round_trip ("127.0.0.1", port);
      g_assert_false (reachable ("127.0.0.2", port));
      stop_tool (proc);
    }
}

/* The pid that listens on 127.0.0.1:@port, from ss. */
static GPid
listener_pid (guint16 port)
{
  g_autofree char *filter = g_strdup_printf ("sport = :%u", port);
  const char *argv[] = { "ss", "-Hltnp", filter, NULL };
  g_autofree char *out = NULL;
  const char *pid;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &out, NULL, NULL, NULL));
  pid = strstr (out, "pid=");
  g_assert_nonnull (pid);
  return (GPid) g_ascii_strtoll (pid + 4, NULL, 10);
}

/* -f: the command returns 0 once connected, and the forward goes on
 * serving in the background; with ExitOnForwardFailure and a port in
 * use, it returns 255 and leaves nothing behind. */
static void
test_background (Fixture       *f,
                 gconstpointer  data)
{
  for (guint tool = 0; tool < 2; tool++)
    {
      g_autoptr(GPtrArray) words = common_words (f);
      g_autoptr(GPtrArray) failing = common_words (f);
      g_autoptr(GSubprocess) proc = NULL;
      g_autoptr(GSubprocess) refused = NULL;
      g_autoptr(GError) error = NULL;
      guint16 port = free_port ();
      guint16 taken = 0;
      int taken_fd = culvert_test_listen_loopback (&taken);
      GPid pid;

      g_test_message ("%s", tool_name (tool == 1));
      g_ptr_array_add (words, g_strdup ("-fN"));
      g_ptr_array_add (words, g_strdup ("-oExitOnForwardFailure=yes"));
      g_ptr_array_add (words, g_strdup_printf ("-L%u:127.0.0.1:%u", port, f->echo->port));
      g_ptr_array_add (words, g_strdup ("127.0.0.1"));
      proc = spawn_tool (tool == 1, words, G_SUBPROCESS_FLAGS_NONE);
      g_assert_true (g_subprocess_wait_check (proc, NULL, &error));
      g_assert_no_error (error);

      /* Returned, and still serving. */
      g_assert_true (wait_listening (port, 10));
      assert_round_trip ("127.0.0.1", port);
      pid = listener_pid (port);
      g_assert_cmpint (pid, !=, g_subprocess_get_identifier (proc) != NULL
                       ? (GPid) g_ascii_strtoll (g_subprocess_get_identifier (proc), NULL, 10)
                       : 0);
      g_assert_cmpint (kill (pid, SIGTERM), ==, 0);

      /* A forward that cannot listen, with ExitOnForwardFailure: 255. */
      g_ptr_array_add (failing, g_strdup ("-f"));
      g_ptr_array_add (failing, g_strdup ("-N"));
      g_ptr_array_add (failing, g_strdup ("-o"));
      g_ptr_array_add (failing, g_strdup ("ExitOnForwardFailure=yes"));
      g_ptr_array_add (failing, g_strdup_printf ("-L127.0.0.1:%u:127.0.0.1:%u", taken,
                                                 f->echo->port));
      g_ptr_array_add (failing, g_strdup ("127.0.0.1"));
      refused = spawn_tool (tool == 1, failing, G_SUBPROCESS_FLAGS_STDERR_SILENCE);
      g_subprocess_wait (refused, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (g_subprocess_get_if_exited (refused));
      g_assert_cmpint (g_subprocess_get_exit_status (refused), ==, 255);
      close (taken_fd);
    }
}

/* Flags of ssh for things Culvert does not do are refused by name, with
 * the reason, not as unknown options; flags that mean nothing for a tunnel
 * without a command are taken. */
static void
test_refused_flags (Fixture       *f,
                    gconstpointer  data)
{
  static const struct
  {
    const char *word;
    const char *said;
  } cases[] = {
    { "-4", "-4: choosing IPv4 alone is not supported" },
    { "-caes128-ctr", "-c: choosing ciphers is not supported" },
    { "-NM", "-M: connection sharing" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) words = common_words (f);
      g_autoptr(GSubprocess) proc = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *err = NULL;

      g_ptr_array_add (words, g_strdup (cases[i].word));
      g_ptr_array_add (words, g_strdup ("127.0.0.1"));
      proc = spawn_tool (TRUE, words, G_SUBPROCESS_FLAGS_STDERR_PIPE);
      g_assert_true (g_subprocess_communicate_utf8 (proc, NULL, NULL, NULL, &err, &error));
      g_assert_no_error (error);
      g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 2);
      assert_contains (err, cases[i].said);
    }

  /* Taken and dropped: the forward works as without them. */
  {
    g_autoptr(GPtrArray) words = common_words (f);
    guint16 port = free_port ();
    GSubprocess *proc;

    g_ptr_array_add (words, g_strdup ("-NTnqxak"));
    g_ptr_array_add (words, g_strdup ("-e~"));
    g_ptr_array_add (words, g_strdup ("-C"));
    g_ptr_array_add (words, g_strdup_printf ("-L%u:127.0.0.1:%u", port, f->echo->port));
    g_ptr_array_add (words, g_strdup ("127.0.0.1"));
    proc = spawn_tool (TRUE, words, G_SUBPROCESS_FLAGS_NONE);
    g_assert_true (wait_listening (port, 20));
    assert_round_trip ("127.0.0.1", port);
    stop_tool (proc);
  }
}

static gboolean
logged_in (gpointer data)
{
  gpointer *pair = data;

  return log_count (pair[0], "Accepted publickey") > GPOINTER_TO_UINT (pair[1]);
}

/* -o ClearAllForwardings=yes: no forward of the command line listens,
 * once the tool has logged in. */
static void
test_clear_all_forwardings (Fixture       *f,
                            gconstpointer  data)
{
  for (guint tool = 0; tool < 2; tool++)
    {
      g_autoptr(GPtrArray) words = common_words (f);
      guint16 port = free_port ();
      guint16 dynamic = free_port ();
      gpointer pair[2] = { f->sshd, GUINT_TO_POINTER (log_count (f->sshd, "Accepted publickey")) };
      GSubprocess *proc;

      g_test_message ("%s", tool_name (tool == 1));
      g_ptr_array_add (words, g_strdup ("-N"));
      g_ptr_array_add (words, g_strdup_printf ("-L%u:127.0.0.1:%u", port, f->echo->port));
      g_ptr_array_add (words, g_strdup_printf ("-D%u", dynamic));
      g_ptr_array_add (words, g_strdup ("-oClearAllForwardings=yes"));
      g_ptr_array_add (words, g_strdup ("127.0.0.1"));
      proc = spawn_tool (tool == 1, words, G_SUBPROCESS_FLAGS_NONE);
      g_assert_true (wait_until (logged_in, pair, 20));
      g_usleep (300000);
      g_assert_false (reachable ("127.0.0.1", port));
      g_assert_false (reachable ("127.0.0.1", dynamic));
      stop_tool (proc);
    }
}

static void
on_exit_seen (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) data = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

/* Whether @proc exits within @seconds (it is not killed). */
static gboolean
wait_exit (GSubprocess *proc,
           guint        seconds)
{
  gboolean *exited = g_new0 (gboolean, 1);
  gboolean result;

  g_subprocess_wait_async (proc, NULL, on_exit_seen, exited);
  result = wait_until (flag_set, exited, seconds);
  if (!result)
    {
      g_subprocess_force_exit (proc);
      while (!*exited)
        g_main_context_iteration (NULL, TRUE);
    }
  g_free (exited);
  return result;
}

/* -R on a port that is taken on the server's side, with
 * ExitOnForwardFailure: both exit 255, soon after the server said no. */
static void
test_exit_on_remote_failure (Fixture       *f,
                             gconstpointer  data)
{
  for (guint tool = 0; tool < 2; tool++)
    {
      g_autoptr(GPtrArray) words = common_words (f);
      g_autoptr(GSubprocess) proc = NULL;
      guint16 taken = 0;
      int taken_fd = culvert_test_listen_loopback (&taken);
      gint64 start = g_get_monotonic_time ();

      g_test_message ("%s", tool_name (tool == 1));
      g_ptr_array_add (words, g_strdup ("-N"));
      g_ptr_array_add (words, g_strdup ("-oExitOnForwardFailure=yes"));
      g_ptr_array_add (words, g_strdup_printf ("-R127.0.0.1:%u:127.0.0.1:%u", taken,
                                               f->echo->port));
      g_ptr_array_add (words, g_strdup ("127.0.0.1"));
      proc = spawn_tool (tool == 1, words, G_SUBPROCESS_FLAGS_NONE);
      /* Without the rule the tool would serve on. */
      g_assert_true (wait_exit (proc, 10));
      g_test_message ("exited %d after %.2f s", g_subprocess_get_exit_status (proc),
                      (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
      g_assert_true (g_subprocess_get_if_exited (proc));
      g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 255);
      g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
      close (taken_fd);
    }
}

/* Dropbear with -k (no incoming forwards): culvert --headless -R with
 * ExitOnForwardFailure exits 255, as ssh does against it. */
static void
test_exit_on_remote_failure_dropbear (void)
{
  const char *extra[] = { "-k", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(CulvertTestDropbear) dropbear = NULL;
  g_autofree char *reason = NULL;

  if (!culvert_test_dropbear_available (&reason))
    {
      g_test_skip (reason);
      return;
    }
  dropbear = culvert_test_dropbear_start (extra, &error);
  g_assert_no_error (error);

  for (guint tool = 0; tool < 2; tool++)
    {
      g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GSubprocess) proc = NULL;

      g_test_message ("%s", tool_name (tool == 1));
      g_ptr_array_add (words, g_strdup_printf ("-p%u", dropbear->port));
      g_ptr_array_add (words, g_strdup_printf ("-l%s", dropbear->user));
      g_ptr_array_add (words, g_strdup_printf ("-i%s", dropbear->client_key_path));
      g_ptr_array_add (words, g_strdup ("-F/dev/null"));
      g_ptr_array_add (words, g_strdup_printf ("-oUserKnownHostsFile=%s",
                                               dropbear->known_hosts_path));
      g_ptr_array_add (words, g_strdup ("-oBatchMode=yes"));
      g_ptr_array_add (words, g_strdup ("-NoExitOnForwardFailure=yes"));
      g_ptr_array_add (words, g_strdup_printf ("-R%u:127.0.0.1:%u", free_port (), free_port ()));
      g_ptr_array_add (words, g_strdup ("127.0.0.1"));
      proc = spawn_tool (tool == 1, words, G_SUBPROCESS_FLAGS_NONE);
      g_assert_true (wait_exit (proc, 10));
      g_assert_true (g_subprocess_get_if_exited (proc));
      g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 255);
    }
}

/* The words of the tool's own login to the test sshd, as one shell string
 * (for a ProxyCommand). */
static char *
tool_command (Fixture  *f,
              gboolean  culvert,
              const char *target)
{
  return g_strdup_printf ("%s%s -W %s -p%u -l%s -i%s -F/dev/null -oUserKnownHostsFile=%s "
                          "-oBatchMode=yes 127.0.0.1",
                          culvert ? culvert_binary () : "ssh", culvert ? " --headless" : "",
                          target, f->sshd->port, f->sshd->user, f->sshd->client_key_path,
                          f->sshd->known_hosts_path);
}

/* -W host:port: standard input to the echo server and back, whole; then,
 * as the ProxyCommand of an outer ssh, a login through it runs a command;
 * a destination that refuses: 255, as ssh's. */
static void
test_stdio_forward (Fixture       *f,
                    gconstpointer  data)
{
  for (guint tool = 0; tool < 2; tool++)
    {
      g_autofree guint8 *payload = random_payload (512 * 1024);
      g_autoptr(GBytes) input = g_bytes_new (payload, 512 * 1024);
      g_autoptr(GBytes) output = NULL;
      g_autoptr(GSubprocess) proc = NULL;
      g_autoptr(GSubprocess) outer = NULL;
      g_autoptr(GSubprocess) refused = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *target = g_strdup_printf ("127.0.0.1:%u", f->echo->port);
      g_autofree char *through = tool_command (f, tool == 1, "%h:%p");
      g_autofree char *proxy = g_strconcat ("ProxyCommand=", through, NULL);
      g_autofree char *port = g_strdup_printf ("%u", f->sshd->port);
      g_autofree char *known = g_strconcat ("UserKnownHostsFile=", f->sshd->known_hosts_path,
                                            NULL);
      g_autofree char *out = NULL;
      g_autoptr(GPtrArray) words = common_words (f);
      g_autoptr(GPtrArray) refused_words = common_words (f);

      g_test_message ("%s", tool_name (tool == 1));

      /* Bytes through standard input and output. */
      g_ptr_array_add (words, g_strdup_printf ("-W%s", target));
      g_ptr_array_add (words, g_strdup ("127.0.0.1"));
      proc = spawn_tool (tool == 1, words, G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                           G_SUBPROCESS_FLAGS_STDOUT_PIPE);
      g_assert_true (g_subprocess_communicate (proc, input, NULL, &output, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
      g_assert_cmpmem (g_bytes_get_data (output, NULL), g_bytes_get_size (output),
                       payload, 512 * 1024);

      /* As an outer ssh's ProxyCommand: the outer login runs a command. */
      {
        const char *argv[] = { "ssh", "-F", "/dev/null", "-o", "BatchMode=yes", "-o", proxy,
                               "-o", known, "-i", f->sshd->client_key_path, "-p", port,
                               "-l", f->sshd->user, "127.0.0.1", "echo", "through-W", NULL };
        g_autoptr(GSubprocessLauncher) launcher =
          g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                     G_SUBPROCESS_FLAGS_STDIN_INHERIT);

        outer = g_subprocess_launcher_spawnv (launcher, argv, &error);
        g_assert_no_error (error);
        g_assert_true (g_subprocess_communicate_utf8 (outer, NULL, NULL, &out, NULL, &error));
        g_assert_no_error (error);
        g_assert_cmpint (g_subprocess_get_exit_status (outer), ==, 0);
        g_assert_cmpstr (out, ==, "through-W\n");
      }

      /* Nothing listens there: 255. */
      g_ptr_array_add (refused_words, g_strdup_printf ("-W127.0.0.1:%u", free_port ()));
      g_ptr_array_add (refused_words, g_strdup ("127.0.0.1"));
      refused = spawn_tool (tool == 1, refused_words, G_SUBPROCESS_FLAGS_STDIN_PIPE);
      g_assert_true (wait_exit (refused, 10));
      g_assert_cmpint (g_subprocess_get_exit_status (refused), ==, 255);
    }
}

/* A SOCKS 5 CONNECT to 127.0.0.1:@port through the proxy at @proxy_port:
 * the reply's code (0 is success), with *@fd the connection (or -1). */
static int
socks5_to (guint16  proxy_port,
           guint16  port,
           int     *fd)
{
  const guint8 hello[] = { 5, 1, 0 };
  const guint8 request[] = { 5, 1, 0, 1, 127, 0, 0, 1, port >> 8, port & 0xff };
  guint8 reply[10];
  struct timeval tv = { 10, 0 };

  *fd = culvert_test_connect_loopback (proxy_port);
  g_assert_cmpint (*fd, >=, 0);
  setsockopt (*fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  g_assert_true (culvert_test_write_all (*fd, hello, sizeof hello));
  if (recv (*fd, reply, 2, MSG_WAITALL) != 2 || reply[1] != 0)
    return -1;
  g_assert_true (culvert_test_write_all (*fd, request, sizeof request));
  if (recv (*fd, reply, 10, MSG_WAITALL) != 10)
    return -1;
  return reply[1];
}

/* -R with a port alone and PermitRemoteOpen: a SOCKS client on the
 * server's side reaches the destination allowed, not another one. */
static void
test_permit_remote_open (Fixture       *f,
                         gconstpointer  data)
{
  for (guint tool = 0; tool < 2; tool++)
    {
      g_autoptr(GPtrArray) words = common_words (f);
      g_autoptr(CulvertTestEcho) other = culvert_test_sink_new ();
      guint16 rport = free_port ();
      GSubprocess *proc;
      int code;
      int fd;

      g_test_message ("%s", tool_name (tool == 1));
      g_ptr_array_add (words, g_strdup ("-N"));
      g_ptr_array_add (words, g_strdup_printf ("-R%u", rport));
      g_ptr_array_add (words, g_strdup_printf ("-oPermitRemoteOpen=localhost:1 127.0.0.1:%u",
                                               f->echo->port));
      g_ptr_array_add (words, g_strdup ("127.0.0.1"));
      proc = spawn_tool (tool == 1, words, G_SUBPROCESS_FLAGS_NONE);
      g_assert_true (wait_listening (rport, 20));

      /* Allowed: through, and back. */
      code = socks5_to (rport, f->echo->port, &fd);
      g_assert_cmpint (code, ==, 0);
      {
        guint8 buf[5];

        g_assert_true (culvert_test_write_all (fd, (const guint8 *) "hello", 5));
        g_assert_cmpint (recv (fd, buf, 5, MSG_WAITALL), ==, 5);
        g_assert_cmpmem (buf, 5, "hello", 5);
      }
      close (fd);

      /* Not allowed: no success, and the other server sees nobody. */
      code = socks5_to (rport, other->port, &fd);
      g_test_message ("reply to a destination not allowed: %d", code);
      g_assert_cmpint (code, !=, 0);
      if (tool == 1)
        g_assert_cmpint (code, ==, 2);  /* not allowed by ruleset */
      close (fd);
      g_usleep (200 * 1000);
      g_assert_cmpint (g_atomic_int_get (&other->served), ==, 0);
      stop_tool (proc);
    }
}

/* -W against Dropbear: standard input to an echo server and back, whole,
 * and a destination that refuses ends the run with 255. */
static void
test_stdio_forward_dropbear (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CulvertTestDropbear) dropbear = NULL;
  g_autoptr(CulvertTestEcho) echo = NULL;
  g_autofree char *reason = NULL;

  if (!culvert_test_dropbear_available (&reason))
    {
      g_test_skip (reason);
      return;
    }
  dropbear = culvert_test_dropbear_start (NULL, &error);
  g_assert_no_error (error);
  echo = echo_new ();

  for (guint refused = 0; refused < 2; refused++)
    {
      g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GSubprocess) proc = NULL;
      g_autofree guint8 *payload = random_payload (256 * 1024);
      g_autoptr(GBytes) input = g_bytes_new (payload, 256 * 1024);
      g_autoptr(GBytes) output = NULL;

      g_ptr_array_add (words, g_strdup_printf ("-p%u", dropbear->port));
      g_ptr_array_add (words, g_strdup_printf ("-l%s", dropbear->user));
      g_ptr_array_add (words, g_strdup_printf ("-i%s", dropbear->client_key_path));
      g_ptr_array_add (words, g_strdup ("-F/dev/null"));
      g_ptr_array_add (words, g_strdup_printf ("-oUserKnownHostsFile=%s",
                                               dropbear->known_hosts_path));
      g_ptr_array_add (words, g_strdup ("-oBatchMode=yes"));
      g_ptr_array_add (words, g_strdup_printf ("-W127.0.0.1:%u",
                                               refused ? free_port () : echo->port));
      g_ptr_array_add (words, g_strdup ("127.0.0.1"));
      if (refused)
        {
          proc = spawn_tool (TRUE, words, G_SUBPROCESS_FLAGS_STDIN_PIPE);
          g_assert_true (wait_exit (proc, 10));
          g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 255);
          continue;
        }
      proc = spawn_tool (TRUE, words, G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                      G_SUBPROCESS_FLAGS_STDOUT_PIPE);
      g_assert_true (g_subprocess_communicate (proc, input, NULL, &output, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
      g_assert_cmpmem (g_bytes_get_data (output, NULL), g_bytes_get_size (output),
                       payload, 256 * 1024);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  if (skip_all_without_sshd ("/ssh-argv/attached-and-combined"))
    return g_test_run ();

  g_test_add ("/ssh-argv/attached-and-combined", Fixture, NULL, fixture_setup,
              test_attached_and_combined, fixture_teardown);
  g_test_add ("/ssh-argv/separate-and-after-host", Fixture, NULL, fixture_setup,
              test_separate_and_after_host, fixture_teardown);
  g_test_add ("/ssh-argv/background", Fixture, NULL, fixture_setup, test_background,
              fixture_teardown);
  g_test_add ("/ssh-argv/refused-flags", Fixture, NULL, fixture_setup, test_refused_flags,
              fixture_teardown);
  g_test_add ("/ssh-argv/clear-all-forwardings", Fixture, NULL, fixture_setup,
              test_clear_all_forwardings, fixture_teardown);
  g_test_add ("/ssh-argv/exit-on-remote-failure", Fixture, NULL, fixture_setup,
              test_exit_on_remote_failure, fixture_teardown);
  g_test_add_func ("/ssh-argv/exit-on-remote-failure-dropbear",
                   test_exit_on_remote_failure_dropbear);
  g_test_add ("/ssh-argv/stdio-forward", Fixture, NULL, fixture_setup, test_stdio_forward,
              fixture_teardown);
  g_test_add ("/ssh-argv/permit-remote-open", Fixture, NULL, fixture_setup,
              test_permit_remote_open, fixture_teardown);
  g_test_add_func ("/ssh-argv/stdio-forward-dropbear", test_stdio_forward_dropbear);

  return g_test_run ();
}

/* test-refusal.c — a channel the server refuses by policy is said to be so
 *
 * OpenSSH's sshd with PermitOpen, and Dropbear with -j, refuse a
 * direct-tcpip channel with reason 1 (administratively prohibited). The
 * log then says that the server does not allow forwarding to that
 * destination, not that it could not connect, and a SOCKS 5 client hears
 * reply 2 (not allowed by ruleset) instead of 1; a destination the server
 * may reach but that refuses still reads "could not connect" and gets
 * reply 5. Through `culvert --headless` as a user runs it, and through a
 * tunnel against Dropbear.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "faults-util.h"

/* The reply code a SOCKS @version (4 or 5) client gets from @proxy_port
 * for 127.0.0.1:@port, or -1 when the proxy closed before answering. */
static int
socks_reply_code (guint16 proxy_port,
                  guint16 port,
                  int     version)
{
  guint8 reply[10];
  int fd = culvert_test_connect_loopback (proxy_port);
  int code = -1;

  g_assert_cmpint (fd, >=, 0);
  set_timeouts (fd, 20);
  if (version == 5)
    {
      guint8 hello[] = { 5, 1, 0 };
      guint8 request[10] = { 5, 1, 0, 1, 127, 0, 0, 1, port >> 8, port & 0xff };

      if (send (fd, hello, sizeof hello, MSG_NOSIGNAL) == sizeof hello &&
          recv (fd, reply, 2, MSG_WAITALL) == 2 && reply[0] == 5 && reply[1] == 0 &&
          send (fd, request, sizeof request, MSG_NOSIGNAL) == sizeof request &&
          recv (fd, reply, 10, MSG_WAITALL) == 10 && reply[0] == 5)
        code = reply[1];
    }
  else
    {
      guint8 request[9] = { 4, 1, port >> 8, port & 0xff, 127, 0, 0, 1, 0 };

      if (send (fd, request, sizeof request, MSG_NOSIGNAL) == sizeof request &&
          recv (fd, reply, 8, MSG_WAITALL) == 8 && reply[0] == 0)
        code = reply[1];
    }
  close (fd);

  return code;
}

/* A client of the outgoing forward on @port gets its connection closed
 * without a byte. */
static void
assert_closed_empty (guint16 port)
{
  int fd = culvert_test_connect_loopback (port);
  char buf[16];
  ssize_t n;

  g_assert_cmpint (fd, >=, 0);
  set_timeouts (fd, 20);
  g_assert_cmpint (send (fd, "hello", 5, MSG_NOSIGNAL), ==, 5);
  /* Closed with the bytes unread: a reset, or an end. */
  n = recv (fd, buf, sizeof buf, 0);
  if (n < 0)
    g_assert_cmpint (errno, ==, ECONNRESET);
  else
    g_assert_cmpint (n, ==, 0);
  close (fd);
}

/* Reads the runner's log events until one holds @wanted; fails at once on
 * one that holds @unwanted. */
static void
headless_expect_log (Headless   *h,
                     const char *wanted,
                     const char *unwanted)
{
  for (;;)
    {
      g_autoptr(JsonObject) event = headless_next (h, "log");
      const char *message;

      g_assert_nonnull (event);
      message = json_object_get_string_member (event, "message");
      g_test_message ("log: %s", message);
      if (unwanted != NULL && strstr (message, unwanted) != NULL)
        g_error ("The log said “%s”, expected “%s”", message, wanted);
      if (strstr (message, wanted) != NULL)
        return;
    }
}

static void
fixture_setup_permit_open (Fixture       *f,
                           gconstpointer  data)
{
  f->fds_before = count_fds ();
}

/* sshd allows 127.0.0.1:1, the echo server and a closed port only. */
static void
test_refusal_permit_open (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *config = NULL;
  g_autofree char *denied_line = NULL;
  g_autofree char *refused_line = NULL;
  Echo *echo = echo_new ();
  Echo *other = echo_new ();   /* listening, but not allowed */
  guint16 closed = free_port ();
  guint16 l_ok = free_port (), l_denied = free_port (), l_closed = free_port ();
  guint16 d_port = free_port ();
  g_autofree char *spec_ok = NULL, *spec_denied = NULL, *spec_closed = NULL, *spec_d = NULL;
  Headless *h;

  config = g_strdup_printf ("PermitOpen 127.0.0.1:1 127.0.0.1:%u 127.0.0.1:%u\n",
                            echo->port, closed);
  f->sshd = culvert_test_sshd_start (config, &error);
  g_assert_no_error (error);

  spec_ok = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", l_ok, echo->port);
  spec_denied = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", l_denied, other->port);
  spec_closed = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", l_closed, closed);
  spec_d = g_strdup_printf ("127.0.0.1:%u", d_port);
  {
    const char *extra[] = { "-L", spec_ok, "-L", spec_denied, "-L", spec_closed,
                            "-D", spec_d, NULL };

    h = headless_start (f, extra);
  }
  headless_wait_state (h, "connected");

  /* What the server allows works. */
  g_assert_true (echo_through (l_ok));

  /* Not allowed: said so, in the log and to SOCKS clients. */
  assert_closed_empty (l_denied);
  denied_line = g_strdup_printf ("does not allow forwarding to 127.0.0.1:%u", other->port);
  headless_expect_log (h, denied_line, "could not connect");
  g_assert_cmpint (socks_reply_code (d_port, other->port, 5), ==, 2);
  headless_expect_log (h, denied_line, "could not connect");
  g_assert_cmpint (socks_reply_code (d_port, other->port, 4), ==, 0x5b);
  headless_expect_log (h, denied_line, "could not connect");

  /* Allowed, but nobody listens: that is not a policy. */
  assert_closed_empty (l_closed);
  refused_line = g_strdup_printf ("could not connect to 127.0.0.1:%u", closed);
  headless_expect_log (h, refused_line, "does not allow");
  g_assert_cmpint (socks_reply_code (d_port, closed, 5), ==, 5);

  /* And the socks client that is allowed still gets through. */
  {
    int fd = socks5_connect (d_port, echo->port);

    g_assert_cmpint (fd, >=, 0);
    g_assert_true (echo_over (fd));
  }

  kill (atoi (g_subprocess_get_identifier (h->proc)), SIGTERM);
  g_assert_cmpint (headless_wait_exit (h, NULL), ==, 0);
  headless_free (h);
  echo_free (echo);
  echo_free (other);
}

typedef struct
{
  CulvertTunnel *tunnel;
  const char    *text;
} LogWait;

static gboolean
log_has (gpointer data)
{
  LogWait *wait = data;

  return log_contains (wait->tunnel, wait->text);
}

static void
fixture_setup_dropbear_j (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *args[] = { "-j", NULL };

  f->fds_before = count_fds ();
  f->dropbear = culvert_test_dropbear_start (args, &error);
  g_assert_no_error (error);
  f->profile = key_profile_new ("127.0.0.1", f->dropbear->port, f->dropbear->user,
                                f->dropbear->client_key_path, f->dropbear->known_hosts_path);
}

/* Dropbear -j: no outgoing forward at all. */
static void
test_refusal_dropbear (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *line = NULL;
  Echo *echo = echo_new ();

  add_forward (f, CULVERT_FORWARD_LOCAL, "127.0.0.1:%u:127.0.0.1:%u", free_port (), echo->port);
  add_forward (f, CULVERT_FORWARD_DYNAMIC, "127.0.0.1:%u", free_port ());
  connect_tunnel (f);

  assert_closed_empty (port_of (f, 0));
  line = g_strdup_printf ("does not allow forwarding to 127.0.0.1:%u", echo->port);
  {
    LogWait wait = { f->tunnel, line };

    g_assert_true (wait_until (log_has, &wait, 20));
  }
  g_assert_cmpint (socks_reply_code (port_of (f, 1), echo->port, 5), ==, 2);
  g_assert_false (log_contains (f->tunnel, "could not connect"));

  fixture_stop_tunnel (f);
  echo_free (echo);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *reason = NULL;

  stand_in_system_bus ();
  g_test_init (&argc, &argv, NULL);

  if (skip_all_without_sshd ("/refusal/permit-open"))
    return g_test_run ();
  warm_up_process ();

  g_test_add ("/refusal/permit-open", Fixture, NULL, fixture_setup_permit_open,
              test_refusal_permit_open, fixture_teardown);
  if (culvert_test_dropbear_available (&reason))
    g_test_add ("/refusal/dropbear", Fixture, NULL, fixture_setup_dropbear_j,
                test_refusal_dropbear, fixture_teardown);
  else
    g_test_add_data_func ("/refusal/dropbear", reason, (GTestDataFunc) g_test_skip);

  return g_test_run ();
}

/* test-dropbear.c — forwards through a real Dropbear, the SSH server of
 * routers and small devices
 *
 * -L, -R, -D, keepalives and reconnects against Dropbear on 127.0.0.1; how
 * its incoming forwards reach other computers (its -a, OpenSSH's
 * GatewayPorts) is tested across network namespaces in test-tunnel.c.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "faults-util.h"

/* Outgoing, incoming and dynamic forwards through Dropbear. */
static void
test_dropbear_forwards (Fixture       *f,
                        gconstpointer  data)
{
  Echo *echo = echo_new ();
  guint16 remote_port = free_port ();
  int fd;

  add_forward (f, CULVERT_FORWARD_LOCAL, "127.0.0.1:%u:127.0.0.1:%u", free_port (), echo->port);
  add_forward (f, CULVERT_FORWARD_REMOTE, "127.0.0.1:%u:127.0.0.1:%u", remote_port, echo->port);
  add_forward (f, CULVERT_FORWARD_DYNAMIC, "127.0.0.1:%u", free_port ());
  connect_tunnel (f);

  g_assert_true (echo_through (port_of (f, 0)));
  g_assert_true (echo_through (remote_port));
  fd = socks5_connect (port_of (f, 2), echo->port);
  g_assert_cmpint (fd, >=, 0);
  g_assert_true (echo_over (fd));
  g_assert_true (wait_until (no_active_clients, f, 10));

  fixture_stop_tunnel (f);
  echo_free (echo);
}

static void
freeze_dropbear (Fixture *f)
{
  culvert_test_dropbear_signal (f->dropbear, SIGSTOP, FALSE);
}

/* Dropbear answers keepalive@openssh.com with a failure, which is an
 * answer: an idle connection stays up, a frozen one is noticed in time. */
static void
test_dropbear_keepalive (Fixture       *f,
                         gconstpointer  data)
{
  assert_silence_noticed (f, freeze_dropbear);
}

static void
test_dropbear_reconnect (Fixture       *f,
                         gconstpointer  data)
{
  Echo *echo = echo_new ();
  guint16 remote_port = free_port ();
  guint16 port;

  culvert_profile_set_reconnect (f->profile, TRUE);
  add_forward (f, CULVERT_FORWARD_LOCAL, "127.0.0.1:%u:127.0.0.1:%u", free_port (), echo->port);
  add_forward (f, CULVERT_FORWARD_REMOTE, "127.0.0.1:%u:127.0.0.1:%u", remote_port, echo->port);
  connect_tunnel (f);
  port = port_of (f, 0);
  g_assert_true (echo_through (port));

  for (guint drop = 0; drop < 2; drop++)
    {
      culvert_test_dropbear_signal (f->dropbear, SIGKILL, FALSE);
      g_assert_true (wait_until (tunnel_waiting, f->tunnel, 20));
      g_assert_true (wait_until (tunnel_serving, f, 30));
      g_assert_cmpuint (port_of (f, 0), ==, port);
      g_assert_true (echo_through (port));
      g_assert_true (echo_through (remote_port));
    }

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

  if (!culvert_test_dropbear_available (&reason))
    {
      g_test_add_data_func ("/dropbear/forwards", reason, (GTestDataFunc) g_test_skip);
      return g_test_run ();
    }
  warm_up_process ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup_dropbear, func, fixture_teardown)
  ADD ("/dropbear/forwards", test_dropbear_forwards);
  ADD ("/dropbear/keepalive", test_dropbear_keepalive);
  ADD ("/dropbear/reconnect", test_dropbear_reconnect);
#undef ADD

  return g_test_run ();
}

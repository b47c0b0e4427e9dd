/* test-libssh.c — the libssh this build runs with is the one it was built for
 *
 * The suite runs twice: against the system's libssh and against the one
 * build-aux/build-libssh builds as the Flatpak does. These tests check that
 * the library loaded at run time is the version meson configured against,
 * that HAVE_SSH_CHANNEL_SET_WINDOW_SIZE matches what the library exports,
 * and, where the call exists, that it sizes a channel's receive window on a
 * real sshd.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define _GNU_SOURCE
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <glib.h>
#include <libssh/libssh.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "culvert-test-sshd.h"

static void
test_version (void)
{
  const char *loaded = ssh_version (0);
  g_autofree char *header = g_strdup_printf ("%d.%d.%d", LIBSSH_VERSION_MAJOR,
                                             LIBSSH_VERSION_MINOR, LIBSSH_VERSION_MICRO);
  g_autofree char *loaded_version = NULL;

  g_assert_nonnull (loaded);
  /* "0.12.2/openssl/zlib" */
  loaded_version = g_strndup (loaded, strcspn (loaded, "/"));
  g_test_message ("configured against libssh %s, headers %s, loaded %s",
                  CULVERT_LIBSSH_VERSION, header, loaded);
  g_assert_cmpstr (header, ==, CULVERT_LIBSSH_VERSION);
  g_assert_cmpstr (loaded_version, ==, CULVERT_LIBSSH_VERSION);
}

/* HAVE_SSH_CHANNEL_SET_WINDOW_SIZE is set exactly when the loaded library
 * has the call. */
static void
test_detection (void)
{
  void *symbol = dlsym (RTLD_DEFAULT, "ssh_channel_set_window_size");

#ifdef HAVE_SSH_CHANNEL_SET_WINDOW_SIZE
  g_assert_nonnull (symbol);
  g_assert_cmpint (ssh_channel_set_window_size (NULL, 1024 * 1024), ==, SSH_ERROR);
#else
  g_assert_null (symbol);
#endif
}

#ifdef HAVE_SSH_CHANNEL_SET_WINDOW_SIZE

/* A TCP server on 127.0.0.1 that sends zeros to its one client until the
 * client goes away. */
typedef struct
{
  int      listen_fd;         /* -1: connect to connect_port instead */
  guint16  port;
  guint16  connect_port;
  GThread *thread;
} Source;

static gpointer
source_thread (gpointer data)
{
  Source *source = data;
  static char block[64 * 1024];
  int fd;

  if (source->listen_fd >= 0)
    {
      fd = accept (source->listen_fd, NULL, NULL);
    }
  else
    {
      struct sockaddr_in addr = { .sin_family = AF_INET,
                                  .sin_addr.s_addr = htonl (INADDR_LOOPBACK),
                                  .sin_port = htons (source->connect_port) };
      fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd >= 0 && connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
        {
          close (fd);
          fd = -1;
        }
    }
  if (fd < 0)
    return NULL;
  for (;;)
    {
      ssize_t n = send (fd, block, sizeof block, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
    }
  close (fd);
  return NULL;
}

static Source *
source_start (void)
{
  Source *source = g_new0 (Source, 1);
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof addr;

  source->listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (source->listen_fd, >=, 0);
  g_assert_cmpint (bind (source->listen_fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (listen (source->listen_fd, 1), ==, 0);
  g_assert_cmpint (getsockname (source->listen_fd, (struct sockaddr *) &addr, &len), ==, 0);
  source->port = ntohs (addr.sin_port);
  source->thread = g_thread_new ("source", source_thread, source);
  return source;
}

/* A client of 127.0.0.1:@port that sends zeros until the server goes away. */
static Source *
source_connect (guint16 port)
{
  Source *source = g_new0 (Source, 1);

  source->listen_fd = -1;
  source->connect_port = port;
  source->thread = g_thread_new ("source", source_thread, source);
  return source;
}

static void
source_stop (Source *source)
{
  /* Wakes an accept() that never got its client. */
  if (source->listen_fd >= 0)
    shutdown (source->listen_fd, SHUT_RDWR);
  g_thread_join (source->thread);
  if (source->listen_fd >= 0)
    close (source->listen_fd);
  g_free (source);
}

/* Pumps the session without reading the channel until @want bytes are
 * buffered, then a while longer to see that no more arrive: with nothing
 * consumed, what the peer could send is exactly the window. */
static int
buffered_settles_at (ssh_channel channel, int want)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  gint64 settle_until = 0;
  int n;

  for (;;)
    {
      n = ssh_channel_poll (channel, 0);
      if (n < 0)
        return n;
      if (n >= want && settle_until == 0)
        settle_until = g_get_monotonic_time () + G_USEC_PER_SEC / 2;
      if (settle_until != 0 && g_get_monotonic_time () >= settle_until)
        return n;
      if (g_get_monotonic_time () >= deadline)
        return n;
      g_usleep (2000);
    }
}

static ssh_session
log_in (CulvertTestSshd *sshd)
{
  ssh_session session;
  ssh_key key = NULL;
  int port;
  int process_config = 0;
  long timeout = 10;

  session = ssh_new ();
  port = sshd->port;
  ssh_options_set (session, SSH_OPTIONS_HOST, "127.0.0.1");
  ssh_options_set (session, SSH_OPTIONS_PORT, &port);
  ssh_options_set (session, SSH_OPTIONS_USER, sshd->user);
  ssh_options_set (session, SSH_OPTIONS_PROCESS_CONFIG, &process_config);
  ssh_options_set (session, SSH_OPTIONS_KNOWNHOSTS, sshd->known_hosts_path);
  ssh_options_set (session, SSH_OPTIONS_TIMEOUT, &timeout);
  g_assert_cmpint (ssh_connect (session), ==, SSH_OK);
  g_assert_cmpint (ssh_session_is_known_server (session), ==, SSH_KNOWN_HOSTS_OK);
  g_assert_cmpint (ssh_pki_import_privkey_file (sshd->client_key_path, NULL, NULL, NULL, &key),
                   ==, SSH_OK);
  g_assert_cmpint (ssh_userauth_publickey (session, NULL, key), ==, SSH_AUTH_SUCCESS);
  ssh_key_free (key);
  return session;
}

static void
test_window_size (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CulvertTestSshd) sshd = culvert_test_sshd_start (NULL, &error);
  Source *source;
  ssh_session session;
  ssh_channel channel;
  const int first = 3 * 1024 * 1024, second = 7 * 1024 * 1024 + 12345;

  g_assert_no_error (error);
  source = source_start ();
  session = log_in (sshd);

  channel = ssh_channel_new (session);
  g_assert_nonnull (channel);
  /* Out of bounds: below 32 KiB, above 64 MiB. */
  g_assert_cmpint (ssh_channel_set_window_size (channel, 1000), ==, SSH_ERROR);
  g_assert_cmpint (ssh_channel_set_window_size (channel, 128 * 1024 * 1024), ==, SSH_ERROR);

  /* Set before opening: the channel opens with this window. */
  g_assert_cmpint (ssh_channel_set_window_size (channel, first), ==, SSH_OK);
  g_assert_cmpint (ssh_channel_open_forward (channel, "127.0.0.1", source->port, "127.0.0.1", 0),
                   ==, SSH_OK);
  g_assert_cmpint (buffered_settles_at (channel, first), ==, first);

  /* Raised on an open channel, with nothing read: the adjust goes out at
   * once and the peer fills the new window. */
  g_assert_cmpint (ssh_channel_set_window_size (channel, second), ==, SSH_OK);
  g_assert_cmpint (buffered_settles_at (channel, second), ==, second);

  /* Lowered: nothing more is granted until it is drained below it. */
  g_assert_cmpint (ssh_channel_set_window_size (channel, first), ==, SSH_OK);
  g_assert_cmpint (buffered_settles_at (channel, second), ==, second);

  ssh_channel_close (channel);
  g_assert_cmpint (ssh_channel_set_window_size (channel, first), ==, SSH_ERROR);
  ssh_channel_free (channel);
  ssh_disconnect (session);
  ssh_free (session);
  source_stop (source);
}

/* A channel the server opens to us (forwarded-tcpip, for -R) is accepted
 * with the default window of 2 MiB (stock libssh: 32,000 bytes), and grows
 * when raised. */
static void
test_window_size_accepted (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CulvertTestSshd) sshd = culvert_test_sshd_start (NULL, &error);
  Source *source;
  ssh_session session;
  ssh_channel channel;
  int bound_port = 0;
  const int raised = 5 * 1024 * 1024;

  g_assert_no_error (error);
  session = log_in (sshd);
  g_assert_cmpint (ssh_channel_listen_forward (session, "127.0.0.1", 0, &bound_port), ==, SSH_OK);
  g_assert_cmpint (bound_port, >, 0);
  source = source_connect (bound_port);
  channel = ssh_channel_open_forward_port (session, 10000, NULL, NULL, NULL);
  g_assert_nonnull (channel);

  g_assert_cmpint (buffered_settles_at (channel, 2 * 1024 * 1024), ==, 2 * 1024 * 1024);
  g_assert_cmpint (ssh_channel_set_window_size (channel, raised), ==, SSH_OK);
  g_assert_cmpint (buffered_settles_at (channel, raised), ==, raised);

  ssh_channel_close (channel);
  ssh_channel_free (channel);
  ssh_disconnect (session);
  ssh_free (session);
  source_stop (source);
}

#endif

int
main (int argc, char **argv)
{
  g_autofree char *reason = NULL;

  g_test_init (&argc, &argv, NULL);
  ssh_init ();

  g_test_add_func ("/libssh/version", test_version);
  g_test_add_func ("/libssh/detection", test_detection);
#ifdef HAVE_SSH_CHANNEL_SET_WINDOW_SIZE
  if (culvert_test_sshd_available (&reason))
    {
      g_test_add_func ("/libssh/set-window-size/opened", test_window_size);
      g_test_add_func ("/libssh/set-window-size/accepted", test_window_size_accepted);
    }
  else
    {
      g_test_add_data_func ("/libssh/set-window-size/opened", reason, (GTestDataFunc) g_test_skip);
      g_test_add_data_func ("/libssh/set-window-size/accepted", reason, (GTestDataFunc) g_test_skip);
    }
#endif

  return g_test_run ();
}

/* test-streamlocal.c — forwarding Unix-domain sockets, as ssh does
 *
 * `culvert --headless` against a real sshd: -L from a socket file here to
 * a socket file on the server (direct-streamlocal@openssh.com), from a TCP
 * port to a socket file on the server, from a socket file to a TCP
 * destination, and -D on a socket file; -R from a port on the server to a socket file here; and
 * -R with a socket file on the server, which libssh cannot ask for, said
 * in one line. Socket files made here are 0600 in a folder of the user's,
 * gone once the runner stops, and StreamLocalBindUnlink replaces a stale
 * one (without it, the forward fails and says why). Against Dropbear, the
 * forms it serves (no streamlocal channels there): a socket file here to a
 * TCP destination, and -R to a socket file here.
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
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "faults-util.h"

/* An echo server on a socket file, a thread per client. */
typedef struct
{
  int      fd;
  char    *path;
  GThread *thread;
} UnixEcho;

static gpointer
unix_echo_client (gpointer data)
{
  culvert_test_echo_until_eof (GPOINTER_TO_INT (data), FALSE);
  return NULL;
}

static gpointer
unix_echo_loop (gpointer data)
{
  UnixEcho *echo = data;

  for (;;)
    {
      int fd = accept (echo->fd, NULL, NULL);

      if (fd < 0)
        {
          if (errno == EINTR)
            continue;
          return NULL;
        }
      g_thread_unref (g_thread_new ("unix-echo-client", unix_echo_client, GINT_TO_POINTER (fd)));
    }
}

static struct sockaddr_un
unix_address (const char *path)
{
  struct sockaddr_un address = { .sun_family = AF_UNIX };

  g_assert_cmpuint (strlen (path), <, sizeof address.sun_path);
  strcpy (address.sun_path, path);
  return address;
}

/* Anyone may connect: the server's side runs as the test account. */
static UnixEcho *
unix_echo_new (const char *path)
{
  UnixEcho *echo = g_new0 (UnixEcho, 1);
  struct sockaddr_un address = unix_address (path);

  echo->path = g_strdup (path);
  echo->fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (echo->fd, >=, 0);
  g_assert_cmpint (bind (echo->fd, (struct sockaddr *) &address, sizeof address), ==, 0);
  g_assert_cmpint (chmod (path, 0666), ==, 0);
  g_assert_cmpint (listen (echo->fd, 16), ==, 0);
  echo->thread = g_thread_new ("unix-echo", unix_echo_loop, echo);

  return echo;
}

static void
unix_echo_free (UnixEcho *echo)
{
  shutdown (echo->fd, SHUT_RDWR);
  g_thread_join (echo->thread);
  close (echo->fd);
  unlink (echo->path);
  g_free (echo->path);
  g_free (echo);
}

/* A connected socket to the file @path, or -1. */
static int
unix_connect (const char *path)
{
  struct sockaddr_un address = unix_address (path);
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  if (connect (fd, (struct sockaddr *) &address, sizeof address) != 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

/* A socket file nobody listens on any more, as a crashed program leaves. */
static void
make_stale_socket (const char *path)
{
  struct sockaddr_un address = unix_address (path);
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (bind (fd, (struct sockaddr *) &address, sizeof address), ==, 0);
  close (fd);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpint (unix_connect (path), ==, -1);
}

/* A SOCKS 5 client on @fd asking for 127.0.0.1:@port; TRUE once connected. */
static gboolean
socks5_over (int     fd,
             guint16 port)
{
  guint8 hello[] = { 5, 1, 0 };
  guint8 request[10] = { 5, 1, 0, 1, 127, 0, 0, 1, port >> 8, port & 0xff };
  guint8 reply[10];

  set_timeouts (fd, 10);
  return send (fd, hello, sizeof hello, MSG_NOSIGNAL) == sizeof hello &&
         recv (fd, reply, 2, MSG_WAITALL) == 2 && reply[0] == 5 && reply[1] == 0 &&
         send (fd, request, sizeof request, MSG_NOSIGNAL) == sizeof request &&
         recv (fd, reply, 10, MSG_WAITALL) == 10 && reply[1] == 0;
}

/* The SOCKS 5 reply code on @fd for the host name @name, port @port; -1
 * when the proxy closed before answering. Closes @fd. */
static int
socks5_name_over (int         fd,
                  const char *name,
                  guint16     port)
{
  guint8 hello[] = { 5, 1, 0 };
  guint8 request[262] = { 5, 1, 0, 3, strlen (name) };
  gsize len = 5 + strlen (name) + 2;
  guint8 reply[2];
  int code = -1;

  memcpy (request + 5, name, strlen (name));
  request[len - 2] = port >> 8;
  request[len - 1] = port & 0xff;
  set_timeouts (fd, 20);
  if (send (fd, hello, sizeof hello, MSG_NOSIGNAL) == sizeof hello &&
      recv (fd, reply, 2, MSG_WAITALL) == 2 && reply[0] == 5 && reply[1] == 0 &&
      send (fd, request, len, MSG_NOSIGNAL) == (ssize_t) len &&
      recv (fd, reply, 2, MSG_WAITALL) == 2)
    code = reply[1];
  close (fd);
  return code;
}

static void
assert_socket_file (const char *path,
                    guint       mode)
{
  struct stat st;

  g_assert_cmpint (lstat (path, &st), ==, 0);
  g_assert_true (S_ISSOCK (st.st_mode));
  g_assert_cmpuint (st.st_uid, ==, getuid ());
  g_assert_cmpuint (st.st_mode & 07777, ==, mode);
}

static char *
make_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("culvert-sl-XXXXXX", &error);

  g_assert_no_error (error);
  /* The server's side (the test account) reaches the sockets in it. */
  g_assert_cmpint (chmod (dir, 0755), ==, 0);
  return dir;
}

static void
headless_stop (Headless *h)
{
  kill (atoi (g_subprocess_get_identifier (h->proc)), SIGTERM);
  g_assert_cmpint (headless_wait_exit (h, NULL), ==, 0);
  headless_free (h);
}

/* The runner's next client-opened event: its source. */
static char *
next_client_source (Headless *h)
{
  g_autoptr(JsonObject) event = headless_next (h, "client-opened");

  g_assert_nonnull (event);
  return g_strdup (json_object_get_string_member (event, "source"));
}

/* -L in its three forms with a socket file, through culvert --headless. */
static void
test_local_forms (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *remote_sock = g_build_filename (dir, "remote.sock", NULL);
  g_autofree char *private_dir = g_build_filename (dir, "x", NULL);
  g_autofree char *docker_sock = g_build_filename (private_dir, "docker.sock", NULL);
  g_autofree char *tcp_sock = g_build_filename (dir, "tcp.sock", NULL);
  g_autofree char *socks_sock = g_build_filename (dir, "socks.sock", NULL);
  g_autofree char *spec_unix = g_strdup_printf ("%s:%s", docker_sock, remote_sock);
  g_autofree char *spec_port = NULL;
  g_autofree char *spec_tcp = NULL;
  g_autofree char *source = NULL;
  UnixEcho *remote = unix_echo_new (remote_sock);
  Echo *echo = echo_new ();
  guint16 port = free_port ();
  Headless *h;
  struct stat st;

  spec_port = g_strdup_printf ("127.0.0.1:%u:%s", port, remote_sock);
  spec_tcp = g_strdup_printf ("%s:127.0.0.1:%u", tcp_sock, echo->port);
  {
    const char *extra[] = { "-L", spec_unix, "-L", spec_port, "-L", spec_tcp,
                            "-D", socks_sock, NULL };

    h = headless_start (f, extra);
  }
  headless_wait_state (h, "connected");

  /* The files: the user's, 0600, in a folder made 0700 for them. */
  assert_socket_file (docker_sock, 0600);
  assert_socket_file (tcp_sock, 0600);
  g_assert_cmpint (stat (private_dir, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 07777, ==, 0700);

  /* Bytes go round, each way. */
  g_assert_true (echo_over (unix_connect (docker_sock)));
  source = next_client_source (h);
  g_assert_cmpstr (source, ==, docker_sock);
  g_assert_true (echo_through (port));
  g_assert_true (echo_over (unix_connect (tcp_sock)));
  /* -D on a socket file: a SOCKS server there. */
  assert_socket_file (socks_sock, 0600);
  {
    int fd = unix_connect (socks_sock);

    g_assert_true (socks5_over (fd, echo->port));
    g_assert_true (echo_over (fd));
  }
  /* A SOCKS client names a host, never a socket file on the server. */
  g_assert_cmpint (socks5_name_over (unix_connect (socks_sock), remote_sock, 0), !=, 0);

  headless_stop (h);
  /* Gone with the runner; the server's own socket file stays. */
  g_assert_false (g_file_test (docker_sock, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (tcp_sock, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (socks_sock, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (remote_sock, G_FILE_TEST_EXISTS));

  unix_echo_free (remote);
  echo_free (echo);
  culvert_test_remove_tree (dir);
}

/* A stale socket file fails the forward, unless StreamLocalBindUnlink. */
static void
test_bind_unlink (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *remote_sock = g_build_filename (dir, "remote.sock", NULL);
  g_autofree char *local_sock = g_build_filename (dir, "local.sock", NULL);
  g_autofree char *spec = g_strdup_printf ("%s:%s", local_sock, remote_sock);
  UnixEcho *remote = unix_echo_new (remote_sock);
  Headless *h;

  make_stale_socket (local_sock);
  {
    const char *extra[] = { "-L", spec, NULL };
    g_autoptr(JsonObject) failed = NULL;

    h = headless_start (f, extra);
    failed = headless_next (h, "forward-failed");
    g_assert_nonnull (failed);
    assert_contains (json_object_get_string_member (failed, "error"), "already exists");
    headless_wait_state (h, "connected");
    headless_stop (h);
  }
  /* Not ours: left as it was. */
  g_assert_true (g_file_test (local_sock, G_FILE_TEST_EXISTS));

  {
    const char *extra[] = { "-o", "StreamLocalBindUnlink=yes", "-L", spec, NULL };

    h = headless_start (f, extra);
    headless_wait_state (h, "connected");
  }
  assert_socket_file (local_sock, 0600);
  g_assert_true (echo_over (unix_connect (local_sock)));
  headless_stop (h);
  g_assert_false (g_file_test (local_sock, G_FILE_TEST_EXISTS));

  unix_echo_free (remote);
  culvert_test_remove_tree (dir);
}

/* -R port:/local.sock is served; -R /remote.sock:… is refused in one line. */
static void
test_remote_forms (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *local_sock = g_build_filename (dir, "local.sock", NULL);
  g_autofree char *spec = NULL;
  g_autofree char *spec_refused = NULL;
  g_autofree char *spec_rsocks = NULL;
  UnixEcho *local = unix_echo_new (local_sock);
  guint16 port = free_port (), rsocks_port = free_port ();
  g_autoptr(JsonObject) failed = NULL;
  const char *error;
  Headless *h;

  spec = g_strdup_printf ("127.0.0.1:%u:%s", port, local_sock);
  spec_refused = g_strdup_printf ("%s/r.sock:127.0.0.1:22", dir);
  spec_rsocks = g_strdup_printf ("127.0.0.1:%u", rsocks_port);
  {
    const char *extra[] = { "-R", spec, "-R", spec_refused, "-R", spec_rsocks, NULL };

    h = headless_start (f, extra);
  }
  failed = headless_next (h, "forward-failed");
  g_assert_nonnull (failed);
  error = json_object_get_string_member (failed, "error");
  assert_contains (error, "streamlocal-forward@openssh.com");
  g_assert_null (strchr (error, '\n'));
  headless_wait_state (h, "connected");
  {
    g_autoptr(JsonObject) listening = headless_next (h, "listening");

    g_assert_nonnull (listening);
  }
  g_assert_true (echo_through (port));
  /* A client of the server's SOCKS port names a host, never a socket file here. */
  {
    g_autoptr(JsonObject) listening = headless_next (h, "listening");

    g_assert_nonnull (listening);
  }
  g_assert_cmpint (socks5_name_over (culvert_test_connect_loopback (rsocks_port), local_sock, 0),
                   !=, 0);
  headless_stop (h);

  unix_echo_free (local);
  culvert_test_remove_tree (dir);
}

/* A forward taken out of a running tunnel lets go of its file; so does a
 * tunnel dropped while it runs. */
static void
test_tunnel_remove (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *first = g_build_filename (dir, "first.sock", NULL);
  g_autofree char *second = g_build_filename (dir, "second.sock", NULL);
  Echo *echo = echo_new ();

  add_forward (f, CULVERT_FORWARD_LOCAL, "%s:127.0.0.1:%u", first, echo->port);
  add_forward (f, CULVERT_FORWARD_LOCAL, "%s:127.0.0.1:%u", second, echo->port);
  connect_tunnel (f);
  g_assert_true (echo_over (unix_connect (first)));

  culvert_tunnel_remove_forward (f->tunnel, status_at (f->tunnel, 0));
  g_assert_false (g_file_test (first, G_FILE_TEST_EXISTS));
  g_assert_true (echo_over (unix_connect (second)));

  g_clear_object (&f->tunnel);
  g_assert_false (g_file_test (second, G_FILE_TEST_EXISTS));

  echo_free (echo);
  culvert_test_remove_tree (dir);
}

/* A folder where others may replace files takes no socket file of ours. */
static void
test_unsafe_folder (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *sock = g_build_filename (dir, "a.sock", NULL);
  Echo *echo = echo_new ();
  CulvertForwardStatus *status;

  g_assert_cmpint (chmod (dir, 0777), ==, 0);
  add_forward (f, CULVERT_FORWARD_LOCAL, "%s:127.0.0.1:%u", sock, echo->port);
  start_tunnel (f);
  g_assert_true (wait_until (tunnel_connected, f->tunnel, 20));
  status = status_at (f->tunnel, 0);
  g_assert_cmpint (culvert_forward_status_get_state (status), ==, CULVERT_FORWARD_STATE_FAILED);
  assert_contains (culvert_forward_status_get_error (status), "only you");
  g_assert_false (g_file_test (sock, G_FILE_TEST_EXISTS));

  fixture_stop_tunnel (f);
  echo_free (echo);
  culvert_test_remove_tree (dir);
}

/* Dropbear has no streamlocal channels; what needs none works. */
static void
test_dropbear (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *local_sock = g_build_filename (dir, "local.sock", NULL);
  g_autofree char *listen_sock = g_build_filename (dir, "listen.sock", NULL);
  UnixEcho *local = unix_echo_new (local_sock);
  Echo *echo = echo_new ();
  guint16 port = free_port ();

  add_forward (f, CULVERT_FORWARD_LOCAL, "%s:127.0.0.1:%u", listen_sock, echo->port);
  add_forward (f, CULVERT_FORWARD_REMOTE, "127.0.0.1:%u:%s", port, local_sock);
  connect_tunnel (f);

  assert_socket_file (listen_sock, 0600);
  g_assert_true (echo_over (unix_connect (listen_sock)));
  g_assert_true (echo_through (port));

  fixture_stop_tunnel (f);
  g_assert_false (g_file_test (listen_sock, G_FILE_TEST_EXISTS));
  unix_echo_free (local);
  echo_free (echo);
  culvert_test_remove_tree (dir);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *reason = NULL;

  stand_in_system_bus ();
  g_test_init (&argc, &argv, NULL);

  if (skip_all_without_sshd ("/streamlocal/local-forms"))
    return g_test_run ();
  warm_up_process ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/streamlocal/local-forms", test_local_forms);
  ADD ("/streamlocal/bind-unlink", test_bind_unlink);
  ADD ("/streamlocal/remote-forms", test_remote_forms);
  ADD ("/streamlocal/tunnel-remove", test_tunnel_remove);
  ADD ("/streamlocal/unsafe-folder", test_unsafe_folder);
#undef ADD
  if (culvert_test_dropbear_available (&reason))
    g_test_add ("/streamlocal/dropbear", Fixture, NULL, fixture_setup_dropbear, test_dropbear,
                fixture_teardown);
  else
    g_test_add_data_func ("/streamlocal/dropbear", reason, (GTestDataFunc) g_test_skip);

  return g_test_run ();
}

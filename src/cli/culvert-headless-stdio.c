/* culvert-headless-stdio.c — -f and -W of the headless runner
 *
 * -f forks before any thread runs; the parent waits until the child is
 * connected (then exits 0, as ssh -f does) or ends. -W carries standard
 * input and output to a host and port through the server, on a
 * socketpair whose other end the tunnel streams (as ssh -W, for
 * ProxyCommand).
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "culvert-headless-private.h"

/* ---------------------------------------------------------------------- */
/* -f: into the background once connected, as ssh -f                      */

/* Forks before any thread runs. The parent waits until the child says it
 * is connected (then exits 0, as ssh -f does) or ends (then exits as the
 * child did); the child goes on. Returns FALSE in the parent, with
 * @exit_code set. */
gboolean
culvert_headless_background_fork (Runner *runner,
                                  int    *exit_code)
{
  int fds[2];
  pid_t pid;

  if (!g_unix_open_pipe (fds, FD_CLOEXEC, NULL))
    {
      *exit_code = EXIT_FATAL;
      return FALSE;
    }

  fflush (stdout);
  fflush (stderr);
  pid = fork ();
  if (pid < 0)
    {
      g_printerr ("culvert: -f: %s\n", g_strerror (errno));
      *exit_code = EXIT_FATAL;
      return FALSE;
    }

  if (pid > 0)
    {
      char c = 0;
      ssize_t n;
      int status = 0;

      close (fds[1]);
      do
        n = read (fds[0], &c, 1);
      while (n < 0 && errno == EINTR);
      close (fds[0]);
      if (n == 1 && c == 'r')
        {
          *exit_code = 0;
          return FALSE;
        }
      while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
        ;
      *exit_code = WIFEXITED (status) ? WEXITSTATUS (status) : EXIT_FATAL;
      return FALSE;
    }

  close (fds[0]);
  runner->ready_fd = fds[1];
  return TRUE;
}

/* The child of -f, connected: the parent may go, and the terminal is let
 * go (questions were asked on it before this). */
void
culvert_headless_background_ready (Runner *runner)
{
  int null_fd;

  if (runner->ready_fd < 0)
    return;

  null_fd = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd >= 0)
    {
      dup2 (null_fd, STDIN_FILENO);
      close (null_fd);
    }
  setsid ();
  while (write (runner->ready_fd, "r", 1) < 0 && errno == EINTR)
    ;
  close (runner->ready_fd);
  runner->ready_fd = -1;
}

/* ---------------------------------------------------------------------- */
/* -W: standard input and output to a host and port through the server    */

typedef struct
{
  Runner *runner;
  int     in;
  int     out;
  gboolean to_stdout;
} StdioPipe;

/* The stream ended and everything the server sent is on standard output:
 * the run ends as ssh -W's does, with the connection closed. */
static void
stdio_maybe_finish (Runner *runner)
{
  if (!runner->stdio_closed || runner->stopping)
    return;
  if (runner->stdio_opened && !runner->stdio_out_done)
    return;

  runner->stopping = TRUE;
  culvert_tunnel_disconnect (runner->tunnel);
  g_timeout_add (1500, culvert_headless_give_up_waiting, runner);
}

static gboolean
stdio_out_finished (gpointer data)
{
  Runner *runner = data;

  runner->stdio_out_done = TRUE;
  stdio_maybe_finish (runner);
  return G_SOURCE_REMOVE;
}

/* Copies @in to @out until the end; then half-closes (towards the server)
 * or tells the main loop (towards standard output). */
static gpointer
stdio_pipe_thread (gpointer data)
{
  StdioPipe *pipe = data;
  char buf[64 * 1024];
  ssize_t n;

  for (;;)
    {
      ssize_t off = 0;

      n = read (pipe->in, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      while (off < n)
        {
          ssize_t w = write (pipe->out, buf + off, n - off);

          if (w < 0 && errno == EINTR)
            continue;
          if (w <= 0)
            goto done;
          off += w;
        }
    }

done:
  if (pipe->to_stdout)
    {
      close (pipe->out);
      g_idle_add (stdio_out_finished, pipe->runner);
    }
  else
    {
      shutdown (pipe->out, SHUT_WR);
    }
  g_free (pipe);
  return NULL;
}

void
culvert_headless_on_stream_closed (CulvertTunnel *tunnel,
                                   gboolean       opened,
                                   const char    *reason,
                                   Runner        *runner)
{
  runner->stdio_closed = TRUE;
  runner->stdio_opened = opened;
  if (!opened)
    {
      /* ssh's words, and its status. */
      g_printerr ("culvert: %s: %s\n", _("stdio forwarding failed"),
                  reason != NULL ? reason : _("the server refused"));
      runner->exit_code = EXIT_FATAL;
    }
  stdio_maybe_finish (runner);
}

void
culvert_headless_stdio_start (Runner *runner)
{
  g_autoptr(GError) error = NULL;
  StdioPipe *up;
  StdioPipe *down;
  int pair[2];

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
    {
      g_printerr ("culvert: %s: %s\n", _("stdio forwarding failed"), g_strerror (errno));
      runner->exit_code = EXIT_FATAL;
      runner->stdio_closed = TRUE;
      stdio_maybe_finish (runner);
      return;
    }
  if (!culvert_tunnel_add_stream (runner->tunnel, pair[0], runner->stdio_host,
                                  runner->stdio_port, &error))
    {
      close (pair[1]);
      g_printerr ("culvert: %s: %s\n", _("stdio forwarding failed"), error->message);
      runner->exit_code = EXIT_FATAL;
      runner->stdio_closed = TRUE;
      stdio_maybe_finish (runner);
      return;
    }

  up = g_new0 (StdioPipe, 1);
  *up = (StdioPipe) { runner, STDIN_FILENO, pair[1], FALSE };
  down = g_new0 (StdioPipe, 1);
  *down = (StdioPipe) { runner, pair[1], STDOUT_FILENO, TRUE };
  g_thread_unref (g_thread_new ("stdin", stdio_pipe_thread, up));
  g_thread_unref (g_thread_new ("stdout", stdio_pipe_thread, down));
}


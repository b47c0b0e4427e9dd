/* culvert-headless.c — serve forwards without a window, with ssh-like flags
 *
 *   culvert --headless [-p PORT] [-l USER] [-i IDENTITY] [-L SPEC]... [-R SPEC]...
 *                      [-D SPEC]... [-J JUMPS] [-g] [-o KEY=VALUE]... [-F SSH_CONFIG]
 *                      [--json] [user@]host
 *   culvert --headless --profile NAME-OR-ID
 *
 * Flags mean what they mean to `ssh -N`. It serves until SIGINT or SIGTERM,
 * then closes every channel and exits 0; a bad command line exits 2 and a
 * fatal error 255 (as ssh does), each with one line on stderr. With --json
 * every event is one JSON object per line on stdout, written by json-glib.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "culvert-address.h"
#include "culvert-cli-private.h"
#include "culvert-forward.h"
#include "culvert-profile-store.h"
#include "culvert-profile.h"
#include "culvert-ssh-config.h"
#include "culvert-text.h"
#include "culvert-tunnel.h"

#define EXIT_USAGE 2
#define EXIT_FATAL 255

typedef struct
{
  CulvertTunnel *tunnel;
  GMainLoop     *loop;
  gboolean       json;
  gboolean       batch;         /* BatchMode: no question on the terminal */
  int            exit_code;
  gboolean       stopping;
  gboolean       connected_once;
  char          *stdio_host;    /* -W: where standard input and output go, or NULL */
  guint16        stdio_port;
  gboolean       stdio_out_done; /* every byte from the server is on stdout */
  gboolean       stdio_closed;   /* the stream ended; see stdio_opened */
  gboolean       stdio_opened;
  int            ready_fd;      /* -f: tells the waiting parent, once connected */
  guint          flush_id;      /* stdout is flushed once the events at hand are out */

  /* --json: one builder, generator and line for every event, and the
   * second of the last one's time, formatted (see emit_json) */
  JsonBuilder   *builder;
  JsonGenerator *generator;
  GString       *line;
  gint64         time_second;
  char          *time_prefix;
} Runner;

static void
runner_clear (Runner *runner)
{
  g_clear_object (&runner->builder);
  g_clear_object (&runner->generator);
  if (runner->line != NULL)
    g_string_free (g_steal_pointer (&runner->line), TRUE);
  g_clear_pointer (&runner->time_prefix, g_free);
  g_clear_pointer (&runner->stdio_host, g_free);
  if (runner->ready_fd >= 0)
    close (runner->ready_fd);
  runner->ready_fd = -1;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Runner, runner_clear)

/* ---------------------------------------------------------------------- */
/* Output                                                                  */

static gboolean
flush_stdout (gpointer user_data)
{
  Runner *runner = user_data;

  runner->flush_id = 0;
  fflush (stdout);

  return G_SOURCE_REMOVE;
}

/* The time now as g_date_time_format_iso8601() writes it in UTC
 * ("2026-11-29T08:55:01.123456Z", no fraction on a whole second), into
 * @out. The date and clock part is formatted once a second: GDateTime's
 * formatter was 15 % of what an event cost, and a busy forward has
 * thousands of events a second. */
static void
format_now (Runner *runner,
            char    out[40])
{
  gint64 now = g_get_real_time ();
  gint64 second = now / G_USEC_PER_SEC;
  int usec = (int) (now % G_USEC_PER_SEC);

  if (runner->time_prefix == NULL || second != runner->time_second)
    {
      g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (second);

      g_free (runner->time_prefix);
      runner->time_prefix = g_date_time_format (time, "%Y-%m-%dT%H:%M:%S");
      runner->time_second = second;
    }

  if (usec != 0)
    g_snprintf (out, 40, "%s.%06dZ", runner->time_prefix, usec);
  else
    g_snprintf (out, 40, "%sZ", runner->time_prefix);
}

/* Prints one JSON object on one line: "event", "time", then pairs of key and
 * a typed value, ended by NULL. Types: 's' string (NULL gives null),
 * 'u' unsigned 64-bit, 'b' boolean.
 *
 * The runner keeps one builder, generator and line for all events: making
 * and finalizing them for each event cost almost as much as the tunnel's
 * own work for a short connection (callgrind, 3,000 connections through
 * -D, libssh 0.10.6: 89,000 instructions per connection in this function
 * against 119,000 in the worker thread; 63,000 with them kept and the time
 * formatted once a second). */
static void
emit_json (Runner     *runner,
           const char *event,
           ...)
{
  g_autoptr(JsonNode) root = NULL;
  char time[40];
  const char *key;
  va_list args;

  if (!runner->json)
    return;

  if (runner->builder == NULL)
    {
      runner->builder = json_builder_new ();
      runner->generator = json_generator_new ();
      runner->line = g_string_sized_new (256);
    }
  else
    json_builder_reset (runner->builder);

  format_now (runner, time);

  json_builder_begin_object (runner->builder);
  json_builder_set_member_name (runner->builder, "event");
  json_builder_add_string_value (runner->builder, event);
  json_builder_set_member_name (runner->builder, "time");
  json_builder_add_string_value (runner->builder, time);

  va_start (args, event);
  while ((key = va_arg (args, const char *)) != NULL)
    {
      int type = va_arg (args, int);

      json_builder_set_member_name (runner->builder, key);
      switch (type)
        {
        case 's':
          {
            const char *value = va_arg (args, const char *);

            if (value != NULL)
              json_builder_add_string_value (runner->builder, value);
            else
              json_builder_add_null_value (runner->builder);
          }
          break;
        case 'u':
          {
            guint64 value = va_arg (args, guint64);

            g_assert (value <= G_MAXINT64);
            json_builder_add_int_value (runner->builder, (gint64) value);
          }
          break;
        case 'b':
          json_builder_add_boolean_value (runner->builder, va_arg (args, gboolean));
          break;
        default:
          g_assert_not_reached ();
        }
    }
  va_end (args);
  json_builder_end_object (runner->builder);

  /* Not pretty-printed: one object per line, whatever the strings hold. */
  root = json_builder_get_root (runner->builder);
  json_generator_set_root (runner->generator, root);
  g_string_truncate (runner->line, 0);
  json_generator_to_gstring (runner->generator, runner->line);
  g_string_append_c (runner->line, '\n');
  fwrite (runner->line->str, 1, runner->line->len, stdout);

  /* Clients come and go in bursts: their lines go out together, once the
   * main loop has nothing more at hand, instead of one write (and one
   * wake-up of the reader) each. Everything else goes out at once. */
  if (g_str_has_prefix (event, "client-"))
    {
      if (runner->flush_id == 0)
        runner->flush_id = g_idle_add (flush_stdout, runner);
    }
  else
    fflush (stdout);
}

static char *
forward_label (CulvertForward *forward)
{
  g_autofree char *spec = culvert_forward_to_string (forward);

  return g_strdup_printf ("%s %s", culvert_forward_kind_to_flag (culvert_forward_get_kind (forward)),
                          spec);
}

/* forward_label() of @status's forward, made once: every client event of
 * the forward names it, and the forwards of a headless run never change. */
static const char *
status_label (CulvertForwardStatus *status)
{
  static GQuark quark;
  const char *label;

  if (quark == 0)
    quark = g_quark_from_static_string ("culvert-headless-label");

  label = g_object_get_qdata (G_OBJECT (status), quark);
  if (label == NULL)
    {
      char *made = forward_label (culvert_forward_status_get_forward (status));

      g_object_set_qdata_full (G_OBJECT (status), quark, made, g_free);
      label = made;
    }

  return label;
}

/* ---------------------------------------------------------------------- */
/* Questions, answered on the terminal                                     */

static char *
read_tty_line (const char *prompt,
               gboolean    echo)
{
  struct termios saved, quiet;
  char line[1024];
  FILE *tty = fopen ("/dev/tty", "r+");
  gboolean restore = FALSE;
  char *answer = NULL;

  if (tty == NULL)
    return NULL;

  /* Echo goes off before the prompt shows, so a fast typist is not echoed. */
  if (!echo && tcgetattr (fileno (tty), &saved) == 0)
    {
      quiet = saved;
      quiet.c_lflag &= ~ECHO;
      restore = tcsetattr (fileno (tty), TCSAFLUSH, &quiet) == 0;
    }
  fputs (prompt, tty);
  fflush (tty);

  if (fgets (line, sizeof line, tty) != NULL)
    {
      line[strcspn (line, "\r\n")] = '\0';
      answer = g_strdup (line);
    }
  explicit_bzero (line, sizeof line);

  if (restore)
    {
      tcsetattr (fileno (tty), TCSAFLUSH, &saved);
      fputs ("\n", tty);
    }
  fclose (tty);

  return answer;
}

static gboolean
have_terminal (void)
{
  return isatty (STDIN_FILENO) && access ("/dev/tty", R_OK | W_OK) == 0;
}

static void
on_question (CulvertTunnel   *tunnel,
             CulvertQuestion *question,
             Runner          *runner)
{
  /* A notice: the refusal and its reasons arrive as the failure itself. */
  if (culvert_question_get_kind (question) == CULVERT_QUESTION_HOST_KEY_CHANGED)
    return;

  if (runner->batch || !have_terminal ())
    {
      emit_json (runner, "question", "kind", 's',
                 culvert_question_get_kind (question) == CULVERT_QUESTION_HOST_KEY ? "host-key" : "secret",
                 "answered", 'b', FALSE, NULL);
      culvert_question_cancel (question);
      return;
    }

  switch (culvert_question_get_kind (question))
    {
    case CULVERT_QUESTION_HOST_KEY:
      {
        g_autofree char *prompt = NULL;
        g_autofree char *answer = NULL;

        prompt = g_strdup_printf (_("The authenticity of host %s can't be established.\n"
                                    "%s key fingerprint is %s.\n"
                                    "Are you sure you want to continue connecting (yes/no)? "),
                                  culvert_question_get_title (question),
                                  culvert_question_get_key_type (question),
                                  culvert_question_get_detail (question));
        answer = read_tty_line (prompt, TRUE);
        culvert_question_answer (question, g_strcmp0 (answer, "yes") == 0, NULL);
      }
      break;

    case CULVERT_QUESTION_PASSWORD:
    case CULVERT_QUESTION_PASSPHRASE:
      {
        g_autofree char *prompt = g_strdup_printf ("%s: ", culvert_question_get_title (question));
        char *answer = read_tty_line (prompt, FALSE);
        const char *answers[] = { answer, NULL };

        culvert_question_answer (question, answer != NULL, answers);
        if (answer != NULL)
          explicit_bzero (answer, strlen (answer));
        g_free (answer);
      }
      break;

    case CULVERT_QUESTION_KEYBOARD_INTERACTIVE:
      {
        const char * const *prompts = culvert_question_get_prompts (question);
        g_autoptr(GPtrArray) answers = g_ptr_array_new ();
        gboolean ok = TRUE;

        /* The server chose these words: shown, never obeyed. */
        g_autofree char *name = culvert_text_for_terminal (culvert_question_get_title (question));
        g_autofree char *instruction =
          culvert_text_for_terminal (culvert_question_get_detail (question));

        if (name != NULL && *name != '\0')
          g_printerr ("%s\n", name);
        if (instruction != NULL && *instruction != '\0')
          g_printerr ("%s\n", instruction);
        for (guint i = 0; prompts != NULL && prompts[i] != NULL && ok; i++)
          {
            g_autofree char *prompt = culvert_text_for_terminal (prompts[i]);
            char *answer = read_tty_line (prompt, culvert_question_get_echo (question, i));

            ok = answer != NULL;
            g_ptr_array_add (answers, answer);
          }
        g_ptr_array_add (answers, NULL);
        culvert_question_answer (question, ok, (const char * const *) answers->pdata);
        for (guint i = 0; i < answers->len; i++)
          if (answers->pdata[i] != NULL)
            {
              explicit_bzero (answers->pdata[i], strlen (answers->pdata[i]));
              g_free (answers->pdata[i]);
            }
      }
      break;

    case CULVERT_QUESTION_HOST_KEY_CHANGED:
    default:
      culvert_question_cancel (question);
    }
}

/* ---------------------------------------------------------------------- */
/* -f: into the background once connected, as ssh -f                      */

/* Forks before any thread runs. The parent waits until the child says it
 * is connected (then exits 0, as ssh -f does) or ends (then exits as the
 * child did); the child goes on. Returns FALSE in the parent, with
 * @exit_code set. */
static gboolean
background_fork (Runner *runner,
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
static void
background_ready (Runner *runner)
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

static gboolean give_up_waiting (gpointer user_data);

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
  g_timeout_add (1500, give_up_waiting, runner);
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

static void
on_stream_closed (CulvertTunnel *tunnel,
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

static void
stdio_start (Runner *runner)
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

/* "host:port" or "[v6]:port", as ssh's -W takes it. */
static gboolean
parse_stdio_target (const char  *text,
                    char       **host,
                    guint16     *port,
                    GError     **error)
{
  const char *colon = strrchr (text, ':');
  g_autofree char *name = NULL;

  if (colon == NULL || colon == text)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("-W %s: expected host:port"), text);
      return FALSE;
    }
  name = g_strndup (text, colon - text);
  if (name[0] == '[' && name[strlen (name) - 1] == ']')
    {
      char *inner = g_strndup (name + 1, strlen (name) - 2);

      g_free (name);
      name = inner;
    }
  if (!culvert_address_is_valid_host (name))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("-W %s: “%s” is not a host name or an IP address"), text, name);
      return FALSE;
    }
  if (!culvert_address_parse_port (colon + 1, FALSE, CULVERT_PORT_FIELD_DESTINATION, port, error))
    return FALSE;
  *host = g_steal_pointer (&name);
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Tunnel events                                                           */

static void
on_state (CulvertTunnel *tunnel,
          GParamSpec    *pspec,
          Runner        *runner)
{
  CulvertTunnelState state = culvert_tunnel_get_state (tunnel);
  const char *reason = culvert_tunnel_get_state_reason (tunnel);

  emit_json (runner, "state", "state", 's', culvert_tunnel_state_to_string (state),
             "reason", 's', reason, NULL);

  if (state == CULVERT_TUNNEL_CONNECTED)
    {
      if (!runner->connected_once && runner->stdio_host != NULL)
        stdio_start (runner);
      runner->connected_once = TRUE;
      background_ready (runner);
    }

  if (state == CULVERT_TUNNEL_FAILED)
    {
      g_autofree char *line = g_strdup (reason ? reason : _("The connection failed"));

      /* One line on stderr, whatever the reason's own layout. */
      g_strdelimit (line, "\n", ' ');
      g_printerr ("culvert: %s\n", line);
      emit_json (runner, "error", "message", 's', reason, NULL);
      runner->exit_code = EXIT_FATAL;
    }
}

/* While reconnecting: each wait (the attempt to come and when), and each
 * attempt as it starts. */
static void
on_retry (CulvertTunnel *tunnel,
          GParamSpec    *pspec,
          Runner        *runner)
{
  gint64 next_try = culvert_tunnel_get_next_try (tunnel);
  guint attempt = culvert_tunnel_get_reconnect_attempt (tunnel);

  if (next_try != 0)
    {
      g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (next_try / G_USEC_PER_SEC);
      g_autoptr(GDateTime) exact = g_date_time_add (when, next_try % G_USEC_PER_SEC);
      g_autofree char *text = g_date_time_format_iso8601 (exact);
      gint64 delay_ms = MAX (next_try - g_get_real_time (), 0) / 1000;

      emit_json (runner, "reconnect-scheduled",
                 "attempt", 'u', (guint64) attempt,
                 "next_try", 's', text,
                 "delay_ms", 'u', (guint64) delay_ms,
                 NULL);
      if (!runner->json)
        {
          guint seconds = (guint) ((delay_ms + 999) / 1000);
          g_autofree char *line = g_strdup_printf (ngettext ("Connecting again in %u second",
                                                             "Connecting again in %u seconds",
                                                             seconds),
                                                   seconds);

          /* Why it was lost is logged already. */
          g_printerr ("culvert: %s\n", line);
        }
    }
  else if (attempt > 0 && culvert_tunnel_get_state (tunnel) == CULVERT_TUNNEL_RECONNECTING)
    {
      emit_json (runner, "reconnect-attempt", "attempt", 'u', (guint64) attempt, NULL);
    }
}

static void
on_log (CulvertTunnel   *tunnel,
        CulvertLogEntry *entry,
        Runner          *runner)
{
  emit_json (runner, "log", "message", 's', culvert_log_entry_get_message (entry),
             "error", 'b', culvert_log_entry_get_is_error (entry), NULL);
  if (!runner->json && culvert_log_entry_get_is_error (entry) &&
      culvert_tunnel_get_state (tunnel) == CULVERT_TUNNEL_CONNECTED)
    g_printerr ("culvert: %s\n", culvert_log_entry_get_message (entry));
}

static void
on_client_opened (CulvertTunnel           *tunnel,
                  CulvertForwardStatus    *status,
                  CulvertClientConnection *client,
                  Runner                  *runner)
{
  if (!runner->json)
    return;

  emit_json (runner, "client-opened",
             "forward", 's', status_label (status),
             "id", 'u', culvert_client_connection_get_id (client),
             "source", 's', culvert_client_connection_get_source (client),
             "destination", 's', culvert_client_connection_get_destination (client),
             NULL);
}

static void
on_client_closed (CulvertTunnel           *tunnel,
                  CulvertForwardStatus    *status,
                  CulvertClientConnection *client,
                  const char              *reason,
                  Runner                  *runner)
{
  if (!runner->json)
    return;

  emit_json (runner, "client-closed",
             "forward", 's', status_label (status),
             "id", 'u', culvert_client_connection_get_id (client),
             "source", 's', culvert_client_connection_get_source (client),
             "bytes_sent", 'u', culvert_client_connection_get_bytes_sent (client),
             "bytes_received", 'u', culvert_client_connection_get_bytes_received (client),
             "reason", 's', reason,
             NULL);
}

static void
on_exited (CulvertTunnel *tunnel,
           Runner        *runner)
{
  g_main_loop_quit (runner->loop);
}

static gboolean
give_up_waiting (gpointer user_data)
{
  Runner *runner = user_data;

  g_printerr ("culvert: %s\n", _("The connection did not close in time; exiting anyway"));
  g_main_loop_quit (runner->loop);

  return G_SOURCE_REMOVE;
}

static gboolean
on_signal (gpointer user_data)
{
  Runner *runner = user_data;

  if (runner->stopping)
    return G_SOURCE_CONTINUE;

  runner->stopping = TRUE;
  emit_json (runner, "stopping", NULL);
  culvert_tunnel_disconnect (runner->tunnel);
  /* Bounded: a server that does not answer must not keep us here (the
   * worker lets go of a dead server at once; this is the backstop). */
  g_timeout_add (1500, give_up_waiting, runner);

  return G_SOURCE_CONTINUE;
}

/* ---------------------------------------------------------------------- */
/* Flags                                                                   */

static gboolean
parse_yes_no (const char  *key,
              const char  *value,
              gboolean    *out,
              GError     **error)
{
  if (g_ascii_strcasecmp (value, "yes") == 0 || g_ascii_strcasecmp (value, "true") == 0)
    *out = TRUE;
  else if (g_ascii_strcasecmp (value, "no") == 0 || g_ascii_strcasecmp (value, "false") == 0)
    *out = FALSE;
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("%s must be “yes” or “no”, not “%s”"), key, value);
      return FALSE;
    }

  return TRUE;
}

static gboolean
parse_number (const char  *key,
              const char  *value,
              guint64      min,
              guint64      max,
              guint64     *out,
              GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!g_ascii_string_to_unsigned (value, 10, min, max, out, &local_error))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("%s must be a number from %u to %u, not “%s”"),
                   key, (guint) min, (guint) max, value);
      return FALSE;
    }

  return TRUE;
}

typedef struct
{
  CulvertHostKeyPolicy policy;
  gboolean             exit_on_forward_failure;
  gboolean             stream_local_bind_unlink;
  guint                connect_timeout;
  gboolean             batch;
  gboolean             clear_forwardings;
  GPtrArray           *permit_remote_open;  /* NULL: any */
} Extra;

/* One -o KEY=VALUE (or "KEY VALUE"), as ssh_config spells it. */
/* -J and -o ProxyJump: a hop that cannot be read is a command-line error. */
static gboolean
check_jump_hosts (char    **jumps,
                  GError  **error)
{
  for (guint i = 0; jumps[i] != NULL; i++)
    {
      g_autoptr(GError) parse_error = NULL;

      if (!culvert_jump_host_parse (jumps[i], NULL, NULL, NULL, &parse_error))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "-J: %s",
                       parse_error->message);
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
apply_option (CulvertProfile  *profile,
              Extra           *extra,
              const char      *option,
              GError         **error)
{
  g_autofree char *key = NULL;
  const char *value;
  const char *sep = strpbrk (option, "= \t");
  guint64 number;
  gboolean flag;

  if (sep == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("-o %s: expected KEY=VALUE"), option);
      return FALSE;
    }
  key = g_strndup (option, sep - option);
  value = sep;
  while (*value == '=' || *value == ' ' || *value == '\t')
    value++;

  if (g_ascii_strcasecmp (key, "Port") == 0)
    {
      if (!parse_number (key, value, 1, 65535, &number, error))
        return FALSE;
      culvert_profile_set_port (profile, number);
    }
  else if (g_ascii_strcasecmp (key, "User") == 0)
    culvert_profile_set_user (profile, value);
  else if (g_ascii_strcasecmp (key, "IdentityFile") == 0)
    {
      culvert_profile_set_identity_file (profile, value);
      culvert_profile_set_auth_method (profile, CULVERT_AUTH_AUTOMATIC);
    }
  else if (g_ascii_strcasecmp (key, "UserKnownHostsFile") == 0)
    culvert_profile_set_known_hosts_file (profile, value);
  else if (g_ascii_strcasecmp (key, "StrictHostKeyChecking") == 0)
    {
      if (g_ascii_strcasecmp (value, "accept-new") == 0)
        extra->policy = CULVERT_HOST_KEY_ACCEPT_NEW;
      else if (g_ascii_strcasecmp (value, "ask") == 0)
        extra->policy = CULVERT_HOST_KEY_ASK;
      else if (g_ascii_strcasecmp (value, "off") == 0)
        extra->policy = CULVERT_HOST_KEY_NO;
      else if (parse_yes_no (key, value, &flag, NULL))
        extra->policy = flag ? CULVERT_HOST_KEY_STRICT : CULVERT_HOST_KEY_NO;
      else
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("StrictHostKeyChecking must be yes, no, ask or accept-new, not “%s”"),
                       value);
          return FALSE;
        }
    }
  else if (g_ascii_strcasecmp (key, "ServerAliveInterval") == 0)
    {
      if (!parse_number (key, value, 0, 86400, &number, error))
        return FALSE;
      culvert_profile_set_keepalive_interval (profile, number);
    }
  else if (g_ascii_strcasecmp (key, "ServerAliveCountMax") == 0)
    {
      if (!parse_number (key, value, 0, 1000, &number, error))
        return FALSE;
      culvert_profile_set_keepalive_count (profile, number);
    }
  else if (g_ascii_strcasecmp (key, "ExitOnForwardFailure") == 0)
    {
      if (!parse_yes_no (key, value, &extra->exit_on_forward_failure, error))
        return FALSE;
    }
  else if (g_ascii_strcasecmp (key, "StreamLocalBindUnlink") == 0)
    {
      if (!parse_yes_no (key, value, &extra->stream_local_bind_unlink, error))
        return FALSE;
    }
  else if (g_ascii_strcasecmp (key, "GatewayPorts") == 0)
    {
      if (!parse_yes_no (key, value, &flag, error))
        return FALSE;
      culvert_profile_set_gateway_ports (profile, flag);
    }
  else if (g_ascii_strcasecmp (key, "ConnectTimeout") == 0)
    {
      if (!parse_number (key, value, 1, 3600, &number, error))
        return FALSE;
      extra->connect_timeout = number;
    }
  else if (g_ascii_strcasecmp (key, "PermitRemoteOpen") == 0)
    {
      g_auto(GStrv) words = g_strsplit_set (value, " \t", -1);

      /* As ssh: "any", "none", or host:port entries ("*" for either). The
       * list before is the runner's to free. */
      extra->permit_remote_open = NULL;
      if (g_ascii_strcasecmp (value, "any") == 0)
        return TRUE;
      extra->permit_remote_open = g_ptr_array_new_with_free_func (g_free);
      if (g_ascii_strcasecmp (value, "none") == 0)
        return TRUE;
      for (guint i = 0; words[i] != NULL; i++)
        {
          const char *colon = strrchr (words[i], ':');
          guint64 port_number = 0;

          if (words[i][0] == '\0')
            continue;
          if (colon == NULL || colon == words[i] ||
              (strcmp (colon + 1, "*") != 0 &&
               !parse_number (key, colon + 1, 1, 65535, &port_number, NULL)))
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("PermitRemoteOpen: “%s” is not host:port, any or none"), words[i]);
              return FALSE;
            }
          g_ptr_array_add (extra->permit_remote_open, g_strdup (words[i]));
        }
    }
  else if (g_ascii_strcasecmp (key, "ClearAllForwardings") == 0)
    {
      /* As ssh: every forward of the config file and the command line goes. */
      if (!parse_yes_no (key, value, &extra->clear_forwardings, error))
        return FALSE;
    }
  else if (g_ascii_strcasecmp (key, "BatchMode") == 0)
    {
      /* yes: never ask on the terminal, fail instead (as without one). */
      if (!parse_yes_no (key, value, &flag, error))
        return FALSE;
      extra->batch = flag;
    }
  else if (g_ascii_strcasecmp (key, "ProxyCommand") == 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("-o ProxyCommand is not supported: Culvert makes the connection itself. "
                     "Use --proxy URL for an HTTP or SOCKS 5 proxy, or -J for a jump host"));
      return FALSE;
    }
  else if (g_ascii_strcasecmp (key, "ProxyJump") == 0)
    {
      g_auto(GStrv) jumps = g_strsplit (value, ",", -1);

      if (g_ascii_strcasecmp (value, "none") != 0 && !check_jump_hosts (jumps, error))
        return FALSE;
      culvert_profile_set_jump_hosts (profile, g_ascii_strcasecmp (value, "none") == 0
                                               ? NULL : (const char * const *) jumps);
    }
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("-o %s: “%s” is not an option Culvert understands (supported: Port, User, "
                     "IdentityFile, UserKnownHostsFile, StrictHostKeyChecking, "
                     "ServerAliveInterval, ServerAliveCountMax, ExitOnForwardFailure, "
                     "GatewayPorts, ConnectTimeout, ProxyJump, BatchMode, "
                     "ClearAllForwardings, PermitRemoteOpen, StreamLocalBindUnlink)"),
                   option, key);
      return FALSE;
    }

  return TRUE;
}

static gboolean
add_forwards (CulvertProfile      *profile,
              CulvertForwardKind   kind,
              const char * const  *specs,
              GError             **error)
{
  for (guint i = 0; specs != NULL && specs[i] != NULL; i++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(CulvertForward) forward = culvert_forward_parse (kind, specs[i], &local_error);

      if (forward == NULL)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("Bad %s forwarding specification “%s”: %s"),
                       culvert_forward_kind_to_flag (kind), specs[i], local_error->message);
          return FALSE;
        }
      culvert_profile_add_forward (profile, forward);
    }

  return TRUE;
}

/* Says, once per forward, who can now connect when a forward is off-host. */
static void
warn_off_host (CulvertProfile *profile)
{
  GListModel *forwards = culvert_profile_get_forwards (profile);
  gboolean gateway_ports = culvert_profile_get_gateway_ports (profile);

  for (guint i = 0; i < g_list_model_get_n_items (forwards); i++)
    {
      g_autoptr(CulvertForward) forward = g_list_model_get_item (forwards, i);
      g_autofree char *bind = NULL;
      g_autofree char *where = NULL;
      guint16 port = culvert_forward_get_bind_port (forward);

      /* On the server's loopback, a reverse dynamic forward still lets
       * every user of the server into this computer and its network. */
      if (culvert_forward_is_reverse_dynamic (forward) &&
          !culvert_forward_is_off_host_full (forward, gateway_ports))
        {
          g_autofree char *reach =
            culvert_forward_describe_reach (forward, gateway_ports,
                                            culvert_profile_get_host (profile));

          g_printerr (_("Warning: %s\n"), reach);
          continue;
        }
      if (!culvert_forward_is_off_host_full (forward, gateway_ports))
        continue;

      bind = culvert_forward_dup_effective_bind_address_full (forward, gateway_ports);
      if (bind == NULL || *bind == '\0' || g_strcmp0 (bind, "*") == 0)
        where = g_strdup_printf (_("port %u on all interfaces"), port);
      else
        where = g_strdup_printf (_("port %u on %s"), port, bind);

      switch (culvert_forward_get_kind (forward))
        {
        case CULVERT_FORWARD_DYNAMIC:
          g_printerr (_("Warning: %s is an open proxy: anyone who can reach it can use your SSH "
                        "server to connect anywhere, without a password.\n"), where);
          break;
        case CULVERT_FORWARD_REMOTE:
          if (culvert_forward_is_reverse_dynamic (forward))
            g_printerr (_("Warning: %s on the server is an open proxy: anyone who can reach it "
                          "can connect anywhere this computer can reach, without a "
                          "password.\n"), where);
          else
            g_printerr (_("Warning: %s on the server accepts connections from other "
                          "computers, without a password.\n"), where);
          break;
        case CULVERT_FORWARD_LOCAL:
        default:
          g_printerr (_("Warning: %s accepts connections from other computers, without a "
                        "password; they reach %s:%u through your SSH server.\n"),
                      where, culvert_forward_get_destination_host (forward),
                      culvert_forward_get_destination_port (forward));
          break;
        }
    }
}

/* An http:// or socks5:// proxy URL with a host; @what names it in errors. */
static gboolean
check_proxy_url (const char  *url,
                 const char  *what,
                 GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") != 0 &&
       g_ascii_strcasecmp (g_uri_get_scheme (uri), "socks5") != 0))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("%s: “%s” is not a proxy address; expected http://host[:port] or "
                     "socks5://host[:port]"), what, url);
      return FALSE;
    }

  return TRUE;
}

/* How the run reaches the server: --proxy URL, --no-proxy, or else (for a
 * run from flags, not a saved connection) HTTPPROXY and HTTPPROXYBYPASS,
 * then the usual *_proxy variables through the system's settings. */
static gboolean
apply_proxy (CulvertProfile  *profile,
             const char      *proxy_url,
             gboolean         no_proxy,
             gboolean         from_profile,
             GError         **error)
{
  const char *bypass = g_getenv ("HTTPPROXYBYPASS");
  const char *env = g_getenv ("HTTPPROXY");
  static const char * const variables[] = {
    "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
  };

  if (proxy_url != NULL && no_proxy)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("--proxy and --no-proxy cannot be used together"));
      return FALSE;
    }

  if (no_proxy)
    {
      culvert_profile_set_proxy_mode (profile, CULVERT_PROXY_NONE);
      return TRUE;
    }

  if (proxy_url == NULL && from_profile)
    return TRUE;

  if (proxy_url == NULL && env != NULL && *env != '\0')
    {
      g_autofree char *url = strstr (env, "://") != NULL ? g_strdup (env)
                                                         : g_strconcat ("http://", env, NULL);

      if (!check_proxy_url (url, "HTTPPROXY", error))
        return FALSE;
      culvert_profile_set_proxy_mode (profile, CULVERT_PROXY_CUSTOM);
      culvert_profile_set_proxy_url (profile, url);
      culvert_profile_set_proxy_bypass (profile, bypass);
      return TRUE;
    }

  if (proxy_url != NULL)
    {
      if (!check_proxy_url (proxy_url, "--proxy", error))
        return FALSE;
      culvert_profile_set_proxy_mode (profile, CULVERT_PROXY_CUSTOM);
      culvert_profile_set_proxy_url (profile, proxy_url);
      culvert_profile_set_proxy_bypass (profile, bypass);
      return TRUE;
    }

  culvert_profile_set_proxy_mode (profile, CULVERT_PROXY_NONE);
  for (guint i = 0; i < G_N_ELEMENTS (variables); i++)
    {
      const char *value = g_getenv (variables[i]);

      if (value != NULL && *value != '\0')
        culvert_profile_set_proxy_mode (profile, CULVERT_PROXY_SYSTEM);
    }

  return TRUE;
}

static void
report_forward (CulvertForwardStatus *status,
                Runner               *runner)
{
  g_autofree char *label = forward_label (culvert_forward_status_get_forward (status));

  if (culvert_forward_status_get_state (status) == CULVERT_FORWARD_STATE_FAILED)
    {
      const char *error = culvert_forward_status_get_error (status);
      guint16 suggestion = culvert_forward_status_get_suggested_port (status);

      emit_json (runner, "forward-failed", "forward", 's', label, "error", 's', error,
                 "suggested_port", 'u', (guint64) suggestion, NULL);
      if (suggestion != 0)
        g_printerr (_("Warning: %s: %s (port %u is free)\n"), label, error, suggestion);
      else
        g_printerr (_("Warning: %s: %s\n"), label, error);
    }
  else
    {
      static const char * const reach_names[] = {
        [CULVERT_FORWARD_REACH_AS_ASKED] = NULL,
        [CULVERT_FORWARD_REACH_OTHER_HOSTS] = "other-hosts",
        [CULVERT_FORWARD_REACH_LOOPBACK_ONLY] = "loopback-only",
        [CULVERT_FORWARD_REACH_UNCHECKED] = "unchecked",
      };
      CulvertForwardReach reach = culvert_forward_status_get_reach (status);

      /* "reach": for an incoming forward asked to take other computers,
       * whether the server really does (null: not such a forward). */
      emit_json (runner, "listening", "forward", 's', label,
                 "address", 's', culvert_forward_status_get_listen_address (status),
                 "port", 'u', (guint64) culvert_forward_status_get_port (status),
                 "reach", 's', reach_names[reach], NULL);
      if (reach == CULVERT_FORWARD_REACH_LOOPBACK_ONLY)
        g_printerr (_("Note: %s: the server listens for programs on the server only (its "
                      "GatewayPorts setting); other computers cannot connect.\n"), label);
    }
}

/* A forward whose bind name was still being looked up, or an incoming
 * forward the server has not answered yet, is told once it listens or failed. */
static void
on_forward_settled (CulvertForwardStatus *status,
                    GParamSpec           *pspec,
                    Runner               *runner)
{
  CulvertForwardState state = culvert_forward_status_get_state (status);

  if (state != CULVERT_FORWARD_STATE_FAILED && state != CULVERT_FORWARD_STATE_LISTENING)
    return;

  g_signal_handlers_disconnect_by_func (status, on_forward_settled, runner);
  report_forward (status, runner);
}

static void
report_forwards (CulvertTunnel *tunnel,
                 Runner        *runner)
{
  GListModel *forwards = culvert_tunnel_get_forwards (tunnel);

  for (guint i = 0; i < g_list_model_get_n_items (forwards); i++)
    {
      g_autoptr(CulvertForwardStatus) status = g_list_model_get_item (forwards, i);

      if (culvert_forward_status_get_state (status) != CULVERT_FORWARD_STATE_FAILED &&
          culvert_forward_status_get_listen_address (status) == NULL)
        g_signal_connect (status, "notify::state", G_CALLBACK (on_forward_settled), runner);
      else
        report_forward (status, runner);
    }
}

/* The settings ssh itself would use for `ssh ALIAS` with this config file,
 * or NULL when the file names no such host. @path NULL: ~/.ssh/config, if any. */
static CulvertProfile *
profile_from_ssh_config (const char  *path,
                         const char  *alias,
                         GError     **error)
{
  g_autoptr(CulvertSshConfig) config = culvert_ssh_config_new ();
  g_autoptr(CulvertSshImportReport) report = culvert_ssh_import_report_new ();
  g_autoptr(GPtrArray) profiles = NULL;
  g_autofree char *default_path = NULL;

  if (path == NULL)
    {
      default_path = culvert_ssh_config_dup_default_path ();
      if (!g_file_test (default_path, G_FILE_TEST_EXISTS))
        return NULL;
      path = default_path;
    }

  if (!culvert_ssh_config_parse_file (config, path, error))
    return NULL;

  profiles = culvert_ssh_config_build_profiles (config, report);
  for (guint i = 0; i < profiles->len; i++)
    {
      CulvertProfile *profile = g_ptr_array_index (profiles, i);

      if (g_strcmp0 (culvert_profile_get_name (profile), alias) == 0)
        return g_object_ref (profile);
    }

  return NULL;
}

static CulvertProfile *
load_profile (const char  *name_or_id,
              GError     **error)
{
  g_autoptr(CulvertProfileStore) store = culvert_profile_store_new (NULL);
  CulvertProfile *profile;

  if (!culvert_profile_store_load (store, error))
    return NULL;

  profile = culvert_profile_store_find (store, name_or_id);
  if (profile == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("No saved connection is called “%s” (see culvert --list)"), name_or_id);
      return NULL;
    }

  return g_object_ref (profile);
}

int
culvert_headless_main (int    argc,
                       char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CulvertProfile) profile = NULL;
  g_autoptr(CulvertTunnel) tunnel = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_auto(GStrv) args = NULL;
  g_auto(GStrv) local_specs = NULL;
  g_auto(GStrv) remote_specs = NULL;
  g_auto(GStrv) dynamic_specs = NULL;
  g_auto(GStrv) options = NULL;
  g_autofree char *user = NULL;
  g_autofree char *identity = NULL;
  g_autofree char *jumps = NULL;
  g_autofree char *config_file = NULL;
  g_autofree char *profile_name = NULL;
  g_autofree char *port_text = NULL;
  g_autofree char *proxy_url = NULL;
  gboolean no_proxy = FALSE;
  gboolean headless = FALSE;
  gboolean gateway_ports = FALSE;
  gboolean json = FALSE;
  gboolean reconnect = FALSE;
  gboolean no_command = FALSE;
  gboolean background = FALSE;
  g_autofree char *stdio_target = NULL;
  gboolean version = FALSE;
  guint64 port = 0;
  Extra extra = { .policy = CULVERT_HOST_KEY_STRICT };
  g_autoptr(GPtrArray) permit_remote_open = NULL;
  g_auto(Runner) runner = { .ready_fd = -1 };
  GOptionEntry entries[] = {
    { "headless", 0, 0, G_OPTION_ARG_NONE, &headless, N_("Serve forwards without a window"), NULL },
    { "profile", 0, 0, G_OPTION_ARG_STRING, &profile_name, N_("Serve a saved connection"),
      N_("NAME-OR-ID") },
    { "port", 'p', 0, G_OPTION_ARG_STRING, &port_text, N_("Port of the SSH server"), N_("PORT") },
    { "login-name", 'l', 0, G_OPTION_ARG_STRING, &user, N_("User to log in as"), N_("USER") },
    { "identity", 'i', 0, G_OPTION_ARG_FILENAME, &identity, N_("Private key file"), N_("FILE") },
    { "local", 'L', 0, G_OPTION_ARG_STRING_ARRAY, &local_specs,
      N_("Outgoing forward: [bind_address:]port:host:hostport"), N_("SPEC") },
    { "remote", 'R', 0, G_OPTION_ARG_STRING_ARRAY, &remote_specs,
      N_("Incoming forward: [bind_address:]port:host:hostport"), N_("SPEC") },
    { "dynamic", 'D', 0, G_OPTION_ARG_STRING_ARRAY, &dynamic_specs,
      N_("Dynamic (SOCKS) forward: [bind_address:]port"), N_("SPEC") },
    { "jump", 'J', 0, G_OPTION_ARG_STRING, &jumps, N_("Jump hosts: [user@]host[:port],…"),
      N_("JUMPS") },
    { "proxy", 0, 0, G_OPTION_ARG_STRING, &proxy_url,
      N_("Reach the server through this proxy: http://host[:port] or socks5://host[:port]"),
      N_("URL") },
    { "no-proxy", 0, 0, G_OPTION_ARG_NONE, &no_proxy,
      N_("Reach the server directly, whatever the environment says"), NULL },
    { "gateway-ports", 'g', 0, G_OPTION_ARG_NONE, &gateway_ports,
      N_("Allow other computers to connect to forwarded ports"), NULL },
    { "option", 'o', 0, G_OPTION_ARG_STRING_ARRAY, &options, N_("An ssh_config option"),
      N_("KEY=VALUE") },
    { "config", 'F', 0, G_OPTION_ARG_FILENAME, &config_file, N_("Read this ssh_config file"),
      N_("FILE") },
    { "no-command", 'N', 0, G_OPTION_ARG_NONE, &no_command, N_("Accepted for ssh compatibility (always on)"),
      NULL },
    { "stdio-forward", 'W', 0, G_OPTION_ARG_STRING, &stdio_target,
      N_("Carry standard input and output to HOST:PORT through the server, like "
         "“ssh -W” (for ProxyCommand)"), N_("HOST:PORT") },
    { "background", 'f', 0, G_OPTION_ARG_NONE, &background,
      N_("Go into the background once connected, like “ssh -f”"), NULL },
    { "ssh-version", 'V', G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &version, NULL, NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON object per event on stdout"),
      NULL },
    { "reconnect", 0, 0, G_OPTION_ARG_NONE, &reconnect,
      N_("Connect again when the connection is lost, like autossh (with --profile: "
         "as the connection says, or always with this flag)"), NULL },
    { NULL }
  };

  context = g_option_context_new (_("[user@]host"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
                                _("Serve SSH port forwards without a window, like “ssh -N”, "
                                  "until interrupted."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  /* ssh's forms first (-p2222, -gN, -oKey=value); the parser edits its
   * own copy. */
  args = culvert_ssh_argv_split (argv, &error);
  if (args == NULL)
    {
      g_printerr ("culvert: %s\n", error->message);
      return EXIT_USAGE;
    }

  if (!g_option_context_parse_strv (context, &args, &error))
    {
      g_printerr ("culvert: %s\n", error->message);
      return EXIT_USAGE;
    }

  if (stdio_target != NULL)
    {
      if (json)
        {
          g_printerr ("culvert: %s\n", _("-W and --json cannot go together: -W uses standard "
                                          "output for its data"));
          return EXIT_USAGE;
        }
      if (!parse_stdio_target (stdio_target, &runner.stdio_host, &runner.stdio_port, &error))
        {
          g_printerr ("culvert: %s\n", error->message);
          return EXIT_USAGE;
        }
    }

  if (version)
    {
      /* As ssh -V: the version on stderr, and nothing else. */
      g_printerr ("culvert %s\n", PACKAGE_VERSION);
      return 0;
    }

  /* Checked before anything else runs: a bad port is never "the default". */
  if (port_text != NULL &&
      !parse_number ("-p", port_text, 1, 65535, &port, &error))
    {
      g_printerr ("culvert: %s\n", error->message);
      return EXIT_USAGE;
    }

  if (profile_name != NULL)
    {
      if (g_strv_length (args) > 1)
        {
          g_printerr ("culvert: %s\n", _("--profile takes no host"));
          return EXIT_USAGE;
        }
      profile = load_profile (profile_name, &error);
      if (profile == NULL)
        {
          g_printerr ("culvert: %s\n", error->message);
          return EXIT_FATAL;
        }
    }
  else
    {
      const char *destination;
      const char *at;

      if (g_strv_length (args) != 2)
        {
          g_printerr ("culvert: %s\n", g_strv_length (args) < 2
                      ? _("Which server? Give [user@]host, or --profile NAME")
                      : _("Only one server can be given; a command to run is not supported"));
          return EXIT_USAGE;
        }
      g_autofree char *login = NULL;

      destination = args[1];
      at = strrchr (destination, '@');
      if (at != NULL)
        {
          login = g_strndup (destination, at - destination);
          destination = at + 1;
        }
      if (*destination == '\0')
        {
          g_printerr ("culvert: %s\n", _("The server name is empty"));
          return EXIT_USAGE;
        }

      /* Like ssh: a Host block for this name (in -F FILE, else ~/.ssh/config)
       * gives the settings, and the command line overrides them. */
      profile = profile_from_ssh_config (config_file, destination, &error);
      if (error != NULL)
        {
          g_printerr ("culvert: %s\n", error->message);
          return EXIT_FATAL;
        }
      if (profile == NULL)
        {
          profile = culvert_profile_new ();
          culvert_profile_set_host (profile, destination);
          culvert_profile_set_name (profile, destination);
          /* ssh sends no keepalives unless asked (ServerAliveInterval). */
          culvert_profile_set_keepalive_interval (profile, 0);
        }
      if (login != NULL)
        culvert_profile_set_user (profile, login);
      /* Like ssh: a lost connection ends the run, unless --reconnect. */
      culvert_profile_set_reconnect (profile, FALSE);
    }
  if (reconnect)
    culvert_profile_set_reconnect (profile, TRUE);

  for (guint i = 0; options != NULL && options[i] != NULL; i++)
    {
      gboolean applied = apply_option (profile, &extra, options[i], &error);

      /* Freed with the run, whatever happens. */
      if (extra.permit_remote_open != permit_remote_open)
        {
          g_clear_pointer (&permit_remote_open, g_ptr_array_unref);
          permit_remote_open = extra.permit_remote_open;
        }
      if (!applied)
        {
          g_printerr ("culvert: %s\n", error->message);
          return EXIT_USAGE;
        }
    }

  if (port_text != NULL)
    culvert_profile_set_port (profile, port);
  if (user != NULL)
    culvert_profile_set_user (profile, user);
  if (identity != NULL)
    culvert_profile_set_identity_file (profile, identity);
  if (jumps != NULL)
    {
      g_auto(GStrv) list = g_strsplit (jumps, ",", -1);

      if (!check_jump_hosts (list, &error))
        {
          g_printerr ("culvert: %s\n", error->message);
          return EXIT_USAGE;
        }
      culvert_profile_set_jump_hosts (profile, (const char * const *) list);
    }
  if (gateway_ports)
    culvert_profile_set_gateway_ports (profile, TRUE);
  if (!apply_proxy (profile, proxy_url, no_proxy, profile_name != NULL, &error))
    {
      g_printerr ("culvert: %s\n", error->message);
      return EXIT_USAGE;
    }

  if (!add_forwards (profile, CULVERT_FORWARD_LOCAL, (const char * const *) local_specs, &error) ||
      !add_forwards (profile, CULVERT_FORWARD_REMOTE, (const char * const *) remote_specs, &error) ||
      !add_forwards (profile, CULVERT_FORWARD_DYNAMIC, (const char * const *) dynamic_specs, &error))
    {
      g_printerr ("culvert: %s\n", error->message);
      return EXIT_USAGE;
    }
  /* As ssh: -W implies ClearAllForwardings and ExitOnForwardFailure. */
  if (extra.clear_forwardings || runner.stdio_host != NULL)
    culvert_profile_remove_all_forwards (profile);
  if (runner.stdio_host != NULL)
    extra.exit_on_forward_failure = TRUE;

  /* The server's name, however it came (the command line, a HostName, a
   * saved file), goes to a proxy and to libssh only if it is one. */
  if (!culvert_address_is_valid_host (culvert_profile_get_host (profile)))
    {
      const char *host = culvert_profile_get_host (profile);
      g_autofree char *shown = g_strescape (host != NULL ? host : "", NULL);

      g_printerr ("culvert: ");
      g_printerr (_("“%s” is not a host name or an IP address"), shown);
      g_printerr ("\n");
      return EXIT_USAGE;
    }

  warn_off_host (profile);

  /* Before any thread runs: the parent only waits. */
  if (background)
    {
      int exit_code = 0;

      if (!background_fork (&runner, &exit_code))
        return exit_code;
    }

  loop = g_main_loop_new (NULL, FALSE);
  tunnel = culvert_tunnel_new (profile);
  culvert_tunnel_set_host_key_policy (tunnel, extra.policy);
  culvert_tunnel_set_exit_on_forward_failure (tunnel, extra.exit_on_forward_failure);
  if (extra.permit_remote_open != NULL)
    {
      g_ptr_array_add (extra.permit_remote_open, NULL);
      culvert_tunnel_set_permit_remote_open (tunnel,
                                             (const char * const *) extra.permit_remote_open->pdata);
    }
  culvert_tunnel_set_stream_local_bind_unlink (tunnel, extra.stream_local_bind_unlink);
  culvert_tunnel_set_connect_timeout (tunnel, extra.connect_timeout);
  culvert_tunnel_set_interactive (tunnel, !extra.batch && have_terminal ());

  runner.tunnel = tunnel;
  runner.loop = loop;
  runner.json = json;
  runner.batch = extra.batch;

  g_signal_connect (tunnel, "notify::state", G_CALLBACK (on_state), &runner);
  g_signal_connect (tunnel, "notify::next-try", G_CALLBACK (on_retry), &runner);
  g_signal_connect (tunnel, "log-added", G_CALLBACK (on_log), &runner);
  g_signal_connect (tunnel, "question", G_CALLBACK (on_question), &runner);
  g_signal_connect (tunnel, "client-opened", G_CALLBACK (on_client_opened), &runner);
  g_signal_connect (tunnel, "client-closed", G_CALLBACK (on_client_closed), &runner);
  g_signal_connect (tunnel, "exited", G_CALLBACK (on_exited), &runner);
  g_signal_connect (tunnel, "stream-closed", G_CALLBACK (on_stream_closed), &runner);

  if (!culvert_tunnel_connect (tunnel, &error))
    {
      report_forwards (tunnel, &runner);
      g_printerr ("culvert: %s\n", error->message);
      emit_json (&runner, "error", "message", 's', error->message, NULL);
      return EXIT_FATAL;
    }
  report_forwards (tunnel, &runner);

  g_unix_signal_add (SIGINT, on_signal, &runner);
  g_unix_signal_add (SIGTERM, on_signal, &runner);

  g_main_loop_run (loop);

  g_signal_handlers_disconnect_by_data (tunnel, &runner);
  if (runner.flush_id != 0)
    g_source_remove (runner.flush_id);
  fflush (stdout);

  return runner.stopping && runner.exit_code == 0 ? 0 : (runner.exit_code ? runner.exit_code
                                                                          : EXIT_FATAL);
}

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
#include "culvert-headless-private.h"
#include "culvert-forward.h"
#include "culvert-profile-store.h"
#include "culvert-profile.h"
#include "culvert-ssh-config.h"
#include "culvert-text.h"
#include "culvert-tunnel.h"

void
culvert_headless_runner_clear (Runner *runner)
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
        culvert_headless_stdio_start (runner);
      runner->connected_once = TRUE;
      culvert_headless_background_ready (runner);
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

gboolean
culvert_headless_give_up_waiting (gpointer user_data)
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
  g_timeout_add (1500, culvert_headless_give_up_waiting, runner);

  return G_SOURCE_CONTINUE;
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

/* Step 3: a tunnel for @profile, served until a signal or the end. */
static int
run (Runner         *runner,
     CulvertProfile *profile,
     Extra          *extra)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CulvertTunnel) tunnel = NULL;
  g_autoptr(GMainLoop) loop = NULL;

  loop = g_main_loop_new (NULL, FALSE);
  tunnel = culvert_tunnel_new (profile);
  culvert_tunnel_set_host_key_policy (tunnel, extra->policy);
  culvert_tunnel_set_exit_on_forward_failure (tunnel, extra->exit_on_forward_failure);
  if (extra->permit_remote_open != NULL)
    {
      g_ptr_array_add (extra->permit_remote_open, NULL);
      culvert_tunnel_set_permit_remote_open (tunnel,
                                             (const char * const *) extra->permit_remote_open->pdata);
    }
  culvert_tunnel_set_stream_local_bind_unlink (tunnel, extra->stream_local_bind_unlink);
  culvert_tunnel_set_connect_timeout (tunnel, extra->connect_timeout);
  culvert_tunnel_set_interactive (tunnel, !extra->batch && have_terminal ());

  runner->tunnel = tunnel;
  runner->loop = loop;
  runner->batch = extra->batch;

  g_signal_connect (tunnel, "notify::state", G_CALLBACK (on_state), runner);
  g_signal_connect (tunnel, "notify::next-try", G_CALLBACK (on_retry), runner);
  g_signal_connect (tunnel, "log-added", G_CALLBACK (on_log), runner);
  g_signal_connect (tunnel, "question", G_CALLBACK (on_question), runner);
  g_signal_connect (tunnel, "client-opened", G_CALLBACK (on_client_opened), runner);
  g_signal_connect (tunnel, "client-closed", G_CALLBACK (on_client_closed), runner);
  g_signal_connect (tunnel, "exited", G_CALLBACK (on_exited), runner);
  g_signal_connect (tunnel, "stream-closed", G_CALLBACK (culvert_headless_on_stream_closed),
                    runner);

  if (!culvert_tunnel_connect (tunnel, &error))
    {
      report_forwards (tunnel, runner);
      g_printerr ("culvert: %s\n", error->message);
      emit_json (runner, "error", "message", 's', error->message, NULL);
      return EXIT_FATAL;
    }
  report_forwards (tunnel, runner);

  g_unix_signal_add (SIGINT, on_signal, runner);
  g_unix_signal_add (SIGTERM, on_signal, runner);

  g_main_loop_run (loop);

  g_signal_handlers_disconnect_by_data (tunnel, runner);
  if (runner->flush_id != 0)
    g_source_remove (runner->flush_id);
  fflush (stdout);

  return runner->stopping && runner->exit_code == 0 ? 0 : (runner->exit_code ? runner->exit_code
                                                                             : EXIT_FATAL);
}

int
culvert_headless_main (int    argc,
                       char **argv)
{
  g_auto(Flags) flags = { NULL, };
  g_autoptr(CulvertProfile) profile = NULL;
  g_autoptr(GPtrArray) permit_remote_open = NULL;
  g_auto(Runner) runner = { .ready_fd = -1 };
  Extra extra = { .policy = CULVERT_HOST_KEY_STRICT };
  int exit_code;

  exit_code = culvert_headless_parse_flags (argv, &flags, &runner);
  if (exit_code >= 0)
    return exit_code;
  runner.json = flags.json;

  profile = culvert_headless_build_profile (&flags, &extra, &permit_remote_open, &runner,
                                           &exit_code);
  if (profile == NULL)
    return exit_code;

  culvert_headless_warn_off_host (profile);

  /* Before any thread runs: the parent only waits. */
  if (flags.background && !culvert_headless_background_fork (&runner, &exit_code))
    return exit_code;

  return run (&runner, profile, &extra);
}

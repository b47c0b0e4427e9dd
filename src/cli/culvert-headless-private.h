/* culvert-headless-private.h — what the headless runner's files share
 *
 * The runner is split by job:
 *   culvert-headless.c          the run: the tunnel's events as lines or
 *                               JSON, questions on the terminal, main
 *   culvert-headless-options.c  the command line and -o options into a
 *                               profile (and the settings a profile lacks)
 *   culvert-headless-stdio.c    -f (into the background once connected)
 *                               and -W (standard input and output through
 *                               the server)
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "culvert-profile.h"
#include "culvert-tunnel.h"

G_BEGIN_DECLS

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

void      culvert_headless_runner_clear      (Runner          *runner);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Runner, culvert_headless_runner_clear)

/* What -o sets beyond the profile. */
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

/* The command line, as GOption fills it in. */
typedef struct
{
  char    **args;
  char    **local_specs;
  char    **remote_specs;
  char    **dynamic_specs;
  char    **options;
  char     *user;
  char     *identity;
  char     *jumps;
  char     *config_file;
  char     *profile_name;
  char     *port_text;
  char     *proxy_url;
  char     *stdio_target;
  gboolean  no_proxy;
  gboolean  headless;
  gboolean  gateway_ports;
  gboolean  json;
  gboolean  reconnect;
  gboolean  no_command;
  gboolean  background;
  gboolean  version;
  guint64   port;
} Flags;

void      culvert_headless_flags_clear       (Flags           *flags);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Flags, culvert_headless_flags_clear)

/* culvert-headless.c */
gboolean  culvert_headless_give_up_waiting   (gpointer         user_data);

/* culvert-headless-options.c */
int       culvert_headless_parse_flags       (char           **argv,
                                              Flags           *flags,
                                              Runner          *runner);
CulvertProfile *
          culvert_headless_build_profile     (Flags           *flags,
                                              Extra           *extra,
                                              GPtrArray      **permit_remote_open,
                                              Runner          *runner,
                                              int             *exit_code);
void      culvert_headless_warn_off_host     (CulvertProfile  *profile);

/* culvert-headless-stdio.c */
gboolean  culvert_headless_background_fork   (Runner          *runner,
                                              int             *exit_code);
void      culvert_headless_background_ready  (Runner          *runner);
void      culvert_headless_stdio_start       (Runner          *runner);
void      culvert_headless_on_stream_closed  (CulvertTunnel   *tunnel,
                                              gboolean         opened,
                                              const char      *reason,
                                              Runner          *runner);

G_END_DECLS

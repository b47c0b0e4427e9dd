/* culvert-tunnel-private.h — what tests may set beyond a profile, and what
 * the tunnel's files share
 *
 * The tunnel is split by job:
 *   culvert-tunnel.c           its state, the worker's events, connecting
 *   culvert-tunnel-forwards.c  starting each forward: binding it here (or
 *                              asking the server), bind names looked up
 *   culvert-tunnel-bind.c      listening sockets and socket files
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "culvert-tunnel.h"
#include "culvert-worker.h"

G_BEGIN_DECLS

/* Keepalives every @milliseconds (profiles say whole seconds); 0: the profile's. */
void culvert_tunnel_set_keepalive_interval_ms (CulvertTunnel *self,
                                               guint          milliseconds);

/* For the tunnel's own files only. */

struct _CulvertTunnel
{
  GObject               parent_instance;

  CulvertProfile       *profile;
  CulvertHostKeyPolicy  host_key_policy;
  gboolean              exit_on_forward_failure;
  gboolean              stream_local_bind_unlink;
  GStrv                 permit_remote_open;
  guint                 connect_timeout;
  guint                 keepalive_interval_ms;
  gboolean              interactive;

  CulvertWorker        *worker;
  guint                 generation;
  CulvertTunnelState    state;
  char                 *state_reason;
  gint64                state_since;   /* g_get_real_time () */
  guint                 attempt;       /* reconnect attempts since the last success */
  gint64                next_try;      /* g_get_real_time () of the next one, or 0 */
  gboolean              watching;      /* follows the network watch's "retry" */
  GListStore           *forwards;  /* of CulvertForwardStatus */
  GPtrArray            *by_index;  /* forward index → CulvertForwardStatus */
  GListStore           *log;       /* of CulvertLogEntry, a bounded ring */
  guint                 log_dropped; /* entries dropped from its front */
  GPtrArray            *resolving; /* CulvertForwardStatus* whose bind name is being looked up */
  GCancellable         *lookups;   /* of this run's bind names */
  char                 *failure;   /* a forward failed under exit-on-forward-failure */
  char                 *problem;   /* which forwards do not serve, or NULL */
  CulvertQuestion      *changed_key; /* the last attempt met a changed host key */
};

/* culvert-tunnel.c */
void      culvert_tunnel_add_log             (CulvertTunnel         *self,
                                              const char            *message,
                                              gboolean               is_error);
void      culvert_tunnel_set_state           (CulvertTunnel         *self,
                                              CulvertTunnelState     state,
                                              const char            *reason);
void      culvert_tunnel_set_problem         (CulvertTunnel         *self,
                                              char                  *problem);

/* culvert-tunnel-forwards.c */
CulvertForwardStatus *
          culvert_tunnel_start_forward       (CulvertTunnel         *self,
                                              CulvertForward        *forward,
                                              GPtrArray             *listeners,
                                              GPtrArray             *remotes,
                                              GError               **error);
void      culvert_tunnel_update_problem      (CulvertTunnel         *self);
void      culvert_tunnel_remove_socket_files (CulvertTunnel         *self);

G_END_DECLS

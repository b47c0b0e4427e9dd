/* culvert-tunnel.h — one running connection of a profile, on the main thread
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "culvert-client-connection.h"
#include "culvert-forward-status.h"
#include "culvert-log-entry.h"
#include "culvert-profile.h"
#include "culvert-question.h"
#include "culvert-ssh-login.h"

G_BEGIN_DECLS

#define CULVERT_TUNNEL_ERROR (culvert_tunnel_error_quark ())

typedef enum
{
  CULVERT_TUNNEL_ERROR_RUNNING,         /* connect() while already running */
  CULVERT_TUNNEL_ERROR_FORWARD_FAILED,  /* a forward could not listen (exit-on-forward-failure) */
  CULVERT_TUNNEL_ERROR_UNSUPPORTED,     /* a setting this version cannot serve yet */
} CulvertTunnelError;

#define CULVERT_TYPE_TUNNEL (culvert_tunnel_get_type ())

G_DECLARE_FINAL_TYPE (CulvertTunnel, culvert_tunnel, CULVERT, TUNNEL, GObject)

GQuark              culvert_tunnel_error_quark            (void);

CulvertTunnel      *culvert_tunnel_new                    (CulvertProfile       *profile);
CulvertProfile     *culvert_tunnel_get_profile            (CulvertTunnel        *self);

/* Settings that are not part of a profile (headless -o options). */
void                culvert_tunnel_set_host_key_policy    (CulvertTunnel        *self,
                                                           CulvertHostKeyPolicy  policy);
void                culvert_tunnel_set_exit_on_forward_failure (CulvertTunnel   *self,
                                                                gboolean         exit_on_failure);
void                culvert_tunnel_set_stream_local_bind_unlink (CulvertTunnel *self,
                                                                 gboolean       unlink_first);
void                culvert_tunnel_set_connect_timeout    (CulvertTunnel        *self,
                                                           guint                 seconds);
/* FALSE: nobody can answer questions (a headless run without a terminal), so
 * passwords and passphrases are not asked for at all. Default TRUE. */
void                culvert_tunnel_set_interactive        (CulvertTunnel        *self,
                                                           gboolean              interactive);

/* Binds every enabled forward at once ("port in use" is known before
 * anything else happens) and starts the worker. A forward that cannot listen
 * fails alone, unless exit-on-forward-failure is set. */
gboolean            culvert_tunnel_connect                (CulvertTunnel        *self,
                                                           GError              **error);
/* Closes every channel and the session; the state becomes DISCONNECTED and
 * "exited" is emitted once the worker has finished. */
void                culvert_tunnel_disconnect             (CulvertTunnel        *self);
/* While waiting to reconnect: try now instead of at the next-try time. */
void                culvert_tunnel_retry_now              (CulvertTunnel        *self);
gboolean            culvert_tunnel_is_running             (CulvertTunnel        *self);
CulvertForwardStatus *culvert_tunnel_add_forward          (CulvertTunnel        *self,
                                                           CulvertForward       *forward,
                                                           GError              **error);
void                culvert_tunnel_remove_forward         (CulvertTunnel        *self,
                                                           CulvertForwardStatus *status);

CulvertTunnelState  culvert_tunnel_get_state              (CulvertTunnel        *self);
const char         *culvert_tunnel_get_state_reason       (CulvertTunnel        *self);
/* While connected, the forwards that do not serve and why; else NULL. */
const char         *culvert_tunnel_get_problem            (CulvertTunnel        *self);
/* The notice of a changed host key that stopped the last attempt (its
 * fingerprints and the command that removes the old key), or NULL. */
CulvertQuestion    *culvert_tunnel_get_changed_host_key   (CulvertTunnel        *self);
gint64              culvert_tunnel_get_state_since        (CulvertTunnel        *self);
guint               culvert_tunnel_get_reconnect_attempt  (CulvertTunnel        *self);
gint64              culvert_tunnel_get_next_try           (CulvertTunnel        *self);
GListModel         *culvert_tunnel_get_forwards           (CulvertTunnel        *self);
/* The log: the last CULVERT_TUNNEL_LOG_KEEP entries at least (at most 100
 * more); once older ones were dropped, the first entry says how many. */
#define CULVERT_TUNNEL_LOG_KEEP 1000
GListModel         *culvert_tunnel_get_log                (CulvertTunnel        *self);
void                culvert_tunnel_close_client           (CulvertTunnel        *self,
                                                           CulvertClientConnection *client);

const char         *culvert_tunnel_state_to_string        (CulvertTunnelState    state);

/* PermitRemoteOpen, as ssh's client applies it to reverse dynamic forwards:
 * the destinations their SOCKS clients may ask for, each "host:port" with
 * "*" for any host or any port ("[v6]:port" for IPv6); an empty list
 * allows none; NULL (the default), any. Taken at the next connect. */
void                culvert_tunnel_set_permit_remote_open (CulvertTunnel      *self,
                                                           const char * const *permitted);

/* Takes @fd (a connected stream socket) and carries its bytes to
 * @host:@port through the server, as ssh -W does with standard input and
 * output; only while connected. The tunnel's "stream-closed" signal says
 * when it ended. */
gboolean            culvert_tunnel_add_stream             (CulvertTunnel        *self,
                                                           int                   fd,
                                                           const char           *host,
                                                           guint16               port,
                                                           GError              **error);

G_END_DECLS

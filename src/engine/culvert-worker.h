/* culvert-worker.h — the thread that owns one SSH session and pumps its channels
 *
 * Private to the engine: CulvertTunnel (main thread) is its only user.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "culvert-ssh-login.h"
#include "culvert-engine-types.h"
#include "culvert-types.h"

G_BEGIN_DECLS

typedef struct _CulvertWorker CulvertWorker;

typedef struct
{
  char                 *profile_id;          /* keys the keyring's secrets */
  char                 *host;
  guint16               port;
  char                 *user;
  CulvertAuthMethod     auth_method;
  char                 *identity_file;
  char                 *known_hosts_file;
  CulvertHostKeyPolicy  host_key_policy;
  guint                 connect_timeout;
  gboolean              use_agent;
  guint                 keepalive_interval;  /* seconds, 0: off */
  guint                 keepalive_interval_ms; /* overrides the above when set (tests) */
  guint                 keepalive_count;
  gboolean              reconnect;
  gboolean              interactive;         /* someone can answer passwords */
  CulvertProxyMode      proxy_mode;
  char                 *proxy_url;           /* CUSTOM: http://host[:port] or socks5://… */
  char                 *proxy_bypass;        /* CUSTOM: hosts reached directly; NULL: defaults */
  GStrv                 jump_hosts;          /* [user@]host[:port] hops in order; NULL: none */
  GStrv                 permit_remote_open;  /* host:port (either may be *) a reverse
                                              * dynamic forward may reach; NULL: any */
} CulvertWorkerConfig;

/* A bound, listening socket of a local forward, handed to the worker. */
typedef struct
{
  guint     forward_index;
  GSocket  *socket;
  char     *destination_host;
  guint16   destination_port;
} CulvertWorkerListener;

/* An incoming (remote) forward: the server listens, this computer connects
 * each client on to the destination. */
typedef struct
{
  guint     forward_index;
  char     *bind_address;      /* as sent in tcpip-forward ("localhost", "", an address) */
  guint16   bind_port;         /* 0: the server picks */
  char     *destination_host;
  guint16   destination_port;
} CulvertWorkerRemote;

typedef enum
{
  CULVERT_WORKER_EVENT_STATE,
  CULVERT_WORKER_EVENT_LOG,
  CULVERT_WORKER_EVENT_CLIENT_OPENED,
  CULVERT_WORKER_EVENT_CLIENT_CLOSED,
  CULVERT_WORKER_EVENT_STATS,
  CULVERT_WORKER_EVENT_QUESTION,
  CULVERT_WORKER_EVENT_EXITED,
  CULVERT_WORKER_EVENT_FORWARD_LISTENING,  /* the server listens: text, port */
  CULVERT_WORKER_EVENT_FORWARD_FAILED,     /* the server refused: text */
} CulvertWorkerEventType;

typedef struct
{
  guint    forward_index;
  guint    active;
  guint64  total;
  guint64  bytes_sent;      /* client to server */
  guint64  bytes_received;  /* server to client */
} CulvertWorkerForwardStats;

typedef struct
{
  guint64  client_id;
  guint64  bytes_sent;
  guint64  bytes_received;
} CulvertWorkerClientStats;

typedef struct
{
  CulvertWorkerEventType  type;

  /* STATE */
  CulvertTunnelState      state;
  guint                   attempt;       /* RECONNECTING: attempts so far; 0: none yet */
  gint64                  next_try;      /* RECONNECTING: g_get_real_time () of the next; 0 */
  /* STATE: the reason; LOG: the line; CLIENT_CLOSED: why, or NULL */
  char                   *text;
  gboolean                is_error;

  /* CLIENT_*, FORWARD_* */
  guint                   forward_index;
  guint16                 port;          /* FORWARD_LISTENING: the port really bound */
  CulvertForwardReach     reach;         /* FORWARD_LISTENING: incoming, off-host */
  guint64                 client_id;
  char                   *source;        /* "127.0.0.1:50312" */
  char                   *destination;   /* "db.internal:5432" */
  gint64                  opened_at;     /* g_get_real_time () */
  guint64                 bytes_sent;
  guint64                 bytes_received;

  /* STATS */
  GArray                 *forward_stats;  /* of CulvertWorkerForwardStats */
  GArray                 *client_stats;   /* of CulvertWorkerClientStats */

  /* QUESTION */
  guint                   question_id;
  CulvertQuestionKind     question_kind;
  char                   *title;         /* host label or user@host or key path */
  char                   *detail;        /* fingerprint, prompt, instruction */
  char                   *key_type;
  GStrv                   prompts;       /* keyboard-interactive */
  GArray                 *echo;          /* of gboolean */
  gboolean                can_remember;  /* PASSWORD, PASSPHRASE: the keyring can keep it */
  char                   *remember_problem; /* why it cannot, or NULL */
  /* HOST_KEY_CHANGED (a notice: question_id 0, nothing to answer) */
  char                   *known_key_type;
  char                   *known_fingerprint;
  char                   *known_location;
  char                   *fix_command;
  /* HOST_KEY, HOST_KEY_CHANGED: whose key: the jump host's or the server's */
  char                   *host;
  guint16                 host_port;     /* 22 when none was given */
  gboolean                is_jump_host;
} CulvertWorkerEvent;

/* Called on the main context for each event, in order. */
typedef void (*CulvertWorkerEventFunc) (const CulvertWorkerEvent *event,
                                        gpointer                  user_data);

CulvertWorker *culvert_worker_new          (CulvertWorkerConfig    *config,
                                            GPtrArray              *listeners,
                                            GPtrArray              *remotes,
                                            CulvertWorkerEventFunc  func,
                                            gpointer                user_data,
                                            GDestroyNotify          destroy);
void           culvert_worker_start        (CulvertWorker          *worker);
void           culvert_worker_stop         (CulvertWorker          *worker);
void           culvert_worker_retry_now    (CulvertWorker          *worker,
                                            const char             *why);
void           culvert_worker_answer       (CulvertWorker          *worker,
                                            guint                   question_id,
                                            gboolean                accepted,
                                            const char * const     *answers,
                                            gboolean                remember);
void           culvert_worker_close_client (CulvertWorker          *worker,
                                            guint64                 client_id);
/* An incoming forward added while the tunnel runs. */
void           culvert_worker_add_remote   (CulvertWorker          *worker,
                                            CulvertWorkerRemote    *remote);
/* Stops serving forward @forward_index: its listening sockets are closed,
 * the server is asked to stop listening for it, and its connections end. */
void           culvert_worker_remove_forward (CulvertWorker        *worker,
                                              guint                 forward_index);
/* The forward index of stdio streams (-W): no forward's. */
#define CULVERT_WORKER_STREAM_INDEX G_MAXUINT
/* Takes @fd, a connected stream socket, and carries it to @host:@port
 * through the server, as a client of a local forward would be; its
 * CLIENT_CLOSED event has is_error set when its channel never opened. */
void           culvert_worker_add_stream   (CulvertWorker          *worker,
                                            int                     fd,
                                            const char             *host,
                                            guint16                 port);
/* A listener bound later (its bind name had to be looked up first). */
void           culvert_worker_add_listener (CulvertWorker          *worker,
                                            CulvertWorkerListener  *listener);
CulvertWorker *culvert_worker_ref          (CulvertWorker          *worker);
void           culvert_worker_unref        (CulvertWorker          *worker);

void           culvert_worker_config_free   (CulvertWorkerConfig   *config);
void           culvert_worker_listener_free (CulvertWorkerListener *listener);
void           culvert_worker_remote_free   (CulvertWorkerRemote   *remote);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CulvertWorker, culvert_worker_unref)

G_END_DECLS

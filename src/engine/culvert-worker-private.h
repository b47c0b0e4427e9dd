/* culvert-worker-private.h — what the worker's rooms share
 *
 * The worker is split by job:
 *   culvert-worker.c          the thread: commands, questions, connecting and
 *                             reconnecting, event batching to the main thread
 *   culvert-worker-login.c    reaching the server (asynchronously) and logging in,
 *                             with the questions that asks
 *   culvert-worker-jump.c     reaching it through jump hosts (ProxyJump): a
 *                             session per hop, and the thread that pumps them
 *   culvert-worker-pump.c     the session pump: epoll, the pump step and its
 *                             passes, keepalives, counters
 *   culvert-worker-conn.c     the connection state machine: a local socket
 *                             and a channel, whatever made them
 *   culvert-worker-open.c     a connection's channel: opening it, callbacks
 *   culvert-worker-listen.c   listening sockets and accept
 *   culvert-worker-socks.c    the SOCKS side of dynamic forwards
 *   culvert-worker-remote.c   incoming forwards: the server listens, and each
 *                             channel it opens is connected on from here
 *   culvert-worker-rsocks.c   reverse dynamic forwards: a SOCKS server on the
 *                             channels of an incoming forward
 *   culvert-window-policy.c   how big a channel's receive window should be
 *
 * Everything here runs on the worker thread, except where a field says so.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <string.h>
#include <sys/types.h>
#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <sys/types.h>

#include "culvert-socks.h"
#include "culvert-ssh-login.h"
#include "culvert-window-policy.h"
#include "culvert-worker.h"

G_BEGIN_DECLS

/* Bytes read from a channel per call. What the client's socket does not
 * take is kept for it, so this also bounds what a slow client costs us
 * beyond the data libssh holds within the window. */
#define READ_CHUNK           (128 * 1024)
/* Bytes read from a client per call before writing them to the channel. */
#define UPLOAD_CHUNK         (256 * 1024)
#define SCRATCH_SIZE         MAX (READ_CHUNK, UPLOAD_CHUNK)
/* All channels' windows beyond CULVERT_WINDOW_INITIAL share this budget. */
#define WINDOW_BUDGET        (96 * 1024 * 1024)

typedef enum
{
  WATCH_SSH,
  WATCH_LISTENER,
  WATCH_CONN,
} WatchKind;

/* One forward's counters, shared by everything that serves it: its
 * listening sockets (127.0.0.1 and ::1) and every connection they made. */
typedef struct
{
  guint          forward_index;
  guint          active;
  guint64        total;
  guint64        bytes_sent;
  guint64        bytes_received;
  gboolean       dirty;
} Counters;

typedef struct
{
  WatchKind      kind;          /* first: epoll data points at this struct */
  CulvertWorker *worker;
  GSocket       *socket;
  int            fd;
  char          *destination_host; /* NULL: a SOCKS server (dynamic forward) */
  guint16        destination_port;
  Counters      *counters;
  GQueue         waiting;       /* of Waiting: accepted while there was no session */
  gboolean       paused;        /* not watched: enough wait; the backlog holds the rest */
} Listener;

/* A socket given to a libssh session. libssh closes a socket it was given
 * when the socket fails (and not after ssh_disconnect()): by the time we
 * let go, the number may belong to another thread's file, so it is closed
 * only while it is still the same socket (the same inode). */
typedef struct
{
  int   fd;
  dev_t dev;
  ino_t ino;
} HandedFd;

void      culvert_handed_fd_init  (HandedFd *handed,
                                   int       fd);
void      culvert_handed_fd_close (HandedFd *handed);

typedef struct _Conn Conn;

/* An incoming forward: the server listens for us. */
typedef struct
{
  CulvertWorker *worker;
  Counters      *counters;
  char          *bind_address;    /* as sent in tcpip-forward */
  guint16        bind_port;       /* as asked; 0: the server picks */
  guint16        bound_port;      /* as the server answered; 0 until then */
  gboolean       refused;         /* the server refused it in this session: no
                                   * channel is ours for it (asked again next session) */
  char          *destination_host;
  guint16        destination_port;
  gboolean       removed;         /* no longer wanted; freed once the server let go */
  Conn          *probe;           /* checking who can reach the port; see remote_check_reach */
  char          *probe_host;
  gint64         probe_until;     /* until then a channel from probe_host is the probe's */
} Remote;

typedef enum
{
  CONN_HANDSHAKE, /* a SOCKS client is saying where it wants to go */
  CONN_OPENING,   /* the channel is being opened, or the local socket connected */
  CONN_OPEN,
  CONN_CLOSED,
} ConnState;


/* A connection to a local destination being made for @conn (NULL once the
 * connection is gone). */
typedef struct
{
  Conn         *conn;
  GCancellable *cancellable;
} LocalConnect;

/* What a SOCKS client's connection keeps beyond any other's: allocated
 * when its handshake begins (culvert-worker-socks.c), freed with it. */
typedef struct
{
  CulvertSocksParser *parser;   /* during the handshake */
  gint64              deadline; /* monotonic time the handshake is given up */
  gint                version;  /* CulvertSocksVersion once asked; -1 until then,
                                 * and once answered on the channel (rsocks) */
  /* Replies of the handshake held back because the client had already sent
   * what comes after them: they go out with the next reply, in one write. */
  guint8              held[CULVERT_SOCKS_MAX_REPLY];
  guint8              held_len;
} ConnSocks;

struct _Conn
{
  WatchKind      kind;          /* first: epoll data points at this struct */
  CulvertWorker *worker;
  Counters      *counters;      /* the forward this connection serves */
  guint64        id;
  int            fd;
  ssh_channel    channel;
  struct ssh_channel_callbacks_struct callbacks;
  ConnState      state;
  guint32        events;        /* current epoll interest */
  char          *source;        /* "127.0.0.1:50312", for people */
  char          *source_host;   /* originator, as told to the server */
  guint16        source_port;
  char          *destination_host; /* or a Unix-domain socket's path, with port 0 */
  guint16        destination_port;
  char          *destination;   /* "db.internal:5432", for people */
  LocalConnect  *connecting;    /* the local socket is being connected */
  ConnSocks     *socks;         /* a SOCKS client's; NULL for every other */

  /* Server to client: bytes read from the channel that the client's socket
   * did not take yet. While any are pending the channel is not read, so its
   * window stops growing and the server stops sending. */
  guint8        *pending;
  gsize          pending_len;
  gsize          pending_off;
  gint64         blocked_since; /* monotonic time the client's socket filled; 0: it takes data */

  /* Client to server: bytes read from the client that the channel did not
   * take yet (only during a key re-exchange). */
  guint8        *upload;
  gsize          upload_len;
  gsize          upload_off;

  gint64         open_sent;     /* monotonic time the channel was asked for */
  CulvertWindowPolicy window;   /* the receive window we keep for this channel */
  guint32        window_owed;   /* delivered since the window was last offered */

  guint64        bytes_sent;
  guint64        bytes_received;
  guint64        reported_sent;
  guint64        reported_received;

  guint          client_eof : 1;     /* the client finished sending */
  guint          eof_sent : 1;       /* …and we told the server */
  guint          remote_eof : 1;     /* the server finished sending */
  guint          shut_wr : 1;        /* …and we told the client */
  guint          remote_closed : 1;  /* the server closed the channel */
  guint          abandoned : 1;      /* the client left while the channel was opening */
  guint          ready : 1;          /* in worker->ready */
  guint          waiting_window : 1; /* in worker->window_waiters */
  guint          paused : 1;         /* in worker->paused */
  guint          opening : 1;        /* in worker->opening */
  guint          grant_window : 1;   /* the next read grants the window (libssh 0.10) */
  guint          offer_window : 1;   /* data was delivered: offer the window again */
  guint          behind_told : 1;    /* the policy heard that the client fell behind */
  guint          handshaking : 1;    /* in worker->handshaking */
  guint          closing : 1;        /* in worker->closing */
  guint          opened_reported : 1;
  guint          started : 1;         /* culvert_conn_start () ran: the channel opened */
  guint          reverse_socks : 1;  /* the SOCKS client talks through the channel */
  guint          socks_answer_due : 1; /* nothing goes to the client before its SOCKS answer */
  Remote        *probe_for;     /* a probe of remote_check_reach: no client, no socket */
  char          *close_reason;
};

/* The SOCKS version a client asked in, or -1 (not a SOCKS client, or not
 * yet asked, or already answered). */
static inline gint
culvert_conn_socks_version (const Conn *conn)
{
  return conn->socks != NULL ? conn->socks->version : -1;
}

/* A global request: libssh has one slot for them (keepalives, and
 * tcpip-forward and cancel-tcpip-forward for incoming forwards), so they
 * wait in one queue in the pump and go out one at a time. */
typedef enum
{
  GLOBAL_KEEPALIVE,
  GLOBAL_LISTEN,
  GLOBAL_CANCEL,
} GlobalKind;

typedef struct _GlobalRequest GlobalRequest;

/* @rc: SSH_OK (accepted) or SSH_ERROR (refused, with libssh's words in
 * @error); @bound_port: the port the server chose for a listen on port 0. */
typedef void (*GlobalDone) (CulvertWorker *self,
                            GlobalRequest *request,
                            int            rc,
                            int            bound_port,
                            const char    *error);

struct _GlobalRequest
{
  GlobalKind  kind;
  char       *address;
  guint16     port;
  gboolean    sent;
  gint64      sent_at;   /* monotonic time it went out */
  GlobalDone  done;
  gpointer    data;
};

typedef struct
{
  guint      id;
  gboolean   answered;
  gboolean   accepted;
  GStrv      answers;
  gboolean   remember;  /* store the secret once it worked */
} Question;

/* The worker's rooms keep their own state in these, inside CulvertWorker
 * (embedded: no pointer to follow). */

/* The global-request queue (culvert-worker-pump.c). */
typedef struct
{
  GQueue   queue;    /* of GlobalRequest*, the head one in flight */
  guint64  packets;  /* packets read when the head was last asked */
} WorkerGlobals;

/* Events on their way to the main thread, in batches (culvert-worker.c). */
typedef struct
{
  GArray  *batch;         /* events waiting for the main thread */
  GSource *stats_source;  /* counters, a few times a second */
} WorkerEvents;

/* Keepalives and the server's silence (culvert-worker-pump.c). */
typedef struct
{
  GSource *source;
  GSource *silence_source;  /* the server's silence reaches the limit */
  guint64  last_rx_bytes;
  gint64   last_rx_time;    /* monotonic time the server last sent bytes */
} WorkerKeepalive;

/* Clients that connected while there was no session, and the wait between
 * attempts they may cut short (culvert-worker-listen.c). */
typedef struct
{
  gboolean  backing_off;    /* waiting before the next attempt */
  gint64    backoff_since;  /* monotonic time that wait began */
  GSource  *tick;           /* checks how long clients have waited */
  GSource  *early_retry;    /* a waiting client cuts the wait short */
} WorkerWaiting;

struct _CulvertWorker
{
  gatomicrefcount         ref_count;

  /* Set at creation, read-only afterwards. */
  CulvertWorkerConfig    *config;
  GMainContext           *main_context;
  CulvertWorkerEventFunc  event_func;
  gpointer                event_data;
  GDestroyNotify          event_destroy;

  /* Any thread, under `lock`: whether the thread still serves commands, and
   * the socket being logged in on (a stop shuts it down, which ends any
   * blocking libssh call at once). */
  GMutex                  lock;
  gboolean                exited;
  int                     login_fd;
  /* Any thread, atomically. */
  gint                    stopping;

  /* Worker thread only. */
  GThread                *thread;
  GMainContext           *context;
  GMainLoop              *loop;
  GCancellable           *cancellable;
  gboolean                session_dead;
  char                   *dead_reason;
  int                     epoll_fd;
  GSource                *epoll_source;
  GPtrArray              *listeners;      /* of Listener* */
  GPtrArray              *counters;       /* of Counters*, one per forward */
  GPtrArray              *remotes;        /* of Remote* */
  GSocketClient          *local_client;   /* connects incoming channels on */
  Counters                probe_counters; /* remote_check_reach's: no forward's, never reported */
  gboolean                via_proxy;      /* the session may go through a proxy */
  WatchKind               ssh_watch;
  ssh_session             session;
  ssh_event               event;
  ssh_counter             packet_counter;
  ssh_counter             socket_counter;
  guint32                 ssh_events;
  GHashTable             *conns;          /* id → Conn* */
  guint64                 next_conn_id;
  GPtrArray              *opening;        /* Conn* whose channel is opening */
  guint64                 opening_packets; /* packets read when `opening` was last asked */
  GPtrArray              *ready;          /* Conn* marked by callbacks */
  GPtrArray              *window_waiters; /* Conn* waiting for the remote window */
  GPtrArray              *paused;         /* Conn* not read while output is pending */
  GPtrArray              *closing;        /* Conn* to free after the pass */
  GPtrArray              *handshaking;    /* Conn* in a SOCKS handshake */
  WorkerGlobals           globals;        /* culvert-worker-pump.c */
  gboolean                write_blocked;
  guint64                 window_granted; /* sum of windows beyond CULVERT_WINDOW_INITIAL */
  CulvertPathMemory       path;           /* what channels learned of the path */
  guint8                 *scratch;
  WorkerEvents            events;         /* culvert-worker.c */
  GSource                *process_source; /* another round of passes, soon */
  WorkerKeepalive         keepalive;      /* culvert-worker-pump.c */
  HandedFd                ssh_fd;         /* libssh's duplicate of the session's socket */
  WorkerWaiting           waiting;        /* culvert-worker-listen.c */
  guint                   next_question_id;
  Question               *question;
  gboolean                ever_connected;
  /* The machine being logged in to (culvert_worker_login_session()): its host
   * keys' questions name it. */
  char                   *login_host;
  guint16                 login_port;
  gboolean                login_is_jump;
  /* culvert-worker-secrets.c */
  gboolean                remember_secret;  /* the user asked to keep the next secret */
  char                   *keyring_problem;  /* why the keyring cannot be used, or NULL */
};

/* culvert-worker.c */
void      culvert_worker_post         (CulvertWorker            *self,
                                       const CulvertWorkerEvent *event);
void      culvert_worker_flush_events (CulvertWorker            *self);
void      culvert_worker_set_state    (CulvertWorker            *self,
                                       CulvertTunnelState        state,
                                       const char               *reason);
GSource  *culvert_worker_add_timeout  (CulvertWorker            *self,
                                       guint                     milliseconds,
                                       GSourceFunc               func,
                                       gpointer                  data);
void      culvert_worker_clear_source (GSource                 **source);
gboolean  culvert_worker_is_stopping  (CulvertWorker            *self);

int       culvert_worker_take_ssh_fd    (CulvertWorker     *self,
                                         GSocketConnection *connection,
                                         GError           **error);
void      culvert_worker_release_ssh_fd (CulvertWorker     *self);

/* A line for the tunnel's log (and a debug message under the calling
 * file's log domain). */
#define culvert_worker_log(self, is_error, ...) \
  culvert_worker_log_in_domain (G_LOG_DOMAIN, (self), (is_error), __VA_ARGS__)
void      culvert_worker_log_in_domain (const char    *domain,
                                        CulvertWorker *self,
                                        gboolean       is_error,
                                        const char    *format,
                                        ...) G_GNUC_PRINTF (4, 5);

/* culvert-worker-login.c */
ssh_session        culvert_worker_login          (CulvertWorker             *self,
                                                  GSocketConnection        **connection,
                                                  GError                   **error);
ssh_session        culvert_worker_login_session  (CulvertWorker             *self,
                                                  const CulvertLoginOptions *options,
                                                  gboolean                   is_server,
                                                  GError                   **error);
GSocketConnection *culvert_worker_connect_socket (CulvertWorker             *self,
                                                  const char                *host,
                                                  guint16                    port,
                                                  GError                   **error);
gboolean           culvert_worker_wait_socket    (int                        fd,
                                                  GIOCondition               condition,
                                                  int                        timeout_ms,
                                                  gpointer                   user_data);

/* culvert-worker-jump.c */
GSocketConnection *culvert_worker_jump_connect     (CulvertWorker     *self,
                                                    GError           **error);
char              *culvert_worker_jump_dup_failure (GSocketConnection *connection);

/* culvert-worker-secrets.c */
char     *culvert_worker_recall_secret     (gboolean                    is_passphrase,
                                            gpointer                    user_data);
void      culvert_worker_secret_result     (gboolean                    is_passphrase,
                                            const char                 *secret,
                                            gboolean                    recalled,
                                            gboolean                    accepted,
                                            gpointer                    user_data);
void      culvert_worker_host_key_changed  (const CulvertHostKeyChange *change,
                                            gpointer                    user_data);
/* Fills in whether a secret question may offer "Remember", and keeps the answer's choice. */
void      culvert_worker_secret_question   (CulvertWorker              *self,
                                            CulvertWorkerEvent         *event);
void      culvert_worker_secret_answered   (CulvertWorker              *self,
                                            Question                   *question);
/* Names the machine being logged in to on a host key question. */
void      culvert_worker_host_key_question (CulvertWorker              *self,
                                            CulvertWorkerEvent         *event);

/* culvert-worker-pump.c */
gboolean  culvert_worker_watch_add      (CulvertWorker *self,
                                         int            fd,
                                         gpointer       tag,
                                         guint32        events);
void      culvert_worker_watch_set      (CulvertWorker *self,
                                         int            fd,
                                         gpointer       tag,
                                         guint32        events,
                                         guint32       *current);
void      culvert_worker_watch_remove   (CulvertWorker *self,
                                         int            fd);
gboolean  culvert_worker_epoll_dispatch (int            fd,
                                         GIOCondition   condition,
                                         gpointer       user_data);
gboolean  culvert_worker_pump           (CulvertWorker *self,
                                         gboolean       read_socket);
void      culvert_worker_global_request (CulvertWorker *self,
                                         GlobalKind     kind,
                                         const char    *address,
                                         guint16        port,
                                         GlobalDone     done,
                                         gpointer       data);
void      culvert_worker_post_stats     (CulvertWorker *self);
gboolean  culvert_worker_stats_tick     (gpointer       user_data);
void      culvert_worker_serve          (CulvertWorker *self);
Counters *culvert_worker_counters_for   (CulvertWorker *self,
                                         guint          forward_index);

/* culvert-worker-conn.c */
Conn       *culvert_conn_alloc          (CulvertWorker         *self,
                                         Counters              *counters,
                                         const char            *source_host,
                                         guint16                source_port,
                                         const char            *destination_host,
                                         guint16                destination_port);
gboolean    culvert_conn_attach_socket  (Conn                  *conn,
                                         int                    fd);
ssh_channel culvert_conn_new_channel    (Conn                  *conn);
void        culvert_conn_start          (Conn                  *conn);
Conn       *culvert_conn_new            (CulvertWorker         *self,
                                         Counters              *counters,
                                         int                    fd,
                                         const struct sockaddr *source,
                                         const char            *destination_host,
                                         guint16                destination_port);
void        culvert_conn_open_channel   (Conn                  *conn);
void        culvert_conn_try_open       (Conn                  *conn);
void        culvert_conn_on_socket      (Conn                  *conn,
                                         guint32                revents);
void        culvert_conn_pump_down      (Conn                  *conn);
void        culvert_conn_pump_up        (Conn                  *conn);
void        culvert_conn_mark_ready     (Conn                  *conn);
gsize       culvert_conn_take_data      (Conn                  *conn,
                                         const guint8          *data,
                                         gsize                  len);
void        culvert_conn_close          (Conn                  *conn,
                                         const char            *reason);
void        culvert_conn_update_events  (Conn                  *conn);
void        culvert_conn_shutdown_write (Conn                  *conn);
void        culvert_conn_destroy        (Conn                  *conn);

/* A destination that is a Unix-domain socket's path: port 0 and a "/",
 * which no host name has (on the server for an outgoing forward, on this
 * computer for an incoming one). Only a forward's own destination: never
 * what a SOCKS client asked for, or a client of -D (or of a reverse
 * dynamic -R) could reach any socket file there. */
#define conn_destination_is_path(conn) \
  (culvert_conn_socks_version (conn) < 0 && !(conn)->reverse_socks && \
   (conn)->destination_port == 0 && (conn)->destination_host != NULL && \
   strchr ((conn)->destination_host, '/') != NULL)

/* culvert-worker-listen.c */
void      culvert_worker_take_listener    (CulvertWorker         *self,
                                           CulvertWorkerListener *in);
void      culvert_worker_watch_listeners  (CulvertWorker         *self,
                                           gboolean               watch);
void      culvert_worker_close_listeners  (CulvertWorker         *self);
void      culvert_worker_remove_listeners (CulvertWorker         *self,
                                           guint                  forward_index);
void      culvert_listener_accept         (Listener              *listener);
/* Clients that connected while there was no session: served once there is
 * one, closed when they waited too long or the worker gives up. */
void      culvert_worker_serve_waiting    (CulvertWorker         *self);
gboolean  culvert_worker_has_waiting      (CulvertWorker         *self);
/* The shortest wait between attempts while a client waits. */
guint     culvert_worker_waiting_retry_ms (void);
void      culvert_listener_free           (Listener              *listener);

/* culvert-worker-socks.c */
void      culvert_worker_socks_start           (Conn *conn);
void      culvert_worker_socks_begin_handshake (Conn *conn);
/* Where a SOCKS client's handshake comes from and its answers go. */
typedef struct
{
  gboolean (*send)      (Conn                      *conn,
                         const guint8              *data,
                         gsize                      len);
  void     (*requested) (Conn                      *conn,
                         const CulvertSocksRequest *request,
                         const guint8              *rest,
                         gsize                      rest_len);
  gboolean on_server;   /* a reverse dynamic forward's client */
} SocksTransport;
gboolean  culvert_worker_socks_feed         (Conn                      *conn,
                                             const guint8              *buf,
                                             gsize                      n,
                                             const SocksTransport      *transport);
void      culvert_worker_socks_take_request (Conn                      *conn,
                                             const CulvertSocksRequest *request);
/* culvert-worker-rsocks.c: reverse dynamic forwards (-R port alone) */
void      culvert_worker_rsocks_start      (Conn               *conn);
void      culvert_worker_rsocks_pump       (Conn               *conn);
void      culvert_worker_socks_on_readable (Conn               *conn);
gboolean  culvert_worker_socks_reply       (Conn               *conn,
                                            CulvertSocksOutcome outcome);
/* Room for the replies held back and the answer to the request. */
#define SOCKS_ANSWER_MAX (2 * CULVERT_SOCKS_MAX_REPLY)
gsize     culvert_worker_socks_build_answer (Conn                *conn,
                                             CulvertSocksOutcome  outcome,
                                             guint8               out[SOCKS_ANSWER_MAX]);
CulvertSocksOutcome
          culvert_worker_socks_outcome_for_error (const char     *error);
void      culvert_worker_expire_handshakes  (CulvertWorker       *self);
void      culvert_conn_report_opened        (Conn                *conn);
void      culvert_worker_socks_free         (ConnSocks           *socks);

/* culvert-worker-remote.c */
Remote        *culvert_worker_take_remote          (CulvertWorker       *self,
                                                    CulvertWorkerRemote *in);
void           culvert_worker_local_connect_start  (Conn                *conn,
                                                    GAsyncReadyCallback  done);
Conn          *culvert_worker_local_connect_finish (GObject             *source,
                                                    GAsyncResult        *result,
                                                    gpointer             user_data,
                                                    int                 *fd,
                                                    GError             **error);
void           culvert_worker_request_remotes      (CulvertWorker       *self);
void           culvert_worker_request_remote       (CulvertWorker       *self,
                                                    Remote              *remote);
void           culvert_worker_remove_remotes       (CulvertWorker       *self,
                                                    guint                forward_index);
void           culvert_remote_free                 (Remote              *remote);
void           culvert_remote_probe_done           (Conn                *probe,
                                                    int                  rc,
                                                    const char          *reason);
int            culvert_worker_on_message           (ssh_session          session,
                                                    ssh_message          message,
                                                    void                *user_data);

/* For tests: a function run at the end of every pass over the connections,
 * where libssh 0.11+ may already have read or written the socket again
 * inside ssh_channel_poll; NULL for none. And how many workers are alive. */
typedef void (*CulvertWorkerPassHook) (ssh_session session,
                                       ssh_event   event);
void      culvert_worker_set_pass_hook (CulvertWorkerPassHook hook);
guint     culvert_worker_get_n_alive   (void);
/* How long to wait before reconnect attempt @attempt + 1 (0: the first). */
guint     culvert_worker_backoff_ms    (guint                 attempt,
                                        guint32               random);

G_END_DECLS

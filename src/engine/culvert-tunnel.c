/* culvert-tunnel.c — one running connection of a profile, on the main thread
 *
 * The tunnel binds the listening sockets here, on the main thread, so a port
 * in use is reported at once and listeners survive reconnects; then it hands
 * them to a CulvertWorker thread that owns the SSH session. Everything the
 * worker reports arrives here through the main context, already coalesced.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "Culvert-Tunnel"

#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gio/gunixsocketaddress.h>

#include "culvert-address.h"
#include "culvert-enums.h"
#include "culvert-forward-status-private.h"
#include "culvert-network-watch.h"
#include "culvert-question-private.h"
#include "culvert-tunnel-private.h"
#include "culvert-worker.h"

/* How far from a taken port to look for a free one to suggest. */
#define SUGGESTION_RANGE 100

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
};

G_DEFINE_FINAL_TYPE (CulvertTunnel, culvert_tunnel, G_TYPE_OBJECT)

static void socket_files_remove (CulvertTunnel *self);
G_DEFINE_QUARK (culvert-tunnel-error-quark, culvert_tunnel_error)

enum {
  PROP_0,
  PROP_PROFILE,
  PROP_STATE,
  PROP_STATE_REASON,
  PROP_STATE_SINCE,
  PROP_RECONNECT_ATTEMPT,
  PROP_NEXT_TRY,
  PROP_PROBLEM,
  N_PROPS
};

enum {
  QUESTION,
  CLIENT_OPENED,
  CLIENT_CLOSED,
  LOG_ADDED,
  EXITED,
  STREAM_CLOSED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];

static void culvert_tunnel_update_problem (CulvertTunnel *self);
static guint signals[N_SIGNALS];

const char *
culvert_tunnel_state_to_string (CulvertTunnelState state)
{
  switch (state)
    {
    case CULVERT_TUNNEL_DISCONNECTED:
      return "disconnected";
    case CULVERT_TUNNEL_CONNECTING:
      return "connecting";
    case CULVERT_TUNNEL_VERIFYING_HOST_KEY:
      return "verifying-host-key";
    case CULVERT_TUNNEL_AUTHENTICATING:
      return "authenticating";
    case CULVERT_TUNNEL_CONNECTED:
      return "connected";
    case CULVERT_TUNNEL_RECONNECTING:
      return "reconnecting";
    case CULVERT_TUNNEL_FAILED:
      return "failed";
    default:
      return "unknown";
    }
}

/* The log keeps at least the last CULVERT_TUNNEL_LOG_KEEP entries. The
 * oldest go in batches of LOG_DROP_BATCH, so that a flood of log lines
 * costs a list change per batch, not two per line, and a first entry then
 * says how many were dropped. */
#define LOG_DROP_BATCH 100

static void
culvert_tunnel_add_log (CulvertTunnel *self,
                        const char    *message,
                        gboolean       is_error)
{
  g_autoptr(CulvertLogEntry) entry = culvert_log_entry_new (message, is_error);
  guint marker = self->log_dropped > 0 ? 1 : 0;
  guint kept = g_list_model_get_n_items (G_LIST_MODEL (self->log)) - marker;

  if (kept >= CULVERT_TUNNEL_LOG_KEEP + LOG_DROP_BATCH)
    {
      g_autoptr(CulvertLogEntry) note = NULL;
      g_autofree char *text = NULL;

      self->log_dropped += LOG_DROP_BATCH;
      text = g_strdup_printf (ngettext ("%u earlier line of this log was dropped",
                                        "%u earlier lines of this log were dropped",
                                        self->log_dropped),
                              self->log_dropped);
      note = culvert_log_entry_new (text, FALSE);
      g_list_store_splice (self->log, 0, marker + LOG_DROP_BATCH, (gpointer *) &note, 1);
    }

  g_list_store_append (self->log, entry);
  g_signal_emit (self, signals[LOG_ADDED], 0, entry);
}

static void
culvert_tunnel_set_state (CulvertTunnel      *self,
                          CulvertTunnelState  state,
                          const char         *reason)
{
  gboolean reason_changed = g_strcmp0 (self->state_reason, reason) != 0;

  if (reason_changed)
    {
      g_free (self->state_reason);
      self->state_reason = g_strdup (reason);
    }

  if (self->state != state)
    {
      self->state = state;
      self->state_since = g_get_real_time ();
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE_SINCE]);

      /* Forwards follow the connection: they serve only while it is up. */
      for (guint i = 0; i < self->by_index->len; i++)
        {
          CulvertForwardStatus *status = g_ptr_array_index (self->by_index, i);

          if (culvert_forward_status_get_state (status) == CULVERT_FORWARD_STATE_FAILED)
            continue;
          /* Names being looked up, and incoming forwards, listen once they are told. */
          if (state == CULVERT_TUNNEL_CONNECTED &&
              (g_ptr_array_find (self->resolving, status, NULL) ||
               culvert_forward_get_kind (culvert_forward_status_get_forward (status)) ==
                 CULVERT_FORWARD_REMOTE))
            culvert_forward_status_set_state (status, CULVERT_FORWARD_STATE_PENDING);
          else if (state == CULVERT_TUNNEL_CONNECTED)
            culvert_forward_status_set_state (status, CULVERT_FORWARD_STATE_LISTENING);
          else if (state == CULVERT_TUNNEL_FAILED || state == CULVERT_TUNNEL_DISCONNECTED)
            culvert_forward_status_set_state (status, CULVERT_FORWARD_STATE_STOPPED);
          else
            culvert_forward_status_set_state (status, CULVERT_FORWARD_STATE_PENDING);
        }

      culvert_tunnel_update_problem (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }

  if (reason_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE_REASON]);
}

static void
culvert_tunnel_retry_because (CulvertTunnel *self,
                              const char    *why)
{
  /* The worker knows best whether it is waiting: it ignores this otherwise. */
  if (self->worker != NULL)
    culvert_worker_retry_now (self->worker, why);
}

static void
on_watch_retry (CulvertNetworkWatch *watch,
                const char          *why,
                CulvertTunnel       *self)
{
  culvert_tunnel_retry_because (self, why);
}

static void
culvert_tunnel_set_retry (CulvertTunnel *self,
                          guint          attempt,
                          gint64         next_try)
{
  if (self->attempt != attempt)
    {
      self->attempt = attempt;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECONNECT_ATTEMPT]);
    }
  if (self->next_try != next_try)
    {
      self->next_try = next_try;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NEXT_TRY]);
    }

  /* The first wait to reconnect: from now on the network coming back and
   * the computer waking up cut waits short. (Watched only from here, so a
   * process whose tunnels never drop never asks for a network monitor.) */
  if (next_try != 0 && !self->watching)
    {
      self->watching = TRUE;
      g_signal_connect_object (culvert_network_watch_get_default (), "retry",
                               G_CALLBACK (on_watch_retry), self, 0);
    }
}

/* ---------------------------------------------------------------------- */
/* Events from the worker                                                  */

typedef struct
{
  GWeakRef tunnel;
  guint    generation;
} EventTarget;

static void
event_target_free (gpointer data)
{
  EventTarget *target = data;

  g_weak_ref_clear (&target->tunnel);
  g_free (target);
}

static CulvertForwardStatus *
status_for_index (CulvertTunnel *self,
                  guint          index)
{
  return index < self->by_index->len ? g_ptr_array_index (self->by_index, index) : NULL;
}

static void
culvert_tunnel_on_event (const CulvertWorkerEvent *event,
                         gpointer                  user_data)
{
  EventTarget *target = user_data;
  g_autoptr(CulvertTunnel) self = g_weak_ref_get (&target->tunnel);
  CulvertForwardStatus *status;

  /* Events of a worker the tunnel has already let go of are dropped. */
  if (self == NULL || target->generation != self->generation)
    return;

  switch (event->type)
    {
    case CULVERT_WORKER_EVENT_STATE:
      culvert_tunnel_set_retry (self, event->state == CULVERT_TUNNEL_CONNECTED ? 0
                                      : MAX (event->attempt, self->attempt),
                                event->next_try);
      /* A forward that failed under exit-on-forward-failure stopped the run. */
      if (self->failure != NULL && event->state == CULVERT_TUNNEL_DISCONNECTED)
        culvert_tunnel_set_state (self, CULVERT_TUNNEL_FAILED, self->failure);
      else
        culvert_tunnel_set_state (self, event->state, event->text);
      break;

    case CULVERT_WORKER_EVENT_LOG:
      culvert_tunnel_add_log (self, event->text, event->is_error);
      break;

    case CULVERT_WORKER_EVENT_FORWARD_LISTENING:
      status = status_for_index (self, event->forward_index);
      if (status != NULL)
        {
          culvert_forward_status_set_error (status, NULL, 0);
          culvert_forward_status_set_reach (status, event->reach);
          culvert_forward_status_set_listening (status, event->text, event->port);
          if (self->state == CULVERT_TUNNEL_CONNECTED)
            culvert_forward_status_set_state (status, CULVERT_FORWARD_STATE_LISTENING);
        }
      break;

    case CULVERT_WORKER_EVENT_FORWARD_FAILED:
      status = status_for_index (self, event->forward_index);
      if (status != NULL)
        {
          culvert_forward_status_set_error (status, event->text, 0);
          culvert_forward_status_set_state (status, CULVERT_FORWARD_STATE_FAILED);
        }
      /* As ssh: a forward the server refused ends the run, -R included. */
      if (self->exit_on_forward_failure && self->failure == NULL && self->worker != NULL)
        {
          self->failure = g_strdup (event->text);
          culvert_tunnel_set_state (self, CULVERT_TUNNEL_FAILED, self->failure);
          culvert_worker_stop (self->worker);
        }
      break;

    case CULVERT_WORKER_EVENT_CLIENT_OPENED:
      status = status_for_index (self, event->forward_index);
      if (status != NULL)
        {
          g_autoptr(CulvertClientConnection) client =
            culvert_client_connection_new (event->client_id, event->source,
                                           event->destination, event->opened_at);

          culvert_forward_status_add_connection (status, client);
          g_signal_emit (self, signals[CLIENT_OPENED], 0, status, client);
        }
      break;

    case CULVERT_WORKER_EVENT_CLIENT_CLOSED:
      if (event->forward_index == CULVERT_WORKER_STREAM_INDEX)
        {
          g_signal_emit (self, signals[STREAM_CLOSED], 0, !event->is_error, event->text);
          break;
        }
      status = status_for_index (self, event->forward_index);
      if (status != NULL)
        {
          g_autoptr(CulvertClientConnection) client =
            culvert_forward_status_remove_connection (status, event->client_id);

          if (client != NULL)
            {
              culvert_client_connection_set_bytes (client, event->bytes_sent,
                                                   event->bytes_received);
              g_signal_emit (self, signals[CLIENT_CLOSED], 0, status, client, event->text);
            }
        }
      break;

    case CULVERT_WORKER_EVENT_STATS:
      for (guint i = 0; i < event->forward_stats->len; i++)
        {
          const CulvertWorkerForwardStats *fs =
            &g_array_index (event->forward_stats, CulvertWorkerForwardStats, i);

          status = status_for_index (self, fs->forward_index);
          if (status != NULL)
            culvert_forward_status_set_counters (status, fs->active, fs->total,
                                                 fs->bytes_sent, fs->bytes_received);
        }
      for (guint i = 0; i < event->client_stats->len; i++)
        {
          const CulvertWorkerClientStats *cs =
            &g_array_index (event->client_stats, CulvertWorkerClientStats, i);

          for (guint j = 0; j < self->by_index->len; j++)
            {
              CulvertClientConnection *client =
                culvert_forward_status_find_connection (g_ptr_array_index (self->by_index, j),
                                                        cs->client_id);

              if (client != NULL)
                {
                  culvert_client_connection_set_bytes (client, cs->bytes_sent,
                                                       cs->bytes_received);
                  break;
                }
            }
        }
      break;

    case CULVERT_WORKER_EVENT_QUESTION:
      {
        g_autoptr(CulvertQuestion) question = culvert_question_new (self->worker, event);

        g_signal_emit (self, signals[QUESTION], 0, question);
      }
      break;

    case CULVERT_WORKER_EVENT_EXITED:
      /* The listening sockets went with the worker. */
      g_clear_pointer (&self->worker, culvert_worker_unref);
      self->generation++;
      socket_files_remove (self);
      for (guint i = 0; i < self->by_index->len; i++)
        culvert_forward_status_clear_connections (g_ptr_array_index (self->by_index, i));
      g_signal_emit (self, signals[EXITED], 0);
      break;

    default:
      g_assert_not_reached ();
    }
}

/* ---------------------------------------------------------------------- */
/* Binding                                                                 */

static GSocket *
bind_one (GInetAddress  *address,
          guint16        port,
          GError       **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  GSocketFamily family = g_inet_address_get_family (address);

  socket = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return NULL;

  /* "::" serves IPv4 too, as OpenSSH's "*" does. */
  if (family == G_SOCKET_FAMILY_IPV6 && g_inet_address_get_is_any (address))
    g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, 0, NULL);
  else if (family == G_SOCKET_FAMILY_IPV6)
    g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, 1, NULL);

  socket_address = g_inet_socket_address_new (address, port);
  if (!g_socket_bind (socket, socket_address, TRUE, error))
    return NULL;
  g_socket_set_listen_backlog (socket, 512);
  if (!g_socket_listen (socket, error))
    return NULL;
  g_socket_set_blocking (socket, FALSE);

  return g_steal_pointer (&socket);
}

static guint16
socket_port (GSocket *socket)
{
  g_autoptr(GSocketAddress) address = g_socket_get_local_address (socket, NULL);

  return address ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)) : 0;
}

/* The addresses a bind address stands for, when that needs no name lookup;
 * NULL for a name, which is looked up asynchronously. */
static GList *
bind_address_literal (const char *bind)
{
  GInetAddress *literal;

  if (g_strcmp0 (bind, "localhost") == 0)
    return g_list_append (g_list_append (NULL, g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4)),
                          g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6));

  if (bind == NULL || *bind == '\0' || g_strcmp0 (bind, "*") == 0)
    return g_list_append (NULL, g_inet_address_new_any (G_SOCKET_FAMILY_IPV6));

  literal = g_inet_address_new_from_string (bind);
  if (literal != NULL)
    return g_list_append (NULL, literal);

  return NULL;
}

static char *
format_address (GInetAddress *address,
                guint16       port)
{
  g_autofree char *text = g_inet_address_to_string (address);

  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", text, port);

  return g_strdup_printf ("%s:%u", text, port);
}

/* Binds @addresses on @port; loopback's IPv6 half may be missing. */
static GPtrArray *
bind_all (GList    *addresses,
          guint16   port,
          GString  *label,
          GError  **error)
{
  g_autoptr(GPtrArray) sockets = g_ptr_array_new_with_free_func (g_object_unref);

  for (GList *l = addresses; l != NULL; l = l->next)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *text = NULL;
      GSocket *socket;

      socket = bind_one (l->data, port, &local_error);
      if (socket == NULL)
        {
          gboolean optional = l != addresses && g_inet_address_get_is_loopback (l->data) &&
                              g_inet_address_get_family (l->data) == G_SOCKET_FAMILY_IPV6 &&
                              !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);

          if (optional)
            continue;
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }

      /* Port 0: every address gets the port the first one was given. */
      if (port == 0)
        port = socket_port (socket);
      g_ptr_array_add (sockets, socket);
      text = format_address (l->data, port);
      if (label->len > 0)
        g_string_append (label, ", ");
      g_string_append (label, text);
    }

  return g_steal_pointer (&sockets);
}

static guint16
find_free_port (GList   *addresses,
                guint16  taken)
{
  for (guint distance = 1; distance <= SUGGESTION_RANGE; distance++)
    {
      int candidates[2] = { (int) taken + (int) distance, (int) taken - (int) distance };

      for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
        {
          g_autoptr(GString) label = g_string_new (NULL);
          g_autoptr(GPtrArray) sockets = NULL;

          if (candidates[i] < 1024 || candidates[i] > 65535)
            continue;
          sockets = bind_all (addresses, candidates[i], label, NULL);
          if (sockets != NULL)
            return candidates[i];
        }
    }

  return 0;
}

/* Binds one local forward on @addresses (the addresses @bind stands for, or
 * NULL with @lookup_error when looking them up failed); on failure sets the
 * status's error and suggestion. */
static GPtrArray *
culvert_tunnel_bind_forward (CulvertTunnel         *self,
                             CulvertForwardStatus  *status,
                             const char            *bind,
                             GList                 *addresses,
                             const GError          *lookup_error,
                             GError               **error)
{
  CulvertForward *forward = culvert_forward_status_get_forward (status);
  guint16 port = culvert_forward_get_bind_port (forward);
  g_autoptr(GString) label = g_string_new (NULL);
  g_autoptr(GError) local_error = NULL;
  GPtrArray *sockets;

  if (addresses == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("Cannot listen on %s: %s"), bind,
                   lookup_error != NULL ? lookup_error->message : _("no address"));
      culvert_forward_status_set_error (status, (*error)->message, 0);
      return NULL;
    }

  sockets = bind_all (addresses, port, label, &local_error);
  if (sockets == NULL)
    {
      const char *shown = g_strcmp0 (bind, "*") == 0 ? _("all interfaces") : bind;

      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        {
          guint16 suggestion = find_free_port (addresses, port);

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                       _("Port %u on %s is already in use"), port, shown);
          culvert_forward_status_set_error (status, (*error)->message, suggestion);
        }
      else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                       _("Port %u on %s needs administrator rights (ports below 1024 are "
                         "reserved)"), port, shown);
          culvert_forward_status_set_error (status, (*error)->message, 0);
        }
      else
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _("Cannot listen on port %u on %s: %s"), port, shown,
                       local_error->message);
          culvert_forward_status_set_error (status, (*error)->message, 0);
        }
      return NULL;
    }

  culvert_forward_status_set_listening (status, label->str,
                                        socket_port (g_ptr_array_index (sockets, 0)));
  return sockets;
}

static void
culvert_tunnel_log_listening (CulvertTunnel        *self,
                              CulvertForwardStatus *status)
{
  CulvertForward *forward = culvert_forward_status_get_forward (status);
  const char *listen = culvert_forward_status_get_listen_address (status);
  g_autofree char *line = NULL;

  if (culvert_forward_get_kind (forward) == CULVERT_FORWARD_DYNAMIC)
    line = g_strdup_printf (_("Listening on %s for SOCKS clients"), listen);
  else if (culvert_forward_get_destination_path (forward) != NULL)
    line = g_strdup_printf (_("Listening on %s for %s"), listen,
                            culvert_forward_get_destination_path (forward));
  else
    line = g_strdup_printf (_("Listening on %s for %s:%u"), listen,
                            culvert_forward_get_destination_host (forward),
                            culvert_forward_get_destination_port (forward));
  culvert_tunnel_add_log (self, line, FALSE);
}

/* A listener of @forward (forward @index) on @socket, into @listeners. A
 * socket file on the server is told to the worker as its path with port 0. */
static void
add_listener (GPtrArray      *listeners,
              guint           index,
              GSocket        *socket,
              CulvertForward *forward)
{
  CulvertWorkerListener *listener = g_new0 (CulvertWorkerListener, 1);

  listener->forward_index = index;
  listener->socket = g_object_ref (socket);
  if (culvert_forward_get_kind (forward) != CULVERT_FORWARD_DYNAMIC)
    {
      const char *path = culvert_forward_get_destination_path (forward);

      listener->destination_host = g_strdup (path != NULL ? path
                                             : culvert_forward_get_destination_host (forward));
      listener->destination_port = path != NULL ? 0
                                   : culvert_forward_get_destination_port (forward);
    }
  g_ptr_array_add (listeners, listener);
}

/* ---------------------------------------------------------------------- */
/* Socket files                                                            */

/* The socket file a forward listens on, as bound: removed when the
 * forward stops, if it is still the same file. */
typedef struct
{
  char  *path;
  dev_t  dev;
  ino_t  ino;
} SocketFile;

static void
socket_file_free (SocketFile *file)
{
  g_free (file->path);
  g_free (file);
}

static GQuark
socket_file_quark (void)
{
  return g_quark_from_static_string ("culvert-tunnel-socket-file");
}

/* Removes @status's socket file, if it still is the one bound. */
static void
socket_file_remove (CulvertForwardStatus *status)
{
  SocketFile *file = g_object_steal_qdata (G_OBJECT (status), socket_file_quark ());
  struct stat st;

  if (file == NULL)
    return;
  if (lstat (file->path, &st) == 0 && S_ISSOCK (st.st_mode) &&
      st.st_dev == file->dev && st.st_ino == file->ino)
    unlink (file->path);
  socket_file_free (file);
}

static void
socket_files_remove (CulvertTunnel *self)
{
  for (guint i = 0; i < self->by_index->len; i++)
    socket_file_remove (g_ptr_array_index (self->by_index, i));
}

/* The directory a socket file goes into: made (0700) when missing; an
 * existing one must be the user's or root's, and not one where others
 * may replace files (group- or world-writable without the sticky bit). */
static gboolean
check_socket_directory (const char  *path,
                        GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  struct stat st;

  if (stat (dir, &st) != 0)
    {
      if (errno != ENOENT || g_mkdir_with_parents (dir, 0700) != 0 || stat (dir, &st) != 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "%s: %s", dir, g_strerror (saved));
          return FALSE;
        }
    }
  if (!S_ISDIR (st.st_mode) ||
      (st.st_uid != getuid () && st.st_uid != 0) ||
      ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   _("%s is not a folder that only you (or the administrator) may change"), dir);
      return FALSE;
    }

  return TRUE;
}

/* A listening socket on the file @path, mode 0600. With @unlink_first
 * (StreamLocalBindUnlink) a socket file already there is replaced, as ssh
 * does; otherwise it makes the path "in use". */
static GSocket *
bind_socket_file (const char  *path,
                  gboolean     unlink_first,
                  GError     **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  struct stat st;

  if (!check_socket_directory (path, error))
    return NULL;

  if (unlink_first && lstat (path, &st) == 0 && S_ISSOCK (st.st_mode))
    unlink (path);

  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_DEFAULT, error);
  if (socket == NULL)
    return NULL;
  /* Linux gives the file the socket's own mode (less the umask): 0600 from
   * the start, never more for a moment; chmod again for kernels that don't. */
  fchmod (g_socket_get_fd (socket), 0600);
  address = g_unix_socket_address_new (path);
  if (!g_socket_bind (socket, address, FALSE, error))
    return NULL;
  if (chmod (path, 0600) != 0)
    {
      int saved = errno;

      unlink (path);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "%s", g_strerror (saved));
      return NULL;
    }
  g_socket_set_listen_backlog (socket, 512);
  if (!g_socket_listen (socket, error))
    {
      unlink (path);
      return NULL;
    }
  g_socket_set_blocking (socket, FALSE);

  return g_steal_pointer (&socket);
}

/* Binds forward @index on its socket file and adds the socket to
 * @listeners; FALSE (with @error) when it failed under
 * exit-on-forward-failure. */
static gboolean
culvert_tunnel_listen_path (CulvertTunnel         *self,
                            CulvertForwardStatus  *status,
                            guint                  index,
                            GPtrArray             *listeners,
                            GError               **error)
{
  CulvertForward *forward = culvert_forward_status_get_forward (status);
  g_autofree char *path = g_canonicalize_filename (culvert_forward_get_bind_path (forward), NULL);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) local_error = NULL;
  SocketFile *file;
  struct stat st;

  socket = bind_socket_file (path, self->stream_local_bind_unlink, &local_error);
  if (socket == NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        message = g_strdup_printf (_("The socket file %s already exists (StreamLocalBindUnlink "
                                     "replaces it)"), path);
      else
        message = g_strdup_printf (_("Cannot listen on %s: %s"), path, local_error->message);
      culvert_forward_status_set_error (status, message, 0);
      culvert_forward_status_set_state (status, CULVERT_FORWARD_STATE_FAILED);
      culvert_tunnel_add_log (self, message, TRUE);
      if (self->exit_on_forward_failure)
        {
          g_set_error_literal (error, CULVERT_TUNNEL_ERROR, CULVERT_TUNNEL_ERROR_FORWARD_FAILED,
                               message);
          return FALSE;
        }
      return TRUE;
    }

  file = g_new0 (SocketFile, 1);
  file->path = g_strdup (path);
  if (lstat (path, &st) == 0)
    {
      file->dev = st.st_dev;
      file->ino = st.st_ino;
    }
  g_object_set_qdata_full (G_OBJECT (status), socket_file_quark (), file,
                           (GDestroyNotify) socket_file_free);

  add_listener (listeners, index, socket, forward);
  culvert_forward_status_set_listening (status, path, 0);
  culvert_tunnel_log_listening (self, status);

  return TRUE;
}

/* Binds forward @index on @addresses and adds its sockets to @listeners;
 * FALSE (with @error) when it failed under exit-on-forward-failure. */
static gboolean
culvert_tunnel_listen (CulvertTunnel         *self,
                       CulvertForwardStatus  *status,
                       guint                  index,
                       const char            *bind,
                       GList                 *addresses,
                       const GError          *lookup_error,
                       GPtrArray             *listeners,
                       GError               **error)
{
  CulvertForward *forward = culvert_forward_status_get_forward (status);
  g_autoptr(GPtrArray) sockets = NULL;
  g_autoptr(GError) local_error = NULL;

  sockets = culvert_tunnel_bind_forward (self, status, bind, addresses, lookup_error,
                                         &local_error);
  if (sockets == NULL)
    {
      culvert_forward_status_set_state (status, CULVERT_FORWARD_STATE_FAILED);
      culvert_tunnel_add_log (self, local_error->message, TRUE);
      if (self->exit_on_forward_failure)
        {
          g_set_error (error, CULVERT_TUNNEL_ERROR, CULVERT_TUNNEL_ERROR_FORWARD_FAILED,
                       "%s", local_error->message);
          return FALSE;
        }
      return TRUE;
    }

  for (guint j = 0; j < sockets->len; j++)
    add_listener (listeners, index, g_ptr_array_index (sockets, j), forward);

  culvert_tunnel_log_listening (self, status);

  return TRUE;
}

typedef struct
{
  GWeakRef              tunnel;
  guint                 generation;
  guint                 index;
  CulvertForwardStatus *status;
  char                 *bind;
} BindLookup;

static void
bind_lookup_free (BindLookup *lookup)
{
  g_weak_ref_clear (&lookup->tunnel);
  g_object_unref (lookup->status);
  g_free (lookup->bind);
  g_free (lookup);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BindLookup, bind_lookup_free)

/* Gives a running worker the sockets a forward was bound to after it
 * started, and says the forward listens once the connection is up. */
static void
culvert_tunnel_hand_over (CulvertTunnel        *self,
                          CulvertForwardStatus *status,
                          GPtrArray            *listeners)
{
  for (guint i = 0; i < listeners->len; i++)
    culvert_worker_add_listener (self->worker, g_steal_pointer (&listeners->pdata[i]));
  if (listeners->len > 0 && self->state == CULVERT_TUNNEL_CONNECTED)
    culvert_forward_status_set_state (status, CULVERT_FORWARD_STATE_LISTENING);
}

/* A bind name was looked up: bind it and hand the sockets to the worker. */
static void
on_bind_name_resolved (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(BindLookup) lookup = user_data;
  g_autoptr(GError) lookup_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autolist(GInetAddress) addresses = NULL;
  g_autoptr(CulvertTunnel) self = NULL;
  g_autoptr(GPtrArray) listeners = NULL;

  addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &lookup_error);
  self = g_weak_ref_get (&lookup->tunnel);
  if (self == NULL || lookup->generation != self->generation || self->worker == NULL)
    return;

  g_ptr_array_remove (self->resolving, lookup->status);
  listeners = g_ptr_array_new_with_free_func ((GDestroyNotify) culvert_worker_listener_free);
  if (!culvert_tunnel_listen (self, lookup->status, lookup->index, lookup->bind, addresses,
                              lookup_error, listeners, &error))
    {
      self->failure = g_strdup (error->message);
      culvert_tunnel_set_state (self, CULVERT_TUNNEL_FAILED, self->failure);
      culvert_worker_stop (self->worker);
      return;
    }

  culvert_tunnel_hand_over (self, lookup->status, listeners);
}

/* The problem: every forward that failed while the connection is up. A
 * connection whose forwards do not all serve is not simply "connected". */
static void
culvert_tunnel_update_problem (CulvertTunnel *self)
{
  g_autoptr(GString) failed = g_string_new (NULL);
  g_autofree char *problem = NULL;
  guint n_failed = 0;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->forwards));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CulvertForwardStatus) status = g_list_model_get_item (G_LIST_MODEL (self->forwards), i);
      CulvertForward *forward = culvert_forward_status_get_forward (status);
      g_autofree char *spec = NULL;

      if (culvert_forward_status_get_state (status) != CULVERT_FORWARD_STATE_FAILED)
        continue;
      spec = culvert_forward_to_string (forward);
      if (n_failed++ > 0)
        g_string_append (failed, "; ");
      g_string_append_printf (failed, "%s %s: %s",
                              culvert_forward_kind_to_flag (culvert_forward_get_kind (forward)),
                              spec,
                              culvert_forward_status_get_error (status) != NULL
                              ? culvert_forward_status_get_error (status) : _("failed"));
    }

  if (n_failed > 0 && self->state == CULVERT_TUNNEL_CONNECTED)
    problem = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "%u of %u forwards does not serve: %s",
                                            "%u of %u forwards do not serve: %s", n_failed),
                               n_failed, n, failed->str);

  if (g_strcmp0 (problem, self->problem) != 0)
    {
      g_free (self->problem);
      self->problem = g_steal_pointer (&problem);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBLEM]);
    }
}

static void
on_forward_state (CulvertForwardStatus *status,
                  GParamSpec           *pspec,
                  CulvertTunnel        *self)
{
  culvert_tunnel_update_problem (self);
}

const char *
culvert_tunnel_get_problem (CulvertTunnel *self)
{
  g_return_val_if_fail (CULVERT_IS_TUNNEL (self), NULL);

  return self->problem;
}

/* Whether this build can serve @forward; if not, a one-line reason. */
static gboolean
forward_is_supported (CulvertForward  *forward,
                      char           **reason)
{
  /* The server listening on a socket path needs streamlocal-forward@openssh.com,
   * a global request that neither libssh 0.10 nor 0.12 can send. */
  if (culvert_forward_get_kind (forward) == CULVERT_FORWARD_REMOTE &&
      culvert_forward_get_bind_path (forward) != NULL)
    {
      *reason = g_strdup (_("The server cannot be asked to listen on a socket path: the libssh "
                            "this was built with cannot send that request "
                            "(streamlocal-forward@openssh.com)"));
      return FALSE;
    }

  return TRUE;
}

/* Adds a status for @forward and starts it: a local forward is bound (its
 * sockets go into @listeners, or to the worker later when its bind name
 * must be looked up), an incoming one goes into @remotes. Returns the
 * status, or NULL (with @error) when it failed under
 * exit-on-forward-failure. */
static CulvertForwardStatus *
culvert_tunnel_start_forward (CulvertTunnel   *self,
                              CulvertForward  *forward,
                              GPtrArray       *listeners,
                              GPtrArray       *remotes,
                              GError         **error)
{
  g_autoptr(CulvertForwardStatus) status = culvert_forward_status_new (forward);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *unsupported = NULL;
  g_autolist(GInetAddress) addresses = NULL;
  g_autofree char *bind = NULL;
  guint index = self->by_index->len;

  g_ptr_array_add (self->by_index, g_object_ref (status));
  g_list_store_append (self->forwards, status);
  g_signal_connect_object (status, "notify::state", G_CALLBACK (on_forward_state), self, 0);

  /* A damaged forward (from a file edited by hand, say) never runs: a
   * local forward without a destination is not a SOCKS proxy. And one
   * this libssh cannot ask for is said so at once. */
  if (!culvert_forward_validate (forward, &local_error) ||
      !forward_is_supported (forward, &unsupported))
    {
      g_autofree char *spec = culvert_forward_to_string (forward);
      g_autofree char *text = NULL;
      g_autofree char *reason = NULL;

      if (unsupported != NULL)
        {
          text = g_strdup_printf (_("The forward %s %s was not started: %s"),
                                  culvert_forward_kind_to_flag (culvert_forward_get_kind (forward)),
                                  spec, unsupported);
          reason = g_strdup (unsupported);
        }
      else
        {
          text = g_strdup_printf (_("The forward %s %s is damaged and was not started: %s"),
                                  culvert_forward_kind_to_flag (culvert_forward_get_kind (forward)),
                                  spec, local_error->message);
          reason = g_strdup_printf (_("Damaged: %s"), local_error->message);
        }

      culvert_forward_status_set_error (status, reason, 0);
      culvert_forward_status_set_state (status, CULVERT_FORWARD_STATE_FAILED);
      culvert_tunnel_add_log (self, text, TRUE);
      if (self->exit_on_forward_failure)
        {
          g_set_error_literal (error, CULVERT_TUNNEL_ERROR, CULVERT_TUNNEL_ERROR_FORWARD_FAILED,
                               text);
          return NULL;
        }
      return status;
    }

  if (culvert_forward_get_kind (forward) == CULVERT_FORWARD_REMOTE)
    {
      CulvertWorkerRemote *remote = g_new0 (CulvertWorkerRemote, 1);

      remote->forward_index = index;
      remote->bind_address = culvert_forward_dup_effective_bind_address (forward);
      remote->bind_port = culvert_forward_get_bind_port (forward);
      if (culvert_forward_get_destination_path (forward) != NULL)
        {
          /* A socket file here: its path, with port 0. */
          remote->destination_host = g_canonicalize_filename (
            culvert_forward_get_destination_path (forward), NULL);
          remote->destination_port = 0;
          g_ptr_array_add (remotes, remote);
          return status;
        }
      if (!culvert_forward_is_reverse_dynamic (forward))
        remote->destination_host = g_strdup (culvert_forward_get_destination_host (forward));
      remote->destination_port = culvert_forward_get_destination_port (forward);
      g_ptr_array_add (remotes, remote);
      return status;
    }

  if (culvert_forward_get_bind_path (forward) != NULL)
    {
      if (!culvert_tunnel_listen_path (self, status, index, listeners, error))
        return NULL;
      return status;
    }

  bind = culvert_forward_dup_effective_bind_address_full (
    forward, culvert_profile_get_gateway_ports (self->profile));
  addresses = bind_address_literal (bind);
  if (addresses == NULL)
    {
      /* A name: looked up without blocking; it listens once known. */
      BindLookup *lookup = g_new0 (BindLookup, 1);
      g_autoptr(GResolver) resolver = g_resolver_get_default ();

      g_weak_ref_init (&lookup->tunnel, self);
      lookup->generation = self->generation;
      lookup->index = index;
      lookup->status = g_object_ref (status);
      lookup->bind = g_steal_pointer (&bind);
      g_ptr_array_add (self->resolving, status);
      g_resolver_lookup_by_name_async (resolver, lookup->bind, self->lookups,
                                       on_bind_name_resolved, lookup);
      return status;
    }

  if (!culvert_tunnel_listen (self, status, index, bind, addresses, NULL, listeners, error))
    return NULL;

  return status;
}

/* Serves @forward too, while the tunnel runs (it is not added to the
 * profile: the next connect takes the profile's forwards). Returns its
 * status, owned by the tunnel, or NULL when the tunnel is not running or
 * the forward failed under exit-on-forward-failure (with @error). */
CulvertForwardStatus *
culvert_tunnel_add_forward (CulvertTunnel   *self,
                            CulvertForward  *forward,
                            GError         **error)
{
  g_autoptr(GPtrArray) listeners = NULL;
  g_autoptr(GPtrArray) remotes = NULL;
  CulvertForwardStatus *status;

  g_return_val_if_fail (CULVERT_IS_TUNNEL (self), NULL);
  g_return_val_if_fail (CULVERT_IS_FORWARD (forward), NULL);

  if (self->worker == NULL)
    return NULL;

  listeners = g_ptr_array_new_with_free_func ((GDestroyNotify) culvert_worker_listener_free);
  remotes = g_ptr_array_new_with_free_func ((GDestroyNotify) culvert_worker_remote_free);
  status = culvert_tunnel_start_forward (self, forward, listeners, remotes, error);
  if (status == NULL)
    return NULL;

  culvert_tunnel_hand_over (self, status, listeners);
  for (guint i = 0; i < remotes->len; i++)
    culvert_worker_add_remote (self->worker, g_ptr_array_index (remotes, i));

  return status;
}

/* Stops serving the forward of @status: its port is let go (here or on the
 * server), its connections end, and it leaves the tunnel's list. */
void
culvert_tunnel_remove_forward (CulvertTunnel        *self,
                               CulvertForwardStatus *status)
{
  guint index;
  guint position;

  g_return_if_fail (CULVERT_IS_TUNNEL (self));
  g_return_if_fail (CULVERT_IS_FORWARD_STATUS (status));

  if (!g_ptr_array_find (self->by_index, status, &index))
    return;

  if (self->worker != NULL)
    culvert_worker_remove_forward (self->worker, index);
  g_ptr_array_remove (self->resolving, status);
  socket_file_remove (status);
  culvert_forward_status_set_state (status, CULVERT_FORWARD_STATE_STOPPED);
  if (g_list_store_find (self->forwards, status, &position))
    g_list_store_remove (self->forwards, position);
}

/* ---------------------------------------------------------------------- */

static CulvertWorkerConfig *
culvert_tunnel_make_config (CulvertTunnel *self)
{
  CulvertWorkerConfig *config = g_new0 (CulvertWorkerConfig, 1);
  CulvertAuthMethod method = culvert_profile_get_auth_method (self->profile);
  const char * const *jumps;

  config->profile_id = g_strdup (culvert_profile_get_id (self->profile));
  config->host = g_strdup (culvert_profile_get_host (self->profile));
  config->port = culvert_profile_get_port (self->profile);
  config->user = g_strdup (culvert_profile_get_user (self->profile));
  config->auth_method = method;
  config->identity_file = g_strdup (culvert_profile_get_identity_file (self->profile));
  config->known_hosts_file = g_strdup (culvert_profile_get_known_hosts_file (self->profile));
  config->host_key_policy = self->host_key_policy;
  config->connect_timeout = self->connect_timeout;
  config->use_agent = method == CULVERT_AUTH_AUTOMATIC || method == CULVERT_AUTH_AGENT;
  config->keepalive_interval = culvert_profile_get_keepalive_interval (self->profile);
  config->keepalive_interval_ms = self->keepalive_interval_ms;
  config->proxy_mode = culvert_profile_get_proxy_mode (self->profile);
  config->proxy_url = g_strdup (culvert_profile_get_proxy_url (self->profile));
  config->proxy_bypass = g_strdup (culvert_profile_get_proxy_bypass (self->profile));
  jumps = culvert_profile_get_jump_hosts (self->profile);
  config->jump_hosts = jumps != NULL && jumps[0] != NULL ? g_strdupv ((char **) jumps) : NULL;
  config->keepalive_count = culvert_profile_get_keepalive_count (self->profile);
  config->reconnect = culvert_profile_get_reconnect (self->profile);
  config->interactive = self->interactive;
  config->permit_remote_open = g_strdupv (self->permit_remote_open);

  return config;
}

gboolean
culvert_tunnel_connect (CulvertTunnel  *self,
                        GError        **error)
{
  GListModel *forwards;
  g_autoptr(GPtrArray) listeners = NULL;
  g_autoptr(GPtrArray) remotes = NULL;
  const char * const *jumps;
  EventTarget *target;
  guint n;

  g_return_val_if_fail (CULVERT_IS_TUNNEL (self), FALSE);

  if (self->worker != NULL)
    {
      g_set_error (error, CULVERT_TUNNEL_ERROR, CULVERT_TUNNEL_ERROR_RUNNING,
                   _("The connection to %s is already running"),
                   culvert_profile_get_host (self->profile));
      return FALSE;
    }

  /* Nor is a server name that is none: it would go into a proxy's
   * CONNECT line and libssh's options as it is. */
  if (!culvert_address_is_valid_host (culvert_profile_get_host (self->profile)))
    {
      g_autofree char *shown = g_strescape (culvert_profile_get_host (self->profile) != NULL ?
                                            culvert_profile_get_host (self->profile) : "", NULL);

      g_set_error (error, CULVERT_TUNNEL_ERROR, CULVERT_TUNNEL_ERROR_UNSUPPORTED,
                   _("“%s” is not a host name or an IP address"), shown);
      return FALSE;
    }

  /* A jump host that cannot be read is the user's to fix, not a reason to retry. */
  jumps = culvert_profile_get_jump_hosts (self->profile);
  for (guint i = 0; jumps != NULL && jumps[i] != NULL; i++)
    {
      g_autoptr(GError) jump_error = NULL;

      if (!culvert_jump_host_parse (jumps[i], NULL, NULL, NULL, &jump_error))
        {
          g_set_error_literal (error, CULVERT_TUNNEL_ERROR, CULVERT_TUNNEL_ERROR_UNSUPPORTED,
                               jump_error->message);
          return FALSE;
        }
    }

  g_ptr_array_set_size (self->by_index, 0);
  g_ptr_array_set_size (self->resolving, 0);
  g_list_store_remove_all (self->forwards);
  g_clear_pointer (&self->failure, g_free);
  culvert_tunnel_set_retry (self, 0, 0);
  g_cancellable_cancel (self->lookups);
  g_clear_object (&self->lookups);
  self->lookups = g_cancellable_new ();
  self->generation++;
  listeners = g_ptr_array_new_with_free_func ((GDestroyNotify) culvert_worker_listener_free);
  remotes = g_ptr_array_new_with_free_func ((GDestroyNotify) culvert_worker_remote_free);

  forwards = culvert_profile_get_forwards (self->profile);
  n = g_list_model_get_n_items (forwards);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CulvertForward) forward = g_list_model_get_item (forwards, i);

      if (!culvert_forward_get_enabled (forward))
        continue;

      if (culvert_tunnel_start_forward (self, forward, listeners, remotes, error) == NULL)
        {
          /* Close what was bound already. */
          g_ptr_array_set_size (listeners, 0);
          socket_files_remove (self);
          g_cancellable_cancel (self->lookups);
          culvert_tunnel_set_state (self, CULVERT_TUNNEL_FAILED, (*error)->message);
          return FALSE;
        }
    }

  target = g_new0 (EventTarget, 1);
  g_weak_ref_init (&target->tunnel, self);
  target->generation = self->generation;

  self->worker = culvert_worker_new (culvert_tunnel_make_config (self),
                                     g_steal_pointer (&listeners),
                                     g_steal_pointer (&remotes),
                                     culvert_tunnel_on_event, target, event_target_free);
  culvert_tunnel_set_state (self, CULVERT_TUNNEL_CONNECTING, NULL);
  culvert_worker_start (self->worker);

  return TRUE;
}

/**
 * culvert_tunnel_retry_now:
 *
 * While the tunnel waits before reconnecting, the next attempt starts at
 * once (the backoff goes on from there if it fails). Otherwise nothing
 * happens. The network coming back and the computer waking up call this.
 */
void
culvert_tunnel_retry_now (CulvertTunnel *self)
{
  g_return_if_fail (CULVERT_IS_TUNNEL (self));

  culvert_tunnel_retry_because (self, _("Connecting again now"));
}

void
culvert_tunnel_disconnect (CulvertTunnel *self)
{
  g_return_if_fail (CULVERT_IS_TUNNEL (self));

  if (self->lookups != NULL)
    g_cancellable_cancel (self->lookups);
  if (self->worker != NULL)
    culvert_worker_stop (self->worker);
}

gboolean
culvert_tunnel_is_running (CulvertTunnel *self)
{
  g_return_val_if_fail (CULVERT_IS_TUNNEL (self), FALSE);

  return self->worker != NULL;
}

void
culvert_tunnel_close_client (CulvertTunnel           *self,
                             CulvertClientConnection *client)
{
  g_return_if_fail (CULVERT_IS_TUNNEL (self));
  g_return_if_fail (CULVERT_IS_CLIENT_CONNECTION (client));

  if (self->worker != NULL)
    culvert_worker_close_client (self->worker, culvert_client_connection_get_id (client));
}

/* ---------------------------------------------------------------------- */

static void
culvert_tunnel_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  CulvertTunnel *self = CULVERT_TUNNEL (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      g_value_set_object (value, self->profile);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_STATE_REASON:
      g_value_set_string (value, self->state_reason);
      break;
    case PROP_STATE_SINCE:
      g_value_set_int64 (value, self->state_since);
      break;
    case PROP_RECONNECT_ATTEMPT:
      g_value_set_uint (value, self->attempt);
      break;
    case PROP_NEXT_TRY:
      g_value_set_int64 (value, self->next_try);
      break;
    case PROP_PROBLEM:
      g_value_set_string (value, self->problem);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
culvert_tunnel_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  CulvertTunnel *self = CULVERT_TUNNEL (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      self->profile = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
culvert_tunnel_dispose (GObject *object)
{
  CulvertTunnel *self = CULVERT_TUNNEL (object);

  /* Nothing joins the worker: it stops on its own and its events are dropped. */
  if (self->worker != NULL)
    {
      culvert_worker_stop (self->worker);
      g_clear_pointer (&self->worker, culvert_worker_unref);
    }
  /* Its socket files too: no EXITED comes for them now. */
  if (self->by_index != NULL)
    socket_files_remove (self);
  g_clear_object (&self->profile);
  g_clear_object (&self->forwards);
  g_clear_object (&self->log);
  g_clear_pointer (&self->by_index, g_ptr_array_unref);
  g_clear_pointer (&self->resolving, g_ptr_array_unref);
  if (self->lookups != NULL)
    g_cancellable_cancel (self->lookups);
  g_clear_object (&self->lookups);

  G_OBJECT_CLASS (culvert_tunnel_parent_class)->dispose (object);
}

static void
culvert_tunnel_finalize (GObject *object)
{
  CulvertTunnel *self = CULVERT_TUNNEL (object);

  g_free (self->state_reason);
  g_free (self->failure);
  g_free (self->problem);
  g_strfreev (self->permit_remote_open);

  G_OBJECT_CLASS (culvert_tunnel_parent_class)->finalize (object);
}

static void
culvert_tunnel_class_init (CulvertTunnelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = culvert_tunnel_get_property;
  object_class->set_property = culvert_tunnel_set_property;
  object_class->dispose = culvert_tunnel_dispose;
  object_class->finalize = culvert_tunnel_finalize;

  properties[PROP_PROFILE] =
    g_param_spec_object ("profile", NULL, NULL, CULVERT_TYPE_PROFILE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, CULVERT_TYPE_TUNNEL_STATE,
                       CULVERT_TUNNEL_DISCONNECTED,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE_REASON] =
    g_param_spec_string ("state-reason", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* When the state last changed, in g_get_real_time () microseconds. */
  properties[PROP_STATE_SINCE] =
    g_param_spec_int64 ("state-since", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The reconnect attempt being waited for or being made (1 for the first
   * after the connection was lost); 0 while connected. */
  properties[PROP_RECONNECT_ATTEMPT] =
    g_param_spec_uint ("reconnect-attempt", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* While waiting to reconnect: when the next attempt starts
   * (g_get_real_time () microseconds); 0 otherwise. */
  properties[PROP_NEXT_TRY] =
    g_param_spec_int64 ("next-try", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* While connected: which forwards do not serve, and why, in words;
   * NULL when every one does (culvert_tunnel_get_problem ()). */
  properties[PROP_PROBLEM] =
    g_param_spec_string ("problem", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The front end answers with culvert_question_answer(), now or later. */
  /* A stream of culvert_tunnel_add_stream () ended: whether its channel
   * had opened, and why it ended (or NULL). */
  signals[STREAM_CLOSED] = g_signal_new ("stream-closed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                         2, G_TYPE_BOOLEAN, G_TYPE_STRING);
  signals[QUESTION] = g_signal_new ("question", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 1, CULVERT_TYPE_QUESTION);
  signals[CLIENT_OPENED] = g_signal_new ("client-opened", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                         CULVERT_TYPE_FORWARD_STATUS,
                                         CULVERT_TYPE_CLIENT_CONNECTION);
  signals[CLIENT_CLOSED] = g_signal_new ("client-closed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                                         CULVERT_TYPE_FORWARD_STATUS,
                                         CULVERT_TYPE_CLIENT_CONNECTION, G_TYPE_STRING);
  signals[LOG_ADDED] = g_signal_new ("log-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 1, CULVERT_TYPE_LOG_ENTRY);
  signals[EXITED] = g_signal_new ("exited", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
culvert_tunnel_init (CulvertTunnel *self)
{
  self->host_key_policy = CULVERT_HOST_KEY_ASK;
  self->interactive = TRUE;
  self->forwards = g_list_store_new (CULVERT_TYPE_FORWARD_STATUS);
  self->by_index = g_ptr_array_new_with_free_func (g_object_unref);
  self->log = g_list_store_new (CULVERT_TYPE_LOG_ENTRY);
  self->resolving = g_ptr_array_new ();
}

CulvertTunnel *
culvert_tunnel_new (CulvertProfile *profile)
{
  g_return_val_if_fail (CULVERT_IS_PROFILE (profile), NULL);

  return g_object_new (CULVERT_TYPE_TUNNEL, "profile", profile, NULL);
}

CulvertProfile *
culvert_tunnel_get_profile (CulvertTunnel *self)
{
  g_return_val_if_fail (CULVERT_IS_TUNNEL (self), NULL);
  return self->profile;
}

void
culvert_tunnel_set_host_key_policy (CulvertTunnel        *self,
                                    CulvertHostKeyPolicy  policy)
{
  g_return_if_fail (CULVERT_IS_TUNNEL (self));
  self->host_key_policy = policy;
}

void
culvert_tunnel_set_exit_on_forward_failure (CulvertTunnel *self,
                                            gboolean       exit_on_failure)
{
  g_return_if_fail (CULVERT_IS_TUNNEL (self));
  self->exit_on_forward_failure = exit_on_failure;
}

/* StreamLocalBindUnlink: a socket file where a forward listens is
 * replaced instead of making the forward fail. Default FALSE, as ssh. */
void
culvert_tunnel_set_stream_local_bind_unlink (CulvertTunnel *self,
                                             gboolean       unlink_first)
{
  g_return_if_fail (CULVERT_IS_TUNNEL (self));
  self->stream_local_bind_unlink = unlink_first;
}

void
culvert_tunnel_set_connect_timeout (CulvertTunnel *self,
                                    guint          seconds)
{
  g_return_if_fail (CULVERT_IS_TUNNEL (self));
  self->connect_timeout = seconds;
}

void
culvert_tunnel_set_interactive (CulvertTunnel *self,
                                gboolean       interactive)
{
  g_return_if_fail (CULVERT_IS_TUNNEL (self));
  self->interactive = interactive;
}

CulvertTunnelState
culvert_tunnel_get_state (CulvertTunnel *self)
{
  g_return_val_if_fail (CULVERT_IS_TUNNEL (self), CULVERT_TUNNEL_DISCONNECTED);
  return self->state;
}

gint64
culvert_tunnel_get_state_since (CulvertTunnel *self)
{
  g_return_val_if_fail (CULVERT_IS_TUNNEL (self), 0);

  return self->state_since;
}

guint
culvert_tunnel_get_reconnect_attempt (CulvertTunnel *self)
{
  g_return_val_if_fail (CULVERT_IS_TUNNEL (self), 0);

  return self->attempt;
}

gint64
culvert_tunnel_get_next_try (CulvertTunnel *self)
{
  g_return_val_if_fail (CULVERT_IS_TUNNEL (self), 0);

  return self->next_try;
}

const char *
culvert_tunnel_get_state_reason (CulvertTunnel *self)
{
  g_return_val_if_fail (CULVERT_IS_TUNNEL (self), NULL);
  return self->state_reason;
}

GListModel *
culvert_tunnel_get_forwards (CulvertTunnel *self)
{
  g_return_val_if_fail (CULVERT_IS_TUNNEL (self), NULL);
  return G_LIST_MODEL (self->forwards);
}

GListModel *
culvert_tunnel_get_log (CulvertTunnel *self)
{
  g_return_val_if_fail (CULVERT_IS_TUNNEL (self), NULL);
  return G_LIST_MODEL (self->log);
}

void
culvert_tunnel_set_keepalive_interval_ms (CulvertTunnel *self,
                                          guint          milliseconds)
{
  g_return_if_fail (CULVERT_IS_TUNNEL (self));

  self->keepalive_interval_ms = milliseconds;
}

gboolean
culvert_tunnel_add_stream (CulvertTunnel  *self,
                           int             fd,
                           const char     *host,
                           guint16         port,
                           GError        **error)
{
  g_return_val_if_fail (CULVERT_IS_TUNNEL (self), FALSE);
  g_return_val_if_fail (fd >= 0, FALSE);
  g_return_val_if_fail (host != NULL, FALSE);

  if (self->worker == NULL || self->state != CULVERT_TUNNEL_CONNECTED)
    {
      close (fd);
      g_set_error_literal (error, CULVERT_TUNNEL_ERROR, CULVERT_TUNNEL_ERROR_RUNNING,
                           _("Not connected to the server"));
      return FALSE;
    }

  culvert_worker_add_stream (self->worker, fd, host, port);
  return TRUE;
}

void
culvert_tunnel_set_permit_remote_open (CulvertTunnel      *self,
                                       const char * const *permitted)
{
  g_return_if_fail (CULVERT_IS_TUNNEL (self));

  g_strfreev (self->permit_remote_open);
  self->permit_remote_open = g_strdupv ((char **) permitted);
}

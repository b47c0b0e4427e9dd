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

#include "culvert-address.h"
#include "culvert-enums.h"
#include "culvert-forward-status-private.h"
#include "culvert-network-watch.h"
#include "culvert-question-private.h"
#include "culvert-tunnel-private.h"
#include "culvert-worker.h"

G_DEFINE_FINAL_TYPE (CulvertTunnel, culvert_tunnel, G_TYPE_OBJECT)

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

void
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

void
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
on_forward_failed (CulvertTunnel            *self,
                   const CulvertWorkerEvent *event)
{
  CulvertForwardStatus *status = status_for_index (self, event->forward_index);

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
}

static void
on_client_closed (CulvertTunnel            *self,
                  const CulvertWorkerEvent *event)
{
  CulvertForwardStatus *status;
  g_autoptr(CulvertClientConnection) client = NULL;

  if (event->forward_index == CULVERT_WORKER_STREAM_INDEX)
    {
      g_signal_emit (self, signals[STREAM_CLOSED], 0, !event->is_error, event->text);
      return;
    }
  status = status_for_index (self, event->forward_index);
  if (status == NULL)
    return;
  client = culvert_forward_status_remove_connection (status, event->client_id);
  if (client != NULL)
    {
      culvert_client_connection_set_bytes (client, event->bytes_sent, event->bytes_received);
      g_signal_emit (self, signals[CLIENT_CLOSED], 0, status, client, event->text);
    }
}

static void
on_stats (CulvertTunnel            *self,
          const CulvertWorkerEvent *event)
{
  for (guint i = 0; i < event->forward_stats->len; i++)
    {
      const CulvertWorkerForwardStats *fs =
        &g_array_index (event->forward_stats, CulvertWorkerForwardStats, i);
      CulvertForwardStatus *status = status_for_index (self, fs->forward_index);

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
      on_forward_failed (self, event);
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
      on_client_closed (self, event);
      break;

    case CULVERT_WORKER_EVENT_STATS:
      on_stats (self, event);
      break;

    case CULVERT_WORKER_EVENT_QUESTION:
      {
        g_autoptr(CulvertQuestion) question = culvert_question_new (self->worker, event);

        /* Kept, so the connection's page can say it plainly until the
         * next attempt. */
        if (culvert_question_get_kind (question) == CULVERT_QUESTION_HOST_KEY_CHANGED)
          g_set_object (&self->changed_key, question);
        g_signal_emit (self, signals[QUESTION], 0, question);
      }
      break;

    case CULVERT_WORKER_EVENT_EXITED:
      /* The listening sockets went with the worker. */
      g_clear_pointer (&self->worker, culvert_worker_unref);
      self->generation++;
      culvert_tunnel_remove_socket_files (self);
      for (guint i = 0; i < self->by_index->len; i++)
        culvert_forward_status_clear_connections (g_ptr_array_index (self->by_index, i));
      g_signal_emit (self, signals[EXITED], 0);
      break;

    default:
      g_assert_not_reached ();
    }
}

/* Takes @problem (culvert_tunnel_update_problem() says which). */
void
culvert_tunnel_set_problem (CulvertTunnel *self,
                            char          *problem)
{
  if (g_strcmp0 (problem, self->problem) == 0)
    {
      g_free (problem);
      return;
    }
  g_free (self->problem);
  self->problem = problem;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBLEM]);
}

const char *
culvert_tunnel_get_problem (CulvertTunnel *self)
{
  g_return_val_if_fail (CULVERT_IS_TUNNEL (self), NULL);

  return self->problem;
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
  g_clear_object (&self->changed_key);
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
          culvert_tunnel_remove_socket_files (self);
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
    culvert_tunnel_remove_socket_files (self);
  g_clear_object (&self->profile);
  g_clear_object (&self->forwards);
  g_clear_object (&self->log);
  g_clear_object (&self->changed_key);
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

CulvertQuestion *
culvert_tunnel_get_changed_host_key (CulvertTunnel *self)
{
  g_return_val_if_fail (CULVERT_IS_TUNNEL (self), NULL);

  return self->changed_key;
}

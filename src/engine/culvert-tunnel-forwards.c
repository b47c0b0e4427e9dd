/* culvert-tunnel-forwards.c — starting a tunnel's forwards
 *
 * A local or dynamic forward is bound here, on the main thread (a bind
 * name is looked up first, without blocking), and its sockets go to the
 * worker; an incoming one is what the worker asks the server for. A
 * forward that cannot start fails alone, unless exit-on-forward-failure
 * makes that end the run; the tunnel's problem names the forwards that do
 * not serve.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "Culvert-Tunnel"

#include "config.h"

#include <glib/gi18n.h>

#include "culvert-forward-status-private.h"
#include "culvert-tunnel-bind.h"
#include "culvert-tunnel-private.h"

void
culvert_tunnel_remove_socket_files (CulvertTunnel *self)
{
  for (guint i = 0; i < self->by_index->len; i++)
    culvert_tunnel_bind_remove_socket_file (g_ptr_array_index (self->by_index, i));
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

/* A forward could not listen: it failed, and under exit-on-forward-failure
 * so does the run (FALSE, with @error). */
static gboolean
culvert_tunnel_listen_failed (CulvertTunnel         *self,
                              CulvertForwardStatus  *status,
                              const GError          *failure,
                              GError               **error)
{
  culvert_forward_status_set_state (status, CULVERT_FORWARD_STATE_FAILED);
  culvert_tunnel_add_log (self, failure->message, TRUE);
  if (self->exit_on_forward_failure)
    {
      g_set_error_literal (error, CULVERT_TUNNEL_ERROR, CULVERT_TUNNEL_ERROR_FORWARD_FAILED,
                           failure->message);
      return FALSE;
    }

  return TRUE;
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
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) local_error = NULL;

  socket = culvert_tunnel_bind_socket_file (status, self->stream_local_bind_unlink,
                                            &local_error);
  if (socket == NULL)
    return culvert_tunnel_listen_failed (self, status, local_error, error);

  culvert_tunnel_bind_add_listener (listeners, index, socket,
                                    culvert_forward_status_get_forward (status));
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

  sockets = culvert_tunnel_bind_forward (status, bind, addresses, lookup_error, &local_error);
  if (sockets == NULL)
    return culvert_tunnel_listen_failed (self, status, local_error, error);

  for (guint j = 0; j < sockets->len; j++)
    culvert_tunnel_bind_add_listener (listeners, index, g_ptr_array_index (sockets, j), forward);

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
void
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

  culvert_tunnel_set_problem (self, g_steal_pointer (&problem));
}

static void
on_forward_state (CulvertForwardStatus *status,
                  GParamSpec           *pspec,
                  CulvertTunnel        *self)
{
  culvert_tunnel_update_problem (self);
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

/* A damaged forward (@invalid) or one this build cannot serve
 * (@unsupported) is not started: it fails, and under
 * exit-on-forward-failure so does the run (FALSE, with @error). */
static gboolean
culvert_tunnel_refuse_forward (CulvertTunnel         *self,
                               CulvertForwardStatus  *status,
                               const char            *unsupported,
                               const GError          *invalid,
                               GError               **error)
{
  CulvertForward *forward = culvert_forward_status_get_forward (status);
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
                              spec, invalid->message);
      reason = g_strdup_printf (_("Damaged: %s"), invalid->message);
    }

  culvert_forward_status_set_error (status, reason, 0);
  culvert_forward_status_set_state (status, CULVERT_FORWARD_STATE_FAILED);
  culvert_tunnel_add_log (self, text, TRUE);
  if (self->exit_on_forward_failure)
    {
      g_set_error_literal (error, CULVERT_TUNNEL_ERROR, CULVERT_TUNNEL_ERROR_FORWARD_FAILED,
                           text);
      return FALSE;
    }

  return TRUE;
}

/* What the worker asks the server for an incoming @forward (forward @index). */
static CulvertWorkerRemote *
remote_for_forward (CulvertForward *forward,
                    guint           index)
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
      return remote;
    }
  if (!culvert_forward_is_reverse_dynamic (forward))
    remote->destination_host = g_strdup (culvert_forward_get_destination_host (forward));
  remote->destination_port = culvert_forward_get_destination_port (forward);

  return remote;
}

/* Looks up the bind name @bind (taken) of forward @index without blocking;
 * the forward listens once it is known. */
static void
culvert_tunnel_lookup_bind_name (CulvertTunnel        *self,
                                 CulvertForwardStatus *status,
                                 guint                 index,
                                 char                 *bind)
{
  BindLookup *lookup = g_new0 (BindLookup, 1);
  g_autoptr(GResolver) resolver = g_resolver_get_default ();

  g_weak_ref_init (&lookup->tunnel, self);
  lookup->generation = self->generation;
  lookup->index = index;
  lookup->status = g_object_ref (status);
  lookup->bind = bind;
  g_ptr_array_add (self->resolving, status);
  g_resolver_lookup_by_name_async (resolver, lookup->bind, self->lookups,
                                   on_bind_name_resolved, lookup);
}

/* Adds a status for @forward and starts it: a local forward is bound (its
 * sockets go into @listeners, or to the worker later when its bind name
 * must be looked up), an incoming one goes into @remotes. Returns the
 * status, or NULL (with @error) when it failed under
 * exit-on-forward-failure. */
CulvertForwardStatus *
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
      if (!culvert_tunnel_refuse_forward (self, status, unsupported, local_error, error))
        return NULL;
      return status;
    }

  if (culvert_forward_get_kind (forward) == CULVERT_FORWARD_REMOTE)
    {
      g_ptr_array_add (remotes, remote_for_forward (forward, index));
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
  addresses = culvert_tunnel_bind_literal (bind);
  if (addresses == NULL)
    {
      /* A name: looked up without blocking; it listens once known. */
      culvert_tunnel_lookup_bind_name (self, status, index, g_steal_pointer (&bind));
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
  culvert_tunnel_bind_remove_socket_file (status);
  culvert_forward_status_set_state (status, CULVERT_FORWARD_STATE_STOPPED);
  if (g_list_store_find (self->forwards, status, &position))
    g_list_store_remove (self->forwards, position);
}


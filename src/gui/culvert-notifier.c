/* culvert-notifier.c — desktop notifications about connections
 *
 * A connection that drops without the user asking, comes back after a drop,
 * or gives up is announced with a GNotification, unless notifications are
 * turned off or the user is looking at that connection in the window. The
 * buttons are application actions with the profile id as their target, so
 * they work while the window is closed.
 *
 * Many connections lost at once (one server, one network) are told in one
 * notice, "3 connections lost their server", and their return in one more:
 * a drop is told a moment after it happens, with whatever dropped with it.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "culvert-connection-page.h"
#include "culvert-gui-util.h"
#include "culvert-notifier.h"
#include "culvert-window-private.h"

struct _CulvertNotifier
{
  GObject             parent_instance;

  CulvertApplication *app;     /* weak: the application owns us */
  GHashTable         *lost;    /* CulvertTunnel (a ref) → NULL: down since a drop */
  guint               flush_id;
  gboolean            grouped; /* the notice for many is out */
  guint               back;    /* of those told in it, how many came back */
};

/* How long a drop waits for others before it is told. */
#define COALESCE_MS 1500

G_DEFINE_FINAL_TYPE (CulvertNotifier, culvert_notifier, G_TYPE_OBJECT)

/* What the notifier remembers of one tunnel, kept on the tunnel. */
typedef enum
{
  TOLD_NOTHING,
  TOLD_ALONE,      /* in a notice of its own */
  TOLD_IN_GROUP,   /* in the notice for many */
} Told;

typedef struct
{
  CulvertTunnelState state;
  Told               told;        /* how its drop was told, while it is down */
  gboolean           dropped;     /* down since it was lost, not since the user stopped it */
  gboolean           restarting;  /* stopped to start again at once: not the user's stop */
  gboolean           unheard;     /* failed to connect with no window to show it */
} Watch;

#define WATCH_KEY "culvert-notifier-watch"

static char *
notification_id (const char     *kind,
                 CulvertProfile *profile)
{
  return g_strconcat (kind, ":", culvert_profile_get_id (profile), NULL);
}

/* The user sees the connection already: a window of ours has the focus and
 * shows its page. */
static gboolean
culvert_notifier_user_sees (CulvertNotifier *self,
                            CulvertTunnel   *tunnel)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self->app));

  for (GList *l = windows; l != NULL; l = l->next)
    {
      CulvertConnectionPage *page;

      if (!CULVERT_IS_WINDOW (l->data) || !gtk_window_is_active (l->data))
        continue;
      page = culvert_window_get_connection_page (l->data);
      if (culvert_connection_page_get_tunnel (page) == tunnel &&
          gtk_widget_get_mapped (GTK_WIDGET (page)))
        return TRUE;
    }

  return FALSE;
}

static void
culvert_notifier_withdraw (CulvertNotifier *self,
                           const char      *kind,
                           CulvertProfile  *profile)
{
  g_autofree char *id = notification_id (kind, profile);

  g_application_withdraw_notification (G_APPLICATION (self->app), id);
}

static void
add_button (GNotification  *notification,
            const char     *label,
            const char     *action,
            CulvertProfile *profile)
{
  g_notification_add_button_with_target (notification, label, action, "s",
                                         culvert_profile_get_id (profile));
}

typedef enum
{
  NOTICE_DROPPED,   /* lost, trying again */
  NOTICE_GAVE_UP,   /* lost or failed, not trying again */
  NOTICE_BACK,      /* connected again after a drop */
  NOTICE_FAILED,    /* could not connect, with no window to say so */
} Notice;

static void
culvert_notifier_send (CulvertNotifier *self,
                       CulvertTunnel   *tunnel,
                       Notice           notice)
{
  CulvertProfile *profile = culvert_tunnel_get_profile (tunnel);
  const char *name = culvert_profile_get_display_name (profile);
  const char *reason = culvert_tunnel_get_state_reason (tunnel);
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;
  g_autofree char *id = NULL;

  if (!g_settings_get_boolean (culvert_application_get_settings (self->app), "notifications") ||
      culvert_notifier_user_sees (self, tunnel))
    return;

  switch (notice)
    {
    case NOTICE_DROPPED:
      title = g_strdup_printf (_("“%s” lost its connection"), name);
      body = g_strdup_printf ("%s\n%s",
                              reason != NULL ? reason : _("The server stopped answering."),
                              _("Culvert is trying to connect again. Its ports stay open."));
      break;
    case NOTICE_GAVE_UP:
      title = g_strdup_printf (_("“%s” stopped"), name);
      body = g_strdup_printf ("%s\n%s", reason != NULL ? reason : _("The connection failed."),
                              _("Culvert will not try again on its own."));
      break;
    case NOTICE_BACK:
      title = g_strdup_printf (_("“%s” is connected again"), name);
      body = g_strdup (_("Its forwards work again."));
      break;
    case NOTICE_FAILED:
      title = g_strdup_printf (_("“%s” could not connect"), name);
      body = g_strdup_printf ("%s\n%s", reason != NULL ? reason : _("The connection failed."),
                              _("Culvert will not try again on its own."));
      break;
    default:
      g_assert_not_reached ();
    }

  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  g_notification_set_default_action_and_target (notification, "app.show-connection", "s",
                                                 culvert_profile_get_id (profile));
  if (notice == NOTICE_BACK)
    {
      g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_NORMAL);
      id = notification_id ("back", profile);
    }
  else
    {
      g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
      add_button (notification, _("Reconnect"), "app.reconnect", profile);
      if (notice == NOTICE_DROPPED)
        add_button (notification, _("Disconnect"), "app.disconnect", profile);
      id = notification_id ("dropped", profile);
    }
  g_application_send_notification (G_APPLICATION (self->app), id, notification);
}

/* One notice for all the connections lost at once, one for their return. */
static void
culvert_notifier_send_group (CulvertNotifier *self,
                             gboolean         back,
                             guint            n,
                             gboolean         retrying)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *title = NULL;

  if (!g_settings_get_boolean (culvert_application_get_settings (self->app), "notifications"))
    return;

  if (back)
    title = g_strdup_printf (ngettext ("%u connection is connected again",
                                       "%u connections are connected again", n), n);
  else
    title = g_strdup_printf (ngettext ("%u connection lost its server",
                                       "%u connections lost their server", n), n);
  notification = g_notification_new (title);
  if (back)
    {
      g_notification_set_body (notification, _("Its forwards work again."));
      g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_NORMAL);
    }
  else
    {
      g_notification_set_body (notification,
                               retrying ? _("Culvert is trying to connect again. Its ports stay "
                                            "open.")
                                        : _("Culvert will not try again on its own."));
      g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
      g_notification_add_button (notification, _("Reconnect"), "app.reconnect-all");
    }
  g_application_send_notification (G_APPLICATION (self->app), back ? "back" : "dropped",
                                   notification);
}

static gboolean
culvert_notifier_flush (gpointer data)
{
  CulvertNotifier *self = data;
  GHashTableIter iter;
  CulvertTunnel *tunnel;
  guint n;
  gboolean retrying = FALSE;

  self->flush_id = 0;

  /* A connection deleted while it was lost no longer counts. */
  g_hash_table_iter_init (&iter, self->lost);
  while (g_hash_table_iter_next (&iter, (gpointer *) &tunnel, NULL))
    if (culvert_application_lookup_tunnel (self->app, culvert_tunnel_get_profile (tunnel)) !=
        tunnel)
      g_hash_table_iter_remove (&iter);
  n = g_hash_table_size (self->lost);

  g_hash_table_iter_init (&iter, self->lost);
  while (g_hash_table_iter_next (&iter, (gpointer *) &tunnel, NULL))
    {
      Watch *watch = g_object_get_data (G_OBJECT (tunnel), WATCH_KEY);

      if (culvert_tunnel_get_state (tunnel) == CULVERT_TUNNEL_RECONNECTING)
        retrying = TRUE;
      if (n == 1 && !self->grouped)
        {
          /* Lost alone: told by name, with its own buttons, and from now
           * on on its own. */
          watch->told = TOLD_ALONE;
          culvert_notifier_send (self, tunnel, retrying ? NOTICE_DROPPED : NOTICE_GAVE_UP);
          g_hash_table_iter_remove (&iter);
          return G_SOURCE_REMOVE;
        }
      watch->told = TOLD_IN_GROUP;
    }

  if (n > 0)
    {
      self->grouped = TRUE;
      culvert_notifier_send_group (self, FALSE, n, retrying);
    }
  else if (self->grouped)
    g_application_withdraw_notification (G_APPLICATION (self->app), "dropped");
  if (self->back > 0)
    culvert_notifier_send_group (self, TRUE, self->back, FALSE);
  if (n == 0)
    {
      self->grouped = FALSE;
      self->back = 0;
    }
  return G_SOURCE_REMOVE;
}

static void
culvert_notifier_schedule_flush (CulvertNotifier *self)
{
  if (self->flush_id == 0)
    self->flush_id = g_timeout_add (COALESCE_MS, culvert_notifier_flush, self);
}

/* @tunnel is up again, or stopped by the user: no longer lost. Returns how
 * its drop was told. */
static Told
culvert_notifier_found (CulvertNotifier *self,
                        CulvertTunnel   *tunnel,
                        Watch           *watch)
{
  Told told = watch->told;

  watch->told = TOLD_NOTHING;
  if (g_hash_table_remove (self->lost, tunnel) && self->grouped)
    culvert_notifier_schedule_flush (self);
  return told;
}

static gboolean
is_down (CulvertTunnel *tunnel)
{
  CulvertTunnelState state = culvert_tunnel_get_state (tunnel);

  return state == CULVERT_TUNNEL_RECONNECTING || state == CULVERT_TUNNEL_FAILED;
}

/* Reconnect All can be used while some connection is down. */
static void
culvert_notifier_update_reconnect_all (CulvertNotifier *self)
{
  GListModel *model = G_LIST_MODEL (culvert_application_get_profile_store (self->app));
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self->app), "reconnect-all");
  guint n = g_list_model_get_n_items (model);
  gboolean any = FALSE;

  for (guint i = 0; i < n && !any; i++)
    {
      g_autoptr(CulvertProfile) profile = g_list_model_get_item (model, i);
      CulvertTunnel *tunnel = culvert_application_lookup_tunnel (self->app, profile);

      any = tunnel != NULL && is_down (tunnel);
    }
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), any);
}

static void
culvert_notifier_on_state (CulvertNotifier *self,
                           GParamSpec      *pspec,
                           CulvertTunnel   *tunnel)
{
  Watch *watch = g_object_get_data (G_OBJECT (tunnel), WATCH_KEY);
  CulvertProfile *profile = culvert_tunnel_get_profile (tunnel);
  CulvertTunnelState state = culvert_tunnel_get_state (tunnel);
  CulvertTunnelState before = watch->state;

  watch->state = state;
  if (state == before)
    return;
  culvert_notifier_update_reconnect_all (self);

  if (before == CULVERT_TUNNEL_CONNECTED &&
      (state == CULVERT_TUNNEL_RECONNECTING || state == CULVERT_TUNNEL_FAILED))
    {
      /* Lost without the user asking: a stop goes straight to DISCONNECTED.
       * Told a moment later, with whatever else is lost by then. */
      watch->dropped = TRUE;
      culvert_notifier_withdraw (self, "back", profile);
      if (!culvert_notifier_user_sees (self, tunnel))
        {
          g_hash_table_add (self->lost, g_object_ref (tunnel));
          culvert_notifier_schedule_flush (self);
        }
    }
  else if (watch->dropped && state == CULVERT_TUNNEL_FAILED)
    {
      if (watch->told == TOLD_ALONE)
        culvert_notifier_send (self, tunnel, NOTICE_GAVE_UP);
      else if (watch->told == TOLD_IN_GROUP)
        culvert_notifier_schedule_flush (self);
    }
  else if (watch->dropped && state == CULVERT_TUNNEL_CONNECTED)
    {
      Told told = culvert_notifier_found (self, tunnel, watch);

      watch->dropped = FALSE;
      if (told == TOLD_ALONE)
        {
          culvert_notifier_withdraw (self, "dropped", profile);
          culvert_notifier_send (self, tunnel, NOTICE_BACK);
        }
      else if (told == TOLD_IN_GROUP)
        self->back++;
    }
  else if (state == CULVERT_TUNNEL_FAILED &&
           gtk_application_get_windows (GTK_APPLICATION (self->app)) == NULL)
    {
      /* Started at login, say, and never up: nobody would know otherwise. */
      watch->unheard = TRUE;
      culvert_notifier_send (self, tunnel, NOTICE_FAILED);
    }
  else if (watch->unheard && state == CULVERT_TUNNEL_CONNECTED)
    {
      watch->unheard = FALSE;
      culvert_notifier_withdraw (self, "dropped", profile);
    }
  else if (state == CULVERT_TUNNEL_DISCONNECTED && watch->restarting)
    watch->restarting = FALSE;
  else if (state == CULVERT_TUNNEL_DISCONNECTED)
    {
      /* The user stopped it: what was said about it no longer holds. */
      culvert_notifier_found (self, tunnel, watch);
      watch->dropped = FALSE;
      watch->unheard = FALSE;
      culvert_notifier_withdraw (self, "dropped", profile);
    }
}

void
culvert_notifier_watch (CulvertNotifier *self,
                        CulvertTunnel   *tunnel)
{
  Watch *watch;

  g_return_if_fail (CULVERT_IS_NOTIFIER (self));
  g_return_if_fail (CULVERT_IS_TUNNEL (tunnel));

  if (g_object_get_data (G_OBJECT (tunnel), WATCH_KEY) != NULL)
    return;

  watch = g_new0 (Watch, 1);
  watch->state = culvert_tunnel_get_state (tunnel);
  g_object_set_data_full (G_OBJECT (tunnel), WATCH_KEY, watch, g_free);
  g_signal_connect_object (tunnel, "notify::state", G_CALLBACK (culvert_notifier_on_state), self,
                           G_CONNECT_SWAPPED);
}

/* ---------------------------------------------------------------------- */
/* Actions that work without a window                                      */

static CulvertTunnel *
tunnel_of (CulvertNotifier *self,
           GVariant        *parameter)
{
  CulvertProfileStore *store = culvert_application_get_profile_store (self->app);
  CulvertProfile *profile = culvert_profile_store_find (store,
                                                        g_variant_get_string (parameter, NULL));

  return profile != NULL ? culvert_application_get_tunnel (self->app, profile) : NULL;
}

static void
culvert_notifier_reconnect (CulvertNotifier *self,
                            CulvertTunnel   *tunnel)
{
  Watch *watch = g_object_get_data (G_OBJECT (tunnel), WATCH_KEY);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  /* A lost connection stays "lost" through the restart, so the user hears
   * whether the new attempt works. */
  if (culvert_tunnel_is_running (tunnel))
    {
      if (watch != NULL)
        watch->restarting = TRUE;
      ok = culvert_gui_tunnel_restart (tunnel, &error);
    }
  else
    ok = culvert_tunnel_connect (tunnel, &error);

  /* The reason also shows on the connection's page and in its log. */
  if (!ok)
    g_message ("%s: %s", culvert_profile_get_display_name (culvert_tunnel_get_profile (tunnel)),
               error->message);
}

static void
reconnect_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  CulvertNotifier *self = user_data;
  CulvertTunnel *tunnel = tunnel_of (self, parameter);

  if (tunnel != NULL)
    culvert_notifier_reconnect (self, tunnel);
}

static void
disconnect_action (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  CulvertNotifier *self = user_data;
  CulvertTunnel *tunnel = tunnel_of (self, parameter);

  if (tunnel != NULL)
    culvert_tunnel_disconnect (tunnel);
}

/* Every connection that is meant to be up and is not: waiting for its next
 * attempt, or failed. Those the user switched off stay off. */
static void
reconnect_all_action (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  CulvertNotifier *self = user_data;
  GListModel *model = G_LIST_MODEL (culvert_application_get_profile_store (self->app));
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CulvertProfile) profile = g_list_model_get_item (model, i);
      CulvertTunnel *tunnel = culvert_application_lookup_tunnel (self->app, profile);

      if (tunnel != NULL && is_down (tunnel))
        culvert_notifier_reconnect (self, tunnel);
    }
}

static void
show_connection_action (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  CulvertNotifier *self = user_data;
  CulvertTunnel *tunnel = tunnel_of (self, parameter);
  GtkWindow *window;

  g_application_activate (G_APPLICATION (self->app));
  window = gtk_application_get_active_window (GTK_APPLICATION (self->app));
  if (tunnel != NULL && CULVERT_IS_WINDOW (window))
    culvert_window_select_profile (CULVERT_WINDOW (window), culvert_tunnel_get_profile (tunnel));
}

static const GActionEntry notifier_actions[] = {
  { "reconnect", reconnect_action, "s" },
  { "disconnect", disconnect_action, "s" },
  { "reconnect-all", reconnect_all_action },
  { "show-connection", show_connection_action, "s" },
};

/* ---------------------------------------------------------------------- */

static void
culvert_notifier_dispose (GObject *object)
{
  CulvertNotifier *self = CULVERT_NOTIFIER (object);

  g_clear_handle_id (&self->flush_id, g_source_remove);
  g_clear_pointer (&self->lost, g_hash_table_unref);
  g_clear_weak_pointer (&self->app);

  G_OBJECT_CLASS (culvert_notifier_parent_class)->dispose (object);
}

static void
culvert_notifier_class_init (CulvertNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = culvert_notifier_dispose;
}

static void
culvert_notifier_init (CulvertNotifier *self)
{
  self->lost = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
}

CulvertNotifier *
culvert_notifier_new (CulvertApplication *app)
{
  CulvertNotifier *self;

  g_return_val_if_fail (CULVERT_IS_APPLICATION (app), NULL);

  self = g_object_new (CULVERT_TYPE_NOTIFIER, NULL);
  g_set_weak_pointer (&self->app, app);
  /* The actions hold no reference: the application owns the notifier. */
  g_action_map_add_action_entries (G_ACTION_MAP (app), notifier_actions,
                                   G_N_ELEMENTS (notifier_actions), self);
  /* A deleted connection that was down no longer counts. */
  g_signal_connect_object (culvert_application_get_profile_store (app), "items-changed",
                           G_CALLBACK (culvert_notifier_update_reconnect_all), self,
                           G_CONNECT_SWAPPED);
  culvert_notifier_update_reconnect_all (self);
  return self;
}

/* culvert-background.c — running with the window closed, and at login
 *
 * While any tunnel runs, the application holds itself, so closing the
 * window leaves the tunnels serving; the first time that happens the user is
 * told, once. Inside the Flatpak the Background portal is asked for leave to
 * run without a window. Connections marked "connect when Culvert starts"
 * start at login: through an autostart entry that runs `culvert
 * --background`, or inside the Flatpak through the portal's autostart
 * request. Quitting stops every tunnel.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>

#include "culvert-background.h"
#include "culvert-paths.h"

/* How long quitting waits for the tunnels to close their channels. */
#define QUIT_TIMEOUT_MS 2000

#define PORTAL_BUS_NAME      "org.freedesktop.portal.Desktop"
#define PORTAL_OBJECT_PATH   "/org/freedesktop/portal/desktop"
#define PORTAL_BACKGROUND    "org.freedesktop.portal.Background"
#define PORTAL_REQUEST       "org.freedesktop.portal.Request"

/* Marks the autostart entries Culvert wrote, so it removes no other. */
#define AUTOSTART_MARK "X-Culvert-Autostart"

struct _CulvertBackground
{
  GObject             parent_instance;

  CulvertApplication *app;      /* weak: the application owns us */
  GHashTable         *running;  /* set of CulvertTunnel, a reference each */
  gboolean            held;
  gboolean            quitting;
  guint               quit_timeout_id;
  gboolean            in_flatpak;
  gboolean            asked_portal;      /* for this run, after the window closed */
  int                 autostart_wanted;  /* -1 until first known */
  GDBusConnection    *portal_bus;         /* where portal_request_id listens */
  guint               portal_request_id;
  guint               autostart_idle_id;
};

G_DEFINE_FINAL_TYPE (CulvertBackground, culvert_background, G_TYPE_OBJECT)

/* ---------------------------------------------------------------------- */
/* The Background portal (inside the Flatpak only)                         */

static void
on_portal_response (GDBusConnection *connection,
                    const char      *sender,
                    const char      *path,
                    const char      *interface,
                    const char      *signal,
                    GVariant        *parameters,
                    gpointer         user_data)
{
  CulvertBackground *self = user_data;
  g_autoptr(GVariant) results = NULL;
  gboolean background = FALSE;
  guint32 response;

  g_variant_get (parameters, "(u@a{sv})", &response, &results);
  g_variant_lookup (results, "background", "b", &background);
  g_dbus_connection_signal_unsubscribe (connection, self->portal_request_id);
  self->portal_request_id = 0;

  if (response != 0 || !background)
    g_message (_("The desktop does not let Culvert run in the background: connections may stop "
                 "when the window is closed."));
}

static void
on_portal_called (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    g_message ("%s: %s", PORTAL_BACKGROUND, error->message);
}

static void
culvert_background_ask_portal (CulvertBackground *self,
                               gboolean           autostart)
{
  GDBusConnection *bus = g_application_get_dbus_connection (G_APPLICATION (self->app));
  g_autofree char *token = NULL;
  g_autofree char *sender = NULL;
  g_autofree char *handle = NULL;
  const char *argv[] = { "culvert", "--background", NULL };
  GVariantBuilder options;

  if (bus == NULL)
    return;

  /* The request's object path is known in advance: listen before asking. */
  token = g_strdup_printf ("culvert%u", g_random_int ());
  sender = g_strdup (g_dbus_connection_get_unique_name (bus) + 1);
  g_strdelimit (sender, ".", '_');
  handle = g_strdup_printf (PORTAL_OBJECT_PATH "/request/%s/%s", sender, token);
  if (self->portal_request_id != 0)
    g_dbus_connection_signal_unsubscribe (self->portal_bus, self->portal_request_id);
  g_set_object (&self->portal_bus, bus);
  self->portal_request_id =
    g_dbus_connection_signal_subscribe (bus, PORTAL_BUS_NAME, PORTAL_REQUEST, "Response",
                                        handle, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        on_portal_response, self, NULL);

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "handle_token", g_variant_new_string (token));
  g_variant_builder_add (&options, "{sv}", "reason",
                         g_variant_new_string (_("Keep SSH tunnels running after the window "
                                                 "is closed")));
  g_variant_builder_add (&options, "{sv}", "autostart", g_variant_new_boolean (autostart));
  g_variant_builder_add (&options, "{sv}", "commandline", g_variant_new_strv (argv, -1));
  g_variant_builder_add (&options, "{sv}", "dbus-activatable", g_variant_new_boolean (FALSE));

  g_dbus_connection_call (bus, PORTAL_BUS_NAME, PORTAL_OBJECT_PATH, PORTAL_BACKGROUND,
                          "RequestBackground", g_variant_new ("(sa{sv})", "", &options),
                          G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                          on_portal_called, NULL);
}

/* ---------------------------------------------------------------------- */
/* Autostart                                                               */

char *
culvert_background_dup_autostart_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "autostart",
                           APPLICATION_ID ".desktop", NULL);
}

static gboolean
any_connects_at_startup (CulvertBackground *self)
{
  GListModel *model = G_LIST_MODEL (culvert_application_get_profile_store (self->app));
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CulvertProfile) profile = g_list_model_get_item (model, i);

      if (culvert_profile_get_connect_at_startup (profile))
        return TRUE;
    }

  return FALSE;
}

static void
write_autostart_entry (void)
{
  g_autofree char *path = culvert_background_dup_autostart_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GKeyFile) entry = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_key_file_set_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_TYPE,
                         G_KEY_FILE_DESKTOP_TYPE_APPLICATION);
  g_key_file_set_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_NAME,
                         _("Culvert"));
  g_key_file_set_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_COMMENT,
                         _("Start the connections marked “Connect when Culvert starts”"));
  g_key_file_set_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_EXEC,
                         "culvert --background");
  g_key_file_set_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_ICON,
                         APPLICATION_ID);
  g_key_file_set_boolean (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_TERMINAL,
                          FALSE);
  g_key_file_set_boolean (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_NO_DISPLAY,
                          TRUE);
  g_key_file_set_boolean (entry, G_KEY_FILE_DESKTOP_GROUP, "X-GNOME-Autostart-enabled", TRUE);
  g_key_file_set_boolean (entry, G_KEY_FILE_DESKTOP_GROUP, AUTOSTART_MARK, TRUE);
  text = g_key_file_to_data (entry, NULL, NULL);

  if (g_mkdir_with_parents (dir, 0700) != 0 ||
      !culvert_paths_write_private_file (path, text, -1, FALSE, &error))
    g_message (_("Could not write %s, so connections will not start at login: %s"), path,
               error != NULL ? error->message : g_strerror (errno));
}

static void
remove_autostart_entry (void)
{
  g_autofree char *path = culvert_background_dup_autostart_path ();
  g_autoptr(GKeyFile) entry = g_key_file_new ();

  /* Only an entry Culvert wrote: one the user made stays. */
  if (g_key_file_load_from_file (entry, path, G_KEY_FILE_NONE, NULL) &&
      g_key_file_get_boolean (entry, G_KEY_FILE_DESKTOP_GROUP, AUTOSTART_MARK, NULL) &&
      g_unlink (path) != 0)
    g_message (_("Could not remove %s: %s"), path, g_strerror (errno));
}

static gboolean
culvert_background_sync_autostart (gpointer data)
{
  CulvertBackground *self = data;
  gboolean wanted = any_connects_at_startup (self);

  self->autostart_idle_id = 0;
  if (self->in_flatpak)
    {
      /* Asking shows the user a question: only when there is news. */
      if (self->autostart_wanted != -1 ? wanted != self->autostart_wanted : wanted)
        culvert_background_ask_portal (self, wanted);
    }
  else if (wanted)
    write_autostart_entry ();
  else
    remove_autostart_entry ();
  self->autostart_wanted = wanted;

  return G_SOURCE_REMOVE;
}

static void
culvert_background_queue_autostart (CulvertBackground *self)
{
  if (self->autostart_idle_id == 0)
    self->autostart_idle_id = g_idle_add (culvert_background_sync_autostart, self);
}

static void
on_store_changed (CulvertBackground *self,
                  guint              position,
                  guint              removed,
                  guint              added)
{
  GListModel *model = G_LIST_MODEL (culvert_application_get_profile_store (self->app));

  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(CulvertProfile) profile = g_list_model_get_item (model, i);

      g_signal_handlers_disconnect_by_func (profile, culvert_background_queue_autostart, self);
      g_signal_connect_object (profile, "notify::connect-at-startup",
                               G_CALLBACK (culvert_background_queue_autostart), self,
                               G_CONNECT_SWAPPED);
    }
  if (removed > 0 || added > 0)
    culvert_background_queue_autostart (self);
}

/* ---------------------------------------------------------------------- */
/* Staying alive while tunnels run                                         */

static void
culvert_background_update_hold (CulvertBackground *self)
{
  gboolean any = g_hash_table_size (self->running) > 0;

  if (any && !self->held)
    g_application_hold (G_APPLICATION (self->app));
  else if (!any && self->held)
    g_application_release (G_APPLICATION (self->app));
  self->held = any;

  if (self->quitting && !any)
    g_application_quit (G_APPLICATION (self->app));
}

static void
on_tunnel_changed (CulvertBackground *self,
                   gpointer           unused,
                   CulvertTunnel     *tunnel)
{
  if (culvert_tunnel_is_running (tunnel))
    g_hash_table_add (self->running, g_object_ref (tunnel));
  else
    g_hash_table_remove (self->running, tunnel);
  culvert_background_update_hold (self);
}

static void
on_tunnel_exited (CulvertBackground *self,
                  CulvertTunnel     *tunnel)
{
  on_tunnel_changed (self, NULL, tunnel);
}

void
culvert_background_watch (CulvertBackground *self,
                          CulvertTunnel     *tunnel)
{
  g_return_if_fail (CULVERT_IS_BACKGROUND (self));
  g_return_if_fail (CULVERT_IS_TUNNEL (tunnel));

  g_signal_connect_object (tunnel, "notify::state", G_CALLBACK (on_tunnel_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (tunnel, "exited", G_CALLBACK (on_tunnel_exited), self,
                           G_CONNECT_SWAPPED);
  on_tunnel_changed (self, NULL, tunnel);
}

/* Said once ever: closing the window no longer stops the tunnels. */
static void
culvert_background_tell_once (CulvertBackground *self)
{
  GSettings *settings = culvert_application_get_settings (self->app);
  g_autoptr(GNotification) notification = NULL;
  guint n = g_hash_table_size (self->running);
  g_autofree char *body = NULL;

  if (g_settings_get_boolean (settings, "background-notice-shown"))
    return;

  notification = g_notification_new (_("Culvert is still running"));
  body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "%u connection stays up with the window closed. "
                                       "To stop it, choose Quit in Culvert’s menu.",
                                       "%u connections stay up with the window closed. "
                                       "To stop them, choose Quit in Culvert’s menu.", n), n);
  g_notification_set_body (notification, body);
  g_notification_add_button (notification, _("Quit"), "app.quit");
  g_application_send_notification (G_APPLICATION (self->app), "background", notification);
  g_settings_set_boolean (settings, "background-notice-shown", TRUE);
}

static void
on_window_removed (CulvertBackground *self,
                   GtkWindow         *window)
{
  if (self->quitting || gtk_application_get_windows (GTK_APPLICATION (self->app)) != NULL ||
      g_hash_table_size (self->running) == 0)
    return;

  if (!g_settings_get_boolean (culvert_application_get_settings (self->app), "run-in-background"))
    {
      culvert_background_quit (self);
      return;
    }

  culvert_background_tell_once (self);
  if (self->in_flatpak && !self->asked_portal)
    {
      self->asked_portal = TRUE;
      culvert_background_ask_portal (self, self->autostart_wanted == TRUE);
    }
}

static gboolean
on_quit_timeout (gpointer data)
{
  CulvertBackground *self = data;

  self->quit_timeout_id = 0;
  g_application_quit (G_APPLICATION (self->app));
  return G_SOURCE_REMOVE;
}

void
culvert_background_quit (CulvertBackground *self)
{
  g_autoptr(GPtrArray) tunnels = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer tunnel;

  g_return_if_fail (CULVERT_IS_BACKGROUND (self));

  if (self->quitting)
    return;
  self->quitting = TRUE;

  /* Disconnecting may change the set: stop a copy of it. */
  g_hash_table_iter_init (&iter, self->running);
  while (g_hash_table_iter_next (&iter, &tunnel, NULL))
    g_ptr_array_add (tunnels, g_object_ref (tunnel));
  for (guint i = 0; i < tunnels->len; i++)
    culvert_tunnel_disconnect (g_ptr_array_index (tunnels, i));

  /* A dead server must not keep Culvert from exiting. */
  self->quit_timeout_id = g_timeout_add (QUIT_TIMEOUT_MS, on_quit_timeout, self);
  culvert_background_update_hold (self);
}

/* ---------------------------------------------------------------------- */

static void
culvert_background_dispose (GObject *object)
{
  CulvertBackground *self = CULVERT_BACKGROUND (object);

  if (self->portal_request_id != 0)
    g_dbus_connection_signal_unsubscribe (self->portal_bus, self->portal_request_id);
  self->portal_request_id = 0;
  g_clear_object (&self->portal_bus);
  if (self->held && self->app != NULL)
    g_application_release (G_APPLICATION (self->app));
  self->held = FALSE;
  g_clear_handle_id (&self->quit_timeout_id, g_source_remove);
  g_clear_handle_id (&self->autostart_idle_id, g_source_remove);
  g_clear_pointer (&self->running, g_hash_table_unref);
  g_clear_weak_pointer (&self->app);

  G_OBJECT_CLASS (culvert_background_parent_class)->dispose (object);
}

static void
culvert_background_class_init (CulvertBackgroundClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = culvert_background_dispose;
}

/* As GLib decides for its own portals (its notifications then go to the
 * portal too): inside a Flatpak, or when told to, by GTK_USE_PORTAL=1 up
 * to GLib 2.78 and by GIO_USE_PORTALS=1 from 2.79 on. */
static gboolean
culvert_background_uses_portals (void)
{
  const char *told;

  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    return TRUE;
  told = g_getenv (glib_check_version (2, 79, 0) == NULL ? "GIO_USE_PORTALS" : "GTK_USE_PORTAL");
  return told != NULL && told[0] == '1';
}

static void
culvert_background_init (CulvertBackground *self)
{
  self->running = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->autostart_wanted = -1;
  self->in_flatpak = culvert_background_uses_portals ();
}

CulvertBackground *
culvert_background_new (CulvertApplication *app)
{
  CulvertBackground *self;
  CulvertProfileStore *store;

  g_return_val_if_fail (CULVERT_IS_APPLICATION (app), NULL);

  self = g_object_new (CULVERT_TYPE_BACKGROUND, NULL);
  g_set_weak_pointer (&self->app, app);
  store = culvert_application_get_profile_store (app);
  g_signal_connect_object (store, "items-changed", G_CALLBACK (on_store_changed), self,
                           G_CONNECT_SWAPPED);
  on_store_changed (self, 0, 0, g_list_model_get_n_items (G_LIST_MODEL (store)));
  g_signal_connect_object (app, "window-removed", G_CALLBACK (on_window_removed), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  return self;
}

/* test-background.c — notifications, running with the window closed, autostart
 *
 * The notifications go, as they do outside a Flatpak, to org.gtk.Notifications
 * on the session bus, which a server of the test's own holds; the tunnels go
 * to a real sshd. The window-closing and --background cases run the real
 * binary on a bus of its own and close its window as a window manager does.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "culvert-application.h"
#include "culvert-background.h"
#include "culvert-connection-page.h"
#include "culvert-preferences-window.h"
#include "culvert-test-app.h"
#include "culvert-test-gui.h"
#include "culvert-test-net.h"
#include "culvert-test-sshd.h"
#include "culvert-window-private.h"

#define wait_for culvert_test_wait_for

/* One application per process: it owns its D-Bus name once registered. */
static CulvertApplication *the_app;
static CulvertTestNotifications *notifications;

typedef struct
{
  CulvertApplication *app;
  CulvertTestSshd    *sshd;
  CulvertTestEcho    *echo;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *reason = NULL;
  g_autoptr(GError) error = NULL;

  f->app = the_app;
  if (!culvert_test_sshd_available (&reason))
    {
      g_test_skip (reason);
      return;
    }
  f->sshd = culvert_test_sshd_start (NULL, &error);
  g_assert_no_error (error);
  f->echo = culvert_test_echo_new ();
  culvert_test_notifications_clear (notifications);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  CulvertProfileStore *store = culvert_application_get_profile_store (f->app);
  GSettings *settings = culvert_application_get_settings (f->app);
  GList *windows;

  while ((windows = gtk_application_get_windows (GTK_APPLICATION (f->app))) != NULL)
    gtk_window_destroy (windows->data);

  while (g_list_model_get_n_items (G_LIST_MODEL (store)) > 0)
    {
      g_autoptr(CulvertProfile) profile = g_list_model_get_item (G_LIST_MODEL (store), 0);
      CulvertTunnel *tunnel = culvert_application_lookup_tunnel (f->app, profile);

      if (tunnel != NULL && culvert_tunnel_is_running (tunnel))
        {
          culvert_tunnel_disconnect (tunnel);
          while (culvert_tunnel_is_running (tunnel))
            g_main_context_iteration (NULL, TRUE);
        }
      culvert_application_forget_tunnel (f->app, profile);
      g_assert_true (culvert_profile_store_delete_profile (store, profile, NULL));
    }
  culvert_test_iterate_until_idle ();

  g_settings_reset (settings, "notifications");
  g_settings_reset (settings, "run-in-background");
  g_settings_reset (settings, "background-notice-shown");
  g_clear_pointer (&f->echo, culvert_test_echo_free);
  g_clear_pointer (&f->sshd, culvert_test_sshd_stop);
}

/* A connection to the sshd with one outgoing forward to the echo. */
static CulvertProfile *
add_profile (Fixture    *f,
             const char *name,
             guint16     server_port,
             gboolean    reconnect,
             guint16    *listen_port)
{
  g_autoptr(CulvertProfile) profile = culvert_profile_new ();
  g_autoptr(CulvertForward) forward = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *spec = NULL;

  *listen_port = culvert_test_free_port ();
  spec = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", *listen_port, f->echo->port);
  forward = culvert_forward_parse (CULVERT_FORWARD_LOCAL, spec, NULL);
  g_assert_nonnull (forward);
  culvert_profile_set_name (profile, name);
  culvert_profile_set_host (profile, "127.0.0.1");
  culvert_profile_set_port (profile, server_port);
  culvert_profile_set_user (profile, f->sshd->user);
  culvert_profile_set_identity_file (profile, f->sshd->client_key_path);
  culvert_profile_set_auth_method (profile, CULVERT_AUTH_KEY);
  culvert_profile_set_known_hosts_file (profile, f->sshd->known_hosts_path);
  culvert_profile_set_reconnect (profile, reconnect);
  culvert_profile_set_keepalive_interval (profile, 1);
  culvert_profile_set_keepalive_count (profile, 2);
  culvert_profile_add_forward (profile, forward);
  g_assert_true (culvert_profile_store_save_profile (culvert_application_get_profile_store (f->app),
                                                     profile, &error));
  g_assert_no_error (error);
  return profile;  /* the store keeps it */
}

/* The relay's port, under the sshd's host key. */
static void
trust_relay (Fixture          *f,
             CulvertProfile   *profile,
             CulvertTestRelay *relay)
{
  g_autofree char *known = g_build_filename (f->sshd->dir, "relay_known_hosts", NULL);
  g_autofree char *line = NULL;
  g_autofree char *original = NULL;
  g_auto(GStrv) fields = NULL;

  g_assert_true (g_file_get_contents (f->sshd->known_hosts_path, &original, NULL, NULL));
  fields = g_strsplit (original, " ", 2);
  line = g_strdup_printf ("[127.0.0.1]:%u %s", relay->port, fields[1]);
  g_assert_true (g_file_set_contents (known, line, -1, NULL));
  culvert_profile_set_known_hosts_file (profile, known);
}

typedef struct
{
  CulvertTunnel      *tunnel;
  CulvertTunnelState  state;
} StateWait;

static gboolean
state_is (gpointer data)
{
  StateWait *wait = data;

  return culvert_tunnel_get_state (wait->tunnel) == wait->state;
}

static void
assert_state (CulvertTunnel      *tunnel,
              CulvertTunnelState  state)
{
  StateWait wait = { tunnel, state };

  if (!wait_for (state_is, &wait))
    g_error ("the tunnel is %s, not %s", culvert_tunnel_state_to_string (culvert_tunnel_get_state (tunnel)),
             culvert_tunnel_state_to_string (state));
}

static gboolean
forward_works (gpointer data)
{
  return culvert_test_forward_echoes (GPOINTER_TO_UINT (data));
}

static gboolean
port_is_free (gpointer data)
{
  return culvert_test_port_refuses (GPOINTER_TO_UINT (data));
}

static void
assert_forward_passes_bytes (guint16 port)
{
  int fd = culvert_test_connect_loopback (port);

  g_assert_cmpint (fd, >=, 0);
  culvert_test_echo_through (fd, 64 * 1024);
  close (fd);
}

static gboolean
notification_added (gpointer data)
{
  g_autoptr(GVariant) found = culvert_test_notifications_find_added (notifications, data);

  return found != NULL;
}

static gboolean
notification_removed (gpointer data)
{
  return culvert_test_notifications_was_removed (notifications, data);
}

static GVariant *
wait_for_notification (const char *id)
{
  if (!wait_for (notification_added, (gpointer) id))
    g_error ("no notification “%s” arrived (%u calls)", id,
             culvert_test_notifications_get_calls (notifications)->len);
  return culvert_test_notifications_find_added (notifications, id);
}

/* Whatever the application sent before this has arrived when it returns:
 * one bus connection delivers in order. */
static void
notifications_barrier (void)
{
  g_autoptr(GNotification) notification = g_notification_new ("barrier");

  g_application_send_notification (G_APPLICATION (the_app), "test-barrier", notification);
  g_assert_true (wait_for (notification_added, (gpointer) "test-barrier"));
  g_application_withdraw_notification (G_APPLICATION (the_app), "test-barrier");
}

static char *
id_of (const char     *kind,
       CulvertProfile *profile)
{
  return g_strconcat (kind, ":", culvert_profile_get_id (profile), NULL);
}

/* The button labelled @label: its action and target. */
static gboolean
find_button (GVariant    *notification,
             const char  *label,
             char       **action,
             GVariant   **target)
{
  g_autoptr(GVariant) buttons = g_variant_lookup_value (notification, "buttons",
                                                        G_VARIANT_TYPE ("aa{sv}"));
  GVariantIter iter;
  GVariant *button;

  if (buttons == NULL)
    return FALSE;
  g_variant_iter_init (&iter, buttons);
  while ((button = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *button_label = NULL;

      g_variant_lookup (button, "label", "&s", &button_label);
      if (g_strcmp0 (button_label, label) == 0)
        {
          g_assert_true (g_variant_lookup (button, "action", "s", action));
          *target = g_variant_lookup_value (button, "target", NULL);
          g_variant_unref (button);
          return TRUE;
        }
      g_variant_unref (button);
    }

  return FALSE;
}

static void
assert_button (GVariant       *notification,
               const char     *label,
               const char     *action,
               CulvertProfile *profile)
{
  g_autofree char *found_action = NULL;
  g_autoptr(GVariant) target = NULL;

  g_assert_true (find_button (notification, label, &found_action, &target));
  g_assert_cmpstr (found_action, ==, action);
  g_assert_nonnull (target);
  g_assert_cmpstr (g_variant_get_string (target, NULL), ==, culvert_profile_get_id (profile));
}

static void
press_button (GVariant   *notification,
              const char *label)
{
  GDBusConnection *app_bus = g_application_get_dbus_connection (G_APPLICATION (the_app));
  g_autofree char *action = NULL;
  g_autoptr(GVariant) target = NULL;

  g_assert_true (find_button (notification, label, &action, &target));
  culvert_test_activate_over_bus (culvert_test_notifications_get_connection (notifications),
                                  g_dbus_connection_get_unique_name (app_bus),
                                  g_application_get_dbus_object_path (G_APPLICATION (the_app)),
                                  action, target);
}

static CulvertWindow *
open_window (Fixture        *f,
             CulvertProfile *shown)
{
  CulvertWindow *window = culvert_window_new (f->app);

  gtk_window_present (GTK_WINDOW (window));
  culvert_window_select_profile (window, shown);
  return window;
}

static gboolean
window_is_active (gpointer data)
{
  return gtk_window_is_active (data) && gtk_widget_get_mapped (data);
}

/* ---------------------------------------------------------------------- */
/* Notifications                                                           */

/* A drop while the window shows another connection: told, with buttons;
 * told again when it comes back, and the first notice is withdrawn. */
static void
test_notify_drop_and_back (Fixture       *f,
                           gconstpointer  data)
{
  CulvertTestRelay *relay;
  CulvertProfile *profile, *other;
  CulvertTunnel *tunnel;
  g_autoptr(GVariant) dropped = NULL;
  g_autoptr(GVariant) back = NULL;
  g_autofree char *dropped_id = NULL;
  g_autofree char *back_id = NULL;
  g_autofree char *title = NULL;
  g_autofree char *default_action = NULL;
  const char *body = NULL;
  guint16 port, other_port;

  if (f->sshd == NULL)
    return;
  relay = culvert_test_relay_new (f->sshd->port);
  profile = add_profile (f, "Database tunnel", relay->port, TRUE, &port);
  trust_relay (f, profile, relay);
  other = add_profile (f, "Other", f->sshd->port, FALSE, &other_port);
  open_window (f, other);

  tunnel = culvert_application_get_tunnel (f->app, profile);
  g_assert_true (culvert_tunnel_connect (tunnel, NULL));
  assert_state (tunnel, CULVERT_TUNNEL_CONNECTED);
  assert_forward_passes_bytes (port);

  culvert_test_relay_cut (relay);
  dropped_id = id_of ("dropped", profile);
  dropped = wait_for_notification (dropped_id);
  g_assert_true (g_variant_lookup (dropped, "title", "s", &title));
  g_assert_nonnull (strstr (title, "Database tunnel"));
  g_assert_true (g_variant_lookup (dropped, "body", "&s", &body));
  g_assert_nonnull (strstr (body, "trying to connect again"));
  assert_button (dropped, "Reconnect", "app.reconnect", profile);
  assert_button (dropped, "Disconnect", "app.disconnect", profile);
  g_assert_true (g_variant_lookup (dropped, "default-action", "s", &default_action));
  g_assert_cmpstr (default_action, ==, "app.show-connection");
  g_assert_cmpint (culvert_tunnel_get_state (tunnel), ==, CULVERT_TUNNEL_RECONNECTING);

  /* Back on its own: the drop notice goes, a short one says so. */
  culvert_test_relay_resume (relay);
  back_id = id_of ("back", profile);
  back = wait_for_notification (back_id);
  g_assert_true (culvert_test_notifications_was_removed (notifications, dropped_id));
  assert_state (tunnel, CULVERT_TUNNEL_CONNECTED);
  g_assert_true (wait_for (forward_works, GUINT_TO_POINTER (port)));
  assert_forward_passes_bytes (port);

  culvert_tunnel_disconnect (tunnel);
  while (culvert_tunnel_is_running (tunnel))
    g_main_context_iteration (NULL, TRUE);
  culvert_test_relay_free (relay);
}

/* The window is closed: the server drops the session, the notice comes
 * with a Reconnect button, and pressing it (over the bus, as the shell
 * does) brings the tunnel back. */
static void
test_notify_reconnect_button (Fixture       *f,
                              gconstpointer  data)
{
  CulvertProfile *profile;
  CulvertTunnel *tunnel;
  g_autoptr(GVariant) dropped = NULL;
  g_autofree char *dropped_id = NULL;
  g_autofree char *action = NULL;
  g_autoptr(GVariant) target = NULL;
  guint16 port;

  if (f->sshd == NULL)
    return;
  profile = add_profile (f, "Mail relay", f->sshd->port, FALSE, &port);
  tunnel = culvert_application_get_tunnel (f->app, profile);
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (f->app)));
  g_assert_true (culvert_tunnel_connect (tunnel, NULL));
  assert_state (tunnel, CULVERT_TUNNEL_CONNECTED);
  assert_forward_passes_bytes (port);

  culvert_test_kill_sessions (f->sshd);
  dropped_id = id_of ("dropped", profile);
  dropped = wait_for_notification (dropped_id);
  assert_state (tunnel, CULVERT_TUNNEL_FAILED);
  assert_button (dropped, "Reconnect", "app.reconnect", profile);
  /* It does not try again on its own: nothing to disconnect. */
  g_assert_false (find_button (dropped, "Disconnect", &action, &target));
  g_assert_false (culvert_test_forward_echoes (port));

  press_button (dropped, "Reconnect");
  assert_state (tunnel, CULVERT_TUNNEL_CONNECTED);
  g_assert_true (wait_for (forward_works, GUINT_TO_POINTER (port)));
  assert_forward_passes_bytes (port);
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (f->app)));
}

static gboolean
notice_says (gpointer data)
{
  gpointer *args = data;
  g_autoptr(GVariant) notice = culvert_test_notifications_find_added (notifications, args[0]);
  const char *body = NULL;

  return notice != NULL && g_variant_lookup (notice, "body", "&s", &body) &&
         strstr (body, args[1]) != NULL;
}

/* Reconnect pressed while the server is still out of reach: the user hears
 * that it failed, and pressing it again once the path is back brings the
 * connection back, with the notice to say so. */
static void
test_notify_reconnect_while_down (Fixture       *f,
                                  gconstpointer  data)
{
  CulvertTestRelay *relay;
  CulvertProfile *profile;
  CulvertTunnel *tunnel;
  g_autoptr(GVariant) notice = NULL;
  g_autofree char *dropped_id = NULL;
  g_autofree char *back_id = NULL;
  gpointer args[2];
  guint16 port;

  if (f->sshd == NULL)
    return;
  relay = culvert_test_relay_new (f->sshd->port);
  profile = add_profile (f, "Flaky", relay->port, TRUE, &port);
  trust_relay (f, profile, relay);
  tunnel = culvert_application_get_tunnel (f->app, profile);
  g_assert_true (culvert_tunnel_connect (tunnel, NULL));
  assert_state (tunnel, CULVERT_TUNNEL_CONNECTED);

  culvert_test_relay_cut (relay);
  dropped_id = id_of ("dropped", profile);
  notice = wait_for_notification (dropped_id);
  press_button (notice, "Reconnect");
  args[0] = dropped_id;
  args[1] = (gpointer) "will not try again";
  g_assert_true (wait_for (notice_says, args));
  g_assert_cmpint (culvert_tunnel_get_state (tunnel), ==, CULVERT_TUNNEL_FAILED);

  culvert_test_relay_resume (relay);
  g_clear_pointer (&notice, g_variant_unref);
  notice = culvert_test_notifications_find_added (notifications, dropped_id);
  press_button (notice, "Reconnect");
  back_id = id_of ("back", profile);
  g_clear_pointer (&notice, g_variant_unref);
  notice = wait_for_notification (back_id);
  g_assert_true (culvert_test_notifications_was_removed (notifications, dropped_id));
  g_assert_true (wait_for (forward_works, GUINT_TO_POINTER (port)));
  culvert_test_relay_free (relay);
}

/* Disconnect on a drop notice stops the retries and lets the port go. */
static void
test_notify_disconnect_button (Fixture       *f,
                               gconstpointer  data)
{
  CulvertTestRelay *relay;
  CulvertProfile *profile;
  CulvertTunnel *tunnel;
  g_autoptr(GVariant) dropped = NULL;
  g_autofree char *dropped_id = NULL;
  guint16 port;

  if (f->sshd == NULL)
    return;
  relay = culvert_test_relay_new (f->sshd->port);
  profile = add_profile (f, "Lab", relay->port, TRUE, &port);
  trust_relay (f, profile, relay);
  tunnel = culvert_application_get_tunnel (f->app, profile);
  g_assert_true (culvert_tunnel_connect (tunnel, NULL));
  assert_state (tunnel, CULVERT_TUNNEL_CONNECTED);

  culvert_test_relay_cut (relay);
  dropped_id = id_of ("dropped", profile);
  dropped = wait_for_notification (dropped_id);
  /* Reconnecting keeps the local port bound. */
  g_assert_false (port_is_free (GUINT_TO_POINTER (port)));

  press_button (dropped, "Disconnect");
  assert_state (tunnel, CULVERT_TUNNEL_DISCONNECTED);
  g_assert_true (wait_for (port_is_free, GUINT_TO_POINTER (port)));
  g_assert_true (wait_for (notification_removed, dropped_id));
  culvert_test_relay_free (relay);
}

/* With the preference off, a drop sends nothing. */
static void
test_notify_preference_off (Fixture       *f,
                            gconstpointer  data)
{
  CulvertProfile *profile;
  CulvertTunnel *tunnel;
  g_autoptr(GVariant) dropped = NULL;
  g_autofree char *dropped_id = NULL;
  guint16 port;

  if (f->sshd == NULL)
    return;
  g_settings_set_boolean (culvert_application_get_settings (f->app), "notifications", FALSE);
  profile = add_profile (f, "Quiet", f->sshd->port, FALSE, &port);
  tunnel = culvert_application_get_tunnel (f->app, profile);
  g_assert_true (culvert_tunnel_connect (tunnel, NULL));
  assert_state (tunnel, CULVERT_TUNNEL_CONNECTED);
  assert_forward_passes_bytes (port);

  culvert_test_kill_sessions (f->sshd);
  assert_state (tunnel, CULVERT_TUNNEL_FAILED);
  notifications_barrier ();
  dropped_id = id_of ("dropped", profile);
  dropped = culvert_test_notifications_find_added (notifications, dropped_id);
  g_assert_null (dropped);
}

/* The user looks at the connection in the focused window: nothing is sent.
 * Once the window shows another one, the next drop is announced. */
static void
test_notify_not_while_shown (Fixture       *f,
                             gconstpointer  data)
{
  CulvertProfile *profile, *other;
  CulvertTunnel *tunnel;
  CulvertWindow *window;
  g_autoptr(GVariant) dropped = NULL;
  g_autofree char *dropped_id = NULL;
  guint16 port, other_port;

  if (f->sshd == NULL)
    return;
  profile = add_profile (f, "Watched", f->sshd->port, FALSE, &port);
  other = add_profile (f, "Elsewhere", f->sshd->port, FALSE, &other_port);
  window = open_window (f, profile);
  g_assert_true (wait_for (window_is_active, window));
  tunnel = culvert_application_get_tunnel (f->app, profile);
  g_assert_true (culvert_connection_page_get_tunnel (culvert_window_get_connection_page (window))
                 == tunnel);
  g_assert_true (culvert_tunnel_connect (tunnel, NULL));
  assert_state (tunnel, CULVERT_TUNNEL_CONNECTED);
  assert_forward_passes_bytes (port);

  culvert_test_kill_sessions (f->sshd);
  assert_state (tunnel, CULVERT_TUNNEL_FAILED);
  notifications_barrier ();
  dropped_id = id_of ("dropped", profile);
  dropped = culvert_test_notifications_find_added (notifications, dropped_id);
  g_assert_null (dropped);

  /* The same window, on another connection. */
  culvert_window_select_profile (window, other);
  g_assert_true (culvert_tunnel_connect (tunnel, NULL));
  assert_state (tunnel, CULVERT_TUNNEL_CONNECTED);
  g_assert_true (wait_for (forward_works, GUINT_TO_POINTER (port)));
  culvert_test_kill_sessions (f->sshd);
  dropped = wait_for_notification (dropped_id);
  g_assert_true (gtk_window_is_active (GTK_WINDOW (window)));
}

/* Reconnect All retries what is down but meant to be up, and leaves alone
 * what the user switched off. */
static void
test_reconnect_all (Fixture       *f,
                    gconstpointer  data)
{
  CulvertProfile *lost, *off;
  CulvertTunnel *lost_tunnel, *off_tunnel;
  guint16 lost_port, off_port;

  if (f->sshd == NULL)
    return;
  lost = add_profile (f, "Lost", f->sshd->port, FALSE, &lost_port);
  off = add_profile (f, "Off", f->sshd->port, FALSE, &off_port);
  lost_tunnel = culvert_application_get_tunnel (f->app, lost);
  off_tunnel = culvert_application_get_tunnel (f->app, off);
  g_assert_true (culvert_tunnel_connect (lost_tunnel, NULL));
  g_assert_true (culvert_tunnel_connect (off_tunnel, NULL));
  assert_state (lost_tunnel, CULVERT_TUNNEL_CONNECTED);
  assert_state (off_tunnel, CULVERT_TUNNEL_CONNECTED);
  culvert_tunnel_disconnect (off_tunnel);
  assert_state (off_tunnel, CULVERT_TUNNEL_DISCONNECTED);
  assert_forward_passes_bytes (lost_port);

  culvert_test_kill_sessions (f->sshd);
  assert_state (lost_tunnel, CULVERT_TUNNEL_FAILED);

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "reconnect-all", NULL);
  assert_state (lost_tunnel, CULVERT_TUNNEL_CONNECTED);
  g_assert_true (wait_for (forward_works, GUINT_TO_POINTER (lost_port)));
  g_assert_cmpint (culvert_tunnel_get_state (off_tunnel), ==, CULVERT_TUNNEL_DISCONNECTED);
  g_assert_false (culvert_tunnel_is_running (off_tunnel));
  g_assert_true (port_is_free (GUINT_TO_POINTER (off_port)));
}

static gboolean
has_preferences (gpointer data)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (CULVERT_IS_PREFERENCES_WINDOW (l->data) && gtk_widget_get_mapped (l->data))
      {
        *(GtkWidget **) data = l->data;
        return TRUE;
      }
  return FALSE;
}

static void
collect_switches (GtkWidget *root,
                  GPtrArray *switches)
{
  if (GTK_IS_SWITCH (root))
    g_ptr_array_add (switches, root);
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_switches (child, switches);
}

/* The switch that turns notifications off says what it is to a screen
 * reader, and turns them off. */
static void
test_notify_preference_switch (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GPtrArray) switches = g_ptr_array_new ();
  GtkWidget *preferences = NULL;
  GtkSwitch *notifications_switch = NULL;

  open_window (f, NULL);
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "preferences", NULL);
  g_assert_true (wait_for (has_preferences, &preferences));
  collect_switches (preferences, switches);
  g_assert_cmpuint (switches->len, ==, 2);
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (switches->pdata[0]),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Notifications");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (switches->pdata[1]),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Run in Background");
  notifications_switch = switches->pdata[0];
  g_assert_true (gtk_switch_get_active (notifications_switch));
  gtk_switch_set_active (notifications_switch, FALSE);
  g_assert_false (g_settings_get_boolean (culvert_application_get_settings (f->app),
                                          "notifications"));
  gtk_window_destroy (GTK_WINDOW (preferences));
}

/* ---------------------------------------------------------------------- */
/* Running in the background                                               */

/* Closing the window with a tunnel running says so, once ever; the tunnel
 * goes on serving. */
static void
test_close_tells_once (Fixture       *f,
                       gconstpointer  data)
{
  GSettings *settings = culvert_application_get_settings (f->app);
  CulvertProfile *profile;
  CulvertTunnel *tunnel;
  CulvertWindow *window;
  g_autoptr(GVariant) notice = NULL;
  g_autofree char *action = NULL;
  g_autoptr(GVariant) target = NULL;
  const char *body = NULL;
  guint16 port;

  if (f->sshd == NULL)
    return;
  profile = add_profile (f, "Kept", f->sshd->port, FALSE, &port);
  window = open_window (f, profile);
  tunnel = culvert_application_get_tunnel (f->app, profile);
  g_assert_true (culvert_tunnel_connect (tunnel, NULL));
  assert_state (tunnel, CULVERT_TUNNEL_CONNECTED);
  g_assert_false (g_settings_get_boolean (settings, "background-notice-shown"));

  gtk_window_close (GTK_WINDOW (window));
  notice = wait_for_notification ("background");
  g_assert_true (g_variant_lookup (notice, "body", "&s", &body));
  g_assert_nonnull (strstr (body, "1 connection stays up"));
  g_assert_true (find_button (notice, "Quit", &action, &target));
  g_assert_cmpstr (action, ==, "app.quit");
  g_assert_true (g_settings_get_boolean (settings, "background-notice-shown"));
  assert_forward_passes_bytes (port);

  /* The second time, nothing. */
  culvert_test_notifications_clear (notifications);
  window = open_window (f, profile);
  gtk_window_close (GTK_WINDOW (window));
  notifications_barrier ();
  g_clear_pointer (&notice, g_variant_unref);
  notice = culvert_test_notifications_find_added (notifications, "background");
  g_assert_null (notice);
  assert_forward_passes_bytes (port);
}

static gboolean
file_exists (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

static gboolean
file_is_gone (gpointer data)
{
  return !file_exists (data);
}

/* The autostart entry exists exactly while some connection connects at
 * startup. */
static void
test_autostart_entry (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *path = culvert_background_dup_autostart_path ();
  g_autofree char *expected = g_build_filename (g_get_user_config_dir (), "autostart",
                                                APPLICATION_ID ".desktop", NULL);
  g_autoptr(GKeyFile) entry = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *exec = NULL;
  g_autofree char *validate = NULL;
  CulvertProfile *first, *second;
  GStatBuf st;
  guint16 port;

  if (f->sshd == NULL)
    return;
  g_assert_cmpstr (path, ==, expected);
  first = add_profile (f, "First", f->sshd->port, FALSE, &port);
  second = add_profile (f, "Second", f->sshd->port, FALSE, &port);
  culvert_test_iterate_until_idle ();
  g_assert_false (file_exists (path));

  culvert_profile_set_connect_at_startup (first, TRUE);
  g_assert_true (wait_for (file_exists, path));
  g_assert_true (g_key_file_load_from_file (entry, path, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  exec = g_key_file_get_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_EXEC, NULL);
  g_assert_cmpstr (exec, ==, "culvert --background");
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  validate = g_find_program_in_path ("desktop-file-validate");
  if (validate != NULL)
    {
      const char *argv[] = { validate, path, NULL };
      int status = 0;
      g_autofree char *out = NULL;

      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                                   &out, NULL, &status, NULL));
      g_assert_cmpstr (out, ==, "");
      g_assert_true (g_spawn_check_wait_status (status, NULL));
    }

  /* Still wanted while another one is marked. */
  culvert_profile_set_connect_at_startup (second, TRUE);
  culvert_profile_set_connect_at_startup (first, FALSE);
  culvert_test_iterate_until_idle ();
  g_assert_true (file_exists (path));

  /* Gone with the last mark, and with a deleted connection. */
  culvert_profile_set_connect_at_startup (second, FALSE);
  g_assert_true (wait_for (file_is_gone, path));
  culvert_profile_set_connect_at_startup (second, TRUE);
  g_assert_true (wait_for (file_exists, path));
  g_assert_true (culvert_profile_store_delete_profile (culvert_application_get_profile_store (f->app),
                                                       second, NULL));
  g_assert_true (wait_for (file_is_gone, path));
}

/* ---------------------------------------------------------------------- */
/* The real binary                                                         */

static gboolean
has_window (gpointer data)
{
  return culvert_test_app_has_window (data);
}

static gboolean
has_no_window (gpointer data)
{
  return !culvert_test_app_has_window (data);
}

static gboolean
notice_shown (gpointer data)
{
  CulvertTestApp *culvert = data;
  g_autoptr(GVariant) found = culvert_test_notifications_find_added (culvert->notifications,
                                                                     "background");

  return found != NULL;
}

/* Quit from the menu (app.quit, as Ctrl+Q): every tunnel stops, the port
 * is let go, the process exits. */
static void
quit_and_check (CulvertTestApp *culvert,
                guint16         port)
{
  culvert_test_app_activate (culvert, "app.quit", NULL);
  g_assert_true (culvert_test_app_wait_exit (culvert));
  g_assert_true (g_subprocess_get_if_exited (culvert->process));
  g_assert_cmpint (g_subprocess_get_exit_status (culvert->process), ==, 0);
  g_assert_true (port_is_free (GUINT_TO_POINTER (port)));
}

/* Closing the window keeps the tunnel serving; quitting stops it. */
static void
test_close_window_keeps_running (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(CulvertTestApp) culvert = NULL;
  CulvertProfile *profile;
  guint16 port;

  if (f->sshd == NULL)
    return;
  profile = add_profile (f, "Always", f->sshd->port, FALSE, &port);
  culvert_profile_set_connect_at_startup (profile, TRUE);
  g_assert_true (culvert_profile_store_save_profile (culvert_application_get_profile_store (f->app),
                                                     profile, NULL));

  culvert = culvert_test_app_start ("", NULL);
  g_assert_true (wait_for (has_window, culvert));
  g_assert_true (wait_for (forward_works, GUINT_TO_POINTER (port)));

  culvert_test_app_close_window (culvert);
  g_assert_true (wait_for (has_no_window, culvert));
  /* It says so, on its own bus, and goes on answering there. */
  g_assert_true (wait_for (notice_shown, culvert));
  culvert_test_app_ping (culvert);
  assert_forward_passes_bytes (port);
  culvert_test_app_ping (culvert);
  g_assert_false (culvert->exited);

  quit_and_check (culvert, port);
}

/* With "Run in Background" off, closing the window stops the tunnels and
 * Culvert exits. */
static void
test_close_window_quits_when_off (Fixture       *f,
                                  gconstpointer  data)
{
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "glib-2.0", "settings", NULL);
  g_autofree char *keyfile = g_build_filename (dir, "keyfile", NULL);
  const char *env[] = { "GSETTINGS_BACKEND=keyfile", NULL };
  g_autoptr(CulvertTestApp) culvert = NULL;
  CulvertProfile *profile;
  guint16 port;

  if (f->sshd == NULL)
    return;
  /* Settings the real binary reads: the schema's path as the group. */
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (keyfile, "[io/github/culvert/Culvert]\n"
                                               "run-in-background=false\n", -1, NULL));
  profile = add_profile (f, "Only while open", f->sshd->port, FALSE, &port);
  culvert_profile_set_connect_at_startup (profile, TRUE);
  g_assert_true (culvert_profile_store_save_profile (culvert_application_get_profile_store (f->app),
                                                     profile, NULL));

  culvert = culvert_test_app_start ("", env);
  g_assert_true (wait_for (has_window, culvert));
  g_assert_true (wait_for (forward_works, GUINT_TO_POINTER (port)));

  culvert_test_app_close_window (culvert);
  g_assert_true (culvert_test_app_wait_exit (culvert));
  g_assert_true (g_subprocess_get_if_exited (culvert->process));
  g_assert_cmpint (g_subprocess_get_exit_status (culvert->process), ==, 0);
  g_assert_true (port_is_free (GUINT_TO_POINTER (port)));
  g_unlink (keyfile);
}

/* `culvert --background`, as the autostart entry runs it: the marked
 * connection serves, and no window opens. */
static void
test_background_flag (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(CulvertTestApp) culvert = NULL;
  CulvertProfile *marked;
  guint16 port, plain_port;

  if (f->sshd == NULL)
    return;
  marked = add_profile (f, "Marked", f->sshd->port, FALSE, &port);
  add_profile (f, "Plain", f->sshd->port, FALSE, &plain_port);
  culvert_profile_set_connect_at_startup (marked, TRUE);
  g_assert_true (culvert_profile_store_save_profile (culvert_application_get_profile_store (f->app),
                                                     marked, NULL));

  culvert = culvert_test_app_start ("--background", NULL);
  g_assert_true (wait_for (forward_works, GUINT_TO_POINTER (port)));
  assert_forward_passes_bytes (port);
  g_assert_true (port_is_free (GUINT_TO_POINTER (plain_port)));
  culvert_test_app_ping (culvert);
  g_assert_false (culvert_test_app_has_window (culvert));

  quit_and_check (culvert, port);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int ret;

  /* Accessible properties are kept (and can be checked) with the test backend. */
  g_setenv ("GTK_A11Y", "test", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  notifications = culvert_test_notifications_new (NULL);
  the_app = culvert_application_new ();
  g_application_register (G_APPLICATION (the_app), NULL, &error);
  g_assert_no_error (error);

  g_test_add ("/background/notify-drop-and-back", Fixture, NULL,
              fixture_setup, test_notify_drop_and_back, fixture_teardown);
  g_test_add ("/background/notify-reconnect-button", Fixture, NULL,
              fixture_setup, test_notify_reconnect_button, fixture_teardown);
  g_test_add ("/background/notify-reconnect-while-down", Fixture, NULL,
              fixture_setup, test_notify_reconnect_while_down, fixture_teardown);
  g_test_add ("/background/notify-disconnect-button", Fixture, NULL,
              fixture_setup, test_notify_disconnect_button, fixture_teardown);
  g_test_add ("/background/notify-preference-off", Fixture, NULL,
              fixture_setup, test_notify_preference_off, fixture_teardown);
  g_test_add ("/background/notify-not-while-shown", Fixture, NULL,
              fixture_setup, test_notify_not_while_shown, fixture_teardown);
  g_test_add ("/background/notify-preference-switch", Fixture, NULL,
              fixture_setup, test_notify_preference_switch, fixture_teardown);
  g_test_add ("/background/reconnect-all", Fixture, NULL,
              fixture_setup, test_reconnect_all, fixture_teardown);
  g_test_add ("/background/close-tells-once", Fixture, NULL,
              fixture_setup, test_close_tells_once, fixture_teardown);
  g_test_add ("/background/autostart-entry", Fixture, NULL,
              fixture_setup, test_autostart_entry, fixture_teardown);
  g_test_add ("/background/close-window-keeps-running", Fixture, NULL,
              fixture_setup, test_close_window_keeps_running, fixture_teardown);
  g_test_add ("/background/close-window-quits-when-off", Fixture, NULL,
              fixture_setup, test_close_window_quits_when_off, fixture_teardown);
  g_test_add ("/background/background-flag", Fixture, NULL,
              fixture_setup, test_background_flag, fixture_teardown);

  ret = g_test_run ();
  g_clear_object (&the_app);
  culvert_test_notifications_free (notifications);

  return ret;
}

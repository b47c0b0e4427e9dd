/* test-notifications.c — what a connection that drops tells the desktop
 *
 * A drop, a return and a final failure go, as outside a Flatpak, to
 * org.gtk.Notifications on the session bus, where the test's own server
 * records them; the tunnels go to a real sshd, cut through a relay or by
 * killing its sessions. Buttons are pressed over org.gtk.Actions, as the
 * shell does.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "background-fixture.h"
#include "culvert-connection-page.h"
#include "culvert-preferences-window.h"

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

/* A connection that cannot connect while no window is open (started at
 * login, say) is announced; once it is up, the notice goes. */
static void
test_notify_failed_unseen (Fixture       *f,
                           gconstpointer  data)
{
  CulvertProfile *profile;
  CulvertTunnel *tunnel;
  g_autoptr(GVariant) notice = NULL;
  g_autofree char *id = NULL;
  g_autofree char *title = NULL;
  guint16 port;

  if (f->sshd == NULL)
    return;
  profile = add_profile (f, "Morning", culvert_test_free_port (), FALSE, &port);
  tunnel = culvert_application_get_tunnel (f->app, profile);
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (f->app)));
  g_assert_true (culvert_tunnel_connect (tunnel, NULL));
  assert_state (tunnel, CULVERT_TUNNEL_FAILED);

  id = id_of ("dropped", profile);
  notice = wait_for_notification (id);
  g_assert_true (g_variant_lookup (notice, "title", "s", &title));
  g_assert_cmpstr (title, ==, "“Morning” could not connect");
  assert_button (notice, "Reconnect", "app.reconnect", profile);

  /* The server is there now: Reconnect, and the notice goes. */
  culvert_profile_set_port (profile, f->sshd->port);
  press_button (notice, "Reconnect");
  assert_state (tunnel, CULVERT_TUNNEL_CONNECTED);
  g_assert_true (wait_for (notification_removed, id));
  g_assert_true (wait_for (forward_works, GUINT_TO_POINTER (port)));
}

static gboolean
title_says (gpointer data)
{
  gpointer *args = data;
  g_autoptr(GVariant) notice = culvert_test_notifications_find_added (notifications, args[0]);
  const char *title = NULL;

  return notice != NULL && g_variant_lookup (notice, "title", "&s", &title) &&
         g_strcmp0 (title, args[1]) == 0;
}

/* One server blip with three connections on it: one notice that they were
 * lost, one that they are back; none of their own. */
static void
test_notify_coalesced (Fixture       *f,
                       gconstpointer  data)
{
  CulvertTestRelay *relay;
  CulvertProfile *profiles[3];
  guint16 ports[3];
  gpointer args[2];
  GPtrArray *calls;
  g_autoptr(GHashTable) added = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GVariant) dropped = NULL;
  g_autofree char *action = NULL;
  g_autoptr(GVariant) target = NULL;

  if (f->sshd == NULL)
    return;
  relay = culvert_test_relay_new (f->sshd->port);
  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++)
    {
      g_autofree char *name = g_strdup_printf ("Tunnel %u", i + 1);
      CulvertTunnel *tunnel;

      profiles[i] = add_profile (f, name, relay->port, TRUE, &ports[i]);
      trust_relay (f, profiles[i], relay);
      tunnel = culvert_application_get_tunnel (f->app, profiles[i]);
      g_assert_true (culvert_tunnel_connect (tunnel, NULL));
      assert_state (tunnel, CULVERT_TUNNEL_CONNECTED);
    }
  notifications_barrier ();
  culvert_test_notifications_clear (notifications);

  culvert_test_relay_cut (relay);
  args[0] = (gpointer) "dropped";
  args[1] = (gpointer) "3 connections lost their server";
  g_assert_true (wait_for (title_says, args));
  dropped = culvert_test_notifications_find_added (notifications, "dropped");
  g_assert_true (find_button (dropped, "Reconnect", &action, &target));
  g_assert_cmpstr (action, ==, "app.reconnect-all");

  culvert_test_relay_resume (relay);
  args[0] = (gpointer) "back";
  args[1] = (gpointer) "3 connections are connected again";
  g_assert_true (wait_for (title_says, args));
  g_assert_true (culvert_test_notifications_was_removed (notifications, "dropped"));
  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++)
    g_assert_true (wait_for (forward_works, GUINT_TO_POINTER (ports[i])));

  /* Nothing else was shown: no notice of each connection's own. */
  notifications_barrier ();
  calls = culvert_test_notifications_get_calls (notifications);
  for (guint i = 0; i < calls->len; i++)
    {
      const char *method, *id;

      g_variant_get (g_ptr_array_index (calls, i), "(&s&s&s@a{sv})", &method, NULL, &id, NULL);
      /* (The barrier is a notice of the test's own.) */
      if (g_strcmp0 (method, "AddNotification") == 0 && !g_str_has_prefix (id, "test-"))
        g_hash_table_add (added, g_strdup (id));
    }
  g_assert_cmpuint (g_hash_table_size (added), ==, 2);

  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++)
    {
      CulvertTunnel *tunnel = culvert_application_get_tunnel (f->app, profiles[i]);

      culvert_tunnel_disconnect (tunnel);
      while (culvert_tunnel_is_running (tunnel))
        g_main_context_iteration (NULL, TRUE);
    }
  culvert_test_relay_free (relay);
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
  /* Nothing is down: nothing to reconnect (the menu item is greyed out). */
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (f->app), "reconnect-all"));

  culvert_test_kill_sessions (f->sshd);
  assert_state (lost_tunnel, CULVERT_TUNNEL_FAILED);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (f->app), "reconnect-all"));

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "reconnect-all", NULL);
  assert_state (lost_tunnel, CULVERT_TUNNEL_CONNECTED);
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (f->app), "reconnect-all"));
  g_assert_true (wait_for (forward_works, GUINT_TO_POINTER (lost_port)));
  g_assert_cmpint (culvert_tunnel_get_state (off_tunnel), ==, CULVERT_TUNNEL_DISCONNECTED);
  g_assert_false (culvert_tunnel_is_running (off_tunnel));
  g_assert_true (port_is_free (GUINT_TO_POINTER (off_port)));
}

/* A window of its own on libadwaita 1.2, a dialog inside the window on 1.5. */
static GtkWidget *
find_preferences (GtkWidget *root)
{
  if (CULVERT_IS_PREFERENCES_WINDOW (root) && gtk_widget_get_mapped (root))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_preferences (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
has_preferences (gpointer data)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    {
      GtkWidget *preferences = find_preferences (l->data);

      if (preferences != NULL)
        {
          *(GtkWidget **) data = preferences;
          return TRUE;
        }
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

static void
assert_named_by_row (GtkWidget  *widget,
                     const char *title)
{
  GtkWidget *row = gtk_widget_get_ancestor (widget, ADW_TYPE_ACTION_ROW);

  g_assert_nonnull (row);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, title);
  g_assert_true (adw_preferences_row_get_use_underline (ADW_PREFERENCES_ROW (row)));
  g_assert_true (adw_action_row_get_activatable_widget (ADW_ACTION_ROW (row)) == widget);
  g_assert_false (gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget),
                                                    GTK_ACCESSIBLE_PROPERTY_LABEL));
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
  /* Each is named by its row (the name a screen reader hears is read over
   * AT-SPI in the atspi test), not a second time by a label of its own. */
  assert_named_by_row (switches->pdata[0], "_Notifications");
  assert_named_by_row (switches->pdata[1], "Run in _Background");
  notifications_switch = switches->pdata[0];
  g_assert_true (gtk_switch_get_active (notifications_switch));
  gtk_switch_set_active (notifications_switch, FALSE);
  g_assert_false (g_settings_get_boolean (culvert_application_get_settings (f->app),
                                          "notifications"));
  culvert_dialog_destroy (preferences);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  background_fixture_init (&argc, &argv);

  g_test_add ("/notifications/drop-and-back", Fixture, NULL,
              fixture_setup, test_notify_drop_and_back, fixture_teardown);
  g_test_add ("/notifications/coalesced", Fixture, NULL,
              fixture_setup, test_notify_coalesced, fixture_teardown);
  g_test_add ("/notifications/reconnect-button", Fixture, NULL,
              fixture_setup, test_notify_reconnect_button, fixture_teardown);
  g_test_add ("/notifications/reconnect-while-down", Fixture, NULL,
              fixture_setup, test_notify_reconnect_while_down, fixture_teardown);
  g_test_add ("/notifications/disconnect-button", Fixture, NULL,
              fixture_setup, test_notify_disconnect_button, fixture_teardown);
  g_test_add ("/notifications/preference-off", Fixture, NULL,
              fixture_setup, test_notify_preference_off, fixture_teardown);
  g_test_add ("/notifications/not-while-shown", Fixture, NULL,
              fixture_setup, test_notify_not_while_shown, fixture_teardown);
  g_test_add ("/notifications/preference-switch", Fixture, NULL,
              fixture_setup, test_notify_preference_switch, fixture_teardown);
  g_test_add ("/notifications/failed-unseen", Fixture, NULL,
              fixture_setup, test_notify_failed_unseen, fixture_teardown);
  g_test_add ("/notifications/reconnect-all", Fixture, NULL,
              fixture_setup, test_reconnect_all, fixture_teardown);

  ret = g_test_run ();
  background_fixture_shutdown ();

  return ret;
}

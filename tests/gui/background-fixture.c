/* background-fixture.c — what the notification and background tests share
 *
 * An application in this process, registered on the test's session bus,
 * where a notification server of the test's own holds org.gtk.Notifications
 * (GLib sends GNotification there outside a Flatpak); a real sshd and an
 * echo for each test.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include "background-fixture.h"
#include "culvert-connection-page.h"
#include "culvert-test-app.h"
#include "culvert-test-net.h"

/* One application per process: it owns its D-Bus name once registered. */
CulvertApplication *the_app;
CulvertTestNotifications *notifications;

void
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

void
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
CulvertProfile *
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
void
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

void
assert_state (CulvertTunnel      *tunnel,
              CulvertTunnelState  state)
{
  StateWait wait = { tunnel, state };

  if (!wait_for (state_is, &wait))
    g_error ("the tunnel is %s, not %s",
             culvert_tunnel_state_to_string (culvert_tunnel_get_state (tunnel)),
             culvert_tunnel_state_to_string (state));
}

gboolean
forward_works (gpointer data)
{
  return culvert_test_forward_echoes (GPOINTER_TO_UINT (data));
}

gboolean
port_is_free (gpointer data)
{
  return culvert_test_port_refuses (GPOINTER_TO_UINT (data));
}

void
assert_forward_passes_bytes (guint16 port)
{
  int fd = culvert_test_connect_loopback (port);

  g_assert_cmpint (fd, >=, 0);
  culvert_test_echo_through (fd, 64 * 1024);
  close (fd);
}

gboolean
notification_added (gpointer data)
{
  g_autoptr(GVariant) found = culvert_test_notifications_find_added (notifications, data);

  return found != NULL;
}

gboolean
notification_removed (gpointer data)
{
  return culvert_test_notifications_was_removed (notifications, data);
}

GVariant *
wait_for_notification (const char *id)
{
  if (!wait_for (notification_added, (gpointer) id))
    g_error ("no notification “%s” arrived (%u calls)", id,
             culvert_test_notifications_get_calls (notifications)->len);
  return culvert_test_notifications_find_added (notifications, id);
}

/* Whatever the application sent before this has arrived when it returns:
 * one bus connection delivers in order. */
void
notifications_barrier (void)
{
  g_autoptr(GNotification) notification = g_notification_new ("barrier");

  g_application_send_notification (G_APPLICATION (the_app), "test-barrier", notification);
  g_assert_true (wait_for (notification_added, (gpointer) "test-barrier"));
  g_application_withdraw_notification (G_APPLICATION (the_app), "test-barrier");
}

char *
id_of (const char     *kind,
       CulvertProfile *profile)
{
  return g_strconcat (kind, ":", culvert_profile_get_id (profile), NULL);
}

/* The button labelled @label: its action and target. */
gboolean
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

void
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

void
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

CulvertWindow *
open_window (Fixture        *f,
             CulvertProfile *shown)
{
  CulvertWindow *window = culvert_window_new (f->app);

  gtk_window_present (GTK_WINDOW (window));
  culvert_window_select_profile (window, shown);
  return window;
}

gboolean
window_is_active (gpointer data)
{
  return gtk_window_is_active (data) && gtk_widget_get_mapped (data);
}


void
background_fixture_init (int    *argc,
                         char ***argv)
{
  g_autoptr(GError) error = NULL;

  /* Accessible properties are kept (and can be checked) with the test backend. */
  g_setenv ("GTK_A11Y", "test", TRUE);
  gtk_test_init (argc, argv, NULL);
  adw_init ();

  /* Owned before the application sends anything: GLib picks its backend then. */
  notifications = culvert_test_notifications_new (NULL);
  the_app = culvert_application_new ();
  g_application_register (G_APPLICATION (the_app), NULL, &error);
  g_assert_no_error (error);
}

void
background_fixture_shutdown (void)
{
  g_clear_object (&the_app);
  g_clear_pointer (&notifications, culvert_test_notifications_free);
}

/* test-background.c — running with the window closed, autostart, quitting
 *
 * The window-closing and --background cases run the real binary on a bus
 * of its own and close its window as a window manager does; the tunnels go
 * to a real sshd.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "background-fixture.h"
#include "culvert-background.h"
#include "culvert-test-app.h"

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
  g_assert_true (culvert_profile_store_delete_profile (
    culvert_application_get_profile_store (f->app), second, NULL));
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

/* Closing the window keeps the tunnel serving, and the application with it. */
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

  /* The last tunnel stops (the notification's Disconnect, say): with no
   * window and nothing to serve, Culvert exits on its own. */
  culvert_test_app_activate (culvert, "app.disconnect",
                             g_variant_new_string (culvert_profile_get_id (profile)));
  g_assert_true (culvert_test_app_wait_exit (culvert));
  g_assert_true (g_subprocess_get_if_exited (culvert->process));
  g_assert_cmpint (g_subprocess_get_exit_status (culvert->process), ==, 0);
  g_assert_true (port_is_free (GUINT_TO_POINTER (port)));
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

/* The desktop portal, as far as Culvert uses it: Background requests (each
 * answered "yes") and notifications. */
typedef struct
{
  GDBusConnection *connection;
  guint            registration_ids[2];
  GPtrArray       *requests;       /* of GVariant a{sv}: the options */
  GPtrArray       *notifications;  /* of char *: the ids added */
} FakePortal;

static const char portal_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.portal.Background'>"
  "    <method name='RequestBackground'>"
  "      <arg type='s' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/>"
  "      <arg type='o' direction='out'/>"
  "    </method>"
  "  </interface>"
  "  <interface name='org.freedesktop.portal.Notification'>"
  "    <method name='AddNotification'>"
  "      <arg type='s' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/>"
  "    </method>"
  "    <method name='RemoveNotification'>"
  "      <arg type='s' direction='in'/>"
  "    </method>"
  "  </interface>"
  "</node>";

static void
portal_method_call (GDBusConnection       *connection,
                    const char            *sender,
                    const char            *path,
                    const char            *interface,
                    const char            *method,
                    GVariant              *parameters,
                    GDBusMethodInvocation *invocation,
                    gpointer               user_data)
{
  FakePortal *portal = user_data;

  if (g_str_equal (method, "RequestBackground"))
    {
      g_autoptr(GVariant) options = NULL;
      g_autofree char *name = g_strdup (sender + 1);
      g_autofree char *handle = NULL;
      const char *token = "none";
      gboolean autostart = FALSE;

      g_variant_get (parameters, "(&s@a{sv})", NULL, &options);
      g_variant_lookup (options, "handle_token", "&s", &token);
      g_variant_lookup (options, "autostart", "b", &autostart);
      g_strdelimit (name, ".", '_');
      handle = g_strdup_printf ("/org/freedesktop/portal/desktop/request/%s/%s", name, token);
      g_ptr_array_add (portal->requests, g_variant_ref (options));
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", handle));
      g_dbus_connection_emit_signal (connection, sender, handle, "org.freedesktop.portal.Request",
                                     "Response",
                                     g_variant_new_parsed ("(@u 0, {'background': <true>, "
                                                           "'autostart': <%b>})", autostart),
                                     NULL);
      return;
    }
  if (g_str_equal (method, "AddNotification"))
    {
      const char *id;

      g_variant_get (parameters, "(&s@a{sv})", &id, NULL);
      g_ptr_array_add (portal->notifications, g_strdup (id));
    }
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static const GDBusInterfaceVTable portal_vtable = { portal_method_call, NULL, NULL };

static FakePortal *
fake_portal_new (GDBusConnection *connection)
{
  FakePortal *portal = g_new0 (FakePortal, 1);
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (portal_xml, NULL);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  portal->connection = g_object_ref (connection);
  portal->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  portal->notifications = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < 2; i++)
    {
      portal->registration_ids[i] =
        g_dbus_connection_register_object (connection, "/org/freedesktop/portal/desktop",
                                           info->interfaces[i], &portal_vtable, portal, NULL,
                                           &error);
      g_assert_no_error (error);
    }
  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", "org.freedesktop.portal.Desktop", 4u),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       &error);
  g_assert_no_error (error);
  return portal;
}

static void
fake_portal_free (FakePortal *portal)
{
  for (guint i = 0; i < 2; i++)
    g_dbus_connection_unregister_object (portal->connection, portal->registration_ids[i]);
  g_object_unref (portal->connection);
  g_ptr_array_unref (portal->requests);
  g_ptr_array_unref (portal->notifications);
  g_free (portal);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakePortal, fake_portal_free)

static gboolean
has_two_requests (gpointer data)
{
  return ((FakePortal *) data)->requests->len >= 2;
}

static gboolean
has_request (gpointer data)
{
  return ((FakePortal *) data)->requests->len >= 1;
}

static gboolean
portal_was_told (gpointer data)
{
  FakePortal *portal = data;

  for (guint i = 0; i < portal->notifications->len; i++)
    if (g_str_equal (portal->notifications->pdata[i], "background"))
      return TRUE;
  return FALSE;
}

/* Where portals are used (a Flatpak; outside one, the variable this GLib
 * reads says the same: GTK_USE_PORTAL=1 up to 2.78, GIO_USE_PORTALS=1 from
 * 2.79 on), the autostart goes through the Background portal, not a file,
 * and closing the window asks it to let Culvert run on; GLib sends the
 * notification there too. */
static void
test_portal (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *autostart_path = culvert_background_dup_autostart_path ();
  const char *env[] = { glib_check_version (2, 79, 0) == NULL ? "GIO_USE_PORTALS=1"
                                                             : "GTK_USE_PORTAL=1", NULL };
  g_autoptr(CulvertTestApp) culvert = NULL;
  g_autoptr(FakePortal) portal = NULL;
  g_autofree const char **commandline = NULL;
  const char *reason = NULL;
  gboolean autostart = FALSE;
  CulvertProfile *profile;
  GVariant *options;
  guint16 port;

  if (f->sshd == NULL)
    return;
  profile = add_profile (f, "At login", f->sshd->port, FALSE, &port);
  culvert_profile_set_connect_at_startup (profile, TRUE);
  g_assert_true (culvert_profile_store_save_profile (culvert_application_get_profile_store (f->app),
                                                     profile, NULL));
  /* This process writes the file (it is not sandboxed): start without it. */
  g_assert_true (wait_for (file_exists, autostart_path));
  g_assert_cmpint (g_unlink (autostart_path), ==, 0);

  culvert = culvert_test_app_spawn ("", env);
  portal = fake_portal_new (culvert->bus);
  culvert_test_app_go (culvert);
  g_assert_true (wait_for (forward_works, GUINT_TO_POINTER (port)));

  /* A connection starts at login: asked for, with the command that does it. */
  g_assert_true (wait_for (has_request, portal));
  options = portal->requests->pdata[0];
  g_assert_true (g_variant_lookup (options, "autostart", "b", &autostart));
  g_assert_true (autostart);
  g_assert_true (g_variant_lookup (options, "commandline", "^a&s", &commandline));
  g_assert_cmpstrv (commandline, ((const char *[]) { "culvert", "--background", NULL }));
  g_assert_true (g_variant_lookup (options, "reason", "&s", &reason));
  g_assert_cmpstr (reason, !=, "");

  /* The window closes with the tunnel running: asked again, and told. */
  g_assert_true (wait_for (has_window, culvert));
  culvert_test_app_close_window (culvert);
  g_assert_true (wait_for (has_two_requests, portal));
  g_assert_true (wait_for (portal_was_told, portal));
  culvert_test_app_ping (culvert);
  assert_forward_passes_bytes (port);

  quit_and_check (culvert, port);
  g_assert_false (file_exists (autostart_path));
}

/* `culvert --background`, as the autostart entry runs it, or
 * `--gapplication-service`, as D-Bus activation does: the marked connection
 * serves, and no window opens. */
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

  culvert = culvert_test_app_start (data, NULL);
  g_assert_true (wait_for (forward_works, GUINT_TO_POINTER (port)));
  assert_forward_passes_bytes (port);
  g_assert_true (port_is_free (GUINT_TO_POINTER (plain_port)));
  culvert_test_app_ping (culvert);
  g_assert_false (culvert_test_app_has_window (culvert));

  quit_and_check (culvert, port);
}

/* Quitting while the server does not answer (its sessions frozen): every
 * tunnel still stops, the port is let go, and Culvert exits cleanly (status
 * 0, not a crash in a worker thread left behind) within 2 s. */
static void
test_quit_server_dead (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(CulvertTestApp) culvert = NULL;
  CulvertProfile *marked;
  gint64 start;
  guint16 port;

  if (f->sshd == NULL)
    return;
  marked = add_profile (f, "Marked", f->sshd->port, FALSE, &port);
  culvert_profile_set_connect_at_startup (marked, TRUE);
  g_assert_true (culvert_profile_store_save_profile (culvert_application_get_profile_store (f->app),
                                                     marked, NULL));

  culvert = culvert_test_app_start ("--background", NULL);
  g_assert_true (wait_for (forward_works, GUINT_TO_POINTER (port)));
  assert_forward_passes_bytes (port);

  culvert_test_sshd_signal_sessions (f->sshd, SIGSTOP);
  start = g_get_monotonic_time ();
  quit_and_check (culvert, port);
  g_test_message ("exited %.2f s after app.quit", (g_get_monotonic_time () - start) / 1e6);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC + G_USEC_PER_SEC / 2);
  culvert_test_sshd_signal_sessions (f->sshd, SIGCONT);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  background_fixture_init (&argc, &argv);

  g_test_add ("/background/close-tells-once", Fixture, NULL,
              fixture_setup, test_close_tells_once, fixture_teardown);
  g_test_add ("/background/autostart-entry", Fixture, NULL,
              fixture_setup, test_autostart_entry, fixture_teardown);
  g_test_add ("/background/close-window-keeps-running", Fixture, NULL,
              fixture_setup, test_close_window_keeps_running, fixture_teardown);
  g_test_add ("/background/close-window-quits-when-off", Fixture, NULL,
              fixture_setup, test_close_window_quits_when_off, fixture_teardown);
  g_test_add ("/background/portal", Fixture, NULL,
              fixture_setup, test_portal, fixture_teardown);
  g_test_add ("/background/service", Fixture, "--gapplication-service",
              fixture_setup, test_background_flag, fixture_teardown);
  g_test_add ("/background/background-flag", Fixture, "--background",
              fixture_setup, test_background_flag, fixture_teardown);
  g_test_add ("/background/quit-server-dead", Fixture, NULL,
              fixture_setup, test_quit_server_dead, fixture_teardown);

  ret = g_test_run ();
  background_fixture_shutdown ();

  return ret;
}

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
  g_test_add ("/background/background-flag", Fixture, NULL,
              fixture_setup, test_background_flag, fixture_teardown);

  ret = g_test_run ();
  background_fixture_shutdown ();

  return ret;
}

/* test-window.c — the main window as a user first sees it
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "culvert-application.h"
#include "culvert-connection-page-private.h"
#include "culvert-connection-row.h"
#include "culvert-forward-dialog-private.h"
#include "culvert-new-connection-dialog.h"
#include "culvert-preferences-window.h"
#include "culvert-secrets.h"
#include "culvert-test-sshd.h"
#include "culvert-window-private.h"

/* One application per process: it owns its D-Bus name once registered. */
static CulvertApplication *the_app;

typedef struct
{
  CulvertApplication *app;
  CulvertWindow      *window;
} Fixture;

static void
iterate_until_idle (void)
{
  gint64 deadline = g_get_monotonic_time () + G_USEC_PER_SEC / 5;

  while (g_get_monotonic_time () < deadline)
    {
      while (g_main_context_pending (NULL))
        g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
}

static gboolean
wait_for (gboolean (*check) (gpointer),
          gpointer   data)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!check (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }

  return TRUE;
}

static gboolean
widget_is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data));
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->app = the_app;
  f->window = culvert_window_new (f->app);
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (wait_for (widget_is_mapped, f->window));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  CulvertProfileStore *store = culvert_application_get_profile_store (f->app);
  GList *windows;

  while ((windows = gtk_application_get_windows (GTK_APPLICATION (f->app))) != NULL)
    gtk_window_destroy (windows->data);
  iterate_until_idle ();

  /* Every test starts from an empty list of connections. */
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
  iterate_until_idle ();
}

/* Depth-first search for the first widget of @type that @match accepts. */
static GtkWidget *
find_widget (GtkWidget   *root,
             GType        type,
             gboolean   (*match) (GtkWidget *, gconstpointer),
             gconstpointer data)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type) && (match == NULL || match (root, data)))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type, match, data);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
button_has_label (GtkWidget     *widget,
                  gconstpointer  label)
{
  return g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

/* CULVERT_SCREENSHOT_DIR=DIR saves what the window shows, for README and AppStream. */
static void
maybe_save_screenshot (GtkWidget  *widget,
                       const char *name)
{
  const char *dir = g_getenv ("CULVERT_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  int width, height;

  if (dir == NULL)
    return;

  iterate_until_idle ();
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
}

static void
test_window_empty_state (Fixture       *f,
                         gconstpointer  data)
{
  GtkWidget *status;
  GtkWidget *button;

  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (f->window)), ==, "Culvert");
  g_assert_nonnull (find_widget (GTK_WIDGET (f->window), ADW_TYPE_HEADER_BAR, NULL, NULL));

  status = find_widget (GTK_WIDGET (f->window), ADW_TYPE_STATUS_PAGE, NULL, NULL);
  g_assert_nonnull (status);
  g_assert_true (gtk_widget_get_mapped (status));
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (status)), ==, "No connections yet");

  button = find_widget (status, GTK_TYPE_BUTTON, button_has_label, "_New Connection…");
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_mapped (button));
  g_assert_true (gtk_widget_is_sensitive (button));

  maybe_save_screenshot (GTK_WIDGET (f->window), "main-window.png");
}

static GtkWindow *
find_toplevel (GType type)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type) && gtk_widget_get_visible (l->data))
      return l->data;

  return NULL;
}

static gboolean
has_dialog (gpointer data)
{
  return find_toplevel (CULVERT_TYPE_NEW_CONNECTION_DIALOG) != NULL;
}

static gboolean
has_no_dialog (gpointer data)
{
  return !has_dialog (data);
}

static void
test_window_new_connection_dialog (Fixture       *f,
                                   gconstpointer  data)
{
  GtkWidget *status = find_widget (GTK_WIDGET (f->window), ADW_TYPE_STATUS_PAGE, NULL, NULL);
  GtkWidget *button = find_widget (status, GTK_TYPE_BUTTON, button_has_label, "_New Connection…");
  GtkWindow *dialog;

  g_signal_emit_by_name (button, "clicked");
  g_assert_true (wait_for (has_dialog, NULL));

  dialog = find_toplevel (CULVERT_TYPE_NEW_CONNECTION_DIALOG);
  g_assert_cmpstr (gtk_window_get_title (dialog), ==, "New Connection");
  g_assert_true (gtk_window_get_modal (dialog));
  g_assert_true (gtk_window_get_transient_for (dialog) == GTK_WINDOW (f->window));
  g_assert_true (wait_for (widget_is_mapped, dialog));

  /* Escape closes it (the Cancel button's action). */
  gtk_widget_activate_action (GTK_WIDGET (dialog), "window.close", NULL);
  g_assert_true (wait_for (has_no_dialog, NULL));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (f->window)));
}

static void
test_window_primary_menu (Fixture       *f,
                          gconstpointer  data)
{
  GtkWidget *menu_button = find_widget (GTK_WIDGET (f->window), GTK_TYPE_MENU_BUTTON, NULL, NULL);
  const char *expected[][2] = {
    { "_Preferences", "app.preferences" },
    { "_Keyboard Shortcuts", "win.show-help-overlay" },
    { "_Help", "app.help" },
    { "_About Culvert", "app.about" },
  };
  GMenuModel *menu;
  GMenuModel *section;

  g_assert_nonnull (menu_button);
  menu = gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (menu_button));
  g_assert_nonnull (menu);
  section = g_menu_model_get_item_link (menu, 0, G_MENU_LINK_SECTION);
  g_assert_nonnull (section);
  g_assert_cmpint (g_menu_model_get_n_items (section), ==, G_N_ELEMENTS (expected));

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *label = NULL;
      g_autofree char *action = NULL;

      g_assert_true (g_menu_model_get_item_attribute (section, i, "label", "s", &label));
      g_assert_true (g_menu_model_get_item_attribute (section, i, "action", "s", &action));
      g_assert_cmpstr (label, ==, expected[i][0]);
      g_assert_cmpstr (action, ==, expected[i][1]);
    }
  g_object_unref (section);

  /* Every menu action exists and can be used. */
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (f->app), "preferences"));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (f->app), "help"));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (f->app), "about"));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (f->window),
                                                    "show-help-overlay"));
}

static void
test_window_accelerators (Fixture       *f,
                          gconstpointer  data)
{
  g_auto(GStrv) help = gtk_application_get_accels_for_action (GTK_APPLICATION (f->app), "app.help");
  g_auto(GStrv) quit = gtk_application_get_accels_for_action (GTK_APPLICATION (f->app), "app.quit");

  g_assert_true (g_strv_contains ((const char * const *) help, "F1"));
  g_assert_true (g_strv_contains ((const char * const *) quit, "<Control>q"));
}

static void
test_window_about (Fixture       *f,
                   gconstpointer  data)
{
  AdwAboutWindow *about;

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "about", NULL);
  iterate_until_idle ();
  about = ADW_ABOUT_WINDOW (find_toplevel (ADW_TYPE_ABOUT_WINDOW));

  g_assert_nonnull (about);
  g_assert_cmpstr (adw_about_window_get_application_name (about), ==, "Culvert");
  g_assert_cmpstr (adw_about_window_get_version (about), ==, PACKAGE_VERSION);
  g_assert_cmpint (adw_about_window_get_license_type (about), ==, GTK_LICENSE_GPL_3_0);
  g_assert_cmpstr (adw_about_window_get_website (about), ==, PACKAGE_WEBSITE);
  gtk_window_destroy (GTK_WINDOW (about));
}


/* ---------------------------------------------------------------------- */
/* Helpers for the connections                                             */

static CulvertProfile *
add_profile (Fixture    *f,
             const char *name,
             const char *host)
{
  g_autoptr(CulvertProfile) profile = culvert_profile_new ();
  g_autoptr(GError) error = NULL;

  culvert_profile_set_name (profile, name);
  culvert_profile_set_host (profile, host);
  culvert_profile_set_user (profile, "alice");
  g_assert_true (culvert_profile_store_save_profile (culvert_application_get_profile_store (f->app),
                                                     profile, &error));
  g_assert_no_error (error);

  return profile;  /* the store keeps it */
}

static void
collect_labels (GtkWidget *root,
                GString   *out)
{
  if (GTK_IS_LABEL (root) && gtk_widget_get_visible (root))
    {
      g_string_append (out, gtk_label_get_label (GTK_LABEL (root)));
      g_string_append_c (out, '|');
    }
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_labels (child, out);
}

/* The sidebar as the user reads it: "name|user@host|" per row, one per line. */
static char *
sidebar_text (Fixture *f)
{
  GtkListBox *list = culvert_window_get_sidebar_list (f->window);
  GString *out = g_string_new (NULL);

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (list));
       row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      if (!CULVERT_IS_CONNECTION_ROW (row) || !gtk_widget_get_mapped (row))
        continue;
      collect_labels (row, out);
      g_string_append_c (out, '\n');
    }

  return g_string_free (out, FALSE);
}

typedef struct
{
  Fixture    *f;
  const char *expected;
} SidebarWait;

static gboolean
sidebar_is (gpointer data)
{
  SidebarWait *wait = data;
  g_autofree char *text = sidebar_text (wait->f);

  return g_strcmp0 (text, wait->expected) == 0;
}

static void
assert_sidebar (Fixture    *f,
                const char *expected)
{
  SidebarWait wait = { f, expected };

  if (!wait_for (sidebar_is, &wait))
    {
      g_autofree char *text = sidebar_text (f);

      g_error ("sidebar shows\n%s\ninstead of\n%s", text, expected);
    }
}

static void
test_window_sidebar (Fixture       *f,
                     gconstpointer  data)
{
  GtkSearchEntry *search = culvert_window_get_search_entry (f->window);
  GtkWidget *status = find_widget (GTK_WIDGET (f->window), ADW_TYPE_STATUS_PAGE, NULL, NULL);

  g_assert_true (gtk_widget_get_mapped (status));

  add_profile (f, "Zulu mail", "mail.example.org");
  add_profile (f, "alpha database", "db.example.org");
  add_profile (f, "Mid", "mid.example.org");

  /* Sorted by name, ignoring case; the empty state is gone. */
  assert_sidebar (f, "alpha database|alice@db.example.org|\n"
                     "Mid|alice@mid.example.org|\n"
                     "Zulu mail|alice@mail.example.org|\n");
  g_assert_false (gtk_widget_get_mapped (status));

  /* Ctrl+F opens the search; typing filters by name or address. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.find", NULL));
  iterate_until_idle ();
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (search)));
  gtk_editable_set_text (GTK_EDITABLE (search), "mail");
  assert_sidebar (f, "Zulu mail|alice@mail.example.org|\n");
  gtk_editable_set_text (GTK_EDITABLE (search), "DB.EXAMPLE");
  assert_sidebar (f, "alpha database|alice@db.example.org|\n");
  gtk_editable_set_text (GTK_EDITABLE (search), "");
  assert_sidebar (f, "alpha database|alice@db.example.org|\n"
                     "Mid|alice@mid.example.org|\n"
                     "Zulu mail|alice@mail.example.org|\n");

  /* A renamed connection moves to its place. */
  culvert_profile_set_name (culvert_profile_store_find (culvert_application_get_profile_store (f->app),
                                                       "Mid"), "Aaron");
  assert_sidebar (f, "Aaron|alice@mid.example.org|\n"
                     "alpha database|alice@db.example.org|\n"
                     "Zulu mail|alice@mail.example.org|\n");

  maybe_save_screenshot (GTK_WIDGET (f->window), "sidebar.png");
}

static gboolean
undo_toast_gone (gpointer data)
{
  return culvert_window_get_undo_toast (data) == NULL;
}

static gboolean
secret_is_gone (gpointer data)
{
  CulvertProfile *profile = data;
  g_autofree char *secret = culvert_secrets_lookup_sync (CULVERT_SECRET_PASSWORD,
                                                         culvert_profile_get_id (profile),
                                                         culvert_profile_get_user (profile),
                                                         culvert_profile_get_host (profile),
                                                         NULL, NULL);

  return secret == NULL;
}

static void
test_window_delete_undo (Fixture       *f,
                         gconstpointer  data)
{
  CulvertProfileStore *store = culvert_application_get_profile_store (f->app);
  CulvertProfile *mail = add_profile (f, "Mail", "mail.example.org");
  g_autoptr(CulvertProfile) db = g_object_ref (add_profile (f, "Database", "db.example.org"));
  g_autofree char *path = g_strdup_printf ("%s/%s.profile", culvert_profile_store_get_directory (store),
                                           culvert_profile_get_id (db));
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = NULL;
  AdwToast *toast;

  g_assert_true (culvert_secrets_store_sync (CULVERT_SECRET_PASSWORD, culvert_profile_get_id (db),
                                             "alice", "db.example.org", "test", "hunter2",
                                             NULL, &error));
  g_assert_no_error (error);
  assert_sidebar (f, "Database|alice@db.example.org|\nMail|alice@mail.example.org|\n");
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));

  /* Delete from the context menu's action: the row and the file go... */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.delete", "s",
                              culvert_profile_get_id (db));
  assert_sidebar (f, "Mail|alice@mail.example.org|\n");
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  toast = culvert_window_get_undo_toast (f->window);
  g_assert_nonnull (toast);
  g_assert_cmpstr (adw_toast_get_title (toast), ==, "“Database” deleted");
  g_assert_cmpstr (adw_toast_get_button_label (toast), ==, "_Undo");

  /* ...but the secret stays while the deletion can be undone. */
  iterate_until_idle ();
  g_assert_false (secret_is_gone (db));

  /* Undo, as the toast's button does: everything is back. */
  g_assert_cmpstr (adw_toast_get_action_name (toast), ==, "win.undo-delete");
  gtk_widget_activate_action_variant (GTK_WIDGET (f->window), adw_toast_get_action_name (toast),
                                      adw_toast_get_action_target_value (toast));
  /* The button dismisses the toast, once it is on screen. */
  iterate_until_idle ();
  adw_toast_dismiss (toast);
  assert_sidebar (f, "Database|alice@db.example.org|\nMail|alice@mail.example.org|\n");
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_true (culvert_profile_store_find (store, culvert_profile_get_id (db)) == db);
  iterate_until_idle ();
  g_assert_false (secret_is_gone (db));

  /* Deleted again and the toast expires: now the secret goes too. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.delete", "s",
                              culvert_profile_get_id (db));
  assert_sidebar (f, "Mail|alice@mail.example.org|\n");
  toast = culvert_window_get_undo_toast (f->window);
  g_assert_nonnull (toast);
  g_assert_true (wait_for (undo_toast_gone, f->window));
  g_assert_true (wait_for (secret_is_gone, db));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_null (culvert_profile_store_find (store, culvert_profile_get_id (db)));
  g_assert_nonnull (mail);

  /* Toasts come and go without upsetting the overlay. */
  for (guint i = 0; i < 5; i++)
    iterate_until_idle ();
}

static void
test_window_duplicate_and_copy (Fixture       *f,
                                gconstpointer  data)
{
  CulvertProfile *mail = add_profile (f, "Mail", "mail.example.org");
  g_autoptr(CulvertForward) forward = culvert_forward_parse (CULVERT_FORWARD_LOCAL,
                                                             "1143:imap.internal:143", NULL);

  culvert_profile_add_forward (mail, forward);
  assert_sidebar (f, "Mail|alice@mail.example.org|\n");

  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.duplicate", "s",
                              culvert_profile_get_id (mail));
  assert_sidebar (f, "Mail|alice@mail.example.org|\nMail (copy)|alice@mail.example.org|\n");
}

/* ---------------------------------------------------------------------- */
/* Preferences                                                             */

static gboolean
row_has_title (GtkWidget     *widget,
               gconstpointer  title)
{
  return g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

static AdwActionRow *
find_row_titled (GtkWidget  *root,
                 const char *title)
{
  return ADW_ACTION_ROW (find_widget (root, ADW_TYPE_ACTION_ROW, row_has_title, title));
}

static gboolean
has_preferences (gpointer data)
{
  return find_toplevel (CULVERT_TYPE_PREFERENCES_WINDOW) != NULL;
}

static void
test_window_preferences (Fixture       *f,
                         gconstpointer  data)
{
  GSettings *settings = culvert_application_get_settings (f->app);
  GtkWindow *preferences;
  AdwActionRow *row;
  GtkSwitch *notifications;
  GtkSwitch *background;

  g_settings_reset (settings, "notifications");
  g_settings_reset (settings, "run-in-background");

  /* Ctrl+comma, or the menu's item: both are app.preferences. */
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "preferences", NULL);
  g_assert_true (wait_for (has_preferences, NULL));
  preferences = find_toplevel (CULVERT_TYPE_PREFERENCES_WINDOW);
  g_assert_true (wait_for (widget_is_mapped, preferences));
  g_assert_true (gtk_window_get_transient_for (preferences) == GTK_WINDOW (f->window));
  g_assert_cmpstr (gtk_window_get_title (preferences), ==, "Preferences");

  row = find_row_titled (GTK_WIDGET (preferences), "_Notifications");
  g_assert_nonnull (row);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (row)));
  notifications = GTK_SWITCH (adw_action_row_get_activatable_widget (row));
  row = find_row_titled (GTK_WIDGET (preferences), "Run in _Background");
  g_assert_nonnull (row);
  background = GTK_SWITCH (adw_action_row_get_activatable_widget (row));

  /* The switches show the settings... */
  g_assert_true (gtk_switch_get_active (notifications));
  g_assert_false (gtk_switch_get_active (background));

  /* ...change them when the user activates their rows... */
  adw_action_row_activate (find_row_titled (GTK_WIDGET (preferences), "_Notifications"));
  iterate_until_idle ();
  g_assert_false (gtk_switch_get_active (notifications));
  g_assert_false (g_settings_get_boolean (settings, "notifications"));
  adw_action_row_activate (row);
  iterate_until_idle ();
  g_assert_true (g_settings_get_boolean (settings, "run-in-background"));

  /* ...and follow changes made elsewhere. */
  g_settings_set_boolean (settings, "notifications", TRUE);
  iterate_until_idle ();
  g_assert_true (gtk_switch_get_active (notifications));

  gtk_window_destroy (preferences);
  g_settings_reset (settings, "notifications");
  g_settings_reset (settings, "run-in-background");
}

static void
test_window_size_remembered (void)
{
  CulvertApplication *app = the_app;
  CulvertWindow *window;
  GSettings *settings;
  int width, height;

  settings = culvert_application_get_settings (app);

  window = culvert_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 777, 555);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (wait_for (widget_is_mapped, window));
  gtk_window_close (GTK_WINDOW (window));
  iterate_until_idle ();

  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 777);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 555);

  /* The next window opens at the remembered size. */
  window = culvert_window_new (app);
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 777);
  g_assert_cmpint (height, ==, 555);
  gtk_window_destroy (GTK_WINDOW (window));
  iterate_until_idle ();
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int ret;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  the_app = culvert_application_new ();
  g_application_register (G_APPLICATION (the_app), NULL, &error);
  g_assert_no_error (error);

  g_test_add ("/window/empty-state", Fixture, NULL,
              fixture_setup, test_window_empty_state, fixture_teardown);
  g_test_add ("/window/new-connection-dialog", Fixture, NULL,
              fixture_setup, test_window_new_connection_dialog, fixture_teardown);
  g_test_add ("/window/primary-menu", Fixture, NULL,
              fixture_setup, test_window_primary_menu, fixture_teardown);
  g_test_add ("/window/accelerators", Fixture, NULL,
              fixture_setup, test_window_accelerators, fixture_teardown);
  g_test_add ("/window/about", Fixture, NULL,
              fixture_setup, test_window_about, fixture_teardown);
  g_test_add_func ("/window/size-remembered", test_window_size_remembered);
  g_test_add ("/window/sidebar", Fixture, NULL,
              fixture_setup, test_window_sidebar, fixture_teardown);
  g_test_add ("/window/delete-undo", Fixture, NULL,
              fixture_setup, test_window_delete_undo, fixture_teardown);
  g_test_add ("/window/duplicate", Fixture, NULL,
              fixture_setup, test_window_duplicate_and_copy, fixture_teardown);
  g_test_add ("/window/preferences", Fixture, NULL,
              fixture_setup, test_window_preferences, fixture_teardown);


  ret = g_test_run ();
  g_clear_object (&the_app);

  return ret;
}

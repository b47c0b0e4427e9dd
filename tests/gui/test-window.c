/* test-window.c — the main window as a user first sees it
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>

#include "culvert-application.h"
#include "culvert-new-connection-dialog.h"
#include "culvert-window.h"

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
  GList *windows;

  while ((windows = gtk_application_get_windows (GTK_APPLICATION (f->app))) != NULL)
    gtk_window_destroy (windows->data);
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

  ret = g_test_run ();
  g_clear_object (&the_app);

  return ret;
}

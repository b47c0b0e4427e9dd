/* test-help.c — F1 and the Help menu launch the help viewer on Culvert's pages
 *
 * A stand-in help viewer (a script registered as this session's handler of
 * help: URIs) records what it is launched with; the test presses F1 the way
 * GTK does (the action bound to the F1 accelerator) and picks Help from the
 * window's menu, and each time waits for the viewer to be started with
 * Culvert's help. check-install.py checks that the pages are installed
 * where that URI leads.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "culvert-application.h"
#include "culvert-test-gui.h"
#include "culvert-window.h"

static CulvertApplication *the_app;
static char *record_path;

static gboolean
widget_is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data));
}

static gboolean
viewer_was_launched (gpointer data)
{
  g_autofree char *contents = NULL;

  /* The script writes a temporary file and renames it: whole or absent. */
  return g_file_get_contents (record_path, &contents, NULL, NULL) &&
         g_strcmp0 (contents, data) == 0;
}

/* Registers a help viewer for this session that records its argument. */
static void
install_help_viewer (void)
{
  g_autoptr(GError) error = NULL;
  const char *tmp = g_getenv ("CULVERT_TEST_TMPDIR");
  g_autofree char *script = NULL;
  g_autofree char *script_text = NULL;
  g_autofree char *apps = g_build_filename (g_get_user_data_dir (), "applications", NULL);
  g_autofree char *desktop = g_build_filename (apps, "culvert-test-help-viewer.desktop", NULL);
  g_autofree char *desktop_text = NULL;
  g_autofree char *mimeapps = g_build_filename (g_get_user_config_dir (), "mimeapps.list", NULL);

  g_assert_nonnull (tmp);
  script = g_build_filename (tmp, "help-viewer", NULL);
  record_path = g_build_filename (tmp, "help-viewer-launched", NULL);
  script_text = g_strdup_printf ("#!/bin/sh\nprintf '%%s' \"$1\" > '%s.new' && mv '%s.new' '%s'\n",
                                 record_path, record_path, record_path);
  g_file_set_contents (script, script_text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (script, 0755), ==, 0);

  g_assert_cmpint (g_mkdir_with_parents (apps, 0700), ==, 0);
  desktop_text = g_strdup_printf ("[Desktop Entry]\nType=Application\nName=Help Viewer\n"
                                  "Exec=%s %%u\nMimeType=x-scheme-handler/help;\n"
                                  "NoDisplay=true\n", script);
  g_file_set_contents (desktop, desktop_text, -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (mimeapps, "[Default Applications]\n"
                       "x-scheme-handler/help=culvert-test-help-viewer.desktop\n", -1, &error);
  g_assert_no_error (error);
}

static gboolean
menu_has_help (GMenuModel *menu)
{
  for (int section = 0; section < g_menu_model_get_n_items (menu); section++)
    {
      g_autoptr(GMenuModel) items = g_menu_model_get_item_link (menu, section,
                                                                G_MENU_LINK_SECTION);

      for (int i = 0; items != NULL && i < g_menu_model_get_n_items (items); i++)
        {
          g_autofree char *label = NULL;

          if (g_menu_model_get_item_attribute (items, i, G_MENU_ATTRIBUTE_LABEL, "s", &label) &&
              g_strcmp0 (label, "_Help") == 0)
            return TRUE;
        }
    }

  return FALSE;
}

/* The menu of a menu button on screen that offers Help. */
static GMenuModel *
find_menu_with_help (GtkWidget *widget)
{
  if (GTK_IS_MENU_BUTTON (widget) && gtk_widget_get_mapped (widget))
    {
      GMenuModel *menu = gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (widget));

      if (menu != NULL && menu_has_help (menu))
        return menu;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GMenuModel *menu = find_menu_with_help (child);

      if (menu != NULL)
        return menu;
    }

  return NULL;
}

static void
test_help_f1_and_menu (void)
{
  const char *expected = "help:" PACKAGE_NAME;
  g_auto(GStrv) actions = NULL;
  g_autofree char *action_name = NULL;
  g_autoptr(GVariant) target = NULL;
  g_autoptr(GError) error = NULL;
  GMenuModel *menu;
  CulvertWindow *window;
  gboolean found = FALSE;

  window = culvert_window_new (the_app);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (culvert_test_wait_for (widget_is_mapped, window));

  /* F1: what the accelerator activates. */
  actions = gtk_application_get_actions_for_accel (GTK_APPLICATION (the_app), "F1");
  g_assert_nonnull (actions);
  g_assert_cmpuint (g_strv_length (actions), ==, 1);
  g_assert_true (g_action_parse_detailed_name (actions[0], &action_name, &target, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (action_name, "app."));
  g_action_group_activate_action (G_ACTION_GROUP (the_app), action_name + 4, target);
  g_assert_true (culvert_test_wait_for (viewer_was_launched, (gpointer) expected));
  g_assert_cmpint (g_unlink (record_path), ==, 0);

  /* The Help item of the window's main menu, whatever its action is called. */
  menu = find_menu_with_help (GTK_WIDGET (window));
  g_assert_nonnull (menu);
  for (int section = 0; section < g_menu_model_get_n_items (menu) && !found; section++)
    {
      GMenuModel *items = g_menu_model_get_item_link (menu, section, G_MENU_LINK_SECTION);

      for (int i = 0; items != NULL && i < g_menu_model_get_n_items (items) && !found; i++)
        {
          g_autofree char *label = NULL;
          g_autofree char *action = NULL;

          if (g_menu_model_get_item_attribute (items, i, G_MENU_ATTRIBUTE_LABEL, "s", &label) &&
              g_strcmp0 (label, "_Help") == 0 &&
              g_menu_model_get_item_attribute (items, i, G_MENU_ATTRIBUTE_ACTION, "s", &action))
            {
              g_assert_true (g_str_has_prefix (action, "app."));
              g_action_group_activate_action (G_ACTION_GROUP (the_app), action + 4, NULL);
              found = TRUE;
            }
        }
      g_clear_object (&items);
    }
  g_assert_true (found);
  g_assert_true (culvert_test_wait_for (viewer_was_launched, (gpointer) expected));

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int ret;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  install_help_viewer ();

  the_app = culvert_application_new ();
  g_application_register (G_APPLICATION (the_app), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/help/f1-and-menu", test_help_f1_and_menu);

  ret = g_test_run ();
  g_clear_object (&the_app);
  g_free (record_path);
  return ret;
}

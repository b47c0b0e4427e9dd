/* test-i18n.c — the window speaks German under LANGUAGE=de
 *
 * The app runs with LANGUAGE=de in a de_DE.UTF-8 locale (made with
 * localedef when the system has none) and the catalogue this build compiled from
 * po/de.po. The test reads the German text it expects from that compiled
 * catalogue (its own reader of the .mo format, not gettext), and looks for
 * it on screen: a mapped label of the window's empty state.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#include "culvert-application.h"
#include "culvert-test-gui.h"
#include "culvert-window.h"

#define MO_MAGIC 0x950412de

static CulvertApplication *the_app;
static char *mo_path;

static guint32
mo_word (GBytes  *bytes,
         gsize    offset,
         gboolean swap)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  guint32 word;

  g_assert_cmpuint (offset + 4, <=, size);
  memcpy (&word, data + offset, 4);
  return swap ? GUINT32_SWAP_LE_BE (word) : word;
}

/* The msgstr a compiled catalogue holds for @msgid, or NULL. */
static char *
mo_lookup (const char *path,
           const char *msgid)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMappedFile) file = g_mapped_file_new (path, FALSE, &error);
  g_autoptr(GBytes) bytes = NULL;
  const char *data;
  gsize size;
  gboolean swap;
  guint32 n, originals, translations;

  g_assert_no_error (error);
  bytes = g_mapped_file_get_bytes (file);
  data = g_bytes_get_data (bytes, &size);
  g_assert_cmpuint (size, >=, 20);

  swap = mo_word (bytes, 0, FALSE) != MO_MAGIC;
  g_assert_cmphex (mo_word (bytes, 0, swap), ==, MO_MAGIC);
  n = mo_word (bytes, 8, swap);
  originals = mo_word (bytes, 12, swap);
  translations = mo_word (bytes, 16, swap);

  for (guint32 i = 0; i < n; i++)
    {
      guint32 length = mo_word (bytes, originals + 8 * i, swap);
      guint32 offset = mo_word (bytes, originals + 8 * i + 4, swap);

      g_assert_cmpuint ((gsize) offset + length, <, size);
      if (length == strlen (msgid) && memcmp (data + offset, msgid, length) == 0)
        {
          length = mo_word (bytes, translations + 8 * i, swap);
          offset = mo_word (bytes, translations + 8 * i + 4, swap);
          g_assert_cmpuint ((gsize) offset + length, <, size);
          return g_strndup (data + offset, length);
        }
    }

  return NULL;
}

static gboolean
widget_is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data));
}

typedef struct
{
  GtkWidget  *root;
  const char *text;
  GType       inside;
  GtkWidget  *found;
} Search;

static GtkWidget *
find_mapped_label (GtkWidget  *widget,
                   const char *text,
                   GType       inside)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
      g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0 &&
      gtk_widget_get_ancestor (widget, inside) != NULL)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_mapped_label (child, text, inside);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
label_is_shown (gpointer data)
{
  Search *search = data;

  search->found = find_mapped_label (search->root, search->text, search->inside);
  return search->found != NULL;
}

static void
test_i18n_empty_state (void)
{
  g_autofree char *title = mo_lookup (mo_path, "No connections yet");
  g_autofree char *button = mo_lookup (mo_path, "_New Connection…");
  g_autofree char *button_text = NULL;
  CulvertWindow *window;
  Search search = { 0 };

  /* The catalogue translates both, into something else than English. */
  g_assert_nonnull (title);
  g_assert_cmpstr (title, !=, "");
  g_assert_cmpstr (title, !=, "No connections yet");
  g_assert_nonnull (button);
  g_assert_cmpstr (button, !=, "_New Connection…");

  window = culvert_window_new (the_app);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (culvert_test_wait_for (widget_is_mapped, window));

  search.root = GTK_WIDGET (window);
  search.text = title;
  search.inside = ADW_TYPE_STATUS_PAGE;
  g_assert_true (culvert_test_wait_for (label_is_shown, &search));

  /* The button's label, as shown: without the mnemonic's underscore. */
  button_text = g_strdup (button);
  {
    char *underscore = strchr (button_text, '_');

    if (underscore != NULL)
      memmove (underscore, underscore + 1, strlen (underscore));
  }
  search.text = button_text;
  search.inside = GTK_TYPE_BUTTON;
  g_assert_true (culvert_test_wait_for (label_is_shown, &search));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

/* Sets LC_ALL=de_DE.UTF-8 and makes it the process's locale: the system's
 * if it has one, else compiled with localedef into a directory of the
 * test's own (LOCPATH), which is returned for removal. */
static char *
use_german_locale (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *errors = NULL;
  char *dir;
  int status = 0;

  g_setenv ("LC_ALL", "de_DE.UTF-8", TRUE);
  if (setlocale (LC_ALL, "") != NULL)
    return NULL;

  dir = g_dir_make_tmp ("culvert-locale-XXXXXX", &error);
  g_assert_no_error (error);
  {
    g_autofree char *target = g_build_filename (dir, "de_DE.UTF-8", NULL);
    const char *argv[] = { "localedef", "-i", "de_DE", "-f", "UTF-8", target, NULL };

    /* localedef exits 1 on mere warnings: the locale loading is the test. */
    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL,
                                 G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                                 NULL, &errors, &status, &error));
    g_assert_no_error (error);
  }
  g_setenv ("LOCPATH", dir, TRUE);
  if (setlocale (LC_ALL, "") == NULL)
    g_error ("no de_DE.UTF-8 locale, and localedef could not make one (the package "
             "locales has its sources): %s", errors);
  return dir;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *localedir = NULL;
  const char *build_dir = g_getenv ("CULVERT_BUILD_DIR");
  g_autofree char *locpath = NULL;
  int ret;

  g_assert_nonnull (build_dir);
  localedir = g_build_filename (build_dir, "po", NULL);
  mo_path = g_build_filename (localedir, "de", "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);

  /* As a user would start it: LANGUAGE=de, in a German UTF-8 locale (in
   * C.UTF-8, glibc 2.41 ignores LANGUAGE as it does in C; Debian 12's 2.36
   * did not). */
  locpath = use_german_locale ();
  g_setenv ("LANGUAGE", "de", TRUE);
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  if (!g_file_test (mo_path, G_FILE_TEST_EXISTS))
    g_error ("%s is missing: po/LINGUAS lists de, so the build compiles it", mo_path);

  the_app = culvert_application_new ();
  g_application_register (G_APPLICATION (the_app), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/i18n/empty-state", test_i18n_empty_state);

  ret = g_test_run ();
  g_clear_object (&the_app);
  g_free (mo_path);
  if (locpath != NULL)
    remove_tree (locpath);
  return ret;
}

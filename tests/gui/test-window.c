/* test-window.c — the main window as a user first sees it
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <signal.h>
#include <poll.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "culvert-application.h"
#include "culvert-connection-editor.h"
#include "culvert-connection-page-private.h"
#include "culvert-connection-row.h"
#include "culvert-forward-dialog-private.h"
#include "culvert-preferences-window.h"
#include "culvert-secrets.h"
#include "culvert-test-gui.h"
#include "culvert-test-net.h"
#include "culvert-test-sshd.h"
#include "culvert-window-private.h"
#include "culvert-wizard.h"
#include "gui-test-util.h"

#define Relay              CulvertTestRelay
#define relay_new          culvert_test_relay_new
#define relay_cut          culvert_test_relay_cut
#define relay_resume       culvert_test_relay_resume
#define relay_free         culvert_test_relay_free

static gboolean
switch_is_on (gpointer data)
{
  return gtk_switch_get_active (GTK_SWITCH (data));
}

static gboolean
switch_is_off (gpointer data)
{
  return !gtk_switch_get_active (GTK_SWITCH (data));
}

static gboolean
button_has_label (GtkWidget     *widget,
                  gconstpointer  label)
{
  return g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
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

  maybe_save_screenshot (GTK_WIDGET (f->window), "empty-window.png");
}

static gboolean
has_dialog (gpointer data)
{
  return find_toplevel (CULVERT_TYPE_WIZARD) != NULL;
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

  dialog = find_toplevel (CULVERT_TYPE_WIZARD);
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
    { "_Import from SSH Config…", "win.import-ssh-config" },
    { "_Reconnect All", "app.reconnect-all" },
    { "_Preferences", "app.preferences" },
    { "_Keyboard Shortcuts", "win.show-help-overlay" },
    { "_Help", "app.help" },
    { "_About Culvert", "app.about" },
    { "_Quit", "app.quit" },
  };
  GMenuModel *menu;
  GMenuModel *section;

  g_assert_nonnull (menu_button);
  menu = gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (menu_button));
  g_assert_nonnull (menu);
  for (int i = 0, k = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);
      g_assert_nonnull (section);
      for (int j = 0; j < g_menu_model_get_n_items (section); j++, k++)
        {
          g_autofree char *label = NULL;
          g_autofree char *action = NULL;

          g_assert_cmpint (k, <, G_N_ELEMENTS (expected));
          g_assert_true (g_menu_model_get_item_attribute (section, j, "label", "s", &label));
          g_assert_true (g_menu_model_get_item_attribute (section, j, "action", "s", &action));
          g_assert_cmpstr (label, ==, expected[k][0]);
          g_assert_cmpstr (action, ==, expected[k][1]);
        }
      g_object_unref (section);
      if (i == g_menu_model_get_n_items (menu) - 1)
        g_assert_cmpint (k, ==, G_N_ELEMENTS (expected));
    }

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
  GtkWidget *about;
  g_autofree char *name = NULL;
  g_autofree char *version = NULL;
  g_autofree char *website = NULL;
  GtkLicense license;

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "about", NULL);
  iterate_until_idle ();
  /* An AdwAboutWindow on libadwaita 1.2, an AdwAboutDialog from 1.5 on. */
  about = find_toplevel (culvert_about_get_type ());

  g_assert_nonnull (about);
  g_object_get (about, "application-name", &name, "version", &version,
                "license-type", &license, "website", &website, NULL);
  g_assert_cmpstr (name, ==, "Culvert");
  g_assert_cmpstr (version, ==, PACKAGE_VERSION);
  g_assert_cmpint (license, ==, GTK_LICENSE_GPL_3_0);
  g_assert_cmpstr (website, ==, PACKAGE_WEBSITE);
  culvert_dialog_destroy (about);
}


/* ---------------------------------------------------------------------- */
/* Helpers for the connections                                             */

static void
collect_labels (GtkWidget *root,
                GString   *out)
{
  if (!gtk_widget_get_visible (root))
    return;
  if (GTK_IS_LABEL (root))
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

static gboolean
proxy_secret_is_gone (gpointer data)
{
  CulvertProfile *profile = data;
  g_autofree char *secret = culvert_secrets_lookup_sync (CULVERT_SECRET_PROXY_PASSWORD,
                                                         culvert_profile_get_id (profile),
                                                         "carol", "proxy.example.org",
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
  /* Its proxy's password is the profile's too. */
  culvert_profile_set_proxy_mode (db, CULVERT_PROXY_CUSTOM);
  culvert_profile_set_proxy_url (db, "http://carol@proxy.example.org:3128");
  g_assert_true (culvert_secrets_store_sync (CULVERT_SECRET_PROXY_PASSWORD,
                                             culvert_profile_get_id (db), "carol",
                                             "proxy.example.org", "test", "proxy-pw",
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
  g_assert_false (proxy_secret_is_gone (db));

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
  g_assert_true (wait_for (proxy_secret_is_gone, db));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_null (culvert_profile_store_find (store, culvert_profile_get_id (db)));
  g_assert_nonnull (mail);

  /* Toasts come and go without upsetting the overlay. */
  for (guint i = 0; i < 5; i++)
    iterate_until_idle ();
}

/* Numbers in names sort by their value. */
static void
test_window_natural_sort (Fixture       *f,
                          gconstpointer  data)
{
  add_profile (f, "tunnel10", "db.example.org");
  add_profile (f, "tunnel2", "db.example.org");
  add_profile (f, "Tunnel1", "db.example.org");
  assert_sidebar (f, "Tunnel1|alice@db.example.org|\n"
                     "tunnel2|alice@db.example.org|\n"
                     "tunnel10|alice@db.example.org|\n");
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
  /* Each copy has a name of its own. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.duplicate", "s",
                              culvert_profile_get_id (mail));
  assert_sidebar (f, "Mail|alice@mail.example.org|\nMail (copy)|alice@mail.example.org|\n"
                     "Mail (copy) (2)|alice@mail.example.org|\n");
}


/* ---------------------------------------------------------------------- */
/* The forwarding table                                                    */

static gboolean
label_is (GtkWidget     *widget,
          gconstpointer  text)
{
  return g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0 &&
         gtk_widget_get_mapped (widget);
}

static gboolean
has_label_on_screen (gpointer data)
{
  gpointer *args = data;
  GtkWidget *found = find_widget (GTK_WIDGET (((Fixture *) args[0])->window), GTK_TYPE_LABEL,
                                  label_is, args[1]);

  return found != NULL;
}

/* The Connected Now list shows one row, of the client at args[1]. */
static gboolean
clients_are_only (gpointer data)
{
  gpointer *args = data;
  GtkListView *list = culvert_connection_page_get_clients_list (
    culvert_window_get_connection_page (((Fixture *) args[0])->window));
  GListModel *model = G_LIST_MODEL (gtk_list_view_get_model (list));
  g_autoptr(CulvertClientConnection) only = NULL;

  if (g_list_model_get_n_items (model) != 1)
    return FALSE;
  only = g_list_model_get_item (model, 0);
  return g_strcmp0 (culvert_client_connection_get_source (only), args[1]) == 0;
}

static gboolean
has_no_label_on_screen (gpointer data)
{
  return !has_label_on_screen (data);
}

static gboolean
page_shows (gpointer data)
{
  gpointer *args = data;

  return culvert_connection_page_get_tunnel (args[0]) == args[1];
}



/* The table as the user reads it: the visible labels of each row. */
static char *
table_text (Fixture *f)
{
  CulvertConnectionPage *page = culvert_window_get_connection_page (f->window);
  GtkWidget *view = GTK_WIDGET (culvert_connection_page_get_forwards_view (page));
  GtkWidget *list = find_widget (view, GTK_TYPE_LIST_VIEW, NULL, NULL);
  GString *out = g_string_new (NULL);

  if (!gtk_widget_get_mapped (view))
    return g_string_free (out, FALSE);
  for (GtkWidget *row = gtk_widget_get_first_child (list);
       row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      if (!gtk_widget_get_mapped (row))
        continue;
      collect_labels (row, out);
      g_string_append_c (out, '\n');
    }

  return g_string_free (out, FALSE);
}

typedef struct
{
  Fixture    *f;
  const char *needle;
} TableWait;

static gboolean
table_contains (gpointer data)
{
  TableWait *wait = data;
  g_autofree char *text = table_text (wait->f);

  return strstr (text, wait->needle) != NULL;
}

static void
assert_table_contains (Fixture    *f,
                       const char *needle)
{
  TableWait wait = { f, needle };

  if (!wait_for (table_contains, &wait))
    {
      g_autofree char *text = table_text (f);

      g_error ("the table shows\n%s\nwithout “%s”", text, needle);
    }
}

static gboolean
widget_is_shown (GtkWidget     *widget,
                 gconstpointer  data)
{
  return gtk_widget_get_mapped (widget);
}

static gboolean
button_label_starts (GtkWidget     *widget,
                     gconstpointer  prefix)
{
  const char *label = gtk_button_get_label (GTK_BUTTON (widget));

  return label != NULL && g_str_has_prefix (label, prefix) && gtk_widget_get_mapped (widget);
}

static gboolean
has_client_rows (gpointer data)
{
  Fixture *f = data;
  GtkListView *clients = culvert_connection_page_get_clients_list (
    culvert_window_get_connection_page (f->window));
  GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (clients));

  return row != NULL && gtk_widget_get_mapped (row) &&
         find_widget (row, GTK_TYPE_BUTTON, NULL, NULL) != NULL;
}

static void
test_window_tunnel_live (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(CulvertTestSshd) sshd = NULL;
  g_autoptr(Echo) echo = NULL;
  g_autofree char *spec = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *source = NULL;
  g_autofree char *clients = NULL;
  struct sockaddr_in addr;
  socklen_t len = sizeof addr;
  CulvertProfile *profile;
  GtkListView *client_list;
  GtkWidget *close_button;
  guint16 port = free_port ();
  char byte;
  int fd;

  sshd = start_sshd_or_skip ();
  if (sshd == NULL)
    return;
  echo = echo_new ();
  spec = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", port, echo->port);
  profile = add_sshd_profile (f, sshd, spec);

  /* Before connecting, the row shows the rule as configured. */
  listen = g_strdup_printf ("127.0.0.1:%u", port);
  assert_table_contains (f, "Not connected");
  assert_status (f, "Disconnected");

  switch_on (f, profile);
  assert_status (f, "Connected");
  {
    g_autofree char *row = g_strdup_printf ("Outgoing|%s|127.0.0.1:%u|Listening|0 / 0|",
                                            listen, echo->port);

    assert_table_contains (f, row);
  }
  /* A forward that listens offers no other port. */
  g_assert_null (find_widget (GTK_WIDGET (culvert_connection_page_get_forwards_view (
                                culvert_window_get_connection_page (f->window))),
                              GTK_TYPE_BUTTON, button_label_starts, "Use Port "));

  /* A client passes bytes: the counters and the traffic follow. */
  fd = connect_loopback (port);
  echo_through (fd, 1000);
  /* g_format_size() puts a no-break space before the unit. */
  assert_table_contains (f, "|1 / 1|↑ 1.0\u00a0kB ↓ 1.0\u00a0kB|");

  /* It is listed under "Connected Now", with its own address and bytes. */
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &addr, &len), ==, 0);
  source = g_strdup_printf ("127.0.0.1:%u", ntohs (addr.sin_port));
  g_assert_true (wait_for (has_client_rows, f));
  client_list = culvert_connection_page_get_clients_list (culvert_window_get_connection_page (f->window));
  {
    GString *out = g_string_new (NULL);

    collect_labels (gtk_widget_get_first_child (GTK_WIDGET (client_list)), out);
    clients = g_string_free (out, FALSE);
  }
  g_assert_true (g_str_has_prefix (clients, source));
  g_assert_nonnull (strstr (clients, "|since "));

  /* What a newcomer sees: a few connections, one running, its log open. */
  add_profile (f, "Mail server", "mail.example.org");
  add_profile (f, "Lab instruments", "gateway.lab.example.org");
  gtk_expander_set_expanded (GTK_EXPANDER (find_widget (GTK_WIDGET (f->window), GTK_TYPE_EXPANDER,
                                                        NULL, NULL)), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1100, 700);
  iterate_until_idle ();
  g_assert_true (culvert_connection_page_get_tunnel (culvert_window_get_connection_page (f->window))
                 == culvert_application_lookup_tunnel (f->app, profile));
  maybe_save_screenshot (GTK_WIDGET (f->window), "main-window.png");
  {
    /* The dark variant, for the metainfo. */
    AdwStyleManager *style = adw_style_manager_get_default ();

    adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
    maybe_save_screenshot (GTK_WIDGET (f->window), "main-window-dark.png");
    adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  }

  /* Many at once: the newest 20 are listed, and the rest counted. */
  {
    int many[24];
    gpointer args[2] = { f, (gpointer) "The newest 20 of 25 connections are listed." };

    for (guint i = 0; i < G_N_ELEMENTS (many); i++)
      many[i] = connect_loopback (port);
    assert_table_contains (f, "|25 / 25|");
    g_assert_true (wait_for (has_label_on_screen, args));
    /* With the log open, the list still shows several clients, not one
     * row squeezed between the table and the log. */
    {
      GtkWidget *scroller = gtk_widget_get_ancestor (GTK_WIDGET (client_list),
                                                     GTK_TYPE_SCROLLED_WINDOW);
      GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (client_list));

      iterate_until_idle ();
      g_test_message ("client list %d px high, a row %d px", gtk_widget_get_height (scroller),
                      gtk_widget_get_height (row));
      g_assert_cmpint (gtk_widget_get_height (row), >, 0);
      g_assert_cmpint (gtk_widget_get_height (scroller), >=, 4 * gtk_widget_get_height (row));
    }
    for (guint i = 0; i < G_N_ELEMENTS (many); i++)
      close (many[i]);
    assert_table_contains (f, "|1 / 25|");
    g_assert_true (wait_for (has_no_label_on_screen, args));
    args[1] = source;
    g_assert_true (wait_for (clients_are_only, args));
  }

  /* Its close button closes that client's socket. */
  close_button = find_widget (GTK_WIDGET (client_list), GTK_TYPE_BUTTON, widget_is_shown, NULL);
  g_assert_nonnull (close_button);
  g_signal_emit_by_name (close_button, "clicked");
  {
    struct timeval timeout = { .tv_sec = 10 };

    ssize_t n;

    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    errno = 0;
    n = read (fd, &byte, 1);
    /* End of stream or a reset: not the 10 s timeout. */
    g_assert_cmpint (n, <=, 0);
    g_assert_true (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK));
  }
  close (fd);
  assert_table_contains (f, "|0 / 25|");
  {
    gpointer args[2] = { f, (gpointer) "Nobody is connected through this forward." };

    g_assert_true (wait_for (has_label_on_screen, args));
  }
}

static void assert_detail_contains (Fixture    *f,
                                    const char *text);

static void
test_window_port_in_use (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(CulvertTestSshd) sshd = NULL;
  g_autoptr(Echo) echo = NULL;
  g_autofree char *spec = NULL;
  g_autofree char *taken_text = NULL;
  CulvertProfile *profile;
  CulvertForward *forward;
  GtkWidget *use_button;
  guint16 taken = 0;
  guint16 suggested;
  int blocker;
  int fd;

  sshd = start_sshd_or_skip ();
  if (sshd == NULL)
    return;
  echo = echo_new ();
  blocker = listen_loopback (&taken);
  spec = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", taken, echo->port);
  profile = add_sshd_profile (f, sshd, spec);

  switch_on (f, profile);
  /* Its only forward does not serve: not a plain, green "Connected", in
   * the banner or in the sidebar. */
  assert_status (f, "Connected, With Problems");
  taken_text = g_strdup_printf ("Port %u on 127.0.0.1 is already in use", taken);
  assert_detail_contains (f, taken_text);
  assert_table_contains (f, taken_text);
  {
    GtkWidget *row = find_widget (GTK_WIDGET (f->window), CULVERT_TYPE_CONNECTION_ROW,
                                  NULL, NULL);
    GtkWidget *icon = find_widget (row, GTK_TYPE_IMAGE, NULL, NULL);

    g_assert_nonnull (row);
    g_assert_cmpstr (gtk_widget_get_tooltip_text (gtk_widget_get_parent (icon)), ==,
                     "Connected, With Problems");
    g_assert_true (gtk_widget_has_css_class (icon, "warning"));
    g_assert_false (gtk_widget_has_css_class (icon, "success"));
  }

  /* One click on the offered port, and the forward works there. */
  use_button = find_widget (GTK_WIDGET (culvert_connection_page_get_forwards_view (
                              culvert_window_get_connection_page (f->window))),
                            GTK_TYPE_BUTTON, button_label_starts, "Use Port ");
  g_assert_nonnull (use_button);
  suggested = (guint16) g_ascii_strtoull (gtk_button_get_label (GTK_BUTTON (use_button))
                                          + strlen ("Use Port "), NULL, 10);
  g_assert_cmpuint (suggested, !=, taken);
  g_assert_cmpuint (suggested, >, 0);
  g_signal_emit_by_name (use_button, "clicked");

  {
    g_autofree char *row = g_strdup_printf ("127.0.0.1:%u|127.0.0.1:%u|Listening|",
                                            suggested, echo->port);

    assert_table_contains (f, row);
  }
  assert_status (f, "Connected");
  forward = g_list_model_get_item (culvert_profile_get_forwards (profile), 0);
  g_assert_cmpuint (culvert_forward_get_bind_port (forward), ==, suggested);
  g_object_unref (forward);

  fd = connect_loopback (suggested);
  echo_through (fd, 100);
  close (fd);
  close (blocker);
}



static gboolean
detail_contains (gpointer data)
{
  gpointer *args = data;
  CulvertConnectionPage *page = culvert_window_get_connection_page (((Fixture *) args[0])->window);

  return strstr (gtk_label_get_label (culvert_connection_page_get_status_detail (page)),
                 args[1]) != NULL;
}

static void
assert_detail_contains (Fixture    *f,
                        const char *text)
{
  gpointer args[2] = { f, (gpointer) text };

  if (!wait_for (detail_contains, args))
    {
      CulvertConnectionPage *page = culvert_window_get_connection_page (f->window);

      g_error ("the status detail says “%s”, without “%s”",
               gtk_label_get_label (culvert_connection_page_get_status_detail (page)), text);
    }
}

static void
test_window_reconnecting (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(CulvertTestSshd) sshd = NULL;
  g_autoptr(Echo) echo = NULL;
  g_autofree char *spec = NULL;
  CulvertProfile *profile;
  Relay *relay;

  sshd = start_sshd_or_skip ();
  if (sshd == NULL)
    return;
  echo = echo_new ();
  relay = relay_new (sshd->port);
  spec = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", free_port (), echo->port);
  profile = add_sshd_profile (f, sshd, spec);
  /* The relay's port, under the sshd's host key. */
  {
    g_autofree char *known = g_build_filename (sshd->dir, "relay_known_hosts", NULL);
    g_autofree char *line = NULL;
    g_autofree char *original = NULL;
    g_auto(GStrv) fields = NULL;

    g_assert_true (g_file_get_contents (sshd->known_hosts_path, &original, NULL, NULL));
    fields = g_strsplit (original, " ", 2);
    line = g_strdup_printf ("[127.0.0.1]:%u %s", relay->port, fields[1]);
    g_assert_true (g_file_set_contents (known, line, -1, NULL));
    culvert_profile_set_known_hosts_file (profile, known);
  }
  culvert_profile_set_port (profile, relay->port);
  culvert_profile_set_reconnect (profile, TRUE);
  culvert_profile_set_keepalive_interval (profile, 1);
  culvert_profile_set_keepalive_count (profile, 2);

  switch_on (f, profile);
  assert_status (f, "Connected");

  /* The path breaks and stays broken: reconnecting, with the attempt and
   * when the next one starts. */
  relay_cut (relay);
  assert_status (f, "Reconnecting…");
  assert_detail_contains (f, "Attempt 2 starts at ");
  {
    GtkWidget *try_now = find_widget (GTK_WIDGET (culvert_window_get_connection_page (f->window)),
                                      GTK_TYPE_BUTTON, button_has_label, "_Try Now");

    g_assert_nonnull (try_now);
    g_assert_true (gtk_widget_get_visible (try_now));
  }

  /* The path is back: connected again, on its own. */
  relay_resume (relay);
  assert_status (f, "Connected");
  relay_free (relay);
}

/* ---------------------------------------------------------------------- */
/* The forward editor                                                      */

static gboolean
has_forward_dialog (gpointer data)
{
  return find_toplevel (CULVERT_TYPE_FORWARD_DIALOG) != NULL;
}

static gboolean
has_no_forward_dialog (gpointer data)
{
  return !has_forward_dialog (data);
}

static gboolean
image_is_warning (GtkWidget     *widget,
                  gconstpointer  data)
{
  return g_strcmp0 (gtk_image_get_icon_name (GTK_IMAGE (widget)), "dialog-warning-symbolic") == 0 &&
         gtk_widget_get_mapped (widget);
}

static CulvertForwardDialog *
open_add_forward (Fixture                   *f,
                  CulvertForwardDialogParts *parts)
{
  CulvertConnectionPage *page = culvert_window_get_connection_page (f->window);
  CulvertForwardDialog *dialog;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "page.add-forward", NULL));
  g_assert_true (wait_for (has_forward_dialog, NULL));
  dialog = CULVERT_FORWARD_DIALOG (find_toplevel (CULVERT_TYPE_FORWARD_DIALOG));
  g_assert_true (wait_for (widget_is_mapped, dialog));
  culvert_forward_dialog_get_parts (dialog, parts);
  return dialog;
}

static void
test_window_forward_dialog (Fixture       *f,
                            gconstpointer  data)
{
  CulvertProfile *profile = add_profile (f, "Mail", "mail.example.org");
  CulvertProfileStore *store = culvert_application_get_profile_store (f->app);
  CulvertForwardDialogParts parts;
  g_autoptr(CulvertProfileStore) reread = NULL;
  CulvertProfile *saved;
  GtkWidget *confirm;
  GtkWidget *warning;

  assert_sidebar (f, "Mail|alice@mail.example.org|\n");
  open_add_forward (f, &parts);

  /* Nothing typed yet: no complaint, but nothing to save either. */
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (parts.listen_error)));
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (parts.save_button)));

  /* A port out of range: the parser's message under the field, no Save. */
  gtk_editable_set_text (GTK_EDITABLE (parts.host_row), "imap.internal");
  gtk_editable_set_text (GTK_EDITABLE (parts.destination_port_row), "143");
  gtk_editable_set_text (GTK_EDITABLE (parts.port_row), "70000");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (parts.listen_error)));
  g_assert_nonnull (strstr (gtk_label_get_label (parts.listen_error), "70000"));
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (parts.save_button)));
  gtk_editable_set_text (GTK_EDITABLE (parts.port_row), "12a");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (parts.listen_error)));
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (parts.save_button)));

  /* A bad destination host complains under the destination. */
  gtk_editable_set_text (GTK_EDITABLE (parts.port_row), "1143");
  gtk_editable_set_text (GTK_EDITABLE (parts.host_row), "imap internal");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (parts.listen_error)));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (parts.destination_error)));
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (parts.save_button)));

  /* Valid: Save works and the table shows the new row. */
  gtk_editable_set_text (GTK_EDITABLE (parts.host_row), "imap.internal");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (parts.destination_error)));
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (parts.save_button)));
  g_signal_emit_by_name (parts.save_button, "clicked");
  g_assert_true (wait_for (has_no_forward_dialog, NULL));
  assert_table_contains (f, "Outgoing|localhost:1143|imap.internal:143|Not connected|");
  g_assert_cmpuint (g_list_model_get_n_items (culvert_profile_get_forwards (profile)), ==, 1);

  /* Off-host: a confirmation that says who can connect, then a marked row. */
  open_add_forward (f, &parts);
  adw_combo_row_set_selected (parts.kind_row, 2);  /* dynamic */
  gtk_editable_set_text (GTK_EDITABLE (parts.port_row), "1080");
  gtk_switch_set_active (parts.other_hosts_switch, TRUE);
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (parts.save_button)));
  g_signal_emit_by_name (parts.save_button, "clicked");
  g_assert_true (wait_for (has_message_dialog, NULL));
  confirm = find_toplevel (culvert_alert_get_type ());
  g_assert_cmpstr (culvert_alert_get_heading (confirm), ==,
                   "Let Other Computers Connect?");
  g_assert_nonnull (strstr (culvert_alert_get_body (confirm),
                            "open proxy"));
  g_assert_cmpuint (g_list_model_get_n_items (culvert_profile_get_forwards (profile)), ==, 1);
  culvert_alert_respond (confirm, "allow");
  g_assert_true (wait_for (has_no_forward_dialog, NULL));
  assert_table_contains (f, "Dynamic (SOCKS)|all interfaces:1080|Any host the client asks for|");
  warning = find_widget (GTK_WIDGET (culvert_connection_page_get_forwards_view (
                           culvert_window_get_connection_page (f->window))),
                         GTK_TYPE_IMAGE, image_is_warning, NULL);
  g_assert_nonnull (warning);
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (warning), "open proxy"));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (warning), "port 1080"));

  /* Both rules reached the file. */
  reread = culvert_profile_store_new (culvert_profile_store_get_directory (store));
  g_assert_true (culvert_profile_store_load (reread, NULL));
  saved = culvert_profile_store_find (reread, culvert_profile_get_id (profile));
  g_assert_nonnull (saved);
  g_assert_cmpuint (g_list_model_get_n_items (culvert_profile_get_forwards (saved)), ==, 2);
}



static void
test_window_forward_rules (Fixture       *f,
                           gconstpointer  data)
{
  CulvertProfile *profile = add_profile (f, "Mail", "mail.example.org");
  CulvertProfileStore *store = culvert_application_get_profile_store (f->app);
  CulvertConnectionPage *page = culvert_window_get_connection_page (f->window);
  GtkColumnView *view = culvert_connection_page_get_forwards_view (page);
  g_autoptr(CulvertForward) imap = culvert_forward_parse (CULVERT_FORWARD_LOCAL,
                                                          "1143:imap.internal:143", NULL);
  g_autoptr(CulvertForward) smtp = culvert_forward_parse (CULVERT_FORWARD_LOCAL,
                                                          "127.0.0.1:1025:smtp.internal:25", NULL);
  g_autoptr(CulvertProfileStore) reread = NULL;
  CulvertForwardDialogParts parts;
  CulvertForwardDialog *dialog;
  GtkWidget *toggle;

  culvert_profile_add_forward (profile, imap);
  culvert_profile_add_forward (profile, smtp);
  assert_sidebar (f, "Mail|alice@mail.example.org|\n");
  assert_table_contains (f, "Outgoing|localhost:1143|imap.internal:143|Not connected|");
  assert_table_contains (f, "Outgoing|127.0.0.1:1025|smtp.internal:25|Not connected|");

  /* Edit the second rule: the editor starts from it, Save changes it. */
  gtk_selection_model_select_item (gtk_column_view_get_model (view), 1, TRUE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "page.edit-forward", NULL));
  g_assert_true (wait_for (has_forward_dialog, NULL));
  dialog = CULVERT_FORWARD_DIALOG (find_toplevel (CULVERT_TYPE_FORWARD_DIALOG));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (dialog)), ==, "Edit Forward");
  culvert_forward_dialog_get_parts (dialog, &parts);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (parts.port_row)), ==, "1025");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (parts.host_row)), ==, "smtp.internal");
  g_assert_false (gtk_switch_get_active (parts.other_hosts_switch));
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (parts.save_button)));
  gtk_editable_set_text (GTK_EDITABLE (parts.port_row), "2525");
  g_signal_emit_by_name (parts.save_button, "clicked");
  g_assert_true (wait_for (has_no_forward_dialog, NULL));
  assert_table_contains (f, "Outgoing|127.0.0.1:2525|smtp.internal:25|Not connected|");
  g_assert_cmpuint (culvert_forward_get_bind_port (smtp), ==, 2525);
  /* Its loopback address stays what it was. */
  g_assert_cmpstr (culvert_forward_get_bind_address (smtp), ==, "127.0.0.1");

  /* Its switch turns it off. */
  toggle = find_widget (GTK_WIDGET (view), GTK_TYPE_SWITCH, NULL, NULL);
  g_assert_nonnull (toggle);
  gtk_switch_set_active (GTK_SWITCH (toggle), FALSE);
  assert_table_contains (f, "Outgoing|localhost:1143|imap.internal:143|Off|");
  g_assert_false (culvert_forward_get_enabled (imap));

  /* Remove the selected (first) rule. */
  gtk_selection_model_select_item (gtk_column_view_get_model (view), 0, TRUE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "page.remove-forward", NULL));
  iterate_until_idle ();
  {
    g_autofree char *text = table_text (f);

    g_assert_null (strstr (text, "imap.internal"));
    g_assert_nonnull (strstr (text, "smtp.internal:25"));
  }

  /* All of it reached the file. */
  reread = culvert_profile_store_new (culvert_profile_store_get_directory (store));
  g_assert_true (culvert_profile_store_load (reread, NULL));
  {
    CulvertProfile *saved = culvert_profile_store_find (reread, culvert_profile_get_id (profile));
    g_autoptr(CulvertForward) only = NULL;

    g_assert_cmpuint (g_list_model_get_n_items (culvert_profile_get_forwards (saved)), ==, 1);
    only = g_list_model_get_item (culvert_profile_get_forwards (saved), 0);
    g_assert_cmpuint (culvert_forward_get_bind_port (only), ==, 2525);
  }
}

/* ---------------------------------------------------------------------- */
/* Rule changes on a running connection                                    */

/* Nothing listens on the port: a connection is refused. A connection reset
 * means the port was closed while it was being made: ask again. */
static gboolean
port_refuses (gpointer data)
{
  int fd = culvert_test_connect_loopback (GPOINTER_TO_UINT (data));

  if (fd >= 0)
    {
      close (fd);
      return FALSE;
    }
  if (errno == ECONNRESET)
    return FALSE;
  g_assert_cmpint (errno, ==, ECONNREFUSED);
  return TRUE;
}

/* Whether bytes sent through the connected socket @fd still come back:
 * FALSE once the forward it went through has closed it. */
static gboolean
still_echoes (int fd)
{
  struct timeval timeout = { .tv_sec = 10 };
  char out[100];
  char in[sizeof out];
  gsize got = 0;

  memset (out, 'y', sizeof out);
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (send (fd, out, sizeof out, MSG_NOSIGNAL) != (gssize) sizeof out)
    return FALSE;
  while (got < sizeof out)
    {
      ssize_t n = recv (fd, in + got, sizeof out - got, 0);

      if (n <= 0)
        return FALSE;
      got += n;
    }
  return memcmp (in, out, sizeof out) == 0;
}

static void
note_state_left (CulvertTunnel *tunnel,
                 GParamSpec    *pspec,
                 gboolean      *left)
{
  if (culvert_tunnel_get_state (tunnel) != CULVERT_TUNNEL_CONNECTED)
    *left = TRUE;
}

static CulvertProfile *
add_sshd_profile_two (Fixture         *f,
                      CulvertTestSshd *sshd,
                      guint16          first,
                      guint16          second,
                      guint16          destination)
{
  g_autofree char *spec = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", first, destination);
  g_autofree char *spec2 = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", second, destination);
  CulvertProfile *profile = add_sshd_profile (f, sshd, spec);
  g_autoptr(CulvertForward) forward = culvert_forward_parse (CULVERT_FORWARD_LOCAL, spec2, NULL);

  g_assert_nonnull (forward);
  culvert_profile_add_forward (profile, forward);
  g_assert_true (culvert_profile_store_save_profile (culvert_application_get_profile_store (f->app),
                                                     profile, NULL));
  return profile;
}

static void
assert_row_listening (Fixture    *f,
                      const char *listen,
                      const char *destination_host,
                      guint16     destination_port)
{
  g_autofree char *row = g_strdup_printf ("%s|%s:%u|Listening|", listen, destination_host,
                                          destination_port);

  assert_table_contains (f, row);
}

static void
test_window_live_add_and_edit (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(CulvertTestSshd) sshd = NULL;
  g_autoptr(Echo) echo = NULL;
  g_autofree char *first_listen = NULL;
  g_autofree char *second_listen = NULL;
  CulvertConnectionPage *page = culvert_window_get_connection_page (f->window);
  GtkColumnView *view = culvert_connection_page_get_forwards_view (page);
  CulvertForwardDialogParts parts;
  CulvertForwardDialog *dialog;
  CulvertProfile *profile;
  CulvertTunnel *tunnel;
  gboolean left = FALSE;
  gulong watch;
  guint16 first = free_port ();
  guint16 second = free_port ();
  guint16 third = free_port ();
  int client;
  int fd;

  sshd = start_sshd_or_skip ();
  if (sshd == NULL)
    return;
  echo = echo_new ();
  profile = add_sshd_profile_two (f, sshd, first, second, echo->port);
  first_listen = g_strdup_printf ("127.0.0.1:%u", first);
  second_listen = g_strdup_printf ("127.0.0.1:%u", second);

  switch_on (f, profile);
  assert_status (f, "Connected");
  assert_row_listening (f, first_listen, "127.0.0.1", echo->port);
  assert_row_listening (f, second_listen, "127.0.0.1", echo->port);
  tunnel = culvert_application_lookup_tunnel (f->app, profile);
  watch = g_signal_connect (tunnel, "notify::state", G_CALLBACK (note_state_left), &left);

  /* Someone uses the first forward. */
  client = connect_loopback (first);
  echo_through (client, 1000);

  /* A third rule, added through the dialog: it serves at once. */
  open_add_forward (f, &parts);
  {
    g_autofree char *port = g_strdup_printf ("%u", third);
    g_autofree char *destination = g_strdup_printf ("%u", echo->port);

    gtk_editable_set_text (GTK_EDITABLE (parts.port_row), port);
    gtk_editable_set_text (GTK_EDITABLE (parts.host_row), "localhost");
    gtk_editable_set_text (GTK_EDITABLE (parts.destination_port_row), destination);
  }
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (parts.save_button)));
  g_signal_emit_by_name (parts.save_button, "clicked");
  g_assert_true (wait_for (has_no_forward_dialog, NULL));
  {
    g_autofree char *row = g_strdup_printf ("|localhost:%u|Listening|", echo->port);

    assert_table_contains (f, row);
  }
  fd = connect_loopback (third);
  echo_through (fd, 1000);
  close (fd);
  g_assert_true (still_echoes (client));

  /* The second rule leads elsewhere now, on the same port: it is served
   * again there, as soon as its old listener has let the port go. */
  gtk_selection_model_select_item (gtk_column_view_get_model (view), 1, TRUE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "page.edit-forward", NULL));
  g_assert_true (wait_for (has_forward_dialog, NULL));
  dialog = CULVERT_FORWARD_DIALOG (find_toplevel (CULVERT_TYPE_FORWARD_DIALOG));
  culvert_forward_dialog_get_parts (dialog, &parts);
  gtk_editable_set_text (GTK_EDITABLE (parts.host_row), "localhost");
  g_signal_emit_by_name (parts.save_button, "clicked");
  g_assert_true (wait_for (has_no_forward_dialog, NULL));
  assert_row_listening (f, second_listen, "localhost", echo->port);
  fd = connect_loopback (second);
  echo_through (fd, 1000);
  close (fd);

  /* The first client never noticed, and the connection stayed up. */
  g_assert_true (still_echoes (client));
  close (client);
  g_assert_false (left);
  g_signal_handler_disconnect (tunnel, watch);
  assert_status (f, "Connected");

  /* Nothing to reconnect for: no toast asks to. */
  g_assert_null (find_widget (GTK_WIDGET (f->window), GTK_TYPE_BUTTON, button_has_label,
                              "_Reconnect"));

  /* All of it reached the file too. */
  {
    g_autoptr(CulvertProfileStore) reread = culvert_profile_store_new (
      culvert_profile_store_get_directory (culvert_application_get_profile_store (f->app)));
    CulvertProfile *saved;
    g_autoptr(CulvertForward) edited = NULL;

    g_assert_true (culvert_profile_store_load (reread, NULL));
    saved = culvert_profile_store_find (reread, culvert_profile_get_id (profile));
    g_assert_cmpuint (g_list_model_get_n_items (culvert_profile_get_forwards (saved)), ==, 3);
    edited = g_list_model_get_item (culvert_profile_get_forwards (saved), 1);
    g_assert_cmpstr (culvert_forward_get_destination_host (edited), ==, "localhost");
  }
}

static void
test_window_live_use_port (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(CulvertTestSshd) sshd = NULL;
  g_autoptr(Echo) echo = NULL;
  g_autofree char *taken_text = NULL;
  g_autofree char *other_listen = NULL;
  g_autofree char *suggested_listen = NULL;
  CulvertProfile *profile;
  CulvertTunnel *tunnel;
  GtkWidget *use_button;
  gboolean left = FALSE;
  gulong watch;
  guint16 taken = 0;
  guint16 other = free_port ();
  guint16 suggested;
  int blocker;
  int client;
  int fd;

  sshd = start_sshd_or_skip ();
  if (sshd == NULL)
    return;
  echo = echo_new ();
  blocker = listen_loopback (&taken);
  profile = add_sshd_profile_two (f, sshd, taken, other, echo->port);
  other_listen = g_strdup_printf ("127.0.0.1:%u", other);

  switch_on (f, profile);
  assert_status (f, "Connected, With Problems");
  taken_text = g_strdup_printf ("Port %u on 127.0.0.1 is already in use", taken);
  assert_table_contains (f, taken_text);
  assert_row_listening (f, other_listen, "127.0.0.1", echo->port);
  tunnel = culvert_application_lookup_tunnel (f->app, profile);
  watch = g_signal_connect (tunnel, "notify::state", G_CALLBACK (note_state_left), &left);

  /* Someone uses the forward that works. */
  client = connect_loopback (other);
  echo_through (client, 1000);

  /* One click: the forward that failed listens on the free port. */
  use_button = find_widget (GTK_WIDGET (culvert_connection_page_get_forwards_view (
                              culvert_window_get_connection_page (f->window))),
                            GTK_TYPE_BUTTON, button_label_starts, "Use Port ");
  g_assert_nonnull (use_button);
  suggested = (guint16) g_ascii_strtoull (gtk_button_get_label (GTK_BUTTON (use_button))
                                          + strlen ("Use Port "), NULL, 10);
  g_assert_cmpuint (suggested, >, 0);
  g_assert_cmpuint (suggested, !=, taken);
  g_signal_emit_by_name (use_button, "clicked");
  suggested_listen = g_strdup_printf ("127.0.0.1:%u", suggested);
  assert_row_listening (f, suggested_listen, "127.0.0.1", echo->port);
  fd = connect_loopback (suggested);
  echo_through (fd, 100);
  close (fd);
  /* Every forward serves: plainly connected again. */
  assert_status (f, "Connected");

  /* The other forward's client stays connected; so does the connection. */
  g_assert_true (still_echoes (client));
  close (client);
  g_assert_false (left);
  g_signal_handler_disconnect (tunnel, watch);
  close (blocker);
}

static void
test_window_live_switch_remove (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(CulvertTestSshd) sshd = NULL;
  g_autoptr(Echo) echo = NULL;
  g_autofree char *first_listen = NULL;
  CulvertConnectionPage *page = culvert_window_get_connection_page (f->window);
  CulvertProfile *profile;
  CulvertTunnel *tunnel;
  GtkWidget *toggle;
  gboolean left = FALSE;
  gulong watch;
  guint16 first = free_port ();
  guint16 second = free_port ();
  int client;
  int fd;

  sshd = start_sshd_or_skip ();
  if (sshd == NULL)
    return;
  echo = echo_new ();
  profile = add_sshd_profile_two (f, sshd, first, second, echo->port);
  first_listen = g_strdup_printf ("127.0.0.1:%u", first);

  switch_on (f, profile);
  assert_status (f, "Connected");
  assert_row_listening (f, first_listen, "127.0.0.1", echo->port);
  tunnel = culvert_application_lookup_tunnel (f->app, profile);
  watch = g_signal_connect (tunnel, "notify::state", G_CALLBACK (note_state_left), &left);
  client = connect_loopback (second);
  echo_through (client, 1000);

  /* Off: its port closes. */
  toggle = find_widget (GTK_WIDGET (culvert_connection_page_get_forwards_view (page)),
                        GTK_TYPE_SWITCH, NULL, NULL);
  g_assert_nonnull (toggle);
  gtk_switch_set_active (GTK_SWITCH (toggle), FALSE);
  g_assert_true (wait_for (port_refuses, GUINT_TO_POINTER (first)));
  {
    g_autofree char *row = g_strdup_printf ("%s|127.0.0.1:%u|Off|", first_listen, echo->port);

    assert_table_contains (f, row);
  }
  g_assert_true (still_echoes (client));
  g_assert_false (left);

  /* On again: it listens and serves. */
  gtk_switch_set_active (GTK_SWITCH (toggle), TRUE);
  assert_row_listening (f, first_listen, "127.0.0.1", echo->port);
  fd = connect_loopback (first);
  echo_through (fd, 1000);
  close (fd);

  g_assert_false (left);

  /* Removed: its port closes too, and it is gone from the table. */
  gtk_selection_model_select_item (gtk_column_view_get_model (
                                     culvert_connection_page_get_forwards_view (page)), 0, TRUE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "page.remove-forward", NULL));
  g_assert_true (wait_for (port_refuses, GUINT_TO_POINTER (first)));
  g_assert_cmpuint (g_list_model_get_n_items (culvert_profile_get_forwards (profile)), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (culvert_tunnel_get_forwards (tunnel)), ==, 1);

  /* Through it all, connected, and the other forward's client too. */
  g_assert_true (still_echoes (client));
  close (client);
  g_assert_false (left);
  g_signal_handler_disconnect (tunnel, watch);
  assert_status (f, "Connected");
}

static gboolean
label_text_is (GtkWidget     *widget,
               gconstpointer  text)
{
  return g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0;
}

/* Whether @label's attributes set bytes @start to @end in a monospace font. */
static gboolean
is_monospace (GtkLabel *label,
              int       start,
              int       end)
{
  PangoAttrList *attrs = gtk_label_get_attributes (label);
  g_autoptr(GSList) list = attrs != NULL ? pango_attr_list_get_attributes (attrs) : NULL;
  gboolean found = FALSE;

  for (GSList *l = list; l != NULL; l = l->next)
    {
      PangoAttribute *attr = l->data;

      if (attr->klass->type == PANGO_ATTR_FAMILY &&
          g_strcmp0 (((PangoAttrString *) attr)->value, "monospace") == 0 &&
          (int) attr->start_index <= start && (int) attr->end_index >= end)
        found = TRUE;
    }
  g_slist_free_full (g_steal_pointer (&list), (GDestroyNotify) pango_attribute_destroy);

  return found;
}

static void
test_window_host_key_question (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(CulvertTestSshd) sshd = NULL;
  g_autoptr(Echo) echo = NULL;
  g_autofree char *spec = NULL;
  g_autofree char *known = NULL;
  CulvertProfile *profile;
  GtkWidget *question;

  sshd = start_sshd_or_skip ();
  if (sshd == NULL)
    return;
  echo = echo_new ();
  spec = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", free_port (), echo->port);
  profile = add_sshd_profile (f, sshd, spec);
  known = g_build_filename (sshd->dir, "gui_known_hosts", NULL);
  culvert_profile_set_known_hosts_file (profile, known);

  /* A server never seen before: the window asks, with the fingerprint. */
  switch_on (f, profile);
  g_assert_true (wait_for (has_message_dialog, NULL));
  question = find_toplevel (culvert_alert_get_type ());
  g_assert_cmpstr (culvert_alert_get_heading (question), ==, "Trust This Server?");
  g_assert_nonnull (strstr (culvert_alert_get_body (question), sshd->host_key_fingerprint));
  g_assert_true (culvert_dialog_get_window (question) == GTK_WIDGET (f->window));
  /* As shown: the fingerprint whole, on one line, in a monospace font. */
  {
    GtkWidget *body = find_widget (question, GTK_TYPE_LABEL, label_text_is,
                                   culvert_alert_get_body (question));
    const char *text;
    const char *at;

    g_assert_nonnull (body);
    g_assert_true (wait_for (widget_is_mapped, body));
    iterate_until_idle ();
    g_assert_true (label_breaks_only_between_words (GTK_LABEL (body), NULL));
    g_assert_true (gtk_label_get_selectable (GTK_LABEL (body)));
    text = gtk_label_get_text (GTK_LABEL (body));
    at = strstr (text, sshd->host_key_fingerprint);
    g_assert_true (is_monospace (GTK_LABEL (body), at - text,
                                 at - text + strlen (sshd->host_key_fingerprint)));
  }

  culvert_alert_respond (question, "accept");
  assert_status (f, "Connected");
  g_assert_true (known_hosts_has (known, sshd->port, "ssh-ed25519"));
}


static void
test_window_connect_by_name (Fixture       *f,
                             gconstpointer  data)
{
  CulvertProfile *other = add_profile (f, "Another", "other.example.org");
  CulvertProfile *profile = add_profile (f, "Nowhere", "127.0.0.1");
  gpointer args[2] = { f, (gpointer) "No saved connection is called “Elsewhere”" };
  CulvertConnectionPage *page = culvert_window_get_connection_page (f->window);

  culvert_profile_set_port (profile, free_port ());
  culvert_profile_set_reconnect (profile, FALSE);
  g_assert_true (wait_for (widget_is_mapped, page));
  g_assert_true (culvert_connection_page_get_tunnel (page) ==
                 culvert_application_get_tunnel (f->app, other));

  /* culvert --connect NAME-OR-ID lands here, in this instance or the running one. */
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "connect",
                                  g_variant_new_string ("Nowhere"));
  g_assert_true (culvert_connection_page_get_tunnel (page) ==
                 culvert_application_get_tunnel (f->app, profile));
  assert_status (f, "Failed");

  /* The real command line, from a second process: it hands the request to
   * this (registered) instance and exits 0. */
  {
    g_autofree char *culvert = g_build_filename (g_getenv ("CULVERT_BUILD_DIR"), "src", "culvert",
                                                 NULL);
    const char *argv[] = { culvert, "--connect", "Another", NULL };
    g_autoptr(GSubprocess) process = NULL;
    g_autoptr(GError) error = NULL;

    process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_NONE, &error);
    g_assert_no_error (error);
    g_assert_true (wait_for (page_shows, (gpointer[]) { page, culvert_application_get_tunnel (f->app, other) }));
    g_assert_true (g_subprocess_wait_check (process, NULL, &error));
    g_assert_no_error (error);
    assert_status (f, "Failed");
  }

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "connect",
                                  g_variant_new_string ("Elsewhere"));
  g_assert_true (wait_for (has_label_on_screen, args));
}


static gboolean
has_editor (gpointer data)
{
  return find_toplevel (CULVERT_TYPE_CONNECTION_EDITOR) != NULL;
}

static gboolean
preferences_row_titled (GtkWidget     *widget,
                        gconstpointer  title)
{
  return g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

static GtkEditable *
editor_entry (GtkWidget  *editor,
              const char *title)
{
  GtkWidget *row = find_widget (GTK_WIDGET (editor), ADW_TYPE_ENTRY_ROW, preferences_row_titled,
                                title);

  g_assert_nonnull (row);
  return GTK_EDITABLE (row);
}

static gboolean
group_says (GtkWidget  *editor,
            const char *text)
{
  for (GtkWidget *group = find_widget (GTK_WIDGET (editor), ADW_TYPE_PREFERENCES_GROUP, NULL, NULL);
       group != NULL;
       group = gtk_widget_get_next_sibling (group))
    {
      const char *description;

      if (!ADW_IS_PREFERENCES_GROUP (group))
        continue;
      description = adw_preferences_group_get_description (ADW_PREFERENCES_GROUP (group));
      if (description != NULL && strstr (description, text) != NULL)
        return TRUE;
    }

  return FALSE;
}

static void
test_window_connection_editor (Fixture       *f,
                               gconstpointer  data)
{
  CulvertProfile *profile = add_profile (f, "Mail", "mail.example.org");
  CulvertProfileStore *store = culvert_application_get_profile_store (f->app);
  g_autofree char *path = g_strdup_printf ("%s/%s.profile", culvert_profile_store_get_directory (store),
                                           culvert_profile_get_id (profile));
  g_autofree char *contents = NULL;
  GtkWidget *editor;
  AdwActionRow *reconnect;

  assert_sidebar (f, "Mail|alice@mail.example.org|\n");

  /* Edit… from the connection's menu. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.edit", "s",
                              culvert_profile_get_id (profile));
  g_assert_true (wait_for (has_editor, NULL));
  editor = find_toplevel (CULVERT_TYPE_CONNECTION_EDITOR);
  g_assert_true (wait_for (widget_is_mapped, editor));
  g_assert_cmpstr (gtk_editable_get_text (editor_entry (editor, "_Host")), ==, "mail.example.org");
  g_assert_cmpstr (gtk_editable_get_text (editor_entry (editor, "_Port")), ==, "22");
  {
    g_autoptr(GString) missing = g_string_new (NULL);

    check_accessible_names (GTK_WIDGET (editor), missing);
    g_assert_cmpstr (missing->str, ==, "");
  }

  /* A valid change is in the profile, the sidebar and the file at once. */
  gtk_editable_set_text (editor_entry (editor, "_Host"), "imap.example.org");
  gtk_editable_set_text (editor_entry (editor, "_User (empty: your own user name)"), "bob");
  assert_sidebar (f, "Mail|bob@imap.example.org|\n");
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "imap.example.org"));
  g_clear_pointer (&contents, g_free);

  /* An invalid one says why and changes nothing. */
  gtk_editable_set_text (editor_entry (editor, "_Port"), "0");
  g_assert_true (group_says (editor, "0"));
  g_assert_cmpuint (culvert_profile_get_port (profile), ==, 22);
  gtk_editable_set_text (editor_entry (editor, "_Port"), "2222");
  g_assert_false (group_says (editor, "0"));
  g_assert_cmpuint (culvert_profile_get_port (profile), ==, 2222);
  assert_sidebar (f, "Mail|bob@imap.example.org:2222|\n");

  gtk_editable_set_text (editor_entry (editor, "_Jump Hosts (user@host:port, comma-separated)"),
                         "gw.example.org, bad host");
  g_assert_true (gtk_widget_has_css_class (
    GTK_WIDGET (editor_entry (editor, "_Jump Hosts (user@host:port, comma-separated)")), "error"));
  g_assert_true (culvert_profile_get_jump_hosts (profile) == NULL ||
                 culvert_profile_get_jump_hosts (profile)[0] == NULL);
  gtk_editable_set_text (editor_entry (editor, "_Jump Hosts (user@host:port, comma-separated)"),
                         "gw.example.org, eve@lab:2022");
  g_assert_cmpstr (culvert_profile_get_jump_hosts (profile)[1], ==, "eve@lab:2022");

  gtk_editable_set_text (editor_entry (editor, "_Keepalive Interval (seconds, 0: off)"), "ten");
  g_assert_true (group_says (editor, "ten"));
  g_assert_cmpuint (culvert_profile_get_keepalive_interval (profile), ==, 30);
  gtk_editable_set_text (editor_entry (editor, "_Keepalive Interval (seconds, 0: off)"), "15");
  g_assert_cmpuint (culvert_profile_get_keepalive_interval (profile), ==, 15);

  reconnect = ADW_ACTION_ROW (find_widget (GTK_WIDGET (editor), ADW_TYPE_ACTION_ROW,
                                           preferences_row_titled,
                                           "_Reconnect When the Connection Drops"));
  g_assert_nonnull (reconnect);
  g_assert_true (culvert_profile_get_reconnect (profile));
  adw_action_row_activate (reconnect);
  /* The switch moves, then changes. */
  g_assert_true (wait_for (switch_is_off, adw_action_row_get_activatable_widget (reconnect)));
  g_assert_false (culvert_profile_get_reconnect (profile));

  /* What the editor saved reads back. */
  {
    g_autoptr(CulvertProfileStore) reread = culvert_profile_store_new (
      culvert_profile_store_get_directory (store));
    CulvertProfile *saved;

    g_assert_true (culvert_profile_store_load (reread, NULL));
    saved = culvert_profile_store_find (reread, culvert_profile_get_id (profile));
    g_assert_cmpstr (culvert_profile_get_host (saved), ==, "imap.example.org");
    g_assert_cmpstr (culvert_profile_get_user (saved), ==, "bob");
    g_assert_cmpuint (culvert_profile_get_port (saved), ==, 2222);
    g_assert_cmpuint (culvert_profile_get_keepalive_interval (saved), ==, 15);
    g_assert_false (culvert_profile_get_reconnect (saved));
    g_assert_cmpuint (g_strv_length ((char **) culvert_profile_get_jump_hosts (saved)), ==, 2);
  }

  culvert_dialog_destroy (editor);
}

static gint64
modified_ns (const char *path)
{
  struct stat st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return (gint64) st.st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) + st.st_mtim.tv_nsec;
}

/* Opening the editor on a running connection changes nothing: the file is
 * not written again and no toast offers to reconnect; the first real
 * change does both. */
static void
test_window_connection_editor_quiet (Fixture       *f,
                                     gconstpointer  data)
{
  g_autoptr(CulvertTestSshd) sshd = NULL;
  g_autofree char *spec = NULL;
  g_autofree char *path = NULL;
  CulvertProfileStore *store = culvert_application_get_profile_store (f->app);
  CulvertProfile *profile;
  GtkWidget *editor;
  gint64 before;

  sshd = start_sshd_or_skip ();
  if (sshd == NULL)
    return;
  spec = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:9", free_port ());
  profile = add_sshd_profile (f, sshd, spec);
  path = g_strdup_printf ("%s/%s.profile", culvert_profile_store_get_directory (store),
                          culvert_profile_get_id (profile));
  switch_on (f, profile);
  assert_status (f, "Connected");
  /* A file written now would have another time stamp. */
  g_usleep (20 * G_TIME_SPAN_MILLISECOND);
  before = modified_ns (path);

  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.edit", "s",
                              culvert_profile_get_id (profile));
  g_assert_true (wait_for (has_editor, NULL));
  editor = find_toplevel (CULVERT_TYPE_CONNECTION_EDITOR);
  g_assert_true (wait_for (widget_is_mapped, editor));
  iterate_until_idle ();
  g_assert_null (find_widget (editor, GTK_TYPE_BUTTON, button_has_label, "_Reconnect Now"));
  g_assert_cmpint (modified_ns (path), ==, before);

  gtk_editable_set_text (editor_entry (editor, "_Keepalive Interval (seconds, 0: off)"), "15");
  iterate_until_idle ();
  g_assert_nonnull (find_widget (editor, GTK_TYPE_BUTTON, button_has_label, "_Reconnect Now"));
  g_assert_cmpint (modified_ns (path), !=, before);

  culvert_dialog_destroy (editor);
}

/* Ctrl+Q (app.quit) with a connection up asks first; Cancel keeps the
 * tunnel serving and the window open. (Quit itself would end this test
 * program: the background tests quit the real binary.) */
static void
test_window_quit_asks (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(CulvertTestSshd) sshd = NULL;
  g_autoptr(Echo) echo = NULL;
  g_autofree char *spec = NULL;
  CulvertProfile *profile;
  CulvertTunnel *tunnel;
  GtkWidget *alert;
  guint16 port = free_port ();

  sshd = start_sshd_or_skip ();
  if (sshd == NULL)
    return;
  echo = echo_new ();
  spec = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", port, echo->port);
  profile = add_sshd_profile (f, sshd, spec);
  switch_on (f, profile);
  assert_status (f, "Connected");
  tunnel = culvert_application_lookup_tunnel (f->app, profile);

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "quit", NULL);
  g_assert_true (wait_for (has_dialog_titled, (gpointer) "Stop 1 connection and quit?"));
  alert = find_dialog ("Stop 1 connection and quit?");
  g_assert_cmpstr (culvert_alert_get_response_label (alert, "quit"), ==, "_Quit");
  g_assert_cmpint (culvert_alert_get_response_appearance (alert, "quit"), ==,
                   ADW_RESPONSE_DESTRUCTIVE);
  g_assert_cmpstr (culvert_alert_get_default_response (alert), ==, "cancel");
  g_assert_true (culvert_tunnel_is_running (tunnel));

  click (alert, "_Cancel");
  g_assert_true (wait_for (has_no_dialog_titled, (gpointer) "Stop 1 connection and quit?"));
  iterate_until_idle ();
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (f->window)));
  g_assert_cmpint (culvert_tunnel_get_state (tunnel), ==, CULVERT_TUNNEL_CONNECTED);
  assert_echoes (port);
}


#define PROXY_PASSWORD "proxy-pw-Culvert-5d1f"

static gboolean
proxy_password_in_keyring (gpointer data)
{
  g_autofree char *secret = culvert_secrets_lookup_sync (CULVERT_SECRET_PROXY_PASSWORD,
                                                         culvert_profile_get_id (data), "carol",
                                                         "proxy.example.org", NULL, NULL);

  return g_strcmp0 (secret, PROXY_PASSWORD) == 0;
}

/* Appends to @found every file under @dir that holds @needle. */
static void
find_in_files (const char *dir,
               const char *needle,
               GString    *found)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;

      if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        find_in_files (path, needle, found);
      else if (g_file_get_contents (path, &contents, &length, NULL) &&
               g_strstr_len (contents, length, needle) != NULL)
        g_string_append_printf (found, "%s\n", path);
    }
}

/* The proxy password typed in the editor lands in the real keyring under
 * the proxy's user and host, and in no file of the home directory (the
 * profile file included); a URL with a password in it is refused. */
static void
test_window_proxy_password (Fixture       *f,
                            gconstpointer  data)
{
  CulvertProfile *profile = add_profile (f, "Web", "web.example.org");
  CulvertProfileStore *store = culvert_application_get_profile_store (f->app);
  g_autoptr(GString) found = g_string_new (NULL);
  GtkEditable *url;
  GtkEditable *password;
  GtkWidget *editor;
  AdwComboRow *proxy;

  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.edit", "s",
                              culvert_profile_get_id (profile));
  g_assert_true (wait_for (has_editor, NULL));
  editor = find_toplevel (CULVERT_TYPE_CONNECTION_EDITOR);
  g_assert_true (wait_for (widget_is_mapped, editor));

  proxy = ADW_COMBO_ROW (find_widget (GTK_WIDGET (editor), ADW_TYPE_COMBO_ROW,
                                      preferences_row_titled, "P_roxy"));
  g_assert_nonnull (proxy);
  adw_combo_row_set_selected (proxy, CULVERT_PROXY_CUSTOM);
  url = editor_entry (editor, "Proxy _URL");
  password = editor_entry (editor, "Proxy Pass_word");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (password)));
  {
    g_autoptr(GString) missing = g_string_new (NULL);

    check_accessible_names (GTK_WIDGET (editor), missing);
    g_assert_cmpstr (missing->str, ==, "");
  }

  /* Not in the URL: that goes into the file. */
  gtk_editable_set_text (url, "http://carol:" PROXY_PASSWORD "@proxy.example.org:3128");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (url), "error"));
  g_assert_null (culvert_profile_get_proxy_url (profile));

  gtk_editable_set_text (url, "http://carol@proxy.example.org:3128");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (url), "error"));
  g_assert_cmpstr (culvert_profile_get_proxy_url (profile), ==,
                   "http://carol@proxy.example.org:3128");
  gtk_editable_set_text (password, PROXY_PASSWORD);
  g_signal_emit_by_name (password, "apply");
  g_assert_true (wait_for (proxy_password_in_keyring, profile));
  g_assert_cmpstr (gtk_editable_get_text (password), ==, "");

  /* Nowhere on disk in the clear: not the profile, not any other file. */
  iterate_until_idle ();
  find_in_files (g_get_home_dir (), PROXY_PASSWORD, found);
  find_in_files (culvert_profile_store_get_directory (store), PROXY_PASSWORD, found);
  g_assert_cmpstr (found->str, ==, "");

  culvert_dialog_destroy (editor);
}

static void
test_window_store_problem (Fixture       *f,
                           gconstpointer  data)
{
  CulvertProfileStore *store = culvert_application_get_profile_store (f->app);
  g_autofree char *bad = g_build_filename (culvert_profile_store_get_directory (store),
                                           "broken.profile", NULL);
  const char *text;
  GtkWidget *label;

  add_profile (f, "Mail", "mail.example.org");
  g_assert_null (culvert_window_get_problem_text (f->window));

  /* A file that does not parse: the banner says which and where it went. */
  g_assert_true (g_file_set_contents (bad, "[Connection\nHost=\n", -1, NULL));
  g_assert_true (culvert_profile_store_load (store, NULL));
  assert_sidebar (f, "Mail|alice@mail.example.org|\n");
  text = culvert_window_get_problem_text (f->window);
  g_assert_nonnull (text);
  g_assert_nonnull (strstr (text, "“broken.profile”"));
  g_assert_nonnull (strstr (text, "broken.profile.damaged-"));
  g_assert_nonnull (strstr (text, culvert_profile_store_get_directory (store)));
  {
    gpointer args[2] = { f, (gpointer) text };

    g_assert_true (wait_for (has_label_on_screen, args));
  }
  label = find_widget (GTK_WIDGET (f->window), GTK_TYPE_LABEL, label_is, text);
  g_assert_nonnull (label);

  /* Dismissed, it goes. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.dismiss-problems", NULL));
  g_assert_null (culvert_window_get_problem_text (f->window));

  /* A file that reads, with a forward that cannot be what it says (-L
   * without a destination): the connection loads, the banner names the
   * forward and what is wrong with it. */
  {
    g_autofree char *damaged = g_build_filename (culvert_profile_store_get_directory (store),
                                                 "0d4a3c55-1b7e-4a51-9d38-6a0c9e1f2b77.profile",
                                                 NULL);

    g_assert_true (g_file_set_contents (damaged,
                                        "[Profile]\nId=0d4a3c55-1b7e-4a51-9d38-6a0c9e1f2b77\n"
                                        "Name=Hand edited\nHost=db.example.org\nUser=bob\n"
                                        "[Forward 0]\nKind=local\nBindPort=18555\n", -1, NULL));
    g_assert_true (culvert_profile_store_load (store, NULL));
    text = culvert_window_get_problem_text (f->window);
    g_assert_nonnull (text);
    g_assert_nonnull (strstr (text, "“Hand edited”"));
    g_assert_nonnull (strstr (text, "The destination host is missing"));
    g_assert_nonnull (strstr (text, "will not run"));

    /* Shown (first in the sidebar), its row says so. */
    assert_sidebar (f, "Hand edited|bob@db.example.org|\nMail|alice@mail.example.org|\n");
    gtk_list_box_select_row (culvert_window_get_sidebar_list (f->window),
                             gtk_list_box_get_row_at_index (culvert_window_get_sidebar_list (f->window),
                                                            0));
    assert_table_contains (f, "Damaged: The destination host is missing");
    g_unlink (damaged);
  }
}


static void
test_window_connect_at_startup (Fixture       *f,
                                gconstpointer  data)
{
  CulvertProfile *marked = add_profile (f, "Marked", "127.0.0.1");
  CulvertProfile *plain = add_profile (f, "Plain", "127.0.0.1");

  culvert_profile_set_port (marked, free_port ());
  culvert_profile_set_reconnect (marked, FALSE);
  culvert_profile_set_connect_at_startup (marked, TRUE);
  culvert_profile_set_port (plain, free_port ());

  /* What startup does after loading the store: only the marked one tries. */
  culvert_application_connect_at_startup (f->app);
  g_assert_true (culvert_tunnel_is_running (culvert_application_get_tunnel (f->app, marked)) ||
                 culvert_tunnel_get_state (culvert_application_get_tunnel (f->app, marked)) ==
                 CULVERT_TUNNEL_FAILED);
  g_assert_cmpint (culvert_tunnel_get_state (culvert_application_get_tunnel (f->app, plain)), ==,
                   CULVERT_TUNNEL_DISCONNECTED);
  g_assert_false (culvert_tunnel_is_running (culvert_application_get_tunnel (f->app, plain)));
}


static void
test_window_import (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *dir = g_build_filename (g_get_home_dir (), ".ssh", NULL);
  g_autofree char *path = g_build_filename (dir, "config", NULL);
  GtkWidget *report;
  const char *body;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path,
                                      "Host db\n"
                                      "  HostName db.example.org\n"
                                      "  User alice\n"
                                      "  LocalForward 5432 localhost:5432\n"
                                      "  Compression yes\n"
                                      "Host *.lab\n"
                                      "  User bob\n", -1, NULL));

  /* What the file chooser hands on. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.import-file", "s", path);
  assert_sidebar (f, "db|alice@db.example.org|\n");
  g_assert_true (wait_for (has_message_dialog, NULL));
  report = find_toplevel (culvert_alert_get_type ());
  g_assert_cmpstr (culvert_alert_get_heading (report), ==, "Import Finished");
  body = culvert_alert_get_body (report);
  g_assert_true (g_str_has_prefix (body, "From “config”:\n\n"));
  g_assert_nonnull (strstr (body, "Created:"));
  g_assert_nonnull (strstr (body, "db"));
  g_assert_nonnull (strstr (body, "Compression"));
  g_assert_nonnull (strstr (body, "*.lab"));
  click (report, "_Close");
  g_assert_true (wait_for (has_no_dialog_titled, (gpointer) "Import Finished"));
  assert_table_contains (f, "localhost:5432|localhost:5432|");

  /* Again (read in a thread): nothing new, and it says so. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.import-file", "s", path);
  g_assert_true (wait_for (has_message_dialog, NULL));
  report = find_toplevel (culvert_alert_get_type ());
  g_assert_nonnull (strstr (culvert_alert_get_body (report),
                            "Already up to date:"));
  culvert_alert_respond (report, "close");
  assert_sidebar (f, "db|alice@db.example.org|\n");
}

/* ---------------------------------------------------------------------- */
/* Folding, the context menu, failures, accessibility                      */

/* Whether @widget's own or its class's shortcuts map @trigger to @action. */
static gboolean
has_shortcut (GtkWidget  *widget,
              const char *trigger,
              const char *action)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          g_autofree char *text = gtk_shortcut_trigger_to_string (gtk_shortcut_get_trigger (shortcut));
          GtkShortcutAction *named = gtk_shortcut_get_action (shortcut);

          if (g_strcmp0 (text, trigger) == 0 && GTK_IS_NAMED_ACTION (named) &&
              g_strcmp0 (gtk_named_action_get_action_name (GTK_NAMED_ACTION (named)), action) == 0)
            return TRUE;
        }
    }

  return FALSE;
}

static gboolean
widget_is_unmapped (gpointer data)
{
  return !gtk_widget_get_mapped (GTK_WIDGET (data));
}

static gboolean
split_collapsed (gpointer data)
{
  return culvert_split_get_collapsed (data);
}

static void
test_window_folds (Fixture       *f,
                   gconstpointer  data)
{
  GtkWidget *split = culvert_window_get_split (f->window);
  CulvertProfile *profile = add_profile (f, "Mail", "mail.example.org");
  GtkWidget *row;

  assert_sidebar (f, "Mail|alice@mail.example.org|\n");
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1000, 600);
  iterate_until_idle ();
  g_assert_false (culvert_split_get_collapsed (split));

  /* Narrow: one pane at a time, and Back leads to the list. */
  gtk_window_set_default_size (GTK_WINDOW (f->window), 400, 600);
  g_assert_true (wait_for (split_collapsed, split));
  row = find_row_of (f, profile);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.back", NULL));
  g_assert_true (wait_for (widget_is_mapped, row));
  g_assert_true (wait_for (widget_is_unmapped, culvert_window_get_connection_page (f->window)));

  /* Activating a connection shows it; Back returns to the list. */
  g_signal_emit_by_name (culvert_window_get_sidebar_list (f->window), "row-activated", row);
  g_assert_true (wait_for (widget_is_mapped, culvert_window_get_connection_page (f->window)));
  g_assert_true (wait_for (widget_is_unmapped, row));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.back", NULL));
  g_assert_true (wait_for (widget_is_mapped, row));
}

static gboolean
menu_has_action (GMenuModel *menu,
                 const char *wanted)
{
  for (int i = 0; menu != NULL && i < g_menu_model_get_n_items (menu); i++)
    {
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);

      for (int j = 0; section != NULL && j < g_menu_model_get_n_items (section); j++)
        {
          g_autofree char *action = NULL;

          if (g_menu_model_get_item_attribute (section, j, "action", "s", &action) &&
              g_strcmp0 (action, wanted) == 0)
            return TRUE;
        }
    }
  return FALSE;
}

static gboolean
menu_button_has_action (GtkWidget     *widget,
                        gconstpointer  action)
{
  return menu_has_action (gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (widget)), action);
}

static void
test_window_context_menu (Fixture       *f,
                          gconstpointer  data)
{
  CulvertProfile *profile = add_profile (f, "Mail", "mail.example.org");
  const char *expected[][2] = {
    { "_Connect", "win.connect" },
    { "_Edit…", "win.edit" },
    { "D_uplicate", "win.duplicate" },
    { "Copy as _ssh Command", "win.copy-command" },
    { "Copy as ssh__config Block", "win.copy-ssh-config" },
    { "_Delete", "win.delete" },
  };
  g_autofree char *command = NULL;
  g_autofree char *copied = NULL;
  GtkWidget *row;
  GtkWidget *popover;
  GMenuModel *menu;
  guint k = 0;

  assert_sidebar (f, "Mail|alice@mail.example.org|\n");
  row = find_row_of (f, profile);

  /* Shift+F10 or Menu on the row: the menu pops up. */
  g_assert_true (has_shortcut (row, "<Shift>F10", "row.menu"));
  g_assert_true (has_shortcut (row, "Menu", "row.menu"));
  g_assert_true (has_shortcut (GTK_WIDGET (f->window), "<Control>f", "win.find"));
  g_assert_true (has_shortcut (GTK_WIDGET (culvert_window_get_sidebar_list (f->window)), "Delete",
                               "win.delete-selected"));
  g_assert_true (has_shortcut (GTK_WIDGET (culvert_connection_page_get_forwards_view (
                                 culvert_window_get_connection_page (f->window))),
                               "Delete", "page.remove-forward"));
  g_assert_true (gtk_widget_activate_action (row, "row.menu", NULL));
  iterate_until_idle ();
  popover = find_widget (row, GTK_TYPE_POPOVER_MENU, NULL, NULL);
  g_assert_nonnull (popover);
  g_assert_true (gtk_widget_get_visible (popover));
  menu = gtk_popover_menu_get_menu_model (GTK_POPOVER_MENU (popover));

  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);

      for (int j = 0; j < g_menu_model_get_n_items (section); j++, k++)
        {
          g_autofree char *label = NULL;
          g_autofree char *action = NULL;
          g_autoptr(GVariant) target = NULL;

          g_assert_cmpuint (k, <, G_N_ELEMENTS (expected));
          g_assert_true (g_menu_model_get_item_attribute (section, j, "label", "s", &label));
          g_assert_true (g_menu_model_get_item_attribute (section, j, "action", "s", &action));
          target = g_menu_model_get_item_attribute_value (section, j, "target",
                                                          G_VARIANT_TYPE_STRING);
          g_assert_cmpstr (label, ==, expected[k][0]);
          g_assert_cmpstr (action, ==, expected[k][1]);
          g_assert_cmpstr (g_variant_get_string (target, NULL), ==, culvert_profile_get_id (profile));
        }
    }
  g_assert_cmpuint (k, ==, G_N_ELEMENTS (expected));
  gtk_popover_popdown (GTK_POPOVER (popover));

  /* Connecting (to a server that never answers): the menu, here and in the
   * header bar, offers Disconnect instead of Connect. */
  {
    guint16 port = 0;
    int fd = listen_loopback (&port);
    GtkWidget *header_menu;

    culvert_profile_set_host (profile, "127.0.0.1");
    culvert_profile_set_port (profile, port);
    switch_on (f, profile);
    assert_status (f, "Connecting…");
    g_assert_true (gtk_widget_activate_action (row, "row.menu", NULL));
    iterate_until_idle ();
    menu = gtk_popover_menu_get_menu_model (GTK_POPOVER_MENU (popover));
    g_assert_true (menu_has_action (menu, "win.disconnect"));
    g_assert_false (menu_has_action (menu, "win.connect"));
    gtk_popover_popdown (GTK_POPOVER (popover));

    header_menu = find_widget (GTK_WIDGET (f->window), GTK_TYPE_MENU_BUTTON, menu_button_has_action,
                               "win.edit");
    g_assert_nonnull (header_menu);
    gtk_menu_button_popup (GTK_MENU_BUTTON (header_menu));
    iterate_until_idle ();
    menu = gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (header_menu));
    g_assert_true (menu_has_action (menu, "win.disconnect"));
    g_assert_false (menu_has_action (menu, "win.connect"));
    gtk_menu_button_popdown (GTK_MENU_BUTTON (header_menu));

    gtk_widget_activate_action (row, "win.disconnect", "s", culvert_profile_get_id (profile));
    assert_status (f, "Disconnected");
    close (fd);
  }

  /* Copy as ssh Command puts the command on the clipboard. */
  command = culvert_profile_to_command_line (profile);
  gtk_widget_activate_action (row, "win.copy-command", "s", culvert_profile_get_id (profile));
  copied = read_clipboard (GTK_WIDGET (f->window));
  g_assert_cmpstr (copied, ==, command);

  /* So does Copy as ssh_config Block, with the block. */
  g_clear_pointer (&command, g_free);
  g_clear_pointer (&copied, g_free);
  command = culvert_profile_to_ssh_config (profile);
  gtk_widget_activate_action (row, "win.copy-ssh-config", "s", culvert_profile_get_id (profile));
  copied = read_clipboard (GTK_WIDGET (f->window));
  g_assert_cmpstr (copied, ==, command);
}

static gboolean
log_has_rows (gpointer data)
{
  gpointer *args = data;
  GtkListBox *log = culvert_connection_page_get_log_list (
    culvert_window_get_connection_page (((Fixture *) args[0])->window));

  return gtk_list_box_get_row_at_index (log, GPOINTER_TO_INT (args[1]) - 1) != NULL;
}

/* The buttons labelled @label that are on screen. */
static guint
count_shown_buttons (GtkWidget  *root,
                     const char *label)
{
  guint n = 0;

  if (GTK_IS_BUTTON (root) && gtk_widget_is_visible (root) &&
      g_strcmp0 (gtk_button_get_label (GTK_BUTTON (root)), label) == 0)
    n++;
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_shown_buttons (child, label);
  return n;
}

static void
test_window_connect_failure (Fixture       *f,
                             gconstpointer  data)
{
  CulvertProfile *profile = add_profile (f, "Nowhere", "127.0.0.1");
  CulvertConnectionPage *page;
  g_autofree char *copied = NULL;
  gpointer args[2] = { f, NULL };
  GtkWidget *retry;
  GtkWidget *row;
  guint n_log;

  /* Nothing listens there. */
  culvert_profile_set_port (profile, free_port ());
  culvert_profile_set_reconnect (profile, FALSE);
  {
    g_autofree char *expected = g_strdup_printf ("Nowhere|alice@127.0.0.1:%u|\n",
                                                 culvert_profile_get_port (profile));

    assert_sidebar (f, expected);
  }

  /* Disconnected: nothing to retry. */
  page = culvert_window_get_connection_page (f->window);
  assert_status (f, "Disconnected");
  g_assert_cmpuint (count_shown_buttons (GTK_WIDGET (page), "_Retry"), ==, 0);
  g_assert_cmpuint (count_shown_buttons (GTK_WIDGET (page), "_Connect"), ==, 1);

  switch_on (f, profile);
  assert_status (f, "Failed");
  g_assert_nonnull (strstr (gtk_label_get_label (culvert_connection_page_get_status_detail (page)),
                            "127.0.0.1"));
  /* One button to try again, not Retry and Connect side by side. */
  g_assert_cmpuint (count_shown_buttons (GTK_WIDGET (page), "_Retry"), ==, 1);
  g_assert_cmpuint (count_shown_buttons (GTK_WIDGET (page), "_Connect"), ==, 0);
  g_assert_cmpuint (count_shown_buttons (GTK_WIDGET (page), "_Try Now"), ==, 0);
  retry = find_widget (GTK_WIDGET (page), GTK_TYPE_BUTTON, button_has_label, "_Retry");
  g_assert_nonnull (retry);

  /* The sidebar says so too, and the switch is off again. */
  row = find_row_of (f, profile);
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (find_widget (row, GTK_TYPE_SWITCH, NULL, NULL))));
  g_assert_nonnull (find_widget (row, GTK_TYPE_IMAGE, NULL, NULL));

  /* Retry tries again: more log lines, failed again. */
  n_log = 0;
  while (gtk_list_box_get_row_at_index (culvert_connection_page_get_log_list (page), n_log) != NULL)
    n_log++;
  g_assert_cmpuint (n_log, >, 0);
  g_signal_emit_by_name (retry, "clicked");
  args[1] = GINT_TO_POINTER (n_log + 1);
  g_assert_true (wait_for (log_has_rows, args));
  assert_status (f, "Failed");

  /* Copy puts the log on the clipboard. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "page.copy-log", NULL));
  copied = read_clipboard (GTK_WIDGET (f->window));
  g_assert_nonnull (strstr (copied, "Connecting to 127.0.0.1"));
  g_assert_true (g_str_has_suffix (copied, "\n"));
}

static gboolean
shown_label_starts (GtkWidget     *widget,
                    gconstpointer  prefix)
{
  return gtk_widget_is_visible (widget) &&
         g_str_has_prefix (gtk_label_get_label (GTK_LABEL (widget)), prefix);
}

/* "Connected Now to …" is never said of a connection that is not up. */
static void
test_window_clients_when_off (Fixture       *f,
                              gconstpointer  data)
{
  CulvertProfile *profile = add_profile (f, "Wiki", "wiki.example.org");
  g_autoptr(CulvertForward) forward = culvert_forward_parse (CULVERT_FORWARD_LOCAL,
                                                             "8080:wiki.internal:80", NULL);

  culvert_profile_add_forward (profile, forward);
  assert_sidebar (f, "Wiki|alice@wiki.example.org|\n");
  assert_table_contains (f, "wiki.internal:80");
  iterate_until_idle ();
  assert_status (f, "Disconnected");
  g_assert_null (find_widget (GTK_WIDGET (f->window), GTK_TYPE_LABEL, shown_label_starts,
                              "Connected Now"));
}

static void
test_window_accessible_names (Fixture       *f,
                              gconstpointer  data)
{
  CulvertProfile *profile = add_profile (f, "Mail", "mail.example.org");
  g_autoptr(CulvertForward) forward = culvert_forward_parse (CULVERT_FORWARD_LOCAL,
                                                             "*:1143:imap.internal:143", NULL);
  g_autoptr(GString) missing = g_string_new (NULL);
  CulvertForwardDialogParts parts;

  culvert_profile_add_forward (profile, forward);
  assert_sidebar (f, "Mail|alice@mail.example.org|\n");
  assert_table_contains (f, "imap.internal:143");
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.find", NULL);
  iterate_until_idle ();

  check_accessible_names (GTK_WIDGET (f->window), missing);
  g_assert_cmpstr (missing->str, ==, "");

  open_add_forward (f, &parts);
  check_accessible_names (GTK_WIDGET (find_toplevel (CULVERT_TYPE_FORWARD_DIALOG)), missing);
  g_assert_cmpstr (missing->str, ==, "");
  g_assert_true (gtk_test_accessible_has_property (
    GTK_ACCESSIBLE (gtk_editable_get_delegate (GTK_EDITABLE (parts.port_row))),
    GTK_ACCESSIBLE_PROPERTY_LABEL));
  gtk_test_accessible_assert_property (
    GTK_ACCESSIBLE (gtk_editable_get_delegate (GTK_EDITABLE (parts.port_row))),
    GTK_ACCESSIBLE_PROPERTY_LABEL, "Port");
  gtk_window_destroy (GTK_WINDOW (find_toplevel (CULVERT_TYPE_FORWARD_DIALOG)));
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
  GtkWidget *preferences;
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
  g_assert_true (culvert_dialog_get_window (preferences) == GTK_WIDGET (f->window));
  g_assert_cmpstr (culvert_dialog_get_title (preferences), ==, "Preferences");

  row = find_row_titled (GTK_WIDGET (preferences), "_Notifications");
  g_assert_nonnull (row);
  /* A dialog's content comes on screen a frame or more after the dialog. */
  g_assert_true (wait_for (widget_is_mapped, row));
  notifications = GTK_SWITCH (adw_action_row_get_activatable_widget (row));
  row = find_row_titled (GTK_WIDGET (preferences), "Run in _Background");
  g_assert_nonnull (row);
  background = GTK_SWITCH (adw_action_row_get_activatable_widget (row));

  /* The switches show the settings... */
  g_assert_true (gtk_switch_get_active (notifications));
  g_assert_true (gtk_switch_get_active (background));

  /* ...change them when the user activates their rows... */
  adw_action_row_activate (find_row_titled (GTK_WIDGET (preferences), "_Notifications"));
  g_assert_true (wait_for (switch_is_off, notifications));  /* it moves, then changes */
  g_assert_false (g_settings_get_boolean (settings, "notifications"));
  adw_action_row_activate (row);
  g_assert_true (wait_for (switch_is_off, background));
  g_assert_false (g_settings_get_boolean (settings, "run-in-background"));
  adw_action_row_activate (row);
  g_assert_true (wait_for (switch_is_on, background));
  g_assert_true (g_settings_get_boolean (settings, "run-in-background"));

  /* ...and follow changes made elsewhere. */
  g_settings_set_boolean (settings, "notifications", TRUE);
  iterate_until_idle ();
  g_assert_true (gtk_switch_get_active (notifications));

  culvert_dialog_destroy (preferences);
  g_settings_reset (settings, "notifications");
  g_settings_reset (settings, "run-in-background");
}


static gboolean
file_exists (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

/* Runs the real binary in a bus of its own (this process owns the name
 * here) with CULVERT_STALL_LOG, gives the window a second to come up, calls
 * @during with its pid, ends it with SIGTERM, and returns the log's lines:
 * count, p99 and max lateness in ms (written at exit). */
static char **
run_with_stall_log (void (*during) (int pid))
{
  g_autofree char *tmp = g_dir_make_tmp ("culvert-stall-XXXXXX", NULL);
  g_autofree char *log = g_build_filename (tmp, "stalls", NULL);
  g_autofree char *pidfile = g_build_filename (tmp, "pid", NULL);
  g_autofree char *culvert = g_build_filename (g_getenv ("CULVERT_BUILD_DIR"), "src", "culvert",
                                               NULL);
  g_autofree char *script = g_strdup_printf ("'%s' & echo $! > '%s'; wait", culvert, pidfile);
  const char *argv[] = { "dbus-run-session", "--", "sh", "-c", script, NULL };
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pid_text = NULL;
  g_autofree char *text = NULL;
  char **lines;
  int pid;

  g_subprocess_launcher_unsetenv (launcher, "DBUS_SESSION_BUS_ADDRESS");
  g_subprocess_launcher_setenv (launcher, "CULVERT_STALL_LOG", log, TRUE);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_assert_true (wait_for (file_exists, pidfile));
  g_usleep (G_USEC_PER_SEC);  /* the window comes up, the timer runs */
  g_assert_true (g_file_get_contents (pidfile, &pid_text, NULL, NULL));
  pid = atoi (pid_text);
  if (during != NULL)
    during (pid);
  g_assert_cmpint (kill (pid, SIGTERM), ==, 0);
  g_assert_true (g_subprocess_wait_check (process, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (g_file_get_contents (log, &text, NULL, NULL));
  g_test_message ("%s", text);
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  g_assert_true (g_str_has_prefix (lines[0], "count "));
  g_assert_true (g_str_has_prefix (lines[1], "p99 "));
  g_assert_true (g_str_has_prefix (lines[2], "max "));

  g_unlink (log);
  g_unlink (pidfile);
  g_rmdir (tmp);
  return lines;
}

static void
test_window_stall_log (void)
{
  g_auto(GStrv) lines = run_with_stall_log (NULL);

  g_assert_cmpuint (g_ascii_strtoull (lines[0] + strlen ("count "), NULL, 10), >, 20);
  g_assert_cmpfloat (g_ascii_strtod (lines[1] + strlen ("p99 "), NULL), <=,
                     g_ascii_strtod (lines[2] + strlen ("max "), NULL));
}

/* Ten stalls of 200 ms: the process stopped, then continued. */
static void
stall_ten_times (int pid)
{
  for (guint i = 0; i < 10; i++)
    {
      g_assert_cmpint (kill (pid, SIGSTOP), ==, 0);
      g_usleep (200 * G_TIME_SPAN_MILLISECOND);
      g_assert_cmpint (kill (pid, SIGCONT), ==, 0);
      g_usleep (50 * G_TIME_SPAN_MILLISECOND);
    }
}

/* Ten known stalls of 200 ms among a few hundred 5 ms ticks: more than
 * 1 % of the ticks ran 200 ms late, so the p99 and the max the log
 * reports are near 200 ms. */
static void
test_window_stall_log_p99 (void)
{
  g_auto(GStrv) lines = run_with_stall_log (stall_ten_times);
  guint64 count = g_ascii_strtoull (lines[0] + strlen ("count "), NULL, 10);
  double p99 = g_ascii_strtod (lines[1] + strlen ("p99 "), NULL);
  double max = g_ascii_strtod (lines[2] + strlen ("max "), NULL);

  /* The stalls are more than 1 % of the ticks, and fewer than all. */
  g_assert_cmpuint (count, >, 10);
  g_assert_cmpuint (count, <, 10 * 100);
  g_assert_cmpfloat (max, >=, 180.0);
  g_assert_cmpfloat (max, <, 5000.0);
  g_assert_cmpfloat (p99, >=, 150.0);
  g_assert_cmpfloat (p99, <=, max);
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
  CulvertTestNotifications *notifications;
  int ret;

  /* Accessible properties are kept (and can be checked) with the test backend. */
  g_setenv ("GTK_A11Y", "test", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  /* Connections that drop send notifications: to a server of the test's own. */
  notifications = culvert_test_notifications_new (NULL);
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
  g_test_add_func ("/window/stall-log", test_window_stall_log);
  g_test_add_func ("/window/stall-log-p99", test_window_stall_log_p99);
  g_test_add ("/window/sidebar", Fixture, NULL,
              fixture_setup, test_window_sidebar, fixture_teardown);
  g_test_add ("/window/delete-undo", Fixture, NULL,
              fixture_setup, test_window_delete_undo, fixture_teardown);
  g_test_add ("/window/clients-when-off", Fixture, NULL,
              fixture_setup, test_window_clients_when_off, fixture_teardown);
  g_test_add ("/window/natural-sort", Fixture, NULL,
              fixture_setup, test_window_natural_sort, fixture_teardown);
  g_test_add ("/window/duplicate", Fixture, NULL,
              fixture_setup, test_window_duplicate_and_copy, fixture_teardown);
  g_test_add ("/window/tunnel-live", Fixture, NULL,
              fixture_setup, test_window_tunnel_live, fixture_teardown);
  g_test_add ("/window/port-in-use", Fixture, NULL,
              fixture_setup, test_window_port_in_use, fixture_teardown);
  g_test_add ("/window/reconnecting", Fixture, NULL,
              fixture_setup, test_window_reconnecting, fixture_teardown);
  g_test_add ("/window/forward-dialog", Fixture, NULL,
              fixture_setup, test_window_forward_dialog, fixture_teardown);
  g_test_add ("/window/forward-rules", Fixture, NULL,
              fixture_setup, test_window_forward_rules, fixture_teardown);
  g_test_add ("/window/live-add-and-edit", Fixture, NULL,
              fixture_setup, test_window_live_add_and_edit, fixture_teardown);
  g_test_add ("/window/live-use-port", Fixture, NULL,
              fixture_setup, test_window_live_use_port, fixture_teardown);
  g_test_add ("/window/live-switch-remove", Fixture, NULL,
              fixture_setup, test_window_live_switch_remove, fixture_teardown);
  g_test_add ("/window/host-key-question", Fixture, NULL,
              fixture_setup, test_window_host_key_question, fixture_teardown);
  g_test_add ("/window/connect-by-name", Fixture, NULL,
              fixture_setup, test_window_connect_by_name, fixture_teardown);
  g_test_add ("/window/connection-editor", Fixture, NULL,
              fixture_setup, test_window_connection_editor, fixture_teardown);
  g_test_add ("/window/connection-editor-quiet", Fixture, NULL,
              fixture_setup, test_window_connection_editor_quiet, fixture_teardown);
  g_test_add ("/window/quit-asks", Fixture, NULL,
              fixture_setup, test_window_quit_asks, fixture_teardown);
  g_test_add ("/window/proxy-password", Fixture, NULL,
              fixture_setup, test_window_proxy_password, fixture_teardown);
  g_test_add ("/window/store-problem", Fixture, NULL,
              fixture_setup, test_window_store_problem, fixture_teardown);
  g_test_add ("/window/connect-at-startup", Fixture, NULL,
              fixture_setup, test_window_connect_at_startup, fixture_teardown);
  g_test_add ("/window/import", Fixture, NULL,
              fixture_setup, test_window_import, fixture_teardown);
  g_test_add ("/window/folds", Fixture, NULL,
              fixture_setup, test_window_folds, fixture_teardown);
  g_test_add ("/window/context-menu", Fixture, NULL,
              fixture_setup, test_window_context_menu, fixture_teardown);
  g_test_add ("/window/connect-failure", Fixture, NULL,
              fixture_setup, test_window_connect_failure, fixture_teardown);
  g_test_add ("/window/accessible-names", Fixture, NULL,
              fixture_setup, test_window_accessible_names, fixture_teardown);
  g_test_add ("/window/preferences", Fixture, NULL,
              fixture_setup, test_window_preferences, fixture_teardown);


  ret = g_test_run ();
  g_clear_object (&the_app);
  culvert_test_notifications_free (notifications);

  return ret;
}

/* test-wizard.c — "New Connection…" walked through as a newcomer does
 *
 * Each walk starts at the empty window, clicks through the wizard's pages
 * against a real sshd, and ends with a tunnel that carries bytes. Logging
 * in is "Automatic" (the default): the fixture's key is the user's default
 * key in the test's private home.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <errno.h>

#include "culvert-application.h"
#include "culvert-connection-page-private.h"
#include "culvert-forward-dialog-private.h"
#include "culvert-test-gui.h"
#include "culvert-test-net.h"
#include "culvert-test-sshd.h"
#include "culvert-window-private.h"
#include "culvert-wizard-private.h"

static CulvertApplication *the_app;

typedef struct
{
  CulvertApplication *app;
  CulvertWindow      *window;
  CulvertTestSshd    *sshd;
  Echo               *echo;
  CulvertWizard      *wizard;
  guint               clicks;
} Fixture;

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
  {
    GtkWindow *wizard;

    while ((wizard = find_toplevel (CULVERT_TYPE_WIZARD)) != NULL)
      gtk_window_destroy (wizard);
  }
  iterate_until_idle ();

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
  g_clear_pointer (&f->echo, echo_free);
  g_clear_pointer (&f->sshd, culvert_test_sshd_stop);
}

/* The fixture's key becomes the user's default key, so "Automatic" finds it. */
static gboolean
start_sshd (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ssh_dir = g_build_filename (g_get_home_dir (), ".ssh", NULL);
  g_autofree char *key_path = g_build_filename (ssh_dir, "id_ed25519", NULL);
  g_autofree char *key = NULL;

  if (skip_without_sshd ())
    return FALSE;
  f->sshd = culvert_test_sshd_start (NULL, &error);
  g_assert_no_error (error);
  f->echo = echo_new ();

  g_assert_cmpint (g_mkdir_with_parents (ssh_dir, 0700), ==, 0);
  g_assert_true (g_file_get_contents (f->sshd->client_key_path, &key, NULL, NULL));
  g_assert_true (g_file_set_contents_full (key_path, key, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                           0600, NULL));
  return TRUE;
}

/* A click a user could make: on a button that is on screen and sensitive. */
static void
click (Fixture   *f,
       GtkWidget *widget)
{
  g_assert_nonnull (widget);
  g_assert_true (gtk_widget_get_mapped (widget));
  g_assert_true (gtk_widget_is_sensitive (widget));
  if (GTK_IS_CHECK_BUTTON (widget))
    gtk_widget_activate (widget);
  else
    g_signal_emit_by_name (widget, "clicked");
  f->clicks++;
  iterate_until_idle ();
}

static void
type (gpointer    row,
      const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

static gboolean
has_wizard (gpointer data)
{
  return find_toplevel (CULVERT_TYPE_WIZARD) != NULL;
}

static gboolean
has_no_wizard (gpointer data)
{
  return !has_wizard (data);
}

static gboolean
has_message_dialog (gpointer data)
{
  return find_toplevel (ADW_TYPE_MESSAGE_DIALOG) != NULL;
}

static gboolean
has_no_message_dialog (gpointer data)
{
  return !has_message_dialog (data);
}

static void
open_wizard (Fixture *f)
{
  GtkWidget *status = find_widget (GTK_WIDGET (f->window), ADW_TYPE_STATUS_PAGE, NULL, NULL);

  click (f, find_widget (status, GTK_TYPE_BUTTON, button_has_label, "_New Connection…"));
  g_assert_true (wait_for (has_wizard, NULL));
  f->wizard = CULVERT_WIZARD (find_toplevel (CULVERT_TYPE_WIZARD));
  g_assert_true (wait_for (widget_is_mapped, f->wizard));
  g_assert_cmpstr (culvert_wizard_get_page (f->wizard), ==, "scenario");
}

static void
next (Fixture    *f,
      const char *expected_page)
{
  click (f, GTK_WIDGET (f->wizard->next_button));
  g_assert_cmpstr (culvert_wizard_get_page (f->wizard), ==, expected_page);
}

static void
fill_server (Fixture *f,
             guint16  port)
{
  g_autofree char *port_text = g_strdup_printf ("%u", port);

  type (f->wizard->host_row, "127.0.0.1");
  type (f->wizard->port_row, port_text);
  type (f->wizard->user_row, f->sshd->user);
}

static void
fill_forward (Fixture    *f,
              guint16     listen,
              const char *host,
              guint16     destination)
{
  g_autofree char *listen_text = g_strdup_printf ("%u", listen);
  g_autofree char *destination_text = g_strdup_printf ("%u", destination);

  type (f->wizard->listen_port_row, listen_text);
  if (host != NULL)
    {
      type (f->wizard->destination_host_row, host);
      type (f->wizard->destination_port_row, destination_text);
    }
}

/* The profile the wizard saved, once its tunnel is connected; answers the
 * host-key question of a server seen for the first time. */
static gboolean
profile_connected (gpointer data)
{
  Fixture *f = data;
  CulvertProfileStore *store = culvert_application_get_profile_store (f->app);
  g_autoptr(CulvertProfile) profile = NULL;
  CulvertTunnel *tunnel;
  GtkWindow *question = find_toplevel (ADW_TYPE_MESSAGE_DIALOG);

  if (question != NULL &&
      g_strcmp0 (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (question)),
                 "Trust This Server?") == 0)
    answer (question, "_Trust and Connect");

  if (g_list_model_get_n_items (G_LIST_MODEL (store)) != 1)
    return FALSE;
  profile = g_list_model_get_item (G_LIST_MODEL (store), 0);
  tunnel = culvert_application_lookup_tunnel (f->app, profile);
  if (tunnel == NULL || culvert_tunnel_get_state (tunnel) != CULVERT_TUNNEL_CONNECTED)
    return FALSE;

  /* …and its forward says "Listening", as the table then shows. */
  {
    GListModel *forwards = culvert_tunnel_get_forwards (tunnel);
    g_autoptr(CulvertForwardStatus) status = NULL;

    if (g_list_model_get_n_items (forwards) != 1)
      return FALSE;
    status = g_list_model_get_item (forwards, 0);
    return culvert_forward_status_get_state (status) == CULVERT_FORWARD_STATE_LISTENING;
  }
}

static gboolean
host_key_question (gpointer data)
{
  GtkWindow *question = find_toplevel (ADW_TYPE_MESSAGE_DIALOG);

  return question != NULL &&
         g_strcmp0 (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (question)),
                    "Trust This Server?") == 0;
}

/* ---------------------------------------------------------------------- */

static void
test_wizard_outgoing (Fixture       *f,
                      gconstpointer  data)
{
  guint16 port = free_port ();
  g_autofree char *listening = NULL;
  int fd;

  if (!start_sshd (f))
    return;

  open_wizard (f);
  /* Each scenario has its diagram, and outgoing is chosen already. */
  g_assert_true (gtk_check_button_get_active (f->wizard->scenario_outgoing));
  g_assert_nonnull (find_widget (GTK_WIDGET (f->wizard->scenario_dynamic),
                                 CULVERT_TYPE_TUNNEL_DIAGRAM, NULL, NULL));
  maybe_save_screenshot (GTK_WIDGET (f->wizard), "wizard.png");
  next (f, "server");

  /* Prefilled with the login name; Next waits for a host. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->wizard->user_row)), ==,
                   g_get_user_name ());
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (f->wizard->next_button)));
  fill_server (f, f->sshd->port);
  next (f, "auth");
  g_assert_true (gtk_check_button_get_active (f->wizard->auth_automatic));
  next (f, "forward");
  fill_forward (f, port, "127.0.0.1", f->echo->port);
  next (f, "network");
  next (f, "summary");

  /* The same tunnel with OpenSSH, and no off-host warning. */
  {
    g_autofree char *expected = g_strdup_printf ("-L %u:127.0.0.1:%u", port, f->echo->port);

    g_assert_nonnull (strstr (gtk_label_get_label (f->wizard->command_label), expected));
  }
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (f->wizard->offhost_group)));
  g_assert_true (gtk_switch_get_active (f->wizard->connect_switch));
  click (f, GTK_WIDGET (f->wizard->next_button));  /* Finish */
  g_assert_true (wait_for (has_no_wizard, NULL));

  /* A new server: the host-key question, then a working tunnel. */
  g_assert_true (wait_for (host_key_question, NULL));
  g_assert_true (wait_for (profile_connected, f));
  g_assert_cmpuint (f->clicks, <=, 7);
  g_test_message ("clicks from the empty window: %u", f->clicks);

  fd = connect_loopback (port);
  echo_through (fd, 4000);
  close (fd);
  listening = listening_on (port);
  g_assert_cmpstr (listening, ==, "127.0.0.1 ::1");
}

static void
test_wizard_incoming (Fixture       *f,
                      gconstpointer  data)
{
  guint16 port = free_port ();
  int fd;

  if (!start_sshd (f))
    return;

  open_wizard (f);
  click (f, GTK_WIDGET (f->wizard->scenario_incoming));
  next (f, "server");
  fill_server (f, f->sshd->port);
  next (f, "auth");
  next (f, "forward");
  /* The destination group is there: this computer connects onward. */
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (f->wizard->destination_group)));
  fill_forward (f, port, "127.0.0.1", f->echo->port);
  next (f, "network");
  next (f, "summary");
  {
    g_autofree char *expected = g_strdup_printf ("-R %u:127.0.0.1:%u", port, f->echo->port);

    g_assert_nonnull (strstr (gtk_label_get_label (f->wizard->command_label), expected));
  }
  click (f, GTK_WIDGET (f->wizard->next_button));
  g_assert_true (wait_for (profile_connected, f));

  /* The server side listens (the same machine here): bytes come back
   * from the service on this side. */
  fd = connect_loopback (port);
  g_assert_cmpint (fd, >=, 0);
  echo_through (fd, 4000);
  close (fd);
}

static void
test_wizard_dynamic (Fixture       *f,
                     gconstpointer  data)
{
  guint16 port = free_port ();
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  int fd;

  if (!start_sshd (f))
    return;

  open_wizard (f);
  click (f, GTK_WIDGET (f->wizard->scenario_dynamic));
  next (f, "server");
  fill_server (f, f->sshd->port);
  next (f, "auth");
  next (f, "forward");
  /* No destination to ask for: each program names its own. */
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (f->wizard->destination_group)));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->wizard->listen_port_row)), ==, "1080");
  type (f->wizard->listen_port_row, port_text);
  next (f, "network");
  next (f, "summary");
  click (f, GTK_WIDGET (f->wizard->next_button));
  g_assert_true (wait_for (profile_connected, f));

  fd = connect_loopback (port);
  socks5_connect (fd, f->echo->port);
  echo_through (fd, 4000);
  close (fd);
}

/* The warning comes exactly when the forward would let others in; "Keep
 * Local Only" puts the listening socket back on loopback. */
static void
test_wizard_offhost (Fixture       *f,
                     gconstpointer  data)
{
  guint16 port = free_port ();
  g_autofree char *listening = NULL;
  AdwMessageDialog *warning;
  int fd;

  if (!start_sshd (f))
    return;

  open_wizard (f);
  next (f, "server");
  fill_server (f, f->sshd->port);
  next (f, "auth");
  next (f, "forward");
  fill_forward (f, port, "127.0.0.1", f->echo->port);

  /* Other hosts allowed, but on a loopback address: nobody else can
   * connect, so no warning. */
  gtk_switch_set_active (f->wizard->other_hosts_switch, TRUE);
  type (f->wizard->bind_row, "127.0.0.2");
  next (f, "network");
  g_assert_false (has_message_dialog (NULL));
  click (f, GTK_WIDGET (f->wizard->back_button));
  g_assert_cmpstr (culvert_wizard_get_page (f->wizard), ==, "forward");

  /* Every interface: the warning says who can connect, and to what. */
  type (f->wizard->bind_row, "");
  click (f, GTK_WIDGET (f->wizard->next_button));
  g_assert_true (wait_for (has_message_dialog, NULL));
  g_assert_cmpstr (culvert_wizard_get_page (f->wizard), ==, "forward");
  warning = ADW_MESSAGE_DIALOG (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  {
    g_autofree char *who = g_strdup_printf ("Any computer that can reach this computer on port "
                                            "%u can use this tunnel to reach 127.0.0.1:%u, "
                                            "without a password.", port, f->echo->port);

    g_assert_cmpstr (adw_message_dialog_get_body (warning), ==, who);
  }
  g_assert_cmpstr (adw_message_dialog_get_default_response (warning), ==, "local");
  g_assert_cmpint (adw_message_dialog_get_response_appearance (warning, "allow"), ==,
                   ADW_RESPONSE_DESTRUCTIVE);

  /* Keep Local Only: the switch goes off and the walk goes on. */
  answer (GTK_WINDOW (warning), "_Keep Local Only");
  g_assert_true (wait_for (has_no_message_dialog, NULL));
  g_assert_false (gtk_switch_get_active (f->wizard->other_hosts_switch));
  g_assert_cmpstr (culvert_wizard_get_page (f->wizard), ==, "network");
  next (f, "summary");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (f->wizard->offhost_group)));
  click (f, GTK_WIDGET (f->wizard->next_button));
  g_assert_true (wait_for (profile_connected, f));

  listening = listening_on (port);
  g_assert_cmpstr (listening, ==, "127.0.0.1 ::1");
  fd = connect_loopback (port);
  echo_through (fd, 100);
  close (fd);
}

/* "Allow Other Hosts": the summary lists the forward with the warning
 * icon, and the socket listens on every interface. */
static void
test_wizard_offhost_allowed (Fixture       *f,
                             gconstpointer  data)
{
  guint16 port = free_port ();
  g_autofree char *listening = NULL;
  GtkWidget *icon;

  if (!start_sshd (f))
    return;

  open_wizard (f);
  next (f, "server");
  fill_server (f, f->sshd->port);
  next (f, "auth");
  next (f, "forward");
  fill_forward (f, port, "127.0.0.1", f->echo->port);
  gtk_switch_set_active (f->wizard->other_hosts_switch, TRUE);
  click (f, GTK_WIDGET (f->wizard->next_button));
  g_assert_true (wait_for (has_message_dialog, NULL));
  answer (find_toplevel (ADW_TYPE_MESSAGE_DIALOG), "_Allow Other Hosts");
  g_assert_true (wait_for (has_no_message_dialog, NULL));
  g_assert_cmpstr (culvert_wizard_get_page (f->wizard), ==, "network");
  next (f, "summary");

  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (f->wizard->offhost_group)));
  icon = find_widget (GTK_WIDGET (f->wizard->offhost_group), GTK_TYPE_IMAGE, NULL, NULL);
  g_assert_nonnull (icon);
  g_assert_cmpstr (gtk_image_get_icon_name (GTK_IMAGE (icon)), ==, "dialog-warning-symbolic");
  g_assert_true (gtk_widget_get_mapped (icon));

  click (f, GTK_WIDGET (f->wizard->next_button));
  g_assert_true (wait_for (profile_connected, f));
  listening = listening_on (port);
  g_assert_true (g_str_equal (listening, "0.0.0.0 ::") || g_str_equal (listening, "0.0.0.0") ||
                 g_str_equal (listening, "::"));
}

static gboolean
host_is (gpointer data)
{
  gpointer *args = data;
  CulvertWizard *wizard = args[0];

  return g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (wizard->host_row)), args[1]) == 0;
}

static void
test_wizard_paste (Fixture       *f,
                   gconstpointer  data)
{
  gpointer args[2];
  GtkEditable *host;

  open_wizard (f);
  next (f, "server");
  args[0] = f->wizard;

  type (f->wizard->host_row, "ssh -p 2222 alice@host");
  args[1] = (gpointer) "host";
  g_assert_true (wait_for (host_is, args));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->wizard->port_row)), ==, "2222");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->wizard->user_row)), ==, "alice");
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (f->wizard->next_button)));

  /* user@host:port, and a whole command with its forward. */
  type (f->wizard->host_row, "bob@db.example.org:2200");
  args[1] = (gpointer) "db.example.org";
  g_assert_true (wait_for (host_is, args));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->wizard->port_row)), ==, "2200");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->wizard->user_row)), ==, "bob");

  type (f->wizard->host_row, "ssh -N -L 15432:db.internal:5432 -J hop.example.org carol@gw");
  args[1] = (gpointer) "gw";
  g_assert_true (wait_for (host_is, args));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->wizard->port_row)), ==, "22");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->wizard->user_row)), ==, "carol");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->wizard->listen_port_row)), ==, "15432");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->wizard->destination_host_row)), ==,
                   "db.internal");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->wizard->jump_hosts_row)), ==,
                   "hop.example.org");

  /* Typed one key at a time, "dave@" stays as typed. */
  type (f->wizard->host_row, "");
  host = gtk_editable_get_delegate (GTK_EDITABLE (f->wizard->host_row));
  for (const char *p = "dave@h"; *p != '\0'; p++)
    {
      int position = gtk_editable_get_position (host);

      gtk_editable_insert_text (host, p, 1, &position);
      gtk_editable_set_position (host, position);
    }
  iterate_until_idle ();
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->wizard->host_row)), ==, "dave@h");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->wizard->user_row)), ==, "carol");
  /* …and is not a host name: Next waits. */
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (f->wizard->next_button)));
}

/* Back, Next, Enter and Escape. */
static void
test_wizard_keys (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GString) missing = g_string_new (NULL);

  open_wizard (f);
  check_accessible_names (GTK_WIDGET (f->wizard), missing);
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (f->wizard->back_button)));
  next (f, "server");

  /* Enter in an invalid page stays; in a valid one it goes on. */
  g_signal_emit_by_name (f->wizard->host_row, "entry-activated");
  g_assert_cmpstr (culvert_wizard_get_page (f->wizard), ==, "server");
  type (f->wizard->host_row, "db.example.org");
  g_signal_emit_by_name (f->wizard->host_row, "entry-activated");
  g_assert_cmpstr (culvert_wizard_get_page (f->wizard), ==, "auth");

  /* A key file needs a file. */
  click (f, GTK_WIDGET (f->wizard->auth_key));
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (f->wizard->next_button)));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (f->wizard->auth_error)));
  click (f, GTK_WIDGET (f->wizard->auth_password));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (f->wizard->password_row)));
  g_assert_true (gtk_switch_get_active (f->wizard->remember_switch));
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (f->wizard->next_button)));

  type (f->wizard->password_row, "s3cret-pw");
  check_accessible_names (GTK_WIDGET (f->wizard), missing);

  /* A port out of range: the model's message under the field. */
  next (f, "forward");
  type (f->wizard->listen_port_row, "70000");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (f->wizard->listen_error)));
  g_assert_nonnull (strstr (gtk_label_get_label (f->wizard->listen_error), "70000"));
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (f->wizard->next_button)));

  check_accessible_names (GTK_WIDGET (f->wizard), missing);
  type (f->wizard->listen_port_row, "8080");
  type (f->wizard->destination_host_row, "db.internal");
  type (f->wizard->destination_port_row, "5432");
  next (f, "network");
  adw_expander_row_set_expanded (f->wizard->network_expander, TRUE);
  adw_combo_row_set_selected (f->wizard->proxy_mode_row, CULVERT_PROXY_CUSTOM);
  iterate_until_idle ();
  check_accessible_names (GTK_WIDGET (f->wizard), missing);
  /* A custom proxy needs its address. */
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (f->wizard->next_button)));
  type (f->wizard->proxy_url_row, "http://proxy.example.org:3128");
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (f->wizard->next_button)));
  next (f, "summary");
  check_accessible_names (GTK_WIDGET (f->wizard), missing);
  g_assert_cmpstr (missing->str, ==, "");
  g_assert_null (strstr (gtk_label_get_label (f->wizard->command_label), "s3cret-pw"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->wizard->name_row)), ==,
                   "db.internal via db.example.org");

  click (f, GTK_WIDGET (f->wizard->back_button));
  click (f, GTK_WIDGET (f->wizard->back_button));
  click (f, GTK_WIDGET (f->wizard->back_button));
  g_assert_cmpstr (culvert_wizard_get_page (f->wizard), ==, "auth");

  /* Escape cancels: nothing is saved. */
  gtk_widget_activate_action (GTK_WIDGET (f->wizard), "window.close", NULL);
  g_assert_true (wait_for (has_no_wizard, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (
                      culvert_application_get_profile_store (f->app))), ==, 0);
}

static gboolean
test_finished (gpointer data)
{
  CulvertWizard *wizard = data;

  return wizard->test_tunnel == NULL &&
         gtk_widget_get_visible (GTK_WIDGET (wizard->test_icon));
}

static void
test_wizard_test_connection (Fixture       *f,
                             gconstpointer  data)
{
  if (!start_sshd (f))
    return;

  open_wizard (f);
  next (f, "server");

  /* Nobody listens there: the exact failure. */
  fill_server (f, free_port ());
  click (f, GTK_WIDGET (f->wizard->test_button));
  g_assert_true (wait_for (test_finished, f->wizard));
  g_test_message ("failure: %s", gtk_label_get_label (f->wizard->test_result));
  g_assert_cmpstr (gtk_image_get_icon_name (f->wizard->test_icon), ==, "dialog-error-symbolic");
  g_assert_nonnull (strstr (gtk_label_get_label (f->wizard->test_result), "refused"));

  /* The real server: the host-key question, then success. */
  fill_server (f, f->sshd->port);
  click (f, GTK_WIDGET (f->wizard->test_button));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (f->wizard->test_spinner)));
  g_assert_true (wait_for (host_key_question, NULL));
  g_assert_true (gtk_window_get_transient_for (find_toplevel (ADW_TYPE_MESSAGE_DIALOG)) ==
                 GTK_WINDOW (f->wizard));
  answer (find_toplevel (ADW_TYPE_MESSAGE_DIALOG), "_Trust and Connect");
  g_assert_true (wait_for (test_finished, f->wizard));
  g_assert_cmpstr (gtk_image_get_icon_name (f->wizard->test_icon), ==, "emblem-ok-symbolic");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (f->wizard->test_spinner)));
}

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

static CulvertProfile *
save_profile (Fixture    *f,
              const char *name)
{
  CulvertProfileStore *store = culvert_application_get_profile_store (f->app);
  g_autoptr(CulvertProfile) profile = culvert_profile_new ();

  culvert_profile_set_name (profile, name);
  culvert_profile_set_host (profile, "gateway.example.org");
  g_assert_true (culvert_profile_store_save_profile (store, profile, NULL));
  return profile;  /* the store keeps it */
}

/* The forward editor draws the rule as it is typed, and its off-host
 * warning keeps the rule local unless the user allows otherwise. */
static void
test_wizard_forward_editor (Fixture       *f,
                            gconstpointer  data)
{
  CulvertProfile *profile = save_profile (f, "Lab");
  CulvertConnectionPage *page;
  CulvertForwardDialogParts parts;
  CulvertForwardDialog *dialog;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(CulvertForward) saved = NULL;
  GtkWindow *warning;

  culvert_window_select_profile (f->window, profile);
  page = culvert_window_get_connection_page (f->window);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "page.add-forward", NULL));
  g_assert_true (wait_for (has_forward_dialog, NULL));
  dialog = CULVERT_FORWARD_DIALOG (find_toplevel (CULVERT_TYPE_FORWARD_DIALOG));
  g_assert_true (wait_for (widget_is_mapped, dialog));
  culvert_forward_dialog_get_parts (dialog, &parts);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (parts.diagram)));

  before = culvert_tunnel_diagram_dup_text (parts.diagram);
  type (parts.port_row, "15432");
  type (parts.host_row, "db.internal");
  type (parts.destination_port_row, "5432");
  after = culvert_tunnel_diagram_dup_text (parts.diagram);
  g_assert_cmpstr (before, !=, after);
  g_assert_nonnull (strstr (after, "localhost:15432"));
  g_assert_nonnull (strstr (after, "gateway.example.org"));
  g_assert_nonnull (strstr (after, "db.internal:5432"));

  gtk_switch_set_active (parts.other_hosts_switch, TRUE);
  type (parts.bind_row, "192.168.1.20");
  g_free (after);
  after = culvert_tunnel_diagram_dup_text (parts.diagram);
  g_assert_nonnull (strstr (after, "192.168.1.20:15432"));
  g_signal_emit_by_name (parts.save_button, "clicked");
  g_assert_true (wait_for (has_message_dialog, NULL));
  warning = find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_cmpstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (warning)), ==,
                   "Any computer that can reach 192.168.1.20 port 15432 can use this tunnel to "
                   "reach db.internal:5432, without a password.");
  answer (warning, "_Keep Local Only");
  g_assert_true (wait_for (has_no_forward_dialog, NULL));

  g_assert_cmpuint (g_list_model_get_n_items (culvert_profile_get_forwards (profile)), ==, 1);
  saved = g_list_model_get_item (culvert_profile_get_forwards (profile), 0);
  g_assert_false (culvert_forward_is_off_host (saved));
  g_assert_cmpuint (culvert_forward_get_bind_port (saved), ==, 15432);
}

/* An imported config that opens a forward to other computers is asked
 * about; one that stays local is not. */
static void
test_wizard_import_offhost (Fixture       *f,
                            gconstpointer  data)
{
  CulvertProfileStore *store = culvert_application_get_profile_store (f->app);
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "culvert-wizard-import.conf", NULL);
  g_autoptr(CulvertProfileStore) reread = NULL;
  CulvertProfile *profile;
  g_autoptr(CulvertForward) forward = NULL;
  GtkWindow *warning;
  guint warnings = 0;

  g_assert_true (g_file_set_contents (path,
                                      "Host lab\n"
                                      "  HostName gateway.example.org\n"
                                      "  LocalForward *:18080 intranet.lab:80\n"
                                      "  DynamicForward 127.0.0.1:11080\n", -1, NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.import-file", "s", path));

  while (wait_for (has_message_dialog, NULL))
    {
      warning = find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
      if (g_str_has_prefix (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (warning)),
                            "Imported from"))
        {
          /* The report, under the warning: closed last. */
          g_assert_cmpuint (warnings, ==, 1);
          answer (warning, "_Close");
          g_assert_true (wait_for (has_no_message_dialog, NULL));
          break;
        }
      warnings++;
      g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (warning)), ==,
                       "Let Other Computers Connect Through “lab”?");
      g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (warning)),
                                "this computer on port 18080"));
      answer (warning, "_Keep Local Only");
      iterate_until_idle ();
    }
  g_assert_cmpuint (warnings, ==, 1);

  /* Kept local, in the file too. */
  reread = culvert_profile_store_new (culvert_profile_store_get_directory (store));
  g_assert_true (culvert_profile_store_load (reread, NULL));
  profile = culvert_profile_store_find (reread, "lab");
  g_assert_nonnull (profile);
  g_assert_cmpuint (g_list_model_get_n_items (culvert_profile_get_forwards (profile)), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_clear_object (&forward);
      forward = g_list_model_get_item (culvert_profile_get_forwards (profile), i);
      g_assert_false (culvert_forward_is_off_host (forward));
    }
  g_unlink (path);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int ret;

  g_setenv ("GTK_A11Y", "test", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  the_app = culvert_application_new ();
  g_application_register (G_APPLICATION (the_app), NULL, &error);
  g_assert_no_error (error);

#define ADD(path, func) \
  g_test_add ("/wizard/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("outgoing", test_wizard_outgoing);
  ADD ("incoming", test_wizard_incoming);
  ADD ("dynamic", test_wizard_dynamic);
  ADD ("offhost", test_wizard_offhost);
  ADD ("offhost-allowed", test_wizard_offhost_allowed);
  ADD ("paste", test_wizard_paste);
  ADD ("keys", test_wizard_keys);
  ADD ("test-connection", test_wizard_test_connection);
  ADD ("forward-editor", test_wizard_forward_editor);
  ADD ("import-offhost", test_wizard_import_offhost);
#undef ADD

  ret = g_test_run ();
  g_clear_object (&the_app);

  return ret;
}

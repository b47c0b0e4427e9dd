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
#include <unistd.h>

#include "culvert-secrets.h"
#include "culvert-test-net.h"
#include "culvert-test-wizard.h"

/* The saved profile is connected; notes any dialog seen on the way (none
 * is answered here: each would be a click more). */
static gboolean
connected_alone (gpointer data)
{
  WizardFixture *f = data;
  CulvertProfileStore *store = culvert_application_get_profile_store (f->base.app);
  g_autoptr(CulvertProfile) profile = NULL;
  CulvertTunnel *tunnel;

  if (has_message_dialog (NULL))
    {
      f->saw_dialog = TRUE;
      return TRUE;
    }
  if (g_list_model_get_n_items (G_LIST_MODEL (store)) != 1)
    return FALSE;
  profile = g_list_model_get_item (G_LIST_MODEL (store), 0);
  tunnel = culvert_application_lookup_tunnel (f->base.app, profile);
  return tunnel != NULL && culvert_tunnel_get_state (tunnel) == CULVERT_TUNNEL_CONNECTED;
}

static void
test_wizard_outgoing (WizardFixture *f,
                      gconstpointer  data)
{
  guint16 port = free_port ();
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
  {
    /* The diagram names what was typed. */
    g_autofree char *drawn = culvert_tunnel_diagram_dup_text (f->wizard->forward_diagram);
    g_autofree char *listen = g_strdup_printf ("Listening port: localhost:%u|", port);
    g_autofree char *destination = g_strdup_printf ("Destination: 127.0.0.1:%u", f->echo->port);

    g_assert_nonnull (strstr (drawn, listen));
    g_assert_nonnull (strstr (drawn, "SSH server: 127.0.0.1|"));
    g_assert_nonnull (strstr (drawn, destination));
  }
  maybe_save_screenshot (GTK_WIDGET (f->wizard), "wizard-forward.png");
  next (f, "network");
  next (f, "summary");
  maybe_save_screenshot (GTK_WIDGET (f->wizard), "wizard-summary.png");

  /* The same tunnel with OpenSSH, and no off-host warning. */
  {
    g_autofree char *expected = g_strdup_printf ("-L %u:127.0.0.1:%u", port, f->echo->port);

    g_assert_nonnull (strstr (gtk_label_get_label (f->wizard->command_label), expected));
  }
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (f->wizard->offhost_group)));
  g_assert_true (gtk_switch_get_active (f->wizard->connect_switch));
  {
    g_autofree char *copied = NULL;

    gtk_widget_activate_action (GTK_WIDGET (f->wizard), "wizard.copy-command", NULL);
    copied = read_clipboard (GTK_WIDGET (f->wizard));
    g_assert_cmpstr (copied, ==, gtk_label_get_label (f->wizard->command_label));
    g_assert_true (g_str_has_prefix (copied, "ssh -N -L "));
  }
  press (f, GTK_WIDGET (f->wizard->next_button));  /* Finish */
  g_assert_true (wait_for (has_no_wizard, NULL));

  /* A new server: the host-key question, a click the user makes too, then
   * a working tunnel with no other dialog on the way. */
  g_assert_true (wait_for (host_key_question, NULL));
  click (find_toplevel (culvert_alert_get_type ()), "_Trust and Connect");
  f->clicks++;
  /* The answered question goes (libadwaita 1.5's alert animates out); any
   * dialog from then on is one too many. */
  g_assert_true (wait_for (has_no_dialog_titled, "Trust This Server?"));
  g_assert_true (wait_for (connected_alone, f));
  g_assert_false (f->saw_dialog);
  /* New Connection, five times Next, Finish, Trust and Connect. */
  g_test_message ("clicks from the empty window: %u", f->clicks);
  g_assert_cmpuint (f->clicks, ==, 8);

  fd = connect_loopback (port);
  echo_through (fd, 4000);
  close (fd);
  g_assert_true (listens_only_on (port, TRUE));
}

/* From an ssh command to a tunnel: New Connection, Next, the pasted
 * command, and "Create and Connect Now" (then the host-key question, as
 * for any new server): three clicks, and the tunnel works. */
static void
test_wizard_paste_finish (WizardFixture *f,
                          gconstpointer  data)
{
  guint16 port = free_port ();
  g_autofree char *command = NULL;
  int fd;

  if (!start_sshd (f))
    return;

  open_wizard (f);
  next (f, "server");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (f->wizard->finish_now_button)));
  command = g_strdup_printf ("ssh -N -L %u:127.0.0.1:%u -p %u -i %s %s@127.0.0.1", port,
                             f->echo->port, f->sshd->port, f->sshd->client_key_path,
                             f->sshd->user);
  type (f->wizard->host_row, command);
  g_assert_true (wait_for (widget_is_mapped, f->wizard->finish_now_button));
  press (f, GTK_WIDGET (f->wizard->finish_now_button));
  g_assert_true (wait_for (has_no_wizard, NULL));

  g_assert_true (wait_for (host_key_question, NULL));
  click (find_toplevel (culvert_alert_get_type ()), "_Trust and Connect");
  g_assert_true (wait_for (has_no_dialog_titled, "Trust This Server?"));
  g_assert_true (wait_for (connected_alone, f));
  g_test_message ("clicks from the empty window, before the host key: %u", f->clicks);
  g_assert_cmpuint (f->clicks, <=, 3);

  fd = connect_loopback (port);
  echo_through (fd, 4000);
  close (fd);
}

static void
test_wizard_incoming (WizardFixture *f,
                      gconstpointer  data)
{
  guint16 port = free_port ();
  int fd;

  if (!start_sshd (f))
    return;

  open_wizard (f);
  press (f, GTK_WIDGET (f->wizard->scenario_incoming));
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
  press (f, GTK_WIDGET (f->wizard->next_button));
  g_assert_true (wait_for (profile_connected, f));

  /* The server side listens (the same machine here): bytes come back
   * from the service on this side. */
  fd = connect_loopback (port);
  g_assert_cmpint (fd, >=, 0);
  echo_through (fd, 4000);
  close (fd);
}

static void
test_wizard_dynamic (WizardFixture *f,
                     gconstpointer  data)
{
  guint16 port = free_port ();
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  int fd;

  if (!start_sshd (f))
    return;

  open_wizard (f);
  press (f, GTK_WIDGET (f->wizard->scenario_dynamic));
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
  press (f, GTK_WIDGET (f->wizard->next_button));
  g_assert_true (wait_for (profile_connected, f));

  fd = connect_loopback (port);
  socks5_connect (fd, f->echo->port);
  echo_through (fd, 4000);
  close (fd);
}

/* The warning comes exactly when the forward would let others in; "Keep
 * Local Only" puts the listening socket back on loopback. */

static gboolean
host_is (gpointer data)
{
  gpointer *args = data;
  CulvertWizard *wizard = args[0];

  return g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (wizard->host_row)), args[1]) == 0;
}

static void
test_wizard_paste (WizardFixture *f,
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

  /* Typed one key at a time, the text stays as typed while it is typed
   * ("dave@h" is not split up under the cursor), is never refused as "not a
   * host name", and Next fills the fields as a paste does. */
  type (f->wizard->host_row, "");
  host = gtk_editable_get_delegate (GTK_EDITABLE (f->wizard->host_row));
  for (const char *p = "dave@files.example.org:2022"; *p != '\0'; p++)
    {
      int position = gtk_editable_get_position (host);

      gtk_editable_insert_text (host, p, 1, &position);
      gtk_editable_set_position (host, position);
      iterate_until_idle ();
      g_assert_false (gtk_widget_get_visible (GTK_WIDGET (f->wizard->server_error)));
      g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (f->wizard->host_row), "error"));
    }
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->wizard->host_row)), ==,
                   "dave@files.example.org:2022");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->wizard->user_row)), ==, "carol");
  next (f, "auth");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->wizard->host_row)), ==,
                   "files.example.org");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->wizard->port_row)), ==, "2022");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->wizard->user_row)), ==, "dave");

  /* What is neither a host nor `user@host:port` is still refused. */
  press (f, GTK_WIDGET (f->wizard->back_button));
  type (f->wizard->host_row, "dave@files example");
  iterate_until_idle ();
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (f->wizard->server_error)));
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (f->wizard->next_button)));
}

static void
add_named (WizardFixture *f,
           const char    *name)
{
  g_autoptr(CulvertProfile) profile = culvert_profile_new ();

  culvert_profile_set_name (profile, name);
  culvert_profile_set_host (profile, "gw.example.org");
  g_assert_true (culvert_profile_store_save_profile (
                   culvert_application_get_profile_store (f->base.app), profile, NULL));
}

/* The suggested name says what the connection is for, and is never the
 * name of another: it is what the switches, the undo toast and the
 * host-key dialogs call the connection. */
static void
test_wizard_names (WizardFixture *f,
                   gconstpointer  data)
{
  open_wizard (f);
  next (f, "server");
  type (f->wizard->host_row, "gw.example.org");
  next (f, "auth");
  next (f, "forward");
  type (f->wizard->listen_port_row, "15432");
  type (f->wizard->destination_host_row, "db.internal");
  type (f->wizard->destination_port_row, "5432");
  next (f, "network");
  next (f, "summary");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->wizard->name_row)), ==,
                   "db.internal:5432 via gw.example.org");

  add_named (f, "db.internal:5432 via gw.example.org");
  add_named (f, "db.internal:5432 via gw.example.org (2)");
  press (f, GTK_WIDGET (f->wizard->back_button));
  next (f, "summary");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->wizard->name_row)), ==,
                   "db.internal:5432 via gw.example.org (3)");

  /* A SOCKS proxy is named after its server. */
  for (guint i = 0; i < 5; i++)
    press (f, GTK_WIDGET (f->wizard->back_button));
  press (f, GTK_WIDGET (f->wizard->scenario_dynamic));
  next (f, "server");
  next (f, "auth");
  next (f, "forward");
  next (f, "network");
  next (f, "summary");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->wizard->name_row)), ==,
                   "Browsing via gw.example.org");
}

/* Back, Next, Enter and Escape. */
static void
test_wizard_keys (WizardFixture *f,
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
  press (f, GTK_WIDGET (f->wizard->auth_key));
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (f->wizard->next_button)));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (f->wizard->auth_error)));
  press (f, GTK_WIDGET (f->wizard->auth_password));
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
  type (f->wizard->proxy_url_row, "socks4://proxy.example.org:1080");
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (f->wizard->next_button)));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (f->wizard->network_error)));
  type (f->wizard->proxy_url_row, "http://proxy.example.org:3128");
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (f->wizard->next_button)));
  next (f, "summary");
  check_accessible_names (GTK_WIDGET (f->wizard), missing);
  g_assert_cmpstr (missing->str, ==, "");
  g_assert_null (strstr (gtk_label_get_label (f->wizard->command_label), "s3cret-pw"));
  /* The command takes lines at the wizard's size, broken only between its words. */
  {
    int lines = 0;

    g_test_message ("%s", gtk_label_get_label (f->wizard->command_label));
    g_assert_true (label_breaks_only_between_words (f->wizard->command_label, &lines));
    g_assert_cmpint (lines, >, 1);
  }
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->wizard->name_row)), ==,
                   "db.internal:5432 via db.example.org");

  press (f, GTK_WIDGET (f->wizard->back_button));
  press (f, GTK_WIDGET (f->wizard->back_button));
  press (f, GTK_WIDGET (f->wizard->back_button));
  g_assert_cmpstr (culvert_wizard_get_page (f->wizard), ==, "auth");

  /* Escape cancels, but what was entered goes only when the user says so:
   * Keep Editing keeps it, Discard closes and nothing is saved. */
  gtk_widget_activate_action (GTK_WIDGET (f->wizard), "window.close", NULL);
  g_assert_true (wait_for (has_dialog_titled, (gpointer) "Discard this connection?"));
  g_assert_true (has_wizard (NULL));
  {
    GtkWidget *alert = find_dialog ("Discard this connection?");

    g_assert_cmpstr (culvert_alert_get_default_response (alert), ==, "keep");
    g_assert_cmpint (culvert_alert_get_response_appearance (alert, "discard"), ==,
                     ADW_RESPONSE_DESTRUCTIVE);
    click (alert, "_Keep Editing");
  }
  g_assert_true (wait_for (has_no_dialog_titled, (gpointer) "Discard this connection?"));
  iterate_until_idle ();
  g_assert_true (has_wizard (NULL));
  g_assert_cmpstr (culvert_wizard_get_page (f->wizard), ==, "auth");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->wizard->host_row)), ==,
                   "db.example.org");
  /* The Cancel button asks the same. */
  press (f, find_widget (GTK_WIDGET (f->wizard), GTK_TYPE_BUTTON, button_labelled, "_Cancel"));
  g_assert_true (wait_for (has_dialog_titled, (gpointer) "Discard this connection?"));
  g_assert_cmpuint (count_dialogs ("Discard this connection?"), ==, 1);
  click (find_dialog ("Discard this connection?"), "_Discard");
  g_assert_true (wait_for (has_no_wizard, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (
                      culvert_application_get_profile_store (f->base.app))), ==, 0);

  /* Untouched (only Next pressed), Escape closes at once. */
  open_wizard (f);
  next (f, "server");
  gtk_widget_activate_action (GTK_WIDGET (f->wizard), "window.close", NULL);
  g_assert_true (wait_for (has_no_wizard, NULL));
  g_assert_null (find_dialog ("Discard this connection?"));

  /* The application's action (`culvert --new-connection`, the desktop
   * file's action) opens the wizard too. */
  g_action_group_activate_action (G_ACTION_GROUP (f->base.app), "new-connection", NULL);
  g_assert_true (wait_for (has_wizard, NULL));
  g_assert_true (gtk_window_get_transient_for (find_toplevel (CULVERT_TYPE_WIZARD)) ==
                 GTK_WINDOW (f->base.window));
}

static gboolean
test_finished (gpointer data)
{
  CulvertWizard *wizard = data;

  return wizard->test_tunnel == NULL &&
         gtk_widget_get_visible (GTK_WIDGET (wizard->test_icon));
}

static void
test_wizard_test_connection (WizardFixture *f,
                             gconstpointer  data)
{
  if (!start_sshd (f))
    return;

  open_wizard (f);
  next (f, "server");

  /* Nobody listens there: the exact failure. */
  fill_server (f, free_port ());
  press (f, GTK_WIDGET (f->wizard->test_button));
  g_assert_true (wait_for (test_finished, f->wizard));
  g_test_message ("failure: %s", gtk_label_get_label (f->wizard->test_result));
  g_assert_cmpstr (gtk_image_get_icon_name (f->wizard->test_icon), ==, "dialog-error-symbolic");
  g_assert_nonnull (strstr (gtk_label_get_label (f->wizard->test_result), "refused"));

  /* The real server: the host-key question, then success. */
  fill_server (f, f->sshd->port);
  press (f, GTK_WIDGET (f->wizard->test_button));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (f->wizard->test_spinner)));
  g_assert_true (wait_for (host_key_question, NULL));
  g_assert_true (culvert_dialog_get_window (find_toplevel (culvert_alert_get_type ())) ==
                 GTK_WIDGET (f->wizard));
  click (find_toplevel (culvert_alert_get_type ()), "_Trust and Connect");
  g_assert_true (wait_for (test_finished, f->wizard));
  g_assert_cmpstr (gtk_image_get_icon_name (f->wizard->test_icon), ==, "emblem-ok-symbolic");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (f->wizard->test_spinner)));
}

/* Whether @needle is in any file under @dir. */
static gboolean
found_under (const char *dir,
             const char *needle)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          if (found_under (path, needle))
            return TRUE;
        }
      else if (g_file_get_contents (path, &contents, &length, NULL) &&
               g_strstr_len (contents, length, needle) != NULL)
        return TRUE;
    }
  return FALSE;
}

/* A pasted command names the key file: the walk logs in with that key
 * (there is no default key to fall back on), through its forward. */
static void
test_wizard_key_file (WizardFixture *f,
                      gconstpointer  data)
{
  g_autofree char *default_key = g_build_filename (g_get_home_dir (), ".ssh", "id_ed25519", NULL);
  g_autofree char *command = NULL;
  g_autoptr(CulvertProfile) profile = NULL;
  GtkWidget *key_row;
  guint16 port = free_port ();
  int fd;

  if (!start_sshd (f))
    return;
  g_assert_cmpint (g_unlink (default_key), ==, 0);

  open_wizard (f);
  next (f, "server");
  command = g_strdup_printf ("ssh -i %s -L %u:127.0.0.1:%u -p %u %s@127.0.0.1",
                             f->sshd->client_key_path, port, f->echo->port, f->sshd->port,
                             f->sshd->user);
  type (f->wizard->host_row, command);
  {
    gpointer args[2] = { f->wizard, (gpointer) "127.0.0.1" };

    g_assert_true (wait_for (host_is, args));
  }
  next (f, "auth");
  g_assert_true (gtk_check_button_get_active (f->wizard->auth_key));
  key_row = gtk_widget_get_ancestor (GTK_WIDGET (f->wizard->key_button), ADW_TYPE_ACTION_ROW);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (key_row)), ==,
                   f->sshd->client_key_path);
  next (f, "forward");
  next (f, "network");
  next (f, "summary");
  press (f, GTK_WIDGET (f->wizard->next_button));
  g_assert_true (wait_for (profile_connected, f));

  profile = g_list_model_get_item (G_LIST_MODEL (culvert_application_get_profile_store (f->base.app)), 0);
  g_assert_cmpint (culvert_profile_get_auth_method (profile), ==, CULVERT_AUTH_KEY);
  g_assert_cmpstr (culvert_profile_get_identity_file (profile), ==, f->sshd->client_key_path);
  fd = connect_loopback (port);
  echo_through (fd, 1000);
  close (fd);
}

/* "Remember in Keyring" puts the password in the real keyring, and in no
 * file of Culvert's; Test Connection logs in with the typed password. */
static void
test_wizard_remember_password (WizardFixture *f,
                               gconstpointer  data)
{
  CulvertProfileStore *store = culvert_application_get_profile_store (f->base.app);
  g_autoptr(CulvertProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  char *found;
  g_autofree char *config_dir = NULL;
  const char *password;

  if (!start_sshd (f))
    return;
  password = f->sshd->password != NULL ? f->sshd->password : "wizard-test-pw-2718";

  open_wizard (f);
  next (f, "server");
  fill_server (f, f->sshd->port);
  next (f, "auth");
  press (f, GTK_WIDGET (f->wizard->auth_password));
  type (f->wizard->password_row, password);
  g_assert_true (gtk_switch_get_active (f->wizard->remember_switch));

  if (f->sshd->password != NULL)
    {
      /* Root's sshd takes passwords: the typed one answers, no dialog asks. */
      press (f, GTK_WIDGET (f->wizard->back_button));
      press (f, GTK_WIDGET (f->wizard->test_button));
      g_assert_true (wait_for (host_key_question, NULL));
      click (find_toplevel (culvert_alert_get_type ()), "_Trust and Connect");
      g_assert_true (wait_for (test_finished, f->wizard));
      g_assert_cmpstr (gtk_image_get_icon_name (f->wizard->test_icon), ==, "emblem-ok-symbolic");
      g_assert_true (wait_for (has_no_dialog_titled, "Trust This Server?"));
      g_assert_false (has_message_dialog (NULL));
      next (f, "auth");
    }
  else
    g_test_message ("sshd is not root: no password login, the keyring part only");

  next (f, "forward");
  fill_forward (f, free_port (), "127.0.0.1", f->echo->port);
  next (f, "network");
  adw_expander_row_set_expanded (f->wizard->network_expander, TRUE);
  type (f->wizard->jump_hosts_row, "hop.example.org:2222");
  next (f, "summary");
  g_assert_null (strstr (gtk_label_get_label (f->wizard->command_label), password));
  g_assert_nonnull (strstr (gtk_label_get_label (f->wizard->command_label),
                            "-J hop.example.org:2222"));
  gtk_switch_set_active (f->wizard->connect_switch, FALSE);
  press (f, GTK_WIDGET (f->wizard->next_button));
  g_assert_true (wait_for (has_no_wizard, NULL));

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
  profile = g_list_model_get_item (G_LIST_MODEL (store), 0);
  g_assert_cmpint (culvert_profile_get_auth_method (profile), ==, CULVERT_AUTH_PASSWORD);
  g_assert_cmpstr (culvert_profile_get_jump_hosts (profile)[0], ==, "hop.example.org:2222");
  g_assert_false (culvert_tunnel_is_running (culvert_application_get_tunnel (f->base.app, profile)));

  found = culvert_secrets_lookup_sync (CULVERT_SECRET_PASSWORD, culvert_profile_get_id (profile),
                                       f->sshd->user, "127.0.0.1", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, password);
  culvert_secrets_free (found);
  config_dir = g_path_get_dirname (culvert_profile_store_get_directory (store));
  g_assert_false (found_under (config_dir, password));
  g_assert_true (found_under (config_dir, "hop.example.org"));

  /* Connecting (straight, without the made-up gateway) finds it there:
   * nobody is asked for the password. */
  if (f->sshd->password != NULL)
    {
      culvert_profile_set_jump_hosts (profile, NULL);
      g_assert_true (culvert_profile_store_save_profile (store, profile, NULL));
      gtk_widget_activate_action (GTK_WIDGET (f->base.window), "win.connect", "s",
                                  culvert_profile_get_id (profile));
      g_assert_true (wait_for (profile_connected, f));
      g_assert_null (find_dialog ("Password Needed"));
    }
}

/* A proxy URL typed with user:password@: the profile (and the file, the
 * command, the ssh_config block) keep the URL without the password; the
 * password is in the keyring under the proxy's user and host, where the
 * engine looks, after a restart too. */
static void
test_wizard_proxy_password (WizardFixture *f,
                            gconstpointer  data)
{
  CulvertProfileStore *store = culvert_application_get_profile_store (f->base.app);
  const char *secret = "pr0xy-s3cret-1618";
  g_autoptr(CulvertProfileStore) reread = NULL;
  g_autoptr(CulvertProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *config_dir = NULL;
  g_autofree char *block = NULL;
  CulvertProfile *again;
  char *found;

  open_wizard (f);
  next (f, "server");
  type (f->wizard->host_row, "db.example.org");
  next (f, "auth");
  next (f, "forward");
  fill_forward (f, 18555, "db.internal", 5432);
  next (f, "network");
  adw_expander_row_set_expanded (f->wizard->network_expander, TRUE);
  adw_combo_row_set_selected (f->wizard->proxy_mode_row, CULVERT_PROXY_CUSTOM);
  type (f->wizard->proxy_url_row, "http://carol:pr0xy-s3cret-1618@proxy.example.org:3128");
  next (f, "summary");
  g_assert_null (strstr (gtk_label_get_label (f->wizard->command_label), secret));
  gtk_switch_set_active (f->wizard->connect_switch, FALSE);
  press (f, GTK_WIDGET (f->wizard->next_button));
  g_assert_true (wait_for (has_no_wizard, NULL));

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
  profile = g_list_model_get_item (G_LIST_MODEL (store), 0);
  g_assert_cmpstr (culvert_profile_get_proxy_url (profile), ==,
                   "http://carol@proxy.example.org:3128");
  block = culvert_profile_to_ssh_config (profile);
  g_assert_null (strstr (block, secret));
  config_dir = g_path_get_dirname (culvert_profile_store_get_directory (store));
  g_assert_false (found_under (config_dir, secret));
  g_assert_true (found_under (config_dir, "carol@proxy.example.org"));

  found = culvert_secrets_lookup_sync (CULVERT_SECRET_PROXY_PASSWORD,
                                       culvert_profile_get_id (profile), "carol",
                                       "proxy.example.org", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, secret);
  culvert_secrets_free (found);

  /* A restart reads the same URL back, with its user. */
  reread = culvert_profile_store_new (culvert_profile_store_get_directory (store));
  g_assert_true (culvert_profile_store_load (reread, NULL));
  again = culvert_profile_store_find (reread, culvert_profile_get_id (profile));
  g_assert_nonnull (again);
  g_assert_cmpstr (culvert_profile_get_proxy_url (again), ==,
                   "http://carol@proxy.example.org:3128");
}

int
main (int    argc,
      char **argv)
{
  int ret;

  wizard_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add ("/wizard/" path, WizardFixture, NULL, wizard_fixture_setup, func, \
              wizard_fixture_teardown)
  ADD ("outgoing", test_wizard_outgoing);
  ADD ("incoming", test_wizard_incoming);
  ADD ("dynamic", test_wizard_dynamic);
  ADD ("paste", test_wizard_paste);
  ADD ("paste-finish", test_wizard_paste_finish);
  ADD ("keys", test_wizard_keys);
  ADD ("names", test_wizard_names);
  ADD ("test-connection", test_wizard_test_connection);
  ADD ("key-file", test_wizard_key_file);
  ADD ("remember-password", test_wizard_remember_password);
  ADD ("proxy-password", test_wizard_proxy_password);
#undef ADD

  ret = g_test_run ();
  wizard_test_shutdown ();

  return ret;
}

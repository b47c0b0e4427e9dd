/* test-offhost.c — who can connect: the off-host warning wherever a
 * forward opens to other computers (wizard, forward editor, import)
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "culvert-connection-page-private.h"
#include "culvert-forward-dialog-private.h"
#include "culvert-forward-item.h"
#include "culvert-offhost-warning.h"
#include "culvert-test-wizard.h"

static void
test_wizard_offhost (WizardFixture *f,
                     gconstpointer  data)
{
  guint16 port = free_port ();
  GtkWidget *warning;
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
  press (f, GTK_WIDGET (f->wizard->back_button));
  g_assert_cmpstr (culvert_wizard_get_page (f->wizard), ==, "forward");

  /* Every interface: the warning says who can connect, and to what. */
  type (f->wizard->bind_row, "");
  press (f, GTK_WIDGET (f->wizard->next_button));
  g_assert_true (wait_for (has_message_dialog, NULL));
  g_assert_cmpstr (culvert_wizard_get_page (f->wizard), ==, "forward");
  warning = find_toplevel (culvert_alert_get_type ());
  {
    g_autofree char *who = g_strdup_printf ("Any computer that can reach this computer on port "
                                            "%u can use this tunnel to reach 127.0.0.1:%u, "
                                            "without a password.", port, f->echo->port);

    g_assert_cmpstr (culvert_alert_get_body (warning), ==, who);
  }
  g_assert_cmpstr (culvert_alert_get_default_response (warning), ==, "local");
  g_assert_cmpint (culvert_alert_get_response_appearance (warning, "allow"), ==,
                   ADW_RESPONSE_DESTRUCTIVE);

  /* Keep Local Only: the switch goes off where the user sees it (the page
   * stays, its row saying what off means); Next goes on, asking nothing. */
  click (warning, "_Keep Local Only");
  g_assert_true (wait_for (has_no_message_dialog, NULL));
  g_assert_false (gtk_switch_get_active (f->wizard->other_hosts_switch));
  g_assert_cmpstr (culvert_wizard_get_page (f->wizard), ==, "forward");
  next (f, "network");
  g_assert_false (has_message_dialog (NULL));
  next (f, "summary");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (f->wizard->offhost_group)));
  press (f, GTK_WIDGET (f->wizard->next_button));
  g_assert_true (wait_for (profile_connected, f));

  g_assert_true (listens_only_on (port, TRUE));
  fd = connect_loopback (port);
  echo_through (fd, 100);
  close (fd);
}

/* "Allow Other Hosts": the summary lists the forward with the warning
 * icon, and the socket listens on every interface. */
static void
test_wizard_offhost_allowed (WizardFixture *f,
                             gconstpointer  data)
{
  guint16 port = free_port ();
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
  press (f, GTK_WIDGET (f->wizard->next_button));
  g_assert_true (wait_for (has_message_dialog, NULL));
  click (find_toplevel (culvert_alert_get_type ()), "_Allow Other Hosts");
  g_assert_true (wait_for (has_no_message_dialog, NULL));
  g_assert_cmpstr (culvert_wizard_get_page (f->wizard), ==, "network");
  next (f, "summary");

  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (f->wizard->offhost_group)));
  icon = find_widget (GTK_WIDGET (f->wizard->offhost_group), GTK_TYPE_IMAGE, NULL, NULL);
  g_assert_nonnull (icon);
  g_assert_cmpstr (gtk_image_get_icon_name (GTK_IMAGE (icon)), ==, "dialog-warning-symbolic");
  g_assert_true (gtk_widget_get_mapped (icon));

  press (f, GTK_WIDGET (f->wizard->next_button));
  g_assert_true (wait_for (profile_connected, f));
  g_assert_true (listens_only_on (port, FALSE));
}

/* Answers the off-host warning that must be on screen now. */
static void
answer_warning (const char *label)
{
  g_assert_true (wait_for (has_message_dialog, NULL));
  g_assert_cmpstr (culvert_alert_get_heading (
                     find_toplevel (culvert_alert_get_type ())), ==,
                   "Let Other Computers Connect?");
  click (find_toplevel (culvert_alert_get_type ()), label);
  g_assert_true (wait_for (has_no_message_dialog, NULL));
}

static void
back_to (WizardFixture *f,
         const char    *page)
{
  while (g_strcmp0 (culvert_wizard_get_page (f->wizard), page) != 0)
    press (f, GTK_WIDGET (f->wizard->back_button));
}

/* The wizard's consent belongs to the forward it was given for: another
 * scenario, bind address or port asks again; the same forward does not. */
static void
test_wizard_offhost_consent_stale (WizardFixture *f,
                                   gconstpointer  data)
{
  guint16 port = free_port ();
  g_autofree char *other_port = g_strdup_printf ("%u", port + 1);

  open_wizard (f);
  next (f, "server");
  type (f->wizard->host_row, "gateway.example.org");
  next (f, "auth");
  next (f, "forward");
  fill_forward (f, port, "127.0.0.1", 5432);
  gtk_switch_set_active (f->wizard->other_hosts_switch, TRUE);
  press (f, GTK_WIDGET (f->wizard->next_button));
  answer_warning ("_Allow Other Hosts");
  g_assert_cmpstr (culvert_wizard_get_page (f->wizard), ==, "network");

  /* The same forward again: already answered. */
  back_to (f, "forward");
  next (f, "network");
  g_assert_false (has_message_dialog (NULL));

  /* Another scenario, same address and port: an open proxy now. */
  back_to (f, "scenario");
  press (f, GTK_WIDGET (f->wizard->scenario_dynamic));
  next (f, "server");
  next (f, "auth");
  next (f, "forward");
  g_assert_true (gtk_switch_get_active (f->wizard->other_hosts_switch));
  press (f, GTK_WIDGET (f->wizard->next_button));
  g_assert_true (has_message_dialog (NULL));
  g_assert_nonnull (strstr (culvert_alert_get_body (
                              find_toplevel (culvert_alert_get_type ())),
                            "open proxy"));
  answer_warning ("_Allow Other Hosts");
  g_assert_cmpstr (culvert_wizard_get_page (f->wizard), ==, "network");

  /* Another bind address. */
  back_to (f, "forward");
  type (f->wizard->bind_row, "192.168.1.20");
  press (f, GTK_WIDGET (f->wizard->next_button));
  g_assert_true (has_message_dialog (NULL));
  answer_warning ("_Allow Other Hosts");
  g_assert_cmpstr (culvert_wizard_get_page (f->wizard), ==, "network");

  /* Another port. */
  back_to (f, "forward");
  type (f->wizard->listen_port_row, other_port);
  press (f, GTK_WIDGET (f->wizard->next_button));
  g_assert_true (has_message_dialog (NULL));
  answer_warning ("_Keep Local Only");
  g_assert_false (gtk_switch_get_active (f->wizard->other_hosts_switch));
  g_assert_cmpstr (culvert_wizard_get_page (f->wizard), ==, "forward");
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
save_profile (WizardFixture *f,
              const char *name)
{
  CulvertProfileStore *store = culvert_application_get_profile_store (f->base.app);
  g_autoptr(CulvertProfile) profile = culvert_profile_new ();

  culvert_profile_set_name (profile, name);
  culvert_profile_set_host (profile, "gateway.example.org");
  g_assert_true (culvert_profile_store_save_profile (store, profile, NULL));
  return profile;  /* the store keeps it */
}

/* The forward editor draws the rule as it is typed, and its off-host
 * warning keeps the rule local unless the user allows otherwise. */
static void
test_wizard_forward_editor (WizardFixture *f,
                            gconstpointer  data)
{
  CulvertProfile *profile = save_profile (f, "Lab");
  CulvertConnectionPage *page;
  CulvertForwardDialogParts parts;
  CulvertForwardDialog *dialog;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(CulvertForward) saved = NULL;
  GtkWidget *warning;

  culvert_window_select_profile (f->base.window, profile);
  page = culvert_window_get_connection_page (f->base.window);
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
  warning = find_toplevel (culvert_alert_get_type ());
  g_assert_cmpstr (culvert_alert_get_body (warning), ==,
                   "Any computer that can reach 192.168.1.20 port 15432 can use this tunnel to "
                   "reach db.internal:5432, without a password.");
  click (warning, "_Keep Local Only");
  g_assert_true (wait_for (has_no_forward_dialog, NULL));

  g_assert_cmpuint (g_list_model_get_n_items (culvert_profile_get_forwards (profile)), ==, 1);
  saved = g_list_model_get_item (culvert_profile_get_forwards (profile), 0);
  g_assert_false (culvert_forward_is_off_host (saved));
  g_assert_cmpuint (culvert_forward_get_bind_port (saved), ==, 15432);
}

/* Every forward of @data's tunnel listens. */
static gboolean
all_forwards_listen (gpointer data)
{
  WizardFixture *f = data;
  CulvertProfileStore *store = culvert_application_get_profile_store (f->base.app);
  g_autoptr(CulvertProfile) profile = g_list_model_get_item (G_LIST_MODEL (store), 0);
  CulvertTunnel *tunnel = culvert_application_lookup_tunnel (f->base.app, profile);
  GListModel *forwards;

  if (tunnel == NULL || culvert_tunnel_get_state (tunnel) != CULVERT_TUNNEL_CONNECTED)
    return FALSE;
  forwards = culvert_tunnel_get_forwards (tunnel);
  if (g_list_model_get_n_items (forwards) != g_list_model_get_n_items (
        culvert_profile_get_forwards (profile)))
    return FALSE;
  for (guint i = 0; i < g_list_model_get_n_items (forwards); i++)
    {
      g_autoptr(CulvertForwardStatus) status = g_list_model_get_item (forwards, i);

      if (culvert_forward_status_get_state (status) != CULVERT_FORWARD_STATE_LISTENING)
        return FALSE;
    }
  return TRUE;
}

static CulvertForwardDialog *
open_add_forward (WizardFixture             *f,
                  CulvertProfile            *profile,
                  CulvertForwardDialogParts *parts)
{
  CulvertForwardDialog *dialog;

  culvert_window_select_profile (f->base.window, profile);
  g_assert_true (gtk_widget_activate_action (
                   GTK_WIDGET (culvert_window_get_connection_page (f->base.window)),
                   "page.add-forward", NULL));
  g_assert_true (wait_for (has_forward_dialog, NULL));
  dialog = CULVERT_FORWARD_DIALOG (find_toplevel (CULVERT_TYPE_FORWARD_DIALOG));
  g_assert_true (wait_for (widget_is_mapped, dialog));
  culvert_forward_dialog_get_parts (dialog, parts);
  return dialog;
}

/* A path where the editor takes a port or a host names a Unix-domain
 * socket: the rule is ssh's -L /local.sock:/remote.sock, local by nature
 * (the switch for other hosts does not apply, nothing warns), and the
 * editor and the table show the paths again. */
static void
test_forward_editor_socket_path (WizardFixture *f,
                                 gconstpointer  data)
{
  CulvertProfile *profile = save_profile (f, "Docker");
  CulvertForwardDialogParts parts;
  CulvertForwardDialog *dialog;
  g_autoptr(CulvertForward) saved = NULL;
  g_autoptr(CulvertForwardItem) item = NULL;
  g_autofree char *spec = NULL;

  /* GatewayPorts on: even then a socket file takes no bind address. */
  culvert_profile_set_gateway_ports (profile, TRUE);
  open_add_forward (f, profile, &parts);
  type (parts.port_row, "/tmp/x/docker.sock");
  type (parts.host_row, "/var/run/docker.sock");
  gtk_switch_set_active (parts.other_hosts_switch, TRUE);
  g_signal_emit_by_name (parts.save_button, "clicked");
  iterate_until_idle ();
  g_assert_false (has_message_dialog (NULL));
  g_assert_true (wait_for (has_no_forward_dialog, NULL));

  g_assert_cmpuint (g_list_model_get_n_items (culvert_profile_get_forwards (profile)), ==, 1);
  saved = g_list_model_get_item (culvert_profile_get_forwards (profile), 0);
  spec = culvert_forward_to_string (saved);
  g_assert_cmpstr (spec, ==, "/tmp/x/docker.sock:/var/run/docker.sock");
  g_assert_true (culvert_forward_validate (saved, NULL));
  g_assert_false (culvert_forward_is_off_host_full (saved, TRUE));

  item = culvert_forward_item_new (profile, saved);
  g_assert_cmpstr (culvert_forward_item_get_listen_text (item), ==, "/tmp/x/docker.sock");
  g_assert_null (culvert_forward_item_get_off_host_text (item));

  /* Edited: the paths are there to change. */
  dialog = CULVERT_FORWARD_DIALOG (culvert_forward_dialog_new (
                                     GTK_WINDOW (f->base.window),
                                     culvert_application_get_profile_store (f->base.app),
                                     profile, saved));
  gtk_window_present (GTK_WINDOW (dialog));
  culvert_forward_dialog_get_parts (dialog, &parts);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (parts.port_row)), ==,
                   "/tmp/x/docker.sock");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (parts.host_row)), ==,
                   "/var/run/docker.sock");
  type (parts.port_row, "15432");
  type (parts.host_row, "db.internal");
  type (parts.destination_port_row, "5432");
  gtk_switch_set_active (parts.other_hosts_switch, FALSE);
  g_signal_emit_by_name (parts.save_button, "clicked");
  g_assert_true (wait_for (has_no_forward_dialog, NULL));
  g_free (spec);
  spec = culvert_forward_to_string (saved);
  g_assert_cmpstr (spec, ==, "localhost:15432:db.internal:5432");
  g_assert_true (culvert_forward_validate (saved, NULL));
}

/* The switch's row says what the switch does now: the off state's words
 * while off, who can connect while on. */
static void
test_switch_says_its_state (WizardFixture *f,
                            gconstpointer  data)
{
  CulvertProfile *profile = save_profile (f, "Web");
  CulvertForwardDialogParts parts;
  GtkWidget *row;

  open_add_forward (f, profile, &parts);
  row = gtk_widget_get_ancestor (GTK_WIDGET (parts.other_hosts_switch), ADW_TYPE_ACTION_ROW);
  g_assert_nonnull (row);
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "Off: "));
  gtk_switch_set_active (parts.other_hosts_switch, TRUE);
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)),
                                   "On: other computers"));
  gtk_switch_set_active (parts.other_hosts_switch, FALSE);
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "Off: "));
}

/* A connection with GatewayPorts on: a forward added with "Allow
 * Connections From Other Hosts" off is asked nothing and listens on
 * loopback; one switched on, then kept local at the warning, too. The
 * sockets say so, and the editor shows a rule without a bind address as
 * what it is there: open to other hosts. */
static void
test_forward_editor_gateway_ports (WizardFixture *f,
                                   gconstpointer  data)
{
  CulvertProfileStore *store = culvert_application_get_profile_store (f->base.app);
  guint16 first = free_port (), second = free_port (), third = free_port ();
  g_autofree char *spec = NULL;
  g_autofree char *text = NULL;
  g_autoptr(CulvertForward) wide = NULL;
  CulvertForwardDialogParts parts;
  CulvertProfile *profile;
  GtkWidget *editor;

  if (!start_sshd (f))
    return;
  spec = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", first, f->echo->port);
  profile = add_sshd_profile (&f->base, f->sshd, spec);
  culvert_profile_set_gateway_ports (profile, TRUE);
  g_assert_true (culvert_profile_store_save_profile (store, profile, NULL));

  /* Switch off: saved without a question. */
  open_add_forward (f, profile, &parts);
  g_assert_false (gtk_switch_get_active (parts.other_hosts_switch));
  text = g_strdup_printf ("%u", second);
  type (parts.port_row, text);
  type (parts.host_row, "127.0.0.1");
  g_free (text);
  text = g_strdup_printf ("%u", f->echo->port);
  type (parts.destination_port_row, text);
  g_signal_emit_by_name (parts.save_button, "clicked");
  iterate_until_idle ();
  g_assert_false (has_message_dialog (NULL));
  g_assert_true (wait_for (has_no_forward_dialog, NULL));

  /* Switch on, then "Keep Local Only". */
  open_add_forward (f, profile, &parts);
  g_free (text);
  text = g_strdup_printf ("%u", third);
  type (parts.port_row, text);
  type (parts.host_row, "127.0.0.1");
  g_free (text);
  text = g_strdup_printf ("%u", f->echo->port);
  type (parts.destination_port_row, text);
  gtk_switch_set_active (parts.other_hosts_switch, TRUE);
  g_signal_emit_by_name (parts.save_button, "clicked");
  g_assert_true (wait_for (has_message_dialog, NULL));
  click (find_toplevel (culvert_alert_get_type ()), "_Keep Local Only");
  g_assert_true (wait_for (has_no_forward_dialog, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (culvert_profile_get_forwards (profile)), ==, 3);

  /* What the engine binds: loopback only, for both. */
  switch_on (&f->base, profile);
  g_assert_true (wait_for (all_forwards_listen, f));
  g_assert_true (listens_only_on (second, TRUE));
  g_assert_true (listens_only_on (third, TRUE));
  assert_echoes (second);
  assert_echoes (third);

  /* A rule without a bind address under GatewayPorts listens everywhere:
   * its editor says so. */
  g_free (spec);
  spec = g_strdup_printf ("%u:127.0.0.1:%u", free_port (), f->echo->port);
  wide = culvert_forward_parse (CULVERT_FORWARD_LOCAL, spec, NULL);
  editor = culvert_forward_dialog_new (GTK_WINDOW (f->base.window), store, profile, wide);
  culvert_forward_dialog_get_parts (CULVERT_FORWARD_DIALOG (editor), &parts);
  g_assert_true (gtk_switch_get_active (parts.other_hosts_switch));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (parts.bind_row)), ==, "");
  gtk_window_destroy (GTK_WINDOW (editor));
}

/* An imported config that opens a forward to other computers is asked
 * about; one that stays local is not. */
static void
test_wizard_import_offhost (WizardFixture *f,
                            gconstpointer  data)
{
  CulvertProfileStore *store = culvert_application_get_profile_store (f->base.app);
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "culvert-wizard-import.conf", NULL);
  g_autoptr(CulvertProfileStore) reread = NULL;
  CulvertProfile *profile;
  g_autoptr(CulvertForward) forward = NULL;
  GtkWidget *warning;
  guint warnings = 0;

  g_assert_true (g_file_set_contents (path,
                                      "Host lab\n"
                                      "  HostName gateway.example.org\n"
                                      "  LocalForward *:18080 intranet.lab:80\n"
                                      "  DynamicForward 127.0.0.1:11080\n", -1, NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->base.window), "win.import-file", "s", path));

  while (wait_for (has_message_dialog, NULL))
    {
      warning = find_toplevel (culvert_alert_get_type ());
      if (g_str_has_prefix (culvert_alert_get_heading (warning),
                            "Import Finished"))
        {
          /* The report, under the warning: closed last. */
          g_assert_cmpuint (warnings, ==, 1);
          click (warning, "_Close");
          g_assert_true (wait_for (has_no_message_dialog, NULL));
          break;
        }
      warnings++;
      g_assert_cmpstr (culvert_alert_get_heading (warning), ==, "Let Other Computers Connect?");
      g_assert_true (g_str_has_prefix (culvert_alert_get_body (warning),
                                       "Imported connection “lab”: "));
      g_assert_nonnull (strstr (culvert_alert_get_body (warning),
                                "this computer on port 18080"));
      click (warning, "_Keep Local Only");
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

#define ANYTHING "anything this computer can reach, its own loopback services and its " \
                 "network included"

/* A reverse dynamic forward (-R [bind:]port, no destination) is a proxy
 * into this computer's network: the warning says so, never "(null)", and a
 * loopback-only one is asked about too (every user of the server can use
 * it), once. */
static void
test_reverse_dynamic (WizardFixture *f,
                      gconstpointer  data)
{
  CulvertProfileStore *store = culvert_application_get_profile_store (f->base.app);
  CulvertProfile *profile = save_profile (f, "Lab");
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "culvert-rd-import.conf", NULL);
  g_autoptr(CulvertForward) loopback = culvert_forward_parse (CULVERT_FORWARD_REMOTE, "18092",
                                                              NULL);
  g_autoptr(CulvertForward) wide = culvert_forward_parse (CULVERT_FORWARD_REMOTE, "*:18093",
                                                          NULL);
  g_autoptr(CulvertForwardItem) item = NULL;
  g_autoptr(CulvertProfileStore) reread = NULL;
  g_autoptr(CulvertForward) imported = NULL;
  GtkWidget *dialog;
  const char *text;
  guint warnings = 0;

  g_assert_true (culvert_forward_is_reverse_dynamic (loopback));
  g_assert_true (culvert_forward_is_reverse_dynamic (wide));

  /* The table's warning, on the server's loopback. */
  item = culvert_forward_item_new (profile, loopback);
  text = culvert_forward_item_get_off_host_text (item);
  g_assert_nonnull (text);
  g_assert_null (strstr (text, "(null)"));
  g_assert_nonnull (strstr (text, ANYTHING));
  g_assert_nonnull (strstr (text, "localhost port 18092 on the SSH server gateway.example.org"));

  /* The confirmation, on every interface of the server. */
  dialog = culvert_offhost_warning_new (GTK_WIDGET (f->base.window), wide, FALSE,
                                        "gateway.example.org");
  g_assert_nonnull (dialog);
  text = culvert_alert_get_body (dialog);
  g_assert_null (strstr (text, "(null)"));
  g_assert_nonnull (strstr (text, ANYTHING));
  g_assert_nonnull (strstr (text, "the SSH server gateway.example.org on port 18093"));
  culvert_dialog_destroy (dialog);

  /* Imported on the server's loopback: asked once, and "Turn Forward Off"
   * keeps it from running. */
  g_assert_true (g_file_set_contents (path,
                                      "Host rd\n"
                                      "  HostName gateway.example.org\n"
                                      "  RemoteForward 18094\n", -1, NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->base.window), "win.import-file",
                                             "s", path));
  while (wait_for (has_message_dialog, NULL))
    {
      GtkWidget *warning = find_toplevel (culvert_alert_get_type ());

      if (g_str_has_prefix (culvert_alert_get_heading (warning), "Import Finished"))
        {
          click (warning, "_Close");
          g_assert_true (wait_for (has_no_message_dialog, NULL));
          break;
        }
      warnings++;
      g_assert_nonnull (strstr (culvert_alert_get_body (warning), ANYTHING));
      click (warning, "_Turn Forward Off");
      iterate_until_idle ();
    }
  g_assert_cmpuint (warnings, ==, 1);
  reread = culvert_profile_store_new (culvert_profile_store_get_directory (store));
  g_assert_true (culvert_profile_store_load (reread, NULL));
  profile = culvert_profile_store_find (reread, "rd");
  g_assert_nonnull (profile);
  imported = g_list_model_get_item (culvert_profile_get_forwards (profile), 0);
  g_assert_true (culvert_forward_is_reverse_dynamic (imported));
  g_assert_false (culvert_forward_get_enabled (imported));
  g_unlink (path);
}

#define GWTEST_CONFIG "Host gwtest\n" \
                      "  HostName gateway.example.org\n" \
                      "  GatewayPorts yes\n" \
                      "  LocalForward 18090 127.0.0.1:80\n" \
                      "  DynamicForward 0.0.0.0:18091\n" \
                      "  RemoteForward *:18092\n"

/* Writes the config into the FIFO, late: a reader on the main thread
 * would hold the window that long. */
static gpointer
write_fifo_late (gpointer data)
{
  const char *path = data;
  int fd;

  g_usleep (600 * G_TIME_SPAN_MILLISECOND);
  /* Opened and written as it is (GLib 2.84's g_file_set_contents_full()
   * truncates first, which a FIFO refuses). */
  fd = g_open (path, O_WRONLY | O_CLOEXEC, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, GWTEST_CONFIG, strlen (GWTEST_CONFIG)), ==, strlen (GWTEST_CONFIG));
  g_assert_cmpint (close (fd), ==, 0);
  return NULL;
}

static guint
saved_profiles (CulvertProfileStore *store)
{
  g_autoptr(CulvertProfileStore) reread =
    culvert_profile_store_new (culvert_profile_store_get_directory (store));

  culvert_profile_store_load (reread, NULL);
  return g_list_model_get_n_items (G_LIST_MODEL (reread));
}

/* The window's import reads the file off the main thread, asks about
 * every forward that lets other computers in before it saves anything,
 * and saves nothing when the questions go unanswered (the app quits). */
static void
test_import_asks_first (WizardFixture *f,
                        gconstpointer  data)
{
  CulvertProfileStore *store = culvert_application_get_profile_store (f->base.app);
  g_autofree char *dir = g_dir_make_tmp ("culvert-import-fifo-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "config", NULL);
  g_autoptr(CulvertProfileStore) reread = NULL;
  CulvertProfile *profile;
  GtkWidget *warning;
  GThread *writer;
  gint64 start, took;
  guint warnings = 0;

  g_assert_cmpint (mkfifo (path, 0600), ==, 0);
  writer = g_thread_new ("fifo-writer", write_fifo_late, path);
  start = g_get_monotonic_time ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->base.window), "win.import-file",
                                             "s", path));
  took = g_get_monotonic_time () - start;
  g_test_message ("the import action took %" G_GINT64_FORMAT " µs", took);
  g_assert_cmpint (took, <, 300 * G_TIME_SPAN_MILLISECOND);

  /* Asked before anything is saved. */
  g_assert_true (wait_for (has_message_dialog, NULL));
  g_thread_join (writer);
  warning = find_toplevel (culvert_alert_get_type ());
  g_assert_cmpstr (culvert_alert_get_heading (warning), ==, "Let Other Computers Connect?");
  g_assert_true (g_str_has_prefix (culvert_alert_get_body (warning),
                                   "Imported connection “gwtest”: "));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);
  g_assert_cmpuint (saved_profiles (store), ==, 0);

  /* The app quits with the question open: nothing was saved. */
  culvert_dialog_destroy (warning);
  /* libadwaita 1.5's alert, closed by force, still animates out. */
  g_assert_true (wait_for (has_no_message_dialog, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);
  g_assert_cmpuint (saved_profiles (store), ==, 0);

  /* Again, answered: each forward that lets others in is asked about
   * (18090 too: GatewayPorts opens it), then saved as answered. */
  g_unlink (path);
  g_assert_true (g_file_set_contents (path, GWTEST_CONFIG, -1, NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->base.window), "win.import-file",
                                             "s", path));
  while (wait_for (has_message_dialog, NULL))
    {
      warning = find_toplevel (culvert_alert_get_type ());
      if (g_str_has_prefix (culvert_alert_get_heading (warning), "Import Finished"))
        {
          click (warning, "_Close");
          g_assert_true (wait_for (has_no_message_dialog, NULL));
          break;
        }
      g_assert_cmpuint (saved_profiles (store), ==, 0);
      warnings++;
      click (warning, warnings == 1 ? "_Keep Local Only" : "_Allow Other Hosts");
      iterate_until_idle ();
    }
  g_assert_cmpuint (warnings, ==, 3);

  reread = culvert_profile_store_new (culvert_profile_store_get_directory (store));
  g_assert_true (culvert_profile_store_load (reread, NULL));
  profile = culvert_profile_store_find (reread, "gwtest");
  g_assert_nonnull (profile);
  g_assert_true (culvert_profile_get_gateway_ports (profile));
  g_assert_cmpuint (g_list_model_get_n_items (culvert_profile_get_forwards (profile)), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(CulvertForward) forward =
        g_list_model_get_item (culvert_profile_get_forwards (profile), i);

      g_assert_cmpint (culvert_forward_is_off_host_full (forward, TRUE), ==, i > 0);
    }
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  wizard_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add ("/offhost/" path, WizardFixture, NULL, wizard_fixture_setup, func, \
              wizard_fixture_teardown)
  ADD ("wizard", test_wizard_offhost);
  ADD ("wizard-allowed", test_wizard_offhost_allowed);
  ADD ("wizard-consent-stale", test_wizard_offhost_consent_stale);
  ADD ("forward-editor", test_wizard_forward_editor);
  ADD ("forward-editor-gateway-ports", test_forward_editor_gateway_ports);
  ADD ("forward-editor-socket-path", test_forward_editor_socket_path);
  ADD ("import", test_wizard_import_offhost);
  ADD ("reverse-dynamic", test_reverse_dynamic);
  ADD ("import-asks-first", test_import_asks_first);
  ADD ("switch-says-its-state", test_switch_says_its_state);
#undef ADD

  ret = g_test_run ();
  wizard_test_shutdown ();

  return ret;
}

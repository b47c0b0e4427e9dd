/* culvert-test-wizard.c — walking the wizard, for the tests that do
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "culvert-test-gui.h"
#include "culvert-test-wizard.h"



/* One application per process: it owns its D-Bus name once registered. */
/* The app may send notifications (a connection that fails): to a server of
 * the test's own, not to a missing one. */
static CulvertTestNotifications *notifications;

void
wizard_test_init (int    *argc,
                  char ***argv)
{
  g_autoptr(GError) error = NULL;

  g_setenv ("GTK_A11Y", "test", TRUE);
  gtk_test_init (argc, argv, NULL);
  adw_init ();

  notifications = culvert_test_notifications_new (NULL);
  the_app = culvert_application_new ();
  g_application_register (G_APPLICATION (the_app), NULL, &error);
  g_assert_no_error (error);
}

void
wizard_test_shutdown (void)
{
  g_clear_object (&the_app);
  g_clear_pointer (&notifications, culvert_test_notifications_free);
}

void
wizard_fixture_setup (WizardFixture *f,
                      gconstpointer  data)
{
  fixture_setup (&f->base, data);
}

void
wizard_fixture_teardown (WizardFixture *f,
                         gconstpointer  data)
{
  GtkWindow *wizard;

  /* Not the application's windows: transient for one. */
  while ((wizard = find_toplevel (CULVERT_TYPE_WIZARD)) != NULL)
    gtk_window_destroy (wizard);
  fixture_teardown (&f->base, data);
  g_clear_pointer (&f->echo, echo_free);
  g_clear_pointer (&f->sshd, culvert_test_sshd_stop);
}

/* The fixture's key becomes the user's default key, so "Automatic" finds it. */
gboolean
start_sshd (WizardFixture *f)
{
  g_autofree char *ssh_dir = g_build_filename (g_get_home_dir (), ".ssh", NULL);
  g_autofree char *key_path = g_build_filename (ssh_dir, "id_ed25519", NULL);
  g_autofree char *key = NULL;

  f->sshd = start_sshd_or_skip ();
  if (f->sshd == NULL)
    return FALSE;
  f->echo = echo_new ();

  g_assert_cmpint (g_mkdir_with_parents (ssh_dir, 0700), ==, 0);
  g_assert_true (g_file_get_contents (f->sshd->client_key_path, &key, NULL, NULL));
  g_assert_true (g_file_set_contents_full (key_path, key, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                           0600, NULL));
  return TRUE;
}

/* A click a user could make: on a button that is on screen and sensitive. */
void
press (WizardFixture *f,
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

void
type (gpointer    row,
      const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

gboolean
has_wizard (gpointer data)
{
  return find_toplevel (CULVERT_TYPE_WIZARD) != NULL;
}

gboolean
has_no_wizard (gpointer data)
{
  return !has_wizard (data);
}

gboolean
has_no_message_dialog (gpointer data)
{
  return !has_message_dialog (data);
}

void
open_wizard (WizardFixture *f)
{
  GtkWidget *status = find_widget (GTK_WIDGET (f->base.window), ADW_TYPE_STATUS_PAGE, NULL, NULL);

  press (f, find_widget (status, GTK_TYPE_BUTTON, button_labelled, "_New Connection…"));
  g_assert_true (wait_for (has_wizard, NULL));
  f->wizard = CULVERT_WIZARD (find_toplevel (CULVERT_TYPE_WIZARD));
  g_assert_true (wait_for (widget_is_mapped, f->wizard));
  g_assert_cmpstr (culvert_wizard_get_page (f->wizard), ==, "scenario");
}

void
next (WizardFixture *f,
      const char *expected_page)
{
  press (f, GTK_WIDGET (f->wizard->next_button));
  g_assert_cmpstr (culvert_wizard_get_page (f->wizard), ==, expected_page);
}

void
fill_server (WizardFixture *f,
             guint16  port)
{
  g_autofree char *port_text = g_strdup_printf ("%u", port);

  type (f->wizard->host_row, "127.0.0.1");
  type (f->wizard->port_row, port_text);
  type (f->wizard->user_row, f->sshd->user);
}

void
fill_forward (WizardFixture *f,
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
gboolean
profile_connected (gpointer data)
{
  WizardFixture *f = data;
  CulvertProfileStore *store = culvert_application_get_profile_store (f->base.app);
  g_autoptr(CulvertProfile) profile = NULL;
  CulvertTunnel *tunnel;
  GtkWidget *question = find_toplevel (culvert_alert_get_type ());

  if (question != NULL &&
      g_strcmp0 (culvert_alert_get_heading (question),
                 "Trust This Server?") == 0)
    click (question, "_Trust and Connect");

  if (g_list_model_get_n_items (G_LIST_MODEL (store)) != 1)
    return FALSE;
  profile = g_list_model_get_item (G_LIST_MODEL (store), 0);
  tunnel = culvert_application_lookup_tunnel (f->base.app, profile);
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

gboolean
host_key_question (gpointer data)
{
  GtkWidget *question = find_toplevel (culvert_alert_get_type ());

  return question != NULL &&
         g_strcmp0 (culvert_alert_get_heading (question),
                    "Trust This Server?") == 0;
}

/* ---------------------------------------------------------------------- */

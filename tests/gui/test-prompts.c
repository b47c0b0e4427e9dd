/* test-prompts.c — host keys, passwords and the keyring, as a user meets them
 *
 * Under Xvfb, against the real sshd fixture, with a real GNOME Keyring (or,
 * run with culvert-test-env --no-secret-service, without any Secret Service).
 * Fingerprints are computed with ssh-keygen, secrets are looked up with
 * libsecret itself, and a tunnel counts as up when bytes echo through it.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define _GNU_SOURCE  /* memmem */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <libsecret/secret.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "culvert-connection-page-private.h"
#include "culvert-paths.h"
#include "culvert-test-net.h"
#include "culvert-window-private.h"
#include "culvert-test-gui.h"
#include "gui-test-util.h"

/* The keyring's contract, written out here rather than taken from the code. */
static const SecretSchema culvert_schema = {
  "io.github.culvert.Culvert.Secret",
  SECRET_SCHEMA_NONE,
  {
    { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "profile-id", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "host", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
  0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
};

static char *
keyring_lookup (const char     *kind,
                CulvertProfile *profile)
{
  g_autoptr(GError) error = NULL;
  char *secret = secret_password_lookup_sync (&culvert_schema, NULL, &error,
                                              "kind", kind,
                                              "profile-id", culvert_profile_get_id (profile),
                                              "user", culvert_profile_get_user (profile),
                                              "host", culvert_profile_get_host (profile),
                                              NULL);

  g_assert_no_error (error);
  return secret;
}

static void
keyring_store (const char     *kind,
               CulvertProfile *profile,
               const char     *secret)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (secret_password_store_sync (&culvert_schema, SECRET_COLLECTION_DEFAULT,
                                             "test secret", secret, NULL, &error,
                                             "kind", kind,
                                             "profile-id", culvert_profile_get_id (profile),
                                             "user", culvert_profile_get_user (profile),
                                             "host", culvert_profile_get_host (profile),
                                             NULL));
  g_assert_no_error (error);
}

/* What `ssh-keygen -lf PATH` says: the first key's "SHA256:…". */
static char *
ssh_keygen_fingerprint (const char *path)
{
  const char *argv[] = { "ssh-keygen", "-lf", path, NULL };
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) fields = NULL;
  int status;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  fields = g_strsplit (out, " ", 3);
  g_assert_cmpuint (g_strv_length (fields), >=, 2);
  g_assert_true (g_str_has_prefix (fields[1], "SHA256:"));

  return g_strdup (fields[1]);
}

/* ---------------------------------------------------------------------- */
/* Dialogs                                                                 */

static GtkWidget *
wait_for_dialog (Fixture    *f,
                 const char *heading)
{
  GtkWidget *dialog;

  if (!wait_for (has_dialog_titled, (gpointer) heading))
    {
      CulvertConnectionPage *page = culvert_window_get_connection_page (f->window);

      g_error ("no dialog “%s” appeared; the status says “%s” (%s)", heading,
               gtk_label_get_label (culvert_connection_page_get_status_title (page)),
               gtk_label_get_label (culvert_connection_page_get_status_detail (page)));
    }
  dialog = find_dialog (heading);
  /* Tied to the window; on libadwaita 1.2, a window of its own that does
   * not block it (from 1.5 on, an alert inside it). */
  g_assert_true (culvert_dialog_get_window (dialog) == GTK_WIDGET (f->window));
  if (GTK_IS_WINDOW (dialog))
    g_assert_false (gtk_window_get_modal (GTK_WINDOW (dialog)));
  g_assert_true (wait_for (widget_is_mapped, dialog));

  return dialog;
}

/* Types @secret into the dialog's password entry, ticks or leaves "Remember"
 * as @remember says, and clicks @button. */
static void
answer_secret (GtkWidget *dialog,
               const char       *secret,
               gboolean          remember)
{
  GtkWidget *entry = find_widget (GTK_WIDGET (dialog), GTK_TYPE_PASSWORD_ENTRY, NULL, NULL);
  GtkWidget *check = find_widget (GTK_WIDGET (dialog), GTK_TYPE_CHECK_BUTTON, check_labelled,
                                  "_Remember in Keyring");

  g_assert_nonnull (entry);
  g_assert_true (wait_for (widget_is_mapped, entry));
  gtk_editable_set_text (GTK_EDITABLE (entry), secret);
  if (remember)
    {
      g_assert_nonnull (check);
      g_assert_true (wait_for (widget_is_mapped, check));
      g_assert_true (gtk_widget_get_sensitive (check));
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
    }
  click (dialog, "_Log In");
}

/* ---------------------------------------------------------------------- */
/* Tunnels                                                                 */

static CulvertProfile *
add_forwarding_profile (Fixture         *f,
                        CulvertTestSshd *sshd,
                        Echo            *echo,
                        guint16         *listen_port)
{
  g_autofree char *spec = NULL;

  *listen_port = free_port ();
  spec = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", *listen_port, echo->port);
  return add_sshd_profile (f, sshd, spec);
}

static void
use_password (Fixture         *f,
              CulvertProfile  *profile)
{
  culvert_profile_set_auth_method (profile, CULVERT_AUTH_PASSWORD);
  culvert_profile_set_identity_file (profile, NULL);
  g_assert_true (culvert_profile_store_save_profile (culvert_application_get_profile_store (f->app),
                                                     profile, NULL));
}

static CulvertTunnelState
state_of (Fixture        *f,
          CulvertProfile *profile)
{
  return culvert_tunnel_get_state (culvert_application_get_tunnel (f->app, profile));
}

static void
switch_off_and_wait (Fixture        *f,
                     CulvertProfile *profile)
{
  CulvertTunnel *tunnel = culvert_application_get_tunnel (f->app, profile);

  culvert_tunnel_disconnect (tunnel);
  while (culvert_tunnel_is_running (tunnel))
    g_main_context_iteration (NULL, TRUE);
}

typedef struct
{
  Fixture        *f;
  CulvertProfile *profile;
  gboolean        saw_dialog;
} Watch;

/* Connected, while noting whether any dialog showed up on the way. */
static gboolean
connected_without_dialog (gpointer data)
{
  Watch *watch = data;

  if (find_dialog (NULL) != NULL)
    watch->saw_dialog = TRUE;
  return state_of (watch->f, watch->profile) == CULVERT_TUNNEL_CONNECTED;
}

static gboolean
skip_unless_root_sshd (CulvertTestSshd *sshd)
{
  if (sshd->password != NULL)
    return FALSE;
  g_test_skip ("password logins need the sshd fixture to run as root (it creates the "
               "culverttest account then)");
  return TRUE;
}

/* No file under @dir holds @needle. */
static void
assert_no_file_contains (const char *dir,
                         const char *needle)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  if (listing == NULL)
    return;
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          assert_no_file_contains (path, needle);
          continue;
        }
      if (g_file_get_contents (path, &contents, &length, NULL) &&
          memmem (contents, length, needle, strlen (needle)) != NULL)
        g_error ("%s holds the password", path);
    }
}

/* ---------------------------------------------------------------------- */
/* Host keys                                                               */

static void
test_prompts_unknown_host (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(CulvertTestSshd) sshd = NULL;
  g_autoptr(Echo) echo = NULL;
  g_autofree char *known = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *port_line = NULL;
  CulvertProfile *profile;
  GtkWidget *dialog;
  const char *body;
  guint16 port;

  sshd = start_sshd_or_skip ();
  if (sshd == NULL)
    return;
  echo = echo_new ();
  profile = add_forwarding_profile (f, sshd, echo, &port);
  known = g_build_filename (sshd->dir, "empty_known_hosts", NULL);
  g_assert_true (g_file_set_contents (known, "", 0, NULL));
  culvert_profile_set_known_hosts_file (profile, known);
  fingerprint = ssh_keygen_fingerprint (sshd->host_key_path);

  switch_on (f, profile);
  dialog = wait_for_dialog (f, "Trust This Server?");
  body = culvert_alert_get_body (dialog);
  port_line = g_strdup_printf ("Port: %u\n", sshd->port);
  g_assert_nonnull (strstr (body, "Host: 127.0.0.1\n"));
  g_assert_nonnull (strstr (body, port_line));
  g_assert_nonnull (strstr (body, "Key type: ssh-ed25519\n"));
  g_assert_nonnull (strstr (body, fingerprint));
  g_assert_nonnull (strstr (body, "Test server"));
  /* Enter does not trust a key. */
  g_assert_cmpstr (culvert_alert_get_default_response (dialog), ==, "cancel");

  click (dialog, "_Trust and Connect");
  assert_status (f, "Connected");
  assert_echoes (port);
  g_assert_true (has_no_dialog_titled (NULL));

  /* The key the server really has is now in the file. */
  g_assert_true (known_hosts_has (known, sshd->port, "ssh-ed25519"));
  g_assert_cmpstr (ssh_keygen_fingerprint (known), ==, fingerprint);
}

static void
test_prompts_changed_host_key (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CulvertTestSshd) sshd = NULL;
  g_autoptr(Echo) echo = NULL;
  g_autofree char *known = NULL;
  g_autofree char *other_key = NULL;
  g_autofree char *other_pub = NULL;
  g_autofree char *other_path = NULL;
  g_autofree char *real_fingerprint = NULL;
  g_autofree char *other_fingerprint = NULL;
  g_autofree char *line = NULL;
  g_autofree char *after = NULL;
  g_autoptr(GString) buttons = g_string_new (NULL);
  CulvertProfile *profile;
  GtkWidget *dialog;
  const char *body;
  guint16 port;
  int status;

  sshd = start_sshd_or_skip ();
  if (sshd == NULL)
    return;
  echo = echo_new ();
  profile = add_forwarding_profile (f, sshd, echo, &port);

  /* known_hosts holds another key for this host and port. */
  other_key = g_build_filename (sshd->dir, "other_host_key", NULL);
  {
    const char *argv[] = { "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other_key, NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                 NULL, NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  other_path = g_strconcat (other_key, ".pub", NULL);
  g_assert_true (g_file_get_contents (other_path, &other_pub, NULL, NULL));
  known = g_build_filename (sshd->dir, "changed_known_hosts", NULL);
  line = g_strdup_printf ("[127.0.0.1]:%u %s", sshd->port, other_pub);
  g_assert_true (g_file_set_contents (known, line, -1, NULL));
  culvert_profile_set_known_hosts_file (profile, known);
  real_fingerprint = ssh_keygen_fingerprint (sshd->host_key_path);
  other_fingerprint = ssh_keygen_fingerprint (other_path);
  g_assert_cmpstr (real_fingerprint, !=, other_fingerprint);

  switch_on (f, profile);
  dialog = wait_for_dialog (f, "The Server’s Identity Changed");
  body = culvert_alert_get_body (dialog);
  g_assert_nonnull (strstr (body, real_fingerprint));
  g_assert_nonnull (strstr (body, other_fingerprint));
  g_assert_nonnull (strstr (body, "man-in-the-middle"));
  /* What to do, as a command to copy. */
  {
    g_autofree char *fix = g_strdup_printf ("ssh-keygen -R '[127.0.0.1]:%u' -f ", sshd->port);

    g_assert_nonnull (wait_for_widget (GTK_WIDGET (dialog), GTK_TYPE_LABEL, label_starts, fix));
  }

  /* Nothing accepts the new key: Close and the icon that copies the command. */
  g_assert_nonnull (wait_for_widget (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, button_labelled,
                                     "_Close"));
  collect_button_labels (GTK_WIDGET (dialog), buttons);
  g_assert_cmpstr (buttons->str, ==, "(icon)|_Close|");
  g_assert_false (culvert_alert_has_response (dialog, "accept"));

  /* The connection does not come up, and its page says why in plain
   * words: both keys and the command, no ALL-CAPS warning, no Retry that
   * cannot succeed. And known_hosts is as it was. */
  assert_status (f, "The Server’s Identity Changed");
  {
    CulvertConnectionPage *page = culvert_window_get_connection_page (f->window);
    const char *detail = gtk_label_get_label (culvert_connection_page_get_status_detail (page));
    g_autofree char *fix = g_strdup_printf ("ssh-keygen -R '[127.0.0.1]:%u' -f ", sshd->port);
    GtkWidget *retry = find_widget (GTK_WIDGET (page), GTK_TYPE_BUTTON, button_labelled,
                                    "_Retry");

    g_assert_nonnull (strstr (detail, real_fingerprint));
    g_assert_nonnull (strstr (detail, other_fingerprint));
    g_assert_nonnull (strstr (detail, fix));
    g_assert_null (strstr (detail, "WARNING"));
    g_assert_null (strstr (detail, "IDENTIFICATION"));
    g_assert_true (gtk_label_get_selectable (culvert_connection_page_get_status_detail (page)));
    g_assert_true (retry == NULL || !gtk_widget_get_visible (retry));
  }
  g_assert_true (wait_for (port_is_closed, GUINT_TO_POINTER (port)));
  g_assert_true (g_file_get_contents (known, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, line);

  click (dialog, "_Close");
  g_assert_true (wait_for (has_no_dialog_titled, NULL));
}

typedef struct
{
  Fixture         *f;
  CulvertProfile **profiles;
  guint            n;
  CulvertTunnelState state;
} AllIn;

static gboolean
all_in_state (gpointer data)
{
  AllIn *all = data;

  for (guint i = 0; i < all->n; i++)
    if (state_of (all->f, all->profiles[i]) != all->state)
      return FALSE;
  return TRUE;
}

static guint
count_dialogs_titled (const char *heading)
{
  return count_dialogs (heading);
}

/* Four connections to one server never seen before: one question, whose
 * answer lets all four in. */
static void
test_prompts_unknown_host_once (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(CulvertTestSshd) sshd = NULL;
  g_autoptr(Echo) echo = NULL;
  g_autofree char *known = NULL;
  CulvertProfile *profiles[4];
  guint16 ports[4];
  AllIn all = { f, profiles, G_N_ELEMENTS (profiles), CULVERT_TUNNEL_VERIFYING_HOST_KEY };

  sshd = start_sshd_or_skip ();
  if (sshd == NULL)
    return;
  echo = echo_new ();
  known = g_build_filename (sshd->dir, "empty_known_hosts", NULL);
  g_assert_true (g_file_set_contents (known, "", 0, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++)
    {
      profiles[i] = add_forwarding_profile (f, sshd, echo, &ports[i]);
      culvert_profile_set_known_hosts_file (profiles[i], known);
    }
  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++)
    switch_on (f, profiles[i]);

  /* All four wait for the answer at once, behind one dialog. */
  g_assert_true (wait_for (all_in_state, &all));
  iterate_until_idle ();
  g_assert_cmpuint (count_dialogs_titled ("Trust This Server?"), ==, 1);

  click (find_dialog ("Trust This Server?"), "_Trust and Connect");
  all.state = CULVERT_TUNNEL_CONNECTED;
  g_assert_true (wait_for (all_in_state, &all));
  /* Gone (an AdwAlertDialog closes with an animation). */
  g_assert_true (wait_for (has_no_dialog_titled, "Trust This Server?"));
  g_assert_cmpuint (count_dialogs_titled ("Trust This Server?"), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++)
    assert_echoes (ports[i]);
}

/* A jump host's key is asked about under the jump host's own name and
 * port, then the server's under its own. */
static void
test_prompts_jump_host_key (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(CulvertTestSshd) sshd = NULL;
  g_autoptr(Echo) echo = NULL;
  g_autofree char *known = NULL;
  g_autofree char *hop = NULL;
  g_autofree char *port_line = NULL;
  CulvertProfile *profile;
  GtkWidget *dialog;
  const char *body;
  guint16 port;

  sshd = start_sshd_or_skip ();
  if (sshd == NULL)
    return;
  echo = echo_new ();
  profile = add_forwarding_profile (f, sshd, echo, &port);
  known = g_build_filename (sshd->dir, "empty_known_hosts", NULL);
  g_assert_true (g_file_set_contents (known, "", 0, NULL));
  culvert_profile_set_known_hosts_file (profile, known);
  /* The server as "localhost", reached through the jump host 127.0.0.1. */
  culvert_profile_set_host (profile, "localhost");
  hop = g_strdup_printf ("%s@127.0.0.1:%u", sshd->user, sshd->port);
  culvert_profile_set_jump_hosts (profile, (const char * const[]) { hop, NULL });
  g_assert_true (culvert_profile_store_save_profile (culvert_application_get_profile_store (f->app),
                                                     profile, NULL));
  port_line = g_strdup_printf ("Port: %u\n", sshd->port);

  switch_on (f, profile);
  dialog = wait_for_dialog (f, "Trust This Server?");
  body = culvert_alert_get_body (dialog);
  g_test_message ("%s", body);
  g_assert_nonnull (strstr (body, "Host: 127.0.0.1\n"));
  g_assert_nonnull (strstr (body, port_line));
  click (dialog, "_Trust and Connect");
  g_assert_true (wait_for (has_no_dialog_titled, (gpointer) "Trust This Server?"));

  dialog = wait_for_dialog (f, "Trust This Server?");
  body = culvert_alert_get_body (dialog);
  g_assert_nonnull (strstr (body, "Host: localhost\n"));
  g_assert_nonnull (strstr (body, port_line));
  click (dialog, "_Trust and Connect");
  assert_status (f, "Connected");
  assert_echoes (port);
}

/* ---------------------------------------------------------------------- */
/* Passwords and the keyring                                               */

static void
test_prompts_remember_password (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(CulvertTestSshd) sshd = NULL;
  g_autoptr(Echo) echo = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *config_dir = NULL;
  CulvertProfile *profile;
  GtkWidget *dialog;
  Watch watch = { f, NULL, FALSE };
  guint16 port;

  sshd = start_sshd_or_skip ();
  if (sshd == NULL)
    return;
  if (skip_unless_root_sshd (sshd))
    return;
  echo = echo_new ();
  profile = add_forwarding_profile (f, sshd, echo, &port);
  use_password (f, profile);
  g_assert_null (keyring_lookup ("password", profile));

  /* First connect: asked, with "Remember" ticked. */
  switch_on (f, profile);
  dialog = wait_for_dialog (f, "Password Needed");
  g_assert_nonnull (strstr (culvert_alert_get_body (dialog), "Test server"));
  answer_secret (dialog, sshd->password, TRUE);
  assert_status (f, "Connected");
  assert_echoes (port);

  /* The real keyring holds it, and no file of the configuration does. */
  stored = keyring_lookup ("password", profile);
  g_assert_cmpstr (stored, ==, sshd->password);
  config_dir = culvert_paths_dup_config_dir ();
  g_assert_true (g_file_test (config_dir, G_FILE_TEST_IS_DIR));
  assert_no_file_contains (config_dir, sshd->password);
  assert_no_file_contains (g_get_user_config_dir (), sshd->password);
  /* Nor does the connection's log. */
  {
    GListModel *log = culvert_tunnel_get_log (culvert_application_get_tunnel (f->app, profile));

    g_assert_cmpuint (g_list_model_get_n_items (log), >, 0);
    for (guint i = 0; i < g_list_model_get_n_items (log); i++)
      {
        g_autoptr(CulvertLogEntry) entry = g_list_model_get_item (log, i);

        g_assert_null (strstr (culvert_log_entry_get_message (entry), sshd->password));
      }
  }

  /* Next connect: no prompt, and the tunnel comes up. */
  switch_off_and_wait (f, profile);
  g_assert_true (wait_for (port_is_closed, GUINT_TO_POINTER (port)));
  watch.profile = profile;
  switch_on (f, profile);
  g_assert_true (wait_for (connected_without_dialog, &watch));
  g_assert_false (watch.saw_dialog);
  assert_echoes (port);
}

static void
test_prompts_wrong_remembered_password (Fixture       *f,
                                        gconstpointer  data)
{
  g_autoptr(CulvertTestSshd) sshd = NULL;
  g_autoptr(Echo) echo = NULL;
  g_autofree char *left = NULL;
  CulvertProfile *profile;
  GtkWidget *dialog;
  guint16 port;

  sshd = start_sshd_or_skip ();
  if (sshd == NULL)
    return;
  if (skip_unless_root_sshd (sshd))
    return;
  echo = echo_new ();
  profile = add_forwarding_profile (f, sshd, echo, &port);
  use_password (f, profile);
  keyring_store ("password", profile, "not-the-password");

  /* The server rejects it: it leaves the keyring, and the user is asked. */
  switch_on (f, profile);
  dialog = wait_for_dialog (f, "Password Needed");
  left = keyring_lookup ("password", profile);
  g_assert_null (left);
  {
    g_autofree char *log = culvert_test_sshd_read_log (sshd);

    g_assert_nonnull (strstr (log, "Failed password for " CULVERT_TEST_SSHD_USER));
  }

  answer_secret (dialog, sshd->password, FALSE);
  assert_status (f, "Connected");
  assert_echoes (port);
  /* Not ticked: not remembered. */
  left = keyring_lookup ("password", profile);
  g_assert_null (left);
}

static gboolean
has_page_status (gpointer data)
{
  gpointer *args = data;
  CulvertConnectionPage *page = culvert_window_get_connection_page (((Fixture *) args[0])->window);

  return strstr (gtk_label_get_label (culvert_connection_page_get_status_detail (page)),
                 args[1]) != NULL;
}

static gboolean
is_connected (gpointer data)
{
  gpointer *args = data;

  return state_of (args[0], args[1]) == CULVERT_TUNNEL_CONNECTED;
}

static void
test_prompts_cancel (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(CulvertTestSshd) sshd = NULL;
  g_autoptr(Echo) echo = NULL;
  CulvertProfile *asking;
  CulvertProfile *other;
  GtkWidget *dialog;
  guint16 asking_port;
  guint16 other_port;

  sshd = start_sshd_or_skip ();
  if (sshd == NULL)
    return;
  if (skip_unless_root_sshd (sshd))
    return;
  echo = echo_new ();
  asking = add_forwarding_profile (f, sshd, echo, &asking_port);
  use_password (f, asking);

  switch_on (f, asking);
  dialog = wait_for_dialog (f, "Password Needed");

  /* While it asks, the window still works: another connection comes up. */
  other = add_forwarding_profile (f, sshd, echo, &other_port);
  culvert_profile_set_name (other, "Other server");
  switch_on (f, other);
  g_assert_true (wait_for (is_connected, (gpointer[]) { f, other }));
  assert_echoes (other_port);
  g_assert_true (find_dialog ("Password Needed") == dialog);

  /* Cancel fails that connection alone, and says why. */
  gtk_list_box_select_row (culvert_window_get_sidebar_list (f->window),
                           GTK_LIST_BOX_ROW (find_row_of (f, asking)));
  click (dialog, "_Cancel");
  assert_status (f, "Failed");
  g_assert_true (wait_for (has_page_status, (gpointer[]) { f, "cancelled" }));
  g_assert_true (wait_for (has_no_dialog_titled, NULL));
  g_assert_true (wait_for (port_is_closed, GUINT_TO_POINTER (asking_port)));
  g_assert_cmpint (state_of (f, other), ==, CULVERT_TUNNEL_CONNECTED);
  assert_echoes (other_port);
}

static void
test_prompts_remember_passphrase (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CulvertTestSshd) sshd = NULL;
  g_autoptr(Echo) echo = NULL;
  g_autofree char *key = NULL;
  g_autofree char *stored = NULL;
  CulvertProfile *profile;
  GtkWidget *dialog;
  Watch watch = { f, NULL, FALSE };
  guint16 port;

  sshd = start_sshd_or_skip ();
  if (sshd == NULL)
    return;
  key = culvert_test_sshd_encrypt_client_key (sshd, "key-phrase-2718", &error);
  g_assert_no_error (error);
  echo = echo_new ();
  profile = add_forwarding_profile (f, sshd, echo, &port);
  culvert_profile_set_identity_file (profile, key);

  switch_on (f, profile);
  dialog = wait_for_dialog (f, "Key Passphrase Needed");
  answer_secret (dialog, "key-phrase-2718", TRUE);
  assert_status (f, "Connected");
  assert_echoes (port);
  stored = keyring_lookup ("key-passphrase", profile);
  g_assert_cmpstr (stored, ==, "key-phrase-2718");

  switch_off_and_wait (f, profile);
  watch.profile = profile;
  switch_on (f, profile);
  g_assert_true (wait_for (connected_without_dialog, &watch));
  g_assert_false (watch.saw_dialog);
  assert_echoes (port);
}

/* Keyboard-interactive through PAM: the server's own prompt, in a dialog
 * naming the connection, without "Remember" (these answers are never kept). */
static void
test_prompts_keyboard_interactive (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CulvertTestSshd) sshd = NULL;
  g_autoptr(Echo) echo = NULL;
  CulvertProfile *profile;
  GtkWidget *dialog;
  GtkWidget *entry;
  guint16 port;

  if (skip_without_sshd ())
    return;
  if (getuid () != 0)
    {
      g_test_skip ("keyboard-interactive through PAM needs the sshd fixture to run as root");
      return;
    }
  sshd = culvert_test_sshd_start_full (NULL, CULVERT_TEST_SSHD_KBDINT_PAM, &error);
  g_assert_no_error (error);
  echo = echo_new ();
  profile = add_forwarding_profile (f, sshd, echo, &port);
  use_password (f, profile);
  culvert_profile_set_auth_method (profile, CULVERT_AUTH_KEYBOARD_INTERACTIVE);

  switch_on (f, profile);
  dialog = wait_for_dialog (f, "The Server Asks");
  g_assert_nonnull (strstr (culvert_alert_get_body (dialog), "Test server"));
  g_assert_null (find_widget (GTK_WIDGET (dialog), GTK_TYPE_CHECK_BUTTON, NULL, NULL));
  entry = find_widget (GTK_WIDGET (dialog), GTK_TYPE_PASSWORD_ENTRY, NULL, NULL);
  g_assert_nonnull (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), sshd->password);
  click (dialog, "_Send");
  assert_status (f, "Connected");
  assert_echoes (port);
}

/* A connection to @port through which one byte came back, or -1. */
static int
echoing_connection (guint16 port)
{
  int fd = culvert_test_connect_loopback (port);
  char c = 'x';

  if (fd < 0)
    return -1;
  if (write (fd, &c, 1) == 1 && read (fd, &c, 1) == 1 && c == 'x')
    return fd;
  close (fd);
  return -1;
}

/* `culvert --headless --profile NAME`, without a terminal, logs in with the
 * remembered password. */
static void
test_prompts_headless_remembered (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CulvertTestSshd) sshd = NULL;
  g_autoptr(Echo) echo = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *culvert = NULL;
  CulvertProfile *profile;
  guint16 port;
  gint64 deadline;
  int fd = -1;

  sshd = start_sshd_or_skip ();
  if (sshd == NULL)
    return;
  if (skip_unless_root_sshd (sshd))
    return;
  echo = echo_new ();
  profile = add_forwarding_profile (f, sshd, echo, &port);
  culvert_profile_set_name (profile, "Headless server");
  use_password (f, profile);
  keyring_store ("password", profile, sshd->password);

  culvert = g_build_filename (g_getenv ("CULVERT_BUILD_DIR"), "src", "culvert", NULL);
  /* A pipe for stdin: nobody could answer a question. */
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE, &error,
                              culvert, "--headless", "--profile", "Headless server", NULL);
  g_assert_no_error (error);

  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while ((fd = echoing_connection (port)) < 0)
    {
      /* Still running (an exited process has no identifier). */
      g_assert_nonnull (g_subprocess_get_identifier (process));
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (50000);
    }
  echo_through (fd, 4096);
  close (fd);
  {
    g_autofree char *log = culvert_test_sshd_read_log (sshd);

    g_assert_nonnull (strstr (log, "Accepted password for " CULVERT_TEST_SSHD_USER));
  }

  g_subprocess_send_signal (process, SIGTERM);
  g_assert_true (g_subprocess_wait (process, NULL, &error));
}

/* ---------------------------------------------------------------------- */
/* Without a Secret Service                                                */

/* A label beside @data (the Remember check box), on screen, says why it
 * cannot be ticked. */
static gboolean
keyring_explained (gpointer data)
{
  for (GtkWidget *w = gtk_widget_get_next_sibling (data); w != NULL;
       w = gtk_widget_get_next_sibling (w))
    if (GTK_IS_LABEL (w) && gtk_widget_get_mapped (w) &&
        strstr (gtk_label_get_label (GTK_LABEL (w)), "keyring is not available") != NULL)
      return TRUE;
  return FALSE;
}

static void
test_prompts_without_keyring (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CulvertTestSshd) sshd = NULL;
  g_autoptr(Echo) echo = NULL;
  g_autofree char *key = NULL;
  CulvertProfile *profile;
  GtkWidget *dialog;
  GtkWidget *check;
  guint16 port;

  sshd = start_sshd_or_skip ();
  if (sshd == NULL)
    return;
  key = culvert_test_sshd_encrypt_client_key (sshd, "key-phrase-1618", &error);
  g_assert_no_error (error);
  echo = echo_new ();
  profile = add_forwarding_profile (f, sshd, echo, &port);
  culvert_profile_set_identity_file (profile, key);

  for (guint round = 0; round < 2; round++)
    {
      switch_on (f, profile);
      dialog = wait_for_dialog (f, "Key Passphrase Needed");
      check = find_widget (GTK_WIDGET (dialog), GTK_TYPE_CHECK_BUTTON, check_labelled,
                           "_Remember in Keyring");
      /* Remember cannot be ticked, and the dialog says why. */
      g_assert_nonnull (check);
      g_assert_false (gtk_widget_get_sensitive (check));
      g_assert_true (wait_for (keyring_explained, check));

      answer_secret (dialog, "key-phrase-1618", FALSE);
      assert_status (f, "Connected");
      assert_echoes (port);
      switch_off_and_wait (f, profile);
    }
}

int
main (int   argc,
      char *argv[])
{
  CulvertTestNotifications *notifications;
  g_autoptr(GError) error = NULL;
  int ret;

  g_setenv ("GTK_A11Y", "test", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  /* The app may send notifications (a connection that fails): to a server
   * of the test's own, not to a missing one. */
  notifications = culvert_test_notifications_new (NULL);

  the_app = culvert_application_new ();
  g_application_register (G_APPLICATION (the_app), NULL, &error);
  g_assert_no_error (error);

  if (g_getenv ("CULVERT_TEST_NO_SECRET_SERVICE") != NULL)
    {
      g_test_add ("/prompts/without-keyring", Fixture, NULL,
                  fixture_setup, test_prompts_without_keyring, fixture_teardown);
    }
  else
    {
      g_test_add ("/prompts/unknown-host", Fixture, NULL,
                  fixture_setup, test_prompts_unknown_host, fixture_teardown);
      g_test_add ("/prompts/unknown-host-once", Fixture, NULL,
                  fixture_setup, test_prompts_unknown_host_once, fixture_teardown);
      g_test_add ("/prompts/jump-host-key", Fixture, NULL,
                  fixture_setup, test_prompts_jump_host_key, fixture_teardown);
      g_test_add ("/prompts/changed-host-key", Fixture, NULL,
                  fixture_setup, test_prompts_changed_host_key, fixture_teardown);
      g_test_add ("/prompts/remember-password", Fixture, NULL,
                  fixture_setup, test_prompts_remember_password, fixture_teardown);
      g_test_add ("/prompts/wrong-remembered-password", Fixture, NULL,
                  fixture_setup, test_prompts_wrong_remembered_password, fixture_teardown);
      g_test_add ("/prompts/cancel", Fixture, NULL,
                  fixture_setup, test_prompts_cancel, fixture_teardown);
      g_test_add ("/prompts/keyboard-interactive", Fixture, NULL,
                  fixture_setup, test_prompts_keyboard_interactive, fixture_teardown);
      g_test_add ("/prompts/remember-passphrase", Fixture, NULL,
                  fixture_setup, test_prompts_remember_passphrase, fixture_teardown);
      g_test_add ("/prompts/headless-remembered", Fixture, NULL,
                  fixture_setup, test_prompts_headless_remembered, fixture_teardown);
    }

  ret = g_test_run ();
  culvert_test_notifications_free (notifications);
  g_clear_object (&the_app);

  return ret;
}

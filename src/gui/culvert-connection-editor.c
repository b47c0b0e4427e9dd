/* culvert-connection-editor.c — every setting of one saved connection
 *
 * Each valid change goes into the profile and through the store to its
 * file at once; a field that does not parse says why above its group and
 * changes nothing. A running connection keeps its old settings until it
 * reconnects, which the editor offers rather than forces.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include <string.h>

#include "culvert-connection-editor.h"
#include "culvert-gui-util.h"
#include "culvert-secrets.h"

struct _CulvertConnectionEditor
{
  CulvertPreferencesBase parent_instance;

  CulvertProfileStore  *store;
  CulvertTunnel        *tunnel;
  CulvertProfile       *profile;
  gboolean              loading;
  gboolean              offered_reconnect;

  AdwPreferencesGroup  *server_group;
  AdwPreferencesGroup  *network_group;
  AdwPreferencesGroup  *staying_group;
  AdwEntryRow          *name_row;
  AdwEntryRow          *host_row;
  AdwEntryRow          *port_row;
  AdwEntryRow          *user_row;
  AdwComboRow          *auth_row;
  AdwActionRow         *identity_row;
  AdwEntryRow          *jump_row;
  AdwComboRow          *proxy_row;
  AdwEntryRow          *proxy_url_row;
  AdwEntryRow          *proxy_password_row;
  AdwEntryRow          *bypass_row;
  AdwEntryRow          *keepalive_row;
  GtkSwitch            *reconnect_switch;
  GtkSwitch            *startup_switch;
};

G_DEFINE_FINAL_TYPE (CulvertConnectionEditor, culvert_connection_editor,
                     CULVERT_TYPE_PREFERENCES_BASE)

static char *
text_of (AdwEntryRow *row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

static void
mark (AdwEntryRow *row,
      gboolean     wrong)
{
  if (wrong)
    gtk_widget_add_css_class (GTK_WIDGET (row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
}

static void
culvert_connection_editor_save (CulvertConnectionEditor *self)
{
  g_autoptr(GError) error = NULL;

  if (self->loading)
    return;

  if (!culvert_profile_store_save_profile (self->store, self->profile, &error))
    {
      AdwToast *toast = adw_toast_new (error->message);

      adw_toast_set_timeout (toast, 0);
      culvert_preferences_add_toast (GTK_WIDGET (self), toast);
      return;
    }

  if (culvert_tunnel_is_running (self->tunnel) && !self->offered_reconnect)
    {
      AdwToast *toast = adw_toast_new (_("The changes apply when the connection restarts"));

      adw_toast_set_button_label (toast, _("_Reconnect Now"));
      adw_toast_set_action_name (toast, "editor.reconnect");
      adw_toast_set_timeout (toast, 0);
      culvert_preferences_add_toast (GTK_WIDGET (self), toast);
      self->offered_reconnect = TRUE;
    }
}

static void
update_identity (CulvertConnectionEditor *self)
{
  const char *file = culvert_profile_get_identity_file (self->profile);

  adw_action_row_set_subtitle (self->identity_row, file != NULL ? file : _("None"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.clear-identity", file != NULL);
}

/* The Server group: name, host, port, user. */
static void
server_changed (CulvertConnectionEditor *self)
{
  g_autofree char *name = text_of (self->name_row);
  g_autofree char *host = text_of (self->host_row);
  g_autofree char *port_text = text_of (self->port_row);
  g_autofree char *user = text_of (self->user_row);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  guint16 port = 0;

  if (self->loading)
    return;

  mark (self->host_row, FALSE);
  mark (self->port_row, FALSE);
  mark (self->user_row, FALSE);
  if (*host == '\0' || !culvert_address_is_valid_host (host))
    {
      message = *host == '\0' ? g_strdup (_("Enter the SSH server’s host name or address"))
                              : g_strdup_printf (_("“%s” is not a host name or an IP address"), host);
      mark (self->host_row, TRUE);
    }
  else if (!culvert_address_parse_port (port_text, FALSE, CULVERT_PORT_FIELD_PORT, &port, &error))
    {
      message = g_strdup (error->message);
      mark (self->port_row, TRUE);
    }
  else if (strpbrk (user, " \t@:") != NULL)
    {
      message = g_strdup_printf (_("“%s” is not a user name"), user);
      mark (self->user_row, TRUE);
    }

  adw_preferences_group_set_description (self->server_group, message);
  if (message != NULL)
    return;

  g_object_freeze_notify (G_OBJECT (self->profile));
  culvert_profile_set_name (self->profile, name);
  culvert_profile_set_host (self->profile, host);
  culvert_profile_set_port (self->profile, port);
  culvert_profile_set_user (self->profile, user);
  g_object_thaw_notify (G_OBJECT (self->profile));
  culvert_connection_editor_save (self);
}

static void
auth_changed (CulvertConnectionEditor *self)
{
  if (self->loading)
    return;
  culvert_profile_set_auth_method (self->profile, adw_combo_row_get_selected (self->auth_row));
  culvert_connection_editor_save (self);
}

static gboolean
proxy_url_has_password (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD, NULL);

  return uri != NULL && g_uri_get_password (uri) != NULL;
}

/* The proxy's rows are there only for a proxy of its own. */
static void
update_proxy_rows (CulvertConnectionEditor *self)
{
  gboolean custom = adw_combo_row_get_selected (self->proxy_row) == CULVERT_PROXY_CUSTOM;

  gtk_widget_set_visible (GTK_WIDGET (self->proxy_url_row), custom);
  gtk_widget_set_visible (GTK_WIDGET (self->proxy_password_row), custom);
  gtk_widget_set_visible (GTK_WIDGET (self->bypass_row), custom);
}

/* The Network group: jump hosts and the proxy. */
static void
network_changed (CulvertConnectionEditor *self)
{
  g_autofree char *jumps_text = text_of (self->jump_row);
  g_autofree char *url = text_of (self->proxy_url_row);
  g_autofree char *bypass = text_of (self->bypass_row);
  g_auto(GStrv) parts = g_strsplit (jumps_text, ",", -1);
  g_autoptr(GPtrArray) jumps = g_ptr_array_new_with_free_func (g_free);
  CulvertProxyMode mode = adw_combo_row_get_selected (self->proxy_row);
  g_autofree char *message = NULL;

  update_proxy_rows (self);
  if (self->loading)
    return;

  mark (self->jump_row, FALSE);
  mark (self->proxy_url_row, FALSE);
  for (guint i = 0; parts[i] != NULL && message == NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      char *jump = g_strstrip (parts[i]);

      if (*jump == '\0')
        continue;
      if (!culvert_jump_host_parse (jump, NULL, NULL, NULL, &error))
        {
          message = g_strdup (error->message);
          mark (self->jump_row, TRUE);
        }
      g_ptr_array_add (jumps, g_strdup (jump));
    }
  if (message == NULL && mode == CULVERT_PROXY_CUSTOM &&
      (*url == '\0' || !g_uri_is_valid (url, G_URI_FLAGS_NONE, NULL)))
    {
      message = g_strdup (_("Enter the proxy as a URL, such as http://proxy.example.org:3128 or "
                            "socks5://127.0.0.1:1080"));
      mark (self->proxy_url_row, TRUE);
    }
  if (message == NULL && mode == CULVERT_PROXY_CUSTOM && proxy_url_has_password (url))
    {
      /* The URL goes into the profile file; a password never does. */
      message = g_strdup (_("Leave the password out of the proxy URL and type it under Proxy "
                            "Password, which keeps it in the keyring"));
      mark (self->proxy_url_row, TRUE);
    }

  adw_preferences_group_set_description (self->network_group, message);
  if (message != NULL)
    return;

  g_ptr_array_add (jumps, NULL);
  g_object_freeze_notify (G_OBJECT (self->profile));
  culvert_profile_set_jump_hosts (self->profile, (const char * const *) jumps->pdata);
  culvert_profile_set_proxy_mode (self->profile, mode);
  if (mode == CULVERT_PROXY_CUSTOM)
    {
      culvert_profile_set_proxy_url (self->profile, url);
      culvert_profile_set_proxy_bypass (self->profile, bypass);
    }
  g_object_thaw_notify (G_OBJECT (self->profile));
  culvert_connection_editor_save (self);
}

/* The proxy's password goes to the keyring (never to the profile file),
 * under the proxy's user and host, in a thread: the keyring may take a
 * while to answer. */
typedef struct
{
  char *profile_id;
  char *user;
  char *host;
  char *label;
  char *secret;
} ProxySecret;

static void
proxy_secret_free (ProxySecret *data)
{
  g_free (data->profile_id);
  g_free (data->user);
  g_free (data->host);
  g_free (data->label);
  if (data->secret != NULL)
    explicit_bzero (data->secret, strlen (data->secret));
  g_free (data->secret);
  g_free (data);
}

static void
store_proxy_secret_thread (GTask        *task,
                           gpointer      source,
                           gpointer      task_data,
                           GCancellable *cancellable)
{
  ProxySecret *data = task_data;
  GError *error = NULL;

  if (culvert_secrets_store_sync (CULVERT_SECRET_PROXY_PASSWORD, data->profile_id, data->user,
                                  data->host, data->label, data->secret, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_proxy_secret_stored (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  CulvertConnectionEditor *self = CULVERT_CONNECTION_EDITOR (source);
  g_autoptr(GError) error = NULL;
  gboolean stored = g_task_propagate_boolean (G_TASK (result), &error);
  AdwToast *toast;

  /* Closed meanwhile (dispose let go of the profile): nobody to tell. */
  if (self->profile == NULL)
    return;

  if (stored)
    toast = adw_toast_new (_("The proxy password is saved in the keyring"));
  else
    {
      g_autofree char *text = g_strdup_printf (_("Could not save the proxy password: %s"),
                                               error->message);

      toast = adw_toast_new (text);
    }
  culvert_preferences_add_toast (GTK_WIDGET (self), toast);
}

static void
proxy_password_apply (CulvertConnectionEditor *self)
{
  const char *url = culvert_profile_get_proxy_url (self->profile);
  g_autoptr(GUri) uri = url != NULL ? g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD, NULL) : NULL;
  g_autoptr(GTask) task = NULL;
  ProxySecret *data;

  if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_user (uri) == NULL ||
      *g_uri_get_user (uri) == '\0')
    {
      adw_preferences_group_set_description (
        self->network_group,
        _("Put the proxy’s user name in its URL (http://user@proxy.example.org:3128) to save a "
          "password for it"));
      mark (self->proxy_url_row, TRUE);
      return;
    }

  data = g_new0 (ProxySecret, 1);
  data->profile_id = g_strdup (culvert_profile_get_id (self->profile));
  data->user = g_strdup (g_uri_get_user (uri));
  data->host = g_strdup (g_uri_get_host (uri));
  /* Translators: the keyring's label: user@proxy-host. */
  data->label = g_strdup_printf (_("Culvert proxy password for %s@%s"), data->user, data->host);
  data->secret = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->proxy_password_row)));
  /* The row forgets it at once; only the task holds it, and wipes it. */
  gtk_editable_set_text (GTK_EDITABLE (self->proxy_password_row), "");

  task = g_task_new (self, NULL, on_proxy_secret_stored, NULL);
  g_task_set_source_tag (task, proxy_password_apply);
  g_task_set_task_data (task, data, (GDestroyNotify) proxy_secret_free);
  g_task_run_in_thread (task, store_proxy_secret_thread);
}

/* The Staying Connected group. */
static void
staying_changed (CulvertConnectionEditor *self)
{
  g_autofree char *text = text_of (self->keepalive_row);
  guint64 seconds = 0;

  if (self->loading)
    return;

  if (!g_ascii_string_to_unsigned (text, 10, 0, 3600, &seconds, NULL))
    {
      g_autofree char *message =
        g_strdup_printf (_("The keepalive interval is a number of seconds from 0 to 3600, "
                           "not “%s”"), text);

      adw_preferences_group_set_description (self->staying_group, message);
      mark (self->keepalive_row, TRUE);
      return;
    }

  adw_preferences_group_set_description (self->staying_group, NULL);
  mark (self->keepalive_row, FALSE);
  g_object_freeze_notify (G_OBJECT (self->profile));
  culvert_profile_set_keepalive_interval (self->profile, seconds);
  culvert_profile_set_reconnect (self->profile, gtk_switch_get_active (self->reconnect_switch));
  culvert_profile_set_connect_at_startup (self->profile,
                                          gtk_switch_get_active (self->startup_switch));
  g_object_thaw_notify (G_OBJECT (self->profile));
  culvert_connection_editor_save (self);
}

static void
on_identity_chosen (const char *path,
                    gpointer    data)
{
  CulvertConnectionEditor *self = data;

  if (path != NULL)
    {
      culvert_profile_set_identity_file (self->profile, path);
      if (culvert_profile_get_auth_method (self->profile) == CULVERT_AUTH_AUTOMATIC)
        adw_combo_row_set_selected (self->auth_row, CULVERT_AUTH_KEY);
      update_identity (self);
      culvert_connection_editor_save (self);
    }
}

static void
editor_choose_identity (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  CulvertConnectionEditor *self = CULVERT_CONNECTION_EDITOR (widget);
  g_autofree char *ssh_dir = g_build_filename (g_get_home_dir (), ".ssh", NULL);
  g_autoptr(GFile) folder = g_file_new_for_path (ssh_dir);

  culvert_choose_file (GTK_WIDGET (self), _("Choose a Private Key"), _("_Choose"),
                       g_file_test (ssh_dir, G_FILE_TEST_IS_DIR) ? folder : NULL, NULL,
                       on_identity_chosen, g_object_ref (self), g_object_unref);
}

static void
editor_clear_identity (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  CulvertConnectionEditor *self = CULVERT_CONNECTION_EDITOR (widget);

  culvert_profile_set_identity_file (self->profile, NULL);
  update_identity (self);
  culvert_connection_editor_save (self);
}

static void
editor_reconnect (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  CulvertConnectionEditor *self = CULVERT_CONNECTION_EDITOR (widget);
  g_autoptr(GError) error = NULL;

  self->offered_reconnect = FALSE;
  if (!culvert_gui_tunnel_restart (self->tunnel, &error))
    culvert_preferences_add_toast (GTK_WIDGET (self), adw_toast_new (error->message));
}

/* The password row's own icon buttons: show the text, and apply. */
static void
label_password_buttons (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_TOGGLE_BUTTON (child))
        culvert_gui_set_accessible_label (child, _("Show the proxy password"));
      else if (GTK_IS_BUTTON (child))
        culvert_gui_set_accessible_label (child, _("Save the proxy password in the keyring"));
      label_password_buttons (child);
    }
}

static void
set_text (AdwEntryRow *row,
          const char  *text)
{
  gtk_editable_set_text (GTK_EDITABLE (row), text != NULL ? text : "");
}

static void
culvert_connection_editor_load (CulvertConnectionEditor *self)
{
  CulvertProfile *profile = self->profile;
  g_autofree char *port = g_strdup_printf ("%u", culvert_profile_get_port (profile));
  g_autofree char *keepalive = g_strdup_printf ("%u",
                                                culvert_profile_get_keepalive_interval (profile));
  const char * const *jumps = culvert_profile_get_jump_hosts (profile);
  g_autofree char *jump_text = jumps != NULL ? g_strjoinv (", ", (char **) jumps) : NULL;

  self->loading = TRUE;
  set_text (self->name_row, culvert_profile_get_name (profile));
  set_text (self->host_row, culvert_profile_get_host (profile));
  set_text (self->port_row, port);
  set_text (self->user_row, culvert_profile_get_user (profile));
  adw_combo_row_set_selected (self->auth_row, culvert_profile_get_auth_method (profile));
  set_text (self->jump_row, jump_text);
  adw_combo_row_set_selected (self->proxy_row, culvert_profile_get_proxy_mode (profile));
  set_text (self->proxy_url_row, culvert_profile_get_proxy_url (profile));
  set_text (self->bypass_row, culvert_profile_get_proxy_bypass (profile));
  set_text (self->keepalive_row, keepalive);
  gtk_switch_set_active (self->reconnect_switch, culvert_profile_get_reconnect (profile));
  gtk_switch_set_active (self->startup_switch, culvert_profile_get_connect_at_startup (profile));
  update_identity (self);
  update_proxy_rows (self);
  /* Nothing changed yet: nothing to save, no toast to show. */
  self->loading = FALSE;
}

static void
culvert_connection_editor_dispose (GObject *object)
{
  CulvertConnectionEditor *self = CULVERT_CONNECTION_EDITOR (object);

  g_clear_object (&self->profile);
  g_clear_object (&self->tunnel);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (culvert_connection_editor_parent_class)->dispose (object);
}

static void
culvert_connection_editor_class_init (CulvertConnectionEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = culvert_connection_editor_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/culvert-connection-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionEditor, server_group);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionEditor, network_group);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionEditor, staying_group);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionEditor, name_row);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionEditor, host_row);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionEditor, port_row);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionEditor, user_row);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionEditor, auth_row);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionEditor, identity_row);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionEditor, jump_row);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionEditor, proxy_row);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionEditor, proxy_url_row);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionEditor,
                                        proxy_password_row);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionEditor, bypass_row);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionEditor, keepalive_row);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionEditor, reconnect_switch);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionEditor, startup_switch);

  gtk_widget_class_install_action (widget_class, "editor.choose-identity", NULL,
                                   editor_choose_identity);
  gtk_widget_class_install_action (widget_class, "editor.clear-identity", NULL,
                                   editor_clear_identity);
  gtk_widget_class_install_action (widget_class, "editor.reconnect", NULL, editor_reconnect);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
culvert_connection_editor_init (CulvertConnectionEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  culvert_gui_name_search_entry (GTK_WIDGET (self), _("Search Connection Settings"));
}

GtkWidget *
culvert_connection_editor_new (CulvertProfileStore *store,
                               CulvertTunnel       *tunnel)
{
  CulvertConnectionEditor *self;
  AdwEntryRow *server_rows[4];
  AdwEntryRow *network_rows[3];

  g_return_val_if_fail (CULVERT_IS_PROFILE_STORE (store), NULL);
  g_return_val_if_fail (CULVERT_IS_TUNNEL (tunnel), NULL);

  self = g_object_new (CULVERT_TYPE_CONNECTION_EDITOR, NULL);
  self->store = g_object_ref (store);
  self->tunnel = g_object_ref (tunnel);
  self->profile = g_object_ref (culvert_tunnel_get_profile (tunnel));
  culvert_connection_editor_load (self);

  server_rows[0] = self->name_row;
  server_rows[1] = self->host_row;
  server_rows[2] = self->port_row;
  server_rows[3] = self->user_row;
  for (guint i = 0; i < G_N_ELEMENTS (server_rows); i++)
    {
      culvert_gui_label_entry_row (GTK_WIDGET (server_rows[i]));
      g_signal_connect_object (server_rows[i], "changed", G_CALLBACK (server_changed), self,
                               G_CONNECT_SWAPPED);
    }
  network_rows[0] = self->jump_row;
  network_rows[1] = self->proxy_url_row;
  network_rows[2] = self->bypass_row;
  for (guint i = 0; i < G_N_ELEMENTS (network_rows); i++)
    {
      culvert_gui_label_entry_row (GTK_WIDGET (network_rows[i]));
      g_signal_connect_object (network_rows[i], "changed", G_CALLBACK (network_changed), self,
                               G_CONNECT_SWAPPED);
    }
  culvert_gui_label_entry_row (GTK_WIDGET (self->keepalive_row));
  culvert_gui_label_entry_row (GTK_WIDGET (self->proxy_password_row));
  label_password_buttons (GTK_WIDGET (self->proxy_password_row));
  g_signal_connect_object (self->proxy_password_row, "apply", G_CALLBACK (proxy_password_apply),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->proxy_row, "notify::selected", G_CALLBACK (network_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->auth_row, "notify::selected", G_CALLBACK (auth_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->keepalive_row, "changed", G_CALLBACK (staying_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->reconnect_switch, "notify::active",
                           G_CALLBACK (staying_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->startup_switch, "notify::active",
                           G_CALLBACK (staying_changed), self, G_CONNECT_SWAPPED);

  return GTK_WIDGET (self);
}

/* culvert-wizard-pages.c — the fields of the wizard's pages
 *
 * Each page's fields are checked as they change, with the model's own
 * parsers and their messages under the field; the diagrams follow what is
 * typed. "Test Connection" logs in with a throwaway tunnel of the same
 * settings (no forwards), asking the host-key question like a real
 * connect, and reports success or the server's exact refusal.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "culvert-gui-util.h"
#include "culvert-offhost-warning.h"
#include "culvert-question-dialog.h"
#include "culvert-secrets.h"
#include "culvert-wizard-private.h"

static char *
text_of (gpointer editable)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (editable))));
}

static void
set_text (CulvertWizard *self,
          gpointer       editable,
          const char    *text)
{
  self->filling = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (editable), text != NULL ? text : "");
  self->filling = FALSE;
}

static void
show_error (GtkLabel   *label,
            GtkWidget  *row,
            const char *message)
{
  gtk_label_set_label (label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), message != NULL);
  if (row != NULL)
    {
      if (message != NULL)
        gtk_widget_add_css_class (row, "error");
      else
        gtk_widget_remove_css_class (row, "error");
    }
}

CulvertForwardKind
culvert_wizard_get_kind (CulvertWizard *self)
{
  if (gtk_check_button_get_active (self->scenario_incoming))
    return CULVERT_FORWARD_REMOTE;
  if (gtk_check_button_get_active (self->scenario_dynamic))
    return CULVERT_FORWARD_DYNAMIC;
  return CULVERT_FORWARD_LOCAL;
}

/* ---------------------------------------------------------------------- */
/* Server                                                                  */

static gboolean
server_is_valid (CulvertWizard *self,
                 gboolean       complain)
{
  g_autofree char *host = text_of (self->host_row);
  g_autofree char *port_text = text_of (self->port_row);
  g_autoptr(GError) error = NULL;
  guint16 port;

  if (*host == '\0')
    {
      show_error (self->server_error, GTK_WIDGET (self->host_row), NULL);
      return FALSE;
    }
  if (!culvert_address_is_valid_host (host))
    {
      CulvertWizardPaste paste = { 0 };
      gboolean parsed = culvert_wizard_paste_parse (host, &paste);
      g_autofree char *message = g_strdup_printf (_("“%s” is not a host name or an IP address"),
                                                  host);

      culvert_wizard_paste_clear (&paste);
      /* Typed `user@host:port` or an ssh command: filled in when committed. */
      if (parsed)
        {
          show_error (self->server_error, GTK_WIDGET (self->host_row), NULL);
          return TRUE;
        }
      /* "user@" or "host:" is half typed, not wrong. */
      if (complain && !g_str_has_suffix (host, "@") && !g_str_has_suffix (host, ":"))
        show_error (self->server_error, GTK_WIDGET (self->host_row), message);
      else
        show_error (self->server_error, GTK_WIDGET (self->host_row), NULL);
      return FALSE;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->host_row), "error");
  if (!culvert_address_parse_port (port_text, FALSE, CULVERT_PORT_FIELD_PORT, &port, &error))
    {
      if (complain)
        show_error (self->server_error, GTK_WIDGET (self->port_row), error->message);
      return FALSE;
    }
  show_error (self->server_error, GTK_WIDGET (self->port_row), NULL);
  return TRUE;
}

/* The key file to log in with, shown under its choice, which it selects. */
static void
set_key_path (CulvertWizard *self,
              const char    *path)
{
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (self->key_button), ADW_TYPE_ACTION_ROW);

  g_free (self->key_path);
  self->key_path = g_strdup (path);
  if (row != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), path);
  gtk_check_button_set_active (self->auth_key, TRUE);
  /* Perhaps chosen already: the page is valid now either way. */
  g_object_notify (G_OBJECT (self->auth_key), "active");
}

/* A pasted `user@host:port` or `ssh …` fills the fields it names. */
static void
apply_paste (CulvertWizard *self)
{
  g_autofree char *text = text_of (self->host_row);
  CulvertWizardPaste paste = { 0 };

  if (!culvert_wizard_paste_parse (text, &paste))
    {
      culvert_wizard_paste_clear (&paste);
      return;
    }

  set_text (self, self->host_row, paste.host);
  if (paste.user != NULL)
    set_text (self, self->user_row, paste.user);
  {
    g_autofree char *port = g_strdup_printf ("%u", paste.port != 0 ? paste.port : 22);

    set_text (self, self->port_row, port);
  }
  if (paste.identity_file != NULL)
    set_key_path (self, paste.identity_file);
  if (paste.jump_hosts->len > 0)
    {
      g_ptr_array_add (paste.jump_hosts, NULL);
      {
        g_autofree char *joined = g_strjoinv (",", (char **) paste.jump_hosts->pdata);

        set_text (self, self->jump_hosts_row, joined);
      }
      adw_expander_row_set_expanded (self->network_expander, TRUE);
    }
  if (paste.forwards->len > 0)
    {
      CulvertForward *forward = g_ptr_array_index (paste.forwards, 0);
      const char *bind = culvert_forward_get_bind_address (forward);
      g_autofree char *port = g_strdup_printf ("%u", culvert_forward_get_bind_port (forward));

      switch (culvert_forward_get_kind (forward))
        {
        case CULVERT_FORWARD_REMOTE:
          gtk_check_button_set_active (self->scenario_incoming, TRUE);
          break;
        case CULVERT_FORWARD_DYNAMIC:
          gtk_check_button_set_active (self->scenario_dynamic, TRUE);
          break;
        case CULVERT_FORWARD_LOCAL:
        default:
          gtk_check_button_set_active (self->scenario_outgoing, TRUE);
          break;
        }
      set_text (self, self->listen_port_row, port);
      if (culvert_forward_get_destination_host (forward) != NULL)
        {
          g_autofree char *destination_port =
            g_strdup_printf ("%u", culvert_forward_get_destination_port (forward));

          set_text (self, self->destination_host_row,
                    culvert_forward_get_destination_host (forward));
          set_text (self, self->destination_port_row, destination_port);
        }
      /* An off-host bind is asked about when the forward page is left. */
      if (bind != NULL && culvert_address_classify (bind) != CULVERT_ADDRESS_LOOPBACK)
        {
          set_text (self, self->bind_row, g_strcmp0 (bind, "*") == 0 ? "" : bind);
          gtk_switch_set_active (self->other_hosts_switch, TRUE);
        }
    }
  /* Everything a tunnel needs: it can be made at once. */
  gtk_widget_set_visible (GTK_WIDGET (self->finish_now_button),
                          paste.host != NULL && paste.forwards->len > 0);
  culvert_wizard_paste_clear (&paste);
}

/* The server field is left, or its page: what was typed is split up as a
 * paste is. */
void
culvert_wizard_commit_server (CulvertWizard *self)
{
  apply_paste (self);
}

static void
on_host_focus_leave (CulvertWizard *self)
{
  culvert_wizard_commit_server (self);
}

static void
on_host_insert (GtkEditable   *editable,
                const char    *text,
                int            length,
                int           *position,
                CulvertWizard *self)
{
  if (length < 0)
    length = strlen (text);
  /* Typing inserts one character at a time; a paste or a drop more. */
  if (!self->filling && g_utf8_strlen (text, length) > 1)
    self->pasted = TRUE;
}

static gboolean
apply_paste_when_idle (gpointer data)
{
  apply_paste (data);
  return G_SOURCE_REMOVE;
}

static void
on_server_changed (CulvertWizard *self)
{
  g_autofree char *host = NULL;

  /* Not while the field is still changing. */
  if (self->pasted && !self->filling)
    {
      self->pasted = FALSE;
      g_idle_add_full (G_PRIORITY_HIGH_IDLE, apply_paste_when_idle, g_object_ref (self),
                       g_object_unref);
    }
  host = text_of (self->host_row);
  gtk_widget_set_visible (GTK_WIDGET (self->test_icon), FALSE);
  gtk_label_set_label (self->test_result, "");
  culvert_tunnel_diagram_set_server (self->forward_diagram, host);
}

/* ---------------------------------------------------------------------- */
/* Authentication                                                          */

static gboolean
auth_is_valid (CulvertWizard *self)
{
  if (gtk_check_button_get_active (self->auth_key) && self->key_path == NULL)
    {
      show_error (self->auth_error, NULL, _("Choose the key file"));
      return FALSE;
    }
  show_error (self->auth_error, NULL, NULL);
  return TRUE;
}

static void
on_auth_changed (CulvertWizard *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->password_group),
                          gtk_check_button_get_active (self->auth_password));
}

static void
on_key_chosen (const char *path,
               gpointer    data)
{
  CulvertWizard *self = data;

  if (path != NULL)
    set_key_path (self, path);
}

void
culvert_wizard_choose_key_action (GtkWidget  *widget,
                                  const char *action_name,
                                  GVariant   *parameter)
{
  CulvertWizard *self = CULVERT_WIZARD (widget);
  g_autofree char *ssh_dir = g_build_filename (g_get_home_dir (), ".ssh", NULL);
  g_autoptr(GFile) folder = g_file_new_for_path (ssh_dir);

  culvert_choose_file (GTK_WIDGET (self), _("Choose a Private Key"), _("_Choose"),
                       g_file_test (ssh_dir, G_FILE_TEST_IS_DIR) ? folder : NULL, NULL,
                       on_key_chosen, g_object_ref (self), g_object_unref);
}

/* ---------------------------------------------------------------------- */
/* Forward                                                                 */

static gboolean
forward_is_valid (CulvertWizard *self)
{
  CulvertForwardKind kind = culvert_wizard_get_kind (self);
  g_autofree char *port_text = text_of (self->listen_port_row);
  g_autofree char *bind = text_of (self->bind_row);
  g_autofree char *host = text_of (self->destination_host_row);
  g_autofree char *destination_port_text = text_of (self->destination_port_row);
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) spec = g_string_new (NULL);
  gboolean off_host = gtk_switch_get_active (self->other_hosts_switch);
  gboolean listen_ok = FALSE, destination_ok = TRUE;
  guint16 port = 0, destination_port = 0;

  g_clear_object (&self->candidate);

  if (*port_text == '\0')
    show_error (self->listen_error, GTK_WIDGET (self->listen_port_row), NULL);
  else if (!culvert_address_parse_port (port_text, kind == CULVERT_FORWARD_REMOTE,
                                        CULVERT_PORT_FIELD_LISTEN, &port, &error))
    show_error (self->listen_error, GTK_WIDGET (self->listen_port_row), error->message);
  else if (off_host && *bind != '\0' && g_strcmp0 (bind, "*") != 0 &&
           !culvert_address_is_valid_host (bind))
    {
      g_autofree char *message = g_strdup_printf (_("“%s” is not a host name or an IP address"),
                                                  bind);

      show_error (self->listen_error, GTK_WIDGET (self->bind_row), message);
    }
  else
    {
      show_error (self->listen_error, GTK_WIDGET (self->listen_port_row), NULL);
      gtk_widget_remove_css_class (GTK_WIDGET (self->bind_row), "error");
      listen_ok = TRUE;
    }
  g_clear_error (&error);

  if (kind != CULVERT_FORWARD_DYNAMIC)
    {
      destination_ok = FALSE;
      if (*host == '\0')
        show_error (self->destination_error, GTK_WIDGET (self->destination_host_row), NULL);
      else if (!culvert_address_is_valid_host (host))
        {
          g_autofree char *message =
            g_strdup_printf (_("“%s” is not a host name or an IP address"), host);

          show_error (self->destination_error, GTK_WIDGET (self->destination_host_row), message);
        }
      else if (*destination_port_text == '\0')
        show_error (self->destination_error, GTK_WIDGET (self->destination_host_row), NULL);
      else if (!culvert_address_parse_port (destination_port_text, FALSE,
                                            CULVERT_PORT_FIELD_DESTINATION, &destination_port,
                                            &error))
        show_error (self->destination_error, GTK_WIDGET (self->destination_port_row),
                    error->message);
      else
        {
          show_error (self->destination_error, GTK_WIDGET (self->destination_port_row), NULL);
          gtk_widget_remove_css_class (GTK_WIDGET (self->destination_host_row), "error");
          destination_ok = TRUE;
        }
    }

  culvert_tunnel_diagram_set_kind (self->forward_diagram, kind);
  culvert_tunnel_diagram_set_bind (self->forward_diagram,
                                   off_host ? (*bind != '\0' ? bind : "*") : NULL, port);
  culvert_tunnel_diagram_set_destination (self->forward_diagram, host, destination_port);

  if (!listen_ok || !destination_ok)
    return FALSE;

  /* The model's parser has the last word on the whole rule. */
  if (off_host)
    {
      g_autofree char *shown = *bind == '\0' ? g_strdup ("*") : culvert_address_format_host (bind);

      g_string_append_printf (spec, "%s:", shown);
    }
  g_string_append_printf (spec, "%u", port);
  if (kind != CULVERT_FORWARD_DYNAMIC)
    {
      g_autofree char *shown = culvert_address_format_host (host);

      g_string_append_printf (spec, ":%s:%u", shown, destination_port);
    }
  self->candidate = culvert_forward_parse (kind, spec->str, &error);
  if (self->candidate == NULL)
    {
      show_error (self->listen_error, NULL, error->message);
      return FALSE;
    }
  return TRUE;
}

static void
on_scenario_changed (CulvertWizard *self)
{
  CulvertForwardKind kind = culvert_wizard_get_kind (self);

  gtk_widget_set_visible (GTK_WIDGET (self->destination_group), kind != CULVERT_FORWARD_DYNAMIC);
  switch (kind)
    {
    case CULVERT_FORWARD_LOCAL:
      gtk_label_set_label (self->forward_hint,
                           _("Programs on this computer connect to the listening port; the "
                             "server connects onward to the destination, as the server sees "
                             "it (“localhost” is the server itself)."));
      break;
    case CULVERT_FORWARD_REMOTE:
      gtk_label_set_label (self->forward_hint,
                           _("The server listens on the port; this computer connects onward "
                             "to the destination, as this computer sees it (“localhost” is "
                             "this computer)."));
      break;
    case CULVERT_FORWARD_DYNAMIC:
      gtk_label_set_label (self->forward_hint,
                           _("Set your programs to use the SOCKS proxy at this port; each "
                             "connection goes wherever the program asks, through the server."));
      if (*gtk_editable_get_text (GTK_EDITABLE (self->listen_port_row)) == '\0')
        set_text (self, self->listen_port_row, "1080");
      break;
    default:
      g_assert_not_reached ();
    }
  forward_is_valid (self);
}

static void
on_other_hosts_changed (CulvertWizard *self)
{
  gboolean on = gtk_switch_get_active (self->other_hosts_switch);

  gtk_widget_set_visible (GTK_WIDGET (self->bind_row), on);
  /* Each time it goes on, the warning comes again. */
  if (!on)
    g_clear_pointer (&self->offhost_consent, g_free);
}

/* ---------------------------------------------------------------------- */
/* Network                                                                 */

char *
culvert_wizard_split_proxy_url (const char  *url,
                                char       **password)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL);

  *password = NULL;
  if (uri == NULL || g_uri_get_password (uri) == NULL)
    return g_strdup (url);

  *password = g_uri_unescape_string (g_uri_get_password (uri), NULL);
  return g_uri_join_with_user (G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED,
                               g_uri_get_scheme (uri), g_uri_get_user (uri), NULL, NULL,
                               g_uri_get_host (uri), g_uri_get_port (uri), g_uri_get_path (uri),
                               g_uri_get_query (uri), g_uri_get_fragment (uri));
}

static gboolean
network_is_valid (CulvertWizard *self)
{
  g_autofree char *url = text_of (self->proxy_url_row);
  g_autofree char *jumps = text_of (self->jump_hosts_row);
  g_auto(GStrv) hops = g_strsplit (jumps, ",", -1);
  gboolean custom = adw_combo_row_get_selected (self->proxy_mode_row) == CULVERT_PROXY_CUSTOM;

  gtk_widget_set_visible (GTK_WIDGET (self->proxy_url_row), custom);
  gtk_widget_set_visible (GTK_WIDGET (self->proxy_bypass_row), custom);

  if (custom)
    {
      g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
      const char *scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;

      /* What the engine can use: an HTTP CONNECT or a SOCKS5 proxy. */
      if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
          (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "socks5") != 0))
        {
          show_error (self->network_error, GTK_WIDGET (self->proxy_url_row),
                      *url == '\0' ? _("Enter the proxy’s address")
                                   : _("The proxy’s address must look like http://host:port or "
                                       "socks5://host:port"));
          return FALSE;
        }
      gtk_widget_remove_css_class (GTK_WIDGET (self->proxy_url_row), "error");
    }

  for (guint i = 0; hops[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;

      g_strstrip (hops[i]);
      if (*hops[i] != '\0' && !culvert_jump_host_parse (hops[i], NULL, NULL, NULL, &error))
        {
          show_error (self->network_error, GTK_WIDGET (self->jump_hosts_row), error->message);
          return FALSE;
        }
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->jump_hosts_row), "error");
  show_error (self->network_error, NULL, NULL);
  return TRUE;
}

/* ---------------------------------------------------------------------- */

gboolean
culvert_wizard_page_is_valid (CulvertWizard *self,
                              const char    *page)
{
  if (g_strcmp0 (page, "server") == 0)
    return server_is_valid (self, TRUE);
  if (g_strcmp0 (page, "auth") == 0)
    return auth_is_valid (self);
  if (g_strcmp0 (page, "forward") == 0)
    return forward_is_valid (self);
  if (g_strcmp0 (page, "network") == 0)
    return network_is_valid (self);
  return TRUE;
}

CulvertProfile *
culvert_wizard_build_profile (CulvertWizard *self,
                              gboolean       with_forward)
{
  CulvertProfile *profile = culvert_profile_new ();
  g_autofree char *host = text_of (self->host_row);
  g_autofree char *port_text = text_of (self->port_row);
  g_autofree char *user = text_of (self->user_row);
  g_autofree char *name = text_of (self->name_row);
  g_autofree char *jumps = text_of (self->jump_hosts_row);
  guint16 port = 22;
  CulvertAuthMethod method = CULVERT_AUTH_AUTOMATIC;
  CulvertProxyMode proxy = adw_combo_row_get_selected (self->proxy_mode_row);

  culvert_address_parse_port (port_text, FALSE, CULVERT_PORT_FIELD_PORT, &port, NULL);
  culvert_profile_set_name (profile, name);
  culvert_profile_set_host (profile, host);
  culvert_profile_set_port (profile, port);
  culvert_profile_set_user (profile, user);

  if (gtk_check_button_get_active (self->auth_key))
    {
      method = CULVERT_AUTH_KEY;
      culvert_profile_set_identity_file (profile, self->key_path);
    }
  else if (gtk_check_button_get_active (self->auth_password))
    method = CULVERT_AUTH_PASSWORD;
  else if (gtk_check_button_get_active (self->auth_kbdint))
    method = CULVERT_AUTH_KEYBOARD_INTERACTIVE;
  culvert_profile_set_auth_method (profile, method);

  if (proxy <= CULVERT_PROXY_CUSTOM)
    culvert_profile_set_proxy_mode (profile, proxy);
  if (proxy == CULVERT_PROXY_CUSTOM)
    {
      g_autofree char *url = text_of (self->proxy_url_row);
      g_autofree char *bypass = text_of (self->proxy_bypass_row);

      g_autofree char *password = NULL;
      g_autofree char *kept = culvert_wizard_split_proxy_url (url, &password);

      /* Never in the profile: its password goes to the keyring on Finish. */
      culvert_profile_set_proxy_url (profile, kept);
      culvert_profile_set_proxy_bypass (profile, bypass);
      culvert_secrets_free (g_steal_pointer (&password));
    }
  if (*jumps != '\0')
    {
      g_auto(GStrv) hops = g_strsplit (jumps, ",", -1);
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_auto(GStrv) kept = NULL;

      for (guint i = 0; hops[i] != NULL; i++)
        if (*g_strstrip (hops[i]) != '\0')
          g_strv_builder_add (builder, hops[i]);
      kept = g_strv_builder_end (builder);
      culvert_profile_set_jump_hosts (profile, (const char * const *) kept);
    }

  if (with_forward && self->candidate != NULL)
    {
      g_autoptr(CulvertForward) forward = culvert_forward_copy (self->candidate);

      culvert_profile_add_forward (profile, forward);
    }
  return profile;
}

/* What the connection is for: the destination and its port, or the server,
 * and never the name of another. */
static char *
suggested_name (CulvertWizard *self)
{
  g_autofree char *server = text_of (self->host_row);
  g_autofree char *host = text_of (self->destination_host_row);
  g_autofree char *destination_port = text_of (self->destination_port_row);
  g_autofree char *port = text_of (self->listen_port_row);
  g_autofree char *shown_host = culvert_address_format_host (host);
  g_autofree char *destination = g_strdup_printf ("%s:%s", shown_host, destination_port);
  g_autofree char *name = NULL;
  CulvertProfileStore *store = culvert_application_get_profile_store (self->app);

  switch (culvert_wizard_get_kind (self))
    {
    case CULVERT_FORWARD_LOCAL:
      /* Translators: a connection's suggested name: "db.internal:5432 via gateway.example.org" */
      name = g_strdup_printf (_("%s via %s"), destination, server);
      break;
    case CULVERT_FORWARD_REMOTE:
      /* Translators: a connection's suggested name for an incoming forward */
      name = g_strdup_printf (_("Port %s of %s to %s"), port, server, destination);
      break;
    case CULVERT_FORWARD_DYNAMIC:
      /* Translators: a connection's suggested name for a SOCKS proxy */
      name = g_strdup_printf (_("Browsing via %s"), server);
      break;
    default:
      g_assert_not_reached ();
    }
  return culvert_gui_unique_name (G_LIST_MODEL (store), name);
}

void
culvert_wizard_fill_summary (CulvertWizard *self)
{
  g_autoptr(CulvertProfile) profile = NULL;
  g_autofree char *command = NULL;
  g_autofree char *warning = NULL;

  if (!self->name_edited)
    {
      g_autofree char *name = suggested_name (self);

      set_text (self, self->name_row, name);
    }
  profile = culvert_wizard_build_profile (self, TRUE);
  command = culvert_profile_to_command_line (profile);
  gtk_label_set_label (self->command_label, command);

  if (self->offhost_row != NULL)
    {
      adw_preferences_group_remove (self->offhost_group, self->offhost_row);
      self->offhost_row = NULL;
    }
  if (self->candidate != NULL)
    warning = culvert_offhost_warning_describe (self->candidate, FALSE,
                                                culvert_profile_get_host (profile));
  gtk_widget_set_visible (GTK_WIDGET (self->offhost_group), warning != NULL);
  if (warning != NULL)
    {
      g_autofree char *spec = culvert_forward_to_string (self->candidate);
      GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

      self->offhost_row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->offhost_row), spec);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->offhost_row), warning);
      gtk_widget_add_css_class (icon, "warning");
      gtk_widget_set_tooltip_text (icon, warning);
      gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      warning, -1);
      adw_action_row_add_prefix (ADW_ACTION_ROW (self->offhost_row), icon);
      adw_preferences_group_add (self->offhost_group, self->offhost_row);
    }
}

void
culvert_wizard_copy_command_action (GtkWidget  *widget,
                                    const char *action_name,
                                    GVariant   *parameter)
{
  CulvertWizard *self = CULVERT_WIZARD (widget);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget),
                          gtk_label_get_label (self->command_label));
}

static void
on_name_changed (CulvertWizard *self)
{
  if (!self->filling)
    self->name_edited = TRUE;
}

/* ---------------------------------------------------------------------- */
/* Test Connection                                                         */

static void
test_finished (CulvertWizard *self,
               gboolean       ok,
               const char    *message)
{
  gtk_spinner_stop (self->test_spinner);
  gtk_widget_set_visible (GTK_WIDGET (self->test_spinner), FALSE);
  gtk_image_set_from_icon_name (self->test_icon, ok ? "emblem-ok-symbolic"
                                                    : "dialog-error-symbolic");
  gtk_widget_set_visible (GTK_WIDGET (self->test_icon), TRUE);
  gtk_label_set_label (self->test_result, message);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.test", TRUE);
  culvert_wizard_stop_test (self);
}

static void
on_test_state (CulvertTunnel *tunnel,
               GParamSpec    *pspec,
               CulvertWizard *self)
{
  if (tunnel != self->test_tunnel)
    return;

  switch (culvert_tunnel_get_state (tunnel))
    {
    case CULVERT_TUNNEL_CONNECTED:
      test_finished (self, TRUE, _("Connected: the server accepted the login."));
      break;
    case CULVERT_TUNNEL_FAILED:
    case CULVERT_TUNNEL_DISCONNECTED:
      test_finished (self, FALSE, culvert_tunnel_get_state_reason (tunnel) != NULL
                                  ? culvert_tunnel_get_state_reason (tunnel)
                                  : _("The connection ended before the login."));
      break;
    case CULVERT_TUNNEL_CONNECTING:
    case CULVERT_TUNNEL_VERIFYING_HOST_KEY:
    case CULVERT_TUNNEL_AUTHENTICATING:
    case CULVERT_TUNNEL_RECONNECTING:
    default:
      break;
    }
}

static void
on_test_question (CulvertTunnel   *tunnel,
                  CulvertQuestion *question,
                  CulvertWizard   *self)
{
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));

  /* The password typed on the previous page answers the password question. */
  if (culvert_question_get_kind (question) == CULVERT_QUESTION_PASSWORD &&
      gtk_check_button_get_active (self->auth_password) && *password != '\0')
    {
      const char *answers[] = { password, NULL };

      culvert_question_answer (question, TRUE, answers);
      return;
    }
  culvert_question_dialog_present (GTK_WINDOW (self), tunnel, question);
}

void
culvert_wizard_stop_test (CulvertWizard *self)
{
  CulvertTunnel *tunnel = g_steal_pointer (&self->test_tunnel);

  if (tunnel == NULL)
    return;
  g_signal_handlers_disconnect_by_data (tunnel, self);
  if (culvert_tunnel_is_running (tunnel))
    {
      /* The tunnel goes once its worker has stopped. */
      g_signal_connect (tunnel, "exited", G_CALLBACK (g_object_unref), NULL);
      culvert_tunnel_disconnect (tunnel);
    }
  else
    g_object_unref (tunnel);
}

void
culvert_wizard_test_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  CulvertWizard *self = CULVERT_WIZARD (widget);
  g_autoptr(CulvertProfile) profile = NULL;
  g_autoptr(GError) error = NULL;

  culvert_wizard_commit_server (self);
  if (!server_is_valid (self, TRUE))
    return;
  culvert_wizard_stop_test (self);

  profile = culvert_wizard_build_profile (self, FALSE);
  culvert_profile_set_reconnect (profile, FALSE);
  /* The probe is never saved: it may carry the proxy's password as typed. */
  if (adw_combo_row_get_selected (self->proxy_mode_row) == CULVERT_PROXY_CUSTOM)
    {
      g_autofree char *url = text_of (self->proxy_url_row);

      culvert_profile_set_proxy_url (profile, url);
    }
  self->test_tunnel = culvert_tunnel_new (profile);
  g_signal_connect_object (self->test_tunnel, "notify::state", G_CALLBACK (on_test_state),
                           self, 0);
  g_signal_connect_object (self->test_tunnel, "question", G_CALLBACK (on_test_question),
                           self, 0);

  gtk_widget_set_visible (GTK_WIDGET (self->test_icon), FALSE);
  gtk_label_set_label (self->test_result, _("Connecting…"));
  gtk_widget_set_visible (GTK_WIDGET (self->test_spinner), TRUE);
  gtk_spinner_start (self->test_spinner);
  gtk_widget_action_set_enabled (widget, "wizard.test", FALSE);

  if (!culvert_tunnel_connect (self->test_tunnel, &error))
    test_finished (self, FALSE, error->message);
}

/* ---------------------------------------------------------------------- */

void
culvert_wizard_setup_pages (CulvertWizard *self)
{
  GtkEditable *host = gtk_editable_get_delegate (GTK_EDITABLE (self->host_row));
  GtkCheckButton *scenarios[] = {
    self->scenario_outgoing, self->scenario_incoming, self->scenario_dynamic,
  };
  GtkCheckButton *auths[] = {
    self->auth_automatic, self->auth_key, self->auth_password, self->auth_kbdint,
  };
  AdwEntryRow *forward_rows[] = {
    self->listen_port_row, self->bind_row, self->destination_host_row, self->destination_port_row,
  };

  g_signal_connect_object (host != NULL ? (gpointer) host : (gpointer) self->host_row,
                           "insert-text", G_CALLBACK (on_host_insert), self, 0);
  g_signal_connect_object (self->host_row, "changed", G_CALLBACK (on_server_changed), self,
                           G_CONNECT_SWAPPED);
  self->host_focus = gtk_event_controller_focus_new ();
  g_signal_connect_object (self->host_focus, "leave", G_CALLBACK (on_host_focus_leave), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->host_row), self->host_focus);
  for (guint i = 0; i < G_N_ELEMENTS (scenarios); i++)
    g_signal_connect_object (scenarios[i], "notify::active", G_CALLBACK (on_scenario_changed),
                             self, G_CONNECT_SWAPPED);
  for (guint i = 0; i < G_N_ELEMENTS (auths); i++)
    g_signal_connect_object (auths[i], "notify::active", G_CALLBACK (on_auth_changed), self,
                             G_CONNECT_SWAPPED);
  for (guint i = 0; i < G_N_ELEMENTS (forward_rows); i++)
    g_signal_connect_object (forward_rows[i], "changed", G_CALLBACK (forward_is_valid), self,
                             G_CONNECT_SWAPPED);
  g_signal_connect_object (self->other_hosts_switch, "notify::active",
                           G_CALLBACK (on_other_hosts_changed), self, G_CONNECT_SWAPPED);
  culvert_gui_offhost_switch_describe (self->other_hosts_switch);
  g_signal_connect_object (self->name_row, "changed", G_CALLBACK (on_name_changed), self,
                           G_CONNECT_SWAPPED);

  on_scenario_changed (self);
  on_auth_changed (self);
  network_is_valid (self);
}

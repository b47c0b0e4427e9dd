/* culvert-forward-dialog.c — add or edit one forwarding rule
 *
 * Every field is checked as the user types, with the model's own parsers
 * and their messages; Save stays insensitive until the rule is valid. A
 * rule that lets other hosts in is confirmed first, naming who can connect.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "culvert-forward-dialog-private.h"
#include "culvert-forward-item.h"
#include "culvert-gui-util.h"
#include "culvert-offhost-warning.h"
#include "culvert-tunnel-diagram.h"

struct _CulvertForwardDialog
{
  AdwWindow            parent_instance;

  CulvertProfileStore *store;
  CulvertProfile      *profile;
  CulvertForward      *forward;    /* being edited, or NULL */
  CulvertForward      *candidate;  /* what the fields say, when valid */

  AdwComboRow         *kind_row;
  GtkLabel            *kind_hint;
  CulvertTunnelDiagram *diagram;
  AdwPreferencesGroup *destination_group;
  AdwEntryRow         *port_row;
  GtkSwitch           *other_hosts_switch;
  AdwEntryRow         *bind_row;
  AdwEntryRow         *host_row;
  AdwEntryRow         *destination_port_row;
  AdwEntryRow         *description_row;
  GtkLabel            *listen_error;
  GtkLabel            *destination_error;
  GtkLabel            *general_error;
  GtkButton           *save_button;
};

G_DEFINE_FINAL_TYPE (CulvertForwardDialog, culvert_forward_dialog, ADW_TYPE_WINDOW)

enum {
  SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const CulvertForwardKind kinds[] = {
  CULVERT_FORWARD_LOCAL, CULVERT_FORWARD_REMOTE, CULVERT_FORWARD_DYNAMIC,
};

static CulvertForwardKind
selected_kind (CulvertForwardDialog *self)
{
  guint i = adw_combo_row_get_selected (self->kind_row);

  return i < G_N_ELEMENTS (kinds) ? kinds[i] : CULVERT_FORWARD_LOCAL;
}

static void
show_error (GtkLabel   *label,
            GtkWidget  *row,
            const char *message)
{
  gtk_label_set_label (label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), message != NULL);
  if (row != NULL && message != NULL)
    gtk_widget_add_css_class (row, "error");
}

static char *
text_of (AdwEntryRow *row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

/* Reads the fields; each problem goes under its field. */
static void
culvert_forward_dialog_validate (CulvertForwardDialog *self)
{
  CulvertForwardKind kind = selected_kind (self);
  g_autofree char *port_text = text_of (self->port_row);
  g_autofree char *bind = text_of (self->bind_row);
  g_autofree char *host = text_of (self->host_row);
  g_autofree char *destination_port_text = text_of (self->destination_port_row);
  g_autofree char *listen_message = NULL;
  g_autofree char *destination_message = NULL;
  g_autoptr(GError) error = NULL;
  gboolean off_host = gtk_switch_get_active (self->other_hosts_switch);
  /* A path where a port or host goes names a Unix-domain socket, as in
   * ssh's -L /local.sock:/remote.sock; a socket file is local by nature. */
  gboolean listen_is_path = strchr (port_text, '/') != NULL;
  gboolean destination_is_path = kind != CULVERT_FORWARD_DYNAMIC && strchr (host, '/') != NULL;
  guint16 port = 0, destination_port = 0;

  if (listen_is_path)
    off_host = FALSE;

  g_clear_object (&self->candidate);
  gtk_widget_remove_css_class (GTK_WIDGET (self->port_row), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->bind_row), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->host_row), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->destination_port_row), "error");

  gtk_widget_set_visible (GTK_WIDGET (self->bind_row), off_host);
  gtk_widget_set_sensitive (GTK_WIDGET (self->other_hosts_switch), !listen_is_path);
  gtk_widget_set_visible (GTK_WIDGET (self->destination_port_row), !destination_is_path);
  gtk_widget_set_visible (GTK_WIDGET (self->destination_group), kind != CULVERT_FORWARD_DYNAMIC);
  switch (kind)
    {
    case CULVERT_FORWARD_LOCAL:
      gtk_label_set_label (self->kind_hint,
                           _("This computer listens; the SSH server connects onward to the "
                             "destination, which may be the server itself or a host next to it."));
      adw_preferences_group_set_description (self->destination_group,
                                             _("As the SSH server sees it"));
      break;
    case CULVERT_FORWARD_REMOTE:
      gtk_label_set_label (self->kind_hint,
                           _("The SSH server listens; this computer connects onward to the "
                             "destination."));
      adw_preferences_group_set_description (self->destination_group,
                                             _("As this computer sees it"));
      break;
    case CULVERT_FORWARD_DYNAMIC:
      gtk_label_set_label (self->kind_hint,
                           _("This computer listens as a SOCKS proxy; each program says where "
                             "it wants to go and the SSH server connects there."));
      break;
    default:
      g_assert_not_reached ();
    }

  if (listen_is_path)
    show_error (self->listen_error, NULL, NULL);  /* the parser below checks it */
  else if (!culvert_address_parse_port (port_text, kind == CULVERT_FORWARD_REMOTE,
                                        CULVERT_PORT_FIELD_LISTEN, &port, &error))
    {
      listen_message = g_strdup (error->message);
      show_error (self->listen_error, GTK_WIDGET (self->port_row), listen_message);
      g_clear_error (&error);
    }
  else if (off_host && *bind != '\0' && g_strcmp0 (bind, "*") != 0 &&
           !culvert_address_is_valid_host (bind))
    {
      listen_message = g_strdup_printf (_("“%s” is not a host name or an IP address"), bind);
      show_error (self->listen_error, GTK_WIDGET (self->bind_row), listen_message);
    }
  else
    show_error (self->listen_error, NULL, NULL);

  if (kind != CULVERT_FORWARD_DYNAMIC && !destination_is_path)
    {
      if (*host == '\0')
        {
          destination_message = g_strdup (_("Enter the host to connect to"));
          show_error (self->destination_error, GTK_WIDGET (self->host_row), destination_message);
        }
      else if (!culvert_address_is_valid_host (host))
        {
          destination_message = g_strdup_printf (_("“%s” is not a host name or an IP address"),
                                                 host);
          show_error (self->destination_error, GTK_WIDGET (self->host_row), destination_message);
        }
      else if (!culvert_address_parse_port (destination_port_text, FALSE,
                                            CULVERT_PORT_FIELD_DESTINATION, &destination_port,
                                            &error))
        {
          destination_message = g_strdup (error->message);
          show_error (self->destination_error, GTK_WIDGET (self->destination_port_row),
                      destination_message);
          g_clear_error (&error);
        }
      else
        show_error (self->destination_error, NULL, NULL);
    }
  else
    show_error (self->destination_error, NULL, NULL);

  if (listen_message == NULL && destination_message == NULL)
    {
      g_autoptr(GString) spec = g_string_new (NULL);
      g_autoptr(CulvertForward) parsed = NULL;

      /* The model's parser has the last word on the whole rule. */
      const char *kept = self->forward != NULL ? culvert_forward_get_bind_address (self->forward)
                                                : NULL;

      if (listen_is_path)
        {
          g_string_append (spec, port_text);
        }
      else if (off_host)
        {
          g_autofree char *shown = *bind == '\0' ? g_strdup ("*") : culvert_address_format_host (bind);

          g_string_append_printf (spec, "%s:", shown);
        }
      else if (kept != NULL && culvert_address_classify (kept) == CULVERT_ADDRESS_LOOPBACK)
        {
          /* A loopback address the rule already had (127.0.0.1, ::1) stays as it was. */
          g_autofree char *shown = culvert_address_format_host (kept);

          g_string_append_printf (spec, "%s:", shown);
        }
      if (!listen_is_path)
        g_string_append_printf (spec, "%u", port);
      if (destination_is_path)
        {
          g_string_append_printf (spec, ":%s", host);
        }
      else if (kind != CULVERT_FORWARD_DYNAMIC)
        {
          g_autofree char *shown = culvert_address_format_host (host);

          g_string_append_printf (spec, ":%s:%u", shown, destination_port);
        }

      parsed = culvert_forward_parse (kind, spec->str, &error);
      if (parsed == NULL)
        show_error (self->general_error, NULL, error->message);
      else
        {
          g_autofree char *description = text_of (self->description_row);

          show_error (self->general_error, NULL, NULL);
          /* Switch off means loopback, whatever the connection's GatewayPorts
           * says: the one rule the off-host warning's "Keep Local Only" uses. */
          if (!off_host && culvert_forward_get_bind_address (parsed) == NULL)
            culvert_offhost_warning_keep_local (parsed,
                                                culvert_profile_get_gateway_ports (self->profile));
          culvert_forward_set_description (parsed, description);
          if (self->forward != NULL)
            culvert_forward_set_enabled (parsed, culvert_forward_get_enabled (self->forward));
          self->candidate = g_steal_pointer (&parsed);
        }
    }
  else
    show_error (self->general_error, NULL, NULL);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "forward.save", self->candidate != NULL);

  /* The diagram follows what is typed, valid or not yet. */
  culvert_tunnel_diagram_set_kind (self->diagram, kind);
  culvert_tunnel_diagram_set_bind (self->diagram,
                                   off_host ? (*bind != '\0' ? bind : "*") : NULL, port);
  culvert_tunnel_diagram_set_destination (self->diagram, host, destination_port);
}

static void
culvert_forward_dialog_apply (CulvertForwardDialog *self)
{
  g_autoptr(GError) error = NULL;
  CulvertForward *candidate = self->candidate;

  if (self->forward != NULL)
    {
      g_object_freeze_notify (G_OBJECT (self->forward));
      culvert_forward_set_kind (self->forward, culvert_forward_get_kind (candidate));
      culvert_forward_set_bind_address (self->forward, culvert_forward_get_bind_address (candidate));
      culvert_forward_set_bind_port (self->forward, culvert_forward_get_bind_port (candidate));
      culvert_forward_set_destination_host (self->forward,
                                            culvert_forward_get_destination_host (candidate));
      culvert_forward_set_destination_port (self->forward,
                                            culvert_forward_get_destination_port (candidate));
      culvert_forward_set_bind_path (self->forward, culvert_forward_get_bind_path (candidate));
      culvert_forward_set_destination_path (self->forward,
                                            culvert_forward_get_destination_path (candidate));
      culvert_forward_set_description (self->forward, culvert_forward_get_description (candidate));
      g_object_thaw_notify (G_OBJECT (self->forward));
    }
  else
    culvert_profile_add_forward (self->profile, candidate);

  if (!culvert_profile_store_save_profile (self->store, self->profile, &error))
    {
      show_error (self->general_error, NULL, error->message);
      return;
    }

  g_signal_emit (self, signals[SAVED], 0);
  gtk_window_close (GTK_WINDOW (self));
}

static gboolean
apply_when_idle (gpointer data)
{
  CulvertForwardDialog *self = data;

  if (self->candidate != NULL && self->store != NULL)
    culvert_forward_dialog_apply (self);
  return G_SOURCE_REMOVE;
}

static void
on_off_host_response (GtkWidget            *dialog,
                      const char           *response,
                      CulvertForwardDialog *self)
{
  /* "Keep Local Only": the rule listens on loopback after all. */
  if (g_strcmp0 (response, CULVERT_OFFHOST_RESPONSE_ALLOW) != 0)
    {
      gtk_switch_set_active (self->other_hosts_switch, FALSE);
      culvert_forward_dialog_validate (self);
    }
  /* Once the confirmation has closed: it is shown over (1.2) or in (1.5)
   * this window, which closes when the rule is saved. */
  culvert_alert_after_close (dialog, apply_when_idle, g_object_ref (self), g_object_unref);
}

static void
forward_save (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  CulvertForwardDialog *self = CULVERT_FORWARD_DIALOG (widget);
  GtkWidget *dialog;

  culvert_forward_dialog_validate (self);
  if (self->candidate == NULL)
    return;

  /* A rule that already let others in, the same way, was confirmed then. */
  if (self->forward != NULL &&
      culvert_forward_get_kind (self->forward) == culvert_forward_get_kind (self->candidate) &&
      g_strcmp0 (culvert_forward_get_bind_address (self->forward),
                 culvert_forward_get_bind_address (self->candidate)) == 0)
    dialog = NULL;
  else
    dialog = culvert_offhost_warning_new (GTK_WIDGET (self), self->candidate,
                                          culvert_profile_get_gateway_ports (self->profile),
                                          culvert_profile_get_host (self->profile));
  if (dialog == NULL)
    {
      culvert_forward_dialog_apply (self);
      return;
    }

  g_signal_connect_object (dialog, "response", G_CALLBACK (on_off_host_response), self, 0);
  culvert_alert_present (dialog);
}

void
culvert_forward_dialog_get_parts (CulvertForwardDialog      *self,
                                  CulvertForwardDialogParts *parts)
{
  parts->kind_row = self->kind_row;
  parts->port_row = self->port_row;
  parts->other_hosts_switch = self->other_hosts_switch;
  parts->bind_row = self->bind_row;
  parts->host_row = self->host_row;
  parts->destination_port_row = self->destination_port_row;
  parts->description_row = self->description_row;
  parts->listen_error = self->listen_error;
  parts->destination_error = self->destination_error;
  parts->save_button = self->save_button;
  parts->diagram = self->diagram;
}

static void
culvert_forward_dialog_dispose (GObject *object)
{
  CulvertForwardDialog *self = CULVERT_FORWARD_DIALOG (object);

  g_clear_object (&self->candidate);
  g_clear_object (&self->forward);
  g_clear_object (&self->profile);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (culvert_forward_dialog_parent_class)->dispose (object);
}

static void
culvert_forward_dialog_class_init (CulvertForwardDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = culvert_forward_dialog_dispose;

  signals[SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/culvert-forward-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, CulvertForwardDialog, kind_row);
  gtk_widget_class_bind_template_child (widget_class, CulvertForwardDialog, kind_hint);
  gtk_widget_class_bind_template_child (widget_class, CulvertForwardDialog, diagram);
  gtk_widget_class_bind_template_child (widget_class, CulvertForwardDialog, destination_group);
  gtk_widget_class_bind_template_child (widget_class, CulvertForwardDialog, port_row);
  gtk_widget_class_bind_template_child (widget_class, CulvertForwardDialog, other_hosts_switch);
  gtk_widget_class_bind_template_child (widget_class, CulvertForwardDialog, bind_row);
  gtk_widget_class_bind_template_child (widget_class, CulvertForwardDialog, host_row);
  gtk_widget_class_bind_template_child (widget_class, CulvertForwardDialog, destination_port_row);
  gtk_widget_class_bind_template_child (widget_class, CulvertForwardDialog, description_row);
  gtk_widget_class_bind_template_child (widget_class, CulvertForwardDialog, listen_error);
  gtk_widget_class_bind_template_child (widget_class, CulvertForwardDialog, destination_error);
  gtk_widget_class_bind_template_child (widget_class, CulvertForwardDialog, general_error);
  gtk_widget_class_bind_template_child (widget_class, CulvertForwardDialog, save_button);

  gtk_widget_class_install_action (widget_class, "forward.save", NULL, forward_save);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK,
                                       "forward.save", NULL);
}

static void
culvert_forward_dialog_init (CulvertForwardDialog *self)
{
  g_type_ensure (CULVERT_TYPE_TUNNEL_DIAGRAM);
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
culvert_forward_dialog_new (GtkWindow           *parent,
                            CulvertProfileStore *store,
                            CulvertProfile      *profile,
                            CulvertForward      *forward)
{
  CulvertForwardDialog *self;
  AdwEntryRow *rows[5];

  g_return_val_if_fail (CULVERT_IS_PROFILE_STORE (store), NULL);
  g_return_val_if_fail (CULVERT_IS_PROFILE (profile), NULL);
  g_return_val_if_fail (forward == NULL || CULVERT_IS_FORWARD (forward), NULL);

  self = g_object_new (CULVERT_TYPE_FORWARD_DIALOG, "transient-for", parent, NULL);
  self->store = g_object_ref (store);
  self->profile = g_object_ref (profile);
  culvert_tunnel_diagram_set_server (self->diagram, culvert_profile_get_host (profile));

  if (forward != NULL)
    {
      const char *bind = culvert_forward_get_bind_address (forward);
      g_autofree char *port = g_strdup_printf ("%u", culvert_forward_get_bind_port (forward));

      self->forward = g_object_ref (forward);
      gtk_window_set_title (GTK_WINDOW (self), _("Edit Forward"));
      for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
        if (kinds[i] == culvert_forward_get_kind (forward))
          adw_combo_row_set_selected (self->kind_row, i);
      gtk_editable_set_text (GTK_EDITABLE (self->port_row),
                             culvert_forward_get_bind_path (forward) != NULL
                             ? culvert_forward_get_bind_path (forward) : port);
      if (culvert_forward_get_destination_path (forward) != NULL)
        gtk_editable_set_text (GTK_EDITABLE (self->host_row),
                               culvert_forward_get_destination_path (forward));
      /* The switch says what the socket does: a rule without a bind address
       * listens on every interface when the connection has GatewayPorts. */
      if (culvert_forward_is_off_host_full (forward, culvert_profile_get_gateway_ports (profile)))
        {
          gtk_switch_set_active (self->other_hosts_switch, TRUE);
          gtk_editable_set_text (GTK_EDITABLE (self->bind_row),
                                 bind == NULL || g_strcmp0 (bind, "*") == 0 ? "" : bind);
        }
      if (culvert_forward_get_destination_host (forward) != NULL)
        {
          g_autofree char *destination_port =
            g_strdup_printf ("%u", culvert_forward_get_destination_port (forward));

          gtk_editable_set_text (GTK_EDITABLE (self->host_row),
                                 culvert_forward_get_destination_host (forward));
          gtk_editable_set_text (GTK_EDITABLE (self->destination_port_row), destination_port);
        }
      if (culvert_forward_get_description (forward) != NULL)
        gtk_editable_set_text (GTK_EDITABLE (self->description_row),
                               culvert_forward_get_description (forward));
    }

  rows[0] = self->port_row;
  rows[1] = self->bind_row;
  rows[2] = self->host_row;
  rows[3] = self->destination_port_row;
  rows[4] = self->description_row;
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      culvert_gui_label_entry_row (GTK_WIDGET (rows[i]));
      g_signal_connect_object (rows[i], "changed", G_CALLBACK (culvert_forward_dialog_validate),
                               self, G_CONNECT_SWAPPED);
    }
  g_signal_connect_object (self->kind_row, "notify::selected",
                           G_CALLBACK (culvert_forward_dialog_validate), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->other_hosts_switch, "notify::active",
                           G_CALLBACK (culvert_forward_dialog_validate), self, G_CONNECT_SWAPPED);
  culvert_gui_offhost_switch_describe (self->other_hosts_switch);

  culvert_forward_dialog_validate (self);
  /* A new rule starts without complaints: nothing was typed yet. */
  if (forward == NULL)
    {
      show_error (self->listen_error, NULL, NULL);
      show_error (self->destination_error, NULL, NULL);
      gtk_widget_remove_css_class (GTK_WIDGET (self->port_row), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (self->host_row), "error");
    }

  return GTK_WIDGET (self);
}

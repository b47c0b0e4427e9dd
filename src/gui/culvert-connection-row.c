/* culvert-connection-row.c — one connection in the sidebar
 *
 * Its name, user@host, a state indicator and a switch that connects and
 * disconnects; a context menu (right click, Menu or Shift+F10) with the
 * window's actions for this connection.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "culvert-connection-row.h"
#include "culvert-gui-util.h"

struct _CulvertConnectionRow
{
  GtkListBoxRow   parent_instance;

  CulvertTunnel  *tunnel;
  CulvertProfile *profile;
  GtkWidget      *menu;

  GtkStack       *state_stack;
  GtkImage       *state_icon;
  GtkSpinner     *state_spinner;
  GtkLabel       *name_label;
  GtkLabel       *address_label;
  GtkSwitch      *connect_switch;
};

G_DEFINE_FINAL_TYPE (CulvertConnectionRow, culvert_connection_row, GTK_TYPE_LIST_BOX_ROW)

static void
culvert_connection_row_update_profile (CulvertConnectionRow *self)
{
  const char *name = culvert_profile_get_display_name (self->profile);
  g_autofree char *address = culvert_gui_profile_address (self->profile);
  g_autofree char *switch_label = g_strdup_printf (_("Connect “%s”"), name);

  gtk_label_set_label (self->name_label, name);
  gtk_label_set_label (self->address_label, address);
  culvert_gui_set_accessible_label (GTK_WIDGET (self->connect_switch), switch_label);
}

static void
culvert_connection_row_update_state (CulvertConnectionRow *self)
{
  CulvertTunnelState state = culvert_tunnel_get_state (self->tunnel);
  GtkWidget *icon = GTK_WIDGET (self->state_icon);
  const char *text = culvert_gui_state_text (state);
  const char *icon_name = "media-record-symbolic";
  const char *css = "dim-label";
  gboolean busy = FALSE;

  switch (state)
    {
    case CULVERT_TUNNEL_DISCONNECTED:
      break;
    case CULVERT_TUNNEL_CONNECTING:
    case CULVERT_TUNNEL_VERIFYING_HOST_KEY:
    case CULVERT_TUNNEL_AUTHENTICATING:
      busy = TRUE;
      break;
    case CULVERT_TUNNEL_CONNECTED:
      /* Connected, but a forward does not serve: not a green light. */
      if (culvert_tunnel_get_problem (self->tunnel) != NULL)
        {
          icon_name = "dialog-warning-symbolic";
          css = "warning";
          text = _("Connected, With Problems");
        }
      else
        {
          icon_name = "emblem-ok-symbolic";
          css = "success";
        }
      break;
    case CULVERT_TUNNEL_RECONNECTING:
      icon_name = "view-refresh-symbolic";
      css = "warning";
      break;
    case CULVERT_TUNNEL_FAILED:
      icon_name = "dialog-error-symbolic";
      css = "error";
      break;
    default:
      g_assert_not_reached ();
    }

  gtk_image_set_from_icon_name (self->state_icon, icon_name);
  gtk_widget_remove_css_class (icon, "dim-label");
  gtk_widget_remove_css_class (icon, "success");
  gtk_widget_remove_css_class (icon, "warning");
  gtk_widget_remove_css_class (icon, "error");
  gtk_widget_add_css_class (icon, css);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->state_stack), text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text,
                                  -1);
  gtk_spinner_set_spinning (self->state_spinner, busy);
  gtk_stack_set_visible_child_name (self->state_stack, busy ? "spinner" : "icon");

  /* Not through the signal: this follows the tunnel, it does not drive it. */
  g_signal_handlers_block_matched (self->connect_switch, G_SIGNAL_MATCH_DATA,
                                   0, 0, NULL, NULL, self);
  gtk_switch_set_active (self->connect_switch, culvert_gui_state_is_on (state));
  g_signal_handlers_unblock_matched (self->connect_switch, G_SIGNAL_MATCH_DATA,
                                     0, 0, NULL, NULL, self);
}

static void
on_switch_active (CulvertConnectionRow *self)
{
  const char *id = culvert_profile_get_id (self->profile);
  gboolean on = gtk_switch_get_active (self->connect_switch);

  gtk_widget_activate_action (GTK_WIDGET (self), on ? "win.connect" : "win.disconnect",
                              "s", id);
  /* Show what really happened (connecting can fail at once). */
  culvert_connection_row_update_state (self);
}

GMenuModel *
culvert_connection_menu_new (CulvertProfile *profile,
                             gboolean        on)
{
  const char *id = culvert_profile_get_id (profile);
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) first = g_menu_new ();
  g_autoptr(GMenu) second = g_menu_new ();
  g_autoptr(GMenu) third = g_menu_new ();
  struct { GMenu *section; const char *label; const char *action; } items[] = {
    { first, N_("_Connect"), "win.connect" },
    { first, N_("_Disconnect"), "win.disconnect" },
    { second, N_("_Edit…"), "win.edit" },
    { second, N_("D_uplicate"), "win.duplicate" },
    { second, N_("Copy as _ssh Command"), "win.copy-command" },
    { second, N_("Copy as ssh__config Block"), "win.copy-ssh-config" },
    { third, N_("_Delete"), "win.delete" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    {
      g_autoptr(GMenuItem) item = NULL;

      /* Only what can be done now: Connect while off, Disconnect while on. */
      if (g_str_equal (items[i].action, on ? "win.connect" : "win.disconnect"))
        continue;
      item = g_menu_item_new (_(items[i].label), NULL);

      g_menu_item_set_action_and_target (item, items[i].action, "s", id);
      g_menu_append_item (items[i].section, item);
    }
  g_menu_append_section (menu, NULL, G_MENU_MODEL (first));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (second));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (third));

  return G_MENU_MODEL (g_steal_pointer (&menu));
}

void
culvert_connection_row_popup_menu (CulvertConnectionRow *self,
                                   double                x,
                                   double                y)
{
  g_autoptr(GMenuModel) model = NULL;

  g_return_if_fail (CULVERT_IS_CONNECTION_ROW (self));

  model = culvert_connection_menu_new (self->profile, culvert_gui_state_is_on (
                                                       culvert_tunnel_get_state (self->tunnel)));
  if (self->menu == NULL)
    {
      self->menu = gtk_popover_menu_new_from_model (model);
      gtk_widget_set_parent (self->menu, GTK_WIDGET (self));
      gtk_popover_set_has_arrow (GTK_POPOVER (self->menu), FALSE);
      gtk_widget_set_halign (self->menu, GTK_ALIGN_START);
    }
  else
    gtk_popover_menu_set_menu_model (GTK_POPOVER_MENU (self->menu), model);

  if (x >= 0 && y >= 0)
    gtk_popover_set_pointing_to (GTK_POPOVER (self->menu),
                                 &(GdkRectangle) { (int) x, (int) y, 1, 1 });
  else
    gtk_popover_set_pointing_to (GTK_POPOVER (self->menu), NULL);
  gtk_popover_popup (GTK_POPOVER (self->menu));
}

static void
on_right_click (GtkGestureClick      *gesture,
                int                   n_press,
                double                x,
                double                y,
                CulvertConnectionRow *self)
{
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  culvert_connection_row_popup_menu (self, x, y);
}

static void
row_menu_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  culvert_connection_row_popup_menu (CULVERT_CONNECTION_ROW (widget), -1, -1);
}

static void
culvert_connection_row_dispose (GObject *object)
{
  CulvertConnectionRow *self = CULVERT_CONNECTION_ROW (object);

  g_clear_pointer (&self->menu, gtk_widget_unparent);
  g_clear_object (&self->tunnel);
  g_clear_object (&self->profile);

  G_OBJECT_CLASS (culvert_connection_row_parent_class)->dispose (object);
}

static void
culvert_connection_row_class_init (CulvertConnectionRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = culvert_connection_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/culvert-connection-row.ui");
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionRow, state_stack);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionRow, state_icon);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionRow, state_spinner);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionRow, address_label);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionRow, connect_switch);

  gtk_widget_class_install_action (widget_class, "row.menu", NULL, row_menu_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F10, GDK_SHIFT_MASK,
                                       "row.menu", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Menu, 0, "row.menu", NULL);
}

static void
culvert_connection_row_init (CulvertConnectionRow *self)
{
  GtkGesture *click;

  gtk_widget_init_template (GTK_WIDGET (self));

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_right_click), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
}

GtkWidget *
culvert_connection_row_new (CulvertTunnel *tunnel)
{
  CulvertConnectionRow *self;

  g_return_val_if_fail (CULVERT_IS_TUNNEL (tunnel), NULL);

  self = g_object_new (CULVERT_TYPE_CONNECTION_ROW, NULL);
  self->tunnel = g_object_ref (tunnel);
  self->profile = g_object_ref (culvert_tunnel_get_profile (tunnel));

  g_signal_connect_object (self->profile, "notify::name",
                           G_CALLBACK (culvert_connection_row_update_profile), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->profile, "notify::host",
                           G_CALLBACK (culvert_connection_row_update_profile), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->profile, "notify::user",
                           G_CALLBACK (culvert_connection_row_update_profile), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->profile, "notify::port",
                           G_CALLBACK (culvert_connection_row_update_profile), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (tunnel, "notify::state",
                           G_CALLBACK (culvert_connection_row_update_state), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (tunnel, "exited",
                           G_CALLBACK (culvert_connection_row_update_state), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (tunnel, "notify::problem",
                           G_CALLBACK (culvert_connection_row_update_state), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_swapped (self->connect_switch, "notify::active",
                            G_CALLBACK (on_switch_active), self);

  culvert_connection_row_update_profile (self);
  culvert_connection_row_update_state (self);

  return GTK_WIDGET (self);
}

CulvertProfile *
culvert_connection_row_get_profile (CulvertConnectionRow *self)
{
  g_return_val_if_fail (CULVERT_IS_CONNECTION_ROW (self), NULL);
  return self->profile;
}

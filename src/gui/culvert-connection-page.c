/* culvert-connection-page.c — the selected connection: status, forwards, clients, log
 *
 * The forwarding table shows the profile's rules; while the tunnel runs,
 * each rule is joined with the engine's live status of it (its
 * CulvertForwardStatus), so the cells follow the engine without polling.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "culvert-connection-page-private.h"
#include "culvert-forward-dialog.h"
#include "culvert-forward-item.h"
#include "culvert-gui-util.h"

struct _CulvertConnectionPage
{
  AdwBin               parent_instance;

  CulvertProfileStore *store;
  CulvertTunnel       *tunnel;
  CulvertProfile      *profile;
  GListStore          *items;      /* of CulvertForwardItem */
  GtkSingleSelection  *selection;
  CulvertForwardItem  *shown_item; /* whose clients are listed */

  GtkStack            *status_icon_stack;
  GtkImage            *status_icon;
  GtkSpinner          *status_spinner;
  GtkLabel            *status_title;
  GtkLabel            *status_detail;
  GtkButton           *retry_button;
  GtkButton           *connect_button;
  GtkStack            *forwards_stack;
  GtkColumnView       *forwards_view;
  GtkLabel            *clients_heading;
  GtkStack            *clients_stack;
  GtkLabel            *clients_more;
  GtkListView         *clients_list;
  GListModel          *clients;       /* the shown forward's connections */
  GListStore          *shown_clients; /* what the list shows: follows clients */
  guint                clients_sync_id;
  GtkListBox          *log_list;
};

G_DEFINE_FINAL_TYPE (CulvertConnectionPage, culvert_connection_page, ADW_TYPE_BIN)

/* A client row's height, about (two lines of text and margins). */
#define CLIENT_ROW_HEIGHT 46

/* Connected Now lists at most this many clients of a forward. */
#define MAX_SHOWN_CLIENTS 20

static void
culvert_connection_page_toast (CulvertConnectionPage *self,
                               AdwToast              *toast)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
  else
    g_object_unref (toast);
}

static void
culvert_connection_page_toast_error (CulvertConnectionPage *self,
                                     const GError          *error)
{
  AdwToast *toast = adw_toast_new (error->message);

  adw_toast_set_timeout (toast, 0);
  culvert_connection_page_toast (self, toast);
}

/* ---------------------------------------------------------------------- */
/* Status                                                                  */

static char *
format_time (GDateTime *time)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (time == NULL)
    return g_strdup ("");
  if (g_date_time_get_day_of_year (now) == g_date_time_get_day_of_year (time) &&
      g_date_time_get_year (now) == g_date_time_get_year (time))
    return g_date_time_format (time, "%X");
  return g_date_time_format (time, "%x %X");
}

/* Who is connected belongs to a forward of a connection that is up: none,
 * or not connected, nothing to show. */
static void
show_clients_section (CulvertConnectionPage *self)
{
  gboolean shown = g_list_model_get_n_items (G_LIST_MODEL (self->items)) > 0 &&
                   self->tunnel != NULL &&
                   culvert_tunnel_get_state (self->tunnel) == CULVERT_TUNNEL_CONNECTED;

  gtk_widget_set_visible (GTK_WIDGET (self->clients_heading), shown);
  gtk_widget_set_visible (GTK_WIDGET (self->clients_stack), shown);
  if (!shown)
    gtk_widget_set_visible (GTK_WIDGET (self->clients_more), FALSE);
}

/* A changed host key in plain words: both keys, and what to do. */
static char *
changed_key_text (CulvertQuestion *changed)
{
  const char *fix = culvert_question_get_fix_command (changed);

  return g_strdup_printf (_("%s presented a different host key than the one recorded for it: "
                            "someone may be intercepting the connection, or the server’s key "
                            "was replaced.\n"
                            "Recorded in %s: %s %s\n"
                            "Presented now: %s %s\n"
                            "Ask the server’s administrator. Only if they confirm the new key, "
                            "remove the old one with\n%s\nand switch the connection on again."),
                          culvert_question_get_title (changed),
                          culvert_question_get_known_location (changed),
                          culvert_question_get_known_key_type (changed) != NULL
                          ? culvert_question_get_known_key_type (changed) : "",
                          culvert_question_get_known_fingerprint (changed) != NULL
                          ? culvert_question_get_known_fingerprint (changed) : "?",
                          culvert_question_get_key_type (changed),
                          culvert_question_get_detail (changed),
                          fix != NULL ? fix : "ssh-keygen -R");
}

static void
culvert_connection_page_update_status (CulvertConnectionPage *self)
{
  CulvertTunnelState state;
  const char *reason;
  g_autofree char *address = NULL;
  g_autofree char *since = NULL;
  g_autofree char *detail = NULL;
  const char *icon = "network-offline-symbolic";
  const char *problem = NULL;
  CulvertQuestion *changed = NULL;
  gboolean busy = FALSE;
  gboolean on;

  if (self->tunnel == NULL)
    return;

  state = culvert_tunnel_get_state (self->tunnel);
  reason = culvert_tunnel_get_state_reason (self->tunnel);
  address = culvert_gui_profile_address (self->profile);
  since = format_time (culvert_gui_tunnel_get_since (self->tunnel));
  on = culvert_gui_state_is_on (state);

  switch (state)
    {
    case CULVERT_TUNNEL_DISCONNECTED:
      detail = g_strdup_printf (_("Not connected to %s."), address);
      break;
    case CULVERT_TUNNEL_CONNECTING:
    case CULVERT_TUNNEL_VERIFYING_HOST_KEY:
    case CULVERT_TUNNEL_AUTHENTICATING:
      busy = TRUE;
      detail = g_strdup_printf (_("To %s, since %s."), address, since);
      break;
    case CULVERT_TUNNEL_CONNECTED:
      problem = culvert_tunnel_get_problem (self->tunnel);
      icon = problem != NULL ? "dialog-warning-symbolic" : "emblem-ok-symbolic";
      if (problem != NULL)
        detail = g_strdup_printf (_("To %s, since %s.\n%s"), address, since, problem);
      else
        detail = g_strdup_printf (_("To %s, since %s."), address, since);
      break;
    case CULVERT_TUNNEL_RECONNECTING:
      {
        guint attempt = culvert_gui_tunnel_get_attempt (self->tunnel);
        GDateTime *next = culvert_gui_tunnel_get_next_try (self->tunnel);

        icon = "view-refresh-symbolic";
        if (reason != NULL && next != NULL)
          {
            g_autofree char *at = format_time (next);

            detail = g_strdup_printf (_("%s\nAttempt %u starts at %s."), reason, attempt + 1, at);
          }
        else if (reason != NULL)
          detail = g_strdup_printf (_("%s\nTrying again soon."), reason);
        else
          {
            busy = TRUE;
            detail = g_strdup_printf (_("Attempt %u to reach %s; the connection was lost at %s."),
                                      MAX (attempt, 1), address, since);
          }
      }
      break;
    case CULVERT_TUNNEL_FAILED:
      icon = "dialog-error-symbolic";
      changed = culvert_tunnel_get_changed_host_key (self->tunnel);
      if (changed != NULL)
        detail = changed_key_text (changed);
      else
        detail = g_strdup_printf (_("%s\nSince %s."),
                                  reason != NULL ? reason : _("The connection failed."), since);
      break;
    default:
      g_assert_not_reached ();
    }

  show_clients_section (self);
  gtk_label_set_label (self->status_title,
                       changed != NULL ? _("The Server’s Identity Changed")
                       : problem != NULL ? _("Connected, With Problems")
                       : culvert_gui_state_text (state));
  gtk_label_set_label (self->status_detail, detail);
  /* Its command is to be copied. */
  gtk_label_set_selectable (self->status_detail, changed != NULL);
  gtk_image_set_from_icon_name (self->status_icon, icon);
  gtk_spinner_set_spinning (self->status_spinner, busy);
  gtk_stack_set_visible_child_name (self->status_icon_stack, busy ? "spinner" : "icon");
  /* One button per thing to do: after a failure, Connect is the retry. */
  gtk_widget_set_visible (GTK_WIDGET (self->retry_button), state == CULVERT_TUNNEL_RECONNECTING);
  gtk_button_set_label (self->retry_button, _("_Try Now"));
  gtk_button_set_label (self->connect_button, on ? _("_Disconnect")
                                            : state == CULVERT_TUNNEL_FAILED ? _("_Retry")
                                                                             : _("_Connect"));
  /* A changed key fails again until the old key is dealt with: no Retry. */
  gtk_widget_set_visible (GTK_WIDGET (self->connect_button), changed == NULL);

  gtk_widget_remove_css_class (GTK_WIDGET (self->status_icon), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_icon), "warning");
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_icon), "error");
  if (state == CULVERT_TUNNEL_CONNECTED && problem == NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_icon), "success");
  else if (state == CULVERT_TUNNEL_RECONNECTING || problem != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_icon), "warning");
  else if (state == CULVERT_TUNNEL_FAILED)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_icon), "error");
}

static void
page_toggle (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  CulvertConnectionPage *self = CULVERT_CONNECTION_PAGE (widget);
  const char *id;

  if (self->tunnel == NULL)
    return;
  id = culvert_profile_get_id (self->profile);
  if (culvert_gui_state_is_on (culvert_tunnel_get_state (self->tunnel)))
    gtk_widget_activate_action (widget, "win.disconnect", "s", id);
  else
    gtk_widget_activate_action (widget, "win.connect", "s", id);
}

static void
page_retry (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  CulvertConnectionPage *self = CULVERT_CONNECTION_PAGE (widget);
  g_autoptr(GError) error = NULL;

  if (self->tunnel != NULL && !culvert_gui_tunnel_restart (self->tunnel, &error))
    culvert_connection_page_toast_error (self, error);
}

/* ---------------------------------------------------------------------- */
/* The forwarding table                                                    */

static void
attach_statuses (CulvertConnectionPage *self)
{
  GListModel *statuses = culvert_tunnel_get_forwards (self->tunnel);
  guint n_statuses = g_list_model_get_n_items (statuses);
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->items));
  g_autofree gboolean *taken = g_new0 (gboolean, n_statuses + 1);

  /* The engine keeps a copy of each enabled rule it serves; a rule changed
   * on a running connection is served anew (culvert_gui_tunnel_apply_forwards)
   * and so finds its new status here. */
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(CulvertForwardItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);
      CulvertForward *forward = culvert_forward_item_get_forward (item);
      CulvertForwardStatus *found = NULL;

      if (culvert_forward_get_enabled (forward))
        for (guint j = 0; j < n_statuses && found == NULL; j++)
          {
            g_autoptr(CulvertForwardStatus) status = g_list_model_get_item (statuses, j);

            if (!taken[j] && culvert_forward_equal (culvert_forward_status_get_forward (status),
                                                    forward))
              {
                taken[j] = TRUE;
                found = status;
              }
          }
      culvert_forward_item_set_status (item, found);
    }
}

static void
rebuild_items (CulvertConnectionPage *self)
{
  GListModel *forwards = culvert_profile_get_forwards (self->profile);
  guint n = g_list_model_get_n_items (forwards);
  guint selected = gtk_single_selection_get_selected (self->selection);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CulvertForward) forward = g_list_model_get_item (forwards, i);

      g_ptr_array_add (items, culvert_forward_item_new (self->profile, forward));
    }
  g_list_store_splice (self->items, 0, g_list_model_get_n_items (G_LIST_MODEL (self->items)),
                       items->pdata, items->len);
  attach_statuses (self);
  if (selected != GTK_INVALID_LIST_POSITION && selected < n)
    gtk_single_selection_set_selected (self->selection, selected);
  gtk_stack_set_visible_child_name (self->forwards_stack, n > 0 ? "table" : "empty");
  show_clients_section (self);
}

static CulvertForwardItem *
item_of (GtkListItem *list_item)
{
  return CULVERT_FORWARD_ITEM (gtk_list_item_get_item (list_item));
}

static void
keep_binding (GtkListItem *list_item,
              GBinding    *binding)
{
  GPtrArray *bindings = g_object_get_data (G_OBJECT (list_item), "bindings");

  if (bindings == NULL)
    {
      bindings = g_ptr_array_new ();
      g_object_set_data_full (G_OBJECT (list_item), "bindings", bindings,
                              (GDestroyNotify) g_ptr_array_unref);
    }
  g_ptr_array_add (bindings, binding);
}

static void
bind_item (GtkListItem *list_item,
           const char  *source_property,
           gpointer     target,
           const char  *target_property)
{
  keep_binding (list_item, g_object_bind_property (item_of (list_item), source_property,
                                                   target, target_property,
                                                   G_BINDING_SYNC_CREATE));
}

static void
unbind_cell (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             CulvertConnectionPage    *self)
{
  GPtrArray *bindings = g_object_get_data (G_OBJECT (list_item), "bindings");

  if (bindings == NULL)
    return;
  for (guint i = 0; i < bindings->len; i++)
    g_binding_unbind (g_ptr_array_index (bindings, i));
  g_ptr_array_set_size (bindings, 0);
}

static GtkWidget *
new_cell_label (void)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_width_chars (GTK_LABEL (label), 6);
  return label;
}

/* Numbers stay whole; they are short. */
static void
setup_number_cell (GtkSignalListItemFactory *factory,
                   GtkListItem              *list_item,
                   CulvertConnectionPage    *self)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (list_item, label);
}

static void
setup_label_cell (GtkSignalListItemFactory *factory,
                  GtkListItem              *list_item,
                  CulvertConnectionPage    *self)
{
  gtk_list_item_set_child (list_item, new_cell_label ());
}

static void
bind_label (GtkListItem *list_item,
            const char  *property)
{
  GtkWidget *label = gtk_list_item_get_child (list_item);

  bind_item (list_item, property, label, "label");
  bind_item (list_item, property, label, "tooltip-text");
}

static void
bind_destination_cell (GtkSignalListItemFactory *factory,
                       GtkListItem              *list_item,
                       CulvertConnectionPage    *self)
{
  bind_label (list_item, "destination-text");
}

static void
bind_connections_cell (GtkSignalListItemFactory *factory,
                       GtkListItem              *list_item,
                       CulvertConnectionPage    *self)
{
  bind_label (list_item, "connections-text");
}

static void
bind_traffic_cell (GtkSignalListItemFactory *factory,
                   GtkListItem              *list_item,
                   CulvertConnectionPage    *self)
{
  bind_label (list_item, "traffic-text");
}

static void
apply_forwards (CulvertConnectionPage *self,
                CulvertTunnel         *tunnel)
{
  g_autoptr(GError) error = NULL;

  if (!culvert_gui_tunnel_apply_forwards (tunnel, &error))
    culvert_connection_page_toast_error (self, error);
}

/* Saves the rules and, while the connection runs, serves them as they are
 * now: only the forwards that changed stop or start, so the programs using
 * the others stay connected. */
static void
save_forwards (CulvertConnectionPage *self)
{
  g_autoptr(GError) error = NULL;

  /* The table shows the rules as changed: serve them so even when they
   * could not be written (the toast says why). */
  if (!culvert_profile_store_save_profile (self->store, self->profile, &error))
    culvert_connection_page_toast_error (self, error);
  apply_forwards (self, self->tunnel);
}

static void
on_enabled_switch (GtkSwitch   *toggle,
                   GParamSpec  *pspec,
                   GtkListItem *list_item)
{
  CulvertConnectionPage *self = g_object_get_data (G_OBJECT (toggle), "page");
  CulvertForwardItem *item = item_of (list_item);
  CulvertForward *forward;

  if (item == NULL)
    return;
  forward = culvert_forward_item_get_forward (item);
  if (culvert_forward_get_enabled (forward) == gtk_switch_get_active (toggle))
    return;
  culvert_forward_set_enabled (forward, gtk_switch_get_active (toggle));
  save_forwards (self);
}

static void
setup_enabled_cell (GtkSignalListItemFactory *factory,
                    GtkListItem              *list_item,
                    CulvertConnectionPage    *self)
{
  GtkWidget *toggle = gtk_switch_new ();

  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  g_object_set_data (G_OBJECT (toggle), "page", self);
  g_signal_connect (toggle, "notify::active", G_CALLBACK (on_enabled_switch), list_item);
  gtk_list_item_set_child (list_item, toggle);
}

static void
bind_enabled_cell (GtkSignalListItemFactory *factory,
                   GtkListItem              *list_item,
                   CulvertConnectionPage    *self)
{
  CulvertForwardItem *item = item_of (list_item);
  GtkWidget *toggle = gtk_list_item_get_child (list_item);
  CulvertForward *forward = culvert_forward_item_get_forward (item);
  g_autofree char *label = NULL;

  keep_binding (list_item, g_object_bind_property (forward, "enabled", toggle, "active",
                                                   G_BINDING_SYNC_CREATE));
  label = g_strdup_printf (_("Use the forward on %s"), culvert_forward_item_get_listen_text (item));
  culvert_gui_set_accessible_label (toggle, label);
}

static void
setup_kind_cell (GtkSignalListItemFactory *factory,
                 GtkListItem              *list_item,
                 CulvertConnectionPage    *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  gtk_box_append (GTK_BOX (box), gtk_image_new ());
  gtk_box_append (GTK_BOX (box), new_cell_label ());
  gtk_list_item_set_child (list_item, box);
}

static void
bind_kind_cell (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                CulvertConnectionPage    *self)
{
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *image = gtk_widget_get_first_child (box);
  GtkWidget *label = gtk_widget_get_next_sibling (image);

  bind_item (list_item, "kind-icon", image, "icon-name");
  bind_item (list_item, "kind-text", label, "label");
}

static void
setup_listen_cell (GtkSignalListItemFactory *factory,
                   GtkListItem              *list_item,
                   CulvertConnectionPage    *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *warning = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

  gtk_widget_add_css_class (warning, "warning");
  gtk_box_append (GTK_BOX (box), new_cell_label ());
  gtk_box_append (GTK_BOX (box), warning);
  gtk_list_item_set_child (list_item, box);
}

static void
bind_listen_cell (GtkSignalListItemFactory *factory,
                  GtkListItem              *list_item,
                  CulvertConnectionPage    *self)
{
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *label = gtk_widget_get_first_child (box);
  GtkWidget *warning = gtk_widget_get_next_sibling (label);
  CulvertForwardItem *item = item_of (list_item);

  bind_item (list_item, "listen-text", label, "label");
  bind_item (list_item, "listen-text", label, "tooltip-text");
  bind_item (list_item, "off-host", warning, "visible");
  bind_item (list_item, "off-host-text", warning, "tooltip-text");
  if (culvert_forward_item_get_off_host_text (item) != NULL)
    culvert_gui_set_accessible_label (warning, culvert_forward_item_get_off_host_text (item));
}

static void
on_use_suggestion (GtkButton   *button,
                   GtkListItem *list_item)
{
  CulvertConnectionPage *self = g_object_get_data (G_OBJECT (button), "page");
  CulvertForwardItem *item = item_of (list_item);
  guint16 port;

  if (item == NULL || (port = culvert_forward_item_get_suggested_port (item)) == 0)
    return;

  /* Only this forward starts again, on the free port. */
  culvert_forward_set_bind_port (culvert_forward_item_get_forward (item), port);
  save_forwards (self);
}

static void
update_suggestion_label (CulvertForwardItem *item,
                         GParamSpec         *pspec,
                         GtkButton          *button)
{
  g_autofree char *label = g_strdup_printf (_("Use Port %u"),
                                            culvert_forward_item_get_suggested_port (item));

  gtk_button_set_label (button, label);
}

static void
setup_state_cell (GtkSignalListItemFactory *factory,
                  GtkListItem              *list_item,
                  CulvertConnectionPage    *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label = new_cell_label ();
  GtkWidget *button = gtk_button_new ();

  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "suggested-action");
  g_object_set_data (G_OBJECT (button), "page", self);
  g_signal_connect (button, "clicked", G_CALLBACK (on_use_suggestion), list_item);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), button);
  gtk_list_item_set_child (list_item, box);
}

static void
bind_state_cell (GtkSignalListItemFactory *factory,
                 GtkListItem              *list_item,
                 CulvertConnectionPage    *self)
{
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *label = gtk_widget_get_first_child (box);
  GtkWidget *button = gtk_widget_get_next_sibling (label);
  CulvertForwardItem *item = item_of (list_item);
  CulvertForwardItem *before = g_object_get_data (G_OBJECT (button), "item");

  bind_item (list_item, "state-text", label, "label");
  bind_item (list_item, "state-text", label, "tooltip-text");
  bind_item (list_item, "has-suggestion", button, "visible");

  /* The cell may have shown another rule before: stop following it. */
  if (before != NULL)
    g_signal_handlers_disconnect_by_func (before, update_suggestion_label, button);
  g_object_set_data_full (G_OBJECT (button), "item", g_object_ref (item), g_object_unref);
  g_signal_connect_object (item, "notify::suggested-port", G_CALLBACK (update_suggestion_label),
                           button, 0);
  update_suggestion_label (item, NULL, GTK_BUTTON (button));
}

/* ---------------------------------------------------------------------- */
/* Who is connected through the selected forward                           */

static void
update_client_bytes (CulvertClientConnection *client,
                     GParamSpec              *pspec,
                     GtkLabel                *label)
{
  g_autofree char *sent = g_format_size (culvert_client_connection_get_bytes_sent (client));
  g_autofree char *received = g_format_size (culvert_client_connection_get_bytes_received (client));
  g_autofree char *text = g_strdup_printf (_("↑ %s ↓ %s"), sent, received);

  gtk_label_set_label (label, text);
}

static void
on_close_client (GtkButton             *button,
                 CulvertConnectionPage *self)
{
  CulvertClientConnection *client = g_object_get_data (G_OBJECT (button), "client");

  if (self->tunnel != NULL && client != NULL)
    culvert_tunnel_close_client (self->tunnel, client);
}

static void
setup_client_row (GtkSignalListItemFactory *factory,
                  GtkListItem              *list_item,
                  CulvertConnectionPage    *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *source = gtk_label_new (NULL);
  GtkWidget *when = gtk_label_new (NULL);
  GtkWidget *bytes = gtk_label_new (NULL);
  GtkWidget *close = gtk_button_new_from_icon_name ("window-close-symbolic");

  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_label_set_xalign (GTK_LABEL (source), 0);
  gtk_label_set_selectable (GTK_LABEL (source), TRUE);
  gtk_widget_set_hexpand (source, TRUE);
  gtk_widget_add_css_class (when, "dim-label");
  gtk_widget_add_css_class (bytes, "numeric");
  gtk_widget_set_valign (close, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (close, "flat");
  gtk_widget_set_tooltip_text (close, _("Close This Connection"));
  g_signal_connect (close, "clicked", G_CALLBACK (on_close_client), self);

  gtk_box_append (GTK_BOX (box), source);
  gtk_box_append (GTK_BOX (box), when);
  gtk_box_append (GTK_BOX (box), bytes);
  gtk_box_append (GTK_BOX (box), close);
  gtk_list_item_set_child (list_item, box);
  gtk_list_item_set_activatable (list_item, FALSE);
  gtk_list_item_set_selectable (list_item, FALSE);
}

static void
bind_client_row (GtkSignalListItemFactory *factory,
                 GtkListItem              *list_item,
                 CulvertConnectionPage    *self)
{
  CulvertClientConnection *client = gtk_list_item_get_item (list_item);
  GtkWidget *source = gtk_widget_get_first_child (gtk_list_item_get_child (list_item));
  GtkWidget *when = gtk_widget_get_next_sibling (source);
  GtkWidget *bytes = gtk_widget_get_next_sibling (when);
  GtkWidget *close = gtk_widget_get_next_sibling (bytes);
  g_autoptr(GDateTime) opened = NULL;
  g_autofree char *since = NULL;
  g_autofree char *since_text = NULL;
  g_autofree char *close_label = NULL;

  opened = g_date_time_new_from_unix_local (culvert_client_connection_get_opened_at (client)
                                            / G_USEC_PER_SEC);
  since = format_time (opened);
  since_text = g_strdup_printf (_("since %s"), since);
  gtk_label_set_label (GTK_LABEL (source), culvert_client_connection_get_source (client));
  gtk_label_set_label (GTK_LABEL (when), since_text);
  close_label = g_strdup_printf (_("Close the connection from %s"),
                                 culvert_client_connection_get_source (client));
  culvert_gui_set_accessible_label (close, close_label);
  g_object_set_data_full (G_OBJECT (close), "client", g_object_ref (client), g_object_unref);

  g_signal_connect_object (client, "notify::bytes-sent", G_CALLBACK (update_client_bytes),
                           bytes, 0);
  g_signal_connect_object (client, "notify::bytes-received", G_CALLBACK (update_client_bytes),
                           bytes, 0);
  update_client_bytes (client, NULL, GTK_LABEL (bytes));
}

static void
unbind_client_row (GtkSignalListItemFactory *factory,
                   GtkListItem              *list_item,
                   CulvertConnectionPage    *self)
{
  CulvertClientConnection *client = gtk_list_item_get_item (list_item);
  GtkWidget *source = gtk_widget_get_first_child (gtk_list_item_get_child (list_item));
  GtkWidget *bytes = gtk_widget_get_next_sibling (gtk_widget_get_next_sibling (source));
  GtkWidget *close = gtk_widget_get_next_sibling (bytes);

  if (client != NULL)
    g_signal_handlers_disconnect_by_data (client, bytes);
  g_object_set_data (G_OBJECT (close), "client", NULL);
}

/* Copies the engine's list of connections into the one on screen. Hundreds
 * of clients can come and go in a second; taken one by one, each would cost
 * the list a layout, so the list follows at most ten times a second. */
static gboolean
sync_clients (gpointer data)
{
  CulvertConnectionPage *self = data;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  guint n = self->clients != NULL ? g_list_model_get_n_items (self->clients) : 0;
  guint first = n > MAX_SHOWN_CLIENTS ? n - MAX_SHOWN_CLIENTS : 0;

  self->clients_sync_id = 0;
  if (self->shown_clients == NULL)
    return G_SOURCE_REMOVE;
  /* The newest ones; the table has the count of them all. */
  for (guint i = first; i < n; i++)
    g_ptr_array_add (items, g_list_model_get_item (self->clients, i));
  g_list_store_splice (self->shown_clients, 0,
                       g_list_model_get_n_items (G_LIST_MODEL (self->shown_clients)),
                       items->pdata, items->len);
  gtk_stack_set_visible_child_name (self->clients_stack, n > 0 ? "list" : "empty");
  /* A list view asks for one row's height: room for up to five rows, so
   * that an open log below never squeezes the list to one. */
  {
    GtkWidget *scroller = gtk_widget_get_ancestor (GTK_WIDGET (self->clients_list),
                                                   GTK_TYPE_SCROLLED_WINDOW);

    if (scroller != NULL)
      gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scroller),
                                                  (int) MIN (n - first, 5) * CLIENT_ROW_HEIGHT);
  }
  if (first > 0)
    {
      g_autofree char *more = g_strdup_printf (ngettext ("The newest %u of %u connection is listed.",
                                                         "The newest %u of %u connections are listed.",
                                                         n),
                                               MAX_SHOWN_CLIENTS, n);

      gtk_label_set_label (self->clients_more, more);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->clients_more), first > 0);

  return G_SOURCE_REMOVE;
}

static void
update_clients_stack (CulvertConnectionPage *self)
{
  if (self->clients_sync_id == 0)
    self->clients_sync_id = g_timeout_add (100, sync_clients, self);
}

static void
show_clients (CulvertConnectionPage *self)
{
  CulvertForwardItem *item = gtk_single_selection_get_selected_item (self->selection);
  CulvertForwardStatus *status = item != NULL ? culvert_forward_item_get_status (item) : NULL;
  g_autofree char *heading = NULL;

  if (self->shown_item != item)
    {
      if (self->shown_item != NULL)
        g_signal_handlers_disconnect_by_func (self->shown_item, show_clients, self);
      g_set_object (&self->shown_item, item);
      if (item != NULL)
        g_signal_connect_object (item, "notify::status", G_CALLBACK (show_clients), self,
                                 G_CONNECT_SWAPPED);
    }

  if (item != NULL)
    heading = g_strdup_printf (_("Connected Now to %s"),
                               culvert_forward_item_get_listen_text (item));
  gtk_label_set_label (self->clients_heading, heading != NULL ? heading : _("Connected Now"));
  if (self->clients != NULL)
    g_signal_handlers_disconnect_by_func (self->clients, update_clients_stack, self);
  g_clear_object (&self->clients);
  if (status != NULL)
    {
      self->clients = g_object_ref (culvert_forward_status_get_connections (status));
      g_signal_connect_object (self->clients, "items-changed", G_CALLBACK (update_clients_stack),
                               self, G_CONNECT_SWAPPED);
    }
  /* Another forward: show its list at once. */
  g_clear_handle_id (&self->clients_sync_id, g_source_remove);
  sync_clients (self);
}

/* ---------------------------------------------------------------------- */
/* The log                                                                 */

static GtkWidget *
create_log_row (gpointer item,
                gpointer user_data)
{
  CulvertLogEntry *entry = item;
  g_autofree char *text = culvert_log_entry_format (entry);
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_set_margin_start (label, 6);
  gtk_widget_set_margin_end (label, 6);
  gtk_widget_add_css_class (label, "monospace");
  if (culvert_log_entry_get_is_error (entry))
    gtk_widget_add_css_class (label, "error");

  return label;
}

static void
page_copy_log (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  CulvertConnectionPage *self = CULVERT_CONNECTION_PAGE (widget);
  g_autoptr(GString) text = g_string_new (NULL);
  GListModel *log;
  guint n;

  if (self->tunnel == NULL)
    return;
  log = culvert_tunnel_get_log (self->tunnel);
  n = g_list_model_get_n_items (log);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CulvertLogEntry) entry = g_list_model_get_item (log, i);
      g_autofree char *line = culvert_log_entry_format (entry);

      g_string_append (text, line);
      g_string_append_c (text, '\n');
    }
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text->str);
  culvert_connection_page_toast (self, adw_toast_new (_("Log copied")));
}

/* ---------------------------------------------------------------------- */
/* Adding, editing and removing rules                                      */

/* The dialog saved the rules of the tunnel it was opened for. */
static void
on_forward_saved (CulvertForwardDialog  *dialog,
                  CulvertConnectionPage *self)
{
  CulvertTunnel *tunnel = g_object_get_data (G_OBJECT (dialog), "tunnel");

  if (tunnel != NULL)
    apply_forwards (self, tunnel);
}

static void
open_forward_dialog (CulvertConnectionPage *self,
                     CulvertForward        *forward)
{
  GtkWidget *dialog;

  if (self->tunnel == NULL)
    return;
  dialog = culvert_forward_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                       self->store, self->profile, forward);
  g_object_set_data_full (G_OBJECT (dialog), "tunnel", g_object_ref (self->tunnel),
                          g_object_unref);
  g_signal_connect_object (dialog, "saved", G_CALLBACK (on_forward_saved), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
page_add_forward (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  open_forward_dialog (CULVERT_CONNECTION_PAGE (widget), NULL);
}

static void
page_edit_forward (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  CulvertConnectionPage *self = CULVERT_CONNECTION_PAGE (widget);
  CulvertForwardItem *item = gtk_single_selection_get_selected_item (self->selection);

  if (item != NULL)
    open_forward_dialog (self, culvert_forward_item_get_forward (item));
}

static void
page_remove_forward (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  CulvertConnectionPage *self = CULVERT_CONNECTION_PAGE (widget);
  guint position = gtk_single_selection_get_selected (self->selection);

  if (position == GTK_INVALID_LIST_POSITION)
    return;
  culvert_profile_remove_forward (self->profile, position);
  save_forwards (self);
}

static void
on_forward_activated (GtkColumnView         *view,
                      guint                  position,
                      CulvertConnectionPage *self)
{
  gtk_single_selection_set_selected (self->selection, position);
  page_edit_forward (GTK_WIDGET (self), NULL, NULL);
}

static void
update_forward_actions (CulvertConnectionPage *self)
{
  gboolean selected = gtk_single_selection_get_selected_item (self->selection) != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "page.edit-forward", selected);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "page.remove-forward", selected);
}

/* ---------------------------------------------------------------------- */

void
culvert_connection_page_set_tunnel (CulvertConnectionPage *self,
                                    CulvertProfileStore   *store,
                                    CulvertTunnel         *tunnel)
{
  g_return_if_fail (CULVERT_IS_CONNECTION_PAGE (self));

  if (self->tunnel == tunnel)
    return;

  if (self->tunnel != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->tunnel, self);
      g_signal_handlers_disconnect_by_data (self->profile, self);
      g_signal_handlers_disconnect_by_data (culvert_tunnel_get_forwards (self->tunnel), self);
      g_signal_handlers_disconnect_by_data (culvert_profile_get_forwards (self->profile), self);
    }
  g_set_object (&self->store, store);
  g_set_object (&self->tunnel, tunnel);
  g_clear_object (&self->profile);
  if (tunnel != NULL)
    self->profile = g_object_ref (culvert_tunnel_get_profile (tunnel));
  g_list_store_remove_all (self->items);

  if (tunnel == NULL)
    {
      gtk_list_box_bind_model (self->log_list, NULL, NULL, NULL, NULL);
      show_clients (self);
      return;
    }

  g_signal_connect_object (tunnel, "notify::state",
                           G_CALLBACK (culvert_connection_page_update_status), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (tunnel, "notify::state-reason",
                           G_CALLBACK (culvert_connection_page_update_status), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (tunnel, "notify::reconnect-attempt",
                           G_CALLBACK (culvert_connection_page_update_status), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (tunnel, "notify::next-try",
                           G_CALLBACK (culvert_connection_page_update_status), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (tunnel, "notify::problem",
                           G_CALLBACK (culvert_connection_page_update_status), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->profile, "notify",
                           G_CALLBACK (culvert_connection_page_update_status), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (culvert_tunnel_get_forwards (tunnel), "items-changed",
                           G_CALLBACK (attach_statuses), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (culvert_profile_get_forwards (self->profile), "items-changed",
                           G_CALLBACK (rebuild_items), self, G_CONNECT_SWAPPED);

  rebuild_items (self);
  gtk_single_selection_set_selected (self->selection, 0);
  show_clients (self);
  gtk_list_box_bind_model (self->log_list, culvert_tunnel_get_log (tunnel),
                           create_log_row, NULL, NULL);
  culvert_connection_page_update_status (self);
}

CulvertTunnel *
culvert_connection_page_get_tunnel (CulvertConnectionPage *self)
{
  g_return_val_if_fail (CULVERT_IS_CONNECTION_PAGE (self), NULL);
  return self->tunnel;
}

GtkColumnView *
culvert_connection_page_get_forwards_view (CulvertConnectionPage *self)
{
  return self->forwards_view;
}

GtkListView *
culvert_connection_page_get_clients_list (CulvertConnectionPage *self)
{
  return self->clients_list;
}

GtkListBox *
culvert_connection_page_get_log_list (CulvertConnectionPage *self)
{
  return self->log_list;
}

GtkLabel *
culvert_connection_page_get_status_title (CulvertConnectionPage *self)
{
  return self->status_title;
}

GtkLabel *
culvert_connection_page_get_status_detail (CulvertConnectionPage *self)
{
  return self->status_detail;
}

static void
culvert_connection_page_dispose (GObject *object)
{
  CulvertConnectionPage *self = CULVERT_CONNECTION_PAGE (object);

  culvert_connection_page_set_tunnel (self, NULL, NULL);
  g_clear_object (&self->shown_item);
  if (self->clients != NULL)
    g_signal_handlers_disconnect_by_func (self->clients, update_clients_stack, self);
  g_clear_object (&self->clients);
  g_clear_handle_id (&self->clients_sync_id, g_source_remove);
  if (self->clients_list != NULL)
    gtk_list_view_set_model (self->clients_list, NULL);
  g_clear_object (&self->shown_clients);
  if (self->forwards_view != NULL)
    gtk_column_view_set_model (self->forwards_view, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->items);

  G_OBJECT_CLASS (culvert_connection_page_parent_class)->dispose (object);
}

static void
culvert_connection_page_class_init (CulvertConnectionPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = culvert_connection_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/culvert-connection-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionPage, status_icon_stack);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionPage, status_icon);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionPage, status_spinner);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionPage, status_title);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionPage, status_detail);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionPage, retry_button);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionPage, connect_button);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionPage, forwards_stack);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionPage, forwards_view);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionPage, clients_heading);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionPage, clients_stack);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionPage, clients_more);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionPage, clients_list);
  gtk_widget_class_bind_template_child (widget_class, CulvertConnectionPage, log_list);

  gtk_widget_class_bind_template_callback (widget_class, setup_enabled_cell);
  gtk_widget_class_bind_template_callback (widget_class, bind_enabled_cell);
  gtk_widget_class_bind_template_callback (widget_class, setup_kind_cell);
  gtk_widget_class_bind_template_callback (widget_class, bind_kind_cell);
  gtk_widget_class_bind_template_callback (widget_class, setup_listen_cell);
  gtk_widget_class_bind_template_callback (widget_class, bind_listen_cell);
  gtk_widget_class_bind_template_callback (widget_class, setup_label_cell);
  gtk_widget_class_bind_template_callback (widget_class, setup_number_cell);
  gtk_widget_class_bind_template_callback (widget_class, bind_destination_cell);
  gtk_widget_class_bind_template_callback (widget_class, setup_state_cell);
  gtk_widget_class_bind_template_callback (widget_class, bind_state_cell);
  gtk_widget_class_bind_template_callback (widget_class, bind_connections_cell);
  gtk_widget_class_bind_template_callback (widget_class, bind_traffic_cell);
  gtk_widget_class_bind_template_callback (widget_class, unbind_cell);
  gtk_widget_class_bind_template_callback (widget_class, setup_client_row);
  gtk_widget_class_bind_template_callback (widget_class, bind_client_row);
  gtk_widget_class_bind_template_callback (widget_class, unbind_client_row);

  gtk_widget_class_install_action (widget_class, "page.toggle", NULL, page_toggle);
  gtk_widget_class_install_action (widget_class, "page.retry", NULL, page_retry);
  gtk_widget_class_install_action (widget_class, "page.copy-log", NULL, page_copy_log);
  gtk_widget_class_install_action (widget_class, "page.add-forward", NULL, page_add_forward);
  gtk_widget_class_install_action (widget_class, "page.edit-forward", NULL, page_edit_forward);
  gtk_widget_class_install_action (widget_class, "page.remove-forward", NULL,
                                   page_remove_forward);
}

static void
culvert_connection_page_init (CulvertConnectionPage *self)
{
  GtkEventController *shortcuts;

  gtk_widget_init_template (GTK_WIDGET (self));
  culvert_gui_label_keep_tokens (self->status_detail, NULL);

  self->items = g_list_store_new (CULVERT_TYPE_FORWARD_ITEM);
  self->shown_clients = g_list_store_new (CULVERT_TYPE_CLIENT_CONNECTION);
  {
    g_autoptr(GtkNoSelection) clients = gtk_no_selection_new (
      g_object_ref (G_LIST_MODEL (self->shown_clients)));

    gtk_list_view_set_model (self->clients_list, GTK_SELECTION_MODEL (clients));
  }
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->items)));
  gtk_single_selection_set_autoselect (self->selection, TRUE);
  gtk_column_view_set_model (self->forwards_view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_object (self->selection, "notify::selected-item",
                           G_CALLBACK (show_clients), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->selection, "notify::selected-item",
                           G_CALLBACK (update_forward_actions), self, G_CONNECT_SWAPPED);
  g_signal_connect (self->forwards_view, "activate", G_CALLBACK (on_forward_activated), self);
  /* In the table: Delete removes the selected forward, Enter edits it. */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Delete, 0),
                                                          gtk_named_action_new ("page.remove-forward")));
  gtk_widget_add_controller (GTK_WIDGET (self->forwards_view), shortcuts);
  update_forward_actions (self);
}

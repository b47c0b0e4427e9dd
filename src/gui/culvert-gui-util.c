/* culvert-gui-util.c — small helpers the window's parts share
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include <adwaita.h>
#include <string.h>

#include "culvert-gui-util.h"

char *
culvert_gui_profile_address (CulvertProfile *profile)
{
  const char *user = culvert_profile_get_user (profile);
  const char *host = culvert_profile_get_host (profile);
  guint16 port = culvert_profile_get_port (profile);
  g_autofree char *shown = culvert_address_format_host (host != NULL ? host : "");

  if (user == NULL)
    user = g_get_user_name ();
  if (port != 22 && port != 0)
    return g_strdup_printf ("%s@%s:%u", user, shown, port);
  return g_strdup_printf ("%s@%s", user, shown);
}

const char *
culvert_gui_state_text (CulvertTunnelState state)
{
  switch (state)
    {
    case CULVERT_TUNNEL_DISCONNECTED:
      return _("Disconnected");
    case CULVERT_TUNNEL_CONNECTING:
      return _("Connecting…");
    case CULVERT_TUNNEL_VERIFYING_HOST_KEY:
      return _("Checking the server’s key…");
    case CULVERT_TUNNEL_AUTHENTICATING:
      return _("Logging in…");
    case CULVERT_TUNNEL_CONNECTED:
      return _("Connected");
    case CULVERT_TUNNEL_RECONNECTING:
      return _("Reconnecting…");
    case CULVERT_TUNNEL_FAILED:
      return _("Failed");
    default:
      g_assert_not_reached ();
    }
}

gboolean
culvert_gui_state_is_on (CulvertTunnelState state)
{
  return state != CULVERT_TUNNEL_DISCONNECTED && state != CULVERT_TUNNEL_FAILED;
}

void
culvert_gui_set_accessible_label (GtkWidget  *widget,
                                  const char *label)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
}

void
culvert_gui_label_entry_row (GtkWidget *row)
{
  const char *title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));
  GtkEditable *delegate = gtk_editable_get_delegate (GTK_EDITABLE (row));
  g_autoptr(GString) plain = g_string_new (NULL);

  /* The visible title without its mnemonic underscore. Not on the row:
   * libadwaita 1.2 names it after its title already, and GTK 4.8 would say
   * the title twice. */
  for (const char *p = title; *p != '\0'; p++)
    if (*p != '_')
      g_string_append_c (plain, *p);
  if (delegate != NULL)
    culvert_gui_set_accessible_label (GTK_WIDGET (delegate), plain->str);
}

void
culvert_gui_name_search_entry (GtkWidget  *root,
                               const char *label)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_SEARCH_ENTRY (child))
        culvert_gui_set_accessible_label (child, label);
      else
        culvert_gui_name_search_entry (child, label);
    }
}

/* GTK 4.8 names a button with a mnemonic after its raw label and its label
 * both ("_Connect Connect"), and a check button after its raw label alone
 * ("_Remember in Keyring"): that is what a screen reader says. Later GTK
 * names both after the label the user sees. A button keeps the name of its
 * label; a check button, whose label is not tied to it, gets the label's
 * text as its own. */
static void
name_after_label (GtkWidget *widget)
{
  if (GTK_IS_BUTTON (widget))
    {
      if (gtk_button_get_use_underline (GTK_BUTTON (widget)) &&
          gtk_button_get_label (GTK_BUTTON (widget)) != NULL)
        gtk_accessible_reset_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL);
    }
  else if (GTK_IS_CHECK_BUTTON (widget) &&
           gtk_check_button_get_use_underline (GTK_CHECK_BUTTON (widget)))
    {
      for (GtkWidget *child = gtk_widget_get_first_child (widget);
           child != NULL;
           child = gtk_widget_get_next_sibling (child))
        if (GTK_IS_LABEL (child))
          culvert_gui_set_accessible_label (widget, gtk_label_get_text (GTK_LABEL (child)));
    }
}

static void
follow_label (GtkWidget *widget)
{
  if ((!GTK_IS_BUTTON (widget) && !GTK_IS_CHECK_BUTTON (widget)) ||
      g_object_get_data (G_OBJECT (widget), "culvert-named-after-label") != NULL)
    return;

  g_object_set_data (G_OBJECT (widget), "culvert-named-after-label", GINT_TO_POINTER (TRUE));
  /* GTK names it anew each time the label changes; this comes after. */
  g_signal_connect (widget, "notify::label", G_CALLBACK (name_after_label), NULL);
  g_signal_connect (widget, "notify::use-underline", G_CALLBACK (name_after_label), NULL);
  name_after_label (widget);
}

static void
follow_labels_below (GtkWidget *root)
{
  follow_label (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    follow_labels_below (child);
}

/* A window takes all it holds, shown or not (the pages of a stack, a
 * banner not revealed yet): a screen reader can reach them all. What comes
 * later is taken when it is realized. */
static gboolean
on_widget_realize (GSignalInvocationHint *hint,
                   guint                  n_values,
                   const GValue          *values,
                   gpointer               data)
{
  GtkWidget *widget = g_value_get_object (&values[0]);

  if (GTK_IS_ROOT (widget))
    follow_labels_below (widget);
  else
    follow_label (widget);

  return TRUE;
}

void
culvert_gui_name_buttons_after_labels (void)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
      /* The signal exists once the class does, which may be before any widget. */
      g_type_class_ref (GTK_TYPE_WIDGET);
      g_signal_add_emission_hook (g_signal_lookup ("realize", GTK_TYPE_WIDGET), 0,
                                  on_widget_realize, NULL, NULL);
      g_once_init_leave (&done, 1);
    }
}

typedef struct
{
  GDateTime          *since;
  GDateTime          *next_try;
} Track;

static void
track_free (gpointer data)
{
  Track *track = data;

  g_clear_pointer (&track->since, g_date_time_unref);
  g_clear_pointer (&track->next_try, g_date_time_unref);
  g_free (track);
}

static Track *
get_track (CulvertTunnel *tunnel)
{
  return g_object_get_data (G_OBJECT (tunnel), "culvert-gui-track");
}

/* g_get_real_time () microseconds as local time; NULL for 0. */
static GDateTime *
date_time_from_real_time (gint64 usec)
{
  g_autoptr(GDateTime) seconds = NULL;

  if (usec <= 0)
    return NULL;
  seconds = g_date_time_new_from_unix_local (usec / G_USEC_PER_SEC);
  return g_date_time_add (seconds, usec % G_USEC_PER_SEC);
}

/* The tunnel says when its state began and when it tries again; the
 * widgets want them as local times. */
static void
track_times (CulvertTunnel *tunnel)
{
  Track *track = get_track (tunnel);

  g_clear_pointer (&track->since, g_date_time_unref);
  g_clear_pointer (&track->next_try, g_date_time_unref);
  track->since = date_time_from_real_time (culvert_tunnel_get_state_since (tunnel));
  if (track->since == NULL)
    track->since = g_date_time_new_now_local ();
  track->next_try = date_time_from_real_time (culvert_tunnel_get_next_try (tunnel));
}

void
culvert_gui_tunnel_track (CulvertTunnel *tunnel)
{
  if (get_track (tunnel) != NULL)
    return;

  g_object_set_data_full (G_OBJECT (tunnel), "culvert-gui-track", g_new0 (Track, 1), track_free);
  track_times (tunnel);
  g_signal_connect (tunnel, "notify::state-since", G_CALLBACK (track_times), NULL);
  g_signal_connect (tunnel, "notify::next-try", G_CALLBACK (track_times), NULL);
}

GDateTime *
culvert_gui_tunnel_get_since (CulvertTunnel *tunnel)
{
  Track *track = get_track (tunnel);

  return track != NULL ? track->since : NULL;
}

guint
culvert_gui_tunnel_get_attempt (CulvertTunnel *tunnel)
{
  return culvert_tunnel_get_reconnect_attempt (tunnel);
}

GDateTime *
culvert_gui_tunnel_get_next_try (CulvertTunnel *tunnel)
{
  Track *track = get_track (tunnel);

  return track != NULL ? track->next_try : NULL;
}

static void
restart_on_exited (CulvertTunnel *tunnel,
                   gpointer       data)
{
  g_autoptr(GError) error = NULL;

  g_signal_handlers_disconnect_by_func (tunnel, restart_on_exited, data);
  if (!culvert_tunnel_connect (tunnel, &error))
    g_message ("%s", error->message);
}

gboolean
culvert_gui_tunnel_restart (CulvertTunnel  *tunnel,
                            GError        **error)
{
  if (!culvert_tunnel_is_running (tunnel))
    return culvert_tunnel_connect (tunnel, error);

  g_signal_handlers_disconnect_by_func (tunnel, restart_on_exited, NULL);
  g_signal_connect (tunnel, "exited", G_CALLBACK (restart_on_exited), NULL);
  culvert_tunnel_disconnect (tunnel);
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Applying rule changes to a running tunnel                               */

/* The worker lets a removed forward's port go on its own thread, a moment
 * after culvert_tunnel_remove_forward() returns. A rule that is to listen on
 * a port let go that recently waits for it (tried every RETRY_MS ms, for at
 * most LET_GO_WAIT_MS ms) instead of failing as "in use" by ourselves. */
#define RETRY_MS        20
#define LET_GO_WAIT_MS  2000

typedef struct
{
  GHashTable *let_go;    /* local port → when it was let go (monotonic µs) */
  guint       retry_id;
} Live;

static void
live_free (gpointer data)
{
  Live *live = data;

  g_clear_handle_id (&live->retry_id, g_source_remove);
  g_hash_table_unref (live->let_go);
  g_free (live);
}

static Live *
get_live (CulvertTunnel *tunnel)
{
  Live *live = g_object_get_data (G_OBJECT (tunnel), "culvert-gui-live");

  if (live == NULL)
    {
      live = g_new0 (Live, 1);
      live->let_go = g_hash_table_new_full (NULL, NULL, NULL, g_free);
      g_object_set_data_full (G_OBJECT (tunnel), "culvert-gui-live", live, live_free);
    }
  return live;
}

/* The port @forward listens on here, or 0: incoming forwards listen on the
 * server, and port 0 is a new port every time. */
static guint16
local_port (CulvertForward *forward)
{
  if (culvert_forward_get_kind (forward) == CULVERT_FORWARD_REMOTE)
    return 0;
  return culvert_forward_get_bind_port (forward);
}

static gboolean apply_forwards (CulvertTunnel *tunnel,
                                gboolean       retrying,
                                GError       **error);

static gboolean
retry_forwards (gpointer data)
{
  CulvertTunnel *tunnel = data;
  g_autoptr(GError) error = NULL;

  get_live (tunnel)->retry_id = 0;
  if (!apply_forwards (tunnel, TRUE, &error))
    g_message ("%s", error->message);
  return G_SOURCE_REMOVE;
}

static gboolean
apply_forwards (CulvertTunnel  *tunnel,
                gboolean        retrying,
                GError        **error)
{
  Live *live = get_live (tunnel);
  GListModel *rules = culvert_profile_get_forwards (culvert_tunnel_get_profile (tunnel));
  GListModel *statuses = culvert_tunnel_get_forwards (tunnel);
  guint n_rules = g_list_model_get_n_items (rules);
  guint n_statuses = g_list_model_get_n_items (statuses);
  g_autofree gboolean *wanted = g_new0 (gboolean, n_statuses + 1);
  g_autoptr(GPtrArray) to_add = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) to_remove = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 now = g_get_monotonic_time ();
  gboolean again = FALSE;
  GHashTableIter iter;
  gpointer value;

  g_clear_handle_id (&live->retry_id, g_source_remove);
  if (!culvert_tunnel_is_running (tunnel))
    {
      g_hash_table_remove_all (live->let_go);
      return TRUE;
    }

  /* Joined as the forwarding table joins them: each enabled rule takes the
   * first status of an equal forward not taken yet. */
  for (guint i = 0; i < n_rules; i++)
    {
      g_autoptr(CulvertForward) rule = g_list_model_get_item (rules, i);
      gboolean served = FALSE;

      if (!culvert_forward_get_enabled (rule))
        continue;
      for (guint j = 0; j < n_statuses && !served; j++)
        {
          g_autoptr(CulvertForwardStatus) status = g_list_model_get_item (statuses, j);

          if (!wanted[j] && culvert_forward_equal (culvert_forward_status_get_forward (status),
                                                   rule))
            wanted[j] = served = TRUE;
        }
      if (!served)
        g_ptr_array_add (to_add, g_steal_pointer (&rule));
    }
  for (guint j = 0; j < n_statuses; j++)
    if (!wanted[j])
      g_ptr_array_add (to_remove, g_list_model_get_item (statuses, j));

  for (guint i = 0; i < to_remove->len; i++)
    {
      CulvertForwardStatus *status = g_ptr_array_index (to_remove, i);
      guint16 port = local_port (culvert_forward_status_get_forward (status));

      /* One that failed never held its port. */
      if (port != 0 && culvert_forward_status_get_state (status) != CULVERT_FORWARD_STATE_FAILED)
        g_hash_table_insert (live->let_go, GUINT_TO_POINTER (port), g_memdup2 (&now, sizeof now));
      culvert_tunnel_remove_forward (tunnel, status);
    }

  g_hash_table_iter_init (&iter, live->let_go);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (now - *(gint64 *) value > LET_GO_WAIT_MS * 1000)
      g_hash_table_iter_remove (&iter);

  for (guint i = 0; i < to_add->len; i++)
    {
      CulvertForward *rule = g_ptr_array_index (to_add, i);
      gboolean waiting = g_hash_table_contains (live->let_go,
                                                GUINT_TO_POINTER (local_port (rule)));
      CulvertForwardStatus *status;

      /* Its port is being let go: the worker has surely not done it yet. */
      if (waiting && !retrying)
        {
          again = TRUE;
          continue;
        }
      status = culvert_tunnel_add_forward (tunnel, rule, error);
      if (status == NULL)
        return FALSE;
      if (waiting && culvert_forward_status_get_state (status) == CULVERT_FORWARD_STATE_FAILED)
        {
          culvert_tunnel_remove_forward (tunnel, status);
          again = TRUE;
        }
    }

  if (again)
    live->retry_id = g_timeout_add (RETRY_MS, retry_forwards, tunnel);
  return TRUE;
}

gboolean
culvert_gui_tunnel_apply_forwards (CulvertTunnel  *tunnel,
                                   GError        **error)
{
  g_return_val_if_fail (CULVERT_IS_TUNNEL (tunnel), FALSE);

  return apply_forwards (tunnel, FALSE, error);
}

static gboolean
name_is_taken (GListModel *profiles,
               const char *name)
{
  guint n = g_list_model_get_n_items (profiles);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CulvertProfile) profile = g_list_model_get_item (profiles, i);

      if (g_strcmp0 (culvert_profile_get_display_name (profile), name) == 0)
        return TRUE;
    }
  return FALSE;
}

char *
culvert_gui_unique_name (GListModel *profiles,
                         const char *name)
{
  g_return_val_if_fail (G_IS_LIST_MODEL (profiles), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (!name_is_taken (profiles, name))
    return g_strdup (name);
  for (guint n = 2; ; n++)
    {
      /* Translators: a connection's name when another has it already:
       * "db:5432 via gateway (2)" */
      g_autofree char *numbered = g_strdup_printf (_("%s (%u)"), name, n);

      if (!name_is_taken (profiles, numbered))
        return g_steal_pointer (&numbered);
    }
}

void
culvert_gui_whole_token_attrs (PangoAttrList      *attrs,
                               const char         *text,
                               const char * const *monospace)
{
  PangoAttribute *attr;
  const char *p = text;

  g_return_if_fail (attrs != NULL);
  g_return_if_fail (text != NULL);

  attr = pango_attr_insert_hyphens_new (FALSE);
  pango_attr_list_insert (attrs, attr);
  while (*p != '\0')
    {
      const char *start;

      while (*p != '\0' && g_ascii_isspace (*p))
        p++;
      start = p;
      while (*p != '\0' && !g_ascii_isspace (*p))
        p++;
      if (p > start)
        {
          /* From its second character: a line may still start with it. */
          attr = pango_attr_allow_breaks_new (FALSE);
          attr->start_index = g_utf8_next_char (start) - text;
          attr->end_index = p - text;
          pango_attr_list_insert (attrs, attr);
        }
    }
  for (guint i = 0; monospace != NULL && monospace[i] != NULL; i++)
    {
      gsize length = strlen (monospace[i]);

      for (const char *found = length > 0 ? strstr (text, monospace[i]) : NULL;
           found != NULL;
           found = strstr (found + length, monospace[i]))
        {
          attr = pango_attr_family_new ("monospace");
          attr->start_index = found - text;
          attr->end_index = found - text + length;
          pango_attr_list_insert (attrs, attr);
        }
    }
}

static void
label_keep_tokens (GtkLabel *label)
{
  const char * const *monospace = g_object_get_data (G_OBJECT (label), "culvert-monospace");
  PangoAttrList *attrs = pango_attr_list_new ();

  culvert_gui_whole_token_attrs (attrs, gtk_label_get_text (label), monospace);
  gtk_label_set_attributes (label, attrs);
  pango_attr_list_unref (attrs);
}

void
culvert_gui_label_keep_tokens (GtkLabel           *label,
                               const char * const *monospace)
{
  g_return_if_fail (GTK_IS_LABEL (label));

  g_object_set_data_full (G_OBJECT (label), "culvert-monospace",
                          g_strdupv ((char **) monospace), (GDestroyNotify) g_strfreev);
  gtk_label_set_wrap_mode (label, PANGO_WRAP_WORD);
  if (g_object_get_data (G_OBJECT (label), "culvert-keeps-tokens") == NULL)
    {
      g_object_set_data (G_OBJECT (label), "culvert-keeps-tokens", GINT_TO_POINTER (TRUE));
      g_signal_connect (label, "notify::label", G_CALLBACK (label_keep_tokens), NULL);
    }
  label_keep_tokens (label);
}

static void
offhost_row_update (GtkSwitch  *sw,
                    GParamSpec *pspec,
                    char       *off_text)
{
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (sw), ADW_TYPE_ACTION_ROW);

  if (row == NULL)
    return;
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                               gtk_switch_get_active (sw)
                               ? _("On: other computers that can reach the listening computer "
                                   "can connect, without a password")
                               : off_text);
}

void
culvert_gui_offhost_switch_describe (GtkSwitch *sw)
{
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (sw), ADW_TYPE_ACTION_ROW);
  char *off_text;

  g_return_if_fail (GTK_IS_SWITCH (sw));
  if (row == NULL)
    return;
  /* The subtitle the .ui gives is the off state's, translated already. */
  off_text = g_strdup (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)));
  g_signal_connect_data (sw, "notify::active", G_CALLBACK (offhost_row_update), off_text,
                         (GClosureNotify) (void (*) (void)) g_free, 0);
  offhost_row_update (sw, NULL, off_text);
}

/* culvert-window.c — the main window: connections beside the selected one
 *
 * An AdwLeaflet (libadwaita 1.2) or AdwNavigationSplitView (1.5): the sidebar lists the saved connections (sorted, with a
 * search), the content shows the selected one. Narrow windows fold to one
 * pane. Deleting a connection can be undone until its toast goes away; only
 * then are its secrets removed from the keyring.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "culvert-adw-compat.h"
#include "culvert-connection-editor.h"
#include "culvert-connection-page.h"
#include "culvert-connection-row.h"
#include "culvert-gui-util.h"
#include "culvert-offhost-warning.h"
#include "culvert-secrets.h"
#include "culvert-ssh-config.h"
#include "culvert-window-private.h"
#include "culvert-wizard.h"

struct _CulvertWindow
{
  AdwApplicationWindow   parent_instance;

  GSettings             *settings;
  CulvertApplication    *app;
  CulvertProfileStore   *store;
  GtkCustomFilter       *filter;
  GtkCustomSorter       *sorter;
  GtkSortListModel      *sorted;
  CulvertProfile        *selected;
  GHashTable            *pending_deletes;  /* id → CulvertProfile */
  AdwToast              *undo_toast;       /* borrowed; cleared when dismissed */

  AdwToastOverlay       *toast_overlay;
  GtkStack              *main_stack;
  AdwStatusPage         *empty_page;
  GtkWidget             *split;     /* AdwLeaflet or AdwNavigationSplitView */
  GtkToggleButton       *search_button;
  GtkSearchBar          *search_bar;
  GtkSearchEntry        *search_entry;
  GtkStack              *sidebar_stack;
  GtkListBox            *sidebar_list;
  AdwWindowTitle        *content_title;
  GtkRevealer           *problem_revealer;
  GtkLabel              *problem_label;
  GtkRevealer           *problem_revealer_content;
  GtkLabel              *problem_label_content;
  GString               *problems;
  GtkMenuButton         *connection_menu_button;
  CulvertConnectionPage *connection_page;
};

G_DEFINE_FINAL_TYPE (CulvertWindow, culvert_window, ADW_TYPE_APPLICATION_WINDOW)

void
culvert_window_add_toast (CulvertWindow *self,
                          AdwToast      *toast)
{
  g_return_if_fail (CULVERT_IS_WINDOW (self));

  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
culvert_window_toast_error (CulvertWindow *self,
                            const GError  *error)
{
  AdwToast *toast = adw_toast_new (error->message);

  adw_toast_set_timeout (toast, 0);
  culvert_window_add_toast (self, toast);
}

static CulvertProfile *
culvert_window_find (CulvertWindow *self,
                     const char    *id)
{
  GListModel *model = G_LIST_MODEL (self->store);
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CulvertProfile) profile = g_list_model_get_item (model, i);

      if (g_strcmp0 (culvert_profile_get_id (profile), id) == 0)
        return profile;  /* the store keeps it */
    }

  return NULL;
}

/* ---------------------------------------------------------------------- */
/* Saved connections that could not be read                                */

static void
culvert_window_show_problems (CulvertWindow *self)
{
  gboolean any = self->problems->len > 0;

  gtk_label_set_label (self->problem_label, self->problems->str);
  gtk_label_set_label (self->problem_label_content, self->problems->str);
  gtk_revealer_set_reveal_child (self->problem_revealer, any);
  gtk_revealer_set_reveal_child (self->problem_revealer_content, any);
}

static void
on_store_problem (CulvertWindow *self,
                  const GError  *error)
{
  if (self->problems->len > 0)
    g_string_append_c (self->problems, '\n');
  g_string_append (self->problems, error->message);
  culvert_window_show_problems (self);
}

static void
culvert_window_dismiss_problems (GtkWidget  *widget,
                                 const char *action_name,
                                 GVariant   *parameter)
{
  CulvertWindow *self = CULVERT_WINDOW (widget);

  g_string_truncate (self->problems, 0);
  culvert_window_show_problems (self);
}

/* ---------------------------------------------------------------------- */
/* The sidebar                                                             */

static int
compare_profiles (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  g_autofree char *fa = g_utf8_casefold (culvert_profile_get_display_name ((CulvertProfile *) a), -1);
  g_autofree char *fb = g_utf8_casefold (culvert_profile_get_display_name ((CulvertProfile *) b), -1);
  /* Numbers by their value: tunnel2 before tunnel10. */
  g_autofree char *ka = g_utf8_collate_key_for_filename (fa, -1);
  g_autofree char *kb = g_utf8_collate_key_for_filename (fb, -1);
  int result = strcmp (ka, kb);

  if (result != 0)
    return result;
  return g_strcmp0 (culvert_profile_get_id ((CulvertProfile *) a),
                    culvert_profile_get_id ((CulvertProfile *) b));
}

static gboolean
contains_folded (const char *haystack,
                 const char *needle)
{
  g_autofree char *folded = NULL;

  if (haystack == NULL)
    return FALSE;
  folded = g_utf8_casefold (haystack, -1);
  return strstr (folded, needle) != NULL;
}

static gboolean
match_profile (gpointer item,
               gpointer user_data)
{
  CulvertWindow *self = user_data;
  CulvertProfile *profile = item;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *needle = NULL;
  g_autofree char *address = NULL;

  if (text == NULL || *text == '\0')
    return TRUE;

  needle = g_utf8_casefold (text, -1);
  address = culvert_gui_profile_address (profile);
  return contains_folded (culvert_profile_get_display_name (profile), needle) ||
         contains_folded (address, needle);
}

static GtkWidget *
create_sidebar_row (gpointer item,
                    gpointer user_data)
{
  CulvertWindow *self = user_data;

  return culvert_connection_row_new (culvert_application_get_tunnel (self->app, item));
}

static void
culvert_window_update_title (CulvertWindow *self)
{
  g_autofree char *address = NULL;

  if (self->selected == NULL)
    {
      adw_window_title_set_title (self->content_title, "");
      adw_window_title_set_subtitle (self->content_title, "");
      return;
    }

  address = culvert_gui_profile_address (self->selected);
  adw_window_title_set_title (self->content_title,
                              culvert_profile_get_display_name (self->selected));
  adw_window_title_set_subtitle (self->content_title, address);
}

/* Built again as it opens: Connect or Disconnect, as the connection is. */
static void
culvert_window_update_connection_menu (GtkMenuButton *button,
                                       gpointer       data)
{
  CulvertWindow *self = data;
  CulvertTunnel *tunnel;
  g_autoptr(GMenuModel) menu = NULL;

  if (self->selected == NULL)
    return;
  tunnel = culvert_application_get_tunnel (self->app, self->selected);
  menu = culvert_connection_menu_new (self->selected, culvert_gui_state_is_on (
                                                        culvert_tunnel_get_state (tunnel)));
  gtk_menu_button_set_menu_model (button, menu);
}

static void
culvert_window_show_profile (CulvertWindow  *self,
                             CulvertProfile *profile)
{
  CulvertTunnel *tunnel = profile != NULL ? culvert_application_get_tunnel (self->app, profile)
                                          : NULL;

  if (self->selected != NULL)
    g_signal_handlers_disconnect_by_data (self->selected, self);
  g_set_object (&self->selected, profile);

  culvert_connection_page_set_tunnel (self->connection_page, self->store, tunnel);
  if (profile != NULL)
    {
      culvert_window_update_connection_menu (self->connection_menu_button, self);
      g_signal_connect_object (profile, "notify", G_CALLBACK (culvert_window_update_title), self,
                               G_CONNECT_SWAPPED);
    }
  else
    gtk_menu_button_set_menu_model (self->connection_menu_button, NULL);
  culvert_window_update_title (self);
  gtk_widget_set_sensitive (GTK_WIDGET (self->connection_page), profile != NULL);
}

static void
on_row_selected (GtkListBox    *list,
                 GtkListBoxRow *row,
                 CulvertWindow *self)
{
  CulvertProfile *profile;

  if (row == NULL)
    return;
  profile = culvert_connection_row_get_profile (CULVERT_CONNECTION_ROW (row));
  if (profile != self->selected)
    culvert_window_show_profile (self, profile);
}

static void
on_row_activated (GtkListBox    *list,
                  GtkListBoxRow *row,
                  CulvertWindow *self)
{
  culvert_split_show_content (self->split, TRUE);
}

static GtkListBoxRow *
row_of (CulvertWindow  *self,
        CulvertProfile *profile)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->sidebar_list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (CULVERT_IS_CONNECTION_ROW (child) &&
        culvert_connection_row_get_profile (CULVERT_CONNECTION_ROW (child)) == profile)
      return GTK_LIST_BOX_ROW (child);

  return NULL;
}

void
culvert_window_select_profile (CulvertWindow  *self,
                               CulvertProfile *profile)
{
  GtkListBoxRow *row;

  g_return_if_fail (CULVERT_IS_WINDOW (self));

  row = profile != NULL ? row_of (self, profile) : NULL;
  if (row != NULL)
    gtk_list_box_select_row (self->sidebar_list, row);
  culvert_window_show_profile (self, profile);
}

/* Rows are rebuilt when the list changes: keep the selection, or move it to
 * a neighbour when the selected connection went away. */
static void
on_list_changed (CulvertWindow *self,
                 guint          position,
                 guint          removed,
                 guint          added)
{
  guint n_all = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  guint n_shown = g_list_model_get_n_items (G_LIST_MODEL (self->sorted));
  GtkListBoxRow *row = NULL;

  gtk_stack_set_visible_child_name (self->main_stack, n_all > 0 ? "connections" : "empty");
  gtk_stack_set_visible_child_name (self->sidebar_stack, n_shown > 0 ? "list" : "no-results");

  if (self->selected != NULL)
    row = row_of (self, self->selected);
  if (row == NULL && n_shown > 0)
    row = gtk_list_box_get_row_at_index (self->sidebar_list,
                                         MIN (position, n_shown - 1));
  if (row != NULL)
    {
      gtk_list_box_select_row (self->sidebar_list, row);
      on_row_selected (self->sidebar_list, row, self);
    }
  else if (n_all == 0 || n_shown == 0)
    {
      if (n_all == 0)
        culvert_window_show_profile (self, NULL);
    }
}

static void
on_profile_renamed (CulvertWindow *self)
{
  gtk_sorter_changed (GTK_SORTER (self->sorter), GTK_SORTER_CHANGE_DIFFERENT);
}

static void
on_store_changed (CulvertWindow *self,
                  guint          position,
                  guint          removed,
                  guint          added)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(CulvertProfile) profile = g_list_model_get_item (G_LIST_MODEL (self->store), i);

      g_signal_handlers_disconnect_by_func (profile, on_profile_renamed, self);
      g_signal_connect_object (profile, "notify::name", G_CALLBACK (on_profile_renamed), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (profile, "notify::host", G_CALLBACK (on_profile_renamed), self,
                               G_CONNECT_SWAPPED);
    }
}

static void
on_search_changed (CulvertWindow *self)
{
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

static void
culvert_window_find_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  CulvertWindow *self = CULVERT_WINDOW (widget);

  if (g_list_model_get_n_items (G_LIST_MODEL (self->store)) == 0)
    return;
  culvert_split_show_content (self->split, FALSE);
  gtk_toggle_button_set_active (self->search_button, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
culvert_window_back_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  culvert_split_show_content (CULVERT_WINDOW (widget)->split, FALSE);
}

/* ---------------------------------------------------------------------- */
/* The actions on one connection (parameter: its id)                       */

static CulvertProfile *
profile_of (CulvertWindow *self,
            GVariant      *parameter)
{
  return culvert_window_find (self, g_variant_get_string (parameter, NULL));
}

static void
culvert_window_connect_action (GtkWidget  *widget,
                               const char *action_name,
                               GVariant   *parameter)
{
  CulvertWindow *self = CULVERT_WINDOW (widget);
  CulvertProfile *profile = profile_of (self, parameter);
  g_autoptr(GError) error = NULL;
  CulvertTunnel *tunnel;

  if (profile == NULL)
    return;
  tunnel = culvert_application_get_tunnel (self->app, profile);
  if (culvert_tunnel_is_running (tunnel))
    return;
  if (!culvert_tunnel_connect (tunnel, &error))
    culvert_window_toast_error (self, error);
}

static void
culvert_window_disconnect_action (GtkWidget  *widget,
                                  const char *action_name,
                                  GVariant   *parameter)
{
  CulvertWindow *self = CULVERT_WINDOW (widget);
  CulvertProfile *profile = profile_of (self, parameter);

  if (profile != NULL)
    culvert_tunnel_disconnect (culvert_application_get_tunnel (self->app, profile));
}

static void
culvert_window_reconnect_action (GtkWidget  *widget,
                                 const char *action_name,
                                 GVariant   *parameter)
{
  CulvertWindow *self = CULVERT_WINDOW (widget);
  CulvertProfile *profile = profile_of (self, parameter);
  g_autoptr(GError) error = NULL;

  if (profile != NULL &&
      !culvert_gui_tunnel_restart (culvert_application_get_tunnel (self->app, profile), &error))
    culvert_window_toast_error (self, error);
}

static void
culvert_window_edit_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  CulvertWindow *self = CULVERT_WINDOW (widget);
  CulvertProfile *profile = profile_of (self, parameter);
  GtkWidget *editor;

  if (profile == NULL)
    return;
  culvert_window_select_profile (self, profile);
  editor = culvert_connection_editor_new (self->store,
                                          culvert_application_get_tunnel (self->app, profile));
  culvert_dialog_present (editor, GTK_WIDGET (self));
}

static void
culvert_window_duplicate_action (GtkWidget  *widget,
                                 const char *action_name,
                                 GVariant   *parameter)
{
  CulvertWindow *self = CULVERT_WINDOW (widget);
  CulvertProfile *profile = profile_of (self, parameter);
  g_autoptr(CulvertProfile) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;

  if (profile == NULL)
    return;

  copy = culvert_profile_copy (profile, TRUE);
  /* Translators: the name of a duplicated connection */
  name = g_strdup_printf (_("%s (copy)"), culvert_profile_get_display_name (profile));
  {
    g_autofree char *unique = culvert_gui_unique_name (G_LIST_MODEL (self->store), name);

    culvert_profile_set_name (copy, unique);
  }
  if (!culvert_profile_store_save_profile (self->store, copy, &error))
    {
      culvert_window_toast_error (self, error);
      return;
    }
  culvert_window_select_profile (self, copy);
}

static void
culvert_window_copy_command_action (GtkWidget  *widget,
                                    const char *action_name,
                                    GVariant   *parameter)
{
  CulvertWindow *self = CULVERT_WINDOW (widget);
  CulvertProfile *profile = profile_of (self, parameter);
  g_autofree char *command = NULL;

  if (profile == NULL)
    return;
  command = culvert_profile_to_command_line (profile);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), command);
  culvert_window_add_toast (self, adw_toast_new (_("Command copied")));
}

static void
culvert_window_copy_ssh_config_action (GtkWidget  *widget,
                                       const char *action_name,
                                       GVariant   *parameter)
{
  CulvertWindow *self = CULVERT_WINDOW (widget);
  CulvertProfile *profile = profile_of (self, parameter);
  g_autofree char *block = NULL;

  if (profile == NULL)
    return;
  block = culvert_profile_to_ssh_config (profile);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), block);
  culvert_window_add_toast (self, adw_toast_new (_("ssh_config block copied")));
}

/* Importing an ssh_config: the file (and what it includes) is read and
 * merged in a thread, into a scratch store that holds copies of the
 * connections; the forwards that would let other computers in are asked
 * about on the main thread; only then is the result saved, and the report
 * shown. Quitting before the last answer saves nothing. */

/* An import in the model's three steps: read in a thread, worked out
 * against the store and asked about here, saved once every question was
 * answered (a question closed unanswered saves nothing). */
typedef struct
{
  char             *path;
  CulvertSshImport *import;
  GError           *error;
  GWeakRef          window;
} ImportJob;

static void
import_job_free (gpointer data)
{
  ImportJob *job = data;

  g_free (job->path);
  g_clear_pointer (&job->import, culvert_ssh_import_free);
  g_clear_error (&job->error);
  g_weak_ref_clear (&job->window);
  g_free (job);
}

static void
import_thread (GTask        *task,
               gpointer      source,
               gpointer      data,
               GCancellable *cancellable)
{
  ImportJob *job = data;

  job->import = culvert_ssh_import_read (job->path, &job->error);
  g_task_return_boolean (task, job->import != NULL);
}

/* Every question answered: save, then say what happened. */
static void
import_answered (gpointer data)
{
  ImportJob *job = data;
  g_autoptr(CulvertWindow) self = g_weak_ref_get (&job->window);
  g_autoptr(CulvertSshImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *body = NULL;
  g_autofree char *basename = g_path_get_basename (job->path);
  GtkWidget *dialog;

  if (self == NULL)
    return;

  if (!culvert_ssh_import_apply (job->import, self->store, &report, &error))
    {
      culvert_window_toast_error (self, error);
      if (report == NULL)
        return;
    }

  text = culvert_ssh_import_report_to_string (report);
  /* The file's name goes in the body, which wraps: a heading holds no name
   * of any length (libadwaita 1.7's alert measures a heading wider than the
   * dialog below its minimum, and warns). */
  /* Translators: %s is the imported file's name, then comes what was imported */
  body = g_strdup_printf (_("From “%s”:\n\n%s"), basename, g_strchomp (text));
  dialog = culvert_alert_new (GTK_WIDGET (self), _("Import Finished"), body);
  culvert_alert_add_response (dialog, "close", _("_Close"));
  culvert_alert_present (dialog);
}

static void
on_import_read (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  CulvertWindow *self = CULVERT_WINDOW (source);
  ImportJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GPtrArray) off_host = NULL;
  g_autoptr(GPtrArray) profiles = NULL;
  g_autoptr(GPtrArray) forwards = NULL;

  if (job->import == NULL)
    {
      culvert_window_toast_error (self, job->error);
      import_job_free (job);
      return;
    }

  /* What the file brings that lets others in, or that a changed
   * GatewayPorts opens: asked about before anything is saved. */
  off_host = culvert_ssh_import_prepare (job->import, self->store);
  profiles = g_ptr_array_new_with_free_func (g_object_unref);
  forwards = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < off_host->len; i++)
    {
      CulvertSshImportOffHost *entry = g_ptr_array_index (off_host, i);

      g_ptr_array_add (profiles, g_object_ref (entry->profile));
      g_ptr_array_add (forwards, g_object_ref (entry->forward));
    }

  /* The questions keep the job until answered. */
  culvert_offhost_warning_ask (GTK_WINDOW (self), profiles, forwards,
                               G_CALLBACK (import_answered), job, import_job_free);
}

/* Imports @path: read off the main thread, asked about, then saved. */
static void
culvert_window_import_file (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  CulvertWindow *self = CULVERT_WINDOW (widget);
  g_autoptr(GTask) task = NULL;
  ImportJob *job;

  job = g_new0 (ImportJob, 1);
  job->path = g_variant_dup_string (parameter, NULL);
  g_weak_ref_init (&job->window, self);

  task = g_task_new (self, NULL, on_import_read, NULL);
  g_task_set_source_tag (task, culvert_window_import_file);
  /* The job is the callback's to free: it outlives the task. */
  g_task_set_task_data (task, job, NULL);
  g_task_run_in_thread (task, import_thread);
}

static void
on_import_chosen (const char *path,
                  gpointer    data)
{
  CulvertWindow *self = data;

  if (path != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.import-file", "s", path);
}

static void
culvert_window_import_action (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *parameter)
{
  CulvertWindow *self = CULVERT_WINDOW (widget);
  g_autofree char *path = culvert_ssh_config_dup_default_path ();
  g_autoptr(GFile) file = g_file_new_for_path (path);

  culvert_choose_file (GTK_WIDGET (self), _("Import from SSH Config"), _("_Import"), NULL,
                       g_file_test (path, G_FILE_TEST_EXISTS) ? file : NULL,
                       on_import_chosen, g_object_ref (self), g_object_unref);
}

typedef struct
{
  char *id;
  char *user;
  char *host;
  char *proxy_user;  /* the custom proxy's, when its URL names one */
  char *proxy_host;
} SecretKey;

static void
secret_key_free (gpointer data)
{
  SecretKey *key = data;

  g_free (key->id);
  g_free (key->user);
  g_free (key->host);
  g_free (key->proxy_user);
  g_free (key->proxy_host);
  g_free (key);
}

static void
clear_secrets_thread (GTask        *task,
                      gpointer      source,
                      gpointer      data,
                      GCancellable *cancellable)
{
  SecretKey *key = data;
  CulvertSecretKind kinds[] = { CULVERT_SECRET_PASSWORD, CULVERT_SECRET_KEY_PASSPHRASE };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autoptr(GError) error = NULL;

      /* No keyring: nothing was stored there either. */
      if (!culvert_secrets_clear_sync (kinds[i], key->id, key->user, key->host, NULL, &error))
        g_debug ("%s", error->message);
    }
  if (key->proxy_user != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!culvert_secrets_clear_sync (CULVERT_SECRET_PROXY_PASSWORD, key->id, key->proxy_user,
                                       key->proxy_host, NULL, &error))
        g_debug ("%s", error->message);
    }
  g_task_return_boolean (task, TRUE);
}

static void
culvert_window_forget_secrets (CulvertProfile *profile)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, NULL, NULL);
  SecretKey *key = g_new0 (SecretKey, 1);

  key->id = g_strdup (culvert_profile_get_id (profile));
  key->user = g_strdup (culvert_profile_get_user (profile));
  key->host = g_strdup (culvert_profile_get_host (profile));
  if (culvert_profile_get_proxy_url (profile) != NULL)
    {
      g_autoptr(GUri) uri = g_uri_parse (culvert_profile_get_proxy_url (profile),
                                         G_URI_FLAGS_HAS_PASSWORD, NULL);

      if (uri != NULL && g_uri_get_user (uri) != NULL)
        {
          key->proxy_user = g_strdup (g_uri_get_user (uri));
          key->proxy_host = g_strdup (g_uri_get_host (uri));
        }
    }
  g_task_set_task_data (task, key, secret_key_free);
  g_task_run_in_thread (task, clear_secrets_thread);
}

static void
on_delete_toast_dismissed (AdwToast      *toast,
                           CulvertWindow *self)
{
  const char *id = g_object_get_data (G_OBJECT (toast), "profile-id");
  gpointer profile;

  if (self->undo_toast == toast)
    self->undo_toast = NULL;

  /* Undone already, or the time to undo is over: then the secrets go. */
  if (g_hash_table_steal_extended (self->pending_deletes, id, NULL, &profile))
    {
      culvert_window_forget_secrets (profile);
      g_object_unref (profile);
    }
}

static void
culvert_window_delete_action (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *parameter)
{
  CulvertWindow *self = CULVERT_WINDOW (widget);
  CulvertProfile *profile = profile_of (self, parameter);
  g_autoptr(GError) error = NULL;
  AdwToast *toast;

  if (profile == NULL)
    return;

  g_object_ref (profile);
  culvert_application_forget_tunnel (self->app, profile);
  if (!culvert_profile_store_delete_profile (self->store, profile, &error))
    {
      culvert_window_toast_error (self, error);
      g_object_unref (profile);
      return;
    }
  g_hash_table_replace (self->pending_deletes, g_strdup (culvert_profile_get_id (profile)),
                        profile);

  toast = adw_toast_new_format (_("“%s” deleted"), culvert_profile_get_display_name (profile));
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_action_target_value (toast, g_variant_new_string (culvert_profile_get_id (profile)));
  adw_toast_set_action_name (toast, "win.undo-delete");
  g_object_set_data_full (G_OBJECT (toast), "profile-id",
                          g_strdup (culvert_profile_get_id (profile)), g_free);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (on_delete_toast_dismissed), self, 0);
  /* Queued behind an earlier one, if any: on libadwaita 1.2 a toast of
   * high priority, or one dismissed while it is still coming in, makes
   * the overlay crash. */
  self->undo_toast = toast;
  culvert_window_add_toast (self, toast);
}

static void
culvert_window_undo_delete_action (GtkWidget  *widget,
                                   const char *action_name,
                                   GVariant   *parameter)
{
  CulvertWindow *self = CULVERT_WINDOW (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  g_autoptr(CulvertProfile) profile = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_hash_table_steal_extended (self->pending_deletes, id, NULL, (gpointer *) &profile))
    return;

  if (!culvert_profile_store_save_profile (self->store, profile, &error))
    {
      culvert_window_toast_error (self, error);
      return;
    }
  culvert_window_select_profile (self, profile);
}

static void
culvert_window_delete_selected_action (GtkWidget  *widget,
                                       const char *action_name,
                                       GVariant   *parameter)
{
  CulvertWindow *self = CULVERT_WINDOW (widget);

  if (self->selected != NULL)
    gtk_widget_activate_action (widget, "win.delete", "s",
                                culvert_profile_get_id (self->selected));
}

static void
culvert_window_new_connection (GtkWidget  *widget,
                               const char *action_name,
                               GVariant   *parameter)
{
  CulvertWindow *self = CULVERT_WINDOW (widget);
  CulvertWizard *wizard = culvert_wizard_new (GTK_WINDOW (self), self->app);

  gtk_window_present (GTK_WINDOW (wizard));
}

/* ---------------------------------------------------------------------- */

static void
culvert_window_save_size (CulvertWindow *self)
{
  int width, height;
  gboolean maximized = gtk_window_is_maximized (GTK_WINDOW (self));

  g_settings_delay (self->settings);
  g_settings_set_boolean (self->settings, "window-maximized", maximized);
  if (!maximized)
    {
      gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }
  g_settings_apply (self->settings);
}

static gboolean
culvert_window_close_request (GtkWindow *window)
{
  culvert_window_save_size (CULVERT_WINDOW (window));

  return GTK_WINDOW_CLASS (culvert_window_parent_class)->close_request (window);
}

static void
culvert_window_constructed (GObject *object)
{
  CulvertWindow *self = CULVERT_WINDOW (object);

  G_OBJECT_CLASS (culvert_window_parent_class)->constructed (object);

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

/* The application is set after construction, so the lists come here. */
static void
culvert_window_set_up_lists (CulvertWindow      *self,
                             CulvertApplication *app)
{
  self->app = app;
  self->store = g_object_ref (culvert_application_get_profile_store (self->app));

  self->filter = gtk_custom_filter_new (match_profile, self, NULL);
  self->sorter = gtk_custom_sorter_new (compare_profiles, NULL, NULL);
  self->sorted = gtk_sort_list_model_new (
    G_LIST_MODEL (gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->store)),
                                             g_object_ref (GTK_FILTER (self->filter)))),
    g_object_ref (GTK_SORTER (self->sorter)));

  g_signal_connect_object (self->store, "items-changed", G_CALLBACK (on_store_changed), self,
                           G_CONNECT_SWAPPED);
  /* Problems of the load at startup, and of any later one. */
  {
    GPtrArray *problems = culvert_profile_store_get_problems (self->store);

    for (guint i = 0; i < problems->len; i++)
      on_store_problem (self, g_ptr_array_index (problems, i));
  }
  g_signal_connect_object (self->store, "problem", G_CALLBACK (on_store_problem), self,
                           G_CONNECT_SWAPPED);
  on_store_changed (self, 0, 0, g_list_model_get_n_items (G_LIST_MODEL (self->store)));
  gtk_list_box_bind_model (self->sidebar_list, G_LIST_MODEL (self->sorted),
                           create_sidebar_row, self, NULL);
  /* After the list box's own handler, so the rows exist. */
  g_signal_connect_object (self->sorted, "items-changed", G_CALLBACK (on_list_changed), self,
                           G_CONNECT_SWAPPED);
  on_list_changed (self, 0, 0, 0);
}

static void
culvert_window_dispose (GObject *object)
{
  CulvertWindow *self = CULVERT_WINDOW (object);

  /* The window goes before the toasts expire: the deletions stand. */
  if (self->pending_deletes != NULL)
    {
      GHashTableIter iter;
      gpointer profile;

      g_hash_table_iter_init (&iter, self->pending_deletes);
      while (g_hash_table_iter_next (&iter, NULL, &profile))
        culvert_window_forget_secrets (profile);
      g_hash_table_remove_all (self->pending_deletes);
    }
  self->undo_toast = NULL;

  if (self->sidebar_list != NULL)
    gtk_list_box_bind_model (self->sidebar_list, NULL, NULL, NULL, NULL);
  if (self->selected != NULL)
    g_signal_handlers_disconnect_by_data (self->selected, self);
  g_clear_object (&self->selected);
  g_clear_object (&self->sorted);
  g_clear_object (&self->filter);
  g_clear_object (&self->sorter);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (culvert_window_parent_class)->dispose (object);
}

static void
culvert_window_finalize (GObject *object)
{
  CulvertWindow *self = CULVERT_WINDOW (object);

  g_clear_pointer (&self->pending_deletes, g_hash_table_unref);
  if (self->problems != NULL)
    g_string_free (self->problems, TRUE);

  G_OBJECT_CLASS (culvert_window_parent_class)->finalize (object);
}

static void
culvert_window_class_init (CulvertWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = culvert_window_constructed;
  object_class->dispose = culvert_window_dispose;
  object_class->finalize = culvert_window_finalize;
  window_class->close_request = culvert_window_close_request;

  g_type_ensure (CULVERT_TYPE_CONNECTION_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/culvert-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CulvertWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CulvertWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, CulvertWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, CulvertWindow, split);
  gtk_widget_class_bind_template_child (widget_class, CulvertWindow, search_button);
  gtk_widget_class_bind_template_child (widget_class, CulvertWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, CulvertWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, CulvertWindow, sidebar_stack);
  gtk_widget_class_bind_template_child (widget_class, CulvertWindow, sidebar_list);
  gtk_widget_class_bind_template_child (widget_class, CulvertWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, CulvertWindow, problem_revealer);
  gtk_widget_class_bind_template_child (widget_class, CulvertWindow, problem_label);
  gtk_widget_class_bind_template_child (widget_class, CulvertWindow, problem_revealer_content);
  gtk_widget_class_bind_template_child (widget_class, CulvertWindow, problem_label_content);
  gtk_widget_class_bind_template_child (widget_class, CulvertWindow, connection_menu_button);
  gtk_widget_class_bind_template_child (widget_class, CulvertWindow, connection_page);

  gtk_widget_class_install_action (widget_class, "win.new-connection", NULL,
                                   culvert_window_new_connection);
  gtk_widget_class_install_action (widget_class, "win.find", NULL, culvert_window_find_action);
  gtk_widget_class_install_action (widget_class, "win.dismiss-problems", NULL,
                                   culvert_window_dismiss_problems);
  gtk_widget_class_install_action (widget_class, "win.back", NULL, culvert_window_back_action);
  gtk_widget_class_install_action (widget_class, "win.connect", "s",
                                   culvert_window_connect_action);
  gtk_widget_class_install_action (widget_class, "win.disconnect", "s",
                                   culvert_window_disconnect_action);
  gtk_widget_class_install_action (widget_class, "win.reconnect", "s",
                                   culvert_window_reconnect_action);
  gtk_widget_class_install_action (widget_class, "win.edit", "s", culvert_window_edit_action);
  gtk_widget_class_install_action (widget_class, "win.duplicate", "s",
                                   culvert_window_duplicate_action);
  gtk_widget_class_install_action (widget_class, "win.copy-command", "s",
                                   culvert_window_copy_command_action);
  gtk_widget_class_install_action (widget_class, "win.copy-ssh-config", "s",
                                   culvert_window_copy_ssh_config_action);
  gtk_widget_class_install_action (widget_class, "win.import-ssh-config", NULL,
                                   culvert_window_import_action);
  gtk_widget_class_install_action (widget_class, "win.import-file", "s",
                                   culvert_window_import_file);
  gtk_widget_class_install_action (widget_class, "win.delete", "s",
                                   culvert_window_delete_action);
  gtk_widget_class_install_action (widget_class, "win.undo-delete", "s",
                                   culvert_window_undo_delete_action);
  gtk_widget_class_install_action (widget_class, "win.delete-selected", NULL,
                                   culvert_window_delete_selected_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "win.find", NULL);
}

static void
culvert_window_init (CulvertWindow *self)
{
  GtkEventController *shortcuts;

  gtk_widget_init_template (GTK_WIDGET (self));
  culvert_gui_label_keep_tokens (self->problem_label, NULL);
  culvert_gui_label_keep_tokens (self->problem_label_content, NULL);

  self->settings = g_settings_new (APPLICATION_ID);
  self->problems = g_string_new (NULL);
  self->pending_deletes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  gtk_menu_button_set_create_popup_func (self->connection_menu_button,
                                         culvert_window_update_connection_menu, self, NULL);

  g_object_bind_property (self->search_button, "active", self->search_bar, "search-mode-enabled",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  g_signal_connect_swapped (self->search_entry, "search-changed",
                            G_CALLBACK (on_search_changed), self);
  /* Delete acts on the sidebar's connection only while the sidebar has the
   * focus: elsewhere the key belongs to what is focused. */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Delete, 0),
                                                          gtk_named_action_new ("win.delete-selected")));
  gtk_widget_add_controller (GTK_WIDGET (self->sidebar_list), shortcuts);
  g_signal_connect (self->sidebar_list, "row-selected", G_CALLBACK (on_row_selected), self);
  g_signal_connect (self->sidebar_list, "row-activated", G_CALLBACK (on_row_activated), self);

  if (g_strcmp0 (PROFILE, "Devel") == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

CulvertWindow *
culvert_window_new (CulvertApplication *application)
{
  g_return_val_if_fail (CULVERT_IS_APPLICATION (application), NULL);

  CulvertWindow *self = g_object_new (CULVERT_TYPE_WINDOW,
                                      "application", application,
                                      NULL);

  culvert_window_set_up_lists (self, application);
  return self;
}

GtkListBox *
culvert_window_get_sidebar_list (CulvertWindow *self)
{
  return self->sidebar_list;
}

CulvertConnectionPage *
culvert_window_get_connection_page (CulvertWindow *self)
{
  return self->connection_page;
}

GtkSearchEntry *
culvert_window_get_search_entry (CulvertWindow *self)
{
  return self->search_entry;
}

GtkWidget *
culvert_window_get_split (CulvertWindow *self)
{
  return self->split;
}

AdwToast *
culvert_window_get_undo_toast (CulvertWindow *self)
{
  return self->undo_toast;
}

const char *
culvert_window_get_problem_text (CulvertWindow *self)
{
  return gtk_revealer_get_reveal_child (self->problem_revealer) ? self->problems->str : NULL;
}

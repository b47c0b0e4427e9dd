/* culvert-adw-compat.c — libadwaita 1.5 and newer: AdwAlertDialog,
 * AdwDialog, AdwPreferencesDialog, AdwNavigationSplitView, GtkFileDialog
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "culvert-adw-compat.h"

const char *
culvert_adw_variant (void)
{
  return "adw-1.5";
}

GType
culvert_alert_get_type (void)
{
  return ADW_TYPE_ALERT_DIALOG;
}

/* An alert is shown over the widget it was made for. */
GtkWidget *
culvert_alert_new (GtkWidget  *parent,
                   const char *heading,
                   const char *body)
{
  GtkWidget *alert = GTK_WIDGET (adw_alert_dialog_new (heading, body));

  if (parent != NULL)
    g_object_set_data_full (G_OBJECT (alert), "culvert-alert-parent", g_object_ref (parent),
                            g_object_unref);
  return alert;
}

void
culvert_alert_set_heading (GtkWidget  *alert,
                           const char *heading)
{
  adw_alert_dialog_set_heading (ADW_ALERT_DIALOG (alert), heading);
}

const char *
culvert_alert_get_heading (GtkWidget *alert)
{
  return adw_alert_dialog_get_heading (ADW_ALERT_DIALOG (alert));
}

void
culvert_alert_set_body (GtkWidget  *alert,
                        const char *body)
{
  adw_alert_dialog_set_body (ADW_ALERT_DIALOG (alert), body);
}

void
culvert_alert_format_body (GtkWidget  *alert,
                           const char *format,
                           ...)
{
  g_autofree char *body = NULL;
  va_list args;

  va_start (args, format);
  body = g_strdup_vprintf (format, args);
  va_end (args);
  culvert_alert_set_body (alert, body);
}

const char *
culvert_alert_get_body (GtkWidget *alert)
{
  return adw_alert_dialog_get_body (ADW_ALERT_DIALOG (alert));
}

void
culvert_alert_add_response (GtkWidget  *alert,
                            const char *id,
                            const char *label)
{
  adw_alert_dialog_add_response (ADW_ALERT_DIALOG (alert), id, label);
}

gboolean
culvert_alert_has_response (GtkWidget  *alert,
                            const char *id)
{
  return adw_alert_dialog_has_response (ADW_ALERT_DIALOG (alert), id);
}

void
culvert_alert_set_response_label (GtkWidget  *alert,
                                  const char *id,
                                  const char *label)
{
  adw_alert_dialog_set_response_label (ADW_ALERT_DIALOG (alert), id, label);
}

const char *
culvert_alert_get_response_label (GtkWidget  *alert,
                                  const char *id)
{
  return adw_alert_dialog_get_response_label (ADW_ALERT_DIALOG (alert), id);
}

void
culvert_alert_set_response_appearance (GtkWidget             *alert,
                                       const char            *id,
                                       AdwResponseAppearance  appearance)
{
  adw_alert_dialog_set_response_appearance (ADW_ALERT_DIALOG (alert), id, appearance);
}

AdwResponseAppearance
culvert_alert_get_response_appearance (GtkWidget  *alert,
                                       const char *id)
{
  return adw_alert_dialog_get_response_appearance (ADW_ALERT_DIALOG (alert), id);
}

void
culvert_alert_set_default_response (GtkWidget  *alert,
                                    const char *id)
{
  adw_alert_dialog_set_default_response (ADW_ALERT_DIALOG (alert), id);
}

const char *
culvert_alert_get_default_response (GtkWidget *alert)
{
  return adw_alert_dialog_get_default_response (ADW_ALERT_DIALOG (alert));
}

void
culvert_alert_set_close_response (GtkWidget  *alert,
                                  const char *id)
{
  adw_alert_dialog_set_close_response (ADW_ALERT_DIALOG (alert), id);
}

void
culvert_alert_set_extra_child (GtkWidget *alert,
                               GtkWidget *child)
{
  adw_alert_dialog_set_extra_child (ADW_ALERT_DIALOG (alert), child);
}

void
culvert_alert_present (GtkWidget *alert)
{
  adw_dialog_present (ADW_DIALOG (alert), g_object_get_data (G_OBJECT (alert),
                                                             "culvert-alert-parent"));
}

/* AdwAlertDialog's response buttons (on screen a frame or more after the
 * dialog, as its sheet opens). */
static GtkWidget *
find_button (GtkWidget  *root,
             const char *label)
{
  if (GTK_IS_BUTTON (root))
    {
      GtkWidget *child = gtk_button_get_child (GTK_BUTTON (root));

      if (g_strcmp0 (gtk_button_get_label (GTK_BUTTON (root)), label) == 0 ||
          (GTK_IS_LABEL (child) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (child)), label) == 0))
        return root;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button (child, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

void
culvert_alert_respond (GtkWidget  *alert,
                       const char *id)
{
  GtkWidget *button = find_button (alert, culvert_alert_get_response_label (alert, id));

  g_return_if_fail (button != NULL);
  g_signal_emit_by_name (button, "clicked");
}

typedef struct
{
  GSourceFunc    func;
  gpointer       data;
  GDestroyNotify destroy;
} AfterClose;

static void
after_close_unmapped (GtkWidget  *alert,
                      AfterClose *after)
{
  g_signal_handlers_disconnect_by_func (alert, after_close_unmapped, after);
  g_idle_add_full (G_PRIORITY_DEFAULT, after->func, after->data, after->destroy);
  g_free (after);
}

void
culvert_alert_after_close (GtkWidget      *alert,
                           GSourceFunc     func,
                           gpointer        data,
                           GDestroyNotify  destroy)
{
  AfterClose *after;

  /* Never on screen (or gone already): nothing to wait for. */
  if (!gtk_widget_get_mapped (alert))
    {
      g_idle_add_full (G_PRIORITY_DEFAULT, func, data, destroy);
      return;
    }
  after = g_new0 (AfterClose, 1);
  after->func = func;
  after->data = data;
  after->destroy = destroy;
  /* "closed" comes once the alert has left its parent, its closing
   * animation done: what runs next may close the parent window, and on
   * GTK 4.18 closing it while the alert was still being unmapped left a
   * screen reader with an accessible without a path (a GLib critical in
   * GTK's AT-SPI code, seen with the atspi test). */
  g_signal_connect (alert, "closed", G_CALLBACK (after_close_unmapped), after);
}

/* An alert blocks the window (or dialog) it is shown in, and only that. */
void
culvert_alert_set_modal (GtkWidget *alert,
                         gboolean   modal)
{
}

void
culvert_dialog_set_focus (GtkWidget *dialog,
                          GtkWidget *focus)
{
  adw_dialog_set_focus (ADW_DIALOG (dialog), focus);
}

void
culvert_dialog_present (GtkWidget *dialog,
                        GtkWidget *parent)
{
  adw_dialog_present (ADW_DIALOG (dialog), parent);
}

void
culvert_dialog_close (GtkWidget *dialog)
{
  adw_dialog_close (ADW_DIALOG (dialog));
}

void
culvert_dialog_destroy (GtkWidget *dialog)
{
  /* One never presented is only a floating object. */
  if (gtk_widget_get_parent (dialog) == NULL)
    {
      g_object_ref_sink (dialog);
      g_object_unref (dialog);
      return;
    }
  /* Gone unanswered, as an AdwMessageDialog destroyed on 1.2: an alert
   * closed by force would still emit its close response. */
  if (ADW_IS_ALERT_DIALOG (dialog))
    g_signal_handlers_block_matched (dialog, G_SIGNAL_MATCH_ID,
                                     g_signal_lookup ("response", ADW_TYPE_ALERT_DIALOG), 0,
                                     NULL, NULL, NULL);
  adw_dialog_force_close (ADW_DIALOG (dialog));
}

GtkWidget *
culvert_dialog_get_window (GtkWidget *dialog)
{
  GtkRoot *root = gtk_widget_get_root (dialog);

  return root != NULL ? GTK_WIDGET (root) : NULL;
}

const char *
culvert_dialog_get_title (GtkWidget *dialog)
{
  const char *title = adw_dialog_get_title (ADW_DIALOG (dialog));

  return title != NULL ? title : "";
}

gboolean
culvert_dialog_is_shown (GtkWidget *dialog)
{
  return gtk_widget_get_root (dialog) != NULL && gtk_widget_get_visible (dialog);
}

void
culvert_preferences_add_toast (GtkWidget *preferences,
                               AdwToast  *toast)
{
  adw_preferences_dialog_add_toast (ADW_PREFERENCES_DIALOG (preferences), toast);
}

GtkWidget *
culvert_about_new (void)
{
  return GTK_WIDGET (adw_about_dialog_new ());
}

GType
culvert_about_get_type (void)
{
  return ADW_TYPE_ABOUT_DIALOG;
}

void
culvert_split_show_content (GtkWidget *split,
                            gboolean   content)
{
  adw_navigation_split_view_set_show_content (ADW_NAVIGATION_SPLIT_VIEW (split), content);
}

gboolean
culvert_split_get_collapsed (GtkWidget *split)
{
  return adw_navigation_split_view_get_collapsed (ADW_NAVIGATION_SPLIT_VIEW (split));
}

typedef struct
{
  CulvertFileChosen callback;
  gpointer          data;
  GDestroyNotify    destroy;
} Chooser;

static void
on_file_chosen (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = gtk_file_dialog_open_finish (GTK_FILE_DIALOG (source), result, &error);
  g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
  Chooser *chooser = user_data;

  chooser->callback (path, chooser->data);
  if (chooser->destroy != NULL)
    chooser->destroy (chooser->data);
  g_free (chooser);
}

void
culvert_choose_file (GtkWidget         *parent,
                     const char        *title,
                     const char        *accept_label,
                     GFile             *initial_folder,
                     GFile             *initial_file,
                     CulvertFileChosen  callback,
                     gpointer           data,
                     GDestroyNotify     destroy)
{
  GtkRoot *root = parent != NULL ? gtk_widget_get_root (parent) : NULL;
  g_autoptr(GtkFileDialog) dialog = gtk_file_dialog_new ();
  Chooser *chooser = g_new0 (Chooser, 1);

  chooser->callback = callback;
  chooser->data = data;
  chooser->destroy = destroy;
  gtk_file_dialog_set_title (dialog, title);
  gtk_file_dialog_set_accept_label (dialog, accept_label);
  gtk_file_dialog_set_modal (dialog, TRUE);
  if (initial_file != NULL)
    gtk_file_dialog_set_initial_file (dialog, initial_file);
  else if (initial_folder != NULL)
    gtk_file_dialog_set_initial_folder (dialog, initial_folder);
  else
    {
      /* In a folder, not on Recent: GTK 4.18's chooser, opened on Recent,
       * completes a typed path against no folder (a critical). */
      g_autoptr(GFile) home = g_file_new_for_path (g_get_home_dir ());

      gtk_file_dialog_set_initial_folder (dialog, home);
    }
  gtk_file_dialog_open (dialog, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, NULL,
                        on_file_chosen, chooser);
}

static void
on_uri_launched (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!gtk_uri_launcher_launch_finish (GTK_URI_LAUNCHER (source), result, &error))
    g_message ("Could not open %s: %s", gtk_uri_launcher_get_uri (GTK_URI_LAUNCHER (source)),
               error->message);
}

void
culvert_show_uri (GtkWidget  *parent,
                  const char *uri)
{
  GtkRoot *root = parent != NULL ? gtk_widget_get_root (parent) : NULL;
  g_autoptr(GtkUriLauncher) launcher = gtk_uri_launcher_new (uri);

  gtk_uri_launcher_launch (launcher, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, NULL,
                           on_uri_launched, NULL);
}

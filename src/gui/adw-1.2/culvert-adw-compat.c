/* culvert-adw-compat.c — libadwaita 1.2: AdwMessageDialog, windows,
 * AdwLeaflet, GtkFileChooserNative
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
  return "adw-1.2";
}

GType
culvert_alert_get_type (void)
{
  return ADW_TYPE_MESSAGE_DIALOG;
}

GtkWidget *
culvert_alert_new (GtkWidget  *parent,
                   const char *heading,
                   const char *body)
{
  GtkRoot *root = parent != NULL ? gtk_widget_get_root (parent) : NULL;

  return adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading, body);
}

void
culvert_alert_set_heading (GtkWidget  *alert,
                           const char *heading)
{
  adw_message_dialog_set_heading (ADW_MESSAGE_DIALOG (alert), heading);
}

const char *
culvert_alert_get_heading (GtkWidget *alert)
{
  return adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (alert));
}

void
culvert_alert_set_body (GtkWidget  *alert,
                        const char *body)
{
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (alert), body);
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
  return adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (alert));
}

void
culvert_alert_add_response (GtkWidget  *alert,
                            const char *id,
                            const char *label)
{
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (alert), id, label);
}

gboolean
culvert_alert_has_response (GtkWidget  *alert,
                            const char *id)
{
  return adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (alert), id);
}

void
culvert_alert_set_response_label (GtkWidget  *alert,
                                  const char *id,
                                  const char *label)
{
  adw_message_dialog_set_response_label (ADW_MESSAGE_DIALOG (alert), id, label);
}

const char *
culvert_alert_get_response_label (GtkWidget  *alert,
                                  const char *id)
{
  return adw_message_dialog_get_response_label (ADW_MESSAGE_DIALOG (alert), id);
}

void
culvert_alert_set_response_appearance (GtkWidget             *alert,
                                       const char            *id,
                                       AdwResponseAppearance  appearance)
{
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (alert), id, appearance);
}

AdwResponseAppearance
culvert_alert_get_response_appearance (GtkWidget  *alert,
                                       const char *id)
{
  return adw_message_dialog_get_response_appearance (ADW_MESSAGE_DIALOG (alert), id);
}

void
culvert_alert_set_default_response (GtkWidget  *alert,
                                    const char *id)
{
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (alert), id);
}

const char *
culvert_alert_get_default_response (GtkWidget *alert)
{
  return adw_message_dialog_get_default_response (ADW_MESSAGE_DIALOG (alert));
}

void
culvert_alert_set_close_response (GtkWidget  *alert,
                                  const char *id)
{
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (alert), id);
}

void
culvert_alert_set_extra_child (GtkWidget *alert,
                               GtkWidget *child)
{
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (alert), child);
}

void
culvert_alert_present (GtkWidget *alert)
{
  gtk_window_present (GTK_WINDOW (alert));
}

static GtkWidget *
find_button (GtkWidget  *root,
             const char *label)
{
  if (GTK_IS_BUTTON (root) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (root)), label) == 0)
    return root;
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

void
culvert_alert_set_modal (GtkWidget *alert,
                         gboolean   modal)
{
  gtk_window_set_modal (GTK_WINDOW (alert), modal);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (alert), TRUE);
}

void
culvert_dialog_set_focus (GtkWidget *dialog,
                          GtkWidget *focus)
{
  gtk_window_set_focus (GTK_WINDOW (dialog), focus);
}

void
culvert_dialog_present (GtkWidget *dialog,
                        GtkWidget *parent)
{
  GtkRoot *root = parent != NULL ? gtk_widget_get_root (parent) : NULL;

  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (root));
  gtk_window_present (GTK_WINDOW (dialog));
}

void
culvert_dialog_close (GtkWidget *dialog)
{
  gtk_window_close (GTK_WINDOW (dialog));
}

/* The window closes as it answers: after the response is soon enough. */
void
culvert_alert_after_close (GtkWidget      *alert,
                           GSourceFunc     func,
                           gpointer        data,
                           GDestroyNotify  destroy)
{
  g_idle_add_full (G_PRIORITY_DEFAULT, func, data, destroy);
}

void
culvert_dialog_destroy (GtkWidget *dialog)
{
  gtk_window_destroy (GTK_WINDOW (dialog));
}

GtkWidget *
culvert_dialog_get_window (GtkWidget *dialog)
{
  return GTK_WIDGET (gtk_window_get_transient_for (GTK_WINDOW (dialog)));
}

const char *
culvert_dialog_get_title (GtkWidget *dialog)
{
  const char *title = gtk_window_get_title (GTK_WINDOW (dialog));

  return title != NULL ? title : "";
}

gboolean
culvert_dialog_is_shown (GtkWidget *dialog)
{
  return gtk_widget_get_visible (dialog);
}

void
culvert_preferences_add_toast (GtkWidget *preferences,
                               AdwToast  *toast)
{
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (preferences), toast);
}

GtkWidget *
culvert_about_new (void)
{
  return adw_about_window_new ();
}

GType
culvert_about_get_type (void)
{
  return ADW_TYPE_ABOUT_WINDOW;
}

void
culvert_split_show_content (GtkWidget *split,
                            gboolean   content)
{
  adw_leaflet_navigate (ADW_LEAFLET (split),
                        content ? ADW_NAVIGATION_DIRECTION_FORWARD : ADW_NAVIGATION_DIRECTION_BACK);
}

gboolean
culvert_split_get_collapsed (GtkWidget *split)
{
  return adw_leaflet_get_folded (ADW_LEAFLET (split));
}

typedef struct
{
  CulvertFileChosen callback;
  gpointer          data;
  GDestroyNotify    destroy;
} Chooser;

static void
on_file_chosen (GtkNativeDialog *native,
                int              response,
                Chooser         *chooser)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
  if (file != NULL)
    path = g_file_get_path (file);
  gtk_native_dialog_destroy (native);
  chooser->callback (path, chooser->data);
  if (chooser->destroy != NULL)
    chooser->destroy (chooser->data);
  g_free (chooser);
  g_object_unref (native);
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
  GtkFileChooserNative *native;
  Chooser *chooser = g_new0 (Chooser, 1);

  chooser->callback = callback;
  chooser->data = data;
  chooser->destroy = destroy;
  native = gtk_file_chooser_native_new (title, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_OPEN, accept_label, NULL);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  if (initial_file != NULL)
    gtk_file_chooser_set_file (GTK_FILE_CHOOSER (native), initial_file, NULL);
  else if (initial_folder != NULL)
    gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (native), initial_folder, NULL);
  g_signal_connect (native, "response", G_CALLBACK (on_file_chosen), chooser);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

void
culvert_show_uri (GtkWidget  *parent,
                  const char *uri)
{
  GtkRoot *root = parent != NULL ? gtk_widget_get_root (parent) : NULL;

  gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME);
}

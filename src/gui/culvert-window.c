/* culvert-window.c — the main window
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "culvert-new-connection-dialog.h"
#include "culvert-window.h"

struct _CulvertWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;

  AdwToastOverlay      *toast_overlay;
  GtkStack             *main_stack;
  AdwStatusPage        *empty_page;
};

G_DEFINE_FINAL_TYPE (CulvertWindow, culvert_window, ADW_TYPE_APPLICATION_WINDOW)

static void
culvert_window_new_connection (GtkWidget  *widget,
                               const char *action_name,
                               GVariant   *parameter)
{
  CulvertWindow *self = CULVERT_WINDOW (widget);
  CulvertNewConnectionDialog *dialog;

  dialog = culvert_new_connection_dialog_new (GTK_WINDOW (self));
  gtk_window_present (GTK_WINDOW (dialog));
}

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

static void
culvert_window_dispose (GObject *object)
{
  CulvertWindow *self = CULVERT_WINDOW (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (culvert_window_parent_class)->dispose (object);
}

static void
culvert_window_class_init (CulvertWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = culvert_window_constructed;
  object_class->dispose = culvert_window_dispose;
  window_class->close_request = culvert_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/culvert-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CulvertWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CulvertWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, CulvertWindow, empty_page);

  gtk_widget_class_install_action (widget_class, "win.new-connection", NULL,
                                   culvert_window_new_connection);
}

static void
culvert_window_init (CulvertWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APPLICATION_ID);

  if (g_strcmp0 (PROFILE, "Devel") == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

CulvertWindow *
culvert_window_new (CulvertApplication *application)
{
  g_return_val_if_fail (CULVERT_IS_APPLICATION (application), NULL);

  return g_object_new (CULVERT_TYPE_WINDOW,
                       "application", application,
                       NULL);
}

/* culvert-preferences-window.c — application preferences, kept in GSettings
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "culvert-gui-util.h"
#include "culvert-preferences-window.h"

struct _CulvertPreferencesWindow
{
  CulvertPreferencesBase parent_instance;

  GSettings            *settings;

  GtkSwitch            *notifications_switch;
  GtkSwitch            *background_switch;
};

G_DEFINE_FINAL_TYPE (CulvertPreferencesWindow, culvert_preferences_window,
                     CULVERT_TYPE_PREFERENCES_BASE)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
culvert_preferences_window_constructed (GObject *object)
{
  CulvertPreferencesWindow *self = CULVERT_PREFERENCES_WINDOW (object);

  G_OBJECT_CLASS (culvert_preferences_window_parent_class)->constructed (object);

  g_settings_bind (self->settings, "notifications",
                   self->notifications_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "run-in-background",
                   self->background_switch, "active", G_SETTINGS_BIND_DEFAULT);
}

static void
culvert_preferences_window_set_property (GObject      *object,
                                         guint         prop_id,
                                         const GValue *value,
                                         GParamSpec   *pspec)
{
  CulvertPreferencesWindow *self = CULVERT_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
culvert_preferences_window_dispose (GObject *object)
{
  CulvertPreferencesWindow *self = CULVERT_PREFERENCES_WINDOW (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (culvert_preferences_window_parent_class)->dispose (object);
}

static void
culvert_preferences_window_class_init (CulvertPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = culvert_preferences_window_constructed;
  object_class->set_property = culvert_preferences_window_set_property;
  object_class->dispose = culvert_preferences_window_dispose;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/culvert-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CulvertPreferencesWindow,
                                        notifications_switch);
  gtk_widget_class_bind_template_child (widget_class, CulvertPreferencesWindow,
                                        background_switch);
}

static void
culvert_preferences_window_init (CulvertPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  culvert_gui_name_search_entry (GTK_WIDGET (self), _("Search Preferences"));
}

CulvertPreferencesWindow *
culvert_preferences_window_new (GSettings *settings)
{
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (CULVERT_TYPE_PREFERENCES_WINDOW,
                       "settings", settings,
                       NULL);
}

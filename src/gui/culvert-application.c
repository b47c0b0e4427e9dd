/* culvert-application.c — the application: actions, accelerators, windows
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "culvert-application.h"
#include "culvert-preferences-window.h"
#include "culvert-window.h"

struct _CulvertApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
};

G_DEFINE_FINAL_TYPE (CulvertApplication, culvert_application, ADW_TYPE_APPLICATION)

static CulvertWindow *
culvert_application_ensure_window (CulvertApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = GTK_WINDOW (culvert_window_new (self));

  return CULVERT_WINDOW (window);
}

static void
culvert_application_activate (GApplication *app)
{
  CulvertApplication *self = CULVERT_APPLICATION (app);

  gtk_window_present (GTK_WINDOW (culvert_application_ensure_window (self)));
}

static void
new_connection_action (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  CulvertApplication *self = user_data;
  CulvertWindow *window = culvert_application_ensure_window (self);

  gtk_window_present (GTK_WINDOW (window));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.new-connection", NULL);
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  CulvertApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  CulvertPreferencesWindow *preferences;

  preferences = culvert_preferences_window_new (self->settings);
  gtk_window_set_transient_for (GTK_WINDOW (preferences), parent);
  gtk_window_present (GTK_WINDOW (preferences));
}

static void
help_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  CulvertApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));

  gtk_show_uri (parent, "help:" PACKAGE_NAME, GDK_CURRENT_TIME);
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  CulvertApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  static const char *developers[] = { "The Culvert developers", NULL };

  adw_show_about_window (parent,
                         "application-name", _("Culvert"),
                         "application-icon", APPLICATION_ID,
                         "developer-name", _("The Culvert developers"),
                         "version", PACKAGE_VERSION,
                         "website", PACKAGE_WEBSITE,
                         "issue-url", PACKAGE_ISSUES,
                         "copyright", "© 2026 The Culvert developers",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "developers", developers,
                         /* Translators: replace with your names, one per line */
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  CulvertApplication *self = user_data;
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

  /* Closing goes through close-request, so each window saves its state. */
  for (GList *l = windows; l != NULL; )
    {
      GtkWindow *window = l->data;

      l = l->next;
      gtk_window_close (window);
    }
}

static const GActionEntry app_actions[] = {
  { "new-connection", new_connection_action },
  { "preferences", preferences_action },
  { "help", help_action },
  { "about", about_action },
  { "quit", quit_action },
};

static void
culvert_application_startup (GApplication *app)
{
  CulvertApplication *self = CULVERT_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *help_accels[] = { "F1", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  static const char *new_connection_accels[] = { "<Control>n", NULL };

  G_APPLICATION_CLASS (culvert_application_parent_class)->startup (app);

  gtk_window_set_default_icon_name (APPLICATION_ID);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.help", help_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.new-connection",
                                         new_connection_accels);
}

static int
culvert_application_handle_local_options (GApplication *app,
                                          GVariantDict *options)
{
  g_autoptr(GError) error = NULL;

  if (!g_variant_dict_contains (options, "new-connection"))
    return -1;

  /* Runs in the first instance or forwards to the one already running. */
  if (!g_application_register (app, NULL, &error))
    {
      g_printerr ("culvert: %s\n", error->message);
      return 1;
    }

  g_action_group_activate_action (G_ACTION_GROUP (app), "new-connection", NULL);
  return g_application_get_is_remote (app) ? 0 : -1;
}

static void
culvert_application_dispose (GObject *object)
{
  CulvertApplication *self = CULVERT_APPLICATION (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (culvert_application_parent_class)->dispose (object);
}

static void
culvert_application_class_init (CulvertApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = culvert_application_dispose;

  app_class->activate = culvert_application_activate;
  app_class->startup = culvert_application_startup;
  app_class->handle_local_options = culvert_application_handle_local_options;
}

static void
culvert_application_init (CulvertApplication *self)
{
  static const GOptionEntry options[] = {
    { "new-connection", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Open the window with the New Connection dialog"), NULL },
    { NULL }
  };

  self->settings = g_settings_new (APPLICATION_ID);
  g_application_add_main_option_entries (G_APPLICATION (self), options);
}

CulvertApplication *
culvert_application_new (void)
{
  return g_object_new (CULVERT_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", RESOURCE_PATH,
                       NULL);
}

GSettings *
culvert_application_get_settings (CulvertApplication *self)
{
  g_return_val_if_fail (CULVERT_IS_APPLICATION (self), NULL);

  return self->settings;
}

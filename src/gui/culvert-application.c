/* culvert-application.c — the application: actions, accelerators, windows
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <signal.h>

#include "culvert-adw-compat.h"
#include "culvert-application.h"
#include "culvert-background.h"
#include "culvert-gui-util.h"
#include "culvert-notifier.h"
#include "culvert-preferences-window.h"
#include "culvert-question-dialog.h"
#include "culvert-window.h"

struct _CulvertApplication
{
  AdwApplication       parent_instance;

  GSettings           *settings;
  CulvertProfileStore *store;
  GHashTable          *tunnels;  /* CulvertProfile → CulvertTunnel */
  CulvertNotifier     *notifier;
  CulvertBackground   *background;
  gboolean             start_hidden;  /* --background: no window at the first activation */

  /* CULVERT_STALL_LOG: how late the main loop runs a 5 ms timer */
  char                *stall_log;
  GArray              *stall_lateness;  /* of gint64, µs */
  gint64               stall_last;
  guint                stall_id;
};

#define STALL_INTERVAL_MS 5

G_DEFINE_FINAL_TYPE (CulvertApplication, culvert_application, ADW_TYPE_APPLICATION)

static gboolean stall_tick (gpointer data);

static void
on_first_paint (GdkFrameClock      *clock,
                CulvertApplication *self)
{
  g_signal_handlers_disconnect_by_func (clock, on_first_paint, self);
  if (self->stall_id == 0)
    {
      self->stall_last = g_get_monotonic_time ();
      self->stall_id = g_timeout_add (STALL_INTERVAL_MS, stall_tick, self);
    }
}

/* Building and first drawing the window happen once, before anyone sees it:
 * the measurement starts with the first frame on screen. */
static void
start_stall_timer_after_paint (GtkWidget          *window,
                               CulvertApplication *self)
{
  g_signal_handlers_disconnect_by_func (window, start_stall_timer_after_paint, self);
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                    G_CALLBACK (on_first_paint), self);
}

static CulvertWindow *
culvert_application_ensure_window (CulvertApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    {
      window = GTK_WINDOW (culvert_window_new (self));
      if (self->stall_lateness != NULL && self->stall_id == 0)
        g_signal_connect_after (window, "map", G_CALLBACK (start_stall_timer_after_paint), self);
    }

  return CULVERT_WINDOW (window);
}

static gboolean
culvert_application_store_has (CulvertApplication *self,
                               CulvertProfile     *profile)
{
  GListModel *model = G_LIST_MODEL (self->store);
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CulvertProfile) item = g_list_model_get_item (model, i);

      if (item == profile)
        return TRUE;
    }

  return FALSE;
}

static void
culvert_application_on_question (CulvertApplication *self,
                                 CulvertQuestion    *question,
                                 CulvertTunnel      *tunnel)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));

  culvert_question_dialog_present (parent, tunnel, question);
}

static void
culvert_application_on_tunnel_exited (CulvertApplication *self,
                                      CulvertTunnel      *tunnel)
{
  CulvertProfile *profile = culvert_tunnel_get_profile (tunnel);

  /* The tunnel of a deleted connection goes once it has stopped. */
  if (!culvert_application_store_has (self, profile))
    g_hash_table_remove (self->tunnels, profile);
}

static void
culvert_application_on_store_problem (CulvertApplication *self,
                                      const GError       *error)
{
  g_message ("%s", error->message);
}

/* Connects every saved connection marked "connect when Culvert starts".
 * Failures show on each connection's page (and in its log). */
void
culvert_application_connect_at_startup (CulvertApplication *self)
{
  GListModel *model = G_LIST_MODEL (self->store);
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CulvertProfile) profile = g_list_model_get_item (model, i);
      g_autoptr(GError) error = NULL;
      CulvertTunnel *tunnel;

      if (!culvert_profile_get_connect_at_startup (profile))
        continue;
      tunnel = culvert_application_get_tunnel (self, profile);
      if (!culvert_tunnel_is_running (tunnel) && !culvert_tunnel_connect (tunnel, &error))
        g_message ("%s: %s", culvert_profile_get_display_name (profile), error->message);
    }
}

/* The timer is due STALL_INTERVAL_MS after it last ran; whatever more it
 * waited is time the main loop spent elsewhere. */
static gboolean
stall_tick (gpointer data)
{
  CulvertApplication *self = data;
  gint64 now = g_get_monotonic_time ();
  gint64 late = now - self->stall_last - STALL_INTERVAL_MS * 1000;

  g_array_append_val (self->stall_lateness, late);
  self->stall_last = now;
  return G_SOURCE_CONTINUE;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
write_stall_log (CulvertApplication *self)
{
  GArray *values = self->stall_lateness;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  double p99 = 0, max = 0;

  if (values->len > 0)
    {
      g_array_sort (values, compare_gint64);
      p99 = MAX (0, g_array_index (values, gint64, (values->len * 99 - 1) / 100)) / 1000.0;
      max = MAX (0, g_array_index (values, gint64, values->len - 1)) / 1000.0;
    }
  text = g_strdup_printf ("count %u\np99 %.2f\nmax %.2f\n", values->len, p99, max);
  if (!g_file_set_contents (self->stall_log, text, -1, &error))
    g_printerr ("culvert: %s\n", error->message);
}

static void
culvert_application_shutdown (GApplication *app)
{
  CulvertApplication *self = CULVERT_APPLICATION (app);

  if (self->stall_log != NULL)
    {
      g_clear_handle_id (&self->stall_id, g_source_remove);
      write_stall_log (self);
    }

  G_APPLICATION_CLASS (culvert_application_parent_class)->shutdown (app);
}

static void
culvert_application_activate (GApplication *app)
{
  CulvertApplication *self = CULVERT_APPLICATION (app);

  if (self->start_hidden)
    {
      self->start_hidden = FALSE;
      return;
    }
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
connect_action (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  CulvertApplication *self = user_data;
  const char *name_or_id = g_variant_get_string (parameter, NULL);
  CulvertWindow *window = culvert_application_ensure_window (self);
  CulvertProfile *profile = culvert_profile_store_find (self->store, name_or_id);

  gtk_window_present (GTK_WINDOW (window));
  if (profile == NULL)
    {
      AdwToast *toast = adw_toast_new_format (_("No saved connection is called “%s”"), name_or_id);

      adw_toast_set_timeout (toast, 0);
      culvert_window_add_toast (window, toast);
      return;
    }

  culvert_window_select_profile (window, profile);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.connect", "s",
                              culvert_profile_get_id (profile));
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
  culvert_dialog_present (GTK_WIDGET (preferences), parent != NULL ? GTK_WIDGET (parent) : NULL);
}

static void
help_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  CulvertApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));

  culvert_show_uri (parent != NULL ? GTK_WIDGET (parent) : NULL, "help:" PACKAGE_NAME);
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  CulvertApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  static const char *developers[] = { "The Culvert developers", NULL };
  GtkWidget *about = culvert_about_new ();

  g_object_set (about,
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
  culvert_dialog_present (about, parent != NULL ? GTK_WIDGET (parent) : NULL);
}

/* Every tunnel stops, and Culvert exits once they have. */
static void
culvert_application_quit_now (CulvertApplication *self)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

  if (self->background != NULL)
    culvert_background_quit (self->background);
  /* Closing goes through close-request, so each window saves its state. */
  for (GList *l = windows; l != NULL; )
    {
      GtkWindow *window = l->data;

      l = l->next;
      gtk_window_close (window);
    }
}

static guint
culvert_application_count_running (CulvertApplication *self)
{
  GHashTableIter iter;
  gpointer tunnel;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->tunnels);
  while (g_hash_table_iter_next (&iter, NULL, &tunnel))
    if (culvert_tunnel_is_running (tunnel))
      n++;

  return n;
}

static void
on_quit_response (GtkWidget          *alert,
                  const char         *response,
                  CulvertApplication *self)
{
  if (g_strcmp0 (response, "quit") == 0)
    culvert_application_quit_now (self);
}

static gboolean
on_quit_signal (gpointer data)
{
  culvert_application_quit_now (data);
  return G_SOURCE_CONTINUE;
}

/* Ctrl+Q or Quit in the menu: live tunnels stop only when the user says
 * so. With no window open (a notification's Quit), nobody is asked. */
static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  CulvertApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  guint n = culvert_application_count_running (self);
  g_autofree char *heading = NULL;
  GtkWidget *alert;

  if (n == 0 || parent == NULL || !gtk_widget_get_visible (GTK_WIDGET (parent)))
    {
      culvert_application_quit_now (self);
      return;
    }

  heading = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Stop %u connection and quit?",
                                          "Stop %u connections and quit?", n), n);
  alert = culvert_alert_new (GTK_WIDGET (parent), heading, NULL);
  culvert_alert_add_response (alert, "cancel", _("_Cancel"));
  culvert_alert_add_response (alert, "quit", _("_Quit"));
  culvert_alert_set_response_appearance (alert, "quit", ADW_RESPONSE_DESTRUCTIVE);
  culvert_alert_set_default_response (alert, "cancel");
  culvert_alert_set_close_response (alert, "cancel");
  g_signal_connect_object (alert, "response", G_CALLBACK (on_quit_response), self, 0);
  culvert_alert_present (alert);
}

static const GActionEntry app_actions[] = {
  { "new-connection", new_connection_action },
  { "connect", connect_action, "s" },
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

  g_autoptr(GError) error = NULL;

  G_APPLICATION_CLASS (culvert_application_parent_class)->startup (app);
  culvert_gui_name_buttons_after_labels ();

  /* A directory that cannot be read leaves the list empty; the window says so. */
  if (!culvert_profile_store_load (self->store, &error))
    g_message ("%s", error->message);
  self->notifier = culvert_notifier_new (self);
  self->background = culvert_background_new (self);
  culvert_application_connect_at_startup (self);

  /* SIGINT and SIGTERM close the windows as Ctrl+Q does (without asking), so
   * everything that happens at exit (saved sizes, the stall log) still happens. */
  g_unix_signal_add (SIGINT, on_quit_signal, self);
  g_unix_signal_add (SIGTERM, on_quit_signal, self);

  self->stall_log = g_strdup (g_getenv ("CULVERT_STALL_LOG"));
  if (self->stall_log != NULL && *self->stall_log != '\0')
    {
      self->stall_lateness = g_array_new (FALSE, FALSE, sizeof (gint64));
    }
  else
    g_clear_pointer (&self->stall_log, g_free);

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
  const char *connect_name = NULL;

  g_variant_dict_lookup (options, "connect", "&s", &connect_name);
  if (g_variant_dict_contains (options, "background"))
    {
      /* At login: the connections start (at startup), the window does not. */
      if (!g_application_register (app, NULL, &error))
        {
          g_printerr ("culvert: %s\n", error->message);
          return 1;
        }
      if (g_application_get_is_remote (app))
        return 0;
      CULVERT_APPLICATION (app)->start_hidden = TRUE;
      return -1;
    }
  if (!g_variant_dict_contains (options, "new-connection") && connect_name == NULL)
    return -1;

  /* Runs in the first instance or forwards to the one already running. */
  if (!g_application_register (app, NULL, &error))
    {
      g_printerr ("culvert: %s\n", error->message);
      return 1;
    }

  if (connect_name != NULL)
    g_action_group_activate_action (G_ACTION_GROUP (app), "connect",
                                    g_variant_new_string (connect_name));
  else
    g_action_group_activate_action (G_ACTION_GROUP (app), "new-connection", NULL);
  return g_application_get_is_remote (app) ? 0 : -1;
}

static void
culvert_application_dispose (GObject *object)
{
  CulvertApplication *self = CULVERT_APPLICATION (object);

  if (self->tunnels != NULL)
    {
      GHashTableIter iter;
      gpointer tunnel;

      g_hash_table_iter_init (&iter, self->tunnels);
      while (g_hash_table_iter_next (&iter, NULL, &tunnel))
        {
          g_signal_handlers_disconnect_by_data (tunnel, self);
          culvert_tunnel_disconnect (tunnel);
        }
    }
  g_clear_pointer (&self->tunnels, g_hash_table_unref);
  g_clear_object (&self->notifier);
  g_clear_object (&self->background);
  g_clear_handle_id (&self->stall_id, g_source_remove);
  g_clear_pointer (&self->stall_lateness, g_array_unref);
  g_clear_pointer (&self->stall_log, g_free);
  g_clear_object (&self->store);
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
  app_class->shutdown = culvert_application_shutdown;
  app_class->handle_local_options = culvert_application_handle_local_options;
}

static void
culvert_application_init (CulvertApplication *self)
{
  static const GOptionEntry options[] = {
    { "new-connection", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Open the window with the New Connection dialog"), NULL },
    { "connect", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("Open the window and connect a saved connection"), N_("NAME-OR-ID") },
    { "background", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Start the connections marked to connect at startup, without the window"), NULL },
    { NULL }
  };

  self->settings = g_settings_new (APPLICATION_ID);
  self->store = culvert_profile_store_new (NULL);
  self->tunnels = g_hash_table_new_full (NULL, NULL, g_object_unref, g_object_unref);
  g_signal_connect_object (self->store, "problem",
                           G_CALLBACK (culvert_application_on_store_problem), self,
                           G_CONNECT_SWAPPED);
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

CulvertProfileStore *
culvert_application_get_profile_store (CulvertApplication *self)
{
  g_return_val_if_fail (CULVERT_IS_APPLICATION (self), NULL);

  return self->store;
}

/* Returns: (transfer none): the one tunnel of @profile, made on first use;
 * it lives as long as the application, or until @profile is deleted and the
 * tunnel has stopped. */
CulvertTunnel *
culvert_application_get_tunnel (CulvertApplication *self,
                                CulvertProfile     *profile)
{
  CulvertTunnel *tunnel;

  g_return_val_if_fail (CULVERT_IS_APPLICATION (self), NULL);
  g_return_val_if_fail (CULVERT_IS_PROFILE (profile), NULL);

  tunnel = g_hash_table_lookup (self->tunnels, profile);
  if (tunnel == NULL)
    {
      tunnel = culvert_tunnel_new (profile);
      culvert_gui_tunnel_track (tunnel);
      g_hash_table_insert (self->tunnels, g_object_ref (profile), tunnel);
      g_signal_connect_object (tunnel, "question",
                               G_CALLBACK (culvert_application_on_question), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (tunnel, "exited",
                               G_CALLBACK (culvert_application_on_tunnel_exited), self,
                               G_CONNECT_SWAPPED);
      if (self->notifier != NULL)
        culvert_notifier_watch (self->notifier, tunnel);
      if (self->background != NULL)
        culvert_background_watch (self->background, tunnel);
    }

  return tunnel;
}

/* Returns: (transfer none) (nullable): the tunnel of @profile if it has one */
CulvertTunnel *
culvert_application_lookup_tunnel (CulvertApplication *self,
                                   CulvertProfile     *profile)
{
  g_return_val_if_fail (CULVERT_IS_APPLICATION (self), NULL);

  return g_hash_table_lookup (self->tunnels, profile);
}

/* Forgets the tunnel of a deleted profile: stops it if it runs. */
void
culvert_application_forget_tunnel (CulvertApplication *self,
                                   CulvertProfile     *profile)
{
  CulvertTunnel *tunnel;

  g_return_if_fail (CULVERT_IS_APPLICATION (self));

  tunnel = g_hash_table_lookup (self->tunnels, profile);
  if (tunnel == NULL)
    return;
  if (culvert_tunnel_is_running (tunnel))
    culvert_tunnel_disconnect (tunnel);  /* removed in the "exited" handler */
  else
    g_hash_table_remove (self->tunnels, profile);
}

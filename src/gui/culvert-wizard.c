/* culvert-wizard.c — "New Connection…": a first tunnel without a manual
 *
 * Six pages with Back and Next: what the tunnel is for, the server, how to
 * log in, the forward, the network in between (optional) and a summary.
 * Escape or Cancel closes it, asking first once the user entered something;
 * Enter goes on when the page is valid. The pages' fields
 * live in culvert-wizard-pages.c; this file is the shell: moving between
 * pages, the off-host warning on the way out of the forward page, and
 * Finish, which saves the profile, remembers a password in the keyring
 * when asked (never in the profile file) and connects.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "culvert-gui-util.h"
#include "culvert-offhost-warning.h"
#include "culvert-secrets.h"
#include "culvert-window.h"
#include "culvert-wizard-private.h"

G_DEFINE_FINAL_TYPE (CulvertWizard, culvert_wizard, ADW_TYPE_WINDOW)

static const char * const pages[] = {
  "scenario", "server", "auth", "forward", "network", "summary",
};

static int
page_index (CulvertWizard *self)
{
  const char *name = gtk_stack_get_visible_child_name (self->stack);

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    if (g_strcmp0 (name, pages[i]) == 0)
      return i;
  return 0;
}

const char *
culvert_wizard_get_page (CulvertWizard *self)
{
  g_return_val_if_fail (CULVERT_IS_WIZARD (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

/* Back, Next or Finish, and whether Next may be pressed. */
static void
culvert_wizard_update_buttons (CulvertWizard *self)
{
  int i = page_index (self);
  gboolean last = i == (int) G_N_ELEMENTS (pages) - 1;
  GtkStackPage *page = gtk_stack_get_page (self->stack,
                                           gtk_stack_get_visible_child (self->stack));
  g_autofree char *step = g_strdup_printf (_("Step %d of %d: %s"), i + 1,
                                           (int) G_N_ELEMENTS (pages),
                                           gtk_stack_page_get_title (page));

  adw_window_title_set_subtitle (self->window_title, step);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.back", i > 0 && !self->finishing);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.next",
                                 !self->finishing && culvert_wizard_page_is_valid (self, pages[i]));
  gtk_button_set_label (self->next_button, last ? _("_Finish") : _("_Next"));
}

static void
on_fields_changed (CulvertWizard *self)
{
  culvert_wizard_update_buttons (self);
}

/* A change the user made (not one the wizard made for them). */
static void
on_field_edited (CulvertWizard *self)
{
  if (!self->filling)
    self->edited = TRUE;
}

/* The scenario chosen: the first page starts there, so that the arrow keys
 * choose another and Enter goes on (from Cancel, Enter would close). */
static GtkWidget *
chosen_scenario (CulvertWizard *self)
{
  switch (culvert_wizard_get_kind (self))
    {
    case CULVERT_FORWARD_REMOTE:
      return GTK_WIDGET (self->scenario_incoming);
    case CULVERT_FORWARD_DYNAMIC:
      return GTK_WIDGET (self->scenario_dynamic);
    case CULVERT_FORWARD_LOCAL:
    default:
      return GTK_WIDGET (self->scenario_outgoing);
    }
}

/* A choice between options: a check button, or the row that holds one. */
static gboolean
is_choice (GtkWidget *widget)
{
  if (ADW_IS_ACTION_ROW (widget))
    widget = adw_action_row_get_activatable_widget (ADW_ACTION_ROW (widget));

  return widget != NULL && GTK_IS_CHECK_BUTTON (widget);
}

/* Enter goes on from a choice (a scenario, a login method) as from a field:
 * a check button or its row would take Enter for itself, only to choose
 * again what is chosen. On a button, Enter presses that button; on a
 * switch, it switches. */
static gboolean
on_key_pressed (CulvertWizard   *self,
                guint            keyval,
                guint            keycode,
                GdkModifierType  state)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  if ((keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter && keyval != GDK_KEY_ISO_Enter) ||
      (state & gtk_accelerator_get_default_mod_mask ()) != 0 ||
      focus == NULL || !is_choice (focus))
    return GDK_EVENT_PROPAGATE;

  gtk_widget_activate_action (GTK_WIDGET (self), "wizard.next", NULL);
  return GDK_EVENT_STOP;
}

static void
culvert_wizard_show_page (CulvertWizard *self,
                          int            i)
{
  if (g_strcmp0 (pages[i], "summary") == 0)
    culvert_wizard_fill_summary (self);
  gtk_stack_set_visible_child_name (self->stack, pages[i]);
  culvert_wizard_update_buttons (self);

  /* Ready to type into the page's first field. */
  if (g_strcmp0 (pages[i], "scenario") == 0)
    gtk_widget_grab_focus (chosen_scenario (self));
  else if (g_strcmp0 (pages[i], "server") == 0)
    gtk_widget_grab_focus (GTK_WIDGET (self->host_row));
  else if (g_strcmp0 (pages[i], "forward") == 0)
    gtk_widget_grab_focus (GTK_WIDGET (self->listen_port_row));
  else if (g_strcmp0 (pages[i], "summary") == 0)
    gtk_widget_grab_focus (GTK_WIDGET (self->next_button));
}

static void
culvert_wizard_back (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  CulvertWizard *self = CULVERT_WIZARD (widget);
  int i = page_index (self);

  if (i > 0)
    culvert_wizard_show_page (self, i - 1);
}

/* ---------------------------------------------------------------------- */
/* Finish                                                                  */

typedef struct
{
  char *profile_id;
  char *user;
  char *host;
  char *label;
  char *password;      /* the login's, or NULL */
  char *proxy_user;
  char *proxy_host;
  char *proxy_label;
  char *proxy_password; /* typed into the proxy URL, or NULL */
} RememberData;

static void
remember_data_free (gpointer data)
{
  RememberData *remember = data;

  g_free (remember->profile_id);
  g_free (remember->user);
  g_free (remember->host);
  g_free (remember->label);
  culvert_secrets_free (remember->password);
  g_free (remember->proxy_user);
  g_free (remember->proxy_host);
  g_free (remember->proxy_label);
  culvert_secrets_free (remember->proxy_password);
  g_free (remember);
}

static void
remember_thread (GTask        *task,
                 gpointer      source,
                 gpointer      data,
                 GCancellable *cancellable)
{
  RememberData *remember = data;
  GError *error = NULL;

  if (remember->password != NULL &&
      !culvert_secrets_store_sync (CULVERT_SECRET_PASSWORD, remember->profile_id, remember->user,
                                   remember->host, remember->label, remember->password,
                                   cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (remember->proxy_password != NULL &&
      !culvert_secrets_store_sync (CULVERT_SECRET_PROXY_PASSWORD, remember->profile_id,
                                   remember->proxy_user, remember->proxy_host,
                                   remember->proxy_label, remember->proxy_password,
                                   cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

/* Hands the new connection to the window: selected, and connected when asked. */
static void
culvert_wizard_done (CulvertWizard  *self,
                     CulvertProfile *profile,
                     const GError   *remember_error)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));

  if (CULVERT_IS_WINDOW (parent))
    {
      culvert_window_select_profile (CULVERT_WINDOW (parent), profile);
      if (remember_error != NULL)
        {
          g_autofree char *text = g_strdup_printf (_("The password could not be remembered: %s"),
                                                   remember_error->message);

          culvert_window_add_toast (CULVERT_WINDOW (parent), adw_toast_new (text));
        }
      if (gtk_switch_get_active (self->connect_switch))
        gtk_widget_activate_action (GTK_WIDGET (parent), "win.connect", "s",
                                    culvert_profile_get_id (profile));
    }
  else if (gtk_switch_get_active (self->connect_switch))
    {
      g_autoptr(GError) error = NULL;
      CulvertTunnel *tunnel = culvert_application_get_tunnel (self->app, profile);

      if (!culvert_tunnel_connect (tunnel, &error))
        g_warning ("%s", error->message);
    }

  gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_remembered (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  g_autoptr(CulvertWizard) self = CULVERT_WIZARD (source);
  g_autoptr(CulvertProfile) profile = data;
  g_autoptr(GError) error = NULL;

  g_task_propagate_boolean (G_TASK (result), &error);
  culvert_wizard_done (self, profile, error);
}

static void
culvert_wizard_finish (CulvertWizard *self)
{
  g_autoptr(CulvertProfile) profile = culvert_wizard_build_profile (self, TRUE);
  g_autoptr(GError) error = NULL;
  CulvertProfileStore *store = culvert_application_get_profile_store (self->app);
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  g_autoptr(GTask) task = NULL;
  g_autofree char *proxy_user = NULL;
  g_autofree char *proxy_host = NULL;
  char *proxy_password = NULL;
  gboolean remember_login;
  RememberData *remember;

  culvert_wizard_stop_test (self);
  if (!culvert_profile_store_save_profile (store, profile, &error))
    {
      gtk_label_set_label (self->summary_error, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->summary_error), TRUE);
      return;
    }

  remember_login = gtk_check_button_get_active (self->auth_password) && *password != '\0' &&
                   gtk_switch_get_active (self->remember_switch);
  /* A password typed into the proxy URL goes where the connection editor
   * puts it: the keyring, under the proxy's user and host. */
  if (culvert_profile_get_proxy_mode (profile) == CULVERT_PROXY_CUSTOM)
    {
      g_autofree char *url = g_strstrip (g_strdup (gtk_editable_get_text (
                                                     GTK_EDITABLE (self->proxy_url_row))));
      g_autofree char *kept = culvert_wizard_split_proxy_url (url, &proxy_password);
      g_autoptr(GUri) uri = g_uri_parse (kept, G_URI_FLAGS_NONE, NULL);

      if (proxy_password != NULL && uri != NULL && g_uri_get_user (uri) != NULL &&
          *g_uri_get_user (uri) != '\0' && g_uri_get_host (uri) != NULL)
        {
          proxy_user = g_strdup (g_uri_get_user (uri));
          proxy_host = g_strdup (g_uri_get_host (uri));
        }
      else
        culvert_secrets_free (g_steal_pointer (&proxy_password));
    }

  if (!remember_login && proxy_password == NULL)
    {
      culvert_wizard_done (self, profile, NULL);
      return;
    }

  /* The keyring may take a moment (or ask to be unlocked): off the main
   * thread, with the wizard waiting and its buttons off. */
  self->finishing = TRUE;
  culvert_wizard_update_buttons (self);
  remember = g_new0 (RememberData, 1);
  remember->profile_id = g_strdup (culvert_profile_get_id (profile));
  remember->user = g_strdup (culvert_profile_get_user (profile) != NULL
                             ? culvert_profile_get_user (profile) : g_get_user_name ());
  remember->host = g_strdup (culvert_profile_get_host (profile));
  /* Translators: the label of a password in the keyring */
  remember->label = g_strdup_printf (_("Culvert password for %s@%s"), remember->user,
                                     remember->host);
  if (remember_login)
    remember->password = g_strdup (password);
  if (proxy_password != NULL)
    {
      remember->proxy_user = g_steal_pointer (&proxy_user);
      remember->proxy_host = g_steal_pointer (&proxy_host);
      remember->proxy_label = g_strdup_printf (_("Culvert proxy password for %s@%s"),
                                               remember->proxy_user, remember->proxy_host);
      remember->proxy_password = g_steal_pointer (&proxy_password);
    }
  task = g_task_new (g_object_ref (self), NULL, on_remembered, g_object_ref (profile));
  g_task_set_source_tag (task, culvert_wizard_finish);
  g_task_set_task_data (task, remember, remember_data_free);
  g_task_run_in_thread (task, remember_thread);
}

/* ---------------------------------------------------------------------- */
/* Next                                                                    */

static void
on_offhost_response (GtkWidget     *dialog,
                     const char    *response,
                     CulvertWizard *self)
{
  if (g_strcmp0 (response, CULVERT_OFFHOST_RESPONSE_ALLOW) == 0)
    {
      /* For this forward only: another kind, address or port asks again. */
      g_free (self->offhost_consent);
      self->offhost_consent = self->candidate != NULL
                              ? culvert_offhost_warning_consent_key (self->candidate, FALSE)
                              : NULL;
    }
  else
    {
      /* "Keep Local Only": the listening side goes back to loopback, and
       * the page stays, so that the user sees the switch go off (and its
       * row say what that means) before going on. */
      gtk_switch_set_active (self->other_hosts_switch, FALSE);
      return;
    }

  if (culvert_wizard_page_is_valid (self, "forward"))
    culvert_wizard_show_page (self, page_index (self) + 1);
}

static void
culvert_wizard_next (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  CulvertWizard *self = CULVERT_WIZARD (widget);
  int i = page_index (self);

  if (self->finishing || !culvert_wizard_page_is_valid (self, pages[i]))
    return;

  if (g_strcmp0 (pages[i], "server") == 0)
    {
      culvert_wizard_commit_server (self);
      if (!culvert_wizard_page_is_valid (self, pages[i]))
        return;
    }

  if (g_strcmp0 (pages[i], "forward") == 0 && self->candidate != NULL)
    {
      g_autofree char *key = culvert_offhost_warning_consent_key (self->candidate, FALSE);
      g_autofree char *server = g_strstrip (g_strdup (gtk_editable_get_text (
                                                        GTK_EDITABLE (self->host_row))));
      GtkWidget *warning = NULL;

      if (g_strcmp0 (key, self->offhost_consent) != 0)
        warning = culvert_offhost_warning_new (GTK_WIDGET (self), self->candidate, FALSE, server);

      if (warning != NULL)
        {
          g_signal_connect_object (warning, "response", G_CALLBACK (on_offhost_response),
                                   self, 0);
          culvert_alert_present (warning);
          return;
        }
    }

  if (i == (int) G_N_ELEMENTS (pages) - 1)
    culvert_wizard_finish (self);
  else
    culvert_wizard_show_page (self, i + 1);
}

/* A pasted command named everything: every page after this one is
 * checked as Next would check it (a page that is not complete is shown,
 * and the off-host question is asked on the forward page as ever); then
 * the wizard finishes. */
static void
culvert_wizard_finish_now (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  CulvertWizard *self = CULVERT_WIZARD (widget);

  if (self->finishing)
    return;
  culvert_wizard_commit_server (self);
  for (guint i = page_index (self); i < G_N_ELEMENTS (pages); i++)
    {
      if (!culvert_wizard_page_is_valid (self, pages[i]))
        {
          culvert_wizard_show_page (self, i);
          return;
        }
      if (g_strcmp0 (pages[i], "forward") == 0 && self->candidate != NULL)
        {
          g_autofree char *key = culvert_offhost_warning_consent_key (self->candidate, FALSE);

          if (culvert_forward_is_off_host_full (self->candidate, FALSE) &&
              g_strcmp0 (key, self->offhost_consent) != 0)
            {
              culvert_wizard_show_page (self, i);
              return;
            }
        }
    }
  culvert_wizard_finish (self);
}

static void
on_entry_activated (CulvertWizard *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "wizard.next", NULL);
}

/* ---------------------------------------------------------------------- */

static void
watch_fields (CulvertWizard *self,
              GtkWidget     *root)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      const char *signal = NULL;

      if (ADW_IS_ENTRY_ROW (child))
        {
          culvert_gui_label_entry_row (child);
          g_signal_connect_object (child, "changed", G_CALLBACK (on_fields_changed), self,
                                   G_CONNECT_SWAPPED | G_CONNECT_AFTER);
          g_signal_connect_object (child, "changed", G_CALLBACK (on_field_edited), self,
                                   G_CONNECT_SWAPPED);
          g_signal_connect_object (child, "entry-activated", G_CALLBACK (on_entry_activated),
                                   self, G_CONNECT_SWAPPED);
          continue;
        }
      if (GTK_IS_CHECK_BUTTON (child) || GTK_IS_SWITCH (child))
        signal = "notify::active";
      else if (ADW_IS_COMBO_ROW (child))
        signal = "notify::selected";
      if (signal != NULL)
        {
          g_signal_connect_object (child, signal, G_CALLBACK (on_fields_changed), self,
                                   G_CONNECT_SWAPPED | G_CONNECT_AFTER);
          g_signal_connect_object (child, signal, G_CALLBACK (on_field_edited), self,
                                   G_CONNECT_SWAPPED);
        }
      watch_fields (self, child);
    }
}

/* libadwaita 1.2's password row has a show-text button with only a tooltip:
 * its tooltip is its name. */
static void
label_icon_buttons (GtkWidget *root)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_BUTTON (child) && gtk_button_get_label (GTK_BUTTON (child)) == NULL &&
          gtk_widget_get_tooltip_text (child) != NULL)
        culvert_gui_set_accessible_label (child, gtk_widget_get_tooltip_text (child));
      label_icon_buttons (child);
    }
}

static gboolean
close_discarded (gpointer data)
{
  gtk_window_close (GTK_WINDOW (data));
  return G_SOURCE_REMOVE;
}

static void
on_discard_response (GtkWidget     *alert,
                     const char    *response,
                     CulvertWizard *self)
{
  g_clear_weak_pointer (&self->discard_alert);
  if (g_strcmp0 (response, "discard") != 0)
    return;
  /* Once the alert is done with its response: closing the wizard takes
   * the alert with it. */
  self->discarding = TRUE;
  g_idle_add_full (G_PRIORITY_DEFAULT, close_discarded, g_object_ref (self), g_object_unref);
}

/* Cancel, Escape or the window closed: what was entered goes only when the
 * user says so. */
static void
culvert_wizard_ask_discard (CulvertWizard *self)
{
  GtkWidget *alert;

  if (self->discard_alert != NULL)
    return;
  alert = culvert_alert_new (GTK_WIDGET (self), _("Discard this connection?"), NULL);
  culvert_alert_add_response (alert, "keep", _("_Keep Editing"));
  culvert_alert_add_response (alert, "discard", _("_Discard"));
  culvert_alert_set_response_appearance (alert, "discard", ADW_RESPONSE_DESTRUCTIVE);
  culvert_alert_set_default_response (alert, "keep");
  culvert_alert_set_close_response (alert, "keep");
  g_signal_connect_object (alert, "response", G_CALLBACK (on_discard_response), self, 0);
  g_set_weak_pointer (&self->discard_alert, alert);
  culvert_alert_present (alert);
}

static gboolean
culvert_wizard_close_request (GtkWindow *window)
{
  CulvertWizard *self = CULVERT_WIZARD (window);

  /* The profile is saved and its password on its way to the keyring:
   * the wizard closes itself once that is done. */
  if (self->finishing)
    return TRUE;
  if (self->edited && !self->discarding)
    {
      culvert_wizard_ask_discard (self);
      return TRUE;
    }

  culvert_wizard_stop_test (self);

  return GTK_WINDOW_CLASS (culvert_wizard_parent_class)->close_request (window);
}

static void
culvert_wizard_dispose (GObject *object)
{
  CulvertWizard *self = CULVERT_WIZARD (object);

  culvert_wizard_stop_test (self);
  g_clear_weak_pointer (&self->discard_alert);
  g_clear_object (&self->candidate);
  g_clear_object (&self->app);
  g_clear_pointer (&self->key_path, g_free);
  g_clear_pointer (&self->offhost_consent, g_free);
  if (self->host_focus != NULL)
    gtk_widget_remove_controller (GTK_WIDGET (self->host_row), g_steal_pointer (&self->host_focus));
  gtk_widget_dispose_template (GTK_WIDGET (self), CULVERT_TYPE_WIZARD);

  G_OBJECT_CLASS (culvert_wizard_parent_class)->dispose (object);
}

#define BIND(name) gtk_widget_class_bind_template_child (widget_class, CulvertWizard, name)

/* On screen, the wizard starts on the chosen scenario (set before, the
 * focus would make GTK 4.8 describe the window before it is one). */
static void
culvert_wizard_map (GtkWidget *widget)
{
  CulvertWizard *self = CULVERT_WIZARD (widget);

  GTK_WIDGET_CLASS (culvert_wizard_parent_class)->map (widget);
  if (page_index (self) == 0)
    gtk_widget_grab_focus (chosen_scenario (self));
}

static void
culvert_wizard_class_init (CulvertWizardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = culvert_wizard_dispose;
  window_class->close_request = culvert_wizard_close_request;
  widget_class->map = culvert_wizard_map;

  g_type_ensure (CULVERT_TYPE_TUNNEL_DIAGRAM);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/culvert-wizard.ui");
  BIND (window_title);
  BIND (back_button);
  BIND (next_button);
  BIND (stack);
  BIND (scenario_outgoing);
  BIND (scenario_incoming);
  BIND (scenario_dynamic);
  BIND (host_row);
  BIND (port_row);
  BIND (user_row);
  BIND (server_error);
  BIND (finish_now_button);
  BIND (test_button);
  BIND (test_spinner);
  BIND (test_icon);
  BIND (test_result);
  BIND (auth_automatic);
  BIND (auth_key);
  BIND (auth_password);
  BIND (auth_kbdint);
  BIND (key_button);
  BIND (password_group);
  BIND (password_row);
  BIND (remember_switch);
  BIND (auth_error);
  BIND (forward_diagram);
  BIND (forward_hint);
  BIND (listen_port_row);
  BIND (other_hosts_switch);
  BIND (bind_row);
  BIND (listen_error);
  BIND (destination_group);
  BIND (destination_host_row);
  BIND (destination_port_row);
  BIND (destination_error);
  BIND (network_expander);
  BIND (proxy_mode_row);
  BIND (proxy_url_row);
  BIND (proxy_bypass_row);
  BIND (jump_hosts_row);
  BIND (network_error);
  BIND (name_row);
  BIND (command_label);
  BIND (offhost_group);
  BIND (connect_switch);
  BIND (summary_error);

  gtk_widget_class_install_action (widget_class, "wizard.back", NULL, culvert_wizard_back);
  gtk_widget_class_install_action (widget_class, "wizard.next", NULL, culvert_wizard_next);
  gtk_widget_class_install_action (widget_class, "wizard.finish-now", NULL,
                                   culvert_wizard_finish_now);
  gtk_widget_class_install_action (widget_class, "wizard.test", NULL, culvert_wizard_test_action);
  gtk_widget_class_install_action (widget_class, "wizard.choose-key", NULL,
                                   culvert_wizard_choose_key_action);
  gtk_widget_class_install_action (widget_class, "wizard.copy-command", NULL,
                                   culvert_wizard_copy_command_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, 0, "wizard.next", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, 0, "wizard.next", NULL);
}

static void
culvert_wizard_init (CulvertWizard *self)
{
  GtkEventController *keys;

  gtk_widget_init_template (GTK_WIDGET (self));
  culvert_gui_label_keep_tokens (self->command_label, NULL);
  culvert_gui_label_keep_tokens (self->test_result, NULL);

  gtk_check_button_set_active (self->scenario_outgoing, TRUE);
  gtk_check_button_set_active (self->auth_automatic, TRUE);
  gtk_editable_set_text (GTK_EDITABLE (self->port_row), "22");
  gtk_editable_set_text (GTK_EDITABLE (self->user_row), g_get_user_name ());
  culvert_wizard_setup_pages (self);
  watch_fields (self, GTK_WIDGET (self->stack));
  label_icon_buttons (GTK_WIDGET (self->password_row));
  g_signal_connect_object (self->stack, "notify::visible-child",
                           G_CALLBACK (on_fields_changed), self, G_CONNECT_SWAPPED);
  culvert_wizard_update_buttons (self);

  /* Before the focused widget: a check button would take Enter itself. */
  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_swapped (keys, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
}

CulvertWizard *
culvert_wizard_new (GtkWindow          *parent,
                    CulvertApplication *app)
{
  CulvertWizard *self;

  g_return_val_if_fail (CULVERT_IS_APPLICATION (app), NULL);

  self = g_object_new (CULVERT_TYPE_WIZARD, "transient-for", parent, NULL);
  self->app = g_object_ref (app);
  return self;
}

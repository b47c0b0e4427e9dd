/* culvert-question-dialog.c — asks the user what a connection needs to go on
 *
 * A host key to trust, a password, a key passphrase or keyboard-interactive
 * prompts: one alert each (culvert-adw-compat.h), over the window. Each
 * names its connection; cancelling fails that connection alone, and a
 * connection that stops meanwhile takes its dialog away.
 *
 * A changed host key is not a question: it gets an error dialog with both
 * fingerprints and what to do, and nothing that accepts the new key.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include <string.h>

#include "culvert-adw-compat.h"
#include "culvert-gui-util.h"
#include "culvert-question-dialog.h"

typedef struct
{
  CulvertQuestion *question;
  GPtrArray       *entries;   /* of GtkEditable, one per prompt */
  GtkCheckButton  *remember;  /* password and passphrase, or NULL */
  char            *key;       /* host keys: what shown_keys knows this dialog by */
  GPtrArray       *waiting;   /* host keys: Waiting, the same key for other connections */
} Ask;

/* A host-key question of another connection, for the same machine and key
 * as a dialog already on screen: that dialog's answer is its answer. */
typedef struct
{
  GtkWindow       *parent;
  CulvertTunnel   *tunnel;
  CulvertQuestion *question;
} Waiting;

static void
waiting_free (gpointer data)
{
  Waiting *waiting = data;

  if (waiting == NULL)
    return;
  g_clear_object (&waiting->parent);
  g_clear_object (&waiting->tunnel);
  g_clear_object (&waiting->question);
  g_free (waiting);
}

static gboolean
present_waiting (gpointer data)
{
  Waiting *waiting = data;
  CulvertTunnelState state = culvert_tunnel_get_state (waiting->tunnel);

  if (!culvert_question_is_answered (waiting->question) &&
      (waiting->parent == NULL || gtk_widget_get_visible (GTK_WIDGET (waiting->parent))) &&
      state != CULVERT_TUNNEL_DISCONNECTED && state != CULVERT_TUNNEL_FAILED &&
      state != CULVERT_TUNNEL_CONNECTED)
    culvert_question_dialog_present (waiting->parent, waiting->tunnel, waiting->question);
  return G_SOURCE_REMOVE;
}

/* Host-key dialogs on screen, by "kind|host|port|key type|fingerprint":
 * four connections to one server ask once. */
static GHashTable *shown_keys;

static void
ask_free (gpointer data)
{
  Ask *ask = data;

  if (!culvert_question_is_answered (ask->question))
    culvert_question_cancel (ask->question);
  if (ask->key != NULL && shown_keys != NULL)
    g_hash_table_remove (shown_keys, ask->key);
  /* Gone without an answer (its own connection stopped): the others that
   * waited on it are asked again. */
  for (guint i = 0; ask->waiting != NULL && i < ask->waiting->len; i++)
    {
      Waiting *waiting = g_ptr_array_index (ask->waiting, i);

      if (!culvert_question_is_answered (waiting->question))
        g_idle_add_full (G_PRIORITY_DEFAULT, present_waiting,
                         g_steal_pointer (&g_ptr_array_index (ask->waiting, i)), waiting_free);
    }
  g_clear_object (&ask->question);
  g_clear_pointer (&ask->entries, g_ptr_array_unref);
  g_clear_pointer (&ask->waiting, g_ptr_array_unref);
  g_free (ask->key);
  g_free (ask);
}

static void
on_response (GtkWidget  *dialog,
             const char *response,
             Ask        *ask)
{
  g_autoptr(GPtrArray) answers = g_ptr_array_new ();

  /* GTK 4.8's GtkPasswordEntry hears of a focus change during its own
   * destruction, after it is gone; let it hear of it now. */
  culvert_dialog_set_focus (dialog, NULL);

  if (culvert_question_is_answered (ask->question))
    return;

  if (g_strcmp0 (response, "accept") != 0)
    {
      culvert_question_cancel (ask->question);
      for (guint i = 0; ask->waiting != NULL && i < ask->waiting->len; i++)
        {
          Waiting *waiting = g_ptr_array_index (ask->waiting, i);

          if (!culvert_question_is_answered (waiting->question))
            culvert_question_cancel (waiting->question);
        }
      return;
    }

  for (guint i = 0; i < ask->entries->len; i++)
    g_ptr_array_add (answers, (gpointer) gtk_editable_get_text (g_ptr_array_index (ask->entries, i)));
  g_ptr_array_add (answers, NULL);
  if (ask->remember != NULL)
    culvert_question_set_remember (ask->question,
                                   gtk_widget_get_sensitive (GTK_WIDGET (ask->remember)) &&
                                   gtk_check_button_get_active (ask->remember));
  culvert_question_answer (ask->question, TRUE, (const char * const *) answers->pdata);
  /* The same key for other connections: trusted once, for all of them. */
  for (guint i = 0; ask->waiting != NULL && i < ask->waiting->len; i++)
    {
      Waiting *waiting = g_ptr_array_index (ask->waiting, i);

      if (!culvert_question_is_answered (waiting->question))
        culvert_question_answer (waiting->question, TRUE, (const char * const *) answers->pdata);
    }

  /* Do not keep typed secrets in the entries any longer than needed. */
  for (guint i = 0; i < ask->entries->len; i++)
    gtk_editable_set_text (g_ptr_array_index (ask->entries, i), "");
}

/* The connection stopped or failed while the dialog waited: nothing to answer any more. */
static void
on_tunnel_state (CulvertTunnel *tunnel,
                 GParamSpec    *pspec,
                 GtkWidget     *dialog)
{
  switch (culvert_tunnel_get_state (tunnel))
    {
    case CULVERT_TUNNEL_DISCONNECTED:
    case CULVERT_TUNNEL_FAILED:
    case CULVERT_TUNNEL_CONNECTED:
      culvert_dialog_destroy (dialog);
      break;
    case CULVERT_TUNNEL_CONNECTING:
    case CULVERT_TUNNEL_VERIFYING_HOST_KEY:
    case CULVERT_TUNNEL_AUTHENTICATING:
    case CULVERT_TUNNEL_RECONNECTING:
    default:
      break;
    }
}

static GtkWidget *
add_entry (Ask        *ask,
           GtkBox     *box,
           const char *prompt,
           gboolean    echo)
{
  const char * const *prompts;
  GtkWidget *entry;

  if (echo)
    {
      entry = gtk_entry_new ();
      gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
    }
  else
    {
      entry = gtk_password_entry_new ();
      gtk_password_entry_set_show_peek_icon (GTK_PASSWORD_ENTRY (entry), TRUE);
      g_object_set (entry, "activates-default", TRUE, NULL);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, prompt,
                                  -1);

  prompts = culvert_question_get_prompts (ask->question);
  if (ask->entries->len > 0 || (prompts != NULL && g_strv_length ((char **) prompts) > 1))
    {
      GtkWidget *label = gtk_label_new (prompt);

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_box_append (box, label);
    }
  gtk_box_append (box, entry);
  g_ptr_array_add (ask->entries, entry);

  return entry;
}

static GtkWidget *
wrapped_label (const char *text,
               const char *style)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  if (style != NULL)
    gtk_widget_add_css_class (label, style);

  return label;
}

/* "Remember in Keyring", or why it cannot be, or nothing (an unsaved connection). */
static void
add_remember (Ask    *ask,
              GtkBox *box)
{
  const char *problem = culvert_question_get_remember_problem (ask->question);
  GtkWidget *check;

  if (!culvert_question_get_can_remember (ask->question) && problem == NULL)
    return;

  check = gtk_check_button_new_with_mnemonic (_("_Remember in Keyring"));
  gtk_box_append (box, check);
  ask->remember = GTK_CHECK_BUTTON (check);

  if (!culvert_question_get_can_remember (ask->question))
    {
      g_autofree char *why = g_strdup_printf (_("Culvert cannot remember it and will ask each "
                                                "time. %s"), problem);
      GtkWidget *label = wrapped_label (why, "dim-label");

      gtk_widget_set_sensitive (check, FALSE);
      gtk_box_append (box, label);
      gtk_accessible_update_relation (GTK_ACCESSIBLE (check),
                                      GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, label, NULL,
                                      -1);
    }
}

/* The machine whose key it is: a jump host's own name and port for a hop's
 * key. From the question's "host" and "port" where the engine gives them,
 * else from its title, "[host]:port" or "host" (port 22). */
static char *
key_host (CulvertQuestion *question,
          CulvertProfile  *profile,
          guint           *port)
{
  GObjectClass *klass = G_OBJECT_GET_CLASS (question);
  const char *title = culvert_question_get_title (question);
  char *host = NULL;

  if (g_object_class_find_property (klass, "host") != NULL &&
      g_object_class_find_property (klass, "port") != NULL)
    {
      g_object_get (question, "host", &host, "port", port, NULL);
      if (host != NULL && *host != '\0')
        {
          if (*port == 0)
            *port = 22;
          return host;
        }
      g_clear_pointer (&host, g_free);
    }

  if (title != NULL && title[0] == '[' && strstr (title, "]:") != NULL)
    {
      const char *end = strstr (title, "]:");
      guint64 value = g_ascii_strtoull (end + 2, NULL, 10);

      if (value > 0 && value <= G_MAXUINT16)
        {
          *port = value;
          return g_strndup (title + 1, end - title - 1);
        }
    }
  if (title != NULL && *title != '\0' && strchr (title, ' ') == NULL)
    {
      *port = 22;
      return g_strdup (title);
    }

  *port = culvert_profile_get_port (profile) != 0 ? culvert_profile_get_port (profile) : 22;
  return g_strdup (culvert_profile_get_host (profile));
}

static GtkLabel *
find_label (GtkWidget  *root,
            const char *text)
{
  if (GTK_IS_LABEL (root) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (root)), text) == 0)
    return GTK_LABEL (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found = find_label (child, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The alert's text breaks only between words: a fingerprint or an address
 * stays whole, and the fingerprints are in a monospace font. */
static void
keep_body_tokens (GtkWidget          *dialog,
                  const char * const *monospace)
{
  GtkLabel *body = find_label (dialog, culvert_alert_get_body (dialog));

  if (body != NULL)
    {
      culvert_gui_label_keep_tokens (body, monospace);
      gtk_label_set_selectable (body, TRUE);
    }
}

static void
setup_host_key (GtkWidget       *dialog,
                CulvertProfile  *profile,
                CulvertQuestion *question)
{
  const char *name = culvert_profile_get_display_name (profile);
  guint port = 0;
  g_autofree char *host = key_host (question, profile, &port);

  culvert_alert_set_heading (dialog, _("Trust This Server?"));
  culvert_alert_format_body (dialog, _("“%s” reaches a server Culvert has never seen before.\n\n"
                                    "Host: %s\n"
                                    "Port: %u\n"
                                    "Key type: %s\n"
                                    "Fingerprint: %s\n\n"
                                    "Compare the fingerprint with the one the server’s "
                                    "administrator gave you, and trust it only if they match."),
                                  name, host, port,
                                  culvert_question_get_key_type (question),
                                  culvert_question_get_detail (question));
  keep_body_tokens (dialog, (const char * const[]) { culvert_question_get_detail (question),
                                                     NULL });
  culvert_alert_add_response (dialog, "accept", _("_Trust and Connect"));
  /* Trusting a key must be a deliberate act. */
  culvert_alert_set_default_response (dialog, "cancel");
}

static void
on_copy_command (GtkButton  *button,
                 const char *command)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (button)), command);
}

static void
setup_host_key_changed (GtkWidget       *dialog,
                        CulvertProfile  *profile,
                        CulvertQuestion *question)
{
  const char *name = culvert_profile_get_display_name (profile);
  const char *fix = culvert_question_get_fix_command (question);
  g_autofree char *recorded = NULL;
  GtkWidget *box;

  if (culvert_question_get_known_fingerprint (question) != NULL)
    recorded = g_strdup_printf ("%s %s", culvert_question_get_known_key_type (question),
                                culvert_question_get_known_fingerprint (question));
  else
    recorded = g_strdup (_("(could not be read)"));

  culvert_alert_set_heading (dialog, _("The Server’s Identity Changed"));
  culvert_alert_format_body (dialog, _("“%s” was not connected: the server %s presented a "
                                    "different host key than the one recorded for it.\n\n"
                                    "Recorded in %s:\n%s\n\n"
                                    "Presented now:\n%s %s\n\n"
                                    "Someone may be intercepting the connection (a "
                                    "man-in-the-middle attack), or the server was reinstalled "
                                    "or its key replaced. Ask the server’s administrator. Only "
                                    "if they confirm the new fingerprint, remove the old key "
                                    "with the command below and connect again."),
                                  name, culvert_question_get_title (question),
                                  culvert_question_get_known_location (question), recorded,
                                  culvert_question_get_key_type (question),
                                  culvert_question_get_detail (question));
  keep_body_tokens (dialog, (const char * const[]) {
                      culvert_question_get_detail (question),
                      culvert_question_get_known_fingerprint (question), NULL });

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  if (fix != NULL)
    {
      GtkWidget *label = gtk_label_new (fix);
      GtkWidget *copy = gtk_button_new_from_icon_name ("edit-copy-symbolic");

      gtk_label_set_selectable (GTK_LABEL (label), TRUE);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      culvert_gui_label_keep_tokens (GTK_LABEL (label), NULL);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_set_hexpand (label, TRUE);
      gtk_widget_add_css_class (label, "monospace");
      gtk_widget_set_tooltip_text (copy, _("Copy Command"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (copy),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _("Copy Command"),
                                      -1);
      g_signal_connect_data (copy, "clicked", G_CALLBACK (on_copy_command), g_strdup (fix),
                             (GClosureNotify) (void (*) (void)) g_free, 0);
      gtk_box_append (GTK_BOX (box), label);
      gtk_box_append (GTK_BOX (box), copy);
    }
  culvert_alert_set_extra_child (dialog, box);
  culvert_alert_set_default_response (dialog, "cancel");
}

void
culvert_question_dialog_present (GtkWindow       *parent,
                                 CulvertTunnel   *tunnel,
                                 CulvertQuestion *question)
{
  CulvertProfile *profile = culvert_tunnel_get_profile (tunnel);
  const char *name = culvert_profile_get_display_name (profile);
  CulvertQuestionKind kind;
  GtkWidget *dialog;
  Ask *ask;
  GtkWidget *box;
  const char * const *prompts;

  g_return_if_fail (CULVERT_IS_QUESTION (question));

  kind = culvert_question_get_kind (question);

  /* One dialog per machine and key, however many connections reach it. */
  if (kind == CULVERT_QUESTION_HOST_KEY || kind == CULVERT_QUESTION_HOST_KEY_CHANGED)
    {
      guint port = 0;
      g_autofree char *host = key_host (question, profile, &port);
      char *key = g_strdup_printf ("%d|%s|%u|%s|%s", kind, host, port,
                                   culvert_question_get_key_type (question),
                                   culvert_question_get_detail (question));
      Ask *shown;

      if (shown_keys == NULL)
        shown_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      shown = g_hash_table_lookup (shown_keys, key);
      if (shown != NULL)
        {
          Waiting *waiting;

          g_free (key);
          /* A changed key is a notice: said once is enough. */
          if (kind == CULVERT_QUESTION_HOST_KEY_CHANGED)
            return;
          waiting = g_new0 (Waiting, 1);
          waiting->parent = parent != NULL ? g_object_ref (parent) : NULL;
          waiting->tunnel = g_object_ref (tunnel);
          waiting->question = g_object_ref (question);
          g_ptr_array_add (shown->waiting, waiting);
          return;
        }
      ask = g_new0 (Ask, 1);
      ask->key = g_strdup (key);
      ask->waiting = g_ptr_array_new_with_free_func (waiting_free);
      g_hash_table_insert (shown_keys, key, ask);
    }
  else
    ask = g_new0 (Ask, 1);
  ask->question = g_object_ref (question);
  ask->entries = g_ptr_array_new ();

  dialog = culvert_alert_new (parent != NULL ? GTK_WIDGET (parent) : NULL, NULL, NULL);
  /* On libadwaita 1.2, other connections and the window stay usable meanwhile. */
  culvert_alert_set_modal (dialog, FALSE);
  culvert_alert_add_response (dialog, "cancel",
                                   kind == CULVERT_QUESTION_HOST_KEY_CHANGED ? _("_Close")
                                                                             : _("_Cancel"));
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);

  switch (kind)
    {
    case CULVERT_QUESTION_HOST_KEY:
      setup_host_key (dialog, profile, question);
      break;

    case CULVERT_QUESTION_HOST_KEY_CHANGED:
      setup_host_key_changed (dialog, profile, question);
      break;

    case CULVERT_QUESTION_PASSWORD:
    case CULVERT_QUESTION_PASSPHRASE:
      culvert_alert_set_heading (dialog, kind == CULVERT_QUESTION_PASSWORD
                                              ? _("Password Needed")
                                              : _("Key Passphrase Needed"));
      /* Translators: the connection's name, then what the server or key wants. */
      culvert_alert_format_body (dialog, _("“%s”: %s"), name,
                                      culvert_question_get_title (question));
      add_entry (ask, GTK_BOX (box), culvert_question_get_title (question), FALSE);
      add_remember (ask, GTK_BOX (box));
      culvert_alert_add_response (dialog, "accept", _("_Log In"));
      culvert_alert_set_default_response (dialog, "accept");
      break;

    case CULVERT_QUESTION_KEYBOARD_INTERACTIVE:
      {
        const char *detail = culvert_question_get_detail (question);
        const char *title = culvert_question_get_title (question);

        culvert_alert_set_heading (dialog, _("The Server Asks"));
        /* Translators: the connection's name, then the server's own words. */
        culvert_alert_format_body (dialog, _("“%s”: %s%s%s"), name,
                                        title != NULL ? title : "",
                                        detail != NULL && *detail != '\0' ? "\n" : "",
                                        detail != NULL ? detail : "");
        prompts = culvert_question_get_prompts (question);
        for (guint i = 0; prompts != NULL && prompts[i] != NULL; i++)
          add_entry (ask, GTK_BOX (box), prompts[i], culvert_question_get_echo (question, i));
        culvert_alert_add_response (dialog, "accept", _("_Send"));
        culvert_alert_set_default_response (dialog, "accept");
      }
      break;

    default:
      g_assert_not_reached ();
    }

  if (gtk_widget_get_first_child (box) != NULL)
    {
      culvert_alert_set_extra_child (dialog, box);
    }
  else
    {
      g_object_ref_sink (box);
      g_object_unref (box);
    }
  culvert_alert_set_close_response (dialog, "cancel");
  if (kind != CULVERT_QUESTION_HOST_KEY_CHANGED)
    {
      culvert_alert_set_response_appearance (dialog, "accept", ADW_RESPONSE_SUGGESTED);
      g_signal_connect_object (tunnel, "notify::state", G_CALLBACK (on_tunnel_state), dialog, 0);
    }
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_response), ask,
                         (GClosureNotify) ask_free, 0);
  culvert_alert_present (dialog);
}

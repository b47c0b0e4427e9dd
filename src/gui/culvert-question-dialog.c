/* culvert-question-dialog.c — asks the user what a connection needs to go on
 *
 * A host key to trust, a password, a key passphrase or keyboard-interactive
 * prompts: one AdwMessageDialog each, answered asynchronously.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "culvert-question-dialog.h"

typedef struct
{
  CulvertQuestion *question;
  GPtrArray       *entries;  /* of GtkEditable, one per prompt */
} Ask;

static void
ask_free (gpointer data)
{
  Ask *ask = data;

  if (!culvert_question_is_answered (ask->question))
    culvert_question_cancel (ask->question);
  g_clear_object (&ask->question);
  g_clear_pointer (&ask->entries, g_ptr_array_unref);
  g_free (ask);
}

static void
on_response (AdwMessageDialog *dialog,
             const char       *response,
             Ask              *ask)
{
  g_autoptr(GPtrArray) answers = g_ptr_array_new ();

  if (culvert_question_is_answered (ask->question))
    return;

  if (g_strcmp0 (response, "accept") != 0)
    {
      culvert_question_cancel (ask->question);
      return;
    }

  for (guint i = 0; i < ask->entries->len; i++)
    g_ptr_array_add (answers, (gpointer) gtk_editable_get_text (g_ptr_array_index (ask->entries, i)));
  g_ptr_array_add (answers, NULL);
  culvert_question_answer (ask->question, TRUE, (const char * const *) answers->pdata);

  /* Do not keep typed secrets in the entries any longer than needed. */
  for (guint i = 0; i < ask->entries->len; i++)
    gtk_editable_set_text (g_ptr_array_index (ask->entries, i), "");
}

static GtkWidget *
add_entry (Ask        *ask,
           GtkBox     *box,
           const char *prompt,
           gboolean    echo)
{
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

  if (ask->entries->len > 0 || g_strv_length ((char **) culvert_question_get_prompts (ask->question)) > 1)
    {
      GtkWidget *label = gtk_label_new (prompt);

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_box_append (box, label);
    }
  gtk_box_append (box, entry);
  g_ptr_array_add (ask->entries, entry);

  return entry;
}

void
culvert_question_dialog_present (GtkWindow       *parent,
                                 CulvertTunnel   *tunnel,
                                 CulvertQuestion *question)
{
  CulvertProfile *profile = culvert_tunnel_get_profile (tunnel);
  const char *name = culvert_profile_get_display_name (profile);
  AdwMessageDialog *dialog;
  Ask *ask;
  GtkWidget *box;
  const char * const *prompts;

  g_return_if_fail (CULVERT_IS_QUESTION (question));

  ask = g_new0 (Ask, 1);
  ask->question = g_object_ref (question);
  ask->entries = g_ptr_array_new ();

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent, NULL, NULL));
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  adw_message_dialog_add_response (dialog, "cancel", _("_Cancel"));
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);

  switch (culvert_question_get_kind (question))
    {
    case CULVERT_QUESTION_HOST_KEY:
      adw_message_dialog_set_heading (dialog, _("Trust This Server?"));
      adw_message_dialog_format_body (dialog,
                                      _("“%s” connects to %s for the first time. Its %s key has "
                                        "the fingerprint\n\n%s\n\nCompare it with the one the "
                                        "server’s administrator gave you before you trust it."),
                                      name, culvert_question_get_title (question),
                                      culvert_question_get_key_type (question),
                                      culvert_question_get_detail (question));
      adw_message_dialog_add_response (dialog, "accept", _("_Trust and Connect"));
      break;

    case CULVERT_QUESTION_PASSWORD:
    case CULVERT_QUESTION_PASSPHRASE:
      adw_message_dialog_set_heading (dialog,
                                      culvert_question_get_kind (question) ==
                                      CULVERT_QUESTION_PASSWORD ? _("Password Needed")
                                                                : _("Key Passphrase Needed"));
      adw_message_dialog_set_body (dialog, culvert_question_get_title (question));
      add_entry (ask, GTK_BOX (box), culvert_question_get_title (question), FALSE);
      adw_message_dialog_add_response (dialog, "accept", _("_Log In"));
      break;

    case CULVERT_QUESTION_KEYBOARD_INTERACTIVE:
      adw_message_dialog_set_heading (dialog, _("The Server Asks"));
      adw_message_dialog_format_body (dialog, "%s%s%s",
                                      culvert_question_get_title (question),
                                      culvert_question_get_detail (question) ? "\n" : "",
                                      culvert_question_get_detail (question)
                                      ? culvert_question_get_detail (question) : "");
      prompts = culvert_question_get_prompts (question);
      for (guint i = 0; prompts != NULL && prompts[i] != NULL; i++)
        add_entry (ask, GTK_BOX (box), prompts[i], culvert_question_get_echo (question, i));
      adw_message_dialog_add_response (dialog, "accept", _("_Send"));
      break;

    default:
      g_assert_not_reached ();
    }

  if (ask->entries->len > 0)
    {
      adw_message_dialog_set_extra_child (dialog, box);
    }
  else
    {
      g_object_ref_sink (box);
      g_object_unref (box);
    }
  adw_message_dialog_set_default_response (dialog, "accept");
  adw_message_dialog_set_close_response (dialog, "cancel");
  adw_message_dialog_set_response_appearance (dialog, "accept", ADW_RESPONSE_SUGGESTED);
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_response), ask,
                         (GClosureNotify) ask_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

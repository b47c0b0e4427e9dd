/* culvert-worker-secrets.c — remembered passwords and passphrases, for the worker
 *
 * Before the user is asked for a password or a key passphrase, the keyring
 * is asked (on the worker thread: it may take a moment). A secret the user
 * chose to remember is stored once it worked; a remembered one the server
 * or the key rejects is removed, and the user is asked instead. Without a
 * keyring, the user is asked each time and told once why nothing can be
 * remembered.
 *
 * Also here: the notice of a changed host key, which the front end shows.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "Culvert-Login"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "culvert-secrets.h"
#include "culvert-worker-private.h"

static CulvertSecretKind
secret_kind (gboolean is_passphrase)
{
  return is_passphrase ? CULVERT_SECRET_KEY_PASSPHRASE : CULVERT_SECRET_PASSWORD;
}

static const char *
login_user (CulvertWorker *self)
{
  /* As the profile says (the keyring's key), not the local user name. */
  return self->config->user;
}

/* The keyring failed: say why once for this connection, then stop asking it. */
static void
note_keyring_problem (CulvertWorker *self,
                      const GError  *error)
{
  if (self->keyring_problem != NULL)
    return;

  /* The usual case, said without D-Bus words. */
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER))
    self->keyring_problem = g_strdup (_("The desktop keyring is not available: no Secret "
                                        "Service (such as GNOME Keyring) runs in this "
                                        "session."));
  else
    self->keyring_problem = g_strdup (error->message);
  culvert_worker_log (self, FALSE, _("Passwords cannot be remembered: %s"), self->keyring_problem);
}

char *
culvert_worker_recall_secret (gboolean is_passphrase,
                              gpointer user_data)
{
  CulvertWorker *self = user_data;
  CulvertWorkerConfig *config = self->config;
  g_autoptr(GError) error = NULL;
  char *stored;
  char *secret;

  if (config->profile_id == NULL || self->keyring_problem != NULL)
    return NULL;

  stored = culvert_secrets_lookup_sync (secret_kind (is_passphrase), config->profile_id,
                                        login_user (self), config->host, self->cancellable,
                                        &error);
  if (error != NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        note_keyring_problem (self, error);
      return NULL;
    }
  if (stored == NULL)
    return NULL;

  culvert_worker_log (self, FALSE,
                      is_passphrase ? _("Using the key passphrase remembered in the keyring")
                                    : _("Using the password remembered in the keyring"));
  /* The login wipes and frees it with g_free. */
  secret = g_strdup (stored);
  culvert_secrets_free (stored);

  return secret;
}

void
culvert_worker_secret_result (gboolean    is_passphrase,
                              const char *secret,
                              gboolean    recalled,
                              gboolean    accepted,
                              gpointer    user_data)
{
  CulvertWorker *self = user_data;
  CulvertWorkerConfig *config = self->config;
  gboolean remember = self->remember_secret;
  g_autoptr(GError) error = NULL;

  self->remember_secret = FALSE;
  if (config->profile_id == NULL)
    return;

  if (recalled && !accepted)
    {
      if (culvert_secrets_clear_sync (secret_kind (is_passphrase), config->profile_id,
                                      login_user (self), config->host, NULL, &error))
        culvert_worker_log (self, TRUE, is_passphrase
                            ? _("The key passphrase remembered in the keyring is wrong; it was "
                                "removed from the keyring")
                            : _("The server rejected the password remembered in the keyring; "
                                "it was removed from the keyring"));
      else
        note_keyring_problem (self, error);
      return;
    }

  if (accepted && !recalled && remember)
    {
      g_autofree char *label = NULL;
      const char *user = login_user (self) != NULL ? login_user (self) : g_get_user_name ();

      if (is_passphrase)
        /* Translators: the keyring's label of a remembered secret; %s is user@host. */
        label = g_strdup_printf (_("SSH key passphrase for %s@%s (Culvert)"), user, config->host);
      else
        /* Translators: the keyring's label of a remembered secret; %s is user@host. */
        label = g_strdup_printf (_("SSH password for %s@%s (Culvert)"), user, config->host);

      if (culvert_secrets_store_sync (secret_kind (is_passphrase), config->profile_id,
                                      login_user (self), config->host, label, secret, NULL,
                                      &error))
        culvert_worker_log (self, FALSE,
                            is_passphrase ? _("The key passphrase is remembered in the keyring")
                                          : _("The password is remembered in the keyring"));
      else
        note_keyring_problem (self, error);
    }
}

void
culvert_worker_secret_question (CulvertWorker      *self,
                                CulvertWorkerEvent *event)
{
  event->can_remember = self->config->profile_id != NULL && self->keyring_problem == NULL;
  event->remember_problem = g_strdup (self->keyring_problem);
}

void
culvert_worker_secret_answered (CulvertWorker *self,
                                Question      *question)
{
  self->remember_secret = question->answered && question->accepted && question->remember &&
                          self->keyring_problem == NULL;
}

void
culvert_worker_host_key_changed (const CulvertHostKeyChange *change,
                                 gpointer                    user_data)
{
  CulvertWorker *self = user_data;
  CulvertWorkerEvent event = {
    .type = CULVERT_WORKER_EVENT_QUESTION,
    .question_id = 0,
    .question_kind = CULVERT_QUESTION_HOST_KEY_CHANGED,
  };

  culvert_worker_host_key_question (self, &event);
  event.title = g_strdup (change->host_label);
  event.key_type = g_strdup (change->key_type);
  event.detail = g_strdup (change->fingerprint);
  event.known_key_type = g_strdup (change->known_key_type);
  event.known_fingerprint = g_strdup (change->known_fingerprint);
  event.known_location = g_strdup (change->known_location);
  event.fix_command = g_strdup (change->fix_command);
  culvert_worker_post (self, &event);
}

void
culvert_worker_host_key_question (CulvertWorker      *self,
                                  CulvertWorkerEvent *event)
{
  g_free (event->host);
  event->host = g_strdup (self->login_host);
  event->host_port = self->login_port;
  event->is_jump_host = self->login_is_jump;
}

/* culvert-secrets.c — passwords and passphrases in the desktop keyring
 *
 * Secrets live only in the Secret Service (GNOME Keyring, KWallet, …),
 * keyed by profile id, user and host. They are never written to a profile
 * file, a log line, a command line or the environment.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "Culvert-Secrets"

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "culvert-secrets.h"

static const SecretSchema *
culvert_secrets_get_schema (void)
{
  static const SecretSchema schema = {
    "io.github.culvert.Culvert.Secret",
    SECRET_SCHEMA_NONE,
    {
      { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "profile-id", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "host", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  };

  return &schema;
}

static const char *
kind_to_string (CulvertSecretKind kind)
{
  switch (kind)
    {
    case CULVERT_SECRET_PASSWORD:
      return "password";
    case CULVERT_SECRET_KEY_PASSPHRASE:
      return "key-passphrase";
    case CULVERT_SECRET_PROXY_PASSWORD:
      return "proxy-password";
    default:
      g_assert_not_reached ();
    }
}

static GHashTable *
make_attributes (CulvertSecretKind  kind,
                 const char        *profile_id,
                 const char        *user,
                 const char        *host)
{
  GHashTable *attributes = g_hash_table_new (g_str_hash, g_str_equal);

  g_hash_table_insert (attributes, (gpointer) "kind", (gpointer) kind_to_string (kind));
  g_hash_table_insert (attributes, (gpointer) "profile-id", (gpointer) (profile_id ? profile_id : ""));
  g_hash_table_insert (attributes, (gpointer) "user", (gpointer) (user ? user : ""));
  g_hash_table_insert (attributes, (gpointer) "host", (gpointer) (host ? host : ""));

  return attributes;
}

/* The keyring's own messages talk about D-Bus; say what it means for the user. */
static void
explain_error (GError **error)
{
  if (error == NULL || *error == NULL)
    return;

  if (!g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_prefix_error (error, "%s ", _("The desktop keyring is not available:"));
}

gboolean
culvert_secrets_store_sync (CulvertSecretKind   kind,
                            const char         *profile_id,
                            const char         *user,
                            const char         *host,
                            const char         *label,
                            const char         *secret,
                            GCancellable       *cancellable,
                            GError            **error)
{
  g_autoptr(GHashTable) attributes = NULL;
  gboolean ok;

  g_return_val_if_fail (profile_id != NULL, FALSE);
  g_return_val_if_fail (secret != NULL, FALSE);

  attributes = make_attributes (kind, profile_id, user, host);
  ok = secret_password_storev_sync (culvert_secrets_get_schema (), attributes,
                                    SECRET_COLLECTION_DEFAULT, label,
                                    secret, cancellable, error);
  if (!ok)
    explain_error (error);

  return ok;
}

char *
culvert_secrets_lookup_sync (CulvertSecretKind   kind,
                             const char         *profile_id,
                             const char         *user,
                             const char         *host,
                             GCancellable       *cancellable,
                             GError            **error)
{
  g_autoptr(GHashTable) attributes = NULL;
  GError *local_error = NULL;
  char *secret;

  g_return_val_if_fail (profile_id != NULL, NULL);

  attributes = make_attributes (kind, profile_id, user, host);
  secret = secret_password_lookupv_sync (culvert_secrets_get_schema (), attributes,
                                         cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      explain_error (error);
    }

  return secret;
}

gboolean
culvert_secrets_clear_sync (CulvertSecretKind   kind,
                            const char         *profile_id,
                            const char         *user,
                            const char         *host,
                            GCancellable       *cancellable,
                            GError            **error)
{
  g_autoptr(GHashTable) attributes = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (profile_id != NULL, FALSE);

  attributes = make_attributes (kind, profile_id, user, host);
  secret_password_clearv_sync (culvert_secrets_get_schema (), attributes,
                               cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      explain_error (error);
      return FALSE;
    }

  return TRUE;
}

/* Wipes the secret's memory before freeing it. */
void
culvert_secrets_free (char *secret)
{
  if (secret != NULL)
    secret_password_free (secret);
}

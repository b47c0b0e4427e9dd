/* culvert-secrets.h — passwords and passphrases in the desktop keyring
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  CULVERT_SECRET_PASSWORD,
  CULVERT_SECRET_KEY_PASSPHRASE,
  CULVERT_SECRET_PROXY_PASSWORD,  /* user and host are the proxy's */
} CulvertSecretKind;

gboolean  culvert_secrets_store_sync  (CulvertSecretKind   kind,
                                       const char         *profile_id,
                                       const char         *user,
                                       const char         *host,
                                       const char         *label,
                                       const char         *secret,
                                       GCancellable       *cancellable,
                                       GError            **error);
char     *culvert_secrets_lookup_sync (CulvertSecretKind   kind,
                                       const char         *profile_id,
                                       const char         *user,
                                       const char         *host,
                                       GCancellable       *cancellable,
                                       GError            **error);
gboolean  culvert_secrets_clear_sync  (CulvertSecretKind   kind,
                                       const char         *profile_id,
                                       const char         *user,
                                       const char         *host,
                                       GCancellable       *cancellable,
                                       GError            **error);
void      culvert_secrets_free        (char               *secret);

G_END_DECLS

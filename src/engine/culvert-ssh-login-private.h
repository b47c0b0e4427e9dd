/* culvert-ssh-login-private.h — what the parts of a login share
 *
 * Logging in is split by job:
 *   culvert-ssh-login.c    the session: its options, the handshake, the
 *                          steps in order
 *   culvert-known-hosts.c  the server's host key against known_hosts, by
 *                          policy (a changed key is refused under every one)
 *   culvert-ssh-auth.c     the authentication methods the server allows, in
 *                          OpenSSH's order: agent, key files,
 *                          keyboard-interactive, password
 *   culvert-ssh-login-shared.c  what all three use: the error domain, the
 *                          log, the cancellation check
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <libssh/libssh.h>

#include "culvert-ssh-login.h"

G_BEGIN_DECLS

/* A local name, so that this cleanup never clashes with another file's. */
typedef ssh_key LoginKey;

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (LoginKey, ssh_key_free, NULL)

typedef struct
{
  const CulvertLoginOptions   *options;
  const CulvertLoginCallbacks *callbacks;
  GCancellable                *cancellable;
  ssh_session                  session;
  const char                  *user;
  guint                        port;
  char                        *host_label;      /* "host" or "[host]:port" */
  char                        *known_hosts;     /* absolute path */
  int                          methods;         /* from ssh_userauth_list */
  GPtrArray                   *reasons;         /* sentences for "Permission denied" */
  int                          handshake_rc;    /* what ssh_connect said in the end */
  gboolean                     password_recalled;    /* recall_secret was asked */
  gboolean                     passphrase_recalled;
} Login;

/* culvert-ssh-login-shared.c */
void      culvert_login_log               (Login      *login,
                                           const char *format,
                                           ...) G_GNUC_PRINTF (2, 3);
gboolean  culvert_login_cancelled         (Login      *login,
                                           GError    **error);
/* "~/.ssh/id_ed25519" for a path under the home directory. */
char     *culvert_login_display_path      (const char *path);

/* culvert-known-hosts.c: step 3, the server's host key against known_hosts. */
gboolean  culvert_login_check_host_key    (Login      *login,
                                           GError    **error);

/* culvert-ssh-auth.c: step 4, the authentication methods. */
gboolean  culvert_login_authenticate      (Login      *login,
                                           GError    **error);

G_END_DECLS

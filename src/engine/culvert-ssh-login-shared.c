/* culvert-ssh-login-shared.c — what the steps of a login share
 *
 * The error domain, the log line (to the debug log and the caller's
 * callback), the cancellation check and how a path is shown: used by the
 * session (culvert-ssh-login.c), the host key check
 * (culvert-known-hosts.c) and the authentication methods
 * (culvert-ssh-auth.c) alike, so that none of them calls back into another.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "Culvert-Login"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "culvert-ssh-login-private.h"

G_DEFINE_QUARK (culvert-login-error-quark, culvert_login_error)

void
culvert_login_log (Login      *login,
                   const char *format,
                   ...)
{
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);

  g_debug ("%s", line);
  if (login->callbacks->log != NULL)
    login->callbacks->log (line, login->callbacks->user_data);
}

gboolean
culvert_login_cancelled (Login   *login,
                         GError **error)
{
  if (!g_cancellable_is_cancelled (login->cancellable))
    return FALSE;

  g_set_error_literal (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_CANCELLED,
                       _("The connection was cancelled."));
  return TRUE;
}

char *
culvert_login_display_path (const char *path)
{
  const char *home = g_get_home_dir ();
  gsize home_len = strlen (home);

  if (home_len > 1 && g_str_has_prefix (path, home) && path[home_len] == G_DIR_SEPARATOR)
    return g_strconcat ("~", path + home_len, NULL);

  return g_strdup (path);
}

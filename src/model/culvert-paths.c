/* culvert-paths.c — where Culvert keeps its files
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <gio/gio.h>

#include "culvert-paths.h"

/* $XDG_CONFIG_HOME/culvert: profiles, never secrets. */
char *
culvert_paths_dup_config_dir (void)
{
  return g_build_filename (g_get_user_config_dir (), PACKAGE_NAME, NULL);
}

char *
culvert_paths_dup_profiles_dir (void)
{
  return g_build_filename (g_get_user_config_dir (), PACKAGE_NAME, "profiles", NULL);
}

/* $XDG_DATA_HOME/culvert: our own known_hosts when ~/.ssh is not usable. */
char *
culvert_paths_dup_data_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), PACKAGE_NAME, NULL);
}

/* Creates @path (and its parents) and makes sure only the owner can enter it. */
gboolean
culvert_paths_ensure_private_dir (const char  *path,
                                  GError     **error)
{
  g_return_val_if_fail (path != NULL, FALSE);

  if (g_mkdir_with_parents (path, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not create the folder %s: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }

  if (g_chmod (path, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not restrict access to the folder %s: %s"),
                   path, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

/* culvert-paths.c — where Culvert keeps its files
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <unistd.h>
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

/* Inside a Flatpak (see flatpak/README.md) the sandbox has no ~/.ssh
 * unless the user grants it, and a file written where ~/.ssh would be is
 * lost when the app exits: host keys then go to the app's own known_hosts,
 * which lives in the app's data folder and survives. */
gboolean
culvert_paths_is_sandboxed (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}

/* The known_hosts file Culvert reads and records host keys in when a
 * connection names none: ~/.ssh/known_hosts, shared with OpenSSH, unless
 * @sandboxed and ~/.ssh is not a folder Culvert may write (the user did not
 * grant it); then $XDG_DATA_HOME/culvert/known_hosts. */
char *
culvert_paths_choose_known_hosts_file (const char *home_dir,
                                       const char *data_dir,
                                       gboolean    sandboxed)
{
  g_autofree char *ssh_dir = NULL;

  g_return_val_if_fail (home_dir != NULL, NULL);
  g_return_val_if_fail (data_dir != NULL, NULL);

  ssh_dir = g_build_filename (home_dir, ".ssh", NULL);
  if (!sandboxed ||
      (g_file_test (ssh_dir, G_FILE_TEST_IS_DIR) && access (ssh_dir, W_OK | X_OK) == 0))
    return g_build_filename (ssh_dir, "known_hosts", NULL);

  return g_build_filename (data_dir, PACKAGE_NAME, "known_hosts", NULL);
}

char *
culvert_paths_dup_known_hosts_file (void)
{
  return culvert_paths_choose_known_hosts_file (g_get_home_dir (), g_get_user_data_dir (),
                                                culvert_paths_is_sandboxed ());
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

/* Writes @path atomically with mode 0600. g_file_set_contents_full()
 * applies its mode only to a file it creates on some GLib versions (2.84
 * keeps the mode of the file it replaces), so the mode is set on the old
 * file before the write (nothing new is ever readable by others) and on
 * the new one after it. */
gboolean
culvert_paths_write_private_file (const char  *path,
                                  const char  *data,
                                  gssize       length,
                                  gboolean     durable,
                                  GError     **error)
{
  GFileSetContentsFlags flags = G_FILE_SET_CONTENTS_CONSISTENT;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  if (durable)
    flags |= G_FILE_SET_CONTENTS_DURABLE;

  if (g_chmod (path, 0600) != 0 && errno != ENOENT)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not restrict access to %s: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }

  if (!g_file_set_contents_full (path, data, length, flags, 0600, error))
    return FALSE;

  if (g_chmod (path, 0600) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not restrict access to %s: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

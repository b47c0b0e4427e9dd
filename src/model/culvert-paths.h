/* culvert-paths.h — where Culvert keeps its files
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

char     *culvert_paths_dup_config_dir   (void);
char     *culvert_paths_dup_profiles_dir (void);
char     *culvert_paths_dup_data_dir     (void);
gboolean  culvert_paths_is_sandboxed     (void);
char     *culvert_paths_choose_known_hosts_file (const char *home_dir,
                                                 const char *data_dir,
                                                 gboolean    sandboxed);
char     *culvert_paths_dup_known_hosts_file    (void);
gboolean  culvert_paths_ensure_private_dir (const char  *path,
                                            GError     **error);
gboolean  culvert_paths_write_private_file (const char  *path,
                                            const char  *data,
                                            gssize       length,
                                            gboolean     durable,
                                            GError     **error);

G_END_DECLS

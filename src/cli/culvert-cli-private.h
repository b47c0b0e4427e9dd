/* culvert-cli-private.h — the command line's modes
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* culvert-cli-store.c: --list, --import-ssh-config, --export, --delete */
int culvert_cli_store_main (int    argc,
                            char **argv);

/* culvert-headless.c: --headless */
int culvert_headless_main  (int    argc,
                            char **argv);

G_END_DECLS

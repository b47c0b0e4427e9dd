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

/* culvert-ssh-argv.c: ssh's forms (-p2222, -gN, -oKey=value) as words
 * GOption reads, every flag on its own and its value after it; flags of
 * ssh without meaning for a tunnel are dropped, those for things Culvert
 * does not do refused with the reason. */
char **culvert_ssh_argv_split (char   **argv,
                               GError **error);

G_END_DECLS

/* culvert-cli.h — the command line without a window
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean culvert_cli_wants_argv (int    argc,
                                 char **argv);
int      culvert_cli_run        (int    argc,
                                 char **argv);

G_END_DECLS

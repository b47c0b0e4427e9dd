/* culvert-cli-store.c — the profile store on the command line
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "culvert-cli-private.h"

int
culvert_cli_store_main (int    argc,
                        char **argv)
{
  g_printerr ("culvert: %s\n", _("Saved connections are not available in this version."));
  return 1;
}

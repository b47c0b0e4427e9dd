/* culvert-headless.c — serve forwards without a window, with ssh-like flags
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "culvert-cli-private.h"

int
culvert_headless_main (int    argc,
                       char **argv)
{
  g_printerr ("culvert: %s\n", _("Headless mode is not available in this version."));
  return 1;
}

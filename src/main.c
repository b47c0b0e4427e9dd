/* main.c — picks the window or the command line
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "culvert-application.h"
#include "culvert-cli.h"

int
main (int    argc,
      char **argv)
{
  g_autoptr(CulvertApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* Headless and store commands never touch GTK, so they run without a display. */
  if (culvert_cli_wants_argv (argc, argv))
    return culvert_cli_run (argc, argv);

  app = culvert_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}

/* culvert-cli.c — the command line without a window
 *
 * `culvert --version`, `--help` and the store and headless commands run here,
 * before GTK is touched, so they work over SSH and in scripts with no display.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <libssh/libssh.h>
#include <stdio.h>
#include <string.h>

#include "culvert-cli.h"
#include "culvert-cli-private.h"

/* Arguments that mean "no window": anything else goes to the application. */
static const char * const generic_switches[] = {
  "-h", "--help", "--help-all", "--version", NULL
};
static const char * const store_switches[] = {
  "--list", "--import-ssh-config", "--export", "--delete", NULL
};
static const char * const headless_switches[] = {
  "--headless", NULL
};

static gboolean
argv_has_any (int                 argc,
              char              **argv,
              const char * const *switches)
{
  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i];

      if (g_strcmp0 (arg, "--") == 0)
        break;

      for (guint j = 0; switches[j] != NULL; j++)
        {
          gsize len = strlen (switches[j]);

          if (strncmp (arg, switches[j], len) == 0 && (arg[len] == '\0' || arg[len] == '='))
            return TRUE;
        }
    }

  return FALSE;
}

gboolean
culvert_cli_wants_argv (int    argc,
                        char **argv)
{
  return argv_has_any (argc, argv, generic_switches) ||
         argv_has_any (argc, argv, store_switches) ||
         argv_has_any (argc, argv, headless_switches);
}

static void
print_version (void)
{
  g_print ("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
  g_print (_("libssh %s, GLib %u.%u.%u"), ssh_version (0),
           glib_major_version, glib_minor_version, glib_micro_version);
  g_print ("\n");
}

int
culvert_cli_run (int    argc,
                 char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) args = NULL;
  gboolean version = FALSE;
  gboolean new_connection = FALSE;
  gboolean background = FALSE;
  g_autofree char *connect_name = NULL;
  GOptionEntry entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, &version,
      N_("Show the version and exit"), NULL },
    { "new-connection", 0, 0, G_OPTION_ARG_NONE, &new_connection,
      N_("Open the window with the New Connection dialog"), NULL },
    { "connect", 0, 0, G_OPTION_ARG_STRING, &connect_name,
      N_("Open the window and connect a saved connection"), N_("NAME-OR-ID") },
    { "background", 0, 0, G_OPTION_ARG_NONE, &background,
      N_("Start the connections marked to connect at startup, without the window"), NULL },
    { NULL }
  };

  if (argv_has_any (argc, argv, headless_switches))
    return culvert_headless_main (argc, argv);
  if (argv_has_any (argc, argv, store_switches))
    return culvert_cli_store_main (argc, argv);

  context = g_option_context_new (NULL);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
                                _("Culvert keeps SSH port forwards running. Without options it "
                                  "opens its window."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_description (context,
    _("Other modes:\n"
      "  culvert --headless [ssh-like flags] [user@]host   Serve forwards without a window\n"
      "  culvert --headless --profile NAME-OR-ID          Serve a saved connection\n"
      "  culvert --list                                   List saved connections\n"
      "  culvert --import-ssh-config [PATH]               Import Host blocks from ~/.ssh/config\n"
      "  culvert --export NAME-OR-ID --format=command|ssh-config\n"
      "  culvert --delete NAME-OR-ID                      Delete a saved connection\n"
      "\n"
      "Run “culvert --headless --help” for the headless flags."));

  /* main()'s argv ends with NULL; the parser edits its own copy. */
  args = g_strdupv (argv);

  if (!g_option_context_parse_strv (context, &args, &error))
    {
      g_printerr ("culvert: %s\n", error->message);
      g_printerr (_("Run “%s --help” to see the options."), "culvert");
      g_printerr ("\n");
      return 2;
    }

  if (version)
    {
      print_version ();
      return 0;
    }

  g_printerr ("culvert: %s\n", _("Nothing to do."));
  return 2;
}

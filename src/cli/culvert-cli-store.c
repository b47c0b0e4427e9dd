/* culvert-cli-store.c — the profile store on the command line
 *
 *   culvert --list
 *   culvert --import-ssh-config [PATH]
 *   culvert --export NAME-OR-ID [--format=command|ssh-config]
 *   culvert --delete NAME-OR-ID
 *
 * Results go to stdout, errors to stderr with a non-zero exit: 1 when the
 * command failed, 2 when the command line itself was wrong.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "culvert-cli-private.h"
#include "culvert-profile-store.h"
#include "culvert-ssh-config.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2

typedef struct
{
  gboolean  list;
  gboolean  import;
  char     *import_path;
  char     *export_name;
  char     *format;
  char     *delete_name;
} StoreOptions;

static gboolean
on_import_ssh_config (const char  *option_name,
                      const char  *value,
                      gpointer     data,
                      GError     **error)
{
  StoreOptions *options = data;

  options->import = TRUE;
  g_free (options->import_path);
  options->import_path = g_strdup (value);
  return TRUE;
}

static void
print_error (const char *message)
{
  g_printerr ("culvert: %s\n", message);
}

static int
usage_error (const char *message)
{
  print_error (message);
  g_printerr (_("Run “%s --help” to see the options."), "culvert");
  g_printerr ("\n");
  return EXIT_USAGE;
}

static CulvertProfileStore *
open_store (GError **error)
{
  g_autoptr(CulvertProfileStore) store = culvert_profile_store_new (NULL);
  GPtrArray *problems;

  if (!culvert_profile_store_load (store, error))
    return NULL;

  /* Damaged files were moved aside: say so, and go on with the others. */
  problems = culvert_profile_store_get_problems (store);
  for (guint i = 0; i < problems->len; i++)
    print_error (((GError *) g_ptr_array_index (problems, i))->message);

  return g_steal_pointer (&store);
}

/* An id, or a name that only one profile has. */
static CulvertProfile *
find_profile (CulvertProfileStore  *store,
              const char           *name_or_id,
              GError              **error)
{
  CulvertProfile *found = culvert_profile_store_find (store, name_or_id);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store));
  guint same_name = 0;

  if (found == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("There is no saved connection called “%s”"), name_or_id);
      return NULL;
    }

  if (g_strcmp0 (culvert_profile_get_id (found), name_or_id) == 0)
    return found;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CulvertProfile) profile = g_list_model_get_item (G_LIST_MODEL (store), i);
      const char *name = culvert_profile_get_name (profile);
      g_autofree char *a = name != NULL ? g_utf8_casefold (name, -1) : NULL;
      g_autofree char *b = g_utf8_casefold (culvert_profile_get_name (found), -1);

      if (g_strcmp0 (a, b) == 0)
        same_name++;
    }

  if (same_name > 1)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("%u saved connections are called “%s”; use the id from “culvert --list”"),
                   same_name, name_or_id);
      return NULL;
    }

  return found;
}

static int
run_list (void)
{
  g_autoptr(CulvertProfileStore) store = NULL;
  g_autoptr(GError) error = NULL;
  guint n;

  store = open_store (&error);
  if (store == NULL)
    {
      print_error (error->message);
      return EXIT_FAILED;
    }

  n = g_list_model_get_n_items (G_LIST_MODEL (store));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CulvertProfile) profile = g_list_model_get_item (G_LIST_MODEL (store), i);
      GListModel *forwards = culvert_profile_get_forwards (profile);
      const char *user = culvert_profile_get_user (profile);
      const char *host = culvert_profile_get_host (profile);
      g_autofree char *bracketed = culvert_address_format_host (host != NULL ? host : "");
      g_autoptr(GString) line = g_string_new (NULL);

      g_string_append_printf (line, "%s\t%s\t", culvert_profile_get_id (profile),
                              culvert_profile_get_display_name (profile));
      if (user != NULL)
        g_string_append_printf (line, "%s@", user);
      g_string_append_printf (line, "%s:%u\t", bracketed, culvert_profile_get_port (profile));

      for (guint j = 0; j < g_list_model_get_n_items (forwards); j++)
        {
          g_autoptr(CulvertForward) forward = g_list_model_get_item (forwards, j);
          g_autofree char *spec = culvert_forward_to_string (forward);

          if (j > 0)
            g_string_append_c (line, ' ');
          g_string_append_printf (line, "%s%s %s",
                                  culvert_forward_get_enabled (forward) ? "" : "#",
                                  culvert_forward_kind_to_flag (culvert_forward_get_kind (forward)),
                                  spec);
          /* open_store() said why on stderr. */
          if (!culvert_forward_validate (forward, NULL))
            g_string_append (line, _(" (damaged, does not run)"));
        }

      g_print ("%s\n", line->str);
    }

  return 0;
}

static int
run_import (const char *path)
{
  g_autoptr(CulvertProfileStore) store = NULL;
  g_autoptr(CulvertSshImport) import = NULL;
  g_autoptr(GPtrArray) off_host = NULL;
  g_autoptr(CulvertSshImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  store = open_store (&error);
  if (store == NULL)
    {
      print_error (error->message);
      return EXIT_FAILED;
    }

  import = culvert_ssh_import_read (path, &error);
  if (import == NULL)
    {
      print_error (error->message);
      return EXIT_FAILED;
    }

  /* Nothing that lets other computers in changes silently: each such
   * forward is named, with who can connect, before it is saved. */
  off_host = culvert_ssh_import_prepare (import, store);
  for (guint i = 0; i < off_host->len; i++)
    {
      CulvertSshImportOffHost *entry = g_ptr_array_index (off_host, i);
      g_autofree char *spec = culvert_forward_to_string (entry->forward);

      /* Translators: NAME: -L SPEC: who can connect */
      g_printerr (_("Warning: “%s”: %s %s: %s\n"), entry->profile_name,
                  culvert_forward_kind_to_flag (culvert_forward_get_kind (entry->forward)),
                  spec, entry->description);
    }

  if (!culvert_ssh_import_apply (import, store, &report, &error))
    {
      print_error (error->message);
      return EXIT_FAILED;
    }

  text = culvert_ssh_import_report_to_string (report);
  g_print ("%s", text);
  return 0;
}

static int
run_export (const char *name_or_id,
            const char *format)
{
  g_autoptr(CulvertProfileStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  CulvertProfile *profile;

  if (format == NULL)
    format = "command";
  if (g_strcmp0 (format, "command") != 0 && g_strcmp0 (format, "ssh-config") != 0)
    {
      g_autofree char *message =
        g_strdup_printf (_("Unknown export format “%s”: use “command” or “ssh-config”"), format);

      return usage_error (message);
    }

  store = open_store (&error);
  if (store == NULL)
    {
      print_error (error->message);
      return EXIT_FAILED;
    }

  profile = find_profile (store, name_or_id, &error);
  if (profile == NULL)
    {
      print_error (error->message);
      return EXIT_FAILED;
    }

  /* A damaged forward has no command that means it. */
  for (guint i = 0; i < g_list_model_get_n_items (culvert_profile_get_forwards (profile)); i++)
    {
      g_autoptr(CulvertForward) forward =
        g_list_model_get_item (culvert_profile_get_forwards (profile), i);
      g_autoptr(GError) invalid = NULL;

      if (!culvert_forward_validate (forward, &invalid))
        {
          g_autofree char *message =
            g_strdup_printf (_("Forward %u of “%s” is damaged (%s), so nothing was exported; "
                               "fix or remove it first."),
                             i + 1, culvert_profile_get_display_name (profile), invalid->message);

          print_error (message);
          return EXIT_FAILED;
        }
    }

  if (g_strcmp0 (format, "command") == 0)
    {
      text = culvert_profile_to_command_line (profile);
      g_print ("%s\n", text);
    }
  else
    {
      text = culvert_profile_to_ssh_config (profile);
      g_print ("%s", text);
    }

  return 0;
}

static int
run_delete (const char *name_or_id)
{
  g_autoptr(CulvertProfileStore) store = NULL;
  g_autoptr(CulvertProfile) profile = NULL;
  g_autoptr(GError) error = NULL;

  store = open_store (&error);
  if (store == NULL)
    {
      print_error (error->message);
      return EXIT_FAILED;
    }

  profile = find_profile (store, name_or_id, &error);
  if (profile == NULL)
    {
      print_error (error->message);
      return EXIT_FAILED;
    }
  g_object_ref (profile);

  if (!culvert_profile_store_delete_profile (store, profile, &error))
    {
      print_error (error->message);
      return EXIT_FAILED;
    }

  g_print (_("Deleted “%s” (%s)"), culvert_profile_get_display_name (profile),
           culvert_profile_get_id (profile));
  g_print ("\n");
  return 0;
}

int
culvert_cli_store_main (int    argc,
                        char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) args = NULL;
  g_auto(GStrv) rest = NULL;
  StoreOptions options = { FALSE, };
  guint n_modes;
  guint n_rest;
  int status;
  GOptionEntry entries[] = {
    { "list", 0, 0, G_OPTION_ARG_NONE, &options.list,
      N_("List the saved connections: id, name, user@host:port, forwards"), NULL },
    { "import-ssh-config", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK,
      on_import_ssh_config,
      N_("Import the Host blocks of an OpenSSH client config (default ~/.ssh/config)"),
      N_("PATH") },
    { "export", 0, 0, G_OPTION_ARG_STRING, &options.export_name,
      N_("Print a saved connection as an ssh command or an ssh_config block"),
      N_("NAME-OR-ID") },
    { "format", 0, 0, G_OPTION_ARG_STRING, &options.format,
      N_("What --export prints: “command” (the default) or “ssh-config”"), N_("FORMAT") },
    { "delete", 0, 0, G_OPTION_ARG_STRING, &options.delete_name,
      N_("Delete a saved connection"), N_("NAME-OR-ID") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &rest, NULL, NULL },
    { NULL }
  };
  GOptionGroup *group;

  context = g_option_context_new (NULL);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
                                _("Manage Culvert’s saved connections without a window. "
                                  "They live in $XDG_CONFIG_HOME/culvert/profiles."));
  group = g_option_group_new (NULL, NULL, NULL, &options, NULL);
  g_option_group_add_entries (group, entries);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  g_option_context_set_main_group (context, group);

  /* main()'s argv ends with NULL; the parser edits its own copy. */
  args = g_strdupv (argv);

  if (!g_option_context_parse_strv (context, &args, &error))
    {
      status = usage_error (error->message);
      goto out;
    }

  n_modes = (options.list ? 1 : 0) + (options.import ? 1 : 0) +
            (options.export_name != NULL ? 1 : 0) + (options.delete_name != NULL ? 1 : 0);
  n_rest = rest != NULL ? g_strv_length (rest) : 0;

  /* “--import-ssh-config PATH” as well as “--import-ssh-config=PATH”. */
  if (options.import && options.import_path == NULL && n_rest == 1)
    {
      options.import_path = g_strdup (rest[0]);
      n_rest = 0;
    }

  if (n_modes != 1)
    {
      status = usage_error (_("Use one of --list, --import-ssh-config, --export and --delete "
                              "at a time."));
      goto out;
    }
  if (n_rest > 0)
    {
      g_autofree char *message = g_strdup_printf (_("Unexpected argument “%s”"), rest[0]);

      status = usage_error (message);
      goto out;
    }
  if (options.format != NULL && options.export_name == NULL)
    {
      status = usage_error (_("--format only goes with --export."));
      goto out;
    }

  if (options.list)
    status = run_list ();
  else if (options.import)
    status = run_import (options.import_path);
  else if (options.export_name != NULL)
    status = run_export (options.export_name, options.format);
  else
    status = run_delete (options.delete_name);

out:
  g_free (options.import_path);
  g_free (options.export_name);
  g_free (options.format);
  g_free (options.delete_name);
  return status;
}

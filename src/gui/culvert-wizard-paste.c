/* culvert-wizard-paste.c — what a pasted `user@host:port` or `ssh …` names
 *
 * People copy connection details from e-mails and shell history. Pasted
 * into the wizard's server field, `alice@db.example.org:2222`,
 * `ssh://alice@host:2222` or a whole `ssh -p 2222 -L 8080:db:5432 alice@host`
 * fill the fields they name. The pieces are read with the model's parsers
 * (jump-host syntax for `[user@]host[:port]`, forward specs for -L/-R/-D);
 * options that have nothing to fill are skipped.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "culvert-wizard-private.h"

/* OpenSSH's options that take an argument (ssh(1)). */
static const char with_argument[] = "BbcDEeFIiJLlmOoPpQRSWw";

void
culvert_wizard_paste_clear (CulvertWizardPaste *paste)
{
  g_clear_pointer (&paste->user, g_free);
  g_clear_pointer (&paste->host, g_free);
  g_clear_pointer (&paste->identity_file, g_free);
  g_clear_pointer (&paste->jump_hosts, g_ptr_array_unref);
  g_clear_pointer (&paste->forwards, g_ptr_array_unref);
  paste->port = 0;
}

static gboolean
parse_destination (const char         *text,
                   CulvertWizardPaste *paste)
{
  g_autofree char *user = NULL;
  g_autofree char *host = NULL;
  guint16 port = 0;

  if (!culvert_jump_host_parse (text, &user, &host, &port, NULL) ||
      !culvert_address_is_valid_host (host))
    return FALSE;

  g_free (paste->host);
  paste->host = g_steal_pointer (&host);
  if (user != NULL)
    {
      g_free (paste->user);
      paste->user = g_steal_pointer (&user);
    }
  if (port != 0)
    paste->port = port;
  return TRUE;
}

static void
apply_option (CulvertWizardPaste *paste,
              char                option,
              const char         *value)
{
  CulvertForward *forward = NULL;

  switch (option)
    {
    case 'p':
      culvert_address_parse_port (value, FALSE, CULVERT_PORT_FIELD_PORT, &paste->port, NULL);
      break;
    case 'l':
      g_free (paste->user);
      paste->user = g_strdup (value);
      break;
    case 'i':
      g_free (paste->identity_file);
      if (g_str_has_prefix (value, "~/"))
        paste->identity_file = g_build_filename (g_get_home_dir (), value + 2, NULL);
      else
        paste->identity_file = g_strdup (value);
      break;
    case 'J':
      {
        g_auto(GStrv) hops = g_strsplit (value, ",", -1);

        for (guint i = 0; hops[i] != NULL; i++)
          if (culvert_jump_host_parse (hops[i], NULL, NULL, NULL, NULL))
            g_ptr_array_add (paste->jump_hosts, g_strdup (hops[i]));
      }
      break;
    case 'L':
      forward = culvert_forward_parse (CULVERT_FORWARD_LOCAL, value, NULL);
      break;
    case 'R':
      forward = culvert_forward_parse (CULVERT_FORWARD_REMOTE, value, NULL);
      break;
    case 'D':
      forward = culvert_forward_parse (CULVERT_FORWARD_DYNAMIC, value, NULL);
      break;
    case 'o':
      {
        /* -o Port=2222, -o "User alice" */
        g_auto(GStrv) pair = g_regex_split_simple ("\\s*[=\\s]\\s*", value, 0, 0);

        if (g_strv_length (pair) == 2)
          {
            if (g_ascii_strcasecmp (pair[0], "Port") == 0)
              apply_option (paste, 'p', pair[1]);
            else if (g_ascii_strcasecmp (pair[0], "User") == 0)
              apply_option (paste, 'l', pair[1]);
            else if (g_ascii_strcasecmp (pair[0], "IdentityFile") == 0)
              apply_option (paste, 'i', pair[1]);
            else if (g_ascii_strcasecmp (pair[0], "ProxyJump") == 0)
              apply_option (paste, 'J', pair[1]);
          }
      }
      break;
    default:
      break;
    }

  if (forward != NULL)
    g_ptr_array_add (paste->forwards, forward);
}

static gboolean
parse_command (char               **argv,
               CulvertWizardPaste  *paste)
{
  gboolean have_destination = FALSE;

  for (guint i = 1; argv[i] != NULL && !have_destination; i++)
    {
      const char *arg = argv[i];

      if (g_strcmp0 (arg, "--") == 0)
        {
          if (argv[i + 1] != NULL)
            have_destination = parse_destination (argv[i + 1], paste);
          break;
        }
      if (arg[0] != '-' || arg[1] == '\0')
        {
          have_destination = parse_destination (arg, paste);
          break;
        }

      /* Flags may be grouped (-NfL 8080:db:5432); an option's value is the
       * rest of the word or the next word. */
      for (const char *p = arg + 1; *p != '\0'; p++)
        {
          if (strchr (with_argument, *p) != NULL)
            {
              const char *value = p[1] != '\0' ? p + 1 : argv[i + 1];

              if (value == NULL)
                return FALSE;
              if (p[1] == '\0')
                i++;
              apply_option (paste, *p, value);
              break;
            }
        }
    }

  return have_destination;
}

gboolean
culvert_wizard_paste_parse (const char         *text,
                            CulvertWizardPaste *paste)
{
  g_auto(GStrv) argv = NULL;
  g_autofree char *base = NULL;

  g_return_val_if_fail (text != NULL, FALSE);

  culvert_wizard_paste_clear (paste);
  paste->jump_hosts = g_ptr_array_new_with_free_func (g_free);
  paste->forwards = g_ptr_array_new_with_free_func (g_object_unref);

  while (g_ascii_isspace (*text))
    text++;
  if (*text == '$')  /* a prompt copied along */
    text++;

  if (!g_shell_parse_argv (text, NULL, &argv, NULL))
    return FALSE;

  base = g_path_get_basename (argv[0]);
  if (g_strcmp0 (base, "ssh") == 0)
    return parse_command (argv, paste);

  /* A single word that says more than a host name. */
  if (argv[1] != NULL || strpbrk (argv[0], "@:") == NULL)
    return FALSE;
  if (!parse_destination (argv[0], paste))
    return FALSE;
  /* An IPv6 address alone is a host, nothing to fill. */
  return paste->user != NULL || paste->port != 0;
}

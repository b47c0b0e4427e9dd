/* culvert-ssh-argv.c — ssh's command-line forms, in words GOption reads
 *
 * ssh takes its options as getopt does: a value may stand in the same
 * word as its flag (-p2222, -oKey=value, -L8080:host:80), several flags
 * may share a dash (-gNT), and options may follow the host. GOption reads
 * none of the first two, so each word is rewritten first: every flag on
 * its own, every value after it. Flags of ssh that have no meaning for a
 * tunnel without a command are taken and dropped; flags for things
 * Culvert does not do are refused with the reason, not as "unknown".
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "culvert-cli-private.h"

/* OpenSSH 9's getopt string, less the ones Culvert reads itself. */
#define SSH_FLAGS_WITH_VALUE "bceilmopBDEFIJLOPQRSwW"

typedef enum
{
  KEEP,     /* Culvert's own: passed on */
  DROP,     /* no effect on a tunnel without a command: taken and dropped */
  REFUSE,   /* something Culvert does not do */
} Treatment;

typedef struct
{
  char        letter;
  Treatment   treatment;
  const char *reason;    /* REFUSE: why, for the message */
} Flag;

static const Flag flags[] = {
  /* Culvert's own */
  { 'p', KEEP, NULL }, { 'l', KEEP, NULL }, { 'i', KEEP, NULL }, { 'L', KEEP, NULL },
  { 'R', KEEP, NULL }, { 'D', KEEP, NULL }, { 'J', KEEP, NULL }, { 'o', KEEP, NULL },
  { 'F', KEEP, NULL }, { 'g', KEEP, NULL }, { 'N', KEEP, NULL }, { 'f', KEEP, NULL },
  { 'V', KEEP, NULL }, { 'W', KEEP, NULL },
  /* Nothing to do when no command runs and no terminal is asked for:
   * no tty (-T, -t), stdin (-n), quiet (-q), verbose (-v), X11 (-x, -X,
   * -Y), agent forwarding (-a, -A), GSSAPI delegation off (-k), the
   * escape character (-e), syslog (-y), protocol 1 and 2 (-1, -2),
   * compression (-C: Culvert's tunnels run uncompressed, as ssh's do by
   * default). */
  { 'T', DROP, NULL }, { 't', DROP, NULL }, { 'n', DROP, NULL }, { 'q', DROP, NULL },
  { 'v', DROP, NULL }, { 'x', DROP, NULL }, { 'X', DROP, NULL }, { 'Y', DROP, NULL },
  { 'a', DROP, NULL }, { 'A', DROP, NULL }, { 'k', DROP, NULL }, { 'e', DROP, NULL },
  { 'y', DROP, NULL }, { '1', DROP, NULL }, { '2', DROP, NULL }, { 'C', DROP, NULL },
  /* Things Culvert does not do. */
  { '4', REFUSE, N_("choosing IPv4 alone is not supported; Culvert tries every address "
                    "of the server") },
  { '6', REFUSE, N_("choosing IPv6 alone is not supported; Culvert tries every address "
                    "of the server") },
  { 'b', REFUSE, N_("choosing the local address of the connection is not supported") },
  { 'B', REFUSE, N_("choosing the network interface of the connection is not supported") },
  { 'c', REFUSE, N_("choosing ciphers is not supported; libssh picks the best both sides "
                    "have") },
  { 'm', REFUSE, N_("choosing MACs is not supported; libssh picks the best both sides "
                    "have") },
  { 'E', REFUSE, N_("a debug log file is not supported; use --json for the events") },
  { 'G', REFUSE, N_("printing the configuration is not supported") },
  { 'I', REFUSE, N_("PKCS#11 tokens are not supported") },
  { 'K', REFUSE, N_("Kerberos (GSSAPI) logins are not supported") },
  { 'M', REFUSE, N_("connection sharing (ControlMaster) is not supported") },
  { 'O', REFUSE, N_("connection sharing (ControlMaster) is not supported") },
  { 'S', REFUSE, N_("connection sharing (ControlPath) is not supported") },
  { 'P', REFUSE, N_("tags (-P) are not supported") },
  { 'Q', REFUSE, N_("querying algorithms is not supported") },
  { 's', REFUSE, N_("subsystems are not supported: Culvert runs no command") },
  { 'w', REFUSE, N_("tunnel devices (-w) are not supported") },
};

static const Flag *
find_flag (char letter)
{
  for (guint i = 0; i < G_N_ELEMENTS (flags); i++)
    if (flags[i].letter == letter)
      return &flags[i];
  return NULL;
}

static gboolean
takes_value (char letter)
{
  return letter != '\0' && strchr (SSH_FLAGS_WITH_VALUE, letter) != NULL;
}

char **
culvert_ssh_argv_split (char   **argv,
                        GError **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  gboolean options_over = FALSE;

  g_return_val_if_fail (argv != NULL, NULL);

  for (guint i = 0; argv[i] != NULL; i++)
    {
      const char *word = argv[i];

      /* The program, long options, "-" and every word after "--" stay. */
      if (i == 0 || options_over || word[0] != '-' || word[1] == '\0' || word[1] == '-')
        {
          if (!options_over && strcmp (word, "--") == 0)
            options_over = TRUE;
          g_ptr_array_add (out, g_strdup (word));
          continue;
        }

      for (const char *p = word + 1; *p != '\0'; p++)
        {
          const Flag *flag = find_flag (*p);
          const char *value = NULL;
          gboolean value_next = FALSE;

          if (takes_value (*p))
            {
              if (p[1] != '\0')
                value = p + 1;
              else if (argv[i + 1] != NULL)
                value_next = TRUE;
            }

          if (flag == NULL)
            {
              /* GOption says it is unknown, with the letter. */
              g_ptr_array_add (out, g_strdup_printf ("-%c", *p));
            }
          else if (flag->treatment == REFUSE)
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION,
                           _("-%c: %s"), *p, _(flag->reason));
              return NULL;
            }
          else if (flag->treatment == KEEP)
            {
              g_ptr_array_add (out, g_strdup_printf ("-%c", *p));
              if (value != NULL)
                g_ptr_array_add (out, g_strdup (value));
              else if (value_next)
                g_ptr_array_add (out, g_strdup (argv[++i]));
            }
          else if (value_next)
            {
              i++;  /* DROP: its value goes with it */
            }

          if (value != NULL || value_next)
            break;
        }
    }

  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

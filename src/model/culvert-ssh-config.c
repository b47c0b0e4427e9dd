/* culvert-ssh-config.c — import connections from OpenSSH's client config
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "culvert-address.h"
#include "culvert-ssh-config.h"

/* As OpenSSH: 16 levels of Include. A file that includes itself (or a
 * few files that include each other) fans out without ever going deeper
 * than that, so the total number of files read is bounded too. */
#define MAX_INCLUDE_DEPTH 16
#define MAX_INCLUDED_FILES 256
#define MAX_LINE_LENGTH CULVERT_SSH_CONFIG_MAX_LINE

typedef enum
{
  BLOCK_GLOBAL,
  BLOCK_HOST,
  BLOCK_MATCH,
} BlockKind;

typedef struct
{
  BlockKind   kind;
  char      **patterns;
} Block;

typedef struct
{
  char   *keyword;      /* as written */
  char   *lower;        /* lower case, for matching */
  char  **args;
  char   *where;        /* "file:line" */
  guint   block;
} Entry;

struct _CulvertSshConfig
{
  GPtrArray  *blocks;        /* of Block */
  GPtrArray  *entries;       /* of Entry */
  GPtrArray  *notes;         /* of char*, "file:line: …" */
  guint       current_block;
  guint       depth;
  guint       included_files;
  gboolean    too_many_includes;
  gboolean    follow_includes;
};

static const char * const supported_keywords[] = {
  "host", "match", "include", "hostname", "user", "port", "identityfile", "proxyjump",
  "serveraliveinterval", "serveralivecountmax", "gatewayports", "localforward",
  "remoteforward", "dynamicforward", "userknownhostsfile", "preferredauthentications",
  "identitiesonly", NULL
};

static void
block_free (Block *block)
{
  g_strfreev (block->patterns);
  g_free (block);
}

static void
entry_free (Entry *entry)
{
  g_free (entry->keyword);
  g_free (entry->lower);
  g_strfreev (entry->args);
  g_free (entry->where);
  g_free (entry);
}

CulvertSshConfig *
culvert_ssh_config_new (void)
{
  CulvertSshConfig *self = g_new0 (CulvertSshConfig, 1);
  Block *global = g_new0 (Block, 1);

  self->blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) block_free);
  self->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  self->notes = g_ptr_array_new_with_free_func (g_free);

  global->kind = BLOCK_GLOBAL;
  g_ptr_array_add (self->blocks, global);
  self->current_block = 0;

  return self;
}

void
culvert_ssh_config_free (CulvertSshConfig *self)
{
  if (self == NULL)
    return;

  g_ptr_array_unref (self->blocks);
  g_ptr_array_unref (self->entries);
  g_ptr_array_unref (self->notes);
  g_free (self);
}

CulvertSshImportReport *
culvert_ssh_import_report_new (void)
{
  CulvertSshImportReport *report = g_new0 (CulvertSshImportReport, 1);

  report->created = g_ptr_array_new_with_free_func (g_free);
  report->updated = g_ptr_array_new_with_free_func (g_free);
  report->unchanged = g_ptr_array_new_with_free_func (g_free);
  report->skipped = g_ptr_array_new_with_free_func (g_free);
  report->unsupported = g_ptr_array_new_with_free_func (g_free);
  report->notes = g_ptr_array_new_with_free_func (g_free);

  return report;
}

void
culvert_ssh_import_report_free (CulvertSshImportReport *report)
{
  if (report == NULL)
    return;

  g_ptr_array_unref (report->created);
  g_ptr_array_unref (report->updated);
  g_ptr_array_unref (report->unchanged);
  g_ptr_array_unref (report->skipped);
  g_ptr_array_unref (report->unsupported);
  g_ptr_array_unref (report->notes);
  g_free (report);
}

static void
append_section (GString    *str,
                const char *title,
                GPtrArray  *items)
{
  if (items->len == 0)
    return;

  g_string_append_printf (str, "%s\n", title);
  for (guint i = 0; i < items->len; i++)
    g_string_append_printf (str, "  %s\n", (const char *) g_ptr_array_index (items, i));
}

char *
culvert_ssh_import_report_to_string (CulvertSshImportReport *report)
{
  GString *str = g_string_new (NULL);

  g_return_val_if_fail (report != NULL, NULL);

  append_section (str, _("Created:"), report->created);
  append_section (str, _("Updated:"), report->updated);
  append_section (str, _("Already up to date:"), report->unchanged);
  append_section (str, _("Skipped:"), report->skipped);
  append_section (str, _("Unsupported keywords (not imported):"), report->unsupported);
  append_section (str, _("Notes:"), report->notes);
  if (str->len == 0)
    g_string_append_printf (str, "%s\n", _("No hosts were found."));

  return g_string_free (str, FALSE);
}

char *
culvert_ssh_config_dup_default_path (void)
{
  return g_build_filename (g_get_home_dir (), ".ssh", "config", NULL);
}

/* Tokens */

static void
add_note (CulvertSshConfig *self,
          const char       *where,
          const char       *text)
{
  g_ptr_array_add (self->notes, g_strdup_printf ("%s: %s", where, text));
}

/* Splits the arguments after a keyword as OpenSSH's argv_split() does:
 * words separated by blanks, "…" and '…' group, a backslash escapes a
 * quote or a backslash anywhere and a space outside quotes (any other
 * backslash stays), and a word starting with # ends the line. */
static char **
split_arguments (const char  *text,
                 gboolean    *ok)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  const char *p = text;

  *ok = TRUE;
  for (;;)
    {
      g_autoptr(GString) word = NULL;
      char quote = 0;

      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '\0' || *p == '#')
        break;

      word = g_string_new (NULL);
      for (; *p != '\0'; p++)
        {
          if (*p == '\\' && (p[1] == '"' || p[1] == '\'' || p[1] == '\\' ||
                              (quote == 0 && p[1] == ' ')))
            g_string_append_c (word, *++p);
          else if (quote == 0 && (*p == ' ' || *p == '\t'))
            break;
          else if (quote == 0 && (*p == '"' || *p == '\''))
            quote = *p;
          else if (quote != 0 && *p == quote)
            quote = 0;
          else
            g_string_append_c (word, *p);
        }
      if (quote != 0)
        {
          *ok = FALSE;
          return NULL;
        }
      g_ptr_array_add (args, g_string_free (g_steal_pointer (&word), FALSE));
    }

  g_ptr_array_add (args, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&args), FALSE);
}

/* ssh reads a Host pattern with commas as a list of patterns. */
static char **
split_pattern_lists (char **patterns)
{
  g_autoptr(GPtrArray) split = g_ptr_array_new ();

  for (guint i = 0; patterns[i] != NULL; i++)
    {
      g_auto(GStrv) items = g_strsplit (patterns[i], ",", -1);

      /* An empty pattern names no host (ssh refuses it). */
      for (guint j = 0; items[j] != NULL; j++)
        if (items[j][0] != '\0')
          g_ptr_array_add (split, g_strdup (items[j]));
    }
  g_ptr_array_add (split, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&split), FALSE);
}

static void parse_include (CulvertSshConfig  *self,
                           const char        *where,
                           char             **args);

static void
parse_line (CulvertSshConfig *self,
            const char       *line,
            const char       *where)
{
  g_autofree char *keyword = NULL;
  g_auto(GStrv) args = NULL;
  const char *p = line;
  const char *start;
  gboolean ok;
  Entry *entry;

  while (*p == ' ' || *p == '\t')
    p++;
  if (*p == '\0' || *p == '#')
    return;

  start = p;
  while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '=')
    p++;
  keyword = g_strndup (start, p - start);
  if (keyword[0] == '\0')
    {
      add_note (self, where, _("a line without a keyword was ignored"));
      return;
    }

  /* One "=" may separate the keyword from its value, with blanks around it. */
  while (*p == ' ' || *p == '\t')
    p++;
  if (*p == '=')
    p++;

  args = split_arguments (p, &ok);
  if (!ok)
    {
      g_autofree char *text = g_strdup_printf (_("%s has a quote that is not closed; the line "
                                                 "was ignored"), keyword);

      add_note (self, where, text);
      return;
    }

  if (g_ascii_strcasecmp (keyword, "Host") == 0)
    {
      Block *block = g_new0 (Block, 1);

      block->kind = BLOCK_HOST;
      block->patterns = split_pattern_lists (args);
      g_ptr_array_add (self->blocks, block);
      self->current_block = self->blocks->len - 1;
      if (block->patterns[0] == NULL)
        add_note (self, where, _("a Host line without a pattern matches nothing"));
      return;
    }

  if (g_ascii_strcasecmp (keyword, "Match") == 0)
    {
      Block *block = g_new0 (Block, 1);

      block->kind = BLOCK_MATCH;
      block->patterns = g_steal_pointer (&args);
      g_ptr_array_add (self->blocks, block);
      self->current_block = self->blocks->len - 1;
      add_note (self, where, _("Match blocks are not imported; the lines up to the next "
                               "Host or Match were skipped"));
      return;
    }

  if (g_ascii_strcasecmp (keyword, "Include") == 0)
    {
      parse_include (self, where, args);
      return;
    }

  /* ssh stops at an empty value ("Missing argument"); Culvert leaves the line out. */
  if (args[0] != NULL && args[0][0] == '\0')
    {
      g_autofree char *text = g_strdup_printf ("%s %s", keyword,
                                             _("has no value and was ignored"));

      add_note (self, where, text);
      return;
    }

  entry = g_new0 (Entry, 1);
  entry->lower = g_ascii_strdown (keyword, -1);
  entry->keyword = g_steal_pointer (&keyword);
  entry->args = g_steal_pointer (&args);
  entry->where = g_strdup (where);
  entry->block = self->current_block;
  g_ptr_array_add (self->entries, entry);
}

void
culvert_ssh_config_parse_data (CulvertSshConfig *self,
                               const char       *data,
                               gsize             length,
                               const char       *origin)
{
  gsize pos = 0;
  guint line_number = 0;
  guint saved_block;

  g_return_if_fail (self != NULL);
  g_return_if_fail (data != NULL || length == 0);

  if (origin == NULL)
    origin = "ssh_config";

  /* Lines before the first Host of an included file belong to the block
   * that included it; afterwards the including file goes on in its own. */
  saved_block = self->current_block;

  while (pos < length && !self->too_many_includes)
    {
      const char *line_start = data + pos;
      const char *newline = memchr (line_start, '\n', length - pos);
      gsize line_length = newline != NULL ? (gsize) (newline - line_start) : length - pos;
      g_autofree char *where = NULL;
      g_autofree char *line = NULL;

      pos += line_length + (newline != NULL ? 1 : 0);
      line_number++;
      where = g_strdup_printf ("%s:%u", origin, line_number);

      /* As ssh: blanks, \r and \f at the end of a line do not count. */
      while (line_length > 0 && (line_start[line_length - 1] == ' ' ||
                                 line_start[line_length - 1] == '\t' ||
                                 line_start[line_length - 1] == '\r' ||
                                 line_start[line_length - 1] == '\f'))
        line_length--;
      if (line_length > MAX_LINE_LENGTH)
        {
          add_note (self, where, _("the line is too long and was ignored"));
          continue;
        }
      if (!g_utf8_validate_len (line_start, line_length, NULL))
        {
          add_note (self, where, _("the line is not valid UTF-8 and was ignored"));
          continue;
        }

      line = g_strndup (line_start, line_length);
      parse_line (self, line, where);
    }

  self->current_block = saved_block;
}

/* Include */

static char *
expand_tilde (const char *path)
{
  if (path[0] == '~' && (path[1] == '/' || path[1] == '\0'))
    return g_strconcat (g_get_home_dir (), path + 1, NULL);
  return g_strdup (path);
}

static gboolean
has_glob (const char *text)
{
  return strpbrk (text, "*?") != NULL;
}

/* Expands a path whose components may hold * and ?, into sorted matches. */
static void
expand_glob (const char *dir,
             char      **components,
             GPtrArray  *matches)
{
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GDir) handle = NULL;
  const char *name;

  if (components[0] == NULL)
    {
      if (g_file_test (dir, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (matches, g_strdup (dir));
      return;
    }

  if (components[0][0] == '\0')
    {
      expand_glob (dir, components + 1, matches);
      return;
    }

  if (!has_glob (components[0]))
    {
      g_autofree char *child = g_build_filename (dir, components[0], NULL);

      expand_glob (child, components + 1, matches);
      return;
    }

  handle = g_dir_open (dir, 0, NULL);
  if (handle == NULL)
    return;

  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (handle)) != NULL)
    {
      if (name[0] == '.' && components[0][0] != '.')
        continue;
      if (g_pattern_match_simple (components[0], name))
        g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *child = g_build_filename (dir, g_ptr_array_index (names, i), NULL);

      expand_glob (child, components + 1, matches);
    }
}

static void
include_file (CulvertSshConfig *self,
              const char       *path,
              const char       *where)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Include %s: %s"), path, error->message);

      add_note (self, where, text);
      return;
    }

  self->depth++;
  culvert_ssh_config_parse_data (self, contents, length, path);
  self->depth--;
}

static void
parse_include (CulvertSshConfig  *self,
               const char        *where,
               char             **args)
{
  if (!self->follow_includes)
    {
      add_note (self, where, _("Include is not followed when reading text alone"));
      return;
    }
  if (self->too_many_includes)
    return;
  if (self->depth >= MAX_INCLUDE_DEPTH)
    {
      add_note (self, where, _("Include nested too deeply; not followed"));
      self->too_many_includes = TRUE;
      return;
    }
  if (args[0] == NULL)
    {
      add_note (self, where, _("Include without a file name"));
      return;
    }

  for (guint i = 0; args[i] != NULL; i++)
    {
      g_autofree char *expanded = expand_tilde (args[i]);
      g_autofree char *absolute = NULL;
      g_autoptr(GPtrArray) matches = g_ptr_array_new_with_free_func (g_free);
      g_auto(GStrv) components = NULL;

      /* Relative to ~/.ssh, as for a user's own config. */
      if (g_path_is_absolute (expanded))
        absolute = g_steal_pointer (&expanded);
      else
        absolute = g_build_filename (g_get_home_dir (), ".ssh", expanded, NULL);

      components = g_strsplit (absolute + 1, "/", -1);
      expand_glob ("/", components, matches);

      if (matches->len == 0)
        {
          g_autofree char *text = g_strdup_printf (_("Include %s matched no file"), args[i]);

          add_note (self, where, text);
        }

      for (guint j = 0; j < matches->len && !self->too_many_includes; j++)
        {
          if (++self->included_files > MAX_INCLUDED_FILES)
            {
              add_note (self, where, _("Include reads too many files; not followed"));
              self->too_many_includes = TRUE;
              return;
            }
          include_file (self, g_ptr_array_index (matches, j), where);
        }
    }
}

gboolean
culvert_ssh_config_parse_file (CulvertSshConfig  *self,
                               const char        *path,
                               GError           **error)
{
  g_autofree char *contents = NULL;
  gsize length;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!g_file_get_contents (path, &contents, &length, error))
    return FALSE;

  self->follow_includes = TRUE;
  culvert_ssh_config_parse_data (self, contents, length, path);
  self->follow_includes = FALSE;

  /* OpenSSH stops with "Too many recursive configuration includes"; a
   * half-read configuration is not what the user wrote, so nothing of it
   * is used. */
  if (self->too_many_includes)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("%s: too many recursive configuration includes (more than %u levels "
                     "or %u files); nothing was read from it"),
                   path, MAX_INCLUDE_DEPTH, MAX_INCLUDED_FILES);
      return FALSE;
    }

  return TRUE;
}

/* Building profiles */

static gboolean
is_concrete_pattern (const char *pattern)
{
  return pattern[0] != '!' && strpbrk (pattern, "*?") == NULL;
}

/* OpenSSH's match_hostname(): case-insensitive globs, a matching negated
 * pattern rules the block out. */
static gboolean
block_matches (Block      *block,
               const char *alias)
{
  g_autofree char *lower = g_ascii_strdown (alias, -1);
  gboolean found = FALSE;

  switch (block->kind)
    {
    case BLOCK_GLOBAL:
      return TRUE;
    case BLOCK_MATCH:
      return FALSE;
    case BLOCK_HOST:
    default:
      break;
    }

  for (guint i = 0; block->patterns[i] != NULL; i++)
    {
      const char *pattern = block->patterns[i];
      gboolean negated = pattern[0] == '!';
      g_autofree char *lower_pattern = g_ascii_strdown (pattern + (negated ? 1 : 0), -1);

      if (g_pattern_match_simple (lower_pattern, lower))
        {
          if (negated)
            return FALSE;
          found = TRUE;
        }
    }

  return found;
}

const char *
culvert_ssh_config_lookup (CulvertSshConfig *self,
                           const char       *alias,
                           const char       *keyword)
{
  g_autofree char *lower = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (alias != NULL, NULL);
  g_return_val_if_fail (keyword != NULL, NULL);

  lower = g_ascii_strdown (keyword, -1);
  for (guint i = 0; i < self->entries->len; i++)
    {
      const Entry *entry = g_ptr_array_index (self->entries, i);

      if (strcmp (entry->lower, lower) == 0 && entry->args[0] != NULL &&
          block_matches (g_ptr_array_index (self->blocks, entry->block), alias))
        return entry->args[0];
    }

  return NULL;
}

typedef enum
{
  SET_HOST = 1 << 0,
  SET_USER = 1 << 1,
  SET_PORT = 1 << 2,
  SET_IDENTITY = 1 << 3,
  SET_JUMP = 1 << 4,
  SET_INTERVAL = 1 << 5,
  SET_COUNT = 1 << 6,
  SET_GATEWAY = 1 << 7,
  SET_KNOWN_HOSTS = 1 << 8,
  SET_AUTH = 1 << 9,
} SetFlags;

typedef struct
{
  CulvertProfile *profile;
  SetFlags        set;
} Imported;

static void
imported_free (Imported *imported)
{
  g_clear_object (&imported->profile);
  g_free (imported);
}

/* The values ssh would use: the first one of each keyword. */
typedef struct
{
  const Entry *hostname;
  const Entry *user;
  const Entry *port;
  const Entry *identity_file;
  const Entry *proxy_jump;
  const Entry *interval;
  const Entry *count;
  const Entry *gateway_ports;
  const Entry *known_hosts;
  const Entry *preferred;
  const Entry *identities_only;
  GPtrArray   *forwards;   /* of const Entry */
} Settings;

/* ~, ${VAR} and %-tokens as ssh expands them in IdentityFile and
 * UserKnownHostsFile; with @percent_only, only the %-tokens, as ssh
 * expands the Unix-socket paths of LocalForward and RemoteForward. */
static char *
expand_tokens_full (const char *text,
                    const char *alias,
                    const char *host,
                    const char *user,
                    guint16     port,
                    GString    *unknown,
                    gboolean    percent_only)
{
  GString *out = g_string_new (NULL);
  g_autofree char *tilde = percent_only ? g_strdup (text) : expand_tilde (text);

  for (const char *p = tilde; *p != '\0'; p++)
    {
      if (!percent_only && *p == '$' && p[1] == '{')
        {
          const char *close = strchr (p + 2, '}');

          if (close != NULL)
            {
              g_autofree char *name = g_strndup (p + 2, close - p - 2);
              const char *value = g_getenv (name);

              g_string_append (out, value != NULL ? value : "");
              p = close;
              continue;
            }
        }

      if (*p != '%' || p[1] == '\0')
        {
          g_string_append_c (out, *p);
          continue;
        }

      p++;
      switch (*p)
        {
        case '%':
          g_string_append_c (out, '%');
          break;
        case 'd':
          g_string_append (out, g_get_home_dir ());
          break;
        case 'u':
          g_string_append (out, g_get_user_name ());
          break;
        case 'h':
          g_string_append (out, host);
          break;
        case 'n':
          g_string_append (out, alias);
          break;
        case 'r':
          g_string_append (out, user != NULL ? user : g_get_user_name ());
          break;
        case 'p':
          g_string_append_printf (out, "%u", port);
          break;
        case 'l':
          g_string_append (out, g_get_host_name ());
          break;
        default:
          g_string_append_c (out, '%');
          g_string_append_c (out, *p);
          if (unknown != NULL)
            g_string_append_printf (unknown, "%%%c", *p);
          break;
        }
    }

  return g_string_free (out, FALSE);
}

static char *
expand_tokens (const char *text,
               const char *alias,
               const char *host,
               const char *user,
               guint16     port,
               GString    *unknown)
{
  return expand_tokens_full (text, alias, host, user, port, unknown, FALSE);
}

/* HostName as ssh expands it: %h and %% only, no ~ and no ${VAR}. Other
 * tokens (which ssh refuses) stay as written. */
static char *
expand_hostname (const char *text,
                 const char *host)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (p[0] == '%' && p[1] == '%')
        {
          g_string_append_c (out, '%');
          p++;
        }
      else if (p[0] == '%' && p[1] == 'h')
        {
          g_string_append (out, host);
          p++;
        }
      else
        {
          g_string_append_c (out, *p);
        }
    }
  return g_string_free (out, FALSE);
}

static void
note_entry (CulvertSshImportReport *report,
            const Entry            *entry,
            const char             *text)
{
  if (report != NULL)
    g_ptr_array_add (report->notes, g_strdup_printf ("%s: %s %s", entry->where,
                                                     entry->keyword, text));
}

static gboolean
parse_uint_value (const char *text,
                  guint       max,
                  guint      *value)
{
  guint64 number;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 0, max, &number, NULL))
    return FALSE;
  *value = (guint) number;
  return TRUE;
}

static gboolean
parse_yes_no (const char *text,
              gboolean   *value)
{
  if (text == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (text, "yes") == 0 || g_ascii_strcasecmp (text, "true") == 0)
    *value = TRUE;
  else if (g_ascii_strcasecmp (text, "no") == 0 || g_ascii_strcasecmp (text, "false") == 0)
    *value = FALSE;
  else
    return FALSE;
  return TRUE;
}

/* A word of LocalForward or RemoteForward that is a Unix socket's path
 * (a "/" outside brackets, and no ":", which no such path holds) gets its
 * %-tokens expanded, as ssh does; a port or host is left as written. */
static char *
expand_forward_word (const char             *word,
                     const Entry            *entry,
                     CulvertProfile         *profile,
                     const char             *alias,
                     guint16                 port,
                     CulvertSshImportReport *report)
{
  g_autoptr(GString) unknown = NULL;
  char *expanded;

  if (word[0] == '[' || strchr (word, '/') == NULL || strchr (word, ':') != NULL)
    return g_strdup (word);

  unknown = g_string_new (NULL);
  expanded = expand_tokens_full (word, alias, culvert_profile_get_host (profile),
                                 culvert_profile_get_user (profile), port, unknown, TRUE);
  if (unknown->len > 0)
    {
      g_autofree char *text = g_strdup_printf (_("uses %s, which Culvert does not expand"),
                                               unknown->str);

      note_entry (report, entry, text);
    }
  return expanded;
}

static void
add_forward_from_entry (CulvertProfile         *profile,
                        const Entry            *entry,
                        const char             *alias,
                        guint16                 port,
                        CulvertSshImportReport *report)
{
  g_autoptr(CulvertForward) forward = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *spec = NULL;
  CulvertForwardKind kind;
  GListModel *forwards = culvert_profile_get_forwards (profile);

  if (g_strcmp0 (entry->lower, "dynamicforward") == 0)
    kind = CULVERT_FORWARD_DYNAMIC;
  else if (g_strcmp0 (entry->lower, "remoteforward") == 0)
    kind = CULVERT_FORWARD_REMOTE;
  else
    kind = CULVERT_FORWARD_LOCAL;

  if (entry->args[0] == NULL)
    {
      note_entry (report, entry, _("has no value and was ignored"));
      return;
    }

  /* The config writes the listening side and the destination as two words. */
  if (kind != CULVERT_FORWARD_DYNAMIC && entry->args[1] != NULL)
    {
      g_autofree char *listen = expand_forward_word (entry->args[0], entry, profile, alias,
                                                     port, report);
      g_autofree char *destination = expand_forward_word (entry->args[1], entry, profile,
                                                          alias, port, report);

      spec = g_strdup_printf ("%s:%s", listen, destination);
    }
  else
    {
      spec = g_strdup (entry->args[0]);
    }

  forward = culvert_forward_parse (kind, spec, &error);
  if (forward == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("was not imported: %s"), error->message);

      note_entry (report, entry, text);
      return;
    }

  for (guint i = 0; i < g_list_model_get_n_items (forwards); i++)
    {
      g_autoptr(CulvertForward) existing = g_list_model_get_item (forwards, i);

      if (culvert_forward_equal (existing, forward))
        return;
    }

  culvert_profile_add_forward (profile, forward);
}

/* A hop as ssh would reach it: a Host block for its name gives HostName,
 * User and Port (as `ssh -W` for the hop reads them), the hop's own user
 * and port win; brackets around an IPv6 address. */
static char *
normalize_jump_host (CulvertSshConfig  *self,
                     const char        *text,
                     GError           **error)
{
  g_autofree char *user = NULL;
  g_autofree char *host = NULL;
  g_autofree char *bracketed = NULL;
  const Entry *hostname = NULL;
  const Entry *config_user = NULL;
  const Entry *config_port = NULL;
  guint16 port = 0;
  GString *str;

  if (!culvert_jump_host_parse (text, &user, &host, &port, error))
    return NULL;

  for (guint i = 0; i < self->entries->len; i++)
    {
      const Entry *entry = g_ptr_array_index (self->entries, i);
      const Entry **slot = NULL;

      if (entry->args[0] == NULL ||
          !block_matches (g_ptr_array_index (self->blocks, entry->block), host))
        continue;
      if (strcmp (entry->lower, "hostname") == 0)
        slot = &hostname;
      else if (strcmp (entry->lower, "user") == 0)
        slot = &config_user;
      else if (strcmp (entry->lower, "port") == 0)
        slot = &config_port;
      if (slot != NULL && *slot == NULL)
        *slot = entry;
    }
  if (user == NULL && config_user != NULL)
    user = g_strdup (config_user->args[0]);
  if (port == 0 && config_port != NULL &&
      !culvert_address_parse_port (config_port->args[0], FALSE, CULVERT_PORT_FIELD_PORT, &port,
                                   error))
    return NULL;
  if (hostname != NULL)
    {
      char *resolved = expand_hostname (hostname->args[0], host);

      if (!culvert_address_is_valid_host (resolved))
        {
          g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_HOST,
                       _("“%s” is not a valid host name"), resolved);
          g_free (resolved);
          return NULL;
        }
      g_free (host);
      host = resolved;
    }

  str = g_string_new (NULL);
  if (user != NULL)
    g_string_append_printf (str, "%s@", user);
  bracketed = culvert_address_format_host (host);
  g_string_append (str, bracketed);
  if (port != 0)
    g_string_append_printf (str, ":%u", port);

  /* The User of the hop's Host block must make a hop Culvert can read
   * back, as one the hop names itself must (issue 36: `User /`). */
  if (!culvert_jump_host_parse (str->str, NULL, NULL, NULL, error))
    {
      g_string_free (str, TRUE);
      return NULL;
    }
  return g_string_free (str, FALSE);
}

/* Returns NULL and fills @reason when the host cannot be a profile. */
static Imported *
build_one (CulvertSshConfig       *self,
           const char             *alias,
           CulvertSshImportReport *report,
           char                  **reason)
{
  g_autoptr(CulvertProfile) profile = culvert_profile_new ();
  g_autoptr(GPtrArray) forwards = g_ptr_array_new ();
  g_autofree char *host = NULL;
  Settings s = { NULL, };
  SetFlags set = 0;
  guint16 port = 22;
  Imported *imported;

  s.forwards = forwards;
  for (guint i = 0; i < self->entries->len; i++)
    {
      const Entry *entry = g_ptr_array_index (self->entries, i);
      const Entry **slot = NULL;

      if (!block_matches (g_ptr_array_index (self->blocks, entry->block), alias))
        continue;

      if (strcmp (entry->lower, "hostname") == 0)
        slot = &s.hostname;
      else if (strcmp (entry->lower, "user") == 0)
        slot = &s.user;
      else if (strcmp (entry->lower, "port") == 0)
        slot = &s.port;
      else if (strcmp (entry->lower, "identityfile") == 0)
        slot = &s.identity_file;
      else if (strcmp (entry->lower, "proxyjump") == 0)
        slot = &s.proxy_jump;
      else if (strcmp (entry->lower, "serveraliveinterval") == 0)
        slot = &s.interval;
      else if (strcmp (entry->lower, "serveralivecountmax") == 0)
        slot = &s.count;
      else if (strcmp (entry->lower, "gatewayports") == 0)
        slot = &s.gateway_ports;
      else if (strcmp (entry->lower, "userknownhostsfile") == 0)
        slot = &s.known_hosts;
      else if (strcmp (entry->lower, "preferredauthentications") == 0)
        slot = &s.preferred;
      else if (strcmp (entry->lower, "identitiesonly") == 0)
        slot = &s.identities_only;
      else if (strcmp (entry->lower, "localforward") == 0 ||
               strcmp (entry->lower, "remoteforward") == 0 ||
               strcmp (entry->lower, "dynamicforward") == 0)
        g_ptr_array_add (forwards, (gpointer) entry);

      if (slot != NULL && *slot == NULL && entry->args[0] != NULL)
        *slot = entry;
    }

  culvert_profile_set_name (profile, alias);

  /* HostName, with %h for the alias. */
  if (s.hostname != NULL)
    {
      host = expand_hostname (s.hostname->args[0], alias);
      set |= SET_HOST;
    }
  else
    {
      host = g_strdup (alias);
    }
  if (!culvert_address_is_valid_host (host))
    {
      *reason = g_strdup_printf (_("“%s” is not a valid host name"), host);
      return NULL;
    }
  culvert_profile_set_host (profile, host);

  if (s.port != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!culvert_address_parse_port (s.port->args[0], FALSE, CULVERT_PORT_FIELD_PORT,
                                       &port, &error))
        {
          *reason = g_strdup_printf ("%s: %s", s.port->where, error->message);
          return NULL;
        }
      culvert_profile_set_port (profile, port);
      set |= SET_PORT;
    }

  if (s.user != NULL)
    {
      culvert_profile_set_user (profile, s.user->args[0]);
      set |= SET_USER;
    }

  if (s.identity_file != NULL && g_ascii_strcasecmp (s.identity_file->args[0], "none") != 0)
    {
      g_autoptr(GString) unknown = g_string_new (NULL);
      g_autofree char *path = expand_tokens (s.identity_file->args[0], alias, host,
                                             culvert_profile_get_user (profile), port, unknown);

      if (unknown->len > 0)
        {
          g_autofree char *text = g_strdup_printf (_("uses %s, which Culvert does not expand"),
                                                   unknown->str);

          note_entry (report, s.identity_file, text);
        }
      culvert_profile_set_identity_file (profile, path);
      set |= SET_IDENTITY;
    }

  if (s.proxy_jump != NULL)
    {
      g_autoptr(GPtrArray) hops = g_ptr_array_new_with_free_func (g_free);
      g_auto(GStrv) items = g_strsplit (s.proxy_jump->args[0], ",", -1);

      if (g_ascii_strcasecmp (s.proxy_jump->args[0], "none") != 0)
        {
          for (guint i = 0; items[i] != NULL; i++)
            {
              g_autoptr(GError) error = NULL;
              char *hop = normalize_jump_host (self, items[i], &error);

              if (hop == NULL)
                {
                  *reason = g_strdup_printf ("%s: ProxyJump: %s", s.proxy_jump->where,
                                             error->message);
                  return NULL;
                }
              g_ptr_array_add (hops, hop);
            }
        }
      g_ptr_array_add (hops, NULL);
      culvert_profile_set_jump_hosts (profile, (const char * const *) hops->pdata);
      set |= SET_JUMP;
    }

  if (s.interval != NULL)
    {
      guint value;

      if (parse_uint_value (s.interval->args[0], G_MAXINT, &value))
        {
          culvert_profile_set_keepalive_interval (profile, value);
          set |= SET_INTERVAL;
        }
      else
        note_entry (report, s.interval, _("is not a number of seconds and was ignored"));
    }

  if (s.count != NULL)
    {
      guint value;

      if (parse_uint_value (s.count->args[0], G_MAXINT, &value))
        {
          culvert_profile_set_keepalive_count (profile, value);
          set |= SET_COUNT;
        }
      else
        note_entry (report, s.count, _("is not a number and was ignored"));
    }

  if (s.gateway_ports != NULL)
    {
      gboolean value;

      if (parse_yes_no (s.gateway_ports->args[0], &value))
        {
          culvert_profile_set_gateway_ports (profile, value);
          set |= SET_GATEWAY;
        }
      else
        note_entry (report, s.gateway_ports, _("is neither yes nor no and was ignored"));
    }

  if (s.known_hosts != NULL && g_ascii_strcasecmp (s.known_hosts->args[0], "none") != 0)
    {
      g_autofree char *path = expand_tokens (s.known_hosts->args[0], alias, host,
                                             culvert_profile_get_user (profile), port, NULL);

      culvert_profile_set_known_hosts_file (profile, path);
      set |= SET_KNOWN_HOSTS;
    }

  if (s.preferred != NULL)
    {
      g_auto(GStrv) methods = g_strsplit (s.preferred->args[0], ",", 2);
      gboolean identities_only = FALSE;

      if (s.identities_only != NULL)
        parse_yes_no (s.identities_only->args[0], &identities_only);

      if (g_ascii_strcasecmp (methods[0], "publickey") == 0)
        culvert_profile_set_auth_method (profile, identities_only ? CULVERT_AUTH_KEY
                                                                  : CULVERT_AUTH_AGENT);
      else if (g_ascii_strcasecmp (methods[0], "password") == 0)
        culvert_profile_set_auth_method (profile, CULVERT_AUTH_PASSWORD);
      else if (g_ascii_strcasecmp (methods[0], "keyboard-interactive") == 0)
        culvert_profile_set_auth_method (profile, CULVERT_AUTH_KEYBOARD_INTERACTIVE);
      else
        note_entry (report, s.preferred, _("starts with a method Culvert does not offer; "
                                           "Culvert will pick one automatically"));
      set |= SET_AUTH;
    }

  for (guint i = 0; i < forwards->len; i++)
    add_forward_from_entry (profile, g_ptr_array_index (forwards, i), alias, port, report);

  imported = g_new0 (Imported, 1);
  imported->profile = g_steal_pointer (&profile);
  imported->set = set;
  return imported;
}

static void
report_unsupported (CulvertSshConfig       *self,
                    CulvertSshImportReport *report)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < self->entries->len; i++)
    {
      const Entry *entry = g_ptr_array_index (self->entries, i);
      const Block *block = g_ptr_array_index (self->blocks, entry->block);

      if (block->kind == BLOCK_MATCH || g_strv_contains (supported_keywords, entry->lower) ||
          g_hash_table_contains (seen, entry->lower))
        continue;

      g_hash_table_add (seen, entry->lower);
      g_ptr_array_add (report->unsupported,
                       g_strdup_printf ("%s (%s)", entry->keyword, entry->where));
    }
}

static GPtrArray *
build_all (CulvertSshConfig       *self,
           CulvertSshImportReport *report)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GPtrArray *result = g_ptr_array_new_with_free_func ((GDestroyNotify) imported_free);

  for (guint b = 0; b < self->blocks->len; b++)
    {
      const Block *block = g_ptr_array_index (self->blocks, b);

      if (block->kind != BLOCK_HOST)
        continue;

      for (guint i = 0; block->patterns[i] != NULL; i++)
        {
          const char *pattern = block->patterns[i];
          g_autofree char *reason = NULL;
          Imported *imported;

          if (pattern[0] == '!')
            continue;
          if (!is_concrete_pattern (pattern))
            {
              if (report != NULL)
                g_ptr_array_add (report->skipped,
                                 g_strdup_printf (_("%s: a pattern, not one host"), pattern));
              continue;
            }
          if (!g_hash_table_add (seen, g_ascii_strdown (pattern, -1)))
            continue;

          imported = build_one (self, pattern, report, &reason);
          if (imported == NULL)
            {
              if (report != NULL)
                g_ptr_array_add (report->skipped, g_strdup_printf ("%s: %s", pattern, reason));
              continue;
            }
          g_ptr_array_add (result, imported);
        }
    }

  if (report != NULL)
    {
      report_unsupported (self, report);
      for (guint i = 0; i < self->notes->len; i++)
        g_ptr_array_add (report->notes, g_strdup (g_ptr_array_index (self->notes, i)));
    }

  return result;
}

GPtrArray *
culvert_ssh_config_build_profiles (CulvertSshConfig       *self,
                                   CulvertSshImportReport *report)
{
  g_autoptr(GPtrArray) all = NULL;
  GPtrArray *profiles;

  g_return_val_if_fail (self != NULL, NULL);

  all = build_all (self, report);
  profiles = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < all->len; i++)
    {
      Imported *imported = g_ptr_array_index (all, i);

      g_ptr_array_add (profiles, g_object_ref (imported->profile));
    }

  return profiles;
}

/* Import into a store */

static void
count_change (GObject    *object,
              GParamSpec *pspec,
              guint      *changes)
{
  (*changes)++;
}

/* Sets on @existing what the config named; adds forwards it lacks. */
static gboolean
apply_import (CulvertProfile *existing,
              Imported       *imported)
{
  CulvertProfile *from = imported->profile;
  GListModel *new_forwards = culvert_profile_get_forwards (from);
  GListModel *old_forwards = culvert_profile_get_forwards (existing);
  guint changes = 0;
  gulong handler;

  handler = g_signal_connect (existing, "notify", G_CALLBACK (count_change), &changes);

  culvert_profile_set_host (existing, culvert_profile_get_host (from));
  if (imported->set & SET_PORT)
    culvert_profile_set_port (existing, culvert_profile_get_port (from));
  if (imported->set & SET_USER)
    culvert_profile_set_user (existing, culvert_profile_get_user (from));
  if (imported->set & SET_IDENTITY)
    culvert_profile_set_identity_file (existing, culvert_profile_get_identity_file (from));
  if (imported->set & SET_JUMP)
    culvert_profile_set_jump_hosts (existing, culvert_profile_get_jump_hosts (from));
  if (imported->set & SET_INTERVAL)
    culvert_profile_set_keepalive_interval (existing,
                                            culvert_profile_get_keepalive_interval (from));
  if (imported->set & SET_COUNT)
    culvert_profile_set_keepalive_count (existing, culvert_profile_get_keepalive_count (from));
  if (imported->set & SET_GATEWAY)
    culvert_profile_set_gateway_ports (existing, culvert_profile_get_gateway_ports (from));
  if (imported->set & SET_KNOWN_HOSTS)
    culvert_profile_set_known_hosts_file (existing, culvert_profile_get_known_hosts_file (from));
  if (imported->set & SET_AUTH)
    culvert_profile_set_auth_method (existing, culvert_profile_get_auth_method (from));

  g_signal_handler_disconnect (existing, handler);

  for (guint i = 0; i < g_list_model_get_n_items (new_forwards); i++)
    {
      g_autoptr(CulvertForward) forward = g_list_model_get_item (new_forwards, i);
      gboolean present = FALSE;

      for (guint j = 0; j < g_list_model_get_n_items (old_forwards) && !present; j++)
        {
          g_autoptr(CulvertForward) old = g_list_model_get_item (old_forwards, j);

          present = culvert_forward_equal (old, forward);
        }
      if (!present)
        {
          culvert_profile_add_forward (existing, forward);
          changes++;
        }
    }

  return changes > 0;
}

static CulvertProfile *
find_by_name (CulvertProfileStore *store,
              const char          *name)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CulvertProfile) profile = g_list_model_get_item (G_LIST_MODEL (store), i);

      if (g_strcmp0 (culvert_profile_get_name (profile), name) == 0)
        return profile;
    }

  return NULL;
}

/* The import in two steps: reading (any thread), then on the store's
 * thread, working out what would change and saving it. */

typedef struct
{
  Imported       *item;
  CulvertProfile *existing;  /* the store's profile of that name, or NULL */
  CulvertProfile *target;    /* what existing becomes, or the new profile */
  guint           n_old;     /* forwards of existing that target starts with */
  gboolean        merged;    /* the import changes existing */
} Planned;

struct _CulvertSshImport
{
  char                   *path;
  GPtrArray              *imported;  /* of Imported */
  CulvertSshImportReport *report;    /* what reading found */
  GPtrArray              *planned;   /* of Planned, from prepare () */
};

static void
planned_free (Planned *planned)
{
  g_clear_object (&planned->existing);
  g_clear_object (&planned->target);
  g_free (planned);
}

static void
off_host_free (CulvertSshImportOffHost *off_host)
{
  g_free (off_host->profile_name);
  g_clear_object (&off_host->profile);
  g_clear_object (&off_host->forward);
  g_free (off_host->description);
  g_free (off_host);
}

CulvertSshImport *
culvert_ssh_import_read (const char  *path,
                         GError     **error)
{
  g_autoptr(CulvertSshConfig) config = culvert_ssh_config_new ();
  g_autofree char *default_path = NULL;
  g_autoptr(GError) local_error = NULL;
  CulvertSshImport *self;

  if (path == NULL)
    path = default_path = culvert_ssh_config_dup_default_path ();

  if (!culvert_ssh_config_parse_file (config, path, &local_error))
    {
      g_set_error (error, local_error->domain, local_error->code,
                   _("Could not read the ssh configuration: %s"), local_error->message);
      return NULL;
    }

  self = g_new0 (CulvertSshImport, 1);
  self->path = g_strdup (path);
  self->report = culvert_ssh_import_report_new ();
  self->imported = build_all (config, self->report);
  return self;
}

void
culvert_ssh_import_free (CulvertSshImport *self)
{
  if (self == NULL)
    return;

  g_free (self->path);
  g_clear_pointer (&self->imported, g_ptr_array_unref);
  g_clear_pointer (&self->report, culvert_ssh_import_report_free);
  g_clear_pointer (&self->planned, g_ptr_array_unref);
  g_free (self);
}

/* Whether @forward, in a profile with @gateway_ports, reaches further than
 * this computer's own programs (culvert_forward_describe_reach ()). */
static gboolean
reaches_out (CulvertForward *forward,
             gboolean        gateway_ports)
{
  /* A forward that is off lets nobody in. */
  return culvert_forward_get_enabled (forward) &&
         (culvert_forward_is_reverse_dynamic (forward) ||
          culvert_forward_is_off_host_full (forward, gateway_ports));
}

GPtrArray *
culvert_ssh_import_prepare (CulvertSshImport    *self,
                            CulvertProfileStore *store)
{
  GPtrArray *off_host = g_ptr_array_new_with_free_func ((GDestroyNotify) off_host_free);

  g_return_val_if_fail (self != NULL, off_host);
  g_return_val_if_fail (CULVERT_IS_PROFILE_STORE (store), off_host);

  g_clear_pointer (&self->planned, g_ptr_array_unref);
  self->planned = g_ptr_array_new_with_free_func ((GDestroyNotify) planned_free);

  for (guint i = 0; i < self->imported->len; i++)
    {
      Imported *item = g_ptr_array_index (self->imported, i);
      CulvertProfile *existing = find_by_name (store, culvert_profile_get_name (item->profile));
      Planned *planned = g_new0 (Planned, 1);
      GListModel *forwards;
      gboolean gateway_ports;

      planned->item = item;
      if (existing != NULL)
        {
          planned->existing = g_object_ref (existing);
          planned->target = culvert_profile_copy (existing, FALSE);
          planned->n_old = g_list_model_get_n_items (culvert_profile_get_forwards (existing));
          planned->merged = apply_import (planned->target, item);
        }
      else
        {
          planned->target = g_object_ref (item->profile);
        }
      g_ptr_array_add (self->planned, planned);

      /* What the saved profile lets in that the profile before did not:
       * every forward of a new profile, the new forwards of an existing
       * one, and its old ones when GatewayPorts turns on. */
      forwards = culvert_profile_get_forwards (planned->target);
      gateway_ports = culvert_profile_get_gateway_ports (planned->target);
      for (guint j = 0; j < g_list_model_get_n_items (forwards); j++)
        {
          g_autoptr(CulvertForward) forward = g_list_model_get_item (forwards, j);
          CulvertSshImportOffHost *entry;

          if (!reaches_out (forward, gateway_ports))
            continue;
          if (existing != NULL && j < planned->n_old &&
              reaches_out (forward, culvert_profile_get_gateway_ports (existing)))
            continue;

          entry = g_new0 (CulvertSshImportOffHost, 1);
          entry->profile_name = g_strdup (culvert_profile_get_name (planned->target));
          entry->profile = g_object_ref (planned->target);
          entry->forward = g_object_ref (forward);
          entry->description = culvert_forward_describe_reach (forward, gateway_ports,
                                                               culvert_profile_get_host (
                                                                 planned->target));
          g_ptr_array_add (off_host, entry);
        }
    }

  return off_host;
}

gboolean
culvert_ssh_import_apply (CulvertSshImport        *self,
                          CulvertProfileStore     *store,
                          CulvertSshImportReport **report,
                          GError                 **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (CULVERT_IS_PROFILE_STORE (store), FALSE);

  if (self->planned == NULL)
    g_ptr_array_unref (culvert_ssh_import_prepare (self, store));

  for (guint i = 0; i < self->planned->len; i++)
    {
      Planned *planned = g_ptr_array_index (self->planned, i);
      const char *name = culvert_profile_get_name (planned->target);

      if (planned->existing != NULL)
        {
          GListModel *old_forwards = culvert_profile_get_forwards (planned->existing);
          GListModel *new_forwards = culvert_profile_get_forwards (planned->target);
          gboolean changed = planned->merged;

          /* The profile others hold stays the same object: the import's
           * settings go onto it, then the forwards as the copy has them
           * now (the user may have kept some local since prepare ()). */
          apply_import (planned->existing, planned->item);
          for (guint j = 0; j < g_list_model_get_n_items (new_forwards); j++)
            {
              g_autoptr(CulvertForward) forward = g_list_model_get_item (new_forwards, j);

              if (j < planned->n_old)
                {
                  g_autoptr(CulvertForward) old = g_list_model_get_item (old_forwards, j);

                  if (g_strcmp0 (culvert_forward_get_bind_address (old),
                                 culvert_forward_get_bind_address (forward)) != 0)
                    {
                      culvert_forward_set_bind_address (old,
                                                        culvert_forward_get_bind_address (forward));
                      changed = TRUE;
                    }
                  /* A forward the user turned off rather than let in. */
                  if (culvert_forward_get_enabled (old) != culvert_forward_get_enabled (forward))
                    {
                      culvert_forward_set_enabled (old, culvert_forward_get_enabled (forward));
                      changed = TRUE;
                    }
                }
            }
          if (!changed)
            {
              g_ptr_array_add (self->report->unchanged, g_strdup (name));
              continue;
            }
          if (!culvert_profile_store_save_profile (store, planned->existing, error))
            return FALSE;
          g_ptr_array_add (self->report->updated, g_strdup (name));
        }
      else
        {
          if (!culvert_profile_store_save_profile (store, planned->target, error))
            return FALSE;
          g_ptr_array_add (self->report->created, g_strdup (name));
        }
    }

  g_clear_pointer (&self->planned, g_ptr_array_unref);
  if (report != NULL)
    *report = g_steal_pointer (&self->report);
  else
    g_clear_pointer (&self->report, culvert_ssh_import_report_free);
  self->report = culvert_ssh_import_report_new ();
  return TRUE;
}

gboolean
culvert_ssh_config_import (CulvertProfileStore     *store,
                           const char              *path,
                           CulvertSshImportReport **report,
                           GError                 **error)
{
  g_autoptr(CulvertSshImport) import = NULL;

  g_return_val_if_fail (CULVERT_IS_PROFILE_STORE (store), FALSE);

  import = culvert_ssh_import_read (path, error);
  if (import == NULL)
    return FALSE;

  return culvert_ssh_import_apply (import, store, report, error);
}

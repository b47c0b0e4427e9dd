/* culvert-known-hosts.c — the server's host key against known_hosts
 *
 * Step 3 of a login: the key the server presented is looked up in
 * known_hosts (the user's, then the system's) and judged by the policy
 * (OpenSSH's StrictHostKeyChecking). A changed key is refused under every
 * policy, with both fingerprints and the command that removes the old one;
 * an unknown key is refused, asked about or recorded (hashed when the
 * user's ssh_config asks for HashKnownHosts).
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "Culvert-Login"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "culvert-ssh-login-private.h"
#include "culvert-ssh-config.h"

/* libssh's default, which we never change: read for the "changed key" message. */
#define GLOBAL_KNOWN_HOSTS_FILE  "/etc/ssh/ssh_known_hosts"

/* A path for a shell command line: "~/x" when that needs no quoting. */
static char *
shell_path (const char *path)
{
  g_autofree char *shown = culvert_login_display_path (path);

  for (const char *p = shown; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && strchr ("~/._-+,:@", *p) == NULL)
        return g_shell_quote (path);
    }

  return g_steal_pointer (&shown);
}

static char *
key_fingerprint (ssh_key key)
{
  unsigned char *hash = NULL;
  size_t hash_len = 0;
  char *fingerprint;
  char *result;

  if (key == NULL ||
      ssh_get_publickey_hash (key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hash_len) != 0)
    return g_strdup ("SHA256:?");

  fingerprint = ssh_get_fingerprint_hash (SSH_PUBLICKEY_HASH_SHA256, hash, hash_len);
  result = g_strdup (fingerprint != NULL ? fingerprint : "SHA256:?");
  ssh_string_free_char (fingerprint);
  ssh_clean_pubkey_hash (&hash);

  return result;
}

static const char *
key_type_name (ssh_key key)
{
  const char *name = key != NULL ? ssh_key_type_to_char (ssh_key_type (key)) : NULL;

  return name != NULL ? name : "unknown";
}

typedef struct
{
  char  *path;
  guint  line;
  char  *type;
  char  *fingerprint;
} RecordedKey;

static void
recorded_key_clear (RecordedKey *recorded)
{
  g_clear_pointer (&recorded->path, g_free);
  g_clear_pointer (&recorded->type, g_free);
  g_clear_pointer (&recorded->fingerprint, g_free);
}

/* Finds the key known_hosts holds for this host, preferring one of the
 * presented key's type (libssh 0.10 only returns the entry on a match). */
static gboolean
find_recorded_key (Login       *login,
                   ssh_key      presented,
                   RecordedKey *recorded)
{
  const char *files[] = { login->known_hosts, GLOBAL_KNOWN_HOSTS_FILE };
  gboolean found = FALSE;

  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      g_autofree char *contents = NULL;
      g_auto(GStrv) lines = NULL;

      if (!g_file_get_contents (files[f], &contents, NULL, NULL))
        continue;

      lines = g_strsplit (contents, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        {
          struct ssh_knownhosts_entry *entry = NULL;
          char *line = g_strstrip (lines[i]);
          gboolean same_type;

          if (line[0] == '\0' || line[0] == '#' || line[0] == '@')
            continue;
          if (ssh_known_hosts_parse_line (login->host_label, line, &entry) != SSH_OK ||
              entry == NULL || entry->publickey == NULL)
            {
              g_clear_pointer (&entry, ssh_knownhosts_entry_free);
              continue;
            }

          same_type = ssh_key_type (entry->publickey) == ssh_key_type (presented);
          if (!found || same_type)
            {
              recorded_key_clear (recorded);
              recorded->path = g_strdup (files[f]);
              recorded->line = i + 1;
              recorded->type = g_strdup (key_type_name (entry->publickey));
              recorded->fingerprint = key_fingerprint (entry->publickey);
              found = TRUE;
            }
          ssh_knownhosts_entry_free (entry);
          if (same_type)
            return TRUE;
        }
    }

  return found;
}

/* OpenSSH's own, wherever Culvert is installed. */
#define SYSTEM_SSH_CONFIG "/etc/ssh/ssh_config"

/* HashKnownHosts as ssh reads it for @host: the user's ~/.ssh/config
 * first, then the system's (Debian's sets it for every host). */
static gboolean
hash_known_hosts_wanted (const char *host)
{
  g_autofree char *user_config = g_build_filename (g_get_home_dir (), ".ssh", "config", NULL);
  const char *files[] = { user_config, SYSTEM_SSH_CONFIG };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr(CulvertSshConfig) config = culvert_ssh_config_new ();
      const char *value;

      if (!culvert_ssh_config_parse_file (config, files[i], NULL))
        continue;
      value = culvert_ssh_config_lookup (config, host, "HashKnownHosts");
      if (value != NULL)
        return g_ascii_strcasecmp (value, "yes") == 0;
    }

  return FALSE;
}

/* OpenSSH's hashed form of a known_hosts name: |1|salt|HMAC-SHA1(salt, name),
 * both in base64, with 20 random bytes of salt. */
static char *
hash_host_name (const char *name)
{
  guint8 salt[20];
  guint8 digest[20];
  gsize digest_len = sizeof digest;
  g_autoptr(GHmac) hmac = NULL;
  g_autofree char *salt64 = NULL;
  g_autofree char *digest64 = NULL;

  for (guint i = 0; i < sizeof salt; i += sizeof (guint32))
    {
      guint32 r = g_random_int ();

      memcpy (salt + i, &r, sizeof r);
    }
  hmac = g_hmac_new (G_CHECKSUM_SHA1, salt, sizeof salt);
  g_hmac_update (hmac, (const guchar *) name, -1);
  g_hmac_get_digest (hmac, digest, &digest_len);

  salt64 = g_base64_encode (salt, sizeof salt);
  digest64 = g_base64_encode (digest, digest_len);
  return g_strdup_printf ("|1|%s|%s", salt64, digest64);
}

/* Appends the server's key to known_hosts under its hashed name. */
static gboolean
append_hashed_host_key (Login *login)
{
  g_autofree char *hashed = NULL;
  g_autofree char *line = NULL;
  char *entry = NULL;
  const char *space;
  gboolean ok = FALSE;
  FILE *file;

  if (ssh_session_export_known_hosts_entry (login->session, &entry) != SSH_OK || entry == NULL)
    return FALSE;

  /* "NAME TYPE KEY\n": only the name is hashed. */
  space = strchr (entry, ' ');
  if (space != NULL)
    {
      g_autofree char *name = g_strndup (entry, space - entry);

      hashed = hash_host_name (name);
      line = g_strconcat (hashed, space, NULL);
      file = g_fopen (login->known_hosts, "a");
      if (file != NULL)
        {
          ok = fputs (line, file) >= 0;
          ok = fclose (file) == 0 && ok;
          g_chmod (login->known_hosts, 0600);
        }
    }
  ssh_string_free_char (entry);

  return ok;
}

static gboolean
record_host_key (Login      *login,
                 const char *type,
                 const char *fingerprint)
{
  g_autofree char *dir = g_path_get_dirname (login->known_hosts);
  g_autofree char *shown = culvert_login_display_path (login->known_hosts);
  gboolean recorded = FALSE;

  if (g_mkdir_with_parents (dir, 0700) == 0)
    {
      if (hash_known_hosts_wanted (login->options->host))
        recorded = append_hashed_host_key (login);
      else
        recorded = ssh_session_update_known_hosts (login->session) == SSH_OK;
    }
  if (!recorded)
    {
      /* As OpenSSH: the user accepted the key, so go on without recording it. */
      culvert_login_log (login, _("Could not record the host key for %s in %s: %s"),
                         login->host_label, shown, ssh_get_error (login->session));
      return FALSE;
    }

  culvert_login_log (login, _("Host key for %s recorded in %s (%s %s)"),
                     login->host_label, shown, type, fingerprint);
  return TRUE;
}

/* known_hosts holds another key for this host: refused under every policy,
 * with both fingerprints and the command that removes the old key. */
static gboolean
refuse_changed_key (Login       *login,
                    ssh_key      presented,
                    const char  *type,
                    const char  *fingerprint,
                    const char  *shown_file,
                    GError     **error)
{
  RecordedKey recorded = { 0 };
  g_autofree char *recorded_file = NULL;
  g_autofree char *fix_file = NULL;
  g_autofree char *quoted_label = g_shell_quote (login->host_label);
  g_autofree char *recorded_line = NULL;

  if (find_recorded_key (login, presented, &recorded))
    {
      recorded_file = culvert_login_display_path (recorded.path);
      fix_file = shell_path (recorded.path);
      recorded_line = g_strdup_printf (_("Key recorded in %s line %u: %s %s"),
                                       recorded_file, recorded.line,
                                       recorded.type, recorded.fingerprint);
    }
  else
    {
      fix_file = shell_path (login->known_hosts);
      recorded_line = g_strdup_printf (_("Key recorded in %s: (could not be read)"),
                                       shown_file);
    }

  if (login->callbacks->host_key_changed != NULL)
    {
      g_autofree char *location = NULL;
      g_autofree char *fix = g_strdup_printf ("ssh-keygen -R %s -f %s",
                                              quoted_label, fix_file);
      CulvertHostKeyChange change = {
        .host_label = login->host_label,
        .key_type = type,
        .fingerprint = fingerprint,
        .known_key_type = recorded.type,
        .known_fingerprint = recorded.fingerprint,
        .fix_command = fix,
      };

      if (recorded.path != NULL)
        /* Translators: where a host key is recorded: a file and its line number. */
        location = g_strdup_printf (_("%s line %u"), recorded_file, recorded.line);
      else
        location = g_strdup (shown_file);
      change.known_location = location;
      login->callbacks->host_key_changed (&change, login->callbacks->user_data);
    }

  g_set_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_HOST_KEY_CHANGED,
               _("WARNING: THE HOST KEY FOR %s HAS CHANGED!\n"
                 "Someone may be intercepting this connection (a man-in-the-middle "
                 "attack), or the server's host key was replaced. The connection "
                 "was refused.\n"
                 "%s\n"
                 "Key the server presented: %s %s\n"
                 "If the server was reinstalled, remove the old key with: "
                 "ssh-keygen -R %s -f %s"),
               login->host_label, recorded_line, type, fingerprint,
               quoted_label, fix_file);
  culvert_login_log (login, _("Host key for %s has changed: connection refused"),
                     login->host_label);
  recorded_key_clear (&recorded);
  return FALSE;
}

/* The key is not in known_hosts: refused, accepted or asked about, by policy. */
static gboolean
accept_unknown_key (Login       *login,
                    const char  *type,
                    const char  *fingerprint,
                    const char  *shown_file,
                    GError     **error)
{
  switch (login->options->host_key_policy)
    {
    case CULVERT_HOST_KEY_STRICT:
      g_set_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_HOST_KEY_UNKNOWN,
                   _("The host key for %s is not known: %s %s is not in %s, and strict "
                     "host key checking is on. Compare the fingerprint with the one the "
                     "server's administrator gives you, then accept it when asked, or "
                     "connect with -o StrictHostKeyChecking=accept-new."),
                   login->host_label, type, fingerprint, shown_file);
      return FALSE;

    case CULVERT_HOST_KEY_ACCEPT_NEW:
    case CULVERT_HOST_KEY_NO:
      culvert_login_log (login, _("Accepting the new host key for %s (%s %s)"),
                         login->host_label, type, fingerprint);
      record_host_key (login, type, fingerprint);
      return TRUE;

    case CULVERT_HOST_KEY_ASK:
    default:
      if (login->callbacks->confirm_host_key == NULL ||
          !login->callbacks->confirm_host_key (login->host_label, type, fingerprint,
                                               login->callbacks->user_data))
        {
          g_set_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_HOST_KEY_UNKNOWN,
                       _("The host key for %s (%s %s) was not accepted."),
                       login->host_label, type, fingerprint);
          return FALSE;
        }
      if (culvert_login_cancelled (login, error))
        return FALSE;
      record_host_key (login, type, fingerprint);
      return TRUE;
    }
}

/* Step 3: the server's host key against known_hosts, by policy. */
gboolean
culvert_login_check_host_key (Login   *login,
                              GError **error)
{
  g_auto(LoginKey) presented = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *shown_file = culvert_login_display_path (login->known_hosts);
  const char *type;
  enum ssh_known_hosts_e state;

  if (ssh_get_server_publickey (login->session, &presented) != SSH_OK)
    {
      g_set_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_FAILED,
                   _("Could not read the host key of %s: %s"),
                   login->host_label, ssh_get_error (login->session));
      return FALSE;
    }
  fingerprint = key_fingerprint (presented);
  type = key_type_name (presented);

  state = ssh_session_is_known_server (login->session);
  switch (state)
    {
    case SSH_KNOWN_HOSTS_OK:
      culvert_login_log (login, _("Host key for %s matches %s (%s %s)"),
                         login->host_label, shown_file, type, fingerprint);
      return TRUE;

    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER:
      return refuse_changed_key (login, presented, type, fingerprint, shown_file, error);

    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
      break;

    case SSH_KNOWN_HOSTS_ERROR:
    default:
      g_set_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_FAILED,
                   _("Could not check the host key of %s: %s"),
                   login->host_label, ssh_get_error (login->session));
      return FALSE;
    }

  return accept_unknown_key (login, type, fingerprint, shown_file, error);
}

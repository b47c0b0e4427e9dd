/* culvert-ssh-login.c — open an SSH session: connect, check the host key, authenticate
 *
 * Everything here blocks the calling thread (a tunnel's worker, or a test).
 * The session is created with libssh's blocking API, the host key is checked
 * against known_hosts by policy (a changed key is refused under every
 * policy), then the methods the server allows are tried in OpenSSH's order:
 * agent, key files, keyboard-interactive, password.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "Culvert-Login"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "culvert-ssh-login.h"
#include "culvert-paths.h"
#include "culvert-ssh-config.h"

#define DEFAULT_PORT             22
#define DEFAULT_CONNECT_TIMEOUT  15
#define MAX_SECRET_TRIES         3
#define MAX_PARTIAL_ROUNDS       8
#define MAX_EMPTY_KBDINT_ROUNDS  8
/* libssh's default, which we never change: read for the "changed key" message. */
#define GLOBAL_KNOWN_HOSTS_FILE  "/etc/ssh/ssh_known_hosts"

/* Fast AEAD ciphers first; the CTR modes stay so that any server still agrees. */
#define PREFERRED_CIPHERS \
  "aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com," \
  "aes128-ctr,aes192-ctr,aes256-ctr"

G_DEFINE_QUARK (culvert-login-error-quark, culvert_login_error)

/* Local names, so that these cleanups never clash with another file's. */
typedef ssh_session LoginSession;
typedef ssh_key LoginKey;
typedef char *LoginSecret;
typedef char **LoginSecrets;

static void
login_session_close (ssh_session session)
{
  /* Disconnect first: ssh_free() alone would close a caller's SSH_OPTIONS_FD. */
  ssh_disconnect (session);
  ssh_free (session);
}

static void
secret_free (char *secret)
{
  if (secret == NULL)
    return;
  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

static void
secrets_free (char **secrets)
{
  if (secrets == NULL)
    return;
  for (guint i = 0; secrets[i] != NULL; i++)
    explicit_bzero (secrets[i], strlen (secrets[i]));
  g_strfreev (secrets);
}

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (LoginSession, login_session_close, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (LoginKey, ssh_key_free, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (LoginSecret, secret_free, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (LoginSecrets, secrets_free, NULL)

typedef enum
{
  STEP_NEXT,     /* this method did not log in: try the next one */
  STEP_DONE,     /* authenticated */
  STEP_PARTIAL,  /* accepted, but the server wants another method too */
  STEP_FAILED,   /* stop: error is set */
} StepResult;

typedef struct
{
  const CulvertLoginOptions   *options;
  const CulvertLoginCallbacks *callbacks;
  GCancellable                *cancellable;
  ssh_session                  session;
  const char                  *user;
  guint                        port;
  char                        *host_label;      /* "host" or "[host]:port" */
  char                        *known_hosts;     /* absolute path */
  int                          methods;         /* from ssh_userauth_list */
  GPtrArray                   *reasons;         /* sentences for "Permission denied" */
  int                          handshake_rc;    /* what ssh_connect said in the end */
  gboolean                     password_recalled;    /* recall_secret was asked */
  gboolean                     passphrase_recalled;
} Login;

static void
login_clear (Login *login)
{
  g_clear_pointer (&login->host_label, g_free);
  g_clear_pointer (&login->known_hosts, g_free);
  g_clear_pointer (&login->reasons, g_ptr_array_unref);
}

G_GNUC_PRINTF (2, 3)
static void
login_log (Login      *login,
           const char *format,
           ...)
{
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);

  g_debug ("%s", line);
  if (login->callbacks->log != NULL)
    login->callbacks->log (line, login->callbacks->user_data);
}

static void
login_note_reason (Login      *login,
                   const char *line)
{
  if (!g_ptr_array_find_with_equal_func (login->reasons, line, g_str_equal, NULL))
    g_ptr_array_add (login->reasons, g_strdup (line));
}

/* Adds a reason to the final "Permission denied" message, once, and logs it. */
G_GNUC_PRINTF (2, 3)
static void
login_add_reason (Login      *login,
                  const char *format,
                  ...)
{
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);

  login_log (login, "%s", line);
  login_note_reason (login, line);
}

static gboolean
login_cancelled (Login   *login,
                 GError **error)
{
  if (!g_cancellable_is_cancelled (login->cancellable))
    return FALSE;

  g_set_error_literal (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_CANCELLED,
                       _("The connection was cancelled."));
  return TRUE;
}

/* "~/.ssh/id_ed25519" for a path under the home directory. */
static char *
display_path (const char *path)
{
  const char *home = g_get_home_dir ();
  gsize home_len = strlen (home);

  if (home_len > 1 && g_str_has_prefix (path, home) && path[home_len] == G_DIR_SEPARATOR)
    return g_strconcat ("~", path + home_len, NULL);

  return g_strdup (path);
}

/* A path for a shell command line: "~/x" when that needs no quoting. */
static char *
shell_path (const char *path)
{
  g_autofree char *shown = display_path (path);

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

/* Step 1: a session with our options, not yet connected. */
static gboolean
login_configure (Login   *login,
                 GError **error)
{
  const CulvertLoginOptions *options = login->options;
  ssh_session session = login->session;
  bool process_config = false;
  long timeout = options->connect_timeout > 0 ? options->connect_timeout : DEFAULT_CONNECT_TIMEOUT;
  int nodelay = 1;

  if (ssh_options_set (session, SSH_OPTIONS_HOST, options->host) < 0 ||
      ssh_options_set (session, SSH_OPTIONS_PORT, &login->port) < 0 ||
      ssh_options_set (session, SSH_OPTIONS_USER, login->user) < 0 ||
      /* Culvert resolves ssh_config itself. */
      ssh_options_set (session, SSH_OPTIONS_PROCESS_CONFIG, &process_config) < 0 ||
      ssh_options_set (session, SSH_OPTIONS_KNOWNHOSTS, login->known_hosts) < 0 ||
      ssh_options_set (session, SSH_OPTIONS_TIMEOUT, &timeout) < 0 ||
      ssh_options_set (session, SSH_OPTIONS_NODELAY, &nodelay) < 0 ||
      ssh_options_set (session, SSH_OPTIONS_CIPHERS_C_S, PREFERRED_CIPHERS) < 0 ||
      ssh_options_set (session, SSH_OPTIONS_CIPHERS_S_C, PREFERRED_CIPHERS) < 0)
    {
      g_set_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_FAILED,
                   _("Could not set up the SSH connection to %s: %s"),
                   options->host, ssh_get_error (session));
      return FALSE;
    }

  if (options->fd >= 0)
    {
      socket_t fd = options->fd;

      /* libssh never closes it as long as we disconnect before freeing. */
      if (ssh_options_set (session, SSH_OPTIONS_FD, &fd) < 0)
        {
          g_set_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_FAILED,
                       _("Could not set up the SSH connection to %s: %s"),
                       options->host, ssh_get_error (session));
          return FALSE;
        }
    }

  return TRUE;
}

/* ssh_connect, either blocking or, when the caller can wait for the socket,
 * non-blocking with the caller's loop running between the steps. FALSE only
 * when the caller stopped the login; libssh's own result is in handshake_rc. */
static gboolean
login_handshake (Login   *login,
                 GError **error)
{
  const CulvertLoginCallbacks *callbacks = login->callbacks;
  long timeout = login->options->connect_timeout > 0 ? login->options->connect_timeout
                                                     : DEFAULT_CONNECT_TIMEOUT;
  gint64 deadline = g_get_monotonic_time () + timeout * G_TIME_SPAN_SECOND;
  int rc;

  if (callbacks->wait_socket == NULL)
    {
      login->handshake_rc = ssh_connect (login->session);
      return TRUE;
    }

  ssh_set_blocking (login->session, 0);
  while ((rc = ssh_connect (login->session)) == SSH_AGAIN)
    {
      gint64 left = deadline - g_get_monotonic_time ();
      GIOCondition condition = G_IO_IN;

      if (left <= 0)
        break;
      if (ssh_get_poll_flags (login->session) & SSH_WRITE_PENDING)
        condition |= G_IO_OUT;
      if (!callbacks->wait_socket (ssh_get_fd (login->session), condition,
                                   (int) MIN (left / 1000 + 1, G_MAXINT), callbacks->user_data) ||
          g_cancellable_is_cancelled (login->cancellable))
        {
          g_set_error_literal (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_CANCELLED,
                               _("The connection was cancelled."));
          return FALSE;
        }
    }
  ssh_set_blocking (login->session, 1);

  if (rc == SSH_AGAIN)
    {
      g_set_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_CONNECT,
                   _("Could not connect to %s port %u: the server did not answer within %ld "
                     "seconds"),
                   login->options->host, login->port, timeout);
      return FALSE;
    }
  login->handshake_rc = rc;

  return TRUE;
}

/* Step 2: TCP (unless the caller gave a socket) and the SSH handshake. */
static gboolean
login_connect (Login   *login,
               GError **error)
{
  const char *banner;
  const char *cipher;

  /* Whoever made the connection said so already. */
  if (login->options->fd < 0)
    login_log (login, _("Connecting to %s port %u"), login->options->host, login->port);

  if (!login_handshake (login, error))
    return FALSE;
  if (login->handshake_rc != SSH_OK)
    {
      g_set_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_CONNECT,
                   _("Could not connect to %s port %u: %s"),
                   login->options->host, login->port, ssh_get_error (login->session));
      return FALSE;
    }

  banner = ssh_get_serverbanner (login->session);
  cipher = ssh_get_cipher_out (login->session);
  /* Translators: the parenthesis holds the server's banner and the cipher. */
  login_log (login, _("Connected to %s port %u (%s, %s)"), login->options->host, login->port,
             banner != NULL ? banner : "SSH-2.0", cipher != NULL ? cipher : "?");

  return TRUE;
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
  g_autofree char *shown = display_path (login->known_hosts);
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
      login_log (login, _("Could not record the host key for %s in %s: %s"),
                 login->host_label, shown, ssh_get_error (login->session));
      return FALSE;
    }

  login_log (login, _("Host key for %s recorded in %s (%s %s)"),
             login->host_label, shown, type, fingerprint);
  return TRUE;
}

/* Step 3: the server's host key against known_hosts, by policy. */
static gboolean
login_check_host_key (Login   *login,
                      GError **error)
{
  g_auto(LoginKey) presented = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *shown_file = display_path (login->known_hosts);
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
      login_log (login, _("Host key for %s matches %s (%s %s)"),
                 login->host_label, shown_file, type, fingerprint);
      return TRUE;

    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER:
      {
        RecordedKey recorded = { 0 };
        g_autofree char *recorded_file = NULL;
        g_autofree char *fix_file = NULL;
        g_autofree char *quoted_label = g_shell_quote (login->host_label);
        g_autofree char *recorded_line = NULL;

        if (find_recorded_key (login, presented, &recorded))
          {
            recorded_file = display_path (recorded.path);
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
        login_log (login, _("Host key for %s has changed: connection refused"),
                   login->host_label);
        recorded_key_clear (&recorded);
        return FALSE;
      }

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

  /* The key is unknown. */
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
      login_log (login, _("Accepting the new host key for %s (%s %s)"),
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
      if (login_cancelled (login, error))
        return FALSE;
      record_host_key (login, type, fingerprint);
      return TRUE;
    }
}

/* Step 4: authentication methods. */

static void
set_auth_error (Login   *login,
                GError **error)
{
  g_set_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_FAILED,
               _("Authentication with %s failed: %s"),
               login->host_label, ssh_get_error (login->session));
}

static StepResult
try_agent (Login   *login,
           GError **error)
{
  gboolean chosen = login->options->auth_method == CULVERT_AUTH_AGENT;
  int rc;

  if (g_getenv ("SSH_AUTH_SOCK") == NULL)
    {
      /* Automatic logins just go on to the key files. */
      if (chosen)
        login_add_reason (login, _("No SSH agent is running (SSH_AUTH_SOCK is not set)."));
      return STEP_NEXT;
    }

  rc = ssh_userauth_agent (login->session, NULL);
  switch (rc)
    {
    case SSH_AUTH_SUCCESS:
      login_log (login, _("Authenticated with a key from the SSH agent"));
      return STEP_DONE;
    case SSH_AUTH_PARTIAL:
      login_log (login, _("A key from the SSH agent was accepted; the server asks for more"));
      return STEP_PARTIAL;
    case SSH_AUTH_DENIED:
      if (chosen)
        login_add_reason (login, _("The SSH agent offered no key that the server accepts."));
      else
        login_log (login, _("The SSH agent offered no key that the server accepts"));
      return STEP_NEXT;
    default:
      /* A broken agent is not a broken connection. */
      if (ssh_is_connected (login->session))
        {
          login_add_reason (login, _("The SSH agent could not be used: %s"),
                            ssh_get_error (login->session));
          return STEP_NEXT;
        }
      set_auth_error (login, error);
      return STEP_FAILED;
    }
}

static int
refuse_passphrase (const char *prompt,
                   char       *buf,
                   size_t      len,
                   int         echo,
                   int         verify,
                   void       *userdata)
{
  gboolean *asked = userdata;

  /* Called only for an encrypted key. Without this callback OpenSSL would
   * prompt on the terminal. */
  *asked = TRUE;
  return SSH_ERROR;
}

/* A remembered secret, asked for once per login and kind. */
static char *
recall_secret (Login    *login,
               gboolean  is_passphrase,
               gboolean *recalled)
{
  gboolean *tried = is_passphrase ? &login->passphrase_recalled : &login->password_recalled;
  char *secret;

  *recalled = FALSE;
  if (*tried || login->callbacks->recall_secret == NULL)
    return NULL;
  *tried = TRUE;

  secret = login->callbacks->recall_secret (is_passphrase, login->callbacks->user_data);
  *recalled = secret != NULL;
  return secret;
}

static void
report_secret (Login      *login,
               gboolean    is_passphrase,
               const char *secret,
               gboolean    recalled,
               gboolean    accepted)
{
  if (login->callbacks->secret_result != NULL)
    login->callbacks->secret_result (is_passphrase, secret, recalled, accepted,
                                     login->callbacks->user_data);
}

/* Loads a private key, asking for its passphrase when it is encrypted. */
static StepResult
load_private_key (Login       *login,
                  const char  *path,
                  const char  *shown,
                  ssh_key     *key,
                  GError     **error)
{
  gboolean asked = FALSE;
  int rc;

  rc = ssh_pki_import_privkey_file (path, NULL, refuse_passphrase, &asked, key);
  if (rc == SSH_OK)
    return STEP_DONE;
  if (rc == SSH_EOF)
    {
      login_add_reason (login, _("The key %s could not be read."), shown);
      return STEP_NEXT;
    }
  if (!asked)
    {
      login_add_reason (login, _("The key %s could not be loaded (unsupported format?)."), shown);
      return STEP_NEXT;
    }

  for (guint attempt = 0; attempt < MAX_SECRET_TRIES;)
    {
      g_autofree char *prompt = g_strdup_printf (_("Passphrase for the key %s"), shown);
      gboolean recalled;
      g_auto(LoginSecret) passphrase = recall_secret (login, TRUE, &recalled);

      if (passphrase == NULL)
        {
          /* Nobody to ask (no terminal): the key is skipped, as ssh's BatchMode does. */
          if (login->callbacks->ask_secret == NULL)
            {
              login_add_reason (login, _("The key %s needs a passphrase, and there is no way "
                                         "to ask for it here."), shown);
              return STEP_NEXT;
            }
          attempt++;
          passphrase = login->callbacks->ask_secret (prompt, TRUE, login->callbacks->user_data);
        }
      if (passphrase == NULL)
        {
          g_set_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_CANCELLED,
                       _("The passphrase prompt for the key %s was cancelled."), shown);
          return STEP_FAILED;
        }
      if (login_cancelled (login, error))
        return STEP_FAILED;

      asked = FALSE;
      rc = ssh_pki_import_privkey_file (path, passphrase, refuse_passphrase, &asked, key);
      report_secret (login, TRUE, passphrase, recalled, rc == SSH_OK);
      if (rc == SSH_OK)
        return STEP_DONE;
      login_log (login, _("Wrong passphrase for the key %s"), shown);
    }

  {
    g_autofree char *reason = g_strdup_printf (_("Wrong passphrase for the key %s."), shown);

    login_note_reason (login, reason);
  }
  return STEP_NEXT;
}

static StepResult
try_key_file (Login       *login,
              const char  *path,
              GError     **error)
{
  g_autofree char *shown = display_path (path);
  g_autofree char *pub_path = g_strconcat (path, ".pub", NULL);
  g_auto(LoginKey) key = NULL;
  StepResult result;
  int rc;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      login_add_reason (login, _("The key file %s does not exist."), shown);
      return STEP_NEXT;
    }

  /* Ask with the public half first: no passphrase for a key the server refuses. */
  if (g_file_test (pub_path, G_FILE_TEST_EXISTS))
    {
      g_auto(LoginKey) pub = NULL;

      if (ssh_pki_import_pubkey_file (pub_path, &pub) == SSH_OK)
        {
          rc = ssh_userauth_try_publickey (login->session, NULL, pub);
          if (rc == SSH_AUTH_DENIED)
            {
              login_add_reason (login, _("The server rejected the key %s"), shown);
              return STEP_NEXT;
            }
          if (rc != SSH_AUTH_SUCCESS)
            {
              set_auth_error (login, error);
              return STEP_FAILED;
            }
        }
    }

  result = load_private_key (login, path, shown, &key, error);
  if (result != STEP_DONE)
    return result;
  if (login_cancelled (login, error))
    return STEP_FAILED;

  rc = ssh_userauth_publickey (login->session, NULL, key);
  switch (rc)
    {
    case SSH_AUTH_SUCCESS:
      login_log (login, _("Authenticated with key %s"), shown);
      return STEP_DONE;
    case SSH_AUTH_PARTIAL:
      login_log (login, _("Key %s accepted; the server asks for more"), shown);
      return STEP_PARTIAL;
    case SSH_AUTH_DENIED:
      login_add_reason (login, _("The server rejected the key %s"), shown);
      return STEP_NEXT;
    default:
      set_auth_error (login, error);
      return STEP_FAILED;
    }
}

static StepResult
try_key_files (Login   *login,
               GError **error)
{
  const char *defaults[] = { "id_ed25519", "id_ecdsa", "id_rsa" };
  gboolean any = FALSE;

  if (login->options->identity_file != NULL)
    return try_key_file (login, login->options->identity_file, error);

  for (guint i = 0; i < G_N_ELEMENTS (defaults); i++)
    {
      g_autofree char *path = g_build_filename (g_get_home_dir (), ".ssh", defaults[i], NULL);
      StepResult result;

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        continue;
      any = TRUE;
      if (login_cancelled (login, error))
        return STEP_FAILED;
      result = try_key_file (login, path, error);
      if (result != STEP_NEXT)
        return result;
    }

  if (!any && login->options->auth_method == CULVERT_AUTH_KEY)
    login_add_reason (login, _("No key file found (~/.ssh/id_ed25519, id_ecdsa, id_rsa)."));
  else if (!any)
    login_log (login, _("No key file found (~/.ssh/id_ed25519, id_ecdsa, id_rsa)"));

  return STEP_NEXT;
}

/* One keyboard-interactive exchange. *prompted tells whether the user was asked. */
static StepResult
kbdint_once (Login     *login,
             gboolean  *prompted,
             GError   **error)
{
  guint empty_rounds = 0;
  int rc;

  while ((rc = ssh_userauth_kbdint (login->session, NULL, NULL)) == SSH_AUTH_INFO)
    {
      int n = ssh_userauth_kbdint_getnprompts (login->session);
      g_autofree const char **prompts = NULL;
      g_autofree gboolean *echo = NULL;
      g_auto(LoginSecrets) answers = NULL;
      guint n_answers;

      /* PAM ends with an empty round: answer it as it is. A server that
       * sends nothing but empty rounds is not going anywhere. */
      if (n <= 0)
        {
          if (++empty_rounds > MAX_EMPTY_KBDINT_ROUNDS)
            {
              g_set_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_FAILED,
                           _("The server kept sending empty keyboard-interactive questions "
                             "to %s@%s; gave up after %u."),
                           login->user, login->options->host, MAX_EMPTY_KBDINT_ROUNDS);
              return STEP_FAILED;
            }
          continue;
        }

      prompts = g_new0 (const char *, n + 1);
      echo = g_new0 (gboolean, n);
      for (int i = 0; i < n; i++)
        {
          char e = 0;

          prompts[i] = ssh_userauth_kbdint_getprompt (login->session, i, &e);
          echo[i] = e != 0;
        }

      *prompted = TRUE;
      if (login->callbacks->ask_kbdint != NULL)
        answers = login->callbacks->ask_kbdint (ssh_userauth_kbdint_getname (login->session),
                                                ssh_userauth_kbdint_getinstruction (login->session),
                                                prompts, echo, n,
                                                login->callbacks->user_data);
      if (answers == NULL)
        {
          g_set_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_CANCELLED,
                       _("The keyboard-interactive prompt for %s@%s was cancelled."),
                       login->user, login->options->host);
          return STEP_FAILED;
        }
      if (login_cancelled (login, error))
        return STEP_FAILED;

      n_answers = g_strv_length (answers);
      for (int i = 0; i < n; i++)
        {
          /* A short answer vector counts as empty answers. */
          const char *answer = (guint) i < n_answers ? answers[i] : "";

          if (ssh_userauth_kbdint_setanswer (login->session, i, answer) < 0)
            {
              set_auth_error (login, error);
              return STEP_FAILED;
            }
        }
    }

  switch (rc)
    {
    case SSH_AUTH_SUCCESS:
      login_log (login, _("Authenticated with keyboard-interactive"));
      return STEP_DONE;
    case SSH_AUTH_PARTIAL:
      login_log (login, _("Keyboard-interactive accepted; the server asks for more"));
      return STEP_PARTIAL;
    case SSH_AUTH_DENIED:
      return STEP_NEXT;
    default:
      set_auth_error (login, error);
      return STEP_FAILED;
    }
}

static StepResult
try_kbdint (Login   *login,
            GError **error)
{
  if (login->callbacks->ask_kbdint == NULL)
    {
      login_note_reason (login, _("Keyboard-interactive authentication needs someone to answer "
                                  "its questions, and there is no way to ask them here."));
      return STEP_NEXT;
    }

  for (guint attempt = 0; attempt < MAX_SECRET_TRIES; attempt++)
    {
      gboolean prompted = FALSE;
      StepResult result;

      if (login_cancelled (login, error))
        return STEP_FAILED;
      result = kbdint_once (login, &prompted, error);
      if (result != STEP_NEXT)
        return result;
      login_log (login, _("Keyboard-interactive authentication failed"));
      if (!prompted)
        break;
    }

  login_note_reason (login, _("Keyboard-interactive authentication failed."));
  return STEP_NEXT;
}

static StepResult
try_password (Login   *login,
              GError **error)
{
  g_autofree char *prompt = g_strdup_printf (_("Password for %s@%s"),
                                             login->user, login->options->host);

  for (guint attempt = 0; attempt < MAX_SECRET_TRIES;)
    {
      gboolean recalled;
      g_auto(LoginSecret) password = recall_secret (login, FALSE, &recalled);
      int rc;

      if (password == NULL)
        {
          if (login->callbacks->ask_secret == NULL)
            {
              login_note_reason (login, _("A password is needed, and there is no way to ask "
                                          "for it here."));
              return STEP_NEXT;
            }
          attempt++;
          password = login->callbacks->ask_secret (prompt, FALSE, login->callbacks->user_data);
        }
      if (password == NULL)
        {
          g_set_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_CANCELLED,
                       _("The password prompt for %s@%s was cancelled."),
                       login->user, login->options->host);
          return STEP_FAILED;
        }
      if (login_cancelled (login, error))
        return STEP_FAILED;

      rc = ssh_userauth_password (login->session, NULL, password);
      if (rc == SSH_AUTH_SUCCESS || rc == SSH_AUTH_PARTIAL || rc == SSH_AUTH_DENIED)
        report_secret (login, FALSE, password, recalled, rc != SSH_AUTH_DENIED);
      switch (rc)
        {
        case SSH_AUTH_SUCCESS:
          login_log (login, _("Authenticated with a password"));
          return STEP_DONE;
        case SSH_AUTH_PARTIAL:
          login_log (login, _("Password accepted; the server asks for more"));
          return STEP_PARTIAL;
        case SSH_AUTH_DENIED:
          login_log (login, _("Wrong password for %s@%s"), login->user, login->options->host);
          break;
        default:
          set_auth_error (login, error);
          return STEP_FAILED;
        }
    }

  login_note_reason (login, _("The password was not accepted."));
  return STEP_NEXT;
}

static char *
methods_to_string (int methods)
{
  /* In sshd's order. */
  static const struct { int bit; const char *name; } names[] = {
    { SSH_AUTH_METHOD_PUBLICKEY, "publickey" },
    { SSH_AUTH_METHOD_GSSAPI_MIC, "gssapi-with-mic" },
    { SSH_AUTH_METHOD_PASSWORD, "password" },
    { SSH_AUTH_METHOD_INTERACTIVE, "keyboard-interactive" },
    { SSH_AUTH_METHOD_HOSTBASED, "hostbased" },
  };
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      if ((methods & names[i].bit) == 0)
        continue;
      if (out->len > 0)
        g_string_append_c (out, ',');
      g_string_append (out, names[i].name);
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

typedef enum
{
  METHOD_AGENT,
  METHOD_KEYS,
  METHOD_KBDINT,
  METHOD_PASSWORD,
  N_METHODS,
} Method;

static const char *
method_name (Method method)
{
  switch (method)
    {
    case METHOD_AGENT:
    case METHOD_KEYS:
      return "publickey";
    case METHOD_KBDINT:
      return "keyboard-interactive";
    case METHOD_PASSWORD:
      return "password";
    case N_METHODS:
    default:
      g_assert_not_reached ();
    }
}

static int
method_server_bit (Method method)
{
  switch (method)
    {
    case METHOD_AGENT:
    case METHOD_KEYS:
      return SSH_AUTH_METHOD_PUBLICKEY;
    case METHOD_KBDINT:
      return SSH_AUTH_METHOD_INTERACTIVE;
    case METHOD_PASSWORD:
      return SSH_AUTH_METHOD_PASSWORD;
    case N_METHODS:
    default:
      g_assert_not_reached ();
    }
}

/* Which of our methods this login may use, whatever the server says. */
static gboolean
method_wanted (Login  *login,
               Method  method)
{
  switch (login->options->auth_method)
    {
    case CULVERT_AUTH_AUTOMATIC:
      return method != METHOD_AGENT || login->options->use_agent;
    case CULVERT_AUTH_AGENT:
      return method == METHOD_AGENT;
    case CULVERT_AUTH_KEY:
      return method == METHOD_KEYS;
    case CULVERT_AUTH_PASSWORD:
      return method == METHOD_PASSWORD;
    case CULVERT_AUTH_KEYBOARD_INTERACTIVE:
      return method == METHOD_KBDINT;
    default:
      return FALSE;
    }
}

static StepResult
run_method (Login   *login,
            Method   method,
            GError **error)
{
  switch (method)
    {
    case METHOD_AGENT:
      return try_agent (login, error);
    case METHOD_KEYS:
      return try_key_files (login, error);
    case METHOD_KBDINT:
      return try_kbdint (login, error);
    case METHOD_PASSWORD:
      return try_password (login, error);
    case N_METHODS:
    default:
      g_assert_not_reached ();
    }
}

static gboolean
login_authenticate (Login   *login,
                    GError **error)
{
  gboolean tried[N_METHODS] = { FALSE, };
  guint partial_rounds = 0;
  int rc;

  rc = ssh_userauth_none (login->session, NULL);
  if (rc == SSH_AUTH_SUCCESS)
    {
      login_log (login, _("Authenticated (the server asked for no credentials)"));
      return TRUE;
    }
  if (rc == SSH_AUTH_ERROR)
    {
      set_auth_error (login, error);
      return FALSE;
    }
  login->methods = ssh_userauth_list (login->session, NULL);

  for (;;)
    {
      Method next = N_METHODS;
      StepResult result;

      if (login_cancelled (login, error))
        return FALSE;

      for (Method m = 0; m < N_METHODS; m++)
        {
          if (!tried[m] && method_wanted (login, m) && (login->methods & method_server_bit (m)))
            {
              next = m;
              break;
            }
        }
      if (next == N_METHODS)
        break;

      tried[next] = TRUE;
      result = run_method (login, next, error);
      if (result == STEP_DONE)
        return TRUE;
      if (result == STEP_FAILED)
        return FALSE;
      if (result == STEP_PARTIAL)
        {
          /* Multi-factor: the server names what it still wants. */
          login->methods = ssh_userauth_list (login->session, NULL);
          memset (tried, 0, sizeof tried);
          if (++partial_rounds > MAX_PARTIAL_ROUNDS)
            break;
        }
    }

  /* Nothing worked: say so the way OpenSSH does, then why. */
  {
    g_autofree char *allowed = methods_to_string (login->methods);
    g_autoptr(GString) message = g_string_new (NULL);

    /* Translators: OpenSSH's words; %s lists SSH method names ("publickey,password"),
     * which stay untranslated. */
    g_string_append_printf (message, _("Permission denied (%s)."), allowed);
    /* A method the user chose that the server does not offer. */
    for (Method m = 0; m < N_METHODS; m++)
      {
        if (login->options->auth_method == CULVERT_AUTH_AUTOMATIC ||
            !method_wanted (login, m) || (login->methods & method_server_bit (m)) != 0)
          continue;
        g_string_append_c (message, '\n');
        /* Translators: %s is an SSH method name ("password"), untranslated. */
        g_string_append_printf (message, _("The server does not allow %s authentication."),
                                method_name (m));
      }
    for (guint i = 0; i < login->reasons->len; i++)
      g_string_append_printf (message, "\n%s", (const char *) login->reasons->pdata[i]);

    g_set_error_literal (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_AUTH_DENIED,
                         message->str);
  }

  return FALSE;
}

ssh_session
culvert_ssh_login (const CulvertLoginOptions   *options,
                   const CulvertLoginCallbacks *callbacks,
                   GCancellable                *cancellable,
                   GError                     **error)
{
  static const CulvertLoginCallbacks no_callbacks = { NULL, };
  g_auto(LoginSession) session = NULL;
  Login login = { 0 };
  gboolean ok;

  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (options->host != NULL && options->host[0] != '\0', NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  login.options = options;
  login.callbacks = callbacks != NULL ? callbacks : &no_callbacks;
  login.cancellable = cancellable;
  login.user = options->user != NULL ? options->user : g_get_user_name ();
  login.port = options->port != 0 ? options->port : DEFAULT_PORT;
  /* known_hosts' own spelling of the host, as libssh looks it up. */
  login.host_label = login.port == DEFAULT_PORT
                     ? g_strdup (options->host)
                     : g_strdup_printf ("[%s]:%u", options->host, login.port);
  login.known_hosts = options->known_hosts_file != NULL
                      ? g_strdup (options->known_hosts_file)
                      : culvert_paths_dup_known_hosts_file ();
  login.reasons = g_ptr_array_new_with_free_func (g_free);

  if (login_cancelled (&login, error))
    {
      login_clear (&login);
      return NULL;
    }

  session = ssh_new ();
  if (session == NULL)
    {
      g_set_error_literal (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_FAILED,
                           _("Could not create an SSH session."));
      login_clear (&login);
      return NULL;
    }
  login.session = session;

  ok = login_configure (&login, error) &&
       !login_cancelled (&login, error) &&
       login_connect (&login, error) &&
       !login_cancelled (&login, error) &&
       login_check_host_key (&login, error) &&
       !login_cancelled (&login, error) &&
       login_authenticate (&login, error);

  login_clear (&login);
  if (!ok)
    return NULL;  /* the cleanup disconnects, then frees */

  return g_steal_pointer (&session);
}

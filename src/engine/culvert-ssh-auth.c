/* culvert-ssh-auth.c — the authentication methods of a login
 *
 * Step 4 of a login: the methods the server allows and the options want
 * are tried in OpenSSH's order (agent, key files, keyboard-interactive,
 * password), again after a partial success (multi-factor), until one logs
 * in; otherwise the error says "Permission denied" the way OpenSSH does,
 * then why each method failed. Secrets are asked through the callbacks,
 * recalled from and reported to the keyring's, and wiped once used.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "Culvert-Login"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "culvert-ssh-login-private.h"

#define MAX_SECRET_TRIES         3
#define MAX_PARTIAL_ROUNDS       8
#define MAX_EMPTY_KBDINT_ROUNDS  8

/* Local names, so that these cleanups never clash with another file's. */
typedef char *LoginSecret;
typedef char **LoginSecrets;

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

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (LoginSecret, secret_free, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (LoginSecrets, secrets_free, NULL)

typedef enum
{
  STEP_NEXT,     /* this method did not log in: try the next one */
  STEP_DONE,     /* authenticated */
  STEP_PARTIAL,  /* accepted, but the server wants another method too */
  STEP_FAILED,   /* stop: error is set */
} StepResult;

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

  culvert_login_log (login, "%s", line);
  login_note_reason (login, line);
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
      culvert_login_log (login, _("Authenticated with a key from the SSH agent"));
      return STEP_DONE;
    case SSH_AUTH_PARTIAL:
      culvert_login_log (login, _("A key from the SSH agent was accepted; the server asks for more"));
      return STEP_PARTIAL;
    case SSH_AUTH_DENIED:
      if (chosen)
        login_add_reason (login, _("The SSH agent offered no key that the server accepts."));
      else
        culvert_login_log (login, _("The SSH agent offered no key that the server accepts"));
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
      if (culvert_login_cancelled (login, error))
        return STEP_FAILED;

      asked = FALSE;
      rc = ssh_pki_import_privkey_file (path, passphrase, refuse_passphrase, &asked, key);
      report_secret (login, TRUE, passphrase, recalled, rc == SSH_OK);
      if (rc == SSH_OK)
        return STEP_DONE;
      culvert_login_log (login, _("Wrong passphrase for the key %s"), shown);
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
  g_autofree char *shown = culvert_login_display_path (path);
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
  if (culvert_login_cancelled (login, error))
    return STEP_FAILED;

  rc = ssh_userauth_publickey (login->session, NULL, key);
  switch (rc)
    {
    case SSH_AUTH_SUCCESS:
      culvert_login_log (login, _("Authenticated with key %s"), shown);
      return STEP_DONE;
    case SSH_AUTH_PARTIAL:
      culvert_login_log (login, _("Key %s accepted; the server asks for more"), shown);
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
      if (culvert_login_cancelled (login, error))
        return STEP_FAILED;
      result = try_key_file (login, path, error);
      if (result != STEP_NEXT)
        return result;
    }

  if (!any && login->options->auth_method == CULVERT_AUTH_KEY)
    login_add_reason (login, _("No key file found (~/.ssh/id_ed25519, id_ecdsa, id_rsa)."));
  else if (!any)
    culvert_login_log (login, _("No key file found (~/.ssh/id_ed25519, id_ecdsa, id_rsa)"));

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
      if (culvert_login_cancelled (login, error))
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
      culvert_login_log (login, _("Authenticated with keyboard-interactive"));
      return STEP_DONE;
    case SSH_AUTH_PARTIAL:
      culvert_login_log (login, _("Keyboard-interactive accepted; the server asks for more"));
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

      if (culvert_login_cancelled (login, error))
        return STEP_FAILED;
      result = kbdint_once (login, &prompted, error);
      if (result != STEP_NEXT)
        return result;
      culvert_login_log (login, _("Keyboard-interactive authentication failed"));
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
      if (culvert_login_cancelled (login, error))
        return STEP_FAILED;

      rc = ssh_userauth_password (login->session, NULL, password);
      if (rc == SSH_AUTH_SUCCESS || rc == SSH_AUTH_PARTIAL || rc == SSH_AUTH_DENIED)
        report_secret (login, FALSE, password, recalled, rc != SSH_AUTH_DENIED);
      switch (rc)
        {
        case SSH_AUTH_SUCCESS:
          culvert_login_log (login, _("Authenticated with a password"));
          return STEP_DONE;
        case SSH_AUTH_PARTIAL:
          culvert_login_log (login, _("Password accepted; the server asks for more"));
          return STEP_PARTIAL;
        case SSH_AUTH_DENIED:
          culvert_login_log (login, _("Wrong password for %s@%s"), login->user, login->options->host);
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

gboolean
culvert_login_authenticate (Login   *login,
                            GError **error)
{
  gboolean tried[N_METHODS] = { FALSE, };
  guint partial_rounds = 0;
  int rc;

  rc = ssh_userauth_none (login->session, NULL);
  if (rc == SSH_AUTH_SUCCESS)
    {
      culvert_login_log (login, _("Authenticated (the server asked for no credentials)"));
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

      if (culvert_login_cancelled (login, error))
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


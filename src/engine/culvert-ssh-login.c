/* culvert-ssh-login.c — open an SSH session: connect, check the host key, authenticate
 *
 * Everything here blocks the calling thread (a tunnel's worker, or a test).
 * The session is created with libssh's blocking API, the host key is checked
 * against known_hosts by policy (a changed key is refused under every
 * policy; culvert-known-hosts.c), then the methods the server allows are
 * tried in OpenSSH's order: agent, key files, keyboard-interactive,
 * password (culvert-ssh-auth.c).
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "Culvert-Login"

#include "config.h"

#include <glib/gi18n.h>
#include <stdbool.h>
#include <string.h>

#include "culvert-ssh-login-private.h"
#include "culvert-paths.h"

#define DEFAULT_PORT             22
#define DEFAULT_CONNECT_TIMEOUT  15

/* Fast AEAD ciphers first; the CTR modes stay so that any server still agrees. */
#define PREFERRED_CIPHERS \
  "aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com," \
  "aes128-ctr,aes192-ctr,aes256-ctr"

/* Local names, so that these cleanups never clash with another file's. */
typedef ssh_session LoginSession;

static void
login_session_close (ssh_session session)
{
  /* Disconnect first: ssh_free() alone would close a caller's SSH_OPTIONS_FD. */
  ssh_disconnect (session);
  ssh_free (session);
}

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (LoginSession, login_session_close, NULL)

static void
login_clear (Login *login)
{
  g_clear_pointer (&login->host_label, g_free);
  g_clear_pointer (&login->known_hosts, g_free);
  g_clear_pointer (&login->reasons, g_ptr_array_unref);
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
    culvert_login_log (login, _("Connecting to %s port %u"), login->options->host, login->port);

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
  culvert_login_log (login, _("Connected to %s port %u (%s, %s)"), login->options->host, login->port,
                     banner != NULL ? banner : "SSH-2.0", cipher != NULL ? cipher : "?");

  return TRUE;
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

  if (culvert_login_cancelled (&login, error))
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
       !culvert_login_cancelled (&login, error) &&
       login_connect (&login, error) &&
       !culvert_login_cancelled (&login, error) &&
       culvert_login_check_host_key (&login, error) &&
       !culvert_login_cancelled (&login, error) &&
       culvert_login_authenticate (&login, error);

  login_clear (&login);
  if (!ok)
    return NULL;  /* the cleanup disconnects, then frees */

  return g_steal_pointer (&session);
}

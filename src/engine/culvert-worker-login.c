/* culvert-worker-login.c — reaching the server and logging in, for the worker
 *
 * The TCP connection is made by GSocketClient on the worker's own context
 * (name lookup included), and the SSH handshake runs non-blocking between
 * iterations of that context, so a stop, an accept or a closed client is
 * served while a server is being reached. Questions for the user (host key,
 * password, passphrase, keyboard-interactive) wait the same way. Only then
 * does libssh get the connected socket.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "Culvert-Login"

#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/socket.h>

#include "culvert-address.h"
#include "culvert-secrets.h"
#include "culvert-worker-private.h"

/* ---------------------------------------------------------------------- */
/* Questions during login                                                  */

/* Runs the worker's own context until the main thread answers, so commands
 * (stop, close) keep working while the user thinks. */
static Question *
worker_ask (CulvertWorker      *self,
            CulvertWorkerEvent *event)
{
  Question *question = g_new0 (Question, 1);

  question->id = ++self->next_question_id;
  self->question = question;
  event->type = CULVERT_WORKER_EVENT_QUESTION;
  event->question_id = question->id;
  culvert_worker_post (self, event);

  while (!question->answered && !culvert_worker_is_stopping (self))
    g_main_context_iteration (self->context, TRUE);

  self->question = NULL;
  return question;
}

static void
question_free (Question *question)
{
  if (question->answers != NULL)
    for (guint i = 0; question->answers[i] != NULL; i++)
      memset (question->answers[i], 0, strlen (question->answers[i]));
  g_strfreev (question->answers);
  g_free (question);
}

static gboolean
login_confirm_host_key (const char *host_label,
                        const char *key_type,
                        const char *fingerprint,
                        gpointer    user_data)
{
  CulvertWorker *self = user_data;
  CulvertWorkerEvent event = { .question_kind = CULVERT_QUESTION_HOST_KEY };
  Question *question;
  gboolean accepted;

  culvert_worker_set_state (self, CULVERT_TUNNEL_VERIFYING_HOST_KEY, NULL);
  culvert_worker_host_key_question (self, &event);
  event.title = g_strdup (host_label);
  event.detail = g_strdup (fingerprint);
  event.key_type = g_strdup (key_type);
  question = worker_ask (self, &event);
  accepted = question->answered && question->accepted;
  question_free (question);
  culvert_worker_set_state (self, CULVERT_TUNNEL_AUTHENTICATING, NULL);

  return accepted;
}

static char *
login_ask_secret (const char *prompt,
                  gboolean    is_passphrase,
                  gpointer    user_data)
{
  CulvertWorker *self = user_data;
  CulvertWorkerEvent event = { 0 };
  Question *question;
  char *answer = NULL;

  event.question_kind = is_passphrase ? CULVERT_QUESTION_PASSPHRASE : CULVERT_QUESTION_PASSWORD;
  event.title = g_strdup (prompt);
  culvert_worker_secret_question (self, &event);
  question = worker_ask (self, &event);
  if (question->answered && question->accepted && question->answers != NULL &&
      question->answers[0] != NULL)
    answer = g_strdup (question->answers[0]);
  culvert_worker_secret_answered (self, question);
  question_free (question);

  return answer;
}

static char **
login_ask_kbdint (const char         *name,
                  const char         *instruction,
                  const char * const *prompts,
                  const gboolean     *echo,
                  guint               n_prompts,
                  gpointer            user_data)
{
  CulvertWorker *self = user_data;
  CulvertWorkerEvent event = { .question_kind = CULVERT_QUESTION_KEYBOARD_INTERACTIVE };
  Question *question;
  char **answers = NULL;

  event.title = g_strdup (name);
  event.detail = g_strdup (instruction);
  event.prompts = g_strdupv ((char **) prompts);
  event.echo = g_array_sized_new (FALSE, FALSE, sizeof (gboolean), n_prompts);
  g_array_append_vals (event.echo, echo, n_prompts);
  question = worker_ask (self, &event);
  if (question->answered && question->accepted && question->answers != NULL &&
      g_strv_length (question->answers) == n_prompts)
    answers = g_strdupv (question->answers);
  question_free (question);

  return answers;
}

static void
login_log (const char *line,
           gpointer    user_data)
{
  culvert_worker_log (user_data, FALSE, "%s", line);
}

static gboolean
set_flag (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;

  return G_SOURCE_REMOVE;
}

static gboolean
set_flag_on_io (int          fd,
                GIOCondition condition,
                gpointer     user_data)
{
  return set_flag (user_data);
}

/* The SSH handshake runs non-blocking; between its steps the worker's
 * context runs, so commands are served and a stop ends the wait. */
gboolean
culvert_worker_wait_socket (int          fd,
                            GIOCondition condition,
                            int          timeout_ms,
                            gpointer     user_data)
{
  CulvertWorker *self = user_data;
  gboolean done = FALSE;
  GSource *io = g_unix_fd_source_new (fd, condition | G_IO_HUP | G_IO_ERR);
  GSource *timer = culvert_worker_add_timeout (self, MAX (timeout_ms, 1), set_flag, &done);

  g_source_set_callback (io, (GSourceFunc) (void (*) (void)) set_flag_on_io, &done, NULL);
  g_source_attach (io, self->context);

  while (!done && !culvert_worker_is_stopping (self))
    g_main_context_iteration (self->context, TRUE);

  culvert_worker_clear_source (&io);
  culvert_worker_clear_source (&timer);

  return !culvert_worker_is_stopping (self);
}

/* ---------------------------------------------------------------------- */
/* Connecting                                                              */

typedef struct
{
  gboolean           done;
  GSocketConnection *connection;
  GError            *error;
} ConnectWait;

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ConnectWait *wait = user_data;

  wait->connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result,
                                                     &wait->error);
  wait->done = TRUE;
}

/* The proxy URI as GIO wants it: the profile's URL with its default port
 * (8080 for http, 1080 for socks5) when it names none; NULL when it is not
 * a proxy URL Culvert can use. */
static char *
proxy_uri_with_port (const char *url,
                     const char *profile_id)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD, NULL);
  const char *scheme;
  int port;

  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    return NULL;
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") == 0)
    port = 8080;
  else if (g_ascii_strcasecmp (scheme, "socks5") == 0)
    port = 1080;
  else
    return NULL;
  if (g_uri_get_port (uri) > 0)
    port = g_uri_get_port (uri);

  /* A user without a password: the password is in the keyring (profile
   * files never hold it). */
  if (g_uri_get_user (uri) != NULL && g_uri_get_password (uri) == NULL && profile_id != NULL)
    {
      g_autoptr(GError) error = NULL;
      char *secret = culvert_secrets_lookup_sync (CULVERT_SECRET_PROXY_PASSWORD, profile_id,
                                                  g_uri_get_user (uri), g_uri_get_host (uri),
                                                  NULL, &error);

      if (secret != NULL)
        {
          char *joined = g_uri_join_with_user (G_URI_FLAGS_HAS_PASSWORD, scheme,
                                               g_uri_get_user (uri), secret, NULL,
                                               g_uri_get_host (uri), port, "", NULL, NULL);

          culvert_secrets_free (secret);
          return joined;
        }
    }

  return g_uri_join_with_user (G_URI_FLAGS_HAS_PASSWORD, scheme, g_uri_get_user (uri),
                               g_uri_get_password (uri), NULL, g_uri_get_host (uri), port, "",
                               NULL, NULL);
}

static char *proxy_url_without_userinfo (const char *url);

/* The proxy as the log and errors show it: scheme, host and port, never
 * its userinfo (user name and password). */
static char *
proxy_uri_for_people (const char *uri_text)
{
  g_autoptr(GUri) uri = g_uri_parse (uri_text, G_URI_FLAGS_HAS_PASSWORD, NULL);

  if (uri == NULL)
    return proxy_url_without_userinfo (uri_text);

  return g_uri_join (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                     g_uri_get_port (uri), "", NULL, NULL);
}

/* A proxy URL Culvert cannot use, as the log may show it: without its
 * userinfo (user and password), which is everything up to the last '@'
 * after the scheme; a password may hold any character, '/' too. */
static char *
proxy_url_without_userinfo (const char *url)
{
  const char *authority = strstr (url, "://");
  const char *at;

  authority = authority != NULL ? authority + 3 : url;
  at = strrchr (authority, '@');
  if (at == NULL)
    return g_strdup (url);

  return g_strdup_printf ("%.*s%s", (int) (authority - url), url, at + 1);
}

/* Sets up @client for the profile's proxy mode; returns the proxy's URI
 * for the log, or NULL when the connection goes direct. */
static char *
worker_choose_proxy (CulvertWorker *self,
                     GSocketClient *client,
                     const char    *host)
{
  CulvertWorkerConfig *config = self->config;
  g_autoptr(GProxyResolver) resolver = NULL;
  char *uri;

  /* Whether the session's socket may lead to a proxy, not the server. */
  self->via_proxy = config->proxy_mode != CULVERT_PROXY_NONE;

  switch (config->proxy_mode)
    {
    case CULVERT_PROXY_SYSTEM:
      /* GIO's resolver (GNOME's settings, or the *_proxy variables) decides
       * for each address as GSocketClient goes; asking it here as well could
       * take as long as the connection itself (a PAC script). */
      g_socket_client_set_enable_proxy (client, TRUE);
      culvert_worker_log (self, FALSE, _("Using the system's proxy settings"));
      return NULL;

    case CULVERT_PROXY_CUSTOM:
      uri = config->proxy_url != NULL ? proxy_uri_with_port (config->proxy_url,
                                                             config->profile_id) : NULL;
      if (uri == NULL || culvert_proxy_bypass_matches (config->proxy_bypass, host))
        {
          if (uri == NULL)
            {
              g_autofree char *shown =
                proxy_url_without_userinfo (config->proxy_url != NULL ? config->proxy_url : "");

              culvert_worker_log (self, TRUE, _("The proxy “%s” is not an http:// or socks5:// "
                                                "address; connecting directly"), shown);
            }
          g_free (uri);
          g_socket_client_set_enable_proxy (client, FALSE);
          return NULL;
        }
      resolver = g_simple_proxy_resolver_new (uri, NULL);
      g_socket_client_set_proxy_resolver (client, resolver);
      g_socket_client_set_enable_proxy (client, TRUE);
      {
        char *shown = proxy_uri_for_people (uri);

        explicit_bzero (uri, strlen (uri));
        g_free (uri);
        return shown;
      }

    case CULVERT_PROXY_NONE:
    default:
      g_socket_client_set_enable_proxy (client, FALSE);
      return NULL;
    }
}

/* Resolves @host (the server's name, or the first jump host's) and makes
 * the TCP connection on the worker's context: listeners, commands and a
 * stop are served meanwhile. */
GSocketConnection *
culvert_worker_connect_socket (CulvertWorker  *self,
                               const char     *host,
                               guint16         port,
                               GError        **error)
{
  CulvertWorkerConfig *config = self->config;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnectable) address = NULL;
  g_autofree char *proxy = NULL;
  ConnectWait wait = { 0 };

  if (port == 0)
    port = 22;
  g_socket_client_set_timeout (client, config->connect_timeout > 0 ? config->connect_timeout : 15);
  address = g_network_address_new (host, port);
  proxy = worker_choose_proxy (self, client, host);

  if (proxy != NULL)
    culvert_worker_log (self, FALSE, _("Connecting to %s port %u through the proxy %s"),
                        host, port, proxy);
  else
    culvert_worker_log (self, FALSE, _("Connecting to %s port %u"), host, port);
  g_socket_client_connect_async (client, address, self->cancellable, on_connected, &wait);
  /* Cancelling the operation finishes it, so this always ends. */
  while (!wait.done)
    g_main_context_iteration (self->context, TRUE);

  if (wait.connection == NULL)
    {
      if (g_error_matches (wait.error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_set_error_literal (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_CANCELLED,
                             _("The connection was cancelled."));
      else if (proxy != NULL &&
               (g_error_matches (wait.error, G_IO_ERROR, G_IO_ERROR_PROXY_NEED_AUTH) ||
                g_error_matches (wait.error, G_IO_ERROR, G_IO_ERROR_PROXY_AUTH_FAILED)))
        g_set_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_CONNECT,
                     _("The proxy %s wants a user name and password to reach %s port %u: "
                       "%s"), proxy, host, port, wait.error->message);
      else if (proxy != NULL && g_str_has_prefix (proxy, "http:") &&
               g_error_matches (wait.error, G_IO_ERROR, G_IO_ERROR_PROXY_NOT_ALLOWED))
        /* GIO keeps the proxy's status line to itself, but it says
         * NOT_ALLOWED for an HTTP proxy's 403 and for nothing else. */
        g_set_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_CONNECT,
                     _("The proxy %s refused the connection to %s port %u "
                       "(HTTP 403 Forbidden: the proxy's rules do not allow it)"),
                     proxy, host, port);
      else if (proxy != NULL &&
               (g_error_matches (wait.error, G_IO_ERROR, G_IO_ERROR_PROXY_FAILED) ||
                g_error_matches (wait.error, G_IO_ERROR, G_IO_ERROR_PROXY_NOT_ALLOWED)))
        g_set_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_CONNECT,
                     _("The proxy %s refused the connection to %s port %u: %s"),
                     proxy, host, port, wait.error->message);
      else if (proxy != NULL)
        g_set_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_CONNECT,
                     _("Could not connect to %s port %u through the proxy %s: %s"),
                     host, port, proxy, wait.error->message);
      else
        g_set_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_CONNECT,
                     _("Could not connect to %s port %u: %s"),
                     host, port, wait.error->message);
      g_clear_error (&wait.error);
      return NULL;
    }

  return wait.connection;
}

/* A stop shuts the login's socket down, which ends any blocking libssh call
 * of the login (authentication) at once. */
static void
worker_set_login_fd (CulvertWorker *self,
                     int            fd)
{
  g_mutex_lock (&self->lock);
  self->login_fd = fd;
  if (fd >= 0 && culvert_worker_is_stopping (self))
    shutdown (fd, SHUT_RDWR);
  g_mutex_unlock (&self->lock);
}

/* Checks the host key of the session on @options->fd and logs in, asking
 * the user what it must. Used for the server and for each jump host. */
ssh_session
culvert_worker_login_session (CulvertWorker              *self,
                              const CulvertLoginOptions  *options,
                              gboolean                    is_server,
                              GError                    **error)
{
  CulvertWorkerConfig *config = self->config;
  CulvertLoginCallbacks callbacks = {
    .confirm_host_key = login_confirm_host_key,
    /* Without anyone to answer, methods that need answers are skipped. */
    .ask_secret = config->interactive ? login_ask_secret : NULL,
    .ask_kbdint = config->interactive ? login_ask_kbdint : NULL,
    .log = login_log,
    .wait_socket = culvert_worker_wait_socket,
    /* The keyring keeps the server's secrets under the profile's user and
     * host: a jump host must neither use them nor, rejecting them, remove
     * them. */
    .recall_secret = is_server ? culvert_worker_recall_secret : NULL,
    .secret_result = is_server ? culvert_worker_secret_result : NULL,
    .host_key_changed = culvert_worker_host_key_changed,
    .user_data = self,
  };
  ssh_session session;

  g_free (self->login_host);
  self->login_host = g_strdup (options->host);
  self->login_port = options->port != 0 ? options->port : 22;
  self->login_is_jump = !is_server;
  worker_set_login_fd (self, options->fd);
  session = culvert_ssh_login (options, &callbacks, self->cancellable, error);
  worker_set_login_fd (self, -1);
  g_clear_pointer (&self->login_host, g_free);

  return session;
}

/* Connects (directly, through the proxy, or through the jump hosts), checks
 * the host key and logs in; the connection stays ours until the session
 * ends, and libssh gets a duplicate of its socket (it closes the one it was
 * given when the socket fails: see culvert_worker_take_ssh_fd()). */
ssh_session
culvert_worker_login (CulvertWorker            *self,
                      GSocketConnection       **connection_out,
                      GError                  **error)
{
  CulvertWorkerConfig *config = self->config;
  g_autoptr(GSocketConnection) connection = NULL;
  CulvertLoginOptions options = {
    .host = config->host,
    .port = config->port,
    .user = config->user,
    .auth_method = config->auth_method,
    .identity_file = config->identity_file,
    .known_hosts_file = config->known_hosts_file,
    .host_key_policy = config->host_key_policy,
    .connect_timeout = config->connect_timeout,
    .use_agent = config->use_agent,
  };
  ssh_session session;

  if (config->jump_hosts != NULL && config->jump_hosts[0] != NULL)
    connection = culvert_worker_jump_connect (self, error);
  else
    connection = culvert_worker_connect_socket (self, config->host, config->port, error);
  if (connection == NULL)
    return NULL;

  options.fd = culvert_worker_take_ssh_fd (self, connection, error);
  if (options.fd < 0)
    return NULL;
  session = culvert_worker_login_session (self, &options, TRUE, error);
  if (session == NULL)
    culvert_worker_release_ssh_fd (self);

  if (session != NULL)
    *connection_out = g_steal_pointer (&connection);

  return session;
}

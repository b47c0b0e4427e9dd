/* culvert-headless-options.c — the headless runner's command line, into a profile
 *
 * ssh's flags and -o KEY=VALUE options mean what they mean to ssh; a Host
 * block of ~/.ssh/config (or -F FILE) for the destination gives the
 * settings first, --profile a saved connection. A bad command line is an
 * error with exit code 2, before anything runs.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "culvert-address.h"
#include "culvert-cli-private.h"
#include "culvert-forward.h"
#include "culvert-headless-private.h"
#include "culvert-profile-store.h"
#include "culvert-ssh-config.h"
#include "culvert-text.h"

/* "host:port" or "[v6]:port", as ssh's -W takes it. */
static gboolean
parse_stdio_target (const char  *text,
                    char       **host,
                    guint16     *port,
                    GError     **error)
{
  const char *colon = strrchr (text, ':');
  g_autofree char *name = NULL;

  if (colon == NULL || colon == text)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("-W %s: expected host:port"), text);
      return FALSE;
    }
  name = g_strndup (text, colon - text);
  if (name[0] == '[' && name[strlen (name) - 1] == ']')
    {
      char *inner = g_strndup (name + 1, strlen (name) - 2);

      g_free (name);
      name = inner;
    }
  if (!culvert_address_is_valid_host (name))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("-W %s: “%s” is not a host name or an IP address"), text, name);
      return FALSE;
    }
  if (!culvert_address_parse_port (colon + 1, FALSE, CULVERT_PORT_FIELD_DESTINATION, port, error))
    return FALSE;
  *host = g_steal_pointer (&name);
  return TRUE;
}

static gboolean
parse_yes_no (const char  *key,
              const char  *value,
              gboolean    *out,
              GError     **error)
{
  if (g_ascii_strcasecmp (value, "yes") == 0 || g_ascii_strcasecmp (value, "true") == 0)
    *out = TRUE;
  else if (g_ascii_strcasecmp (value, "no") == 0 || g_ascii_strcasecmp (value, "false") == 0)
    *out = FALSE;
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("%s must be “yes” or “no”, not “%s”"), key, value);
      return FALSE;
    }

  return TRUE;
}

static gboolean
parse_number (const char  *key,
              const char  *value,
              guint64      min,
              guint64      max,
              guint64     *out,
              GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!g_ascii_string_to_unsigned (value, 10, min, max, out, &local_error))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("%s must be a number from %u to %u, not “%s”"),
                   key, (guint) min, (guint) max, value);
      return FALSE;
    }

  return TRUE;
}

/* -J and -o ProxyJump: a hop that cannot be read is a command-line error. */
static gboolean
check_jump_hosts (char    **jumps,
                  GError  **error)
{
  for (guint i = 0; jumps[i] != NULL; i++)
    {
      g_autoptr(GError) parse_error = NULL;

      if (!culvert_jump_host_parse (jumps[i], NULL, NULL, NULL, &parse_error))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "-J: %s",
                       parse_error->message);
          return FALSE;
        }
    }

  return TRUE;
}

/* PermitRemoteOpen, as ssh takes it: "any", "none", or host:port entries
 * ("*" for either). The list before is the runner's to free. */
static gboolean
parse_permit_remote_open (Extra       *extra,
                          const char  *key,
                          const char  *value,
                          GError     **error)
{
  g_auto(GStrv) words = g_strsplit_set (value, " \t", -1);

  extra->permit_remote_open = NULL;
  if (g_ascii_strcasecmp (value, "any") == 0)
    return TRUE;
  extra->permit_remote_open = g_ptr_array_new_with_free_func (g_free);
  if (g_ascii_strcasecmp (value, "none") == 0)
    return TRUE;
  for (guint i = 0; words[i] != NULL; i++)
    {
      const char *colon = strrchr (words[i], ':');
      guint64 port_number = 0;

      if (words[i][0] == '\0')
        continue;
      if (colon == NULL || colon == words[i] ||
          (strcmp (colon + 1, "*") != 0 &&
           !parse_number (key, colon + 1, 1, 65535, &port_number, NULL)))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("PermitRemoteOpen: “%s” is not host:port, any or none"), words[i]);
          return FALSE;
        }
      g_ptr_array_add (extra->permit_remote_open, g_strdup (words[i]));
    }

  return TRUE;
}

typedef enum
{
  OPTION_APPLIED,
  OPTION_FAILED,   /* @error is set */
  OPTION_UNKNOWN,  /* not an option of this group */
} OptionResult;

static OptionResult
option_result (gboolean ok)
{
  return ok ? OPTION_APPLIED : OPTION_FAILED;
}

/* The options that set the profile: where and how to connect. */
static OptionResult
apply_profile_option (CulvertProfile  *profile,
                      const char      *key,
                      const char      *value,
                      GError         **error)
{
  guint64 number;
  gboolean flag;

  if (g_ascii_strcasecmp (key, "Port") == 0)
    {
      if (!parse_number (key, value, 1, 65535, &number, error))
        return OPTION_FAILED;
      culvert_profile_set_port (profile, number);
    }
  else if (g_ascii_strcasecmp (key, "User") == 0)
    culvert_profile_set_user (profile, value);
  else if (g_ascii_strcasecmp (key, "IdentityFile") == 0)
    {
      culvert_profile_set_identity_file (profile, value);
      culvert_profile_set_auth_method (profile, CULVERT_AUTH_AUTOMATIC);
    }
  else if (g_ascii_strcasecmp (key, "UserKnownHostsFile") == 0)
    culvert_profile_set_known_hosts_file (profile, value);
  else if (g_ascii_strcasecmp (key, "ServerAliveInterval") == 0)
    {
      if (!parse_number (key, value, 0, 86400, &number, error))
        return OPTION_FAILED;
      culvert_profile_set_keepalive_interval (profile, number);
    }
  else if (g_ascii_strcasecmp (key, "ServerAliveCountMax") == 0)
    {
      if (!parse_number (key, value, 0, 1000, &number, error))
        return OPTION_FAILED;
      culvert_profile_set_keepalive_count (profile, number);
    }
  else if (g_ascii_strcasecmp (key, "GatewayPorts") == 0)
    {
      if (!parse_yes_no (key, value, &flag, error))
        return OPTION_FAILED;
      culvert_profile_set_gateway_ports (profile, flag);
    }
  else if (g_ascii_strcasecmp (key, "ProxyJump") == 0)
    {
      g_auto(GStrv) jumps = g_strsplit (value, ",", -1);

      if (g_ascii_strcasecmp (value, "none") != 0 && !check_jump_hosts (jumps, error))
        return OPTION_FAILED;
      culvert_profile_set_jump_hosts (profile, g_ascii_strcasecmp (value, "none") == 0
                                               ? NULL : (const char * const *) jumps);
    }
  else
    return OPTION_UNKNOWN;

  return OPTION_APPLIED;
}

/* The options that set how this run goes (@extra). */
static OptionResult
apply_run_option (Extra       *extra,
                  const char  *key,
                  const char  *value,
                  GError     **error)
{
  guint64 number;
  gboolean flag;

  if (g_ascii_strcasecmp (key, "StrictHostKeyChecking") == 0)
    {
      if (g_ascii_strcasecmp (value, "accept-new") == 0)
        extra->policy = CULVERT_HOST_KEY_ACCEPT_NEW;
      else if (g_ascii_strcasecmp (value, "ask") == 0)
        extra->policy = CULVERT_HOST_KEY_ASK;
      else if (g_ascii_strcasecmp (value, "off") == 0)
        extra->policy = CULVERT_HOST_KEY_NO;
      else if (parse_yes_no (key, value, &flag, NULL))
        extra->policy = flag ? CULVERT_HOST_KEY_STRICT : CULVERT_HOST_KEY_NO;
      else
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("StrictHostKeyChecking must be yes, no, ask or accept-new, not “%s”"),
                       value);
          return OPTION_FAILED;
        }
      return OPTION_APPLIED;
    }
  if (g_ascii_strcasecmp (key, "ExitOnForwardFailure") == 0)
    return option_result (parse_yes_no (key, value, &extra->exit_on_forward_failure, error));
  if (g_ascii_strcasecmp (key, "StreamLocalBindUnlink") == 0)
    return option_result (parse_yes_no (key, value, &extra->stream_local_bind_unlink, error));
  if (g_ascii_strcasecmp (key, "ConnectTimeout") == 0)
    {
      if (!parse_number (key, value, 1, 3600, &number, error))
        return OPTION_FAILED;
      extra->connect_timeout = number;
      return OPTION_APPLIED;
    }
  if (g_ascii_strcasecmp (key, "PermitRemoteOpen") == 0)
    return option_result (parse_permit_remote_open (extra, key, value, error));
  /* As ssh: every forward of the config file and the command line goes. */
  if (g_ascii_strcasecmp (key, "ClearAllForwardings") == 0)
    return option_result (parse_yes_no (key, value, &extra->clear_forwardings, error));
  if (g_ascii_strcasecmp (key, "BatchMode") == 0)
    {
      /* yes: never ask on the terminal, fail instead (as without one). */
      if (!parse_yes_no (key, value, &flag, error))
        return OPTION_FAILED;
      extra->batch = flag;
      return OPTION_APPLIED;
    }

  return OPTION_UNKNOWN;
}

/* One -o KEY=VALUE (or "KEY VALUE"), as ssh_config spells it. */
static gboolean
apply_option (CulvertProfile  *profile,
              Extra           *extra,
              const char      *option,
              GError         **error)
{
  g_autofree char *key = NULL;
  const char *value;
  const char *sep = strpbrk (option, "= \t");
  OptionResult result;

  if (sep == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("-o %s: expected KEY=VALUE"), option);
      return FALSE;
    }
  key = g_strndup (option, sep - option);
  value = sep;
  while (*value == '=' || *value == ' ' || *value == '\t')
    value++;

  result = apply_profile_option (profile, key, value, error);
  if (result == OPTION_UNKNOWN)
    result = apply_run_option (extra, key, value, error);
  if (result != OPTION_UNKNOWN)
    return result == OPTION_APPLIED;

  if (g_ascii_strcasecmp (key, "ProxyCommand") == 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("-o ProxyCommand is not supported: Culvert makes the connection itself. "
                     "Use --proxy URL for an HTTP or SOCKS 5 proxy, or -J for a jump host"));
      return FALSE;
    }

  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("-o %s: “%s” is not an option Culvert understands (supported: Port, User, "
                 "IdentityFile, UserKnownHostsFile, StrictHostKeyChecking, "
                 "ServerAliveInterval, ServerAliveCountMax, ExitOnForwardFailure, "
                 "GatewayPorts, ConnectTimeout, ProxyJump, BatchMode, "
                 "ClearAllForwardings, PermitRemoteOpen, StreamLocalBindUnlink)"),
               option, key);
  return FALSE;
}

static gboolean
add_forwards (CulvertProfile      *profile,
              CulvertForwardKind   kind,
              const char * const  *specs,
              GError             **error)
{
  for (guint i = 0; specs != NULL && specs[i] != NULL; i++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(CulvertForward) forward = culvert_forward_parse (kind, specs[i], &local_error);

      if (forward == NULL)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("Bad %s forwarding specification “%s”: %s"),
                       culvert_forward_kind_to_flag (kind), specs[i], local_error->message);
          return FALSE;
        }
      culvert_profile_add_forward (profile, forward);
    }

  return TRUE;
}

/* Says, once per forward, who can now connect when a forward is off-host. */
void
culvert_headless_warn_off_host (CulvertProfile *profile)
{
  GListModel *forwards = culvert_profile_get_forwards (profile);
  gboolean gateway_ports = culvert_profile_get_gateway_ports (profile);

  for (guint i = 0; i < g_list_model_get_n_items (forwards); i++)
    {
      g_autoptr(CulvertForward) forward = g_list_model_get_item (forwards, i);
      g_autofree char *bind = NULL;
      g_autofree char *where = NULL;
      guint16 port = culvert_forward_get_bind_port (forward);

      /* On the server's loopback, a reverse dynamic forward still lets
       * every user of the server into this computer and its network. */
      if (culvert_forward_is_reverse_dynamic (forward) &&
          !culvert_forward_is_off_host_full (forward, gateway_ports))
        {
          g_autofree char *reach =
            culvert_forward_describe_reach (forward, gateway_ports,
                                            culvert_profile_get_host (profile));

          g_printerr (_("Warning: %s\n"), reach);
          continue;
        }
      if (!culvert_forward_is_off_host_full (forward, gateway_ports))
        continue;

      bind = culvert_forward_dup_effective_bind_address_full (forward, gateway_ports);
      if (bind == NULL || *bind == '\0' || g_strcmp0 (bind, "*") == 0)
        where = g_strdup_printf (_("port %u on all interfaces"), port);
      else
        where = g_strdup_printf (_("port %u on %s"), port, bind);

      switch (culvert_forward_get_kind (forward))
        {
        case CULVERT_FORWARD_DYNAMIC:
          g_printerr (_("Warning: %s is an open proxy: anyone who can reach it can use your SSH "
                        "server to connect anywhere, without a password.\n"), where);
          break;
        case CULVERT_FORWARD_REMOTE:
          if (culvert_forward_is_reverse_dynamic (forward))
            g_printerr (_("Warning: %s on the server is an open proxy: anyone who can reach it "
                          "can connect anywhere this computer can reach, without a "
                          "password.\n"), where);
          else
            g_printerr (_("Warning: %s on the server accepts connections from other "
                          "computers, without a password.\n"), where);
          break;
        case CULVERT_FORWARD_LOCAL:
        default:
          g_printerr (_("Warning: %s accepts connections from other computers, without a "
                        "password; they reach %s:%u through your SSH server.\n"),
                      where, culvert_forward_get_destination_host (forward),
                      culvert_forward_get_destination_port (forward));
          break;
        }
    }
}

/* An http:// or socks5:// proxy URL with a host; @what names it in errors. */
static gboolean
check_proxy_url (const char  *url,
                 const char  *what,
                 GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") != 0 &&
       g_ascii_strcasecmp (g_uri_get_scheme (uri), "socks5") != 0))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("%s: “%s” is not a proxy address; expected http://host[:port] or "
                     "socks5://host[:port]"), what, url);
      return FALSE;
    }

  return TRUE;
}

/* How the run reaches the server: --proxy URL, --no-proxy, or else (for a
 * run from flags, not a saved connection) HTTPPROXY and HTTPPROXYBYPASS,
 * then the usual *_proxy variables through the system's settings. */
static gboolean
apply_proxy (CulvertProfile  *profile,
             const char      *proxy_url,
             gboolean         no_proxy,
             gboolean         from_profile,
             GError         **error)
{
  const char *bypass = g_getenv ("HTTPPROXYBYPASS");
  const char *env = g_getenv ("HTTPPROXY");
  static const char * const variables[] = {
    "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
  };

  if (proxy_url != NULL && no_proxy)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("--proxy and --no-proxy cannot be used together"));
      return FALSE;
    }

  if (no_proxy)
    {
      culvert_profile_set_proxy_mode (profile, CULVERT_PROXY_NONE);
      return TRUE;
    }

  if (proxy_url == NULL && from_profile)
    return TRUE;

  if (proxy_url == NULL && env != NULL && *env != '\0')
    {
      g_autofree char *url = strstr (env, "://") != NULL ? g_strdup (env)
                                                         : g_strconcat ("http://", env, NULL);

      if (!check_proxy_url (url, "HTTPPROXY", error))
        return FALSE;
      culvert_profile_set_proxy_mode (profile, CULVERT_PROXY_CUSTOM);
      culvert_profile_set_proxy_url (profile, url);
      culvert_profile_set_proxy_bypass (profile, bypass);
      return TRUE;
    }

  if (proxy_url != NULL)
    {
      if (!check_proxy_url (proxy_url, "--proxy", error))
        return FALSE;
      culvert_profile_set_proxy_mode (profile, CULVERT_PROXY_CUSTOM);
      culvert_profile_set_proxy_url (profile, proxy_url);
      culvert_profile_set_proxy_bypass (profile, bypass);
      return TRUE;
    }

  culvert_profile_set_proxy_mode (profile, CULVERT_PROXY_NONE);
  for (guint i = 0; i < G_N_ELEMENTS (variables); i++)
    {
      const char *value = g_getenv (variables[i]);

      if (value != NULL && *value != '\0')
        culvert_profile_set_proxy_mode (profile, CULVERT_PROXY_SYSTEM);
    }

  return TRUE;
}

/* The settings ssh itself would use for `ssh ALIAS` with this config file,
 * or NULL when the file names no such host. @path NULL: ~/.ssh/config, if any. */
static CulvertProfile *
profile_from_ssh_config (const char  *path,
                         const char  *alias,
                         GError     **error)
{
  g_autoptr(CulvertSshConfig) config = culvert_ssh_config_new ();
  g_autoptr(CulvertSshImportReport) report = culvert_ssh_import_report_new ();
  g_autoptr(GPtrArray) profiles = NULL;
  g_autofree char *default_path = NULL;

  if (path == NULL)
    {
      default_path = culvert_ssh_config_dup_default_path ();
      if (!g_file_test (default_path, G_FILE_TEST_EXISTS))
        return NULL;
      path = default_path;
    }

  if (!culvert_ssh_config_parse_file (config, path, error))
    return NULL;

  profiles = culvert_ssh_config_build_profiles (config, report);
  for (guint i = 0; i < profiles->len; i++)
    {
      CulvertProfile *profile = g_ptr_array_index (profiles, i);

      if (g_strcmp0 (culvert_profile_get_name (profile), alias) == 0)
        return g_object_ref (profile);
    }

  return NULL;
}

static CulvertProfile *
load_profile (const char  *name_or_id,
              GError     **error)
{
  g_autoptr(CulvertProfileStore) store = culvert_profile_store_new (NULL);
  CulvertProfile *profile;

  if (!culvert_profile_store_load (store, error))
    return NULL;

  profile = culvert_profile_store_find (store, name_or_id);
  if (profile == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("No saved connection is called “%s” (see culvert --list)"), name_or_id);
      return NULL;
    }

  return g_object_ref (profile);
}

void
culvert_headless_flags_clear (Flags *flags)
{
  g_clear_pointer (&flags->args, g_strfreev);
  g_clear_pointer (&flags->local_specs, g_strfreev);
  g_clear_pointer (&flags->remote_specs, g_strfreev);
  g_clear_pointer (&flags->dynamic_specs, g_strfreev);
  g_clear_pointer (&flags->options, g_strfreev);
  g_clear_pointer (&flags->user, g_free);
  g_clear_pointer (&flags->identity, g_free);
  g_clear_pointer (&flags->jumps, g_free);
  g_clear_pointer (&flags->config_file, g_free);
  g_clear_pointer (&flags->profile_name, g_free);
  g_clear_pointer (&flags->port_text, g_free);
  g_clear_pointer (&flags->proxy_url, g_free);
  g_clear_pointer (&flags->stdio_target, g_free);
}

/* Step 1: the command line into @flags (and -W's target into @runner).
 * Returns -1 to go on, or the exit code. */
int
culvert_headless_parse_flags (char   **argv,
                              Flags   *flags,
                              Runner  *runner)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  GOptionEntry entries[] = {
    { "headless", 0, 0, G_OPTION_ARG_NONE, &flags->headless, N_("Serve forwards without a window"),
      NULL },
    { "profile", 0, 0, G_OPTION_ARG_STRING, &flags->profile_name, N_("Serve a saved connection"),
      N_("NAME-OR-ID") },
    { "port", 'p', 0, G_OPTION_ARG_STRING, &flags->port_text, N_("Port of the SSH server"),
      N_("PORT") },
    { "login-name", 'l', 0, G_OPTION_ARG_STRING, &flags->user, N_("User to log in as"),
      N_("USER") },
    { "identity", 'i', 0, G_OPTION_ARG_FILENAME, &flags->identity, N_("Private key file"),
      N_("FILE") },
    { "local", 'L', 0, G_OPTION_ARG_STRING_ARRAY, &flags->local_specs,
      N_("Outgoing forward: [bind_address:]port:host:hostport"), N_("SPEC") },
    { "remote", 'R', 0, G_OPTION_ARG_STRING_ARRAY, &flags->remote_specs,
      N_("Incoming forward: [bind_address:]port:host:hostport"), N_("SPEC") },
    { "dynamic", 'D', 0, G_OPTION_ARG_STRING_ARRAY, &flags->dynamic_specs,
      N_("Dynamic (SOCKS) forward: [bind_address:]port"), N_("SPEC") },
    { "jump", 'J', 0, G_OPTION_ARG_STRING, &flags->jumps, N_("Jump hosts: [user@]host[:port],…"),
      N_("JUMPS") },
    { "proxy", 0, 0, G_OPTION_ARG_STRING, &flags->proxy_url,
      N_("Reach the server through this proxy: http://host[:port] or socks5://host[:port]"),
      N_("URL") },
    { "no-proxy", 0, 0, G_OPTION_ARG_NONE, &flags->no_proxy,
      N_("Reach the server directly, whatever the environment says"), NULL },
    { "gateway-ports", 'g', 0, G_OPTION_ARG_NONE, &flags->gateway_ports,
      N_("Allow other computers to connect to forwarded ports"), NULL },
    { "option", 'o', 0, G_OPTION_ARG_STRING_ARRAY, &flags->options, N_("An ssh_config option"),
      N_("KEY=VALUE") },
    { "config", 'F', 0, G_OPTION_ARG_FILENAME, &flags->config_file,
      N_("Read this ssh_config file"), N_("FILE") },
    { "no-command", 'N', 0, G_OPTION_ARG_NONE, &flags->no_command,
      N_("Accepted for ssh compatibility (always on)"), NULL },
    { "stdio-forward", 'W', 0, G_OPTION_ARG_STRING, &flags->stdio_target,
      N_("Carry standard input and output to HOST:PORT through the server, like "
         "“ssh -W” (for ProxyCommand)"), N_("HOST:PORT") },
    { "background", 'f', 0, G_OPTION_ARG_NONE, &flags->background,
      N_("Go into the background once connected, like “ssh -f”"), NULL },
    { "ssh-version", 'V', G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &flags->version, NULL, NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &flags->json,
      N_("Print one JSON object per event on stdout"), NULL },
    { "reconnect", 0, 0, G_OPTION_ARG_NONE, &flags->reconnect,
      N_("Connect again when the connection is lost, like autossh (with --profile: "
         "as the connection says, or always with this flag)"), NULL },
    { NULL }
  };

  context = g_option_context_new (_("[user@]host"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
                                _("Serve SSH port forwards without a window, like “ssh -N”, "
                                  "until interrupted."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  /* ssh's forms first (-p2222, -gN, -oKey=value); the parser edits its
   * own copy. */
  flags->args = culvert_ssh_argv_split (argv, &error);
  if (flags->args == NULL || !g_option_context_parse_strv (context, &flags->args, &error))
    {
      g_printerr ("culvert: %s\n", error->message);
      return EXIT_USAGE;
    }

  if (flags->stdio_target != NULL)
    {
      if (flags->json)
        {
          g_printerr ("culvert: %s\n", _("-W and --json cannot go together: -W uses standard "
                                          "output for its data"));
          return EXIT_USAGE;
        }
      if (!parse_stdio_target (flags->stdio_target, &runner->stdio_host, &runner->stdio_port,
                               &error))
        {
          g_printerr ("culvert: %s\n", error->message);
          return EXIT_USAGE;
        }
    }

  if (flags->version)
    {
      /* As ssh -V: the version on stderr, and nothing else. */
      g_printerr ("culvert %s\n", PACKAGE_VERSION);
      return 0;
    }

  /* Checked before anything else runs: a bad port is never "the default". */
  if (flags->port_text != NULL &&
      !parse_number ("-p", flags->port_text, 1, 65535, &flags->port, &error))
    {
      g_printerr ("culvert: %s\n", error->message);
      return EXIT_USAGE;
    }

  return -1;
}

/* The profile for `[user@]host` (args[1]): the Host block ssh would use,
 * or a new one; NULL with the exit code in @exit_code. */
static CulvertProfile *
profile_for_destination (Flags *flags,
                         int   *exit_code)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *login = NULL;
  CulvertProfile *profile;
  const char *destination;
  const char *at;

  if (g_strv_length (flags->args) != 2)
    {
      g_printerr ("culvert: %s\n", g_strv_length (flags->args) < 2
                  ? _("Which server? Give [user@]host, or --profile NAME")
                  : _("Only one server can be given; a command to run is not supported"));
      *exit_code = EXIT_USAGE;
      return NULL;
    }

  destination = flags->args[1];
  at = strrchr (destination, '@');
  if (at != NULL)
    {
      login = g_strndup (destination, at - destination);
      destination = at + 1;
    }
  if (*destination == '\0')
    {
      g_printerr ("culvert: %s\n", _("The server name is empty"));
      *exit_code = EXIT_USAGE;
      return NULL;
    }

  /* Like ssh: a Host block for this name (in -F FILE, else ~/.ssh/config)
   * gives the settings, and the command line overrides them. */
  profile = profile_from_ssh_config (flags->config_file, destination, &error);
  if (error != NULL)
    {
      g_printerr ("culvert: %s\n", error->message);
      *exit_code = EXIT_FATAL;
      return NULL;
    }
  if (profile == NULL)
    {
      profile = culvert_profile_new ();
      culvert_profile_set_host (profile, destination);
      culvert_profile_set_name (profile, destination);
      /* ssh sends no keepalives unless asked (ServerAliveInterval). */
      culvert_profile_set_keepalive_interval (profile, 0);
    }
  if (login != NULL)
    culvert_profile_set_user (profile, login);
  /* Like ssh: a lost connection ends the run, unless --reconnect. */
  culvert_profile_set_reconnect (profile, FALSE);

  return profile;
}

/* The flags that override the profile's settings; FALSE with @error (a
 * command-line error). */
static gboolean
apply_flags (CulvertProfile  *profile,
             Flags           *flags,
             Extra           *extra,
             GPtrArray      **permit_remote_open,
             GError         **error)
{
  for (guint i = 0; flags->options != NULL && flags->options[i] != NULL; i++)
    {
      gboolean applied = apply_option (profile, extra, flags->options[i], error);

      /* Freed with the run, whatever happens. */
      if (extra->permit_remote_open != *permit_remote_open)
        {
          g_clear_pointer (permit_remote_open, g_ptr_array_unref);
          *permit_remote_open = extra->permit_remote_open;
        }
      if (!applied)
        return FALSE;
    }

  if (flags->port_text != NULL)
    culvert_profile_set_port (profile, flags->port);
  if (flags->user != NULL)
    culvert_profile_set_user (profile, flags->user);
  if (flags->identity != NULL)
    culvert_profile_set_identity_file (profile, flags->identity);
  if (flags->jumps != NULL)
    {
      g_auto(GStrv) list = g_strsplit (flags->jumps, ",", -1);

      if (!check_jump_hosts (list, error))
        return FALSE;
      culvert_profile_set_jump_hosts (profile, (const char * const *) list);
    }
  if (flags->gateway_ports)
    culvert_profile_set_gateway_ports (profile, TRUE);
  if (!apply_proxy (profile, flags->proxy_url, flags->no_proxy, flags->profile_name != NULL,
                    error))
    return FALSE;

  return add_forwards (profile, CULVERT_FORWARD_LOCAL,
                       (const char * const *) flags->local_specs, error) &&
         add_forwards (profile, CULVERT_FORWARD_REMOTE,
                       (const char * const *) flags->remote_specs, error) &&
         add_forwards (profile, CULVERT_FORWARD_DYNAMIC,
                       (const char * const *) flags->dynamic_specs, error);
}

/* Step 2: the profile to serve, from --profile or the destination, with the
 * flags applied. NULL with the exit code in @exit_code. */
CulvertProfile *
culvert_headless_build_profile (Flags      *flags,
                                Extra      *extra,
                                GPtrArray **permit_remote_open,
                                Runner     *runner,
                                int        *exit_code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CulvertProfile) profile = NULL;

  if (flags->profile_name != NULL)
    {
      if (g_strv_length (flags->args) > 1)
        {
          g_printerr ("culvert: %s\n", _("--profile takes no host"));
          *exit_code = EXIT_USAGE;
          return NULL;
        }
      profile = load_profile (flags->profile_name, &error);
      if (profile == NULL)
        {
          g_printerr ("culvert: %s\n", error->message);
          *exit_code = EXIT_FATAL;
          return NULL;
        }
    }
  else
    {
      profile = profile_for_destination (flags, exit_code);
      if (profile == NULL)
        return NULL;
    }
  if (flags->reconnect)
    culvert_profile_set_reconnect (profile, TRUE);

  if (!apply_flags (profile, flags, extra, permit_remote_open, &error))
    {
      g_printerr ("culvert: %s\n", error->message);
      *exit_code = EXIT_USAGE;
      return NULL;
    }
  /* As ssh: -W implies ClearAllForwardings and ExitOnForwardFailure. */
  if (extra->clear_forwardings || runner->stdio_host != NULL)
    culvert_profile_remove_all_forwards (profile);
  if (runner->stdio_host != NULL)
    extra->exit_on_forward_failure = TRUE;

  /* The server's name, however it came (the command line, a HostName, a
   * saved file), goes to a proxy and to libssh only if it is one. */
  if (!culvert_address_is_valid_host (culvert_profile_get_host (profile)))
    {
      const char *host = culvert_profile_get_host (profile);
      g_autofree char *shown = g_strescape (host != NULL ? host : "", NULL);

      g_printerr ("culvert: ");
      g_printerr (_("“%s” is not a host name or an IP address"), shown);
      g_printerr ("\n");
      *exit_code = EXIT_USAGE;
      return NULL;
    }

  return g_steal_pointer (&profile);
}


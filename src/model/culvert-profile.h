/* culvert-profile.h — one saved connection and its forwards
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "culvert-forward.h"
#include "culvert-types.h"

G_BEGIN_DECLS

#define CULVERT_TYPE_PROFILE (culvert_profile_get_type ())

G_DECLARE_FINAL_TYPE (CulvertProfile, culvert_profile, CULVERT, PROFILE, GObject)

/*
 * Properties (all notify only on change). Optional strings read back as
 * %NULL when unset; setting "" unsets them.
 *
 * - id: stable identifier, a random UUID by default; also the file name
 *   in the store, so only letters, digits, '-', '_' and '.' (not first)
 * - name: what the user calls the connection
 * - host, port (default 22), user (%NULL: the local user name)
 * - auth-method: #CulvertAuthMethod, default %CULVERT_AUTH_AUTOMATIC
 * - identity-file: a private key file, %NULL for none
 * - jump-hosts: #GStrv of `[user@]host[:port]`, in order (ssh -J)
 * - proxy-mode: #CulvertProxyMode; proxy-url and proxy-bypass for custom
 * - keepalive-interval (seconds, default 30, 0 = off), keepalive-count (default 3)
 * - reconnect (default %TRUE), connect-at-startup (default %FALSE)
 * - gateway-ports: ssh -g, local and dynamic forwards without a bind
 *   address listen on every interface (default %FALSE)
 * - known-hosts-file: %NULL means ~/.ssh/known_hosts
 * - forwards: (read-only) the #GListModel of #CulvertForward
 *
 * There is no property for a password or a passphrase: those live only in
 * the desktop keyring.
 */

CulvertProfile     *culvert_profile_new                    (void);

/* True when @id can be a profile id (and so a file name). */
gboolean            culvert_profile_id_is_valid            (const char         *id);

const char         *culvert_profile_get_id                 (CulvertProfile     *self);
void                culvert_profile_set_id                 (CulvertProfile     *self,
                                                            const char         *id);
const char         *culvert_profile_get_name               (CulvertProfile     *self);
void                culvert_profile_set_name               (CulvertProfile     *self,
                                                            const char         *name);
/* The name, or the host when the profile has no name. */
const char         *culvert_profile_get_display_name       (CulvertProfile     *self);
const char         *culvert_profile_get_host               (CulvertProfile     *self);
void                culvert_profile_set_host               (CulvertProfile     *self,
                                                            const char         *host);
guint16             culvert_profile_get_port               (CulvertProfile     *self);
void                culvert_profile_set_port               (CulvertProfile     *self,
                                                            guint16             port);
const char         *culvert_profile_get_user               (CulvertProfile     *self);
void                culvert_profile_set_user               (CulvertProfile     *self,
                                                            const char         *user);
CulvertAuthMethod   culvert_profile_get_auth_method        (CulvertProfile     *self);
void                culvert_profile_set_auth_method        (CulvertProfile     *self,
                                                            CulvertAuthMethod   auth_method);
const char         *culvert_profile_get_identity_file      (CulvertProfile     *self);
void                culvert_profile_set_identity_file      (CulvertProfile     *self,
                                                            const char         *identity_file);
const char * const *culvert_profile_get_jump_hosts         (CulvertProfile     *self);
void                culvert_profile_set_jump_hosts         (CulvertProfile     *self,
                                                            const char * const *jump_hosts);
CulvertProxyMode    culvert_profile_get_proxy_mode         (CulvertProfile     *self);
void                culvert_profile_set_proxy_mode         (CulvertProfile     *self,
                                                            CulvertProxyMode    proxy_mode);
const char         *culvert_profile_get_proxy_url          (CulvertProfile     *self);
void                culvert_profile_set_proxy_url          (CulvertProfile     *self,
                                                            const char         *proxy_url);
const char         *culvert_profile_get_proxy_bypass       (CulvertProfile     *self);
void                culvert_profile_set_proxy_bypass       (CulvertProfile     *self,
                                                            const char         *proxy_bypass);
guint               culvert_profile_get_keepalive_interval (CulvertProfile     *self);
void                culvert_profile_set_keepalive_interval (CulvertProfile     *self,
                                                            guint               seconds);
guint               culvert_profile_get_keepalive_count    (CulvertProfile     *self);
void                culvert_profile_set_keepalive_count    (CulvertProfile     *self,
                                                            guint               count);
gboolean            culvert_profile_get_reconnect          (CulvertProfile     *self);
void                culvert_profile_set_reconnect          (CulvertProfile     *self,
                                                            gboolean            reconnect);
gboolean            culvert_profile_get_connect_at_startup (CulvertProfile     *self);
void                culvert_profile_set_connect_at_startup (CulvertProfile     *self,
                                                            gboolean            connect_at_startup);
gboolean            culvert_profile_get_gateway_ports      (CulvertProfile     *self);
void                culvert_profile_set_gateway_ports      (CulvertProfile     *self,
                                                            gboolean            gateway_ports);
const char         *culvert_profile_get_known_hosts_file   (CulvertProfile     *self);
void                culvert_profile_set_known_hosts_file   (CulvertProfile     *self,
                                                            const char         *known_hosts_file);

GListModel         *culvert_profile_get_forwards           (CulvertProfile     *self);
void                culvert_profile_add_forward            (CulvertProfile     *self,
                                                            CulvertForward     *forward);
void                culvert_profile_remove_forward         (CulvertProfile     *self,
                                                            guint               position);
void                culvert_profile_remove_all_forwards    (CulvertProfile     *self);

/* A new profile with the same settings and copies of the forwards; the
 * copy gets a new id when @new_id is %TRUE. */
CulvertProfile     *culvert_profile_copy                   (CulvertProfile     *self,
                                                            gboolean            new_id);

/**
 * culvert_profile_to_command_line:
 *
 * Returns: the equivalent OpenSSH command, `ssh -N -L … -J … -p … user@host`,
 *   every word shell-quoted where needed. Disabled forwards are left out;
 *   proxy settings have no ssh flag and are left out too.
 */
char               *culvert_profile_to_command_line        (CulvertProfile     *self);

/* The longest ssh_config line (in bytes) that the import reads. */
#define CULVERT_SSH_CONFIG_MAX_LINE 16384

/**
 * culvert_profile_to_ssh_config:
 *
 * Returns: an ssh_config `Host` block (ending in a newline) that
 *   culvert_ssh_config_import() reads back to the same settings, quoted
 *   as OpenSSH's tokenizer reads it and with %% where ssh expands
 *   %-tokens. Disabled forwards are written as comments; settings ssh has
 *   no keyword for (proxy, reconnect, connect at startup) are named in a
 *   comment. A setting that cannot be written so that it reads back the
 *   same is left out, with a comment line `    # Left out: Keyword, as …`.
 */
char               *culvert_profile_to_ssh_config          (CulvertProfile     *self);

G_END_DECLS

/* culvert-forward.h — one forwarding rule: -L, -R or -D
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "culvert-address.h"
#include "culvert-types.h"

G_BEGIN_DECLS

#define CULVERT_FORWARD_ERROR (culvert_forward_error_quark ())

/**
 * CulvertForwardError:
 * @CULVERT_FORWARD_ERROR_INVALID_PORT: a port is missing, not a number or out of range
 * @CULVERT_FORWARD_ERROR_INVALID_HOST: a bind address or destination host is malformed
 * @CULVERT_FORWARD_ERROR_INVALID_SYNTAX: the wrong number of fields, stray brackets, …
 * @CULVERT_FORWARD_ERROR_UNSUPPORTED: valid for OpenSSH but not something Culvert does
 *   (kept for callers; every OpenSSH form parses today)
 *
 * The messages are translated sentences that name the field that is wrong.
 */
typedef enum
{
  CULVERT_FORWARD_ERROR_INVALID_PORT,
  CULVERT_FORWARD_ERROR_INVALID_HOST,
  CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
  CULVERT_FORWARD_ERROR_UNSUPPORTED,
} CulvertForwardError;

GQuark culvert_forward_error_quark (void);

#define CULVERT_TYPE_FORWARD (culvert_forward_get_type ())

G_DECLARE_FINAL_TYPE (CulvertForward, culvert_forward, CULVERT, FORWARD, GObject)

/*
 * Properties (all notify only on change):
 *
 * - kind: #CulvertForwardKind
 * - bind-address: what the user asked to listen on. %NULL means "not given"
 *   (the safe default, loopback); setting "" stores %NULL. "*" means every
 *   interface. Host names and IP literals (IPv6 without brackets) as typed.
 * - bind-port: 1–65535; 0 only for remote forwards ("the server picks")
 * - destination-host: %NULL for dynamic forwards
 * - destination-port: 1–65535; 0 for dynamic forwards
 * - enabled: %TRUE by default
 * - description: free text, %NULL when none
 * - bind-path: a Unix-domain socket's path to listen on instead of
 *   bind-address and bind-port (which are then %NULL and 0): on this
 *   computer for local and dynamic forwards, on the server for remote ones
 * - destination-path: a Unix-domain socket's path to connect to instead of
 *   destination-host and destination-port: on the server for local
 *   forwards (direct-streamlocal@openssh.com), on this computer for remote
 *   ones. %NULL for dynamic forwards.
 */

CulvertForward     *culvert_forward_new                      (CulvertForwardKind   kind);

/**
 * culvert_forward_parse:
 * @kind: which flag @spec belongs to
 * @spec: OpenSSH's syntax: `[bind_address:]port:host:hostport` for -L and
 *   -R, `[bind_address:]port` for -D and for a reverse dynamic -R (see
 *   culvert_forward_is_reverse_dynamic()). IPv6 addresses go in brackets
 *   (`[::1]:8080:[fe80::1%eth0]:22`). An empty bind address (`:8080:…`)
 *   means every interface, like `*`, and is stored as "*". A field with a
 *   “/” is a Unix-domain socket's path, in OpenSSH's forms:
 *   `/listen.sock:host:hostport`, `[bind_address:]port:/remote.sock`,
 *   `/listen.sock:/remote.sock`, and `/listen.sock` for -D and -R.
 *
 * Returns: (transfer full) (nullable): the forward, or %NULL with @error set
 *   (a %CULVERT_FORWARD_ERROR whose message says which field is wrong and why)
 */
CulvertForward     *culvert_forward_parse                    (CulvertForwardKind   kind,
                                                              const char          *spec,
                                                              GError             **error);

/**
 * culvert_forward_to_string:
 *
 * Returns: the forward in OpenSSH's syntax (without the flag); it parses
 *   back with culvert_forward_parse() to a forward that is
 *   culvert_forward_equal() to @self.
 */
char               *culvert_forward_to_string                (CulvertForward      *self);
CulvertForward     *culvert_forward_copy                     (CulvertForward      *self);

/**
 * culvert_forward_validate:
 *
 * Whether @self is a forward culvert_forward_parse() could have made: a
 * valid bind address, a listening port (0 only for a remote forward), and
 * for a local or remote forward a whole destination, except that a remote
 * forward with neither host nor port is a reverse dynamic forward. A
 * forward that fails this never runs.
 */
gboolean            culvert_forward_validate                 (CulvertForward      *self,
                                                              GError             **error);

/**
 * culvert_forward_is_reverse_dynamic:
 *
 * Returns: %TRUE for a remote forward without a destination (`-R
 *   [bind_address:]port`, OpenSSH 7.6+): the server listens, and this
 *   computer answers each connection as a SOCKS server and connects it.
 */
gboolean            culvert_forward_is_reverse_dynamic       (CulvertForward      *self);

/**
 * culvert_forward_equal:
 *
 * Returns: %TRUE when @a and @b are the same rule: kind, bind address,
 *   ports and destination host (host names compared without case).
 *   Whether they are enabled and their descriptions are not compared.
 */
gboolean            culvert_forward_equal                    (CulvertForward      *a,
                                                              CulvertForward      *b);

CulvertForwardKind  culvert_forward_get_kind                 (CulvertForward      *self);
void                culvert_forward_set_kind                 (CulvertForward      *self,
                                                              CulvertForwardKind   kind);
const char         *culvert_forward_get_bind_address         (CulvertForward      *self);
void                culvert_forward_set_bind_address         (CulvertForward      *self,
                                                              const char          *bind_address);
guint16             culvert_forward_get_bind_port            (CulvertForward      *self);
void                culvert_forward_set_bind_port            (CulvertForward      *self,
                                                              guint16              bind_port);
const char         *culvert_forward_get_destination_host     (CulvertForward      *self);
void                culvert_forward_set_destination_host     (CulvertForward      *self,
                                                              const char    *destination_host);
guint16             culvert_forward_get_destination_port     (CulvertForward      *self);
void                culvert_forward_set_destination_port     (CulvertForward      *self,
                                                              guint16        destination_port);
const char         *culvert_forward_get_bind_path            (CulvertForward      *self);
void                culvert_forward_set_bind_path            (CulvertForward      *self,
                                                              const char          *bind_path);
const char         *culvert_forward_get_destination_path     (CulvertForward      *self);
void                culvert_forward_set_destination_path     (CulvertForward      *self,
                                                              const char    *destination_path);
gboolean            culvert_forward_get_enabled              (CulvertForward      *self);
void                culvert_forward_set_enabled              (CulvertForward      *self,
                                                              gboolean             enabled);
const char         *culvert_forward_get_description          (CulvertForward      *self);
void                culvert_forward_set_description          (CulvertForward      *self,
                                                              const char          *description);

/**
 * culvert_forward_dup_effective_bind_address:
 *
 * What to listen on (local, dynamic) or what to send in the tcpip-forward
 * request (remote), following OpenSSH (channels.c) exactly. Same as
 * culvert_forward_dup_effective_bind_address_full() with @gateway_ports
 * %FALSE.
 */
char               *culvert_forward_dup_effective_bind_address (CulvertForward    *self);

/**
 * culvert_forward_dup_effective_bind_address_full:
 * @gateway_ports: the profile's gateway-ports (ssh -g)
 *
 * Local and dynamic forwards (this computer listens):
 * - bind-address %NULL: "localhost" — loopback, meaning both 127.0.0.1 and
 *   ::1, as OpenSSH does; with @gateway_ports: "*"
 * - "*": "*" — every interface, IPv4 and IPv6 (for the engine:
 *   g_socket_listener_add_inet_port() or the two "any" addresses)
 * - anything else: returned as is (an IP literal without brackets, or a
 *   name to resolve and bind every address of)
 *
 * Remote forwards (the server listens; the string goes into the
 * tcpip-forward global request):
 * - %NULL: "localhost" — the server binds loopback, unless its
 *   GatewayPorts is `yes`
 * - "*": "" — every interface when the server's GatewayPorts is
 *   `clientspecified` or `yes`, loopback when it is `no` (the default)
 * - anything else: as is. @gateway_ports does not apply (it is a client option).
 */
char               *culvert_forward_dup_effective_bind_address_full (CulvertForward *self,
                                                                     gboolean        gateway_ports);

/**
 * culvert_forward_is_off_host:
 *
 * Returns: %TRUE exactly when the listening side accepts connections from
 *   other machines: for local and dynamic forwards when the bind address is
 *   not loopback (wildcard, LAN or any other address or name); for remote
 *   forwards when a bind address was given and it is not loopback ("*",
 *   0.0.0.0, a LAN address, a name). A remote forward without a bind
 *   address is not off-host: the server binds loopback unless the server's
 *   administrator set GatewayPorts yes. Same as
 *   culvert_forward_is_off_host_full() with @gateway_ports %FALSE.
 */
gboolean            culvert_forward_is_off_host              (CulvertForward      *self);
gboolean            culvert_forward_is_off_host_full         (CulvertForward      *self,
                                                              gboolean             gateway_ports);

/* The flag OpenSSH uses for @kind: "-L", "-R" or "-D". */
/**
 * culvert_forward_keep_local:
 *
 * Binds @self to loopback: what "Keep Local Only" does, whatever
 * @gateway_ports (the connection's GatewayPorts) says.
 */
void                culvert_forward_keep_local               (CulvertForward      *self,
                                                              gboolean             gateway_ports);

/**
 * culvert_forward_describe_reach:
 * @server: (nullable): the SSH server's name, for remote forwards
 *
 * Returns: (nullable): who can connect through @self, in words, when
 *   that is more than programs on this computer: an off-host forward (an
 *   off-host dynamic forward is called an open proxy), and every reverse
 *   dynamic forward, which lets the server's side reach this computer's
 *   own services and network. %NULL when only this computer can use it.
 */
char               *culvert_forward_describe_reach           (CulvertForward      *self,
                                                              gboolean             gateway_ports,
                                                              const char          *server);

const char         *culvert_forward_kind_to_flag             (CulvertForwardKind   kind);

G_END_DECLS

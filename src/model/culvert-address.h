/* culvert-address.h — the address rules, in one place
 *
 * Which bind addresses let other machines in, which hosts skip the proxy,
 * and the small parsers (ports, host names, jump hosts) every other parser
 * in model/ shares. Pure functions over strings: no I/O, no name lookups.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "culvert-types.h"

G_BEGIN_DECLS

/**
 * culvert_address_classify:
 * @address: (nullable): a bind address: an IP literal (IPv6 with or
 *   without brackets, with or without a `%zone`), a host name, `*` or empty
 *
 * - %CULVERT_ADDRESS_WILDCARD: %NULL, "", "*", 0.0.0.0, :: (every interface)
 * - %CULVERT_ADDRESS_LOOPBACK: "localhost", 127.0.0.0/8, ::1, ::ffff:127.0.0.0/104
 * - %CULVERT_ADDRESS_PRIVATE: 10/8, 172.16/12, 192.168/16, 100.64/10 (CGNAT),
 *   169.254/16, fc00::/7 (ULA), fe80::/10 (and their IPv4-mapped forms)
 * - %CULVERT_ADDRESS_PUBLIC: anything else, including every host name
 *   other than "localhost" (a name can resolve to anything)
 */
CulvertAddressClass culvert_address_classify     (const char  *address);

/**
 * culvert_proxy_bypass_matches:
 * @bypass_list: (nullable): comma-separated items (DESIGN.md, "Networks
 *   between the user and the server")
 * @host: the host the connection goes to
 *
 * Returns %TRUE when @host is reached directly rather than through the proxy.
 *
 * An item without `*` is a complete host name, a domain suffix
 * (`example.org` matches `a.example.org`; a leading dot is allowed) or an IP
 * address (compared as an address, so `::1` matches `0:0::1`). In an item
 * with `*`, each `*` stands for exactly one dot-separated field: `10.1.*.*`,
 * `*.lab.example.org`; a lone `*` matches single-label host names. IPv6
 * literals only match items without `*`. Matching ignores case and a
 * trailing dot.
 *
 * An empty list (%NULL, "" or only commas and spaces) means the default
 * rules: numeric private addresses (10/8, 172.16/12, 192.168/16,
 * 169.254/16, 127/8, ::1, fe80::/10, fc00::/7) and single-label host names
 * (`localhost`, `printer`) bypass the proxy.
 */
gboolean            culvert_proxy_bypass_matches (const char  *bypass_list,
                                                  const char  *host);

/**
 * CulvertPortField:
 * @CULVERT_PORT_FIELD_PORT: a port with no more specific role
 * @CULVERT_PORT_FIELD_LISTEN: the listening port of a forward
 * @CULVERT_PORT_FIELD_DESTINATION: the destination port of a forward
 *
 * Which field a port came from, so an error message can name it.
 */
typedef enum
{
  CULVERT_PORT_FIELD_PORT,
  CULVERT_PORT_FIELD_LISTEN,
  CULVERT_PORT_FIELD_DESTINATION,
} CulvertPortField;

/**
 * culvert_address_parse_port:
 * @text: decimal digits only (no sign, no spaces, no service names)
 * @allow_zero: whether 0 is allowed ("the server picks", remote forwards)
 * @field: which field @text is, for the message
 * @port: (out): the port
 * @error: %CULVERT_FORWARD_ERROR_INVALID_PORT, with a translatable message
 *   such as "Port 70000 is out of range (1–65535)"
 */
gboolean            culvert_address_parse_port   (const char        *text,
                                                  gboolean           allow_zero,
                                                  CulvertPortField   field,
                                                  guint16           *port,
                                                  GError           **error);

/**
 * culvert_address_is_valid_host:
 * @host: a host name (ASCII letters, digits, `-`, `_`, dots; labels of at
 *   most 63 and a name of at most 253 characters) or an IP literal
 *   (IPv6 without brackets, optionally with a `%zone`)
 */
gboolean            culvert_address_is_valid_host (const char *host);

/**
 * culvert_address_format_host:
 * @host: a host name or IP literal
 *
 * Returns: @host in brackets when it contains a colon (IPv6), else a copy.
 */
char               *culvert_address_format_host  (const char  *host);
/* "host:port", or "[v6]:port". */
char               *culvert_address_format_host_port (const char *host,
                                                      guint16     port);

/**
 * culvert_jump_host_parse:
 * @text: `[user@]host[:port]`, IPv6 hosts in brackets (`[fe80::1%eth0]:22`);
 *   the `ssh://[user@]host[:port]` form of ProxyJump is accepted too
 * @user: (out) (optional) (nullable): the user, or %NULL when not given
 * @host: (out) (optional): the host, without brackets
 * @port: (out) (optional): the port, 0 when not given
 * @error: a %CULVERT_FORWARD_ERROR
 */
gboolean            culvert_jump_host_parse      (const char  *text,
                                                  char       **user,
                                                  char       **host,
                                                  guint16     *port,
                                                  GError     **error);

G_END_DECLS

/* culvert-types.h — forward declarations and the enums shared by every layer
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * CulvertForwardKind:
 * @CULVERT_FORWARD_LOCAL: outgoing, `ssh -L`: this computer listens
 * @CULVERT_FORWARD_REMOTE: incoming, `ssh -R`: the SSH server listens
 * @CULVERT_FORWARD_DYNAMIC: SOCKS, `ssh -D`: this computer listens, clients pick the destination
 */
typedef enum
{
  CULVERT_FORWARD_LOCAL,
  CULVERT_FORWARD_REMOTE,
  CULVERT_FORWARD_DYNAMIC,
} CulvertForwardKind;

typedef enum
{
  CULVERT_AUTH_AUTOMATIC,
  CULVERT_AUTH_AGENT,
  CULVERT_AUTH_KEY,
  CULVERT_AUTH_PASSWORD,
  CULVERT_AUTH_KEYBOARD_INTERACTIVE,
} CulvertAuthMethod;

typedef enum
{
  CULVERT_PROXY_NONE,
  CULVERT_PROXY_SYSTEM,
  CULVERT_PROXY_CUSTOM,
} CulvertProxyMode;

typedef enum
{
  CULVERT_ADDRESS_LOOPBACK,
  CULVERT_ADDRESS_WILDCARD,
  CULVERT_ADDRESS_PRIVATE,
  CULVERT_ADDRESS_PUBLIC,
} CulvertAddressClass;

typedef enum
{
  CULVERT_TUNNEL_DISCONNECTED,
  CULVERT_TUNNEL_CONNECTING,
  CULVERT_TUNNEL_VERIFYING_HOST_KEY,
  CULVERT_TUNNEL_AUTHENTICATING,
  CULVERT_TUNNEL_CONNECTED,
  CULVERT_TUNNEL_RECONNECTING,
  CULVERT_TUNNEL_FAILED,
} CulvertTunnelState;

G_END_DECLS

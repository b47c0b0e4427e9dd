/* culvert-engine-types.h — the engine's enums (GTypes in culvert-enums.h)
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  CULVERT_QUESTION_HOST_KEY,
  CULVERT_QUESTION_PASSWORD,
  CULVERT_QUESTION_PASSPHRASE,
  CULVERT_QUESTION_KEYBOARD_INTERACTIVE,
  CULVERT_QUESTION_HOST_KEY_CHANGED,  /* a notice: the connection is refused, nothing to accept */
} CulvertQuestionKind;

typedef enum
{
  CULVERT_FORWARD_STATE_PENDING,    /* waiting for the connection */
  CULVERT_FORWARD_STATE_LISTENING,  /* accepting clients */
  CULVERT_FORWARD_STATE_FAILED,     /* could not listen: see the error */
  CULVERT_FORWARD_STATE_STOPPED,    /* the tunnel is down */
} CulvertForwardState;

/* Who can reach an incoming forward's port on the server, as far as the
 * engine could check: a server may listen on loopback alone whatever the
 * forward asked (OpenSSH's GatewayPorts no). */
typedef enum
{
  CULVERT_FORWARD_REACH_AS_ASKED,      /* not an off-host incoming forward */
  CULVERT_FORWARD_REACH_OTHER_HOSTS,   /* off-host, and checked: reachable there */
  CULVERT_FORWARD_REACH_LOOPBACK_ONLY, /* off-host asked; the server listens on loopback only */
  CULVERT_FORWARD_REACH_UNCHECKED,     /* off-host asked; could not be checked */
} CulvertForwardReach;

G_END_DECLS

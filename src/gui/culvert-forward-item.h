/* culvert-forward-item.h — one row of the forwarding table
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "culvert-forward-status.h"
#include "culvert-profile.h"

G_BEGIN_DECLS

#define CULVERT_TYPE_FORWARD_ITEM (culvert_forward_item_get_type ())

G_DECLARE_FINAL_TYPE (CulvertForwardItem, culvert_forward_item, CULVERT, FORWARD_ITEM, GObject)

/*
 * A rule of the profile and, while its tunnel runs, the engine's status of
 * that rule, turned into the texts the table shows. Read-only string
 * properties, notified when they change: kind-icon, kind-text, listen-text,
 * destination-text, state-text, connections-text, traffic-text,
 * off-host-text (NULL unless off-host); booleans off-host, failed,
 * has-suggestion; uint suggested-port.
 */

CulvertForwardItem   *culvert_forward_item_new              (CulvertProfile       *profile,
                                                             CulvertForward       *forward);
CulvertForward       *culvert_forward_item_get_forward      (CulvertForwardItem   *self);
CulvertForwardStatus *culvert_forward_item_get_status       (CulvertForwardItem   *self);
void                  culvert_forward_item_set_status       (CulvertForwardItem   *self,
                                                             CulvertForwardStatus *status);
const char           *culvert_forward_item_get_listen_text  (CulvertForwardItem   *self);
const char           *culvert_forward_item_get_state_text   (CulvertForwardItem   *self);
const char           *culvert_forward_item_get_traffic_text (CulvertForwardItem   *self);
const char           *culvert_forward_item_get_off_host_text (CulvertForwardItem  *self);
guint16               culvert_forward_item_get_suggested_port (CulvertForwardItem *self);

/* Off-host warning for @forward, or NULL when only this computer can connect. */
char                 *culvert_forward_describe_off_host     (CulvertForward       *forward,
                                                             gboolean              gateway_ports,
                                                             const char           *server);

G_END_DECLS

/* culvert-forward-status.h — how one forward of a running tunnel is doing
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "culvert-engine-types.h"
#include "culvert-forward.h"

G_BEGIN_DECLS

#define CULVERT_TYPE_FORWARD_STATUS (culvert_forward_status_get_type ())

G_DECLARE_FINAL_TYPE (CulvertForwardStatus, culvert_forward_status,
                      CULVERT, FORWARD_STATUS, GObject)

CulvertForward      *culvert_forward_status_get_forward        (CulvertForwardStatus *self);
CulvertForwardState  culvert_forward_status_get_state          (CulvertForwardStatus *self);
const char          *culvert_forward_status_get_error          (CulvertForwardStatus *self);
guint16              culvert_forward_status_get_suggested_port (CulvertForwardStatus *self);
const char          *culvert_forward_status_get_listen_address (CulvertForwardStatus *self);
guint16              culvert_forward_status_get_port           (CulvertForwardStatus *self);
CulvertForwardReach  culvert_forward_status_get_reach          (CulvertForwardStatus *self);
guint                culvert_forward_status_get_active         (CulvertForwardStatus *self);
guint64              culvert_forward_status_get_total          (CulvertForwardStatus *self);
guint64              culvert_forward_status_get_bytes_sent     (CulvertForwardStatus *self);
guint64              culvert_forward_status_get_bytes_received (CulvertForwardStatus *self);
GListModel          *culvert_forward_status_get_connections    (CulvertForwardStatus *self);

G_END_DECLS

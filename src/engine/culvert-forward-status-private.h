/* culvert-forward-status-private.h
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "culvert-client-connection-private.h"
#include "culvert-forward-status.h"

G_BEGIN_DECLS

CulvertForwardStatus    *culvert_forward_status_new          (CulvertForward       *forward);
void                     culvert_forward_status_set_state    (CulvertForwardStatus *self,
                                                              CulvertForwardState   state);
void                     culvert_forward_status_set_error    (CulvertForwardStatus *self,
                                                              const char           *error,
                                                              guint16               suggested_port);
void                     culvert_forward_status_set_reach     (CulvertForwardStatus *self,
                                                               CulvertForwardReach   reach);
void                     culvert_forward_status_set_listening (CulvertForwardStatus *self,
                                                               const char           *address,
                                                               guint16               port);
void                     culvert_forward_status_set_counters (CulvertForwardStatus *self,
                                                              guint                 active,
                                                              guint64               total,
                                                              guint64               sent,
                                                              guint64               received);
void                     culvert_forward_status_add_connection    (CulvertForwardStatus    *self,
                                                                   CulvertClientConnection *connection);
CulvertClientConnection *culvert_forward_status_remove_connection (CulvertForwardStatus    *self,
                                                                   guint64                  id);
CulvertClientConnection *culvert_forward_status_find_connection   (CulvertForwardStatus    *self,
                                                                   guint64                  id);
void                     culvert_forward_status_clear_connections (CulvertForwardStatus    *self);

G_END_DECLS

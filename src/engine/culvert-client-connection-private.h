/* culvert-client-connection-private.h
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "culvert-client-connection.h"

G_BEGIN_DECLS

CulvertClientConnection *culvert_client_connection_new       (guint64                  id,
                                                              const char              *source,
                                                              const char              *destination,
                                                              gint64                   opened_at);
void                     culvert_client_connection_set_bytes (CulvertClientConnection *self,
                                                              guint64                  sent,
                                                              guint64                  received);

G_END_DECLS

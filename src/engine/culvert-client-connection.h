/* culvert-client-connection.h — one live client of a forward, as the main thread sees it
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CULVERT_TYPE_CLIENT_CONNECTION (culvert_client_connection_get_type ())

G_DECLARE_FINAL_TYPE (CulvertClientConnection, culvert_client_connection,
                      CULVERT, CLIENT_CONNECTION, GObject)

guint64     culvert_client_connection_get_id             (CulvertClientConnection *self);
const char *culvert_client_connection_get_source         (CulvertClientConnection *self);
const char *culvert_client_connection_get_destination    (CulvertClientConnection *self);
gint64      culvert_client_connection_get_opened_at      (CulvertClientConnection *self);
guint64     culvert_client_connection_get_bytes_sent     (CulvertClientConnection *self);
guint64     culvert_client_connection_get_bytes_received (CulvertClientConnection *self);

G_END_DECLS

/* culvert-notifier.h — desktop notifications about connections
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "culvert-application.h"

G_BEGIN_DECLS

#define CULVERT_TYPE_NOTIFIER (culvert_notifier_get_type ())

G_DECLARE_FINAL_TYPE (CulvertNotifier, culvert_notifier, CULVERT, NOTIFIER, GObject)

/* Adds app.reconnect, app.disconnect (both with a profile id), app.reconnect-all
 * and app.show-connection to @app; they work with or without a window. */
CulvertNotifier *culvert_notifier_new   (CulvertApplication *app);
/* Tells the user when @tunnel drops, comes back or gives up. */
void             culvert_notifier_watch (CulvertNotifier    *self,
                                         CulvertTunnel      *tunnel);

G_END_DECLS

/* culvert-background.h — running with the window closed, and at login
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "culvert-application.h"

G_BEGIN_DECLS

#define CULVERT_TYPE_BACKGROUND (culvert_background_get_type ())

G_DECLARE_FINAL_TYPE (CulvertBackground, culvert_background, CULVERT, BACKGROUND, GObject)

CulvertBackground *culvert_background_new   (CulvertApplication *app);
/* Keeps the application alive while @tunnel runs. */
void               culvert_background_watch (CulvertBackground  *self,
                                             CulvertTunnel      *tunnel);
/* Stops every tunnel and quits once they have stopped (at most 2 s later). */
void               culvert_background_quit  (CulvertBackground  *self);
/* The autostart entry written outside the Flatpak:
 * $XDG_CONFIG_HOME/autostart/APPLICATION_ID.desktop */
char              *culvert_background_dup_autostart_path (void);

G_END_DECLS

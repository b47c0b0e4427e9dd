/* culvert-application.h
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "culvert-profile-store.h"
#include "culvert-tunnel.h"

G_BEGIN_DECLS

#define CULVERT_TYPE_APPLICATION (culvert_application_get_type ())

G_DECLARE_FINAL_TYPE (CulvertApplication, culvert_application, CULVERT, APPLICATION, AdwApplication)

CulvertApplication  *culvert_application_new               (void);
GSettings           *culvert_application_get_settings      (CulvertApplication *self);
CulvertProfileStore *culvert_application_get_profile_store (CulvertApplication *self);
CulvertTunnel       *culvert_application_get_tunnel        (CulvertApplication *self,
                                                            CulvertProfile     *profile);
CulvertTunnel       *culvert_application_lookup_tunnel     (CulvertApplication *self,
                                                            CulvertProfile     *profile);
void                 culvert_application_forget_tunnel     (CulvertApplication *self,
                                                            CulvertProfile     *profile);
void                 culvert_application_connect_at_startup (CulvertApplication *self);

G_END_DECLS

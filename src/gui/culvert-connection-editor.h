/* culvert-connection-editor.h
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "culvert-adw-compat.h"

#include "culvert-profile-store.h"
#include "culvert-tunnel.h"

G_BEGIN_DECLS

#define CULVERT_TYPE_CONNECTION_EDITOR (culvert_connection_editor_get_type ())

G_DECLARE_FINAL_TYPE (CulvertConnectionEditor, culvert_connection_editor,
                      CULVERT, CONNECTION_EDITOR, CulvertPreferencesBase)

/* Edits @tunnel's profile; every valid change is saved through @store at once.
 * Show it with culvert_dialog_present(). */
GtkWidget *culvert_connection_editor_new (CulvertProfileStore *store,
                                          CulvertTunnel       *tunnel);

G_END_DECLS

/* culvert-new-connection-dialog.h
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CULVERT_TYPE_NEW_CONNECTION_DIALOG (culvert_new_connection_dialog_get_type ())

G_DECLARE_FINAL_TYPE (CulvertNewConnectionDialog, culvert_new_connection_dialog,
                      CULVERT, NEW_CONNECTION_DIALOG, AdwWindow)

CulvertNewConnectionDialog *culvert_new_connection_dialog_new (GtkWindow *parent);

G_END_DECLS

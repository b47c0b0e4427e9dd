/* culvert-forward-dialog-private.h — what the tests look at
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "culvert-forward-dialog.h"
#include "culvert-tunnel-diagram.h"

G_BEGIN_DECLS

typedef struct
{
  AdwComboRow *kind_row;
  AdwEntryRow *port_row;
  GtkSwitch   *other_hosts_switch;
  AdwEntryRow *bind_row;
  AdwEntryRow *host_row;
  AdwEntryRow *destination_port_row;
  AdwEntryRow *description_row;
  GtkLabel    *listen_error;
  GtkLabel    *destination_error;
  GtkButton   *save_button;
  CulvertTunnelDiagram *diagram;
} CulvertForwardDialogParts;

void culvert_forward_dialog_get_parts (CulvertForwardDialog      *self,
                                       CulvertForwardDialogParts *parts);

G_END_DECLS

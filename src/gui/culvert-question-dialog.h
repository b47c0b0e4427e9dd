/* culvert-question-dialog.h
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "culvert-tunnel.h"

G_BEGIN_DECLS

void culvert_question_dialog_present (GtkWindow       *parent,
                                      CulvertTunnel   *tunnel,
                                      CulvertQuestion *question);

G_END_DECLS

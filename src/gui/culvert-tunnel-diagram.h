/* culvert-tunnel-diagram.h
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "culvert-forward.h"

G_BEGIN_DECLS

#define CULVERT_TYPE_TUNNEL_DIAGRAM (culvert_tunnel_diagram_get_type ())

G_DECLARE_FINAL_TYPE (CulvertTunnelDiagram, culvert_tunnel_diagram,
                      CULVERT, TUNNEL_DIAGRAM, GtkWidget)

/*
 * Properties (each redraws on change):
 * - kind: #CulvertForwardKind, the scenario drawn
 * - server: the SSH server's host name, "" for a placeholder
 * - bind-address: where the listening side listens, "" for loopback
 * - bind-port: 0 for a placeholder
 * - destination-host, destination-port: "" / 0 for placeholders
 */

GtkWidget          *culvert_tunnel_diagram_new              (CulvertForwardKind    kind);
CulvertForwardKind  culvert_tunnel_diagram_get_kind         (CulvertTunnelDiagram *self);
void                culvert_tunnel_diagram_set_kind         (CulvertTunnelDiagram *self,
                                                             CulvertForwardKind    kind);
void                culvert_tunnel_diagram_set_server       (CulvertTunnelDiagram *self,
                                                             const char           *server);
void                culvert_tunnel_diagram_set_bind         (CulvertTunnelDiagram *self,
                                                             const char           *address,
                                                             guint16               port);
void                culvert_tunnel_diagram_set_destination  (CulvertTunnelDiagram *self,
                                                             const char           *host,
                                                             guint16               port);
/* The texts of the five parts, in the order they are drawn, joined by '|'
 * (for tests and for the accessible description). */
char               *culvert_tunnel_diagram_dup_text         (CulvertTunnelDiagram *self);

/* Renders @self at @width × @height onto the current style's window
 * background, for the help pages' figures. */
GdkTexture         *culvert_tunnel_diagram_render           (CulvertTunnelDiagram *self,
                                                             int                   width,
                                                             int                   height);
/* How a caption (@bold FALSE: one line) or a value (two lines at most) is
 * laid out in a box @width pixels wide: broken only between words, elided
 * where a word does not fit. */
PangoLayout        *culvert_tunnel_diagram_text_layout      (GtkWidget            *widget,
                                                             const char           *text,
                                                             gboolean              bold,
                                                             float                 width);

G_END_DECLS

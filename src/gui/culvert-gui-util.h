/* culvert-gui-util.h — small helpers the window's parts share
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "culvert-profile.h"
#include "culvert-tunnel.h"

G_BEGIN_DECLS

/* "alice@db.example.org", with ":port" when it is not 22 */
char       *culvert_gui_profile_address (CulvertProfile     *profile);
/* The state in words, for people: "Connected", "Connecting…" */
const char *culvert_gui_state_text      (CulvertTunnelState  state);
/* Whether the tunnel is meant to be running (its switch is on). */
gboolean    culvert_gui_state_is_on     (CulvertTunnelState  state);
void        culvert_gui_set_accessible_label (GtkWidget    *widget,
                                              const char   *label);
/* Names the text field of an AdwEntryRow after the row's title, for screen
 * readers. */
void        culvert_gui_label_entry_row      (GtkWidget    *row);
/* Names the search entries below @root: an AdwPreferencesWindow's own has
 * no name, and a screen reader reaches it even while search is off. */
void        culvert_gui_name_search_entry    (GtkWidget    *root,
                                              const char   *label);
/* From now on every button and check button with a mnemonic is named, for
 * screen readers, after the label the user sees, without the underscore:
 * GTK 4.8 names it after the raw label. */
void        culvert_gui_name_buttons_after_labels (void);
/* @name, or "@name (2)", "@name (3)"…: the first that no connection in
 * @profiles (a GListModel of CulvertProfile) is called already. */
char       *culvert_gui_unique_name          (GListModel   *profiles,
                                              const char   *name);
/* Adds to @attrs what keeps the values in @text (addresses, fingerprints,
 * commands: every run of non-blank characters) whole: Pango breaks a line
 * only at a blank and never inserts a hyphen. The occurrences of
 * @monospace's strings (NULL-terminated, or NULL) are set in a monospace font. */
void        culvert_gui_whole_token_attrs    (PangoAttrList      *attrs,
                                              const char         *text,
                                              const char * const *monospace);
/* The same for @label's text, now and whenever it changes; wraps at words. */
void        culvert_gui_label_keep_tokens    (GtkLabel           *label,
                                              const char * const *monospace);

/* Keeps the subtitle of the "Allow Connections From Other Hosts" row of
 * @sw true to the switch: the .ui's text (the off state) while off, what
 * then happens while on. */
void        culvert_gui_offhost_switch_describe (GtkSwitch *sw);

G_END_DECLS

G_BEGIN_DECLS

/* Follows @tunnel's state to remember since when it is in it and, while it
 * reconnects, which attempt this is and when the next one starts. */
void        culvert_gui_tunnel_track          (CulvertTunnel *tunnel);
GDateTime  *culvert_gui_tunnel_get_since      (CulvertTunnel *tunnel);
guint       culvert_gui_tunnel_get_attempt    (CulvertTunnel *tunnel);
/* Returns: (nullable): when the next attempt starts, while waiting for it */
GDateTime  *culvert_gui_tunnel_get_next_try   (CulvertTunnel *tunnel);
/* Stops @tunnel if it runs and starts it again once it has stopped. */
gboolean    culvert_gui_tunnel_restart        (CulvertTunnel *tunnel,
                                               GError       **error);
/* Makes a running @tunnel serve what its profile's enabled rules say now:
 * stops each forward no rule asks for any more and starts each rule it does
 * not serve yet; the others, and the programs connected through them, are
 * left alone. A rule that fails to listen fails on its own row, as at
 * connect. Does nothing while @tunnel is not running: the next connect takes
 * the profile's rules. */
gboolean    culvert_gui_tunnel_apply_forwards (CulvertTunnel *tunnel,
                                               GError       **error);

/* Keeps the subtitle of the "Allow Connections From Other Hosts" row of
 * @sw true to the switch: the .ui's text (the off state) while off, what
 * then happens while on. */
void        culvert_gui_offhost_switch_describe (GtkSwitch *sw);

G_END_DECLS

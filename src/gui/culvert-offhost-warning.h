/* culvert-offhost-warning.h
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "culvert-adw-compat.h"

#include "culvert-forward.h"
#include "culvert-profile-store.h"

G_BEGIN_DECLS

/* The responses of the warning: "local" is the default and the close
 * response, "allow" the destructive one. */
#define CULVERT_OFFHOST_RESPONSE_LOCAL "local"
#define CULVERT_OFFHOST_RESPONSE_ALLOW "allow"

/* Who can connect through @forward, in words; %NULL when it is not off-host.
 * @server: the SSH server's host name, for incoming forwards. */
char      *culvert_offhost_warning_describe (CulvertForward *forward,
                                             gboolean        gateway_ports,
                                             const char     *server);

/* An AdwMessageDialog asking whether @forward may stay off-host, or %NULL
 * when it is not off-host. Not presented yet: connect to "response". */
GtkWidget *culvert_offhost_warning_new      (GtkWidget      *parent,
                                             CulvertForward *forward,
                                             gboolean        gateway_ports,
                                             const char     *server);

/* Puts @forward's listening side back on loopback (the bind address that
 * means "only this computer", or the server's loopback). */
void       culvert_offhost_warning_keep_local (CulvertForward *forward,
                                               gboolean        gateway_ports);

/* What a consent to let other hosts in was given for: the forward's kind,
 * the address and port it listens on and the connection's GatewayPorts.
 * A consent holds only while this stays the same. */
char      *culvert_offhost_warning_consent_key (CulvertForward *forward,
                                                gboolean        gateway_ports);

/* What "Keep Local Only" does: culvert_offhost_warning_keep_local(), or,
 * for a reverse dynamic forward already on the server's loopback, turns it
 * off. */
void       culvert_offhost_warning_refuse  (CulvertForward *forward,
                                            gboolean        gateway_ports);

/* Asks about each of @forwards (the forward of @profiles at the same
 * index), one after the other; "Keep Local Only" (the default, and what
 * Escape does) applies culvert_offhost_warning_refuse() to the object.
 * Nothing is saved here. Calls @done (a void (*) (gpointer @data)) once
 * every one is answered; never, when a dialog goes away unanswered (the
 * application quits). @destroy frees @data in both cases. */
void       culvert_offhost_warning_ask     (GtkWindow      *parent,
                                            GPtrArray      *profiles,
                                            GPtrArray      *forwards,
                                            GCallback       done,
                                            gpointer        data,
                                            GDestroyNotify  destroy);

G_END_DECLS

/* culvert-offhost-warning.h
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

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
GtkWidget *culvert_offhost_warning_new      (GtkWindow      *parent,
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

/* Every forward of @store's profiles that is off-host now (refs). */
GPtrArray *culvert_offhost_warning_collect (CulvertProfileStore *store);

/* After an import: asks about each forward of @store that is off-host now
 * and was not in @before (from culvert_offhost_warning_collect()), one
 * after the other. "Keep Local Only" puts it back on loopback and saves
 * its profile. */
void       culvert_offhost_warning_review  (GtkWindow           *parent,
                                            CulvertProfileStore *store,
                                            GPtrArray           *before);

G_END_DECLS

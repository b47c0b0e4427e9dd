/* culvert-log-entry.h — one timestamped line of a tunnel's log
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CULVERT_TYPE_LOG_ENTRY (culvert_log_entry_get_type ())

G_DECLARE_FINAL_TYPE (CulvertLogEntry, culvert_log_entry, CULVERT, LOG_ENTRY, GObject)

CulvertLogEntry *culvert_log_entry_new          (const char      *message,
                                                 gboolean         is_error);
GDateTime       *culvert_log_entry_get_time     (CulvertLogEntry *self);
const char      *culvert_log_entry_get_message  (CulvertLogEntry *self);
gboolean         culvert_log_entry_get_is_error (CulvertLogEntry *self);
/* "14:03:22 message" */
char            *culvert_log_entry_format       (CulvertLogEntry *self);

G_END_DECLS

/* culvert-log-entry.c — one timestamped line of a tunnel's log
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "Culvert-Tunnel"

#include "config.h"

#include "culvert-log-entry.h"

struct _CulvertLogEntry
{
  GObject    parent_instance;

  GDateTime *time;
  char      *message;
  gboolean   is_error;
};

G_DEFINE_FINAL_TYPE (CulvertLogEntry, culvert_log_entry, G_TYPE_OBJECT)

static void
culvert_log_entry_finalize (GObject *object)
{
  CulvertLogEntry *self = CULVERT_LOG_ENTRY (object);

  g_date_time_unref (self->time);
  g_free (self->message);

  G_OBJECT_CLASS (culvert_log_entry_parent_class)->finalize (object);
}

static void
culvert_log_entry_class_init (CulvertLogEntryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = culvert_log_entry_finalize;
}

static void
culvert_log_entry_init (CulvertLogEntry *self)
{
}

CulvertLogEntry *
culvert_log_entry_new (const char *message,
                       gboolean    is_error)
{
  CulvertLogEntry *self = g_object_new (CULVERT_TYPE_LOG_ENTRY, NULL);

  self->time = g_date_time_new_now_local ();
  self->message = g_strdup (message);
  self->is_error = is_error;

  return self;
}

GDateTime *
culvert_log_entry_get_time (CulvertLogEntry *self)
{
  g_return_val_if_fail (CULVERT_IS_LOG_ENTRY (self), NULL);
  return self->time;
}

const char *
culvert_log_entry_get_message (CulvertLogEntry *self)
{
  g_return_val_if_fail (CULVERT_IS_LOG_ENTRY (self), NULL);
  return self->message;
}

gboolean
culvert_log_entry_get_is_error (CulvertLogEntry *self)
{
  g_return_val_if_fail (CULVERT_IS_LOG_ENTRY (self), FALSE);
  return self->is_error;
}

char *
culvert_log_entry_format (CulvertLogEntry *self)
{
  g_autofree char *time = NULL;

  g_return_val_if_fail (CULVERT_IS_LOG_ENTRY (self), NULL);

  time = g_date_time_format (self->time, "%H:%M:%S");
  return g_strdup_printf ("%s %s", time, self->message);
}

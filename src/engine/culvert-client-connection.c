/* culvert-client-connection.c — one live client of a forward, as the main thread sees it
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "Culvert-Tunnel"

#include "config.h"

#include "culvert-client-connection-private.h"

struct _CulvertClientConnection
{
  GObject  parent_instance;

  guint64  id;
  char    *source;
  char    *destination;
  gint64   opened_at;
  guint64  bytes_sent;
  guint64  bytes_received;
};

G_DEFINE_FINAL_TYPE (CulvertClientConnection, culvert_client_connection, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_SOURCE,
  PROP_DESTINATION,
  PROP_OPENED_AT,
  PROP_BYTES_SENT,
  PROP_BYTES_RECEIVED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
culvert_client_connection_get_property (GObject    *object,
                                        guint       prop_id,
                                        GValue     *value,
                                        GParamSpec *pspec)
{
  CulvertClientConnection *self = CULVERT_CLIENT_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_uint64 (value, self->id);
      break;
    case PROP_SOURCE:
      g_value_set_string (value, self->source);
      break;
    case PROP_DESTINATION:
      g_value_set_string (value, self->destination);
      break;
    case PROP_OPENED_AT:
      g_value_set_int64 (value, self->opened_at);
      break;
    case PROP_BYTES_SENT:
      g_value_set_uint64 (value, self->bytes_sent);
      break;
    case PROP_BYTES_RECEIVED:
      g_value_set_uint64 (value, self->bytes_received);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
culvert_client_connection_finalize (GObject *object)
{
  CulvertClientConnection *self = CULVERT_CLIENT_CONNECTION (object);

  g_free (self->source);
  g_free (self->destination);

  G_OBJECT_CLASS (culvert_client_connection_parent_class)->finalize (object);
}

static void
culvert_client_connection_class_init (CulvertClientConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = culvert_client_connection_get_property;
  object_class->finalize = culvert_client_connection_finalize;

  properties[PROP_ID] = g_param_spec_uint64 ("id", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_SOURCE] = g_param_spec_string ("source", NULL, NULL, NULL, flags);
  properties[PROP_DESTINATION] = g_param_spec_string ("destination", NULL, NULL, NULL, flags);
  properties[PROP_OPENED_AT] = g_param_spec_int64 ("opened-at", NULL, NULL,
                                                   0, G_MAXINT64, 0, flags);
  properties[PROP_BYTES_SENT] = g_param_spec_uint64 ("bytes-sent", NULL, NULL,
                                                     0, G_MAXUINT64, 0, flags);
  properties[PROP_BYTES_RECEIVED] = g_param_spec_uint64 ("bytes-received", NULL, NULL,
                                                         0, G_MAXUINT64, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
culvert_client_connection_init (CulvertClientConnection *self)
{
}

CulvertClientConnection *
culvert_client_connection_new (guint64     id,
                               const char *source,
                               const char *destination,
                               gint64      opened_at)
{
  CulvertClientConnection *self = g_object_new (CULVERT_TYPE_CLIENT_CONNECTION, NULL);

  self->id = id;
  self->source = g_strdup (source);
  self->destination = g_strdup (destination);
  self->opened_at = opened_at;

  return self;
}

void
culvert_client_connection_set_bytes (CulvertClientConnection *self,
                                     guint64                  sent,
                                     guint64                  received)
{
  g_return_if_fail (CULVERT_IS_CLIENT_CONNECTION (self));

  if (self->bytes_sent != sent)
    {
      self->bytes_sent = sent;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_SENT]);
    }
  if (self->bytes_received != received)
    {
      self->bytes_received = received;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_RECEIVED]);
    }
}

guint64
culvert_client_connection_get_id (CulvertClientConnection *self)
{
  g_return_val_if_fail (CULVERT_IS_CLIENT_CONNECTION (self), 0);
  return self->id;
}

const char *
culvert_client_connection_get_source (CulvertClientConnection *self)
{
  g_return_val_if_fail (CULVERT_IS_CLIENT_CONNECTION (self), NULL);
  return self->source;
}

const char *
culvert_client_connection_get_destination (CulvertClientConnection *self)
{
  g_return_val_if_fail (CULVERT_IS_CLIENT_CONNECTION (self), NULL);
  return self->destination;
}

gint64
culvert_client_connection_get_opened_at (CulvertClientConnection *self)
{
  g_return_val_if_fail (CULVERT_IS_CLIENT_CONNECTION (self), 0);
  return self->opened_at;
}

guint64
culvert_client_connection_get_bytes_sent (CulvertClientConnection *self)
{
  g_return_val_if_fail (CULVERT_IS_CLIENT_CONNECTION (self), 0);
  return self->bytes_sent;
}

guint64
culvert_client_connection_get_bytes_received (CulvertClientConnection *self)
{
  g_return_val_if_fail (CULVERT_IS_CLIENT_CONNECTION (self), 0);
  return self->bytes_received;
}

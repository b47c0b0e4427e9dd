/* culvert-forward-status.c — how one forward of a running tunnel is doing
 *
 * Lives on the main thread; the tunnel feeds it the worker's coalesced
 * counters and connection events.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "Culvert-Tunnel"

#include "config.h"

#include "culvert-enums.h"
#include "culvert-forward-status-private.h"

struct _CulvertForwardStatus
{
  GObject              parent_instance;

  CulvertForward      *forward;
  CulvertForwardState  state;
  char                *error;
  guint16              suggested_port;
  char                *listen_address;
  guint16              port;
  CulvertForwardReach  reach;
  guint                active;
  guint64              total;
  guint64              bytes_sent;
  guint64              bytes_received;
  GListStore          *connections;
  GHashTable          *by_id;   /* id → CulvertClientConnection (borrowed from the store) */
};

G_DEFINE_FINAL_TYPE (CulvertForwardStatus, culvert_forward_status, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_FORWARD,
  PROP_STATE,
  PROP_ERROR,
  PROP_SUGGESTED_PORT,
  PROP_LISTEN_ADDRESS,
  PROP_PORT,
  PROP_REACH,
  PROP_ACTIVE,
  PROP_TOTAL,
  PROP_BYTES_SENT,
  PROP_BYTES_RECEIVED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
culvert_forward_status_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  CulvertForwardStatus *self = CULVERT_FORWARD_STATUS (object);

  switch (prop_id)
    {
    case PROP_FORWARD:
      g_value_set_object (value, self->forward);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case PROP_SUGGESTED_PORT:
      g_value_set_uint (value, self->suggested_port);
      break;
    case PROP_LISTEN_ADDRESS:
      g_value_set_string (value, self->listen_address);
      break;
    case PROP_REACH:
      g_value_set_enum (value, self->reach);
      break;

    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_ACTIVE:
      g_value_set_uint (value, self->active);
      break;
    case PROP_TOTAL:
      g_value_set_uint64 (value, self->total);
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
culvert_forward_status_dispose (GObject *object)
{
  CulvertForwardStatus *self = CULVERT_FORWARD_STATUS (object);

  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_object (&self->connections);
  g_clear_object (&self->forward);

  G_OBJECT_CLASS (culvert_forward_status_parent_class)->dispose (object);
}

static void
culvert_forward_status_finalize (GObject *object)
{
  CulvertForwardStatus *self = CULVERT_FORWARD_STATUS (object);

  g_free (self->error);
  g_free (self->listen_address);

  G_OBJECT_CLASS (culvert_forward_status_parent_class)->finalize (object);
}

static void
culvert_forward_status_class_init (CulvertForwardStatusClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = culvert_forward_status_get_property;
  object_class->dispose = culvert_forward_status_dispose;
  object_class->finalize = culvert_forward_status_finalize;

  properties[PROP_FORWARD] = g_param_spec_object ("forward", NULL, NULL,
                                                  CULVERT_TYPE_FORWARD, flags);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, CULVERT_TYPE_FORWARD_STATE,
                                              CULVERT_FORWARD_STATE_PENDING, flags);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, flags);
  properties[PROP_SUGGESTED_PORT] = g_param_spec_uint ("suggested-port", NULL, NULL,
                                                       0, G_MAXUINT16, 0, flags);
  properties[PROP_LISTEN_ADDRESS] = g_param_spec_string ("listen-address", NULL, NULL, NULL,
                                                         flags);
  properties[PROP_PORT] = g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0, flags);
  properties[PROP_REACH] = g_param_spec_enum ("reach", NULL, NULL, CULVERT_TYPE_FORWARD_REACH,
                                              CULVERT_FORWARD_REACH_AS_ASKED, flags);
  properties[PROP_ACTIVE] = g_param_spec_uint ("active", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_TOTAL] = g_param_spec_uint64 ("total", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_BYTES_SENT] = g_param_spec_uint64 ("bytes-sent", NULL, NULL,
                                                     0, G_MAXUINT64, 0, flags);
  properties[PROP_BYTES_RECEIVED] = g_param_spec_uint64 ("bytes-received", NULL, NULL,
                                                         0, G_MAXUINT64, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
culvert_forward_status_init (CulvertForwardStatus *self)
{
  self->connections = g_list_store_new (CULVERT_TYPE_CLIENT_CONNECTION);
  self->by_id = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}

CulvertForwardStatus *
culvert_forward_status_new (CulvertForward *forward)
{
  CulvertForwardStatus *self = g_object_new (CULVERT_TYPE_FORWARD_STATUS, NULL);

  self->forward = culvert_forward_copy (forward);

  return self;
}

static gboolean
set_str (char       **field,
         const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

#define SET_AND_NOTIFY(field, value, prop) \
  G_STMT_START { \
    if (self->field != (value)) \
      { \
        self->field = (value); \
        g_object_notify_by_pspec (G_OBJECT (self), properties[prop]); \
      } \
  } G_STMT_END

void
culvert_forward_status_set_state (CulvertForwardStatus *self,
                                  CulvertForwardState   state)
{
  SET_AND_NOTIFY (state, state, PROP_STATE);
}

void
culvert_forward_status_set_error (CulvertForwardStatus *self,
                                  const char           *error,
                                  guint16               suggested_port)
{
  if (set_str (&self->error, error))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
  SET_AND_NOTIFY (suggested_port, suggested_port, PROP_SUGGESTED_PORT);
}

void
culvert_forward_status_set_listening (CulvertForwardStatus *self,
                                      const char           *address,
                                      guint16               port)
{
  if (set_str (&self->listen_address, address))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTEN_ADDRESS]);
  SET_AND_NOTIFY (port, port, PROP_PORT);
}

void
culvert_forward_status_set_reach (CulvertForwardStatus *self,
                                  CulvertForwardReach   reach)
{
  SET_AND_NOTIFY (reach, reach, PROP_REACH);
}

void
culvert_forward_status_set_counters (CulvertForwardStatus *self,
                                     guint                 active,
                                     guint64               total,
                                     guint64               sent,
                                     guint64               received)
{
  g_object_freeze_notify (G_OBJECT (self));
  SET_AND_NOTIFY (active, active, PROP_ACTIVE);
  SET_AND_NOTIFY (total, total, PROP_TOTAL);
  SET_AND_NOTIFY (bytes_sent, sent, PROP_BYTES_SENT);
  SET_AND_NOTIFY (bytes_received, received, PROP_BYTES_RECEIVED);
  g_object_thaw_notify (G_OBJECT (self));
}

void
culvert_forward_status_add_connection (CulvertForwardStatus    *self,
                                       CulvertClientConnection *connection)
{
  guint64 *key = g_new (guint64, 1);

  *key = culvert_client_connection_get_id (connection);
  g_hash_table_insert (self->by_id, key, connection);
  g_list_store_append (self->connections, connection);
}

CulvertClientConnection *
culvert_forward_status_find_connection (CulvertForwardStatus *self,
                                        guint64               id)
{
  return g_hash_table_lookup (self->by_id, &id);
}

/* Returns the removed connection (a new reference), or NULL. */
CulvertClientConnection *
culvert_forward_status_remove_connection (CulvertForwardStatus *self,
                                          guint64               id)
{
  CulvertClientConnection *connection = g_hash_table_lookup (self->by_id, &id);
  guint position;

  if (connection == NULL)
    return NULL;

  g_object_ref (connection);
  g_hash_table_remove (self->by_id, &id);
  if (g_list_store_find (self->connections, connection, &position))
    g_list_store_remove (self->connections, position);

  return connection;
}

void
culvert_forward_status_clear_connections (CulvertForwardStatus *self)
{
  g_hash_table_remove_all (self->by_id);
  g_list_store_remove_all (self->connections);
}

CulvertForward *
culvert_forward_status_get_forward (CulvertForwardStatus *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD_STATUS (self), NULL);
  return self->forward;
}

CulvertForwardState
culvert_forward_status_get_state (CulvertForwardStatus *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD_STATUS (self), 0);
  return self->state;
}

const char *
culvert_forward_status_get_error (CulvertForwardStatus *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD_STATUS (self), NULL);
  return self->error;
}

guint16
culvert_forward_status_get_suggested_port (CulvertForwardStatus *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD_STATUS (self), 0);
  return self->suggested_port;
}

/* For an incoming forward that asked for other hosts: whether the server
 * really listens for them (see CulvertForwardReach). */
CulvertForwardReach
culvert_forward_status_get_reach (CulvertForwardStatus *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD_STATUS (self), CULVERT_FORWARD_REACH_AS_ASKED);
  return self->reach;
}

const char *
culvert_forward_status_get_listen_address (CulvertForwardStatus *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD_STATUS (self), NULL);
  return self->listen_address;
}

guint16
culvert_forward_status_get_port (CulvertForwardStatus *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD_STATUS (self), 0);
  return self->port;
}

guint
culvert_forward_status_get_active (CulvertForwardStatus *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD_STATUS (self), 0);
  return self->active;
}

guint64
culvert_forward_status_get_total (CulvertForwardStatus *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD_STATUS (self), 0);
  return self->total;
}

guint64
culvert_forward_status_get_bytes_sent (CulvertForwardStatus *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD_STATUS (self), 0);
  return self->bytes_sent;
}

guint64
culvert_forward_status_get_bytes_received (CulvertForwardStatus *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD_STATUS (self), 0);
  return self->bytes_received;
}

GListModel *
culvert_forward_status_get_connections (CulvertForwardStatus *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD_STATUS (self), NULL);
  return G_LIST_MODEL (self->connections);
}

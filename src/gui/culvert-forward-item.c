/* culvert-forward-item.c — one row of the forwarding table
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "culvert-forward-item.h"

struct _CulvertForwardItem
{
  GObject               parent_instance;

  CulvertProfile       *profile;
  CulvertForward       *forward;
  CulvertForwardStatus *status;

  char                 *kind_icon;
  char                 *kind_text;
  char                 *listen_text;
  char                 *destination_text;
  char                 *state_text;
  char                 *connections_text;
  char                 *traffic_text;
  char                 *off_host_text;
  gboolean              failed;
  guint                 suggested_port;
};

G_DEFINE_FINAL_TYPE (CulvertForwardItem, culvert_forward_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_FORWARD,
  PROP_STATUS,
  PROP_KIND_ICON,
  PROP_KIND_TEXT,
  PROP_LISTEN_TEXT,
  PROP_DESTINATION_TEXT,
  PROP_STATE_TEXT,
  PROP_CONNECTIONS_TEXT,
  PROP_TRAFFIC_TEXT,
  PROP_OFF_HOST_TEXT,
  PROP_OFF_HOST,
  PROP_FAILED,
  PROP_SUGGESTED_PORT,
  PROP_HAS_SUGGESTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

char *
culvert_forward_describe_off_host (CulvertForward *forward,
                                   gboolean        gateway_ports,
                                   const char     *server)
{
  guint16 port = culvert_forward_get_bind_port (forward);
  g_autofree char *destination = NULL;

  if (server == NULL || *server == '\0')
    server = _("(not named yet)");

  /* A SOCKS proxy on the server's side into this computer: even on the
   * server's loopback, every user of that server can use it. */
  if (culvert_forward_is_reverse_dynamic (forward))
    {
      g_autofree char *bind = culvert_forward_dup_effective_bind_address_full (forward,
                                                                              gateway_ports);
      g_autofree char *where = NULL;

      if (*bind == '\0' || culvert_address_classify (bind) == CULVERT_ADDRESS_WILDCARD)
        where = g_strdup_printf (_("the SSH server %s on port %u"), server, port);
      else
        where = g_strdup_printf (_("%s port %u on the SSH server %s"), bind, port, server);
      /* Translators: %s is where the server listens, "port 1080 on the SSH server example.org" */
      return g_strdup_printf (_("Programs on the SSH server’s side that can reach %s (every "
                                "user of that server, at least) can reach anything this "
                                "computer can reach, its own loopback services and its "
                                "network included, without a password."), where);
    }

  if (!culvert_forward_is_off_host_full (forward, gateway_ports))
    return NULL;

  if (culvert_forward_get_destination_host (forward) != NULL)
    destination = culvert_address_format_host_port (culvert_forward_get_destination_host (forward),
                             culvert_forward_get_destination_port (forward));

  switch (culvert_forward_get_kind (forward))
    {
    case CULVERT_FORWARD_LOCAL:
      return g_strdup_printf (_("Any computer that can reach this one can connect to port %u "
                                "and reach %s through the SSH server, without a password."),
                              port, destination);
    case CULVERT_FORWARD_DYNAMIC:
      return g_strdup_printf (_("This is an open proxy: any computer that can reach this one "
                                "can connect to port %u and use the SSH server to reach any "
                                "host, without a password."), port);
    case CULVERT_FORWARD_REMOTE:
      return g_strdup_printf (_("Any computer that can reach the SSH server %s can connect to "
                                "its port %u and reach %s from this computer, without a "
                                "password (if the server allows it with GatewayPorts)."),
                              server, port, destination);
    default:
      g_assert_not_reached ();
    }
}

static char *
configured_listen_text (CulvertForward *forward,
                        gboolean        gateway_ports)
{
  const char *bind = culvert_forward_get_bind_address (forward);
  guint16 port = culvert_forward_get_bind_port (forward);
  g_autofree char *shown = NULL;

  if (culvert_forward_get_bind_path (forward) != NULL)
    {
      if (culvert_forward_get_kind (forward) == CULVERT_FORWARD_REMOTE)
        return g_strdup_printf (_("server: %s"), culvert_forward_get_bind_path (forward));
      return g_strdup (culvert_forward_get_bind_path (forward));
    }

  if (bind == NULL)
    shown = g_strdup (gateway_ports && culvert_forward_get_kind (forward) != CULVERT_FORWARD_REMOTE
                      ? _("all interfaces") : "localhost");
  else if (g_strcmp0 (bind, "*") == 0)
    shown = g_strdup (_("all interfaces"));
  else
    shown = culvert_address_format_host (bind);

  if (culvert_forward_get_kind (forward) == CULVERT_FORWARD_REMOTE)
    {
      /* Translators: where the SSH server listens for an incoming forward */
      if (port == 0)
        return g_strdup_printf (_("server: %s, any port"), shown);
      return g_strdup_printf (_("server: %s:%u"), shown, port);
    }

  return g_strdup_printf ("%s:%u", shown, port);
}

static gboolean
set_string (CulvertForwardItem *self,
            char              **field,
            char               *value,  /* transfer full */
            guint               prop)
{
  if (g_strcmp0 (*field, value) == 0)
    {
      g_free (value);
      return FALSE;
    }
  g_free (*field);
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
  return TRUE;
}

static void
culvert_forward_item_update (CulvertForwardItem *self)
{
  CulvertForward *forward = self->forward;
  CulvertForwardStatus *status = self->status;
  gboolean gateway_ports = culvert_profile_get_gateway_ports (self->profile);
  CulvertForwardKind kind = culvert_forward_get_kind (forward);
  g_autoptr(GError) invalid = NULL;
  gboolean failed = FALSE;
  guint suggested = 0;
  char *text;

  g_object_freeze_notify (G_OBJECT (self));

  switch (kind)
    {
    case CULVERT_FORWARD_LOCAL:
      set_string (self, &self->kind_icon, g_strdup ("network-transmit-symbolic"), PROP_KIND_ICON);
      /* Translators: kind of forward, ssh -L */
      set_string (self, &self->kind_text, g_strdup (_("Outgoing")), PROP_KIND_TEXT);
      break;
    case CULVERT_FORWARD_REMOTE:
      set_string (self, &self->kind_icon, g_strdup ("network-receive-symbolic"), PROP_KIND_ICON);
      /* Translators: kind of forward, ssh -R */
      set_string (self, &self->kind_text, g_strdup (_("Incoming")), PROP_KIND_TEXT);
      break;
    case CULVERT_FORWARD_DYNAMIC:
      set_string (self, &self->kind_icon, g_strdup ("network-workgroup-symbolic"),
                  PROP_KIND_ICON);
      /* Translators: kind of forward, ssh -D */
      set_string (self, &self->kind_text, g_strdup (_("Dynamic (SOCKS)")), PROP_KIND_TEXT);
      break;
    default:
      g_assert_not_reached ();
    }

  if (status != NULL && culvert_forward_status_get_listen_address (status) != NULL &&
      culvert_forward_status_get_state (status) != CULVERT_FORWARD_STATE_FAILED)
    text = g_strdup (culvert_forward_status_get_listen_address (status));
  else
    text = configured_listen_text (forward, gateway_ports);
  set_string (self, &self->listen_text, text, PROP_LISTEN_TEXT);

  if (kind == CULVERT_FORWARD_DYNAMIC)
    text = g_strdup (_("Any host the client asks for"));
  else if (culvert_forward_is_reverse_dynamic (forward))
    text = g_strdup (_("Any host the client asks for, reached from this computer"));
  else if (culvert_forward_get_destination_path (forward) != NULL)
    text = g_strdup (culvert_forward_get_destination_path (forward));
  else if (culvert_forward_get_destination_host (forward) == NULL)
    /* A damaged forward (the state says so): none is not "any". */
    text = g_strdup (_("No destination"));
  else
    text = culvert_address_format_host_port (culvert_forward_get_destination_host (forward),
                      culvert_forward_get_destination_port (forward));
  set_string (self, &self->destination_text, text, PROP_DESTINATION_TEXT);

  if (!culvert_forward_validate (forward, &invalid))
    {
      failed = TRUE;
      text = g_strdup_printf (_("Damaged: %s"), invalid->message);
    }
  else if (!culvert_forward_get_enabled (forward))
    text = g_strdup (_("Off"));
  else if (status == NULL)
    text = g_strdup (_("Not connected"));
  else
    switch (culvert_forward_status_get_state (status))
      {
      case CULVERT_FORWARD_STATE_PENDING:
        text = g_strdup (_("Waiting for the connection"));
        break;
      case CULVERT_FORWARD_STATE_LISTENING:
        /* An incoming forward for other computers, which the server keeps
         * to itself (its GatewayPorts setting). */
        if (culvert_forward_status_get_reach (status) == CULVERT_FORWARD_REACH_LOOPBACK_ONLY)
          text = g_strdup (_("Listening for programs on the server only: the server does not "
                             "let other computers connect (GatewayPorts)"));
        else
          text = g_strdup (_("Listening"));
        break;
      case CULVERT_FORWARD_STATE_FAILED:
        failed = TRUE;
        suggested = culvert_forward_status_get_suggested_port (status);
        text = g_strdup (culvert_forward_status_get_error (status));
        if (text == NULL)
          text = g_strdup (_("Failed"));
        break;
      case CULVERT_FORWARD_STATE_STOPPED:
        text = g_strdup (_("Stopped"));
        break;
      default:
        g_assert_not_reached ();
      }
  set_string (self, &self->state_text, text, PROP_STATE_TEXT);

  /* Connections open now / since the start: only numbers, nothing to
   * translate (and gettext cannot look up a string built with a macro). */
  if (status != NULL)
    text = g_strdup_printf ("%u / %" G_GUINT64_FORMAT,
                            culvert_forward_status_get_active (status),
                            culvert_forward_status_get_total (status));
  else
    text = g_strdup ("—");
  set_string (self, &self->connections_text, text, PROP_CONNECTIONS_TEXT);

  if (status != NULL)
    {
      g_autofree char *sent = g_format_size (culvert_forward_status_get_bytes_sent (status));
      g_autofree char *received = g_format_size (culvert_forward_status_get_bytes_received (status));

      /* Translators: bytes sent towards the destination, then bytes received from it */
      text = g_strdup_printf (_("↑ %s ↓ %s"), sent, received);
    }
  else
    text = g_strdup ("—");
  set_string (self, &self->traffic_text, text, PROP_TRAFFIC_TEXT);

  text = culvert_forward_describe_off_host (forward, gateway_ports,
                                            culvert_profile_get_host (self->profile));
  if (set_string (self, &self->off_host_text, text, PROP_OFF_HOST_TEXT))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OFF_HOST]);

  if (self->failed != failed)
    {
      self->failed = failed;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FAILED]);
    }
  if (self->suggested_port != suggested)
    {
      gboolean had = self->suggested_port != 0;

      self->suggested_port = suggested;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUGGESTED_PORT]);
      if (had != (suggested != 0))
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_SUGGESTION]);
    }

  g_object_thaw_notify (G_OBJECT (self));
}

static void
culvert_forward_item_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  CulvertForwardItem *self = CULVERT_FORWARD_ITEM (object);

  switch (prop_id)
    {
    case PROP_FORWARD:
      g_value_set_object (value, self->forward);
      break;
    case PROP_STATUS:
      g_value_set_object (value, self->status);
      break;
    case PROP_KIND_ICON:
      g_value_set_string (value, self->kind_icon);
      break;
    case PROP_KIND_TEXT:
      g_value_set_string (value, self->kind_text);
      break;
    case PROP_LISTEN_TEXT:
      g_value_set_string (value, self->listen_text);
      break;
    case PROP_DESTINATION_TEXT:
      g_value_set_string (value, self->destination_text);
      break;
    case PROP_STATE_TEXT:
      g_value_set_string (value, self->state_text);
      break;
    case PROP_CONNECTIONS_TEXT:
      g_value_set_string (value, self->connections_text);
      break;
    case PROP_TRAFFIC_TEXT:
      g_value_set_string (value, self->traffic_text);
      break;
    case PROP_OFF_HOST_TEXT:
      g_value_set_string (value, self->off_host_text);
      break;
    case PROP_OFF_HOST:
      g_value_set_boolean (value, self->off_host_text != NULL);
      break;
    case PROP_FAILED:
      g_value_set_boolean (value, self->failed);
      break;
    case PROP_SUGGESTED_PORT:
      g_value_set_uint (value, self->suggested_port);
      break;
    case PROP_HAS_SUGGESTION:
      g_value_set_boolean (value, self->suggested_port != 0);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
culvert_forward_item_dispose (GObject *object)
{
  CulvertForwardItem *self = CULVERT_FORWARD_ITEM (object);

  if (self->status != NULL)
    g_signal_handlers_disconnect_by_data (self->status, self);
  g_clear_object (&self->status);
  g_clear_object (&self->forward);
  g_clear_object (&self->profile);

  G_OBJECT_CLASS (culvert_forward_item_parent_class)->dispose (object);
}

static void
culvert_forward_item_finalize (GObject *object)
{
  CulvertForwardItem *self = CULVERT_FORWARD_ITEM (object);

  g_free (self->kind_icon);
  g_free (self->kind_text);
  g_free (self->listen_text);
  g_free (self->destination_text);
  g_free (self->state_text);
  g_free (self->connections_text);
  g_free (self->traffic_text);
  g_free (self->off_host_text);

  G_OBJECT_CLASS (culvert_forward_item_parent_class)->finalize (object);
}

static void
culvert_forward_item_class_init (CulvertForwardItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = culvert_forward_item_get_property;
  object_class->dispose = culvert_forward_item_dispose;
  object_class->finalize = culvert_forward_item_finalize;

  properties[PROP_FORWARD] = g_param_spec_object ("forward", NULL, NULL, CULVERT_TYPE_FORWARD,
                                                  flags);
  properties[PROP_STATUS] = g_param_spec_object ("status", NULL, NULL,
                                                 CULVERT_TYPE_FORWARD_STATUS, flags);
  properties[PROP_KIND_ICON] = g_param_spec_string ("kind-icon", NULL, NULL, NULL, flags);
  properties[PROP_KIND_TEXT] = g_param_spec_string ("kind-text", NULL, NULL, NULL, flags);
  properties[PROP_LISTEN_TEXT] = g_param_spec_string ("listen-text", NULL, NULL, NULL, flags);
  properties[PROP_DESTINATION_TEXT] = g_param_spec_string ("destination-text", NULL, NULL, NULL,
                                                           flags);
  properties[PROP_STATE_TEXT] = g_param_spec_string ("state-text", NULL, NULL, NULL, flags);
  properties[PROP_CONNECTIONS_TEXT] = g_param_spec_string ("connections-text", NULL, NULL, NULL,
                                                           flags);
  properties[PROP_TRAFFIC_TEXT] = g_param_spec_string ("traffic-text", NULL, NULL, NULL, flags);
  properties[PROP_OFF_HOST_TEXT] = g_param_spec_string ("off-host-text", NULL, NULL, NULL,
                                                        flags);
  properties[PROP_OFF_HOST] = g_param_spec_boolean ("off-host", NULL, NULL, FALSE, flags);
  properties[PROP_FAILED] = g_param_spec_boolean ("failed", NULL, NULL, FALSE, flags);
  properties[PROP_SUGGESTED_PORT] = g_param_spec_uint ("suggested-port", NULL, NULL,
                                                       0, G_MAXUINT16, 0, flags);
  properties[PROP_HAS_SUGGESTION] = g_param_spec_boolean ("has-suggestion", NULL, NULL, FALSE,
                                                          flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
culvert_forward_item_init (CulvertForwardItem *self)
{
}

CulvertForwardItem *
culvert_forward_item_new (CulvertProfile *profile,
                          CulvertForward *forward)
{
  CulvertForwardItem *self;

  g_return_val_if_fail (CULVERT_IS_PROFILE (profile), NULL);
  g_return_val_if_fail (CULVERT_IS_FORWARD (forward), NULL);

  self = g_object_new (CULVERT_TYPE_FORWARD_ITEM, NULL);
  self->profile = g_object_ref (profile);
  self->forward = g_object_ref (forward);
  g_signal_connect_object (forward, "notify", G_CALLBACK (culvert_forward_item_update), self,
                           G_CONNECT_SWAPPED);
  culvert_forward_item_update (self);

  return self;
}

CulvertForward *
culvert_forward_item_get_forward (CulvertForwardItem *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD_ITEM (self), NULL);
  return self->forward;
}

CulvertForwardStatus *
culvert_forward_item_get_status (CulvertForwardItem *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD_ITEM (self), NULL);
  return self->status;
}

void
culvert_forward_item_set_status (CulvertForwardItem   *self,
                                 CulvertForwardStatus *status)
{
  g_return_if_fail (CULVERT_IS_FORWARD_ITEM (self));

  if (self->status == status)
    return;

  if (self->status != NULL)
    g_signal_handlers_disconnect_by_data (self->status, self);
  g_set_object (&self->status, status);
  if (status != NULL)
    g_signal_connect_object (status, "notify", G_CALLBACK (culvert_forward_item_update), self,
                             G_CONNECT_SWAPPED);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
  culvert_forward_item_update (self);
}

const char *
culvert_forward_item_get_listen_text (CulvertForwardItem *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD_ITEM (self), NULL);
  return self->listen_text;
}

const char *
culvert_forward_item_get_state_text (CulvertForwardItem *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD_ITEM (self), NULL);
  return self->state_text;
}

const char *
culvert_forward_item_get_traffic_text (CulvertForwardItem *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD_ITEM (self), NULL);
  return self->traffic_text;
}

const char *
culvert_forward_item_get_off_host_text (CulvertForwardItem *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD_ITEM (self), NULL);
  return self->off_host_text;
}

guint16
culvert_forward_item_get_suggested_port (CulvertForwardItem *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD_ITEM (self), 0);
  return self->suggested_port;
}

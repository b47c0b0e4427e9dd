/* culvert-profile.c — one saved connection and its forwards
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "culvert-enums.h"
#include "culvert-profile.h"

#define DEFAULT_PORT 22
#define DEFAULT_KEEPALIVE_INTERVAL 30
#define DEFAULT_KEEPALIVE_COUNT 3

struct _CulvertProfile
{
  GObject            parent_instance;

  char              *id;
  char              *name;
  char              *host;
  char              *user;
  char              *identity_file;
  char             **jump_hosts;
  char              *proxy_url;
  char              *proxy_bypass;
  char              *known_hosts_file;
  GListStore        *forwards;

  CulvertAuthMethod  auth_method;
  CulvertProxyMode   proxy_mode;
  guint              keepalive_interval;
  guint              keepalive_count;
  guint16            port;
  guint              reconnect : 1;
  guint              connect_at_startup : 1;
  guint              gateway_ports : 1;
};

G_DEFINE_FINAL_TYPE (CulvertProfile, culvert_profile, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_HOST,
  PROP_PORT,
  PROP_USER,
  PROP_AUTH_METHOD,
  PROP_IDENTITY_FILE,
  PROP_JUMP_HOSTS,
  PROP_PROXY_MODE,
  PROP_PROXY_URL,
  PROP_PROXY_BYPASS,
  PROP_KEEPALIVE_INTERVAL,
  PROP_KEEPALIVE_COUNT,
  PROP_RECONNECT,
  PROP_CONNECT_AT_STARTUP,
  PROP_GATEWAY_PORTS,
  PROP_KNOWN_HOSTS_FILE,
  PROP_FORWARDS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
culvert_profile_dispose (GObject *object)
{
  CulvertProfile *self = (CulvertProfile *) object;

  g_clear_object (&self->forwards);

  G_OBJECT_CLASS (culvert_profile_parent_class)->dispose (object);
}

static void
culvert_profile_finalize (GObject *object)
{
  CulvertProfile *self = (CulvertProfile *) object;

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->host, g_free);
  g_clear_pointer (&self->user, g_free);
  g_clear_pointer (&self->identity_file, g_free);
  g_clear_pointer (&self->jump_hosts, g_strfreev);
  g_clear_pointer (&self->proxy_url, g_free);
  g_clear_pointer (&self->proxy_bypass, g_free);
  g_clear_pointer (&self->known_hosts_file, g_free);

  G_OBJECT_CLASS (culvert_profile_parent_class)->finalize (object);
}

static void
culvert_profile_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  CulvertProfile *self = CULVERT_PROFILE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_HOST:
      g_value_set_string (value, self->host);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_USER:
      g_value_set_string (value, self->user);
      break;
    case PROP_AUTH_METHOD:
      g_value_set_enum (value, self->auth_method);
      break;
    case PROP_IDENTITY_FILE:
      g_value_set_string (value, self->identity_file);
      break;
    case PROP_JUMP_HOSTS:
      g_value_set_boxed (value, self->jump_hosts);
      break;
    case PROP_PROXY_MODE:
      g_value_set_enum (value, self->proxy_mode);
      break;
    case PROP_PROXY_URL:
      g_value_set_string (value, self->proxy_url);
      break;
    case PROP_PROXY_BYPASS:
      g_value_set_string (value, self->proxy_bypass);
      break;
    case PROP_KEEPALIVE_INTERVAL:
      g_value_set_uint (value, self->keepalive_interval);
      break;
    case PROP_KEEPALIVE_COUNT:
      g_value_set_uint (value, self->keepalive_count);
      break;
    case PROP_RECONNECT:
      g_value_set_boolean (value, self->reconnect);
      break;
    case PROP_CONNECT_AT_STARTUP:
      g_value_set_boolean (value, self->connect_at_startup);
      break;
    case PROP_GATEWAY_PORTS:
      g_value_set_boolean (value, self->gateway_ports);
      break;
    case PROP_KNOWN_HOSTS_FILE:
      g_value_set_string (value, self->known_hosts_file);
      break;
    case PROP_FORWARDS:
      g_value_set_object (value, self->forwards);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
culvert_profile_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  CulvertProfile *self = CULVERT_PROFILE (object);

  switch (prop_id)
    {
    case PROP_ID:
      culvert_profile_set_id (self, g_value_get_string (value));
      break;
    case PROP_NAME:
      culvert_profile_set_name (self, g_value_get_string (value));
      break;
    case PROP_HOST:
      culvert_profile_set_host (self, g_value_get_string (value));
      break;
    case PROP_PORT:
      culvert_profile_set_port (self, (guint16) g_value_get_uint (value));
      break;
    case PROP_USER:
      culvert_profile_set_user (self, g_value_get_string (value));
      break;
    case PROP_AUTH_METHOD:
      culvert_profile_set_auth_method (self, g_value_get_enum (value));
      break;
    case PROP_IDENTITY_FILE:
      culvert_profile_set_identity_file (self, g_value_get_string (value));
      break;
    case PROP_JUMP_HOSTS:
      culvert_profile_set_jump_hosts (self, g_value_get_boxed (value));
      break;
    case PROP_PROXY_MODE:
      culvert_profile_set_proxy_mode (self, g_value_get_enum (value));
      break;
    case PROP_PROXY_URL:
      culvert_profile_set_proxy_url (self, g_value_get_string (value));
      break;
    case PROP_PROXY_BYPASS:
      culvert_profile_set_proxy_bypass (self, g_value_get_string (value));
      break;
    case PROP_KEEPALIVE_INTERVAL:
      culvert_profile_set_keepalive_interval (self, g_value_get_uint (value));
      break;
    case PROP_KEEPALIVE_COUNT:
      culvert_profile_set_keepalive_count (self, g_value_get_uint (value));
      break;
    case PROP_RECONNECT:
      culvert_profile_set_reconnect (self, g_value_get_boolean (value));
      break;
    case PROP_CONNECT_AT_STARTUP:
      culvert_profile_set_connect_at_startup (self, g_value_get_boolean (value));
      break;
    case PROP_GATEWAY_PORTS:
      culvert_profile_set_gateway_ports (self, g_value_get_boolean (value));
      break;
    case PROP_KNOWN_HOSTS_FILE:
      culvert_profile_set_known_hosts_file (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define RW_FLAGS (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS)

static void
culvert_profile_class_init (CulvertProfileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = culvert_profile_dispose;
  object_class->finalize = culvert_profile_finalize;
  object_class->get_property = culvert_profile_get_property;
  object_class->set_property = culvert_profile_set_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, RW_FLAGS);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, RW_FLAGS);
  properties[PROP_HOST] = g_param_spec_string ("host", NULL, NULL, NULL, RW_FLAGS);
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 1, G_MAXUINT16, DEFAULT_PORT, RW_FLAGS);
  properties[PROP_USER] = g_param_spec_string ("user", NULL, NULL, NULL, RW_FLAGS);
  properties[PROP_AUTH_METHOD] =
    g_param_spec_enum ("auth-method", NULL, NULL, CULVERT_TYPE_AUTH_METHOD,
                       CULVERT_AUTH_AUTOMATIC, RW_FLAGS);
  properties[PROP_IDENTITY_FILE] =
    g_param_spec_string ("identity-file", NULL, NULL, NULL, RW_FLAGS);
  properties[PROP_JUMP_HOSTS] =
    g_param_spec_boxed ("jump-hosts", NULL, NULL, G_TYPE_STRV, RW_FLAGS);
  properties[PROP_PROXY_MODE] =
    g_param_spec_enum ("proxy-mode", NULL, NULL, CULVERT_TYPE_PROXY_MODE,
                       CULVERT_PROXY_NONE, RW_FLAGS);
  properties[PROP_PROXY_URL] = g_param_spec_string ("proxy-url", NULL, NULL, NULL, RW_FLAGS);
  properties[PROP_PROXY_BYPASS] =
    g_param_spec_string ("proxy-bypass", NULL, NULL, NULL, RW_FLAGS);
  properties[PROP_KEEPALIVE_INTERVAL] =
    g_param_spec_uint ("keepalive-interval", NULL, NULL, 0, G_MAXINT,
                       DEFAULT_KEEPALIVE_INTERVAL, RW_FLAGS);
  properties[PROP_KEEPALIVE_COUNT] =
    g_param_spec_uint ("keepalive-count", NULL, NULL, 0, G_MAXINT,
                       DEFAULT_KEEPALIVE_COUNT, RW_FLAGS);
  properties[PROP_RECONNECT] = g_param_spec_boolean ("reconnect", NULL, NULL, TRUE, RW_FLAGS);
  properties[PROP_CONNECT_AT_STARTUP] =
    g_param_spec_boolean ("connect-at-startup", NULL, NULL, FALSE, RW_FLAGS);
  properties[PROP_GATEWAY_PORTS] =
    g_param_spec_boolean ("gateway-ports", NULL, NULL, FALSE, RW_FLAGS);
  properties[PROP_KNOWN_HOSTS_FILE] =
    g_param_spec_string ("known-hosts-file", NULL, NULL, NULL, RW_FLAGS);
  properties[PROP_FORWARDS] =
    g_param_spec_object ("forwards", NULL, NULL, G_TYPE_LIST_MODEL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
culvert_profile_init (CulvertProfile *self)
{
  self->id = g_uuid_string_random ();
  self->port = DEFAULT_PORT;
  self->auth_method = CULVERT_AUTH_AUTOMATIC;
  self->proxy_mode = CULVERT_PROXY_NONE;
  self->keepalive_interval = DEFAULT_KEEPALIVE_INTERVAL;
  self->keepalive_count = DEFAULT_KEEPALIVE_COUNT;
  self->reconnect = TRUE;
  self->forwards = g_list_store_new (CULVERT_TYPE_FORWARD);
}

CulvertProfile *
culvert_profile_new (void)
{
  return g_object_new (CULVERT_TYPE_PROFILE, NULL);
}

gboolean
culvert_profile_id_is_valid (const char *id)
{
  if (id == NULL || id[0] == '\0' || id[0] == '.' || strlen (id) > 128)
    return FALSE;

  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      return FALSE;

  return TRUE;
}

/* Setter helpers: compare, store, notify. */

static void
set_string (CulvertProfile  *self,
            char           **field,
            const char      *value,
            guint            prop_id)
{
  if (value != NULL && value[0] == '\0')
    value = NULL;
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
set_uint (CulvertProfile *self,
          guint          *field,
          guint           value,
          guint           prop_id)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

const char *
culvert_profile_get_id (CulvertProfile *self)
{
  g_return_val_if_fail (CULVERT_IS_PROFILE (self), NULL);
  return self->id;
}

void
culvert_profile_set_id (CulvertProfile *self,
                        const char     *id)
{
  g_return_if_fail (CULVERT_IS_PROFILE (self));

  /* g_object_new() passes NULL when no id is given: keep the random one. */
  if (id == NULL)
    return;
  g_return_if_fail (culvert_profile_id_is_valid (id));

  set_string (self, &self->id, id, PROP_ID);
}

const char *
culvert_profile_get_name (CulvertProfile *self)
{
  g_return_val_if_fail (CULVERT_IS_PROFILE (self), NULL);
  return self->name;
}

void
culvert_profile_set_name (CulvertProfile *self,
                          const char     *name)
{
  g_return_if_fail (CULVERT_IS_PROFILE (self));
  set_string (self, &self->name, name, PROP_NAME);
}

const char *
culvert_profile_get_display_name (CulvertProfile *self)
{
  g_return_val_if_fail (CULVERT_IS_PROFILE (self), NULL);

  if (self->name != NULL)
    return self->name;
  if (self->host != NULL)
    return self->host;
  return self->id;
}

const char *
culvert_profile_get_host (CulvertProfile *self)
{
  g_return_val_if_fail (CULVERT_IS_PROFILE (self), NULL);
  return self->host;
}

void
culvert_profile_set_host (CulvertProfile *self,
                          const char     *host)
{
  g_return_if_fail (CULVERT_IS_PROFILE (self));
  set_string (self, &self->host, host, PROP_HOST);
}

guint16
culvert_profile_get_port (CulvertProfile *self)
{
  g_return_val_if_fail (CULVERT_IS_PROFILE (self), DEFAULT_PORT);
  return self->port;
}

void
culvert_profile_set_port (CulvertProfile *self,
                          guint16         port)
{
  g_return_if_fail (CULVERT_IS_PROFILE (self));
  g_return_if_fail (port != 0);

  if (self->port == port)
    return;
  self->port = port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
}

const char *
culvert_profile_get_user (CulvertProfile *self)
{
  g_return_val_if_fail (CULVERT_IS_PROFILE (self), NULL);
  return self->user;
}

void
culvert_profile_set_user (CulvertProfile *self,
                          const char     *user)
{
  g_return_if_fail (CULVERT_IS_PROFILE (self));
  set_string (self, &self->user, user, PROP_USER);
}

CulvertAuthMethod
culvert_profile_get_auth_method (CulvertProfile *self)
{
  g_return_val_if_fail (CULVERT_IS_PROFILE (self), CULVERT_AUTH_AUTOMATIC);
  return self->auth_method;
}

void
culvert_profile_set_auth_method (CulvertProfile    *self,
                                 CulvertAuthMethod  auth_method)
{
  g_return_if_fail (CULVERT_IS_PROFILE (self));
  g_return_if_fail (auth_method <= CULVERT_AUTH_KEYBOARD_INTERACTIVE);

  if (self->auth_method == auth_method)
    return;
  self->auth_method = auth_method;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTH_METHOD]);
}

const char *
culvert_profile_get_identity_file (CulvertProfile *self)
{
  g_return_val_if_fail (CULVERT_IS_PROFILE (self), NULL);
  return self->identity_file;
}

void
culvert_profile_set_identity_file (CulvertProfile *self,
                                   const char     *identity_file)
{
  g_return_if_fail (CULVERT_IS_PROFILE (self));
  set_string (self, &self->identity_file, identity_file, PROP_IDENTITY_FILE);
}

const char * const *
culvert_profile_get_jump_hosts (CulvertProfile *self)
{
  static const char * const empty[] = { NULL };

  g_return_val_if_fail (CULVERT_IS_PROFILE (self), empty);

  return self->jump_hosts != NULL ? (const char * const *) self->jump_hosts : empty;
}

void
culvert_profile_set_jump_hosts (CulvertProfile     *self,
                                const char * const *jump_hosts)
{
  g_return_if_fail (CULVERT_IS_PROFILE (self));

  if (jump_hosts != NULL && jump_hosts[0] == NULL)
    jump_hosts = NULL;
  if (jump_hosts == NULL && self->jump_hosts == NULL)
    return;
  if (jump_hosts != NULL && self->jump_hosts != NULL &&
      g_strv_equal ((const char * const *) self->jump_hosts, jump_hosts))
    return;

  g_strfreev (self->jump_hosts);
  self->jump_hosts = g_strdupv ((char **) jump_hosts);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_JUMP_HOSTS]);
}

CulvertProxyMode
culvert_profile_get_proxy_mode (CulvertProfile *self)
{
  g_return_val_if_fail (CULVERT_IS_PROFILE (self), CULVERT_PROXY_NONE);
  return self->proxy_mode;
}

void
culvert_profile_set_proxy_mode (CulvertProfile   *self,
                                CulvertProxyMode  proxy_mode)
{
  g_return_if_fail (CULVERT_IS_PROFILE (self));
  g_return_if_fail (proxy_mode <= CULVERT_PROXY_CUSTOM);

  if (self->proxy_mode == proxy_mode)
    return;
  self->proxy_mode = proxy_mode;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROXY_MODE]);
}

const char *
culvert_profile_get_proxy_url (CulvertProfile *self)
{
  g_return_val_if_fail (CULVERT_IS_PROFILE (self), NULL);
  return self->proxy_url;
}

void
culvert_profile_set_proxy_url (CulvertProfile *self,
                               const char     *proxy_url)
{
  g_return_if_fail (CULVERT_IS_PROFILE (self));
  set_string (self, &self->proxy_url, proxy_url, PROP_PROXY_URL);
}

const char *
culvert_profile_get_proxy_bypass (CulvertProfile *self)
{
  g_return_val_if_fail (CULVERT_IS_PROFILE (self), NULL);
  return self->proxy_bypass;
}

void
culvert_profile_set_proxy_bypass (CulvertProfile *self,
                                  const char     *proxy_bypass)
{
  g_return_if_fail (CULVERT_IS_PROFILE (self));
  set_string (self, &self->proxy_bypass, proxy_bypass, PROP_PROXY_BYPASS);
}

guint
culvert_profile_get_keepalive_interval (CulvertProfile *self)
{
  g_return_val_if_fail (CULVERT_IS_PROFILE (self), 0);
  return self->keepalive_interval;
}

void
culvert_profile_set_keepalive_interval (CulvertProfile *self,
                                        guint           seconds)
{
  g_return_if_fail (CULVERT_IS_PROFILE (self));
  g_return_if_fail (seconds <= G_MAXINT);
  set_uint (self, &self->keepalive_interval, seconds, PROP_KEEPALIVE_INTERVAL);
}

guint
culvert_profile_get_keepalive_count (CulvertProfile *self)
{
  g_return_val_if_fail (CULVERT_IS_PROFILE (self), 0);
  return self->keepalive_count;
}

void
culvert_profile_set_keepalive_count (CulvertProfile *self,
                                     guint           count)
{
  g_return_if_fail (CULVERT_IS_PROFILE (self));
  g_return_if_fail (count <= G_MAXINT);
  set_uint (self, &self->keepalive_count, count, PROP_KEEPALIVE_COUNT);
}

gboolean
culvert_profile_get_reconnect (CulvertProfile *self)
{
  g_return_val_if_fail (CULVERT_IS_PROFILE (self), FALSE);
  return self->reconnect;
}

void
culvert_profile_set_reconnect (CulvertProfile *self,
                               gboolean        reconnect)
{
  g_return_if_fail (CULVERT_IS_PROFILE (self));

  reconnect = !!reconnect;
  if (self->reconnect == (guint) reconnect)
    return;
  self->reconnect = reconnect;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECONNECT]);
}

gboolean
culvert_profile_get_connect_at_startup (CulvertProfile *self)
{
  g_return_val_if_fail (CULVERT_IS_PROFILE (self), FALSE);
  return self->connect_at_startup;
}

void
culvert_profile_set_connect_at_startup (CulvertProfile *self,
                                        gboolean        connect_at_startup)
{
  g_return_if_fail (CULVERT_IS_PROFILE (self));

  connect_at_startup = !!connect_at_startup;
  if (self->connect_at_startup == (guint) connect_at_startup)
    return;
  self->connect_at_startup = connect_at_startup;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECT_AT_STARTUP]);
}

gboolean
culvert_profile_get_gateway_ports (CulvertProfile *self)
{
  g_return_val_if_fail (CULVERT_IS_PROFILE (self), FALSE);
  return self->gateway_ports;
}

void
culvert_profile_set_gateway_ports (CulvertProfile *self,
                                   gboolean        gateway_ports)
{
  g_return_if_fail (CULVERT_IS_PROFILE (self));

  gateway_ports = !!gateway_ports;
  if (self->gateway_ports == (guint) gateway_ports)
    return;
  self->gateway_ports = gateway_ports;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GATEWAY_PORTS]);
}

const char *
culvert_profile_get_known_hosts_file (CulvertProfile *self)
{
  g_return_val_if_fail (CULVERT_IS_PROFILE (self), NULL);
  return self->known_hosts_file;
}

void
culvert_profile_set_known_hosts_file (CulvertProfile *self,
                                      const char     *known_hosts_file)
{
  g_return_if_fail (CULVERT_IS_PROFILE (self));
  set_string (self, &self->known_hosts_file, known_hosts_file, PROP_KNOWN_HOSTS_FILE);
}

GListModel *
culvert_profile_get_forwards (CulvertProfile *self)
{
  g_return_val_if_fail (CULVERT_IS_PROFILE (self), NULL);
  return G_LIST_MODEL (self->forwards);
}

void
culvert_profile_add_forward (CulvertProfile *self,
                             CulvertForward *forward)
{
  g_return_if_fail (CULVERT_IS_PROFILE (self));
  g_return_if_fail (CULVERT_IS_FORWARD (forward));

  g_list_store_append (self->forwards, forward);
}

void
culvert_profile_remove_forward (CulvertProfile *self,
                                guint           position)
{
  g_return_if_fail (CULVERT_IS_PROFILE (self));
  g_return_if_fail (position < g_list_model_get_n_items (G_LIST_MODEL (self->forwards)));

  g_list_store_remove (self->forwards, position);
}

void
culvert_profile_remove_all_forwards (CulvertProfile *self)
{
  g_return_if_fail (CULVERT_IS_PROFILE (self));

  g_list_store_remove_all (self->forwards);
}

CulvertProfile *
culvert_profile_copy (CulvertProfile *self,
                      gboolean        new_id)
{
  CulvertProfile *copy;
  guint n;

  g_return_val_if_fail (CULVERT_IS_PROFILE (self), NULL);

  copy = g_object_new (CULVERT_TYPE_PROFILE,
                       "id", new_id ? NULL : self->id,
                       "name", self->name,
                       "host", self->host,
                       "port", (guint) self->port,
                       "user", self->user,
                       "auth-method", self->auth_method,
                       "identity-file", self->identity_file,
                       "jump-hosts", self->jump_hosts,
                       "proxy-mode", self->proxy_mode,
                       "proxy-url", self->proxy_url,
                       "proxy-bypass", self->proxy_bypass,
                       "keepalive-interval", self->keepalive_interval,
                       "keepalive-count", self->keepalive_count,
                       "reconnect", (gboolean) self->reconnect,
                       "connect-at-startup", (gboolean) self->connect_at_startup,
                       "gateway-ports", (gboolean) self->gateway_ports,
                       "known-hosts-file", self->known_hosts_file,
                       NULL);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->forwards));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CulvertForward) forward = g_list_model_get_item (G_LIST_MODEL (self->forwards), i);
      g_autoptr(CulvertForward) forward_copy = culvert_forward_copy (forward);

      g_list_store_append (copy->forwards, forward_copy);
    }

  return copy;
}

/* Export */

/* Characters that never need quoting in a POSIX shell word. */
static gboolean
is_shell_safe (const char *word)
{
  if (word[0] == '\0')
    return FALSE;
  for (const char *p = word; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("@%+=:,./_-", *p) == NULL)
      return FALSE;
  return TRUE;
}

static void
append_word (GString    *str,
             const char *word)
{
  if (str->len > 0)
    g_string_append_c (str, ' ');

  if (is_shell_safe (word))
    {
      g_string_append (str, word);
    }
  else
    {
      g_autofree char *quoted = g_shell_quote (word);

      g_string_append (str, quoted);
    }
}

static void
append_option (GString    *str,
               const char *key,
               const char *value)
{
  g_autofree char *option = g_strdup_printf ("%s=%s", key, value);

  append_word (str, "-o");
  append_word (str, option);
}

static const char *
preferred_authentications (CulvertAuthMethod method)
{
  switch (method)
    {
    case CULVERT_AUTH_AGENT:
    case CULVERT_AUTH_KEY:
      return "publickey";
    case CULVERT_AUTH_PASSWORD:
      return "password";
    case CULVERT_AUTH_KEYBOARD_INTERACTIVE:
      return "keyboard-interactive";
    case CULVERT_AUTH_AUTOMATIC:
    default:
      return NULL;
    }
}

static char *
dup_jump_list (CulvertProfile *self)
{
  if (self->jump_hosts == NULL)
    return NULL;
  return g_strjoinv (",", self->jump_hosts);
}

char *
culvert_profile_to_command_line (CulvertProfile *self)
{
  g_autoptr(GString) str = g_string_new (NULL);
  g_autofree char *jumps = NULL;
  g_autofree char *destination = NULL;
  const char *auth;
  guint n;

  g_return_val_if_fail (CULVERT_IS_PROFILE (self), NULL);

  append_word (str, "ssh");
  append_word (str, "-N");

  n = g_list_model_get_n_items (G_LIST_MODEL (self->forwards));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CulvertForward) forward = g_list_model_get_item (G_LIST_MODEL (self->forwards), i);
      g_autofree char *spec = NULL;

      if (!culvert_forward_get_enabled (forward))
        continue;
      spec = culvert_forward_to_string (forward);
      append_word (str, culvert_forward_kind_to_flag (culvert_forward_get_kind (forward)));
      append_word (str, spec);
    }

  if (self->gateway_ports)
    append_word (str, "-g");

  jumps = dup_jump_list (self);
  if (jumps != NULL)
    {
      append_word (str, "-J");
      append_word (str, jumps);
    }

  if (self->port != DEFAULT_PORT)
    {
      g_autofree char *port = g_strdup_printf ("%u", self->port);

      append_word (str, "-p");
      append_word (str, port);
    }

  if (self->identity_file != NULL)
    {
      append_word (str, "-i");
      append_word (str, self->identity_file);
    }

  if (self->auth_method == CULVERT_AUTH_KEY)
    append_option (str, "IdentitiesOnly", "yes");
  auth = preferred_authentications (self->auth_method);
  if (auth != NULL)
    append_option (str, "PreferredAuthentications", auth);

  if (self->keepalive_interval != 0)
    {
      g_autofree char *interval = g_strdup_printf ("%u", self->keepalive_interval);

      append_option (str, "ServerAliveInterval", interval);
      if (self->keepalive_count != DEFAULT_KEEPALIVE_COUNT)
        {
          g_autofree char *count = g_strdup_printf ("%u", self->keepalive_count);

          append_option (str, "ServerAliveCountMax", count);
        }
    }

  if (self->known_hosts_file != NULL)
    append_option (str, "UserKnownHostsFile", self->known_hosts_file);

  if (self->user != NULL)
    destination = g_strdup_printf ("%s@%s", self->user, self->host ? self->host : "");
  else
    destination = g_strdup (self->host ? self->host : "");
  append_word (str, destination);

  return g_string_free (g_steal_pointer (&str), FALSE);
}

/* A value for ssh_config as OpenSSH's argv_split() reads it back: in
 * double quotes when it holds a blank, a quote, a backslash, a # or an =
 * (or is empty), with \" and \\ inside. */
static void
append_config_value (GString    *str,
                     const char *value)
{
  gboolean needs_quotes = value[0] == '\0';

  for (const char *p = value; *p != '\0' && !needs_quotes; p++)
    needs_quotes = g_ascii_isspace (*p) || *p == '"' || *p == '\'' || *p == '\\' ||
                   *p == '#' || *p == '=';

  if (!needs_quotes)
    {
      g_string_append (str, value);
      return;
    }

  g_string_append_c (str, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (str, '\\');
      g_string_append_c (str, *p);
    }
  g_string_append_c (str, '"');
}

/* How the importer (and ssh) read a keyword's value. */
typedef enum
{
  CONFIG_LITERAL,   /* User, ProxyJump: as written */
  CONFIG_HOSTNAME,  /* HostName: %h and %% are expanded */
  CONFIG_PATH,      /* IdentityFile, UserKnownHostsFile: ~, ${VAR}, %-tokens, "none" */
} ConfigValueKind;

/* The line is left out, with a comment that says so, when no way of
 * writing @value reads back as @value: a line break, and for paths a
 * leading ~, a ${VAR} or the word none. */
static void
append_config_line_kind (GString         *str,
                         const char      *keyword,
                         const char      *value,
                         ConfigValueKind  kind)
{
  g_autoptr(GString) escaped = g_string_new (NULL);
  g_autoptr(GString) line = g_string_new (NULL);
  const char *why = NULL;

  if (strchr (value, '\n') != NULL)
    why = "it holds a line break";
  else if (kind == CONFIG_PATH && value[0] == '~')
    why = "ssh reads a leading ~ as a home directory";
  else if (kind == CONFIG_PATH && strstr (value, "${") != NULL &&
           strchr (strstr (value, "${"), '}') != NULL)
    why = "ssh reads ${…} as an environment variable";
  else if (kind == CONFIG_PATH && g_ascii_strcasecmp (value, "none") == 0)
    why = "ssh reads none as no file";

  if (why != NULL)
    {
      g_string_append_printf (str, "    # Left out: %s, as %s\n", keyword, why);
      return;
    }

  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '%' && kind != CONFIG_LITERAL)
        g_string_append_c (escaped, '%');
      g_string_append_c (escaped, *p);
    }

  g_string_printf (line, "    %s ", keyword);
  append_config_value (line, escaped->str);
  if (line->len > CULVERT_SSH_CONFIG_MAX_LINE)
    {
      g_string_append_printf (str, "    # Left out: %s, as the line would be too long\n",
                              keyword);
      return;
    }
  g_string_append_printf (str, "%s\n", line->str);
}

static void
append_config_line (GString    *str,
                    const char *keyword,
                    const char *value)
{
  append_config_line_kind (str, keyword, value, CONFIG_LITERAL);
}

static const char *
forward_keyword (CulvertForwardKind kind)
{
  switch (kind)
    {
    case CULVERT_FORWARD_REMOTE:
      return "RemoteForward";
    case CULVERT_FORWARD_DYNAMIC:
      return "DynamicForward";
    case CULVERT_FORWARD_LOCAL:
    default:
      return "LocalForward";
    }
}

/* A Unix socket's path in LocalForward or RemoteForward: ssh expands its
 * %-tokens, so % is written as %%. */
static char *
escape_socket_path (const char *path)
{
  GString *escaped = g_string_new (NULL);

  for (const char *p = path; *p != '\0'; p++)
    {
      if (*p == '%')
        g_string_append_c (escaped, '%');
      g_string_append_c (escaped, *p);
    }
  return g_string_free (escaped, FALSE);
}

/* ssh_config writes the listening side and the destination as two words
 * (a dynamic forward as one: @destination is then %NULL). */
static void
forward_config_words (CulvertForward  *forward,
                      char           **listen,
                      char           **destination)
{
  const char *bind_address = culvert_forward_get_bind_address (forward);
  g_autofree char *host = NULL;

  *destination = NULL;
  if (culvert_forward_get_kind (forward) == CULVERT_FORWARD_DYNAMIC ||
      culvert_forward_is_reverse_dynamic (forward))
    {
      *listen = culvert_forward_to_string (forward);
      return;
    }

  if (culvert_forward_get_bind_path (forward) != NULL)
    {
      *listen = escape_socket_path (culvert_forward_get_bind_path (forward));
    }
  else if (bind_address != NULL)
    {
      g_autofree char *bind = culvert_address_format_host (bind_address);

      *listen = g_strdup_printf ("%s:%u", bind, culvert_forward_get_bind_port (forward));
    }
  else
    {
      *listen = g_strdup_printf ("%u", culvert_forward_get_bind_port (forward));
    }

  if (culvert_forward_get_destination_path (forward) != NULL)
    {
      *destination = escape_socket_path (culvert_forward_get_destination_path (forward));
      return;
    }
  host = culvert_address_format_host (culvert_forward_get_destination_host (forward) ?
                                      culvert_forward_get_destination_host (forward) : "");
  *destination = g_strdup_printf ("%s:%u", host, culvert_forward_get_destination_port (forward));
}

static char *
host_pattern_for (const char *name)
{
  char *pattern = g_strdup (name);

  /* Wildcards, negation and list separators would make it a pattern, not a host. */
  g_strdelimit (pattern, "*?,\n", '-');
  if (pattern[0] == '!')
    pattern[0] = '-';
  return pattern;
}

/* A hop reads back as itself when it is written the way the importer
 * writes hops (`[user@]host[:port]`, brackets around IPv6) and, when the
 * exported Host block matches it, that block gives it nothing new: ssh
 * takes a hop's HostName, User and Port from the blocks that match it. */
static gboolean
hop_reads_back (CulvertProfile *self,
                const char     *pattern,
                const char     *hop)
{
  g_autofree char *user = NULL;
  g_autofree char *host = NULL;
  g_autofree char *bracketed = NULL;
  g_autoptr(GString) again = g_string_new (NULL);
  guint16 port = 0;

  if (strchr (hop, ',') != NULL || !culvert_jump_host_parse (hop, &user, &host, &port, NULL))
    return FALSE;

  if (g_ascii_strcasecmp (host, pattern) == 0)
    {
      if (user == NULL)
        user = g_strdup (self->user);
      if (port == 0 && self->port != DEFAULT_PORT)
        port = self->port;
      if (self->host != NULL)
        {
          g_free (host);
          host = g_strdup (self->host);
        }
    }

  if (user != NULL)
    g_string_append_printf (again, "%s@", user);
  bracketed = culvert_address_format_host (host);
  g_string_append (again, bracketed);
  if (port != 0)
    g_string_append_printf (again, ":%u", port);
  return strcmp (again->str, hop) == 0;
}

char *
culvert_profile_to_ssh_config (CulvertProfile *self)
{
  g_autoptr(GString) str = g_string_new (NULL);
  g_autofree char *pattern = NULL;
  g_autofree char *jumps = NULL;
  const char *auth;
  guint n;

  g_return_val_if_fail (CULVERT_IS_PROFILE (self), NULL);

  pattern = host_pattern_for (culvert_profile_get_display_name (self));
  g_string_append (str, "Host ");
  append_config_value (str, pattern);
  g_string_append_c (str, '\n');

  if (self->host != NULL)
    append_config_line_kind (str, "HostName", self->host, CONFIG_HOSTNAME);
  if (self->user != NULL)
    append_config_line (str, "User", self->user);
  if (self->port != DEFAULT_PORT)
    g_string_append_printf (str, "    Port %u\n", self->port);
  if (self->identity_file != NULL)
    append_config_line_kind (str, "IdentityFile", self->identity_file, CONFIG_PATH);
  if (self->auth_method == CULVERT_AUTH_KEY)
    append_config_line (str, "IdentitiesOnly", "yes");
  auth = preferred_authentications (self->auth_method);
  if (auth != NULL)
    append_config_line (str, "PreferredAuthentications", auth);

  jumps = dup_jump_list (self);
  if (jumps != NULL)
    {
      gboolean exact = TRUE;

      for (guint i = 0; self->jump_hosts[i] != NULL && exact; i++)
        exact = hop_reads_back (self, pattern, self->jump_hosts[i]);
      if (exact)
        append_config_line (str, "ProxyJump", jumps);
      else
        g_string_append (str, "    # Left out: ProxyJump, as ssh would read a different jump "
                              "host\n");
    }

  /* Always written: ssh's default (0, off) is not Culvert's. */
  g_string_append_printf (str, "    ServerAliveInterval %u\n", self->keepalive_interval);
  if (self->keepalive_count != DEFAULT_KEEPALIVE_COUNT)
    g_string_append_printf (str, "    ServerAliveCountMax %u\n", self->keepalive_count);
  if (self->gateway_ports)
    append_config_line (str, "GatewayPorts", "yes");
  if (self->known_hosts_file != NULL)
    append_config_line_kind (str, "UserKnownHostsFile", self->known_hosts_file, CONFIG_PATH);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->forwards));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CulvertForward) forward = g_list_model_get_item (G_LIST_MODEL (self->forwards), i);
      g_autofree char *listen = NULL;
      g_autofree char *destination = NULL;
      const char *description = culvert_forward_get_description (forward);
      g_autofree char *one_line = NULL;

      forward_config_words (forward, &listen, &destination);

      if (description != NULL)
        {
          one_line = g_strdup (description);
          g_strdelimit (one_line, "\r\n", ' ');
          g_string_append_printf (str, "    # %s\n", one_line);
        }
      g_string_append_printf (str, "    %s%s ",
                              culvert_forward_get_enabled (forward) ? "" : "# (disabled) ",
                              forward_keyword (culvert_forward_get_kind (forward)));
      append_config_value (str, listen);
      if (destination != NULL)
        {
          g_string_append_c (str, ' ');
          append_config_value (str, destination);
        }
      g_string_append_c (str, '\n');
    }

  if (self->proxy_mode == CULVERT_PROXY_CUSTOM && self->proxy_url != NULL)
    g_string_append_printf (str, "    # Culvert connects through the proxy %s\n",
                            self->proxy_url);
  else if (self->proxy_mode == CULVERT_PROXY_SYSTEM)
    g_string_append (str, "    # Culvert connects through the system proxy\n");

  return g_string_free (g_steal_pointer (&str), FALSE);
}

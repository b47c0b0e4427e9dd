/* culvert-forward.c — one forwarding rule: -L, -R or -D
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "culvert-enums.h"
#include "culvert-forward.h"

#define MAX_FIELDS 4

struct _CulvertForward
{
  GObject             parent_instance;

  CulvertForwardKind  kind;
  char               *bind_address;
  char               *destination_host;
  char               *description;
  char               *bind_path;
  char               *destination_path;
  guint16             bind_port;
  guint16             destination_port;
  guint               enabled : 1;
};

G_DEFINE_FINAL_TYPE (CulvertForward, culvert_forward, G_TYPE_OBJECT)

G_DEFINE_QUARK (culvert-forward-error-quark, culvert_forward_error)

enum {
  PROP_0,
  PROP_KIND,
  PROP_BIND_ADDRESS,
  PROP_BIND_PORT,
  PROP_DESTINATION_HOST,
  PROP_DESTINATION_PORT,
  PROP_ENABLED,
  PROP_DESCRIPTION,
  PROP_BIND_PATH,
  PROP_DESTINATION_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
culvert_forward_finalize (GObject *object)
{
  CulvertForward *self = (CulvertForward *) object;

  g_clear_pointer (&self->bind_address, g_free);
  g_clear_pointer (&self->destination_host, g_free);
  g_clear_pointer (&self->description, g_free);
  g_clear_pointer (&self->bind_path, g_free);
  g_clear_pointer (&self->destination_path, g_free);

  G_OBJECT_CLASS (culvert_forward_parent_class)->finalize (object);
}

static void
culvert_forward_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  CulvertForward *self = CULVERT_FORWARD (object);

  switch (prop_id)
    {
    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;
    case PROP_BIND_ADDRESS:
      g_value_set_string (value, self->bind_address);
      break;
    case PROP_BIND_PORT:
      g_value_set_uint (value, self->bind_port);
      break;
    case PROP_DESTINATION_HOST:
      g_value_set_string (value, self->destination_host);
      break;
    case PROP_DESTINATION_PORT:
      g_value_set_uint (value, self->destination_port);
      break;
    case PROP_ENABLED:
      g_value_set_boolean (value, self->enabled);
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, self->description);
      break;
    case PROP_BIND_PATH:
      g_value_set_string (value, self->bind_path);
      break;
    case PROP_DESTINATION_PATH:
      g_value_set_string (value, self->destination_path);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
culvert_forward_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  CulvertForward *self = CULVERT_FORWARD (object);

  switch (prop_id)
    {
    case PROP_KIND:
      culvert_forward_set_kind (self, g_value_get_enum (value));
      break;
    case PROP_BIND_ADDRESS:
      culvert_forward_set_bind_address (self, g_value_get_string (value));
      break;
    case PROP_BIND_PORT:
      culvert_forward_set_bind_port (self, (guint16) g_value_get_uint (value));
      break;
    case PROP_DESTINATION_HOST:
      culvert_forward_set_destination_host (self, g_value_get_string (value));
      break;
    case PROP_DESTINATION_PORT:
      culvert_forward_set_destination_port (self, (guint16) g_value_get_uint (value));
      break;
    case PROP_ENABLED:
      culvert_forward_set_enabled (self, g_value_get_boolean (value));
      break;
    case PROP_DESCRIPTION:
      culvert_forward_set_description (self, g_value_get_string (value));
      break;
    case PROP_BIND_PATH:
      culvert_forward_set_bind_path (self, g_value_get_string (value));
      break;
    case PROP_DESTINATION_PATH:
      culvert_forward_set_destination_path (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
culvert_forward_class_init (CulvertForwardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = culvert_forward_finalize;
  object_class->get_property = culvert_forward_get_property;
  object_class->set_property = culvert_forward_set_property;

  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL,
                       CULVERT_TYPE_FORWARD_KIND, CULVERT_FORWARD_LOCAL,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_BIND_ADDRESS] =
    g_param_spec_string ("bind-address", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_BIND_PORT] =
    g_param_spec_uint ("bind-port", NULL, NULL, 0, G_MAXUINT16, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_DESTINATION_HOST] =
    g_param_spec_string ("destination-host", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_DESTINATION_PORT] =
    g_param_spec_uint ("destination-port", NULL, NULL, 0, G_MAXUINT16, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_ENABLED] =
    g_param_spec_boolean ("enabled", NULL, NULL, TRUE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_BIND_PATH] =
    g_param_spec_string ("bind-path", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_DESTINATION_PATH] =
    g_param_spec_string ("destination-path", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
culvert_forward_init (CulvertForward *self)
{
  self->kind = CULVERT_FORWARD_LOCAL;
  self->enabled = TRUE;
}

CulvertForward *
culvert_forward_new (CulvertForwardKind kind)
{
  return g_object_new (CULVERT_TYPE_FORWARD, "kind", kind, NULL);
}

const char *
culvert_forward_kind_to_flag (CulvertForwardKind kind)
{
  switch (kind)
    {
    case CULVERT_FORWARD_LOCAL:
      return "-L";
    case CULVERT_FORWARD_REMOTE:
      return "-R";
    case CULVERT_FORWARD_DYNAMIC:
      return "-D";
    default:
      g_return_val_if_reached ("-L");
    }
}

/* Parsing */

typedef struct
{
  char     *text;
  gboolean  bracketed;
} Field;

static void
clear_fields (Field *fields,
              guint  n_fields)
{
  for (guint i = 0; i < n_fields; i++)
    g_clear_pointer (&fields[i].text, g_free);
}

/* Splits @spec at colons outside brackets. Returns the number of fields,
 * or 0 with @error set. */
static guint
split_fields (const char  *spec,
              Field       *fields,
              GError     **error)
{
  const char *p = spec;
  guint n = 0;

  for (;;)
    {
      const char *end;

      if (n == MAX_FIELDS)
        {
          clear_fields (fields, n);
          g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
                       _("“%s” has too many “:”-separated fields; IPv6 addresses go in "
                         "brackets, as in [::1]"), spec);
          return 0;
        }

      if (*p == '[')
        {
          end = strchr (p, ']');
          if (end == NULL)
            {
              clear_fields (fields, n);
              g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
                           _("“%s” has a “[” without a matching “]”"), spec);
              return 0;
            }
          fields[n].text = g_strndup (p + 1, end - p - 1);
          fields[n].bracketed = TRUE;
          n++;
          p = end + 1;
          if (*p != ':' && *p != '\0')
            {
              clear_fields (fields, n);
              g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
                           _("In “%s”, a “]” must be followed by “:”"), spec);
              return 0;
            }
        }
      else
        {
          end = strchr (p, ':');
          if (end == NULL)
            end = p + strlen (p);
          if (memchr (p, ']', end - p) != NULL)
            {
              clear_fields (fields, n);
              g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
                           _("“%s” has a “]” without a matching “[”"), spec);
              return 0;
            }
          fields[n].text = g_strndup (p, end - p);
          fields[n].bracketed = FALSE;
          n++;
          p = end;
        }

      if (*p == '\0')
        return n;
      p++;   /* the colon */
    }
}

static char *parse_bind_address (const Field *field, GError **error);
static gboolean check_destination_host (const Field *field, GError **error);
static gboolean check_port_field (const Field *field, gboolean allow_zero,
                                  CulvertPortField which, guint16 *port, GError **error);

/* As OpenSSH (readconf.c, parse_fwd_field): a field with a “/” outside
 * brackets is a Unix-domain socket's path. */
static gboolean
field_is_path (const Field *field)
{
  return !field->bracketed && strchr (field->text, '/') != NULL;
}

/* The longest path a struct sockaddr_un holds, without its final NUL. */
#define MAX_SOCKET_PATH 107

static gboolean
check_socket_path (const char  *path,
                   GError     **error)
{
  if (path[0] == '\0' || strchr (path, '/') == NULL || strchr (path, ':') != NULL ||
      strchr (path, '\n') != NULL || strlen (path) > MAX_SOCKET_PATH)
    {
      g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
                   _("“%s” is not a socket path (one with “/”, no “:”, at most %u bytes)"),
                   path, MAX_SOCKET_PATH);
      return FALSE;
    }
  return TRUE;
}

/* The forms with a Unix-domain socket, as OpenSSH reads them
 * (readconf.c, parse_forward): `/listen.sock` (-D, -R), `/listen.sock:/dest.sock`,
 * `port:/dest.sock`, `/listen.sock:host:port`, `bind:port:/dest.sock`. */
static gboolean
parse_with_paths (CulvertForward  *forward,
                  const char      *spec,
                  const Field     *fields,
                  guint            n_fields,
                  GError         **error)
{
  CulvertForwardKind kind = forward->kind;
  const Field *bind_field = NULL, *port_field = NULL, *host_field = NULL,
              *dport_field = NULL, *bind_path = NULL, *dest_path = NULL;
  g_autofree char *bind_address = NULL;
  guint16 port = 0;

  if (n_fields == 1 && field_is_path (&fields[0]))
    bind_path = &fields[0];
  else if (n_fields == 2 && field_is_path (&fields[0]) && field_is_path (&fields[1]))
    bind_path = &fields[0], dest_path = &fields[1];
  else if (n_fields == 2 && field_is_path (&fields[1]))
    port_field = &fields[0], dest_path = &fields[1];
  else if (n_fields == 3 && field_is_path (&fields[0]) &&
           !field_is_path (&fields[1]) && !field_is_path (&fields[2]))
    bind_path = &fields[0], host_field = &fields[1], dport_field = &fields[2];
  else if (n_fields == 3 && field_is_path (&fields[2]) &&
           !field_is_path (&fields[0]) && !field_is_path (&fields[1]))
    bind_field = &fields[0], port_field = &fields[1], dest_path = &fields[2];
  else
    {
      g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
                   _("“%s” names a socket path where a host or port goes"), spec);
      return FALSE;
    }

  /* A dynamic forward has no destination; -L always has one. */
  if ((kind == CULVERT_FORWARD_DYNAMIC && (dest_path != NULL || host_field != NULL)) ||
      (kind == CULVERT_FORWARD_LOCAL && dest_path == NULL && host_field == NULL))
    {
      g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
                   kind == CULVERT_FORWARD_DYNAMIC
                   ? _("“%s” is not a dynamic forward: expected [bind_address:]port")
                   : _("“%s” has no destination: expected [bind_address:]port:host:hostport"),
                   spec);
      return FALSE;
    }

  if (bind_path != NULL && !check_socket_path (bind_path->text, error))
    return FALSE;
  if (dest_path != NULL && !check_socket_path (dest_path->text, error))
    return FALSE;
  if (bind_field != NULL)
    {
      bind_address = parse_bind_address (bind_field, error);
      if (bind_address == NULL)
        return FALSE;
    }
  if (port_field != NULL &&
      !check_port_field (port_field, kind == CULVERT_FORWARD_REMOTE,
                         CULVERT_PORT_FIELD_LISTEN, &port, error))
    return FALSE;
  if (host_field != NULL)
    {
      guint16 destination_port;

      if (!check_destination_host (host_field, error) ||
          !check_port_field (dport_field, FALSE, CULVERT_PORT_FIELD_DESTINATION,
                             &destination_port, error))
        return FALSE;
      culvert_forward_set_destination_host (forward, host_field->text);
      culvert_forward_set_destination_port (forward, destination_port);
    }

  culvert_forward_set_bind_address (forward, bind_address);
  culvert_forward_set_bind_port (forward, port);
  culvert_forward_set_bind_path (forward, bind_path != NULL ? bind_path->text : NULL);
  culvert_forward_set_destination_path (forward, dest_path != NULL ? dest_path->text : NULL);
  return TRUE;
}

static gboolean
check_bracketed (const Field  *field,
                 GError      **error)
{
  if (field->bracketed && strchr (field->text, ':') == NULL)
    {
      g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_HOST,
                   _("Only IPv6 addresses go in brackets, not “%s”"), field->text);
      return FALSE;
    }
  return TRUE;
}

/* Returns the bind address to store: NULL never (that is “not given”),
 * "*" for an empty field. */
static char *
parse_bind_address (const Field  *field,
                    GError      **error)
{
  if (!check_bracketed (field, error))
    return NULL;

  if (field->text[0] == '\0' || strcmp (field->text, "*") == 0)
    {
      if (field->bracketed)
        {
          g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_HOST,
                       _("Only IPv6 addresses go in brackets, not “%s”"), field->text);
          return NULL;
        }
      return g_strdup ("*");
    }

  if (!culvert_address_is_valid_host (field->text))
    {
      g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_HOST,
                   _("The bind address “%s” is not a valid host name or IP address"),
                   field->text);
      return NULL;
    }

  return g_strdup (field->text);
}

static gboolean
check_destination_host (const Field  *field,
                        GError      **error)
{
  if (!check_bracketed (field, error))
    return FALSE;

  if (field->text[0] == '\0')
    {
      g_set_error_literal (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_HOST,
                           _("The destination host is missing"));
      return FALSE;
    }

  if (!culvert_address_is_valid_host (field->text))
    {
      g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_HOST,
                   _("The destination host “%s” is not a valid host name or IP address"),
                   field->text);
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_port_field (const Field       *field,
                  gboolean           allow_zero,
                  CulvertPortField   which,
                  guint16           *port,
                  GError           **error)
{
  if (field->bracketed)
    {
      g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
                   _("A port does not go in brackets: “[%s]”"), field->text);
      return FALSE;
    }
  return culvert_address_parse_port (field->text, allow_zero, which, port, error);
}

CulvertForward *
culvert_forward_parse (CulvertForwardKind   kind,
                       const char          *spec,
                       GError             **error)
{
  g_autoptr(CulvertForward) forward = NULL;
  g_autofree char *bind_address = NULL;
  Field fields[MAX_FIELDS] = { { NULL, FALSE } };
  const Field *listen_port_field;
  guint n_fields;
  guint16 bind_port = 0;
  guint16 destination_port = 0;
  gboolean no_destination;
  gboolean ok = FALSE;

  g_return_val_if_fail (kind <= CULVERT_FORWARD_DYNAMIC, NULL);
  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (spec[0] == '\0')
    {
      g_set_error_literal (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
                           _("The forward is empty"));
      return NULL;
    }

  n_fields = split_fields (spec, fields, error);
  if (n_fields == 0)
    return NULL;

  forward = culvert_forward_new (kind);

  for (guint i = 0; i < n_fields; i++)
    if (field_is_path (&fields[i]))
      {
        ok = parse_with_paths (forward, spec, fields, n_fields, error);
        goto out;
      }

  /* -D, and -R with a port alone (OpenSSH 7.6+: the server listens, and
   * this computer answers each connection as a SOCKS proxy). */
  no_destination = kind == CULVERT_FORWARD_DYNAMIC ||
                   (kind == CULVERT_FORWARD_REMOTE && n_fields <= 2);

  if (kind == CULVERT_FORWARD_DYNAMIC)
    {
      if (n_fields > 2)
        {
          g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
                       _("“%s” is not a dynamic forward: expected [bind_address:]port"), spec);
          goto out;
        }
    }
  else if (n_fields < 3 && !no_destination)
    {
      g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
                   _("“%s” has no destination: expected [bind_address:]port:host:hostport"),
                   spec);
      goto out;
    }

  /* The optional bind address comes first. */
  if ((no_destination && n_fields == 2) || n_fields == 4)
    {
      bind_address = parse_bind_address (&fields[0], error);
      if (bind_address == NULL)
        goto out;
      listen_port_field = &fields[1];
    }
  else
    {
      listen_port_field = &fields[0];
    }

  if (!check_port_field (listen_port_field, kind == CULVERT_FORWARD_REMOTE,
                         CULVERT_PORT_FIELD_LISTEN, &bind_port, error))
    goto out;

  if (!no_destination)
    {
      const Field *host_field = &fields[n_fields - 2];

      if (!check_destination_host (host_field, error) ||
          !check_port_field (&fields[n_fields - 1], FALSE, CULVERT_PORT_FIELD_DESTINATION,
                             &destination_port, error))
        goto out;

      culvert_forward_set_destination_host (forward, host_field->text);
      culvert_forward_set_destination_port (forward, destination_port);
    }

  culvert_forward_set_bind_address (forward, bind_address);
  culvert_forward_set_bind_port (forward, bind_port);
  ok = TRUE;

out:
  clear_fields (fields, n_fields);
  return ok ? g_steal_pointer (&forward) : NULL;
}

char *
culvert_forward_to_string (CulvertForward *self)
{
  GString *str;

  g_return_val_if_fail (CULVERT_IS_FORWARD (self), NULL);

  str = g_string_new (NULL);

  if (self->bind_path != NULL)
    {
      g_string_append (str, self->bind_path);
    }
  else
    {
      if (self->bind_address != NULL)
        {
          g_autofree char *bind = culvert_address_format_host (self->bind_address);

          g_string_append_printf (str, "%s:", bind);
        }
      g_string_append_printf (str, "%u", self->bind_port);
    }

  if (self->destination_path != NULL && self->kind != CULVERT_FORWARD_DYNAMIC)
    {
      g_string_append_printf (str, ":%s", self->destination_path);
    }
  else if (self->kind == CULVERT_FORWARD_LOCAL ||
           (self->kind == CULVERT_FORWARD_REMOTE && !culvert_forward_is_reverse_dynamic (self)))
    {
      g_autofree char *host = culvert_address_format_host (self->destination_host != NULL ?
                                                           self->destination_host : "");

      g_string_append_printf (str, ":%s:%u", host, self->destination_port);
    }

  return g_string_free (str, FALSE);
}

gboolean
culvert_forward_is_reverse_dynamic (CulvertForward *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD (self), FALSE);

  return self->kind == CULVERT_FORWARD_REMOTE &&
         (self->destination_host == NULL || self->destination_host[0] == '\0') &&
         self->destination_port == 0 && self->destination_path == NULL;
}

/* What culvert_forward_parse() guarantees, checked on a forward made any
 * other way (a saved file, a dialog): so that what runs is what the user
 * sees, and a damaged forward never turns into another kind of forward. */
gboolean
culvert_forward_validate (CulvertForward  *self,
                          GError         **error)
{
  gboolean has_host;

  g_return_val_if_fail (CULVERT_IS_FORWARD (self), FALSE);

  has_host = self->destination_host != NULL && self->destination_host[0] != '\0';

  /* A socket path stands instead of an address and port, never with them. */
  if (self->bind_path != NULL)
    {
      if (!check_socket_path (self->bind_path, error))
        return FALSE;
      if (self->bind_address != NULL || self->bind_port != 0)
        {
          g_set_error_literal (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
                               _("A socket path stands instead of an address and port, never "
                                 "with them"));
          return FALSE;
        }
    }
  if (self->destination_path != NULL)
    {
      if (!check_socket_path (self->destination_path, error))
        return FALSE;
      if (self->kind == CULVERT_FORWARD_DYNAMIC || has_host || self->destination_port != 0)
        {
          g_set_error_literal (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
                               _("A socket path stands instead of an address and port, never "
                                 "with them"));
          return FALSE;
        }
      return TRUE;
    }
  if (self->bind_path != NULL && self->kind == CULVERT_FORWARD_LOCAL && !has_host &&
      self->destination_port == 0)
    {
      g_set_error_literal (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_HOST,
                           _("The destination host is missing"));
      return FALSE;
    }

  if (self->bind_address != NULL && strcmp (self->bind_address, "*") != 0 &&
      !culvert_address_is_valid_host (self->bind_address))
    {
      g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_HOST,
                   _("The bind address “%s” is not a valid host name or IP address"),
                   self->bind_address);
      return FALSE;
    }

  if (self->bind_port == 0 && self->kind != CULVERT_FORWARD_REMOTE && self->bind_path == NULL)
    {
      g_set_error_literal (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_PORT,
                           _("The listening port is missing"));
      return FALSE;
    }

  switch (self->kind)
    {
    case CULVERT_FORWARD_DYNAMIC:
      if (has_host || self->destination_port != 0)
        {
          g_set_error_literal (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
                               _("A dynamic forward has no destination, but this one names one"));
          return FALSE;
        }
      return TRUE;

    case CULVERT_FORWARD_REMOTE:
      /* A port alone is a reverse dynamic forward; a destination is whole
       * or it is damaged. */
      if (!has_host && self->destination_port == 0)
        return TRUE;
      G_GNUC_FALLTHROUGH;

    case CULVERT_FORWARD_LOCAL:
    default:
      if (!has_host)
        {
          g_set_error_literal (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_HOST,
                               _("The destination host is missing"));
          return FALSE;
        }
      if (!culvert_address_is_valid_host (self->destination_host))
        {
          g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_HOST,
                       _("The destination host “%s” is not a valid host name or IP address"),
                       self->destination_host);
          return FALSE;
        }
      if (self->destination_port == 0)
        {
          g_set_error_literal (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_PORT,
                               _("The destination port is missing"));
          return FALSE;
        }
      return TRUE;
    }
}

CulvertForward *
culvert_forward_copy (CulvertForward *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD (self), NULL);

  return g_object_new (CULVERT_TYPE_FORWARD,
                       "kind", self->kind,
                       "bind-address", self->bind_address,
                       "bind-port", (guint) self->bind_port,
                       "destination-host", self->destination_host,
                       "destination-port", (guint) self->destination_port,
                       "enabled", (gboolean) self->enabled,
                       "description", self->description,
                       "bind-path", self->bind_path,
                       "destination-path", self->destination_path,
                       NULL);
}

static gboolean
host_equal (const char *a,
            const char *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return g_ascii_strcasecmp (a, b) == 0;
}

gboolean
culvert_forward_equal (CulvertForward *a,
                       CulvertForward *b)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD (a), FALSE);
  g_return_val_if_fail (CULVERT_IS_FORWARD (b), FALSE);

  return a->kind == b->kind &&
         host_equal (a->bind_address, b->bind_address) &&
         a->bind_port == b->bind_port &&
         host_equal (a->destination_host, b->destination_host) &&
         a->destination_port == b->destination_port &&
         g_strcmp0 (a->bind_path, b->bind_path) == 0 &&
         g_strcmp0 (a->destination_path, b->destination_path) == 0;
}

/* Accessors */

static gboolean
set_string (char       **field,
            const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

CulvertForwardKind
culvert_forward_get_kind (CulvertForward *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD (self), CULVERT_FORWARD_LOCAL);
  return self->kind;
}

void
culvert_forward_set_kind (CulvertForward     *self,
                          CulvertForwardKind  kind)
{
  g_return_if_fail (CULVERT_IS_FORWARD (self));
  g_return_if_fail (kind <= CULVERT_FORWARD_DYNAMIC);

  if (self->kind == kind)
    return;
  self->kind = kind;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KIND]);
}

const char *
culvert_forward_get_bind_address (CulvertForward *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD (self), NULL);
  return self->bind_address;
}

void
culvert_forward_set_bind_address (CulvertForward *self,
                                  const char     *bind_address)
{
  g_return_if_fail (CULVERT_IS_FORWARD (self));

  /* "" is “not given”, like NULL: an empty entry must never mean every interface. */
  if (bind_address != NULL && bind_address[0] == '\0')
    bind_address = NULL;

  if (set_string (&self->bind_address, bind_address))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BIND_ADDRESS]);
}

guint16
culvert_forward_get_bind_port (CulvertForward *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD (self), 0);
  return self->bind_port;
}

void
culvert_forward_set_bind_port (CulvertForward *self,
                               guint16         bind_port)
{
  g_return_if_fail (CULVERT_IS_FORWARD (self));

  if (self->bind_port == bind_port)
    return;
  self->bind_port = bind_port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BIND_PORT]);
}

const char *
culvert_forward_get_destination_host (CulvertForward *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD (self), NULL);
  return self->destination_host;
}

void
culvert_forward_set_destination_host (CulvertForward *self,
                                      const char     *destination_host)
{
  g_return_if_fail (CULVERT_IS_FORWARD (self));

  if (destination_host != NULL && destination_host[0] == '\0')
    destination_host = NULL;

  if (set_string (&self->destination_host, destination_host))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESTINATION_HOST]);
}

guint16
culvert_forward_get_destination_port (CulvertForward *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD (self), 0);
  return self->destination_port;
}

void
culvert_forward_set_destination_port (CulvertForward *self,
                                      guint16         destination_port)
{
  g_return_if_fail (CULVERT_IS_FORWARD (self));

  if (self->destination_port == destination_port)
    return;
  self->destination_port = destination_port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESTINATION_PORT]);
}

gboolean
culvert_forward_get_enabled (CulvertForward *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD (self), FALSE);
  return self->enabled;
}

void
culvert_forward_set_enabled (CulvertForward *self,
                             gboolean        enabled)
{
  g_return_if_fail (CULVERT_IS_FORWARD (self));

  enabled = !!enabled;
  if (self->enabled == (guint) enabled)
    return;
  self->enabled = enabled;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENABLED]);
}

const char *
culvert_forward_get_description (CulvertForward *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD (self), NULL);
  return self->description;
}

void
culvert_forward_set_description (CulvertForward *self,
                                 const char     *description)
{
  g_return_if_fail (CULVERT_IS_FORWARD (self));

  if (description != NULL && description[0] == '\0')
    description = NULL;

  if (set_string (&self->description, description))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESCRIPTION]);
}

const char *
culvert_forward_get_bind_path (CulvertForward *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD (self), NULL);
  return self->bind_path;
}

void
culvert_forward_set_bind_path (CulvertForward *self,
                               const char     *bind_path)
{
  g_return_if_fail (CULVERT_IS_FORWARD (self));

  if (bind_path != NULL && bind_path[0] == '\0')
    bind_path = NULL;

  if (set_string (&self->bind_path, bind_path))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BIND_PATH]);
}

const char *
culvert_forward_get_destination_path (CulvertForward *self)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD (self), NULL);
  return self->destination_path;
}

void
culvert_forward_set_destination_path (CulvertForward *self,
                                      const char     *destination_path)
{
  g_return_if_fail (CULVERT_IS_FORWARD (self));

  if (destination_path != NULL && destination_path[0] == '\0')
    destination_path = NULL;

  if (set_string (&self->destination_path, destination_path))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESTINATION_PATH]);
}

/* Address rules */

char *
culvert_forward_dup_effective_bind_address_full (CulvertForward *self,
                                                 gboolean        gateway_ports)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD (self), NULL);

  switch (self->kind)
    {
    case CULVERT_FORWARD_REMOTE:
      if (self->bind_address == NULL)
        return g_strdup ("localhost");
      if (strcmp (self->bind_address, "*") == 0)
        return g_strdup ("");
      return g_strdup (self->bind_address);

    case CULVERT_FORWARD_LOCAL:
    case CULVERT_FORWARD_DYNAMIC:
    default:
      if (self->bind_address == NULL)
        return g_strdup (gateway_ports ? "*" : "localhost");
      return g_strdup (self->bind_address);
    }
}

char *
culvert_forward_dup_effective_bind_address (CulvertForward *self)
{
  return culvert_forward_dup_effective_bind_address_full (self, FALSE);
}

gboolean
culvert_forward_is_off_host_full (CulvertForward *self,
                                  gboolean        gateway_ports)
{
  g_return_val_if_fail (CULVERT_IS_FORWARD (self), FALSE);

  /* A socket file is reached only on the machine that holds it. */
  if (self->bind_path != NULL)
    return FALSE;

  if (self->kind == CULVERT_FORWARD_REMOTE)
    return self->bind_address != NULL &&
           culvert_address_classify (self->bind_address) != CULVERT_ADDRESS_LOOPBACK;

  if (self->bind_address == NULL)
    return gateway_ports;
  return culvert_address_classify (self->bind_address) != CULVERT_ADDRESS_LOOPBACK;
}

gboolean
culvert_forward_is_off_host (CulvertForward *self)
{
  return culvert_forward_is_off_host_full (self, FALSE);
}

void
culvert_forward_keep_local (CulvertForward *self,
                            gboolean        gateway_ports)
{
  g_return_if_fail (CULVERT_IS_FORWARD (self));

  /* A socket file is local already, and takes no bind address. */
  if (self->bind_path != NULL)
    return;

  /* No bind address is loopback (ssh's own default), except that ssh -g
   * opens local and dynamic forwards without one to everybody. */
  if (gateway_ports && self->kind != CULVERT_FORWARD_REMOTE)
    culvert_forward_set_bind_address (self, "localhost");
  else
    culvert_forward_set_bind_address (self, NULL);
}

char *
culvert_forward_describe_reach (CulvertForward *self,
                                gboolean        gateway_ports,
                                const char     *server)
{
  g_autofree char *destination = NULL;
  guint16 port;

  g_return_val_if_fail (CULVERT_IS_FORWARD (self), NULL);

  port = self->bind_port;
  if (server == NULL || server[0] == '\0')
    server = _("the SSH server");

  /* Whatever it binds, a reverse dynamic forward lets the server's side
   * into this computer and its network. */
  if (culvert_forward_is_reverse_dynamic (self))
    {
      if (culvert_forward_is_off_host_full (self, gateway_ports))
        return g_strdup_printf (_("This is an open proxy into this computer’s network: any "
                                  "computer that can reach %s can connect to its port %u and "
                                  "reach anything this computer can reach, its own local "
                                  "services and its network included, without a password (if "
                                  "the server allows it with GatewayPorts)."), server, port);
      return g_strdup_printf (_("Programs on %s can connect to its port %u and reach anything "
                                "this computer can reach, its own local services and its "
                                "network included, without a password. Every user of that "
                                "server can use it."), server, port);
    }

  if (!culvert_forward_is_off_host_full (self, gateway_ports))
    return NULL;

  if (self->destination_path != NULL)
    destination = g_strdup (self->destination_path);
  else if (self->destination_host != NULL)
    destination = culvert_address_format_host_port (self->destination_host, self->destination_port);

  switch (self->kind)
    {
    case CULVERT_FORWARD_LOCAL:
      return g_strdup_printf (_("Any computer that can reach this one can connect to port %u "
                                "and reach %s through the SSH server, without a password."),
                              port, destination != NULL ? destination : "?");
    case CULVERT_FORWARD_DYNAMIC:
      return g_strdup_printf (_("This is an open proxy: any computer that can reach this one "
                                "can connect to port %u and use the SSH server to reach any "
                                "host, without a password."), port);
    case CULVERT_FORWARD_REMOTE:
    default:
      return g_strdup_printf (_("Any computer that can reach %s can connect to its port %u and "
                                "reach %s from this computer, without a password (if the "
                                "server allows it with GatewayPorts)."),
                              server, port, destination != NULL ? destination : "?");
    }
}

/* culvert-address.c — the address rules, in one place
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <string.h>

#include "culvert-address.h"
#include "culvert-forward.h"

#define MAX_HOST_LENGTH 253
#define MAX_LABEL_LENGTH 63

/* An IP literal, with its brackets and `%zone` removed; NULL for a name. */
static GInetAddress *
parse_ip_literal (const char *text)
{
  g_autofree char *copy = NULL;
  gsize len;
  char *zone;

  if (text == NULL)
    return NULL;

  len = strlen (text);
  if (len >= 2 && text[0] == '[' && text[len - 1] == ']')
    copy = g_strndup (text + 1, len - 2);
  else
    copy = g_strdup (text);

  zone = strchr (copy, '%');
  if (zone != NULL)
    {
      /* A zone only makes sense after an IPv6 address, and it is an
       * interface name or number (IF_NAMESIZE, 16 with its NUL): no
       * space, no control character, nothing that could end a line of
       * a protocol the host is written into (an HTTP proxy's CONNECT). */
      if (strchr (copy, ':') == NULL || zone[1] == '\0' || strlen (zone + 1) > 15)
        return NULL;
      for (const char *c = zone + 1; *c != '\0'; c++)
        if (!g_ascii_isalnum (*c) && *c != '.' && *c != '_' && *c != '-')
          return NULL;
      *zone = '\0';
    }

  return g_inet_address_new_from_string (copy);
}

/* The IPv4 address inside ::ffff:a.b.c.d, as four bytes, or NULL. */
static const guint8 *
ipv4_bytes (GInetAddress *address)
{
  const guint8 *bytes = g_inet_address_to_bytes (address);
  static const guint8 mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4)
    return bytes;
  if (memcmp (bytes, mapped_prefix, sizeof mapped_prefix) == 0)
    return bytes + 12;
  return NULL;
}

static gboolean
ipv4_is_private (const guint8 *b,
                 gboolean      include_cgnat)
{
  return b[0] == 10 ||
         (b[0] == 172 && (b[1] & 0xf0) == 16) ||
         (b[0] == 192 && b[1] == 168) ||
         (b[0] == 169 && b[1] == 254) ||
         (include_cgnat && b[0] == 100 && (b[1] & 0xc0) == 64);
}

static gboolean
ipv6_is_private (const guint8 *b)
{
  return (b[0] & 0xfe) == 0xfc ||                   /* fc00::/7, ULA */
         (b[0] == 0xfe && (b[1] & 0xc0) == 0x80);   /* fe80::/10, link-local */
}

static CulvertAddressClass
classify_inet_address (GInetAddress *address)
{
  const guint8 *v4 = ipv4_bytes (address);

  if (g_inet_address_get_is_any (address))
    return CULVERT_ADDRESS_WILDCARD;

  if (v4 != NULL)
    {
      if (v4[0] == 127)
        return CULVERT_ADDRESS_LOOPBACK;
      if (v4[0] == 0 && v4[1] == 0 && v4[2] == 0 && v4[3] == 0)
        return CULVERT_ADDRESS_WILDCARD;
      if (ipv4_is_private (v4, TRUE))
        return CULVERT_ADDRESS_PRIVATE;
      return CULVERT_ADDRESS_PUBLIC;
    }

  if (g_inet_address_get_is_loopback (address))
    return CULVERT_ADDRESS_LOOPBACK;
  if (ipv6_is_private (g_inet_address_to_bytes (address)))
    return CULVERT_ADDRESS_PRIVATE;
  return CULVERT_ADDRESS_PUBLIC;
}

static gboolean
is_localhost_name (const char *name)
{
  return g_ascii_strcasecmp (name, "localhost") == 0 ||
         g_ascii_strcasecmp (name, "localhost.") == 0;
}

CulvertAddressClass
culvert_address_classify (const char *address)
{
  g_autoptr(GInetAddress) inet = NULL;

  if (address == NULL || address[0] == '\0' || strcmp (address, "*") == 0)
    return CULVERT_ADDRESS_WILDCARD;
  if (is_localhost_name (address))
    return CULVERT_ADDRESS_LOOPBACK;

  inet = parse_ip_literal (address);
  if (inet == NULL)
    return CULVERT_ADDRESS_PUBLIC;

  return classify_inet_address (inet);
}

/* The default bypass rules: numeric private addresses and single-label names. */
static gboolean
bypass_by_default (const char   *host,
                   GInetAddress *inet)
{
  const guint8 *v4;

  if (inet == NULL)
    return strchr (host, '.') == NULL;

  v4 = ipv4_bytes (inet);
  if (v4 != NULL)
    return v4[0] == 127 || ipv4_is_private (v4, FALSE);

  return g_inet_address_get_is_loopback (inet) ||
         ipv6_is_private (g_inet_address_to_bytes (inet));
}

/* Lower case, without brackets and without one trailing dot. */
static char *
normalize_name (const char *text,
                gsize       len)
{
  while (len > 0 && g_ascii_isspace (text[0]))
    text++, len--;
  while (len > 0 && g_ascii_isspace (text[len - 1]))
    len--;
  if (len >= 2 && text[0] == '[' && text[len - 1] == ']')
    text++, len -= 2;
  if (len > 1 && text[len - 1] == '.')
    len--;

  return g_ascii_strdown (text, len);
}

/* One dot-separated field of an item with `*`: `*` matches any run of
 * characters inside the field, never a dot. Greedy with one backtracking
 * point, so a hostile list full of stars costs linear time, not exponential. */
static gboolean
field_matches (const char *pattern,
               const char *field)
{
  const char *star = NULL;
  const char *resume = NULL;

  while (*field != '\0')
    {
      if (*pattern == '*')
        {
          star = pattern++;
          resume = field;
        }
      else if (*pattern == *field)
        {
          pattern++;
          field++;
        }
      else if (star != NULL)
        {
          pattern = star + 1;
          field = ++resume;
        }
      else
        {
          return FALSE;
        }
    }

  while (*pattern == '*')
    pattern++;
  return *pattern == '\0';
}

static gboolean
item_matches (const char   *item,
              const char   *host,
              GInetAddress *host_inet)
{
  if (strchr (item, '*') != NULL)
    {
      g_auto(GStrv) item_fields = NULL;
      g_auto(GStrv) host_fields = NULL;
      guint n;

      /* IPv6 literals have no dot-separated fields. */
      if (host_inet != NULL && g_inet_address_get_family (host_inet) == G_SOCKET_FAMILY_IPV6)
        return FALSE;

      item_fields = g_strsplit (item, ".", -1);
      host_fields = g_strsplit (host, ".", -1);
      n = g_strv_length (item_fields);
      if (n != g_strv_length (host_fields))
        return FALSE;
      for (guint i = 0; i < n; i++)
        if (!field_matches (item_fields[i], host_fields[i]))
          return FALSE;
      return TRUE;
    }
  else
    {
      g_autoptr(GInetAddress) item_inet = parse_ip_literal (item);
      gsize item_len, host_len;

      if (item_inet != NULL || host_inet != NULL)
        return item_inet != NULL && host_inet != NULL &&
               g_inet_address_equal (item_inet, host_inet);

      if (item[0] == '.')
        item++;
      if (item[0] == '\0')
        return FALSE;

      item_len = strlen (item);
      host_len = strlen (host);
      if (host_len == item_len)
        return strcmp (host, item) == 0;
      return host_len > item_len &&
             host[host_len - item_len - 1] == '.' &&
             strcmp (host + host_len - item_len, item) == 0;
    }
}

gboolean
culvert_proxy_bypass_matches (const char *bypass_list,
                              const char *host)
{
  g_autofree char *name = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  gboolean any_item = FALSE;
  const char *p;

  g_return_val_if_fail (host != NULL, FALSE);

  name = normalize_name (host, strlen (host));
  if (name[0] == '\0')
    return FALSE;
  inet = parse_ip_literal (name);

  for (p = bypass_list; p != NULL && *p != '\0';)
    {
      const char *comma = strchr (p, ',');
      gsize len = comma != NULL ? (gsize) (comma - p) : strlen (p);
      g_autofree char *item = normalize_name (p, len);

      p = comma != NULL ? comma + 1 : NULL;
      if (item[0] == '\0')
        continue;

      any_item = TRUE;
      if (item_matches (item, name, inet))
        return TRUE;
    }

  if (!any_item)
    return bypass_by_default (name, inet);

  return FALSE;
}

gboolean
culvert_address_parse_port (const char        *text,
                            gboolean           allow_zero,
                            CulvertPortField   field,
                            guint16           *port,
                            GError           **error)
{
  guint min = allow_zero ? 0 : 1;
  guint64 value = 0;

  if (text == NULL || text[0] == '\0')
    {
      switch (field)
        {
        case CULVERT_PORT_FIELD_LISTEN:
          g_set_error_literal (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_PORT,
                               _("The listening port is missing"));
          break;
        case CULVERT_PORT_FIELD_DESTINATION:
          g_set_error_literal (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_PORT,
                               _("The destination port is missing"));
          break;
        case CULVERT_PORT_FIELD_PORT:
        default:
          g_set_error_literal (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_PORT,
                               _("The port is missing"));
          break;
        }
      return FALSE;
    }

  for (const char *p = text; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p))
        {
          switch (field)
            {
            case CULVERT_PORT_FIELD_LISTEN:
              g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_PORT,
                           _("The listening port “%s” is not a number"), text);
              break;
            case CULVERT_PORT_FIELD_DESTINATION:
              g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_PORT,
                           _("The destination port “%s” is not a number"), text);
              break;
            case CULVERT_PORT_FIELD_PORT:
            default:
              g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_PORT,
                           _("The port “%s” is not a number"), text);
              break;
            }
          return FALSE;
        }
      if (value <= 65535)
        value = value * 10 + (guint) (*p - '0');
    }

  if (value < min || value > 65535)
    {
      /* Keep the digits the user typed, but not an endless run of them. */
      g_autofree char *shown = strlen (text) > 12 ? g_strdup_printf ("%.10s…", text)
                                                  : g_strdup (text);

      switch (field)
        {
        case CULVERT_PORT_FIELD_LISTEN:
          g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_PORT,
                       _("Listening port %s is out of range (%u–65535)"), shown, min);
          break;
        case CULVERT_PORT_FIELD_DESTINATION:
          g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_PORT,
                       _("Destination port %s is out of range (%u–65535)"), shown, min);
          break;
        case CULVERT_PORT_FIELD_PORT:
        default:
          g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_PORT,
                       _("Port %s is out of range (%u–65535)"), shown, min);
          break;
        }
      return FALSE;
    }

  if (port != NULL)
    *port = (guint16) value;
  return TRUE;
}

static gboolean
is_valid_name (const char *host)
{
  gsize len = strlen (host);
  gsize label_len = 0;

  if (len == 0 || len > MAX_HOST_LENGTH + 1)
    return FALSE;
  /* One trailing dot (a fully qualified name) is allowed. */
  if (host[len - 1] == '.')
    len--;
  if (len == 0 || len > MAX_HOST_LENGTH)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      char c = host[i];

      if (c == '.')
        {
          if (label_len == 0)
            return FALSE;
          label_len = 0;
          continue;
        }
      if (!g_ascii_isalnum (c) && c != '-' && c != '_')
        return FALSE;
      if (++label_len > MAX_LABEL_LENGTH)
        return FALSE;
    }

  return label_len > 0;
}

gboolean
culvert_address_is_valid_host (const char *host)
{
  g_autoptr(GInetAddress) inet = NULL;

  if (host == NULL || host[0] == '\0' || host[0] == '[')
    return FALSE;

  if (strchr (host, ':') != NULL)
    {
      inet = parse_ip_literal (host);
      return inet != NULL && g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6;
    }

  /* A leading dash would read as an option on an ssh command line. */
  if (host[0] == '-')
    return FALSE;

  return is_valid_name (host);
}

char *
culvert_address_format_host (const char *host)
{
  g_return_val_if_fail (host != NULL, NULL);

  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("[%s]", host);
  return g_strdup (host);
}

char *
culvert_address_format_host_port (const char *host,
                                  guint16     port)
{
  g_autofree char *shown = culvert_address_format_host (host);

  return g_strdup_printf ("%s:%u", shown, port);
}

gboolean
culvert_jump_host_parse (const char  *text,
                         char       **user,
                         char       **host,
                         guint16     *port,
                         GError     **error)
{
  g_autofree char *found_user = NULL;
  g_autofree char *found_host = NULL;
  const char *rest;
  const char *at;
  guint16 found_port = 0;

  g_return_val_if_fail (text != NULL, FALSE);

  rest = text;
  if (g_str_has_prefix (rest, "ssh://"))
    rest += strlen ("ssh://");

  at = strrchr (rest, '@');
  if (at != NULL)
    {
      if (at == rest)
        {
          g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
                       _("The jump host “%s” has an empty user name"), text);
          return FALSE;
        }
      found_user = g_strndup (rest, at - rest);
      rest = at + 1;
    }

  if (rest[0] == '[')
    {
      const char *close = strchr (rest, ']');

      if (close == NULL)
        {
          g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
                       _("The jump host “%s” has a “[” without a matching “]”"), text);
          return FALSE;
        }
      found_host = g_strndup (rest + 1, close - rest - 1);
      rest = close + 1;
      if (rest[0] != '\0' && rest[0] != ':')
        {
          g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
                       _("The jump host “%s” has text after its address"), text);
          return FALSE;
        }
      if (strchr (found_host, ':') == NULL)
        {
          g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_HOST,
                       _("Only IPv6 addresses go in brackets, not “%s”"), found_host);
          return FALSE;
        }
    }
  else
    {
      const char *colon = strchr (rest, ':');

      if (colon != NULL && strchr (colon + 1, ':') != NULL)
        {
          g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
                       _("Put the IPv6 address of the jump host “%s” in brackets"), text);
          return FALSE;
        }
      found_host = colon != NULL ? g_strndup (rest, colon - rest) : g_strdup (rest);
      rest = colon != NULL ? colon : rest + strlen (rest);
    }

  if (rest[0] == ':')
    {
      if (!culvert_address_parse_port (rest + 1, FALSE, CULVERT_PORT_FIELD_PORT,
                                       &found_port, error))
        return FALSE;
    }

  if (found_host[0] == '\0')
    {
      g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_HOST,
                   _("The jump host “%s” has no host name"), text);
      return FALSE;
    }
  if (!culvert_address_is_valid_host (found_host))
    {
      g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_HOST,
                   _("“%s” is not a valid host name"), found_host);
      return FALSE;
    }
  if (found_user != NULL && strpbrk (found_user, " \t\r\n:/") != NULL)
    {
      g_set_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
                   _("The user name “%s” contains a space, “:” or “/”"), found_user);
      return FALSE;
    }

  if (user != NULL)
    *user = g_steal_pointer (&found_user);
  if (host != NULL)
    *host = g_steal_pointer (&found_host);
  if (port != NULL)
    *port = found_port;
  return TRUE;
}

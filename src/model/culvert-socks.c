/* culvert-socks.c — the SOCKS 4, 4a and 5 handshake, as a pure parser
 *
 * A state machine over one fixed buffer that holds the message being read.
 * Fixed-size parts are copied up to their length; NUL-terminated SOCKS 4
 * fields are scanned with memchr() and stop at their cap, so the work is
 * linear in the bytes fed, however they are split.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>

#include "culvert-socks.h"

/* Bytes on the wire (SOCKS 4: the "SOCKS 4A" and "SOCKS: A protocol for
 * TCP proxy across firewalls" notes; SOCKS 5: RFC 1928). */
#define SOCKS4_VERSION 0x04
#define SOCKS4_REPLY_VERSION 0x00
#define SOCKS4_HEADER_LEN 8
#define SOCKS5_VERSION 0x05
#define SOCKS5_METHOD_NO_AUTH 0x00
#define SOCKS5_METHOD_USERNAME 0x02
#define SOCKS5_METHOD_NONE_ACCEPTABLE 0xff
#define SOCKS5_ATYP_IPV4 0x01
#define SOCKS5_ATYP_DOMAIN 0x03
#define SOCKS5_ATYP_IPV6 0x04
#define SOCKS_CMD_CONNECT 0x01
#define SOCKS_CMD_BIND 0x02
#define SOCKS5_CMD_UDP_ASSOCIATE 0x03

typedef enum
{
  STATE_START,
  STATE_SOCKS4_HEADER,
  STATE_SOCKS4_USER_ID,
  STATE_SOCKS4_HOST,
  STATE_SOCKS5_GREETING,
  STATE_SOCKS5_REQUEST,
  STATE_DONE,
  STATE_FAILED,
} State;

typedef enum
{
  FIELD_NEED_MORE,
  FIELD_COMPLETE,
  FIELD_TOO_LONG,
} FieldStatus;

struct _CulvertSocksParser
{
  State                state;
  CulvertSocksVersion  version;
  guint8               command;

  /* The message being read; handshake_len counts every message so far. */
  guint8               message[CULVERT_SOCKS_MAX_HANDSHAKE];
  gsize                message_len;
  gsize                handshake_len;
  gsize                field_start;       /* where the SOCKS 4 field being read starts */

  guint8               reply[CULVERT_SOCKS_MAX_REPLY];
  gsize                reply_len;

  CulvertSocksRequest  request;
  GError              *error;
};

G_DEFINE_QUARK (culvert-socks-error-quark, culvert_socks_error)

CulvertSocksParser *
culvert_socks_parser_new (void)
{
  return g_new0 (CulvertSocksParser, 1);
}

void
culvert_socks_parser_free (CulvertSocksParser *self)
{
  if (self == NULL)
    return;

  g_clear_error (&self->error);
  g_free (self);
}

guint8
culvert_socks_outcome_to_code (CulvertSocksVersion version,
                               CulvertSocksOutcome outcome)
{
  switch (version)
    {
    case CULVERT_SOCKS_VERSION_4:
    case CULVERT_SOCKS_VERSION_4A:
      return outcome == CULVERT_SOCKS_OUTCOME_SUCCEEDED ? 0x5a : 0x5b;

    case CULVERT_SOCKS_VERSION_5:
      switch (outcome)
        {
        case CULVERT_SOCKS_OUTCOME_SUCCEEDED: return 0x00;
        case CULVERT_SOCKS_OUTCOME_GENERAL_FAILURE: return 0x01;
        case CULVERT_SOCKS_OUTCOME_NOT_ALLOWED: return 0x02;
        case CULVERT_SOCKS_OUTCOME_NETWORK_UNREACHABLE: return 0x03;
        case CULVERT_SOCKS_OUTCOME_HOST_UNREACHABLE: return 0x04;
        case CULVERT_SOCKS_OUTCOME_CONNECTION_REFUSED: return 0x05;
        case CULVERT_SOCKS_OUTCOME_COMMAND_NOT_SUPPORTED: return 0x07;
        case CULVERT_SOCKS_OUTCOME_ADDRESS_TYPE_NOT_SUPPORTED: return 0x08;
        default: break;
        }
      g_return_val_if_reached (0x01);

    default:
      g_return_val_if_reached (0x01);
    }
}

gsize
culvert_socks_build_reply (CulvertSocksVersion  version,
                           CulvertSocksOutcome  outcome,
                           guint8              *reply)
{
  guint8 code;

  g_return_val_if_fail (reply != NULL, 0);

  code = culvert_socks_outcome_to_code (version, outcome);
  memset (reply, 0, CULVERT_SOCKS_MAX_REPLY);

  if (version == CULVERT_SOCKS_VERSION_5)
    {
      /* VER REP RSV ATYP BND.ADDR(4) BND.PORT(2) */
      reply[0] = SOCKS5_VERSION;
      reply[1] = code;
      reply[3] = SOCKS5_ATYP_IPV4;
      return 10;
    }

  /* VN CD DSTPORT(2) DSTIP(4) */
  reply[0] = SOCKS4_REPLY_VERSION;
  reply[1] = code;
  return 8;
}

const guint8 *
culvert_socks_parser_get_reply (CulvertSocksParser *self,
                                gsize              *len)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (len != NULL, NULL);

  *len = self->reply_len;
  return self->reply;
}

const CulvertSocksRequest *
culvert_socks_parser_get_request (CulvertSocksParser *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->state == STATE_DONE ? &self->request : NULL;
}

static CulvertSocksStatus fail (CulvertSocksParser *self,
                                CulvertSocksError   code,
                                const char         *format,
                                ...) G_GNUC_PRINTF (3, 4);

/* The handshake is over: keep @code and the message; the reply, if any,
 * is already in self->reply. */
static CulvertSocksStatus
fail (CulvertSocksParser *self,
      CulvertSocksError   code,
      const char         *format,
      ...)
{
  va_list args;

  g_assert (self->error == NULL);

  va_start (args, format);
  self->error = g_error_new_valist (CULVERT_SOCKS_ERROR, code, format, args);
  va_end (args);

  self->state = STATE_FAILED;
  return CULVERT_SOCKS_STATUS_FAILED;
}

static void
set_outcome_reply (CulvertSocksParser  *self,
                   CulvertSocksOutcome  outcome)
{
  self->reply_len = culvert_socks_build_reply (self->version, outcome, self->reply);
}

static void
set_method_reply (CulvertSocksParser *self,
                  guint8              method)
{
  self->reply[0] = SOCKS5_VERSION;
  self->reply[1] = method;
  self->reply_len = 2;
}

/* Copies from @data into the message until it holds @target bytes.
 * Returns whether it does. */
static gboolean
fill_to (CulvertSocksParser *self,
         gsize               target,
         const guint8       *data,
         gsize               len,
         gsize              *pos)
{
  gsize n;

  g_assert (target <= sizeof self->message);
  g_assert (self->handshake_len - self->message_len + target <= CULVERT_SOCKS_MAX_HANDSHAKE);

  if (self->message_len >= target)
    return TRUE;

  n = MIN (target - self->message_len, len - *pos);
  memcpy (self->message + self->message_len, data + *pos, n);
  self->message_len += n;
  self->handshake_len += n;
  *pos += n;

  return self->message_len == target;
}

/* Copies a NUL-terminated field that starts at self->field_start, at most
 * @max bytes before its NUL, into the message. */
static FieldStatus
fill_string (CulvertSocksParser *self,
             gsize               max,
             const guint8       *data,
             gsize               len,
             gsize              *pos)
{
  gsize room = self->field_start + max + 1 - self->message_len;
  gsize avail = MIN (room, len - *pos);
  const guint8 *nul = memchr (data + *pos, '\0', avail);
  gsize n = nul != NULL ? (gsize) (nul - (data + *pos)) + 1 : avail;

  g_assert (self->field_start + max + 1 <= sizeof self->message);

  memcpy (self->message + self->message_len, data + *pos, n);
  self->message_len += n;
  self->handshake_len += n;
  *pos += n;

  if (nul != NULL)
    return FIELD_COMPLETE;
  if (self->message_len == self->field_start + max + 1)
    return FIELD_TOO_LONG;
  return FIELD_NEED_MORE;
}

/* A host name goes to the SSH server, the log and the window as is, so it
 * must be text: valid UTF-8, no control characters (which includes NUL). */
static gboolean
host_name_is_text (const guint8 *name,
                   gsize         len)
{
  for (gsize i = 0; i < len; i++)
    if (name[i] < 0x20 || name[i] == 0x7f)
      return FALSE;

  return g_utf8_validate ((const char *) name, len, NULL);
}

/* Checks and stores a host name, for SOCKS 4a and SOCKS 5. The reply is set
 * to general failure, in case it fails. */
static gboolean
set_host_name (CulvertSocksParser *self,
               const guint8       *name,
               gsize               len)
{
  g_assert (len <= CULVERT_SOCKS_MAX_HOST);

  if (len == 0)
    {
      set_outcome_reply (self, CULVERT_SOCKS_OUTCOME_GENERAL_FAILURE);
      fail (self, CULVERT_SOCKS_ERROR_MALFORMED,
            _("The SOCKS client asked for an empty host name"));
      return FALSE;
    }

  if (!host_name_is_text (name, len))
    {
      set_outcome_reply (self, CULVERT_SOCKS_OUTCOME_GENERAL_FAILURE);
      fail (self, CULVERT_SOCKS_ERROR_MALFORMED,
            _("The SOCKS client asked for a host name that contains control characters "
              "or is not valid text"));
      return FALSE;
    }

  memcpy (self->request.host, name, len);
  self->request.host[len] = '\0';
  self->request.address_type = CULVERT_SOCKS_ADDRESS_DOMAIN;
  return TRUE;
}

static void
set_ipv4 (CulvertSocksParser *self,
          const guint8       *a)
{
  g_snprintf (self->request.host, sizeof self->request.host, "%u.%u.%u.%u",
              a[0], a[1], a[2], a[3]);
  self->request.address_type = CULVERT_SOCKS_ADDRESS_IPV4;
}

static void
set_ipv6 (CulvertSocksParser *self,
          const guint8       *a)
{
  const char *text;

  G_STATIC_ASSERT (sizeof ((CulvertSocksRequest *) 0)->host >= INET6_ADDRSTRLEN);

  text = inet_ntop (AF_INET6, a, self->request.host, sizeof self->request.host);
  g_assert (text != NULL);
  self->request.address_type = CULVERT_SOCKS_ADDRESS_IPV6;
}

static CulvertSocksStatus
fail_command (CulvertSocksParser *self)
{
  set_outcome_reply (self, CULVERT_SOCKS_OUTCOME_COMMAND_NOT_SUPPORTED);

  switch (self->command)
    {
    case SOCKS_CMD_BIND:
      return fail (self, CULVERT_SOCKS_ERROR_UNSUPPORTED_COMMAND,
                   _("The SOCKS client asked for BIND (to accept a connection), which is not "
                     "supported; only CONNECT is"));
    case SOCKS5_CMD_UDP_ASSOCIATE:
      if (self->version == CULVERT_SOCKS_VERSION_5)
        return fail (self, CULVERT_SOCKS_ERROR_UNSUPPORTED_COMMAND,
                     _("The SOCKS client asked for UDP ASSOCIATE (to relay UDP), which is not "
                       "supported; only CONNECT is"));
      G_GNUC_FALLTHROUGH;
    default:
      return fail (self, CULVERT_SOCKS_ERROR_UNSUPPORTED_COMMAND,
                   _("The SOCKS client sent an unknown command (%u); only CONNECT is supported"),
                   self->command);
    }
}

static CulvertSocksStatus
finish (CulvertSocksParser *self)
{
  self->request.version = self->version;
  self->state = STATE_DONE;
  return CULVERT_SOCKS_STATUS_REQUEST;
}

static CulvertSocksStatus
step_start (CulvertSocksParser *self,
            const guint8       *data,
            gsize               len,
            gsize              *pos)
{
  guint8 first;

  if (!fill_to (self, 1, data, len, pos))
    return CULVERT_SOCKS_STATUS_NEED_MORE;

  first = self->message[0];
  if (first == SOCKS4_VERSION)
    {
      self->version = CULVERT_SOCKS_VERSION_4;
      self->state = STATE_SOCKS4_HEADER;
      return CULVERT_SOCKS_STATUS_NEED_MORE;
    }
  if (first == SOCKS5_VERSION)
    {
      self->version = CULVERT_SOCKS_VERSION_5;
      self->state = STATE_SOCKS5_GREETING;
      return CULVERT_SOCKS_STATUS_NEED_MORE;
    }

  /* Another protocol: a reply would only be garbage to it. The common
   * mistake is a browser set up for an HTTP proxy ("CONNECT host:443"). */
  if (g_ascii_isupper (first))
    return fail (self, CULVERT_SOCKS_ERROR_NOT_SOCKS,
                 _("The client sent what looks like an HTTP request, not a SOCKS handshake; "
                   "it may be set up to use an HTTP proxy"));
  if (first == 0x16)
    return fail (self, CULVERT_SOCKS_ERROR_NOT_SOCKS,
                 _("The client started a TLS connection, not a SOCKS handshake"));
  return fail (self, CULVERT_SOCKS_ERROR_NOT_SOCKS,
               _("The client did not start a SOCKS handshake (its first byte was 0x%02x, "
                 "not 4 or 5)"), first);
}

/* VN CD DSTPORT(2) DSTIP(4) USERID NUL [HOST NUL] */
static CulvertSocksStatus
step_socks4 (CulvertSocksParser *self,
             const guint8       *data,
             gsize               len,
             gsize              *pos)
{
  const guint8 *ip = self->message + 4;

  switch (self->state)
    {
    case STATE_SOCKS4_HEADER:
      if (!fill_to (self, SOCKS4_HEADER_LEN, data, len, pos))
        return CULVERT_SOCKS_STATUS_NEED_MORE;
      self->command = self->message[1];
      self->request.port = (self->message[2] << 8) | self->message[3];
      /* 0.0.0.x with x != 0: SOCKS 4a, a host name follows the user id. */
      if (ip[0] == 0 && ip[1] == 0 && ip[2] == 0 && ip[3] != 0)
        self->version = CULVERT_SOCKS_VERSION_4A;
      self->field_start = self->message_len;
      self->state = STATE_SOCKS4_USER_ID;
      return CULVERT_SOCKS_STATUS_NEED_MORE;

    case STATE_SOCKS4_USER_ID:
      switch (fill_string (self, CULVERT_SOCKS_MAX_USER_ID, data, len, pos))
        {
        case FIELD_NEED_MORE:
          return CULVERT_SOCKS_STATUS_NEED_MORE;
        case FIELD_TOO_LONG:
          set_outcome_reply (self, CULVERT_SOCKS_OUTCOME_GENERAL_FAILURE);
          return fail (self, CULVERT_SOCKS_ERROR_TOO_LONG,
                       _("The SOCKS 4 client sent a user id longer than 255 bytes"));
        case FIELD_COMPLETE:
        default:
          break;
        }
      /* The user id is not used: the SSH login is what authenticates. */
      if (self->version == CULVERT_SOCKS_VERSION_4A)
        {
          self->field_start = self->message_len;
          self->state = STATE_SOCKS4_HOST;
          return CULVERT_SOCKS_STATUS_NEED_MORE;
        }
      if (self->command != SOCKS_CMD_CONNECT)
        return fail_command (self);
      set_ipv4 (self, ip);
      return finish (self);

    case STATE_SOCKS4_HOST:
      switch (fill_string (self, CULVERT_SOCKS_MAX_HOST, data, len, pos))
        {
        case FIELD_NEED_MORE:
          return CULVERT_SOCKS_STATUS_NEED_MORE;
        case FIELD_TOO_LONG:
          set_outcome_reply (self, CULVERT_SOCKS_OUTCOME_GENERAL_FAILURE);
          return fail (self, CULVERT_SOCKS_ERROR_TOO_LONG,
                       _("The SOCKS 4a client sent a host name longer than 255 bytes"));
        case FIELD_COMPLETE:
        default:
          break;
        }
      if (self->command != SOCKS_CMD_CONNECT)
        return fail_command (self);
      if (!set_host_name (self, self->message + self->field_start,
                          self->message_len - self->field_start - 1))
        return CULVERT_SOCKS_STATUS_FAILED;
      return finish (self);

    case STATE_START:
    case STATE_SOCKS5_GREETING:
    case STATE_SOCKS5_REQUEST:
    case STATE_DONE:
    case STATE_FAILED:
    default:
      break;
    }

  g_assert_not_reached ();
  return CULVERT_SOCKS_STATUS_FAILED;
}

/* VER NMETHODS METHODS(NMETHODS) */
static CulvertSocksStatus
step_socks5_greeting (CulvertSocksParser *self,
                      const guint8       *data,
                      gsize               len,
                      gsize              *pos)
{
  guint8 n_methods;
  const guint8 *methods;
  gboolean wants_password = FALSE;

  if (!fill_to (self, 2, data, len, pos))
    return CULVERT_SOCKS_STATUS_NEED_MORE;
  n_methods = self->message[1];
  if (!fill_to (self, 2 + n_methods, data, len, pos))
    return CULVERT_SOCKS_STATUS_NEED_MORE;

  methods = self->message + 2;
  for (guint i = 0; i < n_methods; i++)
    {
      if (methods[i] == SOCKS5_METHOD_NO_AUTH)
        {
          set_method_reply (self, SOCKS5_METHOD_NO_AUTH);
          self->message_len = 0;
          self->state = STATE_SOCKS5_REQUEST;
          return CULVERT_SOCKS_STATUS_REPLY_NEEDED;
        }
      if (methods[i] == SOCKS5_METHOD_USERNAME)
        wants_password = TRUE;
    }

  set_method_reply (self, SOCKS5_METHOD_NONE_ACCEPTABLE);
  if (wants_password)
    return fail (self, CULVERT_SOCKS_ERROR_NO_ACCEPTABLE_AUTH,
                 _("The SOCKS 5 client wants to log in with a user name and password, but "
                   "Culvert’s SOCKS proxy takes no authentication"));
  return fail (self, CULVERT_SOCKS_ERROR_NO_ACCEPTABLE_AUTH,
               _("The SOCKS 5 client offered no authentication method Culvert supports "
                 "(only “no authentication”)"));
}

/* VER CMD RSV ATYP DST.ADDR DST.PORT(2), DST.ADDR being 4 bytes (IPv4),
 * 16 (IPv6) or a length byte and that many (domain). */
static CulvertSocksStatus
step_socks5_request (CulvertSocksParser *self,
                     const guint8       *data,
                     gsize               len,
                     gsize              *pos)
{
  guint8 address_type;
  gsize address_start = 4;
  gsize address_len;
  const guint8 *address;
  const guint8 *port;

  if (!fill_to (self, 4, data, len, pos))
    return CULVERT_SOCKS_STATUS_NEED_MORE;

  if (self->message[0] != SOCKS5_VERSION)
    {
      set_outcome_reply (self, CULVERT_SOCKS_OUTCOME_GENERAL_FAILURE);
      return fail (self, CULVERT_SOCKS_ERROR_MALFORMED,
                   _("The SOCKS 5 client sent a request with version %u instead of 5"),
                   self->message[0]);
    }
  self->command = self->message[1];
  /* RSV should be 0; like OpenSSH, it is not checked. */
  address_type = self->message[3];

  switch (address_type)
    {
    case SOCKS5_ATYP_IPV4:
      address_len = 4;
      break;
    case SOCKS5_ATYP_IPV6:
      address_len = 16;
      break;
    case SOCKS5_ATYP_DOMAIN:
      if (!fill_to (self, 5, data, len, pos))
        return CULVERT_SOCKS_STATUS_NEED_MORE;
      address_start = 5;
      address_len = self->message[4];
      break;
    default:
      /* The address's length is unknown, so the request ends here. */
      if (self->command != SOCKS_CMD_CONNECT)
        return fail_command (self);
      set_outcome_reply (self, CULVERT_SOCKS_OUTCOME_ADDRESS_TYPE_NOT_SUPPORTED);
      return fail (self, CULVERT_SOCKS_ERROR_UNSUPPORTED_ADDRESS_TYPE,
                   _("The SOCKS 5 client sent an unknown address type (%u)"), address_type);
    }

  /* The whole request is read before a command is refused, so that closing
   * the connection does not discard the reply with unread bytes. */
  if (!fill_to (self, address_start + address_len + 2, data, len, pos))
    return CULVERT_SOCKS_STATUS_NEED_MORE;

  if (self->command != SOCKS_CMD_CONNECT)
    return fail_command (self);

  address = self->message + address_start;
  port = address + address_len;
  self->request.port = (port[0] << 8) | port[1];

  switch (address_type)
    {
    case SOCKS5_ATYP_IPV4:
      set_ipv4 (self, address);
      break;
    case SOCKS5_ATYP_IPV6:
      set_ipv6 (self, address);
      break;
    case SOCKS5_ATYP_DOMAIN:
    default:
      if (!set_host_name (self, address, address_len))
        return CULVERT_SOCKS_STATUS_FAILED;
      break;
    }

  return finish (self);
}

CulvertSocksStatus
culvert_socks_parser_feed (CulvertSocksParser  *self,
                           const guint8        *data,
                           gsize                len,
                           gsize               *consumed,
                           GError             **error)
{
  CulvertSocksStatus status = CULVERT_SOCKS_STATUS_NEED_MORE;
  gsize pos = 0;

  g_return_val_if_fail (self != NULL, CULVERT_SOCKS_STATUS_FAILED);
  g_return_val_if_fail (data != NULL || len == 0, CULVERT_SOCKS_STATUS_FAILED);
  g_return_val_if_fail (consumed != NULL, CULVERT_SOCKS_STATUS_FAILED);
  g_return_val_if_fail (error == NULL || *error == NULL, CULVERT_SOCKS_STATUS_FAILED);

  *consumed = 0;

  switch (self->state)
    {
    case STATE_DONE:
      return CULVERT_SOCKS_STATUS_REQUEST;

    case STATE_FAILED:
      if (error != NULL)
        *error = g_error_copy (self->error);
      return CULVERT_SOCKS_STATUS_FAILED;

    case STATE_START:
    case STATE_SOCKS4_HEADER:
    case STATE_SOCKS4_USER_ID:
    case STATE_SOCKS4_HOST:
    case STATE_SOCKS5_GREETING:
    case STATE_SOCKS5_REQUEST:
    default:
      break;
    }

  /* A reply is only good until the next call. */
  self->reply_len = 0;

  while (status == CULVERT_SOCKS_STATUS_NEED_MORE && pos < len)
    {
      gsize pos_before = pos;
      State state_before = self->state;

      switch (self->state)
        {
        case STATE_START:
          status = step_start (self, data, len, &pos);
          break;
        case STATE_SOCKS4_HEADER:
        case STATE_SOCKS4_USER_ID:
        case STATE_SOCKS4_HOST:
          status = step_socks4 (self, data, len, &pos);
          break;
        case STATE_SOCKS5_GREETING:
          status = step_socks5_greeting (self, data, len, &pos);
          break;
        case STATE_SOCKS5_REQUEST:
          status = step_socks5_request (self, data, len, &pos);
          break;
        case STATE_DONE:
        case STATE_FAILED:
        default:
          g_assert_not_reached ();
        }

      /* Every step reads a byte or moves on: a bug here is a crash in the
       * tests, not a worker spinning forever. */
      g_assert (pos > pos_before || self->state != state_before ||
                status != CULVERT_SOCKS_STATUS_NEED_MORE);
    }

  *consumed = pos;

  if (status == CULVERT_SOCKS_STATUS_FAILED && error != NULL)
    *error = g_error_copy (self->error);

  return status;
}

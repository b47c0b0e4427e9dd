/* culvert-socks.h — the SOCKS 4, 4a and 5 handshake, as a pure parser
 *
 * The server side of a dynamic (`-D`) forward: a client connects to the
 * local listener and says where it wants to go. This parser turns the
 * bytes it sends into that destination, and builds the bytes to answer
 * with. It does no I/O, no name lookups and no allocation after
 * culvert_socks_parser_new(); the worker owns the socket, the channel and
 * the clock.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A host name on the wire is at most 255 bytes (SOCKS 5 has a one-byte
 * length; SOCKS 4a is held to the same), and so is a SOCKS 4 user id. */
#define CULVERT_SOCKS_MAX_HOST 255
#define CULVERT_SOCKS_MAX_USER_ID 255

/* The longest handshake the parser accepts, in bytes: a SOCKS 4a request
 * with a 255-byte user id and a 255-byte host name (8 + 256 + 256). A SOCKS 5
 * greeting and request together are at most 257 + 262 = 519. */
#define CULVERT_SOCKS_MAX_HANDSHAKE 520

/* The longest reply: SOCKS 5 with an IPv4 bound address. */
#define CULVERT_SOCKS_MAX_REPLY 10

#define CULVERT_SOCKS_ERROR (culvert_socks_error_quark ())

/**
 * CulvertSocksError:
 * @CULVERT_SOCKS_ERROR_NOT_SOCKS: the first byte is neither 4 nor 5 (often an
 *   HTTP or TLS client pointed at the SOCKS port); no reply is sent
 * @CULVERT_SOCKS_ERROR_MALFORMED: a SOCKS message that is not well formed: a
 *   wrong version byte after the first message, an empty host name, a host
 *   name that is not text
 * @CULVERT_SOCKS_ERROR_TOO_LONG: a SOCKS 4 user id or SOCKS 4a host name
 *   longer than 255 bytes
 * @CULVERT_SOCKS_ERROR_NO_ACCEPTABLE_AUTH: the SOCKS 5 client offered no
 *   authentication method Culvert accepts (only "no authentication")
 * @CULVERT_SOCKS_ERROR_UNSUPPORTED_COMMAND: BIND, UDP ASSOCIATE or an unknown
 *   command; only CONNECT is supported
 * @CULVERT_SOCKS_ERROR_UNSUPPORTED_ADDRESS_TYPE: a SOCKS 5 address type other
 *   than IPv4, IPv6 and domain name
 *
 * The messages are translated sentences about what the client did.
 */
typedef enum
{
  CULVERT_SOCKS_ERROR_NOT_SOCKS,
  CULVERT_SOCKS_ERROR_MALFORMED,
  CULVERT_SOCKS_ERROR_TOO_LONG,
  CULVERT_SOCKS_ERROR_NO_ACCEPTABLE_AUTH,
  CULVERT_SOCKS_ERROR_UNSUPPORTED_COMMAND,
  CULVERT_SOCKS_ERROR_UNSUPPORTED_ADDRESS_TYPE,
} CulvertSocksError;

GQuark culvert_socks_error_quark (void);

/**
 * CulvertSocksVersion:
 * @CULVERT_SOCKS_VERSION_4: SOCKS 4, an IPv4 destination
 * @CULVERT_SOCKS_VERSION_4A: SOCKS 4a, a host name the server resolves
 * @CULVERT_SOCKS_VERSION_5: SOCKS 5 (RFC 1928)
 */
typedef enum
{
  CULVERT_SOCKS_VERSION_4,
  CULVERT_SOCKS_VERSION_4A,
  CULVERT_SOCKS_VERSION_5,
} CulvertSocksVersion;

/**
 * CulvertSocksAddressType:
 * @CULVERT_SOCKS_ADDRESS_IPV4: the host is an IPv4 address in dotted text
 * @CULVERT_SOCKS_ADDRESS_IPV6: the host is an IPv6 address in RFC 5952 text
 *   (no brackets)
 * @CULVERT_SOCKS_ADDRESS_DOMAIN: the host is a name exactly as the client
 *   sent it (SOCKS 5 domain or SOCKS 4a host), to be resolved by the SSH
 *   server, never on this computer
 */
typedef enum
{
  CULVERT_SOCKS_ADDRESS_IPV4,
  CULVERT_SOCKS_ADDRESS_IPV6,
  CULVERT_SOCKS_ADDRESS_DOMAIN,
} CulvertSocksAddressType;

/**
 * CulvertSocksRequest:
 * @version: which protocol the client spoke; replies must use the same
 * @address_type: what @host is
 * @host: the destination host, NUL-terminated, valid UTF-8 without control
 *   characters, never empty
 * @port: the destination port in host byte order; 0 is passed through as
 *   the client sent it (the SSH server refuses it, as with `ssh -D`)
 *
 * A complete CONNECT request. The command is always CONNECT: the parser
 * fails on every other command.
 */
typedef struct
{
  CulvertSocksVersion      version;
  CulvertSocksAddressType  address_type;
  char                     host[CULVERT_SOCKS_MAX_HOST + 1];
  guint16                  port;
} CulvertSocksRequest;

/**
 * CulvertSocksStatus:
 * @CULVERT_SOCKS_STATUS_NEED_MORE: every byte was consumed and the handshake
 *   is not complete: read more and feed again
 * @CULVERT_SOCKS_STATUS_REPLY_NEEDED: send culvert_socks_parser_get_reply()
 *   (SOCKS 5 method selection, "no authentication"), then feed the bytes
 *   after the consumed ones, if any, and whatever the client sends next
 * @CULVERT_SOCKS_STATUS_REQUEST: the request is complete:
 *   culvert_socks_parser_get_request(). The bytes after the consumed ones
 *   are the start of the client's stream and go to the channel once it is
 *   open.
 * @CULVERT_SOCKS_STATUS_FAILED: the handshake failed (the #GError says why):
 *   send culvert_socks_parser_get_reply() when it is not empty, then close
 */
typedef enum
{
  CULVERT_SOCKS_STATUS_NEED_MORE,
  CULVERT_SOCKS_STATUS_REPLY_NEEDED,
  CULVERT_SOCKS_STATUS_REQUEST,
  CULVERT_SOCKS_STATUS_FAILED,
} CulvertSocksStatus;

/**
 * CulvertSocksOutcome:
 * @CULVERT_SOCKS_OUTCOME_SUCCEEDED: the channel is open
 * @CULVERT_SOCKS_OUTCOME_GENERAL_FAILURE: any other failure
 * @CULVERT_SOCKS_OUTCOME_CONNECTION_REFUSED: the destination refused
 * @CULVERT_SOCKS_OUTCOME_NETWORK_UNREACHABLE: no route to the destination's network
 * @CULVERT_SOCKS_OUTCOME_HOST_UNREACHABLE: the destination did not answer or
 *   its name did not resolve
 * @CULVERT_SOCKS_OUTCOME_COMMAND_NOT_SUPPORTED: a command other than CONNECT
 * @CULVERT_SOCKS_OUTCOME_ADDRESS_TYPE_NOT_SUPPORTED: an unknown address type
 * @CULVERT_SOCKS_OUTCOME_NOT_ALLOWED: the SSH server's policy does not allow
 *   it (PermitOpen, no-port-forwarding, …)
 *
 * What became of a request, whatever the protocol: the worker picks one
 * from why the channel open failed, and culvert_socks_outcome_to_code()
 * turns it into each version's reply code.
 */
typedef enum
{
  CULVERT_SOCKS_OUTCOME_SUCCEEDED,
  CULVERT_SOCKS_OUTCOME_GENERAL_FAILURE,
  CULVERT_SOCKS_OUTCOME_CONNECTION_REFUSED,
  CULVERT_SOCKS_OUTCOME_NETWORK_UNREACHABLE,
  CULVERT_SOCKS_OUTCOME_HOST_UNREACHABLE,
  CULVERT_SOCKS_OUTCOME_COMMAND_NOT_SUPPORTED,
  CULVERT_SOCKS_OUTCOME_ADDRESS_TYPE_NOT_SUPPORTED,
  CULVERT_SOCKS_OUTCOME_NOT_ALLOWED,
} CulvertSocksOutcome;

/**
 * CulvertSocksParser:
 *
 * One client's handshake, fed bytes as they arrive in chunks of any size
 * (one byte at a time gives the same result as all at once). It holds at
 * most %CULVERT_SOCKS_MAX_HANDSHAKE bytes and never allocates after it is
 * created; a client that sends more than a handshake can hold fails with
 * %CULVERT_SOCKS_ERROR_TOO_LONG.
 *
 * It has no clock: a client that connects and sends nothing, or half a
 * handshake, waits forever as far as the parser knows. The caller closes
 * clients that have not reached %CULVERT_SOCKS_STATUS_REQUEST within its
 * handshake timeout, and frees the parser (or keeps only the request) once
 * the handshake is over.
 *
 * Supported: SOCKS 4 CONNECT, SOCKS 4a (0.0.0.x and a host name), SOCKS 5
 * with "no authentication" and CONNECT to an IPv4, IPv6 or domain address.
 * Everything else fails with the reply each protocol has for it: SOCKS 4
 * rejects with 0x5B; SOCKS 5 answers 0xFF to a greeting without "no
 * authentication", 0x07 to BIND, UDP ASSOCIATE and unknown commands, 0x08 to
 * an unknown address type and 0x01 to a malformed request. A first byte
 * other than 4 or 5 gets no reply at all: the client speaks another
 * protocol and would not understand one.
 *
 * A typical loop, in the worker:
 * |[<!-- language="C" -->
 * status = culvert_socks_parser_feed (parser, buf, len, &consumed, &error);
 * switch (status)
 *   {
 *   case CULVERT_SOCKS_STATUS_REPLY_NEEDED:  // send the reply, feed buf + consumed
 *   case CULVERT_SOCKS_STATUS_REQUEST:       // open the channel; buf + consumed is data
 *   case CULVERT_SOCKS_STATUS_FAILED:        // send the reply if any, log error, close
 *   case CULVERT_SOCKS_STATUS_NEED_MORE:     // read again
 *   }
 * ]|
 */
typedef struct _CulvertSocksParser CulvertSocksParser;

CulvertSocksParser        *culvert_socks_parser_new         (void);
void                       culvert_socks_parser_free        (CulvertSocksParser  *self);

/**
 * culvert_socks_parser_feed:
 * @self: a parser
 * @data: (array length=len) (nullable): bytes from the client
 * @len: how many
 * @consumed: (out): how many of @data belong to the handshake message that
 *   ended (or to the handshake, for %CULVERT_SOCKS_STATUS_NEED_MORE: all of
 *   them); the rest are not looked at
 * @error: set when %CULVERT_SOCKS_STATUS_FAILED is returned
 *
 * Stops at the end of each message that needs an answer, so a SOCKS 5
 * client that sends its greeting and its request in one write gets
 * %CULVERT_SOCKS_STATUS_REPLY_NEEDED first and the request on the next call.
 *
 * Once the handshake is over (%CULVERT_SOCKS_STATUS_REQUEST or
 * %CULVERT_SOCKS_STATUS_FAILED) every later call returns the same status
 * (and error) again and consumes nothing.
 */
CulvertSocksStatus         culvert_socks_parser_feed        (CulvertSocksParser  *self,
                                                             const guint8        *data,
                                                             gsize                len,
                                                             gsize               *consumed,
                                                             GError             **error);

/**
 * culvert_socks_parser_get_reply:
 * @len: (out): the length of the reply, 0 when there is nothing to send
 *
 * Returns: (array length=len): the bytes to send to the client after the
 *   last culvert_socks_parser_feed() returned
 *   %CULVERT_SOCKS_STATUS_REPLY_NEEDED or %CULVERT_SOCKS_STATUS_FAILED, owned
 *   by the parser; otherwise empty. The reply to a complete request is the
 *   caller's, once it knows the outcome: culvert_socks_build_reply().
 */
const guint8              *culvert_socks_parser_get_reply   (CulvertSocksParser  *self,
                                                             gsize               *len);

/**
 * culvert_socks_parser_get_request:
 *
 * Returns: (nullable): the request, owned by the parser, once
 *   culvert_socks_parser_feed() has returned %CULVERT_SOCKS_STATUS_REQUEST;
 *   %NULL before and after a failure
 */
const CulvertSocksRequest *culvert_socks_parser_get_request (CulvertSocksParser  *self);

/**
 * culvert_socks_outcome_to_code:
 *
 * Returns: the reply code for @outcome in @version's protocol: SOCKS 4 and
 *   4a have only 0x5A (granted) and 0x5B (rejected); SOCKS 5 has 0x00
 *   succeeded, 0x01 general failure, 0x03 network unreachable, 0x04 host
 *   unreachable, 0x05 connection refused, 0x07 command not supported and
 *   0x08 address type not supported
 */
guint8                     culvert_socks_outcome_to_code    (CulvertSocksVersion  version,
                                                             CulvertSocksOutcome  outcome);

/**
 * culvert_socks_build_reply:
 * @version: the request's version
 * @outcome: what became of the request
 * @reply: (out caller-allocates): room for %CULVERT_SOCKS_MAX_REPLY bytes
 *
 * Builds the reply to a request, with 0.0.0.0 port 0 as the bound address,
 * as OpenSSH sends: SOCKS 4 and 4a `00 CD 00 00 00 00 00 00`, SOCKS 5
 * `05 REP 00 01 00 00 00 00 00 00`.
 *
 * Returns: the length of the reply: 8 for SOCKS 4 and 4a, 10 for SOCKS 5
 */
gsize                      culvert_socks_build_reply        (CulvertSocksVersion  version,
                                                             CulvertSocksOutcome  outcome,
                                                             guint8              *reply);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CulvertSocksParser, culvert_socks_parser_free)

G_END_DECLS

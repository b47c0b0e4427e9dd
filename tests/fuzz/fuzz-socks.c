/* fuzz-socks.c — libFuzzer target for the SOCKS handshake parser
 *
 * Input: the client's bytes. The handshake is run twice, all at once and in
 * chunks whose sizes come from the input itself, and both runs must end the
 * same way at the same byte, within CULVERT_SOCKS_MAX_HANDSHAKE, with a
 * request that is well formed text or an error with a message.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "culvert-socks.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

typedef struct
{
  CulvertSocksStatus   status;
  gsize                end;
  guint                n_method_replies;
  guint8               reply[CULVERT_SOCKS_MAX_REPLY];
  gsize                reply_len;
  CulvertSocksRequest  request;
  int                  error_code;
} Outcome;

#define check(expr) G_STMT_START { if (!(expr)) abort (); } G_STMT_END

/* Chunk sizes cycle through the bytes of the input (1–8 bytes each), or
 * everything at once when @chunked is FALSE. */
static void
run (const guint8 *data,
     gsize         size,
     gboolean      chunked,
     Outcome      *out)
{
  g_autoptr(CulvertSocksParser) parser = culvert_socks_parser_new ();
  gsize pos = 0;
  guint turn = 0;

  memset (out, 0, sizeof *out);
  out->status = CULVERT_SOCKS_STATUS_NEED_MORE;
  out->error_code = -1;

  while (pos < size)
    {
      g_autoptr(GError) error = NULL;
      gsize chunk = chunked ? (gsize) (data[turn++ % size] % 8) + 1 : size;
      gsize n = MIN (chunk, size - pos);
      gsize consumed = G_MAXSIZE;
      const guint8 *reply;
      gsize reply_len;
      CulvertSocksStatus status;

      status = culvert_socks_parser_feed (parser, data + pos, n, &consumed, &error);
      check (consumed <= n);
      pos += consumed;
      check (pos <= CULVERT_SOCKS_MAX_HANDSHAKE);
      reply = culvert_socks_parser_get_reply (parser, &reply_len);
      check (reply_len <= CULVERT_SOCKS_MAX_REPLY);

      switch (status)
        {
        case CULVERT_SOCKS_STATUS_NEED_MORE:
          check (consumed == n && error == NULL && reply_len == 0);
          check (culvert_socks_parser_get_request (parser) == NULL);
          break;

        case CULVERT_SOCKS_STATUS_REPLY_NEEDED:
          check (consumed > 0 && error == NULL);
          check (reply_len == 2 && reply[0] == 5 && reply[1] == 0);
          out->n_method_replies++;
          break;

        case CULVERT_SOCKS_STATUS_REQUEST:
          check (error == NULL && reply_len == 0);
          out->request = *culvert_socks_parser_get_request (parser);
          out->status = status;
          out->end = pos;
          return;

        case CULVERT_SOCKS_STATUS_FAILED:
          check (error != NULL && error->domain == CULVERT_SOCKS_ERROR);
          check (error->message != NULL && error->message[0] != '\0');
          check (reply_len == 0 || reply_len == 2 || reply_len == 8 || reply_len == 10);
          check (culvert_socks_parser_get_request (parser) == NULL);
          memcpy (out->reply, reply, reply_len);
          out->reply_len = reply_len;
          out->error_code = error->code;
          out->status = status;
          out->end = pos;

          /* The end is final. */
          g_clear_error (&error);
          check (culvert_socks_parser_feed (parser, data, size, &consumed, &error) ==
                 CULVERT_SOCKS_STATUS_FAILED && consumed == 0 && error != NULL);
          return;

        default:
          abort ();
        }
    }

  out->end = pos;
}

static void
check_request (const CulvertSocksRequest *request)
{
  gsize len = strnlen (request->host, sizeof request->host);

  check (len > 0 && len < sizeof request->host);
  check (g_utf8_validate (request->host, len, NULL));
  for (gsize i = 0; i < len; i++)
    check ((guchar) request->host[i] >= 0x20 && request->host[i] != 0x7f);

  switch (request->address_type)
    {
    case CULVERT_SOCKS_ADDRESS_IPV4:
      check (request->version != CULVERT_SOCKS_VERSION_4A);
      check (g_hostname_is_ip_address (request->host) && strchr (request->host, ':') == NULL);
      break;
    case CULVERT_SOCKS_ADDRESS_IPV6:
      check (request->version == CULVERT_SOCKS_VERSION_5);
      check (g_hostname_is_ip_address (request->host) && strchr (request->host, ':') != NULL);
      break;
    case CULVERT_SOCKS_ADDRESS_DOMAIN:
      check (request->version != CULVERT_SOCKS_VERSION_4);
      break;
    default:
      abort ();
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  Outcome whole;
  Outcome chunks;

  run (data, size, FALSE, &whole);
  run (data, size, TRUE, &chunks);

  /* However the bytes arrive, the handshake ends the same way. */
  check (whole.status == chunks.status);
  check (whole.end == chunks.end);
  check (whole.n_method_replies == chunks.n_method_replies);
  check (whole.n_method_replies <= 1);
  check (whole.error_code == chunks.error_code);
  check (whole.reply_len == chunks.reply_len);
  check (memcmp (whole.reply, chunks.reply, whole.reply_len) == 0);

  if (whole.status == CULVERT_SOCKS_STATUS_REQUEST)
    {
      check (whole.request.version == chunks.request.version);
      check (whole.request.address_type == chunks.request.address_type);
      check (whole.request.port == chunks.request.port);
      check (strcmp (whole.request.host, chunks.request.host) == 0);
      check_request (&whole.request);
    }

  if (whole.status == CULVERT_SOCKS_STATUS_NEED_MORE)
    check (whole.end == size);

  return 0;
}

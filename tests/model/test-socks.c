/* test-socks.c — the SOCKS 4, 4a and 5 handshake parser and its replies
 *
 * Every handshake in the tables is also fed in every chunk size down to one
 * byte at a time, cut short at every byte, and followed by bytes of the
 * client's stream that must be left alone.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <string.h>

#include "culvert-socks.h"

/* A byte string and its length, NULs included; compared with assert_bytes(). */
#define BYTES(s) s, sizeof (s) - 1
#define assert_bytes(got, got_len, ...) g_assert_cmpmem (got, got_len, __VA_ARGS__)

#define V4 CULVERT_SOCKS_VERSION_4
#define V4A CULVERT_SOCKS_VERSION_4A
#define V5 CULVERT_SOCKS_VERSION_5
#define IPV4 CULVERT_SOCKS_ADDRESS_IPV4
#define IPV6 CULVERT_SOCKS_ADDRESS_IPV6
#define DOMAIN CULVERT_SOCKS_ADDRESS_DOMAIN

/* SOCKS 5 greeting offering only "no authentication", and its answer. */
#define GREETING "\x05\x01\x00"
#define NO_AUTH "\x05\x00"

/* SOCKS 4 and 5 replies with 0.0.0.0:0 as the bound address. */
#define S4_REJECTED "\x00\x5b\x00\x00\x00\x00\x00\x00"
#define S5_REPLY(code) "\x05" code "\x00\x01\x00\x00\x00\x00\x00\x00"

/* What became of one handshake fed in chunks. */
typedef struct
{
  CulvertSocksStatus   status;         /* REQUEST, FAILED, or NEED_MORE when the bytes ran out */
  gsize                end;            /* where the handshake ended in the input */
  GString             *method_replies; /* every REPLY_NEEDED reply, in order */
  GByteArray          *reply;          /* the reply that came with FAILED */
  CulvertSocksRequest  request;
  GError              *error;
} Run;

static void
run_clear (Run *r)
{
  g_string_free (r->method_replies, TRUE);
  g_byte_array_unref (r->reply);
  g_clear_error (&r->error);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* Feeds @bytes to a new parser @chunk bytes at a time, sending (recording)
 * each method reply and going on with the rest of the chunk, until the
 * handshake ends or the bytes run out. */
static void
run_handshake (const char *bytes,
               gsize       len,
               gsize       chunk,
               Run        *r)
{
  g_autoptr(CulvertSocksParser) parser = culvert_socks_parser_new ();
  const guint8 *data = (const guint8 *) bytes;
  gsize pos = 0;

  memset (r, 0, sizeof *r);
  r->method_replies = g_string_new (NULL);
  r->reply = g_byte_array_new ();
  r->status = CULVERT_SOCKS_STATUS_NEED_MORE;

  while (pos < len)
    {
      gsize n = MIN (chunk, len - pos);
      gsize off = 0;

      while (off < n)
        {
          g_autoptr(GError) error = NULL;
          const guint8 *reply;
          gsize reply_len;
          gsize consumed = G_MAXSIZE;
          CulvertSocksStatus status;

          status = culvert_socks_parser_feed (parser, data + pos + off, n - off, &consumed,
                                              &error);
          g_assert_cmpuint (consumed, <=, n - off);
          off += consumed;
          reply = culvert_socks_parser_get_reply (parser, &reply_len);
          g_assert_cmpuint (reply_len, <=, CULVERT_SOCKS_MAX_REPLY);

          switch (status)
            {
            case CULVERT_SOCKS_STATUS_NEED_MORE:
              g_assert_no_error (error);
              g_assert_cmpuint (off, ==, n);
              g_assert_cmpuint (reply_len, ==, 0);
              g_assert_null (culvert_socks_parser_get_request (parser));
              break;

            case CULVERT_SOCKS_STATUS_REPLY_NEEDED:
              g_assert_no_error (error);
              g_assert_cmpuint (consumed, >, 0);
              g_assert_cmpuint (reply_len, >, 0);
              g_string_append_len (r->method_replies, (const char *) reply, reply_len);
              g_assert_null (culvert_socks_parser_get_request (parser));
              break;

            case CULVERT_SOCKS_STATUS_REQUEST:
              g_assert_no_error (error);
              g_assert_cmpuint (reply_len, ==, 0);
              g_assert_nonnull (culvert_socks_parser_get_request (parser));
              r->request = *culvert_socks_parser_get_request (parser);
              r->status = status;
              r->end = pos + off;
              return;

            case CULVERT_SOCKS_STATUS_FAILED:
              g_assert_nonnull (error);
              g_assert_null (culvert_socks_parser_get_request (parser));
              g_byte_array_append (r->reply, reply, reply_len);
              r->error = g_steal_pointer (&error);
              r->status = status;
              r->end = pos + off;
              return;

            default:
              g_assert_not_reached ();
            }
        }

      pos += n;
    }

  r->end = pos;
}

static const struct {
  const char              *name;
  const char              *bytes;
  gsize                    len;
  CulvertSocksVersion      version;
  CulvertSocksAddressType  address_type;
  const char              *host;
  guint16                  port;
  gboolean                 method_reply;   /* SOCKS 5: one {5, 0} on the way */
} good_cases[] = {
  { "socks4", BYTES ("\x04\x01\x00\x50\x0a\x00\x00\x05\x00"),
    V4, IPV4, "10.0.0.5", 80, FALSE },
  { "socks4-user-id", BYTES ("\x04\x01\x1f\x90\xc0\xa8\x01\x02" "alice\x00"),
    V4, IPV4, "192.168.1.2", 8080, FALSE },
  { "socks4-address-zero", BYTES ("\x04\x01\x00\x50\x00\x00\x00\x00\x00"),
    V4, IPV4, "0.0.0.0", 80, FALSE },
  { "socks4-port-zero", BYTES ("\x04\x01\x00\x00\x7f\x00\x00\x01\x00"),
    V4, IPV4, "127.0.0.1", 0, FALSE },
  { "socks4-top", BYTES ("\x04\x01\xff\xff\xff\xff\xff\xff\x00"),
    V4, IPV4, "255.255.255.255", 65535, FALSE },
  { "socks4a", BYTES ("\x04\x01\x01\xbb\x00\x00\x00\x01\x00" "example.org\x00"),
    V4A, DOMAIN, "example.org", 443, FALSE },
  { "socks4a-user-id", BYTES ("\x04\x01\x01\xbb\x00\x00\x00\xff" "bob\x00" "intranet\x00"),
    V4A, DOMAIN, "intranet", 443, FALSE },
  { "socks4a-literal", BYTES ("\x04\x01\x00\x16\x00\x00\x00\x07\x00" "10.1.2.3\x00"),
    V4A, DOMAIN, "10.1.2.3", 22, FALSE },
  { "socks5-ipv4", BYTES (GREETING "\x05\x01\x00\x01\xc0\xa8\x01\x02\x00\x16"),
    V5, IPV4, "192.168.1.2", 22, TRUE },
  { "socks5-ipv6", BYTES (GREETING "\x05\x01\x00\x04"
                          "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"
                          "\x01\xbb"),
    V5, IPV6, "2001:db8::1", 443, TRUE },
  { "socks5-ipv6-any", BYTES (GREETING "\x05\x01\x00\x04"
                              "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                              "\x00\x50"),
    V5, IPV6, "::", 80, TRUE },
  { "socks5-ipv6-mapped", BYTES (GREETING "\x05\x01\x00\x04"
                                 "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x01\x02\x03\x04"
                                 "\x00\x50"),
    V5, IPV6, "::ffff:1.2.3.4", 80, TRUE },
  { "socks5-domain", BYTES (GREETING "\x05\x01\x00\x03\x0b" "example.org" "\x00\x50"),
    V5, DOMAIN, "example.org", 80, TRUE },
  { "socks5-domain-literal", BYTES (GREETING "\x05\x01\x00\x03\x08" "10.0.0.1" "\x00\x50"),
    V5, DOMAIN, "10.0.0.1", 80, TRUE },
  { "socks5-domain-utf8", BYTES (GREETING "\x05\x01\x00\x03\x0f" "b\xc3\xbc" "cher.example"
                                 "\x01\xbb"),
    V5, DOMAIN, "b\xc3\xbc" "cher.example", 443, TRUE },
  { "socks5-domain-one", BYTES (GREETING "\x05\x01\x00\x03\x01" "x" "\x00\x50"),
    V5, DOMAIN, "x", 80, TRUE },
  { "socks5-port-zero", BYTES (GREETING "\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x00"),
    V5, IPV4, "127.0.0.1", 0, TRUE },
  { "socks5-port-top", BYTES (GREETING "\x05\x01\x00\x01\x7f\x00\x00\x01\xff\xff"),
    V5, IPV4, "127.0.0.1", 65535, TRUE },
  { "socks5-reserved-ignored", BYTES (GREETING "\x05\x01\x7e\x01\x7f\x00\x00\x01\x00\x50"),
    V5, IPV4, "127.0.0.1", 80, TRUE },
  { "socks5-password-then-none", BYTES ("\x05\x02\x02\x00" "\x05\x01\x00\x01\x7f\x00\x00\x01"
                                        "\x00\x50"),
    V5, IPV4, "127.0.0.1", 80, TRUE },
  { "socks5-many-methods", BYTES ("\x05\x05\x01\x02\x80\xfe\x00" "\x05\x01\x00\x01\x7f\x00\x00"
                                  "\x01\x00\x50"),
    V5, IPV4, "127.0.0.1", 80, TRUE },
};

static void
check_good_run (guint       i,
                const Run  *r,
                gsize       len)
{
  g_assert_no_error (r->error);
  g_assert_cmpint (r->status, ==, CULVERT_SOCKS_STATUS_REQUEST);
  g_assert_cmpuint (r->end, ==, len);
  g_assert_cmpint (r->request.version, ==, good_cases[i].version);
  g_assert_cmpint (r->request.address_type, ==, good_cases[i].address_type);
  g_assert_cmpstr (r->request.host, ==, good_cases[i].host);
  g_assert_cmpuint (r->request.port, ==, good_cases[i].port);
  if (good_cases[i].method_reply)
    assert_bytes (r->method_replies->str, r->method_replies->len, BYTES (NO_AUTH));
  else
    g_assert_cmpuint (r->method_replies->len, ==, 0);
}

static void
test_good (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (good_cases); i++)
    {
      const char *bytes = good_cases[i].bytes;
      gsize len = good_cases[i].len;

      g_test_message ("%s", good_cases[i].name);

      /* In every chunk size, from all at once down to one byte at a time. */
      for (gsize chunk = len; chunk >= 1; chunk--)
        {
          g_auto(Run) r;

          run_handshake (bytes, len, chunk, &r);
          check_good_run (i, &r, len);
        }
    }
}

static void
test_good_trailing_bytes (void)
{
  static const char stream[] = "GET / HTTP/1.1\r\nHost: example.org\r\n\r\n";

  for (guint i = 0; i < G_N_ELEMENTS (good_cases); i++)
    {
      g_autoptr(GByteArray) input = g_byte_array_new ();
      gsize len = good_cases[i].len;

      g_test_message ("%s", good_cases[i].name);
      g_byte_array_append (input, (const guint8 *) good_cases[i].bytes, len);
      g_byte_array_append (input, (const guint8 *) stream, sizeof stream - 1);

      /* The request ends where it ends; the client's first bytes are left. */
      for (gsize chunk = input->len; chunk >= 1; chunk--)
        {
          g_auto(Run) r;

          run_handshake ((const char *) input->data, input->len, chunk, &r);
          check_good_run (i, &r, len);
          g_assert_cmpmem (input->data + r.end, input->len - r.end, stream, sizeof stream - 1);
        }
    }
}

static void
test_good_truncated (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (good_cases); i++)
    {
      g_test_message ("%s", good_cases[i].name);

      /* Cut short at every byte, whole or a byte at a time: waiting, all consumed. */
      for (gsize cut = 0; cut < good_cases[i].len; cut++)
        {
          const gsize chunks[] = { MAX (cut, 1), 1 };

          for (guint c = 0; c < G_N_ELEMENTS (chunks); c++)
            {
              g_auto(Run) r;

              run_handshake (good_cases[i].bytes, cut, chunks[c], &r);
              g_assert_no_error (r.error);
              g_assert_cmpint (r.status, ==, CULVERT_SOCKS_STATUS_NEED_MORE);
              g_assert_cmpuint (r.end, ==, cut);
              g_assert_cmpuint (r.reply->len, ==, 0);
              /* SOCKS 5: the method reply is sent once the greeting is in. */
              if (r.method_replies->len > 0)
                {
                  g_assert_true (good_cases[i].method_reply);
                  assert_bytes (r.method_replies->str, r.method_replies->len, BYTES (NO_AUTH));
                }
            }
        }
    }
}

static const struct {
  const char        *name;
  const char        *bytes;
  gsize              len;
  CulvertSocksError  code;
  gsize              end;            /* where the handshake stops: the rest is not read */
  const char        *reply;          /* sent before closing */
  gsize              reply_len;
  const char        *message_part;   /* the error message says so */
} bad_cases[] = {
  { "http", BYTES ("GET / HTTP/1.1\r\n"), CULVERT_SOCKS_ERROR_NOT_SOCKS, 1, BYTES (""), "HTTP" },
  { "http-connect", BYTES ("CONNECT example.org:443 HTTP/1.1\r\n"),
    CULVERT_SOCKS_ERROR_NOT_SOCKS, 1, BYTES (""), "HTTP proxy" },
  { "tls", BYTES ("\x16\x03\x01\x02\x00"), CULVERT_SOCKS_ERROR_NOT_SOCKS, 1, BYTES (""), "TLS" },
  { "version-0", BYTES ("\x00\x01\x00\x50"), CULVERT_SOCKS_ERROR_NOT_SOCKS, 1, BYTES (""), "0x00" },
  { "version-6", BYTES ("\x06\x01\x00"), CULVERT_SOCKS_ERROR_NOT_SOCKS, 1, BYTES (""), "0x06" },
  { "version-ff", BYTES ("\xff"), CULVERT_SOCKS_ERROR_NOT_SOCKS, 1, BYTES (""), "0xff" },

  { "socks4-bind", BYTES ("\x04\x02\x00\x15\x0a\x00\x00\x05" "user\x00" "more"),
    CULVERT_SOCKS_ERROR_UNSUPPORTED_COMMAND, 13, BYTES (S4_REJECTED), "BIND" },
  { "socks4-command-3", BYTES ("\x04\x03\x00\x15\x0a\x00\x00\x05\x00"),
    CULVERT_SOCKS_ERROR_UNSUPPORTED_COMMAND, 9, BYTES (S4_REJECTED), "unknown command (3)" },
  { "socks4-command-0", BYTES ("\x04\x00\x00\x15\x0a\x00\x00\x05\x00"),
    CULVERT_SOCKS_ERROR_UNSUPPORTED_COMMAND, 9, BYTES (S4_REJECTED), "unknown command (0)" },
  { "socks4a-bind", BYTES ("\x04\x02\x00\x15\x00\x00\x00\x01\x00" "ftp.example.org\x00"),
    CULVERT_SOCKS_ERROR_UNSUPPORTED_COMMAND, 25, BYTES (S4_REJECTED), "BIND" },
  { "socks4a-empty-host", BYTES ("\x04\x01\x00\x50\x00\x00\x00\x01\x00\x00"),
    CULVERT_SOCKS_ERROR_MALFORMED, 10, BYTES (S4_REJECTED), "empty host name" },
  { "socks4a-control-host", BYTES ("\x04\x01\x00\x50\x00\x00\x00\x01\x00" "ex\nample\x00"),
    CULVERT_SOCKS_ERROR_MALFORMED, 18, BYTES (S4_REJECTED), "not valid text" },
  { "socks4a-binary-host", BYTES ("\x04\x01\x00\x50\x00\x00\x00\x01\x00" "\xff\xfe\x00"),
    CULVERT_SOCKS_ERROR_MALFORMED, 12, BYTES (S4_REJECTED), "not valid text" },

  { "socks5-no-methods", BYTES ("\x05\x00" "\x05\x01\x00\x01"),
    CULVERT_SOCKS_ERROR_NO_ACCEPTABLE_AUTH, 2, BYTES ("\x05\xff"), "no authentication method" },
  { "socks5-password-only", BYTES ("\x05\x01\x02"),
    CULVERT_SOCKS_ERROR_NO_ACCEPTABLE_AUTH, 3, BYTES ("\x05\xff"), "user name and password" },
  { "socks5-gssapi-only", BYTES ("\x05\x02\x01\x80"),
    CULVERT_SOCKS_ERROR_NO_ACCEPTABLE_AUTH, 4, BYTES ("\x05\xff"), "no authentication method" },
  { "socks5-bind", BYTES (GREETING "\x05\x02\x00\x01\x0a\x00\x00\x05\x00\x15" "more"),
    CULVERT_SOCKS_ERROR_UNSUPPORTED_COMMAND, 13, BYTES (S5_REPLY ("\x07")), "BIND" },
  { "socks5-udp-associate", BYTES (GREETING "\x05\x03\x00\x01\x00\x00\x00\x00\x00\x00"),
    CULVERT_SOCKS_ERROR_UNSUPPORTED_COMMAND, 13, BYTES (S5_REPLY ("\x07")), "UDP ASSOCIATE" },
  { "socks5-command-9", BYTES (GREETING "\x05\x09\x00\x03\x01x\x00\x50"),
    CULVERT_SOCKS_ERROR_UNSUPPORTED_COMMAND, 11, BYTES (S5_REPLY ("\x07")), "unknown command (9)" },
  { "socks5-address-type-2", BYTES (GREETING "\x05\x01\x00\x02\x7f\x00\x00\x01\x00\x50"),
    CULVERT_SOCKS_ERROR_UNSUPPORTED_ADDRESS_TYPE, 7, BYTES (S5_REPLY ("\x08")), "type (2)" },
  { "socks5-address-type-0", BYTES (GREETING "\x05\x01\x00\x00"),
    CULVERT_SOCKS_ERROR_UNSUPPORTED_ADDRESS_TYPE, 7, BYTES (S5_REPLY ("\x08")), "type (0)" },
  { "socks5-address-type-ff", BYTES (GREETING "\x05\x01\x00\xff"),
    CULVERT_SOCKS_ERROR_UNSUPPORTED_ADDRESS_TYPE, 7, BYTES (S5_REPLY ("\x08")), "type (255)" },
  { "socks5-bind-address-type-5", BYTES (GREETING "\x05\x02\x00\x05"),
    CULVERT_SOCKS_ERROR_UNSUPPORTED_COMMAND, 7, BYTES (S5_REPLY ("\x07")), "BIND" },
  { "socks5-request-version-4", BYTES (GREETING "\x04\x01\x00\x01\x7f\x00\x00\x01\x00\x50"),
    CULVERT_SOCKS_ERROR_MALFORMED, 7, BYTES (S5_REPLY ("\x01")), "version 4" },
  { "socks5-empty-domain", BYTES (GREETING "\x05\x01\x00\x03\x00\x00\x50" "data"),
    CULVERT_SOCKS_ERROR_MALFORMED, 10, BYTES (S5_REPLY ("\x01")), "empty host name" },
  { "socks5-nul-in-domain", BYTES (GREETING "\x05\x01\x00\x03\x03" "a\x00" "b" "\x00\x50"),
    CULVERT_SOCKS_ERROR_MALFORMED, 13, BYTES (S5_REPLY ("\x01")), "not valid text" },
  { "socks5-del-in-domain", BYTES (GREETING "\x05\x01\x00\x03\x03" "a\x7f" "b" "\x00\x50"),
    CULVERT_SOCKS_ERROR_MALFORMED, 13, BYTES (S5_REPLY ("\x01")), "not valid text" },
  { "socks5-latin1-domain", BYTES (GREETING "\x05\x01\x00\x03\x03" "b\xfc" "c" "\x00\x50"),
    CULVERT_SOCKS_ERROR_MALFORMED, 13, BYTES (S5_REPLY ("\x01")), "not valid text" },
};

static void
check_bad_run (guint      i,
               const Run *r)
{
  g_assert_cmpint (r->status, ==, CULVERT_SOCKS_STATUS_FAILED);
  g_assert_error (r->error, CULVERT_SOCKS_ERROR, (int) bad_cases[i].code);
  g_assert_nonnull (strstr (r->error->message, bad_cases[i].message_part));
  g_assert_cmpuint (r->end, ==, bad_cases[i].end);
  g_assert_cmpmem (r->reply->data, r->reply->len, bad_cases[i].reply, bad_cases[i].reply_len);
}

static void
test_bad (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      const char *bytes = bad_cases[i].bytes;
      gsize len = bad_cases[i].len;

      g_test_message ("%s", bad_cases[i].name);

      for (gsize chunk = len; chunk >= 1; chunk--)
        {
          g_auto(Run) r;

          run_handshake (bytes, len, chunk, &r);
          check_bad_run (i, &r);
        }

      /* Cut short before the point where it fails: still waiting. */
      for (gsize cut = 0; cut < bad_cases[i].end; cut++)
        {
          g_auto(Run) r;

          run_handshake (bytes, cut, 1, &r);
          g_assert_no_error (r.error);
          g_assert_cmpint (r.status, ==, CULVERT_SOCKS_STATUS_NEED_MORE);
          g_assert_cmpuint (r.end, ==, cut);
        }
    }
}

static void
test_bad_is_final (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autoptr(CulvertSocksParser) parser = culvert_socks_parser_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) again = NULL;
      const guint8 *bytes = (const guint8 *) bad_cases[i].bytes;
      CulvertSocksStatus status;
      const guint8 *reply;
      gsize reply_len;
      gsize pos = 0;
      gsize consumed;

      g_test_message ("%s", bad_cases[i].name);

      do
        {
          status = culvert_socks_parser_feed (parser, bytes + pos, bad_cases[i].len - pos,
                                              &consumed, &error);
          pos += consumed;
        }
      while (status == CULVERT_SOCKS_STATUS_REPLY_NEEDED);
      g_assert_cmpint (status, ==, CULVERT_SOCKS_STATUS_FAILED);
      g_assert_error (error, CULVERT_SOCKS_ERROR, (int) bad_cases[i].code);

      /* Later calls change nothing and read nothing. */
      g_assert_cmpint (culvert_socks_parser_feed (parser, (const guint8 *) "\x05\x01\x00", 3,
                                                  &consumed, &again),
                       ==, CULVERT_SOCKS_STATUS_FAILED);
      g_assert_cmpuint (consumed, ==, 0);
      g_assert_error (again, CULVERT_SOCKS_ERROR, (int) bad_cases[i].code);
      g_assert_cmpstr (again->message, ==, error->message);
      reply = culvert_socks_parser_get_reply (parser, &reply_len);
      g_assert_cmpmem (reply, reply_len, bad_cases[i].reply, bad_cases[i].reply_len);
      g_assert_null (culvert_socks_parser_get_request (parser));

      /* Without a GError to fill in, too. */
      g_assert_cmpint (culvert_socks_parser_feed (parser, NULL, 0, &consumed, NULL),
                       ==, CULVERT_SOCKS_STATUS_FAILED);
    }
}

static void
test_request_is_final (void)
{
  g_autoptr(CulvertSocksParser) parser = culvert_socks_parser_new ();
  const guint8 *request = (const guint8 *) "\x04\x01\x00\x50\x0a\x00\x00\x05\x00";
  const CulvertSocksRequest *got;
  gsize reply_len;
  gsize consumed = G_MAXSIZE;

  /* Nothing to feed is not an error. */
  g_assert_cmpint (culvert_socks_parser_feed (parser, NULL, 0, &consumed, NULL),
                   ==, CULVERT_SOCKS_STATUS_NEED_MORE);
  g_assert_cmpuint (consumed, ==, 0);

  g_assert_cmpint (culvert_socks_parser_feed (parser, request, 9, &consumed, NULL),
                   ==, CULVERT_SOCKS_STATUS_REQUEST);
  g_assert_cmpuint (consumed, ==, 9);
  got = culvert_socks_parser_get_request (parser);
  g_assert_cmpstr (got->host, ==, "10.0.0.5");

  g_assert_cmpint (culvert_socks_parser_feed (parser, request, 9, &consumed, NULL),
                   ==, CULVERT_SOCKS_STATUS_REQUEST);
  g_assert_cmpuint (consumed, ==, 0);
  g_assert_true (culvert_socks_parser_get_request (parser) == got);
  g_assert_cmpstr (got->host, ==, "10.0.0.5");
  (void) culvert_socks_parser_get_reply (parser, &reply_len);
  g_assert_cmpuint (reply_len, ==, 0);
}

/* A SOCKS 4 request whose user id and (for 4a) host name have these lengths. */
static GByteArray *
socks4_request (gsize user_id_len,
                gssize host_len)
{
  GByteArray *bytes = g_byte_array_new ();
  static const guint8 header4[] = { 4, 1, 0, 80, 10, 0, 0, 5 };
  static const guint8 header4a[] = { 4, 1, 0, 80, 0, 0, 0, 1 };
  static const guint8 nul = 0;

  g_byte_array_append (bytes, host_len < 0 ? header4 : header4a, 8);
  for (gsize i = 0; i < user_id_len; i++)
    g_byte_array_append (bytes, (const guint8 *) "u", 1);
  g_byte_array_append (bytes, &nul, 1);
  for (gssize i = 0; i < host_len; i++)
    g_byte_array_append (bytes, (const guint8 *) (i % 64 == 63 ? "." : "h"), 1);
  if (host_len >= 0)
    g_byte_array_append (bytes, &nul, 1);

  return bytes;
}

static void
test_limits_socks4 (void)
{
  static const struct {
    gsize       user_id_len;
    gssize      host_len;            /* -1: SOCKS 4 */
    gboolean    ok;
    gsize       end;                 /* when it fails */
    const char *message_part;
  } cases[] = {
    { 255, -1, TRUE, 0, NULL },
    { 256, -1, FALSE, 8 + 256, "user id longer than 255 bytes" },
    { 4096, -1, FALSE, 8 + 256, "user id longer than 255 bytes" },
    { 0, 255, TRUE, 0, NULL },
    { 255, 255, TRUE, 0, NULL },
    { 0, 256, FALSE, 8 + 1 + 256, "host name longer than 255 bytes" },
    { 255, 256, FALSE, 8 + 256 + 256, "host name longer than 255 bytes" },
    { 256, 255, FALSE, 8 + 256, "user id longer than 255 bytes" },
    { 0, 100000, FALSE, 8 + 1 + 256, "host name longer than 255 bytes" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GByteArray) bytes = socks4_request (cases[i].user_id_len, cases[i].host_len);

      g_test_message ("user id %zu, host %zd", cases[i].user_id_len, cases[i].host_len);

      /* All at once, a byte at a time, and in uneven chunks. */
      for (gsize chunk = 1; chunk <= bytes->len; chunk = chunk * 3 + 1)
        {
          g_auto(Run) r;

          run_handshake ((const char *) bytes->data, bytes->len, chunk, &r);
          if (cases[i].ok)
            {
              g_assert_no_error (r.error);
              g_assert_cmpint (r.status, ==, CULVERT_SOCKS_STATUS_REQUEST);
              g_assert_cmpuint (r.end, ==, bytes->len);
              g_assert_cmpuint (r.end, <=, CULVERT_SOCKS_MAX_HANDSHAKE);
              if (cases[i].host_len >= 0)
                g_assert_cmpuint (strlen (r.request.host), ==, cases[i].host_len);
            }
          else
            {
              g_assert_error (r.error, CULVERT_SOCKS_ERROR, CULVERT_SOCKS_ERROR_TOO_LONG);
              g_assert_nonnull (strstr (r.error->message, cases[i].message_part));
              g_assert_cmpuint (r.end, ==, cases[i].end);
              assert_bytes (r.reply->data, r.reply->len, BYTES (S4_REJECTED));
            }
        }
    }

  /* The longest handshake there is. */
  {
    g_autoptr(GByteArray) longest = socks4_request (255, 255);

    g_assert_cmpuint (longest->len, ==, CULVERT_SOCKS_MAX_HANDSHAKE);
  }
}

static void
test_limits_socks5 (void)
{
  for (guint domain_len = 0; domain_len <= 255; domain_len++)
    {
      g_autoptr(GByteArray) bytes = g_byte_array_new ();
      g_auto(Run) r;
      guint8 len_byte = domain_len;

      g_byte_array_append (bytes, (const guint8 *) BYTES (GREETING "\x05\x01\x00\x03"));
      g_byte_array_append (bytes, &len_byte, 1);
      for (guint j = 0; j < domain_len; j++)
        g_byte_array_append (bytes, (const guint8 *) "d", 1);
      g_byte_array_append (bytes, (const guint8 *) "\x01\xbb", 2);

      run_handshake ((const char *) bytes->data, bytes->len, 7, &r);
      if (domain_len == 0)
        {
          g_assert_error (r.error, CULVERT_SOCKS_ERROR, CULVERT_SOCKS_ERROR_MALFORMED);
          continue;
        }
      g_assert_no_error (r.error);
      g_assert_cmpuint (r.end, ==, bytes->len);
      g_assert_cmpuint (strlen (r.request.host), ==, domain_len);
      g_assert_cmpuint (r.request.port, ==, 443);
    }

  /* The longest greeting: all 255 methods, "no authentication" last. */
  {
    g_autoptr(GByteArray) bytes = g_byte_array_new ();
    g_auto(Run) r;

    g_byte_array_append (bytes, (const guint8 *) "\x05\xff", 2);
    for (guint8 m = 0xfe; m > 0; m--)
      g_byte_array_append (bytes, &m, 1);
    g_byte_array_append (bytes, (const guint8 *) "\x00", 1);
    g_assert_cmpuint (bytes->len, ==, 257);
    g_byte_array_append (bytes,
                         (const guint8 *) BYTES ("\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x50"));

    run_handshake ((const char *) bytes->data, bytes->len, 1, &r);
    g_assert_no_error (r.error);
    g_assert_cmpuint (r.end, ==, bytes->len);
    assert_bytes (r.method_replies->str, r.method_replies->len, BYTES (NO_AUTH));
  }
}

static void
test_replies (void)
{
  static const struct {
    CulvertSocksVersion  version;
    CulvertSocksOutcome  outcome;
    guint8               code;
  } cases[] = {
    { V4, CULVERT_SOCKS_OUTCOME_SUCCEEDED, 0x5a },
    { V4, CULVERT_SOCKS_OUTCOME_GENERAL_FAILURE, 0x5b },
    { V4, CULVERT_SOCKS_OUTCOME_CONNECTION_REFUSED, 0x5b },
    { V4, CULVERT_SOCKS_OUTCOME_NETWORK_UNREACHABLE, 0x5b },
    { V4, CULVERT_SOCKS_OUTCOME_HOST_UNREACHABLE, 0x5b },
    { V4, CULVERT_SOCKS_OUTCOME_COMMAND_NOT_SUPPORTED, 0x5b },
    { V4, CULVERT_SOCKS_OUTCOME_ADDRESS_TYPE_NOT_SUPPORTED, 0x5b },
    { V4, CULVERT_SOCKS_OUTCOME_NOT_ALLOWED, 0x5b },
    { V4A, CULVERT_SOCKS_OUTCOME_SUCCEEDED, 0x5a },
    { V4A, CULVERT_SOCKS_OUTCOME_CONNECTION_REFUSED, 0x5b },
    { V4A, CULVERT_SOCKS_OUTCOME_HOST_UNREACHABLE, 0x5b },
    { V5, CULVERT_SOCKS_OUTCOME_SUCCEEDED, 0x00 },
    { V5, CULVERT_SOCKS_OUTCOME_GENERAL_FAILURE, 0x01 },
    { V5, CULVERT_SOCKS_OUTCOME_NOT_ALLOWED, 0x02 },
    { V5, CULVERT_SOCKS_OUTCOME_NETWORK_UNREACHABLE, 0x03 },
    { V5, CULVERT_SOCKS_OUTCOME_HOST_UNREACHABLE, 0x04 },
    { V5, CULVERT_SOCKS_OUTCOME_CONNECTION_REFUSED, 0x05 },
    { V5, CULVERT_SOCKS_OUTCOME_COMMAND_NOT_SUPPORTED, 0x07 },
    { V5, CULVERT_SOCKS_OUTCOME_ADDRESS_TYPE_NOT_SUPPORTED, 0x08 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint8 reply[CULVERT_SOCKS_MAX_REPLY + 4];
      gsize len;

      memset (reply, 0xaa, sizeof reply);
      g_assert_cmpuint (culvert_socks_outcome_to_code (cases[i].version, cases[i].outcome),
                        ==, cases[i].code);
      len = culvert_socks_build_reply (cases[i].version, cases[i].outcome, reply);

      if (cases[i].version == V5)
        {
          /* RFC 1928 §6: VER REP RSV ATYP BND.ADDR BND.PORT, bound to 0.0.0.0:0. */
          g_assert_cmpuint (len, ==, 10);
          g_assert_cmphex (reply[0], ==, 0x05);
          g_assert_cmphex (reply[1], ==, cases[i].code);
          g_assert_cmphex (reply[2], ==, 0x00);
          g_assert_cmphex (reply[3], ==, 0x01);
          for (guint j = 4; j < 10; j++)
            g_assert_cmphex (reply[j], ==, 0x00);
        }
      else
        {
          /* SOCKS 4: VN(0) CD DSTPORT DSTIP, ignored by clients, zero. */
          g_assert_cmpuint (len, ==, 8);
          g_assert_cmphex (reply[0], ==, 0x00);
          g_assert_cmphex (reply[1], ==, cases[i].code);
          for (guint j = 2; j < 8; j++)
            g_assert_cmphex (reply[j], ==, 0x00);
        }

      /* Nothing written past the reply's room. */
      for (guint j = CULVERT_SOCKS_MAX_REPLY; j < sizeof reply; j++)
        g_assert_cmphex (reply[j], ==, 0xaa);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/socks/good", test_good);
  g_test_add_func ("/socks/good-trailing-bytes", test_good_trailing_bytes);
  g_test_add_func ("/socks/good-truncated", test_good_truncated);
  g_test_add_func ("/socks/bad", test_bad);
  g_test_add_func ("/socks/bad-is-final", test_bad_is_final);
  g_test_add_func ("/socks/request-is-final", test_request_is_final);
  g_test_add_func ("/socks/limits-socks4", test_limits_socks4);
  g_test_add_func ("/socks/limits-socks5", test_limits_socks5);
  g_test_add_func ("/socks/replies", test_replies);

  return g_test_run ();
}

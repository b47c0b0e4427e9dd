/* test-forward.c — OpenSSH forward specs: parsing, formatting, address rules
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib-object.h>

#include "culvert-forward.h"

#define L CULVERT_FORWARD_LOCAL
#define R CULVERT_FORWARD_REMOTE
#define D CULVERT_FORWARD_DYNAMIC

static const struct {
  CulvertForwardKind  kind;
  const char         *spec;
  const char         *bind_address;
  guint16             bind_port;
  const char         *host;
  guint16             host_port;
  const char         *formatted;   /* NULL: same as spec */
} good_cases[] = {
  { L, "8080:intranet:80", NULL, 8080, "intranet", 80, NULL },
  { L, "127.0.0.1:8080:intranet:80", "127.0.0.1", 8080, "intranet", 80, NULL },
  { L, "localhost:8080:intranet:80", "localhost", 8080, "intranet", 80, NULL },
  { L, "*:8080:intranet:80", "*", 8080, "intranet", 80, NULL },
  { L, ":8080:intranet:80", "*", 8080, "intranet", 80, "*:8080:intranet:80" },
  { L, "0.0.0.0:8080:intranet:80", "0.0.0.0", 8080, "intranet", 80, NULL },
  { L, "[::1]:8080:[fe80::1%eth0]:22", "::1", 8080, "fe80::1%eth0", 22, NULL },
  { L, "[::]:3306:db.internal:3306", "::", 3306, "db.internal", 3306, NULL },
  { L, "1:localhost:65535", NULL, 1, "localhost", 65535, NULL },
  { L, "110:pop3.example.org:110", NULL, 110, "pop3.example.org", 110, NULL },
  { L, "8080:10.0.0.5:80", NULL, 8080, "10.0.0.5", 80, NULL },
  { L, "08080:host:0080", NULL, 8080, "host", 80, "8080:host:80" },
  { R, "9000:localhost:3000", NULL, 9000, "localhost", 3000, NULL },
  { R, "0:localhost:22", NULL, 0, "localhost", 22, NULL },
  { R, "*:9000:localhost:3000", "*", 9000, "localhost", 3000, NULL },
  { R, ":9000:localhost:3000", "*", 9000, "localhost", 3000, "*:9000:localhost:3000" },
  { R, "192.168.1.2:9000:[2001:db8::5]:80", "192.168.1.2", 9000, "2001:db8::5", 80, NULL },
  { R, "9000", NULL, 9000, NULL, 0, NULL },
  { R, "0", NULL, 0, NULL, 0, NULL },
  { R, "*:9000", "*", 9000, NULL, 0, NULL },
  { R, "[::1]:9000", "::1", 9000, NULL, 0, NULL },
  { D, "1080", NULL, 1080, NULL, 0, NULL },
  { D, "localhost:1080", "localhost", 1080, NULL, 0, NULL },
  { D, "*:1080", "*", 1080, NULL, 0, NULL },
  { D, ":1080", "*", 1080, NULL, 0, "*:1080" },
  { D, "[::1]:1080", "::1", 1080, NULL, 0, NULL },
  { D, "192.168.1.4:1080", "192.168.1.4", 1080, NULL, 0, NULL },
};

static void
test_parse_good (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (good_cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CulvertForward) forward = NULL;
      g_autoptr(CulvertForward) again = NULL;
      g_autofree char *formatted = NULL;

      g_test_message ("%s %s", culvert_forward_kind_to_flag (good_cases[i].kind),
                      good_cases[i].spec);
      forward = culvert_forward_parse (good_cases[i].kind, good_cases[i].spec, &error);
      g_assert_no_error (error);
      g_assert_nonnull (forward);
      g_assert_cmpint (culvert_forward_get_kind (forward), ==, good_cases[i].kind);
      g_assert_cmpstr (culvert_forward_get_bind_address (forward), ==, good_cases[i].bind_address);
      g_assert_cmpuint (culvert_forward_get_bind_port (forward), ==, good_cases[i].bind_port);
      g_assert_cmpstr (culvert_forward_get_destination_host (forward), ==, good_cases[i].host);
      g_assert_cmpuint (culvert_forward_get_destination_port (forward), ==,
                        good_cases[i].host_port);
      g_assert_true (culvert_forward_get_enabled (forward));
      g_assert_null (culvert_forward_get_description (forward));
      g_assert_cmpint (culvert_forward_is_reverse_dynamic (forward), ==,
                       good_cases[i].kind == R && good_cases[i].host == NULL);

      /* Formatting gives OpenSSH syntax that parses back to the same forward. */
      formatted = culvert_forward_to_string (forward);
      g_assert_cmpstr (formatted, ==, good_cases[i].formatted ? good_cases[i].formatted
                                                              : good_cases[i].spec);
      again = culvert_forward_parse (good_cases[i].kind, formatted, &error);
      g_assert_no_error (error);
      g_assert_true (culvert_forward_equal (forward, again));
    }
}

static const struct {
  CulvertForwardKind  kind;
  const char         *spec;
  CulvertForwardError code;
  const char         *message;
} bad_cases[] = {
  { L, "", CULVERT_FORWARD_ERROR_INVALID_SYNTAX, "The forward is empty" },
  { L, "8080", CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
    "“8080” has no destination: expected [bind_address:]port:host:hostport" },
  { L, "8080:intranet", CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
    "“8080:intranet” has no destination: expected [bind_address:]port:host:hostport" },
  { L, "70000:intranet:80", CULVERT_FORWARD_ERROR_INVALID_PORT,
    "Listening port 70000 is out of range (1–65535)" },
  { L, "8080:intranet:70000", CULVERT_FORWARD_ERROR_INVALID_PORT,
    "Destination port 70000 is out of range (1–65535)" },
  { L, "0:intranet:80", CULVERT_FORWARD_ERROR_INVALID_PORT,
    "Listening port 0 is out of range (1–65535)" },
  { R, "9000:localhost:0", CULVERT_FORWARD_ERROR_INVALID_PORT,
    "Destination port 0 is out of range (1–65535)" },
  { R, "65536:localhost:22", CULVERT_FORWARD_ERROR_INVALID_PORT,
    "Listening port 65536 is out of range (0–65535)" },
  { L, "http:intranet:80", CULVERT_FORWARD_ERROR_INVALID_PORT,
    "The listening port “http” is not a number" },
  { L, "8080:intranet:http", CULVERT_FORWARD_ERROR_INVALID_PORT,
    "The destination port “http” is not a number" },
  { L, "-1:intranet:80", CULVERT_FORWARD_ERROR_INVALID_PORT,
    "The listening port “-1” is not a number" },
  { L, "8080:intranet:", CULVERT_FORWARD_ERROR_INVALID_PORT, "The destination port is missing" },
  { L, ":intranet:80", CULVERT_FORWARD_ERROR_INVALID_PORT, "The listening port is missing" },
  { L, "localhost::intranet:80", CULVERT_FORWARD_ERROR_INVALID_PORT,
    "The listening port is missing" },
  { L, "8080::80", CULVERT_FORWARD_ERROR_INVALID_HOST, "The destination host is missing" },
  { L, "8080:intra net:80", CULVERT_FORWARD_ERROR_INVALID_HOST,
    "The destination host “intra net” is not a valid host name or IP address" },
  { L, "8080:-oProxyCommand=x:80", CULVERT_FORWARD_ERROR_INVALID_HOST,
    "The destination host “-oProxyCommand=x” is not a valid host name or IP address" },
  { L, "8080:a..b:80", CULVERT_FORWARD_ERROR_INVALID_HOST,
    "The destination host “a..b” is not a valid host name or IP address" },
  { L, "bad host:8080:intranet:80", CULVERT_FORWARD_ERROR_INVALID_HOST,
    "The bind address “bad host” is not a valid host name or IP address" },
  { L, "[localhost]:8080:intranet:80", CULVERT_FORWARD_ERROR_INVALID_HOST,
    "Only IPv6 addresses go in brackets, not “localhost”" },
  { L, "8080:[intranet]:80", CULVERT_FORWARD_ERROR_INVALID_HOST,
    "Only IPv6 addresses go in brackets, not “intranet”" },
  { L, "[::1:8080:intranet:80", CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
    "“[::1:8080:intranet:80” has a “[” without a matching “]”" },
  { L, "::1]:8080:intranet:80", CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
    "“::1]:8080:intranet:80” has a “]” without a matching “[”" },
  { L, "[::1]8080:intranet:80", CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
    "In “[::1]8080:intranet:80”, a “]” must be followed by “:”" },
  { L, "::1:8080:intranet:80", CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
    "“::1:8080:intranet:80” has too many “:”-separated fields; IPv6 addresses go in brackets, "
    "as in [::1]" },
  { L, "8080:fe80::1:22", CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
    "“8080:fe80::1:22” has too many “:”-separated fields; IPv6 addresses go in brackets, "
    "as in [::1]" },
  { L, "a:1:b:2:c", CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
    "“a:1:b:2:c” has too many “:”-separated fields; IPv6 addresses go in brackets, "
    "as in [::1]" },
  { L, "[::1]:[8080]:intranet:80", CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
    "A port does not go in brackets: “[8080]”" },
  { L, "[]:8080:intranet:80", CULVERT_FORWARD_ERROR_INVALID_HOST,
    "Only IPv6 addresses go in brackets, not “”" },
  { L, "8080:[fe80::zz]:22", CULVERT_FORWARD_ERROR_INVALID_HOST,
    "The destination host “fe80::zz” is not a valid host name or IP address" },
  { L, "/tmp/l.sock", CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
    "“/tmp/l.sock” has no destination: expected [bind_address:]port:host:hostport" },
  { L, "8080:/run/app.sock:80", CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
    "“8080:/run/app.sock:80” names a socket path where a host or port goes" },
  { L, "/a.sock:8080", CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
    "“/a.sock:8080” names a socket path where a host or port goes" },
  { L, "h:1:/a.sock:2", CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
    "“h:1:/a.sock:2” names a socket path where a host or port goes" },
  { L, "0:/run/app.sock", CULVERT_FORWARD_ERROR_INVALID_PORT,
    "Listening port 0 is out of range (1–65535)" },
  { L, "/tmp/l.sock:intranet:0", CULVERT_FORWARD_ERROR_INVALID_PORT,
    "Destination port 0 is out of range (1–65535)" },
  { L, "/tmp/0123456789012345678901234567890123456789012345678901234567890123456789"
       "0123456789012345678901234567890123456789:/r.sock", CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
    "“/tmp/0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789” is not a socket path (one with “/”, no “:”, at "
    "most 107 bytes)" },
  { D, "1080:/run/app.sock", CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
    "“1080:/run/app.sock” is not a dynamic forward: expected [bind_address:]port" },
  { R, "9000:localhost:", CULVERT_FORWARD_ERROR_INVALID_PORT, "The destination port is missing" },
  { R, "bad host:9000", CULVERT_FORWARD_ERROR_INVALID_HOST,
    "The bind address “bad host” is not a valid host name or IP address" },
  { R, "70000", CULVERT_FORWARD_ERROR_INVALID_PORT,
    "Listening port 70000 is out of range (0–65535)" },
  { R, "x:localhost:22", CULVERT_FORWARD_ERROR_INVALID_PORT,
    "The listening port “x” is not a number" },
  { D, "", CULVERT_FORWARD_ERROR_INVALID_SYNTAX, "The forward is empty" },
  { D, "0", CULVERT_FORWARD_ERROR_INVALID_PORT, "Listening port 0 is out of range (1–65535)" },
  { D, "99999", CULVERT_FORWARD_ERROR_INVALID_PORT,
    "Listening port 99999 is out of range (1–65535)" },
  { D, "socks", CULVERT_FORWARD_ERROR_INVALID_PORT, "The listening port “socks” is not a number" },
  { D, "1080:intranet:80", CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
    "“1080:intranet:80” is not a dynamic forward: expected [bind_address:]port" },
  { D, "localhost:", CULVERT_FORWARD_ERROR_INVALID_PORT, "The listening port is missing" },
  { D, "loc@lhost:1080", CULVERT_FORWARD_ERROR_INVALID_HOST,
    "The bind address “loc@lhost” is not a valid host name or IP address" },
  { D, "[127.0.0.1]:1080", CULVERT_FORWARD_ERROR_INVALID_HOST,
    "Only IPv6 addresses go in brackets, not “127.0.0.1”" },
  { D, "1080 ", CULVERT_FORWARD_ERROR_INVALID_PORT, "The listening port “1080 ” is not a number" },
};

/* Unix-domain sockets, in OpenSSH's forms. */
static const struct {
  CulvertForwardKind  kind;
  const char         *spec;
  const char         *bind_address;
  guint16             bind_port;
  const char         *bind_path;
  const char         *host;
  guint16             host_port;
  const char         *destination_path;
} path_cases[] = {
  { L, "/tmp/x/docker.sock:/var/run/docker.sock", NULL, 0, "/tmp/x/docker.sock",
    NULL, 0, "/var/run/docker.sock" },
  { L, "/tmp/db.sock:db.internal:5432", NULL, 0, "/tmp/db.sock", "db.internal", 5432, NULL },
  { L, "8080:/run/app.sock", NULL, 8080, NULL, NULL, 0, "/run/app.sock" },
  { L, "127.0.0.1:8080:/run/app.sock", "127.0.0.1", 8080, NULL, NULL, 0, "/run/app.sock" },
  { L, "./rel.sock:host:22", NULL, 0, "./rel.sock", "host", 22, NULL },
  { R, "/run/r.sock:localhost:3000", NULL, 0, "/run/r.sock", "localhost", 3000, NULL },
  { R, "9000:/run/user/1/app.sock", NULL, 9000, NULL, NULL, 0, "/run/user/1/app.sock" },
  { R, "0:/run/app.sock", NULL, 0, NULL, NULL, 0, "/run/app.sock" },
  { R, "/run/r.sock:/run/l.sock", NULL, 0, "/run/r.sock", NULL, 0, "/run/l.sock" },
  { D, "/tmp/socks.sock", NULL, 0, "/tmp/socks.sock", NULL, 0, NULL },
};

static void
test_parse_paths (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (path_cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CulvertForward) forward = NULL;
      g_autoptr(CulvertForward) again = NULL;
      g_autoptr(CulvertForward) copy = NULL;
      g_autofree char *formatted = NULL;

      g_test_message ("%s %s", culvert_forward_kind_to_flag (path_cases[i].kind),
                      path_cases[i].spec);
      forward = culvert_forward_parse (path_cases[i].kind, path_cases[i].spec, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (culvert_forward_get_bind_address (forward), ==, path_cases[i].bind_address);
      g_assert_cmpuint (culvert_forward_get_bind_port (forward), ==, path_cases[i].bind_port);
      g_assert_cmpstr (culvert_forward_get_bind_path (forward), ==, path_cases[i].bind_path);
      g_assert_cmpstr (culvert_forward_get_destination_host (forward), ==, path_cases[i].host);
      g_assert_cmpuint (culvert_forward_get_destination_port (forward), ==,
                        path_cases[i].host_port);
      g_assert_cmpstr (culvert_forward_get_destination_path (forward), ==,
                       path_cases[i].destination_path);
      g_assert_false (culvert_forward_is_reverse_dynamic (forward));
      g_assert_true (culvert_forward_validate (forward, &error));
      g_assert_no_error (error);
      /* A socket file is local by nature. */
      g_assert_false (culvert_forward_is_off_host_full (forward, TRUE) &&
                      path_cases[i].bind_path != NULL);

      formatted = culvert_forward_to_string (forward);
      g_assert_cmpstr (formatted, ==, path_cases[i].spec);
      again = culvert_forward_parse (path_cases[i].kind, formatted, &error);
      g_assert_no_error (error);
      g_assert_true (culvert_forward_equal (forward, again));
      copy = culvert_forward_copy (forward);
      g_assert_true (culvert_forward_equal (forward, copy));

      /* Another path is another forward. */
      if (path_cases[i].destination_path != NULL)
        culvert_forward_set_destination_path (again, "/other/path.sock");
      else
        culvert_forward_set_bind_path (again, "/other/path.sock");
      g_assert_false (culvert_forward_equal (forward, again));
    }

  /* A path never stands with an address or a port on the same side. */
  {
    g_autoptr(CulvertForward) forward = culvert_forward_parse (L, "/a/l.sock:/a/r.sock", NULL);
    g_autoptr(GError) error = NULL;

    culvert_forward_set_destination_host (forward, "db");
    g_assert_false (culvert_forward_validate (forward, &error));
    g_assert_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_SYNTAX);
    g_clear_error (&error);
    culvert_forward_set_destination_host (forward, NULL);
    culvert_forward_set_bind_port (forward, 8080);
    g_assert_false (culvert_forward_validate (forward, &error));
    g_assert_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_SYNTAX);
    g_clear_error (&error);
    culvert_forward_set_bind_port (forward, 0);
    culvert_forward_set_destination_path (forward, "a:b/c");
    g_assert_false (culvert_forward_validate (forward, &error));
    g_assert_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_SYNTAX);
  }
}

static void
test_parse_bad (void)
{
  g_assert_cmpuint (G_N_ELEMENTS (bad_cases), >=, 40);

  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CulvertForward) forward = NULL;

      g_test_message ("%s %s", culvert_forward_kind_to_flag (bad_cases[i].kind),
                      bad_cases[i].spec);
      forward = culvert_forward_parse (bad_cases[i].kind, bad_cases[i].spec, &error);
      g_assert_null (forward);
      g_assert_error (error, CULVERT_FORWARD_ERROR, (int) bad_cases[i].code);
      g_assert_cmpstr (error->message, ==, bad_cases[i].message);
    }
}

static const struct {
  CulvertForwardKind  kind;
  const char         *spec;
  const char         *effective;
  const char         *effective_gateway_ports;
  gboolean            off_host;
  gboolean            off_host_gateway_ports;
} rule_cases[] = {
  /* This computer listens: loopback unless told otherwise. */
  { L, "8080:intranet:80", "localhost", "*", FALSE, TRUE },
  { L, "localhost:8080:intranet:80", "localhost", "localhost", FALSE, FALSE },
  { L, "127.0.0.1:8080:intranet:80", "127.0.0.1", "127.0.0.1", FALSE, FALSE },
  { L, "[::1]:8080:intranet:80", "::1", "::1", FALSE, FALSE },
  { L, "*:8080:intranet:80", "*", "*", TRUE, TRUE },
  { L, ":8080:intranet:80", "*", "*", TRUE, TRUE },
  { L, "0.0.0.0:8080:intranet:80", "0.0.0.0", "0.0.0.0", TRUE, TRUE },
  { L, "[::]:8080:intranet:80", "::", "::", TRUE, TRUE },
  { L, "192.168.1.5:8080:intranet:80", "192.168.1.5", "192.168.1.5", TRUE, TRUE },
  { L, "myhost.example.org:8080:intranet:80", "myhost.example.org", "myhost.example.org",
    TRUE, TRUE },
  { D, "1080", "localhost", "*", FALSE, TRUE },
  { D, "*:1080", "*", "*", TRUE, TRUE },
  { D, "10.0.0.2:1080", "10.0.0.2", "10.0.0.2", TRUE, TRUE },
  /* The server listens: what OpenSSH sends in the tcpip-forward request. */
  { R, "9000:localhost:3000", "localhost", "localhost", FALSE, FALSE },
  { R, "localhost:9000:localhost:3000", "localhost", "localhost", FALSE, FALSE },
  { R, "127.0.0.1:9000:localhost:3000", "127.0.0.1", "127.0.0.1", FALSE, FALSE },
  { R, "*:9000:localhost:3000", "", "", TRUE, TRUE },
  { R, ":9000:localhost:3000", "", "", TRUE, TRUE },
  { R, "0.0.0.0:9000:localhost:3000", "0.0.0.0", "0.0.0.0", TRUE, TRUE },
  { R, "10.1.2.3:9000:localhost:3000", "10.1.2.3", "10.1.2.3", TRUE, TRUE },
  /* A destination elsewhere is normal and not off-host. */
  { L, "8080:8.8.8.8:53", "localhost", "*", FALSE, TRUE },
};

static void
test_address_rules (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (rule_cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CulvertForward) forward = NULL;
      g_autofree char *effective = NULL;
      g_autofree char *effective_gateway_ports = NULL;

      g_test_message ("%s %s", culvert_forward_kind_to_flag (rule_cases[i].kind),
                      rule_cases[i].spec);
      forward = culvert_forward_parse (rule_cases[i].kind, rule_cases[i].spec, &error);
      g_assert_no_error (error);

      effective = culvert_forward_dup_effective_bind_address (forward);
      effective_gateway_ports = culvert_forward_dup_effective_bind_address_full (forward, TRUE);
      g_assert_cmpstr (effective, ==, rule_cases[i].effective);
      g_assert_cmpstr (effective_gateway_ports, ==, rule_cases[i].effective_gateway_ports);
      g_assert_cmpint (culvert_forward_is_off_host (forward), ==, rule_cases[i].off_host);
      g_assert_cmpint (culvert_forward_is_off_host_full (forward, TRUE), ==,
                       rule_cases[i].off_host_gateway_ports);
    }
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

static void
test_properties (void)
{
  g_autoptr(CulvertForward) forward = culvert_forward_new (CULVERT_FORWARD_LOCAL);
  g_autoptr(CulvertForward) copy = NULL;
  g_autofree char *bind = NULL;
  guint count = 0;

  g_assert_null (culvert_forward_get_bind_address (forward));
  g_assert_true (culvert_forward_get_enabled (forward));

  g_signal_connect (forward, "notify", G_CALLBACK (count_notify), &count);

  culvert_forward_set_bind_port (forward, 8080);
  g_assert_cmpuint (count, ==, 1);
  culvert_forward_set_bind_port (forward, 8080);
  g_assert_cmpuint (count, ==, 1);

  /* An empty entry in a form means “not given”, never every interface. */
  culvert_forward_set_bind_address (forward, "");
  g_assert_cmpuint (count, ==, 1);
  g_assert_null (culvert_forward_get_bind_address (forward));
  g_assert_false (culvert_forward_is_off_host (forward));

  culvert_forward_set_bind_address (forward, "0.0.0.0");
  g_assert_cmpuint (count, ==, 2);
  g_assert_true (culvert_forward_is_off_host (forward));

  g_object_set (forward, "destination-host", "intranet", "destination-port", 80,
                "description", "Wiki", "enabled", FALSE, NULL);
  g_assert_cmpuint (count, ==, 6);
  g_object_get (forward, "bind-address", &bind, NULL);
  g_assert_cmpstr (bind, ==, "0.0.0.0");

  copy = culvert_forward_copy (forward);
  g_assert_true (culvert_forward_equal (forward, copy));
  g_assert_cmpstr (culvert_forward_get_description (copy), ==, "Wiki");
  g_assert_false (culvert_forward_get_enabled (copy));

  culvert_forward_set_destination_host (copy, "INTRANET");
  g_assert_true (culvert_forward_equal (forward, copy));
  culvert_forward_set_destination_port (copy, 81);
  g_assert_false (culvert_forward_equal (forward, copy));
  culvert_forward_set_destination_port (copy, 80);
  culvert_forward_set_kind (copy, CULVERT_FORWARD_REMOTE);
  g_assert_false (culvert_forward_equal (forward, copy));
}

/* Forwards made without the parser (a saved file, a dialog) are checked
 * against the same rules; each damaged one says what is wrong. */
static void
test_validate (void)
{
  static const struct
  {
    CulvertForwardKind kind;
    const char *bind;
    guint16 port;
    const char *host;
    guint16 host_port;
    int error_code;  /* -1: valid */
  } cases[] = {
    { CULVERT_FORWARD_LOCAL, NULL, 8080, "db", 5432, -1 },
    { CULVERT_FORWARD_LOCAL, NULL, 18555, NULL, 0, CULVERT_FORWARD_ERROR_INVALID_HOST },
    { CULVERT_FORWARD_LOCAL, NULL, 18555, "", 0, CULVERT_FORWARD_ERROR_INVALID_HOST },
    { CULVERT_FORWARD_LOCAL, NULL, 18555, "db", 0, CULVERT_FORWARD_ERROR_INVALID_PORT },
    { CULVERT_FORWARD_LOCAL, NULL, 0, "db", 80, CULVERT_FORWARD_ERROR_INVALID_PORT },
    { CULVERT_FORWARD_LOCAL, "bad host!", 80, "db", 80, CULVERT_FORWARD_ERROR_INVALID_HOST },
    { CULVERT_FORWARD_LOCAL, "*", 80, "db", 80, -1 },
    { CULVERT_FORWARD_LOCAL, NULL, 80, "db\r\nX: y", 80, CULVERT_FORWARD_ERROR_INVALID_HOST },
    { CULVERT_FORWARD_DYNAMIC, NULL, 1080, NULL, 0, -1 },
    { CULVERT_FORWARD_DYNAMIC, NULL, 1080, "db", 80, CULVERT_FORWARD_ERROR_INVALID_SYNTAX },
    { CULVERT_FORWARD_REMOTE, NULL, 0, "localhost", 3000, -1 },
    { CULVERT_FORWARD_REMOTE, NULL, 9000, NULL, 0, -1 },   /* reverse dynamic */
    { CULVERT_FORWARD_REMOTE, NULL, 9000, "", 0, -1 },     /* the same */
    { CULVERT_FORWARD_REMOTE, NULL, 9000, NULL, 3000, CULVERT_FORWARD_ERROR_INVALID_HOST },
    { CULVERT_FORWARD_REMOTE, NULL, 9000, "localhost", 0, CULVERT_FORWARD_ERROR_INVALID_PORT },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(CulvertForward) forward = culvert_forward_new (cases[i].kind);
      g_autoptr(GError) error = NULL;
      gboolean valid;

      culvert_forward_set_bind_address (forward, cases[i].bind);
      culvert_forward_set_bind_port (forward, cases[i].port);
      culvert_forward_set_destination_host (forward, cases[i].host);
      culvert_forward_set_destination_port (forward, cases[i].host_port);
      valid = culvert_forward_validate (forward, &error);
      g_test_message ("case %u: %s", i, error != NULL ? error->message : "valid");
      if (cases[i].error_code < 0)
        {
          g_assert_no_error (error);
          g_assert_true (valid);
        }
      else
        {
          g_assert_false (valid);
          g_assert_error (error, CULVERT_FORWARD_ERROR, cases[i].error_code);
        }
      /* Valid remote forwards without a destination are reverse dynamic,
       * everywhere: the engine and the window ask this same function. */
      if (cases[i].kind == CULVERT_FORWARD_REMOTE && valid)
        g_assert_true (culvert_forward_is_reverse_dynamic (forward) == (cases[i].host_port == 0));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/forward/parse-good", test_parse_good);
  g_test_add_func ("/forward/parse-bad", test_parse_bad);
  g_test_add_func ("/forward/parse-paths", test_parse_paths);
  g_test_add_func ("/forward/address-rules", test_address_rules);
  g_test_add_func ("/forward/properties", test_properties);
  g_test_add_func ("/forward/validate", test_validate);

  return g_test_run ();
}

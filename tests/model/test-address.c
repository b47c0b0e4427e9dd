/* test-address.c — bind address classes, proxy bypass rules, ports, jump hosts
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>

#include "culvert-address.h"
#include "culvert-forward.h"

static const struct {
  const char          *address;
  CulvertAddressClass  expected;
} classify_cases[] = {
  { NULL, CULVERT_ADDRESS_WILDCARD },
  { "", CULVERT_ADDRESS_WILDCARD },
  { "*", CULVERT_ADDRESS_WILDCARD },
  { "0.0.0.0", CULVERT_ADDRESS_WILDCARD },
  { "::", CULVERT_ADDRESS_WILDCARD },
  { "[::]", CULVERT_ADDRESS_WILDCARD },
  { "localhost", CULVERT_ADDRESS_LOOPBACK },
  { "LocalHost", CULVERT_ADDRESS_LOOPBACK },
  { "127.0.0.1", CULVERT_ADDRESS_LOOPBACK },
  { "127.3.4.5", CULVERT_ADDRESS_LOOPBACK },
  { "::1", CULVERT_ADDRESS_LOOPBACK },
  { "[::1]", CULVERT_ADDRESS_LOOPBACK },
  { "0:0:0:0:0:0:0:1", CULVERT_ADDRESS_LOOPBACK },
  { "::ffff:127.0.0.1", CULVERT_ADDRESS_LOOPBACK },
  { "10.0.0.1", CULVERT_ADDRESS_PRIVATE },
  { "10.255.255.255", CULVERT_ADDRESS_PRIVATE },
  { "172.16.0.1", CULVERT_ADDRESS_PRIVATE },
  { "172.31.255.254", CULVERT_ADDRESS_PRIVATE },
  { "172.32.0.1", CULVERT_ADDRESS_PUBLIC },
  { "172.15.0.1", CULVERT_ADDRESS_PUBLIC },
  { "192.168.1.10", CULVERT_ADDRESS_PRIVATE },
  { "192.169.1.10", CULVERT_ADDRESS_PUBLIC },
  { "100.64.0.1", CULVERT_ADDRESS_PRIVATE },
  { "100.127.255.1", CULVERT_ADDRESS_PRIVATE },
  { "100.128.0.1", CULVERT_ADDRESS_PUBLIC },
  { "169.254.10.1", CULVERT_ADDRESS_PRIVATE },
  { "fd12:3456::1", CULVERT_ADDRESS_PRIVATE },
  { "fc00::1", CULVERT_ADDRESS_PRIVATE },
  { "fe80::1", CULVERT_ADDRESS_PRIVATE },
  { "fe80::1%eth0", CULVERT_ADDRESS_PRIVATE },
  { "[fe80::1%eth0]", CULVERT_ADDRESS_PRIVATE },
  { "febf::1", CULVERT_ADDRESS_PRIVATE },
  { "fec0::1", CULVERT_ADDRESS_PUBLIC },
  { "::ffff:192.168.0.1", CULVERT_ADDRESS_PRIVATE },
  { "8.8.8.8", CULVERT_ADDRESS_PUBLIC },
  { "2001:db8::1", CULVERT_ADDRESS_PUBLIC },
  { "example.org", CULVERT_ADDRESS_PUBLIC },
  { "myhost", CULVERT_ADDRESS_PUBLIC },
  { "localhost.example.org", CULVERT_ADDRESS_PUBLIC },
  { "127.0.0.1.example.org", CULVERT_ADDRESS_PUBLIC },
};

static void
test_classify (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (classify_cases); i++)
    {
      CulvertAddressClass got = culvert_address_classify (classify_cases[i].address);

      if (got != classify_cases[i].expected)
        g_error ("classify (%s): got %d, expected %d", classify_cases[i].address,
                 got, classify_cases[i].expected);
    }
}

static const struct {
  const char *list;
  const char *host;
  gboolean    expected;
} bypass_cases[] = {
  /* Defaults: numeric private addresses and single-label names. */
  { NULL, "10.1.2.3", TRUE },
  { "", "172.20.0.1", TRUE },
  { " , ,", "192.168.0.7", TRUE },
  { "", "169.254.1.1", TRUE },
  { "", "127.0.0.1", TRUE },
  { "", "::1", TRUE },
  { "", "[::1]", TRUE },
  { "", "fe80::1", TRUE },
  { "", "fd00::5", TRUE },
  { "", "printer", TRUE },
  { "", "localhost", TRUE },
  { "", "intranet.", TRUE },
  { "", "example.org", FALSE },
  { "", "8.8.8.8", FALSE },
  { "", "100.64.0.1", FALSE },
  { "", "172.32.0.1", FALSE },
  { "", "2001:db8::1", FALSE },
  /* A list replaces the defaults. */
  { "example.org", "10.1.2.3", FALSE },
  { "example.org", "printer", FALSE },
  /* Names and domain suffixes. */
  { "example.org", "example.org", TRUE },
  { "example.org", "a.example.org", TRUE },
  { "example.org", "a.b.Example.ORG", TRUE },
  { "example.org", "badexample.org", FALSE },
  { "example.org", "example.org.evil.net", FALSE },
  { ".example.org", "a.example.org", TRUE },
  { "example.org.", "a.example.org", TRUE },
  { "cern.ch, fnal.gov", "lxplus.cern.ch", TRUE },
  { "cern.ch, fnal.gov", "www.fnal.gov", TRUE },
  { "cern.ch, fnal.gov", "desy.de", FALSE },
  /* IP addresses compare as addresses, never as suffixes. */
  { "10.1.2.3", "10.1.2.3", TRUE },
  { "2.3", "10.1.2.3", FALSE },
  { "::1", "0:0::1", TRUE },
  { "[2001:db8::1]", "2001:db8::1", TRUE },
  { "1.2.3.4", "1.2.3.4.example.org", FALSE },
  /* Each * is exactly one field. */
  { "10.1.*.*", "10.1.200.3", TRUE },
  { "10.1.*.*", "10.2.200.3", FALSE },
  { "10.1.*", "10.1.200.3", FALSE },
  { "*.lab.example.org", "pc1.lab.example.org", TRUE },
  { "*.lab.example.org", "a.pc1.lab.example.org", FALSE },
  { "*.lab.example.org", "lab.example.org", FALSE },
  { "*", "printer", TRUE },
  { "*", "printer.local", FALSE },
  { "*", "::1", FALSE },
  { "*.*", "a.b", TRUE },
  { "web*.example.org", "web01.example.org", TRUE },
  { "web*.example.org", "db01.example.org", FALSE },
  { "foo.com, 10.*.*.*", "10.9.8.7", TRUE },
  { "foo.com, 10.*.*.*", "bar.com", FALSE },
  /* Many stars cost linear time (the fuzzer once found this taking 34 s). */
  { "a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    FALSE },
  { "a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
    TRUE },
};

static void
test_bypass (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bypass_cases); i++)
    {
      gboolean got = culvert_proxy_bypass_matches (bypass_cases[i].list, bypass_cases[i].host);

      if (got != bypass_cases[i].expected)
        g_error ("bypass (\"%s\", %s): got %d, expected %d", bypass_cases[i].list,
                 bypass_cases[i].host, got, bypass_cases[i].expected);
    }
}

static const struct {
  const char       *text;
  gboolean          allow_zero;
  CulvertPortField  field;
  int               expected;   /* -1: error */
  const char       *message;
} port_cases[] = {
  { "22", FALSE, CULVERT_PORT_FIELD_PORT, 22, NULL },
  { "1", FALSE, CULVERT_PORT_FIELD_PORT, 1, NULL },
  { "65535", FALSE, CULVERT_PORT_FIELD_PORT, 65535, NULL },
  { "0", TRUE, CULVERT_PORT_FIELD_LISTEN, 0, NULL },
  { "00080", FALSE, CULVERT_PORT_FIELD_PORT, 80, NULL },
  { "70000", FALSE, CULVERT_PORT_FIELD_PORT, -1, "Port 70000 is out of range (1–65535)" },
  { "65536", TRUE, CULVERT_PORT_FIELD_LISTEN, -1,
    "Listening port 65536 is out of range (0–65535)" },
  { "0", FALSE, CULVERT_PORT_FIELD_DESTINATION, -1,
    "Destination port 0 is out of range (1–65535)" },
  { "99999999999999999999999", FALSE, CULVERT_PORT_FIELD_PORT, -1,
    "Port 9999999999… is out of range (1–65535)" },
  { "", FALSE, CULVERT_PORT_FIELD_PORT, -1, "The port is missing" },
  { "", FALSE, CULVERT_PORT_FIELD_DESTINATION, -1, "The destination port is missing" },
  { "http", FALSE, CULVERT_PORT_FIELD_LISTEN, -1, "The listening port “http” is not a number" },
  { "-1", FALSE, CULVERT_PORT_FIELD_PORT, -1, "The port “-1” is not a number" },
  { "+80", FALSE, CULVERT_PORT_FIELD_PORT, -1, "The port “+80” is not a number" },
  { " 80", FALSE, CULVERT_PORT_FIELD_PORT, -1, "The port “ 80” is not a number" },
  { "8 0", FALSE, CULVERT_PORT_FIELD_DESTINATION, -1,
    "The destination port “8 0” is not a number" },
  { "0x50", FALSE, CULVERT_PORT_FIELD_PORT, -1, "The port “0x50” is not a number" },
};

static void
test_ports (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (port_cases); i++)
    {
      g_autoptr(GError) error = NULL;
      guint16 port = 12345;
      gboolean ok;

      ok = culvert_address_parse_port (port_cases[i].text, port_cases[i].allow_zero,
                                       port_cases[i].field, &port, &error);
      if (port_cases[i].expected >= 0)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpint (port, ==, port_cases[i].expected);
        }
      else
        {
          g_assert_false (ok);
          g_assert_error (error, CULVERT_FORWARD_ERROR, CULVERT_FORWARD_ERROR_INVALID_PORT);
          g_assert_cmpstr (error->message, ==, port_cases[i].message);
          g_assert_cmpint (port, ==, 12345);
        }
    }
}

static const struct {
  const char *text;
  const char *user;
  const char *host;
  guint16     port;
} jump_cases[] = {
  { "gw", NULL, "gw", 0 },
  { "alice@gw.example.org", "alice", "gw.example.org", 0 },
  { "alice@gw.example.org:2222", "alice", "gw.example.org", 2222 },
  { "gw:22", NULL, "gw", 22 },
  { "[2001:db8::1]:2200", NULL, "2001:db8::1", 2200 },
  { "bob@[fe80::1%eth0]", "bob", "fe80::1%eth0", 0 },
  { "ssh://carol@bastion:443", "carol", "bastion", 443 },
  { "first.last@example.com@gw", "first.last@example.com", "gw", 0 },
  { "10.0.0.1", NULL, "10.0.0.1", 0 },
};

static const struct {
  const char *text;
  int         code;
  const char *message;
} bad_jump_cases[] = {
  { "", CULVERT_FORWARD_ERROR_INVALID_HOST, "The jump host “” has no host name" },
  { "alice@", CULVERT_FORWARD_ERROR_INVALID_HOST, "The jump host “alice@” has no host name" },
  { "@gw", CULVERT_FORWARD_ERROR_INVALID_SYNTAX, "The jump host “@gw” has an empty user name" },
  { "gw:", CULVERT_FORWARD_ERROR_INVALID_PORT, "The port is missing" },
  { "gw:70000", CULVERT_FORWARD_ERROR_INVALID_PORT, "Port 70000 is out of range (1–65535)" },
  { "gw:ssh", CULVERT_FORWARD_ERROR_INVALID_PORT, "The port “ssh” is not a number" },
  { "2001:db8::1", CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
    "Put the IPv6 address of the jump host “2001:db8::1” in brackets" },
  { "[2001:db8::1", CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
    "The jump host “[2001:db8::1” has a “[” without a matching “]”" },
  { "[gw]:22", CULVERT_FORWARD_ERROR_INVALID_HOST, "Only IPv6 addresses go in brackets, not “gw”" },
  { "[::1]x", CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
    "The jump host “[::1]x” has text after its address" },
  { "gw host", CULVERT_FORWARD_ERROR_INVALID_HOST, "“gw host” is not a valid host name" },
  { "-oProxyCommand=x", CULVERT_FORWARD_ERROR_INVALID_HOST,
    "“-oProxyCommand=x” is not a valid host name" },
  { "a b@gw", CULVERT_FORWARD_ERROR_INVALID_SYNTAX,
    "The user name “a b” contains a space, “:” or “/”" },
};

static void
test_jump_hosts (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (jump_cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *user = NULL;
      g_autofree char *host = NULL;
      guint16 port = 1;

      g_assert_true (culvert_jump_host_parse (jump_cases[i].text, &user, &host, &port, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (user, ==, jump_cases[i].user);
      g_assert_cmpstr (host, ==, jump_cases[i].host);
      g_assert_cmpuint (port, ==, jump_cases[i].port);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad_jump_cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *host = NULL;

      g_test_message ("jump host: %s", bad_jump_cases[i].text);
      g_assert_false (culvert_jump_host_parse (bad_jump_cases[i].text, NULL, &host, NULL, &error));
      g_assert_error (error, CULVERT_FORWARD_ERROR, bad_jump_cases[i].code);
      g_assert_cmpstr (error->message, ==, bad_jump_cases[i].message);
      g_assert_null (host);
    }
}

static void
test_valid_hosts (void)
{
  const char *good[] = { "a", "example.org", "example.org.", "my_host-1", "10.0.0.1", "::1",
                         "fe80::1%eth0", "fe80::1%2", "fe80::1%enp0s31f6.10",
                         "xn--bcher-kva.example" };
  /* The zone is an interface: nothing that could end a protocol line. */
  const char *bad[] = { "", ".", "a..b", ".example.org", "-rf", "a b", "ex*ample", "[::1]",
                        "1:2", "host:22", "näme", "a/b",
                        "fe80::1%eth0\r\nX-Injected: yes", "fe80::1%eth0 x", "fe80::1%",
                        "fe80::1%eth0\n", "fe80::1%a/b", "fe80::1%0123456789abcdef" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    if (!culvert_address_is_valid_host (good[i]))
      g_error ("%s should be a valid host", good[i]);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    if (culvert_address_is_valid_host (bad[i]))
      g_error ("%s should not be a valid host", bad[i]);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/address/classify", test_classify);
  g_test_add_func ("/address/proxy-bypass", test_bypass);
  g_test_add_func ("/address/ports", test_ports);
  g_test_add_func ("/address/jump-hosts", test_jump_hosts);
  g_test_add_func ("/address/valid-hosts", test_valid_hosts);

  return g_test_run ();
}

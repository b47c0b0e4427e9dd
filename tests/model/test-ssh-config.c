/* test-ssh-config.c — importing ~/.ssh/config and exporting it back
 *
 * Runs in culvert-test-env, so HOME is a fresh temporary directory.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "culvert-ssh-config.h"
#include "model-test-util.h"

static GPtrArray *
build (const char              *text,
       CulvertSshImportReport **report_out)
{
  g_autoptr(CulvertSshConfig) config = culvert_ssh_config_new ();
  g_autoptr(CulvertSshImportReport) report = culvert_ssh_import_report_new ();
  GPtrArray *profiles;

  culvert_ssh_config_parse_data (config, text, strlen (text), "config");
  profiles = culvert_ssh_config_build_profiles (config, report);
  if (report_out != NULL)
    *report_out = g_steal_pointer (&report);
  return profiles;
}

static CulvertProfile *
profile_named (GPtrArray  *profiles,
               const char *name)
{
  for (guint i = 0; i < profiles->len; i++)
    if (g_strcmp0 (culvert_profile_get_name (g_ptr_array_index (profiles, i)), name) == 0)
      return g_ptr_array_index (profiles, i);
  return NULL;
}

static char *
forwards_to_string (CulvertProfile *profile)
{
  GListModel *forwards = culvert_profile_get_forwards (profile);
  GString *str = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (forwards); i++)
    {
      g_autoptr(CulvertForward) forward = g_list_model_get_item (forwards, i);
      g_autofree char *spec = culvert_forward_to_string (forward);

      g_string_append_printf (str, "%s%s %s", str->len ? " " : "",
                              culvert_forward_kind_to_flag (culvert_forward_get_kind (forward)),
                              spec);
    }
  return g_string_free (str, FALSE);
}

static gboolean
array_has (GPtrArray  *array,
           const char *text)
{
  for (guint i = 0; i < array->len; i++)
    if (strstr (g_ptr_array_index (array, i), text) != NULL)
      return TRUE;
  return FALSE;
}

static void
test_syntax (void)
{
  g_autoptr(CulvertSshImportReport) report = NULL;
  g_autoptr(GPtrArray) profiles = NULL;
  g_autofree char *forwards = NULL;
  CulvertProfile *p;
  const char *text =
    "# my servers\r\n"
    "\n"
    "Host work\r\n"
    "  HOSTNAME=work.example.org\r\n"
    "  user = alice\n"
    "\tPort 2222   # not the default\n"
    "  IdentityFile \"~/.ssh/my key\"\n"
    "  ProxyJump bob@gw.example.org:2200,[2001:db8::1]\n"
    "  ServerAliveInterval=15\n"
    "  serveralivecountmax 4\n"
    "  GatewayPorts yes\n"
    "  LocalForward 8080 intranet:80\n"
    "  LocalForward [::1]:8443 [fe80::1%eth0]:443\n"
    "  RemoteForward *:9000 localhost:3000\n"
    "  RemoteForward 9001\n"
    "  DynamicForward 127.0.0.1:1080\n"
    "  UserKnownHostsFile ~/.ssh/known_hosts.work\n"
    "  PreferredAuthentications publickey,password\n"
    "  IdentitiesOnly yes\n";

  profiles = build (text, &report);
  g_assert_cmpuint (profiles->len, ==, 1);
  p = profile_named (profiles, "work");
  g_assert_nonnull (p);
  g_assert_cmpstr (culvert_profile_get_host (p), ==, "work.example.org");
  g_assert_cmpstr (culvert_profile_get_user (p), ==, "alice");
  g_assert_cmpuint (culvert_profile_get_port (p), ==, 2222);
  g_assert_true (g_str_has_suffix (culvert_profile_get_identity_file (p), "/.ssh/my key"));
  g_assert_true (g_str_has_prefix (culvert_profile_get_identity_file (p), g_get_home_dir ()));
  g_assert_cmpstr (culvert_profile_get_jump_hosts (p)[0], ==, "bob@gw.example.org:2200");
  g_assert_cmpstr (culvert_profile_get_jump_hosts (p)[1], ==, "[2001:db8::1]");
  g_assert_null (culvert_profile_get_jump_hosts (p)[2]);
  g_assert_cmpuint (culvert_profile_get_keepalive_interval (p), ==, 15);
  g_assert_cmpuint (culvert_profile_get_keepalive_count (p), ==, 4);
  g_assert_true (culvert_profile_get_gateway_ports (p));
  g_assert_cmpint (culvert_profile_get_auth_method (p), ==, CULVERT_AUTH_KEY);
  g_assert_true (g_str_has_suffix (culvert_profile_get_known_hosts_file (p),
                                   "/.ssh/known_hosts.work"));
  forwards = forwards_to_string (p);
  g_assert_cmpstr (forwards, ==,
                   "-L 8080:intranet:80 -L [::1]:8443:[fe80::1%eth0]:443 "
                   "-R *:9000:localhost:3000 -R 9001 -D 127.0.0.1:1080");
  g_assert_cmpuint (report->notes->len, ==, 0);
  g_assert_cmpuint (report->unsupported->len, ==, 0);
}

/* A jump host named by its Host alias is reached as ssh reaches it: that
 * block's HostName, User and Port, unless the hop names its own. */
static void
test_jump_alias (void)
{
  g_autoptr(CulvertSshImportReport) report = NULL;
  g_autoptr(GPtrArray) profiles = NULL;
  CulvertProfile *db;
  const char * const *hops;
  const char *text =
    "Host db\n"
    "  HostName db.internal\n"
    "  ProxyJump gw,eve@lab:2022,plain.example.org\n"
    "Host gw\n"
    "  HostName %h.example.org\n"
    "  User alice\n"
    "  Port 2200\n"
    "Host lab\n"
    "  HostName 10.1.2.3\n"
    "  User bob\n"
    "  Port 22\n";

  profiles = build (text, &report);
  db = profile_named (profiles, "db");
  g_assert_nonnull (db);
  hops = culvert_profile_get_jump_hosts (db);
  g_assert_cmpstr (hops[0], ==, "alice@gw.example.org:2200");
  g_assert_cmpstr (hops[1], ==, "eve@10.1.2.3:2022");
  g_assert_cmpstr (hops[2], ==, "plain.example.org");
  g_assert_null (hops[3]);
}

static void
test_ssh_semantics (void)
{
  g_autoptr(CulvertSshImportReport) report = NULL;
  g_autoptr(GPtrArray) profiles = NULL;
  g_autofree char *web_forwards = NULL;
  CulvertProfile *web, *db, *lab, *plain;
  const char *text =
    "User everyone\n"
    "Host web db\n"
    "  HostName %h.example.org\n"
    "  LocalForward 8080 intranet:80\n"
    "Host web\n"
    "  User webadmin\n"
    "  HostName ignored.example.org\n"
    "  LocalForward 8081 intranet:81\n"
    "  LocalForward 8080 intranet:80\n"
    "Match host db exec \"true\"\n"
    "  Port 9999\n"
    "  ProxyCommand nc %h %p\n"
    "Host *.lab !secret.lab\n"
    "  Port 2200\n"
    "Host lab1.lab secret.lab\n"
    "  Compression yes\n"
    "Host *\n"
    "  ServerAliveInterval 60\n"
    "  ForwardAgent yes\n"
    "  Port 2022\n"
    "Host plain WEB\n";

  profiles = build (text, &report);
  g_assert_cmpuint (profiles->len, ==, 5);

  /* Every matching block counts, the first value wins, forwards add up. */
  web = profile_named (profiles, "web");
  g_assert_cmpstr (culvert_profile_get_host (web), ==, "web.example.org");
  g_assert_cmpstr (culvert_profile_get_user (web), ==, "everyone");
  g_assert_cmpuint (culvert_profile_get_port (web), ==, 2022);
  g_assert_cmpuint (culvert_profile_get_keepalive_interval (web), ==, 60);
  web_forwards = forwards_to_string (web);
  g_assert_cmpstr (web_forwards, ==, "-L 8080:intranet:80 -L 8081:intranet:81");

  /* Match blocks are skipped. */
  db = profile_named (profiles, "db");
  g_assert_cmpstr (culvert_profile_get_host (db), ==, "db.example.org");
  g_assert_cmpuint (culvert_profile_get_port (db), ==, 2022);

  /* Negated patterns rule a block out. */
  lab = profile_named (profiles, "lab1.lab");
  g_assert_cmpuint (culvert_profile_get_port (lab), ==, 2200);
  g_assert_cmpuint (culvert_profile_get_port (profile_named (profiles, "secret.lab")), ==, 2022);

  /* No HostName: the alias is the host. An alias is imported once, whatever its case. */
  plain = profile_named (profiles, "plain");
  g_assert_cmpstr (culvert_profile_get_host (plain), ==, "plain");
  g_assert_null (profile_named (profiles, "WEB"));

  g_assert_true (array_has (report->skipped, "*.lab: a pattern, not one host"));
  g_assert_true (array_has (report->skipped, "*: a pattern, not one host"));
  g_assert_true (array_has (report->notes, "config:10: Match blocks are not imported"));
  g_assert_true (array_has (report->unsupported, "Compression (config:16)"));
  g_assert_true (array_has (report->unsupported, "ForwardAgent (config:19)"));
  /* ProxyCommand sits in a skipped Match block. */
  g_assert_false (array_has (report->unsupported, "ProxyCommand"));
  g_assert_cmpuint (report->unsupported->len, ==, 2);
}

static void
test_tokens (void)
{
  g_autoptr(CulvertSshImportReport) report = NULL;
  g_autoptr(GPtrArray) profiles = NULL;
  g_autofree char *expected = NULL;
  CulvertProfile *p;

  g_setenv ("CULVERT_KEYS", "/keys", TRUE);
  profiles = build ("Host box\n"
                    "  HostName box.example.org\n"
                    "  User carol\n"
                    "  Port 2200\n"
                    "  IdentityFile %d/.ssh/%u-%h-%r-%p-%n-%%-%C-${CULVERT_KEYS}\n",
                    &report);
  p = g_ptr_array_index (profiles, 0);
  expected = g_strdup_printf ("%s/.ssh/%s-box.example.org-carol-2200-box-%%-%%C-/keys",
                              g_get_home_dir (), g_get_user_name ());
  g_assert_cmpstr (culvert_profile_get_identity_file (p), ==, expected);
  g_assert_true (array_has (report->notes, "uses %C, which Culvert does not expand"));
}

static guint assert_round_trip (const char *text,
                                gsize       length);

/* ssh expands %-tokens (not ~ or ${VAR}) in the Unix-socket paths of
 * LocalForward and RemoteForward, and in nothing else of them. */
static void
test_forward_path_tokens (void)
{
  g_autoptr(GPtrArray) profiles = NULL;
  g_autofree char *forwards = NULL;
  g_autofree char *exported = NULL;
  const char *text = "Host box\n"
                     "  User carol\n"
                     "  LocalForward /tmp/%n-%r-%%-${X}.sock /run/%h.sock\n"
                     "  RemoteForward 9000 ~/%p.sock\n"
                     "  LocalForward 8080 [fe80::1%h]:80\n";

  profiles = build (text, NULL);
  forwards = forwards_to_string (g_ptr_array_index (profiles, 0));
  g_assert_cmpstr (forwards, ==, "-L /tmp/box-carol-%-${X}.sock:/run/box.sock "
                                 "-R 9000:~/22.sock -L 8080:[fe80::1%h]:80");
  exported = culvert_profile_to_ssh_config (g_ptr_array_index (profiles, 0));
  g_assert_nonnull (strstr (exported, "    LocalForward /tmp/box-carol-%%-${X}.sock /run/box.sock\n"
                                      "    RemoteForward 9000 ~/22.sock\n"
                                      "    LocalForward 8080 [fe80::1%h]:80\n"));
  g_assert_cmpuint (assert_round_trip (text, strlen (text)), ==, 1);
}

static const struct {
  const char *text;
  const char *skipped;   /* NULL: imported */
  const char *note;      /* NULL: no note expected */
} bad_cases[] = {
  { "Host a\n Port 70000\n", "a: config:2: Port 70000 is out of range (1–65535)", NULL },
  { "Host a\n Port ssh\n", "a: config:2: The port “ssh” is not a number", NULL },
  { "Host a\n Port 0\n", "a: config:2: Port 0 is out of range (1–65535)", NULL },
  { "Host a\n HostName bad..name\n", "a: “bad..name” is not a valid host name", NULL },
  /* ssh expands only %h and %% in HostName. */
  { "Host a\n HostName %u.example.org\n", "a: “%u.example.org” is not a valid host name", NULL },
  { "Host -oProxyCommand=evil\n", "-oProxyCommand=evil: “-oProxyCommand=evil” is not a valid "
    "host name", NULL },
  { "Host a\n ProxyJump gw:99999\n", "a: config:2: ProxyJump: Port 99999 is out of range "
    "(1–65535)", NULL },
  { "Host a\n ProxyJump gw,,gw2\n", "a: config:2: ProxyJump: The jump host “” has no host name",
    NULL },
  { "Host a\n LocalForward 8080\n", NULL, "config:2: LocalForward was not imported: “8080” has "
    "no destination: expected [bind_address:]port:host:hostport" },
  { "Host a\n LocalForward 70000 h:80\n", NULL, "config:2: LocalForward was not imported: "
    "Listening port 70000 is out of range (1–65535)" },
  { "Host a\n RemoteForward 9000 h\n", NULL, "config:2: RemoteForward was not imported: "
    "The listening port “h” is not a number" },
  { "Host a\n DynamicForward socks\n", NULL, "config:2: DynamicForward was not imported: The "
    "listening port “socks” is not a number" },
  { "Host a\n ServerAliveInterval soon\n", NULL, "config:2: ServerAliveInterval is not a "
    "number of seconds and was ignored" },
  { "Host a\n ServerAliveCountMax -1\n", NULL, "config:2: ServerAliveCountMax is not a number "
    "and was ignored" },
  { "Host a\n GatewayPorts clientspecified\n", NULL, "config:2: GatewayPorts is neither yes "
    "nor no and was ignored" },
  { "Host a\n User \"unterminated\n", NULL, "config:2: User has a quote that is not closed" },
  { "Host a\n=value\n", NULL, "config:2: a line without a keyword was ignored" },
  { "Host a\n User \xff\xfe\n", NULL, "config:2: the line is not valid UTF-8" },
  { "Host\n", NULL, "config:1: a Host line without a pattern matches nothing" },
  { "Host a\n PreferredAuthentications gssapi-with-mic\n", NULL, "config:2: "
    "PreferredAuthentications starts with a method Culvert does not offer" },
  { "Include other.conf\nHost a\n", NULL, "config:1: Include is not followed when reading text "
    "alone" },
};

static void
test_malformed (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autoptr(CulvertSshImportReport) report = NULL;
      g_autoptr(GPtrArray) profiles = NULL;

      g_test_message ("malformed case %u", i);
      profiles = build (bad_cases[i].text, &report);
      if (bad_cases[i].skipped != NULL)
        {
          g_assert_cmpuint (profiles->len, ==, 0);
          g_assert_cmpuint (report->skipped->len, ==, 1);
          g_assert_cmpstr (g_ptr_array_index (report->skipped, 0), ==, bad_cases[i].skipped);
        }
      else
        {
          g_assert_cmpuint (report->skipped->len, ==, 0);
        }
      if (bad_cases[i].note != NULL)
        {
          if (!array_has (report->notes, bad_cases[i].note))
            g_error ("expected the note “%s”, got %u notes, first: %s", bad_cases[i].note,
                     report->notes->len,
                     report->notes->len ? (char *) g_ptr_array_index (report->notes, 0) : "-");
        }
    }
}

static void
test_garbage_never_crashes (void)
{
  const char *inputs[] = { "", "\n\n\n", "Host", "=", "\"", "Host \"a", "Host a\nLocalForward",
                           "Host a\nHostName\n", "Host a\nIdentityFile %", "Host *\n",
                           "Host !a\n", "\0\0\0" };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GPtrArray) profiles = build (inputs[i], NULL);

      /* Whatever comes through is a usable connection. */
      for (guint j = 0; j < profiles->len; j++)
        g_assert_true (culvert_address_is_valid_host (
          culvert_profile_get_host (g_ptr_array_index (profiles, j))));
    }
}

static CulvertProfile *
make_profile (CulvertAuthMethod auth)
{
  CulvertProfile *profile = culvert_profile_new ();
  const char *hops[] = { "alice@gw.example.org:2222", "[2001:db8::7]", NULL };
  const char *specs[] = { "8080:intranet:80", "*:8443:[fe80::1%eth0]:443", "1080" };
  CulvertForwardKind kinds[] = { CULVERT_FORWARD_LOCAL, CULVERT_FORWARD_REMOTE,
                                 CULVERT_FORWARD_DYNAMIC };

  g_object_set (profile,
                "name", "Mail at \"work\"",
                "host", "mail.example.org",
                "port", 2200,
                "user", "bob",
                "auth-method", auth,
                "identity-file", "/home/bob/My Keys/id_ed25519",
                "jump-hosts", hops,
                "keepalive-interval", 0,
                "keepalive-count", 5,
                "gateway-ports", TRUE,
                "known-hosts-file", "/home/bob/.ssh/known hosts",
                NULL);
  for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      g_autoptr(CulvertForward) forward = culvert_forward_parse (kinds[i], specs[i], NULL);

      culvert_profile_add_forward (profile, forward);
    }
  return profile;
}

static void
test_round_trip (void)
{
  for (CulvertAuthMethod auth = CULVERT_AUTH_AUTOMATIC;
       auth <= CULVERT_AUTH_KEYBOARD_INTERACTIVE; auth++)
    {
      g_autoptr(CulvertProfile) profile = make_profile (auth);
      g_autoptr(CulvertProfile) minimal = culvert_profile_new ();
      g_autoptr(CulvertSshImportReport) report = NULL;
      g_autoptr(GPtrArray) profiles = NULL;
      g_autofree char *text = NULL;
      g_autofree char *full = NULL;
      g_autofree char *tiny = NULL;

      culvert_profile_set_name (minimal, "tiny");
      culvert_profile_set_host (minimal, "tiny.example.org");

      full = culvert_profile_to_ssh_config (profile);
      tiny = culvert_profile_to_ssh_config (minimal);
      text = g_strconcat (full, tiny, NULL);
      profiles = build (text, &report);
      g_assert_cmpuint (profiles->len, ==, 2);
      assert_profiles_equal (profile, g_ptr_array_index (profiles, 0), TRUE);
      assert_profiles_equal (minimal, g_ptr_array_index (profiles, 1), TRUE);
      g_assert_cmpuint (report->notes->len, ==, 0);
      g_assert_cmpuint (report->unsupported->len, ==, 0);
      g_assert_cmpuint (report->skipped->len, ==, 0);
    }
}

/* For each "# Left out: Keyword" line of @exported, @expected takes that
 * setting from @back. */
static void
copy_left_out (const char     *exported,
               CulvertProfile *expected,
               CulvertProfile *back)
{
  static const struct { const char *keyword; const char *property; } settings[] = {
    { "HostName", "host" }, { "User", "user" }, { "ProxyJump", "jump-hosts" },
    { "IdentityFile", "identity-file" }, { "UserKnownHostsFile", "known-hosts-file" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    {
      g_autofree char *comment = g_strdup_printf ("# Left out: %s,", settings[i].keyword);
      g_auto(GValue) value = G_VALUE_INIT;

      if (strstr (exported, comment) == NULL)
        continue;
      g_object_get_property (G_OBJECT (back), settings[i].property, &value);
      g_object_set_property (G_OBJECT (expected), settings[i].property, &value);
    }
}

/* Every profile an import makes exports to a block that imports back as
 * that one profile, with every setting the same; or the export names the
 * keyword it had to leave out ("# Left out: Keyword …"), and then only that
 * setting may differ. Returns how many profiles were checked. */
static guint
assert_round_trip (const char *text,
                   gsize       length)
{
  g_autoptr(CulvertSshConfig) config = culvert_ssh_config_new ();
  g_autoptr(GPtrArray) profiles = NULL;

  culvert_ssh_config_parse_data (config, text, length, "config");
  profiles = culvert_ssh_config_build_profiles (config, NULL);
  for (guint i = 0; i < profiles->len; i++)
    {
      CulvertProfile *profile = g_ptr_array_index (profiles, i);
      g_autofree char *exported = culvert_profile_to_ssh_config (profile);
      g_autoptr(GPtrArray) back = NULL;
      g_autoptr(CulvertProfile) expected = NULL;

      g_test_message ("exported:\n%s", exported);
      back = build (exported, NULL);
      g_assert_cmpuint (back->len, ==, 1);

      /* What the export says it left out is not compared. */
      expected = culvert_profile_copy (profile, FALSE);
      copy_left_out (exported, expected, g_ptr_array_index (back, 0));
      assert_profiles_equal (expected, g_ptr_array_index (back, 0), TRUE);
    }
  return profiles->len;
}

/* The fuzzer's first finding (issue 36): a jump host that is the alias
 * itself takes the block's User, and `/` is no user name a hop can have.
 * The import says so instead of making a hop that reads back as two. */
static void
test_round_trip_jump_to_self (void)
{
  const char *bad = "Host k\nProxyJump k\nUser /\n";
  const char *good = "Host k\nProxyJump k\nUser \"o'neil#1=%x\"\nPort 2200\n";
  g_autoptr(CulvertSshImportReport) report = NULL;
  g_autoptr(GPtrArray) profiles = build (bad, &report);
  g_autofree char *exported = NULL;

  g_assert_cmpuint (profiles->len, ==, 0);
  g_assert_cmpuint (report->skipped->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (report->skipped, 0), ==,
                   "k: config:2: ProxyJump: The user name “/” contains a space, “:” or “/”");
  g_assert_cmpuint (assert_round_trip (bad, strlen (bad)), ==, 0);

  g_clear_pointer (&profiles, g_ptr_array_unref);
  profiles = build (good, NULL);
  g_assert_cmpuint (profiles->len, ==, 1);
  g_assert_cmpstr (culvert_profile_get_jump_hosts (g_ptr_array_index (profiles, 0))[0], ==,
                   "o'neil#1=%x@k:2200");
  exported = culvert_profile_to_ssh_config (g_ptr_array_index (profiles, 0));
  g_assert_null (strstr (exported, "Left out"));
  g_assert_cmpuint (assert_round_trip (good, strlen (good)), ==, 1);
}

/* Backslashes as OpenSSH's argv_split() reads them: \' \" \\ in any quotes,
 * \<space> outside; any other backslash stays. */
static void
test_backslashes (void)
{
  g_autoptr(GPtrArray) profiles = build ("Host a\n"
                                         "  User \"it\\'s \\x\"\n"
                                         "  IdentityFile '/k/\\\"q\\\"'\n"
                                         "  UserKnownHostsFile /k/a\\ b\\\tc\n",
                                         NULL);
  CulvertProfile *p = g_ptr_array_index (profiles, 0);

  g_assert_cmpstr (culvert_profile_get_user (p), ==, "it's \\x");
  g_assert_cmpstr (culvert_profile_get_identity_file (p), ==, "/k/\"q\"");
  g_assert_cmpstr (culvert_profile_get_known_hosts_file (p), ==, "/k/a b\\");
}

/* Values with every character ssh_config can hold come back unchanged:
 * blanks, quotes, backslashes, # and = are quoted as OpenSSH's tokenizer
 * reads them, % is written as %% where ssh (and the import) expand tokens. */
static void
test_round_trip_quoting (void)
{
  const char *cases[] = {
    "Host a\n User \"a b\"\n",
    "Host a\n User \"tab\there\"\n",
    "Host a\n User \"say \\\"hi\\\"\"\n",
    "Host a\n User 'single \"double\"'\n",
    "Host a\n User \"back\\\\slash\"\n",
    "Host a\n User \"#not-a-comment\"\n",
    "Host a\n User \"=lead\" \n",
    "Host a\n User=a=b\n",
    "Host a\n User \"100%% %h %r\"\n",
    "Host a\n User ${HOME}~\n",
    "Host a\n User \"cr\rin the middle\"\n",
    "Host \"my host #1\"\n HostName h.example.org\n",
    "Host \"quote\\\"d\"\n HostName h.example.org\n",
    "Host a\n HostName fe80::1%%eth0\n",
    "Host a\n HostName %h.example.org\n",
    "Host a\n IdentityFile \"/keys/my key %%d #1\"\n",
    "Host a\n IdentityFile /keys/$HOME/{x}\n",
    "Host a\n UserKnownHostsFile \"/kh/100%%=\\\\x\"\n",
    "Host a\n LocalForward \"/tmp/my socket #1\" \"/run/it's \\\"here\\\"\"\n",
    "Host a\n RemoteForward \"/tmp/r=%%h\" localhost:80\n",
    "Host a\n LocalForward 8080 [fe80::1%eth0]:80\n",
    "Host a\n ProxyJump \"o'neil#=%x@gw:2200\",b%%@[2001:db8::1]\n",
    "Host a,b\n User u\n",
    /* An empty User is no User, as for ssh: the hop takes none. */
    "Host k\n ProxyJump k\n User \"\"\n User real\n",
    /* Fuzz finding: the empty pattern after a comma leaked. */
    "Host a,,b,\n HostName h\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(CulvertSshImportReport) report = NULL;
      g_autoptr(GPtrArray) profiles = build (cases[i], &report);

      g_test_message ("case %u: %s", i, cases[i]);
      g_assert_cmpuint (profiles->len, >=, 1);
      g_assert_cmpuint (report->skipped->len, ==, 0);
      for (guint j = 0; j < profiles->len; j++)
        {
          g_autofree char *exported = culvert_profile_to_ssh_config (g_ptr_array_index (profiles, j));

          g_assert_null (strstr (exported, "Left out"));
        }
      g_assert_cmpuint (assert_round_trip (cases[i], strlen (cases[i])), ==, profiles->len);
    }
}

/* A value that no writing reads back as itself is left out, and the
 * export says so, instead of writing something else. */
static void
test_round_trip_left_out (void)
{
  const struct {
    const char *text;
    const char *left_out;
  } cases[] = {
    /* ssh gives a jump host that is the alias itself the block's HostName. */
    { "Host a\n HostName b\n ProxyJump b\nHost b\n HostName a\n", "ProxyJump" },
    /* A comma would split the hop in two. */
    { "Host a\n ProxyJump b\nHost b\n User x,y\n", "ProxyJump" },
    /* ${} expands to nothing: the file is `none`, which is no file. */
    { "Host a\n IdentityFile ${}none\n", "IdentityFile" },
    { "Host a\n UserKnownHostsFile %%~/kh\n", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) profiles = build (cases[i].text, NULL);
      g_autofree char *exported = NULL;
      g_autofree char *comment = NULL;

      g_test_message ("case %u: %s", i, cases[i].text);
      g_assert_cmpuint (profiles->len, >=, 1);
      exported = culvert_profile_to_ssh_config (g_ptr_array_index (profiles, 0));
      g_test_message ("%s", exported);
      if (cases[i].left_out != NULL)
        {
          comment = g_strdup_printf ("    # Left out: %s, as ", cases[i].left_out);
          g_assert_nonnull (strstr (exported, comment));
        }
      else
        {
          g_assert_null (strstr (exported, "Left out"));
        }
      assert_round_trip (cases[i].text, strlen (cases[i].text));
    }

  /* 9,000 double quotes fit on a line in single quotes, not as \" in
   * double quotes: the line would be longer than the import reads. */
  {
    g_autofree char *quotes = g_strnfill (9000, '"');
    g_autofree char *text = g_strdup_printf ("Host a\n User '%s'\n", quotes);
    g_autoptr(GPtrArray) profiles = build (text, NULL);
    g_autofree char *exported = NULL;

    g_assert_cmpstr (culvert_profile_get_user (g_ptr_array_index (profiles, 0)), ==, quotes);
    exported = culvert_profile_to_ssh_config (g_ptr_array_index (profiles, 0));
    g_assert_nonnull (strstr (exported, "    # Left out: User, as the line would be too long\n"));
    g_assert_cmpuint (assert_round_trip (text, strlen (text)), ==, 1);
  }
}

/* Every seed of the ssh-config fuzzer round-trips. */
static void
test_round_trip_corpus (void)
{
  g_autofree char *dir_path = g_build_filename (g_getenv ("CULVERT_SOURCE_DIR"), "tests", "fuzz",
                                                "corpus", "ssh-config", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, &error);
  const char *name;
  guint files = 0, profiles = 0;

  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;

      g_file_get_contents (path, &contents, &length, &error);
      g_assert_no_error (error);
      g_test_message ("seed %s", name);
      profiles += assert_round_trip (contents, length);
      files++;
    }
  g_test_message ("%u seeds, %u profiles", files, profiles);
  g_assert_cmpuint (files, >, 0);
  g_assert_cmpuint (profiles, >, 0);
}

static void
write_file (const char *path,
            const char *text)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static gboolean
in_test_home (void)
{
  if (g_getenv ("CULVERT_TEST_TMPDIR") == NULL)
    {
      g_test_skip ("needs culvert-test-env, which gives the test its own HOME");
      return FALSE;
    }
  return TRUE;
}

static void
test_include (void)
{
  g_autoptr(CulvertSshConfig) config = culvert_ssh_config_new ();
  g_autoptr(CulvertSshImportReport) report = culvert_ssh_import_report_new ();
  g_autoptr(GPtrArray) profiles = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ssh_dir = NULL;
  g_autofree char *main_path = NULL;
  g_autofree char *a_path = NULL;
  g_autofree char *b_path = NULL;
  g_autofree char *hidden_path = NULL;
  g_autofree char *abs_path = NULL;
  g_autofree char *main_text = NULL;

  if (!in_test_home ())
    return;

  ssh_dir = g_build_filename (g_get_home_dir (), ".ssh", NULL);
  main_path = g_build_filename (ssh_dir, "config", NULL);
  a_path = g_build_filename (ssh_dir, "conf.d", "a.conf", NULL);
  b_path = g_build_filename (ssh_dir, "conf.d", "b.conf", NULL);
  hidden_path = g_build_filename (ssh_dir, "conf.d", ".hidden.conf", NULL);
  abs_path = g_build_filename (g_getenv ("CULVERT_TEST_TMPDIR"), "elsewhere.conf", NULL);

  write_file (a_path, "Host alpha\n  HostName alpha.example.org\n");
  write_file (b_path, "  User inherited\nHost beta\n  Port 2200\n  Include missing-*.conf\n");
  write_file (hidden_path, "Host hidden\n");
  write_file (abs_path, "Host gamma\n");
  main_text = g_strdup_printf ("Include conf.d/*.conf\n"
                               "Host beta\n"
                               "  Include %s\n"
                               "  User after\n",
                               abs_path);
  write_file (main_path, main_text);

  g_assert_true (culvert_ssh_config_parse_file (config, main_path, &error));
  g_assert_no_error (error);
  profiles = culvert_ssh_config_build_profiles (config, report);

  g_assert_nonnull (profile_named (profiles, "alpha"));
  g_assert_cmpstr (culvert_profile_get_host (profile_named (profiles, "alpha")), ==,
                   "alpha.example.org");
  g_assert_cmpuint (culvert_profile_get_port (profile_named (profiles, "beta")), ==, 2200);
  /* A global line of an included file, before its first Host. */
  g_assert_cmpstr (culvert_profile_get_user (profile_named (profiles, "alpha")), ==,
                   "inherited");
  g_assert_nonnull (profile_named (profiles, "gamma"));
  g_assert_null (profile_named (profiles, "hidden"));
  g_assert_true (array_has (report->notes, "Include missing-*.conf matched no file"));
  g_assert_cmpuint (profiles->len, ==, 3);

  g_unlink (main_path);
}

/* Includes that fan out within the depth limit: five levels, each file
 * including the next four times, are 340 files. A reader stops at 256
 * and says why, rather than read on (each level more multiplies the work,
 * as `Include b b b` in b itself does). */
static void
test_include_fan_out (void)
{
  g_autoptr(CulvertSshConfig) config = culvert_ssh_config_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;

  if (!in_test_home ())
    return;

  for (guint level = 5; level >= 1; level--)
    {
      g_autofree char *path = g_strdup_printf ("%s/fan%u.conf", g_getenv ("CULVERT_TEST_TMPDIR"),
                                               level);
      g_autofree char *next = g_strdup_printf ("%s/fan%u.conf", g_getenv ("CULVERT_TEST_TMPDIR"),
                                               level + 1);
      g_autofree char *text = level == 5
        ? g_strdup ("Host leaf\n  Port 2200\n")
        : g_strdup_printf ("Host fan%u\n  Include %s %s %s %s\n", level, next, next, next, next);

      write_file (path, text);
      if (level == 1)
        first = g_steal_pointer (&path);
    }

  g_assert_false (culvert_ssh_config_parse_file (config, first, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "too many recursive configuration includes"));
}

/* A file that includes itself once per level goes 16 deep and fails. */
static void
test_include_depth (void)
{
  g_autoptr(CulvertSshConfig) config = culvert_ssh_config_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;

  if (!in_test_home ())
    return;

  path = g_build_filename (g_getenv ("CULVERT_TEST_TMPDIR"), "self.conf", NULL);
  text = g_strdup_printf ("Host self\n  Include %s\n", path);
  write_file (path, text);

  g_assert_false (culvert_ssh_config_parse_file (config, path, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "more than 16 levels"));
  g_unlink (path);
}

static void
test_import_into_store (void)
{
  g_autoptr(CulvertProfileStore) store = NULL;
  g_autoptr(CulvertProfileStore) reloaded = NULL;
  g_autoptr(CulvertSshImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CulvertForward) mine = NULL;
  g_autofree char *path = NULL;
  g_autofree char *forwards = NULL;
  CulvertProfile *web;

  if (!in_test_home ())
    return;

  path = g_build_filename (g_get_home_dir (), ".ssh", "config", NULL);
  write_file (path,
              "Host web\n  HostName web.example.org\n  LocalForward 8080 localhost:80\n"
              "Host db\n  HostName db.example.org\n  Port 2200\n"
              "Host *.example.org\n  ProxyCommand nc %h %p\n");

  store = culvert_profile_store_new (NULL);
  g_assert_true (culvert_profile_store_load (store, &error));

  /* NULL: ~/.ssh/config */
  g_assert_true (culvert_ssh_config_import (store, NULL, &report, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report->created->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (report->created, 0), ==, "web");
  g_assert_cmpstr (g_ptr_array_index (report->created, 1), ==, "db");
  g_assert_true (array_has (report->skipped, "*.example.org"));
  g_assert_true (array_has (report->unsupported, "ProxyCommand"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 2);
  g_clear_pointer (&report, culvert_ssh_import_report_free);

  /* A forward the user adds in Culvert. */
  web = culvert_profile_store_find (store, "web");
  mine = culvert_forward_parse (CULVERT_FORWARD_DYNAMIC, "1080", NULL);
  culvert_profile_add_forward (web, mine);
  g_assert_true (culvert_profile_store_save_profile (store, web, &error));

  /* The same file again changes nothing and adds nothing. */
  g_assert_true (culvert_ssh_config_import (store, path, &report, &error));
  g_assert_cmpuint (report->created->len, ==, 0);
  g_assert_cmpuint (report->updated->len, ==, 0);
  g_assert_cmpuint (report->unchanged->len, ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 2);
  g_clear_pointer (&report, culvert_ssh_import_report_free);

  /* A changed file updates the profile and keeps what the user added. */
  write_file (path,
              "Host web\n  HostName web2.example.org\n  LocalForward 8080 localhost:80\n"
              "  LocalForward 8443 localhost:443\n"
              "Host db\n  HostName db.example.org\n  Port 2200\n");
  g_assert_true (culvert_ssh_config_import (store, path, &report, &error));
  g_assert_cmpuint (report->updated->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (report->updated, 0), ==, "web");
  g_assert_cmpuint (report->unchanged->len, ==, 1);

  reloaded = culvert_profile_store_new (NULL);
  g_assert_true (culvert_profile_store_load (reloaded, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reloaded)), ==, 2);
  web = culvert_profile_store_find (reloaded, "web");
  g_assert_cmpstr (culvert_profile_get_host (web), ==, "web2.example.org");
  forwards = forwards_to_string (web);
  g_assert_cmpstr (forwards, ==, "-L 8080:localhost:80 -D 1080 -L 8443:localhost:443");

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(CulvertProfile) p = g_list_model_get_item (G_LIST_MODEL (reloaded), 0);

      g_assert_true (culvert_profile_store_delete_profile (reloaded, p, &error));
    }
  g_unlink (path);
}

static void
test_missing_file (void)
{
  g_autoptr(CulvertProfileStore) store = culvert_profile_store_new (NULL);
  g_autoptr(CulvertSshImportReport) report = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (culvert_ssh_config_import (store, "/nonexistent/ssh_config", &report, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, "/nonexistent/ssh_config"));
  g_assert_null (report);
}

static void
test_report_text (void)
{
  g_autoptr(CulvertSshImportReport) report = culvert_ssh_import_report_new ();
  g_autofree char *empty = culvert_ssh_import_report_to_string (report);
  g_autofree char *text = NULL;

  g_assert_cmpstr (empty, ==, "No hosts were found.\n");
  g_ptr_array_add (report->created, g_strdup ("web"));
  g_ptr_array_add (report->skipped, g_strdup ("*: a pattern, not one host"));
  text = culvert_ssh_import_report_to_string (report);
  g_assert_cmpstr (text, ==, "Created:\n  web\nSkipped:\n  *: a pattern, not one host\n");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ssh-config/syntax", test_syntax);
  g_test_add_func ("/ssh-config/jump-alias", test_jump_alias);
  g_test_add_func ("/ssh-config/ssh-semantics", test_ssh_semantics);
  g_test_add_func ("/ssh-config/tokens", test_tokens);
  g_test_add_func ("/ssh-config/forward-path-tokens", test_forward_path_tokens);
  g_test_add_func ("/ssh-config/malformed", test_malformed);
  g_test_add_func ("/ssh-config/garbage-never-crashes", test_garbage_never_crashes);
  g_test_add_func ("/ssh-config/round-trip", test_round_trip);
  g_test_add_func ("/ssh-config/round-trip-jump-to-self", test_round_trip_jump_to_self);
  g_test_add_func ("/ssh-config/backslashes", test_backslashes);
  g_test_add_func ("/ssh-config/round-trip-quoting", test_round_trip_quoting);
  g_test_add_func ("/ssh-config/round-trip-left-out", test_round_trip_left_out);
  g_test_add_func ("/ssh-config/round-trip-corpus", test_round_trip_corpus);
  g_test_add_func ("/ssh-config/include", test_include);
  g_test_add_func ("/ssh-config/include-fan-out", test_include_fan_out);
  g_test_add_func ("/ssh-config/include-depth", test_include_depth);
  g_test_add_func ("/ssh-config/import-into-store", test_import_into_store);
  g_test_add_func ("/ssh-config/missing-file", test_missing_file);
  g_test_add_func ("/ssh-config/report-text", test_report_text);

  return g_test_run ();
}

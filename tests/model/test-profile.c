/* test-profile.c — a connection's settings and its ssh equivalents
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "culvert-profile.h"

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

static void
add_forward (CulvertProfile     *profile,
             CulvertForwardKind  kind,
             const char         *spec)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CulvertForward) forward = culvert_forward_parse (kind, spec, &error);

  g_assert_no_error (error);
  culvert_profile_add_forward (profile, forward);
}

static void
test_defaults (void)
{
  g_autoptr(CulvertProfile) a = culvert_profile_new ();
  g_autoptr(CulvertProfile) b = culvert_profile_new ();

  /* Each profile gets its own stable id, a UUID. */
  g_assert_true (g_uuid_string_is_valid (culvert_profile_get_id (a)));
  g_assert_cmpstr (culvert_profile_get_id (a), !=, culvert_profile_get_id (b));
  g_assert_cmpuint (culvert_profile_get_port (a), ==, 22);
  g_assert_cmpint (culvert_profile_get_auth_method (a), ==, CULVERT_AUTH_AUTOMATIC);
  g_assert_cmpint (culvert_profile_get_proxy_mode (a), ==, CULVERT_PROXY_NONE);
  g_assert_cmpuint (culvert_profile_get_keepalive_interval (a), ==, 30);
  g_assert_cmpuint (culvert_profile_get_keepalive_count (a), ==, 3);
  g_assert_true (culvert_profile_get_reconnect (a));
  g_assert_false (culvert_profile_get_connect_at_startup (a));
  g_assert_false (culvert_profile_get_gateway_ports (a));
  g_assert_null (culvert_profile_get_known_hosts_file (a));
  g_assert_null (culvert_profile_get_jump_hosts (a)[0]);
  g_assert_cmpuint (g_list_model_get_n_items (culvert_profile_get_forwards (a)), ==, 0);
  g_assert_true (g_list_model_get_item_type (culvert_profile_get_forwards (a)) ==
                 CULVERT_TYPE_FORWARD);
}

static void
test_no_secret_property (void)
{
  g_autoptr(GTypeClass) type_class = g_type_class_ref (CULVERT_TYPE_PROFILE);
  GObjectClass *klass = G_OBJECT_CLASS (type_class);
  g_autofree GParamSpec **pspecs = NULL;
  guint n;

  /* Secrets live in the keyring; a profile has nowhere to hold one. */
  pspecs = g_object_class_list_properties (klass, &n);
  g_assert_cmpuint (n, ==, 18);
  for (guint i = 0; i < n; i++)
    {
      const char *name = g_param_spec_get_name (pspecs[i]);

      g_assert_null (strstr (name, "password"));
      g_assert_null (strstr (name, "passphrase"));
      g_assert_null (strstr (name, "secret"));
    }
}

static void
test_notify (void)
{
  g_autoptr(CulvertProfile) profile = culvert_profile_new ();
  const char *hops[] = { "gw1", "alice@gw2:2222", NULL };
  const char *same_hops[] = { "gw1", "alice@gw2:2222", NULL };
  g_auto(GStrv) read_back = NULL;
  guint count = 0;

  g_signal_connect (profile, "notify", G_CALLBACK (count_notify), &count);

  culvert_profile_set_host (profile, "server.example.org");
  culvert_profile_set_host (profile, "server.example.org");
  g_assert_cmpuint (count, ==, 1);

  culvert_profile_set_jump_hosts (profile, hops);
  culvert_profile_set_jump_hosts (profile, same_hops);
  g_assert_cmpuint (count, ==, 2);
  g_object_get (profile, "jump-hosts", &read_back, NULL);
  g_assert_cmpstrv (read_back, hops);

  /* An empty entry unsets an optional setting. */
  culvert_profile_set_user (profile, "alice");
  culvert_profile_set_user (profile, "");
  g_assert_null (culvert_profile_get_user (profile));
  g_assert_cmpuint (count, ==, 4);

  g_object_set (profile,
                "port", 2222,
                "auth-method", CULVERT_AUTH_KEY,
                "proxy-mode", CULVERT_PROXY_CUSTOM,
                "keepalive-interval", 15,
                "reconnect", FALSE,
                "gateway-ports", TRUE,
                NULL);
  g_assert_cmpuint (count, ==, 10);
  g_object_set (profile, "port", 2222, "reconnect", FALSE, NULL);
  g_assert_cmpuint (count, ==, 10);
}

static void
test_forwards (void)
{
  g_autoptr(CulvertProfile) profile = culvert_profile_new ();
  g_autoptr(CulvertProfile) copy = NULL;
  g_autoptr(CulvertForward) first = NULL;
  GListModel *forwards = culvert_profile_get_forwards (profile);

  add_forward (profile, CULVERT_FORWARD_LOCAL, "8080:intranet:80");
  add_forward (profile, CULVERT_FORWARD_DYNAMIC, "1080");
  add_forward (profile, CULVERT_FORWARD_REMOTE, "9000:localhost:3000");
  g_assert_cmpuint (g_list_model_get_n_items (forwards), ==, 3);

  culvert_profile_remove_forward (profile, 1);
  g_assert_cmpuint (g_list_model_get_n_items (forwards), ==, 2);

  copy = culvert_profile_copy (profile, TRUE);
  g_assert_cmpstr (culvert_profile_get_id (copy), !=, culvert_profile_get_id (profile));
  g_assert_cmpuint (g_list_model_get_n_items (culvert_profile_get_forwards (copy)), ==, 2);

  /* The copy's forwards are its own. */
  first = g_list_model_get_item (culvert_profile_get_forwards (copy), 0);
  culvert_forward_set_bind_port (first, 8081);
  {
    g_autoptr(CulvertForward) original = g_list_model_get_item (forwards, 0);

    g_assert_cmpuint (culvert_forward_get_bind_port (original), ==, 8080);
  }
}

static CulvertProfile *
make_full_profile (void)
{
  CulvertProfile *profile = culvert_profile_new ();
  const char *hops[] = { "alice@gw.example.org:2222", "[2001:db8::7]", NULL };
  g_autoptr(CulvertForward) disabled = NULL;

  g_object_set (profile,
                "name", "Mail at work",
                "host", "mail.example.org",
                "port", 2200,
                "user", "bob",
                "auth-method", CULVERT_AUTH_KEY,
                "identity-file", "/home/bob/My Keys/id_ed25519",
                "jump-hosts", hops,
                "keepalive-interval", 20,
                "keepalive-count", 5,
                "gateway-ports", TRUE,
                "known-hosts-file", "/home/bob/.ssh/known_hosts_work",
                NULL);
  add_forward (profile, CULVERT_FORWARD_LOCAL, "110:pop3.example.org:110");
  add_forward (profile, CULVERT_FORWARD_LOCAL, "*:8080:[fe80::1%eth0]:80");
  add_forward (profile, CULVERT_FORWARD_REMOTE, "0:localhost:22");
  add_forward (profile, CULVERT_FORWARD_DYNAMIC, "[::1]:1080");

  disabled = culvert_forward_parse (CULVERT_FORWARD_LOCAL, "5432:db:5432", NULL);
  culvert_forward_set_enabled (disabled, FALSE);
  culvert_profile_add_forward (profile, disabled);

  return profile;
}

static void
test_command_line (void)
{
  g_autoptr(CulvertProfile) simple = culvert_profile_new ();
  g_autoptr(CulvertProfile) full = make_full_profile ();
  g_autofree char *simple_line = NULL;
  g_autofree char *full_line = NULL;
  g_auto(GStrv) argv = NULL;
  g_autoptr(GError) error = NULL;
  int argc;

  culvert_profile_set_host (simple, "server");
  add_forward (simple, CULVERT_FORWARD_LOCAL, "8080:intranet:80");
  simple_line = culvert_profile_to_command_line (simple);
  g_assert_cmpstr (simple_line, ==,
                   "ssh -N -L 8080:intranet:80 -o ServerAliveInterval=30 server");

  full_line = culvert_profile_to_command_line (full);
  g_assert_cmpstr (full_line, ==,
                   "ssh -N -L 110:pop3.example.org:110 -L '*:8080:[fe80::1%eth0]:80' "
                   "-R 0:localhost:22 -D '[::1]:1080' -g "
                   "-J 'alice@gw.example.org:2222,[2001:db8::7]' -p 2200 "
                   "-i '/home/bob/My Keys/id_ed25519' -o IdentitiesOnly=yes "
                   "-o PreferredAuthentications=publickey -o ServerAliveInterval=20 "
                   "-o ServerAliveCountMax=5 -o UserKnownHostsFile=/home/bob/.ssh/known_hosts_work "
                   "bob@mail.example.org");

  /* A shell splits it back into the words ssh needs. */
  g_assert_true (g_shell_parse_argv (full_line, &argc, &argv, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (argv[5], ==, "*:8080:[fe80::1%eth0]:80");
  g_assert_cmpstr (argv[15], ==, "-i");
  g_assert_cmpstr (argv[16], ==, "/home/bob/My Keys/id_ed25519");
  g_assert_cmpstr (argv[argc - 1], ==, "bob@mail.example.org");
  /* The disabled forward is not part of the command. */
  g_assert_null (strstr (full_line, "5432"));
}

static void
test_command_line_quoting (void)
{
  g_autoptr(CulvertProfile) profile = culvert_profile_new ();
  g_autofree char *line = NULL;
  g_auto(GStrv) argv = NULL;
  int argc;

  g_object_set (profile, "host", "server", "user", "o'brien; rm -rf ~",
                "identity-file", "$HOME/`id`", "keepalive-interval", 0, NULL);
  line = culvert_profile_to_command_line (profile);
  g_assert_true (g_shell_parse_argv (line, &argc, &argv, NULL));
  g_assert_cmpint (argc, ==, 5);
  g_assert_cmpstr (argv[3], ==, "$HOME/`id`");
  g_assert_cmpstr (argv[4], ==, "o'brien; rm -rf ~@server");
  g_assert_null (strstr (line, "ServerAlive"));
}

static void
test_ssh_config (void)
{
  g_autoptr(CulvertProfile) full = make_full_profile ();
  g_autofree char *config = culvert_profile_to_ssh_config (full);

  g_assert_cmpstr (config, ==,
                   "Host \"Mail at work\"\n"
                   "    HostName mail.example.org\n"
                   "    User bob\n"
                   "    Port 2200\n"
                   "    IdentityFile \"/home/bob/My Keys/id_ed25519\"\n"
                   "    IdentitiesOnly yes\n"
                   "    PreferredAuthentications publickey\n"
                   "    ProxyJump alice@gw.example.org:2222,[2001:db8::7]\n"
                   "    ServerAliveInterval 20\n"
                   "    ServerAliveCountMax 5\n"
                   "    GatewayPorts yes\n"
                   "    UserKnownHostsFile /home/bob/.ssh/known_hosts_work\n"
                   "    LocalForward 110 pop3.example.org:110\n"
                   "    LocalForward *:8080 [fe80::1%eth0]:80\n"
                   "    RemoteForward 0 localhost:22\n"
                   "    DynamicForward [::1]:1080\n"
                   "    # (disabled) LocalForward 5432 db:5432\n");
}

/* Forwards of Unix-domain sockets, in the command and the config block. */
static void
test_socket_paths (void)
{
  g_autoptr(CulvertProfile) profile = culvert_profile_new ();
  g_autofree char *line = NULL;
  g_autofree char *config = NULL;
  const char *specs[] = { "/tmp/x/docker.sock:/var/run/docker.sock", "8080:/run/app.sock",
                          "/tmp/db.sock:db:5432" };

  g_object_set (profile, "host", "server", "keepalive-interval", 0, "name", "s", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      g_autoptr(CulvertForward) forward = culvert_forward_parse (CULVERT_FORWARD_LOCAL, specs[i],
                                                                 NULL);

      culvert_profile_add_forward (profile, forward);
    }
  {
    g_autoptr(CulvertForward) forward = culvert_forward_parse (CULVERT_FORWARD_REMOTE,
                                                               "9000:/run/user/1/app.sock", NULL);

    culvert_profile_add_forward (profile, forward);
  }

  line = culvert_profile_to_command_line (profile);
  g_assert_cmpstr (line, ==,
                   "ssh -N -L /tmp/x/docker.sock:/var/run/docker.sock -L 8080:/run/app.sock "
                   "-L /tmp/db.sock:db:5432 -R 9000:/run/user/1/app.sock server");
  config = culvert_profile_to_ssh_config (profile);
  g_assert_nonnull (strstr (config,
                            "    LocalForward /tmp/x/docker.sock /var/run/docker.sock\n"
                            "    LocalForward 8080 /run/app.sock\n"
                            "    LocalForward /tmp/db.sock db:5432\n"
                            "    RemoteForward 9000 /run/user/1/app.sock\n"));
}

/* What ssh would read back as something else is not written; a comment
 * says so. What can be written is, with %% where ssh expands tokens. */
static void
test_ssh_config_left_out (void)
{
  g_autoptr(CulvertProfile) profile = culvert_profile_new ();
  g_autoptr(CulvertForward) forward = culvert_forward_parse (CULVERT_FORWARD_LOCAL,
                                                             "/tmp/my sock:/run/a#b.sock", NULL);
  const char *hops[] = { "a,b@gw", NULL };
  g_autofree char *config = NULL;

  g_object_set (profile, "name", "web", "host", "fe80::1%eth0", "user", "100%",
                "identity-file", "~/.ssh/id", "known-hosts-file", "/kh/${HOME}/%h",
                "jump-hosts", hops, "keepalive-interval", 0, NULL);
  culvert_profile_add_forward (profile, forward);
  config = culvert_profile_to_ssh_config (profile);
  g_assert_cmpstr (config, ==,
                   "Host web\n"
                   "    HostName fe80::1%%eth0\n"
                   "    User 100%\n"
                   "    # Left out: IdentityFile, as ssh reads a leading ~ as a home directory\n"
                   "    # Left out: ProxyJump, as ssh would read a different jump host\n"
                   "    ServerAliveInterval 0\n"
                   "    # Left out: UserKnownHostsFile, as ssh reads ${…} as an environment "
                   "variable\n"
                   "    LocalForward \"/tmp/my sock\" \"/run/a#b.sock\"\n");

  /* A hop that the block itself would change: ssh takes its HostName. */
  g_object_set (profile, "identity-file", "/k/%d", "known-hosts-file", NULL, NULL);
  hops[0] = "web";
  culvert_profile_set_jump_hosts (profile, hops);
  g_clear_pointer (&config, g_free);
  config = culvert_profile_to_ssh_config (profile);
  g_assert_nonnull (strstr (config, "    IdentityFile /k/%%d\n"));
  g_assert_nonnull (strstr (config, "    # Left out: ProxyJump"));
  hops[0] = "100%@[fe80::1%eth0]";
  culvert_profile_set_jump_hosts (profile, hops);
  g_clear_pointer (&config, g_free);
  config = culvert_profile_to_ssh_config (profile);
  g_assert_nonnull (strstr (config, "    ProxyJump 100%@[fe80::1%eth0]\n"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/profile/defaults", test_defaults);
  g_test_add_func ("/profile/no-secret-property", test_no_secret_property);
  g_test_add_func ("/profile/notify", test_notify);
  g_test_add_func ("/profile/forwards", test_forwards);
  g_test_add_func ("/profile/command-line", test_command_line);
  g_test_add_func ("/profile/command-line-quoting", test_command_line_quoting);
  g_test_add_func ("/profile/ssh-config", test_ssh_config);
  g_test_add_func ("/profile/socket-paths", test_socket_paths);
  g_test_add_func ("/profile/ssh-config-left-out", test_ssh_config_left_out);

  return g_test_run ();
}

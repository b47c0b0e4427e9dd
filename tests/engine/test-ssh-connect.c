/* test-ssh-connect.c — the real sshd fixture answers, and libssh logs in
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <libssh/libssh.h>
#include <unistd.h>

#include "engine-test-util.h"

static ssh_session
new_session (CulvertTestSshd *sshd)
{
  ssh_session session = ssh_new ();
  int port = sshd->port;
  int process_config = 0;
  long timeout = 10;

  g_assert_nonnull (session);
  ssh_options_set (session, SSH_OPTIONS_HOST, "127.0.0.1");
  ssh_options_set (session, SSH_OPTIONS_PORT, &port);
  ssh_options_set (session, SSH_OPTIONS_USER, sshd->user);
  ssh_options_set (session, SSH_OPTIONS_PROCESS_CONFIG, &process_config);
  ssh_options_set (session, SSH_OPTIONS_KNOWNHOSTS, sshd->known_hosts_path);
  ssh_options_set (session, SSH_OPTIONS_TIMEOUT, &timeout);

  return session;
}

static void
test_ssh_connect_key (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CulvertTestSshd) sshd = culvert_test_sshd_start (NULL, &error);
  ssh_session session;
  ssh_key key = NULL;
  ssh_key server_key = NULL;
  unsigned char *hash = NULL;
  size_t hash_len = 0;
  char *fingerprint;

  g_assert_no_error (error);
  session = new_session (sshd);
  g_assert_cmpint (ssh_connect (session), ==, SSH_OK);

  /* The host key is the fixture's, and known_hosts knows it. */
  g_assert_cmpint (ssh_session_is_known_server (session), ==, SSH_KNOWN_HOSTS_OK);
  g_assert_cmpint (ssh_get_server_publickey (session, &server_key), ==, SSH_OK);
  g_assert_cmpint (ssh_get_publickey_hash (server_key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hash_len),
                   ==, 0);
  fingerprint = ssh_get_fingerprint_hash (SSH_PUBLICKEY_HASH_SHA256, hash, hash_len);
  g_assert_cmpstr (fingerprint, ==, sshd->host_key_fingerprint);
  ssh_string_free_char (fingerprint);
  ssh_clean_pubkey_hash (&hash);
  ssh_key_free (server_key);

  /* The fixture's client key logs in. */
  g_assert_cmpint (ssh_pki_import_privkey_file (sshd->client_key_path, NULL, NULL, NULL, &key),
                   ==, SSH_OK);
  g_assert_cmpint (ssh_userauth_publickey (session, NULL, key), ==, SSH_AUTH_SUCCESS);

  /* And the session can open a direct-tcpip channel back to sshd's own port. */
  {
    ssh_channel channel = ssh_channel_new (session);
    char banner[8] = { 0 };
    int n;

    g_assert_cmpint (ssh_channel_open_forward (channel, "127.0.0.1", sshd->port, "127.0.0.1", 1),
                     ==, SSH_OK);
    n = ssh_channel_read_timeout (channel, banner, 7, 0, 5000);
    g_assert_cmpint (n, ==, 7);
    g_assert_cmpstr (banner, ==, "SSH-2.0");
    ssh_channel_close (channel);
    ssh_channel_free (channel);
  }

  ssh_key_free (key);
  ssh_disconnect (session);
  ssh_free (session);
}

static void
test_ssh_connect_wrong_key (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CulvertTestSshd) sshd = culvert_test_sshd_start (NULL, &error);
  ssh_session session;
  ssh_key stranger = NULL;

  g_assert_no_error (error);
  session = new_session (sshd);
  g_assert_cmpint (ssh_connect (session), ==, SSH_OK);

  /* A key the server never saw is refused. */
  g_assert_cmpint (culvert_test_generate_key (SSH_KEYTYPE_ED25519, 0, &stranger), ==, SSH_OK);
  g_assert_cmpint (ssh_userauth_publickey (session, NULL, stranger), ==, SSH_AUTH_DENIED);

  ssh_key_free (stranger);
  ssh_disconnect (session);
  ssh_free (session);
}

static void
test_ssh_connect_password (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CulvertTestSshd) sshd = NULL;
  ssh_session session;

  if (getuid () != 0)
    {
      g_test_skip ("password logins need sshd to run as root");
      return;
    }

  sshd = culvert_test_sshd_start (NULL, &error);
  g_assert_no_error (error);
  session = new_session (sshd);
  g_assert_cmpint (ssh_connect (session), ==, SSH_OK);
  g_assert_cmpint (ssh_userauth_password (session, NULL, "not the password"), ==, SSH_AUTH_DENIED);
  g_assert_cmpint (ssh_userauth_password (session, NULL, sshd->password), ==, SSH_AUTH_SUCCESS);
  ssh_disconnect (session);
  ssh_free (session);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  if (skip_all_without_sshd ("/ssh/connect-key"))
    return g_test_run ();

  g_test_add_func ("/ssh/connect-key", test_ssh_connect_key);
  g_test_add_func ("/ssh/connect-wrong-key", test_ssh_connect_wrong_key);
  g_test_add_func ("/ssh/connect-password", test_ssh_connect_password);

  return g_test_run ();
}

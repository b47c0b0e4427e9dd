/* test-login.c — culvert_ssh_login() against a real sshd: host keys and authentication
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libssh/libssh.h>
#include <libssh/server.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "culvert-ssh-login.h"
#include "culvert-test-sshd.h"

#define PASSPHRASE "correct horse battery staple"

/* What the callbacks saw, and what they answer. */
typedef struct
{
  GPtrArray *log;            /* lines */
  GPtrArray *prompts;        /* ask_secret and ask_kbdint prompts */
  GQueue     answers;        /* strings handed out in order; empty: cancel */
  guint      n_secret_calls;
  gboolean   last_is_passphrase;
  guint      n_confirm_calls;
  gboolean   confirm_answer;
  char      *confirm_label;
  char      *confirm_type;
  char      *confirm_fingerprint;
  guint      n_kbdint_calls;
  gboolean   kbdint_echo;
} Answers;

static void
answers_init (Answers *a)
{
  memset (a, 0, sizeof *a);
  a->log = g_ptr_array_new_with_free_func (g_free);
  a->prompts = g_ptr_array_new_with_free_func (g_free);
  g_queue_init (&a->answers);
}

static void
answers_clear (Answers *a)
{
  g_ptr_array_unref (a->log);
  g_ptr_array_unref (a->prompts);
  g_queue_clear_full (&a->answers, g_free);
  g_free (a->confirm_label);
  g_free (a->confirm_type);
  g_free (a->confirm_fingerprint);
}

static void
answers_push (Answers    *a,
              const char *answer)
{
  g_queue_push_tail (&a->answers, g_strdup (answer));
}

static gboolean
on_confirm_host_key (const char *host_label,
                     const char *key_type,
                     const char *fingerprint,
                     gpointer    user_data)
{
  Answers *a = user_data;

  a->n_confirm_calls++;
  g_free (a->confirm_label);
  g_free (a->confirm_type);
  g_free (a->confirm_fingerprint);
  a->confirm_label = g_strdup (host_label);
  a->confirm_type = g_strdup (key_type);
  a->confirm_fingerprint = g_strdup (fingerprint);

  return a->confirm_answer;
}

static char *
on_ask_secret (const char *prompt,
               gboolean    is_passphrase,
               gpointer    user_data)
{
  Answers *a = user_data;

  a->n_secret_calls++;
  a->last_is_passphrase = is_passphrase;
  g_ptr_array_add (a->prompts, g_strdup (prompt));

  return g_queue_pop_head (&a->answers);
}

static char **
on_ask_kbdint (const char         *name,
               const char         *instruction,
               const char * const *prompts,
               const gboolean     *echo,
               guint               n_prompts,
               gpointer            user_data)
{
  Answers *a = user_data;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  a->n_kbdint_calls++;
  g_assert_cmpuint (n_prompts, >, 0);
  for (guint i = 0; i < n_prompts; i++)
    {
      g_autofree char *answer = g_queue_pop_head (&a->answers);

      g_ptr_array_add (a->prompts, g_strdup (prompts[i]));
      a->kbdint_echo = a->kbdint_echo || echo[i];
      if (answer == NULL)
        return NULL;
      g_strv_builder_add (builder, answer);
    }

  return g_strv_builder_end (builder);
}

static void
on_log (const char *line,
        gpointer    user_data)
{
  Answers *a = user_data;

  g_test_message ("login: %s", line);
  g_ptr_array_add (a->log, g_strdup (line));
}

static CulvertLoginCallbacks
callbacks_for (Answers *a)
{
  CulvertLoginCallbacks callbacks = {
    .confirm_host_key = on_confirm_host_key,
    .ask_secret = on_ask_secret,
    .ask_kbdint = on_ask_kbdint,
    .log = on_log,
    .user_data = a,
  };

  return callbacks;
}

static gboolean
log_contains (Answers    *a,
              const char *needle)
{
  for (guint i = 0; i < a->log->len; i++)
    {
      if (strstr (a->log->pdata[i], needle) != NULL)
        return TRUE;
    }

  return FALSE;
}

static CulvertLoginOptions
options_for (CulvertTestSshd *sshd)
{
  CulvertLoginOptions options = {
    .host = "127.0.0.1",
    .port = sshd->port,
    .user = sshd->user,
    .auth_method = CULVERT_AUTH_AUTOMATIC,
    .identity_file = sshd->client_key_path,
    .known_hosts_file = sshd->known_hosts_path,
    .host_key_policy = CULVERT_HOST_KEY_STRICT,
    .connect_timeout = 10,
    .fd = -1,
    .use_agent = FALSE,
  };

  return options;
}

static void
session_close (ssh_session session)
{
  g_assert_nonnull (session);
  ssh_disconnect (session);
  ssh_free (session);
}

static CulvertTestSshd *
start_sshd (void)
{
  g_autoptr(GError) error = NULL;
  CulvertTestSshd *sshd = culvert_test_sshd_start (NULL, &error);

  g_assert_no_error (error);
  return sshd;
}

static char *
home_path (const char *name)
{
  return g_build_filename (g_get_home_dir (), name, NULL);
}

static void
remove_home_ssh (void)
{
  g_autofree char *dir = home_path (".ssh");
  const char *names[] = { "id_ed25519", "id_ed25519.pub", "id_ecdsa", "id_rsa", "known_hosts" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

static char *
fingerprint_of (ssh_key key)
{
  unsigned char *hash = NULL;
  size_t len = 0;
  char *fp;
  char *result;

  g_assert_cmpint (ssh_get_publickey_hash (key, SSH_PUBLICKEY_HASH_SHA256, &hash, &len), ==, 0);
  fp = ssh_get_fingerprint_hash (SSH_PUBLICKEY_HASH_SHA256, hash, len);
  result = g_strdup (fp);
  ssh_string_free_char (fp);
  ssh_clean_pubkey_hash (&hash);

  return result;
}

/* A fresh key pair at @path (and @path.pub unless !with_pub); returns its fingerprint. */
static char *
write_stranger_key (const char          *path,
                    enum ssh_keytypes_e  type,
                    int                  bits,
                    gboolean             with_pub)
{
  ssh_key key = NULL;
  char *b64 = NULL;
  char *fingerprint;
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_cmpint (culvert_test_generate_key (type, bits, &key), ==, SSH_OK);
  g_assert_cmpint (ssh_pki_export_privkey_file (key, NULL, NULL, NULL, path), ==, SSH_OK);
  if (with_pub)
    {
      g_autofree char *pub_path = g_strconcat (path, ".pub", NULL);
      g_autofree char *line = NULL;

      g_assert_cmpint (ssh_pki_export_pubkey_base64 (key, &b64), ==, SSH_OK);
      line = g_strdup_printf ("%s %s stranger\n", ssh_key_type_to_char (ssh_key_type (key)), b64);
      g_assert_true (g_file_set_contents (pub_path, line, -1, NULL));
      ssh_string_free_char (b64);
    }
  fingerprint = fingerprint_of (key);
  ssh_key_free (key);

  return fingerprint;
}

/* known_hosts entry for [127.0.0.1]:port holding another key; returns its fingerprint. */
static char *
write_other_known_host (CulvertTestSshd     *sshd,
                        enum ssh_keytypes_e  type,
                        int                  bits)
{
  ssh_key key = NULL;
  char *b64 = NULL;
  g_autofree char *line = NULL;
  char *fingerprint;

  g_assert_cmpint (culvert_test_generate_key (type, bits, &key), ==, SSH_OK);
  g_assert_cmpint (ssh_pki_export_pubkey_base64 (key, &b64), ==, SSH_OK);
  line = g_strdup_printf ("# a comment line\n[127.0.0.1]:%u %s %s\n", sshd->port,
                          ssh_key_type_to_char (ssh_key_type (key)), b64);
  g_assert_true (g_file_set_contents (sshd->known_hosts_path, line, -1, NULL));
  fingerprint = fingerprint_of (key);
  ssh_string_free_char (b64);
  ssh_key_free (key);

  return fingerprint;
}

static void
copy_client_key_home (CulvertTestSshd *sshd)
{
  g_autofree char *dir = home_path (".ssh");
  g_autofree char *dest = g_build_filename (dir, "id_ed25519", NULL);
  g_autofree char *dest_pub = g_strconcat (dest, ".pub", NULL);
  g_autofree char *src_pub = g_strconcat (sshd->client_key_path, ".pub", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *pub = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_get_contents (sshd->client_key_path, &contents, NULL, NULL));
  g_assert_true (g_file_set_contents_full (dest, contents, -1, G_FILE_SET_CONTENTS_NONE, 0600,
                                           NULL));
  g_assert_true (g_file_get_contents (src_pub, &pub, NULL, NULL));
  g_assert_true (g_file_set_contents (dest_pub, pub, -1, NULL));
}

static gboolean
need_root (void)
{
  if (getuid () != 0)
    {
      g_test_skip ("password and keyboard-interactive logins need sshd to run as root");
      return FALSE;
    }

  return TRUE;
}

/* Host keys */

static void
test_known_host_ok (void)
{
  g_autoptr(CulvertTestSshd) sshd = start_sshd ();
  g_autoptr(GError) error = NULL;
  CulvertLoginOptions options = options_for (sshd);
  CulvertLoginCallbacks callbacks;
  ssh_session session;
  Answers a;

  answers_init (&a);
  callbacks = callbacks_for (&a);
  session = culvert_ssh_login (&options, &callbacks, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (session);
  g_assert_true (ssh_is_connected (session));
  g_assert_true (ssh_is_blocking (session));
  /* The preferred cipher wins against OpenSSH. */
  g_assert_cmpstr (ssh_get_cipher_out (session), ==, "aes128-gcm@openssh.com");
  g_assert_cmpuint (a.n_confirm_calls, ==, 0);
  g_assert_cmpuint (a.n_secret_calls, ==, 0);
  g_assert_true (log_contains (&a, "Authenticated with key"));
  g_assert_true (log_contains (&a, sshd->host_key_fingerprint));
  session_close (session);
  answers_clear (&a);
}

static void
test_unknown_strict (void)
{
  g_autoptr(CulvertTestSshd) sshd = start_sshd ();
  g_autoptr(GError) error = NULL;
  g_autofree char *empty = g_build_filename (sshd->dir, "empty_known_hosts", NULL);
  CulvertLoginOptions options = options_for (sshd);
  CulvertLoginCallbacks callbacks;
  ssh_session session;
  Answers a;

  answers_init (&a);
  callbacks = callbacks_for (&a);
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  options.known_hosts_file = empty;

  session = culvert_ssh_login (&options, &callbacks, NULL, &error);
  g_assert_null (session);
  g_assert_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_HOST_KEY_UNKNOWN);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, sshd->host_key_fingerprint));
  g_assert_nonnull (strstr (error->message, "StrictHostKeyChecking=accept-new"));
  g_assert_cmpuint (a.n_confirm_calls, ==, 0);

  /* Nothing was recorded. */
  {
    g_autofree char *contents = NULL;

    g_assert_true (g_file_get_contents (empty, &contents, NULL, NULL));
    g_assert_cmpstr (contents, ==, "");
  }
  answers_clear (&a);
}

/* Whether OpenSSH's ssh-keygen finds @label in @file, hashed or not. */
static gboolean
ssh_keygen_finds (const char *file,
                  const char *label)
{
  const char *argv[] = { "ssh-keygen", "-F", label, "-f", file, NULL };
  g_autofree char *out = NULL;
  int status = -1;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH |
                               G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status,
                               NULL));
  return g_spawn_check_wait_status (status, NULL) && out != NULL && strstr (out, "found") != NULL;
}

/* What OpenSSH's ssh makes of @keyword for 127.0.0.1 from the system's
 * ssh_config alone (ssh -G prints the settings it would use). */
static char *
system_ssh_setting (const char *keyword)
{
  const char *argv[] = { "ssh", "-G", "-F", "/etc/ssh/ssh_config", "127.0.0.1", NULL };
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *prefix = g_strconcat (keyword, " ", NULL);
  int status = -1;

  if (!g_file_test ("/etc/ssh/ssh_config", G_FILE_TEST_EXISTS))
    return NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &out, NULL, &status, NULL));
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      return g_strdup (lines[i] + strlen (prefix));
  return NULL;
}

static void
test_unknown_accept_new (void)
{
  g_autoptr(CulvertTestSshd) sshd = start_sshd ();
  g_autoptr(GError) error = NULL;
  g_autofree char *ssh_dir = home_path (".ssh");
  g_autofree char *known = g_build_filename (ssh_dir, "known_hosts", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *host_pub = g_strconcat (sshd->host_key_path, ".pub", NULL);
  g_autofree char *host_pub_contents = NULL;
  g_auto(GStrv) host_pub_fields = NULL;
  CulvertLoginOptions options = options_for (sshd);
  CulvertLoginCallbacks callbacks;
  ssh_session session;
  GStatBuf st;
  Answers a;

  remove_home_ssh ();
  answers_init (&a);
  callbacks = callbacks_for (&a);
  /* The default file, in a ~/.ssh that does not exist yet. */
  options.known_hosts_file = NULL;
  options.host_key_policy = CULVERT_HOST_KEY_ACCEPT_NEW;

  session = culvert_ssh_login (&options, &callbacks, NULL, &error);
  g_assert_no_error (error);
  session_close (session);
  g_assert_cmpuint (a.n_confirm_calls, ==, 0);
  g_assert_true (log_contains (&a, "recorded in ~/.ssh/known_hosts"));

  g_assert_cmpint (g_stat (ssh_dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_true (g_file_get_contents (known, &contents, NULL, NULL));
  g_assert_true (g_file_get_contents (host_pub, &host_pub_contents, NULL, NULL));
  host_pub_fields = g_strsplit (host_pub_contents, " ", 3);
  {
    g_autofree char *label = g_strdup_printf ("[127.0.0.1]:%u", sshd->port);

    /* Hashed or not (HashKnownHosts, /login/host-key/hashed), OpenSSH
     * finds it. */
    g_assert_true (ssh_keygen_finds (known, label));
  }
  g_assert_nonnull (strstr (contents, host_pub_fields[1]));

  /* Now it is known: a strict login passes. */
  options.host_key_policy = CULVERT_HOST_KEY_STRICT;
  session = culvert_ssh_login (&options, &callbacks, NULL, &error);
  g_assert_no_error (error);
  session_close (session);
  answers_clear (&a);
  remove_home_ssh ();
}

/* An accepted key goes into known_hosts as the user's ssh_config says,
 * hashed with HashKnownHosts (OpenSSH's |1|salt|hash form, which OpenSSH's
 * ssh-keygen and ssh find), plain without it; the user's setting comes
 * first, then the system's (Debian's /etc/ssh/ssh_config says yes). Either
 * way Culvert finds it again. */
static void
test_hashed_known_hosts (void)
{
  g_autoptr(CulvertTestSshd) sshd = start_sshd ();
  g_autofree char *known = home_path (".ssh/known_hosts");
  g_autofree char *config = home_path (".ssh/config");
  g_autofree char *ssh_dir = home_path (".ssh");
  g_autofree char *label = g_strdup_printf ("[127.0.0.1]:%u", sshd->port);
  g_autofree char *system = system_ssh_setting ("hashknownhosts");
  const char *settings[] = { "yes", "no", NULL };

  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *contents = NULL;
      g_autofree char *port = g_strdup_printf ("%u", sshd->port);
      CulvertLoginOptions options = options_for (sshd);
      CulvertLoginCallbacks callbacks;
      gboolean hashed;
      ssh_session session;
      Answers a;
      int status = -1;
      const char *ssh_argv[] = {
        "ssh", "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
        "-o", NULL, "-o", "GlobalKnownHostsFile=/dev/null", "-i", sshd->client_key_path,
        "-p", port, "-l", sshd->user, "127.0.0.1", "true", NULL
      };
      g_autofree char *known_option = g_strconcat ("UserKnownHostsFile=", known, NULL);

      ssh_argv[8] = known_option;
      remove_home_ssh ();
      g_assert_cmpint (g_mkdir_with_parents (ssh_dir, 0700), ==, 0);
      if (settings[i] != NULL)
        {
          g_autofree char *text = g_strdup_printf ("Host *\n  HashKnownHosts %s\n", settings[i]);

          g_assert_true (g_file_set_contents (config, text, -1, NULL));
          hashed = g_str_equal (settings[i], "yes");
        }
      else
        {
          g_unlink (config);
          hashed = g_strcmp0 (system, "yes") == 0;
        }
      g_test_message ("HashKnownHosts %s: %s", settings[i] != NULL ? settings[i] : "(system)",
                      hashed ? "hashed" : "plain");

      answers_init (&a);
      callbacks = callbacks_for (&a);
      options.known_hosts_file = NULL;
      options.host_key_policy = CULVERT_HOST_KEY_ACCEPT_NEW;
      session = culvert_ssh_login (&options, &callbacks, NULL, &error);
      g_assert_no_error (error);
      session_close (session);

      g_assert_true (g_file_get_contents (known, &contents, NULL, NULL));
      if (hashed)
        {
          g_assert_true (g_str_has_prefix (contents, "|1|"));
          g_assert_null (strstr (contents, "127.0.0.1"));
        }
      else
        {
          g_assert_true (g_str_has_prefix (contents, label));
        }
      g_assert_true (ssh_keygen_finds (known, label));

      /* OpenSSH's ssh, strict, knows the server by this entry. */
      g_assert_true (g_spawn_sync (NULL, (char **) ssh_argv, NULL,
                                   G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                                   G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status,
                                   NULL));
      g_assert_true (g_spawn_check_wait_status (status, NULL));

      /* And so does Culvert, strict: one entry, found again. */
      options.host_key_policy = CULVERT_HOST_KEY_STRICT;
      session = culvert_ssh_login (&options, &callbacks, NULL, &error);
      g_assert_no_error (error);
      session_close (session);
      answers_clear (&a);
    }

  remove_home_ssh ();
  g_unlink (config);
}

static void
test_unknown_no (void)
{
  g_autoptr(CulvertTestSshd) sshd = start_sshd ();
  g_autoptr(GError) error = NULL;
  g_autofree char *known = g_build_filename (sshd->dir, "sub", "dir", "known_hosts", NULL);
  CulvertLoginOptions options = options_for (sshd);
  CulvertLoginCallbacks callbacks;
  ssh_session session;
  Answers a;

  answers_init (&a);
  callbacks = callbacks_for (&a);
  options.known_hosts_file = known;
  options.host_key_policy = CULVERT_HOST_KEY_NO;

  session = culvert_ssh_login (&options, &callbacks, NULL, &error);
  g_assert_no_error (error);
  session_close (session);
  g_assert_true (g_file_test (known, G_FILE_TEST_IS_REGULAR));
  answers_clear (&a);
}

static void
test_unknown_ask (void)
{
  g_autoptr(CulvertTestSshd) sshd = start_sshd ();
  g_autoptr(GError) error = NULL;
  g_autofree char *known = g_build_filename (sshd->dir, "ask_known_hosts", NULL);
  g_autofree char *label = g_strdup_printf ("[127.0.0.1]:%u", sshd->port);
  CulvertLoginOptions options = options_for (sshd);
  CulvertLoginCallbacks callbacks;
  CulvertLoginCallbacks no_confirm;
  ssh_session session;
  Answers a;

  answers_init (&a);
  callbacks = callbacks_for (&a);
  options.known_hosts_file = known;
  options.host_key_policy = CULVERT_HOST_KEY_ASK;

  /* Refused. */
  a.confirm_answer = FALSE;
  session = culvert_ssh_login (&options, &callbacks, NULL, &error);
  g_assert_null (session);
  g_assert_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_HOST_KEY_UNKNOWN);
  g_assert_cmpuint (a.n_confirm_calls, ==, 1);
  g_assert_cmpstr (a.confirm_label, ==, label);
  g_assert_cmpstr (a.confirm_type, ==, "ssh-ed25519");
  g_assert_cmpstr (a.confirm_fingerprint, ==, sshd->host_key_fingerprint);
  g_assert_false (g_file_test (known, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  /* No callback: refused too. */
  no_confirm = callbacks;
  no_confirm.confirm_host_key = NULL;
  session = culvert_ssh_login (&options, &no_confirm, NULL, &error);
  g_assert_null (session);
  g_assert_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_HOST_KEY_UNKNOWN);
  g_clear_error (&error);

  /* Accepted: recorded, and the next login does not ask. */
  a.confirm_answer = TRUE;
  session = culvert_ssh_login (&options, &callbacks, NULL, &error);
  g_assert_no_error (error);
  session_close (session);
  g_assert_cmpuint (a.n_confirm_calls, ==, 2);
  g_assert_true (g_file_test (known, G_FILE_TEST_IS_REGULAR));

  session = culvert_ssh_login (&options, &callbacks, NULL, &error);
  g_assert_no_error (error);
  session_close (session);
  g_assert_cmpuint (a.n_confirm_calls, ==, 2);
  answers_clear (&a);
}

static void
check_changed_refused (CulvertTestSshd *sshd,
                       const char      *old_fingerprint)
{
  const CulvertHostKeyPolicy policies[] = {
    CULVERT_HOST_KEY_ASK, CULVERT_HOST_KEY_STRICT, CULVERT_HOST_KEY_ACCEPT_NEW, CULVERT_HOST_KEY_NO,
  };
  g_autofree char *before = NULL;
  g_autofree char *fix = g_strdup_printf ("ssh-keygen -R '[127.0.0.1]:%u' -f %s",
                                          sshd->port, sshd->known_hosts_path);

  g_assert_true (g_file_get_contents (sshd->known_hosts_path, &before, NULL, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (policies); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *after = NULL;
      CulvertLoginOptions options = options_for (sshd);
      CulvertLoginCallbacks callbacks;
      ssh_session session;
      Answers a;

      answers_init (&a);
      callbacks = callbacks_for (&a);
      a.confirm_answer = TRUE;  /* would accept, if it were ever asked */
      options.host_key_policy = policies[i];

      session = culvert_ssh_login (&options, &callbacks, NULL, &error);
      g_assert_null (session);
      g_assert_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_HOST_KEY_CHANGED);
      if (i == 0)
        g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, old_fingerprint));
      g_assert_nonnull (strstr (error->message, sshd->host_key_fingerprint));
      g_assert_nonnull (strstr (error->message, fix));
      g_assert_cmpuint (a.n_confirm_calls, ==, 0);

      /* known_hosts is left alone. */
      g_assert_true (g_file_get_contents (sshd->known_hosts_path, &after, NULL, NULL));
      g_assert_cmpstr (after, ==, before);
      answers_clear (&a);
    }
}

static void
test_changed (void)
{
  g_autoptr(CulvertTestSshd) sshd = start_sshd ();
  g_autofree char *old_fingerprint = write_other_known_host (sshd, SSH_KEYTYPE_ED25519, 0);

  check_changed_refused (sshd, old_fingerprint);
}

static void
test_changed_other_type (void)
{
  g_autoptr(CulvertTestSshd) sshd = start_sshd ();
  g_autofree char *old_fingerprint = write_other_known_host (sshd, SSH_KEYTYPE_ECDSA_P256, 256);

  check_changed_refused (sshd, old_fingerprint);
}

/* Authentication */

static void
test_key_default_file (void)
{
  g_autoptr(CulvertTestSshd) sshd = start_sshd ();
  g_autoptr(GError) error = NULL;
  CulvertLoginOptions options = options_for (sshd);
  CulvertLoginCallbacks callbacks;
  ssh_session session;
  Answers a;

  answers_init (&a);
  callbacks = callbacks_for (&a);
  remove_home_ssh ();
  copy_client_key_home (sshd);
  options.identity_file = NULL;
  options.auth_method = CULVERT_AUTH_KEY;

  session = culvert_ssh_login (&options, &callbacks, NULL, &error);
  g_assert_no_error (error);
  session_close (session);
  g_assert_true (log_contains (&a, "Authenticated with key ~/.ssh/id_ed25519"));
  answers_clear (&a);
  remove_home_ssh ();
}

static void
test_key_wrong (void)
{
  g_autoptr(CulvertTestSshd) sshd = start_sshd ();
  g_autofree char *key = home_path (".ssh/id_ed25519");
  g_autofree char *other = g_build_filename (sshd->dir, "nopub_ed25519", NULL);
  g_autofree char *fp1 = NULL;
  g_autofree char *fp2 = NULL;
  Answers a;

  remove_home_ssh ();
  fp1 = write_stranger_key (key, SSH_KEYTYPE_ED25519, 0, TRUE);
  fp2 = write_stranger_key (other, SSH_KEYTYPE_ED25519, 0, FALSE);

  /* The default key, tried through its .pub, by AUTOMATIC and by KEY. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GError) error = NULL;
      CulvertLoginOptions options = options_for (sshd);
      CulvertLoginCallbacks callbacks;
      g_autofree char *denied = NULL;

      answers_init (&a);
      callbacks = callbacks_for (&a);
      options.identity_file = NULL;
      options.auth_method = i == 0 ? CULVERT_AUTH_KEY : CULVERT_AUTH_AUTOMATIC;
      if (getuid () == 0 && i == 1)
        {
          /* AUTOMATIC goes on to the password. */
          answers_push (&a, "wrong 1");
          answers_push (&a, "wrong 2");
          answers_push (&a, "wrong 3");
        }

      g_assert_null (culvert_ssh_login (&options, &callbacks, NULL, &error));
      g_assert_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_AUTH_DENIED);
      g_test_message ("%s", error->message);
      denied = g_strdup_printf ("Permission denied (publickey%s).",
                                getuid () == 0 ? ",password" : "");
      g_assert_true (g_str_has_prefix (error->message, denied));
      g_assert_nonnull (strstr (error->message, "The server rejected the key ~/.ssh/id_ed25519"));
      answers_clear (&a);
    }

  /* A key file without .pub: loaded, then refused. */
  {
    g_autoptr(GError) error = NULL;
    CulvertLoginOptions options = options_for (sshd);
    CulvertLoginCallbacks callbacks;
    g_autofree char *rejected = g_strdup_printf ("The server rejected the key %s", other);

    answers_init (&a);
    callbacks = callbacks_for (&a);
    options.identity_file = other;
    options.auth_method = CULVERT_AUTH_KEY;
    g_assert_null (culvert_ssh_login (&options, &callbacks, NULL, &error));
    g_assert_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_AUTH_DENIED);
    g_assert_nonnull (strstr (error->message, rejected));
    answers_clear (&a);
  }

  /* A key file that does not exist. */
  {
    g_autoptr(GError) error = NULL;
    CulvertLoginOptions options = options_for (sshd);
    CulvertLoginCallbacks callbacks;

    answers_init (&a);
    callbacks = callbacks_for (&a);
    options.identity_file = "/nonexistent/id_ed25519";
    options.auth_method = CULVERT_AUTH_KEY;
    g_assert_null (culvert_ssh_login (&options, &callbacks, NULL, &error));
    g_assert_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_AUTH_DENIED);
    g_assert_nonnull (strstr (error->message, "/nonexistent/id_ed25519 does not exist"));
    answers_clear (&a);
  }
  remove_home_ssh ();
}

static void
test_key_passphrase (void)
{
  g_autoptr(CulvertTestSshd) sshd = start_sshd ();
  g_autoptr(GError) error = NULL;
  g_autofree char *encrypted = culvert_test_sshd_encrypt_client_key (sshd, PASSPHRASE, &error);
  g_autofree char *encrypted_pub = NULL;
  CulvertLoginOptions options = options_for (sshd);
  CulvertLoginCallbacks callbacks;
  ssh_session session;
  Answers a;

  g_assert_no_error (error);
  encrypted_pub = g_strconcat (encrypted, ".pub", NULL);
  answers_init (&a);
  callbacks = callbacks_for (&a);
  options.identity_file = encrypted;
  options.auth_method = CULVERT_AUTH_KEY;

  /* A wrong passphrase first, then the right one. */
  answers_push (&a, "wrong passphrase");
  answers_push (&a, PASSPHRASE);
  session = culvert_ssh_login (&options, &callbacks, NULL, &error);
  g_assert_no_error (error);
  session_close (session);
  g_assert_cmpuint (a.n_secret_calls, ==, 2);
  g_assert_true (a.last_is_passphrase);
  g_assert_nonnull (strstr (a.prompts->pdata[0], encrypted));
  g_assert_true (log_contains (&a, "Wrong passphrase"));
  for (guint i = 0; i < a.log->len; i++)
    g_assert_null (strstr (a.log->pdata[i], PASSPHRASE));
  answers_clear (&a);

  /* Three wrong ones: denied. Without the .pub, the key is loaded first. */
  g_assert_cmpint (g_unlink (encrypted_pub), ==, 0);
  answers_init (&a);
  callbacks = callbacks_for (&a);
  answers_push (&a, "wrong 1");
  answers_push (&a, "wrong 2");
  answers_push (&a, "wrong 3");
  session = culvert_ssh_login (&options, &callbacks, NULL, &error);
  g_assert_null (session);
  g_assert_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_AUTH_DENIED);
  g_assert_nonnull (strstr (error->message, "Wrong passphrase"));
  g_assert_cmpuint (a.n_secret_calls, ==, 3);
  g_clear_error (&error);
  answers_clear (&a);

  /* Cancelled at the prompt. */
  answers_init (&a);
  callbacks = callbacks_for (&a);
  session = culvert_ssh_login (&options, &callbacks, NULL, &error);
  g_assert_null (session);
  g_assert_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_CANCELLED);
  g_assert_cmpuint (a.n_secret_calls, ==, 1);
  answers_clear (&a);
}

static void
test_password (void)
{
  g_autoptr(CulvertTestSshd) sshd = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *prompt = NULL;
  CulvertLoginOptions options;
  CulvertLoginCallbacks callbacks;
  ssh_session session;
  Answers a;

  if (!need_root ())
    return;

  sshd = start_sshd ();
  options = options_for (sshd);
  options.auth_method = CULVERT_AUTH_PASSWORD;
  prompt = g_strdup_printf ("Password for %s@127.0.0.1", sshd->user);

  /* Wrong, then right. */
  answers_init (&a);
  callbacks = callbacks_for (&a);
  answers_push (&a, "not the password");
  answers_push (&a, sshd->password);
  session = culvert_ssh_login (&options, &callbacks, NULL, &error);
  g_assert_no_error (error);
  session_close (session);
  g_assert_cmpuint (a.n_secret_calls, ==, 2);
  g_assert_false (a.last_is_passphrase);
  g_assert_cmpstr (a.prompts->pdata[0], ==, prompt);
  g_assert_true (log_contains (&a, "Authenticated with a password"));
  for (guint i = 0; i < a.log->len; i++)
    g_assert_null (strstr (a.log->pdata[i], sshd->password));
  answers_clear (&a);

  /* Wrong three times. */
  answers_init (&a);
  callbacks = callbacks_for (&a);
  answers_push (&a, "wrong 1");
  answers_push (&a, "wrong 2");
  answers_push (&a, "wrong 3");
  session = culvert_ssh_login (&options, &callbacks, NULL, &error);
  g_assert_null (session);
  g_assert_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_AUTH_DENIED);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "Permission denied (publickey,password)."));
  g_assert_cmpuint (a.n_secret_calls, ==, 3);
  g_clear_error (&error);
  answers_clear (&a);

  /* AUTOMATIC without any key falls through to the password. */
  remove_home_ssh ();
  answers_init (&a);
  callbacks = callbacks_for (&a);
  options.auth_method = CULVERT_AUTH_AUTOMATIC;
  options.identity_file = NULL;
  answers_push (&a, sshd->password);
  session = culvert_ssh_login (&options, &callbacks, NULL, &error);
  g_assert_no_error (error);
  session_close (session);
  g_assert_cmpuint (a.n_secret_calls, ==, 1);
  answers_clear (&a);

  /* Cancelled at the prompt. */
  answers_init (&a);
  callbacks = callbacks_for (&a);
  options.auth_method = CULVERT_AUTH_PASSWORD;
  session = culvert_ssh_login (&options, &callbacks, NULL, &error);
  g_assert_null (session);
  g_assert_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_CANCELLED);
  answers_clear (&a);
}

static void
test_kbdint (void)
{
  g_autoptr(CulvertTestSshd) sshd = NULL;
  g_autoptr(GError) error = NULL;
  CulvertLoginOptions options;
  CulvertLoginCallbacks callbacks;
  ssh_session session;
  Answers a;

  if (!need_root ())
    return;

  sshd = culvert_test_sshd_start_full (NULL, CULVERT_TEST_SSHD_KBDINT_PAM, &error);
  g_assert_no_error (error);
  options = options_for (sshd);
  options.auth_method = CULVERT_AUTH_KEYBOARD_INTERACTIVE;

  /* Right answer. */
  answers_init (&a);
  callbacks = callbacks_for (&a);
  answers_push (&a, sshd->password);
  session = culvert_ssh_login (&options, &callbacks, NULL, &error);
  g_assert_no_error (error);
  session_close (session);
  g_assert_cmpuint (a.n_kbdint_calls, ==, 1);
  g_assert_cmpstr (a.prompts->pdata[0], ==, "Password: ");
  g_assert_false (a.kbdint_echo);
  g_assert_true (log_contains (&a, "Authenticated with keyboard-interactive"));
  answers_clear (&a);

  /* Wrong, then right: asked again. */
  answers_init (&a);
  callbacks = callbacks_for (&a);
  answers_push (&a, "not the password");
  answers_push (&a, sshd->password);
  session = culvert_ssh_login (&options, &callbacks, NULL, &error);
  g_assert_no_error (error);
  session_close (session);
  g_assert_cmpuint (a.n_kbdint_calls, ==, 2);
  answers_clear (&a);

  /* Wrong three times: denied. */
  answers_init (&a);
  callbacks = callbacks_for (&a);
  answers_push (&a, "wrong 1");
  answers_push (&a, "wrong 2");
  answers_push (&a, "wrong 3");
  session = culvert_ssh_login (&options, &callbacks, NULL, &error);
  g_assert_null (session);
  g_assert_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_AUTH_DENIED);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message,
                                   "Permission denied (publickey,keyboard-interactive)."));
  g_clear_error (&error);
  answers_clear (&a);

  /* AUTOMATIC without a key reaches keyboard-interactive. */
  remove_home_ssh ();
  answers_init (&a);
  callbacks = callbacks_for (&a);
  options.auth_method = CULVERT_AUTH_AUTOMATIC;
  options.identity_file = NULL;
  answers_push (&a, sshd->password);
  session = culvert_ssh_login (&options, &callbacks, NULL, &error);
  g_assert_no_error (error);
  session_close (session);
  g_assert_cmpuint (a.n_kbdint_calls, ==, 1);
  answers_clear (&a);

  /* Cancelled. */
  answers_init (&a);
  callbacks = callbacks_for (&a);
  options.auth_method = CULVERT_AUTH_KEYBOARD_INTERACTIVE;
  session = culvert_ssh_login (&options, &callbacks, NULL, &error);
  g_assert_null (session);
  g_assert_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_CANCELLED);
  answers_clear (&a);

  /* A method the server does not offer. */
  answers_init (&a);
  callbacks = callbacks_for (&a);
  g_clear_error (&error);
  options.auth_method = CULVERT_AUTH_PASSWORD;
  session = culvert_ssh_login (&options, &callbacks, NULL, &error);
  g_assert_null (session);
  g_assert_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_AUTH_DENIED);
  g_assert_nonnull (strstr (error->message, "does not allow password authentication"));
  g_assert_cmpuint (a.n_secret_calls, ==, 0);
  answers_clear (&a);
}

static void
test_multi_factor (void)
{
  g_autoptr(CulvertTestSshd) sshd = NULL;
  g_autoptr(GError) error = NULL;
  CulvertLoginOptions options;
  CulvertLoginCallbacks callbacks;
  ssh_session session;
  Answers a;

  if (!need_root ())
    return;

  /* Key and then password: SSH_AUTH_PARTIAL in between. */
  sshd = culvert_test_sshd_start ("AuthenticationMethods publickey,password", &error);
  g_assert_no_error (error);
  options = options_for (sshd);
  answers_init (&a);
  callbacks = callbacks_for (&a);
  answers_push (&a, sshd->password);
  session = culvert_ssh_login (&options, &callbacks, NULL, &error);
  g_assert_no_error (error);
  session_close (session);
  g_assert_true (log_contains (&a, "the server asks for more"));
  g_assert_true (log_contains (&a, "Authenticated with a password"));
  answers_clear (&a);
}

static void
test_cancellable (void)
{
  g_autoptr(CulvertTestSshd) sshd = start_sshd ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  CulvertLoginOptions options = options_for (sshd);

  g_cancellable_cancel (cancellable);
  g_assert_null (culvert_ssh_login (&options, NULL, cancellable, &error));
  g_assert_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_CANCELLED);
}

static guint16
closed_port (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_assert_true (g_socket_bind (socket, address, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);

  /* Bound but not listening: connections are refused. */
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
test_connect_refused (void)
{
  g_autoptr(GError) error = NULL;
  guint16 port = closed_port ();
  g_autofree char *prefix = g_strdup_printf ("Could not connect to 127.0.0.1 port %u: ", port);
  CulvertLoginOptions options = {
    .host = "127.0.0.1",
    .port = port,
    .user = "nobody",
    .known_hosts_file = "/nonexistent/known_hosts",
    .host_key_policy = CULVERT_HOST_KEY_STRICT,
    .fd = -1,
  };

  g_assert_null (culvert_ssh_login (&options, NULL, NULL, &error));
  g_assert_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_CONNECT);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  g_assert_nonnull (strstr (error->message, "refused"));
}

static int
connect_fd (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  int fd;

  conn = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  fd = dup (g_socket_get_fd (g_socket_connection_get_socket (conn)));
  g_assert_cmpint (fd, >=, 0);

  return fd;
}

static void
test_given_fd (void)
{
  g_autoptr(CulvertTestSshd) sshd = start_sshd ();
  g_autofree char *empty = g_build_filename (sshd->dir, "empty_known_hosts", NULL);
  CulvertLoginOptions options = options_for (sshd);
  ssh_session session;
  int fd;

  /* Success through the caller's socket. */
  {
    g_autoptr(GError) error = NULL;

    fd = connect_fd (sshd->port);
    options.fd = fd;
    session = culvert_ssh_login (&options, NULL, NULL, &error);
    g_assert_no_error (error);
    session_close (session);
    g_assert_cmpint (fcntl (fd, F_GETFD), !=, -1);
    close (fd);
  }

  /* A failure leaves the caller's socket open. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (g_file_set_contents (empty, "", 0, NULL));
    fd = connect_fd (sshd->port);
    options.fd = fd;
    options.known_hosts_file = empty;
    g_assert_null (culvert_ssh_login (&options, NULL, NULL, &error));
    g_assert_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_HOST_KEY_UNKNOWN);
    g_assert_cmpint (fcntl (fd, F_GETFD), !=, -1);
    close (fd);
  }
}

static void
test_agent (void)
{
  g_autoptr(CulvertTestSshd) sshd = start_sshd ();
  g_autofree char *agent = g_find_program_in_path ("ssh-agent");
  g_autofree char *sock = g_build_filename (sshd->dir, "agent.sock", NULL);
  g_autoptr(GSubprocess) agent_proc = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) add = NULL;
  g_autoptr(GError) error = NULL;
  gint64 deadline;

  if (agent == NULL)
    {
      g_test_skip ("ssh-agent is missing (install openssh-client)");
      return;
    }

  remove_home_ssh ();
  agent_proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error,
                                 agent, "-D", "-a", sock, NULL);
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!g_file_test (sock, G_FILE_TEST_EXISTS) && g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);
  g_assert_true (g_file_test (sock, G_FILE_TEST_EXISTS));

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_setenv (launcher, "SSH_AUTH_SOCK", sock, TRUE);
  add = g_subprocess_launcher_spawn (launcher, &error, "ssh-add", sshd->client_key_path, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (add, NULL, &error));
  g_assert_no_error (error);

  g_setenv ("SSH_AUTH_SOCK", sock, TRUE);
  for (guint i = 0; i < 2; i++)
    {
      CulvertLoginOptions options = options_for (sshd);
      CulvertLoginCallbacks callbacks;
      ssh_session session;
      Answers a;

      answers_init (&a);
      callbacks = callbacks_for (&a);
      options.identity_file = NULL;
      options.use_agent = TRUE;
      options.auth_method = i == 0 ? CULVERT_AUTH_AGENT : CULVERT_AUTH_AUTOMATIC;
      session = culvert_ssh_login (&options, &callbacks, NULL, &error);
      g_assert_no_error (error);
      session_close (session);
      g_assert_true (log_contains (&a, "Authenticated with a key from the SSH agent"));
      answers_clear (&a);
    }

  /* AGENT without an agent: denied, and says why. */
  g_unsetenv ("SSH_AUTH_SOCK");
  {
    CulvertLoginOptions options = options_for (sshd);

    options.identity_file = NULL;
    options.use_agent = TRUE;
    options.auth_method = CULVERT_AUTH_AGENT;
    g_assert_null (culvert_ssh_login (&options, NULL, NULL, &error));
    g_assert_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_AUTH_DENIED);
    g_assert_nonnull (strstr (error->message, "SSH_AUTH_SOCK"));
  }

  g_subprocess_force_exit (agent_proc);
  g_subprocess_wait (agent_proc, NULL, NULL);
}

/* A server made with libssh's server API that answers every
 * keyboard-interactive request with another round of zero prompts. */
typedef struct
{
  int       listen_fd;
  char     *host_key_path;
  guint     rounds;
  GThread  *thread;
} EmptyRoundsServer;

static gpointer
empty_rounds_thread (gpointer data)
{
  EmptyRoundsServer *server = data;
  ssh_bind bind = ssh_bind_new ();
  ssh_session session = ssh_new ();
  ssh_message message;
  int fd = accept (server->listen_fd, NULL, NULL);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ssh_bind_options_set (bind, SSH_BIND_OPTIONS_HOSTKEY, server->host_key_path),
                   ==, SSH_OK);
  g_assert_cmpint (ssh_bind_accept_fd (bind, session, fd), ==, SSH_OK);
  if (ssh_handle_key_exchange (session) == SSH_OK)
    {
      ssh_set_auth_methods (session, SSH_AUTH_METHOD_INTERACTIVE);
      while ((message = ssh_message_get (session)) != NULL)
        {
          if (ssh_message_type (message) == SSH_REQUEST_AUTH &&
              ssh_message_subtype (message) == SSH_AUTH_METHOD_INTERACTIVE &&
              server->rounds < 1000)
            {
              server->rounds++;
              ssh_message_auth_interactive_request (message, "", "", 0, NULL, NULL);
            }
          else
            {
              ssh_message_auth_set_methods (message, SSH_AUTH_METHOD_INTERACTIVE);
              ssh_message_reply_default (message);
            }
          ssh_message_free (message);
        }
    }

  ssh_disconnect (session);
  ssh_free (session);
  ssh_bind_free (bind);
  close (fd);
  return NULL;
}

/* Keyboard-interactive gives up on a server that asks nothing forever. */
static void
test_kbdint_empty_rounds (void)
{
  g_autofree char *dir = g_dir_make_tmp ("culvert-kbdint-XXXXXX", NULL);
  g_autofree char *known_hosts = g_build_filename (dir, "known_hosts", NULL);
  g_autoptr(GError) error = NULL;
  EmptyRoundsServer server = { 0 };
  CulvertLoginCallbacks callbacks;
  CulvertLoginOptions options = {
    .host = "127.0.0.1",
    .user = g_get_user_name (),
    .auth_method = CULVERT_AUTH_KEYBOARD_INTERACTIVE,
    .known_hosts_file = known_hosts,
    .host_key_policy = CULVERT_HOST_KEY_NO,
    .connect_timeout = 10,
    .fd = -1,
  };
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof addr;
  ssh_key key = NULL;
  ssh_session session;
  Answers a;

  server.host_key_path = g_build_filename (dir, "host_key", NULL);
  g_assert_cmpint (culvert_test_generate_key (SSH_KEYTYPE_ED25519, 0, &key), ==, SSH_OK);
  g_assert_cmpint (ssh_pki_export_privkey_file (key, NULL, NULL, NULL, server.host_key_path),
                   ==, SSH_OK);
  ssh_key_free (key);

  server.listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (bind (server.listen_fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (listen (server.listen_fd, 1), ==, 0);
  g_assert_cmpint (getsockname (server.listen_fd, (struct sockaddr *) &addr, &len), ==, 0);
  options.port = ntohs (addr.sin_port);
  server.thread = g_thread_new ("empty-rounds", empty_rounds_thread, &server);

  answers_init (&a);
  callbacks = callbacks_for (&a);
  session = culvert_ssh_login (&options, &callbacks, NULL, &error);
  g_assert_null (session);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "empty keyboard-interactive"));
  g_assert_cmpuint (a.n_kbdint_calls, ==, 0);
  g_thread_join (server.thread);
  g_assert_cmpuint (server.rounds, >, 1);
  g_assert_cmpuint (server.rounds, <, 20);

  answers_clear (&a);
  close (server.listen_fd);
  g_free (server.host_key_path);
  {
    g_autoptr(GFile) file = g_file_new_for_path (dir);
    g_autoptr(GFileEnumerator) children = g_file_enumerate_children (file, "standard::name", 0,
                                                                     NULL, NULL);
    GFileInfo *info;

    while (children && (info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
      {
        g_autoptr(GFile) child = g_file_get_child (file, g_file_info_get_name (info));

        g_file_delete (child, NULL, NULL);
        g_object_unref (info);
      }
    g_file_delete (file, NULL, NULL);
  }
}

/* Remembered secrets: tried before asking, reported after */

typedef struct
{
  Answers  *answers;
  char     *remembered;      /* what recall_secret hands out, once */
  guint     n_recalls;
  GString  *results;         /* "password:recalled:rejected;" … */
} Keyring;

static char *
on_recall_secret (gboolean is_passphrase,
                  gpointer user_data)
{
  Keyring *k = user_data;

  k->n_recalls++;
  return g_strdup (k->remembered);
}

static void
on_secret_result (gboolean    is_passphrase,
                  const char *secret,
                  gboolean    recalled,
                  gboolean    accepted,
                  gpointer    user_data)
{
  Keyring *k = user_data;

  g_string_append_printf (k->results, "%s:%s:%s:%s;",
                          is_passphrase ? "passphrase" : "password", secret,
                          recalled ? "recalled" : "asked",
                          accepted ? "accepted" : "rejected");
}

static char *
keyring_ask_secret (const char *prompt,
                    gboolean    is_passphrase,
                    gpointer    user_data)
{
  return on_ask_secret (prompt, is_passphrase, ((Keyring *) user_data)->answers);
}

static void
keyring_log (const char *line,
             gpointer    user_data)
{
  on_log (line, ((Keyring *) user_data)->answers);
}

static CulvertLoginCallbacks
keyring_callbacks (Keyring  *k,
                   gboolean  can_ask)
{
  CulvertLoginCallbacks callbacks = {
    .ask_secret = can_ask ? keyring_ask_secret : NULL,
    .log = keyring_log,
    .recall_secret = on_recall_secret,
    .secret_result = on_secret_result,
    .user_data = k,
  };

  return callbacks;
}

static void
test_remembered_password (void)
{
  g_autoptr(CulvertTestSshd) sshd = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) expected = g_string_new (NULL);
  CulvertLoginOptions options;
  CulvertLoginCallbacks callbacks;
  Answers a;
  Keyring k = { &a, NULL, 0, NULL };

  if (!need_root ())
    return;
  sshd = start_sshd ();
  options = options_for (sshd);
  options.auth_method = CULVERT_AUTH_PASSWORD;
  options.identity_file = NULL;

  /* A remembered password the server rejects: reported, then the user is asked. */
  answers_init (&a);
  k.results = g_string_new (NULL);
  k.remembered = g_strdup ("an old password");
  answers_push (&a, sshd->password);
  callbacks = keyring_callbacks (&k, TRUE);
  session_close (culvert_ssh_login (&options, &callbacks, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (k.n_recalls, ==, 1);
  g_assert_cmpuint (a.n_secret_calls, ==, 1);
  g_string_printf (expected, "password:an old password:recalled:rejected;password:%s:asked:accepted;",
                   sshd->password);
  g_assert_cmpstr (k.results->str, ==, expected->str);
  g_clear_pointer (&k.remembered, g_free);
  g_string_free (k.results, TRUE);
  answers_clear (&a);

  /* Nobody to ask (headless without a terminal): the remembered one logs in. */
  answers_init (&a);
  k.results = g_string_new (NULL);
  k.n_recalls = 0;
  k.remembered = g_strdup (sshd->password);
  callbacks = keyring_callbacks (&k, FALSE);
  session_close (culvert_ssh_login (&options, &callbacks, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (k.n_recalls, ==, 1);
  g_assert_cmpuint (a.n_secret_calls, ==, 0);
  g_string_printf (expected, "password:%s:recalled:accepted;", sshd->password);
  g_assert_cmpstr (k.results->str, ==, expected->str);
  g_clear_pointer (&k.remembered, g_free);
  g_string_free (k.results, TRUE);
  answers_clear (&a);

  /* Nobody to ask and a wrong one remembered: denied, and it says so. */
  answers_init (&a);
  k.results = g_string_new (NULL);
  k.remembered = g_strdup ("an old password");
  callbacks = keyring_callbacks (&k, FALSE);
  g_assert_null (culvert_ssh_login (&options, &callbacks, NULL, &error));
  g_assert_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_AUTH_DENIED);
  g_assert_cmpstr (k.results->str, ==, "password:an old password:recalled:rejected;");
  g_clear_error (&error);
  g_clear_pointer (&k.remembered, g_free);
  g_string_free (k.results, TRUE);
  answers_clear (&a);
}

static void
test_remembered_passphrase (void)
{
  g_autoptr(CulvertTestSshd) sshd = start_sshd ();
  g_autoptr(GError) error = NULL;
  g_autofree char *key = culvert_test_sshd_encrypt_client_key (sshd, PASSPHRASE, &error);
  CulvertLoginOptions options = options_for (sshd);
  CulvertLoginCallbacks callbacks;
  Answers a;
  Keyring k = { &a, NULL, 0, NULL };

  g_assert_no_error (error);
  options.auth_method = CULVERT_AUTH_KEY;
  options.identity_file = key;

  answers_init (&a);
  k.results = g_string_new (NULL);
  k.remembered = g_strdup (PASSPHRASE);
  callbacks = keyring_callbacks (&k, FALSE);
  session_close (culvert_ssh_login (&options, &callbacks, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (k.results->str, ==, "passphrase:" PASSPHRASE ":recalled:accepted;");
  g_clear_pointer (&k.remembered, g_free);
  g_string_free (k.results, TRUE);
  answers_clear (&a);

  /* Wrong: reported, then asked. */
  answers_init (&a);
  k.results = g_string_new (NULL);
  k.remembered = g_strdup ("not it");
  answers_push (&a, PASSPHRASE);
  callbacks = keyring_callbacks (&k, TRUE);
  session_close (culvert_ssh_login (&options, &callbacks, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (a.n_secret_calls, ==, 1);
  g_assert_true (a.last_is_passphrase);
  g_assert_cmpstr (k.results->str, ==,
                   "passphrase:not it:recalled:rejected;passphrase:" PASSPHRASE ":asked:accepted;");
  g_clear_pointer (&k.remembered, g_free);
  g_string_free (k.results, TRUE);
  answers_clear (&a);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *reason = NULL;

  g_test_init (&argc, &argv, NULL);

  if (!culvert_test_sshd_available (&reason))
    {
      g_test_message ("SKIP: %s", reason);
      g_test_add_data_func ("/login/known-host", reason, (GTestDataFunc) g_test_skip);
      return g_test_run ();
    }

  g_test_add_func ("/login/host-key/known", test_known_host_ok);
  g_test_add_func ("/login/host-key/unknown-strict", test_unknown_strict);
  g_test_add_func ("/login/host-key/unknown-accept-new", test_unknown_accept_new);
  g_test_add_func ("/login/host-key/unknown-no", test_unknown_no);
  g_test_add_func ("/login/host-key/hashed", test_hashed_known_hosts);
  g_test_add_func ("/login/host-key/unknown-ask", test_unknown_ask);
  g_test_add_func ("/login/host-key/changed", test_changed);
  g_test_add_func ("/login/host-key/changed-other-type", test_changed_other_type);
  g_test_add_func ("/login/auth/key-default-file", test_key_default_file);
  g_test_add_func ("/login/auth/key-wrong", test_key_wrong);
  g_test_add_func ("/login/auth/key-passphrase", test_key_passphrase);
  g_test_add_func ("/login/auth/password", test_password);
  g_test_add_func ("/login/auth/keyboard-interactive", test_kbdint);
  g_test_add_func ("/login/auth/keyboard-interactive-empty-rounds", test_kbdint_empty_rounds);
  g_test_add_func ("/login/auth/multi-factor", test_multi_factor);
  g_test_add_func ("/login/auth/agent", test_agent);
  g_test_add_func ("/login/cancellable", test_cancellable);
  g_test_add_func ("/login/connect-refused", test_connect_refused);
  g_test_add_func ("/login/given-fd", test_given_fd);
  g_test_add_func ("/login/auth/remembered-password", test_remembered_password);
  g_test_add_func ("/login/auth/remembered-passphrase", test_remembered_passphrase);

  return g_test_run ();
}

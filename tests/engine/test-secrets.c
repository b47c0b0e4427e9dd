/* test-secrets.c — secrets go to the real desktop keyring and nowhere else
 *
 * Runs inside culvert-test-env --keyring: a private D-Bus session with a real
 * gnome-keyring-daemon whose login collection is unlocked.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "culvert-paths.h"
#include "culvert-secrets.h"

#define PROFILE_ID "3f0c2a52-7a4e-4a0e-9d55-0d5d4f5e9a11"
#define PASSWORD   "correct horse battery staple 7341"

/* Fails the test if @needle appears in any file below @path. */
static void
assert_not_in_tree (const char *path,
                    const char *needle)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      g_autofree char *contents = NULL;
      gsize len;

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        {
          assert_not_in_tree (child, needle);
          continue;
        }
      if (g_file_get_contents (child, &contents, &len, NULL) &&
          g_strstr_len (contents, len, needle) != NULL)
        g_error ("the secret was found in %s", child);
    }
}

static void
test_secrets_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *config_dir = culvert_paths_dup_config_dir ();
  char *found;

  g_assert_true (culvert_secrets_store_sync (CULVERT_SECRET_PASSWORD, PROFILE_ID,
                                             "alice", "db.example.org",
                                             "Culvert: alice@db.example.org",
                                             PASSWORD, NULL, &error));
  g_assert_no_error (error);

  /* Found again under the same keys… */
  found = culvert_secrets_lookup_sync (CULVERT_SECRET_PASSWORD, PROFILE_ID,
                                       "alice", "db.example.org", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, PASSWORD);
  culvert_secrets_free (found);

  /* …and not under other ones. */
  found = culvert_secrets_lookup_sync (CULVERT_SECRET_PASSWORD, PROFILE_ID,
                                       "bob", "db.example.org", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (found);
  found = culvert_secrets_lookup_sync (CULVERT_SECRET_KEY_PASSPHRASE, PROFILE_ID,
                                       "alice", "db.example.org", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (found);

  /* The secret is nowhere in our configuration, plain text or otherwise. */
  g_assert_true (culvert_paths_ensure_private_dir (config_dir, &error));
  g_assert_no_error (error);
  assert_not_in_tree (config_dir, PASSWORD);
  assert_not_in_tree (g_get_user_config_dir (), PASSWORD);

  /* Clearing removes it. */
  g_assert_true (culvert_secrets_clear_sync (CULVERT_SECRET_PASSWORD, PROFILE_ID,
                                             "alice", "db.example.org", NULL, &error));
  g_assert_no_error (error);
  found = culvert_secrets_lookup_sync (CULVERT_SECRET_PASSWORD, PROFILE_ID,
                                       "alice", "db.example.org", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (found);
}

static void
test_secrets_in_keyring_files (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *keyrings = g_build_filename (g_get_user_data_dir (), "keyrings", NULL);
  g_autofree char *found = NULL;

  /* The keyring really is the store: after a write its encrypted file exists,
   * and the password is not readable in it. */
  g_assert_true (culvert_secrets_store_sync (CULVERT_SECRET_KEY_PASSPHRASE, PROFILE_ID,
                                             "alice", "gw.example.org", "Culvert key passphrase",
                                             PASSWORD, NULL, &error));
  g_assert_no_error (error);
  found = culvert_secrets_lookup_sync (CULVERT_SECRET_KEY_PASSPHRASE, PROFILE_ID,
                                       "alice", "gw.example.org", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, PASSWORD);
  g_assert_true (g_file_test (keyrings, G_FILE_TEST_IS_DIR));
  assert_not_in_tree (keyrings, PASSWORD);
}

static void
test_paths_private_dir (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = culvert_paths_dup_profiles_dir ();
  GStatBuf st;

  g_assert_true (culvert_paths_ensure_private_dir (dir, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_true (g_str_has_prefix (dir, g_get_user_config_dir ()));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/secrets/round-trip", test_secrets_round_trip);
  g_test_add_func ("/secrets/in-keyring-files", test_secrets_in_keyring_files);
  g_test_add_func ("/paths/private-dir", test_paths_private_dir);

  return g_test_run ();
}

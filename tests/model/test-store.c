/* test-store.c — saved connections survive restarts, damage and newer versions
 *
 * Runs in culvert-test-env: HOME and XDG_CONFIG_HOME are a fresh temporary
 * directory for every run.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "culvert-paths.h"
#include "culvert-profile-store.h"
#include "model-test-util.h"

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *base = g_dir_make_tmp ("culvert-store-XXXXXX", &error);

  g_assert_no_error (error);
  fixture->dir = g_build_filename (base, "profiles", NULL);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *base = g_path_get_dirname (fixture->dir);

  remove_tree (base);
  g_free (fixture->dir);
}

static CulvertProfile *
make_profile (const char *name,
              const char *host)
{
  CulvertProfile *profile = culvert_profile_new ();
  g_autoptr(CulvertForward) forward = NULL;

  culvert_profile_set_name (profile, name);
  culvert_profile_set_host (profile, host);
  forward = culvert_forward_parse (CULVERT_FORWARD_LOCAL, "8080:intranet:80", NULL);
  culvert_profile_add_forward (profile, forward);
  return profile;
}

static CulvertProfileStore *
load_store (const char *dir)
{
  g_autoptr(GError) error = NULL;
  CulvertProfileStore *store = culvert_profile_store_new (dir);

  g_assert_true (culvert_profile_store_load (store, &error));
  g_assert_no_error (error);
  return store;
}

static char *
profile_path (const char     *dir,
              CulvertProfile *profile)
{
  g_autofree char *basename = g_strconcat (culvert_profile_get_id (profile), ".profile", NULL);

  return g_build_filename (dir, basename, NULL);
}

static void
test_round_trip (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(CulvertProfileStore) store = load_store (fixture->dir);
  g_autoptr(CulvertProfileStore) again = NULL;
  g_autoptr(CulvertProfile) profile = culvert_profile_new ();
  g_autoptr(CulvertProfile) loaded = NULL;
  g_autoptr(CulvertForward) forward = NULL;
  g_autoptr(GError) error = NULL;
  const char *hops[] = { "alice@gw;1", "[::1]:2222", NULL };

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);

  g_object_set (profile,
                "name", "Wiki = “work”\nsecond line",
                "host", "wiki.example.org",
                "port", 2222,
                "user", "alice",
                "auth-method", CULVERT_AUTH_KEYBOARD_INTERACTIVE,
                "identity-file", "/home/alice/.ssh/id ed25519",
                "jump-hosts", hops,
                "proxy-mode", CULVERT_PROXY_CUSTOM,
                "proxy-url", "http://proxy.example.org:3128",
                "proxy-bypass", "*.lab.example.org, 10.*.*.*",
                "keepalive-interval", 0,
                "keepalive-count", 7,
                "reconnect", FALSE,
                "connect-at-startup", TRUE,
                "gateway-ports", TRUE,
                "known-hosts-file", "/tmp/kh",
                NULL);
  forward = culvert_forward_parse (CULVERT_FORWARD_REMOTE, "*:0:[fe80::1%eth0]:22", NULL);
  culvert_forward_set_description (forward, "Let the office in; really");
  culvert_forward_set_enabled (forward, FALSE);
  culvert_profile_add_forward (profile, forward);
  g_clear_object (&forward);
  forward = culvert_forward_parse (CULVERT_FORWARD_DYNAMIC, "1080", NULL);
  culvert_profile_add_forward (profile, forward);
  /* Unix-domain sockets on either side. */
  g_clear_object (&forward);
  forward = culvert_forward_parse (CULVERT_FORWARD_LOCAL, "/tmp/x/docker.sock:/var/run/docker.sock",
                                   NULL);
  culvert_profile_add_forward (profile, forward);
  g_clear_object (&forward);
  forward = culvert_forward_parse (CULVERT_FORWARD_REMOTE, "9000:/run/app.sock", NULL);
  culvert_profile_add_forward (profile, forward);

  g_assert_true (culvert_profile_store_save_profile (store, profile, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
  /* Saving again does not add it twice. */
  g_assert_true (culvert_profile_store_save_profile (store, profile, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);

  again = load_store (fixture->dir);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (again)), ==, 1);
  g_assert_cmpuint (culvert_profile_store_get_problems (again)->len, ==, 0);
  loaded = g_list_model_get_item (G_LIST_MODEL (again), 0);
  assert_profiles_equal (profile, loaded, FALSE);
}

static void
test_permissions (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(CulvertProfileStore) store = culvert_profile_store_new (fixture->dir);
  g_autoptr(CulvertProfile) profile = make_profile ("Web", "web.example.org");
  g_autofree char *path = profile_path (fixture->dir, profile);
  g_autoptr(GError) error = NULL;
  struct stat st;

  /* Even a file or folder that was readable by others before. */
  g_assert_cmpint (g_mkdir_with_parents (fixture->dir, 0755), ==, 0);
  g_assert_cmpint (g_chmod (fixture->dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents_full (path, "[Profile]\nHost=old\n", -1, 0, 0644, NULL));

  g_assert_true (culvert_profile_store_save_profile (store, profile, &error));
  g_assert_no_error (error);

  g_assert_cmpint (g_stat (fixture->dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

static void
test_default_directory (void)
{
  g_autoptr(CulvertProfileStore) store = culvert_profile_store_new (NULL);
  g_autoptr(CulvertProfile) profile = make_profile ("Web", "web.example.org");
  g_autofree char *expected = g_build_filename (g_get_user_config_dir (), "culvert", "profiles",
                                                NULL);
  g_autofree char *path = profile_path (expected, profile);
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (culvert_profile_store_get_directory (store), ==, expected);
  g_assert_true (culvert_profile_store_save_profile (store, profile, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_unlink (path);
}

static void
count_problem (CulvertProfileStore *store,
               const GError        *error,
               guint               *count)
{
  g_assert_error (error, CULVERT_PROFILE_STORE_ERROR, CULVERT_PROFILE_STORE_ERROR_DAMAGED);
  (*count)++;
}

static const char * const damage[] = {
  "[Profile\nHost=a\n",                       /* broken group header */
  "this is not a key file at all\n",
  "[Profile]\nHost=\xff\xfe\n",               /* not UTF-8 */
  "[Other]\nHost=a\n",                        /* no [Profile] */
  "[Profile]\nHost=a\nPort=twenty-two\n",
  "[Profile]\nHost=a\nPort=70000\n",
  "[Profile]\nHost=a\nReconnect=maybe\n",
  "[Profile]\nHost=a\n[Forward 0]\nKind=local\nBindPort=http\n",
  "[Profile]\nHost=a\n[Forward 0]\nBindPort=80\n",
};

static void
test_damaged_file (Fixture       *fixture,
                   gconstpointer  data)
{
  for (guint d = 0; d < G_N_ELEMENTS (damage); d++)
    {
      g_autoptr(CulvertProfileStore) store = culvert_profile_store_new (fixture->dir);
      g_autoptr(CulvertProfileStore) again = NULL;
      g_autoptr(CulvertProfile) good1 = make_profile ("A good one", "a.example.org");
      g_autoptr(CulvertProfile) bad = make_profile ("The bad one", "b.example.org");
      g_autoptr(CulvertProfile) good2 = make_profile ("Another good one", "c.example.org");
      g_autoptr(CulvertProfile) replacement = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GDir) dir = NULL;
      g_autofree char *bad_path = NULL;
      g_autofree char *aside_path = NULL;
      g_autofree char *aside_contents = NULL;
      GPtrArray *problems;
      const GError *problem;
      const char *name;
      guint signalled = 0;

      g_test_message ("damage %u", d);
      remove_tree (fixture->dir);
      g_assert_true (culvert_profile_store_save_profile (store, good1, &error));
      g_assert_true (culvert_profile_store_save_profile (store, bad, &error));
      g_assert_true (culvert_profile_store_save_profile (store, good2, &error));
      g_assert_no_error (error);

      bad_path = profile_path (fixture->dir, bad);
      g_assert_true (g_file_set_contents (bad_path, damage[d], -1, NULL));

      again = culvert_profile_store_new (fixture->dir);
      g_signal_connect (again, "problem", G_CALLBACK (count_problem), &signalled);
      g_assert_true (culvert_profile_store_load (again, &error));
      g_assert_no_error (error);

      /* The others load, in name order. */
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (again)), ==, 2);
      g_assert_nonnull (culvert_profile_store_find (again, "A good one"));
      g_assert_nonnull (culvert_profile_store_find (again, "Another good one"));
      g_assert_null (culvert_profile_store_find (again, culvert_profile_get_id (bad)));

      /* The user is told, with the file's name and where it went. */
      problems = culvert_profile_store_get_problems (again);
      g_assert_cmpuint (problems->len, ==, 1);
      g_assert_cmpuint (signalled, ==, 1);
      problem = g_ptr_array_index (problems, 0);
      g_assert_error (problem, CULVERT_PROFILE_STORE_ERROR, CULVERT_PROFILE_STORE_ERROR_DAMAGED);
      g_assert_nonnull (strstr (problem->message, culvert_profile_get_id (bad)));
      g_assert_nonnull (strstr (problem->message, ".damaged-"));

      /* Nothing is lost: the bytes are kept, under a new name. */
      g_assert_false (g_file_test (bad_path, G_FILE_TEST_EXISTS));
      dir = g_dir_open (fixture->dir, 0, NULL);
      while ((name = g_dir_read_name (dir)) != NULL)
        if (strstr (name, ".damaged-") != NULL)
          {
            g_assert_null (aside_path);
            g_assert_true (g_str_has_prefix (name, culvert_profile_get_id (bad)));
            aside_path = g_build_filename (fixture->dir, name, NULL);
          }
      g_assert_nonnull (aside_path);
      g_assert_true (g_file_get_contents (aside_path, &aside_contents, NULL, NULL));
      g_assert_cmpstr (aside_contents, ==, damage[d]);

      /* Saving a profile with the same id never touches the damaged copy. */
      replacement = make_profile ("Rewritten", "b.example.org");
      culvert_profile_set_id (replacement, culvert_profile_get_id (bad));
      g_assert_true (culvert_profile_store_save_profile (again, replacement, &error));
      g_assert_no_error (error);
      g_clear_pointer (&aside_contents, g_free);
      g_assert_true (g_file_get_contents (aside_path, &aside_contents, NULL, NULL));
      g_assert_cmpstr (aside_contents, ==, damage[d]);

      /* And loading again does not report it a second time. */
      g_assert_true (culvert_profile_store_load (again, &error));
      g_assert_cmpuint (culvert_profile_store_get_problems (again)->len, ==, 0);
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (again)), ==, 3);
    }
}

/* Makes @path impossible to rename or replace, even for root. */
static gboolean
set_immutable (const char *path,
               gboolean    immutable)
{
  const char *argv[] = { "chattr", immutable ? "+i" : "-i", path, NULL };
  int status = -1;

  return g_spawn_sync (NULL, (char **) argv, NULL,
                       G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                       NULL, NULL, NULL, NULL, &status, NULL) &&
         g_spawn_check_wait_status (status, NULL);
}

/* A damaged file that cannot be moved aside costs only itself: the load
 * succeeds with the other profiles, says what happened to that file, and the
 * store never writes over it. */
static void
test_damaged_file_cannot_move (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(CulvertProfileStore) store = NULL;
  g_autoptr(CulvertProfile) profile = culvert_profile_new ();
  g_autoptr(CulvertProfile) intact = make_profile ("Intact", "intact.example.org");
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  GPtrArray *problems;
  const GError *problem;
  gboolean loaded;

  /* Only root can make a file that cannot be renamed (chattr +i): the store
   * makes its folder 0700 again before reading it, so a read-only folder
   * does not stop the move. */
  if (getuid () != 0)
    {
      g_test_skip ("a file that cannot be moved aside needs root (chattr +i)");
      return;
    }

  store = culvert_profile_store_new (fixture->dir);
  g_assert_true (culvert_profile_store_save_profile (store, intact, &error));
  g_assert_no_error (error);
  g_clear_object (&store);

  path = profile_path (fixture->dir, profile);
  g_assert_true (g_file_set_contents (path, "garbage", -1, NULL));
  if (!set_immutable (path, TRUE))
    {
      g_test_fail_printf ("chattr +i %s failed: the test folder's file system must "
                          "support immutable files when run as root", path);
      return;
    }

  store = culvert_profile_store_new (fixture->dir);
  loaded = culvert_profile_store_load (store, &error);
  set_immutable (path, FALSE);

  g_assert_no_error (error);
  g_assert_true (loaded);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
  g_assert_true (culvert_profile_store_find (store, "Intact") != NULL);
  problems = culvert_profile_store_get_problems (store);
  g_assert_cmpuint (problems->len, ==, 1);
  problem = g_ptr_array_index (problems, 0);
  g_assert_error (problem, CULVERT_PROFILE_STORE_ERROR, CULVERT_PROFILE_STORE_ERROR_DAMAGED);
  g_assert_nonnull (strstr (problem->message, path));
  g_assert_nonnull (strstr (problem->message, "could not be moved aside"));

  /* The store refuses to write that profile, and the file is as it was. */
  g_assert_false (culvert_profile_store_save_profile (store, profile, &error));
  g_assert_error (error, CULVERT_PROFILE_STORE_ERROR, CULVERT_PROFILE_STORE_ERROR_LOCKED);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "garbage");
}

static void
test_unknown_keys_survive (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(CulvertProfileStore) store = NULL;
  g_autoptr(CulvertProfile) profile = NULL;
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (fixture->dir, "future.profile", NULL);
  g_autofree char *value = NULL;
  const char *newer =
    "[Profile]\n"
    "Id=future\n"
    "Name=From the future\n"
    "Host=future.example.org\n"
    "AuthMethod=fido2\n"
    "Compression=zstd\n"
    "[Forward 0]\n"
    "Kind=local\n"
    "BindPort=8080\n"
    "DestinationHost=intranet\n"
    "DestinationPort=80\n"
    "Color=green\n"
    "[Forward 1]\n"
    "Kind=unix-socket\n"
    "Path=/run/app.sock\n"
    "[Statistics]\n"
    "BytesIn=12345\n";

  g_assert_cmpint (g_mkdir_with_parents (fixture->dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, newer, -1, NULL));

  store = load_store (fixture->dir);
  g_assert_cmpuint (culvert_profile_store_get_problems (store)->len, ==, 0);
  profile = culvert_profile_store_find (store, "future");
  g_assert_nonnull (profile);
  g_object_ref (profile);
  g_assert_cmpint (culvert_profile_get_auth_method (profile), ==, CULVERT_AUTH_AUTOMATIC);
  g_assert_cmpuint (g_list_model_get_n_items (culvert_profile_get_forwards (profile)), ==, 1);

  /* An edit and a save keep everything this version did not understand. */
  culvert_profile_set_port (profile, 2200);
  g_assert_true (culvert_profile_store_save_profile (store, profile, &error));
  g_assert_no_error (error);

  g_assert_true (g_key_file_load_from_file (key_file, path, 0, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_key_file_get_integer (key_file, "Profile", "Port", NULL), ==, 2200);
  value = g_key_file_get_string (key_file, "Profile", "AuthMethod", NULL);
  g_assert_cmpstr (value, ==, "fido2");
  g_clear_pointer (&value, g_free);
  value = g_key_file_get_string (key_file, "Profile", "Compression", NULL);
  g_assert_cmpstr (value, ==, "zstd");
  g_clear_pointer (&value, g_free);
  value = g_key_file_get_string (key_file, "Forward 0", "Color", NULL);
  g_assert_cmpstr (value, ==, "green");
  g_clear_pointer (&value, g_free);
  value = g_key_file_get_string (key_file, "Forward 1", "Kind", NULL);
  g_assert_cmpstr (value, ==, "unix-socket");
  g_clear_pointer (&value, g_free);
  value = g_key_file_get_string (key_file, "Forward 1", "Path", NULL);
  g_assert_cmpstr (value, ==, "/run/app.sock");
  g_clear_pointer (&value, g_free);
  value = g_key_file_get_string (key_file, "Statistics", "BytesIn", NULL);
  g_assert_cmpstr (value, ==, "12345");
  g_clear_pointer (&value, g_free);

  /* A value the user chose replaces the unknown one. */
  culvert_profile_set_auth_method (profile, CULVERT_AUTH_PASSWORD);
  g_assert_true (culvert_profile_store_save_profile (store, profile, &error));
  g_assert_true (g_key_file_load_from_file (key_file, path, 0, &error));
  value = g_key_file_get_string (key_file, "Profile", "AuthMethod", NULL);
  g_assert_cmpstr (value, ==, "password");
}

static void
test_delete_and_find (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(CulvertProfileStore) store = culvert_profile_store_new (fixture->dir);
  g_autoptr(CulvertProfileStore) again = NULL;
  g_autoptr(CulvertProfile) web = make_profile ("Web", "web.example.org");
  g_autoptr(CulvertProfile) mail = make_profile ("Mail", "mail.example.org");
  g_autoptr(GError) error = NULL;
  g_autofree char *web_path = profile_path (fixture->dir, web);

  g_assert_true (culvert_profile_store_save_profile (store, web, &error));
  g_assert_true (culvert_profile_store_save_profile (store, mail, &error));
  g_assert_no_error (error);

  g_assert_true (culvert_profile_store_find (store, "Web") == web);
  g_assert_true (culvert_profile_store_find (store, "mail") == mail);
  g_assert_true (culvert_profile_store_find (store, culvert_profile_get_id (mail)) == mail);
  g_assert_null (culvert_profile_store_find (store, "Nothing"));

  g_assert_true (culvert_profile_store_delete_profile (store, web, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (web_path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);

  again = load_store (fixture->dir);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (again)), ==, 1);
  g_assert_null (culvert_profile_store_find (again, "Web"));
  g_assert_nonnull (culvert_profile_store_find (again, "Mail"));
}

/* Fails the test if @needle is in any file below @path. */
static void
assert_not_in_tree (const char *path,
                    const char *needle)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      g_autofree char *contents = NULL;
      gsize len;

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        assert_not_in_tree (child, needle);
      else if (g_file_get_contents (child, &contents, &len, NULL) &&
               g_strstr_len (contents, len, needle) != NULL)
        g_error ("the secret “%s” was written to %s", needle, child);
    }
}

#define SECRET "correcthorse7341"

/* The one secret the profile API can carry, a proxy URL's password, never
 * reaches a file: not the profile's, not any other under the config folder.
 * The rest of the URL is kept, and the profile in memory is not changed. */
static void
test_no_secrets_on_disk (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(CulvertProfileStore) store = culvert_profile_store_new (fixture->dir);
  g_autoptr(CulvertProfile) profile = make_profile ("Web", "web.example.org");
  g_autofree char *base = g_path_get_dirname (fixture->dir);
  g_autofree char *path = profile_path (fixture->dir, profile);
  struct { const char *given; const char *kept; } urls[] = {
    { "http://alice:" SECRET "@proxy.example.org:3128", "http://alice@proxy.example.org:3128" },
    { "socks5://bob:" SECRET "@[2001:db8::1]:1080", "socks5://bob@[2001:db8::1]:1080" },
    /* Not a URL at all: everything before the '@' goes. */
    { "alice:" SECRET "@proxy.example.org:3128", "proxy.example.org:3128" },
  };

  culvert_profile_set_auth_method (profile, CULVERT_AUTH_PASSWORD);
  culvert_profile_set_proxy_mode (profile, CULVERT_PROXY_CUSTOM);

  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      g_autoptr(CulvertProfileStore) again = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *contents = NULL;
      CulvertProfile *loaded;

      culvert_profile_set_proxy_url (profile, urls[i].given);
      g_assert_true (culvert_profile_store_save_profile (store, profile, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (culvert_profile_get_proxy_url (profile), ==, urls[i].given);

      assert_not_in_tree (base, SECRET);
      assert_not_in_tree (g_get_user_config_dir (), SECRET);
      g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
      g_assert_null (strstr (contents, "Password="));
      g_assert_null (strstr (contents, "Passphrase"));
      g_assert_null (strstr (contents, "Secret"));

      again = load_store (fixture->dir);
      loaded = culvert_profile_store_find (again, "Web");
      g_assert_nonnull (loaded);
      g_assert_cmpstr (culvert_profile_get_proxy_url (loaded), ==, urls[i].kept);
      g_assert_cmpint (culvert_profile_get_auth_method (loaded), ==, CULVERT_AUTH_PASSWORD);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/store/round-trip", test_round_trip);
  ADD ("/store/permissions", test_permissions);
  ADD ("/store/damaged-file", test_damaged_file);
  ADD ("/store/damaged-file-cannot-move", test_damaged_file_cannot_move);
  ADD ("/store/unknown-keys-survive", test_unknown_keys_survive);
  ADD ("/store/delete-and-find", test_delete_and_find);
  ADD ("/store/no-secrets-on-disk", test_no_secrets_on_disk);
#undef ADD
  g_test_add_func ("/store/default-directory", test_default_directory);

  return g_test_run ();
}

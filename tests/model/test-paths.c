/* test-paths.c — where host keys go, in and out of the Flatpak sandbox
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>

#include "culvert-paths.h"

typedef struct
{
  char *home;
  char *data;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->home = g_dir_make_tmp ("culvert-paths-XXXXXX", &error);
  g_assert_no_error (error);
  f->data = g_build_filename (f->home, ".var", "app", "data", NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *ssh_dir = g_build_filename (f->home, ".ssh", NULL);

  g_rmdir (ssh_dir);
  g_rmdir (f->home);
  g_free (f->home);
  g_free (f->data);
}

/* Outside a sandbox Culvert shares ~/.ssh/known_hosts with OpenSSH, even
 * before ~/.ssh exists (recording the first key creates it). */
static void
test_paths_known_hosts_outside (Fixture       *f,
                                gconstpointer  data)
{
  g_autofree char *path = culvert_paths_choose_known_hosts_file (f->home, f->data, FALSE);
  g_autofree char *expected = g_build_filename (f->home, ".ssh", "known_hosts", NULL);

  g_assert_cmpstr (path, ==, expected);
}

/* In the Flatpak without access to ~/.ssh, a key recorded there would be
 * lost when the app exits: the app's own file in its data folder instead. */
static void
test_paths_known_hosts_sandboxed (Fixture       *f,
                                  gconstpointer  data)
{
  g_autofree char *path = culvert_paths_choose_known_hosts_file (f->home, f->data, TRUE);
  g_autofree char *expected = g_build_filename (f->data, "culvert", "known_hosts", NULL);

  g_assert_cmpstr (path, ==, expected);
}

/* A user who granted ~/.ssh (flatpak override --filesystem=~/.ssh) gets the
 * shared file back. */
static void
test_paths_known_hosts_sandboxed_granted (Fixture       *f,
                                          gconstpointer  data)
{
  g_autofree char *ssh_dir = g_build_filename (f->home, ".ssh", NULL);
  g_autofree char *path = NULL;
  g_autofree char *expected = g_build_filename (ssh_dir, "known_hosts", NULL);

  g_assert_cmpint (g_mkdir (ssh_dir, 0700), ==, 0);
  path = culvert_paths_choose_known_hosts_file (f->home, f->data, TRUE);
  g_assert_cmpstr (path, ==, expected);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/paths/known-hosts/outside", Fixture, NULL,
              fixture_setup, test_paths_known_hosts_outside, fixture_teardown);
  g_test_add ("/paths/known-hosts/sandboxed", Fixture, NULL,
              fixture_setup, test_paths_known_hosts_sandboxed, fixture_teardown);
  g_test_add ("/paths/known-hosts/sandboxed-granted", Fixture, NULL,
              fixture_setup, test_paths_known_hosts_sandboxed_granted, fixture_teardown);

  return g_test_run ();
}

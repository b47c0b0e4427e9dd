/* fuzz-ssh-config.c — libFuzzer target for the ssh_config parser
 *
 * Parses any bytes and builds profiles; every profile exported as an
 * ssh_config block must import back as one profile with every setting the
 * same (name, host, port, user, jump hosts, files, forwards), but for a
 * setting the export names in a "# Left out:" comment.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "culvert-ssh-config.h"
#include "../model/model-test-util.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

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

static void
check_round_trip (CulvertProfile *profile)
{
  g_autoptr(CulvertSshConfig) config = culvert_ssh_config_new ();
  g_autoptr(GPtrArray) profiles = NULL;
  g_autoptr(CulvertProfile) expected = NULL;
  g_autofree char *text = culvert_profile_to_ssh_config (profile);
  g_autofree char *command = culvert_profile_to_command_line (profile);
  CulvertProfile *back;

  if (!g_str_has_prefix (command, "ssh -N "))
    abort ();

  culvert_ssh_config_parse_data (config, text, strlen (text), "export");
  profiles = culvert_ssh_config_build_profiles (config, NULL);
  if (profiles->len != 1)
    abort ();
  back = g_ptr_array_index (profiles, 0);

  /* Every setting (name, host, user, port, jump hosts, files, forwards)
   * reads back the same, but for what the export says it left out. */
  expected = culvert_profile_copy (profile, FALSE);
  copy_left_out (text, expected, back);
  assert_profiles_equal (expected, back, TRUE);
}

/* g_error() in assert_profiles_equal() ends in SIGTRAP, which libFuzzer
 * does not catch: make it an abort that leaves the input behind. */
static void
abort_on_error (const char     *domain,
                GLogLevelFlags  level,
                const char     *message,
                gpointer        user_data)
{
  g_printerr ("%s: %s\n", domain, message);
  abort ();
}

int LLVMFuzzerInitialize (int    *argc,
                          char ***argv);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_log_set_handler (G_LOG_DOMAIN, G_LOG_LEVEL_ERROR | G_LOG_FLAG_FATAL, abort_on_error, NULL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(CulvertSshConfig) config = culvert_ssh_config_new ();
  g_autoptr(CulvertSshImportReport) report = culvert_ssh_import_report_new ();
  g_autoptr(GPtrArray) profiles = NULL;
  g_autofree char *text = NULL;

  culvert_ssh_config_parse_data (config, (const char *) data, size, "fuzz");
  profiles = culvert_ssh_config_build_profiles (config, report);
  text = culvert_ssh_import_report_to_string (report);

  for (guint i = 0; i < profiles->len; i++)
    check_round_trip (g_ptr_array_index (profiles, i));

  return 0;
}

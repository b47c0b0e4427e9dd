/* fuzz-ssh-config.c — libFuzzer target for the ssh_config parser
 *
 * Parses any bytes and builds profiles; every profile exported as an
 * ssh_config block must import back with the same host, port, user and
 * forwards.
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

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
check_round_trip (CulvertProfile *profile)
{
  g_autoptr(CulvertSshConfig) config = culvert_ssh_config_new ();
  g_autoptr(GPtrArray) profiles = NULL;
  g_autofree char *text = culvert_profile_to_ssh_config (profile);
  g_autofree char *command = culvert_profile_to_command_line (profile);
  CulvertProfile *back;
  GListModel *a, *b;

  if (!g_str_has_prefix (command, "ssh -N "))
    abort ();

  culvert_ssh_config_parse_data (config, text, strlen (text), "export");
  profiles = culvert_ssh_config_build_profiles (config, NULL);
  if (profiles->len != 1)
    abort ();

  back = g_ptr_array_index (profiles, 0);
  if (g_strcmp0 (culvert_profile_get_host (back), culvert_profile_get_host (profile)) != 0 ||
      g_strcmp0 (culvert_profile_get_user (back), culvert_profile_get_user (profile)) != 0 ||
      culvert_profile_get_port (back) != culvert_profile_get_port (profile))
    abort ();

  a = culvert_profile_get_forwards (profile);
  b = culvert_profile_get_forwards (back);
  if (g_list_model_get_n_items (a) != g_list_model_get_n_items (b))
    abort ();
  for (guint i = 0; i < g_list_model_get_n_items (a); i++)
    {
      g_autoptr(CulvertForward) fa = g_list_model_get_item (a, i);
      g_autoptr(CulvertForward) fb = g_list_model_get_item (b, i);

      if (!culvert_forward_equal (fa, fb))
        abort ();
    }
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

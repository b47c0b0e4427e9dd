/* fuzz-forward-spec.c — libFuzzer target for the -L/-R/-D spec parser
 *
 * The first byte picks the kind, the rest is the spec. Whatever parses must
 * format to a spec that parses back to an equal forward.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <stdint.h>
#include <stdlib.h>

#include "culvert-forward.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(CulvertForward) forward = NULL;
  g_autoptr(CulvertForward) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *spec = NULL;
  g_autofree char *formatted = NULL;
  g_autofree char *effective = NULL;
  CulvertForwardKind kind;

  if (size < 1)
    return 0;

  kind = (CulvertForwardKind) (data[0] % 3);
  spec = g_strndup ((const char *) data + 1, size - 1);

  forward = culvert_forward_parse (kind, spec, &error);
  if (forward == NULL)
    {
      if (error == NULL || error->domain != CULVERT_FORWARD_ERROR || error->message[0] == '\0')
        abort ();
      return 0;
    }

  effective = culvert_forward_dup_effective_bind_address (forward);
  (void) culvert_forward_is_off_host (forward);
  (void) culvert_forward_is_off_host_full (forward, TRUE);

  formatted = culvert_forward_to_string (forward);
  again = culvert_forward_parse (kind, formatted, &error);
  if (again == NULL || !culvert_forward_equal (forward, again))
    abort ();

  return 0;
}

/* fuzz-proxy-bypass.c — libFuzzer target for the proxy bypass matcher
 *
 * Input: the bypass list, a newline, the host. A plain host name always
 * matches a list that names it.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "culvert-address.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *input = g_strndup ((const char *) data, size);
  char *newline = strchr (input, '\n');
  const char *list = input;
  const char *host;

  if (newline == NULL)
    {
      host = input;
      list = NULL;
    }
  else
    {
      *newline = '\0';
      host = newline + 1;
    }

  (void) culvert_proxy_bypass_matches (list, host);
  (void) culvert_proxy_bypass_matches ("", host);
  (void) culvert_address_classify (host);

  /* Names are valid host names; a list naming exactly that host matches it. */
  if (culvert_address_is_valid_host (host) && strchr (host, ':') == NULL &&
      !culvert_proxy_bypass_matches (host, host))
    abort ();

  return 0;
}

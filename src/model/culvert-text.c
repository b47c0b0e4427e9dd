/* culvert-text.c — text from elsewhere, made safe to show
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "culvert-text.h"

char *
culvert_text_for_terminal (const char *text)
{
  g_autofree char *valid = NULL;
  GString *out;

  if (text == NULL)
    return NULL;

  valid = g_utf8_make_valid (text, -1);
  out = g_string_sized_new (strlen (valid));

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '\n' || c == '\t')
        g_string_append_c (out, (char) c);
      else if (c == '\\')
        g_string_append (out, "\\\\");
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\%03o", c);
      else if ((c >= 0x80 && c < 0xa0) || g_unichar_type (c) == G_UNICODE_FORMAT)
        /* C1 controls (a single CSI among them) and invisible format
         * characters such as the bidirectional overrides. */
        g_string_append_printf (out, "\\u%04X", c);
      else
        g_string_append_unichar (out, c);
    }

  return g_string_free (out, FALSE);
}

/* test-text.c — what a server says is shown on a terminal, never obeyed
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>

#include "culvert-text.h"

static void
test_for_terminal (void)
{
  static const struct
  {
    const char *in;
    const char *out;
  } cases[] = {
    { "Password: ", "Password: " },
    { "Two lines\n\tand a tab", "Two lines\n\tand a tab" },
    /* Colours, the window title, cursor moves and a clear screen. */
    { "\033[31mred\033[0m", "\\033[31mred\\033[0m" },
    { "\033]0;owned\007Password:", "\\033]0;owned\\007Password:" },
    { "a\rb\bc\x7f", "a\\015b\\010c\\177" },
    /* A single-byte CSI, the bidirectional override, a backslash. */
    { "\xc2\x9b" "2J", "\\u009B2J" },
    { "abc\xe2\x80\xae" "txt", "abc\\u202Etxt" },
    { "C:\\path", "C:\\\\path" },
    /* Not UTF-8: replaced, not passed on. */
    { "\xff\xfe ok", "\xef\xbf\xbd\xef\xbf\xbd ok" },
    { "Grüße 🙂", "Grüße 🙂" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = culvert_text_for_terminal (cases[i].in);

      g_assert_cmpstr (out, ==, cases[i].out);
    }
  g_assert_null (culvert_text_for_terminal (NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/text/for-terminal", test_for_terminal);

  return g_test_run ();
}

/* culvert-text.h — text from elsewhere, made safe to show
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * culvert_text_for_terminal:
 * @text: (nullable): text a server or a file chose, such as a
 *   keyboard-interactive prompt
 *
 * Returns: @text with every control character but newline and tab
 *   written as an octal escape (`\033`), a backslash doubled and bytes
 *   that are not UTF-8 replaced, so that printing it to a terminal cannot
 *   move the cursor, change colours or the title, or hide text, as
 *   OpenSSH's client shows such text. %NULL for %NULL.
 */
char *culvert_text_for_terminal (const char *text);

G_END_DECLS

/* culvert-question.h — something the engine needs the user to decide or type
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "culvert-engine-types.h"

G_BEGIN_DECLS

#define CULVERT_TYPE_QUESTION (culvert_question_get_type ())

G_DECLARE_FINAL_TYPE (CulvertQuestion, culvert_question, CULVERT, QUESTION, GObject)

CulvertQuestionKind  culvert_question_get_kind     (CulvertQuestion    *self);
/* HOST_KEY: "[host]:port"; PASSWORD: the prompt naming user@host;
 * PASSPHRASE: the prompt naming the key file; KEYBOARD_INTERACTIVE: the name. */
const char          *culvert_question_get_title    (CulvertQuestion    *self);
/* HOST_KEY: the "SHA256:…" fingerprint; KEYBOARD_INTERACTIVE: the instruction. */
const char          *culvert_question_get_detail   (CulvertQuestion    *self);
const char          *culvert_question_get_key_type (CulvertQuestion    *self);
const char * const  *culvert_question_get_prompts  (CulvertQuestion    *self);
gboolean             culvert_question_get_echo     (CulvertQuestion    *self,
                                                    guint               prompt);
/* PASSWORD, PASSPHRASE: whether "Remember" can be offered (the keyring
 * works and the connection is a saved one), and if not because of the
 * keyring, why, in words for the user (NULL otherwise). */
gboolean             culvert_question_get_can_remember     (CulvertQuestion *self);
const char          *culvert_question_get_remember_problem (CulvertQuestion *self);
/* HOST_KEY_CHANGED, a notice with nothing to accept (the connection is
 * refused): the title is the host label, the key type and detail are the
 * offered key's; these say what known_hosts holds (NULL when unreadable). */
const char          *culvert_question_get_known_key_type    (CulvertQuestion *self);
const char          *culvert_question_get_known_fingerprint (CulvertQuestion *self);
const char          *culvert_question_get_known_location    (CulvertQuestion *self);
const char          *culvert_question_get_fix_command       (CulvertQuestion *self);
/* HOST_KEY, HOST_KEY_CHANGED: the machine whose key this is: the jump host's
 * own name (as in its "user@host:port", without the user) and SSH port when
 * the key is a hop's, else the server's; 22 when no port was given. NULL
 * and 0 for other kinds. Also the read-only properties "host", "port" and
 * "is-jump-host". */
const char          *culvert_question_get_host         (CulvertQuestion *self);
guint16              culvert_question_get_port         (CulvertQuestion *self);
gboolean             culvert_question_get_is_jump_host (CulvertQuestion *self);
gboolean             culvert_question_is_answered  (CulvertQuestion    *self);
/* HOST_KEY: accepted or not. Secrets: one answer; keyboard-interactive: one
 * answer per prompt. The answers are wiped after use. */
void                 culvert_question_answer       (CulvertQuestion    *self,
                                                    gboolean            accepted,
                                                    const char * const *answers);
/* PASSWORD, PASSPHRASE: store the answer in the keyring once it worked.
 * Set before answering; ignored when it cannot be remembered. */
void                 culvert_question_set_remember (CulvertQuestion    *self,
                                                    gboolean            remember);
gboolean             culvert_question_get_remember (CulvertQuestion    *self);
void                 culvert_question_cancel       (CulvertQuestion    *self);

G_END_DECLS

/* culvert-test-wizard.h — walking the wizard, for the tests that do
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "culvert-application.h"
#include "gui-test-util.h"
#include "culvert-test-sshd.h"
#include "culvert-window-private.h"
#include "culvert-wizard-private.h"

G_BEGIN_DECLS

/* The GUI tests' fixture, with what walking the wizard needs. */
typedef struct
{
  Fixture             base;
  CulvertTestSshd    *sshd;
  Echo               *echo;
  CulvertWizard      *wizard;
  guint               clicks;
  gboolean            saw_dialog;
} WizardFixture;

void     wizard_test_init      (int          *argc,
                                char       ***argv);
void     wizard_test_shutdown  (void);
void     wizard_fixture_setup  (WizardFixture *f,
                                gconstpointer  data);
void     wizard_fixture_teardown (WizardFixture *f,
                                  gconstpointer  data);
/* Starts sshd and an echo server; the fixture's key becomes the user's
 * default key. FALSE (and the test skipped) when sshd cannot run. */
gboolean start_sshd            (WizardFixture *f);
/* A click a user could make, counted in f->clicks. */
void     press                 (WizardFixture *f,
                                GtkWidget     *widget);
void     type                  (gpointer       row,
                                const char    *text);
gboolean has_wizard            (gpointer       data);
gboolean has_no_wizard         (gpointer       data);
gboolean has_no_message_dialog (gpointer       data);
gboolean host_key_question     (gpointer       data);
/* Clicks "New Connection…" in the empty window. */
void     open_wizard           (WizardFixture *f);
/* Clicks Next and checks the page it leads to. */
void     next                  (WizardFixture *f,
                                const char    *expected_page);
void     fill_server           (WizardFixture *f,
                                guint16        port);
void     fill_forward          (WizardFixture *f,
                                guint16        listen,
                                const char    *host,
                                guint16        destination);
/* The one saved profile is connected and its forward listens; answers
 * the host-key question of a new server on the way. */
gboolean profile_connected     (gpointer       data);

G_END_DECLS

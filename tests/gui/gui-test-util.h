/* gui-test-util.h — what the GUI tests share: waiting, finding widgets,
 * connections against the real sshd, an echoing destination
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "culvert-test-gui.h"

#include <adwaita.h>

#include "culvert-adw-compat.h"
#include "culvert-application.h"
#include "culvert-test-sshd.h"
#include "culvert-window.h"

G_BEGIN_DECLS

/* One application per process: it owns its D-Bus name once registered.
 * Each test program sets it up in main(). */
extern CulvertApplication *the_app;

typedef struct
{
  CulvertApplication *app;
  CulvertWindow      *window;
} Fixture;

/* A new window on the_app; the teardown closes every window and deletes
 * every connection (stopping its tunnel first). */
void            fixture_setup      (Fixture        *f,
                                    gconstpointer   data);
void            fixture_teardown   (Fixture        *f,
                                    gconstpointer   data);

/* Runs the main context until @check is TRUE; FALSE after 10 s. */
gboolean        widget_is_mapped   (gpointer        data);
GtkWidget      *find_widget        (GtkWidget      *root,
                                    GType           type,
                                    gboolean      (*match) (GtkWidget *, gconstpointer),
                                    gconstpointer   data);
/* find_widget(), run again until it finds one (@match usually asks for a
 * mapped widget: an AdwDialog's content comes on screen a frame or more
 * after the dialog); NULL after 10 s. */
GtkWidget      *wait_for_widget    (GtkWidget      *root,
                                    GType           type,
                                    gboolean      (*match) (GtkWidget *, gconstpointer),
                                    gconstpointer   data);
/* A visible toplevel of @type, or a dialog of @type shown in one, or NULL. */
gpointer        find_toplevel      (GType           type);
gboolean        has_message_dialog (gpointer        data);

/* A visible alert (culvert-adw-compat.h) with this heading (any, for NULL). */
GtkWidget      *find_dialog        (const char     *heading);
/* How many alerts with this heading (any, for NULL) are on screen. */
guint           count_dialogs      (const char     *heading);
gboolean        has_dialog_titled  (gpointer        heading);
gboolean        has_no_dialog_titled (gpointer        heading);
/* Clicks the mapped, sensitive button labelled @label in @dialog. */
void            click              (GtkWidget      *dialog,
                                    const char     *label);
/* Appends "label|" (or "(icon)|") for each mapped button under @root. */
void            collect_button_labels (GtkWidget   *root,
                                    GString        *out);
/* find_widget() matchers. */
gboolean        button_labelled    (GtkWidget      *widget,
                                    gconstpointer   label);
gboolean        label_starts       (GtkWidget      *widget,
                                    gconstpointer   prefix);
gboolean        check_labelled     (GtkWidget      *widget,
                                    gconstpointer   label);

CulvertProfile *add_profile        (Fixture        *f,
                                    const char     *name,
                                    const char     *host);
/* A saved connection to @sshd with the local forward @spec, logging in with the client key. */
CulvertProfile *add_sshd_profile   (Fixture        *f,
                                    CulvertTestSshd *sshd,
                                    const char     *spec);
GtkWidget      *find_row_of        (Fixture        *f,
                                    CulvertProfile *profile);
/* Turns the connection on with its switch in the sidebar, as a user does. */
void            switch_on          (Fixture        *f,
                                    CulvertProfile *profile);
/* Waits until the connection page's status title says @title. */
void            assert_status      (Fixture        *f,
                                    const char     *title);
gboolean        skip_without_sshd  (void);
/* Whether @file records a key of @key_type for 127.0.0.1 port @port,
 * hashed or not. */
gboolean        known_hosts_has    (const char     *file,
                                    guint16         port,
                                    const char     *key_type);
/* A started sshd, or NULL once the test is marked skipped (no sshd here). */
CulvertTestSshd *start_sshd_or_skip (void);

/* The echo, the loopback ports and the waiting come from culvert-test-gui. */
#define Echo               CulvertTestEcho
#define echo_new           culvert_test_echo_new
#define echo_free          culvert_test_echo_free
#define echo_through       culvert_test_echo_through
#define free_port          culvert_test_free_port
#define wait_for           culvert_test_wait_for
#define iterate_until_idle culvert_test_iterate_until_idle
int             listen_loopback    (guint16        *port);
int             connect_loopback   (guint16         port);
/* Bytes sent to 127.0.0.1:@port come back. */
void            assert_echoes      (guint16         port);
/* Nothing listens on 127.0.0.1:@port (a GUINT_TO_POINTER). */
gboolean        port_is_closed     (gpointer        port);

/* The addresses a TCP socket listens on for @port, from the kernel's own
 * table: "127.0.0.1 ::1" or "0.0.0.0 ::". */
char           *listening_on       (guint16         port);
/* Whether something listens on @port, and only on loopback addresses
 * (@loopback) or only on every interface (!@loopback). */
gboolean        listens_only_on    (guint16         port,
                                    gboolean        loopback);
/* A SOCKS5 CONNECT to 127.0.0.1:@port through the proxy @fd is connected to. */
void            socks5_connect     (int             fd,
                                    guint16         port);

/* Saves what @widget shows into $CULVERT_SCREENSHOT_DIR, for README and
 * AppStream, or else into screenshots/ in the build directory. */
void            maybe_save_screenshot (GtkWidget   *widget,
                                    const char     *name);
/* Appends each widget on screen under @root that needs an accessible name
 * and has none. */
void            check_accessible_names (GtkWidget  *root,
                                    GString        *missing);
/* How many lines @label shows at its size, and whether each after the first
 * starts after a blank: no value was broken or hyphenated. */
gboolean        label_breaks_only_between_words (GtkLabel *label,
                                    int            *n_lines);
/* The text on @widget's clipboard. */
char           *read_clipboard     (GtkWidget      *widget);



G_END_DECLS

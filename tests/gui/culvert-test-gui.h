/* culvert-test-gui.h — helpers the GUI tests share
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Runs the main context for a fifth of a second. */
void       iterate_until_idle    (void);
/* Runs the main context until @check says yes, for at most 10 s. */
gboolean   wait_for              (gboolean (*check) (gpointer),
                                  gpointer   data);
gboolean   widget_is_mapped      (gpointer   data);
/* Depth-first search for the first widget of @type that @match accepts. */
GtkWidget *find_widget           (GtkWidget   *root,
                                  GType        type,
                                  gboolean   (*match) (GtkWidget *, gconstpointer),
                                  gconstpointer data);
gboolean   button_has_label      (GtkWidget     *widget,
                                  gconstpointer  label);
/* The first visible toplevel of @type. */
GtkWindow *find_toplevel         (GType       type);
/* Saves what @widget shows into $CULVERT_SCREENSHOT_DIR (or screenshots/
 * in the build directory) as @name. */
void       maybe_save_screenshot (GtkWidget  *widget,
                                  const char *name);

/* Appends to @missing each widget on screen under @root that needs an
 * accessible name and has none. */
void       check_accessible_names (GtkWidget *root,
                                   GString   *missing);

/* The text on @widget's clipboard. */
char      *read_clipboard        (GtkWidget  *widget);

/* Clicks the button of @dialog labelled @label. */
void       answer                (GtkWindow  *dialog,
                                  const char *label);

/* The addresses a TCP socket listens on for @port, from the kernel's own
 * table: "127.0.0.1 ::1" or "0.0.0.0 ::". */
char      *listening_on          (guint16     port);
/* Whether something listens on @port, and only on loopback addresses
 * (@loopback) or only on every interface (!@loopback). */
gboolean   listens_only_on       (guint16     port,
                                  gboolean    loopback);
/* A SOCKS5 CONNECT to 127.0.0.1:@port through the proxy @fd is connected to. */
void       socks5_connect        (int         fd,
                                  guint16     port);

int        listen_loopback       (guint16    *port);
int        connect_loopback      (guint16     port);
guint16    free_port             (void);
/* Marks the test skipped, with the reason, when sshd cannot run here. */
gboolean   skip_without_sshd     (void);

/* An echo server on 127.0.0.1. */
typedef struct
{
  int      fd;
  guint16  port;
  GThread *thread;
} Echo;

Echo      *echo_new              (void);
void       echo_free             (Echo       *echo);
/* Sends @len bytes through @fd and reads them back. */
void       echo_through          (int         fd,
                                  gsize       len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Echo, echo_free)

G_END_DECLS

/* culvert-test-app.h — the real culvert binary, driven as a desktop would
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "culvert-test-gui.h"

G_BEGIN_DECLS

typedef struct
{
  GSubprocess              *process;
  gboolean                  exited;
  GPid                      pid;            /* of culvert itself */
  GDBusConnection          *bus;            /* a connection to its session bus */
  CulvertTestNotifications *notifications;  /* a notification server on that bus */
  gpointer                  display;        /* Display *, of the test's X server */
} CulvertTestApp;

/* Runs $CULVERT_BUILD_DIR/src/culvert @args on a session bus of its own
 * (the test process may own the application's name on its bus), with a
 * notification server there; @env: NULL, or more "NAME=VALUE" for it. */
CulvertTestApp *culvert_test_app_start        (const char     *args,
                                               const char    **env);
/* The same in two steps: its bus is up, and culvert waits for go() to
 * start, so the test can put services on that bus first. */
CulvertTestApp *culvert_test_app_spawn        (const char     *args,
                                               const char    **env);
void            culvert_test_app_go           (CulvertTestApp *app);
/* Kills it if it still runs. */
void            culvert_test_app_free         (CulvertTestApp *app);
/* Whether a window of it is on screen (mapped, with its _NET_WM_PID). */
gboolean        culvert_test_app_has_window   (CulvertTestApp *app);
/* The close button of the title bar: WM_DELETE_WINDOW, as a window manager sends it. */
void            culvert_test_app_close_window (CulvertTestApp *app);
/* A round trip over its bus: asserts it answers. */
void            culvert_test_app_ping         (CulvertTestApp *app);
/* Activates @action ("app.NAME") with @target over its bus. */
void            culvert_test_app_activate     (CulvertTestApp *app,
                                               const char     *action,
                                               GVariant       *target);
/* Waits (10 s at most) for it to exit; TRUE if it did. */
gboolean        culvert_test_app_wait_exit    (CulvertTestApp *app);

/* What the shell does with a notification's button: org.gtk.Actions.Activate
 * on @object_path of @destination, over @bus; waits for the reply. */
void            culvert_test_activate_over_bus (GDBusConnection *bus,
                                                const char      *destination,
                                                const char      *object_path,
                                                const char      *action,
                                                GVariant        *target);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CulvertTestApp, culvert_test_app_free)

G_END_DECLS

/* culvert-test-app.c — the real culvert binary, driven as a desktop would
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <X11/Xatom.h>
#include <X11/Xlib.h>

#include "culvert-test-app.h"

static gboolean
call_done (gpointer data)
{
  return *(gboolean *) data;
}

static void
on_activated (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             NULL);

  *(gboolean *) user_data = TRUE;
}

void
culvert_test_activate_over_bus (GDBusConnection *bus,
                                const char      *destination,
                                const char      *object_path,
                                const char      *action,
                                GVariant        *target)
{
  GVariantBuilder parameter;
  gboolean done = FALSE;

  g_assert_true (g_str_has_prefix (action, "app."));
  g_variant_builder_init (&parameter, G_VARIANT_TYPE ("av"));
  if (target != NULL)
    g_variant_builder_add (&parameter, "v", target);
  /* Asynchronous: the application may be this very process. */
  g_dbus_connection_call (bus, destination, object_path, "org.gtk.Actions", "Activate",
                          g_variant_new ("(sava{sv})", action + strlen ("app."), &parameter, NULL),
                          NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_activated, &done);
  g_assert_true (culvert_test_wait_for (call_done, &done));
}

static void
on_exited (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  CulvertTestApp *app = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  app->exited = TRUE;
}

static gboolean
file_has_line (gpointer data)
{
  g_autofree char *text = NULL;

  return g_file_get_contents (data, &text, NULL, NULL) && g_str_has_suffix (text, "\n");
}

CulvertTestApp *
culvert_test_app_spawn (const char  *args,
                        const char **env)
{
  g_autofree char *dir = g_dir_make_tmp ("culvert-app-XXXXXX", NULL);
  g_autofree char *address_file = g_build_filename (dir, "address", NULL);
  g_autofree char *pid_file = g_build_filename (dir, "pid", NULL);
  g_autofree char *binary = g_build_filename (g_getenv ("CULVERT_BUILD_DIR"), "src", "culvert",
                                              NULL);
  g_autofree char *script = g_strdup_printf ("echo \"$DBUS_SESSION_BUS_ADDRESS\" > '%s'; "
                                             "echo $$ > '%s'; read go; exec '%s' %s",
                                             address_file, pid_file, binary, args);
  const char *argv[] = { "dbus-run-session", "--", "sh", "-c", script, NULL };
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  CulvertTestApp *app = g_new0 (CulvertTestApp, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  g_autofree char *pid = NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_subprocess_launcher_unsetenv (launcher, "DBUS_SESSION_BUS_ADDRESS");
  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    {
      g_auto(GStrv) pair = g_strsplit (env[i], "=", 2);

      g_subprocess_launcher_setenv (launcher, pair[0], pair[1], TRUE);
    }
  app->process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_wait_async (app->process, NULL, on_exited, app);
  g_assert_true (culvert_test_wait_for (file_has_line, pid_file));
  g_assert_true (g_file_get_contents (address_file, &address, NULL, NULL));
  g_assert_true (g_file_get_contents (pid_file, &pid, NULL, NULL));
  g_strstrip (address);
  app->pid = atoi (pid);

  app->notifications = culvert_test_notifications_new (address);
  app->bus = g_object_ref (culvert_test_notifications_get_connection (app->notifications));
  app->display = XOpenDisplay (NULL);
  g_assert_nonnull (app->display);

  g_unlink (address_file);
  g_unlink (pid_file);
  g_rmdir (dir);
  return app;
}

void
culvert_test_app_go (CulvertTestApp *app)
{
  GOutputStream *input = g_subprocess_get_stdin_pipe (app->process);
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (input, "go\n", 3, NULL, NULL, &error);
  g_assert_no_error (error);
}

CulvertTestApp *
culvert_test_app_start (const char  *args,
                        const char **env)
{
  CulvertTestApp *app = culvert_test_app_spawn (args, env);

  culvert_test_app_go (app);
  return app;
}

void
culvert_test_app_free (CulvertTestApp *app)
{
  if (!app->exited)
    {
      g_subprocess_send_signal (app->process, SIGKILL);
      while (!app->exited)
        g_main_context_iteration (NULL, TRUE);
    }
  g_clear_object (&app->process);
  g_clear_object (&app->bus);
  g_clear_pointer (&app->notifications, culvert_test_notifications_free);
  g_clear_pointer ((Display **) &app->display, XCloseDisplay);
  g_free (app);
}

/* The mapped top-level window of the process, as a window manager sees it. */
static Window
find_window (CulvertTestApp *app)
{
  Display *display = app->display;
  Atom pid_atom = XInternAtom (display, "_NET_WM_PID", False);
  Window root, parent, *children = NULL, found = None;
  unsigned int n = 0;

  XSync (display, False);
  if (!XQueryTree (display, DefaultRootWindow (display), &root, &parent, &children, &n))
    return None;
  for (unsigned int i = 0; i < n && found == None; i++)
    {
      XWindowAttributes attributes;
      Atom type;
      int format;
      unsigned long items, after;
      unsigned char *value = NULL;

      if (!XGetWindowAttributes (display, children[i], &attributes) ||
          attributes.map_state != IsViewable)
        continue;
      if (XGetWindowProperty (display, children[i], pid_atom, 0, 1, False, XA_CARDINAL, &type,
                              &format, &items, &after, &value) == Success &&
          items == 1 && *(unsigned long *) value == (unsigned long) app->pid)
        found = children[i];
      if (value != NULL)
        XFree (value);
    }
  if (children != NULL)
    XFree (children);
  return found;
}

gboolean
culvert_test_app_has_window (CulvertTestApp *app)
{
  return find_window (app) != None;
}

void
culvert_test_app_close_window (CulvertTestApp *app)
{
  Display *display = app->display;
  XEvent event = { 0 };

  event.xclient.type = ClientMessage;
  event.xclient.window = find_window (app);
  event.xclient.message_type = XInternAtom (display, "WM_PROTOCOLS", False);
  event.xclient.format = 32;
  event.xclient.data.l[0] = XInternAtom (display, "WM_DELETE_WINDOW", False);
  event.xclient.data.l[1] = CurrentTime;
  g_assert_true (event.xclient.window != None);
  XSendEvent (display, event.xclient.window, False, NoEventMask, &event);
  XFlush (display);
}

void
culvert_test_app_ping (CulvertTestApp *app)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  /* Synchronous is safe: the application is another process. */
  reply = g_dbus_connection_call_sync (app->bus, APPLICATION_ID, "/",
                                       "org.freedesktop.DBus.Peer", "Ping", NULL, NULL,
                                       G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_no_error (error);
}

void
culvert_test_app_activate (CulvertTestApp *app,
                           const char     *action,
                           GVariant       *target)
{
  g_autofree char *path = g_strconcat ("/", APPLICATION_ID, NULL);

  /* GApplication's object path: the id with dots as slashes. */
  g_strdelimit (path, ".", '/');
  culvert_test_activate_over_bus (app->bus, APPLICATION_ID, path, action, target);
}

static gboolean
has_exited (gpointer data)
{
  return ((CulvertTestApp *) data)->exited;
}

gboolean
culvert_test_app_wait_exit (CulvertTestApp *app)
{
  return culvert_test_wait_for (has_exited, app);
}

/* culvert-test-gui.c — helpers the window and background tests share
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "culvert-test-gui.h"
#include "culvert-test-net.h"

void
culvert_test_iterate_until_idle (void)
{
  gint64 deadline = g_get_monotonic_time () + G_USEC_PER_SEC / 5;

  while (g_get_monotonic_time () < deadline)
    {
      while (g_main_context_pending (NULL))
        g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
}

gboolean
culvert_test_wait_for (gboolean (*check) (gpointer),
                       gpointer   data)
{
  return culvert_test_wait_until (check, data, 30);
}

static int
connect_loopback (guint16 port)
{
  int fd = culvert_test_connect_loopback (port);

  g_assert_cmpint (fd, >=, 0);
  return fd;
}

/* ---------------------------------------------------------------------- */
/* Echo                                                                    */

void
culvert_test_echo_through (int   fd,
                           gsize len)
{
  g_autofree char *out = g_malloc (len);
  g_autofree char *in = g_malloc0 (len);
  gsize got = 0;

  memset (out, 'x', len);
  g_assert_cmpint (write (fd, out, len), ==, (gssize) len);
  while (got < len)
    {
      ssize_t n = read (fd, in + got, len - got);

      g_assert_cmpint (n, >, 0);
      got += n;
    }
  g_assert_cmpmem (in, len, out, len);
}

gboolean
culvert_test_forward_echoes (guint16 port)
{
  struct timeval timeout = { .tv_sec = 1 };
  int fd = culvert_test_connect_loopback (port);
  char byte = 'b';
  gboolean ok;

  if (fd < 0)
    return FALSE;
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ok = write (fd, &byte, 1) == 1 && read (fd, &byte, 1) == 1 && byte == 'b';
  close (fd);
  return ok;
}

gboolean
culvert_test_port_refuses (guint16 port)
{
  int fd = culvert_test_connect_loopback (port);

  if (fd >= 0)
    {
      close (fd);
      return FALSE;
    }
  return errno == ECONNREFUSED;
}

/* ---------------------------------------------------------------------- */
/* Relay                                                                   */

static gpointer
relay_pump_thread (gpointer data)
{
  int *pair = data;
  struct pollfd fds[2] = { { pair[0], POLLIN, 0 }, { pair[1], POLLIN, 0 } };
  char buffer[16384];

  while (poll (fds, 2, -1) > 0)
    {
      for (guint i = 0; i < 2; i++)
        if (fds[i].revents != 0)
          {
            ssize_t n = read (fds[i].fd, buffer, sizeof buffer);

            if (n <= 0 || write (fds[1 - i].fd, buffer, n) != n)
              goto out;
          }
    }
out:
  shutdown (pair[0], SHUT_RDWR);
  shutdown (pair[1], SHUT_RDWR);
  g_free (pair);
  return NULL;
}

static gpointer
relay_accept_thread (gpointer data)
{
  CulvertTestRelay *relay = data;
  int fd;

  while ((fd = accept (relay->listen_fd, NULL, NULL)) >= 0)
    {
      int *pair = g_new (int, 2);

      pair[0] = fd;
      pair[1] = connect_loopback (relay->target);
      g_mutex_lock (&relay->lock);
      g_array_append_vals (relay->fds, pair, 2);
      g_mutex_unlock (&relay->lock);
      g_thread_unref (g_thread_new ("relay-pump", relay_pump_thread, pair));
    }
  return NULL;
}

void
culvert_test_relay_resume (CulvertTestRelay *relay)
{
  int one = 1;
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK),
                              .sin_port = htons (relay->port) };

  relay->listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  setsockopt (relay->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  g_assert_cmpint (bind (relay->listen_fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (listen (relay->listen_fd, 16), ==, 0);
  relay->thread = g_thread_new ("relay", relay_accept_thread, relay);
}

void
culvert_test_relay_cut (CulvertTestRelay *relay)
{
  if (relay->thread == NULL)
    return;  /* cut already */
  shutdown (relay->listen_fd, SHUT_RDWR);
  g_thread_join (g_steal_pointer (&relay->thread));
  close (relay->listen_fd);
  relay->listen_fd = -1;
  g_mutex_lock (&relay->lock);
  for (guint i = 0; i < relay->fds->len; i++)
    shutdown (g_array_index (relay->fds, int, i), SHUT_RDWR);
  g_mutex_unlock (&relay->lock);
}

CulvertTestRelay *
culvert_test_relay_new (guint16 target)
{
  CulvertTestRelay *relay = g_new0 (CulvertTestRelay, 1);

  relay->target = target;
  relay->port = culvert_test_free_port ();
  relay->fds = g_array_new (FALSE, FALSE, sizeof (int));
  g_mutex_init (&relay->lock);
  culvert_test_relay_resume (relay);
  return relay;
}

void
culvert_test_relay_free (CulvertTestRelay *relay)
{
  culvert_test_relay_cut (relay);
  /* The pumps end on their own once their sockets are shut down. */
  g_usleep (G_USEC_PER_SEC / 10);
  for (guint i = 0; i < relay->fds->len; i++)
    close (g_array_index (relay->fds, int, i));
  g_array_unref (relay->fds);
  g_mutex_clear (&relay->lock);
  g_free (relay);
}

/* ---------------------------------------------------------------------- */
/* Sessions of the sshd                                                    */

static int
parent_of (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *stat = NULL;
  const char *after_name;
  int ppid = 0;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return 0;
  /* "pid (comm) state ppid …"; comm may hold spaces and parentheses. */
  after_name = strrchr (stat, ')');
  if (after_name == NULL || sscanf (after_name, ") %*c %d", &ppid) != 1)
    return 0;
  return ppid;
}

void
culvert_test_kill_sessions (CulvertTestSshd *sshd)
{
  g_autoptr(GHashTable) stopped = g_hash_table_new (NULL, NULL);
  gboolean found;
  GHashTableIter iter;
  gpointer pid;

  /* Stopped first, until no new one appears: a stopped process cannot fork,
   * and a killed one's children would belong to init. */
  do
    {
      g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
      const char *name;

      g_assert_nonnull (dir);
      found = FALSE;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          int process = atoi (name);
          int ancestor = process;

          if (!g_ascii_isdigit (name[0]) || process == sshd->pid ||
              g_hash_table_contains (stopped, GINT_TO_POINTER (process)))
            continue;
          while (ancestor > 1 && ancestor != sshd->pid)
            ancestor = parent_of (ancestor);
          if (ancestor == sshd->pid && kill (process, SIGSTOP) == 0)
            {
              g_hash_table_add (stopped, GINT_TO_POINTER (process));
              found = TRUE;
            }
        }
    }
  while (found);

  g_assert_cmpuint (g_hash_table_size (stopped), >, 0);
  g_hash_table_iter_init (&iter, stopped);
  while (g_hash_table_iter_next (&iter, &pid, NULL))
    kill (GPOINTER_TO_INT (pid), SIGKILL);
}

/* ---------------------------------------------------------------------- */
/* A notification server                                                   */

struct _CulvertTestNotifications
{
  GDBusConnection *connection;
  guint            registration_id;
  GPtrArray       *calls;  /* of GVariant (sssa{sv}) */
};

static const char notifications_xml[] =
  "<node>"
  "  <interface name='org.gtk.Notifications'>"
  "    <method name='AddNotification'>"
  "      <arg type='s' direction='in'/>"
  "      <arg type='s' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/>"
  "    </method>"
  "    <method name='RemoveNotification'>"
  "      <arg type='s' direction='in'/>"
  "      <arg type='s' direction='in'/>"
  "    </method>"
  "  </interface>"
  "</node>";

static void
notifications_method_call (GDBusConnection       *connection,
                           const char            *sender,
                           const char            *path,
                           const char            *interface,
                           const char            *method,
                           GVariant              *parameters,
                           GDBusMethodInvocation *invocation,
                           gpointer               user_data)
{
  CulvertTestNotifications *self = user_data;
  const char *app_id, *id;
  g_autoptr(GVariant) notification = NULL;

  if (g_str_equal (method, "AddNotification"))
    g_variant_get (parameters, "(&s&s@a{sv})", &app_id, &id, &notification);
  else
    {
      g_variant_get (parameters, "(&s&s)", &app_id, &id);
      notification = g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
    }
  g_ptr_array_add (self->calls, g_variant_ref_sink (g_variant_new ("(sss@a{sv})", method, app_id,
                                                                   id, notification)));
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static const GDBusInterfaceVTable notifications_vtable = { notifications_method_call, NULL, NULL };

CulvertTestNotifications *
culvert_test_notifications_new (const char *address)
{
  CulvertTestNotifications *self = g_new0 (CulvertTestNotifications, 1);
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (notifications_xml, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *session = NULL;
  guint32 result;

  if (address == NULL)
    {
      session = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
      g_assert_no_error (error);
      address = session;
    }
  /* A connection of its own, as a real server is another process. */
  self->connection =
    g_dbus_connection_new_for_address_sync (address,
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                            G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, &error);
  g_assert_no_error (error);
  self->calls = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  self->registration_id = g_dbus_connection_register_object (self->connection,
                                                             "/org/gtk/Notifications",
                                                             info->interfaces[0],
                                                             &notifications_vtable, self, NULL,
                                                             &error);
  g_assert_no_error (error);

  /* Owned before this returns: GLib picks its backend by who owns the name. */
  reply = g_dbus_connection_call_sync (self->connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "RequestName",
                                       g_variant_new ("(su)", "org.gtk.Notifications", 4u),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &result);
  g_assert_cmpuint (result, ==, 1);  /* the primary owner */

  return self;
}

void
culvert_test_notifications_free (CulvertTestNotifications *self)
{
  g_dbus_connection_unregister_object (self->connection, self->registration_id);
  g_dbus_connection_close_sync (self->connection, NULL, NULL);
  g_object_unref (self->connection);
  g_ptr_array_unref (self->calls);
  g_free (self);
}

GDBusConnection *
culvert_test_notifications_get_connection (CulvertTestNotifications *self)
{
  return self->connection;
}

GPtrArray *
culvert_test_notifications_get_calls (CulvertTestNotifications *self)
{
  return self->calls;
}

GVariant *
culvert_test_notifications_find_added (CulvertTestNotifications *self,
                                       const char               *id)
{
  for (guint i = self->calls->len; i > 0; i--)
    {
      GVariant *call = g_ptr_array_index (self->calls, i - 1);
      const char *method, *call_id;
      GVariant *notification;

      g_variant_get (call, "(&s&s&s@a{sv})", &method, NULL, &call_id, &notification);
      if (g_str_equal (method, "AddNotification") && g_str_equal (call_id, id))
        return notification;
      g_variant_unref (notification);
    }

  return NULL;
}

gboolean
culvert_test_notifications_was_removed (CulvertTestNotifications *self,
                                        const char               *id)
{
  for (guint i = 0; i < self->calls->len; i++)
    {
      const char *method, *call_id;

      g_variant_get (g_ptr_array_index (self->calls, i), "(&s&s&s*)", &method, NULL, &call_id,
                     NULL);
      if (g_str_equal (method, "RemoveNotification") && g_str_equal (call_id, id))
        return TRUE;
    }

  return FALSE;
}

void
culvert_test_notifications_clear (CulvertTestNotifications *self)
{
  g_ptr_array_set_size (self->calls, 0);
}

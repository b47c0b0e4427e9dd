/* culvert-network-watch.c — tells tunnels when it is worth trying again now
 *
 * A tunnel waiting to reconnect sleeps for up to a minute between attempts.
 * Two events make waiting pointless: the network coming back (GIO's
 * GNetworkMonitor: NetworkManager, netlink, or the portal in a Flatpak) and
 * the computer waking from suspend (logind's PrepareForSleep(false) on the
 * system bus). A computer without a system bus or without logind simply
 * never sends the second.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "Culvert-Network"

#include "config.h"

#include <glib/gi18n.h>

#include "culvert-network-watch.h"

#define LOGIND_NAME      "org.freedesktop.login1"
#define LOGIND_PATH      "/org/freedesktop/login1"
#define LOGIND_INTERFACE "org.freedesktop.login1.Manager"

struct _CulvertNetworkWatch
{
  GObject          parent_instance;

  GNetworkMonitor *monitor;
  gboolean         available;
  GCancellable    *cancellable;
  GDBusConnection *system_bus;
  guint            sleep_subscription;
};

G_DEFINE_FINAL_TYPE (CulvertNetworkWatch, culvert_network_watch, G_TYPE_OBJECT)

enum {
  RETRY,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
on_network_changed (GNetworkMonitor     *monitor,
                    gboolean             available,
                    CulvertNetworkWatch *self)
{
  gboolean was_available = self->available;

  self->available = available;
  /* Any change while the network is up may be the one that matters (another
   * Wi-Fi, a VPN); tunnels that are not waiting ignore it. */
  if (available)
    g_signal_emit (self, signals[RETRY], 0,
                   was_available ? _("The network changed; connecting again now")
                                 : _("The network is back; connecting again now"));
}

static void
on_prepare_for_sleep (GDBusConnection *connection,
                      const char      *sender,
                      const char      *path,
                      const char      *interface,
                      const char      *signal,
                      GVariant        *parameters,
                      gpointer         user_data)
{
  CulvertNetworkWatch *self = user_data;
  gboolean going_to_sleep;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(b)")))
    return;
  g_variant_get (parameters, "(b)", &going_to_sleep);
  if (!going_to_sleep)
    g_signal_emit (self, signals[RETRY], 0,
                   _("The computer woke up; connecting again now"));
}

static void
on_system_bus (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_finish (result, &error);
  CulvertNetworkWatch *self;

  if (bus == NULL)
    {
      /* No system bus (a container, a minimal system): no resume signal. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No system bus, so no wake-up signal: %s", error->message);
      return;
    }

  self = CULVERT_NETWORK_WATCH (user_data);
  self->system_bus = g_steal_pointer (&bus);
  self->sleep_subscription =
    g_dbus_connection_signal_subscribe (self->system_bus, LOGIND_NAME, LOGIND_INTERFACE,
                                        "PrepareForSleep", LOGIND_PATH, NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, on_prepare_for_sleep,
                                        self, NULL);
}

static void
culvert_network_watch_dispose (GObject *object)
{
  CulvertNetworkWatch *self = CULVERT_NETWORK_WATCH (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->sleep_subscription != 0)
    g_dbus_connection_signal_unsubscribe (self->system_bus, self->sleep_subscription);
  self->sleep_subscription = 0;
  g_clear_object (&self->system_bus);
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);

  G_OBJECT_CLASS (culvert_network_watch_parent_class)->dispose (object);
}

static void
culvert_network_watch_class_init (CulvertNetworkWatchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = culvert_network_watch_dispose;

  signals[RETRY] =
    g_signal_new ("retry", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
culvert_network_watch_init (CulvertNetworkWatch *self)
{
  self->cancellable = g_cancellable_new ();
  self->monitor = g_object_ref (g_network_monitor_get_default ());
  self->available = g_network_monitor_get_network_available (self->monitor);
  g_signal_connect (self->monitor, "network-changed", G_CALLBACK (on_network_changed), self);

  /* The watch lives as long as the process, so the callback may use it. */
  g_bus_get (G_BUS_TYPE_SYSTEM, self->cancellable, on_system_bus, self);
}

CulvertNetworkWatch *
culvert_network_watch_get_default (void)
{
  static CulvertNetworkWatch *watch;

  if (watch == NULL)
    watch = g_object_new (CULVERT_TYPE_NETWORK_WATCH, NULL);

  return watch;
}

/* culvert-gui-util.c — small helpers the window's parts share
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "culvert-gui-util.h"

char *
culvert_gui_profile_address (CulvertProfile *profile)
{
  const char *user = culvert_profile_get_user (profile);
  const char *host = culvert_profile_get_host (profile);
  guint16 port = culvert_profile_get_port (profile);
  g_autofree char *shown = culvert_address_format_host (host != NULL ? host : "");

  if (user == NULL)
    user = g_get_user_name ();
  if (port != 22 && port != 0)
    return g_strdup_printf ("%s@%s:%u", user, shown, port);
  return g_strdup_printf ("%s@%s", user, shown);
}

const char *
culvert_gui_state_text (CulvertTunnelState state)
{
  switch (state)
    {
    case CULVERT_TUNNEL_DISCONNECTED:
      return _("Disconnected");
    case CULVERT_TUNNEL_CONNECTING:
      return _("Connecting…");
    case CULVERT_TUNNEL_VERIFYING_HOST_KEY:
      return _("Checking the server’s key…");
    case CULVERT_TUNNEL_AUTHENTICATING:
      return _("Logging in…");
    case CULVERT_TUNNEL_CONNECTED:
      return _("Connected");
    case CULVERT_TUNNEL_RECONNECTING:
      return _("Reconnecting…");
    case CULVERT_TUNNEL_FAILED:
      return _("Failed");
    default:
      g_assert_not_reached ();
    }
}

gboolean
culvert_gui_state_is_on (CulvertTunnelState state)
{
  return state != CULVERT_TUNNEL_DISCONNECTED && state != CULVERT_TUNNEL_FAILED;
}

void
culvert_gui_set_accessible_label (GtkWidget  *widget,
                                  const char *label)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
}

typedef struct
{
  GDateTime          *since;
  GDateTime          *next_try;
} Track;

static void
track_free (gpointer data)
{
  Track *track = data;

  g_clear_pointer (&track->since, g_date_time_unref);
  g_clear_pointer (&track->next_try, g_date_time_unref);
  g_free (track);
}

static Track *
get_track (CulvertTunnel *tunnel)
{
  return g_object_get_data (G_OBJECT (tunnel), "culvert-gui-track");
}

/* g_get_real_time () microseconds as local time; NULL for 0. */
static GDateTime *
date_time_from_real_time (gint64 usec)
{
  g_autoptr(GDateTime) seconds = NULL;

  if (usec <= 0)
    return NULL;
  seconds = g_date_time_new_from_unix_local (usec / G_USEC_PER_SEC);
  return g_date_time_add (seconds, usec % G_USEC_PER_SEC);
}

/* The tunnel says when its state began and when it tries again; the
 * widgets want them as local times. */
static void
track_times (CulvertTunnel *tunnel)
{
  Track *track = get_track (tunnel);

  g_clear_pointer (&track->since, g_date_time_unref);
  g_clear_pointer (&track->next_try, g_date_time_unref);
  track->since = date_time_from_real_time (culvert_tunnel_get_state_since (tunnel));
  if (track->since == NULL)
    track->since = g_date_time_new_now_local ();
  track->next_try = date_time_from_real_time (culvert_tunnel_get_next_try (tunnel));
}

void
culvert_gui_tunnel_track (CulvertTunnel *tunnel)
{
  if (get_track (tunnel) != NULL)
    return;

  g_object_set_data_full (G_OBJECT (tunnel), "culvert-gui-track", g_new0 (Track, 1), track_free);
  track_times (tunnel);
  g_signal_connect (tunnel, "notify::state-since", G_CALLBACK (track_times), NULL);
  g_signal_connect (tunnel, "notify::next-try", G_CALLBACK (track_times), NULL);
}

GDateTime *
culvert_gui_tunnel_get_since (CulvertTunnel *tunnel)
{
  Track *track = get_track (tunnel);

  return track != NULL ? track->since : NULL;
}

guint
culvert_gui_tunnel_get_attempt (CulvertTunnel *tunnel)
{
  return culvert_tunnel_get_reconnect_attempt (tunnel);
}

GDateTime *
culvert_gui_tunnel_get_next_try (CulvertTunnel *tunnel)
{
  Track *track = get_track (tunnel);

  return track != NULL ? track->next_try : NULL;
}

static void
restart_on_exited (CulvertTunnel *tunnel,
                   gpointer       data)
{
  g_autoptr(GError) error = NULL;

  g_signal_handlers_disconnect_by_func (tunnel, restart_on_exited, data);
  if (!culvert_tunnel_connect (tunnel, &error))
    g_message ("%s", error->message);
}

gboolean
culvert_gui_tunnel_restart (CulvertTunnel  *tunnel,
                            GError        **error)
{
  if (!culvert_tunnel_is_running (tunnel))
    return culvert_tunnel_connect (tunnel, error);

  g_signal_handlers_disconnect_by_func (tunnel, restart_on_exited, NULL);
  g_signal_connect (tunnel, "exited", G_CALLBACK (restart_on_exited), NULL);
  culvert_tunnel_disconnect (tunnel);
  return TRUE;
}

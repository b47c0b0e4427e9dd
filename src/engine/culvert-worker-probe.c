/* culvert-worker-probe.c — can other computers reach an incoming forward?
 *
 * An incoming forward bound off-host ("-R 0.0.0.0:8080:…") asks the server
 * to listen on every interface, but the server decides: OpenSSH with
 * GatewayPorts no (its default) and Dropbear without -a listen on their
 * loopback only, and both still answer "success". So once the server says
 * it listens, the worker knocks on that port from here, at the address it
 * reached the server on: a connection means other computers can connect
 * too; a refusal means the server keeps them out, and the status says so
 * instead of the warning. The channel the server opens for the knock is
 * recognised by its originator port and refused, so the destination never
 * sees it.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "culvert-worker-private.h"

#define PROBE_TIMEOUT_MS 3000

struct _Probe
{
  CulvertWorker *worker;
  guint          forward_index;
  guint16        port;
  GSocket       *socket;
  GSource       *watch;
  GSource       *timer;
};

void
probe_free (Probe *probe)
{
  clear_source (&probe->watch);
  clear_source (&probe->timer);
  if (probe->socket != NULL)
    g_socket_close (probe->socket, NULL);
  g_clear_object (&probe->socket);
  g_free (probe);
}

static gboolean
bind_is_loopback (const char *bind)
{
  g_autoptr(GInetAddress) address = NULL;

  if (bind == NULL || g_ascii_strcasecmp (bind, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (bind);

  return address != NULL && g_inet_address_get_is_loopback (address);
}

static void
probe_done (Probe        *probe,
            const GError *error)
{
  CulvertWorker *self = probe->worker;
  CulvertWorkerEvent event = { .type = CULVERT_WORKER_EVENT_FORWARD_REACH };

  event.forward_index = probe->forward_index;
  event.port = probe->port;
  if (error == NULL)
    {
      worker_log (self, FALSE, _("Other computers can connect to port %u on the server"),
                  probe->port);
      event.off_host = TRUE;
      worker_post (self, &event);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    {
      worker_log (self, FALSE, _("The server listens on port %u for itself only: its settings "
                                 "(GatewayPorts) keep other computers out"), probe->port);
      event.off_host = FALSE;
      event.text = g_strdup_printf ("localhost:%u", probe->port);
      worker_post (self, &event);
    }
  else
    {
      worker_log (self, FALSE, _("Could not find out whether other computers can connect to "
                                 "port %u on the server: %s"), probe->port, error->message);
    }

  g_ptr_array_remove_fast (self->probes, probe);
}

static gboolean
probe_on_writable (GSocket      *socket,
                   GIOCondition  condition,
                   gpointer      user_data)
{
  Probe *probe = user_data;
  g_autoptr(GError) error = NULL;

  g_socket_check_connect_result (socket, &error);
  g_clear_pointer (&probe->watch, g_source_unref);  /* removed by returning */
  probe_done (probe, error);

  return G_SOURCE_REMOVE;
}

static gboolean
probe_on_timeout (gpointer user_data)
{
  Probe *probe = user_data;
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                                 _("No answer"));

  g_clear_pointer (&probe->timer, g_source_unref);
  probe_done (probe, error);

  return G_SOURCE_REMOVE;
}

/* The incoming forward @remote listens on @port: find out whether other
 * computers can reach it, when that can be told from here. */
void
worker_probe_remote (CulvertWorker *self,
                     Remote        *remote,
                     guint16        port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) any = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocketAddress) target = NULL;
  GInetAddress *server;
  Probe *probe;
  guint16 local_port;

  if (bind_is_loopback (remote->bind_address))
    return;
  /* Through a proxy the address we reached is the proxy's; on the same
   * machine there is nothing to learn. */
  if (self->config->proxy_mode != CULVERT_PROXY_NONE ||
      !G_IS_INET_SOCKET_ADDRESS (self->server_address))
    return;
  server = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (self->server_address));
  if (g_inet_address_get_is_loopback (server))
    return;

  probe = g_new0 (Probe, 1);
  probe->worker = self;
  probe->forward_index = remote->counters->forward_index;
  probe->port = port;
  g_ptr_array_add (self->probes, probe);

  probe->socket = g_socket_new (g_inet_address_get_family (server), G_SOCKET_TYPE_STREAM,
                                G_SOCKET_PROTOCOL_TCP, &error);
  if (probe->socket == NULL)
    {
      probe_done (probe, error);
      return;
    }
  g_socket_set_blocking (probe->socket, FALSE);

  /* Bound first, so the port the server will name as the originator of the
   * knock is known before the server can open its channel. */
  any = g_inet_address_new_any (g_inet_address_get_family (server));
  local = g_inet_socket_address_new (any, 0);
  if (!g_socket_bind (probe->socket, local, FALSE, &error) ||
      (bound = g_socket_get_local_address (probe->socket, &error)) == NULL)
    {
      probe_done (probe, error);
      return;
    }
  local_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_array_append_val (self->probe_ports, local_port);

  target = g_inet_socket_address_new (server, port);
  if (g_socket_connect (probe->socket, target, NULL, &error))
    {
      probe_done (probe, NULL);
      return;
    }
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
    {
      probe_done (probe, error);
      return;
    }

  probe->watch = g_socket_create_source (probe->socket, G_IO_OUT, NULL);
  g_source_set_callback (probe->watch, (GSourceFunc) (void (*) (void)) probe_on_writable,
                         probe, NULL);
  g_source_attach (probe->watch, self->context);
  probe->timer = worker_add_timeout (self, PROBE_TIMEOUT_MS, probe_on_timeout, probe);
}

/* TRUE when a channel the server opens came from one of our knocks. */
gboolean
worker_is_probe (CulvertWorker *self,
                 int            originator_port)
{
  for (guint i = 0; i < self->probe_ports->len; i++)
    if (g_array_index (self->probe_ports, guint16, i) == originator_port)
      return TRUE;

  return FALSE;
}

/* culvert-tunnel-bind.c — a tunnel's local listening sockets
 *
 * Binding happens on the main thread, so a port in use is known at once
 * (with a free port nearby to suggest) and the sockets outlive reconnects:
 * the addresses a bind address stands for (loopback's two, the wildcard,
 * a literal; a name is looked up by the tunnel), the sockets on them, and
 * socket files (mode 0600, in a folder only the user or root may change),
 * removed when the forward stops if they are still the ones bound.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "Culvert-Tunnel"

#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gio/gunixsocketaddress.h>

#include "culvert-forward-status-private.h"
#include "culvert-tunnel-bind.h"
#include "culvert-worker.h"

/* How far from a taken port to look for a free one to suggest. */
#define SUGGESTION_RANGE 100

static GSocket *
bind_one (GInetAddress  *address,
          guint16        port,
          GError       **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  GSocketFamily family = g_inet_address_get_family (address);

  socket = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return NULL;

  /* "::" serves IPv4 too, as OpenSSH's "*" does. */
  if (family == G_SOCKET_FAMILY_IPV6 && g_inet_address_get_is_any (address))
    g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, 0, NULL);
  else if (family == G_SOCKET_FAMILY_IPV6)
    g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, 1, NULL);

  socket_address = g_inet_socket_address_new (address, port);
  if (!g_socket_bind (socket, socket_address, TRUE, error))
    return NULL;
  g_socket_set_listen_backlog (socket, 512);
  if (!g_socket_listen (socket, error))
    return NULL;
  g_socket_set_blocking (socket, FALSE);

  return g_steal_pointer (&socket);
}

static guint16
socket_port (GSocket *socket)
{
  g_autoptr(GSocketAddress) address = g_socket_get_local_address (socket, NULL);

  return address ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)) : 0;
}

/* The addresses a bind address stands for, when that needs no name lookup;
 * NULL for a name, which is looked up asynchronously. */
GList *
culvert_tunnel_bind_literal (const char *bind)
{
  GInetAddress *literal;

  if (g_strcmp0 (bind, "localhost") == 0)
    return g_list_append (g_list_append (NULL, g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4)),
                          g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6));

  if (bind == NULL || *bind == '\0' || g_strcmp0 (bind, "*") == 0)
    return g_list_append (NULL, g_inet_address_new_any (G_SOCKET_FAMILY_IPV6));

  literal = g_inet_address_new_from_string (bind);
  if (literal != NULL)
    return g_list_append (NULL, literal);

  return NULL;
}

static char *
format_address (GInetAddress *address,
                guint16       port)
{
  g_autofree char *text = g_inet_address_to_string (address);

  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", text, port);

  return g_strdup_printf ("%s:%u", text, port);
}

/* Binds @addresses on @port; loopback's IPv6 half may be missing. */
static GPtrArray *
bind_all (GList    *addresses,
          guint16   port,
          GString  *label,
          GError  **error)
{
  g_autoptr(GPtrArray) sockets = g_ptr_array_new_with_free_func (g_object_unref);

  for (GList *l = addresses; l != NULL; l = l->next)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *text = NULL;
      GSocket *socket;

      socket = bind_one (l->data, port, &local_error);
      if (socket == NULL)
        {
          gboolean optional = l != addresses && g_inet_address_get_is_loopback (l->data) &&
                              g_inet_address_get_family (l->data) == G_SOCKET_FAMILY_IPV6 &&
                              !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);

          if (optional)
            continue;
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }

      /* Port 0: every address gets the port the first one was given. */
      if (port == 0)
        port = socket_port (socket);
      g_ptr_array_add (sockets, socket);
      text = format_address (l->data, port);
      if (label->len > 0)
        g_string_append (label, ", ");
      g_string_append (label, text);
    }

  return g_steal_pointer (&sockets);
}

static guint16
find_free_port (GList   *addresses,
                guint16  taken)
{
  for (guint distance = 1; distance <= SUGGESTION_RANGE; distance++)
    {
      int candidates[2] = { (int) taken + (int) distance, (int) taken - (int) distance };

      for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
        {
          g_autoptr(GString) label = g_string_new (NULL);
          g_autoptr(GPtrArray) sockets = NULL;

          if (candidates[i] < 1024 || candidates[i] > 65535)
            continue;
          sockets = bind_all (addresses, candidates[i], label, NULL);
          if (sockets != NULL)
            return candidates[i];
        }
    }

  return 0;
}

/* Binds one local forward on @addresses (the addresses @bind stands for, or
 * NULL with @lookup_error when looking them up failed); on failure sets the
 * status's error and suggestion. */
GPtrArray *
culvert_tunnel_bind_forward (CulvertForwardStatus  *status,
                             const char            *bind,
                             GList                 *addresses,
                             const GError          *lookup_error,
                             GError               **error)
{
  CulvertForward *forward = culvert_forward_status_get_forward (status);
  guint16 port = culvert_forward_get_bind_port (forward);
  g_autoptr(GString) label = g_string_new (NULL);
  g_autoptr(GError) local_error = NULL;
  GPtrArray *sockets;

  if (addresses == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("Cannot listen on %s: %s"), bind,
                   lookup_error != NULL ? lookup_error->message : _("no address"));
      culvert_forward_status_set_error (status, (*error)->message, 0);
      return NULL;
    }

  sockets = bind_all (addresses, port, label, &local_error);
  if (sockets == NULL)
    {
      const char *shown = g_strcmp0 (bind, "*") == 0 ? _("all interfaces") : bind;

      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        {
          guint16 suggestion = find_free_port (addresses, port);

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                       _("Port %u on %s is already in use"), port, shown);
          culvert_forward_status_set_error (status, (*error)->message, suggestion);
        }
      else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                       _("Port %u on %s needs administrator rights (ports below 1024 are "
                         "reserved)"), port, shown);
          culvert_forward_status_set_error (status, (*error)->message, 0);
        }
      else
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _("Cannot listen on port %u on %s: %s"), port, shown,
                       local_error->message);
          culvert_forward_status_set_error (status, (*error)->message, 0);
        }
      return NULL;
    }

  culvert_forward_status_set_listening (status, label->str,
                                        socket_port (g_ptr_array_index (sockets, 0)));
  return sockets;
}

/* A listener of @forward (forward @index) on @socket, into @listeners. A
 * socket file on the server is told to the worker as its path with port 0. */
void
culvert_tunnel_bind_add_listener (GPtrArray      *listeners,
                                  guint           index,
                                  GSocket        *socket,
                                  CulvertForward *forward)
{
  CulvertWorkerListener *listener = g_new0 (CulvertWorkerListener, 1);

  listener->forward_index = index;
  listener->socket = g_object_ref (socket);
  if (culvert_forward_get_kind (forward) != CULVERT_FORWARD_DYNAMIC)
    {
      const char *path = culvert_forward_get_destination_path (forward);

      listener->destination_host = g_strdup (path != NULL ? path
                                             : culvert_forward_get_destination_host (forward));
      listener->destination_port = path != NULL ? 0
                                   : culvert_forward_get_destination_port (forward);
    }
  g_ptr_array_add (listeners, listener);
}

/* Socket files */

/* The socket file a forward listens on, as bound: removed when the
 * forward stops, if it is still the same file. */
typedef struct
{
  char  *path;
  dev_t  dev;
  ino_t  ino;
} SocketFile;

static void
socket_file_free (SocketFile *file)
{
  g_free (file->path);
  g_free (file);
}

static GQuark
socket_file_quark (void)
{
  return g_quark_from_static_string ("culvert-tunnel-socket-file");
}

/* Removes @status's socket file, if it still is the one bound. */
void
culvert_tunnel_bind_remove_socket_file (CulvertForwardStatus *status)
{
  SocketFile *file = g_object_steal_qdata (G_OBJECT (status), socket_file_quark ());
  struct stat st;

  if (file == NULL)
    return;
  if (lstat (file->path, &st) == 0 && S_ISSOCK (st.st_mode) &&
      st.st_dev == file->dev && st.st_ino == file->ino)
    unlink (file->path);
  socket_file_free (file);
}

/* The directory a socket file goes into: made (0700) when missing; an
 * existing one must be the user's or root's, and not one where others
 * may replace files (group- or world-writable without the sticky bit). */
static gboolean
check_socket_directory (const char  *path,
                        GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  struct stat st;

  if (stat (dir, &st) != 0)
    {
      if (errno != ENOENT || g_mkdir_with_parents (dir, 0700) != 0 || stat (dir, &st) != 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "%s: %s", dir, g_strerror (saved));
          return FALSE;
        }
    }
  if (!S_ISDIR (st.st_mode) ||
      (st.st_uid != getuid () && st.st_uid != 0) ||
      ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   _("%s is not a folder that only you (or the administrator) may change"), dir);
      return FALSE;
    }

  return TRUE;
}

/* A listening socket on the file @path, mode 0600. With @unlink_first
 * (StreamLocalBindUnlink) a socket file already there is replaced, as ssh
 * does; otherwise it makes the path "in use". */
static GSocket *
bind_socket_file (const char  *path,
                  gboolean     unlink_first,
                  GError     **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  struct stat st;

  if (!check_socket_directory (path, error))
    return NULL;

  if (unlink_first && lstat (path, &st) == 0 && S_ISSOCK (st.st_mode))
    unlink (path);

  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_DEFAULT, error);
  if (socket == NULL)
    return NULL;
  /* Linux gives the file the socket's own mode (less the umask): 0600 from
   * the start, never more for a moment; chmod again for kernels that don't. */
  fchmod (g_socket_get_fd (socket), 0600);
  address = g_unix_socket_address_new (path);
  if (!g_socket_bind (socket, address, FALSE, error))
    return NULL;
  if (chmod (path, 0600) != 0)
    {
      int saved = errno;

      unlink (path);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "%s", g_strerror (saved));
      return NULL;
    }
  g_socket_set_listen_backlog (socket, 512);
  if (!g_socket_listen (socket, error))
    {
      unlink (path);
      return NULL;
    }
  g_socket_set_blocking (socket, FALSE);

  return g_steal_pointer (&socket);
}

/* Binds the socket file of @status's forward (a local forward with a bind
 * path) and records it on @status, which then listens on it; on failure
 * sets the status's error and @error, with the same words. */
GSocket *
culvert_tunnel_bind_socket_file (CulvertForwardStatus  *status,
                                 gboolean               unlink_first,
                                 GError               **error)
{
  CulvertForward *forward = culvert_forward_status_get_forward (status);
  g_autofree char *path = g_canonicalize_filename (culvert_forward_get_bind_path (forward), NULL);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) local_error = NULL;
  SocketFile *file;
  struct stat st;

  socket = bind_socket_file (path, unlink_first, &local_error);
  if (socket == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                     _("The socket file %s already exists (StreamLocalBindUnlink "
                       "replaces it)"), path);
      else
        g_set_error (error, local_error->domain, local_error->code,
                     _("Cannot listen on %s: %s"), path, local_error->message);
      culvert_forward_status_set_error (status, (*error)->message, 0);
      return NULL;
    }

  file = g_new0 (SocketFile, 1);
  file->path = g_strdup (path);
  if (lstat (path, &st) == 0)
    {
      file->dev = st.st_dev;
      file->ino = st.st_ino;
    }
  g_object_set_qdata_full (G_OBJECT (status), socket_file_quark (), file,
                           (GDestroyNotify) socket_file_free);
  culvert_forward_status_set_listening (status, path, 0);

  return g_steal_pointer (&socket);
}

/* culvert-worker-jump.c — reaching the server through jump hosts (ProxyJump)
 *
 * Each hop is its own SSH session, logged in by the worker like the server
 * itself: its own host-key check under its own name and port, its own
 * questions, its own authentication. The next session travels over a
 * direct-tcpip channel of the previous one: it gets one end of a socketpair
 * (SSH_OPTIONS_FD) and a pump moves bytes between the other end and the
 * hop's channel.
 *
 * The pump is one thread per chain, not the worker's loop: libssh's
 * authentication calls block the worker thread while the next session logs
 * in (culvert-ssh-login.c runs only the handshake non-blocking), and a pump
 * on that same thread would stop with them (notes/libssh.md §3). Each hop's
 * session is handed to the pump thread once its channel is open and is
 * touched by no other thread after that; libssh sessions may move between
 * threads as long as two never use one at a time. The pump also takes the
 * hops' cryptography off the worker thread, as `ssh -J` runs the hop in a
 * process of its own.
 *
 * The hop's channel keeps a large receive window (the path to the first hop
 * is the long one, and every channel of the final session shares it); the
 * final session's channels keep the worker's window policy.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "Culvert-Login"

#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <errno.h>
#include <libssh/server.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "culvert-address.h"
#include "culvert-worker-private.h"

/* What the server may send through a hop before we read it: every channel
 * of the final session shares it, so it is the largest a channel may get. */
#define HOP_WINDOW  CULVERT_WINDOW_MAX
/* Bytes moved per read, either way. */
#define HOP_CHUNK   (256 * 1024)

typedef struct _JumpChain JumpChain;

typedef struct
{
  JumpChain   *chain;
  char        *name;          /* "gw1", or "gw1:2222", for people */
  ssh_session  session;
  ssh_event    event;
  ssh_channel  channel;
  int          fd;            /* our end of the socketpair the next session uses */

  guint8      *down;          /* channel → fd: read, not yet taken by the socket */
  gsize        down_len;
  gsize        down_off;
  guint8      *up;            /* fd → channel: read, not yet taken by the channel */
  gsize        up_len;
  gsize        up_off;
  guint32      up_blocked;    /* the send window when the channel last took nothing */

  guint        grant : 1;     /* the next read offers the window (libssh 0.10) */
  guint        fd_eof : 1;    /* the next session finished sending */
  guint        eof_sent : 1;  /* …and the hop's server was told */
  guint        shut_wr : 1;   /* the channel finished, and the socket was told */
  guint        dead : 1;
} Hop;

struct _JumpChain
{
  GSocketConnection *first;      /* TCP (perhaps through a proxy) to the first hop */
  GArray            *fds;        /* of HandedFd: socketpair ends the hops' sessions run on */
  GMutex             lock;
  GPtrArray         *handed;     /* Hop* given to the thread, not yet taken (under lock) */
  gboolean           stop;       /* under lock */
  char              *failure;    /* why the first hop that broke did (under lock) */
  int                wake_fd;
  GThread           *thread;
};

static void
hop_free (Hop *hop)
{
  if (hop->channel != NULL)
    {
      ssh_channel_close (hop->channel);
      ssh_channel_free (hop->channel);
    }
  if (hop->session != NULL)
    {
      if (hop->event != NULL)
        ssh_event_remove_session (hop->event, hop->session);
      /* Disconnect first: ssh_free () alone would close the socket it was given. */
      ssh_disconnect (hop->session);
      ssh_free (hop->session);
    }
  if (hop->event != NULL)
    ssh_event_free (hop->event);
  if (hop->fd >= 0)
    close (hop->fd);
  g_free (hop->down);
  g_free (hop->up);
  g_free (hop->name);
  g_free (hop);
}

/* ---------------------------------------------------------------------- */
/* The pump thread                                                         */

/* The channel or the session ended: the next session sees its socket close. */
static void
hop_die (Hop *hop)
{
  if (hop->dead)
    return;
  hop->dead = TRUE;
  g_debug ("Jump host %s: %s", hop->name, ssh_get_error (hop->session));

  /* A hop's own connection broke (not just its channel closed, as it does
   * when the server behind it goes): that is why the tunnel went down. */
  if ((ssh_get_status (hop->session) & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0 ||
      !ssh_is_connected (hop->session))
    {
      g_mutex_lock (&hop->chain->lock);
      if (hop->chain->failure == NULL)
        hop->chain->failure = g_strdup_printf (_("jump host %s: %s"), hop->name,
                                               ssh_get_error (hop->session));
      g_mutex_unlock (&hop->chain->lock);
    }
  if (hop->fd >= 0)
    shutdown (hop->fd, SHUT_RDWR);
}

/* Sends what is waiting for the next session; FALSE while some still waits. */
static gboolean
hop_flush_down (Hop      *hop,
                gboolean *moved)
{
  while (hop->down_off < hop->down_len)
    {
      ssize_t n = send (hop->fd, hop->down + hop->down_off, hop->down_len - hop->down_off,
                        MSG_NOSIGNAL | MSG_DONTWAIT);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return FALSE;
      if (n < 0)
        {
          hop_die (hop);
          return FALSE;
        }
      hop->down_off += n;
      *moved = TRUE;
    }
  hop->down_len = hop->down_off = 0;

  return TRUE;
}

/* The hop's server to the next session. */
static void
hop_pump_down (Hop      *hop,
               guint8   *scratch,
               gboolean *moved)
{
  while (!hop->dead && hop_flush_down (hop, moved))
    {
      int avail = ssh_channel_poll (hop->channel, 0);
      uint32_t count;
      int n;

      if (avail == SSH_EOF)
        {
          if (!hop->shut_wr)
            shutdown (hop->fd, SHUT_WR);
          hop->shut_wr = TRUE;
          return;
        }
      if (avail < 0)
        {
          hop_die (hop);
          return;
        }
      if (avail == 0 && !hop->grant)
        return;

      /* On libssh 0.10 asking for more than is buffered offers the server
       * that much window; scratch holds what a read can return. */
      count = (gsize) avail <= HOP_CHUNK ? MAX ((uint32_t) avail, HOP_WINDOW) : HOP_CHUNK;
      hop->grant = FALSE;
      n = ssh_channel_read_timeout (hop->channel, scratch, count, 0, 0);
#ifdef HAVE_SSH_CHANNEL_SET_WINDOW_SIZE
      ssh_channel_set_window_size (hop->channel, HOP_WINDOW);
#endif
      if (n == SSH_AGAIN || n == 0)
        return;
      if (n < 0)
        {
          hop_die (hop);
          return;
        }
      *moved = TRUE;
      g_assert (hop->down_len == 0);
      hop->down = g_realloc (hop->down, n);
      memcpy (hop->down, scratch, n);
      hop->down_len = n;
      hop->down_off = 0;
    }
}

/* The next session to the hop's server. */
static void
hop_pump_up (Hop      *hop,
             gboolean *moved)
{
  while (!hop->dead)
    {
      ssize_t n;

      if (hop->up_off < hop->up_len)
        {
          int w = ssh_channel_write (hop->channel, hop->up + hop->up_off,
                                     hop->up_len - hop->up_off);

          if (w < 0)
            {
              hop_die (hop);
              return;
            }
          /* 0: no window, or a key re-exchange; the server's next packet says when. */
          if (w == 0)
            {
              hop->up_blocked = ssh_channel_window_size (hop->channel);
              return;
            }
          hop->up_off += w;
          *moved = TRUE;
          continue;
        }
      hop->up_len = hop->up_off = 0;

      if (hop->fd_eof)
        {
          if (!hop->eof_sent && ssh_channel_send_eof (hop->channel) == SSH_ERROR)
            hop_die (hop);
          hop->eof_sent = TRUE;
          return;
        }
      /* libssh's output buffer has no bound: wait until the socket took it. */
      if ((ssh_get_status (hop->session) & SSH_WRITE_PENDING) ||
          ssh_channel_window_size (hop->channel) == 0)
        return;

      if (hop->up == NULL)
        hop->up = g_malloc (HOP_CHUNK);
      n = recv (hop->fd, hop->up, HOP_CHUNK, MSG_DONTWAIT);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
      if (n < 0)
        {
          hop_die (hop);
          return;
        }
      if (n == 0)
        hop->fd_eof = TRUE;
      hop->up_len = n;
      *moved = TRUE;
    }
}

/* One pass over a hop; TRUE when it moved anything (then another pass
 * follows at once: libssh may have read its socket meanwhile, and the
 * socket would not say so again). */
static gboolean
hop_pass (Hop   *hop,
          short  ssh_revents,
          guint8 *scratch)
{
  gboolean moved = FALSE;

  if (hop->dead)
    return FALSE;

  if (ssh_revents != 0 && ssh_event_dopoll (hop->event, 0) == SSH_ERROR)
    {
      hop_die (hop);
      return FALSE;
    }
  if ((ssh_get_status (hop->session) & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0)
    {
      hop_die (hop);
      return FALSE;
    }

  hop_pump_down (hop, scratch, &moved);
  hop_pump_up (hop, &moved);

  /* Both sides finished, or the server closed the channel. */
  if (!hop->dead && ssh_channel_is_closed (hop->channel) && hop->down_len == 0)
    {
      hop_die (hop);
      return moved;
    }

  /* libssh may have read the socket inside the calls above (a write that
   * met a key re-exchange, or ssh_channel_poll on 0.11+): data or window
   * that arrived then would wait for a socket event that already passed. */
  if (!hop->dead &&
      ((hop->down_len == 0 && ssh_channel_poll (hop->channel, 0) > 0) ||
       (hop->up_off < hop->up_len &&
        ssh_channel_window_size (hop->channel) > hop->up_blocked)))
    moved = TRUE;

  return moved;
}

static short
hop_ssh_events (Hop *hop)
{
  return POLLIN | ((ssh_get_poll_flags (hop->session) & SSH_WRITE_PENDING) ? POLLOUT : 0);
}

static short
hop_fd_events (Hop *hop)
{
  short events = 0;

  if (hop->down_off < hop->down_len)
    events |= POLLOUT;
  if (!hop->fd_eof && hop->up_off >= hop->up_len &&
      !(ssh_get_status (hop->session) & SSH_WRITE_PENDING) &&
      ssh_channel_window_size (hop->channel) > 0)
    events |= POLLIN;

  return events;
}

static gpointer
jump_pump_thread (gpointer data)
{
  JumpChain *chain = data;
  g_autoptr(GPtrArray) hops = g_ptr_array_new_with_free_func ((GDestroyNotify) hop_free);
  g_autoptr(GArray) polls = g_array_new (FALSE, TRUE, sizeof (struct pollfd));
  /* A read returns at most what it asks for, which is the window. */
  g_autofree guint8 *scratch = g_malloc (HOP_WINDOW);
  gboolean busy = FALSE;

  for (;;)
    {
      gboolean stop;
      struct pollfd *p;

      g_mutex_lock (&chain->lock);
      stop = chain->stop;
      while (chain->handed->len > 0)
        g_ptr_array_add (hops, g_ptr_array_steal_index (chain->handed, 0));
      g_mutex_unlock (&chain->lock);
      if (stop)
        break;

      g_array_set_size (polls, 1 + 2 * hops->len);
      p = (struct pollfd *) polls->data;
      p[0] = (struct pollfd) { .fd = chain->wake_fd, .events = POLLIN };
      for (guint i = 0; i < hops->len; i++)
        {
          Hop *hop = hops->pdata[i];

          p[1 + 2 * i] = (struct pollfd) { .fd = hop->dead ? -1 : ssh_get_fd (hop->session),
                                           .events = hop->dead ? 0 : hop_ssh_events (hop) };
          p[2 + 2 * i] = (struct pollfd) { .fd = hop->dead ? -1 : hop->fd,
                                           .events = hop->dead ? 0 : hop_fd_events (hop) };
        }

      if (poll (p, polls->len, busy ? 0 : -1) < 0 && errno != EINTR)
        g_error ("poll: %s", g_strerror (errno));

      if (p[0].revents & POLLIN)
        {
          eventfd_t value;

          eventfd_read (chain->wake_fd, &value);
        }

      busy = FALSE;
      for (guint i = 0; i < hops->len; i++)
        {
          /* hop_pass may not add or remove hops, so p stays valid. */
          if (hop_pass (hops->pdata[i], p[1 + 2 * i].revents, scratch))
            busy = TRUE;
        }
    }

  /* The next session is gone already: close from the innermost hop out. */
  while (hops->len > 0)
    g_ptr_array_remove_index (hops, hops->len - 1);

  return NULL;
}

/* ---------------------------------------------------------------------- */
/* Building the chain, on the worker thread                                */

static JumpChain *
jump_chain_new (void)
{
  JumpChain *chain = g_new0 (JumpChain, 1);

  g_mutex_init (&chain->lock);
  chain->fds = g_array_new (FALSE, FALSE, sizeof (HandedFd));
  chain->handed = g_ptr_array_new_with_free_func ((GDestroyNotify) hop_free);
  chain->wake_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (chain->wake_fd < 0)
    g_error ("eventfd: %s", g_strerror (errno));

  return chain;
}

/* Stops the pump (which closes every hop), then the sockets under them. */
static void
jump_chain_free (gpointer data)
{
  JumpChain *chain = data;

  if (chain->thread != NULL)
    {
      g_mutex_lock (&chain->lock);
      chain->stop = TRUE;
      g_mutex_unlock (&chain->lock);
      eventfd_write (chain->wake_fd, 1);
      g_thread_join (chain->thread);
    }
  g_ptr_array_unref (chain->handed);
  for (guint i = 0; i < chain->fds->len; i++)
    culvert_handed_fd_close (&g_array_index (chain->fds, HandedFd, i));
  g_array_unref (chain->fds);
  if (chain->first != NULL)
    {
      g_io_stream_close (G_IO_STREAM (chain->first), NULL, NULL);
      g_object_unref (chain->first);
    }
  close (chain->wake_fd);
  g_mutex_clear (&chain->lock);
  g_free (chain->failure);
  g_free (chain);
}

static void
jump_chain_hand (JumpChain *chain,
                 Hop       *hop)
{
  g_mutex_lock (&chain->lock);
  g_ptr_array_add (chain->handed, hop);
  g_mutex_unlock (&chain->lock);

  if (chain->thread == NULL)
    chain->thread = g_thread_new ("culvert jump", jump_pump_thread, chain);
  else
    eventfd_write (chain->wake_fd, 1);
}

/* "gw1", or "gw1:2222" when the port is not 22. */
static char *
hop_name (const char *host,
          guint16     port)
{
  g_autofree char *shown = culvert_address_format_host (host);

  if (port == 0 || port == 22)
    return g_steal_pointer (&shown);
  return g_strdup_printf ("%s:%u", shown, port);
}

/* Whatever a jump host sends that nobody asked for (a channel open for a
 * forward, X11 or an agent; a request libssh hands on) would otherwise wait
 * in libssh's queue for as long as the session lives, and the host for an
 * answer: refuse it at once (libssh's default answer). Runs on whichever
 * thread reads the session, inside libssh: answer only. */
static int
hop_on_message (ssh_session  session,
                ssh_message  message,
                void        *user_data)
{
  g_debug ("Jump host %s: refused an unrequested message (type %d, subtype %d)",
           (const char *) user_data, ssh_message_type (message), ssh_message_subtype (message));
  return 1;
}

/* Opens the channel from @session to @host:@port, waiting on the worker's
 * context. */
static ssh_channel
hop_open_channel (CulvertWorker  *self,
                  ssh_session     session,
                  const char     *name,
                  const char     *host,
                  guint16         port,
                  GError        **error)
{
  CulvertWorkerConfig *config = self->config;
  guint timeout = config->connect_timeout > 0 ? config->connect_timeout : 15;
  gint64 deadline = g_get_monotonic_time () + timeout * G_TIME_SPAN_SECOND;
  g_autofree char *target = hop_name (host, port);
  ssh_channel channel = ssh_channel_new (session);
  int rc;

  if (channel == NULL)
    {
      g_set_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_FAILED,
                   _("jump host %s: %s"), name, ssh_get_error (session));
      return NULL;
    }

  ssh_set_blocking (session, 0);
  while ((rc = ssh_channel_open_forward (channel, host, port, "127.0.0.1", 0)) == SSH_AGAIN)
    {
      gint64 left = deadline - g_get_monotonic_time ();
      GIOCondition condition = G_IO_IN;

      if (left <= 0)
        break;
      if (ssh_get_poll_flags (session) & SSH_WRITE_PENDING)
        condition |= G_IO_OUT;
      if (!culvert_worker_wait_socket (ssh_get_fd (session), condition,
                                       (int) (left / 1000 + 1), self))
        {
          ssh_channel_free (channel);
          g_set_error_literal (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_CANCELLED,
                               _("The connection was cancelled."));
          return NULL;
        }
    }

  if (rc == SSH_OK)
    return channel;

  if (rc == SSH_AGAIN)
    g_set_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_CONNECT,
                 /* Translators: "jump host gw1 cannot reach db.internal:22: …" */
                 _("jump host %s cannot reach %s: no answer within %u seconds"),
                 name, target, timeout);
  else
    g_set_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_CONNECT,
                 _("jump host %s cannot reach %s: %s"), name, target, ssh_get_error (session));
  ssh_channel_free (channel);

  return NULL;
}

/* Logs in to one hop over @fd and opens its channel to the next; the hop
 * then belongs to the chain's pump, and *@next_fd is the socket the next
 * session runs on. */
static gboolean
hop_connect (CulvertWorker  *self,
             JumpChain      *chain,
             const char     *spec,
             int             fd,
             const char     *next_host,
             guint16         next_port,
             int            *next_fd,
             GError        **error)
{
  CulvertWorkerConfig *config = self->config;
  g_autofree char *user = NULL;
  g_autofree char *host = NULL;
  g_autofree char *name = NULL;
  guint16 port = 0;
  CulvertLoginOptions options = { 0 };
  ssh_session session;
  ssh_channel channel;
  int pair[2];
  Hop *hop;

  /* The tunnel checked the spelling before starting the worker. */
  if (!culvert_jump_host_parse (spec, &user, &host, &port, error))
    return FALSE;
  name = hop_name (host, port);

  if (fd < 0)
    {
      g_autoptr(GError) connect_error = NULL;

      chain->first = culvert_worker_connect_socket (self, host, port, &connect_error);
      if (chain->first == NULL)
        {
          if (g_error_matches (connect_error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_CANCELLED))
            g_propagate_error (error, g_steal_pointer (&connect_error));
          else
            g_set_error (error, CULVERT_LOGIN_ERROR, connect_error->code, _("jump host %s: %s"),
                         name, connect_error->message);
          return FALSE;
        }
      /* libssh sets TCP_NODELAY only on sockets it connects itself. */
      g_socket_set_option (g_socket_connection_get_socket (chain->first), IPPROTO_TCP,
                           TCP_NODELAY, 1, NULL);
      fd = g_socket_get_fd (g_socket_connection_get_socket (chain->first));
    }
  else
    culvert_worker_log (self, FALSE, _("Connecting to the jump host %s"), name);

  /* A hop logs in as its own user (the local one unless the hop names
   * one), with the keys the profile would use, and its own host key. */
  options.host = host;
  options.port = port;
  options.user = user;
  options.auth_method = CULVERT_AUTH_AUTOMATIC;
  options.identity_file = config->identity_file;
  options.known_hosts_file = config->known_hosts_file;
  options.host_key_policy = config->host_key_policy;
  options.connect_timeout = config->connect_timeout;
  options.fd = fd;
  options.use_agent = TRUE;

  session = culvert_worker_login_session (self, &options, FALSE, error);
  if (session == NULL)
    {
      /* A cancelled prompt was this hop's too; only a stop needs no name. */
      if (!culvert_worker_is_stopping (self))
        g_prefix_error (error, _("jump host %s: "), name);
      return FALSE;
    }

  /* The name outlives the session: the chain's hop keeps it. */
  ssh_set_message_callback (session, hop_on_message, name);
  channel = hop_open_channel (self, session, name, next_host, next_port, error);
  if (channel == NULL)
    {
      ssh_disconnect (session);
      ssh_free (session);
      return FALSE;
    }

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, pair) < 0)
    {
      int saved = errno;

      ssh_channel_free (channel);
      ssh_disconnect (session);
      ssh_free (session);
      g_set_error (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_FAILED,
                   _("jump host %s: %s"), name, g_strerror (saved));
      return FALSE;
    }

  {
    g_autofree char *target = hop_name (next_host, next_port);

    culvert_worker_log (self, FALSE, _("The jump host %s opened a channel to %s"), name, target);
  }
  /* The pump never waits on one hop's socket: the hop before it would
   * stop too. libssh made the socket blocking when it connected; it reads
   * and writes it only after poll() said it may, so non-blocking calls
   * never see EAGAIN (which libssh would take for a dead socket), and a
   * large write ends short instead of waiting. */
  if (!g_unix_set_fd_nonblocking (ssh_get_fd (session), TRUE, NULL))
    g_warn_if_reached ();

  hop = g_new0 (Hop, 1);
  hop->chain = chain;
  hop->name = g_steal_pointer (&name);
  hop->session = session;
  hop->channel = channel;
  hop->fd = pair[0];
  hop->event = ssh_event_new ();
  ssh_event_add_session (hop->event, session);
  hop->grant = TRUE;
  jump_chain_hand (chain, hop);

  {
    HandedFd handed;

    culvert_handed_fd_init (&handed, pair[1]);
    g_array_append_val (chain->fds, handed);
  }
  *next_fd = pair[1];

  return TRUE;
}

/* Logs in to each jump host in turn, each over the previous one's channel,
 * and returns the connection the server's own session runs on; the chain
 * lives as long as that connection. */
GSocketConnection *
culvert_worker_jump_connect (CulvertWorker  *self,
                             GError        **error)
{
  CulvertWorkerConfig *config = self->config;
  JumpChain *chain = jump_chain_new ();
  g_autoptr(GSocket) socket = NULL;
  GSocketConnection *connection;
  int fd = -1;
  guint n = g_strv_length (config->jump_hosts);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *next_host = NULL;
      guint16 next_port = 0;
      int next_fd = -1;

      if (i + 1 < n)
        culvert_jump_host_parse (config->jump_hosts[i + 1], NULL, &next_host, &next_port, NULL);
      else
        next_host = g_strdup (config->host), next_port = config->port;
      if (next_port == 0)
        next_port = 22;

      if (!hop_connect (self, chain, config->jump_hosts[i], fd, next_host, next_port, &next_fd,
                        error))
        {
          jump_chain_free (chain);
          return NULL;
        }
      fd = next_fd;
    }

  /* The last socket becomes the connection's own, closed with it. */
  g_array_set_size (chain->fds, chain->fds->len - 1);
  socket = g_socket_new_from_fd (fd, NULL);
  if (socket == NULL)
    {
      close (fd);
      jump_chain_free (chain);
      g_set_error_literal (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_FAILED,
                           _("Could not set up the connection through the jump hosts."));
      return NULL;
    }
  connection = g_socket_connection_factory_create_connection (socket);
  g_object_set_data_full (G_OBJECT (connection), "culvert-jump-chain", chain, jump_chain_free);

  return connection;
}

/* Why the connection made by culvert_worker_jump_connect() broke, when a jump
 * host's own connection did ("jump host gw1: Socket error: disconnected");
 * NULL when it was not a jump host's (or there were none). */
char *
culvert_worker_jump_dup_failure (GSocketConnection *connection)
{
  JumpChain *chain = g_object_get_data (G_OBJECT (connection), "culvert-jump-chain");
  char *failure;

  if (chain == NULL)
    return NULL;

  g_mutex_lock (&chain->lock);
  failure = g_strdup (chain->failure);
  g_mutex_unlock (&chain->lock);

  return failure;
}

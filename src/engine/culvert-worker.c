/* culvert-worker.c — the thread that owns one SSH session
 *
 * One worker per connected profile, alive through every reconnect. This
 * room holds the thread itself: its life (connect, serve, reconnect with
 * backoff, exit), the commands from the main thread, and the events that go
 * back to it in batches. Logging in, the session pump, the connections, the
 * listeners and the window policy have rooms of their own
 * (culvert-worker-private.h lists them).
 *
 * Forwarded bytes never leave this thread.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "Culvert-Worker"

#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "culvert-worker-private.h"

#define STATS_INTERVAL_MS    250

static gint n_alive;

guint
culvert_worker_get_n_alive (void)
{
  return g_atomic_int_get (&n_alive);
}

gboolean
culvert_worker_is_stopping (CulvertWorker *self)
{
  return g_atomic_int_get (&self->stopping);
}

/* ---------------------------------------------------------------------- */
/* Events to the main thread                                               */

/* Events travel in batches: client connections opened and closed wait for
 * the next stats tick (or a full batch), so a burst of short connections
 * costs the main thread a few wake-ups a second, not two per connection.
 * Any other event sends the batch at once, in order. */
#define EVENT_BATCH_MAX 512

typedef struct
{
  CulvertWorker *worker;
  GArray        *events;  /* of CulvertWorkerEvent */
} EventDelivery;

static void
event_clear (gpointer data)
{
  CulvertWorkerEvent *event = data;

  g_free (event->text);
  g_free (event->source);
  g_free (event->destination);
  g_free (event->title);
  g_free (event->detail);
  g_free (event->key_type);
  g_strfreev (event->prompts);
  g_clear_pointer (&event->echo, g_array_unref);
  g_free (event->remember_problem);
  g_free (event->known_key_type);
  g_free (event->known_fingerprint);
  g_free (event->known_location);
  g_free (event->fix_command);
  g_free (event->host);
  g_clear_pointer (&event->forward_stats, g_array_unref);
  g_clear_pointer (&event->client_stats, g_array_unref);
}

static GArray *
event_batch_new (void)
{
  GArray *events = g_array_new (FALSE, FALSE, sizeof (CulvertWorkerEvent));

  g_array_set_clear_func (events, event_clear);
  return events;
}

static void
event_delivery_free (gpointer data)
{
  EventDelivery *d = data;

  g_array_unref (d->events);
  culvert_worker_unref (d->worker);
  g_free (d);
}

static gboolean
event_deliver (gpointer data)
{
  EventDelivery *d = data;

  for (guint i = 0; i < d->events->len; i++)
    d->worker->event_func (&g_array_index (d->events, CulvertWorkerEvent, i),
                           d->worker->event_data);

  return G_SOURCE_REMOVE;
}

void
culvert_worker_flush_events (CulvertWorker *self)
{
  EventDelivery *d;

  if (self->events.batch->len == 0)
    return;

  d = g_new0 (EventDelivery, 1);
  d->worker = culvert_worker_ref (self);
  d->events = g_steal_pointer (&self->events.batch);
  self->events.batch = event_batch_new ();
  g_main_context_invoke_full (self->main_context, G_PRIORITY_DEFAULT,
                              event_deliver, d, event_delivery_free);
}

/* Takes ownership of the event's strings and arrays. */
void
culvert_worker_post (CulvertWorker            *self,
                     const CulvertWorkerEvent *event)
{
  g_array_append_vals (self->events.batch, event, 1);

  if ((event->type != CULVERT_WORKER_EVENT_CLIENT_OPENED &&
       event->type != CULVERT_WORKER_EVENT_CLIENT_CLOSED) ||
      self->events.batch->len >= EVENT_BATCH_MAX)
    culvert_worker_flush_events (self);
}

void
culvert_worker_set_state (CulvertWorker      *self,
                          CulvertTunnelState  state,
                          const char         *reason)
{
  CulvertWorkerEvent event = { .type = CULVERT_WORKER_EVENT_STATE, .state = state };

  event.text = g_strdup (reason);
  culvert_worker_post (self, &event);
}

/* Called through culvert_worker_log(), which passes the caller's domain. */
void
culvert_worker_log_in_domain (const char    *domain,
                              CulvertWorker *self,
                              gboolean       is_error,
                              const char    *format,
                              ...)
{
  CulvertWorkerEvent event = { .type = CULVERT_WORKER_EVENT_LOG, .is_error = is_error };
  va_list args;

  va_start (args, format);
  event.text = g_strdup_vprintf (format, args);
  va_end (args);
  g_log (domain, G_LOG_LEVEL_DEBUG, "%s", event.text);
  culvert_worker_post (self, &event);
}

/* Timers run on the worker's context, never on the global default one. */
GSource *
culvert_worker_add_timeout (CulvertWorker *self,
                            guint          milliseconds,
                            GSourceFunc    func,
                            gpointer       data)
{
  GSource *source = g_timeout_source_new (milliseconds);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, self->context);

  return source;
}

void
culvert_worker_clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}


/* ---------------------------------------------------------------------- */
/* The thread                                                              */

static gboolean
quit_loop (gpointer user_data)
{
  g_main_loop_quit (user_data);

  return G_SOURCE_CONTINUE;
}

/* Waits on the worker's context, so listeners and commands keep working. */
static void
worker_sleep (CulvertWorker *self,
              guint          milliseconds)
{
  GSource *timer = culvert_worker_add_timeout (self, milliseconds, quit_loop, self->loop);

  if (!culvert_worker_is_stopping (self))
    g_main_loop_run (self->loop);
  culvert_worker_clear_source (&timer);
}

/* Exponential backoff with jitter: 1 s after the first failure, doubling
 * up to a minute, each wait drawn from its upper half by @random. */
guint
culvert_worker_backoff_ms (guint   attempt,
                           guint32 random)
{
  guint delay = MIN (1000u << MIN (attempt, 6u), 60000u);

  return delay / 2 + random % (delay / 2 + 1);
}

void
culvert_handed_fd_init (HandedFd *handed,
                        int       fd)
{
  struct stat st;

  handed->fd = fd;
  handed->dev = 0;
  handed->ino = 0;
  if (fd >= 0 && fstat (fd, &st) == 0)
    {
      handed->dev = st.st_dev;
      handed->ino = st.st_ino;
    }
}

void
culvert_handed_fd_close (HandedFd *handed)
{
  struct stat st;

  if (handed->fd >= 0 && fstat (handed->fd, &st) == 0 &&
      st.st_dev == handed->dev && st.st_ino == handed->ino)
    close (handed->fd);
  handed->fd = -1;
}

/* The GSocket closes its own descriptor in any case, so libssh gets a
 * duplicate (see HandedFd). While the GSocket holds the socket open no
 * other socket can have its inode. */
int
culvert_worker_take_ssh_fd (CulvertWorker      *self,
                            GSocketConnection  *connection,
                            GError            **error)
{
  int fd = dup (g_socket_get_fd (g_socket_connection_get_socket (connection)));

  if (fd < 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s", g_strerror (errsv));
      return -1;
    }
  culvert_handed_fd_init (&self->ssh_fd, fd);

  return fd;
}

void
culvert_worker_release_ssh_fd (CulvertWorker *self)
{
  culvert_handed_fd_close (&self->ssh_fd);
}

static gboolean
login_error_is_final (const GError *error)
{
  return g_error_matches (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_HOST_KEY_CHANGED) ||
         g_error_matches (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_HOST_KEY_UNKNOWN) ||
         g_error_matches (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_AUTH_DENIED) ||
         g_error_matches (error, CULVERT_LOGIN_ERROR, CULVERT_LOGIN_ERROR_CANCELLED);
}

/* The thread's last words: the ports are free again before the main thread
 * hears that the worker exited, and from then on commands are no-ops. */
static void
worker_exit (CulvertWorker *self)
{
  CulvertWorkerEvent exited = { .type = CULVERT_WORKER_EVENT_EXITED };

  culvert_worker_clear_source (&self->events.stats_source);
  g_source_destroy (self->epoll_source);
  g_clear_pointer (&self->epoll_source, g_source_unref);

  g_mutex_lock (&self->lock);
  self->exited = TRUE;
  g_mutex_unlock (&self->lock);

  /* Run the commands sent before that (answers, stops, listeners) so
   * nothing waits on us and nothing holds a reference through our context. */
  while (g_main_context_pending (self->context))
    g_main_context_iteration (self->context, FALSE);

  culvert_worker_close_listeners (self);
  culvert_worker_post_stats (self);
  if (culvert_worker_is_stopping (self))
    culvert_worker_set_state (self, CULVERT_TUNNEL_DISCONNECTED, NULL);
  culvert_worker_post (self, &exited);
}

static gpointer
worker_thread (gpointer data)
{
  CulvertWorker *self = data;
  CulvertWorkerConfig *config = self->config;
  guint attempt = 0;

  g_main_context_push_thread_default (self->context);

  self->epoll_source = g_unix_fd_source_new (self->epoll_fd, G_IO_IN);
  g_source_set_callback (self->epoll_source,
                         (GSourceFunc) (void (*) (void)) culvert_worker_epoll_dispatch,
                         self, NULL);
  /* GLib removes and re-adds the descriptors of a source that cannot
   * recurse around each dispatch, waking the context twice per event. */
  g_source_set_can_recurse (self->epoll_source, TRUE);
  g_source_attach (self->epoll_source, self->context);
  self->events.stats_source = culvert_worker_add_timeout (self, STATS_INTERVAL_MS,
                                                   culvert_worker_stats_tick, self);
  culvert_worker_watch_listeners (self, TRUE);

  while (!culvert_worker_is_stopping (self))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocketConnection) connection = NULL;
      g_autofree char *reason = NULL;

      culvert_worker_set_state (self, self->ever_connected ? CULVERT_TUNNEL_RECONNECTING
                                                           : CULVERT_TUNNEL_CONNECTING, NULL);
      self->session = culvert_worker_login (self, &connection, &error);
      if (self->session != NULL)
        {
          attempt = 0;
          culvert_worker_serve (self);
          /* Before the GSocket lets go of the socket (see above). */
          culvert_worker_release_ssh_fd (self);
          g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
          if (culvert_worker_is_stopping (self))
            break;
          {
            /* A jump host that broke says so, not the session it carried. */
            g_autofree char *hop = culvert_worker_jump_dup_failure (connection);

            reason = g_strdup_printf (_("The connection to %s was lost: %s"),
                                      config->host, hop != NULL ? hop : self->dead_reason);
          }
          culvert_worker_log (self, TRUE, "%s", reason);
        }
      else
        {
          if (culvert_worker_is_stopping (self))
            break;
          reason = g_strdup (error->message);
          culvert_worker_log (self, TRUE, "%s", reason);
          if (login_error_is_final (error) || !self->ever_connected)
            {
              culvert_worker_set_state (self, CULVERT_TUNNEL_FAILED, reason);
              break;
            }
        }

      if (!config->reconnect)
        {
          culvert_worker_set_state (self, CULVERT_TUNNEL_FAILED, reason);
          break;
        }

      {
        guint delay = culvert_worker_backoff_ms (attempt, g_random_int ());

        /* A client is waiting for this connection: try again soon. */
        if (culvert_worker_has_waiting (self))
          delay = MIN (delay, culvert_worker_waiting_retry_ms ());
        CulvertWorkerEvent event = { .type = CULVERT_WORKER_EVENT_STATE,
                                     .state = CULVERT_TUNNEL_RECONNECTING };

        attempt++;
        event.text = g_strdup (reason);
        event.attempt = attempt;
        event.next_try = g_get_real_time () + (gint64) delay * 1000;
        culvert_worker_post (self, &event);
        culvert_worker_log (self, FALSE, _("Connecting again in %.1f seconds"), delay / 1000.0);
        /* culvert_worker_retry_now() may cut the wait short. */
        self->waiting.backing_off = TRUE;
        self->waiting.backoff_since = g_get_monotonic_time ();
        worker_sleep (self, delay);
        self->waiting.backing_off = FALSE;
        culvert_worker_clear_source (&self->waiting.early_retry);
      }
    }

  worker_exit (self);
  g_main_context_pop_thread_default (self->context);

  culvert_worker_unref (self);
  return NULL;
}

/* ---------------------------------------------------------------------- */
/* Commands from the main thread                                           */

/* Runs @func on the worker thread, or only frees @data once the thread has
 * exited (nobody would run it, and it would keep the worker alive). */
static void
worker_send (CulvertWorker  *self,
             gint            priority,
             GSourceFunc     func,
             gpointer        data,
             GDestroyNotify  destroy)
{
  gboolean exited;

  g_mutex_lock (&self->lock);
  exited = self->exited;
  if (!exited)
    g_main_context_invoke_full (self->context, priority, func, data, destroy);
  g_mutex_unlock (&self->lock);

  if (exited)
    destroy (data);
}

static gboolean
stop_in_worker (gpointer data)
{
  CulvertWorker *self = data;

  if (self->loop != NULL)
    g_main_loop_quit (self->loop);

  return G_SOURCE_REMOVE;
}

typedef struct
{
  CulvertWorker *worker;
  char          *why;
} Retry;

static void
retry_free (gpointer data)
{
  Retry *retry = data;

  culvert_worker_unref (retry->worker);
  g_free (retry->why);
  g_free (retry);
}

static gboolean
retry_in_worker (gpointer data)
{
  Retry *retry = data;
  CulvertWorker *self = retry->worker;

  /* Only the wait between attempts ends; a session being served, or an
   * attempt under way, goes on. */
  if (self->waiting.backing_off && !culvert_worker_is_stopping (self))
    {
      self->waiting.backing_off = FALSE;
      culvert_worker_log (self, FALSE, "%s", retry->why);
      g_main_loop_quit (self->loop);
    }

  return G_SOURCE_REMOVE;
}

typedef struct
{
  CulvertWorker *worker;
  guint          question_id;
  gboolean       accepted;
  GStrv          answers;
  gboolean       remember;
} Answer;

static void
answer_free (gpointer data)
{
  Answer *answer = data;

  if (answer->answers != NULL)
    for (guint i = 0; answer->answers[i] != NULL; i++)
      memset (answer->answers[i], 0, strlen (answer->answers[i]));
  g_strfreev (answer->answers);
  culvert_worker_unref (answer->worker);
  g_free (answer);
}

static gboolean
answer_in_worker (gpointer data)
{
  Answer *answer = data;
  Question *question = answer->worker->question;

  if (question != NULL && question->id == answer->question_id && !question->answered)
    {
      question->answered = TRUE;
      question->accepted = answer->accepted;
      question->answers = g_steal_pointer (&answer->answers);
      question->remember = answer->remember;
    }

  return G_SOURCE_REMOVE;
}

/* A command about a connection or a forward, run on the worker thread. */
typedef struct
{
  CulvertWorker         *worker;
  guint64                client_id;
  guint                  forward_index;
  CulvertWorkerListener *listener;
  CulvertWorkerRemote   *remote;
  int                    stream_fd;    /* culvert_worker_add_stream (), or -1 */
  char                  *stream_host;
  guint16                stream_port;
} Command;

static Command *
command_new (CulvertWorker *self)
{
  Command *command = g_new0 (Command, 1);

  command->worker = culvert_worker_ref (self);
  command->stream_fd = -1;
  return command;
}

static void
command_free (gpointer data)
{
  Command *command = data;

  culvert_worker_listener_free (command->listener);
  culvert_worker_remote_free (command->remote);
  if (command->stream_fd >= 0)
    close (command->stream_fd);
  g_free (command->stream_host);
  culvert_worker_unref (command->worker);
  g_free (command);
}

static gboolean
close_client_in_worker (gpointer data)
{
  Command *command = data;
  CulvertWorker *self = command->worker;
  Conn *conn = g_hash_table_lookup (self->conns, &command->client_id);

  if (conn != NULL)
    {
      if (conn->state == CONN_OPENING)
        conn->abandoned = TRUE;
      else
        culvert_conn_close (conn, _("Closed by the user"));  /* a SOCKS handshake too */
      culvert_worker_pump (self, FALSE);
    }

  return G_SOURCE_REMOVE;
}

void
culvert_worker_config_free (CulvertWorkerConfig *config)
{
  if (config == NULL)
    return;

  g_free (config->profile_id);
  g_free (config->host);
  g_free (config->user);
  g_free (config->identity_file);
  g_free (config->known_hosts_file);
  g_free (config->proxy_url);
  g_free (config->proxy_bypass);
  g_strfreev (config->jump_hosts);
  g_strfreev (config->permit_remote_open);
  g_free (config);
}

void
culvert_worker_listener_free (CulvertWorkerListener *listener)
{
  if (listener == NULL)
    return;

  g_clear_object (&listener->socket);
  g_free (listener->destination_host);
  g_free (listener);
}

void
culvert_worker_remote_free (CulvertWorkerRemote *remote)
{
  if (remote == NULL)
    return;

  g_free (remote->bind_address);
  g_free (remote->destination_host);
  g_free (remote);
}

CulvertWorker *
culvert_worker_new (CulvertWorkerConfig    *config,
                    GPtrArray              *listeners,
                    GPtrArray              *remotes,
                    CulvertWorkerEventFunc  func,
                    gpointer                user_data,
                    GDestroyNotify          destroy)
{
  CulvertWorker *self = g_new0 (CulvertWorker, 1);

  g_atomic_ref_count_init (&self->ref_count);
  g_atomic_int_inc (&n_alive);
  g_mutex_init (&self->lock);
  self->login_fd = -1;
  self->ssh_fd.fd = -1;
  self->config = config;
  self->main_context = g_main_context_ref_thread_default ();
  self->event_func = func;
  self->event_data = user_data;
  self->event_destroy = destroy;
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->cancellable = g_cancellable_new ();
  self->epoll_fd = epoll_create1 (EPOLL_CLOEXEC);
  self->ssh_watch = WATCH_SSH;
  self->conns = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->opening = g_ptr_array_new ();
  self->ready = g_ptr_array_new ();
  self->window_waiters = g_ptr_array_new ();
  self->paused = g_ptr_array_new ();
  self->closing = g_ptr_array_new ();
  self->handshaking = g_ptr_array_new ();
  self->scratch = g_malloc (SCRATCH_SIZE);
  self->events.batch = event_batch_new ();
  self->listeners = g_ptr_array_new_with_free_func ((GDestroyNotify) culvert_listener_free);
  self->counters = g_ptr_array_new_with_free_func (g_free);
  self->probe_counters.forward_index = G_MAXUINT;
  self->remotes = g_ptr_array_new_with_free_func ((GDestroyNotify) culvert_remote_free);

  for (guint i = 0; listeners != NULL && i < listeners->len; i++)
    culvert_worker_take_listener (self, g_ptr_array_index (listeners, i));
  if (listeners != NULL)
    g_ptr_array_unref (listeners);
  for (guint i = 0; remotes != NULL && i < remotes->len; i++)
    culvert_worker_take_remote (self, g_ptr_array_index (remotes, i));
  if (remotes != NULL)
    g_ptr_array_unref (remotes);

  return self;
}

void
culvert_worker_start (CulvertWorker *self)
{
  g_autofree char *name = g_strdup_printf ("culvert %s", self->config->host);

  g_return_if_fail (self->thread == NULL);

  /* The thread holds a reference until it has exited. */
  self->thread = g_thread_new (name, worker_thread, culvert_worker_ref (self));
}

/* Safe from any thread, any number of times, before or after the thread
 * exited. Returns at once; "exited" follows within a second. */
void
culvert_worker_stop (CulvertWorker *self)
{
  g_atomic_int_set (&self->stopping, TRUE);
  g_cancellable_cancel (self->cancellable);

  g_mutex_lock (&self->lock);
  if (self->login_fd >= 0)
    shutdown (self->login_fd, SHUT_RDWR);
  g_mutex_unlock (&self->lock);

  worker_send (self, G_PRIORITY_HIGH, stop_in_worker, culvert_worker_ref (self),
               (GDestroyNotify) culvert_worker_unref);
}

/* Safe from any thread: while the worker waits before its next attempt,
 * that attempt starts now; @why is logged (a sentence for people). */
void
culvert_worker_retry_now (CulvertWorker *self,
                          const char    *why)
{
  Retry *retry = g_new0 (Retry, 1);

  retry->worker = culvert_worker_ref (self);
  retry->why = g_strdup (why);
  worker_send (self, G_PRIORITY_HIGH, retry_in_worker, retry, retry_free);
}

void
culvert_worker_answer (CulvertWorker      *self,
                       guint               question_id,
                       gboolean            accepted,
                       const char * const *answers,
                       gboolean            remember)
{
  Answer *answer = g_new0 (Answer, 1);

  answer->worker = culvert_worker_ref (self);
  answer->question_id = question_id;
  answer->accepted = accepted;
  answer->answers = g_strdupv ((char **) answers);
  answer->remember = remember;
  worker_send (self, G_PRIORITY_HIGH, answer_in_worker, answer, answer_free);
}

void
culvert_worker_close_client (CulvertWorker *self,
                             guint64        client_id)
{
  Command *command = command_new (self);

  command->client_id = client_id;
  worker_send (self, G_PRIORITY_DEFAULT, close_client_in_worker, command, command_free);
}

static gboolean
add_remote_in_worker (gpointer data)
{
  Command *command = data;
  CulvertWorker *self = command->worker;
  Remote *remote = culvert_worker_take_remote (self, command->remote);

  if (self->session != NULL)
    {
      culvert_worker_request_remote (self, remote);
      culvert_worker_pump (self, FALSE);
    }

  return G_SOURCE_REMOVE;
}

/* Copies @remote. */
void
culvert_worker_add_remote (CulvertWorker       *self,
                           CulvertWorkerRemote *remote)
{
  Command *command = command_new (self);

  command->remote = g_new0 (CulvertWorkerRemote, 1);
  command->remote->forward_index = remote->forward_index;
  command->remote->bind_address = g_strdup (remote->bind_address);
  command->remote->bind_port = remote->bind_port;
  command->remote->destination_host = g_strdup (remote->destination_host);
  command->remote->destination_port = remote->destination_port;
  worker_send (self, G_PRIORITY_DEFAULT, add_remote_in_worker, command, command_free);
}

static gboolean
remove_forward_in_worker (gpointer data)
{
  Command *command = data;
  CulvertWorker *self = command->worker;
  GHashTableIter iter;
  gpointer value;

  culvert_worker_remove_listeners (self, command->forward_index);
  culvert_worker_remove_remotes (self, command->forward_index);
  g_hash_table_iter_init (&iter, self->conns);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Conn *conn = value;

      if (conn->counters->forward_index != command->forward_index)
        continue;
      if (conn->state == CONN_OPENING)
        conn->abandoned = TRUE;
      else
        culvert_conn_close (conn, _("The forward was removed"));
    }
  culvert_worker_pump (self, FALSE);

  return G_SOURCE_REMOVE;
}

void
culvert_worker_remove_forward (CulvertWorker *self,
                               guint          forward_index)
{
  Command *command = command_new (self);

  command->forward_index = forward_index;
  worker_send (self, G_PRIORITY_DEFAULT, remove_forward_in_worker, command, command_free);
}

static gboolean
add_stream_in_worker (gpointer data)
{
  Command *command = data;
  CulvertWorker *self = command->worker;
  struct sockaddr_storage addr = { 0 };
  socklen_t addr_len = sizeof addr;
  Conn *conn;

  /* Only while there is a session: the caller waits for one. */
  if (self->session == NULL)
    {
      culvert_worker_log (self, TRUE,
                          _("Standard input and output could not be forwarded: there is "
                            "no connection to the server"));
      return G_SOURCE_REMOVE;
    }

  getsockname (command->stream_fd, (struct sockaddr *) &addr, &addr_len);
  conn = culvert_conn_new (self, culvert_worker_counters_for (self, CULVERT_WORKER_STREAM_INDEX),
                           command->stream_fd, (struct sockaddr *) &addr, command->stream_host,
                           command->stream_port);
  command->stream_fd = -1;
  culvert_conn_open_channel (conn);
  culvert_worker_pump (self, FALSE);

  return G_SOURCE_REMOVE;
}

void
culvert_worker_add_stream (CulvertWorker *self,
                           int            fd,
                           const char    *host,
                           guint16        port)
{
  Command *command = command_new (self);

  command->stream_fd = fd;
  command->stream_host = g_strdup (host);
  command->stream_port = port;
  worker_send (self, G_PRIORITY_DEFAULT, add_stream_in_worker, command, command_free);
}

static gboolean
add_listener_in_worker (gpointer data)
{
  Command *command = data;
  CulvertWorker *self = command->worker;
  Listener *listener;

  culvert_worker_take_listener (self, command->listener);
  listener = g_ptr_array_index (self->listeners, self->listeners->len - 1);
  culvert_worker_watch_add (self, listener->fd, listener, EPOLLIN);

  return G_SOURCE_REMOVE;
}

/* Takes @listener; once the thread has exited its socket is just closed. */
void
culvert_worker_add_listener (CulvertWorker         *self,
                             CulvertWorkerListener *listener)
{
  Command *command = command_new (self);

  command->listener = listener;
  worker_send (self, G_PRIORITY_DEFAULT, add_listener_in_worker, command, command_free);
}

CulvertWorker *
culvert_worker_ref (CulvertWorker *self)
{
  g_atomic_ref_count_inc (&self->ref_count);

  return self;
}

void
culvert_worker_unref (CulvertWorker *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  if (self->thread != NULL)
    g_thread_unref (self->thread);
  if (self->event_destroy != NULL)
    self->event_destroy (self->event_data);
  g_main_context_unref (self->main_context);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_object_unref (self->cancellable);
  close (self->epoll_fd);
  g_hash_table_unref (self->conns);
  g_ptr_array_unref (self->opening);
  g_ptr_array_unref (self->ready);
  g_ptr_array_unref (self->window_waiters);
  g_ptr_array_unref (self->paused);
  g_ptr_array_unref (self->closing);
  g_ptr_array_unref (self->handshaking);
  g_ptr_array_unref (self->listeners);
  g_ptr_array_unref (self->remotes);
  g_ptr_array_unref (self->counters);
  g_clear_object (&self->local_client);
  g_free (self->scratch);
  g_array_unref (self->events.batch);
  g_free (self->dead_reason);
  g_free (self->keyring_problem);
  culvert_worker_config_free (self->config);
  g_mutex_clear (&self->lock);
  g_free (self);
  g_atomic_int_dec_and_test (&n_alive);
}

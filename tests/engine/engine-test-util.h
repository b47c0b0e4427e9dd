/* engine-test-util.h — what the engine tests share: clients that check what
 * comes back, sshd logs and keys, tunnels, network namespaces and the
 * children a test starts (waiting, free ports and the echo server come
 * from culvert-test-net)
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "culvert-test-net.h"
#include "culvert-test-sshd.h"
#include "culvert-tunnel-private.h"

G_BEGIN_DECLS

/* For main(), after g_test_init(): when no sshd can run here, adds @path
 * as a test that is skipped with the reason, and returns TRUE (main()
 * then only runs g_test_run()). */
gboolean    skip_all_without_sshd (const char   *path);

/* Waiting for a check with a timeout, and a free port, come from
 * culvert-test-net. */
#define wait_until culvert_test_wait_until
#define free_port  culvert_test_free_port

/* The echo server (or sink) comes from culvert-test-net too. */
#define Echo           CulvertTestEcho
#define echo_new       culvert_test_echo_new
#define sink_new       culvert_test_sink_new
#define echo_free      culvert_test_echo_free
#define echo_until_eof culvert_test_echo_until_eof

/* A client of a forward that sends its own random bytes and checks what
 * comes back (see start_client()). */
typedef struct
{
  guint16   port;
  gsize     size;
  guint8   *payload;        /* sent, then half-close */
  char     *expected_back;  /* checksum of what must come back */
  gsize     expected_len;
  gboolean  ok;
  char     *problem;
  GThread  *thread;
} Client;

/* What send_job_thread() sends, and whether all of it went. */
typedef struct
{
  int           fd;
  const guint8 *data;
  gsize         len;
  gboolean      ok;
} SendJob;

/* A thread (@data: a SendJob) that sends job->data, then half-closes. */
gpointer    send_job_thread     (gpointer        data);
/* Reads until EOF; returns the SHA-256 of what came, and its length. */
char       *read_to_eof_checksum (int            fd,
                                  gsize         *total);
/* @size random bytes. */
guint8     *random_payload      (gsize           size);
/* The SHA-256 of @data, in hex. */
char       *checksum_of         (const guint8   *data,
                                 gsize           len);
/* Starts a client of 127.0.0.1:@port that sends @size random bytes and
 * then half-closes; what must come back is the same bytes (@echo), or else
 * @expected_len bytes with the SHA-256 @expected_back. Added to @clients. */
Client     *start_client        (GPtrArray      *clients,
                                 guint16         port,
                                 gsize           size,
                                 gboolean        echo,
                                 const char     *expected_back,
                                 gsize           expected_len);
/* wait_until() check: every client in @data (a GPtrArray) has finished. */
gboolean    clients_done        (gpointer        data);
/* Waits (up to 2 minutes) for every client in @clients; fails the test
 * with the first one whose bytes did not come back right. */
void        assert_clients_ok   (GPtrArray      *clients);
/* Waits for the client's thread and frees it. */
void        client_free         (Client         *c);

/* How often @needle stands in @haystack. */
guint       count_substrings    (const char     *haystack,
                                 const char     *needle);
/* Fails the test, showing @haystack, when @needle is not in it. */
void        assert_contains     (const char     *haystack,
                                 const char     *needle);
/* How often @sshd logged @needle so far. */
guint       log_count           (CulvertTestSshd *sshd,
                                 const char     *needle);
/* @sshd's host key, as a known_hosts line under @host:@port. */
char       *known_hosts_line    (CulvertTestSshd *sshd,
                                 const char     *host,
                                 guint16         port);
/* Lets @client's client key log in to @sshd too. */
void        authorize_key_of    (CulvertTestSshd *sshd,
                                 CulvertTestSshd *client);

/* A profile for @user at @host:@port that logs in with the key at
 * @key_path and checks host keys in @known_hosts; it neither reconnects
 * nor sends keepalives. */
CulvertProfile *key_profile_new (const char     *host,
                                 guint16         port,
                                 const char     *user,
                                 const char     *key_path,
                                 const char     *known_hosts);
/* A new tunnel for @profile, strict about host keys, already connecting. */
CulvertTunnel *tunnel_start     (CulvertProfile *profile);
/* The status of @tunnel's forward at @index (the tunnel keeps it). */
CulvertForwardStatus *status_at (CulvertTunnel  *tunnel,
                                 guint           index);

/* The checks wait_until() takes for a CulvertTunnel (@data): connected
 * (failing the test when it failed instead), and failed. */
gboolean    tunnel_connected    (gpointer        data);
gboolean    tunnel_failed       (gpointer        data);
/* No worker thread of any tunnel is left (@data is unused). */
gboolean    no_worker_alive     (gpointer        data);
/* Whether a line of @tunnel's log holds @text. */
gboolean    log_contains        (CulvertTunnel  *tunnel,
                                 const char     *text);
/* Disconnects @tunnel and runs the main context until it has exited:
 * for as long as it takes when @seconds is 0, else FALSE after @seconds. */
gboolean    disconnect_and_wait (CulvertTunnel  *tunnel,
                                 guint           seconds);

/* Runs `ip ARGS… NULL`, failing the test if it fails. */
void        run_ip              (const char     *first,
                                 ...) G_GNUC_NULL_TERMINATED;
/* Deletes the network namespaces "@prefix-PID-X" that an earlier run left
 * behind when it died (PID names a process that is gone). */
void        netns_remove_stale  (const char     *prefix);

/* The culvert binary of this build. */
const char *culvert_binary      (void);
/* A GSpawnChildSetupFunc (@data: GINT_TO_POINTER (getpid ()) of the test):
 * the child gets SIGTERM when the thread that started it ends, however the
 * test dies; a child whose test died before this ran exits at once. */
void        die_with_test       (gpointer        data);

/* A relay between a tunnel and sshd on 127.0.0.1:@port, which the test
 * can freeze (every byte held, as on a dead path), cut (every connection
 * reset) or set refusing (every new connection reset, as a server that is
 * down). */
typedef struct
{
  int          listen_fd;
  guint16      port;
  guint16      target;
  GThread     *thread;
  GMutex       lock;
  GPtrArray   *fds;        /* every socket it holds, to cut them all */
  gboolean     cut;
  gint         frozen;     /* atomic: hold every byte, as a dead path does */
  gint         pipes;      /* atomic: pipe threads still running */
  gint         refusing;   /* atomic: reset every new connection, as a server that is down */
} Relay;

Relay      *relay_new           (guint16         target);
void        relay_cut           (Relay          *relay);
void        relay_free          (Relay          *relay);

G_END_DECLS

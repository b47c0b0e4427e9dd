/* engine-test-util.h — what the engine tests share: waiting, loopback
 * ports, an echo server, sshd logs and keys, tunnels, namespaces and the
 * children a test starts
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

G_END_DECLS

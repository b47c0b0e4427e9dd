/* culvert-ssh-login.h — open an SSH session: connect, check the host key, authenticate
 *
 * Runs on a tunnel's worker thread (or a test's thread), blocking. Questions
 * for the user (unknown host key, password, key passphrase,
 * keyboard-interactive prompts) go through CulvertLoginCallbacks; the caller
 * decides how they are answered (the GUI shows a dialog while the worker
 * iterates its own main context; the headless runner reads the terminal).
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <libssh/libssh.h>

#include "culvert-types.h"

G_BEGIN_DECLS

#define CULVERT_LOGIN_ERROR (culvert_login_error_quark ())

typedef enum
{
  CULVERT_LOGIN_ERROR_FAILED,            /* anything else, with libssh's words */
  CULVERT_LOGIN_ERROR_CONNECT,           /* TCP or SSH handshake failed, timed out, refused */
  CULVERT_LOGIN_ERROR_HOST_KEY_UNKNOWN,  /* not in known_hosts and not accepted */
  CULVERT_LOGIN_ERROR_HOST_KEY_CHANGED,  /* known_hosts has another key: always refused */
  CULVERT_LOGIN_ERROR_AUTH_DENIED,       /* every allowed method failed */
  CULVERT_LOGIN_ERROR_CANCELLED,         /* the user cancelled a question */
} CulvertLoginError;

/* OpenSSH's StrictHostKeyChecking. A changed key is refused under every policy. */
typedef enum
{
  CULVERT_HOST_KEY_ASK,         /* unknown key: ask through confirm_host_key */
  CULVERT_HOST_KEY_STRICT,      /* unknown key: refuse ("yes") */
  CULVERT_HOST_KEY_ACCEPT_NEW,  /* unknown key: accept and record */
  CULVERT_HOST_KEY_NO,          /* unknown key: accept and record ("no"); changed still refused */
} CulvertHostKeyPolicy;

typedef struct
{
  const char           *host;              /* name or address; also the known_hosts key */
  guint16               port;              /* 0 means 22 */
  const char           *user;              /* NULL: the local user name */
  CulvertAuthMethod     auth_method;       /* AUTOMATIC: every method the server allows */
  const char           *identity_file;     /* NULL: ~/.ssh/id_ed25519, id_ecdsa, id_rsa */
  const char           *known_hosts_file;  /* NULL: culvert_paths_dup_known_hosts_file () */
  CulvertHostKeyPolicy  host_key_policy;
  guint                 connect_timeout;   /* seconds, 0: 15 */
  int                   fd;                /* >= 0: an already connected socket (proxy, jump
                                            * host), used with SSH_OPTIONS_FD and still owned
                                            * by the caller; -1: libssh connects */
  gboolean              use_agent;         /* try SSH_AUTH_SOCK's agent (AUTOMATIC, AGENT) */
} CulvertLoginOptions;

/* What known_hosts holds and what the server offered, when they differ. */
typedef struct
{
  const char *host_label;         /* "host" or "[host]:port" */
  const char *key_type;           /* the offered key's type */
  const char *fingerprint;        /* the offered key's "SHA256:…" */
  const char *known_key_type;     /* NULL when the recorded key could not be read */
  const char *known_fingerprint;
  const char *known_location;     /* "~/.ssh/known_hosts line 3" */
  const char *fix_command;        /* "ssh-keygen -R '[host]:2222' -f ~/.ssh/known_hosts" */
} CulvertHostKeyChange;

typedef struct
{
  /* Unknown host key under CULVERT_HOST_KEY_ASK. TRUE accepts it (and records
   * it in known_hosts). */
  gboolean (*confirm_host_key) (const char *host_label,   /* "host" or "[host]:port" */
                                const char *key_type,     /* "ssh-ed25519" */
                                const char *fingerprint,  /* "SHA256:…" */
                                gpointer    user_data);
  /* A password (@is_passphrase FALSE; @prompt names user@host) or a key
   * passphrase (@is_passphrase TRUE; @prompt names the key file). Returns a
   * newly allocated string (freed by the caller after wiping it), or NULL when
   * the user cancels. */
  char    *(*ask_secret)       (const char *prompt,
                                gboolean    is_passphrase,
                                gpointer    user_data);
  /* One keyboard-interactive round. Returns n_prompts newly allocated answers
   * (a NULL-terminated vector), or NULL when the user cancels. A round with
   * zero prompts is answered without calling this. */
  char   **(*ask_kbdint)       (const char         *name,
                                const char         *instruction,
                                const char * const *prompts,
                                const gboolean     *echo,
                                guint               n_prompts,
                                gpointer            user_data);
  /* A progress line for the tunnel's log ("Authenticated with key ~/.ssh/id_ed25519"). */
  void     (*log)              (const char *line,
                                gpointer    user_data);
  /* Waits until @fd is ready for @condition or @timeout_ms passed, and
   * returns FALSE when the login is to stop. With it, the SSH handshake runs
   * non-blocking and the caller's loop runs between its steps; without it
   * (NULL), libssh blocks until the handshake is done. */
  gboolean (*wait_socket)      (int          fd,
                                GIOCondition condition,
                                int          timeout_ms,
                                gpointer     user_data);
  /* Before asking for a password or a key passphrase: a secret remembered
   * for this login (the keyring), newly allocated, or NULL. Called even when
   * ask_secret is NULL (a headless run uses remembered secrets too). */
  char    *(*recall_secret)    (gboolean    is_passphrase,
                                gpointer    user_data);
  /* What became of a secret from recall_secret (@recalled TRUE) or from
   * ask_secret: @accepted is TRUE when it logged in or unlocked the key. */
  void     (*secret_result)    (gboolean    is_passphrase,
                                const char *secret,
                                gboolean    recalled,
                                gboolean    accepted,
                                gpointer    user_data);
  /* The server's host key is not the one known_hosts holds. Only a report:
   * the login then fails with CULVERT_LOGIN_ERROR_HOST_KEY_CHANGED. */
  void     (*host_key_changed) (const CulvertHostKeyChange *change,
                                gpointer                    user_data);
  gpointer   user_data;
} CulvertLoginCallbacks;

GQuark      culvert_login_error_quark (void);

/* Returns a connected, authenticated, blocking session, or NULL with @error
 * set to a sentence a user understands. Any callback may be NULL: there is
 * nobody to ask (a headless run without a terminal). An unknown host key is
 * then refused, and a method that needs an answer (password, passphrase,
 * keyboard-interactive) is skipped, as OpenSSH's BatchMode does; a callback
 * that returns NULL means the user cancelled. */
ssh_session culvert_ssh_login         (const CulvertLoginOptions   *options,
                                       const CulvertLoginCallbacks *callbacks,
                                       GCancellable                *cancellable,
                                       GError                     **error);

G_END_DECLS

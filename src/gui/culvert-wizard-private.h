/* culvert-wizard-private.h — what the wizard's files and its tests share
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "culvert-tunnel-diagram.h"
#include "culvert-wizard.h"

G_BEGIN_DECLS

struct _CulvertWizard
{
  AdwWindow             parent_instance;

  CulvertApplication   *app;
  CulvertForward       *candidate;      /* the forward page's rule, when valid */
  char                 *key_path;       /* the chosen key file */
  CulvertTunnel        *test_tunnel;    /* "Test Connection", while it runs */
  char                 *offhost_consent; /* what "Allow Other Hosts" was for */
  gboolean              name_edited;
  gboolean              filling;        /* the wizard itself sets fields */
  gboolean              pasted;         /* the host field got more than one character at once */
  GtkEventController   *host_focus;     /* leaving the host field splits up what it holds */
  gboolean              finishing;
  gboolean              edited;         /* the user changed a field: Cancel asks first */
  gboolean              discarding;     /* "Discard" was chosen: close without asking */
  GtkWidget            *discard_alert;  /* "Discard this connection?", while shown */

  AdwWindowTitle       *window_title;
  GtkButton            *back_button;
  GtkButton            *next_button;
  GtkStack             *stack;

  GtkCheckButton       *scenario_outgoing;
  GtkCheckButton       *scenario_incoming;
  GtkCheckButton       *scenario_dynamic;

  AdwEntryRow          *host_row;
  AdwEntryRow          *port_row;
  AdwEntryRow          *user_row;
  GtkLabel             *server_error;
  GtkButton            *finish_now_button;   /* a pasted command names it all */
  GtkButton            *test_button;
  GtkSpinner           *test_spinner;
  GtkImage             *test_icon;
  GtkLabel             *test_result;

  GtkCheckButton       *auth_automatic;
  GtkCheckButton       *auth_key;
  GtkCheckButton       *auth_password;
  GtkCheckButton       *auth_kbdint;
  GtkButton            *key_button;
  AdwPreferencesGroup  *password_group;
  AdwPasswordEntryRow  *password_row;
  GtkSwitch            *remember_switch;
  GtkLabel             *auth_error;

  CulvertTunnelDiagram *forward_diagram;
  GtkLabel             *forward_hint;
  AdwEntryRow          *listen_port_row;
  GtkSwitch            *other_hosts_switch;
  AdwEntryRow          *bind_row;
  GtkLabel             *listen_error;
  AdwPreferencesGroup  *destination_group;
  AdwEntryRow          *destination_host_row;
  AdwEntryRow          *destination_port_row;
  GtkLabel             *destination_error;

  AdwExpanderRow       *network_expander;
  AdwComboRow          *proxy_mode_row;
  AdwEntryRow          *proxy_url_row;
  AdwEntryRow          *proxy_bypass_row;
  AdwEntryRow          *jump_hosts_row;
  GtkLabel             *network_error;

  AdwEntryRow          *name_row;
  GtkLabel             *command_label;
  AdwPreferencesGroup  *offhost_group;
  GtkWidget            *offhost_row;
  GtkSwitch            *connect_switch;
  GtkLabel             *summary_error;
};

/* culvert-wizard-pages.c: the fields of each page */
CulvertForwardKind  culvert_wizard_get_kind        (CulvertWizard *self);
/* Checks the visible page's fields, shows what is wrong under them. */
gboolean            culvert_wizard_page_is_valid   (CulvertWizard *self,
                                                    const char    *page);
/* A profile with what the pages say; with the forward when @with_forward. */
CulvertProfile     *culvert_wizard_build_profile   (CulvertWizard *self,
                                                    gboolean       with_forward);
void                culvert_wizard_fill_summary    (CulvertWizard *self);
void                culvert_wizard_setup_pages     (CulvertWizard *self);
void                culvert_wizard_commit_server   (CulvertWizard *self);
void                culvert_wizard_stop_test       (CulvertWizard *self);
void                culvert_wizard_test_action     (GtkWidget     *widget,
                                                    const char    *action_name,
                                                    GVariant      *parameter);
void                culvert_wizard_choose_key_action (GtkWidget   *widget,
                                                      const char  *action_name,
                                                      GVariant    *parameter);
void                culvert_wizard_copy_command_action (GtkWidget  *widget,
                                                        const char *action_name,
                                                        GVariant   *parameter);

/* A proxy URL without its password (the password in @password, or %NULL):
 * the URL goes to the profile, the password to the keyring. */
char               *culvert_wizard_split_proxy_url (const char    *url,
                                                    char         **password);

/* culvert-wizard-paste.c: `user@host:port` or `ssh …` → fields */
typedef struct
{
  char      *user;
  char      *host;
  guint16    port;
  char      *identity_file;
  GPtrArray *jump_hosts;  /* of char * */
  GPtrArray *forwards;    /* of CulvertForward */
} CulvertWizardPaste;

void                culvert_wizard_paste_clear     (CulvertWizardPaste *paste);
/* Returns: %TRUE when @text names more than a host (a user, a port, or is
 * an ssh command); then @paste holds what it names. */
gboolean            culvert_wizard_paste_parse     (const char         *text,
                                                    CulvertWizardPaste *paste);

/* For tests */
const char         *culvert_wizard_get_page        (CulvertWizard *self);

G_END_DECLS

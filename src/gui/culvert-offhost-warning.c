/* culvert-offhost-warning.c — say who can connect before a forward lets them
 *
 * A forward whose listening side is not loopback hands the tunnel to every
 * computer that can reach that port, without a password. Before that
 * happens the user reads who exactly that is and picks: "Keep Local Only"
 * (the default, also what Escape does) or "Allow Other Hosts".
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "culvert-offhost-warning.h"

/* "192.168.1.20 port 8080", or "this computer on port 8080" for every interface */
static char *
where_it_listens (CulvertForward *forward,
                  gboolean        gateway_ports,
                  const char     *server)
{
  g_autofree char *bind = culvert_forward_dup_effective_bind_address_full (forward, gateway_ports);
  guint16 port = culvert_forward_get_bind_port (forward);
  gboolean every = bind == NULL || *bind == '\0' || g_strcmp0 (bind, "*") == 0 ||
                   culvert_address_classify (bind) == CULVERT_ADDRESS_WILDCARD;

  if (culvert_forward_get_kind (forward) == CULVERT_FORWARD_REMOTE)
    {
      if (every)
        /* Translators: %s is the SSH server's host name */
        return g_strdup_printf (_("the SSH server %s on port %u"), server, port);
      return g_strdup_printf (_("%s port %u on the SSH server %s"), bind, port, server);
    }

  if (every)
    return g_strdup_printf (_("this computer on port %u"), port);
  return g_strdup_printf (_("%s port %u"), bind, port);
}

char *
culvert_offhost_warning_describe (CulvertForward *forward,
                                  gboolean        gateway_ports,
                                  const char     *server)
{
  g_autofree char *where = NULL;
  g_autofree char *destination = NULL;

  g_return_val_if_fail (CULVERT_IS_FORWARD (forward), NULL);

  if (!culvert_forward_is_off_host_full (forward, gateway_ports))
    return NULL;

  if (server == NULL || *server == '\0')
    server = _("(not named yet)");
  where = where_it_listens (forward, gateway_ports, server);
  if (culvert_forward_get_destination_host (forward) != NULL)
    {
      g_autofree char *host = culvert_address_format_host (culvert_forward_get_destination_host (forward));

      destination = g_strdup_printf ("%s:%u", host, culvert_forward_get_destination_port (forward));
    }

  switch (culvert_forward_get_kind (forward))
    {
    case CULVERT_FORWARD_LOCAL:
      return g_strdup_printf (_("Any computer that can reach %s can use this tunnel to reach "
                                "%s, without a password."), where, destination);
    case CULVERT_FORWARD_DYNAMIC:
      return g_strdup_printf (_("This makes an open proxy: any computer that can reach %s can "
                                "use the SSH server to reach any host it likes, without a "
                                "password."), where);
    case CULVERT_FORWARD_REMOTE:
      return g_strdup_printf (_("Any computer that can reach %s can use this tunnel to reach "
                                "%s from this computer, without a password, if the server "
                                "allows it (its GatewayPorts setting). Once connected, the "
                                "forward’s status says what the server really bound."),
                              where, destination);
    default:
      g_assert_not_reached ();
    }
}

GtkWidget *
culvert_offhost_warning_new (GtkWindow      *parent,
                             CulvertForward *forward,
                             gboolean        gateway_ports,
                             const char     *server)
{
  g_autofree char *body = culvert_offhost_warning_describe (forward, gateway_ports, server);
  AdwMessageDialog *dialog;

  if (body == NULL)
    return NULL;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent, _("Let Other Computers Connect?"),
                                                       body));
  adw_message_dialog_add_responses (dialog,
                                    CULVERT_OFFHOST_RESPONSE_LOCAL, _("_Keep Local Only"),
                                    CULVERT_OFFHOST_RESPONSE_ALLOW, _("_Allow Other Hosts"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, CULVERT_OFFHOST_RESPONSE_ALLOW,
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, CULVERT_OFFHOST_RESPONSE_LOCAL);
  adw_message_dialog_set_close_response (dialog, CULVERT_OFFHOST_RESPONSE_LOCAL);
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);

  return GTK_WIDGET (dialog);
}

void
culvert_offhost_warning_keep_local (CulvertForward *forward,
                                    gboolean        gateway_ports)
{
  g_return_if_fail (CULVERT_IS_FORWARD (forward));

  /* No bind address is loopback (ssh's own default), except that ssh -g
   * opens local and dynamic forwards without one to everybody. */
  if (gateway_ports && culvert_forward_get_kind (forward) != CULVERT_FORWARD_REMOTE)
    culvert_forward_set_bind_address (forward, "localhost");
  else
    culvert_forward_set_bind_address (forward, NULL);
}

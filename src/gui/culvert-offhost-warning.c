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

#include "culvert-forward-item.h"
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

  /* No destination: programs on the server's side reach anything this
   * computer can, asked about even on the server's loopback. */
  if (culvert_forward_is_reverse_dynamic (forward))
    return culvert_forward_describe_off_host (forward, gateway_ports, server);

  if (!culvert_forward_is_off_host_full (forward, gateway_ports))
    return NULL;

  if (server == NULL || *server == '\0')
    server = _("(not named yet)");
  where = where_it_listens (forward, gateway_ports, server);
  if (culvert_forward_get_destination_host (forward) != NULL)
    destination = culvert_address_format_host_port (culvert_forward_get_destination_host (forward),
                                                    culvert_forward_get_destination_port (forward));

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
culvert_offhost_warning_new (GtkWidget      *parent,
                             CulvertForward *forward,
                             gboolean        gateway_ports,
                             const char     *server)
{
  g_autofree char *body = culvert_offhost_warning_describe (forward, gateway_ports, server);
  GtkWidget *dialog;

  if (body == NULL)
    return NULL;

  dialog = culvert_alert_new (parent, _("Let Other Computers Connect?"), body);
  culvert_alert_add_response (dialog, CULVERT_OFFHOST_RESPONSE_LOCAL, _("_Keep Local Only"));
  culvert_alert_add_response (dialog, CULVERT_OFFHOST_RESPONSE_ALLOW, _("_Allow Other Hosts"));
  culvert_alert_set_response_appearance (dialog, CULVERT_OFFHOST_RESPONSE_ALLOW,
                                         ADW_RESPONSE_DESTRUCTIVE);
  /* Already on the server's loopback: the safe answer is not to run it. */
  if (culvert_forward_is_reverse_dynamic (forward) &&
      !culvert_forward_is_off_host_full (forward, gateway_ports))
    culvert_alert_set_response_label (dialog, CULVERT_OFFHOST_RESPONSE_LOCAL,
                                      _("_Turn Forward Off"));
  culvert_alert_set_default_response (dialog, CULVERT_OFFHOST_RESPONSE_LOCAL);
  culvert_alert_set_close_response (dialog, CULVERT_OFFHOST_RESPONSE_LOCAL);
  culvert_alert_set_modal (dialog, TRUE);

  return dialog;
}

void
culvert_offhost_warning_keep_local (CulvertForward *forward,
                                    gboolean        gateway_ports)
{
  /* The model's one rule, which the command line's import uses too. */
  culvert_forward_keep_local (forward, gateway_ports);
}

char *
culvert_offhost_warning_consent_key (CulvertForward *forward,
                                     gboolean        gateway_ports)
{
  g_autofree char *bind = NULL;

  g_return_val_if_fail (CULVERT_IS_FORWARD (forward), NULL);

  bind = culvert_forward_dup_effective_bind_address_full (forward, gateway_ports);
  return g_strdup_printf ("%d|%s|%u|%d|%d", culvert_forward_get_kind (forward), bind,
                          culvert_forward_get_bind_port (forward), gateway_ports != FALSE,
                          culvert_forward_get_destination_host (forward) == NULL);
}

/* ---------------------------------------------------------------------- */
/* Forwards that come in off-host (an import), asked about before saving   */

typedef struct
{
  gatomicrefcount       ref_count;
  GtkWindow            *parent;
  GPtrArray            *profiles;  /* the profile of each forward below */
  GPtrArray            *forwards;
  GCallback             done;
  gpointer              data;
  GDestroyNotify        destroy;
} Review;

static Review *
review_ref (Review *review)
{
  g_atomic_ref_count_inc (&review->ref_count);
  return review;
}

static void
review_unref (gpointer data)
{
  Review *review = data;

  if (!g_atomic_ref_count_dec (&review->ref_count))
    return;
  g_clear_object (&review->parent);
  g_ptr_array_unref (review->profiles);
  g_ptr_array_unref (review->forwards);
  if (review->destroy != NULL)
    review->destroy (review->data);
  g_free (review);
}

void
culvert_offhost_warning_refuse (CulvertForward *forward,
                                gboolean        gateway_ports)
{
  g_return_if_fail (CULVERT_IS_FORWARD (forward));

  /* A reverse dynamic forward on the server's loopback cannot be made more
   * local: refused, it does not run. */
  if (culvert_forward_is_reverse_dynamic (forward) &&
      !culvert_forward_is_off_host_full (forward, gateway_ports))
    culvert_forward_set_enabled (forward, FALSE);
  else
    culvert_offhost_warning_keep_local (forward, gateway_ports);
}

static void review_next (Review *review);

static void
on_review_response (GtkWidget  *dialog,
                    const char *response,
                    Review     *review)
{
  CulvertProfile *profile = g_ptr_array_index (review->profiles, 0);
  CulvertForward *forward = g_ptr_array_index (review->forwards, 0);

  if (g_strcmp0 (response, CULVERT_OFFHOST_RESPONSE_ALLOW) != 0)
    culvert_offhost_warning_refuse (forward, culvert_profile_get_gateway_ports (profile));
  g_ptr_array_remove_index (review->profiles, 0);
  g_ptr_array_remove_index (review->forwards, 0);
  review_next (review_ref (review));
}

/* Takes a reference: the dialog on screen holds it, so a dialog that goes
 * away unanswered (the application quits) ends the review, done never
 * called. */
static void
review_next (Review *review)
{
  GtkWidget *dialog = NULL;

  while (review->forwards->len > 0 && dialog == NULL)
    {
      CulvertProfile *profile = g_ptr_array_index (review->profiles, 0);

      dialog = culvert_offhost_warning_new (GTK_WIDGET (review->parent),
                                            g_ptr_array_index (review->forwards, 0),
                                            culvert_profile_get_gateway_ports (profile),
                                            culvert_profile_get_host (profile));
      if (dialog == NULL)
        {
          g_ptr_array_remove_index (review->profiles, 0);
          g_ptr_array_remove_index (review->forwards, 0);
        }
    }
  if (dialog == NULL)
    {
      ((void (*) (gpointer)) review->done) (review->data);
      review_unref (review);
      return;
    }

  {
    /* The name goes in the body, which wraps: a heading holds no name of any
     * length (libadwaita 1.7's alert measures a heading wider than the
     * dialog below its minimum, and warns). */
    /* Translators: the off-host warning after an import names the
     * connection (first %s), then says what its forward does (second %s) */
    g_autofree char *body =
      g_strdup_printf (_("Imported connection “%s”: %s"),
                       culvert_profile_get_display_name (g_ptr_array_index (review->profiles, 0)),
                       culvert_alert_get_body (dialog));

    culvert_alert_set_body (dialog, body);
  }
  g_object_set_data_full (G_OBJECT (dialog), "culvert-review", review, review_unref);
  g_signal_connect (dialog, "response", G_CALLBACK (on_review_response), review);
  culvert_alert_present (dialog);
}

void
culvert_offhost_warning_ask (GtkWindow      *parent,
                             GPtrArray      *profiles,
                             GPtrArray      *forwards,
                             GCallback       done,
                             gpointer        data,
                             GDestroyNotify  destroy)
{
  Review *review;

  g_return_if_fail (profiles != NULL && forwards != NULL);
  g_return_if_fail (profiles->len == forwards->len);
  g_return_if_fail (done != NULL);

  review = g_new0 (Review, 1);
  g_atomic_ref_count_init (&review->ref_count);
  review->parent = parent != NULL ? g_object_ref (parent) : NULL;
  review->profiles = g_ptr_array_new_with_free_func (g_object_unref);
  review->forwards = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < forwards->len; i++)
    {
      g_ptr_array_add (review->profiles, g_object_ref (g_ptr_array_index (profiles, i)));
      g_ptr_array_add (review->forwards, g_object_ref (g_ptr_array_index (forwards, i)));
    }
  review->done = done;
  review->data = data;
  review->destroy = destroy;
  review_next (review);
}

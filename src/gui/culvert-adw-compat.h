/* culvert-adw-compat.h — the few calls whose widgets differ between
 * libadwaita 1.2 (Debian 12) and 1.5 or newer
 *
 * meson builds one of adw-1.2/culvert-adw-compat.c and
 * adw-1.5/culvert-adw-compat.c, and puts that directory's
 * culvert-adw-variant.h (the base types) and .ui files first. On 1.2 an
 * alert is an AdwMessageDialog, a dialog or preferences an AdwWindow or
 * AdwPreferencesWindow, the window's two panes an AdwLeaflet; on 1.5 they are
 * AdwAlertDialog, AdwDialog, AdwPreferencesDialog and AdwNavigationSplitView.
 * The rest of the code calls these and never asks which.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "culvert-adw-variant.h"

G_BEGIN_DECLS

/* "adw-1.2" or "adw-1.5". */
const char *culvert_adw_variant             (void);

/* Alerts: a heading, a body, responses, maybe an extra child. */
GType       culvert_alert_get_type          (void);
GtkWidget  *culvert_alert_new               (GtkWidget             *parent,
                                             const char            *heading,
                                             const char            *body);
void        culvert_alert_set_heading       (GtkWidget             *alert,
                                             const char            *heading);
const char *culvert_alert_get_heading       (GtkWidget             *alert);
void        culvert_alert_set_body          (GtkWidget             *alert,
                                             const char            *body);
void        culvert_alert_format_body       (GtkWidget             *alert,
                                             const char            *format,
                                             ...) G_GNUC_PRINTF (2, 3);
const char *culvert_alert_get_body          (GtkWidget             *alert);
void        culvert_alert_add_response      (GtkWidget             *alert,
                                             const char            *id,
                                             const char            *label);
gboolean    culvert_alert_has_response      (GtkWidget             *alert,
                                             const char            *id);
void        culvert_alert_set_response_label (GtkWidget            *alert,
                                             const char            *id,
                                             const char            *label);
const char *culvert_alert_get_response_label (GtkWidget            *alert,
                                             const char            *id);
void        culvert_alert_set_response_appearance (GtkWidget       *alert,
                                             const char            *id,
                                             AdwResponseAppearance  appearance);
AdwResponseAppearance
            culvert_alert_get_response_appearance (GtkWidget       *alert,
                                             const char            *id);
void        culvert_alert_set_default_response (GtkWidget          *alert,
                                             const char            *id);
const char *culvert_alert_get_default_response (GtkWidget          *alert);
void        culvert_alert_set_close_response (GtkWidget            *alert,
                                             const char            *id);
void        culvert_alert_set_extra_child   (GtkWidget             *alert,
                                             GtkWidget             *child);
/* On 1.2 a modal or free window, destroyed with its parent; on 1.5 an
 * alert always blocks the window it is shown in. */
void        culvert_alert_set_modal         (GtkWidget             *alert,
                                             gboolean               modal);
/* Shows it over the parent given to culvert_alert_new(). */
void        culvert_alert_present           (GtkWidget             *alert);
/* Runs @func once, in an idle, when @alert has left the screen: on 1.5 after
 * its closing animation (its "response" comes as that starts), on 1.2 after
 * the response. For what must not happen under an alert still shown, such
 * as closing the window it is in. */
void        culvert_alert_after_close       (GtkWidget             *alert,
                                             GSourceFunc            func,
                                             gpointer               data,
                                             GDestroyNotify         destroy);
/* Clicks the button of response @id, as a user does: "response", then closed. */
void        culvert_alert_respond           (GtkWidget             *alert,
                                             const char            *id);

/* Dialogs (CulvertDialogBase, CulvertPreferencesBase, the About dialog). */
void        culvert_dialog_present          (GtkWidget             *dialog,
                                             GtkWidget             *parent);
void        culvert_dialog_set_focus        (GtkWidget             *dialog,
                                             GtkWidget             *focus);
void        culvert_dialog_close            (GtkWidget             *dialog);
/* Removes it without asking (can-close is not consulted) and unanswered:
 * an alert emits no response. On 1.5 it still animates out. */
void        culvert_dialog_destroy          (GtkWidget             *dialog);
/* The window it is shown over (1.2) or in (1.5). */
GtkWidget  *culvert_dialog_get_window       (GtkWidget             *dialog);
/* Its title, "" for none. */
const char *culvert_dialog_get_title        (GtkWidget             *dialog);
gboolean    culvert_dialog_is_shown         (GtkWidget             *dialog);
void        culvert_preferences_add_toast   (GtkWidget             *preferences,
                                             AdwToast              *toast);
/* An About window or dialog, with the properties they share. */
GtkWidget  *culvert_about_new               (void);
GType       culvert_about_get_type          (void);

/* The window's sidebar and content. */
void        culvert_split_show_content      (GtkWidget             *split,
                                             gboolean               content);
gboolean    culvert_split_get_collapsed     (GtkWidget             *split);

/* Asks for one file to open; the answer (or NULL, cancelled) comes to
 * @callback with its path. */
typedef void (*CulvertFileChosen) (const char *path,
                                   gpointer    data);
void        culvert_choose_file             (GtkWidget             *parent,
                                             const char            *title,
                                             const char            *accept_label,
                                             GFile                 *initial_folder,
                                             GFile                 *initial_file,
                                             CulvertFileChosen      callback,
                                             gpointer               data,
                                             GDestroyNotify         destroy);
void        culvert_show_uri                (GtkWidget             *parent,
                                             const char            *uri);

G_END_DECLS

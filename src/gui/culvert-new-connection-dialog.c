/* culvert-new-connection-dialog.c — the connection wizard (its shell, for now)
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "culvert-new-connection-dialog.h"

struct _CulvertNewConnectionDialog
{
  AdwWindow parent_instance;
};

G_DEFINE_FINAL_TYPE (CulvertNewConnectionDialog, culvert_new_connection_dialog, ADW_TYPE_WINDOW)

static void
culvert_new_connection_dialog_class_init (CulvertNewConnectionDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/culvert-new-connection-dialog.ui");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
culvert_new_connection_dialog_init (CulvertNewConnectionDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

CulvertNewConnectionDialog *
culvert_new_connection_dialog_new (GtkWindow *parent)
{
  return g_object_new (CULVERT_TYPE_NEW_CONNECTION_DIALOG,
                       "transient-for", parent,
                       "modal", TRUE,
                       NULL);
}

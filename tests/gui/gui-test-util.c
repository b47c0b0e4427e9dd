/* gui-test-util.c — what the GUI tests share
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "culvert-connection-page-private.h"
#include "culvert-connection-row.h"
#include "culvert-test-net.h"
#include "culvert-window-private.h"
#include "gui-test-util.h"

CulvertApplication *the_app;

gboolean
widget_is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data));
}

void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->app = the_app;
  f->window = culvert_window_new (f->app);
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (wait_for (widget_is_mapped, f->window));
}

void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  CulvertProfileStore *store = culvert_application_get_profile_store (f->app);
  GList *windows;

  while ((windows = gtk_application_get_windows (GTK_APPLICATION (f->app))) != NULL)
    gtk_window_destroy (windows->data);
  iterate_until_idle ();

  /* Every test starts from an empty list of connections. */
  while (g_list_model_get_n_items (G_LIST_MODEL (store)) > 0)
    {
      g_autoptr(CulvertProfile) profile = g_list_model_get_item (G_LIST_MODEL (store), 0);
      CulvertTunnel *tunnel = culvert_application_lookup_tunnel (f->app, profile);

      if (tunnel != NULL && culvert_tunnel_is_running (tunnel))
        {
          culvert_tunnel_disconnect (tunnel);
          while (culvert_tunnel_is_running (tunnel))
            g_main_context_iteration (NULL, TRUE);
        }
      culvert_application_forget_tunnel (f->app, profile);
      g_assert_true (culvert_profile_store_delete_profile (store, profile, NULL));
    }
  iterate_until_idle ();
}

/* Depth-first search for the first widget of @type that @match accepts. */
GtkWidget *
find_widget (GtkWidget   *root,
             GType        type,
             gboolean   (*match) (GtkWidget *, gconstpointer),
             gconstpointer data)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type) && (match == NULL || match (root, data)))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type, match, data);

      if (found != NULL)
        return found;
    }

  return NULL;
}

typedef struct
{
  GtkWidget     *root;
  GType          type;
  gboolean     (*match) (GtkWidget *, gconstpointer);
  gconstpointer  data;
  GtkWidget     *found;
} WidgetSearch;

static gboolean
widget_found (gpointer data)
{
  WidgetSearch *search = data;

  search->found = find_widget (search->root, search->type, search->match, search->data);
  return search->found != NULL;
}

GtkWidget *
wait_for_widget (GtkWidget     *root,
                 GType          type,
                 gboolean     (*match) (GtkWidget *, gconstpointer),
                 gconstpointer  data)
{
  WidgetSearch search = { root, type, match, data, NULL };

  wait_for (widget_found, &search);
  return search.found;
}

static gboolean
is_shown (GtkWidget     *widget,
          gconstpointer  data)
{
  return gtk_widget_get_visible (widget) && gtk_widget_get_mapped (widget);
}

/* A window of @type, or a dialog of @type inside a window (libadwaita 1.5's
 * AdwDialog is a widget there, not a window). */
gpointer
find_toplevel (GType type)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    {
      GtkWidget *found;

      if (!gtk_widget_get_visible (l->data))
        continue;
      if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type))
        return l->data;
      found = find_widget (l->data, type, is_shown, NULL);
      if (found != NULL)
        return found;
    }

  return NULL;
}

gboolean
has_message_dialog (gpointer data)
{
  return find_toplevel (culvert_alert_get_type ()) != NULL;
}

CulvertProfile *
add_profile (Fixture    *f,
             const char *name,
             const char *host)
{
  g_autoptr(CulvertProfile) profile = culvert_profile_new ();
  g_autoptr(GError) error = NULL;

  culvert_profile_set_name (profile, name);
  culvert_profile_set_host (profile, host);
  culvert_profile_set_user (profile, "alice");
  g_assert_true (culvert_profile_store_save_profile (culvert_application_get_profile_store (f->app),
                                                     profile, &error));
  g_assert_no_error (error);

  return profile;  /* the store keeps it */
}

GtkWidget *
find_row_of (Fixture        *f,
             CulvertProfile *profile)
{
  GtkListBox *list = culvert_window_get_sidebar_list (f->window);

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (list));
       row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (CULVERT_IS_CONNECTION_ROW (row) &&
        culvert_connection_row_get_profile (CULVERT_CONNECTION_ROW (row)) == profile)
      return row;

  return NULL;
}

static gboolean
status_is (gpointer data)
{
  gpointer *args = data;
  CulvertConnectionPage *page = culvert_window_get_connection_page (((Fixture *) args[0])->window);

  return g_strcmp0 (gtk_label_get_label (culvert_connection_page_get_status_title (page)),
                    args[1]) == 0;
}

void
assert_status (Fixture    *f,
               const char *title)
{
  gpointer args[2] = { f, (gpointer) title };

  if (!wait_for (status_is, args))
    {
      CulvertConnectionPage *page = culvert_window_get_connection_page (f->window);

      g_error ("the status says “%s” (%s), not “%s”",
               gtk_label_get_label (culvert_connection_page_get_status_title (page)),
               gtk_label_get_label (culvert_connection_page_get_status_detail (page)), title);
    }
}

int
listen_loopback (guint16 *port)
{
  return culvert_test_listen_loopback (port);
}

int
connect_loopback (guint16 port)
{
  int fd = culvert_test_connect_loopback (port);

  g_assert_cmpint (fd, >=, 0);
  return fd;
}

CulvertProfile *
add_sshd_profile (Fixture         *f,
                  CulvertTestSshd *sshd,
                  const char      *spec)
{
  CulvertProfile *profile = add_profile (f, "Test server", "127.0.0.1");
  g_autoptr(CulvertForward) forward = culvert_forward_parse (CULVERT_FORWARD_LOCAL, spec, NULL);

  g_assert_nonnull (forward);
  culvert_profile_set_port (profile, sshd->port);
  culvert_profile_set_user (profile, sshd->user);
  culvert_profile_set_identity_file (profile, sshd->client_key_path);
  culvert_profile_set_auth_method (profile, CULVERT_AUTH_KEY);
  culvert_profile_set_known_hosts_file (profile, sshd->known_hosts_path);
  culvert_profile_set_reconnect (profile, FALSE);
  culvert_profile_add_forward (profile, forward);
  g_assert_true (culvert_profile_store_save_profile (culvert_application_get_profile_store (f->app),
                                                     profile, NULL));
  return profile;
}

/* Turns the connection on with its switch in the sidebar, as a user does. */
void
switch_on (Fixture        *f,
           CulvertProfile *profile)
{
  GtkWidget *row = find_row_of (f, profile);
  GtkWidget *toggle;

  g_assert_nonnull (row);
  toggle = find_widget (row, GTK_TYPE_SWITCH, NULL, NULL);
  g_assert_nonnull (toggle);
  gtk_list_box_select_row (culvert_window_get_sidebar_list (f->window), GTK_LIST_BOX_ROW (row));
  gtk_switch_set_active (GTK_SWITCH (toggle), TRUE);
}

gboolean
skip_without_sshd (void)
{
  g_autofree char *reason = NULL;

  if (culvert_test_sshd_available (&reason))
    return FALSE;
  g_test_skip (reason);
  return TRUE;
}

CulvertTestSshd *
start_sshd_or_skip (void)
{
  g_autoptr(GError) error = NULL;
  CulvertTestSshd *sshd;

  if (skip_without_sshd ())
    return NULL;
  sshd = culvert_test_sshd_start (NULL, &error);
  g_assert_no_error (error);

  return sshd;
}

static gboolean
alert_headed (GtkWidget     *widget,
              gconstpointer  heading)
{
  return is_shown (widget, NULL) &&
         (heading == NULL || g_strcmp0 (culvert_alert_get_heading (widget), heading) == 0);
}

GtkWidget *
find_dialog (const char *heading)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    {
      GtkWidget *found;

      if (!gtk_widget_get_visible (l->data))
        continue;
      found = find_widget (l->data, culvert_alert_get_type (), alert_headed, heading);
      if (found != NULL)
        return found;
    }

  return NULL;
}

static guint
count_under (GtkWidget  *root,
             const char *heading)
{
  guint n = G_TYPE_CHECK_INSTANCE_TYPE (root, culvert_alert_get_type ()) &&
            alert_headed (root, heading) ? 1 : 0;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_under (child, heading);
  return n;
}

guint
count_dialogs (const char *heading)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();
  guint n = 0;

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (gtk_widget_get_visible (l->data))
      n += count_under (l->data, heading);
  return n;
}

gboolean
known_hosts_has (const char *file,
                 guint16     port,
                 const char *key_type)
{
  g_autofree char *host = g_strdup_printf ("[127.0.0.1]:%u", port);
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  const char *argv[] = { "ssh-keygen", "-F", host, "-f", file, NULL };

  /* ssh-keygen finds hashed entries (HashKnownHosts yes) as well as plain ones. */
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH |
                               G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status,
                               &error));
  g_assert_no_error (error);
  return g_spawn_check_wait_status (status, NULL) && strstr (out, key_type) != NULL;
}

gboolean
has_dialog_titled (gpointer heading)
{
  return find_dialog (heading) != NULL;
}

gboolean
has_no_dialog_titled (gpointer heading)
{
  return find_dialog (heading) == NULL;
}

/* Its label, or that of the GtkLabel inside it (AdwAlertDialog's buttons). */
static const char *
button_label (GtkWidget *button)
{
  GtkWidget *child = gtk_button_get_child (GTK_BUTTON (button));

  if (gtk_button_get_label (GTK_BUTTON (button)) != NULL)
    return gtk_button_get_label (GTK_BUTTON (button));
  if (GTK_IS_LABEL (child))
    return gtk_label_get_label (GTK_LABEL (child));
  return NULL;
}

gboolean
button_labelled (GtkWidget     *widget,
                 gconstpointer  label)
{
  return g_strcmp0 (button_label (widget), label) == 0 && gtk_widget_get_mapped (widget);
}

typedef struct
{
  GtkWidget  *dialog;
  const char *label;
  GtkWidget  *button;
} ButtonSearch;

static gboolean
button_is_shown (gpointer data)
{
  ButtonSearch *search = data;

  search->button = find_widget (search->dialog, GTK_TYPE_BUTTON, button_labelled, search->label);
  return search->button != NULL;
}

/* An AdwDialog's content comes on screen a frame or more after the dialog. */
void
click (GtkWidget  *dialog,
       const char *label)
{
  ButtonSearch search = { dialog, label, NULL };

  g_assert_true (wait_for (button_is_shown, &search));
  g_assert_true (gtk_widget_get_sensitive (search.button));
  g_signal_emit_by_name (search.button, "clicked");
}

void
collect_button_labels (GtkWidget *root,
                       GString   *out)
{
  if (GTK_IS_BUTTON (root) && gtk_widget_get_mapped (root))
    g_string_append_printf (out, "%s|", button_label (root) != NULL ? button_label (root)
                                                                    : "(icon)");
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_button_labels (child, out);
}

gboolean
label_starts (GtkWidget     *widget,
              gconstpointer  prefix)
{
  return g_str_has_prefix (gtk_label_get_label (GTK_LABEL (widget)), prefix) &&
         gtk_widget_get_mapped (widget);
}

gboolean
check_labelled (GtkWidget     *widget,
                gconstpointer  label)
{
  return g_strcmp0 (gtk_check_button_get_label (GTK_CHECK_BUTTON (widget)), label) == 0;
}

void
assert_echoes (guint16 port)
{
  int fd = connect_loopback (port);

  echo_through (fd, 4096);
  close (fd);
}

gboolean
port_is_closed (gpointer data)
{
  int fd = culvert_test_connect_loopback (GPOINTER_TO_UINT (data));

  if (fd < 0)
    return TRUE;
  close (fd);
  return FALSE;
}

/* Saves what the window shows into $CULVERT_SCREENSHOT_DIR, for README and
 * AppStream, or else into screenshots/ in the build directory. */
void
maybe_save_screenshot (GtkWidget  *widget,
                       const char *name)
{
  g_autofree char *build_dir = NULL;
  const char *dir = g_getenv ("CULVERT_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  int width, height;

  if (dir == NULL && g_getenv ("CULVERT_BUILD_DIR") != NULL)
    {
      build_dir = g_build_filename (g_getenv ("CULVERT_BUILD_DIR"), "screenshots", NULL);
      g_assert_cmpint (g_mkdir_with_parents (build_dir, 0755), ==, 0);
      dir = build_dir;
    }
  if (dir == NULL)
    return;

  iterate_until_idle ();
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
}

/* Every icon-only button and every input has a name a screen reader says. */
void
check_accessible_names (GtkWidget *root,
                        GString   *missing)
{
  gboolean needs_name = FALSE;

  if (!gtk_widget_get_visible (root))
    return;

  if ((GTK_IS_BUTTON (root) && gtk_button_get_label (GTK_BUTTON (root)) == NULL &&
       gtk_button_get_child (GTK_BUTTON (root)) != NULL && GTK_IS_IMAGE (gtk_button_get_child (GTK_BUTTON (root)))) ||
      GTK_IS_SWITCH (root) || GTK_IS_SEARCH_ENTRY (root) ||
      (GTK_IS_MENU_BUTTON (root) && gtk_menu_button_get_label (GTK_MENU_BUTTON (root)) == NULL))
    needs_name = TRUE;
  /* Internal buttons of composite widgets name themselves. */
  if (gtk_widget_get_ancestor (root, GTK_TYPE_MENU_BUTTON) != NULL && !GTK_IS_MENU_BUTTON (root))
    needs_name = FALSE;
  if (GTK_IS_SWITCH (root) && gtk_widget_get_ancestor (root, ADW_TYPE_ACTION_ROW) != NULL)
    needs_name = FALSE;  /* labelled by its row */

  if (!gtk_widget_get_mapped (root))
    needs_name = FALSE;  /* only what is on screen */
  if (needs_name && !gtk_test_accessible_has_property (GTK_ACCESSIBLE (root),
                                                       GTK_ACCESSIBLE_PROPERTY_LABEL))
    g_string_append_printf (missing, "%s (%s) ", G_OBJECT_TYPE_NAME (root),
                            gtk_widget_get_tooltip_text (root) ? gtk_widget_get_tooltip_text (root) : "");

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    check_accessible_names (child, missing);
}

typedef struct
{
  char     *text;
  gboolean  done;
} ClipboardRead;

static void
on_clipboard_text (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  ClipboardRead *read = data;

  read->text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  read->done = TRUE;
}

static gboolean
clipboard_done (gpointer data)
{
  return ((ClipboardRead *) data)->done;
}

char *
read_clipboard (GtkWidget *widget)
{
  ClipboardRead read = { NULL, FALSE };

  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (widget), NULL,
                                 on_clipboard_text, &read);
  g_assert_true (wait_for (clipboard_done, &read));
  return read.text;
}

/* The addresses a TCP socket listens on for @port, from the kernel's own
 * table: "127.0.0.1 ::1" or "0.0.0.0 ::". */
char *
listening_on (guint16 port)
{
  const char *tables[] = { "/proc/net/tcp", "/proc/net/tcp6" };
  GString *out = g_string_new (NULL);

  for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
    {
      g_autofree char *contents = NULL;
      g_auto(GStrv) lines = NULL;

      if (!g_file_get_contents (tables[t], &contents, NULL, NULL))
        continue;
      lines = g_strsplit (contents, "\n", -1);
      for (guint i = 1; lines[i] != NULL; i++)
        {
          char local[64], remote[64], state[8];
          char *colon;
          guint8 bytes[16];
          gsize n;
          char text[INET6_ADDRSTRLEN];

          if (sscanf (lines[i], "%*s %63s %63s %7s", local, remote, state) != 3 ||
              g_strcmp0 (state, "0A") != 0)
            continue;
          colon = strchr (local, ':');
          if (colon == NULL || strtoul (colon + 1, NULL, 16) != port)
            continue;
          *colon = '\0';
          n = strlen (local) / 2;
          for (gsize j = 0; j < n; j++)
            {
              char hex[3] = { local[2 * j], local[2 * j + 1], 0 };

              bytes[j] = strtoul (hex, NULL, 16);
            }
          /* The kernel prints each 32-bit word in host order. */
          for (gsize w = 0; w < n / 4; w++)
            {
              guint32 word;

              memcpy (&word, bytes + 4 * w, 4);
              word = GUINT32_TO_BE (GUINT32_FROM_LE (word));
              memcpy (bytes + 4 * w, &word, 4);
            }
          {
            g_autoptr(GInetAddress) address =
              g_inet_address_new_from_bytes (bytes, n == 4 ? G_SOCKET_FAMILY_IPV4
                                                          : G_SOCKET_FAMILY_IPV6);
            g_autofree char *shown = g_inet_address_to_string (address);

            g_strlcpy (text, shown, sizeof text);
          }
          g_string_append_printf (out, "%s%s", out->len > 0 ? " " : "", text);
        }
    }
  return g_string_free (out, FALSE);
}

void
socks5_connect (int     fd,
                guint16 port)
{
  const guchar hello[] = { 5, 1, 0 };
  guchar request[] = { 5, 1, 0, 1, 127, 0, 0, 1, port >> 8, port & 0xff };
  guchar reply[10];
  gsize got = 0;

  g_assert_cmpint (write (fd, hello, sizeof hello), ==, sizeof hello);
  g_assert_cmpint (read (fd, reply, 2), ==, 2);
  g_assert_cmpint (reply[0], ==, 5);
  g_assert_cmpint (reply[1], ==, 0);
  g_assert_cmpint (write (fd, request, sizeof request), ==, sizeof request);
  while (got < sizeof reply)
    {
      ssize_t n = read (fd, reply + got, sizeof reply - got);

      g_assert_cmpint (n, >, 0);
      got += n;
    }
  g_assert_cmpint (reply[1], ==, 0);  /* succeeded */
}

gboolean
listens_only_on (guint16  port,
                 gboolean loopback)
{
  g_autofree char *listening = listening_on (port);
  g_auto(GStrv) addresses = g_strsplit (listening, " ", -1);

  if (*listening == '\0')
    return FALSE;
  for (guint i = 0; addresses[i] != NULL; i++)
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (addresses[i]);

      if (address == NULL ||
          (loopback ? !g_inet_address_get_is_loopback (address)
                    : !g_inet_address_get_is_any (address)))
        {
          g_test_message ("port %u listens on %s", port, listening);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
label_breaks_only_between_words (GtkLabel *label,
                                 int      *n_lines)
{
  PangoLayout *layout = gtk_label_get_layout (label);
  const char *text = pango_layout_get_text (layout);

  if (n_lines != NULL)
    *n_lines = pango_layout_get_line_count (layout);
  for (GSList *l = pango_layout_get_lines_readonly (layout); l != NULL; l = l->next)
    {
      PangoLayoutLine *line = l->data;

      if (line->start_index > 0 && !g_ascii_isspace (text[line->start_index - 1]))
        {
          g_test_message ("“%s” is broken before “%.12s”", text, text + line->start_index);
          return FALSE;
        }
    }
  return TRUE;
}

/* test-diagram.c — the tunnel diagram, drawn, in both styles
 *
 * Also writes the help pages' figures: with CULVERT_FIGURES_DIR set (to
 * help/C/figures), scenario-{outgoing,incoming,dynamic}.png and their
 * -dark variants land there; otherwise in figures/ in the build directory.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "culvert-tunnel-diagram.h"

typedef struct
{
  int     width, height;
  guchar *pixels;  /* B, G, R, A, premultiplied */
} Image;

static void
image_free (Image *image)
{
  g_free (image->pixels);
  g_free (image);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Image, image_free)

static void
iterate (void)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static int
natural_height (GtkWidget *widget)
{
  int natural;

  gtk_widget_measure (widget, GTK_ORIENTATION_VERTICAL, -1, NULL, &natural, NULL, NULL);
  return natural;
}

static Image *
render (CulvertTunnelDiagram *diagram,
        const char           *save_as)
{
  Image *image = g_new0 (Image, 1);
  g_autoptr(GdkTexture) texture = NULL;

  image->width = 720;
  image->height = natural_height (GTK_WIDGET (diagram));
  texture = culvert_tunnel_diagram_render (diagram, image->width, image->height);
  g_assert_nonnull (texture);
  image->pixels = g_malloc (image->width * image->height * 4);
  gdk_texture_download (texture, image->pixels, image->width * 4);

  if (save_as != NULL)
    {
      const char *dir = g_getenv ("CULVERT_FIGURES_DIR");
      g_autofree char *fallback = NULL;
      g_autofree char *path = NULL;

      if (dir == NULL)
        {
          fallback = g_build_filename (g_getenv ("CULVERT_BUILD_DIR") != NULL
                                       ? g_getenv ("CULVERT_BUILD_DIR") : ".", "figures", NULL);
          g_assert_cmpint (g_mkdir_with_parents (fallback, 0755), ==, 0);
          dir = fallback;
        }
      path = g_build_filename (dir, save_as, NULL);
      g_assert_true (gdk_texture_save_to_png (texture, path));
    }
  return image;
}

static double
luminance (const Image *image,
           int          x,
           int          y)
{
  const guchar *p = image->pixels + (y * image->width + x) * 4;

  return (0.0722 * p[0] + 0.7152 * p[1] + 0.2126 * p[2]) / 255.0;
}

/* The background's luminance and how many pixels stand out from it. */
static guint
count_contrasting (const Image *image,
                   double      *background,
                   double       min_difference)
{
  guint count = 0;

  *background = luminance (image, 0, 0);
  for (int y = 0; y < image->height; y++)
    for (int x = 0; x < image->width; x++)
      if (ABS (luminance (image, x, y) - *background) >= min_difference)
        count++;
  return count;
}

static gboolean
images_differ (const Image *a,
               const Image *b)
{
  return a->width != b->width || a->height != b->height ||
         memcmp (a->pixels, b->pixels, a->width * a->height * 4) != 0;
}

static CulvertTunnelDiagram *
new_diagram (GtkWindow          *window,
             CulvertForwardKind  kind)
{
  CulvertTunnelDiagram *diagram = CULVERT_TUNNEL_DIAGRAM (culvert_tunnel_diagram_new (kind));

  gtk_window_set_child (window, GTK_WIDGET (diagram));
  culvert_tunnel_diagram_set_server (diagram, "gateway.example.org");
  switch (kind)
    {
    case CULVERT_FORWARD_LOCAL:
      culvert_tunnel_diagram_set_bind (diagram, NULL, 5432);
      culvert_tunnel_diagram_set_destination (diagram, "db.internal", 5432);
      break;
    case CULVERT_FORWARD_REMOTE:
      culvert_tunnel_diagram_set_bind (diagram, NULL, 8080);
      culvert_tunnel_diagram_set_destination (diagram, "localhost", 3000);
      break;
    case CULVERT_FORWARD_DYNAMIC:
      culvert_tunnel_diagram_set_bind (diagram, NULL, 1080);
      break;
    default:
      g_assert_not_reached ();
    }
  return diagram;
}

static void
test_diagram_styles (void)
{
  static const struct { CulvertForwardKind kind; const char *name; } scenarios[] = {
    { CULVERT_FORWARD_LOCAL, "outgoing" },
    { CULVERT_FORWARD_REMOTE, "incoming" },
    { CULVERT_FORWARD_DYNAMIC, "dynamic" },
  };
  AdwStyleManager *style = adw_style_manager_get_default ();
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());

  gtk_window_present (window);
  for (guint i = 0; i < G_N_ELEMENTS (scenarios); i++)
    {
      CulvertTunnelDiagram *diagram = new_diagram (window, scenarios[i].kind);
      g_autofree char *light_name = g_strdup_printf ("scenario-%s.png", scenarios[i].name);
      g_autofree char *dark_name = g_strdup_printf ("scenario-%s-dark.png", scenarios[i].name);
      g_autoptr(Image) light = NULL;
      g_autoptr(Image) dark = NULL;
      double light_bg, dark_bg;
      guint light_ink, dark_ink;

      adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
      iterate ();
      light = render (diagram, light_name);
      adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
      iterate ();
      dark = render (diagram, dark_name);
      adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
      iterate ();

      /* Dark text on a light background, light text on a dark one: the
       * style's colours, not a fixed black. */
      light_ink = count_contrasting (light, &light_bg, 0.5);
      dark_ink = count_contrasting (dark, &dark_bg, 0.5);
      g_assert_cmpfloat (light_bg, >, 0.8);
      g_assert_cmpfloat (dark_bg, <, 0.3);
      g_assert_cmpuint (light_ink, >, 1000);
      g_assert_cmpuint (dark_ink, >, 1000);
    }
  gtk_window_destroy (window);
}

/* The names and ports typed are what is drawn. */
static void
test_diagram_follows_fields (void)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  CulvertTunnelDiagram *diagram = new_diagram (window, CULVERT_FORWARD_LOCAL);
  g_autoptr(Image) before = NULL;
  g_autoptr(Image) after = NULL;
  g_autoptr(Image) back = NULL;
  g_autofree char *text = NULL;

  gtk_window_present (window);
  iterate ();
  before = render (diagram, NULL);
  culvert_tunnel_diagram_set_destination (diagram, "mail.internal", 143);
  after = render (diagram, NULL);
  g_assert_true (images_differ (before, after));
  culvert_tunnel_diagram_set_destination (diagram, "db.internal", 5432);
  back = render (diagram, NULL);
  g_assert_false (images_differ (before, back));

  text = culvert_tunnel_diagram_dup_text (diagram);
  g_assert_nonnull (strstr (text, "localhost:5432"));
  g_assert_nonnull (strstr (text, "gateway.example.org"));
  g_assert_nonnull (strstr (text, "db.internal:5432"));

  /* Each scenario is drawn differently. */
  culvert_tunnel_diagram_set_kind (diagram, CULVERT_FORWARD_REMOTE);
  g_clear_pointer (&after, image_free);
  after = render (diagram, NULL);
  g_assert_true (images_differ (before, after));
  gtk_window_destroy (window);
}

/* Whether every line of @layout after the first starts after a blank: no
 * value was broken (and so no hyphen was put in). */
static gboolean
breaks_only_between_words (PangoLayout *layout)
{
  const char *text = pango_layout_get_text (layout);

  for (GSList *l = pango_layout_get_lines_readonly (layout); l != NULL; l = l->next)
    {
      PangoLayoutLine *line = l->data;

      if (line->start_index > 0 && !g_ascii_isspace (text[line->start_index - 1]))
        return FALSE;
    }
  return TRUE;
}

static int
text_width (PangoLayout *layout)
{
  int width;

  pango_layout_get_pixel_size (layout, &width, NULL);
  return width;
}

/* A box's texts at the default size (720 pixels wide): a value that does
 * not fit is elided on one line, never broken across two. */
static void
test_diagram_labels_whole (void)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  CulvertTunnelDiagram *diagram = new_diagram (window, CULVERT_FORWARD_LOCAL);
  /* As the diagram divides 720 pixels: four boxes, two arrows, the tunnel. */
  float box = (720 - 2 * 4) / (4 + 2 * 0.25f + 0.6f) - 8;
  const char *values[] = { "db.internal.example.org:5432", "127.0.0.1:8000",
                           "[2001:db8::1]:8000", "SHA256:Wd0rsmH/uCxBcAdLqv3Zk", NULL };

  gtk_window_present (window);
  iterate ();
  for (guint i = 0; values[i] != NULL; i++)
    {
      g_autoptr(PangoLayout) value = culvert_tunnel_diagram_text_layout (GTK_WIDGET (diagram),
                                                                         values[i], TRUE, box);
      g_autoptr(PangoLayout) caption = culvert_tunnel_diagram_text_layout (GTK_WIDGET (diagram),
                                                                           values[i], FALSE,
                                                                           box / 2);

      g_test_message ("%s: %d line(s), %d of %.0f pixels, %s", values[i],
                      pango_layout_get_line_count (value), text_width (value), box,
                      pango_layout_is_ellipsized (value) ? "elided" : "whole");
      g_assert_cmpint (pango_layout_get_line_count (value), ==, 1);
      g_assert_true (breaks_only_between_words (value));
      g_assert_cmpint (text_width (value), <=, box + 1);
      g_assert_cmpint (pango_layout_get_line_count (caption), ==, 1);
      g_assert_true (pango_layout_is_ellipsized (caption));
    }
  /* Two words may take two lines, broken between them. */
  {
    g_autoptr(PangoLayout) value = culvert_tunnel_diagram_text_layout (
      GTK_WIDGET (diagram), "127.0.0.1:8000 db.internal.example.org:5432", TRUE, box);

    g_assert_cmpint (pango_layout_get_line_count (value), ==, 2);
    g_assert_true (breaks_only_between_words (value));
    /* Pango's ellipsis may stick out by a pixel or two. */
    g_assert_cmpint (text_width (value), <=, box + 4);
  }
  gtk_window_destroy (window);
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/diagram/styles", test_diagram_styles);
  g_test_add_func ("/diagram/follows-fields", test_diagram_follows_fields);
  g_test_add_func ("/diagram/labels-whole", test_diagram_labels_whole);

  return g_test_run ();
}

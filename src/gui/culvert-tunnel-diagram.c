/* culvert-tunnel-diagram.c — who connects where, drawn for one forward
 *
 * Four boxes and a pipe, left to right in the direction a connection
 * travels: the program that connects, the port that listens for it, the
 * SSH tunnel, the end that connects onward and the destination. A dashed
 * outline says which machine the first parts are on. Everything is drawn
 * with GtkSnapshot in the style's own colours (foreground, accent,
 * warning), so it reads the same in light and dark styles and scales
 * with the text.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <adwaita.h>

#include "culvert-address.h"
#include "culvert-enums.h"
#include "culvert-gui-util.h"
#include "culvert-tunnel-diagram.h"

struct _CulvertTunnelDiagram
{
  GtkWidget           parent_instance;

  CulvertForwardKind  kind;
  char               *server;
  char               *bind_address;
  guint16             bind_port;
  char               *destination_host;
  guint16             destination_port;
};

G_DEFINE_FINAL_TYPE (CulvertTunnelDiagram, culvert_tunnel_diagram, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_KIND,
  PROP_SERVER,
  PROP_BIND_ADDRESS,
  PROP_BIND_PORT,
  PROP_DESTINATION_HOST,
  PROP_DESTINATION_PORT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* What is written in one box: a small caption and the value under it. */
typedef struct
{
  char *caption;
  char *value;
} Box;

typedef struct
{
  Box       boxes[4];
  char     *group;        /* the machine around the listening side */
  guint     group_first;  /* boxes the outline goes around */
  guint     group_last;
  gboolean  off_host;     /* the listening port lets other computers in */
} Parts;

static void
parts_clear (Parts *parts)
{
  for (guint i = 0; i < G_N_ELEMENTS (parts->boxes); i++)
    {
      g_free (parts->boxes[i].caption);
      g_free (parts->boxes[i].value);
    }
  g_free (parts->group);
}

static char *
or_placeholder (const char *text,
                const char *placeholder)
{
  return g_strdup (text != NULL && *text != '\0' ? text : placeholder);
}

static char *
format_port (guint16     port,
             const char *placeholder)
{
  return port != 0 ? g_strdup_printf ("%u", port) : g_strdup (placeholder);
}

static char *
listen_text (CulvertTunnelDiagram *self)
{
  g_autofree char *port = format_port (self->bind_port, _("port"));
  g_autofree char *host = NULL;

  if (self->bind_address == NULL || *self->bind_address == '\0')
    host = g_strdup ("localhost");
  else if (g_strcmp0 (self->bind_address, "*") == 0)
    /* Translators: a port that listens on every network interface */
    return g_strdup_printf (_("every address, port %s"), port);
  else
    host = culvert_address_format_host (self->bind_address);

  return g_strdup_printf ("%s:%s", host, port);
}

static char *
destination_text (CulvertTunnelDiagram *self)
{
  g_autofree char *host = NULL;
  g_autofree char *port = format_port (self->destination_port, _("port"));

  if (self->destination_host == NULL || *self->destination_host == '\0')
    host = g_strdup (_("host"));
  else
    host = culvert_address_format_host (self->destination_host);
  return g_strdup_printf ("%s:%s", host, port);
}

static void
set_box (Box        *box,
         const char *caption,
         char       *value)  /* transfer full */
{
  box->caption = g_strdup (caption);
  box->value = value;
}

static void
describe (CulvertTunnelDiagram *self,
          Parts                *parts)
{
  const char *bind = self->bind_address;
  g_autofree char *server = or_placeholder (self->server, _("the server"));
  gboolean named = self->server != NULL && *self->server != '\0';

  memset (parts, 0, sizeof *parts);
  parts->off_host = bind != NULL && *bind != '\0' &&
                    culvert_address_classify (bind) != CULVERT_ADDRESS_LOOPBACK;

  switch (self->kind)
    {
    case CULVERT_FORWARD_LOCAL:
      set_box (&parts->boxes[0], _("Program"), g_strdup (_("connects here")));
      set_box (&parts->boxes[1], _("Listening port"), listen_text (self));
      set_box (&parts->boxes[2], _("SSH server"), g_strdup (server));
      set_box (&parts->boxes[3], _("Destination"), destination_text (self));
      parts->group = g_strdup (_("This computer"));
      parts->group_first = 0;
      parts->group_last = 1;
      break;

    case CULVERT_FORWARD_DYNAMIC:
      set_box (&parts->boxes[0], _("Program"), g_strdup (_("set to use SOCKS")));
      set_box (&parts->boxes[1], _("SOCKS proxy"), listen_text (self));
      set_box (&parts->boxes[2], _("SSH server"), g_strdup (server));
      set_box (&parts->boxes[3], _("Destination"), g_strdup (_("any host it asks for")));
      parts->group = g_strdup (_("This computer"));
      parts->group_first = 0;
      parts->group_last = 1;
      break;

    case CULVERT_FORWARD_REMOTE:
      set_box (&parts->boxes[0], _("Program"), g_strdup (_("near the server")));
      set_box (&parts->boxes[1], _("Listening port"), listen_text (self));
      set_box (&parts->boxes[2], _("This computer"), g_strdup (_("connects onward")));
      set_box (&parts->boxes[3], _("Destination"), destination_text (self));
      /* Translators: the machine the incoming forward listens on */
      parts->group = named ? g_strdup_printf (_("SSH server %s"), server)
                           : g_strdup (_("SSH server"));
      parts->group_first = 1;
      parts->group_last = 1;
      break;

    default:
      g_assert_not_reached ();
    }
}

/* ---------------------------------------------------------------------- */
/* Drawing                                                                 */

static void
lookup_color (GtkWidget  *widget,
              const char *name,
              GdkRGBA    *color,
              const char *fallback)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), name, color))
    gdk_rgba_parse (color, fallback);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static void
foreground_color (GtkWidget *widget,
                  GdkRGBA   *color)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), color);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static GdkRGBA
with_alpha (const GdkRGBA *color,
            float          alpha)
{
  GdkRGBA result = *color;

  result.alpha *= alpha;
  return result;
}

PangoLayout *
culvert_tunnel_diagram_text_layout (GtkWidget  *widget,
                                    const char *text,
                                    gboolean    bold,
                                    float       width)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);
  PangoAttrList *attrs = pango_attr_list_new ();

  /* Values bold; captions a little smaller, so they fit a narrow box. */
  if (bold)
    pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  else
    pango_attr_list_insert (attrs, pango_attr_scale_new (PANGO_SCALE_SMALL));
  culvert_gui_whole_token_attrs (attrs, text, NULL);
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  /* At most two lines, broken only between words; a value that does not
   * fit is elided, never broken. */
  pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD);
  pango_layout_set_height (layout, bold ? -2 : -1);
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_MIDDLE);
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  /* Pango elides only the last line: a word too wide for the first goes
   * on one line, elided. */
  if (bold)
    {
      PangoRectangle first;

      pango_layout_line_get_pixel_extents (pango_layout_get_line_readonly (layout, 0), NULL,
                                           &first);
      if (first.width > width)
        {
          pango_layout_set_height (layout, -1);
          /* Laid out again: Pango keeps a line that was not elided. */
          pango_layout_context_changed (layout);
        }
    }

  return layout;
}

static void
draw_text (GtkWidget     *widget,
           GtkSnapshot   *snapshot,
           const char    *text,
           gboolean       bold,
           float          x,
           float          y,
           float          width,
           const GdkRGBA *color)
{
  PangoLayout *layout = culvert_tunnel_diagram_text_layout (widget, text, bold, width);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
  g_object_unref (layout);
}

static int
line_height (GtkWidget *widget)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, "Hg");
  int height;

  pango_layout_get_pixel_size (layout, NULL, &height);
  g_object_unref (layout);
  return height;
}

static void
draw_box (GtkWidget     *widget,
          GtkSnapshot   *snapshot,
          const Box     *box,
          float          x,
          float          y,
          float          width,
          float          height,
          const GdkRGBA *fg,
          const GdkRGBA *border)
{
  GskRoundedRect outline;
  GdkRGBA fill = with_alpha (fg, 0.06f);
  GdkRGBA dim = with_alpha (fg, 0.7f);
  GdkRGBA borders[4] = { *border, *border, *border, *border };
  float widths[4] = { 1.5f, 1.5f, 1.5f, 1.5f };
  int lh = line_height (widget);
  float top = y + 6;

  gsk_rounded_rect_init_from_rect (&outline, &GRAPHENE_RECT_INIT (x, y, width, height), 8);
  gtk_snapshot_push_rounded_clip (snapshot, &outline);
  gtk_snapshot_append_color (snapshot, &fill, &outline.bounds);
  gtk_snapshot_pop (snapshot);
  gtk_snapshot_append_border (snapshot, &outline, widths, borders);

  draw_text (widget, snapshot, box->caption, FALSE, x + 4, top, width - 8, &dim);
  draw_text (widget, snapshot, box->value, TRUE, x + 4, top + lh, width - 8, fg);
}

typedef struct
{
  float   x1, x2, y;
  GdkRGBA color;
  float   line_width;
} Arrow;

static void
draw_arrow (GtkSnapshot *snapshot,
            const Arrow *arrow)
{
  float head = 4 + arrow->line_width * 2;
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot,
                                           &GRAPHENE_RECT_INIT (arrow->x1, arrow->y - head,
                                                                arrow->x2 - arrow->x1,
                                                                2 * head));

  gdk_cairo_set_source_rgba (cr, &arrow->color);
  cairo_set_line_width (cr, arrow->line_width);
  cairo_move_to (cr, arrow->x1, arrow->y);
  cairo_line_to (cr, arrow->x2 - head, arrow->y);
  cairo_stroke (cr);
  cairo_move_to (cr, arrow->x2, arrow->y);
  cairo_line_to (cr, arrow->x2 - head * 1.6, arrow->y - head);
  cairo_line_to (cr, arrow->x2 - head * 1.6, arrow->y + head);
  cairo_close_path (cr);
  cairo_fill (cr);
  cairo_destroy (cr);
}

static void
draw_group (GtkSnapshot   *snapshot,
            float          x,
            float          y,
            float          width,
            float          height,
            const GdkRGBA *color)
{
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (x, y, width, height));
  double dashes[] = { 5, 4 };
  double r = 12;

  gdk_cairo_set_source_rgba (cr, color);
  cairo_set_line_width (cr, 1.5);
  cairo_set_dash (cr, dashes, G_N_ELEMENTS (dashes), 0);
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + width - r - 1, y + r + 1, r, -G_PI / 2, 0);
  cairo_arc (cr, x + width - r - 1, y + height - r - 1, r, 0, G_PI / 2);
  cairo_arc (cr, x + r + 1, y + height - r - 1, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r + 1, y + r + 1, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
  cairo_stroke (cr);
  cairo_destroy (cr);
}

static void
culvert_tunnel_diagram_draw (CulvertTunnelDiagram *self,
                             GtkSnapshot          *snapshot,
                             float                 width,
                             float                 height)
{
  GtkWidget *widget = GTK_WIDGET (self);
  /* Widths in units: four boxes, two short arrows, the longer tunnel. */
  const float box_u = 1.0f, arrow_u = 0.25f, tunnel_u = 0.6f, margin = 4;
  float unit = (width - 2 * margin) / (4 * box_u + 2 * arrow_u + tunnel_u);
  int lh = line_height (widget);
  float box_h = 3 * lh + 12;
  float group_top = margin + lh + 4;
  float box_y = group_top + 10;
  float mid = box_y + box_h / 2;
  float xs[4];
  Parts parts;
  GdkRGBA fg, accent, warning, border, group_color;

  describe (self, &parts);
  foreground_color (widget, &fg);
  lookup_color (widget, "accent_color", &accent, "#1c71d8");
  lookup_color (widget, "warning_color", &warning, "#c64600");
  border = with_alpha (&fg, 0.4f);
  group_color = with_alpha (&fg, 0.55f);

  xs[0] = margin;
  xs[1] = xs[0] + unit * (box_u + arrow_u);
  xs[2] = xs[1] + unit * (box_u + tunnel_u);
  xs[3] = xs[2] + unit * (box_u + arrow_u);

  /* The machine around the listening side, named above its outline. */
  {
    float gx = xs[parts.group_first] - margin + 1;
    float gw = xs[parts.group_last] + unit * box_u + margin - 1 - gx;

    float lw = MAX (gw, unit * 2.2f);

    draw_group (snapshot, gx, group_top, gw, box_h + 20, &group_color);
    draw_text (widget, snapshot, parts.group, FALSE, MAX (0, gx + gw / 2 - lw / 2), margin,
               lw, &group_color);
  }

  for (guint i = 0; i < 4; i++)
    draw_box (widget, snapshot, &parts.boxes[i], xs[i], box_y, unit * box_u, box_h, &fg,
              i == 1 && parts.off_host ? &warning : &border);

  /* The SSH tunnel: a pipe in the accent colour with the flow through it. */
  {
    float tx = xs[1] + unit * box_u;
    float tw = xs[2] - tx;
    float th = MIN (box_h * 0.45f, 26);
    GskRoundedRect pipe;
    GdkRGBA fill = with_alpha (&accent, 0.22f);
    GdkRGBA edges[4] = { accent, accent, accent, accent };
    float edge_widths[4] = { 1.5f, 0, 1.5f, 0 };
    Arrow flow = { tx + 4, tx + tw - 4, mid, accent, 2 };

    gsk_rounded_rect_init_from_rect (&pipe, &GRAPHENE_RECT_INIT (tx, mid - th / 2, tw, th), 0);
    gtk_snapshot_append_color (snapshot, &fill, &pipe.bounds);
    gtk_snapshot_append_border (snapshot, &pipe, edge_widths, edges);
    draw_arrow (snapshot, &flow);
    draw_text (widget, snapshot, _("SSH tunnel"), FALSE, tx - unit * 0.2f, mid + th / 2 + 2,
               tw + unit * 0.4f, &accent);
  }

  {
    Arrow first = { xs[0] + unit * box_u + 2, xs[1] - 2, mid, fg, 1.5f };
    Arrow last = { xs[2] + unit * box_u + 2, xs[3] - 2, mid, fg, 1.5f };

    draw_arrow (snapshot, &first);
    draw_arrow (snapshot, &last);
  }

  parts_clear (&parts);
}

static void
culvert_tunnel_diagram_snapshot (GtkWidget   *widget,
                                 GtkSnapshot *snapshot)
{
  culvert_tunnel_diagram_draw (CULVERT_TUNNEL_DIAGRAM (widget), snapshot,
                               gtk_widget_get_width (widget), gtk_widget_get_height (widget));
}

static void
culvert_tunnel_diagram_measure (GtkWidget      *widget,
                                GtkOrientation  orientation,
                                int             for_size,
                                int            *minimum,
                                int            *natural,
                                int            *minimum_baseline,
                                int            *natural_baseline)
{
  int lh = line_height (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 360;
      *natural = 600;
    }
  else
    {
      /* Label, outline, boxes, the tunnel's name under them. */
      *minimum = *natural = 4 + lh + 4 + 10 + 3 * lh + 12 + 10 + 4;
    }
}

/* ---------------------------------------------------------------------- */

static void
culvert_tunnel_diagram_update (CulvertTunnelDiagram *self,
                               guint                 prop)
{
  g_autofree char *text = culvert_tunnel_diagram_dup_text (self);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text,
                                  -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static gboolean
set_text (char       **field,
          const char  *value)
{
  if (value != NULL && *value == '\0')
    value = NULL;
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

CulvertForwardKind
culvert_tunnel_diagram_get_kind (CulvertTunnelDiagram *self)
{
  g_return_val_if_fail (CULVERT_IS_TUNNEL_DIAGRAM (self), CULVERT_FORWARD_LOCAL);

  return self->kind;
}

void
culvert_tunnel_diagram_set_kind (CulvertTunnelDiagram *self,
                                 CulvertForwardKind    kind)
{
  g_return_if_fail (CULVERT_IS_TUNNEL_DIAGRAM (self));

  if (self->kind == kind)
    return;
  self->kind = kind;
  culvert_tunnel_diagram_update (self, PROP_KIND);
}

void
culvert_tunnel_diagram_set_server (CulvertTunnelDiagram *self,
                                   const char           *server)
{
  g_return_if_fail (CULVERT_IS_TUNNEL_DIAGRAM (self));

  if (set_text (&self->server, server))
    culvert_tunnel_diagram_update (self, PROP_SERVER);
}

void
culvert_tunnel_diagram_set_bind (CulvertTunnelDiagram *self,
                                 const char           *address,
                                 guint16               port)
{
  g_return_if_fail (CULVERT_IS_TUNNEL_DIAGRAM (self));

  if (set_text (&self->bind_address, address))
    culvert_tunnel_diagram_update (self, PROP_BIND_ADDRESS);
  if (self->bind_port != port)
    {
      self->bind_port = port;
      culvert_tunnel_diagram_update (self, PROP_BIND_PORT);
    }
}

void
culvert_tunnel_diagram_set_destination (CulvertTunnelDiagram *self,
                                        const char           *host,
                                        guint16               port)
{
  g_return_if_fail (CULVERT_IS_TUNNEL_DIAGRAM (self));

  if (set_text (&self->destination_host, host))
    culvert_tunnel_diagram_update (self, PROP_DESTINATION_HOST);
  if (self->destination_port != port)
    {
      self->destination_port = port;
      culvert_tunnel_diagram_update (self, PROP_DESTINATION_PORT);
    }
}

char *
culvert_tunnel_diagram_dup_text (CulvertTunnelDiagram *self)
{
  GString *text = g_string_new (NULL);
  Parts parts;

  g_return_val_if_fail (CULVERT_IS_TUNNEL_DIAGRAM (self), NULL);

  describe (self, &parts);
  g_string_append_printf (text, "%s: %s|%s: %s|%s|%s: %s|%s: %s",
                          parts.boxes[0].caption, parts.boxes[0].value,
                          parts.boxes[1].caption, parts.boxes[1].value,
                          _("SSH tunnel"),
                          parts.boxes[2].caption, parts.boxes[2].value,
                          parts.boxes[3].caption, parts.boxes[3].value);
  parts_clear (&parts);
  return g_string_free (text, FALSE);
}

GdkTexture *
culvert_tunnel_diagram_render (CulvertTunnelDiagram *self,
                               int                   width,
                               int                   height)
{
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GskRenderer) renderer = gsk_cairo_renderer_new ();
  g_autoptr(GError) error = NULL;
  GdkTexture *texture;
  GdkRGBA background;

  g_return_val_if_fail (CULVERT_IS_TUNNEL_DIAGRAM (self), NULL);

  lookup_color (GTK_WIDGET (self), "window_bg_color", &background,
                adw_style_manager_get_dark (adw_style_manager_get_default ()) ? "#242424"
                                                                            : "#fafafa");
  gtk_snapshot_append_color (snapshot, &background, &GRAPHENE_RECT_INIT (0, 0, width, height));
  culvert_tunnel_diagram_draw (self, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));

  if (!gsk_renderer_realize (renderer, NULL, &error))
    {
      g_warning ("Cannot render the diagram: %s", error->message);
      return NULL;
    }
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  gsk_renderer_unrealize (renderer);
  return texture;
}

/* ---------------------------------------------------------------------- */

static void
culvert_tunnel_diagram_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  CulvertTunnelDiagram *self = CULVERT_TUNNEL_DIAGRAM (object);

  switch (prop_id)
    {
    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;
    case PROP_SERVER:
      g_value_set_string (value, self->server);
      break;
    case PROP_BIND_ADDRESS:
      g_value_set_string (value, self->bind_address);
      break;
    case PROP_BIND_PORT:
      g_value_set_uint (value, self->bind_port);
      break;
    case PROP_DESTINATION_HOST:
      g_value_set_string (value, self->destination_host);
      break;
    case PROP_DESTINATION_PORT:
      g_value_set_uint (value, self->destination_port);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
culvert_tunnel_diagram_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  CulvertTunnelDiagram *self = CULVERT_TUNNEL_DIAGRAM (object);

  switch (prop_id)
    {
    case PROP_KIND:
      culvert_tunnel_diagram_set_kind (self, g_value_get_enum (value));
      break;
    case PROP_SERVER:
      culvert_tunnel_diagram_set_server (self, g_value_get_string (value));
      break;
    case PROP_BIND_ADDRESS:
      culvert_tunnel_diagram_set_bind (self, g_value_get_string (value), self->bind_port);
      break;
    case PROP_BIND_PORT:
      culvert_tunnel_diagram_set_bind (self, self->bind_address, g_value_get_uint (value));
      break;
    case PROP_DESTINATION_HOST:
      culvert_tunnel_diagram_set_destination (self, g_value_get_string (value),
                                              self->destination_port);
      break;
    case PROP_DESTINATION_PORT:
      culvert_tunnel_diagram_set_destination (self, self->destination_host,
                                              g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
culvert_tunnel_diagram_finalize (GObject *object)
{
  CulvertTunnelDiagram *self = CULVERT_TUNNEL_DIAGRAM (object);

  g_free (self->server);
  g_free (self->bind_address);
  g_free (self->destination_host);

  G_OBJECT_CLASS (culvert_tunnel_diagram_parent_class)->finalize (object);
}

static void
culvert_tunnel_diagram_class_init (CulvertTunnelDiagramClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = culvert_tunnel_diagram_get_property;
  object_class->set_property = culvert_tunnel_diagram_set_property;
  object_class->finalize = culvert_tunnel_diagram_finalize;
  widget_class->snapshot = culvert_tunnel_diagram_snapshot;
  widget_class->measure = culvert_tunnel_diagram_measure;

  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL, CULVERT_TYPE_FORWARD_KIND, CULVERT_FORWARD_LOCAL,
                       flags);
  properties[PROP_SERVER] = g_param_spec_string ("server", NULL, NULL, NULL, flags);
  properties[PROP_BIND_ADDRESS] = g_param_spec_string ("bind-address", NULL, NULL, NULL, flags);
  properties[PROP_BIND_PORT] = g_param_spec_uint ("bind-port", NULL, NULL, 0, 65535, 0, flags);
  properties[PROP_DESTINATION_HOST] =
    g_param_spec_string ("destination-host", NULL, NULL, NULL, flags);
  properties[PROP_DESTINATION_PORT] =
    g_param_spec_uint ("destination-port", NULL, NULL, 0, 65535, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "tunnel-diagram");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
culvert_tunnel_diagram_init (CulvertTunnelDiagram *self)
{
  g_autofree char *text = NULL;

  self->kind = CULVERT_FORWARD_LOCAL;
  text = culvert_tunnel_diagram_dup_text (self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Diagram of the tunnel"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text,
                                  -1);
}

GtkWidget *
culvert_tunnel_diagram_new (CulvertForwardKind kind)
{
  return g_object_new (CULVERT_TYPE_TUNNEL_DIAGRAM, "kind", kind, NULL);
}

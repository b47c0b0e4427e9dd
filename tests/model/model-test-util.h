/* model-test-util.h — comparing profiles the way a user would
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>
#include <string.h>

#include "culvert-profile.h"

/* Every setting (and every forward, with its enabled state and description)
 * of @a and @b is the same; the ids too unless @ignore_id. */
static inline void
assert_profiles_equal (CulvertProfile *a,
                       CulvertProfile *b,
                       gboolean        ignore_id)
{
  g_autoptr(GTypeClass) type_class = g_type_class_ref (CULVERT_TYPE_PROFILE);
  GObjectClass *klass = G_OBJECT_CLASS (type_class);
  g_autofree GParamSpec **pspecs = NULL;
  GListModel *fa = culvert_profile_get_forwards (a);
  GListModel *fb = culvert_profile_get_forwards (b);
  guint n;

  pspecs = g_object_class_list_properties (klass, &n);
  for (guint i = 0; i < n; i++)
    {
      const char *name = g_param_spec_get_name (pspecs[i]);
      g_auto(GValue) va = G_VALUE_INIT;
      g_auto(GValue) vb = G_VALUE_INIT;

      if (strcmp (name, "forwards") == 0 || (ignore_id && strcmp (name, "id") == 0))
        continue;

      g_value_init (&va, pspecs[i]->value_type);
      g_value_init (&vb, pspecs[i]->value_type);
      g_object_get_property (G_OBJECT (a), name, &va);
      g_object_get_property (G_OBJECT (b), name, &vb);

      if (pspecs[i]->value_type == G_TYPE_STRV)
        {
          const char * const *sa = g_value_get_boxed (&va);
          const char * const *sb = g_value_get_boxed (&vb);

          if ((sa == NULL) != (sb == NULL) || (sa != NULL && !g_strv_equal (sa, sb)))
            g_error ("profiles differ in %s", name);
        }
      else if (g_param_values_cmp (pspecs[i], &va, &vb) != 0)
        {
          g_autofree char *ca = g_strdup_value_contents (&va);
          g_autofree char *cb = g_strdup_value_contents (&vb);

          g_error ("profiles differ in %s: %s vs %s", name, ca, cb);
        }
    }

  g_assert_cmpuint (g_list_model_get_n_items (fa), ==, g_list_model_get_n_items (fb));
  for (guint i = 0; i < g_list_model_get_n_items (fa); i++)
    {
      g_autoptr(CulvertForward) forward_a = g_list_model_get_item (fa, i);
      g_autoptr(CulvertForward) forward_b = g_list_model_get_item (fb, i);

      g_assert_true (culvert_forward_equal (forward_a, forward_b));
      g_assert_cmpint (culvert_forward_get_enabled (forward_a), ==,
                       culvert_forward_get_enabled (forward_b));
      g_assert_cmpstr (culvert_forward_get_description (forward_a), ==,
                       culvert_forward_get_description (forward_b));
    }
}

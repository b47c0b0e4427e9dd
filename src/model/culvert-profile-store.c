/* culvert-profile-store.c — the saved connections, one GKeyFile each
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <string.h>

#include "culvert-enums.h"
#include "culvert-paths.h"
#include "culvert-profile-store.h"

#define PROFILE_SUFFIX ".profile"
#define PROFILE_GROUP "Profile"
#define FORWARD_GROUP_PREFIX "Forward "

struct _CulvertProfileStore
{
  GObject     parent_instance;

  char       *dir;
  GPtrArray  *profiles;     /* of CulvertProfile */
  GPtrArray  *problems;     /* of GError */
  GHashTable *locked_ids;   /* ids whose unreadable file stayed in place */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CulvertProfileStore, culvert_profile_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

G_DEFINE_QUARK (culvert-profile-store-error-quark, culvert_profile_store_error)

/* What a file held that this version does not understand, kept for the next save. */
static GQuark
extra_keys_quark (void)
{
  return g_quark_from_static_string ("culvert-profile-store-extra");
}

static GQuark
opaque_forwards_quark (void)
{
  return g_quark_from_static_string ("culvert-profile-store-opaque-forwards");
}

enum {
  PROBLEM,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char * const profile_keys[] = {
  "Id", "Name", "Host", "Port", "User", "AuthMethod", "IdentityFile", "JumpHosts",
  "ProxyMode", "ProxyUrl", "ProxyBypass", "KeepaliveInterval", "KeepaliveCount",
  "Reconnect", "ConnectAtStartup", "GatewayPorts", "KnownHostsFile", NULL
};

static const char * const forward_keys[] = {
  "Kind", "BindAddress", "BindPort", "DestinationHost", "DestinationPort", "Enabled",
  "Description", "BindPath", "DestinationPath", NULL
};

static GType
culvert_profile_store_get_item_type (GListModel *model)
{
  return CULVERT_TYPE_PROFILE;
}

static guint
culvert_profile_store_get_n_items (GListModel *model)
{
  CulvertProfileStore *self = CULVERT_PROFILE_STORE (model);

  return self->profiles->len;
}

static gpointer
culvert_profile_store_get_item (GListModel *model,
                                guint       position)
{
  CulvertProfileStore *self = CULVERT_PROFILE_STORE (model);

  if (position >= self->profiles->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->profiles, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = culvert_profile_store_get_item_type;
  iface->get_n_items = culvert_profile_store_get_n_items;
  iface->get_item = culvert_profile_store_get_item;
}

static void
culvert_profile_store_dispose (GObject *object)
{
  CulvertProfileStore *self = (CulvertProfileStore *) object;

  if (self->profiles != NULL)
    g_ptr_array_set_size (self->profiles, 0);

  G_OBJECT_CLASS (culvert_profile_store_parent_class)->dispose (object);
}

static void
culvert_profile_store_finalize (GObject *object)
{
  CulvertProfileStore *self = (CulvertProfileStore *) object;

  g_clear_pointer (&self->dir, g_free);
  g_clear_pointer (&self->profiles, g_ptr_array_unref);
  g_clear_pointer (&self->problems, g_ptr_array_unref);
  g_clear_pointer (&self->locked_ids, g_hash_table_unref);

  G_OBJECT_CLASS (culvert_profile_store_parent_class)->finalize (object);
}

static void
culvert_profile_store_class_init (CulvertProfileStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = culvert_profile_store_dispose;
  object_class->finalize = culvert_profile_store_finalize;

  /**
   * CulvertProfileStore::problem:
   * @error: a %CULVERT_PROFILE_STORE_ERROR with a message for the user
   *
   * A profile file could not be read while loading.
   */
  signals[PROBLEM] =
    g_signal_new ("problem", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
culvert_profile_store_init (CulvertProfileStore *self)
{
  self->profiles = g_ptr_array_new_with_free_func (g_object_unref);
  self->problems = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  self->locked_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

CulvertProfileStore *
culvert_profile_store_new (const char *dir)
{
  CulvertProfileStore *self = g_object_new (CULVERT_TYPE_PROFILE_STORE, NULL);

  self->dir = dir != NULL ? g_strdup (dir) : culvert_paths_dup_profiles_dir ();
  return self;
}

const char *
culvert_profile_store_get_directory (CulvertProfileStore *self)
{
  g_return_val_if_fail (CULVERT_IS_PROFILE_STORE (self), NULL);
  return self->dir;
}

GPtrArray *
culvert_profile_store_get_problems (CulvertProfileStore *self)
{
  g_return_val_if_fail (CULVERT_IS_PROFILE_STORE (self), NULL);
  return self->problems;
}

static char *
path_for_id (CulvertProfileStore *self,
             const char          *id)
{
  g_autofree char *basename = g_strconcat (id, PROFILE_SUFFIX, NULL);

  return g_build_filename (self->dir, basename, NULL);
}

/* Reading */

static const char *
enum_to_nick (GType type,
              int   value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *enum_value = g_enum_get_value (klass, value);

  return enum_value != NULL ? enum_value->value_nick : NULL;
}

static gboolean
enum_from_nick (GType       type,
                const char *nick,
                int        *value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *enum_value = g_enum_get_value_by_nick (klass, nick);

  if (enum_value == NULL)
    return FALSE;
  *value = enum_value->value;
  return TRUE;
}

/* A missing key gives NULL; a value that is not UTF-8 is damage. */
static gboolean
get_optional_string (GKeyFile    *key_file,
                     const char  *group,
                     const char  *key,
                     char       **value,
                     GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  *value = NULL;
  if (!g_key_file_has_key (key_file, group, key, NULL))
    return TRUE;

  *value = g_key_file_get_string (key_file, group, key, &local_error);
  if (*value == NULL)
    {
      g_set_error (error, CULVERT_PROFILE_STORE_ERROR, CULVERT_PROFILE_STORE_ERROR_DAMAGED,
                   _("The value of %s in [%s] cannot be read: %s"),
                   key, group, local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* Reads an unsigned number in [min, max]; a missing key keeps @value. */
static gboolean
get_optional_uint (GKeyFile    *key_file,
                   const char  *group,
                   const char  *key,
                   guint64      min,
                   guint64      max,
                   guint       *value,
                   GError     **error)
{
  g_autofree char *text = NULL;
  guint64 number;

  if (!g_key_file_has_key (key_file, group, key, NULL))
    return TRUE;

  text = g_key_file_get_value (key_file, group, key, NULL);
  if (!g_ascii_string_to_unsigned (text, 10, min, max, &number, NULL))
    {
      g_set_error (error, CULVERT_PROFILE_STORE_ERROR, CULVERT_PROFILE_STORE_ERROR_DAMAGED,
                   _("The value “%s” of %s in [%s] is not a number from %u to %u"),
                   text, key, group, (guint) min, (guint) max);
      return FALSE;
    }

  *value = (guint) number;
  return TRUE;
}

static gboolean
get_optional_boolean (GKeyFile    *key_file,
                      const char  *group,
                      const char  *key,
                      gboolean    *value,
                      GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean result;

  if (!g_key_file_has_key (key_file, group, key, NULL))
    return TRUE;

  result = g_key_file_get_boolean (key_file, group, key, &local_error);
  if (local_error != NULL)
    {
      g_autofree char *text = g_key_file_get_value (key_file, group, key, NULL);

      g_set_error (error, CULVERT_PROFILE_STORE_ERROR, CULVERT_PROFILE_STORE_ERROR_DAMAGED,
                   _("The value “%s” of %s in [%s] is neither true nor false"),
                   text, key, group);
      return FALSE;
    }

  *value = result;
  return TRUE;
}

/* An enum value this version does not know (written by a newer one) falls
 * back to the default, and the text is kept in @extra for the next save. */
static gboolean
get_enum (GKeyFile    *key_file,
          GKeyFile    *extra,
          const char  *group,
          const char  *key,
          GType        type,
          int          fallback,
          int         *value,
          GError     **error)
{
  g_autofree char *text = NULL;

  *value = fallback;
  if (!get_optional_string (key_file, group, key, &text, error))
    return FALSE;
  if (text == NULL || enum_from_nick (type, text, value))
    return TRUE;

  g_key_file_set_string (extra, group, key, text);
  return TRUE;
}

static GKeyFile *
copy_unknown_keys (GKeyFile           *key_file,
                   const char         *group,
                   const char * const *known,
                   const char         *to_group)
{
  g_autoptr(GKeyFile) extra = g_key_file_new ();
  g_auto(GStrv) keys = g_key_file_get_keys (key_file, group, NULL, NULL);
  gboolean any = FALSE;

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      g_autofree char *value = NULL;

      if (g_strv_contains (known, keys[i]))
        continue;
      value = g_key_file_get_value (key_file, group, keys[i], NULL);
      g_key_file_set_value (extra, to_group, keys[i], value);
      any = TRUE;
    }

  return any ? g_steal_pointer (&extra) : NULL;
}

static void
copy_group (GKeyFile   *from,
            const char *group,
            GKeyFile   *to,
            const char *to_group)
{
  g_auto(GStrv) keys = g_key_file_get_keys (from, group, NULL, NULL);

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      g_autofree char *value = g_key_file_get_value (from, group, keys[i], NULL);

      g_key_file_set_value (to, to_group, keys[i], value);
    }
}

static CulvertForward *
read_forward (GKeyFile    *key_file,
              const char  *group,
              gboolean    *opaque,
              GError     **error)
{
  g_autoptr(CulvertForward) forward = NULL;
  g_autofree char *kind_text = NULL;
  g_autofree char *bind_address = NULL;
  g_autofree char *destination_host = NULL;
  g_autofree char *description = NULL;
  g_autofree char *bind_path = NULL;
  g_autofree char *destination_path = NULL;
  GKeyFile *extra;
  guint bind_port = 0;
  guint destination_port = 0;
  gboolean enabled = TRUE;
  int kind;

  *opaque = FALSE;
  if (!get_optional_string (key_file, group, "Kind", &kind_text, error) ||
      !get_optional_string (key_file, group, "BindAddress", &bind_address, error) ||
      !get_optional_string (key_file, group, "DestinationHost", &destination_host, error) ||
      !get_optional_string (key_file, group, "Description", &description, error) ||
      !get_optional_string (key_file, group, "BindPath", &bind_path, error) ||
      !get_optional_string (key_file, group, "DestinationPath", &destination_path, error))
    return NULL;
  if (kind_text == NULL)
    {
      g_set_error (error, CULVERT_PROFILE_STORE_ERROR, CULVERT_PROFILE_STORE_ERROR_DAMAGED,
                   _("[%s] has no Kind"), group);
      return NULL;
    }
  if (!enum_from_nick (CULVERT_TYPE_FORWARD_KIND, kind_text, &kind))
    {
      /* A kind from a newer version: keep the whole group as it is. */
      *opaque = TRUE;
      return NULL;
    }

  if (!get_optional_uint (key_file, group, "BindPort", 0, G_MAXUINT16, &bind_port, error) ||
      !get_optional_uint (key_file, group, "DestinationPort", 0, G_MAXUINT16,
                          &destination_port, error) ||
      !get_optional_boolean (key_file, group, "Enabled", &enabled, error))
    return NULL;

  forward = g_object_new (CULVERT_TYPE_FORWARD,
                          "kind", kind,
                          "bind-address", bind_address,
                          "bind-port", bind_port,
                          "destination-host", destination_host,
                          "destination-port", destination_port,
                          "enabled", enabled,
                          "description", description,
                          "bind-path", bind_path,
                          "destination-path", destination_path,
                          NULL);

  extra = copy_unknown_keys (key_file, group, forward_keys, "Forward");
  if (extra != NULL)
    g_object_set_qdata_full (G_OBJECT (forward), extra_keys_quark (), extra,
                             (GDestroyNotify) g_key_file_unref);

  return g_steal_pointer (&forward);
}

static CulvertProfile *
read_profile (const char  *id,
              const char  *path,
              GError     **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GKeyFile) extra = g_key_file_new ();
  g_autoptr(GKeyFile) opaque = g_key_file_new ();
  g_autoptr(CulvertProfile) profile = NULL;
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) groups = NULL;
  g_auto(GStrv) jump_hosts = NULL;
  g_autofree char *name = NULL;
  g_autofree char *host = NULL;
  g_autofree char *user = NULL;
  g_autofree char *identity_file = NULL;
  g_autofree char *proxy_url = NULL;
  g_autofree char *proxy_bypass = NULL;
  g_autofree char *known_hosts_file = NULL;
  GKeyFile *unknown_profile_keys;
  guint port = 22;
  guint keepalive_interval = 30;
  guint keepalive_count = 3;
  gboolean reconnect = TRUE;
  gboolean connect_at_startup = FALSE;
  gboolean gateway_ports = FALSE;
  gboolean any_extra = FALSE;
  gboolean any_opaque = FALSE;
  int auth_method;
  int proxy_mode;

  if (!g_key_file_load_from_file (key_file, path, G_KEY_FILE_KEEP_COMMENTS, &local_error))
    {
      g_set_error_literal (error, CULVERT_PROFILE_STORE_ERROR,
                           CULVERT_PROFILE_STORE_ERROR_DAMAGED, local_error->message);
      return NULL;
    }

  if (!g_key_file_has_group (key_file, PROFILE_GROUP))
    {
      g_set_error (error, CULVERT_PROFILE_STORE_ERROR, CULVERT_PROFILE_STORE_ERROR_DAMAGED,
                   _("There is no [%s] group"), PROFILE_GROUP);
      return NULL;
    }

  if (!get_optional_uint (key_file, PROFILE_GROUP, "Port", 1, G_MAXUINT16, &port, error) ||
      !get_optional_uint (key_file, PROFILE_GROUP, "KeepaliveInterval", 0, G_MAXINT,
                          &keepalive_interval, error) ||
      !get_optional_uint (key_file, PROFILE_GROUP, "KeepaliveCount", 0, G_MAXINT,
                          &keepalive_count, error) ||
      !get_optional_boolean (key_file, PROFILE_GROUP, "Reconnect", &reconnect, error) ||
      !get_optional_boolean (key_file, PROFILE_GROUP, "ConnectAtStartup",
                             &connect_at_startup, error) ||
      !get_optional_boolean (key_file, PROFILE_GROUP, "GatewayPorts", &gateway_ports, error))
    return NULL;

  if (!get_optional_string (key_file, PROFILE_GROUP, "Name", &name, error) ||
      !get_optional_string (key_file, PROFILE_GROUP, "Host", &host, error) ||
      !get_optional_string (key_file, PROFILE_GROUP, "User", &user, error) ||
      !get_optional_string (key_file, PROFILE_GROUP, "IdentityFile", &identity_file, error) ||
      !get_optional_string (key_file, PROFILE_GROUP, "ProxyUrl", &proxy_url, error) ||
      !get_optional_string (key_file, PROFILE_GROUP, "ProxyBypass", &proxy_bypass, error) ||
      !get_optional_string (key_file, PROFILE_GROUP, "KnownHostsFile", &known_hosts_file, error))
    return NULL;
  if (g_key_file_has_key (key_file, PROFILE_GROUP, "JumpHosts", NULL))
    {
      g_autoptr(GError) list_error = NULL;

      jump_hosts = g_key_file_get_string_list (key_file, PROFILE_GROUP, "JumpHosts", NULL,
                                               &list_error);
      if (jump_hosts == NULL)
        {
          g_set_error (error, CULVERT_PROFILE_STORE_ERROR, CULVERT_PROFILE_STORE_ERROR_DAMAGED,
                       _("The value of %s in [%s] cannot be read: %s"),
                       "JumpHosts", PROFILE_GROUP, list_error->message);
          return NULL;
        }
    }

  unknown_profile_keys = copy_unknown_keys (key_file, PROFILE_GROUP, profile_keys, PROFILE_GROUP);
  if (unknown_profile_keys != NULL)
    {
      copy_group (unknown_profile_keys, PROFILE_GROUP, extra, PROFILE_GROUP);
      g_key_file_unref (unknown_profile_keys);
      any_extra = TRUE;
    }
  if (!get_enum (key_file, extra, PROFILE_GROUP, "AuthMethod", CULVERT_TYPE_AUTH_METHOD,
                 CULVERT_AUTH_AUTOMATIC, &auth_method, error) ||
      !get_enum (key_file, extra, PROFILE_GROUP, "ProxyMode", CULVERT_TYPE_PROXY_MODE,
                 CULVERT_PROXY_NONE, &proxy_mode, error))
    return NULL;
  any_extra |= g_key_file_has_group (extra, PROFILE_GROUP);

  profile = g_object_new (CULVERT_TYPE_PROFILE,
                          "id", id,
                          "name", name,
                          "host", host,
                          "port", port,
                          "user", user,
                          "auth-method", auth_method,
                          "identity-file", identity_file,
                          "jump-hosts", jump_hosts,
                          "proxy-mode", proxy_mode,
                          "proxy-url", proxy_url,
                          "proxy-bypass", proxy_bypass,
                          "keepalive-interval", keepalive_interval,
                          "keepalive-count", keepalive_count,
                          "reconnect", reconnect,
                          "connect-at-startup", connect_at_startup,
                          "gateway-ports", gateway_ports,
                          "known-hosts-file", known_hosts_file,
                          NULL);

  groups = g_key_file_get_groups (key_file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      if (strcmp (groups[i], PROFILE_GROUP) == 0)
        continue;

      if (g_str_has_prefix (groups[i], FORWARD_GROUP_PREFIX))
        {
          g_autoptr(CulvertForward) forward = NULL;
          gboolean is_opaque;

          forward = read_forward (key_file, groups[i], &is_opaque, error);
          if (forward != NULL)
            culvert_profile_add_forward (profile, forward);
          else if (is_opaque)
            {
              copy_group (key_file, groups[i], opaque, groups[i]);
              any_opaque = TRUE;
            }
          else
            return NULL;
          continue;
        }

      copy_group (key_file, groups[i], extra, groups[i]);
      any_extra = TRUE;
    }

  if (any_extra)
    g_object_set_qdata_full (G_OBJECT (profile), extra_keys_quark (),
                             g_steal_pointer (&extra), (GDestroyNotify) g_key_file_unref);
  if (any_opaque)
    g_object_set_qdata_full (G_OBJECT (profile), opaque_forwards_quark (),
                             g_steal_pointer (&opaque), (GDestroyNotify) g_key_file_unref);

  return g_steal_pointer (&profile);
}

static void
add_problem (CulvertProfileStore *self,
             GError              *error)
{
  g_ptr_array_add (self->problems, error);
  g_signal_emit (self, signals[PROBLEM], 0, error);
}

/* Moves a file that could not be read out of the way, so that nothing ever
 * overwrites it, and tells the user where it went. */
static void
set_aside (CulvertProfileStore *self,
           const char          *id,
           const char          *path,
           const GError        *reason)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *basename = g_path_get_basename (path);
  g_autofree char *aside = NULL;

  for (guint n = 0; n < 100; n++)
    {
      g_clear_pointer (&aside, g_free);
      if (n == 0)
        aside = g_strdup_printf ("%s.damaged-%s", path, stamp);
      else
        aside = g_strdup_printf ("%s.damaged-%s-%u", path, stamp, n);
      if (!g_file_test (aside, G_FILE_TEST_EXISTS))
        break;
    }

  if (g_rename (path, aside) == 0)
    {
      g_autofree char *aside_basename = g_path_get_basename (aside);

      add_problem (self, g_error_new (CULVERT_PROFILE_STORE_ERROR,
                                      CULVERT_PROFILE_STORE_ERROR_DAMAGED,
                                      _("The saved connection in “%s” could not be read (%s). "
                                        "It was kept as “%s” in %s; the other connections "
                                        "are not affected."),
                                      basename, reason->message, aside_basename, self->dir));
    }
  else
    {
      int saved_errno = errno;

      g_hash_table_add (self->locked_ids, g_strdup (id));
      add_problem (self, g_error_new (CULVERT_PROFILE_STORE_ERROR,
                                      CULVERT_PROFILE_STORE_ERROR_DAMAGED,
                                      _("The saved connection in “%s” could not be read (%s), "
                                        "and could not be moved aside (%s). Culvert will not "
                                        "change it."),
                                      path, reason->message, g_strerror (saved_errno)));
    }
}

/* A file that reads but holds a forward culvert_forward_validate() refuses:
 * the connection loads (and the forward stays in it, so that nothing is
 * lost on the next save), the user is told, and the engine never runs it. */
static void
report_damaged_forwards (CulvertProfileStore *self,
                         CulvertProfile      *profile,
                         const char          *basename)
{
  GListModel *forwards = culvert_profile_get_forwards (profile);
  guint n = g_list_model_get_n_items (forwards);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CulvertForward) forward = g_list_model_get_item (forwards, i);
      g_autoptr(GError) invalid = NULL;

      if (culvert_forward_validate (forward, &invalid))
        continue;

      add_problem (self, g_error_new (CULVERT_PROFILE_STORE_ERROR,
                                      CULVERT_PROFILE_STORE_ERROR_DAMAGED,
                                      _("Forward %u of the saved connection “%s” (in “%s”) is "
                                        "damaged: %s. It will not run until it is fixed or "
                                        "removed."),
                                      i + 1, culvert_profile_get_display_name (profile),
                                      basename, invalid->message));
    }
}

static int
compare_profiles (gconstpointer a,
                  gconstpointer b)
{
  CulvertProfile *pa = *(CulvertProfile **) a;
  CulvertProfile *pb = *(CulvertProfile **) b;
  int result;

  result = g_utf8_collate (culvert_profile_get_display_name (pa),
                           culvert_profile_get_display_name (pb));
  if (result == 0)
    result = strcmp (culvert_profile_get_id (pa), culvert_profile_get_id (pb));
  return result;
}

gboolean
culvert_profile_store_load (CulvertProfileStore  *self,
                            GError              **error)
{
  g_autoptr(GPtrArray) loaded = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *name;
  guint old_len;

  g_return_val_if_fail (CULVERT_IS_PROFILE_STORE (self), FALSE);

  if (!culvert_paths_ensure_private_dir (self->dir, error))
    return FALSE;

  dir = g_dir_open (self->dir, 0, &local_error);
  if (dir == NULL)
    {
      g_set_error (error, G_FILE_ERROR, local_error->code,
                   _("Could not read the saved connections in %s: %s"),
                   self->dir, local_error->message);
      return FALSE;
    }

  g_ptr_array_set_size (self->problems, 0);
  g_hash_table_remove_all (self->locked_ids);

  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, PROFILE_SUFFIX))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);

  loaded = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < names->len; i++)
    {
      const char *basename = g_ptr_array_index (names, i);
      g_autofree char *id = g_strndup (basename, strlen (basename) - strlen (PROFILE_SUFFIX));
      g_autofree char *path = g_build_filename (self->dir, basename, NULL);
      g_autoptr(GError) read_error = NULL;
      CulvertProfile *profile;

      if (!culvert_profile_id_is_valid (id))
        {
          /* Not a name Culvert writes: leave it alone, and never write over it. */
          add_problem (self, g_error_new (CULVERT_PROFILE_STORE_ERROR,
                                          CULVERT_PROFILE_STORE_ERROR_DAMAGED,
                                          _("“%s” in %s is not a name Culvert gives its files; "
                                            "it was not loaded."),
                                          basename, self->dir));
          continue;
        }

      profile = read_profile (id, path, &read_error);
      if (profile == NULL)
        {
          set_aside (self, id, path, read_error);
          continue;
        }
      report_damaged_forwards (self, profile, basename);
      g_ptr_array_add (loaded, profile);
    }

  g_ptr_array_sort (loaded, compare_profiles);

  old_len = self->profiles->len;
  g_ptr_array_set_size (self->profiles, 0);
  for (guint i = 0; i < loaded->len; i++)
    g_ptr_array_add (self->profiles, g_object_ref (g_ptr_array_index (loaded, i)));
  g_list_model_items_changed (G_LIST_MODEL (self), 0, old_len, self->profiles->len);

  return TRUE;
}

/* Writing */

static void
set_optional_string (GKeyFile   *key_file,
                     const char *group,
                     const char *key,
                     const char *value)
{
  if (value != NULL)
    g_key_file_set_string (key_file, group, key, value);
}

/* A proxy URL without its password, which is a secret and so never goes
 * into a profile file (DESIGN.md: secrets live only in the keyring). A value
 * that is not a URL loses everything up to its last '@'. */
static char *
dup_proxy_url_for_file (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  const char *at;

  if (url == NULL)
    return NULL;

  uri = g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL);
  if (uri != NULL && g_uri_get_host (uri) != NULL)
    return g_uri_get_password (uri) != NULL ? g_uri_to_string_partial (uri, G_URI_HIDE_PASSWORD)
                                            : g_strdup (url);

  at = strrchr (url, '@');
  return g_strdup (at != NULL ? at + 1 : url);
}

/* Writes an enum unless a value from a newer version was kept and the
 * setting still holds the fallback it was read as. */
static void
set_enum (GKeyFile   *key_file,
          GKeyFile   *extra,
          const char *key,
          GType       type,
          int         value,
          int         fallback)
{
  if (extra != NULL && value == fallback &&
      g_key_file_has_key (extra, PROFILE_GROUP, key, NULL))
    return;
  g_key_file_set_string (key_file, PROFILE_GROUP, key, enum_to_nick (type, value));
}

/* Adds what @from holds to @to, where @to does not have a value of its own. */
static void
merge_key_file (GKeyFile *from,
                GKeyFile *to)
{
  g_auto(GStrv) groups = g_key_file_get_groups (from, NULL);

  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_auto(GStrv) keys = g_key_file_get_keys (from, groups[i], NULL, NULL);

      for (guint j = 0; keys != NULL && keys[j] != NULL; j++)
        {
          g_autofree char *value = NULL;

          if (g_key_file_has_key (to, groups[i], keys[j], NULL))
            continue;
          value = g_key_file_get_value (from, groups[i], keys[j], NULL);
          g_key_file_set_value (to, groups[i], keys[j], value);
        }
    }
}

static char *
profile_to_data (CulvertProfile *profile,
                 gsize          *length)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  GKeyFile *extra = g_object_get_qdata (G_OBJECT (profile), extra_keys_quark ());
  GKeyFile *opaque = g_object_get_qdata (G_OBJECT (profile), opaque_forwards_quark ());
  GListModel *forwards = culvert_profile_get_forwards (profile);
  const char * const *jump_hosts = culvert_profile_get_jump_hosts (profile);
  guint n_forwards = g_list_model_get_n_items (forwards);
  guint next_forward = 0;
  g_autofree char *proxy_url = NULL;

  g_key_file_set_comment (key_file, NULL, NULL,
                          " A saved connection of Culvert. Passwords are never stored here.",
                          NULL);
  g_key_file_set_string (key_file, PROFILE_GROUP, "Id", culvert_profile_get_id (profile));
  set_optional_string (key_file, PROFILE_GROUP, "Name", culvert_profile_get_name (profile));
  set_optional_string (key_file, PROFILE_GROUP, "Host", culvert_profile_get_host (profile));
  g_key_file_set_uint64 (key_file, PROFILE_GROUP, "Port", culvert_profile_get_port (profile));
  set_optional_string (key_file, PROFILE_GROUP, "User", culvert_profile_get_user (profile));
  set_enum (key_file, extra, "AuthMethod", CULVERT_TYPE_AUTH_METHOD,
            culvert_profile_get_auth_method (profile), CULVERT_AUTH_AUTOMATIC);
  set_optional_string (key_file, PROFILE_GROUP, "IdentityFile",
                       culvert_profile_get_identity_file (profile));
  if (jump_hosts[0] != NULL)
    g_key_file_set_string_list (key_file, PROFILE_GROUP, "JumpHosts", jump_hosts,
                                g_strv_length ((char **) jump_hosts));
  set_enum (key_file, extra, "ProxyMode", CULVERT_TYPE_PROXY_MODE,
            culvert_profile_get_proxy_mode (profile), CULVERT_PROXY_NONE);
  proxy_url = dup_proxy_url_for_file (culvert_profile_get_proxy_url (profile));
  set_optional_string (key_file, PROFILE_GROUP, "ProxyUrl", proxy_url);
  set_optional_string (key_file, PROFILE_GROUP, "ProxyBypass",
                       culvert_profile_get_proxy_bypass (profile));
  g_key_file_set_uint64 (key_file, PROFILE_GROUP, "KeepaliveInterval",
                         culvert_profile_get_keepalive_interval (profile));
  g_key_file_set_uint64 (key_file, PROFILE_GROUP, "KeepaliveCount",
                         culvert_profile_get_keepalive_count (profile));
  g_key_file_set_boolean (key_file, PROFILE_GROUP, "Reconnect",
                          culvert_profile_get_reconnect (profile));
  g_key_file_set_boolean (key_file, PROFILE_GROUP, "ConnectAtStartup",
                          culvert_profile_get_connect_at_startup (profile));
  g_key_file_set_boolean (key_file, PROFILE_GROUP, "GatewayPorts",
                          culvert_profile_get_gateway_ports (profile));
  set_optional_string (key_file, PROFILE_GROUP, "KnownHostsFile",
                       culvert_profile_get_known_hosts_file (profile));

  /* Keys and groups from a newer version, as they were. */
  if (extra != NULL)
    merge_key_file (extra, key_file);

  for (guint i = 0; i < n_forwards; i++)
    {
      g_autoptr(CulvertForward) forward = g_list_model_get_item (forwards, i);
      g_autofree char *group = g_strdup_printf (FORWARD_GROUP_PREFIX "%u", next_forward++);
      GKeyFile *forward_extra = g_object_get_qdata (G_OBJECT (forward), extra_keys_quark ());

      g_key_file_set_string (key_file, group, "Kind",
                             enum_to_nick (CULVERT_TYPE_FORWARD_KIND,
                                           culvert_forward_get_kind (forward)));
      set_optional_string (key_file, group, "BindAddress",
                           culvert_forward_get_bind_address (forward));
      g_key_file_set_uint64 (key_file, group, "BindPort", culvert_forward_get_bind_port (forward));
      set_optional_string (key_file, group, "DestinationHost",
                           culvert_forward_get_destination_host (forward));
      if (culvert_forward_get_kind (forward) != CULVERT_FORWARD_DYNAMIC)
        g_key_file_set_uint64 (key_file, group, "DestinationPort",
                               culvert_forward_get_destination_port (forward));
      g_key_file_set_boolean (key_file, group, "Enabled", culvert_forward_get_enabled (forward));
      set_optional_string (key_file, group, "Description",
                           culvert_forward_get_description (forward));
      set_optional_string (key_file, group, "BindPath", culvert_forward_get_bind_path (forward));
      set_optional_string (key_file, group, "DestinationPath",
                           culvert_forward_get_destination_path (forward));
      if (forward_extra != NULL)
        copy_group (forward_extra, "Forward", key_file, group);
    }

  if (opaque != NULL)
    {
      g_auto(GStrv) groups = g_key_file_get_groups (opaque, NULL);

      for (guint i = 0; groups[i] != NULL; i++)
        {
          g_autofree char *group = g_strdup_printf (FORWARD_GROUP_PREFIX "%u", next_forward++);

          copy_group (opaque, groups[i], key_file, group);
        }
    }

  return g_key_file_to_data (key_file, length, NULL);
}

gboolean
culvert_profile_store_save_profile (CulvertProfileStore  *self,
                                    CulvertProfile       *profile,
                                    GError              **error)
{
  g_autofree char *path = NULL;
  g_autofree char *data = NULL;
  const char *id;
  gsize length;

  g_return_val_if_fail (CULVERT_IS_PROFILE_STORE (self), FALSE);
  g_return_val_if_fail (CULVERT_IS_PROFILE (profile), FALSE);

  id = culvert_profile_get_id (profile);
  if (!culvert_profile_id_is_valid (id))
    {
      g_set_error (error, CULVERT_PROFILE_STORE_ERROR, CULVERT_PROFILE_STORE_ERROR_INVALID,
                   _("The connection id “%s” cannot be used as a file name"), id);
      return FALSE;
    }
  if (g_hash_table_contains (self->locked_ids, id))
    {
      g_set_error (error, CULVERT_PROFILE_STORE_ERROR, CULVERT_PROFILE_STORE_ERROR_LOCKED,
                   _("The file of “%s” could not be read, so Culvert will not write over it"),
                   culvert_profile_get_display_name (profile));
      return FALSE;
    }

  if (!culvert_paths_ensure_private_dir (self->dir, error))
    return FALSE;

  path = path_for_id (self, id);
  data = profile_to_data (profile, &length);
  if (!culvert_paths_write_private_file (path, data, length, TRUE, error))
    {
      g_prefix_error (error, _("Could not save “%s”: "),
                      culvert_profile_get_display_name (profile));
      return FALSE;
    }

  if (!g_ptr_array_find (self->profiles, profile, NULL))
    {
      g_ptr_array_add (self->profiles, g_object_ref (profile));
      g_list_model_items_changed (G_LIST_MODEL (self), self->profiles->len - 1, 0, 1);
    }

  return TRUE;
}

gboolean
culvert_profile_store_delete_profile (CulvertProfileStore  *self,
                                      CulvertProfile       *profile,
                                      GError              **error)
{
  g_autofree char *path = NULL;
  const char *id;
  guint position;

  g_return_val_if_fail (CULVERT_IS_PROFILE_STORE (self), FALSE);
  g_return_val_if_fail (CULVERT_IS_PROFILE (profile), FALSE);

  id = culvert_profile_get_id (profile);
  if (culvert_profile_id_is_valid (id) && !g_hash_table_contains (self->locked_ids, id))
    {
      path = path_for_id (self, id);
      if (g_unlink (path) != 0 && errno != ENOENT)
        {
          int saved_errno = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _("Could not delete “%s”: %s"),
                       culvert_profile_get_display_name (profile), g_strerror (saved_errno));
          return FALSE;
        }
    }

  if (g_ptr_array_find (self->profiles, profile, &position))
    {
      g_ptr_array_remove_index (self->profiles, position);
      g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
    }

  return TRUE;
}

CulvertProfile *
culvert_profile_store_find (CulvertProfileStore *self,
                            const char          *name_or_id)
{
  g_autofree char *folded = NULL;

  g_return_val_if_fail (CULVERT_IS_PROFILE_STORE (self), NULL);
  g_return_val_if_fail (name_or_id != NULL, NULL);

  for (guint i = 0; i < self->profiles->len; i++)
    {
      CulvertProfile *profile = g_ptr_array_index (self->profiles, i);

      if (g_strcmp0 (culvert_profile_get_id (profile), name_or_id) == 0)
        return profile;
    }

  for (guint i = 0; i < self->profiles->len; i++)
    {
      CulvertProfile *profile = g_ptr_array_index (self->profiles, i);

      if (g_strcmp0 (culvert_profile_get_name (profile), name_or_id) == 0)
        return profile;
    }

  folded = g_utf8_casefold (name_or_id, -1);
  for (guint i = 0; i < self->profiles->len; i++)
    {
      CulvertProfile *profile = g_ptr_array_index (self->profiles, i);
      const char *name = culvert_profile_get_name (profile);
      g_autofree char *name_folded = name != NULL ? g_utf8_casefold (name, -1) : NULL;

      if (g_strcmp0 (name_folded, folded) == 0)
        return profile;
    }

  return NULL;
}

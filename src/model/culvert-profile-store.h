/* culvert-profile-store.h — the saved connections, one GKeyFile each
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "culvert-profile.h"

G_BEGIN_DECLS

#define CULVERT_PROFILE_STORE_ERROR (culvert_profile_store_error_quark ())

/**
 * CulvertProfileStoreError:
 * @CULVERT_PROFILE_STORE_ERROR_DAMAGED: a profile file could not be read;
 *   it was moved aside (or, if even that failed, left alone and locked
 *   against overwriting), and the other profiles loaded
 * @CULVERT_PROFILE_STORE_ERROR_LOCKED: saving was refused because the file
 *   at that place could not be read and was not moved aside
 * @CULVERT_PROFILE_STORE_ERROR_INVALID: the profile cannot be saved as is
 *   (an id that is not a file name)
 */
typedef enum
{
  CULVERT_PROFILE_STORE_ERROR_DAMAGED,
  CULVERT_PROFILE_STORE_ERROR_LOCKED,
  CULVERT_PROFILE_STORE_ERROR_INVALID,
} CulvertProfileStoreError;

GQuark culvert_profile_store_error_quark (void);

#define CULVERT_TYPE_PROFILE_STORE (culvert_profile_store_get_type ())

G_DECLARE_FINAL_TYPE (CulvertProfileStore, culvert_profile_store, CULVERT, PROFILE_STORE, GObject)

/*
 * A #GListModel of #CulvertProfile, kept in the order the profiles were
 * loaded (sorted by name) and then added.
 *
 * On disk: DIR/<id>.profile, GKeyFile text, written atomically with mode
 * 0600 in a directory with mode 0700. Keys and groups this version does not
 * know are kept through a load and a save. A file that does not parse is
 * renamed to <id>.profile.damaged-YYYYMMDD-HHMMSS and reported, never
 * overwritten.
 */

/* @dir: (nullable): where the files live; %NULL for $XDG_CONFIG_HOME/culvert/profiles */
CulvertProfileStore *culvert_profile_store_new            (const char           *dir);
const char          *culvert_profile_store_get_directory  (CulvertProfileStore  *self);

/**
 * culvert_profile_store_load:
 *
 * Reads every profile file, replacing what the store held. Damaged files
 * do not make this fail: each one is moved aside and described by a
 * %CULVERT_PROFILE_STORE_ERROR_DAMAGED error in
 * culvert_profile_store_get_problems(), and also announced with the
 * #CulvertProfileStore::problem signal, for the GUI to show.
 *
 * Returns: %FALSE only when the directory itself cannot be created or read
 */
gboolean             culvert_profile_store_load           (CulvertProfileStore  *self,
                                                           GError              **error);

/* Returns: (transfer none) (element-type GError): the problems of the last load */
GPtrArray           *culvert_profile_store_get_problems   (CulvertProfileStore  *self);

/* Writes @profile's file and adds it to the store if it was not there. */
gboolean             culvert_profile_store_save_profile   (CulvertProfileStore  *self,
                                                           CulvertProfile       *profile,
                                                           GError              **error);

/* Removes @profile's file and removes it from the store. */
gboolean             culvert_profile_store_delete_profile (CulvertProfileStore  *self,
                                                           CulvertProfile       *profile,
                                                           GError              **error);

/**
 * culvert_profile_store_find:
 * @name_or_id: an id, or a name (exact first, then ignoring case)
 *
 * Returns: (transfer none) (nullable): the first match
 */
CulvertProfile      *culvert_profile_store_find           (CulvertProfileStore  *self,
                                                           const char           *name_or_id);

G_END_DECLS

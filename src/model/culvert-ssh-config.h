/* culvert-ssh-config.h — import connections from OpenSSH's client config
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "culvert-profile-store.h"

G_BEGIN_DECLS

/**
 * CulvertSshImportReport:
 * @created: names of the profiles that were created
 * @updated: names of existing profiles that the import changed
 * @unchanged: names of existing profiles that already matched
 * @skipped: "what: why" for every Host pattern or host that was not imported
 * @unsupported: "Keyword (file:line)" for each keyword Culvert does not
 *   import, once per keyword
 * @notes: "file:line: what happened" for lines that were ignored or fixed up
 *   (Match blocks, Include files that were not found, bad values)
 *
 * All arrays hold UTF-8 strings, translated where they are Culvert's words.
 */
typedef struct
{
  GPtrArray *created;
  GPtrArray *updated;
  GPtrArray *unchanged;
  GPtrArray *skipped;
  GPtrArray *unsupported;
  GPtrArray *notes;
} CulvertSshImportReport;

CulvertSshImportReport *culvert_ssh_import_report_new       (void);
void                    culvert_ssh_import_report_free      (CulvertSshImportReport *report);
/* The report as lines of text for a terminal, one section per array that is not empty. */
char                   *culvert_ssh_import_report_to_string (CulvertSshImportReport *report);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CulvertSshImportReport, culvert_ssh_import_report_free)

/* A parsed ssh_config: its Host and Match blocks and their lines. */
typedef struct _CulvertSshConfig CulvertSshConfig;

CulvertSshConfig       *culvert_ssh_config_new              (void);
void                    culvert_ssh_config_free             (CulvertSshConfig       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CulvertSshConfig, culvert_ssh_config_free)

/**
 * culvert_ssh_config_parse_data:
 * @data: the bytes of an ssh_config file (need not be nul-terminated, may
 *   hold anything)
 * @origin: the file name used in notes
 *
 * The pure parser, with no file access: keywords case-insensitive,
 * `Key Value`, `Key=Value` and `Key = Value`, double- and single-quoted
 * values, `#` comments. Include lines are noted but not followed. Lines it
 * cannot read are noted and skipped; it never fails.
 */
void                    culvert_ssh_config_parse_data       (CulvertSshConfig       *self,
                                                             const char             *data,
                                                             gsize                   length,
                                                             const char             *origin);

/**
 * culvert_ssh_config_parse_file:
 *
 * Reads @path and every file it includes (Include with globs, relative
 * paths taken from ~/.ssh). Like OpenSSH it fails when includes go
 * deeper than 16 levels; it also fails past 256 included files in all.
 */
gboolean                culvert_ssh_config_parse_file       (CulvertSshConfig       *self,
                                                             const char             *path,
                                                             GError                **error);

/**
 * culvert_ssh_config_lookup:
 *
 * Returns: (nullable): the first value of @keyword (any case) that ssh
 *   would use for `ssh ALIAS`: from the lines outside any block, or in a
 *   Host block that matches @alias (Match blocks are not followed).
 */
const char             *culvert_ssh_config_lookup           (CulvertSshConfig       *self,
                                                             const char             *alias,
                                                             const char             *keyword);

/**
 * culvert_ssh_config_build_profiles:
 * @report: (nullable): gets skipped hosts, unsupported keywords and notes
 *
 * One profile for each concrete host alias (a Host pattern without `*`,
 * `?` or `!`), named after it, with the settings ssh itself would use for
 * `ssh ALIAS`: every Host block that matches the alias counts, the first
 * value of a keyword wins, forwards add up. HostName, User, Port,
 * IdentityFile (with `~`, `%d`, `%u`, `%h`, `%r`, `%p`, `%n`, `%l`, `%%`
 * and `${VAR}` expanded), ProxyJump, ServerAliveInterval,
 * ServerAliveCountMax, GatewayPorts, UserKnownHostsFile,
 * PreferredAuthentications, IdentitiesOnly, LocalForward, RemoteForward
 * and DynamicForward are imported.
 *
 * Returns: (transfer full) (element-type CulvertProfile): the profiles
 */
GPtrArray              *culvert_ssh_config_build_profiles   (CulvertSshConfig       *self,
                                                             CulvertSshImportReport *report);

/**
 * culvert_ssh_config_import:
 * @store: a loaded store
 * @path: (nullable): the config file; %NULL for ~/.ssh/config
 * @report: (out) (optional): what happened
 *
 * Imports every concrete host into @store. A host whose alias is already
 * the name of a profile updates that profile instead of adding another:
 * the settings the config names are set, its forwards are added when the
 * profile does not have them yet, and nothing the user added in Culvert is
 * removed. Re-importing the same file therefore changes nothing.
 *
 * Returns: %FALSE when @path cannot be read or a profile cannot be saved
 */
gboolean                culvert_ssh_config_import           (CulvertProfileStore     *store,
                                                             const char              *path,
                                                             CulvertSshImportReport **report,
                                                             GError                 **error);

/**
 * CulvertSshImport:
 *
 * An import in steps, so that nothing that lets other computers in is
 * saved before the user has seen it: culvert_ssh_import_read() reads the
 * file (it touches no store, so it may run in a thread);
 * culvert_ssh_import_prepare() works out, against @store, which forwards
 * saving would make reachable from other computers; the caller may keep
 * some of them local (culvert_forward_keep_local() on the forward listed)
 * or turn them off;
 * culvert_ssh_import_apply() then saves. culvert_ssh_config_import() is
 * the three at once.
 */
typedef struct _CulvertSshImport CulvertSshImport;

typedef struct
{
  char           *profile_name;
  CulvertProfile *profile;      /* as it will be saved (a copy for an existing one) */
  CulvertForward *forward;      /* in @profile */
  char           *description;  /* culvert_forward_describe_reach () */
} CulvertSshImportOffHost;

CulvertSshImport       *culvert_ssh_import_read             (const char              *path,
                                                             GError                 **error);
void                    culvert_ssh_import_free             (CulvertSshImport        *self);
/* Returns: (transfer container) (element-type CulvertSshImportOffHost) */
GPtrArray              *culvert_ssh_import_prepare          (CulvertSshImport        *self,
                                                             CulvertProfileStore     *store);
gboolean                culvert_ssh_import_apply            (CulvertSshImport        *self,
                                                             CulvertProfileStore     *store,
                                                             CulvertSshImportReport **report,
                                                             GError                 **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CulvertSshImport, culvert_ssh_import_free)

/* ~/.ssh/config */
char                   *culvert_ssh_config_dup_default_path (void);

G_END_DECLS

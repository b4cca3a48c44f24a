/* .nspawn settings files (systemd.nspawn(5)) parsed into struct nspawn_opts,
 * found where systemd-nspawn looks, and merged under the command line. */
#ifndef MACHBOX_NSPAWN_SETTINGS_H
#define MACHBOX_NSPAWN_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "nspawn/nspawn.h"

#include "ini.h"

/* One logical line, continuations included; longer is an error naming the
 * line.  A whole file is read into memory, hence its cap. */
#define SETTINGS_LINE_MAX INI_LINE_MAX
#define SETTINGS_FILE_MAX INI_FILE_MAX

/* Called once per ignored thing: unknown section, unknown key, assignment
 * outside a section, a privileged key in an untrusted file, a key this
 * build does not support yet.  MSG is a full sentence without FILE:LINE. */
typedef ini_warn_fn settings_warn_fn;

/* Parse PATH into OUT (initialised by the caller with nspawn_opts_init()).
 * Sets OUT->set_mask bits (SET_*) for every group a key applied to.
 * Returns 0; -errno when the file cannot be read (-EFBIG over
 * SETTINGS_FILE_MAX, -EINVAL not a regular file); -EINVAL for a syntax
 * error or a bad value.  On failure ERRBUF holds one line
 * "FILE:LINE: KEY=: reason" (or "FILE: reason"); OUT may hold part of the
 * file and must still be freed with nspawn_opts_free().  Untrusted files
 * skip privileged keys (Bind=, BindReadOnly=, TemporaryFileSystem=,
 * BindUser=, PrivateUsers=, PrivateUsersOwnership=, every [Network] key, and [Machbox]'s
 * MemoryMax=, TasksMax=, CPUWeight=, StopTimeoutSec=, Restart=) with one
 * warning per occurrence.  WARN may be NULL. */
int settings_load_file(const char *path, bool trusted, struct nspawn_opts *out,
		       settings_warn_fn warn, void *ud, char *errbuf, size_t errlen);

/* The same on LEN bytes in memory; NAME stands for the file in messages. */
int settings_load_buffer(const char *name, const char *buf, size_t len,
			 bool trusted, struct nspawn_opts *out,
			 settings_warn_fn warn, void *ud, char *errbuf, size_t errlen);

/* The settings file of machine NAME whose image is IMAGE_DIR (a directory
 * or raw image; NULL: none): $MACHBOX_ROOT/etc/systemd/nspawn/NAME.nspawn,
 * then $MACHBOX_ROOT/run/systemd/nspawn/NAME.nspawn (trusted), then
 * dirname(IMAGE_DIR)/NAME.nspawn (trusted only with SETTINGS_TRUSTED).
 * The first that exists wins.  SETTINGS_NO finds nothing.  Returns 1 with
 * PATH and *TRUSTED filled in, 0 when there is none, -errno (-EINVAL for a
 * bad machine name, -ENAMETOOLONG when PATH is too small). */
int settings_find(const char *name, const char *image_dir, enum settings_mode mode,
		  char *path, size_t pathlen, bool *trusted);

/* Apply FILE's settings to CMDLINE group by group (SET_*): a group the
 * command line set stays, unless MODE is SETTINGS_OVERRIDE; SETTINGS_NO
 * applies nothing.  Strings, lists and mounts move from FILE to CMDLINE
 * (what they replace is freed); FILE is left for nspawn_opts_free().
 * CMDLINE->set_mask keeps meaning "given on the command line". */
void settings_merge(struct nspawn_opts *cmdline, struct nspawn_opts *file,
		    enum settings_mode mode);

#endif

/* The extractor's work inside its sandbox (extract.c makes the sandbox). */
#ifndef MACHBOX_UNPACK_H
#define MACHBOX_UNPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "archive/decoder.h"
#include "archive/extract.h"

/* Reads the tarball from in_fd into the current root ("/", a chroot),
 * then unwraps a single top-level directory.  A compressed one is
 * decompressed by a process of its own (decoder.c), which takes in_fd
 * over: it is closed here then.  0 or -errno with err set.  In a user
 * namespace (lim->userns_base) device nodes cannot be made: they are
 * left out and counted in *skipped. */
int unpack_tar(int in_fd, const struct extract_limits *lim, uint64_t *skipped,
	       char *err, size_t errlen);

/* unwrap.c: a root that is no OS tree and holds only a directory that
 * is one gets that directory's contents, as systemd-importd does */
int unwrap_single_dir(char *err, size_t errlen);

/* extract.c: every fd from 3 up closed but the n in keep (sorted) */
void close_all_but(int *keep, size_t n);

/* nofollow.c: writes through symlinks refused with openat2(2).
 * nofollow_available(): the kernel has it.  nofollow_check(): 0, or
 * -ELOOP when a parent of PATH is a symlink (any other -errno: a failed
 * check); for a directory entry (is_dir), a symlink at PATH itself is
 * removed.  PATH is relative to the cwd, the root. */
bool nofollow_available(void);
int nofollow_check(const char *path, bool is_dir);

#endif

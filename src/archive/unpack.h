/* The extractor's work inside its sandbox (extract.c makes the sandbox). */
#ifndef MACHBOX_UNPACK_H
#define MACHBOX_UNPACK_H

#include <stddef.h>

#include "archive/extract.h"

/* Reads the tarball from in_fd into the current root ("/", a chroot),
 * then unwraps a single top-level directory.  0 or -errno with err set. */
int unpack_tar(int in_fd, const struct extract_limits *lim, char *err, size_t errlen);

/* unwrap.c: a root that is no OS tree and holds only a directory that
 * is one gets that directory's contents, as systemd-importd does */
int unwrap_single_dir(char *err, size_t errlen);

#endif

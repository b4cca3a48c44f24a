/* Paths inside a container image, resolved as the container would see
 * them: symlinks and ".." never leave the root (openat2 RESOLVE_IN_ROOT,
 * or a component walk where the kernel lacks it). */
#ifndef MACHBOX_INROOT_H
#define MACHBOX_INROOT_H

#include <sys/types.h>

/* open(2) of PATH below ROOTFD; returns an fd or -errno */
int open_in_root(int rootfd, const char *path, int flags, mode_t mode);
/* Makes sure PATH exists below ROOTFD as a directory (dir != 0) or an
 * empty regular file, creating missing parents as directories; returns an
 * O_PATH fd of it or -errno. */
int make_in_root(int rootfd, const char *path, int dir, mode_t mode);
/* "/proc/self/fd/N" for mount(2) and friends */
const char *fd_path(int fd, char buf[static 32]);

#endif

/* No write through a symlink, one openat2(2) an entry: the entry's
 * parent directory is opened with RESOLVE_NO_SYMLINKS, so the kernel
 * refuses a symlink anywhere on the way.  libarchive's SECURE_SYMLINKS
 * does the same with an lstat, open and close of every component from
 * the root, for every entry (15 syscalls an entry on a Debian tree); it
 * stays the fallback where openat2 is missing (Linux < 5.6, or a
 * seccomp filter of an old runtime).
 *
 * The last component needs a look only for a directory entry: libarchive
 * finds an existing directory with stat(2), which follows a symlink, and
 * would then set the modes and times of its target; so a symlink there is
 * removed first, as SECURE_SYMLINKS does.  Every other type is created
 * with O_EXCL, link(2), mknod(2) or symlink(2), which never follow, and on
 * EEXIST what is in the way is lstat(2)ed and unlinked. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compat.h"
#include "archive/unpack.h"

struct how {
	uint64_t flags, mode, resolve;
};

static int open_dir(const char *dir)
{
	struct how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH,
	};
	long r;

	do
		r = syscall(SYS_openat2, AT_FDCWD, dir, &how, sizeof(how));
	while (r < 0 && errno == EAGAIN);
	return r < 0 ? -errno : (int)r;
}

bool nofollow_available(void)
{
	int fd = open_dir(".");

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

int nofollow_check(const char *path, bool is_dir)
{
	char dir[4096];
	const char *leaf;
	size_t len = strlen(path);
	struct stat st;
	int fd;

	while (len > 1 && path[len - 1] == '/')
		len--;
	if (len >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, len);
	dir[len] = 0;
	leaf = strrchr(dir, '/');
	if (leaf) {
		dir[leaf - dir] = 0;
		leaf++;
	} else {
		leaf = dir;
	}
	fd = open_dir(leaf == dir ? "." : dir);
	if (fd == -ELOOP)
		return -ELOOP;
	/* a missing parent is made by libarchive below a checked one; a
	 * file as parent makes it fail by itself */
	if (fd == -ENOENT || fd == -ENOTDIR)
		return 0;
	if (fd < 0)
		return fd;
	if (is_dir && fstatat(fd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode) && unlinkat(fd, leaf, 0) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	close(fd);
	return 0;
}

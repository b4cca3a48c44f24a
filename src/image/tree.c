/* Walking image trees: removal and usage.  Directory fds and *at() calls
 * only, symlinks never followed, other file systems never entered. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fs.h>

#include "machbox.h"
#include "image/fsops.h"

/* Deeper trees are refused rather than walked with one fd per level; the
 * extractor refuses entries this deep, so every image we made is
 * removable. */
#define TREE_MAX_DEPTH 256
/* usage gives up (unknown) beyond this many entries */
#define USAGE_MAX_ENTRIES (4U << 20)

int fs_set_immutable(int fd, bool on)
{
	int flags;

	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
		return errno == ENOTTY || errno == EINVAL ? -EOPNOTSUPP : -errno;
	if (!!(flags & FS_IMMUTABLE_FL) == on)
		return 0;
	flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
	if (ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0)
		return errno == ENOTTY || errno == EINVAL ? -EOPNOTSUPP : -errno;
	return 0;
}

bool fs_is_immutable(int fd)
{
	int flags;

	return ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags & FS_IMMUTABLE_FL);
}

bool is_mount_boundary(int fd, const struct stat *parent, const struct stat *st)
{
	return st->st_dev != parent->st_dev && !btrfs_is_subvol(fd);
}

static int rm_dir_at(int dirfd, const char *name, const struct stat *parent, int depth);

/* Every entry of the directory fd (whose stat is st) */
static int rm_contents(int fd, const struct stat *st, int depth)
{
	struct dirent *de;
	DIR *d;
	int dfd = dup(fd), r = 0;

	if (dfd < 0 || !(d = fdopendir(dfd))) {
		r = -errno;
		if (dfd >= 0)
			close(dfd);
		return r;
	}
	while (r == 0 && (errno = 0, de = readdir(d))) {
		struct stat cst;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(fd, de->d_name, &cst, AT_SYMLINK_NOFOLLOW) < 0)
			r = errno == ENOENT ? 0 : -errno;
		else if (S_ISDIR(cst.st_mode))
			r = rm_dir_at(fd, de->d_name, st, depth + 1);
		else if (unlinkat(fd, de->d_name, 0) < 0 && errno != ENOENT)
			r = -errno;
	}
	if (r == 0 && errno)
		r = -errno;
	closedir(d);
	return r;
}

static int rm_dir_at(int dirfd, const char *name, const struct stat *parent, int depth)
{
	struct stat st;
	bool subvol;
	int fd, r;

	if (depth > TREE_MAX_DEPTH)
		return -ENAMETOOLONG;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	subvol = btrfs_is_subvol(fd);
	if (fstat(fd, &st) < 0 || (parent && st.st_dev != parent->st_dev && !subvol)) {
		close(fd);
		return -EBUSY;	/* a mount point: never remove what it shows */
	}
	/* a subvolume goes in one call unless it holds other subvolumes */
	if (subvol && btrfs_subvol_destroy(dirfd, name) == 0) {
		close(fd);
		return 0;
	}
	if (subvol)
		(void)btrfs_subvol_set_ro(fd, false);
	if (fs_is_immutable(fd))
		(void)fs_set_immutable(fd, false);
	r = rm_contents(fd, &st, depth);
	close(fd);
	if (r < 0)
		return r;
	if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0)
		return 0;
	r = -errno;
	/* kernels before 4.18 do not rmdir an empty subvolume */
	return subvol && btrfs_subvol_destroy(dirfd, name) == 0 ? 0 : r;
}

int rm_tree_at(int dirfd, const char *name)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dirfd, name, 0) == 0)
			return 0;
		/* a read-only raw image may carry the immutable flag */
		if (errno == EPERM && S_ISREG(st.st_mode)) {
			int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

			if (fd >= 0) {
				(void)fs_set_immutable(fd, false);
				close(fd);
				if (unlinkat(dirfd, name, 0) == 0)
					return 0;
			}
		}
		return -errno;
	}
	return rm_dir_at(dirfd, name, NULL, 0);
}

struct usage_walk {
	uint64_t bytes;
	unsigned entries;
	bool truncated;
};

static void usage_dir(struct usage_walk *w, int fd, const struct stat *dst, int depth)
{
	struct dirent *de;
	DIR *d;
	int dfd = dup(fd);

	if (dfd < 0 || !(d = fdopendir(dfd))) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	while (!w->truncated && (de = readdir(d))) {
		struct stat st;
		int cfd;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (++w->entries > USAGE_MAX_ENTRIES || depth > TREE_MAX_DEPTH) {
			w->truncated = true;
			break;
		}
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (!S_ISDIR(st.st_mode)) {
			/* a hard link's blocks shared among its names: each
			 * inode counted once when all its names are inside */
			w->bytes += (uint64_t)st.st_blocks * 512 / (st.st_nlink ? st.st_nlink : 1);
			continue;
		}
		cfd = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0)
			continue;
		if (!is_mount_boundary(cfd, dst, &st)) {
			w->bytes += (uint64_t)st.st_blocks * 512;
			usage_dir(w, cfd, &st, depth + 1);
		}
		close(cfd);
	}
	closedir(d);
}

uint64_t tree_usage(int fd)
{
	struct usage_walk w = { 0 };
	struct stat st;

	if (fstat(fd, &st) < 0)
		return UINT64_MAX;
	if (!S_ISDIR(st.st_mode))
		return (uint64_t)st.st_blocks * 512;
	w.bytes = (uint64_t)st.st_blocks * 512;
	usage_dir(&w, fd, &st, 0);
	return w.truncated ? UINT64_MAX : w.bytes;
}

/* btrfs subvolumes through the ioctls: an optimisation, never required
 * (DESIGN.md §7).  With CFG_BTRFS off the calls fail with -EOPNOTSUPP
 * and the callers take the plain directory paths. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/btrfs.h>
#include <linux/magic.h>

#include "machbox.h"
#include "image/fsops.h"

/* the inode number of every subvolume's root directory */
#define BTRFS_SUBVOL_ROOT_INO 256

bool btrfs_is_fs(int fd)
{
	struct statfs sfs;

	if (!CFG_BTRFS)
		return false;
	return fstatfs(fd, &sfs) == 0 && (uint32_t)sfs.f_type == BTRFS_SUPER_MAGIC;
}

bool btrfs_is_subvol(int fd)
{
	struct stat st;

	if (!CFG_BTRFS || fstat(fd, &st) < 0)
		return false;
	return S_ISDIR(st.st_mode) && st.st_ino == BTRFS_SUBVOL_ROOT_INO && btrfs_is_fs(fd);
}

static int vol_args(struct btrfs_ioctl_vol_args *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	if (strlcpy_mb(a->name, name, sizeof(a->name)) >= sizeof(a->name))
		return -ENAMETOOLONG;
	return 0;
}

int btrfs_subvol_make(int dirfd, const char *name)
{
	struct btrfs_ioctl_vol_args a;
	int r;

	if (!CFG_BTRFS)
		return -EOPNOTSUPP;
	r = vol_args(&a, name);
	if (r < 0)
		return r;
	return ioctl(dirfd, BTRFS_IOC_SUBVOL_CREATE, &a) < 0 ? -errno : 0;
}

int btrfs_subvol_snapshot(int srcfd, int dirfd, const char *name, bool read_only)
{
	struct btrfs_ioctl_vol_args_v2 a;

	if (!CFG_BTRFS)
		return -EOPNOTSUPP;
	memset(&a, 0, sizeof(a));
	if (strlcpy_mb(a.name, name, sizeof(a.name)) >= sizeof(a.name))
		return -ENAMETOOLONG;
	a.fd = srcfd;
	a.flags = read_only ? BTRFS_SUBVOL_RDONLY : 0;
	return ioctl(dirfd, BTRFS_IOC_SNAP_CREATE_V2, &a) < 0 ? -errno : 0;
}

int btrfs_subvol_destroy(int dirfd, const char *name)
{
	struct btrfs_ioctl_vol_args a;
	int r;

	if (!CFG_BTRFS)
		return -EOPNOTSUPP;
	r = vol_args(&a, name);
	if (r < 0)
		return r;
	return ioctl(dirfd, BTRFS_IOC_SNAP_DESTROY, &a) < 0 ? -errno : 0;
}

int btrfs_subvol_get_ro(int fd, bool *ro)
{
	uint64_t flags = 0;

	if (!CFG_BTRFS)
		return -EOPNOTSUPP;
	if (ioctl(fd, BTRFS_IOC_SUBVOL_GETFLAGS, &flags) < 0)
		return -errno;
	*ro = !!(flags & BTRFS_SUBVOL_RDONLY);
	return 0;
}

int btrfs_subvol_set_ro(int fd, bool ro)
{
	uint64_t flags = 0;

	if (!CFG_BTRFS)
		return -EOPNOTSUPP;
	if (ioctl(fd, BTRFS_IOC_SUBVOL_GETFLAGS, &flags) < 0)
		return -errno;
	flags = ro ? flags | BTRFS_SUBVOL_RDONLY : flags & ~(uint64_t)BTRFS_SUBVOL_RDONLY;
	return ioctl(fd, BTRFS_IOC_SUBVOL_SETFLAGS, &flags) < 0 ? -errno : 0;
}

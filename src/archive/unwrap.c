/* Tarballs made with `tar -C /path -c rootfs` hold one directory with the
 * tree inside.  Like systemd-importd (import_mangle_os_tree), when "/" is
 * no OS tree but its only entry is a directory that is one, that
 * directory's contents move up and its mode, owner and times become the
 * root's.  Runs inside the extractor's chroot. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "machbox.h"
#include "archive/unpack.h"

static bool is_os_tree(int dirfd)
{
	struct stat st;

	return fstatat(dirfd, "etc/os-release", &st, AT_SYMLINK_NOFOLLOW) == 0 ||
	       fstatat(dirfd, "usr/lib/os-release", &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* the name of the only entry of "/", or false */
static bool only_entry(int rootfd, char *name, size_t len)
{
	struct dirent *de;
	int fd = dup(rootfd), n = 0;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n++ == 0)
			strlcpy_mb(name, de->d_name, len);
	}
	closedir(d);
	return n == 1;
}

static int move_up(int rootfd, int innerfd)
{
	struct dirent *de;
	int fd = dup(innerfd), r = 0;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		return r;
	}
	while (r == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (renameat(innerfd, de->d_name, rootfd, de->d_name) < 0)
			r = -errno;
	}
	closedir(d);
	return r;
}

int unwrap_single_dir(char *err, size_t errlen)
{
	/* should the inner tree hold this very name, a rename below fails
	 * and the import with it: an error, never a tree mixed up */
	static const char tmp[] = ".#machbox-unwrap";
	char name[256];
	struct stat st;
	int rootfd, inner = -1, r = 0;

	rootfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
	if (is_os_tree(rootfd) || !only_entry(rootfd, name, sizeof(name)) ||
	    fstatat(rootfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		goto out;
	inner = openat(rootfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (inner < 0 || !is_os_tree(inner))
		goto out;
	/* renamed first so that an entry of the same name can move up */
	if (renameat(rootfd, name, rootfd, tmp) < 0 || (r = move_up(rootfd, inner)) < 0 ||
	    unlinkat(rootfd, tmp, AT_REMOVEDIR) < 0) {
		r = r ? r : -errno;
		snprintf(err, errlen, "cannot move the tree in '%.200s' up: %s", name, strerror(-r));
		goto out;
	}
	if (fchown(rootfd, st.st_uid, st.st_gid) < 0 || fchmod(rootfd, st.st_mode & 07777) < 0 ||
	    futimens(rootfd, (struct timespec[2]){ st.st_atim, st.st_mtim }) < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot set the root's mode: %s", strerror(errno));
	}
out:
	if (inner >= 0)
		close(inner);
	close(rootfd);
	return r;
}

/* Path resolution confined to an image root. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compat.h"
#include "inroot.h"
#include "machbox.h"

struct open_how_compat {
	uint64_t flags, mode, resolve;
};

const char *fd_path(int fd, char buf[static 32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
	return buf;
}

static int openat2_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
	struct open_how_compat how = {
		.flags = (uint64_t)(unsigned)flags | O_CLOEXEC,
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long r;

	do
		r = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	while (r < 0 && errno == EAGAIN);	/* a rename raced the lookup */
	return r < 0 ? -errno : (int)r;
}

/* The fallback: one component at a time with O_NOFOLLOW; a symlink is read
 * and its target spliced in front of the rest, absolute ones restarting at
 * the root, ".." never climbing above it. */
static int walk_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
	char rest[PATH_MAX], link[PATH_MAX], name[NAME_MAX + 1];
	int cur = dup(rootfd), links = 0;
	size_t len;

	if (cur < 0)
		return -errno;
	if (strlcpy_mb(rest, path, sizeof(rest)) >= sizeof(rest))
		goto toolong;
	for (;;) {
		char *p = rest, *slash;
		int next;
		ssize_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		if (len > NAME_MAX)
			goto toolong;
		memcpy(name, p, len);
		name[len] = 0;
		memmove(rest, p + len, strlen(p + len) + 1);
		if (!strcmp(name, "."))
			continue;
		if (!strcmp(name, "..")) {
			struct stat a, b;

			if (fstat(cur, &a) == 0 && fstat(rootfd, &b) == 0 &&
			    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
				continue;	/* ".." of the root is the root */
		}
		if (!*rest) {
			/* the last component, opened as asked but not followed */
			next = openat(cur, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
			if (next >= 0 || errno != ELOOP) {
				int e = errno;

				close(cur);
				return next >= 0 ? next : -e;
			}
		} else {
			next = openat(cur, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
			if (next >= 0) {
				close(cur);
				cur = next;
				continue;
			}
			if (errno != ENOTDIR) {
				int e = errno;

				close(cur);
				return -e;
			}
		}
		n = readlinkat(cur, name, link, sizeof(link) - 1);
		if (n < 0) {
			int e = errno == EINVAL ? ENOTDIR : errno;

			close(cur);
			return -e;
		}
		link[n] = 0;
		if (++links > 40) {
			close(cur);
			return -ELOOP;
		}
		if ((size_t)n + 1 + strlen(rest) + 1 > sizeof(rest))
			goto toolong;
		memmove(rest + n + 1, rest, strlen(rest) + 1);
		memcpy(rest, link, (size_t)n);
		rest[n] = '/';
		if (link[0] == '/') {
			close(cur);
			cur = dup(rootfd);
			if (cur < 0)
				return -errno;
		}
	}
	/* the path was the root itself */
	{
		int fd = openat(cur, ".", (flags & ~(O_CREAT | O_EXCL)) | O_CLOEXEC);
		int e = errno;

		close(cur);
		return fd >= 0 ? fd : -e;
	}
toolong:
	close(cur);
	return -ENAMETOOLONG;
}

int open_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
	static int have_openat2 = -1;
	int r;

	if (have_openat2 != 0) {
		r = openat2_in_root(rootfd, path, flags, mode);
		if (r != -ENOSYS && r != -EPERM) {	/* EPERM: seccomp of an old runtime */
			have_openat2 = 1;
			return r;
		}
		have_openat2 = 0;
	}
	return walk_in_root(rootfd, path, flags, mode);
}

/* mkdir of the last component of PATH (writable copy), its parent
 * resolved inside the root; an existing entry is fine. */
static int mkdir_last(int rootfd, char *path, mode_t mode)
{
	char *base = strrchr(path, '/');
	int up, r = 0;

	*base = 0;
	up = open_in_root(rootfd, *path ? path : "/", O_PATH | O_DIRECTORY, 0);
	*base = '/';
	if (up < 0)
		return up;
	if (mkdirat(up, base + 1, mode) < 0 && errno != EEXIST)
		r = -errno;
	close(up);
	return r;
}

int make_in_root(int rootfd, const char *path, int dir, mode_t mode)
{
	char buf[PATH_MAX];
	char *p;
	int fd, r;

	fd = open_in_root(rootfd, path, O_PATH, 0);
	if (fd != -ENOENT)
		return fd;
	if (path[0] != '/' || strlcpy_mb(buf, path, sizeof(buf)) >= sizeof(buf))
		return -EINVAL;
	/* create the missing parents, each resolved inside the root */
	for (p = buf + 1; (p = strchr(p, '/')); p++) {
		*p = 0;
		r = mkdir_last(rootfd, buf, 0755);
		*p = '/';
		if (r < 0)
			return r;
	}
	if (dir) {
		r = mkdir_last(rootfd, buf, mode);
		if (r < 0)
			return r;
	} else {
		fd = open_in_root(rootfd, path, O_WRONLY | O_CREAT | O_NOCTTY, mode);
		if (fd < 0)
			return fd;
		close(fd);
	}
	return open_in_root(rootfd, path, O_PATH, 0);
}

/* Copying image trees and raw files the way `cp -a --sparse=always`
 * would, with *at() calls only: modes, owners, xattrs, times, hard links
 * inside the tree, device nodes, fifos, sockets, symlinks, holes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <linux/fs.h>

#include "machbox.h"
#include "fileio.h"
#include "image/fsops.h"

#define COPY_MAX_DEPTH 256
#define XATTR_LIST_MAX_MB (64 * 1024)

/* inodes with more than one name already copied: (dev, ino) -> the
 * path of the copy below the destination root */
struct link_entry {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct copy_ctx {
	int dst_root;
	struct link_entry *links;
	size_t n_links, cap_links;	/* cap: a power of two, open addressing */
	char rel[PATH_MAX];		/* current directory below the roots */
	size_t rel_len;
};

static size_t link_slot(const struct copy_ctx *c, dev_t dev, ino_t ino)
{
	uint64_t h = ((uint64_t)ino * 0x9e3779b97f4a7c15ULL) ^ (uint64_t)dev;

	return (size_t)(h ^ (h >> 29)) & (c->cap_links - 1);
}

static struct link_entry *link_find(struct copy_ctx *c, dev_t dev, ino_t ino)
{
	size_t i;

	if (!c->cap_links)
		return NULL;
	for (i = link_slot(c, dev, ino); c->links[i].path; i = (i + 1) & (c->cap_links - 1))
		if (c->links[i].dev == dev && c->links[i].ino == ino)
			return &c->links[i];
	return &c->links[i];	/* the free slot where it would go */
}

static int link_grow(struct copy_ctx *c)
{
	struct link_entry *old = c->links;
	size_t i, n = c->cap_links;

	c->cap_links = n ? n * 2 : 256;
	c->links = calloc(c->cap_links, sizeof(*c->links));
	if (!c->links) {
		c->links = old;
		c->cap_links = n;
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		if (old[i].path)
			*link_find(c, old[i].dev, old[i].ino) = old[i];
	free(old);
	return 0;
}

static int link_add(struct copy_ctx *c, const struct stat *st, const char *name)
{
	struct link_entry *e;
	size_t need = c->rel_len + strlen(name) + 1;

	if ((c->n_links + 1) * 2 > c->cap_links && link_grow(c) < 0)
		return -ENOMEM;
	e = link_find(c, st->st_dev, st->st_ino);
	e->path = malloc(need);
	if (!e->path)
		return -ENOMEM;
	memcpy(e->path, c->rel, c->rel_len);
	strcpy(e->path + c->rel_len, name);
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	c->n_links++;
	return 0;
}

static void links_free(struct copy_ctx *c)
{
	size_t i;

	for (i = 0; i < c->cap_links; i++)
		free(c->links[i].path);
	free(c->links);
}

/* xattrs are copied after chown, which clears security.capability */
static int copy_xattrs(int in, int out, const char *in_path, const char *out_path)
{
	char list[XATTR_LIST_MAX_MB], val[XATTR_LIST_MAX_MB];
	ssize_t n = in >= 0 ? flistxattr(in, list, sizeof(list)) : llistxattr(in_path, list, sizeof(list));
	char *k;

	if (n < 0)
		return errno == ENOTSUP || errno == ENOENT ? 0 : -errno;
	for (k = list; k < list + n; k += strlen(k) + 1) {
		ssize_t v = in >= 0 ? fgetxattr(in, k, val, sizeof(val)) : lgetxattr(in_path, k, val, sizeof(val));
		int r;

		if (v < 0)
			continue;
		r = out >= 0 ? fsetxattr(out, k, val, (size_t)v, 0) : lsetxattr(out_path, k, val, (size_t)v, 0);
		/* a namespace the destination lacks (or the kernel refuses
		 * to set, like security.selinux without SELinux) is skipped */
		if (r < 0 && errno != ENOTSUP && errno != EPERM)
			return -errno;
	}
	return 0;
}

int copy_attrs_fd(int srcfd, const struct stat *st, int dstfd)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	int r;

	if (fchown(dstfd, st->st_uid, st->st_gid) < 0)
		return -errno;
	if (fchmod(dstfd, st->st_mode & 07777) < 0)
		return -errno;
	r = copy_xattrs(srcfd, dstfd, NULL, NULL);
	if (r < 0)
		return r;
	return futimens(dstfd, ts) < 0 ? -errno : 0;
}

/* for what cannot be opened: symlinks, device nodes, fifos, sockets */
static int copy_attrs_at(int sdir, int ddir, const char *name, const struct stat *st)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	char sp[64 + NAME_MAX], dp[64 + NAME_MAX];

	if (fchownat(ddir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISLNK(st->st_mode) && fchmodat(ddir, name, st->st_mode & 07777, 0) < 0)
		return -errno;
	snprintf(sp, sizeof(sp), "/proc/self/fd/%d/%s", sdir, name);
	snprintf(dp, sizeof(dp), "/proc/self/fd/%d/%s", ddir, name);
	(void)copy_xattrs(-1, -1, sp, dp);	/* rare on these; best effort */
	return utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static int copy_range(int in, int out, off_t off, off_t end)
{
	char buf[64 * 1024];

	while (off < end) {
		size_t want = (size_t)(end - off < (off_t)sizeof(buf) ? end - off : (off_t)sizeof(buf));
		off_t o_in = off, o_out = off;
		ssize_t n = copy_file_range(in, &o_in, out, &o_out, want, 0);

		if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
			      errno == EOPNOTSUPP || errno == EBADF)) {
			n = pread(in, buf, want, off);
			if (n > 0 && pwrite(out, buf, (size_t)n, off) != n)
				return errno ? -errno : -EIO;
		}
		if (n < 0)
			return -errno;
		if (n == 0)
			break;	/* the file shrank under us */
		off += n;
	}
	return 0;
}

int copy_file_data(int in, int out)
{
	struct stat st;
	off_t data = 0, hole;
	int r;

	if (fstat(in, &st) < 0)
		return -errno;
	if (ioctl(out, FICLONE, in) == 0)
		return 0;
	while ((data = lseek(in, data, SEEK_DATA)) >= 0) {
		hole = lseek(in, data, SEEK_HOLE);
		if (hole < 0)
			return -errno;
		r = copy_range(in, out, data, hole);
		if (r < 0)
			return r;
		data = hole;
	}
	if (errno == EINVAL) {	/* no SEEK_DATA here: everything is data */
		r = copy_range(in, out, 0, st.st_size);
		if (r < 0)
			return r;
	} else if (errno != ENXIO) {
		return -errno;
	}
	return ftruncate(out, st.st_size) < 0 ? -errno : 0;
}

static bool all_zero(const char *p, size_t n)
{
	return n == 0 || (p[0] == 0 && !memcmp(p, p + 1, n - 1));
}

int copy_stream(int in, int out, bool sparse)
{
	char buf[64 * 1024];
	off_t pos = 0;
	ssize_t n;
	int r;

	while ((n = read_all(in, buf, sizeof(buf))) > 0) {
		if (sparse && all_zero(buf, (size_t)n)) {
			if (lseek(out, n, SEEK_CUR) < 0)
				return -errno;
		} else if ((r = write_all(out, buf, (size_t)n)) < 0) {
			return r;
		}
		pos += n;
	}
	if (n < 0)
		return (int)n;
	return sparse && ftruncate(out, pos) < 0 ? -errno : 0;
}

static int copy_dir(struct copy_ctx *c, int sfd, int dfd, const struct stat *dst, int depth);

static int copy_regular(struct copy_ctx *c, int sdir, int ddir, const char *name, const struct stat *st)
{
	struct link_entry *e = st->st_nlink > 1 ? link_find(c, st->st_dev, st->st_ino) : NULL;
	int in, out, r;

	if (e && e->path)
		return linkat(c->dst_root, e->path, ddir, name, 0) < 0 ? -errno : 0;
	in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		r = -errno;
		close(in);
		return r;
	}
	r = copy_file_data(in, out);
	if (r == 0)
		r = copy_attrs_fd(in, st, out);
	close(in);
	if (close(out) < 0 && r == 0)
		r = -errno;
	if (r == 0 && st->st_nlink > 1)
		r = link_add(c, st, name);
	return r;
}

static int copy_subdir(struct copy_ctx *c, int sdir, int ddir, const char *name,
		       const struct stat *st, const struct stat *parent, int depth)
{
	size_t saved = c->rel_len, len = strlen(name);
	int sfd, dfd, r;

	if (depth > COPY_MAX_DEPTH || saved + len + 2 > sizeof(c->rel))
		return -ENAMETOOLONG;
	sfd = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0)
		return -errno;
	if (mkdirat(ddir, name, 0700) < 0 ||
	    (dfd = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		r = -errno;
		close(sfd);
		return r;
	}
	memcpy(c->rel + saved, name, len);
	strcpy(c->rel + saved + len, "/");
	c->rel_len = saved + len + 1;
	/* a mount point inside the tree is copied as an empty directory */
	r = is_mount_boundary(sfd, parent, st) ? 0 : copy_dir(c, sfd, dfd, st, depth + 1);
	c->rel_len = saved;
	c->rel[saved] = 0;
	if (r == 0)
		r = copy_attrs_fd(sfd, st, dfd);
	close(sfd);
	close(dfd);
	return r;
}

static int copy_entry(struct copy_ctx *c, int sdir, int ddir, const char *name,
		      const struct stat *parent, int depth)
{
	char target[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR:
		return copy_subdir(c, sdir, ddir, name, &st, parent, depth);
	case S_IFREG:
		return copy_regular(c, sdir, ddir, name, &st);
	case S_IFLNK:
		n = readlinkat(sdir, name, target, sizeof(target) - 1);
		if (n < 0)
			return -errno;
		target[n] = 0;
		if (symlinkat(target, ddir, name) < 0)
			return -errno;
		break;
	default:	/* device nodes, fifos, sockets */
		if (mknodat(ddir, name, (st.st_mode & S_IFMT) | 0600, st.st_rdev) < 0)
			return -errno;
		break;
	}
	return copy_attrs_at(sdir, ddir, name, &st);
}

static int copy_dir(struct copy_ctx *c, int sfd, int dfd, const struct stat *dst, int depth)
{
	struct dirent *de;
	DIR *d;
	int fd = dup(sfd), r = 0;

	if (fd < 0 || !(d = fdopendir(fd))) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		return r;
	}
	while (r == 0 && (errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			r = copy_entry(c, sfd, dfd, de->d_name, dst, depth);
	}
	if (r == 0 && errno)
		r = -errno;
	closedir(d);
	return r;
}

int copy_tree(int srcfd, int dstfd)
{
	struct copy_ctx c = { .dst_root = dstfd };
	struct stat st;
	int r;

	if (fstat(srcfd, &st) < 0)
		return -errno;
	r = copy_dir(&c, srcfd, dstfd, &st, 0);
	if (r == 0)
		r = copy_attrs_fd(srcfd, &st, dstfd);
	links_free(&c);
	return r;
}

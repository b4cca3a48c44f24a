/* chown -R of an image into a user namespace's range.  Every step is an
 * *at() call on a directory fd we hold, with AT_SYMLINK_NOFOLLOW: the tree
 * is not trusted, and a symlink in it never leads the walk out. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "machbox.h"
#include "nspawn/uidshift.h"

#define MAX_DEPTH 256
#define CAP_XATTR "security.capability"
#define CAP_REV_MASK 0xFF000000u
#define CAP_REV_3 0x03000000u

struct shift {
	uint32_t from, to, range;
	dev_t dev;
};

static char failed_at[256];

const char *uid_shift_error(void)
{
	return failed_at;
}

static uint32_t shifted(const struct shift *s, uint32_t id)
{
	return id - s->from < s->range ? id - s->from + s->to : id;
}

static uint32_t le32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* A chown drops a file's capabilities; they come back as a v3 entry whose
 * root is the new range's root, the only form a user namespace honours. */
static int restore_caps(const char *path, const unsigned char *old, ssize_t n, const struct shift *s)
{
	unsigned char v3[24] = { 0 };
	uint32_t magic = le32(old), rootid = 0;

	if (n < 12)
		return 0;	/* not a capability entry: nothing the kernel would use */
	memcpy(v3, old, (size_t)(n < 20 ? n : 20));
	if ((magic & CAP_REV_MASK) == CAP_REV_3 && n >= 24)
		rootid = le32(old + 20);
	put_le32(v3, CAP_REV_3 | (magic & ~CAP_REV_MASK));
	put_le32(v3 + 20, shifted(s, rootid));
	return lsetxattr(path, CAP_XATTR, v3, sizeof(v3), 0) < 0 ? -errno : 0;
}

static int shift_inode(int dfd, const char *name, const struct stat *st, const struct shift *s)
{
	uid_t uid = shifted(s, st->st_uid);
	gid_t gid = shifted(s, st->st_gid);
	unsigned char cap[24];
	char path[64 + 256];
	ssize_t ncap = -1;

	if (uid == st->st_uid && gid == st->st_gid)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dfd, *name ? name : ".");
	/* only executables have capabilities worth keeping */
	if (S_ISREG(st->st_mode) && (st->st_mode & 0111))
		ncap = lgetxattr(path, CAP_XATTR, cap, sizeof(cap));
	if (fchownat(dfd, name, uid, gid, AT_SYMLINK_NOFOLLOW | (*name ? 0 : AT_EMPTY_PATH)) < 0)
		return -errno;
	/* chown cleared set-id bits of a regular file: put them back */
	if (S_ISREG(st->st_mode) && (st->st_mode & (S_ISUID | S_ISGID)) &&
	    fchmodat(dfd, name, st->st_mode & 07777, 0) < 0)
		return -errno;
	return ncap > 0 ? restore_caps(path, cap, ncap, s) : 0;
}

static int shift_dir(int fd, const struct shift *s, unsigned depth);

static int shift_entry(int dfd, const char *name, const struct shift *s, unsigned depth)
{
	struct stat st;
	int fd, r;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (st.st_dev != s->dev)
		return 0;	/* a mount point: another file system, not ours */
	if (S_ISDIR(st.st_mode)) {
		if (depth >= MAX_DEPTH)
			return -ELOOP;
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		r = shift_dir(fd, s, depth + 1);
		if (r < 0)
			return r;
	}
	r = shift_inode(dfd, name, &st, s);
	if (r < 0 && !failed_at[0])
		strlcpy_mb(failed_at, name, sizeof(failed_at));
	return r;
}

/* consumes fd */
static int shift_dir(int fd, const struct shift *s, unsigned depth)
{
	struct dirent *de;
	DIR *d = fdopendir(fd);
	int r = 0;

	if (!d) {
		close(fd);
		return -errno;
	}
	while (r == 0 && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			r = shift_entry(dirfd(d), de->d_name, s, depth);
	closedir(d);
	return r;
}

int uid_shift_tree(int rootfd, uint32_t from, uint32_t to, uint32_t range)
{
	struct shift s = { .from = from, .to = to, .range = range };
	struct stat st;
	int fd, r;

	failed_at[0] = 0;
	if (fstat(rootfd, &st) < 0)
		return -errno;
	s.dev = st.st_dev;
	fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = shift_dir(fd, &s, 0);
	if (r == 0)
		r = shift_inode(rootfd, "", &st, &s);
	if (r < 0 && !failed_at[0])
		strlcpy_mb(failed_at, "/", sizeof(failed_at));
	return r;
}

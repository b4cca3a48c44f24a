/* copy-to, copy-from and bind: files between the host and a running
 * machine.  The guest side is always resolved inside the guest, from the
 * leader's root (/proc/PID/root, which shows its mount namespace) with
 * RESOLVE_IN_ROOT; below that every step is an *at() call with O_NOFOLLOW
 * on fds we hold, so a guest that swaps a directory for a symlink to a
 * host path mid-copy only redirects us inside itself.  New entries are
 * written under a temporary name and renamed into place: a symlink the
 * guest planted at the destination is replaced, never followed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <stdio.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "compat.h"
#include "fileio.h"
#include "inroot.h"
#include "machbox.h"
#include "machine.h"
#include "machinectl/enter.h"
#include "machinectl/machinectl.h"

struct mb_mount_attr {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};

#define MAX_LINKS 64

struct copy {
	bool force;
	unsigned tmp_seq;
	struct {
		dev_t dev;
		ino_t ino;
		int fd;		/* the first copy, for linkat */
	} links[MAX_LINKS];
	unsigned n_links;
	char rel[PATH_MAX];	/* the source entry being copied */
	char failed[PATH_MAX];	/* the entry an error is about */
	uint32_t shift, range;	/* the machine's user namespace, range 0: none */
	bool to_guest;
};

/* --- user namespaces: owners as the guest means them --- */

/* "0 SHIFT RANGE" of the leader's uid_map; range 0 when it maps all */
static void userns_of(pid_t leader, struct copy *c)
{
	char path[64], buf[128], *p = buf, *end;
	unsigned long v[3];
	int i;

	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)leader);
	if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) < 0)
		return;
	for (i = 0; i < 3; i++, p = end) {
		v[i] = strtoul(p, &end, 10);
		if (end == p)
			return;
	}
	if (v[0] == 0 && v[2] < UINT32_MAX) {
		c->shift = (uint32_t)v[1];
		c->range = (uint32_t)v[2];
	}
}

/* host owner u is the guest's u on the way in, and back on the way out;
 * what the range cannot hold is nobody */
static uint32_t shift_id(const struct copy *c, uint32_t id)
{
	if (c->to_guest)
		return c->shift + (id < c->range ? id : 65534);
	return id - c->shift < c->range ? id - c->shift : 65534;
}

static void shift_owner(const struct copy *c, struct stat *st)
{
	if (c->range) {
		st->st_uid = shift_id(c, st->st_uid);
		st->st_gid = shift_id(c, st->st_gid);
	}
}

/* Entries are made in the guest as its root: through an idmapped root an
 * owner outside the mapping cannot be written.  setfsuid() dropped the
 * file capabilities; they come back from the permitted set. */
static int act_as_guest_root(const struct copy *c)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (!c->range || !c->to_guest)
		return 0;
	setfsgid(c->shift);
	setfsuid(c->shift);
	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	d[0].effective = d[0].permitted;
	d[1].effective = d[1].permitted;
	return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

static int copy_fd(struct copy *c, int sfd, const struct stat *st, int ddir, const char *dname);

static int note(struct copy *c, const char *name, int err)
{
	if (err < 0 && !c->failed[0])
		strlcpy_mb(c->failed, name, sizeof(c->failed));
	return err;
}

static void tmp_name(struct copy *c, char buf[64])
{
	snprintf(buf, 64, ".#machbox-%d-%u", (int)getpid(), c->tmp_seq++);
}

/* renames the finished TMP over NAME: with --force replacing a file or
 * a symlink there (never following it), else only where nothing is */
static int place(struct copy *c, int ddir, const char *tmp, const char *name)
{
	int r = 0;

	if (c->force)
		r = renameat(ddir, tmp, ddir, name);
	else if (syscall(SYS_renameat2, ddir, tmp, ddir, name, RENAME_NOREPLACE) < 0) {
		r = -1;
		if (errno == EINVAL || errno == ENOSYS) {
			/* a filesystem without RENAME_NOREPLACE: link never replaces */
			r = linkat(ddir, tmp, ddir, name, 0);
		}
	}
	if (r < 0) {
		r = -errno;
		unlinkat(ddir, tmp, 0);
		return r;
	}
	if (!c->force)
		unlinkat(ddir, tmp, 0);	/* the link() way left it; else ENOENT */
	return 0;
}

static void copy_xattrs(int sfd, int dfd)
{
	char names[4096], val[4096];
	ssize_t n = flistxattr(sfd, names, sizeof(names)), v;
	char *p;

	/* best effort: many filesystems have none or refuse some */
	for (p = names; n > 0 && p < names + n; p += strlen(p) + 1) {
		v = fgetxattr(sfd, p, val, sizeof(val));
		if (v >= 0)
			fsetxattr(dfd, p, val, (size_t)v, 0);
	}
}

/* owner first: chown clears the set-id bits chmod then sets */
static int copy_meta(int sfd, int dfd, const struct stat *st)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };

	if (sfd >= 0)
		copy_xattrs(sfd, dfd);
	if (fchown(dfd, st->st_uid, st->st_gid) < 0 || fchmod(dfd, st->st_mode & 07777) < 0)
		return -errno;
	return futimens(dfd, ts) < 0 ? -errno : 0;
}

static int copy_data(int sfd, int dfd)
{
	char buf[65536];
	ssize_t n;
	int r;

	for (;;) {
		n = copy_file_range(sfd, NULL, dfd, NULL, 1 << 30, 0);
		if (n > 0)
			continue;
		if (n == 0)
			return 0;
		if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
			return -errno;
		break;	/* across filesystems on old kernels: by hand */
	}
	while ((n = read(sfd, buf, sizeof(buf))) > 0) {
		r = write_all(dfd, buf, (size_t)n);
		if (r < 0)
			return r;
	}
	return n < 0 ? -errno : 0;
}

static int find_link(struct copy *c, const struct stat *st)
{
	unsigned i;

	for (i = 0; st->st_nlink > 1 && i < c->n_links; i++)
		if (c->links[i].dev == st->st_dev && c->links[i].ino == st->st_ino)
			return c->links[i].fd;
	return -1;
}

static void remember_link(struct copy *c, const struct stat *st, int dfd)
{
	if (st->st_nlink < 2 || c->n_links >= MAX_LINKS)
		return;	/* past the table, a hard link becomes a copy */
	c->links[c->n_links].dev = st->st_dev;
	c->links[c->n_links].ino = st->st_ino;
	c->links[c->n_links++].fd = dup(dfd);
}

static int copy_reg(struct copy *c, int sfd, const struct stat *st, int ddir, const char *dname)
{
	int first = find_link(c, st), dfd, r;
	char tmp[64];

	tmp_name(c, tmp);
	if (first >= 0) {
		if (linkat(first, "", ddir, tmp, AT_EMPTY_PATH) == 0)
			return place(c, ddir, tmp, dname);
	}
	dfd = openat(ddir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (dfd < 0)
		return -errno;
	r = copy_data(sfd, dfd);
	if (r == 0)
		r = copy_meta(sfd, dfd, st);
	if (r == 0)
		r = place(c, ddir, tmp, dname);
	else
		unlinkat(ddir, tmp, 0);
	if (r == 0)
		remember_link(c, st, dfd);
	close(dfd);
	return r;
}

static int copy_symlink(struct copy *c, int sdir, const char *sname, const struct stat *st,
			int ddir, const char *dname)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	char target[PATH_MAX], tmp[64];
	ssize_t n = readlinkat(sdir, sname, target, sizeof(target) - 1);

	if (n < 0)
		return -errno;
	target[n] = 0;
	tmp_name(c, tmp);
	if (symlinkat(target, ddir, tmp) < 0)
		return -errno;
	if (fchownat(ddir, tmp, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    utimensat(ddir, tmp, ts, AT_SYMLINK_NOFOLLOW) < 0) {
		n = -errno;
		unlinkat(ddir, tmp, 0);
		return (int)n;
	}
	return place(c, ddir, tmp, dname);
}

static int copy_special(struct copy *c, const struct stat *st, int ddir, const char *dname)
{
	char tmp[64];

	if (S_ISSOCK(st->st_mode))
		return 0;	/* a socket is an endpoint of a process, not data */
	if (!S_ISFIFO(st->st_mode))
		return -EPERM;	/* device nodes never cross */
	tmp_name(c, tmp);
	if (mkfifoat(ddir, tmp, 0600) < 0)
		return -errno;
	if (fchownat(ddir, tmp, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    fchmodat(ddir, tmp, st->st_mode & 07777, 0) < 0) {
		unlinkat(ddir, tmp, 0);
		return -errno;
	}
	return place(c, ddir, tmp, dname);
}

/* one entry of a directory being copied, never following it */
static int copy_one(struct copy *c, int sdir, const char *name, int ddir)
{
	struct stat st, st2;
	int fd, r;

	if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	shift_owner(c, &st);
	if (S_ISLNK(st.st_mode))
		return copy_symlink(c, sdir, name, &st, ddir, name);
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return copy_special(c, &st, ddir, name);
	/* O_NONBLOCK: swapped for a FIFO meanwhile, it must not hang us */
	fd = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st2) < 0 || st2.st_ino != st.st_ino || st2.st_dev != st.st_dev)
		r = -EAGAIN;	/* changed under us */
	else
		r = copy_fd(c, fd, &st2, ddir, name);
	close(fd);
	return r;
}

static int copy_entry(struct copy *c, int sdir, const char *name, int ddir)
{
	size_t len = strlen(c->rel);
	int r;

	snprintf(c->rel + len, sizeof(c->rel) - len, "/%s", name);
	r = note(c, c->rel, copy_one(c, sdir, name, ddir));
	c->rel[len] = 0;
	return r;
}

static int copy_children(struct copy *c, int sfd, int dfd)
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
	rewinddir(d);
	while (r == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		r = copy_entry(c, sfd, de->d_name, dfd);
	}
	closedir(d);
	return r;
}

static int copy_dir(struct copy *c, int sfd, const struct stat *st, int ddir, const char *dname)
{
	struct stat dst;
	int dfd, r;

	if (fstatat(ddir, dname, &dst, AT_SYMLINK_NOFOLLOW) == 0) {
		/* --force merges into a directory; anything else stays */
		if (!c->force)
			return -EEXIST;
		if (!S_ISDIR(dst.st_mode))
			return -ENOTDIR;
	} else if (mkdirat(ddir, dname, 0700) < 0) {
		return -errno;
	}
	dfd = openat(ddir, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	r = copy_children(c, sfd, dfd);
	if (r == 0)
		r = copy_meta(sfd, dfd, st);
	close(dfd);
	return r;
}

static int copy_fd(struct copy *c, int sfd, const struct stat *st, int ddir, const char *dname)
{
	if (S_ISDIR(st->st_mode))
		return copy_dir(c, sfd, st, ddir, dname);
	if (S_ISREG(st->st_mode))
		return copy_reg(c, sfd, st, ddir, dname);
	return -EPERM;
}

/* --- the two ends --- */

struct end {
	int root;		/* the guest's root, or AT_FDCWD on the host */
	const char *path;
};

static int open_src(const struct end *e)
{
	int flags = O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC, fd;

	if (e->root != AT_FDCWD)
		return open_in_root(e->root, e->path, flags, 0);
	fd = open(e->path, flags);
	return fd < 0 ? -errno : fd;
}

static int open_dir_at(const struct end *e, const char *path, bool mk)
{
	int fd, r;

	if (e->root != AT_FDCWD)
		return mk ? make_in_root(e->root, path, 1, 0755)
			  : open_in_root(e->root, path, O_PATH | O_DIRECTORY, 0);
	if (mk && (r = mkdir_p(path, 0755)) < 0 && r != -EEXIST)
		return r;
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static bool plain_name(const char *s)
{
	return *s && strcmp(s, ".") && strcmp(s, "..") && !strchr(s, '/');
}

/* The parent directory of the destination (created with --mkdir) and
 * the name in it; "DIR/" receives the source under its own name. */
static int open_dst_dir(const struct end *e, bool mk, const char *srcname, char *name, size_t len)
{
	char parent[PATH_MAX], *slash;
	size_t n = strlen(e->path);

	if (n >= sizeof(parent))
		return -ENAMETOOLONG;
	memcpy(parent, e->path, n + 1);
	if (n && parent[n - 1] == '/') {
		if (!plain_name(srcname) || strlcpy_mb(name, srcname, len) >= len)
			return -EINVAL;
		return open_dir_at(e, parent, mk);
	}
	slash = strrchr(parent, '/');
	if (!plain_name(slash ? slash + 1 : parent))
		return -EINVAL;
	if (strlcpy_mb(name, slash ? slash + 1 : parent, len) >= len)
		return -ENAMETOOLONG;
	if (!slash)
		strcpy(parent, ".");
	else if (slash == parent)
		strcpy(parent, "/");
	else
		*slash = 0;
	return open_dir_at(e, parent, mk);
}

static int do_copy(const struct end *src, const struct end *dst, const struct mctl_opts *mo,
		   struct copy *c)
{
	const char *base = strrchr(src->path, '/');
	char name[NAME_MAX + 1];
	struct stat st;
	int sfd, ddir, r;
	unsigned i;

	strlcpy_mb(c->rel, strcmp(src->path, "/") ? src->path : "", sizeof(c->rel));
	sfd = open_src(src);
	if (sfd < 0)
		return note(c, src->path, sfd);
	ddir = open_dst_dir(dst, mo->mkdir, base && base[1] ? base + 1 : src->path, name, sizeof(name));
	if (ddir < 0) {
		close(sfd);
		return note(c, dst->path, ddir);
	}
	r = fstat(sfd, &st) < 0 ? -errno : 0;
	if (r == 0) {
		shift_owner(c, &st);
		r = copy_fd(c, sfd, &st, ddir, name);
	}
	if (r == -EEXIST)
		note(c, dst->path, r);
	for (i = 0; i < c->n_links; i++)
		close(c->links[i].fd);
	close(ddir);
	close(sfd);
	return r;
}

static int copy_verb(int argc, char **argv, const struct mctl_opts *mo, bool to_guest)
{
	struct copy c = { .force = mo->force };
	struct end host = { AT_FDCWD, argv[2] }, guest = { -1, argv[2] };
	pid_t leader;
	int r;

	if (!machine_name_valid(argv[1]))
		return usage_error("bad machine name '%s'", argv[1]);
	if (argc > 3)
		*(to_guest ? &guest.path : &host.path) = argv[3];
	if (guest.path[0] != '/')
		return usage_error("the path in the machine must be absolute: '%s'", guest.path);
	leader = machine_leader(argv[1]);
	if (leader < 0) {
		msg(leader == -EBUSY ? "Failed to copy: machine '%s' is still starting" :
		    "Failed to copy: no machine '%s' is running", argv[1]);
		return EXIT_FAIL;
	}
	guest.root = machine_root_fd(leader);
	if (guest.root < 0)
		return fail_errno(guest.root, "Failed to copy: cannot open the root of '%s'", argv[1]);
	c.to_guest = to_guest;
	userns_of(leader, &c);
	r = act_as_guest_root(&c);
	if (r < 0) {
		close(guest.root);
		return fail_errno(r, "Failed to copy: cannot act as the root of '%s'", argv[1]);
	}
	r = to_guest ? do_copy(&host, &guest, mo, &c) : do_copy(&guest, &host, mo, &c);
	close(guest.root);
	if (r == -EEXIST)
		return fail_errno(r, "Failed to copy to '%s' (use --force to replace it)", c.failed);
	if (r < 0)
		return fail_errno(r, "Failed to copy '%s'", c.failed[0] ? c.failed : argv[2]);
	return 0;
}

int verb_copy_to(int argc, char **argv, void *ctx)
{
	return copy_verb(argc, argv, ctx, true);
}

int verb_copy_from(int argc, char **argv, void *ctx)
{
	return copy_verb(argc, argv, ctx, false);
}

/* --- bind --- */

/* The detached copy of HOST_PATH's mount tree, read-only if asked */
static int clone_tree(const char *path, bool ro)
{
	struct mb_mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
	int fd = (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | O_CLOEXEC | AT_RECURSIVE);

	if (fd < 0)
		return -errno;
	if (ro && syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0) {
		int e = errno;

		close(fd);
		return e == ENOSYS ? -EOPNOTSUPP : -e;
	}
	return fd;
}

/* In the child, inside the guest's mount namespace and root: the
 * target resolved there, the tree moved onto it.  #1: 0 or -errno on
 * the pipe. */
static int NORETURN bind_child(int tree, int userns, int mntns, int root, const char *path, bool mk, bool dir,
				int out)
{
	int r = 0, self, target;

	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* a machine's own user namespace first, as its root: what we make
	 * in it needs an owner its mapping knows (EINVAL: it is ours) */
	if (setns(userns, CLONE_NEWUSER) == 0) {
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			r = -errno;
	} else if (errno != EINVAL) {
		r = -errno;
	}
	if (!r && (setns(mntns, CLONE_NEWNS) < 0 || fchdir(root) < 0 || chroot(".") < 0))
		r = -errno;
	self = r ? -1 : open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (!r && self < 0)
		r = -errno;
	target = r ? r : mk ? make_in_root(self, path, dir, 0755) : open_in_root(self, path, O_PATH, 0);
	if (!r && target < 0)
		r = target;
	if (!r && syscall(SYS_move_mount, tree, "", target, "",
			  MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		r = -errno;
	write_all(out, &r, sizeof(r));
	_exit(r ? EXIT_FAIL : 0);
}

static int bind_into(pid_t leader, int tree, const char *path, bool mk, bool dir)
{
	int mntns = machine_ns_fd(leader, "mnt"), root = machine_root_fd(leader);
	int userns = machine_ns_fd(leader, "user");
	int p[2] = { -1, -1 }, r = 0, st;
	pid_t pid = -1;

	if (mntns < 0 || root < 0 || userns < 0 || pipe2(p, O_CLOEXEC) < 0)
		r = mntns < 0 ? mntns : root < 0 ? root : userns < 0 ? userns : -errno;
	if (!r && (pid = fork()) == 0)
		bind_child(tree, userns, mntns, root, path, mk, dir, p[1]);
	if (!r && pid < 0)
		r = -errno;
	close_safe(&p[1]);
	if (!r && read_all(p[0], &r, sizeof(r)) != (ssize_t)sizeof(r))
		r = -ECHILD;
	if (pid > 0)
		waitpid(pid, &st, 0);
	close_safe(&p[0]);
	close_safe(&mntns);
	close_safe(&userns);
	close_safe(&root);
	return r;
}

int verb_bind(int argc, char **argv, void *ctx)
{
	const struct mctl_opts *mo = ctx;
	const char *gpath = argc > 3 ? argv[3] : argv[2];
	struct stat st;
	pid_t leader;
	int tree, r;

	if (!machine_name_valid(argv[1]))
		return usage_error("bad machine name '%s'", argv[1]);
	if (gpath[0] != '/')
		return usage_error("the path in the machine must be absolute: '%s'", gpath);
	if (stat(argv[2], &st) < 0)
		return fail_errno(-errno, "Failed to bind '%s'", argv[2]);
	leader = machine_leader(argv[1]);
	if (leader < 0) {
		msg(leader == -EBUSY ? "Failed to bind: machine '%s' is still starting" :
		    "Failed to bind: no machine '%s' is running", argv[1]);
		return EXIT_FAIL;
	}
	tree = clone_tree(argv[2], mo->read_only);
	if (tree == -ENOSYS) {
		msg("Failed to bind: this kernel lacks open_tree(2) (Linux 5.2 or later is needed)");
		return EXIT_FAIL;
	}
	if (tree == -EOPNOTSUPP) {
		msg("Failed to bind: --read-only needs mount_setattr(2) (Linux 5.12 or later)");
		return EXIT_FAIL;
	}
	if (tree < 0)
		return fail_errno(tree, "Failed to bind '%s'", argv[2]);
	r = bind_into(leader, tree, gpath, mo->mkdir, S_ISDIR(st.st_mode));
	close(tree);
	if (r < 0)
		return fail_errno(r, "Failed to bind '%s' to '%s' in '%s'", argv[2], gpath, argv[1]);
	return 0;
}

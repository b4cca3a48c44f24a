/* User namespaces: which range, locked how, and how the image's files come
 * to belong to it (DESIGN.md §8).  The range of a chowned image is recorded
 * where systemd-nspawn records it, in the owner of the image's root
 * directory, so a tree shifted by one runs under the other. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compat.h"
#include "fileio.h"
#include "machbox.h"
#include "nspawn/binduser.h"
#include "nspawn/container.h"
#include "nspawn/uidshift.h"
#include "nspawn/userns.h"

#define UIDRANGE_DIR "/run/machbox/uidrange"
#define PICK_TRIES 100

int userns_parse(const char *s, struct userns *u)
{
	unsigned long long base, range = USERNS_RANGE;
	const char *colon;
	char num[16];
	int b = -EINVAL;

	u->shift = 0;
	u->range = USERNS_RANGE;
	/* "0" is base 0, not "no": systemd reads digits as numbers */
	if (!*s || s[strspn(s, "0123456789")])
		b = parse_bool(s);
	if (b >= 0) {
		u->mode = b ? USERNS_FROM_ROOT : USERNS_NO;
		return 0;
	}
	if (!strcmp(s, "pick") || !strcmp(s, "identity")) {
		u->mode = s[0] == 'p' ? USERNS_PICK : USERNS_FIXED;
		return 0;
	}
	colon = strchr(s, ':');
	if ((colon ? (size_t)(colon - s) : strlen(s)) >= sizeof(num))
		return -EINVAL;
	snprintf(num, sizeof(num), "%.*s", colon ? (int)(colon - s) : (int)strlen(s), s);
	if (parse_uint(num, UINT32_MAX - 1, &base) < 0)
		return -EINVAL;
	if (colon && (parse_uint(colon + 1, UINT32_MAX, &range) < 0 || range == 0))
		return -EINVAL;
	if (base + range > (unsigned long long)UINT32_MAX)
		return -EINVAL;	/* the last id is (uid_t)-1, never a user */
	u->mode = USERNS_FIXED;
	u->shift = (uint32_t)base;
	u->range = (uint32_t)range;
	return 0;
}

int userns_parse_owner(const char *s, enum userns_owner *ret)
{
	static const char *const names[] = {
		[OWN_AUTO] = "auto", [OWN_MAP] = "map", [OWN_CHOWN] = "chown", [OWN_OFF] = "off",
	};
	unsigned i;

	for (i = OWN_AUTO; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i])) {
			*ret = (enum userns_owner)i;
			return 0;
		}
	return -EINVAL;
}

uint32_t userns_candidate(const char *name, unsigned attempt)
{
	const uint32_t slots = (USERNS_PICK_MAX - USERNS_PICK_MIN) / USERNS_RANGE;
	uint64_t h = 0xcbf29ce484222325ULL ^ (attempt * 0x9e3779b97f4a7c15ULL);
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	/* FNV alone leaves the low bits weak: finish with a mix */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return USERNS_PICK_MIN + (uint32_t)(h % slots) * USERNS_RANGE;
}

void userns_map_line(const struct userns *u, char *buf, size_t len)
{
	snprintf(buf, len, "0 %u %u\n", u->shift, u->range);
}

static int map_add(char *buf, size_t len, size_t *n, uint32_t in, uint32_t out, uint32_t count)
{
	int k = snprintf(buf + *n, len - *n, "%u %u %u\n", in, out, count);

	if (k < 0 || (size_t)k >= len - *n)
		return -ENAMETOOLONG;
	*n += (size_t)k;
	return 0;
}

int userns_map_text(const struct userns *u, bool gid, char *buf, size_t len)
{
	uint32_t next = 0;
	size_t n = 0;
	unsigned i;
	int r = 0;

	buf[0] = 0;
	for (i = 0; r == 0 && i < u->n_users; i++) {
		const struct bound_user *b = &u->users[i];

		if (b->uid > next)
			r = map_add(buf, len, &n, next, u->shift + next, b->uid - next);
		if (r == 0)
			r = map_add(buf, len, &n, b->uid, gid ? b->host_gid : b->host_uid, 1);
		next = b->uid + 1;
	}
	if (r == 0 && next < u->range)
		r = map_add(buf, len, &n, next, u->shift + next, u->range - next);
	return r;
}

/* --- the range: locked for the monitor's life (the janitor inherits the
 * lock and drops it last) --- */

static int lock_range(struct userns *u, const char *machine)
{
	char path[512], name[24];
	int fd, r;

	r = root_path(path, sizeof(path), UIDRANGE_DIR);
	if (r < 0)
		return r;
	r = mkdir_p(path, 0700);
	if (r < 0)
		return r;
	snprintf(name, sizeof(name), "/%u", u->shift);
	if (strlen(path) + strlen(name) >= sizeof(path))
		return -ENAMETOOLONG;
	strcat(path, name);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		close(fd);
		return r;
	}
	/* who holds it, for people reading /run */
	if (ftruncate(fd, 0) == 0)
		dprintf(fd, "%s\n", machine);
	u->lockfd = fd;
	return 0;
}

static bool pickable(uint32_t base)
{
	return base >= USERNS_PICK_MIN && base <= USERNS_PICK_MAX - USERNS_RANGE &&
	       !(base & (USERNS_RANGE - 1));
}

/* pick: the range the image is already shifted to when it is free, else
 * candidates hashed from the machine name */
static int pick_range(struct userns *u, const char *machine, uint32_t root_base)
{
	uint32_t cand = root_base;
	unsigned i;
	int r;

	for (i = 0; i < PICK_TRIES; cand = userns_candidate(machine, i++)) {
		/* systemd looks at both ends; any host id in it is ours to avoid */
		if (!pickable(cand) || host_ids_in(cand, USERNS_RANGE))
			continue;
		u->shift = cand;
		r = lock_range(u, machine);
		if (r != -EBUSY)
			return r;
	}
	return -EBUSY;
}

/* --- idmapped root --- */

static int write_maps(pid_t pid, const char *uid_map, const char *gid_map)
{
	char path[64];
	int r;

	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	r = write_file_at(AT_FDCWD, path, uid_map, 0, 0);
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	return r < 0 ? r : write_file_at(AT_FDCWD, path, gid_map, 0, 0);
}

/* An empty user namespace with the container's map: mount_setattr() takes
 * the idmapping from it, the extractor joins it.  A child made in it
 * waits until we have its fd. */
int userns_make_fd(const struct userns *u)
{
	char path[64], map[48];
	int p[2], fd = -1, r = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = (pid_t)syscall(SYS_clone, (unsigned long)CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0) {
		char b;

		close(p[1]);
		_exit(read(p[0], &b, 1) < 0);
	}
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		return -errno;
	}
	userns_map_line(u, map, sizeof(map));
	r = write_maps(pid, map, map);
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	if (r == 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		r = -errno;
	close(p[1]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return r < 0 ? r : fd;
}

/* A detached copy of a host path's mount tree (OPEN_TREE_CLONE needs the
 * host's privileges; the child moves it into its own namespace), with
 * IDMAP_FD (>= 0) its top mount idmapped: on-disk ids 0..RANGE-1 appear
 * as SHIFT.. on the host and as themselves inside */
static int clone_tree(const char *path, bool recursive, int idmap_fd)
{
	struct mount_attr_compat a = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)idmap_fd };
	int fd = (int)syscall(SYS_open_tree, AT_FDCWD, path,
			      OPEN_TREE_CLONE | O_CLOEXEC | (recursive ? AT_RECURSIVE : 0));

	if (fd < 0)
		return -errno;
	if (idmap_fd >= 0 && syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

/* map: an idmapping the kernel and the file system accept, checked now */
static int try_map(struct container *c)
{
	struct userns *u = &c->userns;
	int fd;

	u->idmap_fd = userns_make_fd(u);
	if (u->idmap_fd < 0)
		return u->idmap_fd;
	fd = clone_tree(c->root, true, u->idmap_fd);
	if (fd < 0) {
		close_safe(&u->idmap_fd);
		return fd;
	}
	close(fd);
	return 0;
}

void userns_close_trees(struct userns *u)
{
	unsigned i;

	close_safe(&u->tree_fd);
	for (i = 0; i < u->n_binds; i++)
		if (u->bind_fd[i] >= 0)
			close(u->bind_fd[i]);
	u->n_binds = 0;
}

int userns_spawn_trees(struct container *c)
{
	struct userns *u = &c->userns;
	const struct custom_mount *m;
	unsigned i;

	userns_close_trees(u);
	if (!userns_on(u))
		return 0;
	/* the idmapping is the top mount's: the image's own file system */
	u->tree_fd = clone_tree(c->root, true, u->idmap_fd);
	if (u->tree_fd < 0)
		return u->tree_fd;
	/* a source that fails is the child's to report, with the others */
	for (i = 0; i < c->o->n_mounts; i++) {
		m = &c->o->mounts[i];
		u->bind_fd[i] = m->kind == MNT_TMPFS ? -1 : clone_tree(m->source, m->recursive, -1);
		u->n_binds = i + 1;
	}
	return 0;
}

int userns_mount_root(struct container *c)
{
	int fs, mnt, r = 0;

	/* a private tmpfs stacked on the child's cwd, the image directory
	 * (the monitor's cwd at clone time): "root" in it is a mount point
	 * the child reaches whatever the modes of the host's directories */
	fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		r = -errno;
		close(fs);
		return r;
	}
	mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
	close(fs);
	if (mnt < 0)
		return -errno;
	if (syscall(SYS_move_mount, mnt, "", AT_FDCWD, ".", MOVE_MOUNT_F_EMPTY_PATH) < 0 ||
	    fchdir(mnt) < 0 || mkdir("root", 0755) < 0 ||
	    syscall(SYS_move_mount, c->userns.tree_fd, "", AT_FDCWD, "root", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		r = -errno;
	close(mnt);
	close_safe(&c->userns.tree_fd);
	if (r == 0)
		strcpy(c->root, "root");
	return r;
}

/* --- choosing --- */

static int settle_owner(struct container *c, enum userns_owner want, uint32_t root_base)
{
	struct userns *u = &c->userns;
	const struct nspawn_opts *o = c->o;
	bool frozen = o->read_only || o->ephemeral || o->volatile_mode != VOLATILE_NO;
	int r;

	u->owner = want == OWN_OFF ? OWN_OFF : OWN_CHOWN;
	if (want == OWN_OFF || root_base == u->shift)
		return 0;	/* nothing to do, or already shifted */
	if (want != OWN_CHOWN && root_base == 0) {
		r = try_map(c);
		if (r == 0) {
			u->owner = OWN_MAP;
			return 0;
		}
		if (want == OWN_MAP)
			return fail_errno(r, "cannot idmap %s", c->root);
	} else if (want == OWN_MAP) {
		return msg("%s is chowned to %u: map needs it owned from 0 (use chown)", c->root, root_base),
			EXIT_FAIL;
	}
	if (frozen)
		return msg("%s needs a chown to %u, which --read-only, --ephemeral, --volatile= forbid",
			   c->root, u->shift), EXIT_FAIL;
	if (u->range != USERNS_RANGE || (u->shift & (USERNS_RANGE - 1)))
		return msg("chown needs a 65536 range at a multiple of 65536"), EXIT_FAIL;
	if (!o->quiet)
		msg("Shifting the ownership of %s from %u to %u.", c->root, root_base, u->shift);
	r = uid_shift_tree(c->rootfd, root_base, u->shift, USERNS_RANGE);
	if (r < 0)
		return fail_errno(r, "cannot chown %s to %u (at %s)", c->root, u->shift, uid_shift_error());
	return 0;
}

int userns_reserve(struct userns *u, const char *machine)
{
	u->lockfd = u->idmap_fd = u->tree_fd = -1;
	u->n_binds = 0;
	/* a new image has no owner yet: pick starts at the name's hash */
	return u->mode == USERNS_PICK ? pick_range(u, machine, 0) : lock_range(u, machine);
}

static int choose_range(struct container *c, uint32_t root_base)
{
	struct userns *u = &c->userns;
	int r = 0;

	if (u->mode == USERNS_FROM_ROOT)
		u->shift = root_base;
	if (u->mode == USERNS_PICK)
		r = pick_range(u, c->machine, root_base);
	else if (u->shift)
		r = lock_range(u, c->machine);
	if (r == -EBUSY)
		return msg(u->mode == USERNS_PICK ? "no free user namespace range for %s" :
			   "the uid range of %s (%u) is in use by another machine", c->machine, u->shift),
			EXIT_FAIL;
	if (r < 0)
		return fail_errno(r, "cannot lock the uid range of %s", c->machine);
	return 0;
}

int userns_prepare(struct container *c)
{
	const struct nspawn_opts *o = c->o;
	struct userns *u = &c->userns;
	enum userns_owner want = OWN_DEFAULT;
	uint32_t root_base;
	struct stat st;
	int r;

	u->lockfd = u->idmap_fd = u->tree_fd = -1;
	if (o->private_users && userns_parse(o->private_users, u) < 0)
		return msg("invalid PrivateUsers= value '%s'", o->private_users), EXIT_FAIL;
	if (o->private_users_ownership && userns_parse_owner(o->private_users_ownership, &want) < 0)
		return msg("invalid PrivateUsersOwnership= value '%s'", o->private_users_ownership), EXIT_FAIL;
	if (u->mode == USERNS_NO)
		return 0;
	if (!CFG_PRIVATE_USERS)
		return msg("user namespaces are not built into this machbox"), EXIT_FAIL;
	if (o->image)
		return msg("--private-users= needs a directory image, not %s", o->image), EXIT_FAIL;
	if (fstat(c->rootfd, &st) < 0)
		return fail_errno(errno, "cannot stat %s", c->root);
	root_base = st.st_uid & 0xFFFF0000u;
	if (root_base != (st.st_gid & 0xFFFF0000u))
		return msg("the uid and gid base of %s do not match (%u, %u)", c->root,
			   (unsigned)st.st_uid, (unsigned)st.st_gid), EXIT_FAIL;
	r = choose_range(c, root_base);
	if (r)
		return r;
	if (want == OWN_DEFAULT)
		want = u->mode == USERNS_PICK ? OWN_AUTO : OWN_OFF;
	r = settle_owner(c, want, root_base);
	if (r)
		return r;
	if (!o->quiet)
		msg("Selected user namespace base %u and range %u.", u->shift, u->range);
	return 0;
}

/* --- the running container --- */

/* systemd in the guest manages its subtree: the directory and the files
 * a delegate writes become its root's (cgroup v2 delegation) */
static int delegate_cgroup(const struct machine_cgroup *cg, uint32_t id)
{
	static const char *const files[] = { "cgroup.procs", "cgroup.subtree_control", "cgroup.threads" };
	size_t i;

	if (cg->dirfd < 0)
		return 0;
	if (fchownat(cg->dirfd, "", id, id, AT_EMPTY_PATH) < 0)
		return -errno;
	for (i = 0; i < ARRAY_SIZE(files); i++)
		if (fchownat(cg->dirfd, files[i], id, id, 0) < 0 && errno != ENOENT)
			return -errno;
	return 0;
}

int userns_attach(const struct container *c, const struct machine_cgroup *cg, pid_t pid)
{
	const struct userns *u = &c->userns;
	char uid_map[512], gid_map[512];
	int r;

	if (!userns_on(u))
		return 0;
	/* root writes the maps: no need to deny setgroups */
	r = userns_map_text(u, false, uid_map, sizeof(uid_map));
	if (r == 0)
		r = userns_map_text(u, true, gid_map, sizeof(gid_map));
	if (r == 0)
		r = write_maps(pid, uid_map, gid_map);
	if (r == 0)
		r = delegate_cgroup(cg, u->shift);
	return r;
}

int userns_become_root(void)
{
	if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return -errno;
	/* a change of credentials clears the parent-death signal */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return -errno;
	return 0;
}

void userns_release(struct userns *u)
{
	userns_close_trees(u);
	close_safe(&u->idmap_fd);
	close_safe(&u->lockfd);
}

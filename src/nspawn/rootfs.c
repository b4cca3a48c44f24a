/* The container's file system, built in the child's own mount namespace so
 * that every mount here vanishes with it: nothing to clean up on the host,
 * whatever way the container ends. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "compat.h"
#include "fileio.h"
#include "inroot.h"
#include "machbox.h"
#include "nspawn/binduser.h"
#include "nspawn/container.h"
#include "nspawn/rawimage.h"
#include "nspawn/rootfs.h"

static char errbuf[200];

const char *rootfs_error(void)
{
	return errbuf;
}

static int __attribute__((format(printf, 2, 3))) failed(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	return err < 0 ? err : -err;
}

#define MNT_RO_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* mount(2) onto PATH inside the container root, resolved there; the mount
 * point is made if missing (a directory, or a file when dir is 0). */
static int mount_in(int rootfd, const char *src, const char *path, const char *type,
		    unsigned long flags, const char *data, int dir)
{
	char fdp[32];
	int fd, r = 0;

	fd = make_in_root(rootfd, path, dir, dir ? 0755 : 0644);
	if (fd < 0)
		return failed(fd, "cannot make mount point %s", path);
	if (mount(src, fd_path(fd, fdp), type, flags, data) < 0)
		r = failed(errno, "cannot mount %s on %s", type ? type : src, path);
	close(fd);
	return r;
}

/* Changes the flags of the mount on top of PATH: an fd opened before a
 * mount was stacked there would still name the one below, so open anew. */
static int remount_top(int rootfd, const char *path, unsigned long flags)
{
	char fdp[32];
	int fd, r = 0;

	fd = open_in_root(rootfd, path, O_PATH, 0);
	if (fd < 0)
		return failed(fd, "cannot open %s", path);
	if (mount(NULL, fd_path(fd, fdp), NULL, MS_BIND | MS_REMOUNT | flags, NULL) < 0)
		r = failed(errno, "cannot remount %s", path);
	close(fd);
	return r;
}

/* A bind mount of PATH (in the root) onto itself, then remounted with the
 * given flags: the way to make one subtree read-only. */
static int remount_in(int rootfd, const char *path, unsigned long flags)
{
	char fdp[32];
	int fd, r = 0;

	fd = open_in_root(rootfd, path, O_PATH, 0);
	if (fd == -ENOENT)
		return 0;	/* nothing to protect */
	if (fd < 0)
		return failed(fd, "cannot open %s", path);
	fd_path(fd, fdp);
	if (mount(fdp, fdp, NULL, MS_BIND | MS_REC, NULL) < 0)
		r = failed(errno, "cannot bind %s", path);
	close(fd);
	return r < 0 ? r : remount_top(rootfd, path, flags);
}

/* Files of /proc that tell or change too much are covered by /dev/null
 * (or an empty read-only tmpfs for directories), as crun and nspawn do. */
static int mask_proc(int rootfd)
{
	static const char *const files[] = {
		"/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
		"/proc/timer_stats", "/proc/sched_debug",
	};
	static const char *const dirs[] = { "/proc/acpi", "/proc/scsi" };
	static const char *const ro[] = {
		"/proc/sys", "/proc/sysrq-trigger", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/asound",
	};
	char fdp[32];
	size_t i;
	int r, fd;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		fd = open_in_root(rootfd, files[i], O_PATH, 0);
		if (fd < 0)
			continue;
		r = mount("/dev/null", fd_path(fd, fdp), NULL, MS_BIND, NULL);
		close(fd);
		if (r < 0)
			return failed(errno, "cannot mask %s", files[i]);
	}
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		fd = open_in_root(rootfd, dirs[i], O_PATH | O_DIRECTORY, 0);
		if (fd < 0)
			continue;
		r = mount("tmpfs", fd_path(fd, fdp), "tmpfs", MNT_RO_FLAGS, "size=0,mode=555");
		close(fd);
		if (r < 0)
			return failed(errno, "cannot mask %s", dirs[i]);
	}
	for (i = 0; i < ARRAY_SIZE(ro); i++) {
		r = remount_in(rootfd, ro[i], MNT_RO_FLAGS);
		if (r < 0)
			return r;
	}
	return 0;
}

static int setup_proc_sys(struct container *c)
{
	int r;

	r = mount_in(c->rootfd, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 1);
	if (r < 0)
		return r;
	r = mask_proc(c->rootfd);
	if (r < 0)
		return r;
	/* a private network may be configured from inside */
	if (c->o->private_network) {
		r = remount_in(c->rootfd, "/proc/sys/net", MS_NOSUID | MS_NODEV | MS_NOEXEC);
		if (r < 0)
			return r;
	}
	/* sysfs belongs to a network namespace: a user namespace may mount
	 * only its own's, so without one it gets the host's, read-only
	 * (recursively: the host's mounts below are locked to it, and their
	 * files are not the unprivileged guest root's to write) */
	if (userns_on(&c->userns) && !c->o->private_network) {
		r = mount_in(c->rootfd, "/sys", "/sys", NULL, MS_BIND | MS_REC, NULL, 1);
		if (r == 0)
			r = remount_top(c->rootfd, "/sys", MNT_RO_FLAGS);
	} else {
		r = mount_in(c->rootfd, "sysfs", "/sys", "sysfs", MNT_RO_FLAGS, NULL, 1);
	}
	if (r < 0)
		return r;
	if (c->has_cgroup)
		return mount_in(c->rootfd, "cgroup2", "/sys/fs/cgroup", "cgroup2",
				MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 1);
	return 0;
}

static int dev_symlink(int devfd, const char *target, const char *name)
{
	if (symlinkat(target, devfd, name) < 0 && errno != EEXIST)
		return failed(errno, "cannot create /dev/%s", name);
	return 0;
}

/* Device nodes are bind mounts of the host's: that works with and without
 * a user namespace, and no node the host did not have can appear.  /dev
 * is our fresh tmpfs, so names are made right in it, no walk needed. */
static int dev_node(int devfd, const char *name)
{
	char host[32], fdp[32];
	int fd, r = 0;

	snprintf(host, sizeof(host), "/dev/%s", name);
	fd = openat(devfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return failed(errno, "cannot create /dev/%s", name);
	if (mount(host, fd_path(fd, fdp), NULL, MS_BIND, NULL) < 0)
		r = failed(errno, "cannot bind /dev/%s", name);
	close(fd);
	return r;
}

static int setup_dev_nodes(int devfd)
{
	static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
		{ "pts/ptmx", "ptmx" },
	};
	size_t i;
	int r;

	for (i = 0; i < ARRAY_SIZE(nodes); i++) {
		r = dev_node(devfd, nodes[i]);
		if (r < 0)
			return r;
	}
	for (i = 0; i < ARRAY_SIZE(links); i++) {
		r = dev_symlink(devfd, links[i][0], links[i][1]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The console: a pty of the container's own devpts instance, its slave
 * bound on /dev/console, its master handed to the monitor. */
static int setup_console(struct container *c, int *master)
{
	char slave[32];
	int fd, n, unlock = 0, r;

	fd = open_in_root(c->rootfd, "/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC, 0);
	if (fd < 0)
		return failed(fd, "cannot open the container's /dev/pts/ptmx");
	if (ioctl(fd, TIOCSPTLCK, &unlock) < 0 || ioctl(fd, TIOCGPTN, &n) < 0) {
		r = failed(errno, "cannot set up the console pty");
		close(fd);
		return r;
	}
	snprintf(slave, sizeof(slave), "/dev/pts/%d", n);
	{
		char fdp[32];
		int sfd = open_in_root(c->rootfd, slave, O_PATH, 0);

		if (sfd < 0) {
			close(fd);
			return failed(sfd, "cannot open %s", slave);
		}
		r = mount_in(c->rootfd, fd_path(sfd, fdp), "/dev/console", NULL, MS_BIND, NULL, 0);
		close(sfd);
	}
	if (r < 0) {
		close(fd);
		return r;
	}
	*master = fd;
	return 0;
}

static int setup_dev(struct container *c, int *master)
{
	int devfd, r;

	r = mount_in(c->rootfd, "tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME,
		     "mode=755,size=4m,nr_inodes=64k", 1);
	if (r < 0)
		return r;
	devfd = open_in_root(c->rootfd, "/dev", O_PATH | O_DIRECTORY, 0);
	if (devfd < 0)
		return failed(devfd, "cannot open /dev");
	r = setup_dev_nodes(devfd);
	close(devfd);
	if (r < 0)
		return r;
	r = mount_in(c->rootfd, "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		     "newinstance,ptmxmode=0666,mode=620,gid=5", 1);
	if (r < 0)
		return r;
	r = mount_in(c->rootfd, "tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_STRICTATIME,
		     "mode=1777", 1);
	if (r < 0)
		return r;
	r = mount_in(c->rootfd, "mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 1);
	if (r < 0)
		return r;
	return setup_console(c, master);
}

static int setup_custom_mount(struct container *c, unsigned i)
{
	const struct custom_mount *m = &c->o->mounts[i];
	bool userns = userns_on(&c->userns);
	char sp[32], dp[32];
	struct stat st;
	int src, dst, r = 0;
	unsigned long flags;

	if (m->kind == MNT_TMPFS)
		return mount_in(c->rootfd, "tmpfs", m->dest, "tmpfs", MS_NOSUID | MS_NODEV, m->options, 1);
	/* in a user namespace, the monitor's copy of the source tree */
	src = userns ? c->userns.bind_fd[i] : open(m->source, O_PATH | O_CLOEXEC);
	if (src < 0)
		return failed(userns ? src : errno, "cannot open bind source %s", m->source);
	if (fstat(src, &st) < 0) {
		close(src);
		return failed(errno, "cannot stat %s", m->source);
	}
	dst = make_in_root(c->rootfd, m->dest, S_ISDIR(st.st_mode), S_ISDIR(st.st_mode) ? 0755 : 0644);
	if (dst < 0) {
		close(src);
		return failed(dst, "cannot make bind target %s", m->dest);
	}
	flags = MS_BIND | (m->recursive ? MS_REC : 0);
	if (userns ? syscall(SYS_move_mount, src, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0 :
		     mount(fd_path(src, sp), fd_path(dst, dp), NULL, flags, NULL) < 0)
		r = failed(errno, "cannot bind %s on %s", m->source, m->dest);
	close(src);
	close(dst);
	if (r == 0 && m->kind == MNT_BIND_RO)
		r = remount_top(c->rootfd, m->dest, MS_RDONLY | MS_NOSUID | MS_NODEV);
	return r;
}

/* /etc/resolv.conf as --resolv-conf= says; "auto" copies the host's into a
 * writable image, binds it into a read-only one, and leaves a private
 * network alone. */
static int setup_resolv(struct container *c)
{
	enum resolv_mode mode = c->o->resolv_conf;
	char text[4096];
	struct stat st;
	int etc, r;

	if (mode == RESOLV_AUTO)
		mode = c->o->private_network ? RESOLV_OFF :
		       (c->o->read_only || c->o->volatile_mode == VOLATILE_YES ||
			 c->o->volatile_mode == VOLATILE_STATE) ? RESOLV_BIND_HOST : RESOLV_COPY_HOST;
	if (mode == RESOLV_OFF)
		return 0;
	etc = open_in_root(c->rootfd, "/etc", O_PATH | O_DIRECTORY, 0);
	if (etc < 0)
		return 0;	/* no /etc: nothing to do it for */
	r = fstatat(etc, "resolv.conf", &st, AT_SYMLINK_NOFOLLOW);
	if (mode == RESOLV_DELETE) {
		r = (r == 0 && unlinkat(etc, "resolv.conf", 0) < 0) ? failed(errno, "cannot delete /etc/resolv.conf") : 0;
	} else if (mode == RESOLV_BIND_HOST) {
		close(etc);
		if (access("/etc/resolv.conf", R_OK) < 0)
			return 0;
		r = mount_in(c->rootfd, "/etc/resolv.conf", "/etc/resolv.conf", NULL, MS_BIND, NULL, 0);
		if (r == 0)
			r = remount_top(c->rootfd, "/etc/resolv.conf", MS_RDONLY | MS_NOSUID | MS_NODEV);
		return r;
	} else if (read_file_at(AT_FDCWD, "/etc/resolv.conf", text, sizeof(text)) < 0) {
		r = 0;	/* the host has none */
	} else if (r == 0 && S_ISLNK(st.st_mode) && mode == RESOLV_COPY_HOST) {
		r = 0;	/* the guest manages it (systemd-resolved): keep its link */
	} else {
		int fd;

		if (unlinkat(etc, "resolv.conf", 0) < 0 && (errno == EROFS || errno == EACCES)) {
			close(etc);
			return 0;	/* a read-only image keeps its own, as does one
					 * the root of a user namespace may not change */
		}
		strcat(text, "\n");
		fd = openat(etc, "resolv.conf", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		r = fd < 0 ? (errno == EROFS || errno == EACCES ? 0 : failed(errno, "cannot write /etc/resolv.conf")) :
			     write_all(fd, text, strlen(text));
		if (fd >= 0)
			close(fd);
	}
	close(etc);
	return r;
}

/* A stable machine-id when the image has an empty one: a file on the
 * container's /run bound over it, so the image is not changed. */
static int setup_machine_id(struct container *c)
{
	char buf[64], line[40];
	int fd, r;

	fd = open_in_root(c->rootfd, "/etc/machine-id", O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	r = (int)read(fd, buf, sizeof(buf));
	close(fd);
	if (r > 0 && buf[0] != '\n' && strncmp(buf, "uninitialized", 13))
		return 0;	/* the image has its own */
	fd = make_in_root(c->rootfd, "/run/machine-id", 0, 0444);
	if (fd < 0)
		return failed(fd, "cannot create /run/machine-id");
	close(fd);
	snprintf(line, sizeof(line), "%s\n", c->machine_id);
	fd = open_in_root(c->rootfd, "/run/machine-id", O_WRONLY | O_TRUNC | O_CLOEXEC, 0);
	if (fd < 0)
		return failed(fd, "cannot write /run/machine-id");
	r = write_all(fd, line, strlen(line));
	close(fd);
	if (r < 0)
		return failed(r, "cannot write /run/machine-id");
	fd = open_in_root(c->rootfd, "/run/machine-id", O_PATH, 0);
	if (fd < 0)
		return failed(fd, "cannot open /run/machine-id");
	r = mount_in(c->rootfd, fd_path(fd, line), "/etc/machine-id", NULL, MS_BIND, NULL, 0);
	close(fd);
	return r;
}

/* The API file systems go on directories we own: an image that ships one
 * of them as a symlink would have us mount somewhere it chose. */
static int check_api_dirs(int rootfd)
{
	static const char *const names[] = { "proc", "sys", "dev", "run" };
	struct stat st;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (fstatat(rootfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;	/* made when mounted */
		if (!S_ISDIR(st.st_mode))
			return failed(-ENOTDIR, "the image's /%s is not a directory (%s)", names[i],
				      S_ISLNK(st.st_mode) ? "a symbolic link" : "another file type");
	}
	return 0;
}

static int mkdir_at_root(const char *root, const char *name)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s", root, name);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return failed(errno, "cannot create %s", path);
	return 0;
}

/* An overlay of the image under a tmpfs: the ephemeral and volatile=overlay
 * roots.  The tmpfs is mounted on the root path itself, so no host
 * directory is needed, and it vanishes with the namespace. */
static int overlay_root(struct container *c, int lowerfd)
{
	char opts[3 * 4096 + 64], fdp[32];
	int r;

	if (mount("tmpfs", c->root, "tmpfs", MS_NOSUID, "mode=755") < 0)
		return failed(errno, "cannot mount the overlay's tmpfs");
	r = mkdir_at_root(c->root, "upper");
	if (r == 0)
		r = mkdir_at_root(c->root, "work");
	if (r < 0)
		return r;
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s/upper,workdir=%s/work",
		 fd_path(lowerfd, fdp), c->root, c->root);
	if (mount("overlay", c->root, "overlay", 0, opts) < 0)
		return failed(errno, "cannot mount the overlay root");
	return 0;
}

/* volatile=yes: a tmpfs root with the image's /usr, read-only */
static int volatile_root(struct container *c, int lowerfd)
{
	char usr[4200], src[64];
	int r;

	if (mount("tmpfs", c->root, "tmpfs", MS_NOSUID, "mode=755") < 0)
		return failed(errno, "cannot mount the volatile root");
	r = mkdir_at_root(c->root, "usr");
	if (r < 0)
		return r;
	snprintf(usr, sizeof(usr), "%s/usr", c->root);
	snprintf(src, sizeof(src), "/proc/self/fd/%d/usr", lowerfd);
	if (mount(src, usr, NULL, MS_BIND | MS_REC, NULL) < 0 ||
	    mount(NULL, usr, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
		return failed(errno, "cannot bind the image's /usr");
	return 0;
}

static int prepare_root(struct container *c)
{
	const struct nspawn_opts *o = c->o;
	bool ro = o->read_only || o->volatile_mode == VOLATILE_STATE;
	int lowerfd, r = 0;

	/* nothing we mount may reach the host */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return failed(errno, "cannot make the mount namespace a slave");
	if (c->image) {
		/* the image's file system appears in this namespace only */
		r = raw_image_mount(c->image, c->root, ro ? MS_RDONLY : 0);
		if (r < 0)
			return failed(r, "cannot mount %s (%s)", c->o->image, c->image->fstype);
	} else if (userns_on(&c->userns)) {
		/* the monitor's copy of it (idmapped or not); c->root is
		 * relative to our cwd from now on */
		r = userns_mount_root(c);
		if (r < 0)
			return failed(r, "cannot mount %s in the user namespace", c->root);
	} else if (mount(c->root, c->root, NULL, MS_BIND | MS_REC, NULL) < 0) {
		return failed(errno, "cannot bind %s", c->root);
	}
	if (ro && mount(NULL, c->root, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
		return failed(errno, "cannot make %s read-only", c->root);
	lowerfd = open(c->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (lowerfd < 0)
		return failed(errno, "cannot open %s", c->root);
	/* a directory was checked before; an image only now shows its tree */
	r = c->image ? check_api_dirs(lowerfd) : 0;
	if (r < 0) {
		close(lowerfd);
		return r;
	}
	if (o->ephemeral || o->volatile_mode == VOLATILE_OVERLAY)
		r = overlay_root(c, lowerfd);
	else if (o->volatile_mode == VOLATILE_YES)
		r = volatile_root(c, lowerfd);
	if (r == 0 && o->volatile_mode == VOLATILE_STATE)
		r = mount_in(lowerfd, "tmpfs", "/var", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755", 1);
	close(lowerfd);
	if (r < 0)
		return r;
	close_safe(&c->rootfd);
	c->rootfd = open(c->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->rootfd < 0)
		return failed(errno, "cannot open the new root");
	return 0;
}

int rootfs_setup(struct container *c, int *master)
{
	unsigned i;
	int r;

	r = c->image ? 0 : check_api_dirs(c->rootfd);
	if (r == 0)
		r = prepare_root(c);
	if (r == 0)
		r = setup_proc_sys(c);
	if (r == 0)
		r = setup_dev(c, master);
	if (r == 0)
		r = mount_in(c->rootfd, "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV | MS_STRICTATIME,
			     "mode=755,size=20%,nr_inodes=400k", 1);
	if (r == 0)
		r = mount_in(c->rootfd, "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_STRICTATIME,
			     "mode=1777,size=20%,nr_inodes=400k", 1);
	for (i = 0; r == 0 && i < c->o->n_mounts; i++)
		r = setup_custom_mount(c, i);
	if (r == 0 && CFG_PRIVATE_USERS && c->userns.n_users) {
		const char *what = "";

		r = binduser_setup(c, &what);
		if (r < 0)
			r = failed(r, "%s", what);
	}
	if (r == 0)
		r = setup_resolv(c);
	if (r == 0)
		r = setup_machine_id(c);
	return r;
}

int rootfs_enter(struct container *c)
{
	if (fchdir(c->rootfd) < 0)
		return failed(errno, "cannot enter the new root");
	if (syscall(SYS_pivot_root, ".", ".") == 0) {
		/* the old root is stacked under the new one: detach it */
		if (umount2(".", MNT_DETACH) < 0)
			return failed(errno, "cannot detach the old root");
	} else if (errno == EINVAL) {
		/* the host runs from its initramfs, which cannot be pivoted */
		if (mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0)
			return failed(errno, "cannot move into the new root");
	} else {
		return failed(errno, "pivot_root");
	}
	if (chdir("/") < 0)
		return failed(errno, "chdir /");
	close_safe(&c->rootfd);
	return 0;
}

/* nspawn: run one container and stay as its monitor (DESIGN.md §3). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "applets.h"
#include "conf.h"
#include "fileio.h"
#include "machbox.h"
#include "nspawn/binduser.h"
#include "nspawn/container.h"
#include "nspawn/monitor.h"
#include "nspawn/nspawn.h"
#include "nspawn/rawimage.h"
#include "nspawn/settings.h"
#include "machine.h"
#include "net/nat.h"

#define CONSOLE_RING_SIZE (32 * 1024)
#define CONSOLE_LOG_CAP (1024 * 1024)
#define IMAGES_DIR "/run/machbox/images"

/* The image directory: -D, else /var/lib/machines/NAME for -M, else the
 * current directory (systemd-nspawn's order). */
static int resolve_directory(struct nspawn_opts *o, char *out, size_t len)
{
	char buf[PATH_MAX];
	const char *dir = o->directory;

	if (!dir && o->machine) {
		int r = root_path(buf, sizeof(buf), "/var/lib/machines/");

		if (r < 0 || strlen(buf) + strlen(o->machine) >= sizeof(buf))
			return -ENAMETOOLONG;
		strcat(buf, o->machine);
		dir = buf;
	}
	if (!dir)
		dir = ".";
	if (!realpath(dir, out))
		return -errno;
	(void)len;
	return 0;
}

/* systemd's rule: the machine name defaults to the directory's name */
static int default_machine_name(struct container *c)
{
	const char *base = strrchr(c->root, '/');

	base = base && base[1] ? base + 1 : "root";
	if (!machine_name_valid(base))
		return -EINVAL;
	strlcpy_mb(c->machine, base, sizeof(c->machine));
	return 0;
}

static void settings_warning(void *ud, const char *file, unsigned line, const char *text)
{
	(void)ud;
	msg("%s:%u: %s", file, line, text);
}

static int load_settings(struct nspawn_opts *o, struct container *c)
{
	struct nspawn_opts file;
	char path[PATH_MAX], err[512] = "";
	bool trusted;
	int r;

	if (o->settings == SETTINGS_NO)
		return 0;
	/* an image's NAME.nspawn lies beside it, as a directory's does */
	r = settings_find(c->machine, o->image ? o->image : c->root, o->settings, path, sizeof(path), &trusted);
	if (r <= 0)
		return r < 0 ? fail_errno(r, "cannot look for settings of %s", c->machine), r : 0;
	nspawn_opts_init(&file);
	r = settings_load_file(path, trusted, &file, settings_warning, NULL, err, sizeof(err));
	if (r < 0) {
		nspawn_opts_free(&file);
		if (err[0])
			msg("%s", err);
		else
			fail_errno(r, "cannot read %s", path);
		return r;
	}
	settings_merge(o, &file, o->settings);
	nspawn_opts_free(&file);
	return 0;
}

static int load_conf(struct container *c)
{
	char err[512];
	int r = conf_load(&c->conf, settings_warning, NULL, err, sizeof(err));

	if (r < 0)
		msg("%s", err[0] ? err : strerror(-r));
	return r;
}

/* the janitor's part: the mount point, unless another monitor of the
 * same name holds it */
static void remove_image_dir(const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (machine_path(path, sizeof(path), IMAGES_DIR, name, NULL) < 0)
		return;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		rmdir(path);
	close(fd);
}

/* The janitor: a process of ours outside the container that outlives a
 * monitor killed with SIGKILL and removes what the kernel does not (the
 * cgroup).  A normal exit tells it so with one byte. */
static pid_t start_janitor(const struct container *c, const char *zone, int *fd)
{
	const char *name = c->machine;
	bool nat = c->net.routed;
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		struct machine_cgroup cg = { .dirfd = -1 };
		char byte;
		const char *mnt;

		close(p[1]);
		/* the image's loop device must not wait for us to go */
		if (c->image)
			raw_image_close(c->image);
		setsid();
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		if (read(p[0], &byte, 1) == 1)
			_exit(0);
		/* the monitor died without a word: clean up behind it */
		mnt = cgroup2_mount();
		snprintf(cg.path, sizeof(cg.path), "%s/machbox/%s", mnt ? mnt : "/nonexistent", name);
		if (mnt && access(cg.path, F_OK) == 0)
			cgroup_destroy(&cg, 10000);
		if (machine_path(cg.path, sizeof(cg.path), MACHBOX_CONSOLE_DIR, name, NULL) == 0)
			unlink(cg.path);
		if (machine_path(cg.path, sizeof(cg.path), MACHBOX_FILTER_DIR, name, NULL) == 0)
			unlink(cg.path);
		/* the veth went with the container's netns; our NAT table and
		 * an emptied zone bridge not */
		if (CFG_NAT && nat)
			nat_teardown(name);
		network_zone_gc(zone);
		/* the image's mount point: empty once the container is gone */
		if (c->image)
			remove_image_dir(name);
		_exit(0);
	}
	close(p[0]);
	*fd = p[1];
	return pid;
}

static void stop_janitor(pid_t pid, int fd)
{
	if (pid <= 0)
		return;
	if (write(fd, "x", 1) < 0)
		kill(pid, SIGKILL);
	close(fd);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static void missing_controller(const char *what, const char *controller)
{
	msg("warning: %s ignored: the %s controller is not available on this host's cgroup2 hierarchy",
	    what, controller);
}

/* Capabilities we would keep but this host's bounding set lacks (no
 * CAP_SYS_RESOURCE on some hosts): keep the intersection, say so once. */
static uint64_t usable_caps(uint64_t want, bool quiet)
{
	char buf[4096], *p;
	unsigned long long bnd;
	int cap;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return want;
	n = read_all(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return want;
	buf[n] = 0;
	p = strstr(buf, "CapBnd:");
	if (!p)
		return want;
	bnd = strtoull(p + 7, NULL, 16);
	for (cap = 0; cap < 64 && !quiet; cap++)
		if ((want & ~bnd) & (1ULL << cap))
			msg("warning: this host's capability bounding set lacks %s: the container runs without it",
			    container_cap_name(cap));
	return want & bnd;
}

/* -M NAME alone boots /var/lib/machines/NAME.raw when there is no
 * directory NAME; then -i is that path, resolved. */
static int resolve_image(struct nspawn_opts *o)
{
	char buf[PATH_MAX], real[PATH_MAX];
	struct stat st;
	int r;

	if (!o->image && !o->directory && o->machine) {
		r = root_path(buf, sizeof(buf), "/var/lib/machines/");
		if (r < 0 || strlen(buf) + strlen(o->machine) + 4 >= sizeof(buf))
			return -ENAMETOOLONG;
		strcat(buf, o->machine);
		if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
			return 0;
		strcat(buf, ".raw");
		if (access(buf, F_OK) < 0)
			return 0;
		r = replace_str(&o->image, buf);
		if (r < 0)
			return r;
	}
	if (!o->image)
		return 0;
	if (!realpath(o->image, real))
		return -errno;
	return replace_str(&o->image, real);
}

/* systemd's rule: the machine name defaults to the image's file name
 * without ".raw" */
static int image_machine_name(struct container *c, const char *image)
{
	const char *base = strrchr(image, '/');
	size_t n;

	base = base ? base + 1 : image;
	n = strlen(base);
	if (endswith(base, ".raw"))
		n -= 4;
	if (n == 0 || n >= sizeof(c->machine))
		return -EINVAL;
	memcpy(c->machine, base, n);
	c->machine[n] = 0;
	return machine_name_valid(c->machine) ? 0 : -EINVAL;
}

/* $MACHBOX_ROOT/run/machbox/images/NAME: the mount point of the image,
 * mounted on only in the container's namespace.  Its flock says a
 * monitor (or its janitor) still owns it: the same name twice must not
 * take the other's mount point away. */
static int make_image_dir(struct container *c)
{
	struct stat st;
	int r;

	r = root_path(c->root, sizeof(c->root), IMAGES_DIR);
	if (r < 0)
		return r;
	r = mkdir_p(c->root, 0700);
	if (r < 0)
		return r;
	r = machine_path(c->root, sizeof(c->root), IMAGES_DIR, c->machine, NULL);
	if (r < 0)
		return r;
	/* a leftover of a killed run is empty and ours to reuse */
	if (mkdir(c->root, 0700) < 0 && (errno != EEXIST || lstat(c->root, &st) < 0 || !S_ISDIR(st.st_mode)))
		return -errno;
	c->rootfd = open(c->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->rootfd < 0)
		return -errno;
	if (flock(c->rootfd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		close_safe(&c->rootfd);
		return r;
	}
	return 0;
}

static int image_error(const char *image, int r)
{
	switch (r) {
	case -EBUSY:
		return msg("image %s is in use by another machine", image), EXIT_FAIL;
	case -EMEDIUMTYPE:
		return msg("%s: no ext4, btrfs, squashfs or erofs file system found", image), EXIT_FAIL;
	case -EBADMSG:
		return msg("%s: damaged GPT partition table", image), EXIT_FAIL;
	case -ENXIO:
		return msg("%s: no root partition in its GPT partition table", image), EXIT_FAIL;
	}
	return fail_errno(r, "cannot attach image %s", image);
}

/* What --boot needs to know of the image before the container exists: a
 * short-lived helper mounts it in a namespace of its own (the mount dies
 * with it) and reports the init found. */
struct init_report {
	int err;	/* of the mount, or 0 */
	int init;
	char path[64];
};

static void __attribute__((noreturn)) detect_helper(const struct container *c, int fd, pid_t monitor)
{
	struct init_report rep = { 0 };
	const char *p;
	int rootfd;

	/* the mount point's lock is the monitor's, not ours to keep alive
	 * should the monitor be killed while we look; nor do we outlive it */
	close(c->rootfd);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != monitor)
		_exit(1);
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		rep.err = -errno;
	else
		rep.err = raw_image_mount(c->image, c->root, MS_NOSUID | MS_NODEV | MS_NOEXEC);
	rootfd = rep.err ? -1 : open(c->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		_exit(write_all(fd, &rep, sizeof(rep)) < 0);
	rep.init = (int)guest_init_detect(rootfd);
	p = guest_init_path(rootfd);
	if (p)
		strlcpy_mb(rep.path, p, sizeof(rep.path));
	_exit(write_all(fd, &rep, sizeof(rep)) < 0);
}

static int detect_in_image(struct container *c, struct init_report *rep)
{
	int p[2], status;
	ssize_t n;
	pid_t pid, monitor = getpid();

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0)
		detect_helper(c, p[1], monitor);
	close(p[1]);
	n = read_all(p[0], rep, sizeof(*rep));
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(*rep))
		return -EIO;
	rep->path[sizeof(rep->path) - 1] = 0;
	return rep->err < 0 ? rep->err : 0;
}

static int finish_init(struct nspawn_opts *o, struct container *c)
{
	c->sig = guest_init_signals(c->init);
	if (o->boot && !c->init_path)
		return msg("no init found in %s (/usr/lib/systemd/systemd, /lib/systemd/systemd, /sbin/init)",
			   o->image ? o->image : c->root), EXIT_FAIL;
	return 0;
}

/* the loop device the container mounts its raw image from, or 0 */
static dev_t image_loop_dev(const struct container *c)
{
	struct stat st;

	if (!c->image || c->image->loopfd < 0 || fstat(c->image->loopfd, &st) < 0)
		return 0;
	return st.st_rdev;
}

/* Before the janitor: the image, opened, locked and attached. */
static int prepare_image(struct nspawn_opts *o, struct container *c, struct raw_image *img)
{
	bool ro = o->read_only || o->ephemeral || o->volatile_mode != VOLATILE_NO;
	int r;

	r = raw_image_open(o->image, ro, img);
	if (r < 0)
		return image_error(o->image, r);
	c->image = img;
	return 0;
}

/* After the janitor (it removes the mount point should we be killed):
 * the mount point, and what --boot needs to know. */
static int finish_image(struct nspawn_opts *o, struct container *c)
{
	static struct init_report rep;
	int r;

	r = make_image_dir(c);
	if (r == -EBUSY)
		return msg("machine %s is already running (%s is in use)", c->machine, c->root), EXIT_FAIL;
	if (r < 0)
		return fail_errno(r, "cannot make the mount point of %s", o->image);
	r = detect_in_image(c, &rep);
	if (r < 0)
		return fail_errno(r, "cannot mount %s (%s)", o->image, c->image->fstype);
	c->init = (enum guest_init)rep.init;
	c->init_path = rep.path[0] ? rep.path : NULL;
	return finish_init(o, c);
}

/* the directory's own: locked, init detected on its tree */
static int prepare_dir(struct nspawn_opts *o, struct container *c)
{
	if (flock(c->rootfd, (o->ephemeral || o->read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ?
		       (msg("image %s is in use by another machine", c->root), EXIT_FAIL) :
		       fail_errno(errno, "cannot lock %s", c->root);
	c->init = guest_init_detect(c->rootfd);
	c->init_path = guest_init_path(c->rootfd);
	return finish_init(o, c);
}

static int find_root(struct nspawn_opts *o, struct container *c)
{
	int r;

	r = resolve_image(o);
	if (r < 0)
		return fail_errno(r, "cannot find the image %s", o->image ? o->image : "");
	if (o->image) {
		if (o->machine)
			strlcpy_mb(c->machine, o->machine, sizeof(c->machine));
		else if (image_machine_name(c, o->image) < 0)
			return usage_error("cannot make a machine name of '%s', use --machine=", o->image);
		return 0;
	}
	r = resolve_directory(o, c->root, sizeof(c->root));
	if (r < 0)
		return fail_errno(r, "cannot find the image directory %s", o->directory ? o->directory : "");
	c->rootfd = open(c->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->rootfd < 0)
		return fail_errno(errno, "cannot open %s", c->root);
	if (o->machine)
		strlcpy_mb(c->machine, o->machine, sizeof(c->machine));
	else if (default_machine_name(c) < 0)
		return usage_error("cannot make a machine name of '%s', use --machine=", c->root);
	return 0;
}

static int prepare(struct nspawn_opts *o, struct container *c, struct raw_image *img)
{
	int r;

	r = find_root(o, c);
	if (r)
		return r;
	if (load_settings(o, c) < 0)
		return EXIT_FAIL;
	if (load_conf(c) < 0)
		return EXIT_FAIL;
	/* after the settings: VirtualEthernet= may come from a file */
	if (o->n_ports && !o->network_veth)
		return usage_error("--port= needs --network-veth: the guest's address comes from its own link");
	/* one machine per image, except read-only sharing */
	r = o->image ? prepare_image(o, c, img) : prepare_dir(o, c);
	if (r)
		return r;
	r = userns_prepare(c);
	if (r)
		return r;
	r = binduser_prepare(c);
	if (r)
		return r;
	machine_id_from_name(c->machine, c->machine_id, c->uuid);
	if (nspawn_wants_link(o))
		o->private_network = true;	/* the link lives in its own netns */
	network_init(c, &c->net);
	c->console_pty = o->console != CONSOLE_PIPE;
	c->term = o->console == CONSOLE_PIPE ? "dumb" :
		  (isatty(STDIN_FILENO) && getenv("TERM") ? getenv("TERM") : "vt220");
	c->keep_caps = usable_caps(container_default_caps(o->private_network), o->quiet);
	if (CFG_SECCOMP)
		syscall_filter_default(&c->filter);
	for (unsigned i = 0; CFG_SECCOMP && i < o->n_syscall_filter; i++)
		syscall_filter_parse(&c->filter, o->syscall_filter[i], NULL, 0);
	return 0;
}

/* The machine's system call filter where machinectl shell finds it: a
 * session joins from outside, so it does not inherit the one of init. */
static void publish_filter(const struct container *c, bool on)
{
	char path[PATH_MAX];
	int r;

	if (!CFG_SECCOMP || machine_path(path, sizeof(path), MACHBOX_FILTER_DIR, c->machine, NULL) < 0)
		return;
	if (!on) {
		unlink(path);
		return;
	}
	r = root_path(path, sizeof(path), MACHBOX_FILTER_DIR);
	if (r == 0)
		r = mkdir_p(path, 0700);
	if (r == 0 && machine_path(path, sizeof(path), MACHBOX_FILTER_DIR, c->machine, NULL) == 0)
		r = syscall_filter_save(&c->filter, path);
	if (r < 0)
		msg("warning: shells in %s get the default system call filter: %s", c->machine, strerror(-r));
}

static int run(struct nspawn_opts *o, struct container *c, struct machine_cgroup *cg)
{
	struct console_state cs = { .log = { .fd = -1 }, .esc = { .key = c->conf.escape_key },
				    .sock = { .listen_fd = -1 } };
	int sigfd, r, code = EXIT_FAIL;
	char kn[4];

	if (ring_init(&cs.ring, CONSOLE_RING_SIZE) < 0)
		return fail_errno(ENOMEM, "console buffer");
	if (o->log_file && (r = console_log_open(&cs.log, o->log_file, CONSOLE_LOG_CAP)) < 0) {
		ring_free(&cs.ring);
		return fail_errno(r, "cannot open %s", o->log_file);
	}
	publish_filter(c, true);
	consock_init(&cs.sock);
	r = consock_open(&cs.sock, c->machine);
	if (r < 0 && !o->quiet)
		msg("warning: no console socket for %s: %s", c->machine, strerror(-r));
	sigfd = monitor_signals();
	if (sigfd < 0) {
		code = fail_errno(sigfd, "signalfd");
		goto out;
	}
	if (!o->quiet)
		fprintf(stderr, "Spawning container %s on %s.\n", c->machine, o->image ? o->image : c->root);
	if (!o->quiet && isatty(STDIN_FILENO) && o->console != CONSOLE_PIPE)
		fprintf(stderr, "Press %s three times within 1s to kill container.\n",
			escape_key_name(c->conf.escape_key, kn));
	console_state_setup(&cs, o->console);
	do {
		r = monitor_run(c, cg, &cs, sigfd, &code);
		if (r == RUN_REBOOT) {
			/* the old boot's stragglers go before the new one starts */
			if (cgroup_empty(cg, 10000) < 0)
				msg("warning: processes of the previous boot of %s are still alive", c->machine);
			if (!o->quiet)
				fprintf(stderr, "\r\nContainer %s is being rebooted.\r\n", c->machine);
		}
	} while (r == RUN_REBOOT);
	console_state_restore(&cs);
	if (r < 0)
		code = EXIT_FAIL;
	else if (!o->quiet)
		fprintf(stderr, code ? "Container %s failed with error code %d.\n" :
			"Container %s exited successfully.\n", c->machine, code);
	close(sigfd);
out:
	publish_filter(c, false);
	consock_close(&cs.sock);
	console_log_close(&cs.log);
	ring_free(&cs.ring);
	return code;
}

int nspawn_main(int argc, char **argv)
{
	struct nspawn_opts o;
	struct container c = { .rootfd = -1, .cgroup_fd = -1, .net = { .dhcp_fd = -1 },
			       .userns = { .lockfd = -1, .idmap_fd = -1, .tree_fd = -1 } };
	struct machine_cgroup cg = { .dirfd = -1 };
	struct raw_image img = { .fd = -1, .loopfd = -1 };
	int r, jfd = -1;
	pid_t janitor = 0;

	nspawn_opts_init(&o);
	r = nspawn_parse_args(&o, argc, argv);
	if (r >= 0)
		goto out;
	r = applet_check_root();
	if (r)
		goto out;
	c.o = &o;
	r = prepare(&o, &c, &img);
	if (r)
		goto out;
	janitor = start_janitor(&c, o.network_zone, &jfd);
	if (janitor < 0) {
		r = fail_errno(janitor, "fork");
		goto out;
	}
	r = c.image ? finish_image(&o, &c) : 0;
	if (r)
		goto out;
	r = cgroup_create(&cg, c.machine);
	if (r == -ENOENT) {
		if (!o.quiet)
			msg("warning: no cgroup2 hierarchy on this host: the container runs without its own cgroup");
	} else if (r == -EBUSY) {
		r = (msg("machine %s is already running (its cgroup has processes)", c.machine), EXIT_FAIL);
		goto out;
	} else if (r < 0) {
		r = fail_errno(r, "cannot create the cgroup of %s", c.machine);
		goto out;
	}
	c.has_cgroup = cg.path[0] != 0;
	c.cgroup_fd = cg.dirfd;
	if (cgroup_set_limits(&cg, o.memory_max, o.tasks_max, o.cpu_weight, missing_controller) < 0)
		msg("warning: cannot set the resource limits of %s", c.machine);
	r = cgroup_device_policy(&cg, image_loop_dev(&c));
	if (r < 0)
		msg("warning: no device policy for %s, any device node it makes opens: %s",
		    c.machine, strerror(-r));
	r = run(&o, &c, &cg);
out:
	if (c.o)
		network_teardown(&c, &c.net);
	if (cg.path[0] && cgroup_destroy(&cg, 10000) < 0)
		msg("warning: cannot remove %s", cg.path);
	stop_janitor(janitor, jfd);
	/* only while we hold its lock: it may be another monitor's */
	if (c.image && c.rootfd >= 0)
		rmdir(c.root);
	close_safe(&c.rootfd);
	userns_release(&c.userns);
	/* the loop device detaches when its last user is gone */
	raw_image_close(&img);
	nspawn_opts_free(&o);
	return r;
}

/* nspawn: run one container and stay as its monitor (DESIGN.md §3). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "applets.h"
#include "conf.h"
#include "fileio.h"
#include "machbox.h"
#include "nspawn/container.h"
#include "nspawn/monitor.h"
#include "nspawn/nspawn.h"
#include "nspawn/settings.h"
#include "machine.h"
#include "net/nat.h"

#define CONSOLE_RING_SIZE (32 * 1024)
#define CONSOLE_LOG_CAP (1024 * 1024)

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
	r = settings_find(c->machine, c->root, o->settings, path, sizeof(path), &trusted);
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

/* The janitor: a process of ours outside the container that outlives a
 * monitor killed with SIGKILL and removes what the kernel does not (the
 * cgroup).  A normal exit tells it so with one byte. */
static pid_t start_janitor(const char *name, bool nat, const char *zone, int *fd)
{
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
		/* the veth went with the container's netns; our NAT table and
		 * an emptied zone bridge not */
		if (CFG_NAT && nat)
			nat_teardown(name);
		network_zone_gc(zone);
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

static int prepare(struct nspawn_opts *o, struct container *c)
{
	int r;

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
	if (load_settings(o, c) < 0)
		return EXIT_FAIL;
	if (load_conf(c) < 0)
		return EXIT_FAIL;
	/* after the settings: VirtualEthernet= may come from a file */
	if (o->n_ports && !o->network_veth)
		return usage_error("--port= needs --network-veth: the guest's address comes from its own link");
	/* one machine per image, except read-only sharing */
	if (flock(c->rootfd, (o->ephemeral || o->read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ?
		       (msg("image %s is in use by another machine", c->root), EXIT_FAIL) :
		       fail_errno(errno, "cannot lock %s", c->root);
	machine_id_from_name(c->machine, c->machine_id, c->uuid);
	c->init = guest_init_detect(c->rootfd);
	c->sig = guest_init_signals(c->init);
	if (o->boot) {
		c->init_path = guest_init_path(c->rootfd);
		if (!c->init_path)
			return msg("no init found in %s (/usr/lib/systemd/systemd, /lib/systemd/systemd, /sbin/init)",
				   c->root), EXIT_FAIL;
	}
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

static int run(struct nspawn_opts *o, struct container *c, struct machine_cgroup *cg)
{
	struct console_state cs = { .log = { .fd = -1 }, .esc = { .key = c->conf.escape_key },
				    .sock = { .listen_fd = -1 } };
	int sigfd, r, code = EXIT_FAIL;

	if (ring_init(&cs.ring, CONSOLE_RING_SIZE) < 0)
		return fail_errno(ENOMEM, "console buffer");
	if (o->log_file && (r = console_log_open(&cs.log, o->log_file, CONSOLE_LOG_CAP)) < 0) {
		ring_free(&cs.ring);
		return fail_errno(r, "cannot open %s", o->log_file);
	}
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
		fprintf(stderr, "Spawning container %s on %s.\n", c->machine, c->root);
	if (!o->quiet && isatty(STDIN_FILENO) && o->console != CONSOLE_PIPE)
		fprintf(stderr, "Press ^%c three times within 1s to kill container.\n",
			c->conf.escape_key + '@');
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
	consock_close(&cs.sock);
	console_log_close(&cs.log);
	ring_free(&cs.ring);
	return code;
}

int nspawn_main(int argc, char **argv)
{
	struct nspawn_opts o;
	struct container c = { .rootfd = -1, .cgroup_fd = -1, .net = { .dhcp_fd = -1 } };
	struct machine_cgroup cg = { .dirfd = -1 };
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
	r = prepare(&o, &c);
	if (r)
		goto out;
	janitor = start_janitor(c.machine, c.net.routed, o.network_zone, &jfd);
	if (janitor < 0) {
		r = fail_errno(janitor, "fork");
		goto out;
	}
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
	r = run(&o, &c, &cg);
out:
	if (c.o)
		network_teardown(&c, &c.net);
	if (cg.path[0] && cgroup_destroy(&cg, 10000) < 0)
		msg("warning: cannot remove %s", cg.path);
	stop_janitor(janitor, jfd);
	close_safe(&c.rootfd);
	nspawn_opts_free(&o);
	return r;
}

/* The child side of nspawn: from clone3 to the exec of the payload.  Runs
 * as PID 1 of the new PID namespace; every error goes to the monitor as a
 * SYNC_ERROR message, never to a terminal. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

#include "compat.h"
#include "fileio.h"
#include "inroot.h"
#include "machbox.h"
#include "nspawn/container.h"
#include "nspawn/rootfs.h"

int sync_send(int fd, const struct sync_msg *m, int passfd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = (void *)m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (passfd >= 0) {
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &passfd, sizeof(int));
	}
	while (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

int sync_recv(int fd, struct sync_msg *m, int *passfd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	ssize_t n;

	if (passfd)
		*passfd = -1;
	memset(m, 0, sizeof(*m));
	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			int got;

			memcpy(&got, CMSG_DATA(cm), sizeof(int));
			if (passfd && *passfd < 0)
				*passfd = got;
			else
				close(got);
		}
	}
	m->text[sizeof(m->text) - 1] = 0;
	return (int)n;
}

/* Reports err and a message to the monitor and ends the child. */
static void __attribute__((noreturn, format(printf, 3, 4)))
child_fail(int sync, int err, const char *fmt, ...)
{
	struct sync_msg m = { .type = SYNC_ERROR, .err = err < 0 ? -err : err };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m.text, sizeof(m.text), fmt, ap);
	va_end(ap);
	sync_send(sync, &m, -1);
	_exit(EXIT_FAIL);
}

#define CAP(c) { c, #c }
static const struct {
	int cap;
	const char *name;
} kept_caps[] = {
	CAP(CAP_AUDIT_CONTROL), CAP(CAP_AUDIT_WRITE), CAP(CAP_CHOWN), CAP(CAP_DAC_OVERRIDE),
	CAP(CAP_DAC_READ_SEARCH), CAP(CAP_FOWNER), CAP(CAP_FSETID), CAP(CAP_IPC_OWNER),
	CAP(CAP_KILL), CAP(CAP_LEASE), CAP(CAP_LINUX_IMMUTABLE), CAP(CAP_MKNOD),
	CAP(CAP_NET_BIND_SERVICE), CAP(CAP_NET_BROADCAST), CAP(CAP_NET_RAW), CAP(CAP_SETFCAP),
	CAP(CAP_SETGID), CAP(CAP_SETPCAP), CAP(CAP_SETUID), CAP(CAP_SYS_ADMIN), CAP(CAP_SYS_BOOT),
	CAP(CAP_SYS_CHROOT), CAP(CAP_SYS_NICE), CAP(CAP_SYS_PTRACE), CAP(CAP_SYS_RESOURCE),
	CAP(CAP_SYS_TTY_CONFIG),
	CAP(CAP_NET_ADMIN),	/* last: only with a private network */
};
#undef CAP

uint64_t container_default_caps(bool private_network)
{
	uint64_t m = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kept_caps) - 1; i++)
		m |= 1ULL << kept_caps[i].cap;
	if (private_network)
		m |= 1ULL << CAP_NET_ADMIN;
	return m;
}

const char *container_cap_name(int cap)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kept_caps); i++)
		if (kept_caps[i].cap == cap)
			return kept_caps[i].name;
	return "?";
}

/* Bounding set first (needs CAP_SETPCAP, which we still have), then the
 * process sets: what we keep and still hold. */
static int drop_caps(uint64_t keep)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	char buf[16];
	unsigned long long last = 40;
	int cap;

	if (read_file_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", buf, sizeof(buf)) == 0)
		parse_uint(buf, 63, &last);
	for (cap = 0; cap <= (int)last; cap++)
		if (!(keep & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return -errno;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	d[0].effective = d[0].permitted = d[0].inheritable = d[0].permitted & (uint32_t)keep;
	d[1].effective = d[1].permitted = d[1].inheritable = d[1].permitted & (uint32_t)(keep >> 32);
	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;
	return 0;
}

/* Machine IDs are stable per machine name: the same name boots with the
 * same identity, as a VM with the same disk would. */
void machine_id_from_name(const char *name, char id[33], char uuid[37])
{
	uint64_t h[2] = { 0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL };
	unsigned char b[16];
	const unsigned char *p;
	int i, k;

	for (k = 0; k < 2; k++) {
		for (p = (const unsigned char *)"machbox-machine-id:"; *p; p++)
			h[k] = (h[k] ^ *p) * 0x100000001b3ULL;
		for (p = (const unsigned char *)name; *p; p++)
			h[k] = (h[k] ^ (*p + (unsigned)k)) * 0x100000001b3ULL;
		h[k] ^= h[k] >> 29;
		h[k] *= 0xbf58476d1ce4e5b9ULL;
		h[k] ^= h[k] >> 32;
	}
	for (i = 0; i < 16; i++)
		b[i] = (unsigned char)(h[i / 8] >> (8 * (i % 8)));
	b[6] = (b[6] & 0x0f) | 0x40;	/* a version 4 UUID, as systemd wants */
	b[8] = (b[8] & 0x3f) | 0x80;
	for (i = 0; i < 16; i++)
		sprintf(id + 2 * i, "%02x", b[i]);
	snprintf(uuid, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", id, id + 8, id + 12, id + 16, id + 20);
}

static void build_env(const struct container *c, const struct passwd *pw)
{
	const struct nspawn_opts *o = c->o;
	char *e;
	unsigned i;

	clearenv();
	setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
	setenv("container", "machbox", 1);
	setenv("container_uuid", c->uuid, 1);
	setenv("TERM", c->term, 1);
	setenv("HOME", pw ? pw->pw_dir : "/root", 1);
	setenv("USER", pw ? pw->pw_name : "root", 1);
	setenv("LOGNAME", pw ? pw->pw_name : "root", 1);
	if (pw && pw->pw_shell && *pw->pw_shell)
		setenv("SHELL", pw->pw_shell, 1);
	for (i = 0; i < o->n_env; i++) {
		e = o->env[i];
		putenv(e);	/* the opts outlive the exec */
	}
}

static struct passwd *become_user(int sync, const char *user)
{
	struct passwd *pw;

	if (!user)
		return NULL;
	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		unsigned long long uid;

		if (parse_uint(user, UINT32_MAX - 1, &uid) == 0)
			pw = getpwuid((uid_t)uid);
		if (!pw)
			child_fail(sync, errno ? errno : ESRCH, "user '%s' not found in the container", user);
	}
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 && setgroups(0, NULL) < 0)
		child_fail(sync, errno, "cannot set groups of '%s'", user);
	if (setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0)
		child_fail(sync, errno, "cannot change to user '%s'", user);
	return pw;
}

static void setup_stdio(int sync, const struct container *c)
{
	int fd;

	if (setsid() < 0)
		child_fail(sync, errno, "setsid");
	if (!c->console_pty)
		return;
	fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		child_fail(sync, errno, "cannot open /dev/console");
	if (ioctl(fd, TIOCSCTTY, 0) < 0)
		child_fail(sync, errno, "cannot make /dev/console the controlling terminal");
	if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		child_fail(sync, errno, "dup2");
	close(fd);
}

static void __attribute__((noreturn)) exec_payload(int sync, const struct container *c)
{
	const struct nspawn_opts *o = c->o;
	char *shell_argv[] = { "-bash", NULL };
	char **argv = o->argv;
	const char *file;
	int e;

	if (o->boot) {
		/* init gets its parameters after its own path */
		char **v = calloc((size_t)o->argc + 2, sizeof(char *));

		if (!v)
			child_fail(sync, ENOMEM, "out of memory");
		v[0] = (char *)c->init_path;
		if (o->argc)
			memcpy(v + 1, o->argv, (size_t)o->argc * sizeof(char *));
		execv(c->init_path, v);
		child_fail(sync, errno, "cannot execute %s", c->init_path);
	}
	if (!argv || !argv[0]) {
		execv("/bin/bash", shell_argv);
		shell_argv[0] = "-sh";
		execv("/bin/sh", shell_argv);
		child_fail(sync, errno, "no shell in the container (/bin/bash, /bin/sh)");
	}
	file = argv[0];
	execvp(file, argv);
	e = errno;
	child_fail(sync, e, "cannot execute %s", file);
}

/* #3: inside the new root, the last steps before the payload. */
static void __attribute__((noreturn)) child_finish(int sync, const struct container *c)
{
	const struct nspawn_opts *o = c->o;
	const char *host = o->hostname ? o->hostname : c->machine;
	struct passwd *pw;
	int r;

	if (sethostname(host, strlen(host)) < 0)
		child_fail(sync, errno, "cannot set the host name");
	setup_stdio(sync, c);
	r = drop_caps(c->keep_caps);
	if (r < 0)
		child_fail(sync, r, "cannot drop capabilities");
	/* while CAP_SYS_ADMIN is still ours: -u USER would lose it */
	r = CFG_SECCOMP ? syscall_filter_install(&c->filter) : 0;
	if (r < 0)
		child_fail(sync, r, "cannot install the system call filter");
	pw = become_user(sync, o->user);
	build_env(c, pw);
	if (o->chdir && chdir(o->chdir) < 0)
		child_fail(sync, errno, "cannot change to directory %s", o->chdir);
	else if (!o->chdir && chdir(pw ? pw->pw_dir : "/") < 0 && chdir("/") < 0)
		child_fail(sync, errno, "chdir /");
	/* no host fd crosses into the container: everything but stdio and the
	 * sync socket (closed by the exec) goes now */
	if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		int fd;

		for (fd = 3; fd < 1024; fd++)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	exec_payload(sync, c);
}

static int __attribute__((noreturn)) child_main(struct container *c, int sync)
{
	struct sync_msg m;
	sigset_t none;
	int r, master = -1;

	/* the container dies with its monitor */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* the monitor's blocked signals and ignored SIGPIPE are not the guest's */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	/* #1: wait until the monitor has put us in the machine's cgroup */
	r = sync_recv(sync, &m, NULL);
	if (r <= 0 || m.type != SYNC_GO)
		_exit(EXIT_FAIL);	/* the monitor is gone: nobody to tell */
	r = userns_on(&c->userns) ? userns_become_root() : 0;
	if (r < 0)
		child_fail(sync, r, "cannot become root of the user namespace");
	if (unshare(CLONE_NEWCGROUP) < 0)
		child_fail(sync, errno, "cannot create the cgroup namespace");
	/* #2: the file system the container will see */
	r = rootfs_setup(c, &master);
	if (r < 0)
		child_fail(sync, r, "%s", rootfs_error());
	m = (struct sync_msg){ .type = SYNC_CONSOLE };
	r = sync_send(sync, &m, master);
	if (r < 0)
		child_fail(sync, r, "cannot pass the console to the monitor");
	close_safe(&master);
	r = rootfs_enter(c);
	if (r < 0)
		child_fail(sync, r, "%s", rootfs_error());
	child_finish(sync, c);
}

struct clone_args_compat {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

static long clone3_into(uint64_t flags, int *pidfd, int cgroup_fd)
{
	struct clone_args_compat args = {
		.flags = flags | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)pidfd,
		.exit_signal = SIGCHLD,
	};

	if (cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgroup_fd;
	}
	return syscall(SYS_clone3, &args, sizeof(args));
}

pid_t container_spawn(struct container *c, int *pidfd, int *sync, bool *in_cgroup)
{
	int sp[2];
	uint64_t flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
	long pid;
	int r, cwd;

	if (c->o->private_network)
		flags |= CLONE_NEWNET;
	if (userns_on(&c->userns))
		flags |= CLONE_NEWUSER;	/* owns the others, made with it */
	r = userns_spawn_trees(c);
	if (r < 0)
		return r;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		r = -errno;
		userns_close_trees(&c->userns);
		return r;
	}
	/* a child in a user namespace starts in the image directory
	 * (userns_mount_root) */
	cwd = userns_on(&c->userns) ? open(".", O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	if (cwd >= 0 && fchdir(c->rootfd) < 0)
		close_safe(&cwd);
	*pidfd = -1;
	*in_cgroup = c->cgroup_fd >= 0;
	pid = clone3_into(flags, pidfd, c->cgroup_fd);
	if (pid < 0 && c->cgroup_fd >= 0 && errno != ENOSYS) {
		/* kernels before 5.7, or a cgroup that refuses: attach later */
		*in_cgroup = false;
		pid = clone3_into(flags, pidfd, -1);
	}
	if (pid < 0 && errno == ENOSYS) {
		*in_cgroup = false;
		/* kernels before 5.3: the classic clone, pidfd opened after */
		pid = syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, NULL);
		if (pid > 0)
			*pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	}
	if (pid == 0) {
		close(sp[0]);
		child_main(c, sp[1]);
	}
	r = pid < 0 ? -errno : 0;
	if (cwd >= 0 && fchdir(cwd) < 0)
		msg("warning: cannot return to the working directory");
	close_safe(&cwd);
	close(sp[1]);
	userns_close_trees(&c->userns);	/* the child's to mount now */
	if (r < 0) {
		close(sp[0]);
		return r;
	}
	*sync = sp[0];
	return (pid_t)pid;
}

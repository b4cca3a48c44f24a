/* shell and login: a session inside a running machine, started from the
 * host without the guest's D-Bus or systemd (DESIGN.md §3).
 *
 * machinectl ──fork──► joiner: cgroup of the leader, setns into its
 *                      namespaces, waits and exits with the status
 *                         └──fork──► session: PID in the guest's pid ns,
 *                                    chroot to the leader's root, its
 *                                    bounding set, the user, a pty of the
 *                                    guest's devpts; exec
 * The session sends the pty master back over a SEQPACKET socketpair
 * (SCM_RIGHTS), or (errno, message) when it cannot start (#1).  Both
 * children are non-dumpable from their first instruction, and no host fd
 * but that socket survives into the session. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "compat.h"
#include "conf.h"
#include "fileio.h"
#include "machbox.h"
#include "machine.h"
#include "machinectl/enter.h"
#include "machinectl/machinectl.h"
#include "machinectl/pty.h"

#define DEVPTS_MAGIC DEVPTS_SUPER_MAGIC_COMPAT
#define GUEST_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Namespaces in the order nsenter joins them: the user namespace first,
 * so the others, which it owns, may be joined; mnt last. */
static const struct {
	const char *name;
	int flag;
} nstab[] = {
	{ "user", CLONE_NEWUSER }, { "cgroup", CLONE_NEWCGROUP }, { "ipc", CLONE_NEWIPC },
	{ "uts", CLONE_NEWUTS }, { "net", CLONE_NEWNET }, { "pid", CLONE_NEWPID },
	{ "mnt", CLONE_NEWNS },
};
#define N_NS ARRAY_SIZE(nstab)

/* What the parent gathers on the host before forking. */
struct join {
	int pidfd, rootfd, cgfd;
	int nsfd[N_NS];		/* -1: the same namespace as ours */
	int flags;		/* CLONE_NEW* of the namespaces that differ */
	uint64_t capbnd;
};

struct start_msg {
	int err;		/* 0, or a positive errno */
	char text[200];
};

/* --- pure helpers --- */

int enter_split_target(const char *arg, char *user, size_t ulen, char *name, size_t nlen)
{
	const char *at = strchr(arg, '@');
	const char *n = at ? at + 1 : arg;
	size_t ul = at ? (size_t)(at - arg) : 0;

	if (ul >= ulen || strlen(n) >= nlen)
		return -ENAMETOOLONG;
	memcpy(user, arg, ul);
	user[ul] = 0;
	strcpy(name, *n ? n : ".host");
	return 0;
}

int parse_capbnd(const char *status, uint64_t *mask)
{
	const char *p = strstr(status, "\nCapBnd:");
	char *end;

	if (!p)
		return -EINVAL;
	p += 8;
	*mask = strtoull(p, &end, 16);
	if (end == p || (*end && *end != '\n'))
		return -EINVAL;
	return 0;
}

int parse_cgroup2(const char *text, char *path, size_t len)
{
	const char *p = text, *nl;

	for (; *p; p = nl + 1) {
		nl = strchrnul(p, '\n');
		if (startswith(p, "0::/")) {
			size_t n = (size_t)(nl - p) - 3;

			if (n >= len)
				return -ENAMETOOLONG;
			memcpy(path, p + 3, n);
			path[n] = 0;
			return 0;
		}
		if (!*nl)
			break;
	}
	return -ENOENT;
}

/* --- host side: handles of the machine --- */

int machine_root_fd(pid_t leader)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/root", (int)leader);
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int machine_ns_fd(pid_t leader, const char *ns)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)leader, ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static bool same_ns(int fd, const char *ns)
{
	char path[64];
	struct stat a, b;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", ns);
	return stat(path, &a) == 0 && fstat(fd, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/* cgroup.procs of the leader's cgroup on our cgroup2 mount, or -1 when
 * this host has no cgroup2 hierarchy to join */
static int open_leader_cgroup(pid_t leader)
{
	const char *mnt = cgroup2_mount();
	char text[4096], rel[1024], path[1200];
	int fd, r;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)leader);
	r = read_file_at(AT_FDCWD, path, text, sizeof(text));
	if (r < 0)
		return r;
	if (parse_cgroup2(text, rel, sizeof(rel)) < 0)
		return -1;
	if (!mnt)
		return -1;
	snprintf(path, sizeof(path), "%s%s/cgroup.procs", mnt, rel);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static void join_close(struct join *j)
{
	size_t i;

	close_safe(&j->pidfd);
	close_safe(&j->rootfd);
	close_safe(&j->cgfd);
	for (i = 0; i < N_NS; i++)
		close_safe(&j->nsfd[i]);
}

static int join_open(pid_t leader, struct join *j)
{
	char path[64], status[4096];
	size_t i;
	int r;

	memset(j, 0, sizeof(*j));
	j->pidfd = j->rootfd = j->cgfd = -1;
	for (i = 0; i < N_NS; i++)
		j->nsfd[i] = -1;
	/* pidfds (Linux 5.3) tell the relay when the session ended */
	j->pidfd = (int)syscall(SYS_pidfd_open, leader, 0);
	if (j->pidfd < 0)
		return -errno;
	for (i = 0; i < N_NS; i++) {
		r = machine_ns_fd(leader, nstab[i].name);
		if (r == -ENOENT)
			continue;	/* a kernel without this namespace */
		if (r < 0)
			goto fail;
		j->nsfd[i] = r;
		if (same_ns(r, nstab[i].name))
			close_safe(&j->nsfd[i]);
		else
			j->flags |= nstab[i].flag;
	}
	snprintf(path, sizeof(path), "/proc/%d/status", (int)leader);
	r = read_file_at(AT_FDCWD, path, status, sizeof(status));
	if (r == 0)
		r = parse_capbnd(status, &j->capbnd);
	if (r < 0)
		goto fail;
	r = j->rootfd = machine_root_fd(leader);
	if (r < 0)
		goto fail;
	r = j->cgfd = open_leader_cgroup(leader);
	if (r < -1)
		goto fail;
	return 0;
fail:
	join_close(j);
	return r;
}

/* --- the children --- */

static void NORETURN child_fail(int sock, int err, const char *fmt, ...)
{
	struct start_msg m = { .err = err };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m.text, sizeof(m.text), fmt, ap);
	va_end(ap);
	send(sock, &m, sizeof(m), MSG_NOSIGNAL);
	_exit(EXIT_FAIL);
}

/* pidfd setns (5.8+) joins all at once, atomically; else one by one */
static int join_namespaces(const struct join *j)
{
	size_t i;

	if (!j->flags)
		return 0;
	if (j->pidfd >= 0 && setns(j->pidfd, j->flags) == 0)
		return 0;
	for (i = 0; i < N_NS; i++)
		if (j->nsfd[i] >= 0 && setns(j->nsfd[i], nstab[i].flag) < 0)
			return -errno;
	return 0;
}

/* The guest's bounding set, never more: a session has no capability its
 * machine's init lacks.  Needs CAP_SETPCAP, so before the user change. */
static int limit_caps(uint64_t keep)
{
	int cap;

	for (cap = 0; cap < 64; cap++)
		if (!(keep & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return -errno;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	return 0;
}

static struct passwd *find_user(const char *user)
{
	unsigned long long uid;
	struct passwd *pw;

	if (!user || !*user)
		user = "root";
	pw = getpwnam(user);
	if (!pw && parse_uint(user, UINT32_MAX - 1, &uid) == 0)
		pw = getpwuid((uid_t)uid);
	return pw;
}

static int become(const struct passwd *pw)
{
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 && setgroups(0, NULL) < 0)
		return -errno;
	if (setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
		return -errno;
	return 0;
}

static void build_env(const struct enter_opts *o, const struct passwd *pw)
{
	unsigned i;

	clearenv();
	setenv("TERM", o->term ? o->term : "vt220", 1);
	if (o->login)
		return;	/* login makes the rest */
	setenv("PATH", GUEST_PATH, 1);
	setenv("HOME", pw->pw_dir, 1);
	setenv("USER", pw->pw_name, 1);
	setenv("LOGNAME", pw->pw_name, 1);
	setenv("SHELL", pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh", 1);
	for (i = 0; i < o->n_env; i++)
		putenv((char *)o->env[i]);
}

/* Must be the ptmx of a devpts: a guest's /dev/pts/ptmx that is anything
 * else is not where we take a terminal from. */
static int open_ptmx(void)
{
	static const char *const paths[] = { "/dev/pts/ptmx", "/dev/ptmx" };
	struct statfs sf;
	struct stat st;
	size_t i;
	int fd;

	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		fd = open(paths[i], O_RDWR | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 5 &&
		    minor(st.st_rdev) == 2 && fstatfs(fd, &sf) == 0 && sf.f_type == DEVPTS_MAGIC)
			return fd;
		close(fd);
	}
	return -ENODEV;
}

static int open_pty(int *slave)
{
	int master = open_ptmx(), unlock = 0, n;
	char name[32];

	if (master < 0)
		return master;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		goto fail;
	/* the peer of this master, not whatever a path names */
	*slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (*slave < 0 && ioctl(master, TIOCGPTN, &n) == 0) {
		snprintf(name, sizeof(name), "/dev/pts/%d", n);
		*slave = open(name, O_RDWR | O_NOCTTY | O_NOFOLLOW);
	}
	if (*slave < 0)
		goto fail;
	return master;
fail:
	n = -errno;
	close(master);
	return n;
}

static void set_pty_modes(int slave, const struct enter_opts *o)
{
	struct termios t;

	if (o->ws.ws_row && o->ws.ws_col)
		ioctl(slave, TIOCSWINSZ, &o->ws);
	if (tcgetattr(slave, &t) < 0)
		return;
	if (o->no_echo)
		t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	if (o->no_onlcr)
		t.c_oflag &= ~(tcflag_t)ONLCR;
	tcsetattr(slave, TCSANOW, &t);
}

static int send_fd(int sock, int fd)
{
	struct start_msg m = { 0 };
	struct iovec iov = { &m, sizeof(m) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	memset(&u, 0, sizeof(u));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static void NORETURN exec_login(void)
{
	static const char *const cands[][4] = {
		{ "/bin/login", NULL }, { "/usr/bin/login", NULL },
		{ "/sbin/agetty", "--noclear", "-", NULL },
		{ "/sbin/getty", "0", "-", NULL },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cands); i++)
		execv(cands[i][0], (char *const *)cands[i]);
	dprintf(STDERR_FILENO, "machinectl: no login program in this machine (/bin/login, getty)\r\n");
	_exit(127);
}

static void NORETURN exec_session(const struct enter_opts *o, const struct passwd *pw)
{
	const char *sh = pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh";
	const char *base = strrchr(sh, '/');
	char arg0[256];

	if (o->login)
		exec_login();
	if (o->argv) {
		execvp(o->argv[0], o->argv);
		dprintf(STDERR_FILENO, "machinectl: cannot run %s: %s\r\n", o->argv[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	/* a login shell, as systemd's machinectl shell starts it */
	snprintf(arg0, sizeof(arg0), "-%s", base ? base + 1 : sh);
	execl(sh, arg0, (char *)NULL);
	dprintf(STDERR_FILENO, "machinectl: cannot run %s: %s\r\n", sh, strerror(errno));
	_exit(127);
}

/* what the guest's program starts with owes nothing to our caller's
 * signal mask and ignored signals (machined blocks its own) */
static void reset_signals(void)
{
	sigset_t none;
	int sig;

	for (sig = 1; sig < _NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* The grandchild, in every namespace of the machine. #1: the master or
 * why not. */
static void NORETURN session(const struct join *j, const struct enter_opts *o, int sock)
{
	struct passwd *pw;
	int master, slave = -1, r;

	if (fchdir(j->rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0)
		child_fail(sock, errno, "cannot enter the machine's root");
	/* from here on only the socket is ours: no host fd reaches the guest */
	if (sock > 0)
		syscall(SYS_close_range, 0, sock - 1, 0);
	syscall(SYS_close_range, sock + 1, ~0U, 0);
	r = limit_caps(j->capbnd);
	if (r < 0)
		child_fail(sock, -r, "cannot limit the capabilities");
	pw = find_user(o->login ? NULL : o->user);
	if (!pw)
		child_fail(sock, ESRCH, "user '%s' not found in the machine", o->user ? o->user : "root");
	build_env(o, pw);
	r = become(pw);
	if (r < 0)
		child_fail(sock, -r, "cannot become user '%s'", pw->pw_name);
	if (o->login || chdir(pw->pw_dir) < 0)
		chdir("/");
	master = open_pty(&slave);
	if (master < 0)
		child_fail(sock, -master, "cannot open a pty from the machine's /dev/pts");
	set_pty_modes(slave, o);
	if (send_fd(sock, master) < 0)
		_exit(EXIT_FAIL);
	close(master);
	close(sock);
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
		_exit(EXIT_FAIL);
	reset_signals();
	dup2(slave, 0);
	dup2(slave, 1);
	dup2(slave, 2);
	if (slave > 2)
		close(slave);
	exec_session(o, pw);
}

static int exit_status(int st)
{
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

/* The child: joins, forks the session so it is inside the pid namespace,
 * and passes its status on. */
static void NORETURN joiner(const struct join *j, const struct enter_opts *o, int sock)
{
	pid_t pid;
	int st, r;

	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (j->cgfd >= 0 && write(j->cgfd, "0", 1) < 0)
		child_fail(sock, errno, "cannot join the machine's cgroup");
	r = join_namespaces(j);
	if (r < 0)
		child_fail(sock, -r, "cannot join the machine's namespaces");
	pid = fork();
	if (pid < 0)
		child_fail(sock, errno, "cannot fork into the machine");
	if (pid == 0)
		session(j, o, sock);
	/* the waiter keeps nothing open: the session's end is its own */
	syscall(SYS_close_range, 0, ~0U, 0);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			_exit(EXIT_FAIL);
	_exit(exit_status(st));
}

/* #1, the parent's side: the master fd or the child's error */
static int recv_start(int sock, struct enter_session *s)
{
	struct start_msg m = { 0 };
	struct iovec iov = { &m, sizeof(m) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;
	ssize_t n;

	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	c = CMSG_FIRSTHDR(&mh);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
		memcpy(&s->master, CMSG_DATA(c), sizeof(int));
	if (n != (ssize_t)sizeof(m) || m.err) {
		m.text[sizeof(m.text) - 1] = 0;
		strlcpy_mb(s->err, n ? m.text : "the session ended before it started", sizeof(s->err));
		close_safe(&s->master);
		return m.err > 0 ? -m.err : -ECHILD;
	}
	return s->master >= 0 ? 0 : -EBADMSG;
}

int enter_start(pid_t leader, const struct enter_opts *o, struct enter_session *s)
{
	struct join j;
	int sv[2], r;

	memset(s, 0, sizeof(*s));
	s->master = s->pidfd = -1;
	r = join_open(leader, &j);
	if (r < 0)
		return r;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		r = -errno;
		join_close(&j);
		return r;
	}
	s->pid = fork();
	if (s->pid == 0) {
		close(sv[0]);
		joiner(&j, o, sv[1]);
	}
	r = s->pid < 0 ? -errno : 0;
	close(sv[1]);
	join_close(&j);
	if (r == 0)
		r = recv_start(sv[0], s);
	close(sv[0]);
	if (r == 0 && (s->pidfd = (int)syscall(SYS_pidfd_open, s->pid, 0)) < 0)
		r = -errno;
	if (r < 0 && s->pid > 0)
		enter_finish(s, -1);
	return r;
}

int enter_finish(struct enter_session *s, int timeout_ms)
{
	struct pollfd p = { .fd = s->pidfd, .events = POLLIN };
	int st;

	close_safe(&s->master);
	if (s->pid <= 0)
		return -ECHILD;
	if (timeout_ms >= 0 && s->pidfd >= 0 && poll(&p, 1, timeout_ms) == 0)
		return -ETIMEDOUT;
	close_safe(&s->pidfd);
	while (waitpid(s->pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	s->pid = 0;
	return exit_status(st);
}

/* --- the verbs --- */

static int no_machine(const char *verb, const char *name, int err)
{
	if (err == -ESRCH || err == -ENOENT) {
		msg("Failed to %s '%s': no machine '%s' is running", verb, name, name);
		return EXIT_FAIL;
	}
	if (err == -EBUSY) {
		msg("Failed to %s '%s': the machine is still starting, try again", verb, name);
		return EXIT_FAIL;
	}
	return fail_errno(err, "Failed to %s '%s'", verb, name);
}

static int escape_key(const struct mctl_opts *mo, unsigned char *key)
{
	struct machbox_conf conf;

	conf_load(&conf, NULL, NULL, NULL, 0);
	*key = conf.escape_key;
	if (mo->escape && parse_escape_key(mo->escape, key) < 0)
		return usage_error("bad --escape= key '%s' (like ^] or one character)", mo->escape);
	return 0;
}

static void terminal_opts(struct enter_opts *eo)
{
	const char *term = getenv("TERM");
	bool in_tty = isatty(STDIN_FILENO), out_tty = isatty(STDOUT_FILENO);

	/* a pipe gets no colours and no line-ending translation */
	eo->term = out_tty ? (term && *term ? term : "vt220") : "dumb";
	eo->no_echo = !in_tty;
	eo->no_onlcr = !out_tty;
	if (ioctl(in_tty ? STDIN_FILENO : STDOUT_FILENO, TIOCGWINSZ, &eo->ws) < 0)
		memset(&eo->ws, 0, sizeof(eo->ws));
	/* a serial line reports 0x0: programs in the guest get a vt100's
	 * 80x24 rather than no columns at all */
	if ((in_tty || out_tty) && (!eo->ws.ws_row || !eo->ws.ws_col)) {
		eo->ws.ws_row = 24;
		eo->ws.ws_col = 80;
	}
}

/* A session from start to end: the exit code of machinectl */
static int run_session(const char *verb, const char *name, struct enter_opts *eo,
		       const struct mctl_opts *mo)
{
	struct enter_session s;
	unsigned char key;
	char kn[4];
	pid_t leader;
	int r, end;

	if (!strcmp(name, ".host")) {
		msg("Failed to %s '.host': connecting to the host is not supported, name a machine", verb);
		return EXIT_FAIL;
	}
	r = escape_key(mo, &key);
	if (r)
		return r;
	leader = machine_leader(name);
	if (leader < 0)
		return no_machine(verb, name, leader);
	terminal_opts(eo);
	r = enter_start(leader, eo, &s);
	if (r == -ESRCH && s.err[0]) {
		msg("Failed to %s '%s': %s", verb, name, s.err);	/* no such user */
		return EXIT_FAIL;
	}
	if (r == -ESRCH)
		return no_machine(verb, name, r);	/* it just ended */
	if (r < 0)
		return fail_errno(r, "Failed to %s '%s'%s%s", verb, name, s.err[0] ? ": " : "", s.err);
	if (!mo->quiet)
		fprintf(stderr, "Connected to machine %s. Press %s three times within 1s to exit session.\n",
			name, escape_key_name(key, kn));
	end = pty_relay(s.master, s.pidfd, key);
	r = enter_finish(&s, end == PTY_ENDED ? -1 : 2000);
	if (!mo->quiet)
		fprintf(stderr, "\nConnection to machine %s terminated.\n", name);
	if (end == PTY_ESCAPED)
		return 0;
	if (end < 0)
		return fail_errno(end, "Failed to relay the session of '%s'", name);
	return r < 0 ? EXIT_FAIL : r;
}

/* -E VAR=VALUE as given; -E VAR takes our value, as systemd does */
static const char **session_env(const struct mctl_opts *mo)
{
	const char **env = xcalloc(mo->n_env + 1, sizeof(char *));
	unsigned i, n = 0;

	for (i = 0; i < mo->n_env; i++) {
		const char *v = strchr(mo->env[i], '=') ? NULL : getenv(mo->env[i]);

		if (strchr(mo->env[i], '='))
			env[n++] = mo->env[i];
		else if (v)
			env[n++] = xasprintf("%s=%s", mo->env[i], v);
	}
	return env;
}

int verb_shell(int argc, char **argv, void *ctx)
{
	struct mctl_opts *mo = ctx;
	struct enter_opts eo = { 0 };
	char user[256], name[256];
	int r;

	if (enter_split_target(argc > 1 ? argv[1] : "", user, sizeof(user), name, sizeof(name)) < 0)
		return usage_error("bad machine name '%s'", argv[1]);
	if (*user && mo->uid)
		return usage_error("the user is given twice: --uid= and USER@");
	if (strcmp(name, ".host") && !machine_name_valid(name))
		return usage_error("bad machine name '%s'", name);
	eo.user = *user ? user : mo->uid;
	eo.env = session_env(mo);
	for (eo.n_env = 0; eo.env[eo.n_env]; eo.n_env++)
		;
	eo.argv = argc > 2 ? argv + 2 : NULL;
	r = run_session("open a shell in", name, &eo, mo);
	free((void *)eo.env);
	return r;
}

int verb_login(int argc, char **argv, void *ctx)
{
	struct enter_opts eo = { .login = true };
	const char *name = argc > 1 ? argv[1] : ".host";

	if (strcmp(name, ".host") && !machine_name_valid(name))
		return usage_error("bad machine name '%s'", name);
	return run_session("log in to", name, &eo, ctx);
}

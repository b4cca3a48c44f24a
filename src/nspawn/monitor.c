/* The monitor: one poll loop over the signalfd, the console pty and our
 * stdin, with the stop deadline as its only timer.  No sleeps. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "fileio.h"
#include "inroot.h"
#include "machbox.h"
#include "nspawn/monitor.h"

struct monitor {
	struct container *c;
	struct machine_cgroup *cg;
	struct console_state *cs;
	pid_t pid;
	int pidfd, master, sigfd;
	bool in_cgroup;		/* CLONE_INTO_CGROUP put it there */
	long long deadline;	/* ms on CLOCK_MONOTONIC; 0: none */
	long long master_retry;	/* after a hangup: when to look again */
	bool stopping, done;
	int exit_code;
	enum run_end end;
};

int monitor_signals(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGWINCH);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);	/* a closed stdout is an EPIPE, not our end */
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

void console_state_setup(struct console_state *cs, enum console_mode mode)
{
	bool tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);

	if (mode == CONSOLE_AUTO)
		mode = CONSOLE_INTERACTIVE;
	cs->relay_in = mode == CONSOLE_INTERACTIVE;
	cs->relay_out = mode == CONSOLE_INTERACTIVE || mode == CONSOLE_READ_ONLY || mode == CONSOLE_PIPE;
	if (cs->relay_in && tty && tcgetattr(STDIN_FILENO, &cs->saved) == 0) {
		struct termios raw = cs->saved;

		cfmakeraw(&raw);
		raw.c_oflag |= OPOST | ONLCR;	/* our own messages still start lines */
		if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
			cs->raw = true;
	}
}

void console_state_restore(struct console_state *cs)
{
	if (cs->raw) {
		tcsetattr(STDIN_FILENO, TCSANOW, &cs->saved);
		cs->raw = false;
	}
}

static void copy_winsize(int master)
{
	struct winsize ws;

	/* a serial line has none: the guest keeps its default */
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
		ioctl(master, TIOCSWINSZ, &ws);
}

static int send_signal(struct monitor *m, int sig)
{
	if (m->pidfd >= 0 && syscall(SYS_pidfd_send_signal, m->pidfd, sig, NULL, 0) == 0)
		return 0;
	return kill(m->pid, sig) < 0 ? -errno : 0;
}

/* sysvinit's way: a runlevel request on the guest's /run/initctl FIFO,
 * opened inside the guest's root without following its links out. */
static int send_initctl(struct monitor *m, char runlevel)
{
	char path[64], req[384];
	struct stat st;
	int root, fd, r;

	snprintf(path, sizeof(path), "/proc/%d/root", (int)m->pid);
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	fd = open_in_root(root, "/run/initctl", O_WRONLY | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < 0)
		fd = open_in_root(root, "/dev/initctl", O_WRONLY | O_NONBLOCK | O_NOCTTY, 0);
	close(root);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		close(fd);
		return -ENOTSUP;
	}
	initctl_request(runlevel, req, sizeof(req));
	r = write_all(fd, req, sizeof(req));
	close(fd);
	return r;
}

/* Poweroff as the guest's init understands it, then the deadline. */
static void begin_stop(struct monitor *m)
{
	const struct container *c = m->c;
	int sig = c->o->kill_signal;

	if (m->stopping) {
		/* asked twice: no more waiting */
		m->deadline = mono_ms();
		return;
	}
	m->stopping = true;
	m->deadline = mono_ms() + (long long)c->o->stop_timeout_s * 1000;
	if (!sig && c->o->boot && c->sig.initctl && send_initctl(m, '0') == 0)
		return;
	if (!sig)
		sig = c->o->boot ? (c->o->poweroff_signal ? c->o->poweroff_signal : c->sig.poweroff) : SIGKILL;
	send_signal(m, sig);
}

static void kill_all(struct monitor *m)
{
	if (m->cg->path[0])
		cgroup_kill(m->cg);
	send_signal(m, SIGKILL);
	m->deadline = 0;
}

static void output(struct monitor *m, const char *buf, size_t n)
{
	struct console_state *cs = m->cs;

	ring_write(&cs->ring, buf, n);
	console_log_write(&cs->log, buf, n);
	consock_broadcast(&cs->sock, buf, n);
	if (cs->relay_out && write_all(STDOUT_FILENO, buf, n) < 0)
		cs->relay_out = false;	/* stdout went away: the guest runs on */
}

static void read_master(struct monitor *m)
{
	char buf[4096];
	ssize_t n;

	for (;;) {
		n = read(m->master, buf, sizeof(buf));
		if (n > 0) {
			output(m, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN) {
			/* EIO: nobody holds the console now; look again soon, as
			 * an init may reopen it */
			m->master_retry = mono_ms() + 100;
		}
		return;
	}
}

static void read_stdin(struct monitor *m)
{
	struct console_state *cs = m->cs;
	char buf[1024];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			struct termios t;

			cs->stdin_eof = true;
			/* the end of a piped script is the end of the guest's input
			 * too: the terminal's EOF character says so on the pty */
			if (!cs->raw && tcgetattr(m->master, &t) == 0 && (t.c_lflag & ICANON))
				write_all(m->master, &t.c_cc[VEOF], 1);
		}
		return;
	}
	if (cs->raw && escape_feed(&cs->esc, buf, (size_t)n, mono_ms())) {
		if (!m->c->o->quiet)
			fprintf(stderr, "\r\nContainer %s terminated by escape key.\r\n", m->c->machine);
		begin_stop(m);
		return;
	}
	write_all(m->master, buf, (size_t)n);
}

static void child_exited(struct monitor *m, const siginfo_t *si)
{
	m->done = true;
	m->end = RUN_EXITED;
	if (si->si_code == CLD_EXITED) {
		m->exit_code = si->si_status;
		return;
	}
	/* the kernel kills a namespace's init with SIGINT on poweroff/halt and
	 * SIGHUP on reboot */
	if (si->si_status == SIGINT) {
		m->exit_code = 0;
	} else if (si->si_status == SIGHUP) {
		/* a reboot asked for while we stop it is a clean end */
		m->end = m->stopping ? RUN_EXITED : RUN_REBOOT;
		m->exit_code = 0;
	} else {
		m->exit_code = 128 + si->si_status;
	}
}

static void handle_signals(struct monitor *m)
{
	struct signalfd_siginfo ssi;
	siginfo_t si;

	while (read(m->sigfd, &ssi, sizeof(ssi)) == (ssize_t)sizeof(ssi)) {
		switch (ssi.ssi_signo) {
		case SIGCHLD:
			memset(&si, 0, sizeof(si));
			if (waitid(P_PID, (id_t)m->pid, &si, WEXITED | WNOHANG) == 0 && si.si_pid == m->pid)
				child_exited(m, &si);
			break;
		case SIGTERM:
		case SIGINT:
			begin_stop(m);
			break;
		case SIGWINCH:
			copy_winsize(m->master);
			break;
		default:
			break;	/* SIGHUP: a closed terminal does not stop the guest */
		}
	}
}

static int poll_timeout(struct monitor *m)
{
	long long now = mono_ms(), t = -1;

	if (m->deadline)
		t = m->deadline > now ? m->deadline - now : 0;
	if (m->master_retry) {
		long long r = m->master_retry > now ? m->master_retry - now : 0;

		if (t < 0 || r < t)
			t = r;
	}
	if (m->c->net.next_try) {
		long long r = m->c->net.next_try > now ? m->c->net.next_try - now : 0;

		if (t < 0 || r < t)
			t = r;
	}
	return t > 60000 || t < 0 ? (t < 0 ? -1 : 60000) : (int)t;
}

enum { P_SIG, P_MASTER, P_STDIN, P_DHCP, P_LISTEN, P_CLIENT0, P_COUNT = P_CLIENT0 + CONSOCK_MAX_CLIENTS };

static void poll_fds(struct monitor *m, struct pollfd *p)
{
	struct console_state *cs = m->cs;
	int i;

	p[P_SIG] = (struct pollfd){ .fd = m->sigfd, .events = POLLIN };
	p[P_MASTER] = (struct pollfd){ .fd = m->master_retry ? -1 : m->master, .events = POLLIN };
	p[P_STDIN] = (struct pollfd){ .fd = cs->relay_in && !cs->stdin_eof ? STDIN_FILENO : -1, .events = POLLIN };
	p[P_DHCP] = (struct pollfd){ .fd = m->c->net.dhcp_fd, .events = POLLIN };
	p[P_LISTEN] = (struct pollfd){ .fd = cs->sock.listen_fd, .events = POLLIN };
	for (i = 0; i < CONSOCK_MAX_CLIENTS; i++)
		p[P_CLIENT0 + i] = (struct pollfd){ .fd = cs->sock.clients[i], .events = POLLIN };
}

static void dispatch(struct monitor *m, const struct pollfd *p)
{
	struct console_state *cs = m->cs;
	int i;

	if (p[P_MASTER].revents & (POLLIN | POLLHUP | POLLERR))
		read_master(m);
	if (p[P_STDIN].revents & (POLLIN | POLLHUP | POLLERR))
		read_stdin(m);
	if (p[P_DHCP].revents & POLLIN)
		network_dhcp_ready(m->c, &m->c->net);
	if (p[P_LISTEN].revents & POLLIN)
		consock_accept(&cs->sock, &cs->ring);
	for (i = 0; i < CONSOCK_MAX_CLIENTS; i++)
		if (p[P_CLIENT0 + i].revents & (POLLIN | POLLHUP | POLLERR))
			consock_client_ready(&cs->sock, i, m->master);
	if (p[P_SIG].revents & POLLIN)
		handle_signals(m);
}

static void loop(struct monitor *m)
{
	while (!m->done) {
		struct pollfd p[P_COUNT];
		int n;

		poll_fds(m, p);
		n = poll(p, P_COUNT, poll_timeout(m));
		if (n < 0 && errno != EINTR)
			break;
		if (m->deadline && mono_ms() >= m->deadline)
			kill_all(m);
		if (m->master_retry && mono_ms() >= m->master_retry)
			m->master_retry = 0;
		if (n > 0)
			dispatch(m, p);
	}
	read_master(m);	/* the last words of the guest */
}

/* #1..#3 of the sync protocol, monitor side. */
static int sync_child(struct monitor *m, int sync)
{
	struct sync_msg msg = { .type = SYNC_GO };
	int r, fd;

	/* #1 */
	r = userns_attach(m->c, m->cg, m->pid);
	if (r < 0)
		return fail_errno(r, "cannot map the user namespace of %s", m->c->machine), r;
	r = m->in_cgroup ? 0 : cgroup_attach(m->cg, m->pid);
	if (r < 0)
		return fail_errno(r, "cannot put the container into %s", m->cg->path), r;
	r = network_link(m->c, &m->c->net, m->pid);
	if (r < 0)
		return fail_errno(r, "cannot set up the network of %s", m->c->machine), r;
	r = sync_send(sync, &msg, -1);
	if (r < 0)
		return fail_errno(r, "cannot start the container"), r;
	for (;;) {
		r = sync_recv(sync, &msg, &fd);
		if (r < 0)
			return fail_errno(r, "lost the container during setup"), r;
		if (r == 0)
			return 0;	/* #3: exec closed the socket: running */
		if (msg.type == SYNC_ERROR) {
			close_safe(&fd);
			fail_errno(msg.err, "cannot start container %s: %s", m->c->machine, msg.text);
			return -msg.err ? -msg.err : -EIO;
		}
		if (msg.type == SYNC_CONSOLE && fd >= 0 && m->master < 0) {
			/* #2 */
			m->master = fd;
			fcntl(fd, F_SETFL, O_NONBLOCK);
			copy_winsize(fd);
		} else {
			close_safe(&fd);
		}
	}
}

static void reap(struct monitor *m)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	while (waitid(P_PID, (id_t)m->pid, &si, WEXITED) < 0 && errno == EINTR)
		;
}

int monitor_run(struct container *c, struct machine_cgroup *cg, struct console_state *cs,
		int sigfd, int *exit_code)
{
	struct monitor m = { .c = c, .cg = cg, .cs = cs, .master = -1, .sigfd = sigfd };
	int sync = -1, r;

	m.pid = container_spawn(c, &m.pidfd, &sync, &m.in_cgroup);
	if (m.pid < 0)
		return fail_errno(m.pid, "cannot create the container's namespaces"), m.pid;
	r = sync_child(&m, sync);
	close(sync);
	if (r < 0) {
		send_signal(&m, SIGKILL);
		reap(&m);
		close_safe(&m.master);
		close_safe(&m.pidfd);
		return r;
	}
	loop(&m);
	if (!m.done) {
		kill_all(&m);
		reap(&m);
		m.exit_code = 1;
	}
	if (m.end == RUN_REBOOT)
		network_unlink(&c->net);	/* the next boot makes it anew */
	close_safe(&m.master);
	close_safe(&m.pidfd);
	*exit_code = m.exit_code;
	return m.end;
}

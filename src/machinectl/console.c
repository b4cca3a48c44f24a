/* machinectl console NAME: attach to a machine's console through its
 * monitor (the scroll-back first), detach with the escape key.
 * machinectl logs NAME: the console log the monitor keeps. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "fileio.h"
#include "machbox.h"
#include "machine.h"
#include "machinectl/machinectl.h"
#include "term.h"

struct attach {
	int sock, sigfd;
	bool tty, raw, read_only, stdin_eof;
	struct termios saved;
	struct escape esc;
};

static int connect_console(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[sizeof(sa.sun_path)];
	int fd, r;

	r = machine_path(path, sizeof(path), MACHBOX_CONSOLE_DIR, name, NULL);
	if (r < 0)
		return r;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		/* no socket, or nobody listening: the machine does not run */
		return r == -ENOENT || r == -ECONNREFUSED ? -ESRCH : r;
	}
	return fd;
}

static void send_winsize(struct attach *a)
{
	char msg[1 + sizeof(struct winsize)];
	struct winsize ws;

	/* a serial line has no size (0x0): the guest keeps its own */
	if (!a->tty || ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 || !ws.ws_row || !ws.ws_col)
		return;
	msg[0] = CONSOLE_MSG_WINSIZE;
	memcpy(msg + 1, &ws, sizeof(ws));
	send(a->sock, msg, sizeof(msg), MSG_NOSIGNAL);
}

static void raw_mode(struct attach *a)
{
	struct termios raw;

	if (!a->tty || tcgetattr(STDIN_FILENO, &a->saved) < 0)
		return;
	raw = a->saved;
	cfmakeraw(&raw);
	raw.c_oflag |= OPOST | ONLCR;
	a->raw = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
}

static void restore(struct attach *a)
{
	if (a->raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &a->saved);
	a->raw = false;
}

/* 1: detach, 0: go on */
static int from_stdin(struct attach *a)
{
	char msg[CONSOLE_MSG_MAX];
	ssize_t n = read(STDIN_FILENO, msg + 1, sizeof(msg) - 1);

	if (n <= 0) {
		a->stdin_eof = true;
		return 0;
	}
	if (a->raw && escape_feed(&a->esc, msg + 1, (size_t)n, mono_ms()))
		return 1;
	if (a->read_only)
		return 0;
	msg[0] = CONSOLE_MSG_DATA;
	send(a->sock, msg, (size_t)n + 1, MSG_NOSIGNAL);
	return 0;
}

/* 1: the machine went away, 0: go on */
static int from_console(struct attach *a)
{
	char msg[CONSOLE_MSG_MAX];
	ssize_t n = recv(a->sock, msg, sizeof(msg), 0);

	if (n <= 0)
		return n == 0 || (errno != EINTR && errno != EAGAIN);
	if (msg[0] == CONSOLE_MSG_DATA && write_all(STDOUT_FILENO, msg + 1, (size_t)n - 1) < 0)
		return 1;
	return 0;
}

static int relay(struct attach *a)
{
	for (;;) {
		struct pollfd p[3] = {
			{ .fd = a->sock, .events = POLLIN },
			{ .fd = a->stdin_eof ? -1 : STDIN_FILENO, .events = POLLIN },
			{ .fd = a->sigfd, .events = POLLIN },
		};
		struct signalfd_siginfo si;

		if (poll(p, 3, -1) < 0 && errno != EINTR)
			return -errno;
		if (p[0].revents && from_console(a))
			return 0;
		if (p[1].revents && from_stdin(a))
			return 1;
		if ((p[2].revents & POLLIN) && read(a->sigfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo != SIGWINCH)
				return 1;
			send_winsize(a);
		}
	}
}

int verb_console(int argc, char **argv, void *ctx)
{
	struct mctl_opts *o = ctx;
	struct machbox_conf conf;
	struct attach a = { .sigfd = -1 };
	const char *name = argv[1];
	char kn[4];
	sigset_t set;
	int r;

	(void)argc;
	if (!machine_name_valid(name))
		return usage_error("invalid machine name '%s'", name);
	conf_load(&conf, NULL, NULL, NULL, 0);
	a.esc.key = conf.escape_key;
	if (o->escape && parse_escape_key(o->escape, &a.esc.key) < 0)
		return usage_error("bad --escape= key '%s' (like ^] or one character)", o->escape);
	a.read_only = o->read_only;
	a.tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	a.sock = connect_console(name);
	if (a.sock < 0)
		return a.sock == -ESRCH ? (msg("machine '%s' is not running", name), EXIT_FAIL) :
		       fail_errno(a.sock, "Failed to attach to '%s'", name);
	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	a.sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (!o->quiet)
		fprintf(stderr, "Connected to machine %s's console%s. Press %s three times within 1s to detach.\n",
			name, a.read_only ? " (read-only)" : "", escape_key_name(a.esc.key, kn));
	raw_mode(&a);
	send_winsize(&a);
	r = relay(&a);
	restore(&a);
	if (!o->quiet)
		fprintf(stderr, r == 1 ? "\nDetached from %s.\n" : "\nMachine %s terminated.\n", name);
	close(a.sock);
	close_safe(&a.sigfd);
	return r < 0 ? fail_errno(r, "console of '%s'", name) : 0;
}

/* --- logs --- */

/* the offset where the last n lines of fd start */
static off_t tail_start(int fd, long n)
{
	char buf[4096];
	off_t end = lseek(fd, 0, SEEK_END), pos = end;
	long seen = 0;

	while (pos > 0) {
		size_t k = pos > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)pos;
		ssize_t got;
		size_t i;

		pos -= (off_t)k;
		got = pread(fd, buf, k, pos);
		if (got <= 0)
			return 0;
		for (i = (size_t)got; i-- > 0;) {
			/* a final newline ends the last line, it does not start one */
			if (buf[i] == '\n' && pos + (off_t)i != end - 1 && ++seen == n)
				return pos + (off_t)i + 1;
		}
	}
	return 0;
}

static int copy_from(int fd, off_t *at)
{
	char buf[8192];
	ssize_t n;

	while ((n = pread(fd, buf, sizeof(buf), *at)) > 0) {
		int r = write_all(STDOUT_FILENO, buf, (size_t)n);

		if (r < 0)
			return r;
		*at += n;
	}
	return n < 0 ? -errno : 0;
}

/* -f: inotify on the directory sees writes and the rotation to NAME.log.1 */
static int follow(const char *path, int *fd, off_t *at)
{
	char dir[4096], ev[4096];
	int in, r = 0;

	strlcpy_mb(dir, path, sizeof(dir));
	*strrchr(dir, '/') = 0;
	in = inotify_init1(IN_CLOEXEC);
	if (in < 0 || inotify_add_watch(in, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0)
		return in < 0 ? -errno : (close(in), -errno);
	while (r >= 0 && read(in, ev, sizeof(ev)) > 0) {
		struct stat st;

		if (stat(path, &st) == 0 && st.st_size < *at) {
			/* rotated: the new file starts from its beginning */
			close(*fd);
			*fd = open(path, O_RDONLY | O_CLOEXEC);
			*at = 0;
			if (*fd < 0)
				return -errno;
		}
		r = copy_from(*fd, at);
	}
	close(in);
	return r;
}

int verb_logs(int argc, char **argv, void *ctx)
{
	struct mctl_opts *o = ctx;
	char path[4096];
	off_t at;
	int fd, r;

	(void)argc;
	r = machine_path(path, sizeof(path), MACHBOX_LOG_DIR, argv[1], ".log");
	if (r < 0)
		return usage_error("invalid machine name '%s'", argv[1]);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? (msg("no console log for '%s' (%s)", argv[1], path), EXIT_FAIL) :
		       fail_errno(errno, "Failed to open %s", path);
	at = o->lines > 0 ? tail_start(fd, o->lines) : lseek(fd, 0, SEEK_END);
	r = copy_from(fd, &at);
	if (r >= 0 && o->follow)
		r = follow(path, &fd, &at);
	close(fd);
	return r < 0 ? fail_errno(r, "Failed to read %s", path) : 0;
}

/* The relay between our terminal (or pipes) and a session's pty master.
 * Input is buffered and written as the pty takes it, so a guest that
 * floods its output while we feed it input cannot deadlock us. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "machbox.h"
#include "machinectl/pty.h"
#include "term.h"

/* with stdin at its end, the EOF key is typed again this often while the
 * guest is quiet: a line editor that took the first one as a NUL of a
 * canonical line still gets its ^D */
#define EOF_REPEAT_MS 250

struct relay {
	int master, pidfd, sigfd, end;
	bool raw, stdin_eof, out_ok;
	struct termios saved;
	sigset_t oldmask;
	struct escape esc;
	char in[4096];
	size_t inlen, inoff;
	int64_t eof_at;		/* when the EOF key is due; 0: not yet */
	int64_t retry_at;	/* when to poll the master again; 0: now */
};

static void copy_winsize(int master)
{
	struct winsize ws;

	if ((ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) &&
	    ws.ws_row && ws.ws_col)
		ioctl(master, TIOCSWINSZ, &ws);
}

static int relay_setup(struct relay *r)
{
	struct termios raw;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, &r->oldmask) < 0)
		return -errno;
	r->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (r->sigfd < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);	/* a closed stdout is an EPIPE, not our end */
	fcntl(r->master, F_SETFL, fcntl(r->master, F_GETFL) | O_NONBLOCK);
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &r->saved) == 0) {
		raw = r->saved;
		cfmakeraw(&raw);
		raw.c_oflag |= OPOST | ONLCR;	/* our own messages still start lines */
		r->raw = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
	}
	return 0;
}

static void relay_restore(struct relay *r)
{
	if (r->raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &r->saved);
	r->raw = false;
	close_safe(&r->sigfd);
	sigprocmask(SIG_SETMASK, &r->oldmask, NULL);
}

static void read_master(struct relay *r)
{
	char buf[8192];
	ssize_t n;

	for (;;) {
		n = read(r->master, buf, sizeof(buf));
		if (n > 0) {
			if (r->out_ok && write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
				r->out_ok = false;	/* nobody reads: the session runs on */
			if (r->eof_at)
				r->eof_at = mono_ms() + EOF_REPEAT_MS;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EIO) {
			/* nobody holds the terminal now (login's vhangup, or the
			 * end): POLLHUP would spin us, so look again soon */
			r->retry_at = mono_ms() + 100;
		}
		return;
	}
}

static void send_eof(struct relay *r)
{
	struct termios t;
	char c = 4;

	if (tcgetattr(r->master, &t) == 0 && (t.c_lflag & ICANON) && t.c_cc[VEOF])
		c = (char)t.c_cc[VEOF];
	if (write(r->master, &c, 1) < 0 && errno != EAGAIN)
		r->eof_at = 0;
	else
		r->eof_at = mono_ms() + EOF_REPEAT_MS;
}

static void write_master(struct relay *r)
{
	ssize_t n;

	while (r->inoff < r->inlen) {
		n = write(r->master, r->in + r->inoff, r->inlen - r->inoff);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				r->inoff = r->inlen;	/* the guest side is gone */
			return;
		}
		r->inoff += (size_t)n;
	}
	r->inoff = r->inlen = 0;
	if (r->stdin_eof && !r->eof_at)
		send_eof(r);
}

static void read_stdin(struct relay *r)
{
	ssize_t n = read(STDIN_FILENO, r->in, sizeof(r->in));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		/* the end of a piped script is the end of the guest's input */
		r->stdin_eof = true;
		write_master(r);
		return;
	}
	if (r->raw && r->esc.key && escape_feed(&r->esc, r->in, (size_t)n, mono_ms())) {
		r->end = PTY_ESCAPED;
		return;
	}
	r->inlen = (size_t)n;
	r->inoff = 0;
	write_master(r);
}

static void handle_signals(struct relay *r)
{
	struct signalfd_siginfo si;

	while (read(r->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGWINCH)
			copy_winsize(r->master);
		else
			r->end = PTY_HANGUP;
	}
}

static int poll_timeout(const struct relay *r)
{
	int64_t t = r->eof_at, left;

	if (r->retry_at && (!t || r->retry_at < t))
		t = r->retry_at;
	if (!t)
		return -1;
	left = t - mono_ms();
	return left < 0 ? 0 : (int)left;
}

static void relay_loop(struct relay *r)
{
	while (r->end < 0) {
		bool want_in = !r->stdin_eof && r->inlen == 0;
		struct pollfd p[4] = {
			{ .fd = r->sigfd, .events = POLLIN },
			{ .fd = r->retry_at ? -1 : r->master, .events = POLLIN | (r->inlen ? POLLOUT : 0) },
			{ .fd = want_in ? STDIN_FILENO : -1, .events = POLLIN },
			{ .fd = r->pidfd, .events = POLLIN },
		};
		int n = poll(p, 4, poll_timeout(r));

		if (n < 0 && errno != EINTR)
			break;
		if (r->eof_at && mono_ms() >= r->eof_at)
			send_eof(r);
		if (r->retry_at && mono_ms() >= r->retry_at)
			r->retry_at = 0;
		if (n <= 0)
			continue;
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
			read_master(r);
		if (p[1].revents & POLLOUT)
			write_master(r);
		if (p[2].revents & (POLLIN | POLLHUP | POLLERR))
			read_stdin(r);
		if (p[0].revents & POLLIN)
			handle_signals(r);
		if (p[3].revents & POLLIN)
			r->end = PTY_ENDED;
	}
	read_master(r);	/* the last words of the session */
}

int pty_relay(int master, int pidfd, unsigned char escape_key)
{
	struct relay r = {
		.master = master, .pidfd = pidfd, .sigfd = -1, .end = -1, .out_ok = true,
		.esc = { .key = escape_key },
	};
	int err = relay_setup(&r);

	if (err == 0) {
		relay_loop(&r);
		err = r.end < 0 ? -EIO : r.end;
	}
	relay_restore(&r);
	return err;
}

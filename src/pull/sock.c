/* Non-blocking TCP with poll deadlines. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "machbox.h"
#include "pull/sock.h"

/* poll for events within timeout_ms and the total deadline */
static int wait_fd(struct sock *s, short events, int timeout_ms)
{
	struct pollfd p = { .fd = s->fd, .events = events };
	int64_t end = mono_ms() + timeout_ms;
	int why = SOCK_IDLE;

	if (s->deadline && s->deadline < end) {
		end = s->deadline;
		why = SOCK_TOTAL;
	}
	for (;;) {
		int64_t left = end - mono_ms();
		int r;

		if (left <= 0) {
			s->why = why;
			return -ETIMEDOUT;
		}
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR) {
			s->why = SOCK_ERRNO;
			return -errno;
		}
	}
}

static int connect_one(struct sock *s, const struct addrinfo *ai, int connect_ms)
{
	int err = 0, r;
	socklen_t el = sizeof(err);

	s->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       ai->ai_protocol);
	if (s->fd < 0)
		return -errno;
	if (connect(s->fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return 0;
	if (errno != EINPROGRESS)
		r = -errno;
	else if ((r = wait_fd(s, POLLOUT, connect_ms)) == 0 &&
		 getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0)
		r = -err;
	if (r)
		sock_close(s);
	return r;
}

int sock_connect(struct sock *s, const char *host, uint16_t port, int connect_ms,
		 char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res, *ai;
	char ps[8];
	int r, one = 1;

	s->fd = -1;
	s->why = SOCK_OK;
	snprintf(ps, sizeof(ps), "%u", port);
	r = getaddrinfo(host, ps, &hints, &res);
	if (r) {
		snprintf(err, errlen, "cannot resolve %s: %s", host, gai_strerror(r));
		return r == EAI_SYSTEM ? -errno : -EHOSTUNREACH;
	}
	r = -EHOSTUNREACH;
	/* every address in turn: "localhost" may be ::1 first and the server
	 * only on 127.0.0.1 */
	for (ai = res; ai; ai = ai->ai_next) {
		r = connect_one(s, ai, connect_ms);
		if (!r || s->why == SOCK_TOTAL)
			break;
	}
	freeaddrinfo(res);
	if (r == -ETIMEDOUT)
		snprintf(err, errlen, "connecting to %s port %u timed out after %d s", host, port,
			 (connect_ms + 999) / 1000);
	else if (r)
		snprintf(err, errlen, "cannot connect to %s port %u: %s", host, port, strerror(-r));
	else
		setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return r;
}

ssize_t sock_read(struct sock *s, void *buf, size_t len)
{
	for (;;) {
		ssize_t n = read(s->fd, buf, len);
		int r;

		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			s->why = SOCK_ERRNO;
			return -errno;
		}
		r = wait_fd(s, POLLIN, s->idle_ms);
		if (r)
			return r;
	}
}

int sock_write_all(struct sock *s, const void *buf, size_t len)
{
	while (len) {
		ssize_t n = send(s->fd, buf, len, MSG_NOSIGNAL);
		int r;

		if (n > 0) {
			buf = (const char *)buf + n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN) {
			s->why = SOCK_ERRNO;
			return -errno;
		}
		r = wait_fd(s, POLLOUT, s->idle_ms);
		if (r)
			return r;
	}
	return 0;
}

void sock_close(struct sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

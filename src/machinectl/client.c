/* machinectl's side of machined's control socket: connect, start machined
 * when root asks and it is not running, one request, one reply. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "machbox.h"
#include "machine.h"
#include "machinectl/client.h"

#define SPAWN_WAIT_MS 5000

static int connect_control(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (root_path(sa.sun_path, sizeof(sa.sun_path), MACHBOX_CONTROL) < 0)
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	r = -errno;
	close(fd);
	return r;
}

/* `machbox machined`: it daemonises and exits once its socket listens */
static int spawn_machined(void)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execl("/proc/self/exe", "machbox", "machined", (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -ECHILD;
}

static int connect_or_spawn(bool spawn)
{
	long long deadline;
	int fd = connect_control(), r;

	if (fd >= 0 || !spawn || geteuid() != 0 || (fd != -ENOENT && fd != -ECONNREFUSED))
		return fd;
	r = spawn_machined();
	/* another machinectl may have won the race: its machined will do */
	deadline = mono_ms() + SPAWN_WAIT_MS;
	for (;;) {
		fd = connect_control();
		if (fd >= 0 || mono_ms() >= deadline)
			return fd >= 0 ? fd : r < 0 ? r : fd;
		poll(NULL, 0, 20);
	}
}

/* the reply, and the fd it carries (else -1) into *FD */
static int receive(int fd, int timeout_ms, struct mreply *r, int *passed)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { r->buf, PROTO_MAX_MSG };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			     .msg_controllen = sizeof(u.b) };
	struct cmsghdr *cm;
	struct proto_reply rep;
	ssize_t got;
	int rc;

	*passed = -1;
	rc = poll(&p, 1, timeout_ms);
	if (rc <= 0)
		return rc < 0 ? -errno : -ETIMEDOUT;
	got = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	if (got <= 0)
		return got < 0 ? -errno : -ECONNRESET;
	cm = CMSG_FIRSTHDR(&mh);
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
		memcpy(passed, CMSG_DATA(cm), sizeof(int));
	rc = proto_decode_reply(r->buf, (size_t)got, &rep);
	if (rc < 0) {
		close_safe(passed);
		return rc;
	}
	/* the text is the tail of buf: move it up front and terminate it */
	memmove(r->buf, rep.text, rep.len);
	r->buf[rep.len] = 0;
	r->text = r->buf;
	r->len = rep.len;
	r->status = rep.status;
	return 0;
}

int client_open(unsigned op, unsigned argc, const char *const *argv, bool spawn,
		int timeout_ms, struct mreply *r, int *passed)
{
	static char req[PROTO_MAX_MSG];
	int n = proto_encode_request(req, sizeof(req), op, argc, argv), fd, rc;

	if (n < 0)
		return n;
	fd = connect_or_spawn(spawn);
	if (fd < 0)
		return fd;
	if (send(fd, req, (size_t)n, MSG_NOSIGNAL) < 0)
		rc = -errno;
	else
		rc = receive(fd, timeout_ms, r, passed);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

int client_next(int fd, int timeout_ms, struct mreply *r)
{
	int passed, rc = receive(fd, timeout_ms, r, &passed);

	close_safe(&passed);
	return rc;
}

int client_call(unsigned op, unsigned argc, const char *const *argv, bool spawn,
		int timeout_ms, struct mreply *r)
{
	int passed, fd = client_open(op, argc, argv, spawn, timeout_ms, r, &passed);

	if (fd < 0)
		return fd;
	close_safe(&passed);
	close(fd);
	return 0;
}

char *record_value(const char *rec, size_t len, const char *key)
{
	size_t vlen = 0;
	const char *v = proto_record_get(rec, len, key, &vlen);
	char *s = xcalloc(1, vlen + 1);

	if (v)
		memcpy(s, v, vlen);
	return s;
}

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

static int exchange(int fd, const void *req, size_t n, int timeout_ms, struct mreply *r)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct proto_reply rep;
	ssize_t got;
	int rc;

	if (send(fd, req, n, MSG_NOSIGNAL) < 0)
		return -errno;
	rc = poll(&p, 1, timeout_ms);
	if (rc <= 0)
		return rc < 0 ? -errno : -ETIMEDOUT;
	got = recv(fd, r->buf, PROTO_MAX_MSG, 0);
	if (got <= 0)
		return got < 0 ? -errno : -ECONNRESET;
	rc = proto_decode_reply(r->buf, (size_t)got, &rep);
	if (rc < 0)
		return rc;
	/* the text is the tail of buf: move it up front and terminate it */
	memmove(r->buf, rep.text, rep.len);
	r->buf[rep.len] = 0;
	r->text = r->buf;
	r->len = rep.len;
	r->status = rep.status;
	return 0;
}

int client_call(unsigned op, unsigned argc, const char *const *argv, bool spawn,
		int timeout_ms, struct mreply *r)
{
	static char req[PROTO_MAX_MSG];
	int n = proto_encode_request(req, sizeof(req), op, argc, argv), fd, rc;

	if (n < 0)
		return n;
	fd = connect_or_spawn(spawn);
	if (fd < 0)
		return fd;
	rc = exchange(fd, req, (size_t)n, timeout_ms, r);
	close(fd);
	return rc;
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

/* Console attach for machinectl (see include/machine.h for the messages).
 * A slow or vanished client is dropped: the monitor never waits for one. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "fileio.h"
#include "machbox.h"
#include "machine.h"
#include "nspawn/consock.h"

void consock_init(struct consock *s)
{
	int i;

	s->listen_fd = -1;
	s->path[0] = 0;
	for (i = 0; i < CONSOCK_MAX_CLIENTS; i++)
		s->clients[i] = -1;
}

int consock_open(struct consock *s, const char *machine)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[4096];
	int fd, r;

	r = root_path(dir, sizeof(dir), MACHBOX_CONSOLE_DIR);
	if (r < 0)
		return r;
	r = mkdir_p(dir, 0700);
	if (r < 0)
		return r;
	r = machine_path(s->path, sizeof(s->path), MACHBOX_CONSOLE_DIR, machine, NULL);
	if (r < 0)
		return r;
	if (strlen(s->path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, s->path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(s->path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(s->path, 0600) < 0 ||
	    listen(fd, 4) < 0) {
		r = -errno;
		close(fd);
		unlink(s->path);
		s->path[0] = 0;
		return r;
	}
	s->listen_fd = fd;
	return 0;
}

static void drop(struct consock *s, int i)
{
	close_safe(&s->clients[i]);
}

void consock_close(struct consock *s)
{
	int i;

	for (i = 0; i < CONSOCK_MAX_CLIENTS; i++)
		drop(s, i);
	close_safe(&s->listen_fd);
	if (s->path[0])
		unlink(s->path);
	s->path[0] = 0;
}

static int send_data(int fd, const char *buf, size_t n)
{
	char msg[CONSOLE_MSG_MAX];

	while (n > 0) {
		size_t k = n < sizeof(msg) - 1 ? n : sizeof(msg) - 1;

		msg[0] = CONSOLE_MSG_DATA;
		memcpy(msg + 1, buf, k);
		if (send(fd, msg, k + 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			return -errno;
		buf += k;
		n -= k;
	}
	return 0;
}

void consock_accept(struct consock *s, const struct ring *ring)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	char *replay;
	size_t n;
	int fd, i;

	fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	/* the directory is root's, but say it twice */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0) {
		close(fd);
		return;
	}
	for (i = 0; i < CONSOCK_MAX_CLIENTS && s->clients[i] >= 0; i++)
		;
	if (i == CONSOCK_MAX_CLIENTS) {
		close(fd);
		return;
	}
	s->clients[i] = fd;
	replay = malloc(ring->size ? ring->size : 1);
	if (!replay)
		return;
	n = ring_read(ring, replay, ring->size);
	if (send_data(fd, replay, n) < 0)
		drop(s, i);
	free(replay);
}

void consock_broadcast(struct consock *s, const void *buf, size_t n)
{
	int i;

	for (i = 0; i < CONSOCK_MAX_CLIENTS; i++)
		if (s->clients[i] >= 0 && send_data(s->clients[i], buf, n) < 0)
			drop(s, i);
}

void consock_client_ready(struct consock *s, int i, int master)
{
	char msg[CONSOLE_MSG_MAX];
	ssize_t n = recv(s->clients[i], msg, sizeof(msg), MSG_DONTWAIT);

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			drop(s, i);
		return;
	}
	if (master < 0)
		return;
	if (msg[0] == CONSOLE_MSG_DATA)
		write_all(master, msg + 1, (size_t)n - 1);
	else if (msg[0] == CONSOLE_MSG_WINSIZE && (size_t)n == 1 + sizeof(struct winsize)) {
		struct winsize ws;

		memcpy(&ws, msg + 1, sizeof(ws));
		ioctl(master, TIOCSWINSZ, &ws);
	}
}

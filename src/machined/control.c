/* The control socket: one request per connection (include/proto.h),
 * authorised on the peer's uid, answered at once or when the machine
 * settles.  A bad request costs its connection, never machined. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fileio.h"
#include "machbox.h"
#include "machine.h"
#include "machined/machined.h"
#include "proto.h"

static const char no_root[] = "permission denied: managing machines needs root";

int control_listen(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (root_path(sa.sun_path, sizeof(sa.sun_path), MACHBOX_CONTROL) < 0)
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* we hold machined.lock: a socket file there is a dead one's */
	unlink(sa.sun_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(sa.sun_path, 0666) < 0 || listen(fd, 32) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

/* Users share MD_MAX_USER_CONNS, at most MD_MAX_UID_CONNS each, so no
 * user can fill the table and lock root out */
static bool conn_allowed(const struct machined *d, uid_t uid)
{
	const struct conn *c;
	unsigned users = 0, mine = 0;

	if (d->n_conns >= MD_MAX_CONNS)
		return false;
	if (uid == 0)
		return true;
	for (c = d->conns; c; c = c->next) {
		users += c->uid != 0;
		mine += c->uid == uid;
	}
	return users < MD_MAX_USER_CONNS && mine < MD_MAX_UID_CONNS;
}

static bool accept_one(struct machined *d)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	struct conn *c = NULL;
	int fd = accept4(d->listenfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return false;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 && conn_allowed(d, cr.uid))
		c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return true;
	}
	c->fd = fd;
	c->uid = cr.uid;
	c->deadline = mono_ms() + MD_REQUEST_MS;
	c->next = d->conns;
	d->conns = c;
	d->n_conns++;
	return true;
}

/* a few at a time: a flood is turned away as fast as it comes */
void control_accept(struct machined *d)
{
	int i;

	for (i = 0; i < 16 && accept_one(d); i++)
		;
}

/* closes now; the entry is freed by control_sweep() in the loop */
void control_drop(struct machined *d, struct conn *c)
{
	(void)d;
	close_safe(&c->fd);
	c->wait = NULL;
}

int control_send(struct conn *c, int status, const char *text, size_t len, int fd)
{
	static char buf[PROTO_MAX_MSG];
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { buf, 0 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	int n;

	if (c->fd < 0)
		return -EBADF;
	if (len > PROTO_MAX_MSG - PROTO_REPLY_HDR_SIZE)
		len = PROTO_MAX_MSG - PROTO_REPLY_HDR_SIZE;
	n = proto_encode_reply(buf, sizeof(buf), c->op, status, text, len);
	if (n < 0)
		return n;
	iov.iov_len = (size_t)n;
	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.b;
		mh.msg_controllen = sizeof(u.b);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 ? -errno : 0;
}

void control_reply(struct machined *d, struct conn *c, int status, const char *text, size_t len)
{
	control_send(c, status, text, len, -1);
	control_drop(d, c);
}

static void reply_msg(struct machined *d, struct conn *c, int status, const char *text)
{
	control_reply(d, c, status, text, strlen(text));
}

static bool listed(const struct machine *m)
{
	return m->state == MS_STARTING || m->state == MS_UP || m->state == MS_STOPPING;
}

/* records of the machines, an empty line between two; what does not fit
 * in one message is left out (about 100 machines fit) */
static size_t add_record(char *buf, size_t used, size_t size, const struct machine *m)
{
	size_t sep = used ? 1 : 0;
	int n;

	if (used + sep >= size)
		return used;
	n = info_record(m, buf + used + sep, size - used - sep);
	if (n < 0)
		return used;
	if (sep)
		buf[used] = '\n';
	return used + sep + (size_t)n;
}

static void op_list(struct machined *d, struct conn *c, const struct caller *k)
{
	static char buf[PROTO_MAX_MSG - PROTO_REPLY_HDR_SIZE];
	size_t used = 0;
	unsigned i;

	for (i = 0; i < d->n_machines; i++)
		if (listed(d->machines[i]) && caller_may(k, d->machines[i]->name))
			used = add_record(buf, used, sizeof(buf), d->machines[i]);
	control_reply(d, c, 0, buf, used);
}

static void op_status(struct machined *d, struct conn *c, const struct proto_request *rq,
		      const struct caller *k)
{
	static char buf[PROTO_MAX_MSG - PROTO_REPLY_HDR_SIZE];
	size_t used = 0;
	unsigned i;

	for (i = 0; i < rq->argc; i++) {
		struct machine *m = machine_find(d, rq->argv[i]);

		if (!m || m->state == MS_DOWN || !caller_may(k, m->name))
			return reply_unknown(d, c, rq->argv[i]);
		used = add_record(buf, used, sizeof(buf), m);
	}
	control_reply(d, c, 0, buf, used);
}

static enum mevent op_event(unsigned op)
{
	switch (op) {
	case OP_START: return ME_START;
	case OP_POWEROFF: return ME_POWEROFF;
	case OP_REBOOT: return ME_REBOOT;
	case OP_TERMINATE: return ME_TERMINATE;
	default: return ME_KILL;
	}
}

static int op_kill(struct machine *m, const struct proto_request *rq, char *text, size_t len)
{
	unsigned long long sig;
	bool all = !strcmp(rq->argv[1], "all");
	int r;

	if ((!all && strcmp(rq->argv[1], "leader")) || parse_uint(rq->argv[2], 64, &sig) || !sig) {
		snprintf(text, len, "bad kill request");
		return -EINVAL;
	}
	r = machine_kill(m, all, (int)sig);
	if (r < 0)
		snprintf(text, len, "cannot signal machine %s: %s", m->name, strerror(-r));
	return r;
}

static void op_machine(struct machined *d, struct conn *c, const struct proto_request *rq,
		       const struct caller *k)
{
	unsigned want = rq->op == OP_KILL ? 3 : 1;
	struct machine *m;
	char text[256] = "";
	int r;

	if (rq->argc != want || !machine_name_valid(rq->argv[0]))
		return reply_msg(d, c, -EINVAL, "bad request: wrong arguments");
	if (!caller_may(k, rq->argv[0]))
		return reply_unknown(d, c, rq->argv[0]);
	if (rq->op == OP_START && d->exiting)
		return reply_msg(d, c, -ESHUTDOWN, "machined is shutting down");
	m = rq->op == OP_START ? machine_get(d, rq->argv[0]) : machine_find(d, rq->argv[0]);
	if (!m) {
		snprintf(text, sizeof(text), rq->op == OP_START ? "too many machines" :
			 "No machine '%.64s' known", rq->argv[0]);
		return reply_msg(d, c, rq->op == OP_START ? -ENOSPC : -ENXIO, text);
	}
	if (rq->op == OP_START && image_dir(m->name, m->image, sizeof(m->image)) < 0 &&
	    (m->state == MS_DOWN || m->state == MS_FAILED)) {
		snprintf(text, sizeof(text), "No machine image '%s' found", m->name);
		return reply_msg(d, c, -ENOENT, text);
	}
	c->wait = m;
	r = machine_request(d, m, op_event(rq->op), text, sizeof(text));
	if (r == 0 && rq->op == OP_KILL)
		r = op_kill(m, rq, text, sizeof(text));
	if (r <= 0)
		reply_msg(d, c, r, text);
	/* else: answered by control_notify(), maybe already */
}

static void dispatch(struct machined *d, struct conn *c, const struct proto_request *rq)
{
	struct caller k;

	if (!CFG_USER_CONTAINERS && c->uid != 0 && rq->op != OP_LIST && rq->op != OP_STATUS)
		return reply_msg(d, c, -EPERM, no_root);
	caller_init(&k, c->uid);
	if (!CFG_USER_CONTAINERS)
		k.all = true;	/* list and status: every machine, as before */
	switch (rq->op) {
	case OP_LIST:
		return op_list(d, c, &k);
	case OP_STATUS:
		return op_status(d, c, rq, &k);
	case OP_CLONE:
		return op_clone(d, c, rq, &k);
	case OP_REMOVE:
		return op_remove(d, c, rq, &k);
	case OP_SHELL:
		return op_shell(d, c, rq, &k);
	default:
		return op_machine(d, c, rq, &k);
	}
}

void control_input(struct machined *d, struct conn *c)
{
	static char buf[PROTO_MAX_MSG];
	struct proto_request rq;
	/* MSG_TRUNC: the datagram's real length, whatever fits in buf */
	ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 || c->deadline == 0) {
		/* gone, or a second request on one connection */
		control_drop(d, c);
		return;
	}
	c->deadline = 0;
	c->op = OP_LIST;
	if (n > PROTO_MAX_MSG)
		return reply_msg(d, c, -EMSGSIZE, "request too large");
	if (proto_decode_request(buf, (size_t)n, &rq) < 0)
		return reply_msg(d, c, -EPROTO, "malformed request");
	c->op = rq.op;
	dispatch(d, c, &rq);
}

/* A reply owed to C now that M moved: 1 settled ok, -errno failed, 0 wait */
static int settled(const struct conn *c, const struct machine *m)
{
	bool down = m->state == MS_DOWN || m->state == MS_FAILED;

	switch (c->op) {
	case OP_START:
	case OP_REBOOT:
		if (m->state == MS_UP)
			return 1;
		return down ? -EIO : 0;
	default:
		return down ? 1 : 0;
	}
}

void control_notify(struct machined *d, struct machine *m)
{
	char text[256];
	struct conn *c;
	int r;

	for (c = d->conns; c; c = c->next) {
		if (c->wait != m || !(r = settled(c, m)))
			continue;
		if (r > 0) {
			control_reply(d, c, 0, NULL, 0);
			continue;
		}
		if (m->exit_status >= 0)
			snprintf(text, sizeof(text), "machine %s failed to start: its monitor exited "
				 "with status %d (see %s/%s.log)", m->name, m->exit_status,
				 MACHBOX_LOG_DIR, m->name);
		else
			snprintf(text, sizeof(text), "machine %s failed to start (see %s/%s.log)",
				 m->name, MACHBOX_LOG_DIR, m->name);
		reply_msg(d, c, r, text);
	}
}

void control_expire(struct machined *d, long long now)
{
	struct conn *c, **pp = &d->conns;

	for (c = d->conns; c; c = c->next)
		if (c->fd >= 0 && c->deadline && now >= c->deadline)
			control_drop(d, c);
	/* free what was closed */
	while ((c = *pp)) {
		if (c->fd >= 0) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		d->n_conns--;
		free(c);
	}
}

bool machine_waited_for(const struct machined *d, const struct machine *m)
{
	const struct conn *c;

	for (c = d->conns; c; c = c->next)
		if (c->wait == m)
			return true;
	return false;
}

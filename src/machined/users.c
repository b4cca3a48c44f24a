/* Callers that are not root (DESIGN.md §8).  The peer's uid decides,
 * nothing else: root and the members of machbox.conf's ManageGroup act on
 * every machine; any other user on the machines named user-$USER-* whose
 * owner record is theirs.  The owner is recorded when a user clones the
 * machine into being ($MACHBOX_ROOT/var/lib/machbox/owners/NAME, one
 * decimal uid; none: root's).  What a caller may not see is answered as
 * if it did not exist.
 *
 * Cloning, removing and sessions take time, so a worker (a child of
 * machined, never exec'd) does each with the connection handed over to
 * it; the loop only reaps it.  Workers are counted per uid. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compat.h"
#include "fileio.h"
#include "machbox.h"
#include "machine.h"
#include "machined/machined.h"
#include "image/cli.h"
#include "machinectl/enter.h"
#include "proto.h"

/* --- who may do what --- */

/* GROUP's entry in /etc/group names USER among its members, or GID is its
 * own (fgetgrent: BindUser's parser, in the binary anyway) */
static bool in_group(const char *user, gid_t gid, const char *group)
{
	FILE *f = *group ? fopen("/etc/group", "re") : NULL;
	struct group *g;
	bool in = false;
	char **m;

	if (!f)
		return false;
	while (!in && (g = fgetgrent(f))) {
		if (strcmp(g->gr_name, group))
			continue;
		in = g->gr_gid == gid;
		for (m = g->gr_mem; !in && m && *m; m++)
			in = !strcmp(*m, user);
		break;
	}
	fclose(f);
	return in;
}

void caller_init(struct caller *k, uid_t uid)
{
	struct passwd *pw;

	memset(k, 0, sizeof(*k));
	k->uid = uid;
	if (conf_load(&k->conf, NULL, NULL, NULL, 0) < 0)
		conf_defaults(&k->conf);
	pw = uid ? getpwuid(uid) : NULL;
	if (pw && strlcpy_mb(k->user, pw->pw_name, sizeof(k->user)) >= sizeof(k->user))
		k->user[0] = 0;
	k->all = uid == 0 || (pw && k->user[0] && in_group(k->user, pw->pw_gid, k->conf.manage_group));
}

/* NAME is "user-" + the caller's name + "-" + more: 0; else -EPERM, or
 * -EEXIST when another user's name fits it better (user-alice-bob-x is
 * alice-bob's, never alice's) */
static int name_check(const struct caller *k, const char *name)
{
	size_t n = strlen(k->user);
	const char *p;
	char cand[72];
	struct passwd *pw;

	if (!n || strncmp(name, "user-", 5) || strncmp(name + 5, k->user, n) ||
	    name[5 + n] != '-' || !name[6 + n])
		return -EPERM;
	for (p = strchr(name + 6 + n, '-'); p; p = strchr(p + 1, '-')) {
		if ((size_t)(p - name - 5) >= sizeof(cand))
			break;
		memcpy(cand, name + 5, (size_t)(p - name - 5));
		cand[p - name - 5] = 0;
		pw = getpwnam(cand);
		if (pw && pw->pw_uid != k->uid)
			return -EEXIST;
	}
	return 0;
}

static uid_t owner_of(const char *name)
{
	char path[512], text[24];
	unsigned long long uid;

	if (machine_path(path, sizeof(path), MACHBOX_OWNER_DIR, name, NULL) < 0 ||
	    read_file_at(AT_FDCWD, path, text, sizeof(text)) < 0)
		return 0;
	text[strcspn(text, "\n")] = 0;
	return parse_uint(text, UINT32_MAX - 1, &uid) < 0 ? 0 : (uid_t)uid;
}

static int owner_set(const char *name, uid_t uid)
{
	char dir[512], path[512], text[24];
	int r;

	if (root_path(dir, sizeof(dir), MACHBOX_OWNER_DIR) < 0 ||
	    machine_path(path, sizeof(path), MACHBOX_OWNER_DIR, name, NULL) < 0)
		return -ENAMETOOLONG;
	if ((r = mkdir_p(dir, 0755)) < 0 && r != -EEXIST)
		return r;
	snprintf(text, sizeof(text), "%u\n", (unsigned)uid);
	return write_file_at(AT_FDCWD, path, text, O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
}

static void owner_forget(const char *name)
{
	char path[512];

	if (machine_path(path, sizeof(path), MACHBOX_OWNER_DIR, name, NULL) == 0)
		unlink(path);
}

bool caller_may(const struct caller *k, const char *name)
{
	return k->all || (name_check(k, name) == 0 && owner_of(name) == k->uid);
}

static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	for (p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ' || p[-1] == '\t') && (!p[n] || p[n] == ' ' || p[n] == '\t'))
			return true;
	return false;
}

/* --- workers --- */

static unsigned workers_of(const struct machined *d, uid_t uid)
{
	const struct worker *w;
	unsigned n = 0;

	for (w = d->workers; w; w = w->next)
		n += w->uid == uid;
	return n;
}

/* 0 in the worker, which owns C's socket and nothing else of machined's;
 * 1 in machined, C handed over; -errno */
static int worker_fork(struct machined *d, struct conn *c)
{
	struct worker *w;
	sigset_t none;
	pid_t pid;

	if (d->n_workers >= MD_MAX_WORKERS || (c->uid && workers_of(d, c->uid) >= MD_MAX_USER_WORKERS))
		return -EAGAIN;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	pid = fork();
	if (pid < 0) {
		free(w);
		return -errno;
	}
	if (pid == 0) {
		free(w);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* the lock, the listener, the monitors' pidfds stay machined's */
		syscall(SYS_close_range, 3, c->fd - 1, 0);
		syscall(SYS_close_range, c->fd + 1, ~0U, 0);
		return 0;
	}
	w->pid = pid;
	w->uid = c->uid;
	w->next = d->workers;
	d->workers = w;
	d->n_workers++;
	control_drop(d, c);
	return 1;
}

void workers_reap(struct machined *d)
{
	struct worker *w, **pp = &d->workers;

	while ((w = *pp)) {
		if (waitpid(w->pid, NULL, WNOHANG) != w->pid) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		d->n_workers--;
		free(w);
	}
}

void workers_free(struct machined *d)
{
	struct worker *w;

	/* sessions outlive machined; only the list goes */
	while ((w = d->workers)) {
		d->workers = w->next;
		free(w);
	}
	d->n_workers = 0;
}

static void reply_errf(struct machined *d, struct conn *c, int status, const char *fmt, ...) PRINTF(4, 5);
static void reply_errf(struct machined *d, struct conn *c, int status, const char *fmt, ...)
{
	char text[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	control_reply(d, c, status, text, strlen(text));
}

void reply_unknown(struct machined *d, struct conn *c, const char *name)
{
	reply_errf(d, c, -ENXIO, "No machine '%.64s' known", name);
}

/* after worker_fork: in machined, 1 (handed over or answered); in the
 * worker, 0 */
static int fork_or_busy(struct machined *d, struct conn *c)
{
	int r = worker_fork(d, c);

	if (r < 0)
		reply_errf(d, c, r, "cannot start the work: %s", r == -EAGAIN ?
			   "too many under way, try again later" : strerror(-r));
	return r == 0 ? 0 : 1;
}

/* --- clone and remove --- */

static void NORETURN clone_work(struct machined *d, struct conn *c, const char *src, const char *dst)
{
	struct image img;
	int r = image_find(src, &img);

	if (r == 0)
		r = image_clone(&img, dst, false);
	if (r == 0 && c->uid)
		r = owner_set(dst, c->uid);
	if (r < 0)
		reply_errf(d, c, r, "Failed to clone '%s' to '%s': %s", src, dst, image_strerror(r));
	else
		control_reply(d, c, 0, NULL, 0);
	_exit(r < 0);
}

void op_clone(struct machined *d, struct conn *c, const struct proto_request *rq, const struct caller *k)
{
	int r;

	if (!CFG_IMAGES || rq->argc != 2 || !machine_name_valid(rq->argv[0]) ||
	    !machine_name_valid(rq->argv[1]))
		return reply_errf(d, c, -EINVAL, "bad request: wrong arguments");
	if (!k->all && !word_in(k->conf.user_images, rq->argv[0]) && !caller_may(k, rq->argv[0]))
		return reply_errf(d, c, -ENXIO, "No image '%s' that users may clone", rq->argv[0]);
	r = k->all ? 0 : name_check(k, rq->argv[1]);
	if (r == -EEXIST)
		return reply_errf(d, c, -EPERM, "'%s' is in the names of another user", rq->argv[1]);
	if (r < 0)
		return reply_errf(d, c, -EPERM, "the machines of user %s are named user-%s-*",
				  k->user[0] ? k->user : "?", k->user[0] ? k->user : "NAME");
	if (fork_or_busy(d, c) == 0)
		clone_work(d, c, rq->argv[0], rq->argv[1]);
}

static void NORETURN remove_work(struct machined *d, struct conn *c, const char *name)
{
	struct image img;
	int r = image_find(name, &img);

	if (r == 0)
		r = image_remove(&img);
	if (r == 0)
		owner_forget(name);
	if (r == -ENOENT)
		reply_unknown(d, c, name);
	else if (r < 0)
		reply_errf(d, c, r, "Failed to remove '%s': %s", name, image_strerror(r));
	else
		control_reply(d, c, 0, NULL, 0);
	_exit(r < 0);
}

void op_remove(struct machined *d, struct conn *c, const struct proto_request *rq, const struct caller *k)
{
	if (!CFG_IMAGES || rq->argc != 1 || !machine_name_valid(rq->argv[0]))
		return reply_errf(d, c, -EINVAL, "bad request: wrong arguments");
	if (!caller_may(k, rq->argv[0]))
		return reply_unknown(d, c, rq->argv[0]);
	if (fork_or_busy(d, c) == 0)
		remove_work(d, c, rq->argv[0]);
}

/* --- sessions --- */

static void NORETURN session_work(struct machined *d, struct conn *c, const struct proto_session *ps,
				   pid_t leader)
{
	char *cmd[PROTO_MAX_ARGS + 1], text[32];
	struct enter_opts eo = {
		.machine = ps->name,	/* its system call filter */
		.user = ps->user[0] ? ps->user : NULL, .env = ps->env, .n_env = ps->n_env,
		.term = ps->term, .login = ps->flags & SESSION_LOGIN,
		.no_echo = ps->flags & SESSION_NO_ECHO, .no_onlcr = ps->flags & SESSION_NO_ONLCR,
		.ws = { .ws_row = (unsigned short)ps->rows, .ws_col = (unsigned short)ps->cols },
	};
	struct enter_session s;
	struct pollfd p[2];
	unsigned i;
	int r;

	for (i = 0; i < ps->n_cmd; i++)
		cmd[i] = (char *)ps->cmd[i];
	cmd[i] = NULL;
	eo.argv = ps->n_cmd ? cmd : NULL;
	r = enter_start(leader, &eo, &s);
	if (r < 0) {
		reply_errf(d, c, r, "%s", s.err[0] ? s.err : strerror(-r));
		_exit(1);
	}
	r = control_send(c, 0, NULL, 0, s.master);
	close_safe(&s.master);
	/* the session's end, or the client's: then it is left to the
	 * hangup its terminal gets, as when root's machinectl leaves */
	p[0] = (struct pollfd){ .fd = s.pidfd, .events = POLLIN };
	p[1] = (struct pollfd){ .fd = c->fd, .events = 0 };
	while (r == 0 && poll(p, 2, -1) < 0 && errno == EINTR)
		;
	if (r == 0 && (p[0].revents & POLLIN)) {
		snprintf(text, sizeof(text), "EXIT=%d", enter_finish(&s, -1));
		control_reply(d, c, 0, text, strlen(text));
	}
	_exit(0);
}

void op_shell(struct machined *d, struct conn *c, const struct proto_request *rq, const struct caller *k)
{
	struct proto_session ps;
	pid_t leader;

	if (!CFG_MACHINECTL || proto_session_parse(rq, &ps) < 0)
		return reply_errf(d, c, -EINVAL, "bad request: wrong arguments");
	if (!caller_may(k, ps.name))
		return reply_unknown(d, c, ps.name);
	leader = machine_leader(ps.name);
	if (leader < 0)
		return reply_errf(d, c, leader == -EBUSY ? -EBUSY : -ENXIO, "machine %s is %s", ps.name,
				  leader == -EBUSY ? "still starting, try again" : "not running");
	if (fork_or_busy(d, c) == 0)
		session_work(d, c, &ps, leader);
}

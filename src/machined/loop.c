/* machined's one loop: a signalfd, the control socket and its
 * connections, a pidfd per adopted monitor, and deadlines as the poll
 * timeout.  Nothing in it sleeps or waits on one machine. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "machbox.h"
#include "machined/machined.h"

#define MD_MAX_POLL (3 + MD_MAX_CONNS + MD_MAX_MACHINES)

long long now_realtime_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct pollset {
	struct pollfd fds[MD_MAX_POLL];
	void *obj[MD_MAX_POLL];
	unsigned n;
};

static void add(struct pollset *ps, int fd, void *obj)
{
	if (fd < 0 || ps->n == MD_MAX_POLL)
		return;
	ps->fds[ps->n] = (struct pollfd){ .fd = fd, .events = POLLIN };
	ps->obj[ps->n++] = obj;
}

static long long earlier(long long a, long long b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

/* the poll timeout: the nearest deadline of anything, -1 when none */
static int timeout(const struct machined *d)
{
	long long t = d->exiting ? d->exit_deadline : 0, now = mono_ms();
	const struct conn *c;
	unsigned i;

	for (i = 0; i < d->n_machines; i++)
		t = earlier(t, d->machines[i]->deadline);
	for (c = d->conns; c; c = c->next)
		t = earlier(t, c->deadline);
	if (d->next_autostart < d->n_autostart)
		t = earlier(t, d->autostart_deadline);
	if (!t)
		return -1;
	return t <= now ? 0 : t - now > 60000 ? 60000 : (int)(t - now);
}

/* children (the monitors we forked) are reaped on SIGCHLD; adopted
 * monitors are someone else's children and only their pidfd tells */
static void build(struct machined *d, struct pollset *ps)
{
	struct conn *c;
	unsigned i;

	ps->n = 0;
	add(ps, d->sigfd, d);
	add(ps, d->listenfd, &d->listenfd);
	for (c = d->conns; c; c = c->next)
		add(ps, c->fd, c);
	for (i = 0; i < d->n_machines; i++)
		if (!d->machines[i]->child && d->machines[i]->monitor)
			add(ps, d->machines[i]->pidfd, d->machines[i]);
}

static void on_signals(struct machined *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			machine_reap_children(d);
			workers_reap(d);
			break;
		case SIGTERM:
		case SIGINT:
			if (!d->exiting) {
				msg("powering off every machine");
				machines_poweroff_all(d);
			}
			break;
		default:
			break;	/* SIGHUP: nothing to reload yet */
		}
	}
}

/* the first two entries are always the signalfd and the socket */
static void dispatch(struct machined *d, struct pollset *ps)
{
	if (ps->fds[0].revents)
		on_signals(d);
	if (ps->fds[1].revents)
		control_accept(d);
}

static bool is_conn(const struct machined *d, const void *obj)
{
	const struct conn *c;

	for (c = d->conns; c; c = c->next)
		if (c == obj)
			return true;
	return false;
}

static void dispatch_rest(struct machined *d, struct pollset *ps)
{
	unsigned i;

	for (i = 2; i < ps->n; i++) {
		short ev = ps->fds[i].revents;

		if (!ev)
			continue;
		if (is_conn(d, ps->obj[i])) {
			struct conn *c = ps->obj[i];

			if (c->fd >= 0 && (ev & POLLIN))
				control_input(d, c);
			else if (c->fd >= 0)
				control_drop(d, c);	/* hung up while waiting */
		} else {
			struct machine *m = ps->obj[i];

			if (m->monitor && !m->child && m->pidfd == ps->fds[i].fd)
				machine_exited(d, m, -1);
		}
	}
}

static void run_deadlines(struct machined *d)
{
	long long now = mono_ms();
	unsigned i;

	for (i = 0; i < d->n_machines; i++) {
		struct machine *m = d->machines[i];

		if (m->deadline && m->deadline <= now)
			machine_deadline(d, m);
	}
	control_expire(d, now);
	autostart_step(d);
}

/* machines that are DOWN with nothing pending leave the table */
static void sweep(struct machined *d)
{
	unsigned i = 0;

	while (i < d->n_machines) {
		struct machine *m = d->machines[i];

		if (m->state == MS_DOWN && !m->monitor && !m->draining && !m->restart_pending &&
		    !machine_waited_for(d, m))
			machine_forget(d, m);
		else
			i++;
	}
}

int machined_run(struct machined *d)
{
	static struct pollset ps;

	for (;;) {
		if (d->exiting && !machines_busy(d))
			break;
		if (d->exiting && mono_ms() >= d->exit_deadline) {
			msg("machines still running after the timeout: killed");
			machines_kill_all(d);
			break;
		}
		build(d, &ps);
		if (poll(ps.fds, ps.n, timeout(d)) < 0 && errno != EINTR)
			return -errno;
		dispatch(d, &ps);
		dispatch_rest(d, &ps);
		run_deadlines(d);
		sweep(d);
	}
	return 0;
}

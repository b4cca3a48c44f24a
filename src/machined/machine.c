/* The machines machined supervises: the state table's actions carried
 * out (spawn, signal, restart), never blocking on one machine. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compat.h"
#include "fileio.h"
#include "machbox.h"
#include "machine.h"
#include "machined/machined.h"
#include "nspawn/settings.h"

struct machine *machine_find(struct machined *d, const char *name)
{
	unsigned i;

	for (i = 0; i < d->n_machines; i++)
		if (!strcmp(d->machines[i]->name, name))
			return d->machines[i];
	return NULL;
}

struct machine *machine_get(struct machined *d, const char *name)
{
	struct machine *m = machine_find(d, name);

	if (m || d->n_machines == MD_MAX_MACHINES || !machine_name_valid(name))
		return m;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	strlcpy_mb(m->name, name, sizeof(m->name));
	m->pidfd = -1;
	m->exit_status = -1;
	m->stop_timeout_s = 30;
	d->machines[d->n_machines++] = m;
	return m;
}

/* DOWN and nobody waits: the entry goes, so the table does not grow */
void machine_forget(struct machined *d, struct machine *m)
{
	unsigned i;

	for (i = 0; i < d->n_machines; i++) {
		if (d->machines[i] != m)
			continue;
		d->machines[i] = d->machines[--d->n_machines];
		close_safe(&m->pidfd);
		free(m);
		return;
	}
}

static int send_monitor(struct machine *m, int sig)
{
	if (!m->monitor)
		return -ESRCH;
	if (m->pidfd >= 0 && syscall(SYS_pidfd_send_signal, m->pidfd, sig, NULL, 0) == 0)
		return 0;
	/* without a pidfd only our own unreaped child is safe to signal by pid */
	if (m->pidfd < 0 && m->child && kill(m->monitor, sig) == 0)
		return 0;
	return -errno;
}

/* [Machbox] Restart= and StopTimeoutSec=, and which of the network and
 * the user namespace the settings choose themselves (SET_*: then -n, -U
 * are not forced on them) */
static unsigned load_settings(struct machine *m)
{
	struct nspawn_opts o;
	char path[4096], err[256];
	bool trusted;
	unsigned own = 0;

	m->restart = RS_NO;
	if (settings_find(m->name, m->image, SETTINGS_YES, path, sizeof(path), &trusted) != 1)
		return false;
	nspawn_opts_init(&o);
	if (settings_load_file(path, trusted, &o, NULL, NULL, err, sizeof(err)) == 0) {
		m->restart = (enum restart_mode)o.restart;
		m->stop_timeout_s = o.stop_timeout_s;
		own = o.set_mask & (SET_NETWORK | SET_PRIVATE_USERS);
	}
	nspawn_opts_free(&o);
	return own;
}

static void NORETURN exec_monitor(const struct machine *m, unsigned own, const char *log)
{
	char logopt[600];
	const char *argv[16];
	sigset_t none;
	int n = 0, fd;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	/* its own session: a terminal's ^C to a foreground machined never
	 * reaches the monitors */
	setsid();
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && fd != 0) {
		dup2(fd, 0);
		close(fd);
	}
	fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_NOCTTY, 0640);
	if (fd < 0)
		fd = open("/dev/null", O_WRONLY);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	snprintf(logopt, sizeof(logopt), "--log-file=%s", log);
	argv[n++] = "machbox";
	argv[n++] = "nspawn";
	argv[n++] = "-q";
	argv[n++] = "-M";
	argv[n++] = m->name;
	argv[n++] = "-D";
	argv[n++] = m->image;
	argv[n++] = "-b";
	if (!(own & SET_NETWORK))
		argv[n++] = "-n";	/* as systemd's nspawn@.service */
	if (CFG_PRIVATE_USERS && !(own & SET_PRIVATE_USERS))
		argv[n++] = "-U";	/* likewise */
	argv[n++] = "--console=passive";
	argv[n++] = logopt;
	argv[n] = NULL;
	execv("/proc/self/exe", (char **)argv);
	_exit(127);
}

static int spawn(struct machine *m)
{
	char log[512], dir[512];
	unsigned own;
	pid_t pid;
	int r;

	r = image_dir(m->name, m->image, sizeof(m->image));
	if (r < 0)
		return r;
	own = load_settings(m);
	info_os_release(m);
	if (machine_path(log, sizeof(log), MACHBOX_LOG_DIR, m->name, ".log") < 0 ||
	    root_path(dir, sizeof(dir), MACHBOX_LOG_DIR) < 0)
		return -ENAMETOOLONG;
	mkdir_p(dir, 0755);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		exec_monitor(m, own, log);
	m->monitor = pid;
	m->child = true;
	m->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	proc_starttime(pid, &m->monitor_start);
	m->exit_status = -1;
	m->leader = 0;
	m->start_deadline = mono_ms() + MD_START_TIMEOUT_MS;
	m->deadline = mono_ms() + MD_POLL_UP_MS;
	return 0;
}

static void poll_up(struct machined *d, struct machine *m)
{
	pid_t leader = machine_leader(m->name);

	if (leader > 0) {
		m->leader = leader;
		m->deadline = 0;
		machine_event(d, m, ME_UP);
		return;
	}
	if (mono_ms() >= m->start_deadline) {
		/* no init after all this time: it failed to start */
		send_monitor(m, SIGKILL);
		m->deadline = 0;
		return;
	}
	m->deadline = mono_ms() + MD_POLL_UP_MS;
}

static unsigned recent_deaths(struct machine *m, long long now)
{
	unsigned i, n = 0;

	for (i = 0; i < m->n_deaths; i++)
		if (now - m->deaths[i] < MS_WINDOW_MS)
			m->deaths[n++] = m->deaths[i];
	m->n_deaths = n;
	return n;
}

static void note_death(struct machine *m, long long now)
{
	recent_deaths(m, now);
	if (m->n_deaths == ARRAY_SIZE(m->deaths)) {
		memmove(m->deaths, m->deaths + 1, sizeof(m->deaths) - sizeof(m->deaths[0]));
		m->n_deaths--;
	}
	m->deaths[m->n_deaths++] = now;
}

static struct mcond cond_of(struct machine *m, enum mevent ev)
{
	struct mcond c = {
		.restart = m->restart,
		.reboot_pending = m->reboot_pending,
		.restart_pending = m->restart_pending,
	};

	if ((ev == ME_EXIT_OK || ev == ME_EXIT_FAIL) &&
	    (m->state == MS_STARTING || m->state == MS_UP))
		c.crash_loop = recent_deaths(m, mono_ms()) >= MS_BURST;
	return c;
}

static void do_spawn(struct machined *d, struct machine *m, struct mtrans *t)
{
	int r;

	m->restart_pending = m->reboot_pending = false;
	if (d->exiting) {
		t->next = MS_DOWN;
		return;
	}
	r = spawn(m);
	if (r < 0) {
		msg("cannot start machine %s: %s", m->name, strerror(-r));
		t->next = MS_FAILED;
		m->deadline = 0;
	}
}

static void stop_deadline(struct machine *m, int sig)
{
	send_monitor(m, sig);
	/* nspawn kills the cgroup itself after its stop timeout; ours
	 * comes later and only matters when the monitor hangs */
	m->deadline = mono_ms() + (sig == SIGKILL ? 5000 : (long long)m->stop_timeout_s * 1000 + 10000);
}

static void apply(struct machined *d, struct machine *m, struct mtrans *t)
{
	switch (t->action) {
	case MA_SPAWN:
	case MA_RESTART_NOW:
		do_spawn(d, m, t);
		break;
	case MA_REBOOT:
		m->reboot_pending = true;
		/* fallthrough */
	case MA_STOP:
		stop_deadline(m, SIGTERM);
		break;
	case MA_KILL_MONITOR:
		stop_deadline(m, SIGKILL);
		break;
	case MA_POLL_UP:
		poll_up(d, m);
		break;
	case MA_RESTART_LATER:
		note_death(m, mono_ms());
		m->restart_pending = true;
		m->deadline = mono_ms() + mstate_restart_delay(m->n_deaths);
		break;
	case MA_FAILED:
		note_death(m, mono_ms());
		/* fallthrough */
	case MA_GONE:
	case MA_CANCEL_RESTART:
		m->restart_pending = m->reboot_pending = false;
		m->deadline = 0;
		break;
	default:
		break;
	}
}

static void settle(struct machined *d, struct machine *m, enum mstate old)
{
	if (m->state != old) {
		m->since_us = now_realtime_us();
		msg("machine %s: %s -> %s", m->name, mstate_name(old), mstate_name(m->state));
	}
	if (m->monitor && m->state != MS_DOWN && m->state != MS_FAILED)
		record_save(d, m);
	else
		record_remove(m);
	control_notify(d, m);
}

void machine_event(struct machined *d, struct machine *m, enum mevent ev)
{
	struct mcond c = cond_of(m, ev);
	struct mtrans t = mstate_step(m->state, ev, &c);
	enum mstate old = m->state;

	apply(d, m, &t);
	/* poll_up has stepped through ME_UP itself when it found the leader */
	if (t.action == MA_POLL_UP)
		return;
	m->state = t.next;
	settle(d, m, old);
}

int machine_request(struct machined *d, struct machine *m, enum mevent ev, char *msgbuf, size_t len)
{
	struct mcond c = cond_of(m, ev);
	struct mtrans t = mstate_step(m->state, ev, &c);

	switch (t.action) {
	case MA_BUSY:
		snprintf(msgbuf, len, "machine %s is already %s", m->name,
			 m->state == MS_STOPPING ? "stopping" : "starting");
		return -EBUSY;
	case MA_NOT_RUNNING:
		snprintf(msgbuf, len, "machine %s is not running", m->name);
		return -ENXIO;
	case MA_ALREADY:
		return ev == ME_POWEROFF ? 1 : 0;
	case MA_SIGNAL:
		return 0;	/* the caller sends it */
	default:
		break;
	}
	machine_event(d, m, ev);
	return 1;
}

void machine_reap_children(struct machined *d)
{
	unsigned i;
	int st;

	for (i = 0; i < d->n_machines; i++) {
		struct machine *m = d->machines[i];

		if (m->child && m->monitor && waitpid(m->monitor, &st, WNOHANG) == m->monitor)
			machine_exited(d, m, st);
	}
	/* no waitpid(-1): it could reap a monitor between the checks above
	 * and lose its status; info.c reaps its helpers itself */
}

static bool cgroup_exists(const char *name)
{
	char p[256];

	snprintf(p, sizeof(p), "/sys/fs/cgroup/machbox/%s", name);
	if (access(p, F_OK) == 0)
		return true;
	snprintf(p, sizeof(p), "/sys/fs/cgroup/unified/machbox/%s", name);
	return access(p, F_OK) == 0;
}

/* STATUS: a wait status, or -1 for an adopted monitor (unknown: a death
 * we did not ask for counts as a failure) */
void machine_exited(struct machined *d, struct machine *m, int status)
{
	m->exit_status = status < 0 ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) :
			 128 + WTERMSIG(status);
	m->monitor = 0;
	m->child = false;
	m->leader = 0;
	close_safe(&m->pidfd);
	m->drain_event = m->exit_status == 0 ? ME_EXIT_OK : ME_EXIT_FAIL;
	/* DOWN means cleaned up: the janitor may still be removing the cgroup */
	m->draining = true;
	m->drain_until = mono_ms() + MD_DRAIN_MS;
	m->deadline = mono_ms();
	(void)d;
}

void machine_deadline(struct machined *d, struct machine *m)
{
	if (m->draining) {
		if (cgroup_exists(m->name) && mono_ms() < m->drain_until) {
			m->deadline = mono_ms() + MD_POLL_UP_MS;
			return;
		}
		m->draining = false;
		m->deadline = 0;
		machine_event(d, m, m->drain_event);
		return;
	}
	m->deadline = 0;
	machine_event(d, m, ME_DEADLINE);
}

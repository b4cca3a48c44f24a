/* Signals: `kill` to a machine's leader or every process of its cgroup,
 * and the shutdown of all machines when machined is asked to stop. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "fileio.h"
#include "machbox.h"
#include "machine.h"
#include "machined/machined.h"

/* every pid of cgroup.procs in DIRFD and below; the count signalled */
static int kill_tree(int dirfd, int sig, int depth)
{
	char buf[8192], *p, *end;
	struct dirent *de;
	int fd, n = 0, sub;
	ssize_t len;
	DIR *d;

	fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		len = read_all(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[len > 0 ? len : 0] = 0;
		for (p = buf; *p; p = end) {
			long pid = strtol(p, &end, 10);

			if (end == p)
				break;
			if (pid > 1 && kill((pid_t)pid, sig) == 0)
				n++;
		}
	}
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (depth > 8 || fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return n;
	}
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (sub < 0)
			continue;
		n += kill_tree(sub, sig, depth + 1);
		close(sub);
	}
	closedir(d);
	return n;
}

int machine_kill(struct machine *m, bool all, int sig)
{
	static const char *const mounts[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	char path[256];
	pid_t leader;
	size_t i;
	int fd, n;

	if (!all) {
		leader = machine_leader(m->name);
		if (leader < 0)
			return leader;
		return kill(leader, sig) < 0 ? -errno : 0;
	}
	for (i = 0; i < ARRAY_SIZE(mounts); i++) {
		snprintf(path, sizeof(path), "%s/machbox/%s", mounts[i], m->name);
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = kill_tree(fd, sig, 0);
		close(fd);
		return n > 0 ? 0 : -ESRCH;
	}
	return -ESRCH;
}

static bool running(const struct machine *m)
{
	return m->state == MS_STARTING || m->state == MS_UP || m->state == MS_STOPPING;
}

bool machines_busy(const struct machined *d)
{
	unsigned i;

	for (i = 0; i < d->n_machines; i++)
		if (running(d->machines[i]) || d->machines[i]->draining)
			return true;
	return false;
}

/* SIGTERM to machined: every machine powered off at once, none restarted */
void machines_poweroff_all(struct machined *d)
{
	long long longest = 0;
	unsigned i;

	d->exiting = true;
	for (i = 0; i < d->n_machines; i++) {
		struct machine *m = d->machines[i];

		m->restart_pending = m->reboot_pending = false;
		if (m->stop_timeout_s > longest)
			longest = m->stop_timeout_s;
		if (m->state == MS_STARTING || m->state == MS_UP)
			machine_event(d, m, ME_POWEROFF);
	}
	d->exit_deadline = mono_ms() + longest * 1000 + 15000;
}

/* the exit deadline passed: what still runs is killed; the monitors'
 * janitors remove what they made */
void machines_kill_all(struct machined *d)
{
	unsigned i;

	for (i = 0; i < d->n_machines; i++)
		if (d->machines[i]->pidfd >= 0)
			syscall(SYS_pidfd_send_signal, d->machines[i]->pidfd, SIGKILL, NULL, 0);
}

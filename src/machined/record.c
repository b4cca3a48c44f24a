/* One record per running machine under $MACHBOX_ROOT/run/machbox/machines,
 * written atomically (tmp, fsync, rename) so a machined killed at any
 * moment leaves either the old or the new one; read back at start-up to
 * re-adopt the monitors that still run (DESIGN.md §4: /run may be on disk,
 * so a record is believed only with the same boot id and a live monitor
 * with the same start time). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "fileio.h"
#include "machbox.h"
#include "machine.h"
#include "machined/machined.h"

int read_boot_id(char *buf, size_t len)
{
	return read_file_at(AT_FDCWD, "/proc/sys/kernel/random/boot_id", buf, len);
}

/* field 22 of /proc/PID/stat, counted after the ")" that ends comm */
int proc_starttime(pid_t pid, unsigned long long *ret)
{
	char path[64], buf[1024], *p;
	int i, r;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	r = read_file_at(AT_FDCWD, path, buf, sizeof(buf));
	if (r < 0)
		return r;
	p = strrchr(buf, ')');
	if (!p)
		return -EINVAL;
	for (i = 3; i <= 22 && p; i++)
		p = strchr(p + 1, ' ');
	if (!p)
		return -EINVAL;
	*ret = strtoull(p + 1, NULL, 10);
	return 0;
}

int record_save(const struct machined *d, const struct machine *m)
{
	char path[512], tmp[512], text[2048];
	int fd, n, r;

	if (machine_path(path, sizeof(path), MACHBOX_RECORD_DIR, m->name, NULL) < 0 ||
	    machine_path(tmp, sizeof(tmp), MACHBOX_RECORD_DIR, m->name, ".tmp") < 0)
		return -ENAMETOOLONG;
	n = snprintf(text, sizeof(text),
		     "NAME=%s\nSTATE=%s\nMONITOR=%d\nMONITOR_START=%llu\nLEADER=%d\n"
		     "BOOT_ID=%s\nSINCE=%lld\nIMAGE=%s\nRESTART=%s\nSTOP_TIMEOUT=%d\nEXIT=%d\n",
		     m->name, mstate_name(m->state), (int)m->monitor, m->monitor_start,
		     (int)m->leader, d->boot_id, m->since_us, m->image,
		     restart_mode_name(m->restart), m->stop_timeout_s, m->exit_status);
	if (n < 0 || (size_t)n >= sizeof(text))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	r = write_all(fd, text, (size_t)n);
	if (!r && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

void record_remove(const struct machine *m)
{
	char path[512];

	if (machine_path(path, sizeof(path), MACHBOX_RECORD_DIR, m->name, NULL) == 0)
		unlink(path);
}

struct rec {
	char name[65], state[16], boot_id[64], image[512], restart[16];
	long long monitor, start, leader, since, stop_timeout;
};

static void rec_set(struct rec *r, const char *k, const char *v)
{
	static const struct { const char *key; size_t off, len; } strs[] = {
		{ "NAME", offsetof(struct rec, name), sizeof(((struct rec *)0)->name) },
		{ "STATE", offsetof(struct rec, state), sizeof(((struct rec *)0)->state) },
		{ "BOOT_ID", offsetof(struct rec, boot_id), sizeof(((struct rec *)0)->boot_id) },
		{ "IMAGE", offsetof(struct rec, image), sizeof(((struct rec *)0)->image) },
		{ "RESTART", offsetof(struct rec, restart), sizeof(((struct rec *)0)->restart) },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(strs); i++)
		if (!strcmp(k, strs[i].key))
			strlcpy_mb((char *)r + strs[i].off, v, strs[i].len);
	if (!strcmp(k, "MONITOR"))
		r->monitor = strtoll(v, NULL, 10);
	else if (!strcmp(k, "MONITOR_START"))
		r->start = strtoll(v, NULL, 10);
	else if (!strcmp(k, "LEADER"))
		r->leader = strtoll(v, NULL, 10);
	else if (!strcmp(k, "SINCE"))
		r->since = strtoll(v, NULL, 10);
	else if (!strcmp(k, "STOP_TIMEOUT"))
		r->stop_timeout = strtoll(v, NULL, 10);
}

static int rec_read(int dirfd, const char *file, struct rec *r)
{
	char buf[4096], *line, *save = NULL, *eq;
	int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int n;

	if (fd < 0)
		return -errno;
	n = (int)read_all(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return n;
	buf[n] = 0;
	memset(r, 0, sizeof(*r));
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		eq = strchr(line, '=');
		if (eq) {
			*eq = 0;
			rec_set(r, line, eq + 1);
		}
	}
	return 0;
}

static enum mstate state_from(const char *s)
{
	enum mstate i;

	for (i = MS_DOWN; i < MS_COUNT_; i++)
		if (!strcmp(s, mstate_name(i)))
			return i;
	return MS_DOWN;
}

static enum restart_mode restart_from(const char *s)
{
	return !strcmp(s, "always") ? RS_ALWAYS : !strcmp(s, "on-failure") ? RS_ON_FAILURE : RS_NO;
}

/* the same process as the one recorded: alive, same start time */
static int open_monitor(const struct rec *r)
{
	unsigned long long st;
	int fd;

	if (r->monitor <= 1 || proc_starttime((pid_t)r->monitor, &st) < 0 ||
	    st != (unsigned long long)r->start)
		return -ESRCH;
	fd = (int)syscall(SYS_pidfd_open, (pid_t)r->monitor, 0);
	if (fd < 0)
		return -errno;
	/* the pid may have been reused between the check and the open */
	if (proc_starttime((pid_t)r->monitor, &st) < 0 || st != (unsigned long long)r->start) {
		close(fd);
		return -ESRCH;
	}
	return fd;
}

static int adopt(struct machined *d, const struct rec *r, int pidfd)
{
	struct machine *m = machine_get(d, r->name);

	if (!m || m->monitor)
		return -EEXIST;
	m->state = state_from(r->state);
	m->monitor = (pid_t)r->monitor;
	m->monitor_start = (unsigned long long)r->start;
	m->pidfd = pidfd;
	m->child = false;
	m->leader = (pid_t)r->leader;
	m->since_us = r->since;
	m->restart = restart_from(r->restart);
	m->stop_timeout_s = r->stop_timeout > 0 ? (int)r->stop_timeout : 30;
	strlcpy_mb(m->image, r->image, sizeof(m->image));
	info_os_release(m);
	if (m->state == MS_STARTING) {
		m->start_deadline = mono_ms() + MD_START_TIMEOUT_MS;
		m->deadline = mono_ms();
	} else if (m->state == MS_STOPPING) {
		/* the stop was asked for before: ask again, the clock restarts */
		m->deadline = mono_ms() + (long long)m->stop_timeout_s * 1000 + 10000;
	}
	return 0;
}

static bool rec_valid(const struct machined *d, const struct rec *r, const char *file)
{
	enum mstate s = state_from(r->state);

	return machine_name_valid(file) && !strcmp(r->name, file) &&
	       !strcmp(r->boot_id, d->boot_id) &&
	       (s == MS_STARTING || s == MS_UP || s == MS_STOPPING);
}

/* Returns the number adopted; stale records and temp files are removed. */
int records_adopt(struct machined *d)
{
	char dir[512];
	struct dirent *de;
	struct rec r;
	int dfd, fd, n = 0;
	DIR *dp;

	if (root_path(dir, sizeof(dir), MACHBOX_RECORD_DIR) < 0)
		return -ENAMETOOLONG;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : -errno;
	dp = fdopendir(dfd);
	if (!dp) {
		close(dfd);
		return -errno;
	}
	while ((de = readdir(dp))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		fd = -ESRCH;
		if (rec_read(dfd, de->d_name, &r) == 0 && rec_valid(d, &r, de->d_name))
			fd = open_monitor(&r);
		if (fd >= 0 && adopt(d, &r, fd) == 0) {
			n++;
			continue;
		}
		if (fd >= 0)
			close(fd);
		unlinkat(dfd, de->d_name, 0);
	}
	closedir(dp);
	return n;
}

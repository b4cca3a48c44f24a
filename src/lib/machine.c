/* Finding a running machine from the host. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "compat.h"
#include "fileio.h"
#include "machbox.h"
#include "machine.h"

#define CGROUP2_MAGIC CGROUP2_SUPER_MAGIC_COMPAT

int machine_path(char *buf, size_t len, const char *dir, const char *name, const char *suffix)
{
	char rel[512];

	if (!machine_name_valid(name))
		return -EINVAL;
	if ((size_t)snprintf(rel, sizeof(rel), "%s/%s%s", dir, name, suffix ? suffix : "") >= sizeof(rel))
		return -ENAMETOOLONG;
	return root_path(buf, len, rel);
}

/* the pid's PID in its innermost namespace, from NSpid: */
static long inner_pid(long pid)
{
	char path[64], buf[4096], *p, *end;
	long last = -1;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "NSpid:");
	if (!p)
		return -1;
	for (p += 6; *p && *p != '\n'; p = end) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		last = v;
	}
	return last;
}

/* The container's PID 1 exists from clone on, while nspawn still builds
 * its file system: until it executes the guest's init it is the monitor's
 * own binary, and joining it would join a half-made machine (with the
 * host's root).  1: it has become the guest's init. */
static int exec_done(long pid)
{
	char path[64], buf[512];
	struct stat self, parent;
	long ppid;
	char *p, *end;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) < 0 || !(p = strrchr(buf, ')')))
		return 0;
	/* ") S PPID ...": the state, one character, then the parent */
	if (p[1] != ' ' || !p[2] || p[3] != ' ')
		return 0;
	ppid = strtol(p + 4, &end, 10);
	if (end == p + 4 || ppid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/exe", pid);
	if (stat(path, &self) < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/exe", ppid);
	if (stat(path, &parent) < 0)
		return 1;	/* no monitor to compare with: it is alone */
	return self.st_dev != parent.st_dev || self.st_ino != parent.st_ino;
}

static pid_t scan_procs(int dirfd)
{
	char buf[4096], *p, *end;
	int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -ESRCH;
	n = read_all(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ESRCH;
	buf[n] = 0;
	for (p = buf; *p; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		if (pid > 0 && inner_pid(pid) == 1)
			return exec_done(pid) ? (pid_t)pid : -EBUSY;
		while (*end == '\n')
			end++;
	}
	return -ESRCH;
}

/* depth first: systemd moves itself to init.scope */
static pid_t scan_tree(int dirfd, int depth)
{
	struct dirent *de;
	pid_t r = scan_procs(dirfd);
	DIR *d;
	int fd;

	if (r > 0 || r == -EBUSY || depth > 8)
		return r;
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -ESRCH;
	}
	while (r < 0 && r != -EBUSY && (de = readdir(d))) {
		int sub;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (sub < 0)
			continue;
		r = scan_tree(sub, depth + 1);
		close(sub);
	}
	closedir(d);
	return r;
}

const char *cgroup2_mount(void)
{
	static const char *const mounts[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	struct statfs sf;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(mounts); i++)
		if (statfs(mounts[i], &sf) == 0 && sf.f_type == CGROUP2_MAGIC)
			return mounts[i];
	return NULL;
}

pid_t machine_leader(const char *name)
{
	const char *mnt = cgroup2_mount();
	char path[512];
	pid_t r;
	int fd;

	if (!machine_name_valid(name))
		return -EINVAL;
	if (!mnt)
		return -ESRCH;
	snprintf(path, sizeof(path), "%s/machbox/%s", mnt, name);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -ESRCH;
	r = scan_tree(fd, 0);
	close(fd);
	return r;
}

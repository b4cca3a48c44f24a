/* What list and status report of a machine: its record, the OS of its
 * image and the addresses inside its network namespace. */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "inroot.h"
#include "machbox.h"
#include "machine.h"
#include "machined/machined.h"

#define ADDR_TIMEOUT_MS 500

/* $ROOT/var/lib/machines/NAME, a directory: raw images need the loop
 * device code nspawn does not have yet */
int image_dir(const char *name, char *path, size_t len)
{
	struct stat st;
	int r = machine_path(path, len, "/var/lib/machines", name, NULL);

	if (r < 0)
		return r;
	if (stat(path, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	r = -errno;
	if (machine_path(path, len, "/var/lib/machines", name, ".raw") == 0 && stat(path, &st) == 0)
		return -EOPNOTSUPP;
	machine_path(path, len, "/var/lib/machines", name, NULL);
	return r;
}

/* KEY="value" of os-release into OUT, quotes removed */
static void osr_value(const char *text, const char *key, char *out, size_t len)
{
	size_t klen = strlen(key), n;
	const char *p = text, *e;

	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, klen) || p[klen] != '=')
			continue;
		p += klen + 1;
		e = strchr(p, '\n');
		n = e ? (size_t)(e - p) : strlen(p);
		if (n >= 2 && (*p == '"' || *p == '\'') && p[n - 1] == *p) {
			p++;
			n -= 2;
		}
		if (n >= len)
			n = len - 1;
		memcpy(out, p, n);
		out[n] = 0;
		return;
	}
}

/* the image's os-release, resolved inside the image (its usual symlink
 * to ../usr/lib/os-release must not lead out of it) */
void info_os_release(struct machine *m)
{
	struct stat st;
	char buf[8192];
	int root, fd;
	ssize_t n;

	m->os_id[0] = m->os_version[0] = 0;
	root = open(m->image, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return;
	/* the guest's root (a user's, too) may have put a FIFO there: never
	 * wait on it, read only a regular file */
	fd = open_in_root(root, "/etc/os-release", O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < 0)
		fd = open_in_root(root, "/usr/lib/os-release", O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0);
	close(root);
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return;
	}
	n = read_all(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return;
	buf[n] = 0;
	osr_value(buf, "ID", m->os_id, sizeof(m->os_id));
	osr_value(buf, "VERSION_ID", m->os_version, sizeof(m->os_version));
}

/* in a child inside the machine's network namespace: "A addr" and
 * "I index" lines, loopback left out */
static void NORETURN list_addresses(int nsfd, int out)
{
	struct ifaddrs *ifa, *i;
	char line[128], a[INET6_ADDRSTRLEN];
	const void *sa;

	if (setns(nsfd, CLONE_NEWNET) < 0 || getifaddrs(&ifa) < 0)
		_exit(1);
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || (i->ifa_flags & IFF_LOOPBACK))
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			sa = &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr;
		else if (i->ifa_addr->sa_family == AF_INET6)
			sa = &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr;
		else
			continue;
		inet_ntop(i->ifa_addr->sa_family, sa, a, sizeof(a));
		snprintf(line, sizeof(line), "A %s\nI %u\n", a, if_nametoindex(i->ifa_name));
		write_all(out, line, strlen(line));
	}
	_exit(0);
}

/* A bounded wait: a child that hangs costs ADDR_TIMEOUT_MS, not machined */
static ssize_t read_child(int fd, char *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;

	while (got < len - 1 && poll(&p, 1, ADDR_TIMEOUT_MS) > 0) {
		n = read(fd, buf + got, len - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = 0;
	return (ssize_t)got;
}

/* "ADDRESSES=a b\nNETIF=i j\n" for the machine's leader */
static void addresses(pid_t leader, char *addrs, size_t alen, char *ifs, size_t ilen)
{
	char path[64], buf[4096], *line, *save = NULL;
	int nsfd, p[2];
	pid_t pid;

	addrs[0] = ifs[0] = 0;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)leader);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return;
	if (pipe2(p, O_CLOEXEC) < 0) {
		close(nsfd);
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		list_addresses(nsfd, p[1]);
	}
	close(p[1]);
	close(nsfd);
	if (pid > 0) {
		read_child(p[0], buf, sizeof(buf));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	} else {
		buf[0] = 0;
	}
	close(p[0]);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *dst = line[0] == 'A' ? addrs : ifs;
		size_t len = line[0] == 'A' ? alen : ilen;

		if (strlen(line) < 3 || (line[0] == 'I' && strstr(ifs, line + 2)))
			continue;
		if (strlen(dst) + strlen(line + 2) + 2 < len)
			snprintf(dst + strlen(dst), len - strlen(dst), "%s%s", *dst ? " " : "", line + 2);
	}
}

int info_record(const struct machine *m, char *buf, size_t len)
{
	char addrs[1024], ifs[256];
	pid_t leader = m->state == MS_FAILED ? 0 : machine_leader(m->name);
	int n;

	addrs[0] = ifs[0] = 0;
	if (leader > 0)
		addresses(leader, addrs, sizeof(addrs), ifs, sizeof(ifs));
	n = snprintf(buf, len,
		     "NAME=%s\nSTATE=%s\nCLASS=container\nSERVICE=machbox\nLEADER=%d\n"
		     "MONITOR=%d\nSINCE=%lld\nIMAGE=%s\nOS=%s\nVERSION=%s\nADDRESSES=%s\n"
		     "NETIF=%s\nRESTART=%s\nEXIT=%d\n",
		     m->name, mstate_name(m->state), leader > 0 ? (int)leader : 0,
		     (int)m->monitor, m->since_us, m->image, m->os_id, m->os_version, addrs,
		     ifs, restart_mode_name(m->restart), m->exit_status);
	return n < 0 || (size_t)n >= len ? -ENOBUFS : n;
}

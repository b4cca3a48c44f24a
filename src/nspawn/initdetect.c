/* Guest init detection (DESIGN.md §3): the init an image runs decides the
 * signals that power it off or reboot it.  An image is untrusted input, so
 * every path is resolved inside its root: an absolute symlink or a ".."
 * chain must never lead to the host's files. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inroot.h"
#include "machbox.h"
#include "nspawn/initdetect.h"

#define MAX_SYMLINKS 40			/* the kernel's limit */
/* PATH_MAX and NAME_MAX, without <limits.h>: glibc's defines an MB_SIGRTMAX
 * that clashes with machbox.h's */
#define PATH_LEN 4096
#define NAME_LEN 255
#define BANNER_SCAN_MAX (4u << 20)	/* busybox's banner lies in .rodata */

/* sysvinit's struct init_request (initreq.h): init reads exactly 384 bytes */
struct init_request_mb {
	int32_t magic, cmd, runlevel, sleeptime;
	char data[368];
};
_Static_assert(sizeof(struct init_request_mb) == INITCTL_REQUEST_SIZE, "initreq layout");

#define INIT_MAGIC 0x03091969
#define INIT_CMD_RUNLVL 1

/* --- resolving inside the root --- */

/* Every open goes through open_in_root() (openat2 RESOLVE_IN_ROOT or its
 * fallback); the walk below only adds what it cannot tell: the name the
 * init binary resolves to, which says which init it is. */

/* COMP in directory CANON: 1 and its target in LINK when it is a symlink,
 * 0 when it is something else, -errno when it is missing. */
static int read_link(int rootfd, const char *canon, const char *comp,
		     char *link, size_t size)
{
	struct stat st;
	ssize_t n;
	int dfd, r = 0;

	dfd = open_in_root(rootfd, canon[0] ? canon : "/", O_PATH | O_DIRECTORY, 0);
	if (dfd < 0)
		return dfd;
	if (fstatat(dfd, comp, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		r = -errno;
	} else if (S_ISLNK(st.st_mode)) {
		n = readlinkat(dfd, comp, link, size - 1);
		if (n < 0) {
			r = -errno;
		} else if (n == 0 || (size_t)n >= size - 1) {
			r = n ? -ENAMETOOLONG : -ENOENT;
		} else {
			link[n] = 0;
			r = 1;
		}
	}
	close(dfd);
	return r;
}

static int next_comp(const char **p, char *comp)
{
	size_t n;

	*p += strspn(*p, "/");
	if (!**p)
		return 0;
	n = strcspn(*p, "/");
	if (n > NAME_LEN)
		return -ENAMETOOLONG;
	memcpy(comp, *p, n);
	comp[n] = 0;
	*p += n;
	return 1;
}

/* Resolve PATH inside the root as the kernel does after chroot: ".." stops
 * at the root, absolute symlinks restart from it.  CANON (SIZE >= 2) gets
 * the symlink-free result, "/" for the root.  Returns 0 or -errno
 * (-ENOENT for a missing component, -ELOOP after MAX_SYMLINKS links). */
static int chase(int rootfd, const char *path, char *canon, size_t size)
{
	char todo[PATH_LEN], tmp[PATH_LEN], link[PATH_LEN], comp[NAME_LEN + 1];
	const char *p = todo;
	int hops = 0, r;
	char *slash;

	if (strlcpy_mb(todo, path, sizeof(todo)) >= sizeof(todo))
		return -ENAMETOOLONG;
	canon[0] = 0;
	while ((r = next_comp(&p, comp)) > 0) {
		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			if ((slash = strrchr(canon, '/')))
				*slash = 0;
			continue;
		}
		r = read_link(rootfd, canon, comp, link, sizeof(link));
		if (r < 0)
			return r;
		if (r == 0) {
			if (strlen(canon) + 1 + strlen(comp) >= size)
				return -ENAMETOOLONG;
			strcat(strcat(canon, "/"), comp);
			continue;
		}
		if (++hops > MAX_SYMLINKS)
			return -ELOOP;
		if ((size_t)snprintf(tmp, sizeof(tmp), "%s/%s", link, p) >= sizeof(tmp))
			return -ENAMETOOLONG;
		strcpy(todo, tmp);
		p = todo;
		if (link[0] == '/')
			canon[0] = 0;
	}
	if (r == 0 && !canon[0])
		strcpy(canon, "/");
	return r;
}

/* --- detection --- */

static bool fd_is_file(int fd, bool exec)
{
	struct stat st;
	bool r;

	if (fd < 0)
		return false;
	r = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (!exec || (st.st_mode & 0111));
	close(fd);
	return r;
}

static bool is_file(int rootfd, const char *path, bool exec)
{
	return fd_is_file(open_in_root(rootfd, path, O_PATH, 0), exec);
}

/* busybox copied or hard-linked to /sbin/init: its banner "BusyBox v1..." */
static bool has_busybox_banner(int rootfd, const char *canon)
{
	static const char banner[] = "BusyBox v";
	const size_t keep_max = sizeof(banner) - 2;	/* a banner cut by a read */
	char buf[16384];
	size_t keep = 0, len, total = 0;
	bool found = false;
	ssize_t n;
	int fd;

	fd = open_in_root(rootfd, canon, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0);
	if (fd < 0)
		return false;
	while (!found && total < BANNER_SCAN_MAX &&
	       (n = read(fd, buf + keep, sizeof(buf) - keep)) > 0) {
		len = keep + (size_t)n;
		total += (size_t)n;
		found = memmem(buf, len, banner, sizeof(banner) - 1) != NULL;
		keep = len < keep_max ? len : keep_max;
		memmove(buf, buf + len - keep, keep);
	}
	close(fd);
	return found;
}

/* The init binary CANON names, by its resolved name first, then by what
 * else the image holds. */
static enum guest_init classify(int rootfd, const char *canon)
{
	const char *base = strrchr(canon, '/') + 1;

	if (!strcmp(base, "systemd"))
		return INIT_SYSTEMD;
	if (!strcmp(base, "busybox"))
		return INIT_BUSYBOX;
	if (!strcmp(base, "openrc-init"))
		return INIT_OPENRC;
	/* OpenWrt's /sbin/init is procd's small init, which execs /sbin/procd */
	if (!strcmp(base, "procd") || is_file(rootfd, "/sbin/procd", false))
		return INIT_PROCD;
	if (has_busybox_banner(rootfd, canon))
		return INIT_BUSYBOX;
	if (is_file(rootfd, "/etc/inittab", false))
		return INIT_SYSVINIT;
	return INIT_UNKNOWN;
}

enum guest_init guest_init_detect(int rootfd)
{
	static const char *const inits[] = { "/sbin/init", "/usr/sbin/init", "/init" };
	char canon[PATH_LEN];
	size_t i;

	/* a dangling or looping /sbin/init counts as missing */
	for (i = 0; i < ARRAY_SIZE(inits); i++)
		if (!chase(rootfd, inits[i], canon, sizeof(canon)) &&
		    is_file(rootfd, canon, false))
			return classify(rootfd, canon);
	if (is_file(rootfd, "/usr/lib/systemd/systemd", true) ||
	    is_file(rootfd, "/lib/systemd/systemd", true))
		return INIT_SYSTEMD;
	return INIT_UNKNOWN;
}

const char *guest_init_path(int rootfd)
{
	static const char *const paths[] = {
		"/usr/lib/systemd/systemd", "/lib/systemd/systemd", "/sbin/init",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(paths); i++)
		if (is_file(rootfd, paths[i], true))
			return paths[i];
	return NULL;
}

const char *guest_init_name(enum guest_init init)
{
	static const char *const names[] = {
		[INIT_UNKNOWN] = "unknown", [INIT_SYSTEMD] = "systemd",
		[INIT_BUSYBOX] = "busybox", [INIT_PROCD] = "procd",
		[INIT_OPENRC] = "openrc", [INIT_SYSVINIT] = "sysvinit",
	};

	if ((unsigned)init >= ARRAY_SIZE(names))
		return "unknown";
	return names[init];
}

/* What each init does with signals, from its source:
 * - systemd: SIGRTMIN+4 poweroff, SIGINT ctrl-alt-del (reboot),
 *   SIGRTMIN+3 halt; glibc's numbering (MB_SIGRTMIN), whatever libc we use.
 * - busybox init/init.c: SIGUSR2 poweroff, SIGTERM reboot, SIGUSR1 halt.
 * - procd signal.c: SIGUSR1/SIGUSR2 power off, SIGTERM reboots; SIGPWR
 *   and SIGINT only in newer procd, so they are not used.  No halt.
 * - openrc-init: SIGINT reboot; SIGTERM and SIGPWR run the "shutdown"
 *   runlevel, then halt; SIGUSR1 is blocked and does nothing.
 * - sysvinit: runlevel 0/6 over its FIFO; SIGPWR runs inittab's
 *   powerfail entry and SIGINT its ctrlaltdel entry, as a fallback.
 * Halt and poweroff end a container the same way: the kernel kills its
 * init with SIGINT for both. */
struct init_signals guest_init_signals(enum guest_init init)
{
	struct init_signals s = { SIGTERM, SIGINT, SIGTERM, false };

	switch (init) {
	case INIT_SYSTEMD:
		s = (struct init_signals){ MB_SIGRTMIN + 4, SIGINT, MB_SIGRTMIN + 3, false };
		break;
	case INIT_BUSYBOX:
		s = (struct init_signals){ SIGUSR2, SIGTERM, SIGUSR1, false };
		break;
	case INIT_PROCD:
		s = (struct init_signals){ SIGUSR2, SIGTERM, SIGUSR1, false };
		break;
	case INIT_OPENRC:
		s = (struct init_signals){ SIGPWR, SIGINT, SIGTERM, false };
		break;
	case INIT_SYSVINIT:
		s = (struct init_signals){ SIGPWR, SIGINT, SIGPWR, true };
		break;
	case INIT_UNKNOWN:
		break;
	}
	return s;
}

size_t initctl_request(char runlevel, void *buf, size_t len)
{
	struct init_request_mb req;

	if (len < sizeof(req) || !runlevel || !strchr("0123456SsQq", runlevel))
		return 0;
	memset(&req, 0, sizeof(req));
	req.magic = INIT_MAGIC;
	req.cmd = INIT_CMD_RUNLVL;
	req.runlevel = runlevel;
	req.sleeptime = 0;
	memcpy(buf, &req, sizeof(req));
	return sizeof(req);
}

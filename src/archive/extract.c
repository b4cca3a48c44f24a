/* The sandboxed extractor (DESIGN.md §7): unverified bytes are parsed by
 * a child process that
 *   - has its own mount namespace, where the temp dir is bind-mounted
 *     onto itself nodev,nosuid,noexec (device nodes of the image can be
 *     made but not opened) and becomes its chroot;
 *   - keeps only CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID,
 *     CAP_MKNOD and CAP_SETFCAP, with no_new_privs;
 *   - has an RLIMIT_AS cap and no fd but the input and its report socket;
 *   - forks the decompressor of a compressed tarball (decoder.c), which
 *     gives up even those capabilities;
 *   - with lim->userns_base, joins a user namespace mapping 0..65535 to
 *     BASE.. before its chroot (unshare(CLONE_NEWUSER) is refused inside
 *     one; the parent makes it and writes the maps): every owner lands
 *     shifted, a security.capability written there is stored by the
 *     kernel as v3 with root BASE (what nspawn's chown path writes), and
 *     device nodes cannot be made: they are skipped and counted.
 * Errors cross the fork as data: one SEQPACKET message (errno, text). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "machbox.h"
#include "compat.h"
#include "archive/extract.h"
#include "archive/unpack.h"
#include "nspawn/userns.h"

struct report {
	int32_t err;
	uint64_t skipped;
	char text[500];
};

static const struct {
	const char *env;
	size_t off;
	uint64_t def;
} limit_vars[] = {
	{ "MACHBOX_IMPORT_MAX_BYTES", offsetof(struct extract_limits, max_bytes), 32ULL << 30 },
	{ "MACHBOX_IMPORT_MAX_ENTRIES", offsetof(struct extract_limits, max_entries), 4ULL << 20 },
	{ "MACHBOX_IMPORT_XZ_MEMLIMIT", offsetof(struct extract_limits, xz_memlimit), 128ULL << 20 },
	{ "MACHBOX_IMPORT_MEM_LIMIT", offsetof(struct extract_limits, mem_limit), 512ULL << 20 },
};

int extract_limits_from_env(struct extract_limits *lim, char *err, size_t errlen)
{
	size_t i;

	memset(lim, 0, sizeof(*lim));
	for (i = 0; i < ARRAY_SIZE(limit_vars); i++) {
		const char *v = getenv(limit_vars[i].env);
		uint64_t *dst = (uint64_t *)(void *)((char *)lim + limit_vars[i].off);

		if (v && *v && (parse_size(v, dst) < 0 || *dst == 0)) {
			snprintf(err, errlen, "bad %s='%s'", limit_vars[i].env, v);
			return -EINVAL;
		}
	}
	return 0;
}

static void limits_fill(struct extract_limits *dst, const struct extract_limits *src)
{
	size_t i;

	if (src)
		*dst = *src;
	else
		memset(dst, 0, sizeof(*dst));
	for (i = 0; i < ARRAY_SIZE(limit_vars); i++) {
		uint64_t *v = (uint64_t *)(void *)((char *)dst + limit_vars[i].off);

		if (!*v)
			*v = limit_vars[i].def;
	}
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* every fd from 3 up closed but the n in keep (sorted here) */
void close_all_but(int *keep, size_t n)
{
	unsigned from = 3;
	size_t i;

	qsort(keep, n, sizeof(*keep), cmp_int);
	for (i = 0; i < n; i++) {
		if (keep[i] < 0 || (unsigned)keep[i] < from)
			continue;
		if ((unsigned)keep[i] > from)
			syscall(SYS_close_range, from, (unsigned)keep[i] - 1, 0);
		from = (unsigned)keep[i] + 1;
	}
	syscall(SYS_close_range, from, ~0U, 0);
}

static int child_fail(int sock, int err, const char *what)
{
	struct report rep = { .err = err };

	snprintf(rep.text, sizeof(rep.text), "cannot set up the extractor: %s: %s", what, strerror(err));
	(void)send(sock, &rep, sizeof(rep), MSG_NOSIGNAL);
	return EXIT_FAIL;
}

/* the temp dir, bind-mounted onto itself nodev, becomes the root; the
 * user namespace NSFD (>= 0) is joined while the host's paths still lead
 * there, the mount namespace staying the host root's */
static const char *enter_root(const char *dest, int destfd, int nsfd)
{
	struct stat a, b;

	if (unshare(CLONE_NEWNS) < 0)
		return "unshare";
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return "mount private";
	if (mount(dest, dest, NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, dest, NULL, MS_BIND | MS_REMOUNT | MS_NODEV | MS_NOSUID | MS_NOEXEC, NULL) < 0)
		return "bind mount";
	if (chdir(dest) < 0)
		return "chdir";
	/* the path must still lead to the dir the parent opened */
	if (stat(".", &a) < 0 || fstat(destfd, &b) < 0 || a.st_ino != b.st_ino) {
		errno = ESTALE;
		return "check";
	}
	if (nsfd >= 0 && setns(nsfd, CLONE_NEWUSER) < 0)
		return "join the user namespace";
	if (nsfd >= 0 && (errno = -userns_become_root()) != 0)
		return "become root of the user namespace";
	if (chroot(".") < 0 || chdir("/") < 0)
		return "chroot";
	return NULL;
}

static const char *drop_privileges(uint64_t mem_limit)
{
	const uint64_t keep = (1ULL << CAP_CHOWN) | (1ULL << CAP_DAC_OVERRIDE) |
			      (1ULL << CAP_FOWNER) | (1ULL << CAP_FSETID) |
			      (1ULL << CAP_MKNOD) | (1ULL << CAP_SETFCAP);
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { { 0 } };
	struct rlimit as = { mem_limit, mem_limit }, zero = { 0, 0 };
	int cap;

	for (cap = 0; cap < 64; cap++)
		if (!(keep & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return "drop bounding set";
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	d[0].effective = d[0].permitted = (uint32_t)keep;
	d[1].effective = d[1].permitted = (uint32_t)(keep >> 32);
	if (syscall(SYS_capset, &h, d) < 0)
		return "capset";
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return "no_new_privs";
	if (setrlimit(RLIMIT_AS, &as) < 0 || setrlimit(RLIMIT_CORE, &zero) < 0)
		return "setrlimit";
	return NULL;
}

static int child_main(int in_fd, const char *dest, int destfd, int nsfd, int sock,
		      const struct extract_limits *lim)
{
	struct report rep = { 0 };
	const char *what;
	int r;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGPIPE, SIG_DFL);
	what = enter_root(dest, destfd, nsfd);
	if (!what)
		what = drop_privileges(lim->mem_limit);
	if (what)
		return child_fail(sock, errno, what);
	close(destfd);
	if (nsfd >= 0)
		close(nsfd);
	umask(022);
	r = unpack_tar(in_fd, lim, &rep.skipped, rep.text, sizeof(rep.text));
	rep.err = -r;
	if (r < 0 && !rep.text[0])
		snprintf(rep.text, sizeof(rep.text), "%s", strerror(-r));
	(void)send(sock, &rep, sizeof(rep), MSG_NOSIGNAL);
	return r < 0 ? EXIT_FAIL : 0;
}

/* The namespace the extractor joins, its root owning the temp dir (the
 * host's root is nobody there).  The fd, or -errno with err set. */
static int userns_for(uint32_t base, int destfd, char *err, size_t errlen)
{
	struct userns u = { .mode = USERNS_FIXED, .shift = base, .range = USERNS_RANGE };
	int fd;

	if (!CFG_PRIVATE_USERS) {
		snprintf(err, errlen, "user namespaces are not built into this machbox");
		return -EOPNOTSUPP;
	}
	fd = userns_make_fd(&u);
	if (fd < 0) {
		snprintf(err, errlen, "cannot make a user namespace: %s", strerror(-fd));
		return fd;
	}
	if (fchown(destfd, base, base) < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot chown the temp image to %u: %s", base, strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}

int extract_tar_start(int in_fd, const char *dest_dir, const struct extract_limits *lim,
		      struct extract_job *job, char *err, size_t errlen)
{
	struct extract_limits l;
	int sv[2], destfd, nsfd = -1;

	limits_fill(&l, lim);
	job->skipped = 0;
	destfd = open(dest_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (destfd < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot open %s: %s", dest_dir, strerror(e));
		if (destfd >= 0)
			close(destfd);
		return -e;
	}
	if (l.userns_base && (nsfd = userns_for(l.userns_base, destfd, err, errlen)) < 0) {
		close(sv[0]);
		close(sv[1]);
		close(destfd);
		return nsfd;
	}
	job->pid = fork();
	if (job->pid == 0) {
		int keep[4] = { in_fd, destfd, sv[1], nsfd };

		close_all_but(keep, ARRAY_SIZE(keep));
		_exit(child_main(in_fd, dest_dir, destfd, nsfd, sv[1], &l));
	}
	close(sv[1]);
	close(destfd);
	if (nsfd >= 0)
		close(nsfd);
	if (job->pid < 0) {
		int e = errno;

		close(sv[0]);
		snprintf(err, errlen, "cannot start the extractor: %s", strerror(e));
		return -e;
	}
	job->sock = sv[0];
	return 0;
}

int extract_tar_finish(struct extract_job *job, char *err, size_t errlen)
{
	struct report rep = { 0 };
	ssize_t n;
	int status;

	do
		n = recv(job->sock, &rep, sizeof(rep), 0);
	while (n < 0 && errno == EINTR);
	close(job->sock);
	while (waitpid(job->pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	rep.text[sizeof(rep.text) - 1] = 0;
	if (n == (ssize_t)sizeof(rep))
		job->skipped = rep.skipped;
	if (n == (ssize_t)sizeof(rep) && rep.err) {
		snprintf(err, errlen, "%s", rep.text);
		return -rep.err;
	}
	if (WIFSIGNALED(status)) {
		snprintf(err, errlen, "the extractor was killed by signal %d%s", WTERMSIG(status),
			 WTERMSIG(status) == SIGKILL ? " (out of memory?)" : "");
		return -ECHILD;
	}
	if (n != (ssize_t)sizeof(rep) || !WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(err, errlen, "the extractor failed without a word (exit status %d)",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -EIO;
	}
	return 0;
}

int extract_tar(int in_fd, const char *dest_dir, const struct extract_limits *lim,
		uint64_t *skipped, char *err, size_t errlen)
{
	struct extract_job job;
	int r = extract_tar_start(in_fd, dest_dir, lim, &job, err, errlen);

	if (r == 0)
		r = extract_tar_finish(&job, err, errlen);
	if (skipped)
		*skipped = r == 0 ? job.skipped : 0;
	return r;
}

/*
 * payload: one small static program that root tests copy into a guest tree
 * and run as PID 1 or as a joined process, so a container test needs no
 * distribution inside. Like crun's tests/init.c.
 *
 *   payload CMD [ARGS...]
 *
 * Output goes to stdout, line buffered, in fixed formats tests compare.
 * Errors: "payload: CMD: <strerror>" on stderr and exit 1; a wrong argument
 * count or an unknown command: a message on stderr and exit 2.
 *
 * Signal names follow the kernel and glibc (what systemd guests and the
 * host's kill(1) mean): SIGRTMIN is 34, so SIGRTMIN+4 is 38. musl's own
 * SIGRTMIN macro is 35 because musl reserves one more signal; never use it
 * to name a signal another program will read.
 *
 * Commands (also in the table at the end):
 *   true                   exit 0
 *   exit N                 exit N
 *   kill-self SIG          raise SIG (name, SIGNAME or number) with the
 *                          default action; exit 1 if still alive (PID 1
 *                          of a pid namespace ignores its own signals)
 *   echo ARGS...           ARGS joined by spaces
 *   cat FILE               FILE's bytes
 *   ls DIR                 names in DIR but . and .., sorted bytewise
 *   write FILE TEXT        FILE := TEXT and a newline (created 0644)
 *   stat PATH              lstat: "type=T mode=0NNN uid=U gid=G" and
 *                          " rdev=MAJ:MIN" for devices; T is file, dir,
 *                          symlink, chr, blk, fifo or sock
 *   readlink PATH          the link's target
 *   pid, ppid              getpid(), getppid()
 *   hostname               uname's nodename
 *   env                    the environment, sorted
 *   cwd                    getcwd()
 *   id                     "uid=U gid=G euid=U egid=G"
 *   caps                   the CapEff: and CapBnd: lines of /proc/self/status
 *   mounts                 "MOUNTPOINT FSTYPE OPTIONS" per /proc/self/mountinfo
 *                          line (mount options, not superblock options)
 *   fds                    "FD TARGET" per open fd, ascending
 *   sleep SECONDS          nanosleep, fractions allowed
 *   wait-signal            print "ready", wait for any signal, print its
 *                          name (SIGTERM), exit 0
 *   init-marker [CMD...]   a PID 1 stand-in: print "PAYLOAD-INIT pid=N",
 *                          start CMD (a payload command) as a child if
 *                          given, reap every child; on SIGINT or SIGRTMIN+4
 *                          print "PAYLOAD-INIT signal=NAME" and exit 0, on
 *                          SIGTERM the same and exit 1, on SIGUSR1 print
 *                          "PAYLOAD-INIT alive" and go on; other signals
 *                          are printed and ignored
 *   cgroup                 /proc/self/cgroup
 *   tty                    "stdin=tty|notty stdout=tty|notty ttyname=NAME"
 *                          (NAME of fd 0, or none)
 *   mknod-open PATH c|b MAJ MIN
 *                          mknod the node at PATH, open it, remove it:
 *                          "mknod=R open=R", R is ok or an errno name
 *                          (EPERM); exit 0 either way, it is a probe
 *   nnp CMD [ARGS...]      set no_new_privs, then execute CMD (a path)
 *   open PATH MODE         open PATH with MODE r, w, rw or path (O_PATH):
 *                          "ok" or the errno name; exit 0, it is a probe
 *   tiocsti PATH TEXT      push TEXT into the input of the terminal PATH
 *                          ("-": fd 0) with TIOCSTI: "ok" or the errno name
 *   grab-exe COMM GO SECS [FIFO SRC]
 *                          the CVE-2019-5736 probe: wait up to SECS for a
 *                          process named COMM, freeze it (SIGSTOP), then try
 *                          to write its executable and open fds through
 *                          /proc, print its capabilities and seccomp mode,
 *                          let it go (SIGCONT) and feed FIFO (where it may
 *                          wait, e.g. /etc/passwd) with SRC's bytes; keep
 *                          its exe open O_PATH until file GO exists, then
 *                          try to reopen that for writing once more and
 *                          overwrite its first bytes.  Lines: "caught", then
 *                          "exe-write=R", "fd-write=R" (the first fd that
 *                          opened, or none), "CapPrm: ...", "Seccomp: N",
 *                          "later-write=R"; R is ok or an errno name
 *   forkbomb SECS          fork children that sleep SECS until fork fails:
 *                          "forks=N stopped=ERRNO"
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* glibc's and the kernel's view; see the top of the file. */
#define RTMIN 34
#define RTMAX 64

extern char **environ;

struct cmd {
	const char *name;
	int min_args;
	int max_args;	/* -1: no limit */
	int (*fn)(int argc, char **argv);
	const char *usage;
};

static int fail(const char *cmd)
{
	fprintf(stderr, "payload: %s: %s\n", cmd, strerror(errno));
	return 1;
}

static int fail_msg(const char *cmd, const char *msg)
{
	fprintf(stderr, "payload: %s: %s\n", cmd, msg);
	return 1;
}

/* --- signal names --- */

static const struct {
	int sig;
	const char *name;
} signames[] = {
	{ SIGHUP, "HUP" }, { SIGINT, "INT" }, { SIGQUIT, "QUIT" },
	{ SIGILL, "ILL" }, { SIGTRAP, "TRAP" }, { SIGABRT, "ABRT" },
	{ SIGBUS, "BUS" }, { SIGFPE, "FPE" }, { SIGKILL, "KILL" },
	{ SIGUSR1, "USR1" }, { SIGSEGV, "SEGV" }, { SIGUSR2, "USR2" },
	{ SIGPIPE, "PIPE" }, { SIGALRM, "ALRM" }, { SIGTERM, "TERM" },
	{ SIGSTKFLT, "STKFLT" }, { SIGCHLD, "CHLD" }, { SIGCONT, "CONT" },
	{ SIGSTOP, "STOP" }, { SIGTSTP, "TSTP" }, { SIGTTIN, "TTIN" },
	{ SIGTTOU, "TTOU" }, { SIGURG, "URG" }, { SIGXCPU, "XCPU" },
	{ SIGXFSZ, "XFSZ" }, { SIGVTALRM, "VTALRM" }, { SIGPROF, "PROF" },
	{ SIGWINCH, "WINCH" }, { SIGIO, "IO" }, { SIGPWR, "PWR" },
	{ SIGSYS, "SYS" },
};

/* "SIGTERM", "SIGRTMIN+4"; buf holds at least 16 bytes. */
static const char *signame(int sig, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(signames); i++)
		if (signames[i].sig == sig) {
			snprintf(buf, len, "SIG%s", signames[i].name);
			return buf;
		}
	if (sig >= RTMIN && sig <= RTMAX)
		snprintf(buf, len, "SIGRTMIN+%d", sig - RTMIN);
	else
		snprintf(buf, len, "%d", sig);
	return buf;
}

static int parse_int(const char *s, long min, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	if (errno || end == s || *end || *out < min || *out > max)
		return -1;
	return 0;
}

/* "TERM", "SIGTERM", "15", "RTMIN+4", "RTMAX-2"; -1 if unknown. */
static int parse_signal(const char *s)
{
	size_t i;
	long n;

	if (parse_int(s, 1, RTMAX, &n) == 0)
		return n;
	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (i = 0; i < ARRAY_SIZE(signames); i++)
		if (!strcmp(s, signames[i].name))
			return signames[i].sig;
	if (!strncmp(s, "RTMIN", 5)) {
		if (!s[5])
			return RTMIN;
		if (s[5] == '+' && !parse_int(s + 6, 0, RTMAX - RTMIN, &n))
			return RTMIN + n;
	}
	if (!strncmp(s, "RTMAX", 5)) {
		if (!s[5])
			return RTMAX;
		if (s[5] == '-' && !parse_int(s + 6, 0, RTMAX - RTMIN, &n))
			return RTMAX - n;
	}
	return -1;
}

/* --- small helpers --- */

static int cat_file(const char *cmd, const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(cmd);
	fflush(stdout);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(STDOUT_FILENO, buf, n) != n)
			break;
	if (n != 0) {
		close(fd);
		return fail(cmd);
	}
	close(fd);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *errno_name(int err)
{
	static const struct {
		int err;
		const char *name;
	} names[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EACCES, "EACCES" },
		{ EEXIST, "EEXIST" }, { EROFS, "EROFS" }, { EINVAL, "EINVAL" },
		{ ENOSPC, "ENOSPC" }, { ENXIO, "ENXIO" }, { ENODEV, "ENODEV" },
		{ ENOTDIR, "ENOTDIR" }, { EBUSY, "EBUSY" }, { EIO, "EIO" },
		{ EBADF, "EBADF" }, { ENOSYS, "ENOSYS" }, { EFAULT, "EFAULT" },
		{ ETXTBSY, "ETXTBSY" }, { EAGAIN, "EAGAIN" }, { ESRCH, "ESRCH" },
		{ ENOTTY, "ENOTTY" }, { EAFNOSUPPORT, "EAFNOSUPPORT" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].err == err)
			return names[i].name;
	return strerror(err);
}

/* --- commands --- */

static int cmd_true(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static int cmd_exit(int argc, char **argv)
{
	long n;

	(void)argc;
	if (parse_int(argv[1], 0, 255, &n))
		return fail_msg(argv[0], "status must be 0..255");
	return n;
}

static int cmd_kill_self(int argc, char **argv)
{
	int sig = parse_signal(argv[1]);
	sigset_t set;

	(void)argc;
	if (sig < 0)
		return fail_msg(argv[0], "unknown signal");
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	if (kill(getpid(), sig))
		return fail(argv[0]);
	/* Stop signals stop us; an ignored one is not delivered at all. */
	return fail_msg(argv[0], "still alive");
}

static int cmd_echo(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		printf("%s%s", argv[i], i + 1 < argc ? " " : "");
	putchar('\n');
	return 0;
}

static int cmd_cat(int argc, char **argv)
{
	(void)argc;
	return cat_file(argv[0], argv[1]);
}

static int not_dots(const struct dirent *d)
{
	return strcmp(d->d_name, ".") && strcmp(d->d_name, "..");
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int cmd_ls(int argc, char **argv)
{
	struct dirent **list;
	int i, n;

	(void)argc;
	n = scandir(argv[1], &list, not_dots, by_name);
	if (n < 0)
		return fail(argv[0]);
	for (i = 0; i < n; i++) {
		puts(list[i]->d_name);
		free(list[i]);
	}
	free(list);
	return 0;
}

static int cmd_write(int argc, char **argv)
{
	int fd;

	(void)argc;
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return fail(argv[0]);
	if (dprintf(fd, "%s\n", argv[2]) < 0 || close(fd))
		return fail(argv[0]);
	return 0;
}

static const char *file_type(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "file";
	case S_IFDIR: return "dir";
	case S_IFLNK: return "symlink";
	case S_IFCHR: return "chr";
	case S_IFBLK: return "blk";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "sock";
	}
	return "unknown";
}

static int cmd_stat(int argc, char **argv)
{
	struct stat st;

	(void)argc;
	if (lstat(argv[1], &st))
		return fail(argv[0]);
	printf("type=%s mode=%04o uid=%u gid=%u", file_type(st.st_mode),
	       (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
	       (unsigned)st.st_gid);
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		printf(" rdev=%u:%u", major(st.st_rdev), minor(st.st_rdev));
	putchar('\n');
	return 0;
}

static int cmd_readlink(int argc, char **argv)
{
	char buf[PATH_MAX];
	ssize_t n;

	(void)argc;
	n = readlink(argv[1], buf, sizeof(buf) - 1);
	if (n < 0)
		return fail(argv[0]);
	buf[n] = '\0';
	puts(buf);
	return 0;
}

static int cmd_pid(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("%d\n", (int)getpid());
	return 0;
}

static int cmd_ppid(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("%d\n", (int)getppid());
	return 0;
}

static int cmd_hostname(int argc, char **argv)
{
	struct utsname u;

	(void)argc;
	if (uname(&u))
		return fail(argv[0]);
	puts(u.nodename);
	return 0;
}

static int cmd_env(int argc, char **argv)
{
	size_t i, n = 0;
	char **v;

	(void)argc;
	while (environ[n])
		n++;
	v = malloc((n + 1) * sizeof(*v));
	if (!v)
		return fail(argv[0]);
	memcpy(v, environ, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_str);
	for (i = 0; i < n; i++)
		puts(v[i]);
	free(v);
	return 0;
}

static int cmd_cwd(int argc, char **argv)
{
	char buf[PATH_MAX];

	(void)argc;
	if (!getcwd(buf, sizeof(buf)))
		return fail(argv[0]);
	puts(buf);
	return 0;
}

static int cmd_id(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("uid=%u gid=%u euid=%u egid=%u\n", (unsigned)getuid(),
	       (unsigned)getgid(), (unsigned)geteuid(), (unsigned)getegid());
	return 0;
}

static int cmd_caps(int argc, char **argv)
{
	char line[256];
	FILE *f;

	(void)argc;
	f = fopen("/proc/self/status", "re");
	if (!f)
		return fail(argv[0]);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapEff:", 7) || !strncmp(line, "CapBnd:", 7))
			fputs(line, stdout);
	fclose(f);
	return 0;
}

/*
 * mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE
 * SOURCE SUPEROPTIONS. Fields are space separated, spaces inside are \040.
 */
static void print_mount(char *line)
{
	char *field[6], *type, *save = NULL, *tok;
	int i = 0;

	for (tok = strtok_r(line, " \n", &save); tok && i < 6;
	     tok = strtok_r(NULL, " \n", &save))
		field[i++] = tok;
	while (tok && strcmp(tok, "-"))
		tok = strtok_r(NULL, " \n", &save);
	type = tok ? strtok_r(NULL, " \n", &save) : NULL;
	if (i == 6 && type)
		printf("%s %s %s\n", field[4], type, field[5]);
}

static int cmd_mounts(int argc, char **argv)
{
	char line[4096];
	FILE *f;

	(void)argc;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return fail(argv[0]);
	while (fgets(line, sizeof(line), f))
		print_mount(line);
	fclose(f);
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The numbers of the open fds but the listing's own, ascending; n = count. */
static int *list_fds(size_t *n)
{
	int *fds = NULL, *more;
	size_t cap = 0;
	struct dirent *e;
	DIR *d;

	d = opendir("/proc/self/fd");
	if (!d)
		return NULL;
	*n = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			more = realloc(fds, cap * sizeof(*fds));
			if (!more)
				break;
			fds = more;
		}
		fds[(*n)++] = atoi(e->d_name);
	}
	closedir(d);
	if (!fds)
		fds = malloc(sizeof(*fds));
	if (fds)
		qsort(fds, *n, sizeof(*fds), cmp_int);
	return fds;
}

static int cmd_fds(int argc, char **argv)
{
	char path[64], target[PATH_MAX];
	size_t i, n;
	ssize_t len;
	int *fds;

	(void)argc;
	fds = list_fds(&n);
	if (!fds)
		return fail(argv[0]);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[i]);
		len = readlink(path, target, sizeof(target) - 1);
		if (len < 0)
			continue;
		target[len] = '\0';
		printf("%d %s\n", fds[i], target);
	}
	free(fds);
	return 0;
}

static int cmd_sleep(int argc, char **argv)
{
	struct timespec ts;
	char *end;
	double s;

	(void)argc;
	errno = 0;
	s = strtod(argv[1], &end);
	if (errno || end == argv[1] || *end || s < 0 || s > 1e9)
		return fail_msg(argv[0], "bad number of seconds");
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts))
		if (errno != EINTR)
			return fail(argv[0]);
	return 0;
}

/*
 * Blocked signals are queued even for PID 1 of a pid namespace, which would
 * otherwise drop every signal it has no handler for.
 */
static void block_all(sigset_t *set)
{
	sigfillset(set);
	sigprocmask(SIG_BLOCK, set, NULL);
}

static int cmd_wait_signal(int argc, char **argv)
{
	char name[16];
	sigset_t set;
	int sig;

	(void)argc;
	block_all(&set);
	puts("ready");
	fflush(stdout);
	do
		sig = sigwaitinfo(&set, NULL);
	while (sig < 0 && errno == EINTR);
	if (sig < 0)
		return fail(argv[0]);
	puts(signame(sig, name, sizeof(name)));
	return 0;
}

static int run_command(int argc, char **argv);

static int spawn_child(int argc, char **argv)
{
	sigset_t set;
	pid_t pid;
	int rc;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return fail("init-marker");
	if (pid == 0) {
		sigemptyset(&set);
		sigprocmask(SIG_SETMASK, &set, NULL);
		rc = run_command(argc, argv);
		fflush(stdout);
		_exit(rc);
	}
	return 0;
}

static void reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* 0, 1: exit with it; -1: keep running. */
static int init_on_signal(int sig)
{
	char name[16];

	if (sig == SIGCHLD) {
		reap_all();
		return -1;
	}
	if (sig == SIGUSR1) {
		puts("PAYLOAD-INIT alive");
		return -1;
	}
	printf("PAYLOAD-INIT signal=%s\n", signame(sig, name, sizeof(name)));
	if (sig == SIGINT || sig == RTMIN + 4)
		return 0;
	if (sig == SIGTERM)
		return 1;
	return -1;
}

static int cmd_init_marker(int argc, char **argv)
{
	sigset_t set;
	int sig, rc;

	block_all(&set);
	printf("PAYLOAD-INIT pid=%d\n", (int)getpid());
	if (argc > 1 && spawn_child(argc - 1, argv + 1))
		return 1;
	for (;;) {
		sig = sigwaitinfo(&set, NULL);
		if (sig < 0) {
			if (errno == EINTR)
				continue;
			return fail(argv[0]);
		}
		rc = init_on_signal(sig);
		if (rc >= 0)
			return rc;
	}
}

static int cmd_cgroup(int argc, char **argv)
{
	(void)argc;
	return cat_file(argv[0], "/proc/self/cgroup");
}

static int cmd_mknod_open(int argc, char **argv)
{
	mode_t type = !strcmp(argv[2], "b") ? S_IFBLK : S_IFCHR;
	const char *mk = "ok", *op = "skipped";
	int fd;

	(void)argc;
	if (mknod(argv[1], type | 0600, makedev(atoi(argv[3]), atoi(argv[4])))) {
		mk = errno_name(errno);
	} else {
		fd = open(argv[1], O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		op = fd < 0 ? errno_name(errno) : "ok";
		if (fd >= 0)
			close(fd);
		unlink(argv[1]);
	}
	printf("mknod=%s open=%s\n", mk, op);
	return 0;
}

static int cmd_nnp(int argc, char **argv)
{
	(void)argc;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fail(argv[0]);
	execv(argv[1], argv + 1);
	return fail(argv[0]);
}

static int cmd_tty(int argc, char **argv)
{
	const char *name;

	(void)argc;
	(void)argv;
	name = ttyname(STDIN_FILENO);
	printf("stdin=%s stdout=%s ttyname=%s\n",
	       isatty(STDIN_FILENO) ? "tty" : "notty",
	       isatty(STDOUT_FILENO) ? "tty" : "notty", name ? name : "none");
	return 0;
}

/* syscall NR [ARG...]: one raw system call with small integer arguments;
 * prints "ok" or the errno name.  For the seccomp tests: what a filter
 * blocks answers EPERM where the kernel would say something else. */
static int cmd_syscall(int argc, char **argv)
{
	long a[4] = { 0, 0, 0, 0 }, r;
	int i;

	for (i = 2; i < argc && i < 6; i++)
		a[i - 2] = strtol(argv[i], NULL, 0);
	errno = 0;
	r = syscall(strtol(argv[1], NULL, 0), a[0], a[1], a[2], a[3]);
	printf("%s\n", r < 0 ? errno_name(errno) : "ok");
	return 0;
}

static int open_mode(const char *m)
{
	if (!strcmp(m, "r"))
		return O_RDONLY;
	if (!strcmp(m, "w"))
		return O_WRONLY;
	if (!strcmp(m, "rw"))
		return O_RDWR;
	if (!strcmp(m, "path"))
		return O_PATH;
	return -1;
}

static int cmd_open(int argc, char **argv)
{
	int mode = open_mode(argv[2]), fd;

	(void)argc;
	if (mode < 0)
		return fail_msg(argv[0], "mode must be r, w, rw or path");
	fd = open(argv[1], mode | O_CLOEXEC | O_NOCTTY);
	printf("%s\n", fd < 0 ? errno_name(errno) : "ok");
	if (fd >= 0)
		close(fd);
	return 0;
}

static int cmd_tiocsti(int argc, char **argv)
{
	int fd = strcmp(argv[1], "-") ? open(argv[1], O_RDWR | O_NOCTTY | O_CLOEXEC) : 0;
	const char *p;

	(void)argc;
	if (fd < 0) {
		printf("%s\n", errno_name(errno));
		return 0;
	}
	for (p = argv[2]; *p; p++)
		if (ioctl(fd, TIOCSTI, p) < 0)
			break;
	printf("%s\n", *p ? errno_name(errno) : "ok");
	if (fd > 0)
		close(fd);
	return 0;
}

/* the pid of a process named COMM but us, or 0 */
static pid_t find_comm(const char *comm)
{
	char path[64], buf[64];
	struct dirent *e;
	pid_t pid = 0;
	FILE *f;
	DIR *d = opendir("/proc");

	while (d && !pid && (e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9' || atoi(e->d_name) == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", atoi(e->d_name));
		f = fopen(path, "re");
		if (f && fgets(buf, sizeof(buf), f) && !strcmp(strtok(buf, "\n"), comm))
			pid = atoi(e->d_name);
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return pid;
}

static const char *try_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return errno_name(errno);
	close(fd);
	return "ok";
}

/* what the attack does with it: its first bytes replaced */
static const char *overwrite(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	const char *r = "ok";

	if (fd < 0)
		return errno_name(errno);
	if (pwrite(fd, "#!/bin/sh\n", 10, 0) != 10)
		r = errno_name(errno);
	close(fd);
	return r;
}

/* the first of PID's fds that opens for writing, or "none" */
static void fd_write(pid_t pid)
{
	char dir[64], path[64 + sizeof(((struct dirent *)0)->d_name)];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!strcmp(try_write(path), "ok")) {
			printf("fd-write=ok fd=%s\n", e->d_name);
			closedir(d);
			return;
		}
	}
	printf("fd-write=none%s\n", d ? "" : " (no fd listing)");
	if (d)
		closedir(d);
}

static void status_lines(pid_t pid)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapPrm:", 7) || !strncmp(line, "CapEff:", 7) ||
		    !strncmp(line, "Seccomp:", 8))
			fputs(line, stdout);
	if (f)
		fclose(f);
}

static void feed_fifo(const char *fifo, const char *src)
{
	int out = open(fifo, O_WRONLY | O_CLOEXEC), in = open(src, O_RDONLY | O_CLOEXEC);
	char buf[4096];
	ssize_t n;

	while (out >= 0 && in >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			break;
	if (out >= 0)
		close(out);
	if (in >= 0)
		close(in);
}

static int cmd_grab_exe(int argc, char **argv)
{
	char path[64];
	double end;
	struct timespec ts;
	pid_t pid = 0;
	int exe;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	end = ts.tv_sec + atof(argv[3]);
	while (!(pid = find_comm(argv[1]))) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (ts.tv_sec > end)
			return fail_msg(argv[0], "nobody came");
	}
	kill(pid, SIGSTOP);
	puts("caught");
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	printf("exe-write=%s\n", try_write(path));
	exe = open(path, O_PATH | O_CLOEXEC);
	fd_write(pid);
	status_lines(pid);
	kill(pid, SIGCONT);
	fflush(stdout);
	if (argc > 5)
		feed_fifo(argv[4], argv[5]);
	while (access(argv[2], F_OK))
		usleep(20000);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", exe);
	printf("later-write=%s\n", exe < 0 ? "no-exe" : overwrite(path));
	return 0;
}

static int cmd_forkbomb(int argc, char **argv)
{
	long forks = 0;
	pid_t pid;

	(void)argc;
	for (;;) {
		pid = fork();
		if (pid < 0)
			break;
		if (pid == 0) {
			sleep((unsigned)atoi(argv[1]));
			_exit(0);
		}
		forks++;
	}
	printf("forks=%ld stopped=%s\n", forks, errno_name(errno));
	return 0;
}

/* Sorted bytewise by name for bsearch; main() checks. */
static const struct cmd cmds[] = {
	{ "caps", 0, 0, cmd_caps, "" },
	{ "cat", 1, 1, cmd_cat, "FILE" },
	{ "cgroup", 0, 0, cmd_cgroup, "" },
	{ "cwd", 0, 0, cmd_cwd, "" },
	{ "echo", 0, -1, cmd_echo, "[ARGS...]" },
	{ "env", 0, 0, cmd_env, "" },
	{ "exit", 1, 1, cmd_exit, "N" },
	{ "fds", 0, 0, cmd_fds, "" },
	{ "forkbomb", 1, 1, cmd_forkbomb, "SECONDS" },
	{ "grab-exe", 3, 5, cmd_grab_exe, "COMM GO SECONDS [FIFO SRC]" },
	{ "hostname", 0, 0, cmd_hostname, "" },
	{ "id", 0, 0, cmd_id, "" },
	{ "init-marker", 0, -1, cmd_init_marker, "[CMD [ARGS...]]" },
	{ "kill-self", 1, 1, cmd_kill_self, "SIGNAL" },
	{ "ls", 1, 1, cmd_ls, "DIR" },
	{ "mknod-open", 4, 4, cmd_mknod_open, "PATH c|b MAJOR MINOR" },
	{ "mounts", 0, 0, cmd_mounts, "" },
	{ "nnp", 1, -1, cmd_nnp, "CMD [ARGS...]" },
	{ "open", 2, 2, cmd_open, "PATH r|w|rw|path" },
	{ "pid", 0, 0, cmd_pid, "" },
	{ "ppid", 0, 0, cmd_ppid, "" },
	{ "readlink", 1, 1, cmd_readlink, "PATH" },
	{ "sleep", 1, 1, cmd_sleep, "SECONDS" },
	{ "stat", 1, 1, cmd_stat, "PATH" },
	{ "syscall", 1, 5, cmd_syscall, "NR [ARGS...]" },
	{ "tiocsti", 2, 2, cmd_tiocsti, "PATH|- TEXT" },
	{ "true", 0, 0, cmd_true, "" },
	{ "tty", 0, 0, cmd_tty, "" },
	{ "wait-signal", 0, 0, cmd_wait_signal, "" },
	{ "write", 2, 2, cmd_write, "FILE TEXT" },
};

static int cmp_cmd(const void *key, const void *elem)
{
	return strcmp(key, ((const struct cmd *)elem)->name);
}

static void usage(void)
{
	size_t i;

	fputs("usage: payload CMD [ARGS...]\n", stderr);
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		fprintf(stderr, "  %s%s%s\n", cmds[i].name,
			*cmds[i].usage ? " " : "", cmds[i].usage);
}

static int run_command(int argc, char **argv)
{
	const struct cmd *c;
	int nargs = argc - 1;

	c = bsearch(argv[0], cmds, ARRAY_SIZE(cmds), sizeof(cmds[0]), cmp_cmd);
	if (!c) {
		fprintf(stderr, "payload: unknown command '%s'\n", argv[0]);
		return 2;
	}
	if (nargs < c->min_args || (c->max_args >= 0 && nargs > c->max_args)) {
		fprintf(stderr, "usage: payload %s%s%s\n", c->name,
			*c->usage ? " " : "", c->usage);
		return 2;
	}
	return c->fn(argc, argv);
}

int main(int argc, char **argv)
{
	size_t i;
	int rc;

	for (i = 1; i < ARRAY_SIZE(cmds); i++)
		if (strcmp(cmds[i - 1].name, cmds[i].name) >= 0) {
			fprintf(stderr, "payload: table unsorted at %s\n",
				cmds[i].name);
			return 2;
		}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		usage();
		return 2;
	}
	rc = run_command(argc - 1, argv + 1);
	if (fflush(stdout) || ferror(stdout))
		return fail(argv[1]);
	return rc;
}

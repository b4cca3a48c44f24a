/* machined: the supervisor an init script starts at boot (DESIGN.md §3).
 * This file: the command line, the lock that keeps it single, becoming a
 * daemon, and the set-up around the loop (loop.c). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "applets.h"
#include "fileio.h"
#include "machbox.h"
#include "machine.h"
#include "machined/machined.h"

#define PID_FILE "/run/machbox/machined.pid"
#define LOCK_FILE "/run/machbox/machined.lock"

static void help(void)
{
	printf("Usage: machined [OPTIONS...]\n");
	if (!CFG_LONG_HELP)
		return;
	printf("\n"
	       "Supervise the containers of this host: registry, control socket,\n"
	       "autostart of enabled machines and their restart policy.\n"
	       "\n"
	       "  -h --help          Show this help\n"
	       "     --version       Show package version\n"
	       "  -f --foreground    Do not daemonise\n");
}

static const struct option options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "foreground", no_argument, NULL, 'f' },
	{ 0 }
};

/* -1 to go on, else the exit code */
static int parse_args(int argc, char **argv, bool *foreground)
{
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+hf", options, NULL)) != -1) {
		switch (c) {
		case 'h':
			help();
			return 0;
		case 'V':
			printf("machbox %s\n", MACHBOX_VERSION);
			return 0;
		case 'f':
			*foreground = true;
			break;
		default:
			return usage_error("unknown option '%s', see --help", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	return -1;
}

static int make_dirs(void)
{
	static const char *const dirs[] = { MACHBOX_RUN_DIR, MACHBOX_RECORD_DIR, MACHBOX_LOG_DIR };
	char path[512];
	size_t i;
	int r;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		if ((r = root_path(path, sizeof(path), dirs[i])) < 0)
			return r;
		if ((r = mkdir_p(path, 0755)) < 0 && r != -EEXIST)
			return r;
	}
	return 0;
}

/* flock held for machined's life: a second one is refused */
static int take_lock(void)
{
	char path[512];
	int fd;

	if (root_path(path, sizeof(path), LOCK_FILE) < 0)
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return errno == EWOULDBLOCK ? -EALREADY : -errno;
	}
	return fd;
}

static void write_pid_file(void)
{
	char path[512], tmp[520], text[32];
	int fd;

	if (root_path(path, sizeof(path), PID_FILE) < 0)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	snprintf(text, sizeof(text), "%d\n", (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return;
	if (write_all(fd, text, strlen(text)) == 0 && fsync(fd) == 0) {
		close(fd);
		rename(tmp, path);
		return;
	}
	close(fd);
	unlink(tmp);
}

/* Double fork and setsid; the first process exits only when the daemon
 * says it is ready (a byte on READY), so `machined && machinectl list`
 * works and set-up errors reach the caller's terminal. */
static int daemonise(int *ready)
{
	int p[2], fd;
	char byte;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(p[1]);
		_exit(read(p[0], &byte, 1) == 1 ? 0 : EXIT_FAIL);
	}
	close(p[0]);
	setsid();
	/* nothing of the caller's kept busy: no cwd, a known umask */
	if (chdir("/") < 0)
		_exit(EXIT_FAIL);
	umask(022);
	pid = fork();
	if (pid < 0)
		_exit(EXIT_FAIL);
	if (pid > 0)
		_exit(0);
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	*ready = p[1];
	return 0;
}

static int setup(struct machined *d)
{
	sigset_t mask;
	int r;

	if (read_boot_id(d->boot_id, sizeof(d->boot_id)) < 0)
		d->boot_id[0] = 0;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (d->sigfd < 0)
		return -errno;
	r = records_adopt(d);
	if (r > 0)
		msg("re-adopted %d running machine(s)", r);
	r = autostart_load(d);
	if (r > 0)
		msg("%d machine(s) to autostart", r);
	return 0;
}

static void teardown(struct machined *d)
{
	char path[512];
	struct conn *c;

	for (c = d->conns; c; c = c->next)
		control_drop(d, c);
	control_expire(d, mono_ms());
	autostart_free(d);
	workers_free(d);
	while (d->n_machines)
		machine_forget(d, d->machines[0]);
	if (root_path(path, sizeof(path), MACHBOX_CONTROL) == 0)
		unlink(path);
	if (root_path(path, sizeof(path), PID_FILE) == 0)
		unlink(path);
	close_safe(&d->listenfd);
	close_safe(&d->sigfd);
}

int machined_main(int argc, char **argv)
{
	static struct machined d = { .sigfd = -1, .listenfd = -1, .lockfd = -1 };
	bool foreground = false;
	int r = parse_args(argc, argv, &foreground), ready = -1;

	if (r >= 0)
		return r;
	if (applet_check_root())
		return EXIT_FAIL;
	if ((r = make_dirs()) < 0)
		return fail_errno(r, "cannot create %s", MACHBOX_RUN_DIR);
	d.lockfd = take_lock();
	if (d.lockfd == -EALREADY) {
		msg("machined is already running");
		return EXIT_FAIL;
	}
	if (d.lockfd < 0)
		return fail_errno(d.lockfd, "cannot lock %s", LOCK_FILE);
	d.listenfd = control_listen();
	if (d.listenfd < 0)
		return fail_errno(d.listenfd, "cannot listen on %s", MACHBOX_CONTROL);
	if (!foreground && (r = daemonise(&ready)) < 0)
		return fail_errno(r, "cannot become a daemon");
	write_pid_file();
	if ((r = setup(&d)) < 0)
		return fail_errno(r, "cannot set up");
	if (ready >= 0) {
		write_all(ready, "1", 1);
		close(ready);
	}
	r = machined_run(&d);
	teardown(&d);
	if (r < 0)
		return fail_errno(r, "poll");
	return 0;
}

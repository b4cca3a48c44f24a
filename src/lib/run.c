/* Running a helper program (nft, iptables) and reading its verdict. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "machbox.h"
#include "run.h"

static const char *const extra_path[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin" };

static int find_cmd(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char buf[4096], *save = NULL, *dir;
	size_t i;

	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? (strlcpy_mb(out, name, len), 0) : -ENOENT;
	if (path && strlcpy_mb(buf, path, sizeof(buf)) < sizeof(buf))
		for (dir = strtok_r(buf, ":", &save); dir; dir = strtok_r(NULL, ":", &save))
			if (snprintf(out, len, "%s/%s", dir, name) < (int)len && access(out, X_OK) == 0)
				return 0;
	/* init scripts run with a short PATH; the firewall tools live in sbin */
	for (i = 0; i < ARRAY_SIZE(extra_path); i++)
		if (snprintf(out, len, "%s/%s", extra_path[i], name) < (int)len && access(out, X_OK) == 0)
			return 0;
	return -ENOENT;
}

int have_cmd(const char *name)
{
	char path[4096];

	return find_cmd(name, path, sizeof(path)) == 0;
}

static void child(const char *path, const char *const argv[], int in, int errw)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(in, 0) < 0 || dup2(errw, 2) < 0)
		_exit(127);
	if (errw != 1)
		dup2(open("/dev/null", O_WRONLY | O_CLOEXEC), 1);
	execv(path, (char *const *)argv);
	_exit(127);
}

int run_cmd(const char *const argv[], const char *input, char *err, size_t errlen)
{
	char path[4096], buf[512];
	int in[2] = { -1, -1 }, ep[2] = { -1, -1 }, status, r;
	ssize_t n;
	pid_t pid;

	if (err && errlen)
		err[0] = 0;
	r = find_cmd(argv[0], path, sizeof(path));
	if (r < 0)
		return r;
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		r = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		goto out;
	}
	if (pid == 0)
		child(path, argv, in[0], ep[1]);
	close_safe(&in[0]);
	close_safe(&ep[1]);
	/* a script far below the pipe's buffer size: no deadlock with stderr */
	if (input)
		write_all(in[1], input, strlen(input));
	close_safe(&in[1]);
	n = read_all(ep[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	{
		char rest[512];

		/* the rest of a long complaint, so the child never blocks */
		while (read(ep[0], rest, sizeof(rest)) > 0)
			;
	}
	if (err && errlen) {
		buf[strcspn(buf, "\n")] = 0;
		strlcpy_mb(err, buf, errlen);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			r = -errno;
			goto out;
		}
	r = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
out:
	close_safe(&in[0]);
	close_safe(&in[1]);
	close_safe(&ep[0]);
	close_safe(&ep[1]);
	return r;
}

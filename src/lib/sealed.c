/* Running from a sealed copy of ourselves.  A process that joins a
 * machine is our binary's image until it executes the guest's program,
 * and a guest root that opens its /proc/PID/exe keeps a handle on that
 * file: once no machbox runs any more it can reopen it for writing and
 * replace the host's binary (runc's CVE-2019-5736).  So the verbs that
 * join run from a memfd copy with every seal set: what the guest can
 * reach is that copy, which nobody can write and which goes away with
 * its last user. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compat.h"
#include "fileio.h"
#include "machbox.h"

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
#define MFD_EXEC_COMPAT 0x10U	/* Linux 6.3: executable even under vm.memfd_noexec=1 */
#define CMDLINE_MAX (256 * 1024)

extern char **environ;

static bool exe_sealed(void)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	int seals = fd < 0 ? -1 : fcntl(fd, F_GET_SEALS);

	if (fd >= 0)
		close(fd);
	return seals >= 0 && (seals & SEALS) == SEALS;
}

/* a binary on a read-only file system cannot be written from anywhere */
static bool exe_readonly(void)
{
	struct statvfs sv;

	return statvfs("/proc/self/exe", &sv) == 0 && (sv.f_flag & ST_RDONLY);
}

static int sealed_copy(void)
{
	int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC), fd, r = 0;
	ssize_t n;

	if (in < 0)
		return -errno;
	fd = (int)syscall(SYS_memfd_create, "machbox", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC_COMPAT);
	if (fd < 0 && errno == EINVAL)
		fd = (int)syscall(SYS_memfd_create, "machbox", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		r = -errno;
	while (!r && (n = sendfile(fd, in, NULL, 1 << 20)) != 0)
		if (n < 0)
			r = -errno;
	if (!r && fcntl(fd, F_ADD_SEALS, SEALS) < 0)
		r = -errno;
	close(in);
	if (r < 0 && fd >= 0)
		close(fd);
	return r < 0 ? r : fd;
}

/* our own argv, as the kernel keeps it */
static char **self_argv(void)
{
	char *buf = xmalloc(CMDLINE_MAX), **argv, *p;
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read_all(fd, buf, CMDLINE_MAX - 1);
	size_t argc = 0, i = 0;

	if (fd >= 0)
		close(fd);
	if (n <= 0 || n == CMDLINE_MAX - 1) {
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	for (p = buf; p < buf + n; p += strlen(p) + 1)
		argc++;
	argv = xcalloc(argc + 1, sizeof(char *));
	for (p = buf; p < buf + n; p += strlen(p) + 1)
		argv[i++] = p;
	return argv;
}

int exec_sealed_self(void)
{
	char **argv;
	int fd, err;

	if (exe_sealed()) {
		/* execveat named us after the fd: the name we had */
		argv = self_argv();
		if (argv) {
			prctl(PR_SET_NAME, strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0]);
			free(argv[0]);
			free(argv);
		}
		return 0;
	}
	fd = sealed_copy();
	if (fd < 0)
		return exe_readonly() ? 0 : fd;
	argv = self_argv();
	if (!argv) {
		close(fd);
		return -E2BIG;
	}
	syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
	err = errno;
	close(fd);
	free(argv[0]);
	free(argv);
	return exe_readonly() ? 0 : -err;
}

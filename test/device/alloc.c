/* alloc: a payload for the device test's cgroup limits (static, musl).
 *
 *   alloc MIB       malloc MIB MiB one MiB at a time and touch every page;
 *                   prints "allocated N MiB" as it goes and "done" at the end
 *   alloc -f N      try to fork N children that sleep 5 s; prints
 *                   "forked A failed F" and waits for the children
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int forks(int n)
{
	int ok = 0, fail = 0, i;

	for (i = 0; i < n; i++) {
		pid_t p = fork();

		if (p == 0) {
			sleep(5);
			_exit(0);
		}
		if (p < 0) {
			if (!fail)
				printf("fork: %s\n", strerror(errno));
			fail++;
		} else {
			ok++;
		}
	}
	printf("forked %d failed %d\n", ok, fail);
	fflush(stdout);
	while (wait(NULL) > 0)
		;
	return 0;
}

int main(int argc, char **argv)
{
	long mib, i;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 3 && strcmp(argv[1], "-f") == 0)
		return forks(atoi(argv[2]));
	if (argc != 2) {
		fprintf(stderr, "usage: alloc MIB | alloc -f N\n");
		return 2;
	}
	mib = atol(argv[1]);
	for (i = 1; i <= mib; i++) {
		char *p = malloc(1 << 20);

		if (!p) {
			printf("malloc failed at %ld MiB\n", i);
			return 1;
		}
		memset(p, (int)i, 1 << 20);
		if (i % 8 == 0)
			printf("allocated %ld MiB\n", i);
	}
	printf("done\n");
	return 0;
}

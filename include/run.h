#ifndef MACHBOX_RUN_H
#define MACHBOX_RUN_H

#include <stddef.h>

/* Runs argv[0] (searched in PATH, then /usr/sbin:/sbin) with INPUT on its
 * stdin (NULL: /dev/null), waits for it.  Returns its exit status, or
 * -errno when it could not run (-ENOENT: not installed).  The first line of
 * what it printed on stderr lands in err. */
int run_cmd(const char *const argv[], const char *input, char *err, size_t errlen);
/* 1 when the program can be found, 0 otherwise */
int have_cmd(const char *name);

#endif

#ifndef MACHBOX_MACHINECTL_H
#define MACHBOX_MACHINECTL_H

#include <stdbool.h>

/* Every option of machinectl in one struct, passed to each verb. */
struct mctl_opts {
	bool legend, value, all, full, quiet, read_only, mkdir, force, now, follow, json;
	const char *props[16];
	unsigned n_props;
	const char *env[64];
	unsigned n_env;
	const char *kill_whom, *uid, *verify, *escape;
	int signal, max_addresses;
	long lines;
};

#endif

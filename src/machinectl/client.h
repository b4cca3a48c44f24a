/* machinectl's side of machined's control socket (include/proto.h). */
#ifndef MACHBOX_MACHINECTL_CLIENT_H
#define MACHBOX_MACHINECTL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "proto.h"

struct mreply {
	int status;		/* machined's: 0 or -errno */
	const char *text;	/* records or a message, NUL-terminated here */
	size_t len;
	char buf[PROTO_MAX_MSG + 1];
};

/* One request, one reply within TIMEOUT_MS.  With SPAWN (root only) a
 * machined that does not run is started first.  0 with R filled in, or
 * -errno: -ENOENT/-ECONNREFUSED machined is not running, -ETIMEDOUT. */
int client_call(unsigned op, unsigned argc, const char *const *argv, bool spawn,
		int timeout_ms, struct mreply *r);

/* The same, keeping the connection: its fd (close it), with an fd the
 * reply carried in *PASSED (else -1); client_next() reads the next reply
 * on it (SHELL's second). */
int client_open(unsigned op, unsigned argc, const char *const *argv, bool spawn,
		int timeout_ms, struct mreply *r, int *passed);
int client_next(int fd, int timeout_ms, struct mreply *r);

/* A record's value as a new string ("" when missing); free() it */
char *record_value(const char *rec, size_t len, const char *key);

#endif

/* A TCP connection with deadlines: connect, idle and total timeouts are
 * checked on every wait, never with sleeps. */
#ifndef MACHBOX_PULL_SOCK_H
#define MACHBOX_PULL_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sock {
	int fd;
	int idle_ms;
	int64_t deadline;	/* CLOCK_MONOTONIC ms when all must be done, 0 = none */
	int why;		/* enum sock_why of the last failure */
};

enum sock_why { SOCK_OK, SOCK_IDLE, SOCK_TOTAL, SOCK_ERRNO };
/* Connects to host:port (any address it resolves to, in order) within
 * connect_ms each.  0 or -errno; err says which step failed. */
int sock_connect(struct sock *s, const char *host, uint16_t port, int connect_ms,
		 char *err, size_t errlen);
/* Waits for data at most idle_ms (and the total deadline): bytes read,
 * 0 at EOF, -ETIMEDOUT (why says which timeout) or -errno */
ssize_t sock_read(struct sock *s, void *buf, size_t len);
int sock_write_all(struct sock *s, const void *buf, size_t len);
void sock_close(struct sock *s);

#endif

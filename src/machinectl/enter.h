/* Into a running machine from the host: a session on a fresh pty of the
 * guest's own devpts (shell, login), and the helpers copy and bind share.
 * The core takes the leader's host pid and returns -errno, so machined
 * can run the same code for callers that are not root. */
#ifndef MACHBOX_MACHINECTL_ENTER_H
#define MACHBOX_MACHINECTL_ENTER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/types.h>

#include "term.h"	/* escape_key_name() */

struct enter_opts {
	const char *user;		/* name or number; NULL: root */
	const char *const *env;		/* VAR=VALUE, added last (-E) */
	unsigned n_env;
	const char *term;		/* TERM in the guest */
	char *const *argv;		/* NULL: the user's login shell */
	bool login;			/* the guest's login program instead */
	bool no_echo, no_onlcr;		/* for input and output that are not a
					 * terminal: the bytes as they are */
	struct winsize ws;		/* the pty's first size; ws_row 0: none */
};

struct enter_session {
	pid_t pid;		/* our child; it exits with the command's status */
	int pidfd;		/* readable once it has ended */
	int master;		/* pty master of the guest's devpts */
	char err[256];		/* why the session did not start */
};

/* Joins the machine whose init is LEADER and starts the session; on
 * failure s->err may say what the guest side found wrong. */
int enter_start(pid_t leader, const struct enter_opts *o, struct enter_session *s);
/* The command's exit status (128+N when killed by signal N), waiting at
 * most timeout_ms (-1: forever); -ETIMEDOUT leaves it running.  Closes
 * what enter_start opened. */
int enter_finish(struct enter_session *s, int timeout_ms);

/* --- pure helpers (test/unit/test_enter.c) --- */
/* "[USER@]NAME" into its parts; an empty NAME is the host (".host") */
int enter_split_target(const char *arg, char *user, size_t ulen, char *name, size_t nlen);
/* the CapBnd: mask of a /proc/PID/status text */
int parse_capbnd(const char *status, uint64_t *mask);
/* the cgroup2 path ("0::" line) of a /proc/PID/cgroup text */
int parse_cgroup2(const char *text, char *path, size_t len);

/* Host-side handles of a running machine, taken before any fork: its
 * root as the guest sees it (/proc/PID/root) and its mount namespace. */
int machine_root_fd(pid_t leader);
int machine_ns_fd(pid_t leader, const char *ns);

#endif

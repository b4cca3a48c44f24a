#ifndef MACHBOX_NSPAWN_MONITOR_H
#define MACHBOX_NSPAWN_MONITOR_H

#include <stdbool.h>
#include <termios.h>

#include "nspawn/console.h"
#include "nspawn/consock.h"
#include "nspawn/container.h"

/* What lives across reboots of the guest: the terminal, the scroll-back,
 * the log. */
struct console_state {
	bool relay_in, relay_out, raw;
	bool stdin_eof;
	struct termios saved;
	struct ring ring;
	struct console_log log;
	struct escape esc;
	struct consock sock;	/* machinectl console attaches here */
};

enum run_end { RUN_EXITED, RUN_REBOOT };

/* Blocks SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGWINCH and returns a signalfd
 * for them; the child unblocks before exec. */
int monitor_signals(void);
/* One boot of the container: spawn, sync, relay, wait.  *exit_code gets
 * the payload's status (0 after a poweroff, 128+signal after a kill).
 * Returns RUN_EXITED, RUN_REBOOT or -errno (a setup failure, already
 * reported). */
int monitor_run(struct container *c, struct machine_cgroup *cg, struct console_state *cs,
		int sigfd, int *exit_code);
void console_state_setup(struct console_state *cs, enum console_mode mode);
void console_state_restore(struct console_state *cs);

#endif

/* The state table of one machine (DESIGN.md §3): a pure function of the
 * state, the event and a few conditions, so it is unit-tested apart from
 * the loop that carries out its actions. */
#ifndef MACHBOX_MACHINED_STATE_H
#define MACHBOX_MACHINED_STATE_H

#include <stdbool.h>

enum mstate { MS_DOWN, MS_STARTING, MS_UP, MS_STOPPING, MS_FAILED, MS_COUNT_ };

enum mevent {
	ME_START,		/* start request (or autostart) */
	ME_POWEROFF,		/* poweroff/stop request */
	ME_REBOOT,		/* reboot request: poweroff, then start again */
	ME_TERMINATE,		/* terminate request */
	ME_KILL,		/* kill request: a signal, the state stays */
	ME_EXIT_OK,		/* the monitor exited 0 */
	ME_EXIT_FAIL,		/* ... with another status, a signal, or unknown */
	ME_UP,			/* the container's init exists */
	ME_DEADLINE,		/* the machine's deadline passed */
	ME_COUNT_
};

enum maction {
	MA_NONE,
	MA_SPAWN,		/* fork+exec the monitor, poll for UP */
	MA_BUSY,		/* refuse: a transition is under way */
	MA_ALREADY,		/* nothing to do, succeed */
	MA_NOT_RUNNING,		/* refuse: nothing runs */
	MA_STOP,		/* SIGTERM to the monitor, stop deadline */
	MA_REBOOT,		/* MA_STOP and start again once DOWN */
	MA_KILL_MONITOR,	/* SIGKILL to the monitor */
	MA_SIGNAL,		/* the kill request's signal to the guest */
	MA_POLL_UP,		/* look for the leader; on timeout kill the monitor */
	MA_GONE,		/* the monitor ended: DOWN, no restart */
	MA_FAILED,		/* the monitor ended: FAILED */
	MA_RESTART_LATER,	/* the monitor ended: DOWN, restart at a deadline */
	MA_RESTART_NOW,		/* the monitor ended during a reboot: start again */
	MA_CANCEL_RESTART,	/* poweroff while a restart waits: it does not come */
};

enum restart_mode { RS_NO, RS_ON_FAILURE, RS_ALWAYS };

/* what the table needs to know beyond state and event */
struct mcond {
	enum restart_mode restart;
	bool crash_loop;	/* this death would be one too many in the window */
	bool reboot_pending;	/* STOPPING on the way to a restart */
	bool restart_pending;	/* DOWN with a restart deadline armed */
};

struct mtrans {
	enum mstate next;
	enum maction action;
};

struct mtrans mstate_step(enum mstate s, enum mevent e, const struct mcond *c);
const char *mstate_name(enum mstate s);	/* "down", "starting", ... */
const char *mevent_name(enum mevent e);
const char *restart_mode_name(enum restart_mode r);

/* Crash-loop guard: more than MS_BURST deaths within MS_WINDOW_MS means
 * FAILED; restarts are spaced by MS_DELAY0_MS doubled for every death in
 * the window, at most MS_DELAY_MAX_MS. */
#define MS_BURST 5
#define MS_WINDOW_MS 10000
#define MS_DELAY0_MS 100
#define MS_DELAY_MAX_MS 5000
long long mstate_restart_delay(unsigned deaths_in_window);

#endif

/* The state table of one machine: action[state][event].  Pure: no I/O, no
 * clock; machined's loop (machine.c) carries the actions out. */
#include "machbox.h"
#include "machined/state.h"

/* rows that depend on the conditions, resolved in mstate_step() */
enum { X_DEATH = 100, X_STOPPED, X_DOWN_TIMER, X_DOWN_STOP };

#define T(n, a) { (enum mstate)(n), (enum maction)(a) }
#define KEEP(a) T(-1, a)	/* the state stays */

static const struct mtrans table[MS_COUNT_][ME_COUNT_] = {
	[MS_DOWN] = {
		[ME_START] = T(MS_STARTING, MA_SPAWN),
		[ME_POWEROFF] = KEEP(X_DOWN_STOP),
		[ME_REBOOT] = KEEP(MA_NOT_RUNNING),
		[ME_TERMINATE] = KEEP(X_DOWN_STOP),
		[ME_KILL] = KEEP(MA_NOT_RUNNING),
		[ME_EXIT_OK] = KEEP(MA_NONE),
		[ME_EXIT_FAIL] = KEEP(MA_NONE),
		[ME_UP] = KEEP(MA_NONE),
		[ME_DEADLINE] = KEEP(X_DOWN_TIMER),
	},
	[MS_STARTING] = {
		[ME_START] = KEEP(MA_BUSY),
		[ME_POWEROFF] = T(MS_STOPPING, MA_STOP),
		[ME_REBOOT] = KEEP(MA_BUSY),
		[ME_TERMINATE] = T(MS_STOPPING, MA_KILL_MONITOR),
		[ME_KILL] = KEEP(MA_SIGNAL),
		[ME_EXIT_OK] = KEEP(X_DEATH),
		[ME_EXIT_FAIL] = KEEP(X_DEATH),
		[ME_UP] = T(MS_UP, MA_NONE),
		[ME_DEADLINE] = KEEP(MA_POLL_UP),
	},
	[MS_UP] = {
		[ME_START] = KEEP(MA_ALREADY),
		[ME_POWEROFF] = T(MS_STOPPING, MA_STOP),
		[ME_REBOOT] = T(MS_STOPPING, MA_REBOOT),
		[ME_TERMINATE] = T(MS_STOPPING, MA_KILL_MONITOR),
		[ME_KILL] = KEEP(MA_SIGNAL),
		[ME_EXIT_OK] = KEEP(X_DEATH),
		[ME_EXIT_FAIL] = KEEP(X_DEATH),
		[ME_UP] = KEEP(MA_NONE),
		[ME_DEADLINE] = KEEP(MA_NONE),
	},
	[MS_STOPPING] = {
		[ME_START] = KEEP(MA_BUSY),
		[ME_POWEROFF] = KEEP(MA_ALREADY),
		[ME_REBOOT] = KEEP(MA_BUSY),
		[ME_TERMINATE] = KEEP(MA_KILL_MONITOR),
		[ME_KILL] = KEEP(MA_SIGNAL),
		[ME_EXIT_OK] = KEEP(X_STOPPED),
		[ME_EXIT_FAIL] = KEEP(X_STOPPED),
		[ME_UP] = KEEP(MA_NONE),
		/* the grace time is over: the monitor's janitor cleans up */
		[ME_DEADLINE] = KEEP(MA_KILL_MONITOR),
	},
	[MS_FAILED] = {
		[ME_START] = T(MS_STARTING, MA_SPAWN),
		[ME_POWEROFF] = KEEP(MA_NOT_RUNNING),
		[ME_REBOOT] = KEEP(MA_NOT_RUNNING),
		[ME_TERMINATE] = KEEP(MA_NOT_RUNNING),
		[ME_KILL] = KEEP(MA_NOT_RUNNING),
		[ME_EXIT_OK] = KEEP(MA_NONE),
		[ME_EXIT_FAIL] = KEEP(MA_NONE),
		[ME_UP] = KEEP(MA_NONE),
		[ME_DEADLINE] = KEEP(MA_NONE),
	},
};

/* An unasked-for death: the restart policy and the crash-loop guard. */
static struct mtrans death(enum mevent e, const struct mcond *c)
{
	bool again = c->restart == RS_ALWAYS ||
		     (c->restart == RS_ON_FAILURE && e == ME_EXIT_FAIL);

	if (again && c->crash_loop)
		return (struct mtrans){ MS_FAILED, MA_FAILED };
	if (again)
		return (struct mtrans){ MS_DOWN, MA_RESTART_LATER };
	if (e == ME_EXIT_FAIL)
		return (struct mtrans){ MS_FAILED, MA_FAILED };
	return (struct mtrans){ MS_DOWN, MA_GONE };
}

struct mtrans mstate_step(enum mstate s, enum mevent e, const struct mcond *c)
{
	struct mtrans t;

	if ((unsigned)s >= MS_COUNT_ || (unsigned)e >= ME_COUNT_)
		return (struct mtrans){ s, MA_NONE };
	t = table[s][e];
	if ((int)t.next == -1)
		t.next = s;
	switch ((int)t.action) {
	case X_DEATH:
		return death(e, c);
	case X_STOPPED:
		if (c->reboot_pending)
			return (struct mtrans){ MS_STARTING, MA_RESTART_NOW };
		return (struct mtrans){ MS_DOWN, MA_GONE };
	case X_DOWN_TIMER:
		if (c->restart_pending)
			return (struct mtrans){ MS_STARTING, MA_SPAWN };
		return (struct mtrans){ MS_DOWN, MA_NONE };
	case X_DOWN_STOP:
		/* a restart waiting for its deadline: stopping cancels it */
		if (c->restart_pending)
			return (struct mtrans){ MS_DOWN, MA_CANCEL_RESTART };
		return (struct mtrans){ MS_DOWN, MA_NOT_RUNNING };
	}
	return t;
}

long long mstate_restart_delay(unsigned deaths)
{
	long long d = MS_DELAY0_MS;

	while (deaths-- > 1 && d < MS_DELAY_MAX_MS)
		d *= 2;
	return d < MS_DELAY_MAX_MS ? d : MS_DELAY_MAX_MS;
}

const char *mstate_name(enum mstate s)
{
	static const char *const n[MS_COUNT_] = {
		"down", "starting", "running", "stopping", "failed",
	};

	return (unsigned)s < MS_COUNT_ ? n[s] : "?";
}

const char *mevent_name(enum mevent e)
{
	static const char *const n[ME_COUNT_] = {
		"start", "poweroff", "reboot", "terminate", "kill",
		"exit-ok", "exit-fail", "up", "deadline",
	};

	return (unsigned)e < ME_COUNT_ ? n[e] : "?";
}

const char *restart_mode_name(enum restart_mode r)
{
	static const char *const n[] = { "no", "on-failure", "always" };

	return (unsigned)r < ARRAY_SIZE(n) ? n[r] : "?";
}

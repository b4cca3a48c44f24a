/* machined's state table (src/machined/state.c): every row that matters,
 * the restart policy and the crash-loop guard. */
#include "machined/state.h"
#include "tap.h"

static struct mtrans step(enum mstate s, enum mevent e, struct mcond c)
{
	return mstate_step(s, e, &c);
}

#define IS(t, st, act, ...) do { \
	struct mtrans t_ = (t); \
	ok(t_.next == (st) && t_.action == (act), __VA_ARGS__); \
	if (t_.next != (st) || t_.action != (act)) \
		printf("#   got %s/%d\n", mstate_name(t_.next), t_.action); \
} while (0)

int main(void)
{
	struct mcond no = { .restart = RS_NO }, always = { .restart = RS_ALWAYS };
	struct mcond onfail = { .restart = RS_ON_FAILURE }, loop = { .restart = RS_ALWAYS, .crash_loop = true };
	struct mcond reboot = { .reboot_pending = true }, pending = { .restart_pending = true };
	enum mstate s;
	enum mevent e;
	int sane = 1;

	IS(step(MS_DOWN, ME_START, no), MS_STARTING, MA_SPAWN, "down + start: spawn");
	IS(step(MS_DOWN, ME_POWEROFF, no), MS_DOWN, MA_NOT_RUNNING, "down + poweroff: not running");
	IS(step(MS_DOWN, ME_POWEROFF, pending), MS_DOWN, MA_CANCEL_RESTART, "down + poweroff with a restart waiting: cancelled");
	IS(step(MS_DOWN, ME_DEADLINE, pending), MS_STARTING, MA_SPAWN, "down + restart deadline: spawn");
	IS(step(MS_DOWN, ME_DEADLINE, no), MS_DOWN, MA_NONE, "down + a stray deadline: nothing");
	IS(step(MS_DOWN, ME_KILL, no), MS_DOWN, MA_NOT_RUNNING, "down + kill: not running");
	IS(step(MS_STARTING, ME_START, no), MS_STARTING, MA_BUSY, "starting + start: busy");
	IS(step(MS_STARTING, ME_UP, no), MS_UP, MA_NONE, "starting + leader found: up");
	IS(step(MS_STARTING, ME_DEADLINE, no), MS_STARTING, MA_POLL_UP, "starting + deadline: look for the leader");
	IS(step(MS_STARTING, ME_POWEROFF, no), MS_STOPPING, MA_STOP, "starting + poweroff: stop");
	IS(step(MS_UP, ME_START, no), MS_UP, MA_ALREADY, "up + start: already");
	IS(step(MS_UP, ME_POWEROFF, no), MS_STOPPING, MA_STOP, "up + poweroff: SIGTERM");
	IS(step(MS_UP, ME_REBOOT, no), MS_STOPPING, MA_REBOOT, "up + reboot: stop, then start");
	IS(step(MS_UP, ME_TERMINATE, no), MS_STOPPING, MA_KILL_MONITOR, "up + terminate: SIGKILL");
	IS(step(MS_UP, ME_KILL, no), MS_UP, MA_SIGNAL, "up + kill: the signal, state kept");
	IS(step(MS_UP, ME_EXIT_OK, no), MS_DOWN, MA_GONE, "Restart=no, exit 0: down");
	IS(step(MS_UP, ME_EXIT_FAIL, no), MS_FAILED, MA_FAILED, "Restart=no, failure: failed");
	IS(step(MS_UP, ME_EXIT_OK, onfail), MS_DOWN, MA_GONE, "on-failure, exit 0: down");
	IS(step(MS_UP, ME_EXIT_FAIL, onfail), MS_DOWN, MA_RESTART_LATER, "on-failure, failure: restart later");
	IS(step(MS_UP, ME_EXIT_OK, always), MS_DOWN, MA_RESTART_LATER, "always, exit 0: restart later");
	IS(step(MS_STARTING, ME_EXIT_FAIL, always), MS_DOWN, MA_RESTART_LATER, "always, died starting: restart later");
	IS(step(MS_UP, ME_EXIT_FAIL, loop), MS_FAILED, MA_FAILED, "always, crash loop: failed");
	IS(step(MS_STOPPING, ME_EXIT_OK, always), MS_DOWN, MA_GONE, "a death asked for is never restarted");
	IS(step(MS_STOPPING, ME_EXIT_FAIL, reboot), MS_STARTING, MA_RESTART_NOW, "stopping for a reboot: start again");
	IS(step(MS_STOPPING, ME_DEADLINE, no), MS_STOPPING, MA_KILL_MONITOR, "stop deadline: SIGKILL");
	IS(step(MS_STOPPING, ME_START, no), MS_STOPPING, MA_BUSY, "stopping + start: busy");
	IS(step(MS_STOPPING, ME_POWEROFF, no), MS_STOPPING, MA_ALREADY, "stopping + poweroff: already");
	IS(step(MS_STOPPING, ME_TERMINATE, no), MS_STOPPING, MA_KILL_MONITOR, "stopping + terminate: SIGKILL now");
	IS(step(MS_FAILED, ME_START, no), MS_STARTING, MA_SPAWN, "failed + start: spawn");
	IS(step(MS_FAILED, ME_DEADLINE, always), MS_FAILED, MA_NONE, "failed stays down without a start");
	IS(step(MS_FAILED, ME_REBOOT, no), MS_FAILED, MA_NOT_RUNNING, "failed + reboot: not running");

	/* every cell yields a valid state; out-of-range input is refused */
	for (s = MS_DOWN; s < MS_COUNT_; s++)
		for (e = ME_START; e < ME_COUNT_; e++) {
			struct mtrans t = step(s, e, always);

			if ((unsigned)t.next >= MS_COUNT_ || t.action > MA_CANCEL_RESTART)
				sane = 0;
		}
	ok(sane, "every cell of the table is a valid transition");
	IS(step(MS_COUNT_, ME_START, no), MS_COUNT_, MA_NONE, "an unknown state does nothing");
	IS(step(MS_UP, ME_COUNT_, no), MS_UP, MA_NONE, "an unknown event does nothing");

	is_int(mstate_restart_delay(1), 100, "first restart after 100 ms");
	is_int(mstate_restart_delay(2), 200, "then 200 ms");
	is_int(mstate_restart_delay(5), 1600, "then doubling");
	is_int(mstate_restart_delay(40), MS_DELAY_MAX_MS, "capped");
	is_str(mstate_name(MS_UP), "running", "UP is shown as systemd's 'running'");
	is_str(restart_mode_name(RS_ON_FAILURE), "on-failure", "restart mode names");
	return tap_done();
}

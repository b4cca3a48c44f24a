/* machined's pieces: the daemon (machined.c), its loop (loop.c), the
 * machines and their actions (machine.c), records on disk (record.c), the
 * control socket (control.c), what list/status report (info.c), and
 * autostart (autostart.c). */
#ifndef MACHBOX_MACHINED_H
#define MACHBOX_MACHINED_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "machined/state.h"

#define MD_MAX_MACHINES 256
#define MD_MAX_CONNS 64
#define MD_POLL_UP_MS 50		/* looking for the leader while STARTING */
#define MD_START_TIMEOUT_MS 10000	/* ... for this long, then it failed */
#define MD_DRAIN_MS 10000		/* a dead monitor's cgroup may linger this long */
#define MD_REQUEST_MS 5000		/* a connection must send its request by then */

struct conn;

struct machine {
	char name[65];
	char image[512];
	char os_id[64], os_version[64];
	enum mstate state;
	enum restart_mode restart;
	int stop_timeout_s;
	pid_t monitor;			/* 0 when none */
	unsigned long long monitor_start;	/* /proc/PID/stat starttime */
	int pidfd;
	bool child;			/* ours to reap (not adopted) */
	bool reboot_pending, restart_pending;
	bool draining;			/* dead monitor, cgroup not gone yet */
	enum mevent drain_event;
	long long since_us;		/* CLOCK_REALTIME of the last change */
	long long deadline;		/* CLOCK_MONOTONIC ms, 0: none */
	long long start_deadline;	/* STARTING gives up then */
	long long drain_until;
	long long deaths[MS_BURST + 1];	/* monotonic ms of recent deaths */
	unsigned n_deaths;
	int exit_status;		/* -1 unknown */
	pid_t leader;
};

struct conn {
	int fd;
	uid_t uid;
	long long deadline;		/* 0 once a request arrived */
	uint16_t op;
	struct machine *wait;		/* a reply owed when it settles */
	struct conn *next;
};

struct machined {
	int sigfd, listenfd, lockfd;
	struct machine *machines[MD_MAX_MACHINES];
	unsigned n_machines;
	struct conn *conns;
	unsigned n_conns;
	char boot_id[64];
	bool exiting;
	long long exit_deadline;
	/* autostart: names in order, one started per deadline */
	char **autostart;
	unsigned n_autostart, next_autostart;
	long long autostart_delay_ms, autostart_deadline;
};


long long now_realtime_us(void);
int machined_run(struct machined *d);

/* machine.c */
struct machine *machine_find(struct machined *d, const char *name);
struct machine *machine_get(struct machined *d, const char *name);
void machine_event(struct machined *d, struct machine *m, enum mevent ev);
/* a request's event: the action's immediate answer (0 or -errno with
 * MSG set), or 1 when the reply waits for the machine to settle */
int machine_request(struct machined *d, struct machine *m, enum mevent ev, char *msg, size_t len);
int machine_kill(struct machine *m, bool all, int sig);
void machine_reap_children(struct machined *d);
void machine_exited(struct machined *d, struct machine *m, int status);
void machine_deadline(struct machined *d, struct machine *m);
void machine_forget(struct machined *d, struct machine *m);
void machines_poweroff_all(struct machined *d);
bool machines_busy(const struct machined *d);
void machines_kill_all(struct machined *d);

/* record.c */
int record_save(const struct machined *d, const struct machine *m);
void record_remove(const struct machine *m);
int records_adopt(struct machined *d);
int proc_starttime(pid_t pid, unsigned long long *ret);
int read_boot_id(char *buf, size_t len);

/* control.c */
int control_listen(void);
void control_accept(struct machined *d);
void control_input(struct machined *d, struct conn *c);
void control_drop(struct machined *d, struct conn *c);
void control_reply(struct machined *d, struct conn *c, int status, const char *text, size_t len);
void control_notify(struct machined *d, struct machine *m);
void control_expire(struct machined *d, long long now);
bool machine_waited_for(const struct machined *d, const struct machine *m);

/* info.c: a machine's record as list/status send it, into BUF */
int info_record(const struct machine *m, char *buf, size_t len);
void info_os_release(struct machine *m);
int image_dir(const char *name, char *path, size_t len);

/* autostart.c */
int autostart_load(struct machined *d);
void autostart_step(struct machined *d);
void autostart_free(struct machined *d);

#endif

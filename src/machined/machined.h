/* machined's pieces: the daemon (machined.c), its loop (loop.c), the
 * machines and their actions (machine.c), records on disk (record.c), the
 * control socket (control.c), what list/status report (info.c),
 * autostart (autostart.c), and callers that are not root (users.c). */
#ifndef MACHBOX_MACHINED_H
#define MACHBOX_MACHINED_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"
#include "machined/state.h"
#include "proto.h"

#define MD_MAX_MACHINES 256
/* connections: every caller together, and what users (not root) may
 * hold of them, in all and each; a full table never refuses root */
#define MD_MAX_CONNS 128
#define MD_MAX_USER_CONNS 64
#define MD_MAX_UID_CONNS 8
/* workers (users.c): clones, removals and sessions under way */
#define MD_MAX_WORKERS 64
#define MD_MAX_USER_WORKERS 8
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

struct worker {
	pid_t pid;
	uid_t uid;
	struct worker *next;
};

/* who sent a request, as users.c judges it */
struct caller {
	uid_t uid;
	bool all;		/* root, or in ManageGroup: every machine */
	char user[64];		/* the user's name; "" unknown (or all) */
	struct machbox_conf conf;
};

struct machined {
	int sigfd, listenfd, lockfd;
	struct machine *machines[MD_MAX_MACHINES];
	unsigned n_machines;
	struct conn *conns;
	unsigned n_conns;
	struct worker *workers;
	unsigned n_workers;
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
/* a reply that keeps the connection, with FD (>= 0) passed along */
int control_send(struct conn *c, int status, const char *text, size_t len, int fd);
void control_notify(struct machined *d, struct machine *m);
void control_expire(struct machined *d, long long now);
bool machine_waited_for(const struct machined *d, const struct machine *m);

/* info.c: a machine's record as list/status send it, into BUF */
int info_record(const struct machine *m, char *buf, size_t len);
void info_os_release(struct machine *m);
int image_dir(const char *name, char *path, size_t len);

/* users.c */
void caller_init(struct caller *k, uid_t uid);
bool caller_may(const struct caller *k, const char *name);
void reply_unknown(struct machined *d, struct conn *c, const char *name);
void op_clone(struct machined *d, struct conn *c, const struct proto_request *rq, const struct caller *k);
void op_remove(struct machined *d, struct conn *c, const struct proto_request *rq, const struct caller *k);
void op_shell(struct machined *d, struct conn *c, const struct proto_request *rq, const struct caller *k);
void workers_reap(struct machined *d);
void workers_free(struct machined *d);

/* autostart.c */
int autostart_load(struct machined *d);
void autostart_step(struct machined *d);
void autostart_free(struct machined *d);

#endif

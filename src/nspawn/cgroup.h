#ifndef MACHBOX_NSPAWN_CGROUP_H
#define MACHBOX_NSPAWN_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The machine's cgroup: MOUNT/machbox/NAME on the cgroup2 hierarchy
 * (/sys/fs/cgroup on pure v2 hosts, /sys/fs/cgroup/unified on hybrid ones). */
struct machine_cgroup {
	char path[256];		/* empty: no cgroup2 hierarchy, none made */
	int dirfd;
};

/* Creates it; 0, or -errno.  -ENOENT: the host has no cgroup2 hierarchy
 * (the caller warns and goes on without one). -EBUSY: it exists with
 * processes in it. */
int cgroup_create(struct machine_cgroup *cg, const char *name);
int cgroup_attach(struct machine_cgroup *cg, pid_t pid);
/* and the v1 pids cgroup that holds TasksMax= on a hybrid host, if any
 * (CLONE_INTO_CGROUP reaches only the cgroup2 one) */
int cgroup_attach_v1(struct machine_cgroup *cg, pid_t pid);
/* MemoryMax=, TasksMax=, CPUWeight=; a limit whose controller is not
 * available is reported through missing (a controller name) and skipped. */
int cgroup_set_limits(struct machine_cgroup *cg, uint64_t memory_max, uint64_t tasks_max,
		      uint64_t cpu_weight, void (*missing)(const char *what, const char *controller));
/* systemd-nspawn's device policy: only null, zero, full, random, urandom,
 * tty, ptmx, net/tun and (without mknod) the ptys open; 0 or -errno
 * (a kernel without CONFIG_CGROUP_BPF) */
int cgroup_device_policy(struct machine_cgroup *cg, dev_t loop);
/* SIGKILL to every process in it (cgroup.kill, or a loop over cgroup.procs) */
int cgroup_kill(struct machine_cgroup *cg);
bool cgroup_populated(struct machine_cgroup *cg);
/* kill and wait up to timeout_ms until no process is left; -EBUSY after */
int cgroup_empty(struct machine_cgroup *cg, int timeout_ms);
/* kill, wait up to timeout_ms for it to empty, remove it and an empty
 * parent; 0 or -errno */
int cgroup_destroy(struct machine_cgroup *cg, int timeout_ms);

#endif

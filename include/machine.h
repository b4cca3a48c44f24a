/* Running machines as the host sees them, without machined: what every
 * verb that reaches into a machine needs. */
#ifndef MACHBOX_MACHINE_H
#define MACHBOX_MACHINE_H

#include <stddef.h>
#include <sys/types.h>

/* Places under $MACHBOX_ROOT (DESIGN.md §4):
 *   /run/machbox/control            machined's socket
 *   /run/machbox/machines/NAME      machined's record of a machine
 *   /run/machbox/console/NAME       the monitor's console socket
 *   /run/machbox/filter/NAME        the machine's system call filter, for
 *                                   the sessions that join it
 *   /var/log/machbox/NAME.log       the console log */
#define MACHBOX_RUN_DIR "/run/machbox"
#define MACHBOX_CONTROL "/run/machbox/control"
#define MACHBOX_RECORD_DIR "/run/machbox/machines"
#define MACHBOX_CONSOLE_DIR "/run/machbox/console"
#define MACHBOX_FILTER_DIR "/run/machbox/filter"
/* the v1 pids hierarchy of hybrid hosts (nspawn/cgroup.c) */
#define MACHBOX_PIDS_V1 "/sys/fs/cgroup/pids"
#define MACHBOX_LOG_DIR "/var/log/machbox"

/* The monitor's console socket (SOCK_SEQPACKET, root only): every
 * message starts with a type byte.
 *   monitor -> client: 'D' + console output (first the scroll-back)
 *   client -> monitor: 'D' + input for the console,
 *                      'W' + struct winsize (the client's terminal size) */
enum { CONSOLE_MSG_DATA = 'D', CONSOLE_MSG_WINSIZE = 'W' };
#define CONSOLE_MSG_MAX 4097

/* $MACHBOX_ROOT + dir + "/" + name [+ suffix]; -EINVAL for a bad name */
int machine_path(char *buf, size_t len, const char *dir, const char *name, const char *suffix);

/* "/sys/fs/cgroup" on a pure cgroup2 host, "/sys/fs/cgroup/unified" on a
 * hybrid one, NULL when there is no cgroup2 hierarchy */
const char *cgroup2_mount(void);

/* The host pid of a running machine's init (PID 1 of its namespace),
 * found in its cgroup: -ESRCH when it does not run, -EBUSY while nspawn
 * is still building it (PID 1 has not executed the guest's init yet). */
pid_t machine_leader(const char *name);

#endif

/* Which init an image boots, how to ask it to power off or reboot, and
 * which binary --boot executes.  Everything is looked up inside the image:
 * symlinks resolve against the image root, never the host's. */
#ifndef MACHBOX_NSPAWN_INITDETECT_H
#define MACHBOX_NSPAWN_INITDETECT_H

#include <stdbool.h>
#include <stddef.h>

enum guest_init {
	INIT_UNKNOWN, INIT_SYSTEMD, INIT_BUSYBOX, INIT_PROCD, INIT_OPENRC, INIT_SYSVINIT,
};

/* Signals that ask the init for poweroff, reboot and halt (DESIGN.md §3).
 * With INITCTL set (sysvinit) the runlevel request over its FIFO
 * (initctl_request()) comes first and the signals are the fallback. */
struct init_signals {
	int poweroff, reboot, halt;
	bool initctl;
};

/* "unknown", "systemd", "busybox", "procd", "openrc", "sysvinit" */
const char *guest_init_name(enum guest_init init);

/* ROOTFD: an O_PATH|O_DIRECTORY fd of the image root.  Never fails: what
 * cannot be read counts as absent. */
enum guest_init guest_init_detect(int rootfd);

struct init_signals guest_init_signals(enum guest_init init);

/* The init --boot executes, as systemd-nspawn tries them:
 * /usr/lib/systemd/systemd, /lib/systemd/systemd, /sbin/init; the first
 * that is an executable regular file inside the root, or NULL. */
const char *guest_init_path(int rootfd);

/* sysvinit's request to change to RUNLEVEL ('0' poweroff, '6' reboot, also
 * '1'-'5', 'S', 'Q'), the 384-byte struct init_request of its initreq.h,
 * in host byte order.  Written to /run/initctl (older: /dev/initctl)
 * inside the container.  Returns INITCTL_REQUEST_SIZE, or 0 when LEN is
 * too small or RUNLEVEL unknown. */
#define INITCTL_REQUEST_SIZE 384
size_t initctl_request(char runlevel, void *buf, size_t len);

#endif

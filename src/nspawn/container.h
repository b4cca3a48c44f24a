/* The container being built: what the monitor decided, shared with the
 * child through fork (the child only reads it). */
#ifndef MACHBOX_NSPAWN_CONTAINER_H
#define MACHBOX_NSPAWN_CONTAINER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"
#include "nspawn/cgroup.h"
#include "nspawn/initdetect.h"
#include "nspawn/network.h"
#include "nspawn/seccomp.h"
#include "nspawn/nspawn.h"
#include "nspawn/userns.h"

struct raw_image;

struct container {
	struct nspawn_opts *o;
	char root[4096];	/* the image directory, absolute, resolved */
	struct raw_image *image;	/* -i: mounted on root by the child, or NULL */
	int rootfd;		/* O_PATH of it, held for the lock and the walks */
	char machine[65];
	char machine_id[33];	/* 32 hex digits, stable per machine name */
	char uuid[37];
	enum guest_init init;
	struct init_signals sig;
	const char *init_path;	/* inside the image, for --boot */
	bool console_pty;	/* stdio of PID 1 is /dev/console (a pty) */
	bool has_cgroup;
	const char *term;	/* TERM for PID 1 */
	uint64_t keep_caps;	/* bounding set for the payload */
	struct machbox_conf conf;	/* machbox.conf */
	struct machine_net net;		/* the host side of its link */
	int cgroup_fd;			/* for CLONE_INTO_CGROUP, or -1 */
	struct syscall_filter filter;	/* installed just before the payload */
	struct userns userns;		/* PrivateUsers= */
};

/* Sync messages between the monitor and the child, over a SOCK_SEQPACKET
 * pair.  The numbered steps appear as comments on both sides:
 *   #1 monitor: uid/gid maps, cgroup attach,    child: waits for it, then
 *      then SYNC_GO                               becomes the userns' root
 *   #2 child: mounts, console pty, SYNC_CONSOLE (+ fd) monitor: keeps the fd
 *   #3 child: pivot, caps, exec; the socket closes on exec (EOF = running)
 * Any failure on the child side is SYNC_ERROR with errno and a message. */
enum sync_type { SYNC_GO = 1, SYNC_CONSOLE, SYNC_ERROR };

struct sync_msg {
	uint32_t type;
	int32_t err;
	char text[240];
};

/* clone3 the child into its namespaces (and straight into its cgroup when
 * c->cgroup_fd allows: moving a process later costs the kernel an RCU
 * grace period); returns its pid (and a pidfd in *pidfd, or -1) or
 * -errno; *in_cgroup says whether it is there already.  *sync is the
 * monitor's end of the socket. */
pid_t container_spawn(struct container *c, int *pidfd, int *sync, bool *in_cgroup);

/* The keep-set of capabilities of systemd-nspawn, plus CAP_NET_ADMIN with a
 * private network. */
uint64_t container_default_caps(bool private_network);
/* "CAP_SYS_ADMIN" for the capabilities of that set */
const char *container_cap_name(int cap);

int sync_send(int fd, const struct sync_msg *m, int passfd);
/* returns bytes read (0 on EOF) or -errno; *passfd gets a received fd or -1 */
int sync_recv(int fd, struct sync_msg *m, int *passfd);

void machine_id_from_name(const char *name, char id[33], char uuid[37]);

#endif

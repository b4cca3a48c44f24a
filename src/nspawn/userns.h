/* User namespaces (PrivateUsers=, --private-users=): container root is an
 * unprivileged host uid, SHIFT..SHIFT+RANGE-1 on the host.  systemd-nspawn's
 * semantics, so images move between the two. */
#ifndef MACHBOX_NSPAWN_USERNS_H
#define MACHBOX_NSPAWN_USERNS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "machbox.h"
#include "nspawn/nspawn.h"

/* systemd's pick range: above the 16-bit users, below the 2^31 edge */
#define USERNS_PICK_MIN 0x00080000u
#define USERNS_PICK_MAX 0x6FFF0000u
#define USERNS_RANGE 0x10000u

enum userns_mode {
	USERNS_NO,
	USERNS_FIXED,		/* BASE[:RANGE] and identity */
	USERNS_FROM_ROOT,	/* yes: the owner of the image's root directory */
	USERNS_PICK,		/* the root's owner if free, else hashed from the name */
};

/* How the image's files come to be owned by the container's ids */
enum userns_owner { OWN_DEFAULT, OWN_AUTO, OWN_MAP, OWN_CHOWN, OWN_OFF };

struct userns {
	enum userns_mode mode;
	enum userns_owner owner;	/* resolved: MAP, CHOWN or OFF */
	uint32_t shift, range;
	int lockfd;		/* flock of $ROOT/run/machbox/uidrange/SHIFT, or -1 */
	int idmap_fd;		/* a user namespace with our map, for the idmapped root */
	/* this boot's root and --bind sources (or -errno), cloned by the
	 * monitor: the child may not reach them through the host's paths */
	int tree_fd;
	int bind_fd[NSPAWN_MAX_MOUNTS];
	unsigned n_binds;
	struct bound_user {		/* BindUser=, ascending by uid */
		char name[33];
		char shell[64];
		uint32_t uid;		/* in the guest, also its gid */
		uint32_t host_uid, host_gid;
	} users[NSPAWN_MAX_BIND_USERS];
	unsigned n_users;
	bool passwd_copy;	/* the guest has no nss-systemd to read the records */
};

struct container;
struct machine_cgroup;

/* a user namespace in use (compiled out with CONFIG_PRIVATE_USERS off) */
static inline bool userns_on(const struct userns *u)
{
	return CFG_PRIVATE_USERS && u->mode != USERNS_NO;
}

/* "no", "yes", "pick", "identity", "BASE[:RANGE]" (numbers are never
 * booleans, as in systemd): 0 or -EINVAL */
int userns_parse(const char *s, struct userns *u);
/* "auto", "map", "chown", "off": 0 or -EINVAL */
int userns_parse_owner(const char *s, enum userns_owner *ret);
/* The ATTEMPT-th candidate base for machine NAME: 64K-aligned, in
 * USERNS_PICK_MIN..USERNS_PICK_MAX-64K, the same for the same input. */
uint32_t userns_candidate(const char *name, unsigned attempt);
/* "0 SHIFT RANGE\n", as /proc/PID/uid_map wants it */
void userns_map_line(const struct userns *u, char *buf, size_t len);
/* The container's uid_map (gid_map with GID): the range, split around the
 * bound users' one-id lines.  -ENAMETOOLONG when BUF is too small. */
int userns_map_text(const struct userns *u, bool gid, char *buf, size_t len);
/* A user namespace with U's map ("0 SHIFT RANGE" for uids and gids),
 * held by the returned fd (setns(2) joins it), or -errno */
int userns_make_fd(const struct userns *u);
/* import-tar/pull-tar --private-users=: the range nspawn's pick takes for
 * a new image NAME (PICK), or the one in U (FIXED), locked until
 * userns_release(), so no running machine shares it while the image is
 * extracted.  0, -EBUSY (none free, or in use) or -errno. */
int userns_reserve(struct userns *u, const char *machine);

/* Monitor, before the janitor: the range chosen and locked, the image's
 * ownership made right (chown, or an idmapping checked).  0, or an exit
 * code with the one-line error already printed. */
int userns_prepare(struct container *c);
/* Before each clone: this boot's root and bind trees; 0 or -errno */
int userns_spawn_trees(struct container *c);
void userns_close_trees(struct userns *u);
/* Child, before its root is set up: the image tree mounted at c->root,
 * which becomes a path relative to the child's cwd.  0 or -errno. */
int userns_mount_root(struct container *c);
/* #1, monitor: the child's uid/gid maps, and its cgroup delegated to its
 * root.  0 or -errno. */
int userns_attach(const struct container *c, const struct machine_cgroup *cg, pid_t pid);
/* #1, child: become root of the namespace once the maps exist */
int userns_become_root(void);
void userns_release(struct userns *u);

#endif

/* BindUser=, --bind-user=: a host user appears in the guest under its own
 * name, with a uid of 60514..60577 mapped onto its host uid and its home
 * bound at /run/host/home/NAME (systemd-nspawn's scheme). */
#ifndef MACHBOX_NSPAWN_BINDUSER_H
#define MACHBOX_NSPAWN_BINDUSER_H

#include <stdbool.h>
#include <stdint.h>

#define BINDUSER_UID_MIN 60514u
#define BINDUSER_UID_MAX 60577u

struct container;
struct nspawn_opts;

/* --bind-user= and BindUser=: a valid user name, added once; -EINVAL,
 * -E2BIG */
int nspawn_add_bind_user(struct nspawn_opts *o, const char *name);
/* Monitor, after userns_prepare(): the users looked up on the host
 * ($MACHBOX_ROOT/etc/passwd, group), checked against the image's, given
 * guest uids and their home mounts.  0, or an exit code after one line. */
int binduser_prepare(struct container *c);
/* Child, once /run is mounted: /run/host/userdb records, and for guests
 * without nss-systemd copies of /etc/passwd and /etc/group with the users
 * added, bound over the image's.  0 or -errno, with the step failed in
 * *what. */
int binduser_setup(struct container *c, const char **what);
/* a host user or group ($MACHBOX_ROOT/etc/passwd, group) with an id in
 * LO..LO+N-1 */
bool host_ids_in(uint32_t lo, uint32_t n);

#endif

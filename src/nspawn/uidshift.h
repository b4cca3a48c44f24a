/* Recursive chown of an image tree from one 64K uid/gid range to another,
 * as systemd-nspawn's --private-users-ownership=chown does. */
#ifndef MACHBOX_NSPAWN_UIDSHIFT_H
#define MACHBOX_NSPAWN_UIDSHIFT_H

#include <stdint.h>

/* Ids in FROM..FROM+RANGE-1 move to TO.., others stay; set-id bits and
 * file capabilities survive the chown.  One file system only: mount
 * points below ROOTFD are left alone.  The root directory goes last, so
 * its owner records a finished shift.  0 or -errno. */
int uid_shift_tree(int rootfd, uint32_t from, uint32_t to, uint32_t range);
/* the entry a failure was about */
const char *uid_shift_error(void);

#endif

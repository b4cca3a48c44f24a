#ifndef MACHBOX_NSPAWN_ROOTFS_H
#define MACHBOX_NSPAWN_ROOTFS_H

struct container;

/* In the child's mount namespace: the root (plain, read-only, ephemeral or
 * volatile), the API file systems, /dev with a console pty (its master in
 * *master), custom mounts, resolv.conf and machine-id.  0 or -errno; the
 * step that failed is in rootfs_error(). */
int rootfs_setup(struct container *c, int *master);
/* pivot_root into it (move-mount + chroot where the host root is rootfs) */
int rootfs_enter(struct container *c);
const char *rootfs_error(void);

#endif

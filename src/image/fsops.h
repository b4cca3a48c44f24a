/* File system operations behind the image store: btrfs subvolumes, tree
 * removal and copying, usage.  Everything works on directory fds and
 * never follows a symlink of the tree it works on. */
#ifndef MACHBOX_IMAGE_FSOPS_H
#define MACHBOX_IMAGE_FSOPS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

/* --- btrfs.c (each returns -EOPNOTSUPP when CFG_BTRFS is off) --- */
bool btrfs_is_fs(int fd);
/* fd: a directory; true when it is the root of a subvolume */
bool btrfs_is_subvol(int fd);
int btrfs_subvol_make(int dirfd, const char *name);
int btrfs_subvol_snapshot(int srcfd, int dirfd, const char *name, bool read_only);
/* the subvolume dirfd/name; -ENOTEMPTY when it holds other subvolumes */
int btrfs_subvol_destroy(int dirfd, const char *name);
int btrfs_subvol_get_ro(int fd, bool *ro);
int btrfs_subvol_set_ro(int fd, bool ro);

/* --- tree.c --- */
/* chattr +i / -i; -EOPNOTSUPP when the file system has no such flag */
int fs_set_immutable(int fd, bool on);
bool fs_is_immutable(int fd);
/* a subvolume, or a directory on another file system: not crossed */
bool is_mount_boundary(int fd, const struct stat *parent, const struct stat *st);
/* Removes dirfd/name whatever it is: file, symlink, tree, subvolume
 * (nested ones too).  Mount points inside are not entered: -EBUSY. */
int rm_tree_at(int dirfd, const char *name);
/* du of the tree at fd; UINT64_MAX when the walk hit its bound */
uint64_t tree_usage(int fd);

/* --- copy.c --- */
/* The contents of srcfd into the empty directory dstfd, then the
 * attributes of srcfd onto dstfd: modes, owners, xattrs, times, hard
 * links within the tree, device nodes, symlinks, sparse files. */
int copy_tree(int srcfd, int dstfd);
/* file to file: a reflink where possible, else holes kept */
int copy_file_data(int in, int out);
/* any fd to any fd; zero blocks become holes when sparse (out a file) */
int copy_stream(int in, int out, bool sparse);
/* owner, mode, xattrs and times of st/srcfd onto dstfd */
int copy_attrs_fd(int srcfd, const struct stat *st, int dstfd);

#endif

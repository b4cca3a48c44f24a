/* The image store: $MACHBOX_ROOT/var/lib/machines (DESIGN.md §7). */
#ifndef MACHBOX_IMAGE_H
#define MACHBOX_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum image_type { IMAGE_DIRECTORY, IMAGE_SUBVOLUME, IMAGE_RAW };

struct image {
	char name[65];
	char path[4096];
	enum image_type type;
	bool read_only, hidden;
	uint64_t usage;		/* bytes, UINT64_MAX when unknown */
	uint64_t crtime, mtime;	/* microseconds since the epoch, 0 when unknown */
};

/* $MACHBOX_ROOT/var/lib/machines, created (0700) when missing */
int image_store_dir(char *buf, size_t len);
/* NAME or NAME.raw in the store: 0, -ENOENT, -EINVAL for a bad name */
int image_find(const char *name, struct image *img);
/* Every image of the store sorted by name, hidden ones (".NAME") only
 * with all; usage is not filled in (image_usage).  0 and an empty list
 * when the store does not exist.  free() the list. */
int image_list(bool all, struct image **list, size_t *n);
/* du-like: allocated blocks, hard links counted once, symlinks not
 * followed, mount points not crossed, the walk bounded (UINT64_MAX then) */
void image_usage(struct image *img);
/* "directory", "subvolume", "raw" */
const char *image_type_name(enum image_type t);
/* A valid image name: a machine name, or ".NAME" for a hidden image */
bool image_name_valid(const char *name);

/* A new image is made under a hidden name in the store and appears under
 * NAME only when complete:
 *   image_tmp_create()  ".#NAME.XXXXXX" (a subvolume on btrfs when dir and
 *                       subvolumes are enabled; a file for raw images)
 *   image_install()     rename into place; -EEXIST unless force (then the
 *                       old image is removed only after the new one is in)
 *   image_discard()     removes a temp image after a failure
 * Temp images left by a power cut are removed by `machinectl clean` and by
 * the next import or pull.  A temp image is locked (flock) by the process
 * making it until image_install() or image_discard(), so neither of those
 * removes one that is still being written. */
int image_tmp_create(const char *name, bool dir, char *path, size_t len);
int image_install(const char *tmp_path, const char *name, bool force, bool read_only);
int image_discard(const char *tmp_path);

/* flock(how | LOCK_NB) on the image: the fd holding it, or -EBUSY when a
 * running machine has it */
int image_lock(const struct image *img, int how);

/* Changing images.  A running machine holds a flock on its image (nspawn:
 * LOCK_EX, LOCK_SH when read-only or ephemeral); these take LOCK_EX first
 * and fail with -EBUSY when they cannot. */
int image_remove(const struct image *img);
int image_rename(const struct image *img, const char *new_name);
int image_clone(const struct image *img, const char *new_name, bool read_only);
int image_set_read_only(const struct image *img, bool read_only);
/* Removes unlocked temp images (".#*"), and with all every hidden image
 * too; calls removed() for each.  Number removed or -errno. */
int image_clean(bool all, void (*removed)(const char *name, void *ud), void *ud);
/* Imports of a tree or a raw file (a file or a stream, like stdin)
 * already on this host, through a temp image */
int image_import_fs(const char *src_dir, const char *name, bool force, bool read_only);
int image_import_raw(int src_fd, const char *name, bool force, bool read_only);
/* The bytes of a raw image to out_fd (sparse when out_fd is a file) */
int image_export_raw(const struct image *img, int out_fd);

/* An image name from a file name, as systemd derives it: the directory
 * part and the suffixes (.tar.xz, .raw, ...) removed.  -EINVAL when
 * nothing valid is left. */
enum image_name_kind { NAME_FROM_TAR, NAME_FROM_RAW, NAME_FROM_DIR };
int image_name_from_path(const char *path, enum image_name_kind kind, char *buf, size_t len);

#endif

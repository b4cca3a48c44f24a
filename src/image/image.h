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

/* A new image is made under a hidden name in the store and appears under
 * NAME only when complete:
 *   image_tmp_create()  ".#NAME.XXXXXX" (a subvolume on btrfs when dir and
 *                       subvolumes are enabled; a file for raw images)
 *   image_install()     rename into place; -EEXIST unless force (then the
 *                       old image is removed only after the new one is in)
 *   image_discard()     removes a temp image after a failure
 * Temp images left by a power cut are removed by `machinectl clean` and by
 * the next import or pull. */
int image_tmp_create(const char *name, bool dir, char *path, size_t len);
int image_install(const char *tmp_path, const char *name, bool force, bool read_only);
int image_discard(const char *tmp_path);

#endif

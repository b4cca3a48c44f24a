/* Internals of the image store shared by store.c, tmp.c and ops.c. */
#ifndef MACHBOX_IMAGE_STORE_H
#define MACHBOX_IMAGE_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "image/image.h"

#define STORE_PATH "/var/lib/machines"

/* an fd of the store directory; -ENOENT when it does not exist (!create) */
int store_open(bool create);
/* the name of the image's entry in the store: NAME or NAME.raw */
const char *image_entry(const struct image *img);
/* an fd of the image (its directory, or the raw file) */
int image_open(const struct image *img);
/* the image's read-only state as its type keeps it */
int image_set_ro_fd(int fd, enum image_type type, bool ro);
bool image_ro_fd(int fd, enum image_type type);

/* tmp.c: a temp image made by a snapshot of srcfd (btrfs), locked like
 * image_tmp_create's; the locked fd of a temp image */
int image_tmp_snapshot(int srcfd, const char *name, bool read_only, char *path, size_t len);
int image_tmp_fd(const char *tmp_path);
/* removes unlocked temp images; number removed or -errno */
int tmp_clean(int storefd, void (*removed)(const char *name, void *ud), void *ud);

/* settings files of NAME: next to the image, /etc/systemd/nspawn and
 * /run/systemd/nspawn, moved or removed with it as systemd does */
void settings_rename(const char *name, const char *new_name);
void settings_remove(const char *name);

#endif

/* Raw disk images for nspawn -i: a loop device over the file (or over the
 * root partition of a GPT disk), set to detach by itself when its last
 * user goes, so a killed monitor leaves nothing attached. */
#ifndef MACHBOX_NSPAWN_RAWIMAGE_H
#define MACHBOX_NSPAWN_RAWIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of the start of a disk that gpt_find_root() wants: the header
 * and a 128-entry table at LBA 2, for 512 and 4096-byte sectors. */
#define GPT_SCAN_SIZE (64 * 1024)

/* "4f68bce3-e8cd-4db1-96e7-fbcaf984b709" into the 16 bytes of its on-disk
 * (mixed-endian) form; -EINVAL for a malformed string. */
int gpt_guid_parse(const char *s, uint8_t out[16]);

/* The root partition of the GPT at the start of a disk (BUF, LEN bytes of
 * it; DISK_SIZE the whole size): the Discoverable Partitions root type
 * ROOT_GUID if given and present, else the first Linux filesystem data
 * partition.  Byte offset and size in *OFF and *SIZE.  -ENOENT: no GPT
 * signature; -EBADMSG: a bad CRC or a table out of bounds; -ENXIO: no
 * such partition. */
int gpt_find_root(const uint8_t *buf, size_t len, uint64_t disk_size, const char *root_guid,
		  uint64_t *off, uint64_t *size);

/* this architecture's Discoverable Partitions root type, or NULL */
const char *gpt_root_type(void);

/* "ext4", "btrfs", "squashfs", "erofs" from the superblock magic at the
 * start of a filesystem (BUF holds its first LEN bytes), or NULL */
const char *fs_detect(const uint8_t *buf, size_t len);

/* An attached image. */
struct raw_image {
	int fd;			/* the image file, locked */
	int loopfd;		/* the loop device, autoclear */
	char loop[32];		/* /dev/loopN */
	const char *fstype;
	bool read_only;		/* the filesystem is mounted read-only */
};

/* Opens and locks PATH (-EBUSY when another machine has it), attaches a
 * loop device to its root filesystem and finds the type.  -EMEDIUMTYPE:
 * no filesystem we know. */
int raw_image_open(const char *path, bool read_only, struct raw_image *img);
void raw_image_close(struct raw_image *img);
/* mount(2) of the image's filesystem on TARGET with extra FLAGS */
int raw_image_mount(const struct raw_image *img, const char *target, unsigned long flags);

#endif

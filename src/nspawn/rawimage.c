/* Raw disk images: the GPT parser and the superblock sniffing are pure
 * (unit-tested on crafted bytes); the loop device part needs root. */
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "inroot.h"
#include "machbox.h"
#include "nspawn/rawimage.h"

#define GPT_LINUX_DATA "0fc63daf-8483-4772-8e79-3d69d8477de4"
#define GPT_MAX_ENTRIES 1024
#define GPT_FLAG_NO_AUTO (1ULL << 63)
#define FS_SCAN_SIZE (65600 + 8)

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* the CRC32 of GPT (and zlib): reflected 0xEDB88320; bitwise, the tables
 * are small enough */
static uint32_t crc32_gpt(const uint8_t *p, size_t len)
{
	uint32_t c = 0xffffffffu;
	int k;

	while (len--) {
		c ^= *p++;
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

int gpt_guid_parse(const char *s, uint8_t out[16])
{
	/* the first three fields are little-endian on disk */
	static const int order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
	uint8_t raw[16];
	int i = 0, hi, lo;

	for (; *s && i < 16; s++) {
		if (*s == '-' && (i == 4 || i == 6 || i == 8 || i == 10))
			continue;
		hi = unhex_digit(s[0]);
		lo = s[1] ? unhex_digit(s[1]) : -1;
		if (hi < 0 || lo < 0)
			return -EINVAL;
		raw[i++] = (uint8_t)(hi << 4 | lo);
		s++;
	}
	if (i != 16 || *s)
		return -EINVAL;
	for (i = 0; i < 16; i++)
		out[i] = raw[order[i]];
	return 0;
}

const char *gpt_root_type(void)
{
#if defined(__x86_64__)
	return "4f68bce3-e8cd-4db1-96e7-fbcaf984b709";
#elif defined(__aarch64__)
	return "b921b045-1df0-41c3-af44-4c6f280d3fae";
#elif defined(__arm__)
	return "69dad710-2ce4-4e3c-b16c-21a1d49abed3";
#else
	return NULL;
#endif
}

/* the header at BUF + SECTOR, checked; 0 or -EBADMSG */
static int gpt_check_header(const uint8_t *buf, size_t len, size_t sector)
{
	uint8_t h[512];
	uint32_t hsize = le32(buf + sector + 12);

	if (hsize < 92 || hsize > sizeof(h) || sector + hsize > len)
		return -EBADMSG;
	memcpy(h, buf + sector, hsize);
	memset(h + 16, 0, 4);	/* the CRC is computed with itself zeroed */
	return crc32_gpt(h, hsize) == le32(buf + sector + 16) ? 0 : -EBADMSG;
}

struct gpt_table {
	const uint8_t *entries;
	uint32_t n, size;
	uint64_t first_usable, last_usable;
};

static int gpt_read_table(const uint8_t *buf, size_t len, size_t sector, struct gpt_table *t)
{
	const uint8_t *h = buf + sector;
	uint64_t lba = le64(h + 72), bytes;

	t->n = le32(h + 80);
	t->size = le32(h + 84);
	t->first_usable = le64(h + 40);
	t->last_usable = le64(h + 48);
	if (le64(h + 24) != 1 || t->n > GPT_MAX_ENTRIES || t->size < 128 || t->size > 4096 ||
	    t->size % 8 || lba < 2 || lba > len / sector)
		return -EBADMSG;
	bytes = (uint64_t)t->n * t->size;
	if (lba * sector + bytes > len)
		return -EBADMSG;
	t->entries = buf + lba * sector;
	return crc32_gpt(t->entries, (size_t)bytes) == le32(h + 88) ? 0 : -EBADMSG;
}

/* the first entry of TYPE, in bounds; -ENXIO when none, -EBADMSG when
 * the one found lies outside the disk */
static int gpt_pick(const struct gpt_table *t, size_t sector, uint64_t disk_size, const uint8_t type[16],
		    uint64_t *off, uint64_t *size)
{
	const uint8_t *e;
	uint64_t first, last;
	uint32_t i;

	for (i = 0; i < t->n; i++) {
		e = t->entries + (size_t)i * t->size;
		if (memcmp(e, type, 16) || (le64(e + 48) & GPT_FLAG_NO_AUTO))
			continue;
		first = le64(e + 32);
		last = le64(e + 40);
		if (first > last || first < t->first_usable || last > t->last_usable ||
		    last >= disk_size / sector)
			return -EBADMSG;
		*off = first * sector;
		*size = (last - first + 1) * sector;
		return 0;
	}
	return -ENXIO;
}

int gpt_find_root(const uint8_t *buf, size_t len, uint64_t disk_size, const char *root_guid,
		  uint64_t *off, uint64_t *size)
{
	static const size_t sectors[] = { 512, 4096 };
	struct gpt_table t;
	uint8_t type[16];
	size_t i, sector = 0;
	int r;

	for (i = 0; i < ARRAY_SIZE(sectors) && !sector; i++)
		if (len >= sectors[i] + 92 && !memcmp(buf + sectors[i], "EFI PART", 8))
			sector = sectors[i];
	if (!sector)
		return -ENOENT;
	r = gpt_check_header(buf, len, sector);
	if (r == 0)
		r = gpt_read_table(buf, len, sector, &t);
	if (r < 0)
		return r;
	r = -ENXIO;
	if (root_guid && gpt_guid_parse(root_guid, type) == 0)
		r = gpt_pick(&t, sector, disk_size, type, off, size);
	if (r == -ENXIO && gpt_guid_parse(GPT_LINUX_DATA, type) == 0)
		r = gpt_pick(&t, sector, disk_size, type, off, size);
	return r;
}

const char *fs_detect(const uint8_t *buf, size_t len)
{
	if (len >= 4 && !memcmp(buf, "hsqs", 4))
		return "squashfs";
	if (len >= 1028 && le32(buf + 1024) == 0xe0f5e1e2u)
		return "erofs";
	if (len >= 1082 && buf[1080] == 0x53 && buf[1081] == 0xef)
		return "ext4";
	if (len >= 65608 && !memcmp(buf + 65600, "_BHRfS_M", 8))
		return "btrfs";
	return NULL;
}

/* Where the filesystem lies in the image: a GPT root partition, or all
 * of it. */
static int find_fs(int fd, uint64_t disk_size, uint64_t *off, uint64_t *size, const char **type)
{
	uint8_t *buf;
	ssize_t n;
	int r;

	buf = malloc(GPT_SCAN_SIZE > FS_SCAN_SIZE ? GPT_SCAN_SIZE : FS_SCAN_SIZE);
	if (!buf)
		return -ENOMEM;
	n = pread(fd, buf, GPT_SCAN_SIZE, 0);
	r = n < 0 ? -errno : gpt_find_root(buf, (size_t)n, disk_size, gpt_root_type(), off, size);
	if (r == -ENOENT) {
		*off = 0;
		*size = disk_size;
		r = 0;
	}
	if (r == 0) {
		n = pread(fd, buf, FS_SCAN_SIZE, (off_t)*off);
		r = n < 0 ? -errno : 0;
		*type = n < 0 ? NULL : fs_detect(buf, (size_t)n);
		if (r == 0 && !*type)
			r = -EMEDIUMTYPE;
	}
	free(buf);
	return r;
}

/* /dev/loopN, waited for a moment: without udev or devtmpfs the node may
 * come late */
static int open_loop_node(const char *path, bool ro)
{
	int64_t deadline = mono_ms() + 2000;
	int fd;

	while ((fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC)) < 0 && errno == ENOENT &&
	       mono_ms() < deadline)
		usleep(20000);
	return fd < 0 ? -errno : fd;
}

/* kernels before 5.8 lack LOOP_CONFIGURE */
static int loop_set_legacy(int loopfd, int imgfd, const struct loop_info64 *info)
{
	if (ioctl(loopfd, LOOP_SET_FD, imgfd) < 0)
		return -errno;
	if (ioctl(loopfd, LOOP_SET_STATUS64, info) < 0) {
		int e = errno;

		ioctl(loopfd, LOOP_CLR_FD, 0);
		return -e;
	}
	return 0;
}

static int loop_try(int ctl, int imgfd, const struct loop_info64 *info, bool ro, struct raw_image *img)
{
	struct loop_config cfg = { .fd = (uint32_t)imgfd, .info = *info };
	int nr, fd, r = 0;

	nr = ioctl(ctl, LOOP_CTL_GET_FREE);
	if (nr < 0)
		return -errno;
	snprintf(img->loop, sizeof(img->loop), "/dev/loop%d", nr);
	fd = open_loop_node(img->loop, ro);
	if (fd < 0)
		return fd;
	if (ioctl(fd, LOOP_CONFIGURE, &cfg) < 0) {
		r = -errno;
		if (r == -EINVAL || r == -ENOTTY)
			r = loop_set_legacy(fd, imgfd, info);
	}
	if (r < 0) {
		close(fd);
		return r;
	}
	img->loopfd = fd;
	return 0;
}

/* A loop device over [OFF, OFF+SIZE) of the image, detached by the kernel
 * once its last opener and mount are gone. */
static int loop_attach(int imgfd, uint64_t off, uint64_t size, bool ro, struct raw_image *img)
{
	struct loop_info64 info = {
		.lo_offset = off, .lo_sizelimit = size,
		.lo_flags = LO_FLAGS_AUTOCLEAR | (ro ? LO_FLAGS_READ_ONLY : 0),
	};
	int ctl, tries, r = -EBUSY;

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -errno;
	/* another process may take the free device between our two calls */
	for (tries = 0; tries < 8 && r == -EBUSY; tries++)
		r = loop_try(ctl, imgfd, &info, ro, img);
	close(ctl);
	/* -EBUSY is the image lock's answer: not this one */
	return r == -EBUSY ? -EAGAIN : r;
}

static int open_image(const char *path, bool *read_only)
{
	int fd = -1;

	if (!*read_only) {
		fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
		if (fd < 0 && errno != EACCES && errno != EROFS && errno != EPERM)
			return -errno;
	}
	if (fd < 0) {
		*read_only = true;
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	}
	return fd < 0 ? -errno : fd;
}

/* a file made read-only (machinectl read-only) counts as such */
static bool file_read_only(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && !(st.st_mode & 0222);
}

int raw_image_open(const char *path, bool read_only, struct raw_image *img)
{
	uint64_t off, size;
	off_t end;
	int r;

	memset(img, 0, sizeof(*img));
	img->loopfd = -1;
	img->fd = open_image(path, &read_only);
	if (img->fd < 0)
		return img->fd;
	if (!read_only && file_read_only(img->fd))
		read_only = true;
	/* one machine per image, except read-only sharing */
	if (flock(img->fd, (read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		goto fail;
	}
	end = lseek(img->fd, 0, SEEK_END);
	if (end < 0) {
		r = -errno;
		goto fail;
	}
	r = find_fs(img->fd, (uint64_t)end, &off, &size, &img->fstype);
	if (r < 0)
		goto fail;
	/* these two have no write support at all */
	if (!strcmp(img->fstype, "squashfs") || !strcmp(img->fstype, "erofs"))
		read_only = true;
	img->read_only = read_only;
	r = loop_attach(img->fd, off, size, read_only, img);
	if (r == 0)
		return 0;
fail:
	raw_image_close(img);
	return r;
}

void raw_image_close(struct raw_image *img)
{
	close_safe(&img->loopfd);
	close_safe(&img->fd);
}

int raw_image_mount(const struct raw_image *img, const char *target, unsigned long flags)
{
	char src[32];

	if (img->read_only)
		flags |= MS_RDONLY;
	/* the fd, not the name: no /dev node needed in this namespace */
	if (mount(fd_path(img->loopfd, src), target, img->fstype, flags, NULL) < 0)
		return -errno;
	return 0;
}

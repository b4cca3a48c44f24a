/* pull-raw: the body, decompressed when it is gzip, xz or zstd (by its
 * magic, as libarchive's raw reader tells), written sparsely to the temp
 * image.  Runs in a child of its own with an address-space cap: the bytes
 * are not verified yet. */
#include <archive.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "archive/filters.h"
#include "machbox.h"
#include "fileio.h"
#include "pull/rawdec.h"

#define BLOCK 65536
#define RAW_MEM_LIMIT (512ull << 20)

static bool all_zero(const uint8_t *p, size_t n)
{
	return n && !p[0] && !memcmp(p, p + 1, n - 1);
}

/* Zero blocks become holes, so a disk image takes only its used space */
static int write_sparse(int fd, const uint8_t *p, size_t n)
{
	if (all_zero(p, n))
		return lseek(fd, (off_t)n, SEEK_CUR) < 0 ? -errno : 0;
	return write_all(fd, p, n);
}

static struct archive *open_reader(int in_fd)
{
	struct archive *a = archive_read_new();

	if (!a)
		return NULL;
	/* only filters built in: the others would run external programs */
	archive_read_builtin_filters(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_fd(a, in_fd, BLOCK) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	return a;
}

static int copy_data(struct archive *a, int out_fd, uint8_t *buf, uint64_t *size,
		     char *err, size_t errlen)
{
	uint64_t total = 0;

	for (;;) {
		la_ssize_t n = archive_read_data(a, buf, BLOCK);
		int r;

		if (n == 0)
			break;
		if (n < 0) {
			snprintf(err, errlen, "cannot decompress the image: %s", archive_error_string(a));
			return -EBADMSG;
		}
		r = write_sparse(out_fd, buf, (size_t)n);
		if (r) {
			snprintf(err, errlen, "cannot write the image: %s", strerror(-r));
			return r;
		}
		total += (uint64_t)n;
	}
	*size = total;
	return 0;
}

int raw_decompress(int in_fd, int out_fd, char *err, size_t errlen)
{
	struct rlimit rl = { RAW_MEM_LIMIT, RAW_MEM_LIMIT };
	struct archive_entry *ae;
	struct archive *a;
	uint64_t size = 0;
	uint8_t *buf;
	int r;

	(void)setrlimit(RLIMIT_AS, &rl);
	a = open_reader(in_fd);
	if (!a) {
		snprintf(err, errlen, "cannot read the image: out of memory or empty");
		return -EBADMSG;
	}
	if (archive_read_next_header(a, &ae) != ARCHIVE_OK) {
		snprintf(err, errlen, "cannot read the image: %s", archive_error_string(a));
		archive_read_free(a);
		return -EBADMSG;
	}
	buf = malloc(BLOCK);
	r = buf ? copy_data(a, out_fd, buf, &size, err, errlen) : -ENOMEM;
	free(buf);
	archive_read_free(a);
	/* the holes at the end need the size set */
	if (!r && ftruncate(out_fd, (off_t)size) < 0)
		r = -errno;
	if (!r && fsync(out_fd) < 0)
		r = -errno;
	if (r && !err[0])
		snprintf(err, errlen, "cannot write the image: %s", strerror(-r));
	return r;
}

/* pull-raw: the body, decompressed when it is gzip, xz or zstd (by its
 * magic, as libarchive's raw reader and is_xz() tell), written sparsely
 * to the temp image.  Runs in a child of its own with an address-space cap: the bytes
 * are not verified yet. */
#include <archive.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "archive/check.h"
#include "archive/decoder.h"
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

/* what libarchive reads: the bytes read ahead, then the fd */
struct raw_in {
	int fd;
	const uint8_t *head;
	size_t head_len;
	uint8_t buf[BLOCK];
};

static la_ssize_t raw_read(struct archive *a, void *ud, const void **p)
{
	struct raw_in *in = ud;
	ssize_t n = read_after_head(in->fd, in->head, &in->head_len, in->buf, sizeof(in->buf), p);

	if (n < 0)
		archive_set_error(a, (int)-n, "%s", strerror((int)-n));
	return n < 0 ? -1 : n;
}

static struct archive *open_reader(struct raw_in *in)
{
	struct archive *a = archive_read_new();

	if (!a)
		return NULL;
	/* only filters built in: the others would run external programs */
	archive_read_builtin_filters(a);
	archive_read_support_format_raw(a);
	if (archive_read_open(a, in, NULL, raw_read, NULL) != ARCHIVE_OK) {
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

/* libarchive from in to out_fd, holes for zero blocks */
static int unpack_raw(struct raw_in *in, int out_fd, char *err, size_t errlen)
{
	struct archive_entry *ae;
	struct archive *a = open_reader(in);
	uint64_t size = 0;
	uint8_t *buf;
	int r;

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
	return r;
}

/* xz goes through the decompressing process of the extractor (libarchive
 * is built without its xz reader): libarchive then reads what it wrote */
static int unpack_xz(struct raw_in *in, int out_fd, bool hashed, char *err, size_t errlen)
{
	struct decoder d;
	int r = decoder_start(in->fd, in->head, in->head_len, hashed, &d, &in->fd), e;

	if (r < 0) {
		snprintf(err, errlen, "cannot start the decompressor: %s", strerror(-r));
		return r;
	}
	in->head_len = 0;
	r = unpack_raw(in, out_fd, err, errlen);
	close(in->fd);
	e = decoder_finish(&d, r < 0, err, errlen);
	return e < 0 ? e : r;
}

int raw_decompress(int in_fd, int out_fd, bool hashed, char *err, size_t errlen)
{
	struct rlimit rl = { RAW_MEM_LIMIT, RAW_MEM_LIMIT };
	static uint8_t head[6];
	struct raw_in *in;
	ssize_t n;
	int r;

	(void)setrlimit(RLIMIT_AS, &rl);
	n = read_all(in_fd, head, sizeof(head));
	in = malloc(sizeof(*in));
	if (n < 0 || !in) {
		free(in);
		snprintf(err, errlen, "cannot read the image: %s", strerror(n < 0 ? (int)-n : ENOMEM));
		return n < 0 ? (int)n : -ENOMEM;
	}
	*in = (struct raw_in){ .fd = in_fd, .head = head, .head_len = (size_t)n };
	if (is_xz(head, (size_t)n))
		r = unpack_xz(in, out_fd, hashed, err, errlen);
	else
		r = unpack_raw(in, out_fd, err, errlen);
	free(in);
	if (!r && fsync(out_fd) < 0)
		r = -errno;
	if (r && !err[0])
		snprintf(err, errlen, "cannot write the image: %s", strerror(-r));
	return r;
}

/* The extractor proper: libarchive reading from an fd and writing to the
 * disk below "/" (the sandbox's chroot).  Every entry is checked here
 * before libarchive's own SECURE_* checks, which stay on as a second
 * line; the chroot is the third. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/filters.h"
#include "fileio.h"
#include "machbox.h"
#include "archive/unpack.h"
#include "archive/check.h"

struct unpack {
	int in_fd;
	const struct extract_limits *lim;
	uint64_t bytes, entries;
	uint64_t skipped;	/* device nodes left out in a user namespace */
	struct timespec root_times[2];	/* of the "./" entry */
	bool root_seen;
	bool nofollow;		/* our symlink check (nofollow.c), not libarchive's */
	size_t pending;		/* bytes of buf read ahead (the xz peek) */
	unsigned char buf[64 * 1024];
	char *err;
	size_t errlen;
};

static int failf(struct unpack *u, int e, const char *fmt, ...) PRINTF(3, 4);
static int failf(struct unpack *u, int e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(u->err, u->errlen, fmt, ap);
	va_end(ap);
	return -e;
}

static la_ssize_t read_cb(struct archive *a, void *ud, const void **buf)
{
	struct unpack *u = ud;
	/* the read-ahead is at the start of buf already */
	ssize_t n = read_after_head(u->in_fd, u->buf, &u->pending, u->buf, sizeof(u->buf), buf);

	if (n < 0)
		archive_set_error(a, (int)-n, "cannot read the tarball: %s", strerror((int)-n));
	return n < 0 ? -1 : n;
}

/* reads ahead into buf until it holds want bytes or the input ends */
static int fill(struct unpack *u, size_t want)
{
	ssize_t n;

	while (u->pending < want) {
		n = read(u->in_fd, u->buf + u->pending, sizeof(u->buf) - u->pending);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return failf(u, errno, "cannot read the tarball: %s", strerror(errno));
		if (n == 0)
			break;	/* short: libarchive will say what is wrong */
		u->pending += (size_t)n;
	}
	return 0;
}

/* before libarchive (and liblzma) sees the stream: the dictionary its
 * first xz block wants, against the limit */
static int peek_xz(struct unpack *u)
{
	uint64_t dict = 0;
	size_t had;
	int r;

	for (;;) {
		r = xz_first_dict_size(u->buf, u->pending, &dict);
		if (r != -EAGAIN || u->pending >= XZ_PEEK_MAX)
			break;
		had = u->pending;
		if ((r = fill(u, had + 1)) < 0)
			return r;
		if (u->pending == had)
			return 0;
	}
	if (r == 1 && dict > u->lim->xz_memlimit)
		return failf(u, ENOMEM, "the xz stream needs a %llu MiB dictionary, more than the %llu MiB allowed",
			     (unsigned long long)(dict >> 20), (unsigned long long)(u->lim->xz_memlimit >> 20));
	return 0;
}

static int check_entry(struct unpack *u, struct archive_entry *e)
{
	const char *path = archive_entry_pathname(e);
	const char *link = archive_entry_hardlink(e);
	const char *why;

	if (!path)
		return failf(u, EBADMSG, "an entry without a name");
	if (++u->entries > u->lim->max_entries)
		return failf(u, E2BIG, "more than %llu entries (MACHBOX_IMPORT_MAX_ENTRIES)",
			     (unsigned long long)u->lim->max_entries);
	if ((why = entry_path_problem(path)))
		return failf(u, EPERM, "entry '%.200s': %s", path, why);
	if (link && (why = entry_path_problem(link)))
		return failf(u, EPERM, "entry '%.200s': hard link to '%.200s': %s", path, link, why);
	/* holes count: a sparse entry of a terabyte is a bomb too */
	if (archive_entry_size_is_set(e) && archive_entry_size(e) > 0)
		u->bytes += (uint64_t)archive_entry_size(e);
	if (u->bytes > u->lim->max_bytes)
		return failf(u, EFBIG, "entry '%.200s': the tarball unpacks to more than %llu MiB (MACHBOX_IMPORT_MAX_BYTES)",
			     path, (unsigned long long)(u->lim->max_bytes >> 20));
	return 0;
}

/* writes through symlinks, refused by nofollow.c */
static int check_symlinks(struct unpack *u, struct archive_entry *e)
{
	const char *path = archive_entry_pathname(e);
	const char *link = archive_entry_hardlink(e);
	int r = nofollow_check(path, archive_entry_filetype(e) == AE_IFDIR);

	if (r == 0 && link && (r = nofollow_check(link, false)) == -ELOOP)
		return failf(u, EPERM, "entry '%.200s': Cannot extract through symlink %.200s", path, link);
	if (r == -ELOOP)
		return failf(u, EPERM, "entry '%.200s': Cannot extract through symlink %.200s", path, path);
	if (r < 0)
		return failf(u, -r, "entry '%.200s': %s", path, strerror(-r));
	return 0;
}

static int archive_fail(struct unpack *u, struct archive *a, const char *path)
{
	int e = archive_errno(a) > 0 ? archive_errno(a) : EBADMSG;
	const char *s = archive_error_string(a);

	/* the extractor's address-space cap is what an allocation hit */
	const char *hint = e == ENOMEM ? " (over the extractor's memory cap, MACHBOX_IMPORT_MEM_LIMIT)" : "";

	if (path)
		return failf(u, e, "entry '%.200s': %s%s", path, s ? s : "failed", hint);
	return failf(u, e, "%s%s", s ? s : "not a tarball", hint);
}

static int copy_data(struct unpack *u, struct archive *in, struct archive *out, const char *path)
{
	const void *buf;
	size_t size;
	la_int64_t off;
	int r;

	for (;;) {
		r = archive_read_data_block(in, &buf, &size, &off);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return archive_fail(u, in, path);
		if (archive_write_data_block(out, buf, size, off) < ARCHIVE_WARN)
			return archive_fail(u, out, path);
	}
}

/* libarchive sets the times of an existing directory (the root) at once,
 * before the entries below it change them: they are set again at the end */
static void remember_root(struct unpack *u, struct archive_entry *e)
{
	const char *p = archive_entry_pathname(e);

	while (p[0] == '.' && p[1] == '/')
		p += 2;
	if (strcmp(p, ".") && *p)
		return;
	u->root_seen = archive_entry_mtime_is_set(e);
	u->root_times[0].tv_sec = archive_entry_atime(e);
	u->root_times[0].tv_nsec = archive_entry_atime_nsec(e);
	u->root_times[1].tv_sec = archive_entry_mtime(e);
	u->root_times[1].tv_nsec = archive_entry_mtime_nsec(e);
	if (!archive_entry_atime_is_set(e))
		u->root_times[0] = u->root_times[1];
}

static int unpack_entries(struct unpack *u, struct archive *in, struct archive *out)
{
	struct archive_entry *e;
	int r;

	for (;;) {
		r = archive_read_next_header(in, &e);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return archive_fail(u, in, NULL);
		r = check_entry(u, e);
		if (r == 0 && u->nofollow)
			r = check_symlinks(u, e);
		if (r < 0)
			return r;
		/* mknod(2) wants CAP_MKNOD of the host: the image's /dev is
		 * nspawn's anyway.  A hard link to one fails on its own. */
		if (u->lim->userns_base && (archive_entry_filetype(e) == AE_IFCHR ||
					    archive_entry_filetype(e) == AE_IFBLK)) {
			u->skipped++;
			continue;
		}
		remember_root(u, e);
		r = archive_write_header(out, e);
		if (r < ARCHIVE_WARN)
			return archive_fail(u, out, archive_entry_pathname(e));
		if (archive_entry_size(e) > 0 && (r = copy_data(u, in, out, archive_entry_pathname(e))) < 0)
			return r;
		if (archive_write_finish_entry(out) < ARCHIVE_WARN)
			return archive_fail(u, out, archive_entry_pathname(e));
	}
}

static struct archive *reader(void)
{
	struct archive *a = archive_read_new();

	if (!a)
		return NULL;
	archive_read_builtin_filters(a);
	archive_read_support_format_tar(a);
	return a;
}

static struct archive *writer(bool nofollow)
{
	/* no FFLAGS (an immutable file would make the image unremovable),
	 * no ACL (not built); numeric owners: no lookups are set.  No
	 * SPARSE: it writes every file 4 KiB a write(2) to find zero blocks
	 * (twice the syscalls of GNU tar, which does not look either); the
	 * holes of a sparse entry come from its map all the same. */
	int flags = ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
		    ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
		    ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;
	struct archive *a = archive_write_disk_new();

	if (!nofollow)
		flags |= ARCHIVE_EXTRACT_SECURE_SYMLINKS;

	if (a && archive_write_disk_set_options(a, flags) != ARCHIVE_OK) {
		archive_write_free(a);
		return NULL;
	}
	return a;
}

/* libarchive from u->in_fd (read ahead: u->pending) to the disk */
static int unpack_stream(struct unpack *u)
{
	struct archive *in, *out;
	int r;

	u->nofollow = nofollow_available();
	in = reader();
	out = writer(u->nofollow);

	if (!in || !out)
		r = failf(u, ENOMEM, "out of memory");
	else if (archive_read_open(in, u, NULL, read_cb, NULL) != ARCHIVE_OK)
		r = archive_fail(u, in, NULL);
	else
		r = unpack_entries(u, in, out);
	/* directory modes and times are set at close */
	if (out && archive_write_close(out) < ARCHIVE_WARN && r == 0)
		r = archive_fail(u, out, NULL);
	if (in)
		archive_read_free(in);
	if (out)
		archive_write_free(out);
	return r;
}

/* what follows the tar's end (its padding) is read too, so that the
 * decompressor sees its whole stream and checks it; it counts as
 * unpacked bytes */
static int drain(struct unpack *u)
{
	ssize_t n;

	for (;;) {
		n = read(u->in_fd, u->buf, sizeof(u->buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? failf(u, errno, "cannot read the tarball: %s", strerror(errno)) : 0;
		u->bytes += (uint64_t)n;
		if (u->bytes > u->lim->max_bytes)
			return failf(u, EFBIG, "the tarball unpacks to more than %llu MiB (MACHBOX_IMPORT_MAX_BYTES)",
				     (unsigned long long)(u->lim->max_bytes >> 20));
	}
}

/* a compressed stream: decompressed by a process of its own, the tar
 * read from its pipe.  When it failed, that was the cause of whatever
 * the tar reader said (a truncated archive): its words count. */
static int unpack_decoded(struct unpack *u)
{
	struct decoder dec;
	char derr[480];
	int src = u->in_fd, r, d;

	r = decoder_start(src, u->buf, u->pending, u->lim->hashed, &dec, &u->in_fd);
	if (r < 0)
		return failf(u, -r, "cannot start the decompressor: %s", strerror(-r));
	close(src);
	u->pending = 0;
	r = unpack_stream(u);
	if (r == 0)
		r = drain(u);
	close(u->in_fd);
	d = decoder_finish(&dec, r < 0, derr, sizeof(derr));
	if (d < 0)
		return failf(u, -d, "%s", derr);
	return r;
}

int unpack_tar(int in_fd, const struct extract_limits *lim, uint64_t *skipped,
	       char *err, size_t errlen)
{
	static struct unpack u;	/* 64 KiB buffer: not on the stack */
	int r;

	memset(&u, 0, sizeof(u));
	u.in_fd = in_fd;
	u.lim = lim;
	u.err = err;
	u.errlen = errlen;
	if (CFG_FILTER_XZ && (r = peek_xz(&u)) < 0)
		return r;
	if ((r = fill(&u, 6)) < 0)
		return r;
	/* gzip and zstd decode 5-10 times as fast: one process is enough */
	if (is_xz(u.buf, u.pending))
		r = unpack_decoded(&u);
	else
		r = unpack_stream(&u);
	if (r == 0 && u.root_seen)
		(void)utimensat(AT_FDCWD, "/", u.root_times, 0);
	if (r == 0)
		r = unwrap_single_dir(err, errlen);
	*skipped = u.skipped;
	return r;
}

/* export_tar: a tree as a pax tarball that GNU tar and systemd restore
 * faithfully (THIRD_PARTY-NOTES pitfall 6): SCHILY xattr headers, numeric
 * owners (no name lookups: right for a guest's tree, and no getpw* in
 * the binary), every hard link stored once, holes kept, mount points not
 * crossed, paths "./...". */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "machbox.h"
#include "archive/extract.h"

struct exporter {
	struct archive *disk, *out;
	struct archive_entry_linkresolver *links;
	size_t dirlen;
	char *err;
	size_t errlen;
	char zeros[16 * 1024];
};

static int efail(struct exporter *x, struct archive *a, const char *path)
{
	int e = archive_errno(a) > 0 ? archive_errno(a) : EIO;
	const char *s = archive_error_string(a);

	snprintf(x->err, x->errlen, "%s%s%s", path ? path : "", path ? ": " : "", s ? s : "failed");
	return -e;
}

/* the data of the current disk entry; holes go in as zeros, which the
 * pax writer drops again as it knows the entry's sparse map */
static int write_data(struct exporter *x, struct archive_entry *e)
{
	la_int64_t off, done = 0;
	const void *buf;
	size_t size;
	int r;

	for (;;) {
		r = archive_read_data_block(x->disk, &buf, &size, &off);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return efail(x, x->disk, archive_entry_pathname(e));
		while (off > done) {
			size_t n = off - done > (la_int64_t)sizeof(x->zeros) ? sizeof(x->zeros) : (size_t)(off - done);

			if (archive_write_data(x->out, x->zeros, n) < 0)
				return efail(x, x->out, archive_entry_pathname(e));
			done += (la_int64_t)n;
		}
		if (size && archive_write_data(x->out, buf, size) < 0)
			return efail(x, x->out, archive_entry_pathname(e));
		done += (la_int64_t)size;
	}
}

static int write_entry(struct exporter *x, struct archive_entry *e, bool has_data)
{
	if (archive_write_header(x->out, e) < ARCHIVE_WARN)
		return efail(x, x->out, archive_entry_pathname(e));
	/* a later name of a hard link carries no data (size 0) */
	if (has_data && archive_entry_size(e) > 0)
		return write_data(x, e);
	return 0;
}

/* "/var/lib/machines/x/etc/passwd" -> "./etc/passwd", the root "." */
static int relative_name(struct exporter *x, struct archive_entry *e)
{
	const char *p = archive_entry_pathname(e);
	char buf[4200];

	if (!p || strlen(p) < x->dirlen)
		return -EINVAL;
	if (snprintf(buf, sizeof(buf), ".%s", p + x->dirlen) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	archive_entry_copy_pathname(e, buf);
	return 0;
}

static int next_entry(struct exporter *x)
{
	struct archive_entry *e = archive_entry_new(), *spare = NULL;
	int r = archive_read_next_header2(x->disk, e);

	if (r == ARCHIVE_EOF) {
		archive_entry_free(e);
		return 1;
	}
	if (r < ARCHIVE_WARN || relative_name(x, e) < 0) {
		r = efail(x, x->disk, archive_entry_pathname(e));
		archive_entry_free(e);
		return r;
	}
	archive_read_disk_descend(x->disk);
	r = 0;
	if (archive_entry_filetype(e) == AE_IFSOCK) {	/* tar has no sockets */
		archive_entry_free(e);
		return 0;
	}
	archive_entry_linkify(x->links, &e, &spare);
	/* with the tar strategy nothing is deferred: e is this entry */
	if (e)
		r = write_entry(x, e, true);
	if (spare && r == 0)
		r = write_entry(x, spare, false);
	archive_entry_free(e);
	archive_entry_free(spare);
	return r;
}

static int add_filter(struct exporter *x, const char *compression)
{
	int r;

	if (!compression || !*compression)
		return 0;
	if (!strcmp(compression, "gz") && CFG_FILTER_GZIP)
		r = archive_write_add_filter_gzip(x->out);
	else if (!strcmp(compression, "xz") && CFG_FILTER_XZ)
		r = archive_write_add_filter_xz(x->out);
	else {
		snprintf(x->err, x->errlen, "%s compression is not built in%s", compression,
			 !strcmp(compression, "zst") ? " (machbox reads zstd, it does not write it)" : "");
		return -EOPNOTSUPP;
	}
	return r == ARCHIVE_OK ? 0 : efail(x, x->out, NULL);
}

static int open_both(struct exporter *x, const char *dir, int out_fd, const char *compression)
{
	int r;

	x->out = archive_write_new();
	x->disk = archive_read_disk_new();
	x->links = archive_entry_linkresolver_new();
	if (!x->out || !x->disk || !x->links) {
		snprintf(x->err, x->errlen, "out of memory");
		return -ENOMEM;
	}
	if (archive_write_set_format_pax_restricted(x->out) != ARCHIVE_OK ||
	    archive_write_set_format_option(x->out, "pax", "xattrheader", "SCHILY") < ARCHIVE_WARN)
		return efail(x, x->out, NULL);
	r = add_filter(x, compression);
	if (r < 0)
		return r;
	archive_write_set_bytes_in_last_block(x->out, 1);
	if (archive_write_open_fd(x->out, out_fd) != ARCHIVE_OK)
		return efail(x, x->out, NULL);
	archive_entry_linkresolver_set_strategy(x->links, archive_format(x->out));
	archive_read_disk_set_symlink_physical(x->disk);
	archive_read_disk_set_behavior(x->disk, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
	if (archive_read_disk_open(x->disk, dir) != ARCHIVE_OK)
		return efail(x, x->disk, dir);
	return 0;
}

int export_tar(const char *dir, int out_fd, const char *compression, char *err, size_t errlen)
{
	static struct exporter x;	/* the zero buffer: not on the stack */
	int r;

	memset(&x, 0, sizeof(x));
	x.err = err;
	x.errlen = errlen;
	x.dirlen = strlen(dir);
	while (x.dirlen > 1 && dir[x.dirlen - 1] == '/')
		x.dirlen--;
	r = open_both(&x, dir, out_fd, compression);
	while (r == 0)
		r = next_entry(&x);
	if (r > 0)
		r = 0;
	if (x.out && archive_write_close(x.out) < ARCHIVE_WARN && r == 0)
		r = efail(&x, x.out, NULL);
	if (x.disk)
		archive_read_free(x.disk);
	if (x.out)
		archive_write_free(x.out);
	if (x.links)
		archive_entry_linkresolver_free(x.links);
	return r;
}

/* The pure parts of the image store and archives: sizes, timestamps,
 * tables and JSON as systemd prints them, image names from file names,
 * the xz dictionary peek and entry path checks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "machbox.h"
#include "image/format.h"
#include "image/image.h"
#include "tap.h"

#if CFG_ARCHIVE
#include "archive/check.h"
#endif

static void test_bytes(void)
{
	char b[FORMAT_BYTES_MAX];

	is_str(format_bytes(b, sizeof(b), 0), "0B", "0");
	is_str(format_bytes(b, sizeof(b), 1023), "1023B", "1023");
	is_str(format_bytes(b, sizeof(b), 1024), "1.0K", "1024");
	is_str(format_bytes(b, sizeof(b), 1536), "1.5K", "1536");
	is_str(format_bytes(b, sizeof(b), 1310720), "1.2M", "1.25M");
	is_str(format_bytes(b, sizeof(b), 1258291), "1.1M", "1.2M less a fraction truncates to 1.1M, as systemd");
	is_str(format_bytes(b, sizeof(b), 2097152), "2.0M", "2M");
	is_str(format_bytes(b, sizeof(b), (1ULL << 30) * 3 / 2), "1.5G", "1.5G");
	is_str(format_bytes(b, sizeof(b), 1ULL << 40), "1.0T", "1T");
	/* systemd takes the decimal from the next smaller unit, floored */
	is_str(format_bytes(b, sizeof(b), 1024 * 1024 + 104858), "1.0M", "1.0999M stays 1.0M");
	is_str(format_bytes(b, sizeof(b), 1024 * 1024 + 107520), "1.1M", "105K above 1M is 1.1M");
	ok(format_bytes(b, sizeof(b), UINT64_MAX) == NULL, "unknown is NULL");
}

static void test_timestamps(void)
{
	char b[FORMAT_TIMESTAMP_MAX];
	uint64_t t = 1700000000ULL * 1000000;	/* Tue 2023-11-14 22:13:20 UTC */

	setenv("TZ", "UTC", 1);
	tzset();
	is_str(format_timestamp(b, sizeof(b), t), "Tue 2023-11-14 22:13:20 UTC", "timestamp");
	ok(format_timestamp(b, sizeof(b), 0) == NULL, "0 is unset");
	is_str(format_timestamp_relative(b, sizeof(b), t, t), "now", "now");
	is_str(format_timestamp_relative(b, sizeof(b), t, t + 500), "500us ago", "us");
	is_str(format_timestamp_relative(b, sizeof(b), t, t + 78000), "78ms ago", "ms");
	is_str(format_timestamp_relative(b, sizeof(b), t, t + 42000000), "42s ago", "s");
	is_str(format_timestamp_relative(b, sizeof(b), t, t + 184000000), "3min 4s ago", "min s");
	is_str(format_timestamp_relative(b, sizeof(b), t, t + 600000000), "10min ago", "min");
	is_str(format_timestamp_relative(b, sizeof(b), t, t + 3900000000ULL), "1h 5min ago", "h min");
	is_str(format_timestamp_relative(b, sizeof(b), t, t + 26 * 3600000000ULL), "1 day 2h ago", "1 day");
	is_str(format_timestamp_relative(b, sizeof(b), t, t + 3 * 86400000000ULL), "3 days ago", "days");
	is_str(format_timestamp_relative(b, sizeof(b), t, t + 9 * 86400000000ULL), "1 week 2 days ago", "weeks");
	is_str(format_timestamp_relative(b, sizeof(b), t, t + 400 * 86400000000ULL),
	       "1 year 1 month ago", "years");
	is_str(format_timestamp_relative(b, sizeof(b), t + 120000000, t), "2min 0s left", "future");
}

static char *table_string(const struct table *t, bool header)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	table_print(f, t, header);
	fclose(f);
	return buf;
}

static void test_table(void)
{
	const char *cells[] = { "NAME", "TYPE", "USAGE", "CREATED",
				"debian", "directory", "1.2G", NULL,
				"a", "raw", "512B", "Tue" };
	struct table t = { .ncols = 4, .cells = cells, .rows = 3, .right_mask = 1U << 2 };
	char *s = table_string(&t, true);

	is_str(s, "NAME   TYPE      USAGE CREATED\n"
		  "debian directory  1.2G -\n"
		  "a      raw        512B Tue\n", "columns, right-aligned usage, '-' for none");
	free(s);
	s = table_string(&t, false);
	is_str(s, "debian directory  1.2G -\na      raw        512B Tue\n", "no header");
	free(s);
}

static void test_json(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	json_print_string(f, "a\"b\\c\n\x01");
	fclose(f);
	is_str(buf, "\"a\\\"b\\\\c\\n\\u0001\"", "JSON escapes");
	free(buf);
}

static void name_is(const char *path, enum image_name_kind k, const char *want)
{
	char b[65];
	int r = image_name_from_path(path, k, b, sizeof(b));

	if (want)
		is_str(r == 0 ? b : "(error)", want, "name of %s", path);
	else
		is_int(r, -EINVAL, "no name from '%s'", path);
}

static void test_names(void)
{
	name_is("/srv/debian-12-generic-amd64.tar.xz", NAME_FROM_TAR, "debian-12-generic-amd64");
	name_is("openSUSE-Tumbleweed.x86_64-1.0.0.tar.gz", NAME_FROM_TAR, "openSUSE-Tumbleweed.x86_64-1.0.0");
	name_is("alpine.tgz", NAME_FROM_TAR, "alpine");
	name_is("rootfs.tar", NAME_FROM_TAR, "rootfs");
	name_is("x.tar.zst", NAME_FROM_TAR, "x");
	name_is("plain", NAME_FROM_TAR, "plain");
	name_is("fedora.raw.xz", NAME_FROM_RAW, "fedora");
	name_is("/var/tmp/disk.img", NAME_FROM_RAW, "disk");
	name_is("os.qcow2", NAME_FROM_RAW, "os");
	name_is("/srv/trees/guest/", NAME_FROM_DIR, "guest");
	name_is("-", NAME_FROM_TAR, NULL);
	name_is(".tar", NAME_FROM_TAR, NULL);
	name_is("a b.tar", NAME_FROM_TAR, NULL);
	name_is("/", NAME_FROM_DIR, NULL);
	ok(image_name_valid(".hidden"), "a hidden image name");
	ok(!image_name_valid(".#tmp.abc"), "temp names are no names");
	ok(!image_name_valid("a/b"), "slash");
	ok(!image_name_valid(".."), "dotdot");
	is_str(tar_compression_for("/x/a.tar.gz"), "gz", "gz");
	is_str(tar_compression_for("a.tgz"), "gz", "tgz");
	is_str(tar_compression_for("a.tar.xz"), "xz", "xz");
	is_str(tar_compression_for("a.tar.zst"), "zst", "zst");
	is_str(tar_compression_for("a.tar"), "", "none");
	is_str(tar_compression_for(NULL), "", "stdout");
}

#if CFG_ARCHIVE
/* a stream header and a block header with the given filter flags */
static size_t xz_head(unsigned char *p, const unsigned char *filters, size_t flen, unsigned nfilt)
{
	static const unsigned char sh[12] = { 0xfd, '7', 'z', 'X', 'Z', 0, 0, 4, 0xe6, 0xd6, 0xb4, 0x46 };
	size_t body = 2 + flen, hsize = (body + 4 + 3) / 4 * 4;

	memset(p, 0, 12 + hsize);
	memcpy(p, sh, 12);
	p[12] = (unsigned char)(hsize / 4 - 1);
	p[13] = (unsigned char)(nfilt - 1);
	memcpy(p + 14, filters, flen);
	return 12 + hsize;
}

static void test_xz(void)
{
	unsigned char p[64];
	const unsigned char lzma2_64m[] = { 0x21, 1, 28 };		/* 2 << 25 */
	const unsigned char lzma2_1536m[] = { 0x21, 1, 37 };	/* 3 << 29 */
	const unsigned char bcj_lzma2[] = { 0x04, 0, 0x21, 1, 16 };	/* x86 BCJ first */
	uint64_t d = 0;
	size_t n;

	n = xz_head(p, lzma2_64m, sizeof(lzma2_64m), 1);
	ok(xz_first_dict_size(p, n, &d) == 1 && d == 64ULL << 20, "64 MiB dictionary");
	is_int(xz_first_dict_size(p, n - 1, &d), -EAGAIN, "a prefix asks for more");
	is_int(xz_first_dict_size(p, 5, &d), -EAGAIN, "a prefix of the magic asks for more");
	n = xz_head(p, lzma2_1536m, sizeof(lzma2_1536m), 1);
	ok(xz_first_dict_size(p, n, &d) == 1 && d == 1536ULL << 20, "1536 MiB dictionary");
	n = xz_head(p, bcj_lzma2, sizeof(bcj_lzma2), 2);
	ok(xz_first_dict_size(p, n, &d) == 1 && d == 1ULL << 20, "after a BCJ filter");
	is_int(xz_first_dict_size((const unsigned char *)"\x1f\x8b\x08\0\0\0\0\0\0\0\0\0\0\0", 14, &d),
	       0, "gzip is not xz");
	p[13] = 0x04;
	is_int(xz_first_dict_size(p, n, &d), -EBADMSG, "reserved flags");
	n = xz_head(p, lzma2_64m, sizeof(lzma2_64m), 1);
	p[16] = 41;
	is_int(xz_first_dict_size(p, n, &d), -EBADMSG, "dictionary bits over 40");
	p[12] = 0;
	is_int(xz_first_dict_size(p, 13, &d), 0, "an empty stream");
}

static void test_paths(void)
{
	ok(!entry_path_problem("etc/passwd"), "relative");
	ok(!entry_path_problem("./etc/"), "dot slash");
	ok(!entry_path_problem("a..b/..c"), "dots inside names");
	is_str(entry_path_problem("/etc/passwd"), "absolute path", "absolute");
	is_str(entry_path_problem("../x"), "path leaves the image ('..')", "leading ..");
	is_str(entry_path_problem("a/../../x"), "path leaves the image ('..')", "inner ..");
	is_str(entry_path_problem("a/.."), "path leaves the image ('..')", "trailing ..");
	is_str(entry_path_problem(""), "empty path", "empty");
}
#endif

int main(void)
{
	test_bytes();
	test_timestamps();
	test_table();
	test_json();
	test_names();
#if CFG_ARCHIVE
	test_xz();
	test_paths();
#endif
	return tap_done();
}

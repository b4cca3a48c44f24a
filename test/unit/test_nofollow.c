/* The extractor's symlink check (src/archive/nofollow.c) and the magic
 * that picks the decompressing process (check.c), in a temp dir. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "machbox.h"
#include "tap.h"

#if CFG_ARCHIVE
#include "archive/check.h"
#include "archive/unpack.h"

static bool is_link(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0 && S_ISLNK(st.st_mode);
}

static void test_check(void)
{
	is_int(nofollow_check("d/x", false), 0, "a file below a directory");
	is_int(nofollow_check("./d/x", false), 0, "with ./ in front");
	is_int(nofollow_check("d/new/x", false), 0, "below a directory still to be made");
	is_int(nofollow_check("l/x", false), -ELOOP, "below a symlink: refused");
	is_int(nofollow_check("d/l2/x", false), -ELOOP, "below a symlink deeper down: refused");
	is_int(nofollow_check("l/new/x", false), -ELOOP, "below a symlink, parent missing: refused");
	is_int(nofollow_check("f/x", false), 0, "below a file: left to libarchive (ENOTDIR)");
	is_int(nofollow_check("l", false), 0, "a file over a symlink is fine");
	ok(is_link("l"), "and the symlink is left to libarchive's lstat and unlink");
	is_int(nofollow_check("ld/", true), 0, "a directory over a symlink");
	ok(!is_link("ld") && access("d", F_OK) == 0, "removes the symlink, not its target");
	is_int(nofollow_check("d", true), 0, "a directory over a directory");
	ok(access("d/l2", F_OK) == 0, "stays as it is");
	is_int(nofollow_check(".", true), 0, "the root");
}

static void test_magic(void)
{
	static const unsigned char xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0 }, gz[] = { 0x1f, 0x8b, 8 };

	is_int(is_xz(xz, sizeof(xz)), CFG_FILTER_XZ, "xz");
	is_int(is_xz(xz, 5), 0, "xz magic cut short");
	is_int(is_xz(gz, sizeof(gz)), 0, "gzip");
	is_int(is_xz(xz, 0), 0, "nothing");
}

int main(void)
{
	char dir[] = "/tmp/test_nofollow.XXXXXX";

	if (!mkdtemp(dir) || chdir(dir) < 0)
		return 1;
	if (mkdir("d", 0755) || symlink("d", "l") || symlink("d", "ld") ||
	    symlink(".", "d/l2") || close(creat("f", 0644)) < 0)
		return 1;
	test_magic();
	if (nofollow_available())
		test_check();
	else
		printf("# no openat2 here: the symlink check is libarchive's\n");
	if (system("rm -rf -- \"$PWD\"") != 0)
		ok(0, "cleanup");
	return tap_done();
}
#else
int main(void)
{
	printf("1..0 # SKIP no CFG_ARCHIVE\n");
	return 77;
}
#endif

/* SHA256SUMS and FILE.sha256 parsing (src/pull/sums.c). */
#include <errno.h>
#include <string.h>

#include "machbox.h"
#include "pull/sums.h"
#include "tap.h"

#define H1 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define H2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static int find(const char *text, const char *file, bool single, char hex[65])
{
	uint8_t h[32];
	int r = sums_find(text, strlen(text), file, single, h);

	hex[0] = 0;
	if (!r)
		sums_hex(h, hex);
	return r;
}

static void test_formats(void)
{
	char hex[65];

	ok(!find(H1 "  a.tar.xz\n" H2 "  b.tar.xz\n", "b.tar.xz", false, hex), "GNU text mode");
	is_str(hex, H2, "the second entry");
	ok(!find(H2 " *a.raw\n", "a.raw", false, hex) && !strcmp(hex, H2), "GNU binary mode");
	ok(!find(H2 " a.raw", "a.raw", false, hex) && !strcmp(hex, H2), "one space, no newline");
	ok(!find(H2 "  ./a.raw\r\n", "a.raw", false, hex) && !strcmp(hex, H2), "./ prefix and CRLF");
	ok(!find("SHA256 (a.tar) = " H2 "\n", "a.tar", false, hex) && !strcmp(hex, H2), "BSD style");
	ok(!find("0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF  x\n", "x", false,
		 hex) && !strcmp(hex, H1), "upper-case hex");
	ok(!find("# comment\n\n-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n" H1 "  x\n", "x",
		 false, hex), "comments and armor lines are skipped");
	ok(!find(H1 "  x\n" H1 "  x\n", "x", false, hex), "a repeated equal entry");
	ok(!find("  " H1 "\tx  \n", "x", false, hex), "tabs and trailing blanks");
	ok(!find(H1 "  name with spaces.tar\n", "name with spaces.tar", false, hex),
	   "file name with spaces");
}

static void test_per_file(void)
{
	char hex[65];

	ok(!find(H2 "\n", "img.tar.xz", true, hex) && !strcmp(hex, H2), ".sha256 with the hash alone");
	ok(!find(H2 "  img-1.2.3-Build4.5.tar.xz\n", "img.tar.xz", true, hex) && !strcmp(hex, H2),
	   ".sha256 naming the versioned file behind a link");
	ok(!find(H1 "  a\n" H2 "  img\n", "img", true, hex) && !strcmp(hex, H2),
	   ".sha256 with several entries: by name");
	is_int(find(H1 "  a\n" H2 "  b\n", "img", true, hex), -ENOENT,
	       ".sha256 with several entries, none ours");
	is_int(find(H2 "\n", "img", false, hex), -ENOENT, "SHA256SUMS never takes a nameless hash");
}

static void test_bad(void)
{
	char hex[65];

	is_int(find("", "x", false, hex), -ENOENT, "empty file");
	is_int(find(H1 "  y\n", "x", false, hex), -ENOENT, "not listed");
	is_int(find(H1 "  xx\n", "x", false, hex), -ENOENT, "a longer name is another file");
	is_int(find(H1 "  x\n" H2 "  x\n", "x", false, hex), -EBADMSG, "two different sums");
	is_int(find("0123  x\n", "x", false, hex), -ENOENT, "short hash");
	is_int(find(H1 "00  x\n", "x", false, hex), -ENOENT, "longer hash (SHA512SUMS line)");
	is_int(find("g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef  x\n", "x", false,
		    hex), -ENOENT, "non-hex digit");
	is_int(find("SHA256 (x) = 0123\n", "x", false, hex), -ENOENT, "short BSD hash");
	is_int(find("SHA512 (x) = " H1 "\n", "x", false, hex), -ENOENT, "BSD line of another hash");
	is_int(find(H1 "x\n", "x", false, hex), -ENOENT, "no blank between hash and name");
}

static void test_nul(void)
{
	static const char text[] = H1 "  x\0y\n" H2 "  z\n";
	uint8_t h[32];
	char hex[65];

	ok(!sums_find(text, sizeof(text) - 1, "z", false, h), "a NUL byte does not end the file");
	sums_hex(h, hex);
	is_str(hex, H2, "the entry after it");
	is_int(sums_find(text, sizeof(text) - 1, "x", false, h), -ENOENT, "a name with a NUL is no match");
	is_int(sums_unhex(H1, 63, h), -EINVAL, "unhex: 63 digits");
	ok(!sums_unhex(H1, 64, h) && h[0] == 0x01 && h[31] == 0xef, "unhex");
}

int main(void)
{
	test_formats();
	test_per_file();
	test_bad();
	test_nul();
	return tap_done();
}

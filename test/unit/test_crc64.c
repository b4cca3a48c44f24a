/* The xz CRC-64 linked in place of liblzma's (src/archive/crc64.c):
 * the standard check value, and every length and alignment against a
 * bit-at-a-time reference, whole and in pieces. */
#include <stdio.h>
#include <string.h>

#include "machbox.h"
#include "tap.h"

#if CFG_ARCHIVE
#include "archive/check.h"

static uint64_t crc64_bitwise(const uint8_t *p, size_t n, uint64_t crc)
{
	crc = ~crc;
	while (n--) {
		int k;

		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ 0xC96C5795D7870F42ULL : crc >> 1;
	}
	return ~crc;
}

int main(void)
{
	static uint8_t buf[4096 + 8];
	unsigned seed = 12345, bad = 0, pieces = 0;
	size_t len, off, i;

	for (i = 0; i < sizeof(buf); i++) {
		seed = seed * 1103515245 + 12345;
		buf[i] = (uint8_t)(seed >> 16);
	}
	ok(crc64_xz((const uint8_t *)"123456789", 9, 0) == 0x995DC9BBDF1939FAULL,
	   "CRC-64/XZ of \"123456789\" is 995dc9bbdf1939fa");
	ok(crc64_xz(buf, 0, 0) == 0, "nothing: 0");
	ok(crc64_xz(buf, 0, 0x1234) == 0x1234, "nothing continues nothing");
	for (off = 0; off < 8; off++)
		for (len = 0; len <= 70; len++)
			bad += crc64_xz(buf + off, len, 0) != crc64_bitwise(buf + off, len, 0);
	ok(!bad, "lengths 0..70 at every alignment match the bitwise CRC (%u differ)", bad);
	ok(crc64_xz(buf, 4096, 0) == crc64_bitwise(buf, 4096, 0), "4 KiB");
	for (len = 1; len < 4096; len += 509) {
		uint64_t c = crc64_xz(buf, len, 0);

		c = crc64_xz(buf + len, 4096 - len, c);
		pieces += c != crc64_bitwise(buf, 4096, 0);
	}
	ok(!pieces, "in two pieces, cut anywhere, the same as whole");
	return tap_done();
}
#else
int main(void)
{
	printf("1..0 # SKIP no CFG_ARCHIVE\n");
	return 77;
}
#endif

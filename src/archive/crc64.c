/* CRC-64 of the xz format (ECMA-182, reflected, polynomial
 * 0xC96C5795D7870F42), eight bytes a step.
 *
 * liblzma is built with --enable-small for size, and its small CRC-64
 * goes a byte at a time: 0.35-0.4 s of the 2.5 s an xz -9 rootfs takes
 * to decode, the difference between a pull and `xz -dc | tar -x`.  The
 * link replaces lzma_crc64 with this one (-Wl,--wrap=lzma_crc64, see the
 * Makefile): same function, same results, 16 KiB of tables made at the
 * first call in .bss instead of in the file. */
#include <stddef.h>
#include <stdint.h>

#include "archive/check.h"

#define CRC64_POLY 0xC96C5795D7870F42ULL

static uint64_t tab[8][256];

static void crc64_tables(void)
{
	unsigned i, k;

	for (i = 0; i < 256; i++) {
		uint64_t c = i;

		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (c & 1 ? CRC64_POLY : 0);
		tab[0][i] = c;
	}
	/* tab[k][i]: byte i followed by k zero bytes */
	for (k = 1; k < 8; k++)
		for (i = 0; i < 256; i++)
			tab[k][i] = (tab[k - 1][i] >> 8) ^ tab[0][tab[k - 1][i] & 0xff];
}

static uint64_t load64_le(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
	       (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

uint64_t crc64_xz(const uint8_t *buf, size_t size, uint64_t crc)
{
	if (!tab[0][1])
		crc64_tables();
	crc = ~crc;
	for (; size >= 8; size -= 8, buf += 8) {
		uint64_t v = crc ^ load64_le(buf);

		crc = tab[7][v & 0xff] ^ tab[6][(v >> 8) & 0xff] ^
		      tab[5][(v >> 16) & 0xff] ^ tab[4][(v >> 24) & 0xff] ^
		      tab[3][(v >> 32) & 0xff] ^ tab[2][(v >> 40) & 0xff] ^
		      tab[1][(v >> 48) & 0xff] ^ tab[0][v >> 56];
	}
	while (size--)
		crc = tab[0][(crc ^ *buf++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* what liblzma's callers get instead of its own */
uint64_t __wrap_lzma_crc64(const uint8_t *buf, size_t size, uint64_t crc);
uint64_t __wrap_lzma_crc64(const uint8_t *buf, size_t size, uint64_t crc)
{
	return crc64_xz(buf, size, crc);
}

/* The GPT parser of nspawn -i on crafted tables (good ones, damaged ones,
 * hostile bounds) and the superblock sniffing. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nspawn/rawimage.h"
#include "tap.h"

#define ROOT_X86 "4f68bce3-e8cd-4db1-96e7-fbcaf984b709"
#define LINUX_DATA "0fc63daf-8483-4772-8e79-3d69d8477de4"
#define ESP "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"
#define DISK (64ULL << 20)

static uint8_t disk[GPT_SCAN_SIZE];

/* a table-driven CRC32, independent of the one under test */
static uint32_t crc32_ref(const uint8_t *p, size_t n)
{
	static uint32_t t[256];
	uint32_t c;
	unsigned i, k;

	if (!t[1])
		for (i = 0; i < 256; i++) {
			for (c = i, k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			t[i] = c;
		}
	for (c = 0xffffffffu; n--; p++)
		c = t[(c ^ *p) & 0xff] ^ (c >> 8);
	return ~c;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

struct part {
	const char *type;
	uint64_t first, last, attrs;
};

static size_t sec = 512;
static uint32_t n_entries = 128;

/* the CRCs of header and table, after a test changed either */
static void seal(void)
{
	uint8_t *h = disk + sec;

	put32(h + 88, crc32_ref(disk + 2 * sec, (size_t)n_entries * 128));
	put32(h + 16, 0);
	put32(h + 16, crc32_ref(h, 92));
}

static void make_gpt(const struct part *parts, int n)
{
	uint8_t *h, *e;
	int i;

	memset(disk, 0, sizeof(disk));
	h = disk + sec;
	memcpy(h, "EFI PART", 8);
	put32(h + 8, 0x00010000);
	put32(h + 12, 92);
	put64(h + 24, 1);
	put64(h + 32, DISK / sec - 1);
	put64(h + 40, 34);
	put64(h + 48, DISK / sec - 34);
	put64(h + 72, 2);
	put32(h + 80, n_entries);
	put32(h + 84, 128);
	for (i = 0; i < n; i++) {
		e = disk + 2 * sec + (size_t)i * 128;
		gpt_guid_parse(parts[i].type, e);
		e[16] = (uint8_t)(i + 1);
		put64(e + 32, parts[i].first);
		put64(e + 40, parts[i].last);
		put64(e + 48, parts[i].attrs);
	}
	seal();
}

static int find(uint64_t *off, uint64_t *size)
{
	return gpt_find_root(disk, sizeof(disk), DISK, ROOT_X86, off, size);
}

static void test_guid(void)
{
	static const uint8_t want[16] = {
		0xe3, 0xbc, 0x68, 0x4f, 0xcd, 0xe8, 0xb1, 0x4d,
		0x96, 0xe7, 0xfb, 0xca, 0xf9, 0x84, 0xb7, 0x09,
	};
	uint8_t g[16];

	is_int(gpt_guid_parse(ROOT_X86, g), 0, "a GUID parses");
	ok(!memcmp(g, want, 16), "into its mixed-endian disk form");
	is_int(gpt_guid_parse("4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709", g), 0, "upper case too");
	is_int(gpt_guid_parse("4f68bce3-e8cd-4db1-96e7-fbcaf984b70", g), -EINVAL, "too short");
	is_int(gpt_guid_parse("4f68bce3-e8cd-4db1-96e7-fbcaf984b7090", g), -EINVAL, "too long");
	is_int(gpt_guid_parse("4f68bce3-e8cd-4db1-96e7-fbcaf984b7g9", g), -EINVAL, "not hex");
	is_int(gpt_guid_parse("4f68bce3e-8cd-4db1-96e7-fbcaf984b709", g), -EINVAL, "dash misplaced");
	is_int(gpt_guid_parse("", g), -EINVAL, "empty");
	ok(gpt_root_type() != NULL, "this architecture has a root type");
}

static void test_good(void)
{
	struct part p[] = {
		{ ESP, 2048, 10239, 0 },
		{ LINUX_DATA, 10240, 20479, 0 },
		{ ROOT_X86, 20480, 40959, 0 },
	};
	uint64_t off = 0, size = 0;

	make_gpt(p, 3);
	is_int(find(&off, &size), 0, "a GPT with a root partition");
	is_int(off, 20480ULL * 512, "the root type wins over an earlier Linux data partition");
	is_int(size, 20480ULL * 512, "its size");
	make_gpt(p, 2);
	is_int(find(&off, &size), 0, "without a root type");
	is_int(off, 10240ULL * 512, "the first Linux data partition");
	p[2].attrs = 1ULL << 63;
	make_gpt(p, 3);
	is_int(find(&off, &size), 0, "a root marked no-auto");
	is_int(off, 10240ULL * 512, "is passed over");
	make_gpt(p, 1);
	is_int(find(&off, &size), -ENXIO, "only an ESP: no root");
	make_gpt(p + 1, 2);
	is_int(gpt_find_root(disk, sizeof(disk), DISK, NULL, &off, &size), 0, "no root type for this arch");
	is_int(off, 10240ULL * 512, "then Linux data");
}

static void test_sector_4k(void)
{
	struct part p[] = { { ROOT_X86, 256, 1279, 0 } };
	uint64_t off = 0, size = 0;

	sec = 4096;
	n_entries = 64;	/* 8 KiB of entries at LBA 2 = 8 KiB: inside the scan */
	make_gpt(p, 1);
	is_int(find(&off, &size), 0, "4096-byte sectors");
	is_int(off, 256ULL * 4096, "offset in those sectors");
	is_int(size, 1024ULL * 4096, "size in those sectors");
	sec = 512;
	n_entries = 128;
}

static void test_damaged(void)
{
	struct part p[] = { { ROOT_X86, 2048, 4095, 0 } };
	uint64_t off, size;

	memset(disk, 0, sizeof(disk));
	is_int(find(&off, &size), -ENOENT, "no signature: not a GPT");
	is_int(gpt_find_root(disk, 100, DISK, ROOT_X86, &off, &size), -ENOENT, "a tiny buffer");
	make_gpt(p, 1);
	disk[512 + 40] ^= 1;
	is_int(find(&off, &size), -EBADMSG, "a header CRC mismatch");
	make_gpt(p, 1);
	disk[1024 + 200] ^= 1;
	is_int(find(&off, &size), -EBADMSG, "an entries CRC mismatch");
	make_gpt(p, 1);
	put32(disk + 512 + 12, 91);
	seal();
	is_int(find(&off, &size), -EBADMSG, "a header too small");
	make_gpt(p, 1);
	put32(disk + 512 + 12, 600);
	is_int(find(&off, &size), -EBADMSG, "a header larger than a sector");
}

static void test_bounds(void)
{
	struct part p[] = { { ROOT_X86, 2048, 4095, 0 } };
	uint64_t off, size;

	make_gpt(p, 1);
	put32(disk + 512 + 80, 100000);
	seal();
	is_int(find(&off, &size), -EBADMSG, "too many entries");
	make_gpt(p, 1);
	put32(disk + 512 + 80, 1000);
	put32(disk + 512 + 88, crc32_ref(disk + 1024, sizeof(disk) - 1024));
	put32(disk + 512 + 16, 0);
	put32(disk + 512 + 16, crc32_ref(disk + 512, 92));
	is_int(find(&off, &size), -EBADMSG, "a table past the scanned bytes");
	make_gpt(p, 1);
	put64(disk + 512 + 72, 1ULL << 60);
	seal();
	is_int(find(&off, &size), -EBADMSG, "a table LBA far away");
	make_gpt(p, 1);
	put64(disk + 512 + 72, 1);
	seal();
	is_int(find(&off, &size), -EBADMSG, "a table over the header");
	make_gpt(p, 1);
	put32(disk + 512 + 84, 100);
	seal();
	is_int(find(&off, &size), -EBADMSG, "entries smaller than 128 bytes");
	make_gpt(p, 1);
	put64(disk + 512 + 24, 5);
	seal();
	is_int(find(&off, &size), -EBADMSG, "a header not at LBA 1");
	p[0].last = DISK / 512 + 10;
	make_gpt(p, 1);
	put64(disk + 512 + 48, UINT64_MAX);
	seal();
	is_int(find(&off, &size), -EBADMSG, "a partition past the end of the disk");
	p[0].first = 5000;
	p[0].last = 4000;
	make_gpt(p, 1);
	is_int(find(&off, &size), -EBADMSG, "a partition ending before it starts");
	p[0].first = 10;
	p[0].last = 4000;
	make_gpt(p, 1);
	is_int(find(&off, &size), -EBADMSG, "a partition over the table");
	p[0].first = 1ULL << 62;
	p[0].last = UINT64_MAX;
	make_gpt(p, 1);
	put64(disk + 512 + 48, UINT64_MAX);
	seal();
	is_int(gpt_find_root(disk, sizeof(disk), UINT64_MAX, ROOT_X86, &off, &size), -EBADMSG,
	       "a size that would overflow");
}

static void test_fs(void)
{
	static uint8_t sb[65608];

	memset(sb, 0, sizeof(sb));
	ok(fs_detect(sb, sizeof(sb)) == NULL, "zeros: no file system");
	memcpy(sb, "hsqs", 4);
	is_str(fs_detect(sb, sizeof(sb)), "squashfs", "squashfs");
	memset(sb, 0, sizeof(sb));
	sb[1024] = 0xe2, sb[1025] = 0xe1, sb[1026] = 0xf5, sb[1027] = 0xe0;
	is_str(fs_detect(sb, sizeof(sb)), "erofs", "erofs");
	memset(sb, 0, sizeof(sb));
	sb[1080] = 0x53, sb[1081] = 0xef;
	is_str(fs_detect(sb, sizeof(sb)), "ext4", "ext4");
	ok(fs_detect(sb, 1081) == NULL, "ext4's magic cut off");
	memset(sb, 0, sizeof(sb));
	memcpy(sb + 65600, "_BHRfS_M", 8);
	is_str(fs_detect(sb, sizeof(sb)), "btrfs", "btrfs");
	ok(fs_detect(sb, sizeof(sb) - 1) == NULL, "btrfs's magic cut off");
}

int main(void)
{
	test_guid();
	test_good();
	test_sector_4k();
	test_damaged();
	test_bounds();
	test_fs();
	return tap_done();
}

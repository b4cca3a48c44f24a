/* Checks of untrusted archive input before libarchive acts on it: the
 * dictionary size an xz stream asks for, read from its first block header
 * (xz file format 1.1.0, sections 2.1 and 3.1), and entry paths. */
#include <errno.h>
#include <string.h>

#include "machbox.h"
#include "archive/check.h"

/* the tree code walks at most 256 levels (image/tree.c) */
#define MAX_DEPTH 200
#define MAX_PATH 4095

#define XZ_FILTER_LZMA2 0x21

/* a multibyte integer: 7 bits a byte, at most 9 bytes; bytes used or
 * -EBADMSG (-EAGAIN at the end of the buffer) */
static int varint(const unsigned char *p, size_t n, uint64_t *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < 9; i++) {
		if (i >= n)
			return -EAGAIN;
		*v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80))
			return p[i] == 0 && i > 0 ? -EBADMSG : (int)i + 1;
	}
	return -EBADMSG;
}

static uint64_t lzma2_dict(unsigned bits)
{
	if (bits == 40)
		return UINT32_MAX;
	return (uint64_t)(2 | (bits & 1)) << (bits / 2 + 11);
}

/* the filter flags of a block header (h, hlen bytes, CRC excluded) */
static int block_filters(const unsigned char *h, size_t hlen, uint64_t *dict)
{
	unsigned flags = h[1], nfilters = (flags & 3) + 1, f;
	size_t pos = 2;
	uint64_t v;
	int k;

	if (flags & 0x3c)
		return -EBADMSG;	/* reserved bits */
	for (k = 0; k < !!(flags & 0x40) + !!(flags & 0x80); k++) {
		int used = varint(h + pos, hlen - pos, &v);

		if (used < 0)
			return -EBADMSG;
		pos += (size_t)used;
	}
	for (f = 0; f < nfilters; f++) {
		uint64_t id, psize;
		int u1 = varint(h + pos, hlen - pos, &id), u2;

		if (u1 < 0 || (u2 = varint(h + pos + u1, hlen - pos - (size_t)u1, &psize)) < 0)
			return -EBADMSG;
		pos += (size_t)u1 + (size_t)u2;
		if (psize > hlen - pos)
			return -EBADMSG;
		if (id == XZ_FILTER_LZMA2) {
			if (psize != 1 || (h[pos] & 0x3f) > 40)
				return -EBADMSG;
			*dict = lzma2_dict(h[pos] & 0x3f);
			return 1;
		}
		pos += (size_t)psize;
	}
	return 0;
}

static const unsigned char xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };

bool is_xz(const unsigned char *p, size_t n)
{
	return CFG_FILTER_XZ && n >= sizeof(xz_magic) && !memcmp(p, xz_magic, sizeof(xz_magic));
}

int xz_first_dict_size(const unsigned char *p, size_t n, uint64_t *dict)
{
	size_t hsize;

	if (memcmp(p, xz_magic, n < 6 ? n : 6))
		return 0;
	if (n < 13)
		return -EAGAIN;
	if (p[12] == 0)
		return 0;	/* the index right away: no block */
	hsize = ((size_t)p[12] + 1) * 4;
	if (n < 12 + hsize)
		return -EAGAIN;
	/* the last 4 bytes are the header's CRC32, checked by liblzma */
	return block_filters(p + 12, hsize - 4, dict);
}

const char *entry_path_problem(const char *path)
{
	const char *p = path;
	unsigned depth = 0;

	if (!*path)
		return "empty path";
	if (*path == '/')
		return "absolute path";
	if (strlen(path) > MAX_PATH)
		return "path too long";
	while (*p) {
		size_t len = strcspn(p, "/");

		if (len == 2 && p[0] == '.' && p[1] == '.')
			return "path leaves the image ('..')";
		if (len && ++depth > MAX_DEPTH)
			return "path nested too deeply";
		p += len;
		while (*p == '/')
			p++;
	}
	return NULL;
}

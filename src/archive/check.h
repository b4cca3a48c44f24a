/* Pure checks of untrusted archive input (unit-tested).
 *
 * libarchive 3.6.2 gives liblzma no memory limit (UINT64_MAX, see
 * THIRD_PARTY-NOTES pitfall 7) and has no option to set one, so we read
 * the dictionary size the stream asks for before libarchive sees it.
 * Only the first block is visible without decoding; later blocks and
 * concatenated streams meet the extractor's RLIMIT_AS instead. */
#ifndef MACHBOX_ARCHIVE_CHECK_H
#define MACHBOX_ARCHIVE_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* enough for the stream header and the largest block header */
#define XZ_PEEK_MAX (12 + 1024)

/* 1 and *dict: the LZMA2 dictionary size of the first block;
 * 0: not an xz stream, or one without an LZMA2 block first;
 * -EAGAIN: p is a prefix, more bytes are needed (n < XZ_PEEK_MAX);
 * -EBADMSG: a malformed header. */
int xz_first_dict_size(const unsigned char *p, size_t n, uint64_t *dict);

/* an entry's path is safe to create below the root: relative, no "..",
 * not too long or deep; NULL or the reason */
const char *entry_path_problem(const char *path);

/* p starts with the xz magic (and xz is built in): the extractor then
 * decompresses in a process of its own */
bool is_xz(const unsigned char *p, size_t n);

/* the xz format's CRC-64 of BUF continued from CRC (0 to start);
 * src/archive/crc64.c, linked in place of liblzma's lzma_crc64 */
uint64_t crc64_xz(const uint8_t *buf, size_t size, uint64_t crc);

#endif

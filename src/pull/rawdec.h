#ifndef MACHBOX_PULL_RAWDEC_H
#define MACHBOX_PULL_RAWDEC_H

#include <stdbool.h>
#include <stddef.h>

/* in_fd (plain, gzip, xz or zstd as built) decompressed into out_fd, zero
 * blocks as holes.  Caps the caller's address space: call it in a child.
 * hashed: the caller compares the SHA-256 of the file, so xz's own check
 * is skipped.  0 or -errno with err set. */
int raw_decompress(int in_fd, int out_fd, bool hashed, char *err, size_t errlen);

#endif

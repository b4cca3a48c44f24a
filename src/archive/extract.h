/* Tarballs in and out of the image store, with libarchive. */
#ifndef MACHBOX_EXTRACT_H
#define MACHBOX_EXTRACT_H

#include <stdint.h>
#include <stddef.h>

struct extract_limits {
	uint64_t max_bytes;	/* decompressed size, 0 = default */
	uint64_t max_entries;	/* 0 = default */
	uint64_t xz_memlimit;	/* bytes a single xz stream may need, 0 = default */
	uint64_t mem_limit;	/* address-space cap of the extractor, 0 = default */
};

/* Unpacks the (compressed) tarball read from in_fd into dest_dir, which
 * exists and is empty.  Unverified bytes are parsed only by a sandboxed
 * extractor: its own process, chrooted into dest_dir, few capabilities, a
 * memory cap.  Hostile entries (.., absolute paths, writes through
 * symlinks, hardlinks out, device nodes when not wanted, bombs) are
 * refused.  A tarball whose only top-level entry is a directory is
 * unwrapped, as systemd-importd does.  0 or -errno; err gets a one-line
 * reason naming the entry at fault. */
int extract_tar(int in_fd, const char *dest_dir, const struct extract_limits *lim,
		char *err, size_t errlen);

/* Writes dir as a tarball (pax, numeric owners, xattrs, hardlinks once) to
 * out_fd, compressed as named: "" none, "gz", "xz", "zst" (when built). */
int export_tar(const char *dir, int out_fd, const char *compression, char *err, size_t errlen);

#endif

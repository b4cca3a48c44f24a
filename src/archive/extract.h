/* Tarballs in and out of the image store, with libarchive. */
#ifndef MACHBOX_EXTRACT_H
#define MACHBOX_EXTRACT_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

struct extract_limits {
	uint64_t max_bytes;	/* decompressed size, 0 = default */
	uint64_t max_entries;	/* 0 = default */
	uint64_t xz_memlimit;	/* bytes a single xz stream may need, 0 = default */
	uint64_t mem_limit;	/* address-space cap of the extractor, 0 = default */
	bool hashed;		/* the caller compares the tarball's SHA-256 before
				 * the image is used: xz's own check is skipped */
	uint32_t userns_base;	/* not 0: the extractor runs in a user namespace
				 * mapping 0..65535 to BASE..BASE+65535, so the
				 * owners land shifted and device nodes are skipped */
};

/* Defaults: 32 GiB (the sum of the entries' sizes, holes of sparse files
 * included), 4 Mi entries, 128 MiB for an xz dictionary (xz -9 needs 64),
 * 512 MiB of address space for each of the extractor's processes (the
 * decompressor of a compressed tarball is one of its own).  The
 * environment overrides them (sizes with K/M/G suffixes):
 * MACHBOX_IMPORT_MAX_BYTES, MACHBOX_IMPORT_MAX_ENTRIES,
 * MACHBOX_IMPORT_XZ_MEMLIMIT, MACHBOX_IMPORT_MEM_LIMIT.  -EINVAL names
 * nothing: the caller says which variable was bad (err). */
int extract_limits_from_env(struct extract_limits *lim, char *err, size_t errlen);

/* Unpacks the (compressed) tarball read from in_fd into dest_dir, which
 * exists and is empty.  Unverified bytes are parsed only by a sandboxed
 * extractor: its own process, chrooted into dest_dir, few capabilities, a
 * memory cap.  Hostile entries (.., absolute paths, writes through
 * symlinks, hardlinks out, bombs) are refused; device nodes, owners,
 * modes, setuid bits and xattrs inside the tree are kept.  A tarball
 * whose only top-level entry is a directory (and which is no OS tree
 * itself) is unwrapped, as systemd-importd does.  0 or -errno; err gets a
 * one-line reason naming the entry at fault.  *skipped (may be NULL): the
 * device nodes left out (lim->userns_base only). */
int extract_tar(int in_fd, const char *dest_dir, const struct extract_limits *lim,
		uint64_t *skipped, char *err, size_t errlen);

/* The same in two steps, for a caller that feeds in_fd (a pipe) itself
 * between them: extract_tar_start() forks the extractor and returns at
 * once; extract_tar_finish() waits for it and reports.  The caller closes
 * its copy of the pipe's write end before finishing. */
struct extract_job {
	pid_t pid;
	int sock;	/* the extractor's report */
	uint64_t skipped;	/* device nodes left out, once finished */
};
int extract_tar_start(int in_fd, const char *dest_dir, const struct extract_limits *lim,
		      struct extract_job *job, char *err, size_t errlen);
int extract_tar_finish(struct extract_job *job, char *err, size_t errlen);

/* Writes dir as a tarball (pax, numeric owners, xattrs, hardlinks once) to
 * out_fd, compressed as named: "" none, "gz", "xz", "zst" (when built). */
int export_tar(const char *dir, int out_fd, const char *compression, char *err, size_t errlen);

#endif

#ifndef MACHBOX_ARCHIVE_FILTERS_H
#define MACHBOX_ARCHIVE_FILTERS_H

struct archive;

/* The decompression filters built into this machbox (gzip, zstd per
 * Kconfig; xz goes to decoder.c), never libarchive's external-program
 * fallbacks. */
void archive_read_builtin_filters(struct archive *a);

#endif

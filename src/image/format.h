/* Output as systemd prints it: sizes, timestamps, tables, JSON strings.
 * Pure functions (unit-tested). */
#ifndef MACHBOX_IMAGE_FORMAT_H
#define MACHBOX_IMAGE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FORMAT_BYTES_MAX 16
#define FORMAT_TIMESTAMP_MAX 64

/* "1.2M", "512B" (1024-based, one truncated decimal); NULL for UINT64_MAX */
const char *format_bytes(char *buf, size_t len, uint64_t bytes);
/* "Thu 2024-01-04 12:00:00 UTC" in local time; NULL for 0 */
const char *format_timestamp(char *buf, size_t len, uint64_t usec);
/* "2 days ago", "3min 4s ago", "now"; usec and now in microseconds */
const char *format_timestamp_relative(char *buf, size_t len, uint64_t usec, uint64_t now);
/* s as a JSON string, quotes included */
void json_print_string(FILE *f, const char *s);

/* The compression export-tar writes for a file name, by its suffix:
 * "gz" (.tar.gz, .tgz), "xz" (.tar.xz, .txz), "zst", "bz2", or "" */
const char *tar_compression_for(const char *file);

/* A table of strings printed like systemd's: one header row (upper case),
 * columns one space apart, "-" for NULL cells, the last column not
 * padded.  Columns in right_mask are right-aligned. */
struct table {
	unsigned ncols;
	const char **cells;	/* rows * ncols, the header row first */
	size_t rows;		/* header included */
	unsigned right_mask;
};
void table_print(FILE *f, const struct table *t, bool header);

#endif

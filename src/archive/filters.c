/* One list of the read filters, for the tar extractor and pull-raw.  Not
 * xz: both decode it with liblzma in a process of their own (decoder.c),
 * and without libarchive's xz reader (with its lzma and lzip ones) the
 * binary is 3.5 KiB smaller. */
#include <archive.h>

#include "machbox.h"
#include "archive/filters.h"

void archive_read_builtin_filters(struct archive *a)
{
	if (CFG_FILTER_GZIP)
		archive_read_support_filter_gzip(a);
	if (CFG_FILTER_ZSTD)
		archive_read_support_filter_zstd(a);
}

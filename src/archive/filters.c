/* One list of the read filters, for the tar extractor and pull-raw. */
#include <archive.h>

#include "machbox.h"
#include "archive/filters.h"

void archive_read_builtin_filters(struct archive *a)
{
	if (CFG_FILTER_GZIP)
		archive_read_support_filter_gzip(a);
	if (CFG_FILTER_XZ)
		archive_read_support_filter_xz(a);
	if (CFG_FILTER_ZSTD)
		archive_read_support_filter_zstd(a);
}

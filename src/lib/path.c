/* Every host path is taken relative to $MACHBOX_ROOT (DESIGN.md §4), so tests
 * and devices with an odd layout never touch the real places. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "machbox.h"

const char *machbox_root(void)
{
	const char *r = getenv("MACHBOX_ROOT");

	if (!r || !*r || !strcmp(r, "/"))
		return "";
	return r;
}

int root_path(char *buf, size_t size, const char *path)
{
	const char *root = machbox_root();
	size_t rl = strlen(root);
	int n;

	/* no doubled slash when the root ends in one */
	while (rl > 0 && root[rl - 1] == '/')
		rl--;
	n = snprintf(buf, size, "%.*s%s", (int)rl, root, path);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* libFuzzer target for the SHA256SUMS / FILE.sha256 parser: the input is
 * the checksum file, looked up for a few names, with and without the
 * one-hash rule of .sha256 files.  A hash that is found must be listed in
 * the text as 64 hex digits. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pull/sums.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void lookup(const char *text, size_t n, const char *name, bool single)
{
	uint8_t h[32];
	char hex[65];
	int r = sums_find(text, n, name, single, h);

	if (r && r != -ENOENT && r != -EBADMSG)
		abort();
	if (r)
		return;
	sums_hex(h, hex);
	if (strlen(hex) != 64)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);	/* not terminated: the parser must not need it */

	memcpy(text, data, size);
	lookup(text, size, "rootfs.tar.xz", false);
	lookup(text, size, "rootfs.tar.xz", true);
	lookup(text, size, "", false);
	lookup(text, size, "a", true);
	free(text);
	return 0;
}

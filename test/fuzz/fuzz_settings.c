/* libFuzzer target for .nspawn settings files (systemd.nspawn(5)): the
 * ini reader (continuations, comments, sections) and every key's value
 * parser, read as a trusted and as an untrusted file, then merged under
 * an empty command line as nspawn does.  A failure must leave one line
 * in the error buffer; nothing may leak or crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "machbox.h"
#include "nspawn/nspawn.h"
#include "nspawn/settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void no_warn(void *ud, const char *file, unsigned line, const char *m)
{
	(void)ud;
	(void)file;
	(void)line;
	if (!m || !*m)
		abort();
}

static void load(const char *text, size_t n, bool trusted)
{
	struct nspawn_opts file, cmdline;
	char err[512] = "";
	int r;

	nspawn_opts_init(&file);
	nspawn_opts_init(&cmdline);
	r = settings_load_buffer("fuzz.nspawn", text, n, trusted, &file, no_warn, NULL,
				 err, sizeof(err));
	if (r < 0 && (!err[0] || strchr(err, '\n')))
		abort();
	if (r == 0)
		settings_merge(&cmdline, &file, SETTINGS_YES);
	nspawn_opts_free(&file);
	nspawn_opts_free(&cmdline);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);	/* not terminated: the reader must not need it */

	if (!text)
		return 0;
	memcpy(text, data, size);
	load(text, size, true);
	load(text, size, false);
	free(text);
	return 0;
}

/* Messages for the front ends.  Library code returns -errno instead. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "machbox.h"

const char *progname = "machbox";

/* Every message is one line: a name given with a newline, a tab or an
 * escape sequence in it shows as \n, \t, \x1b, never as what they do. */
static void escape_ctl(char *line, size_t size)
{
	char tmp[1024];
	size_t i, o = 0;

	for (i = 0; line[i] && o + 5 < sizeof(tmp); i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == '\n' || c == '\t') {
			tmp[o++] = '\\';
			tmp[o++] = c == '\n' ? 'n' : 't';
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(tmp + o, sizeof(tmp) - o, "\\x%02x", c);
		} else {
			tmp[o++] = (char)c;
		}
	}
	tmp[o] = 0;
	strlcpy_mb(line, tmp, size);
}

static void vmsg(int err, const char *fmt, va_list ap)
{
	char line[1024];
	int n = vsnprintf(line, sizeof(line), fmt, ap);

	if (n < 0)
		line[0] = 0;
	escape_ctl(line, sizeof(line));
	/* one write, so concurrent writers do not interleave half lines */
	if (err)
		fprintf(stderr, "%s: %s: %s\n", progname, line, strerror(err));
	else
		fprintf(stderr, "%s: %s\n", progname, line);
}

void msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(0, fmt, ap);
	va_end(ap);
}

int fail_errno(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(err < 0 ? -err : err, fmt, ap);
	va_end(ap);
	return EXIT_FAIL;
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(0, fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(0, fmt, ap);
	va_end(ap);
	exit(EXIT_FAIL);
}

void die_errno(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(err < 0 ? -err : err, fmt, ap);
	va_end(ap);
	exit(EXIT_FAIL);
}

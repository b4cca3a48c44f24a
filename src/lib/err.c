/* Messages for the front ends.  Library code returns -errno instead. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "machbox.h"

const char *progname = "machbox";

static void vmsg(int err, const char *fmt, va_list ap)
{
	char line[1024];
	int n = vsnprintf(line, sizeof(line), fmt, ap);

	if (n < 0)
		line[0] = 0;
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

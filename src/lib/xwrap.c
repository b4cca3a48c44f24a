/* Die-on-error wrappers.  Only for CLI front ends and the container child
 * before exec: never in machined or the monitor loop. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "machbox.h"

static void *check(void *p)
{
	if (!p)
		die_errno(ENOMEM, "out of memory");
	return p;
}

void *xmalloc(size_t n)
{
	return check(malloc(n ? n : 1));
}

void *xcalloc(size_t n, size_t size)
{
	return check(calloc(n ? n : 1, size ? size : 1));
}

void *xrealloc(void *p, size_t n)
{
	return check(realloc(p, n ? n : 1));
}

char *xstrdup(const char *s)
{
	return check(strdup(s));
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		die_errno(ENOMEM, "out of memory");
	return s;
}

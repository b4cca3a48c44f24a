/* The reader of systemd-style configuration files (see include/ini.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ini.h"

#define WHITESPACE " \t\n\r"

void ini_seterr(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

void ini_warnf(struct ini *ini, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	if (!ini->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	ini->warn(ini->ud, ini->file, ini->line, text);
}

int ini_errorf(struct ini *ini, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	ini_seterr(ini->err, ini->errlen, "%s:%u: %s", ini->file, ini->line, text);
	return -EINVAL;
}

char *ini_strip(char *s)
{
	size_t n;

	s += strspn(s, WHITESPACE);
	n = strlen(s);
	while (n > 0 && strchr(WHITESPACE, s[n - 1]))
		n--;
	s[n] = 0;
	return s;
}

static int parse_section(struct ini *ini, char *l)
{
	size_t n = strlen(l);
	int i;

	if (n < 2 || l[n - 1] != ']')
		return ini_errorf(ini, "invalid section header '%.64s'", l);
	l[n - 1] = 0;
	for (i = 1; i <= ini->n_sections; i++)
		if (!strcmp(l + 1, ini->sections[i])) {
			ini->sect = i;
			return 0;
		}
	/* systemd: "X-" sections are for extensions and ignored quietly */
	if (!startswith(l + 1, "X-"))
		ini_warnf(ini, "unknown section [%.64s], ignored", l + 1);
	ini->sect = -1;
	return 0;
}

static int parse_line(struct ini *ini, char *l)
{
	char *eq, *key;
	int r;

	l = ini_strip(l);
	if (!*l)
		return 0;
	if (*l == '[')
		return parse_section(ini, l);
	if (ini->sect < 0)
		return 0;
	if (ini->sect == 0) {
		ini_warnf(ini, "assignment outside of a section, ignored");
		return 0;
	}
	eq = strchr(l, '=');
	if (!eq)
		return ini_errorf(ini, "missing '=' in '%.64s'", l);
	if (eq == l)
		return ini_errorf(ini, "missing key name before '='");
	*eq = 0;
	key = ini_strip(l);
	r = ini->assign(ini, key, ini_strip(eq + 1));
	if (r == 1 && !startswith(key, "X-"))
		ini_warnf(ini, "unknown key '%.64s=' in section [%s], ignored",
			  key, ini->sections[ini->sect]);
	return r < 0 ? r : 0;
}

struct linebuf {
	char *buf;	/* INI_LINE_MAX + 1 */
	size_t len;	/* > 0 while a continuation is pending */
};

/* One physical line without its newline.  As systemd: comment lines are
 * skipped even inside a continuation; a line ending in an odd number of
 * backslashes continues, the last backslash becoming a space. */
static int feed_line(struct ini *ini, struct linebuf *lb, const char *s, size_t n)
{
	size_t skip, nb;

	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (n > INI_LINE_MAX)
		return ini_errorf(ini, "line too long (over %d bytes)", INI_LINE_MAX);
	if (memchr(s, 0, n))
		return ini_errorf(ini, "NUL byte in line");
	if (ini->line == 1 && n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {
		s += 3;
		n -= 3;
	}
	for (skip = 0; skip < n && strchr(" \t\r", s[skip]); skip++)
		;
	if (skip < n && (s[skip] == '#' || s[skip] == ';'))
		return 0;
	if (lb->len + n > INI_LINE_MAX)
		return ini_errorf(ini, "continued line too long (over %d bytes)", INI_LINE_MAX);
	memcpy(lb->buf + lb->len, s, n);
	lb->len += n;
	lb->buf[lb->len] = 0;
	for (nb = 0; nb < lb->len && lb->buf[lb->len - 1 - nb] == '\\'; nb++)
		;
	if (nb % 2) {
		lb->buf[lb->len - 1] = ' ';
		return 0;
	}
	lb->len = 0;
	return parse_line(ini, lb->buf);
}

int ini_parse_buffer(struct ini *ini, const char *buf, size_t len)
{
	struct linebuf lb = { .buf = malloc(INI_LINE_MAX + 1), .len = 0 };
	const char *p = buf, *end = buf + len, *nl;
	int r = 0;

	ini_seterr(ini->err, ini->errlen, "%s", "");
	ini->line = 0;
	ini->sect = 0;
	if (!lb.buf)
		return -ENOMEM;
	while (p < end && r >= 0) {
		nl = memchr(p, '\n', (size_t)(end - p));
		ini->line++;
		r = feed_line(ini, &lb, p, nl ? (size_t)(nl - p) : (size_t)(end - p));
		p = nl ? nl + 1 : end;
	}
	/* a continuation still open at the end of the file counts */
	if (r >= 0 && lb.len)
		r = parse_line(ini, lb.buf);
	free(lb.buf);
	if (r == -ENOMEM && ini->err && ini->errlen && !ini->err[0])
		ini_seterr(ini->err, ini->errlen, "%s: out of memory", ini->file);
	return r < 0 ? r : 0;
}

static int read_whole(int fd, char **ret, size_t *len)
{
	size_t size = 0, n = 0;
	char *buf = NULL, *nb;
	ssize_t k;
	int r = 0;

	while (!r) {
		if (n == size) {
			size = size ? 2 * size : 4096;
			if (size > INI_FILE_MAX + 1)
				size = INI_FILE_MAX + 1;
			if (!(nb = realloc(buf, size))) {
				r = -ENOMEM;
				break;
			}
			buf = nb;
		}
		k = read(fd, buf + n, size - n);
		if (k == 0)
			break;
		if (k < 0)
			r = errno == EINTR ? 0 : -errno;
		else if ((n += (size_t)k) > INI_FILE_MAX)
			r = -EFBIG;
	}
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	*len = n;
	return 0;
}

/* O_NONBLOCK: a FIFO put in place of the file must not hang us before the
 * type check. */
int ini_read_file(const char *path, char **ret, size_t *len)
{
	struct stat st;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode))
		r = -EINVAL;
	else
		r = read_whole(fd, ret, len);
	close(fd);
	return r;
}

int ini_parse_file(struct ini *ini, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	r = ini_read_file(path, &buf, &len);
	if (r < 0) {
		ini_seterr(ini->err, ini->errlen, "%s: %s", path,
			   r == -EFBIG ? "larger than 1 MiB" :
			   r == -EINVAL ? "not a regular file" : strerror(-r));
		return r;
	}
	r = ini_parse_buffer(ini, buf, len);
	free(buf);
	return r;
}

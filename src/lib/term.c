#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "machbox.h"
#include "term.h"

int ring_init(struct ring *r, size_t size)
{
	memset(r, 0, sizeof(*r));
	r->buf = malloc(size);
	if (!r->buf)
		return -ENOMEM;
	r->size = size;
	return 0;
}

void ring_free(struct ring *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

void ring_write(struct ring *r, const void *data, size_t len)
{
	const char *p = data;

	if (!r->size)
		return;
	if (len >= r->size) {
		/* only the newest size bytes survive */
		memcpy(r->buf, p + len - r->size, r->size);
		r->head = 0;
		r->wrapped = true;
		return;
	}
	while (len > 0) {
		size_t n = r->size - r->head;

		if (n > len)
			n = len;
		memcpy(r->buf + r->head, p, n);
		r->head += n;
		p += n;
		len -= n;
		if (r->head == r->size) {
			r->head = 0;
			r->wrapped = true;
		}
	}
}

size_t ring_read(const struct ring *r, void *out, size_t outlen)
{
	size_t have = r->wrapped ? r->size : r->head;
	size_t skip = have > outlen ? have - outlen : 0;	/* keep the newest */
	size_t start = r->wrapped ? r->head : 0;
	size_t i, n = have - skip;
	char *o = out;

	for (i = 0; i < n; i++)
		o[i] = r->buf[(start + skip + i) % r->size];
	return n;
}

int console_log_open(struct console_log *l, const char *path, uint64_t cap)
{
	struct stat st;

	memset(l, 0, sizeof(*l));
	l->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640);
	if (l->fd < 0)
		return -errno;
	l->path = strdup(path);
	if (!l->path) {
		close_safe(&l->fd);
		return -ENOMEM;
	}
	l->size = fstat(l->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	l->cap = cap;
	return 0;
}

static int rotate(struct console_log *l)
{
	char old[4096];
	int fd;

	if ((size_t)snprintf(old, sizeof(old), "%s.1", l->path) >= sizeof(old))
		return -ENAMETOOLONG;
	if (rename(l->path, old) < 0)
		return -errno;
	fd = open(l->path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640);
	if (fd < 0)
		return -errno;
	close(l->fd);
	l->fd = fd;
	l->size = 0;
	return 0;
}

int console_log_write(struct console_log *l, const void *data, size_t len)
{
	int r;

	if (l->fd < 0)
		return 0;
	if (l->cap && l->size + len > l->cap && l->size > 0) {
		r = rotate(l);
		if (r < 0)
			return r;
	}
	r = write_all(l->fd, data, len);
	if (r == 0)
		l->size += len;
	return r;
}

void console_log_close(struct console_log *l)
{
	if (l->fd >= 0)
		close(l->fd);
	free(l->path);
	memset(l, 0, sizeof(*l));
	l->fd = -1;
}

const char *escape_key_name(unsigned char key, char buf[4])
{
	if (key < 0x20) {
		buf[0] = '^';
		buf[1] = (char)(key + '@');
		buf[2] = 0;
	} else {
		buf[0] = (char)key;
		buf[1] = 0;
	}
	return buf;
}

bool escape_feed(struct escape *e, const void *data, size_t len, int64_t now_ms)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] != e->key) {
			e->count = 0;
			continue;
		}
		if (e->count == 0 || now_ms - e->first_ms > 1000) {
			e->count = 1;
			e->first_ms = now_ms;
			continue;
		}
		if (++e->count >= 3) {
			e->count = 0;
			return true;
		}
	}
	return false;
}

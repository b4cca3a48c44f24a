/* A bounds-checked reader over bytes from the network, with a sticky error
 * (STYLE.md item 14): every read past the end sets err once and returns
 * zeros, so a parser can read a whole structure and check err at the end
 * instead of testing each step. */
#ifndef MACHBOX_PULL_BUF_H
#define MACHBOX_PULL_BUF_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rbuf {
	const uint8_t *p;
	size_t len, pos;
	int err;		/* 0 or the first -errno */
};

/* what an empty reader points at: never NULL, so no arithmetic on NULL */
static const uint8_t rb_nothing[1];

static inline void rb_init(struct rbuf *b, const void *p, size_t len)
{
	b->p = p ? p : rb_nothing;
	b->len = len;
	b->pos = 0;
	b->err = 0;
}

static inline void rb_fail(struct rbuf *b, int err)
{
	if (!b->err)
		b->err = err;
}

static inline size_t rb_left(const struct rbuf *b)
{
	return b->err ? 0 : b->len - b->pos;
}

/* n bytes, or NULL (and the error set) when fewer are left */
static inline const uint8_t *rb_take(struct rbuf *b, size_t n)
{
	const uint8_t *q;

	if (rb_left(b) < n) {
		rb_fail(b, -EBADMSG);
		return NULL;
	}
	q = b->p + b->pos;
	b->pos += n;
	return q;
}

static inline unsigned rb_u8(struct rbuf *b)
{
	const uint8_t *q = rb_take(b, 1);

	return q ? q[0] : 0;
}

static inline uint32_t rb_be16(struct rbuf *b)
{
	const uint8_t *q = rb_take(b, 2);

	return q ? (uint32_t)q[0] << 8 | q[1] : 0;
}

static inline uint32_t rb_be32(struct rbuf *b)
{
	const uint8_t *q = rb_take(b, 4);

	return q ? (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3] : 0;
}

/* The next n bytes as a reader of their own; the parent moves past them.
 * A short parent fails both. */
static inline struct rbuf rb_sub(struct rbuf *b, size_t n)
{
	struct rbuf s;
	const uint8_t *q = rb_take(b, n);

	rb_init(&s, q, q ? n : 0);
	if (!q)
		s.err = b->err;
	return s;
}

/* The rest of the buffer as a reader of its own */
static inline struct rbuf rb_rest(struct rbuf *b)
{
	return rb_sub(b, rb_left(b));
}

/* One line without its "\n" (and "\r" before it); the last line may lack
 * the newline.  false at the end. */
static inline bool rb_line(struct rbuf *b, const char **line, size_t *len)
{
	size_t i, left = rb_left(b);
	const uint8_t *q = b->p + b->pos;

	if (!left)
		return false;
	for (i = 0; i < left && q[i] != '\n'; i++)
		;
	*line = (const char *)q;
	*len = i;
	b->pos += i < left ? i + 1 : i;
	if (*len && q[*len - 1] == '\r')
		(*len)--;
	return true;
}

#endif

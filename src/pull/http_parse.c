/* HTTP/1.1 response heads and chunked bodies (RFC 9112), strictly: a
 * download that is framed wrongly must fail, not end early and install. */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "machbox.h"
#include "pull/buf.h"
#include "pull/http_parse.h"

static const char *const http_errors[HTTP_E_MAX] = {
	[HTTP_E_NONE] = "no error",
	[HTTP_E_STATUS] = "malformed status line",
	[HTTP_E_VERSION] = "not an HTTP/1.x response",
	[HTTP_E_HEADER] = "malformed header line",
	[HTTP_E_FOLDED] = "folded header line",
	[HTTP_E_HEAD_SIZE] = "response header too long",
	[HTTP_E_LENGTH] = "bad Content-Length",
	[HTTP_E_LENGTH_RANGE] = "Content-Length out of range",
	[HTTP_E_LENGTH_CONFLICT] = "conflicting Content-Length headers",
	[HTTP_E_ENCODING] = "unsupported Transfer-Encoding",
	[HTTP_E_RANGE] = "bad Content-Range",
	[HTTP_E_LOCATION] = "Location too long",
	[HTTP_E_CHUNK_SIZE] = "bad chunk size",
	[HTTP_E_CHUNK_RANGE] = "chunk size out of range",
	[HTTP_E_CHUNK_CRLF] = "missing CRLF in chunked body",
	[HTTP_E_CHUNK_EXT] = "chunk extension too long",
	[HTTP_E_TRAILER] = "chunked trailer too long",
};

const char *http_error_str(int why)
{
	if (why < 0 || why >= HTTP_E_MAX || !http_errors[why])
		return "bad response";
	return http_errors[why];
}

size_t http_head_end(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t i;

	/* an empty line ends the head; bare LF is accepted as RFC 9112 allows */
	for (i = 1; i < len; i++) {
		if (p[i] != '\n')
			continue;
		if (p[i - 1] == '\n')
			return i + 1;
		if (p[i - 1] == '\r' && i >= 2 && p[i - 2] == '\n')
			return i + 1;
	}
	return 0;
}

static int bad(struct http_resp *r, int why)
{
	r->why = why;
	return -EBADMSG;
}

static void copy_value(char *dst, size_t size, const char *v, size_t n)
{
	if (n >= size)
		n = 0;	/* too long to be of use: as if absent */
	memcpy(dst, v, n);
	dst[n] = 0;
}

/* "HTTP/1.1 200 OK" */
static int parse_status(struct http_resp *r, const char *s, size_t n)
{
	size_t i;

	if (n < 12 || memcmp(s, "HTTP/", 5))
		return bad(r, HTTP_E_STATUS);
	if (!isdigit((unsigned char)s[5]) || s[6] != '.' || !isdigit((unsigned char)s[7]))
		return bad(r, HTTP_E_STATUS);
	if (s[5] != '1')
		return bad(r, HTTP_E_VERSION);
	r->minor = s[7] - '0';
	if (s[8] != ' ' || !isdigit((unsigned char)s[9]) || !isdigit((unsigned char)s[10]) ||
	    !isdigit((unsigned char)s[11]) || (n > 12 && s[12] != ' '))
		return bad(r, HTTP_E_STATUS);
	r->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	if (r->status < 100)
		return bad(r, HTTP_E_STATUS);
	/* the reason goes into messages: truncated and printable */
	for (i = 13; i < n && i - 13 < sizeof(r->reason) - 1; i++)
		r->reason[i - 13] = isprint((unsigned char)s[i]) ? s[i] : '?';
	return 0;
}

/* Digits only, at most 2^63 - 1: 0, -EINVAL, -ERANGE */
static int parse_i64(const char *s, size_t n, int64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (n == 0)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		if (x > ((uint64_t)INT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -ERANGE;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = (int64_t)x;
	return 0;
}

static int header_length(struct http_resp *r, const char *v, size_t n)
{
	int64_t x;
	int e = parse_i64(v, n, &x);

	if (e == -ERANGE)
		return bad(r, HTTP_E_LENGTH_RANGE);
	if (e)
		return bad(r, HTTP_E_LENGTH);
	if (r->length >= 0 && r->length != x)
		return bad(r, HTTP_E_LENGTH_CONFLICT);
	r->length = x;
	return 0;
}

/* Only "chunked" (and "identity", a no-op) are ours: we asked for no
 * other coding, and any other framing cannot be delimited. */
static int header_te(struct http_resp *r, const char *v, size_t n)
{
	if (n == 7 && !strncasecmp(v, "chunked", 7))
		r->chunked = true;
	else if (!(n == 8 && !strncasecmp(v, "identity", 8)))
		return bad(r, HTTP_E_ENCODING);
	return 0;
}

/* "bytes FIRST-LAST/TOTAL" or "bytes FIRST-LAST/" "*" */
static int header_range(struct http_resp *r, const char *v, size_t n)
{
	const char *dash, *slash, *end = v + n;

	if (n < 6 || strncasecmp(v, "bytes ", 6))
		return bad(r, HTTP_E_RANGE);
	v += 6;
	dash = memchr(v, '-', (size_t)(end - v));
	slash = memchr(v, '/', (size_t)(end - v));
	if (!dash || !slash || slash < dash ||
	    parse_i64(v, (size_t)(dash - v), &r->range_first) ||
	    parse_i64(dash + 1, (size_t)(slash - dash - 1), &r->range_last))
		return bad(r, HTTP_E_RANGE);
	if (end - slash == 2 && slash[1] == '*')
		r->range_total = -1;
	else if (parse_i64(slash + 1, (size_t)(end - slash - 1), &r->range_total) ||
		 r->range_last >= r->range_total)
		return bad(r, HTTP_E_RANGE);
	if (r->range_first > r->range_last)
		return bad(r, HTTP_E_RANGE);
	r->has_range = true;
	return 0;
}

static bool is_name(const char *name, size_t nl, const char *want)
{
	return strlen(want) == nl && !strncasecmp(name, want, nl);
}

static int header(struct http_resp *r, const char *name, size_t nl, const char *v, size_t n)
{
	if (is_name(name, nl, "Content-Length"))
		return header_length(r, v, n);
	if (is_name(name, nl, "Transfer-Encoding"))
		return header_te(r, v, n);
	if (is_name(name, nl, "Content-Range"))
		return header_range(r, v, n);
	if (is_name(name, nl, "Location")) {
		if (n >= sizeof(r->location))
			return bad(r, HTTP_E_LOCATION);
		copy_value(r->location, sizeof(r->location), v, n);
	} else if (is_name(name, nl, "Accept-Ranges")) {
		r->ranges = n == 5 && !strncasecmp(v, "bytes", 5);
	} else if (is_name(name, nl, "ETag")) {
		if (n >= 2 && v[0] == '"')	/* weak (W/"...") ones cannot be If-Range */
			copy_value(r->etag, sizeof(r->etag), v, n);
	} else if (is_name(name, nl, "Last-Modified")) {
		copy_value(r->last_modified, sizeof(r->last_modified), v, n);
	}
	return 0;
}

static bool token_char(int c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* "Name: value", with optional white space around the value */
static int header_line(struct http_resp *r, const char *s, size_t n)
{
	size_t nl = 0, i;

	if (s[0] == ' ' || s[0] == '\t')
		return bad(r, HTTP_E_FOLDED);
	while (nl < n && token_char((unsigned char)s[nl]))
		nl++;
	if (nl == 0 || nl == n || s[nl] != ':')
		return bad(r, HTTP_E_HEADER);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
			return bad(r, HTTP_E_HEADER);
	for (i = nl + 1; i < n && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return header(r, s, nl, s + i, n - i);
}

int http_parse_head(const void *buf, size_t len, struct http_resp *r)
{
	struct rbuf b;
	const char *line;
	size_t n;
	int e;

	memset(r, 0, sizeof(*r));
	r->length = -1;
	if (len > HTTP_HEAD_MAX)
		return bad(r, HTTP_E_HEAD_SIZE);
	rb_init(&b, buf, len);
	if (!rb_line(&b, &line, &n))
		return bad(r, HTTP_E_STATUS);
	e = parse_status(r, line, n);
	while (!e && rb_line(&b, &line, &n) && n > 0)
		e = header_line(r, line, n);
	if (!e && r->chunked)
		r->length = -1;	/* chunked framing wins (RFC 9112 6.3) */
	return e;
}

/* --- chunked transfer coding --- */

#define CHUNK_EXT_MAX 4096
#define CHUNK_TRAILER_MAX 8192

void chunk_init(struct chunk_dec *d)
{
	memset(d, 0, sizeof(*d));
	d->state = CS_SIZE;
}

bool chunk_done(const struct chunk_dec *d)
{
	return d->state == CS_DONE;
}

static int chunk_fail(struct chunk_dec *d, int why)
{
	d->state = CS_ERROR;
	d->why = why;
	return CS_ERROR;
}

/* the end of a size line: CR, or white space / ';' before extensions */
static int size_end(struct chunk_dec *d, int c)
{
	if (!d->digits)
		return chunk_fail(d, HTTP_E_CHUNK_SIZE);
	if (c == '\r')
		return CS_SIZE_LF;
	if (c == ';')
		return CS_EXT;
	if (c == ' ' || c == '\t')
		return CS_SIZE_WS;
	if (c == '\n')
		return chunk_fail(d, HTTP_E_CHUNK_CRLF);
	return chunk_fail(d, HTTP_E_CHUNK_SIZE);
}

static int size_digit(struct chunk_dec *d, int c)
{
	int h = unhex_digit(c);

	if (h < 0)
		return size_end(d, c);
	if (d->size > (uint64_t)INT64_MAX >> 4)
		return chunk_fail(d, HTTP_E_CHUNK_RANGE);
	d->size = d->size << 4 | (uint64_t)h;
	d->digits++;
	return CS_SIZE;
}

static int size_lf(struct chunk_dec *d, int c)
{
	if (c != '\n')
		return chunk_fail(d, HTTP_E_CHUNK_CRLF);
	if (d->size == 0)
		return CS_TRAILER;
	if (d->size > (uint64_t)INT64_MAX - d->total)
		return chunk_fail(d, HTTP_E_CHUNK_RANGE);
	d->total += d->size;
	return CS_DATA;
}

/* one byte outside chunk data: the next state */
static int chunk_step(struct chunk_dec *d, int c)
{
	switch (d->state) {
	case CS_SIZE:
		return size_digit(d, c);
	case CS_SIZE_WS:
		return c == ' ' || c == '\t' ? CS_SIZE_WS : size_end(d, c);
	case CS_EXT:
		if (c == '\r')
			return CS_SIZE_LF;
		if (c == '\n')
			return chunk_fail(d, HTTP_E_CHUNK_CRLF);
		return ++d->count > CHUNK_EXT_MAX ? chunk_fail(d, HTTP_E_CHUNK_EXT) : CS_EXT;
	case CS_SIZE_LF:
		return size_lf(d, c);
	case CS_DATA_CR:
		return c == '\r' ? CS_DATA_LF : chunk_fail(d, HTTP_E_CHUNK_CRLF);
	case CS_DATA_LF:
		if (c != '\n')
			return chunk_fail(d, HTTP_E_CHUNK_CRLF);
		d->size = d->digits = d->count = 0;
		return CS_SIZE;
	case CS_TRAILER:
		return c == '\r' ? CS_END_LF : CS_TRAILER_LINE;
	case CS_TRAILER_LINE:
		if (c == '\r')
			return CS_TRAILER_LF;
		return ++d->count > CHUNK_TRAILER_MAX ? chunk_fail(d, HTTP_E_TRAILER) : CS_TRAILER_LINE;
	case CS_TRAILER_LF:
		return c == '\n' ? CS_TRAILER : chunk_fail(d, HTTP_E_CHUNK_CRLF);
	case CS_END_LF:
		return c == '\n' ? CS_DONE : chunk_fail(d, HTTP_E_CHUNK_CRLF);
	}
	return d->state;
}

ssize_t chunk_decode(struct chunk_dec *d, uint8_t *buf, size_t len, size_t *used)
{
	size_t i = 0, o = 0;

	while (i < len && d->state != CS_DONE && d->state != CS_ERROR) {
		if (d->state == CS_DATA) {
			size_t n = len - i < d->size ? len - i : (size_t)d->size;

			memmove(buf + o, buf + i, n);
			o += n;
			i += n;
			d->size -= n;
			if (!d->size)
				d->state = CS_DATA_CR;
			continue;
		}
		d->state = chunk_step(d, buf[i++]);
	}
	*used = i;
	return d->state == CS_ERROR ? -EBADMSG : (ssize_t)o;
}

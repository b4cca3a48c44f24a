/* libFuzzer target for the network-facing parsers of pull's HTTP client.
 *
 * The first byte picks a split point; the rest is read three ways:
 *   - as a response head: parsed, and its Location resolved against a base
 *     URL (the redirect path), the result formatted again;
 *   - as a chunked body fed in two pieces split at that point, then again
 *     one byte at a time: both must give the same bytes and verdict;
 *   - as a DER certificate (what the TLS error messages read).
 * Every output must stay inside its buffer (ASan) and make sense. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pull/der.h"
#include "pull/http_parse.h"
#include "pull/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void head(const uint8_t *p, size_t n)
{
	struct http_resp r;
	struct url base, next;
	char out[URL_PATH_MAX + URL_HOST_MAX + 16];
	size_t end = http_head_end(p, n);

	if (end > n)
		abort();
	if (http_parse_head(p, n, &r) != 0)
		return;
	if (r.status < 100 || r.status > 999 || (r.chunked && r.length != -1))
		abort();
	if (r.has_range && (r.range_first > r.range_last ||
			    (r.range_total >= 0 && r.range_last >= r.range_total)))
		abort();
	if (url_parse("https://example.org/dir/file.tar.xz?q", &base))
		abort();
	if (r.location[0] && url_resolve(&base, r.location, &next) == 0) {
		if (url_format(&next, out, sizeof(out)) == 0 && (strchr(out, '\r') || strchr(out, '\n')))
			abort();	/* nothing may reach a request line unescaped */
		if (strchr(next.path, ' ') || next.path[0] != '/')
			abort();
	}
}

/* decodes p in pieces: at split, or byte by byte when split is 0 */
static ssize_t chunks(const uint8_t *p, size_t n, size_t split, uint8_t *out, int *why)
{
	struct chunk_dec d;
	uint8_t *buf = malloc(n ? n : 1);
	size_t pos = 0, o = 0;

	chunk_init(&d);
	while (pos < n && !chunk_done(&d)) {
		size_t k = split ? (pos < split ? split - pos : n - pos) : 1, used;
		ssize_t got;

		if (k > n - pos)
			k = n - pos;
		memcpy(buf, p + pos, k);
		got = chunk_decode(&d, buf, k, &used);
		if (got < 0) {
			free(buf);
			*why = d.why;
			return -1;
		}
		if ((size_t)got > k || used > k)
			abort();
		memcpy(out + o, buf, (size_t)got);
		o += (size_t)got;
		pos += used;
		if (used < k)
			break;
	}
	free(buf);
	*why = chunk_done(&d) ? -1 : 0;
	return (ssize_t)o;
}

static void chunked(const uint8_t *p, size_t n, size_t split)
{
	uint8_t *a = malloc(n + 1), *b = malloc(n + 1);
	int wa, wb;
	ssize_t la = chunks(p, n, split, a, &wa), lb = chunks(p, n, 0, b, &wb);

	/* the same bytes and verdict whatever the split */
	if (la != lb || wa != wb || (la > 0 && memcmp(a, b, (size_t)la)))
		abort();
	free(a);
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct x509_info info;
	uint8_t *copy;

	if (size < 1)
		return 0;
	/* exact-size copies, so ASan sees any read past the end */
	copy = malloc(size - 1 ? size - 1 : 1);
	memcpy(copy, data + 1, size - 1);
	head(copy, size - 1);
	chunked(copy, size - 1, size > 1 ? data[0] % (size - 1) + 1 : 1);
	if (x509_info_parse(copy, size - 1, &info) == 0 && strlen(info.name) >= sizeof(info.name))
		abort();
	free(copy);
	return 0;
}

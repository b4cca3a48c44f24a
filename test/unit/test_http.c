/* URLs, HTTP response heads and the chunked decoder of src/pull. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "machbox.h"
#include "pull/http_parse.h"
#include "pull/url.h"
#include "tap.h"

static void test_url_parse(void)
{
	struct url u;

	ok(!url_parse("http://example.com/x.tar.xz", &u), "plain http");
	ok(!u.https && u.port == 80, "http defaults to port 80");
	is_str(u.host, "example.com", "host");
	is_str(u.path, "/x.tar.xz", "path");
	ok(!url_parse("HTTPS://Download.OpenSUSE.org:8443/a/b?c=d#frag", &u), "https, port, query");
	ok(u.https && u.port == 8443, "https port 8443");
	is_str(u.host, "download.opensuse.org", "host lower-cased");
	is_str(u.path, "/a/b?c=d", "query kept, fragment dropped");
	ok(!url_parse("https://h", &u), "no path");
	is_str(u.path, "/", "empty path is /");
	ok(u.port == 443, "https defaults to 443");
	ok(!url_parse("http://h?q", &u), "query without path");
	is_str(u.path, "/?q", "query without path gets /");
	ok(!url_parse("http://[::1]:8080/x", &u), "IPv6 literal");
	ok(u.ipv6 && u.port == 8080, "IPv6 flag and port");
	is_str(u.host, "::1", "IPv6 host without brackets");
	ok(!url_parse("http://[2001:db8::1]/", &u) && u.port == 80, "IPv6 without port");
	ok(!url_parse("http://h/a b\x01\xc3\xa9", &u), "odd path bytes");
	is_str(u.path, "/a%20b%01%C3%A9", "controls, space, non-ASCII percent-encoded");
	ok(!url_parse("http://h/a\r\nX: y", &u), "CRLF in a path");
	ok(!strchr(u.path, '\r') && !strchr(u.path, '\n'), "CRLF cannot reach the request line");
}

static void test_url_bad(void)
{
	struct url u;
	char longhost[400];

	is_int(url_parse("ftp://h/x", &u), -EPROTONOSUPPORT, "ftp is not supported");
	is_int(url_parse("file:///etc/passwd", &u), -EPROTONOSUPPORT, "file is not supported");
	is_int(url_parse("example.com/x", &u), -EINVAL, "no scheme");
	is_int(url_parse("http:///x", &u), -EINVAL, "empty host");
	is_int(url_parse("http://h:0/", &u), -EINVAL, "port 0");
	is_int(url_parse("http://h:65536/", &u), -EINVAL, "port 65536");
	is_int(url_parse("http://h:12a/", &u), -EINVAL, "port with a letter");
	ok(!url_parse("http://h:/", &u) && u.port == 80, "empty port is the default");
	is_int(url_parse("http://user:pw@h/", &u), -EINVAL, "credentials refused");
	is_int(url_parse("http://[::1/", &u), -EINVAL, "unclosed IPv6 bracket");
	is_int(url_parse("http://[zz::1]/", &u), -EINVAL, "bad IPv6 literal");
	is_int(url_parse("http://[::1]x/", &u), -EINVAL, "junk after IPv6 bracket");
	is_int(url_parse("http://[fe80::1%25eth0]/", &u), -EINVAL, "zone id refused");
	is_int(url_parse("http://h o/", &u), -EINVAL, "space in host");
	memset(longhost, 'a', sizeof(longhost));
	memcpy(longhost, "http://", 7);
	longhost[sizeof(longhost) - 1] = 0;
	is_int(url_parse(longhost, &u), -ENAMETOOLONG, "host too long");
}

static void resolve_is(const char *base, const char *ref, const char *want, const char *what)
{
	struct url b, o;
	char got[4096];

	if (url_parse(base, &b) || url_resolve(&b, ref, &o) || url_format(&o, got, sizeof(got)))
		strcpy(got, "(error)");
	is_str(got, want, "%s", what);
}

static void test_url_resolve(void)
{
	struct url b, o;

	resolve_is("https://h/a/b/c", "d", "https://h/a/b/d", "relative file");
	resolve_is("https://h/a/b/c", "../d", "https://h/a/d", "dot-dot");
	resolve_is("https://h/a/b/c", "./d/./e", "https://h/a/b/d/e", "dot segments");
	resolve_is("https://h/a/b/c", "../../../../d", "https://h/d", "dot-dot above the root");
	resolve_is("https://h/a/b/c", "/x/y", "https://h/x/y", "absolute path");
	resolve_is("https://h/a/b/c", "/x/../y?q=1#f", "https://h/y?q=1", "absolute path, query, fragment");
	resolve_is("https://h/a/b/c?old", "?new", "https://h/a/b/c?new", "query only");
	resolve_is("https://h:8443/a", "//other/z", "https://other/z", "scheme-relative keeps https");
	resolve_is("http://h/a", "https://s.example/z", "https://s.example/z", "absolute https");
	resolve_is("https://h/a", "http://s/z", "http://s/z", "absolute http (the client refuses it)");
	resolve_is("http://[::1]:81/a/b", "c", "http://[::1]:81/a/c", "IPv6 base");
	ok(!url_parse("https://h/a", &b), "base");
	is_int(url_resolve(&b, "ftp://x/y", &o), -EPROTONOSUPPORT, "ftp Location refused");
	is_int(url_resolve(&b, "javascript:alert(1)", &o), -EPROTONOSUPPORT, "other scheme refused");
	is_int(url_resolve(&b, "", &o), -EINVAL, "empty Location");
}

static void test_url_helpers(void)
{
	struct url u, o;
	char buf[512];

	ok(!url_parse("https://h/dir/img.tar.xz?x=1", &u), "base");
	ok(!url_sibling(&u, "SHA256SUMS", &o) && !strcmp(o.path, "/dir/SHA256SUMS"), "sibling");
	ok(!url_append(&u, ".sha256", &o), "append");
	is_str(o.path, "/dir/img.tar.xz.sha256?x=1", "append goes before the query");
	ok(!url_filename(&u, buf, sizeof(buf)), "filename");
	is_str(buf, "img.tar.xz", "filename without query");
	ok(!url_parse("https://h/d/a%20b.tar", &u) && !url_filename(&u, buf, sizeof(buf)), "encoded");
	is_str(buf, "a b.tar", "filename percent-decoded");
	ok(!url_parse("https://h/d/a%2Fb", &u), "encoded slash");
	is_int(url_filename(&u, buf, sizeof(buf)), -EINVAL, "an encoded slash is no file name");
	ok(!url_parse("https://h/d/", &u) && !url_filename(&u, buf, sizeof(buf)), "directory");
	is_str(buf, "", "a directory has no file name");
	ok(!url_parse("https://h:443/x", &u) && !url_hostport(&u, buf, sizeof(buf)), "hostport");
	is_str(buf, "h", "the default port is not named");
	ok(!url_parse("http://[::1]:8080/x", &u) && !url_hostport(&u, buf, sizeof(buf)), "v6 hostport");
	is_str(buf, "[::1]:8080", "IPv6 Host header in brackets");
}

static void test_no_proxy(void)
{
	ok(url_no_proxy("*", "any.where"), "* matches all");
	ok(url_no_proxy("example.com", "example.com"), "exact");
	ok(url_no_proxy("example.com", "www.example.com"), "domain suffix");
	ok(url_no_proxy(".example.com", "www.example.com"), "leading dot");
	ok(!url_no_proxy("example.com", "badexample.com"), "suffix only at a dot");
	ok(url_no_proxy("a.org, localhost:8080,127.0.0.1", "localhost"), "list with a port");
	ok(url_no_proxy("a.org,127.0.0.1", "127.0.0.1"), "address");
	ok(url_no_proxy("::1", "::1"), "IPv6 address");
	ok(!url_no_proxy("", "h"), "empty list");
	ok(!url_no_proxy(NULL, "h"), "no list");
}

/* --- response heads --- */

static int head(const char *s, struct http_resp *r)
{
	return http_parse_head(s, strlen(s), r);
}

static void test_head(void)
{
	struct http_resp r;

	ok(!head("HTTP/1.1 200 OK\r\nContent-Length: 12\r\nETag: \"abc\"\r\nAccept-Ranges: bytes\r\n"
		 "Last-Modified: Sat, 01 Jan 2000 00:00:00 GMT\r\n\r\n", &r), "200 with headers");
	ok(r.status == 200 && r.minor == 1 && r.length == 12, "status, version, length");
	ok(r.ranges && !strcmp(r.etag, "\"abc\""), "ranges and strong ETag");
	is_str(r.last_modified, "Sat, 01 Jan 2000 00:00:00 GMT", "Last-Modified");
	is_str(r.reason, "OK", "reason");
	ok(!head("HTTP/1.0 302 Found\nLocation:   /next  \n\n", &r), "bare LF, spaces around value");
	ok(r.status == 302 && r.minor == 0 && r.length == -1, "302, no length");
	is_str(r.location, "/next", "Location trimmed");
	ok(!head("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\nContent-Length: 5\r\n\r\n", &r),
	   "chunked and a length");
	ok(r.chunked && r.length == -1, "chunked wins over Content-Length");
	ok(!head("HTTP/1.1 206 Partial\r\nContent-Range: bytes 100-199/1000\r\n\r\n", &r), "206");
	ok(r.has_range && r.range_first == 100 && r.range_last == 199 && r.range_total == 1000,
	   "Content-Range parsed");
	ok(!head("HTTP/1.1 206 Partial\r\nContent-Range: bytes 5-9/*\r\n\r\n", &r) &&
	   r.range_total == -1, "Content-Range with unknown total");
	ok(!head("HTTP/1.1 200 OK\r\nETag: W/\"weak\"\r\n\r\n", &r) && !r.etag[0], "weak ETag ignored");
	ok(!head("HTTP/1.1 200 OK\r\nContent-Length: 7\r\nContent-Length: 7\r\n\r\n", &r) &&
	   r.length == 7, "repeated equal Content-Length");
	ok(!head("HTTP/1.1 204\r\n\r\n", &r) && r.status == 204 && !r.reason[0], "no reason phrase");
	ok(!head("HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\n", &r) &&
	   r.length == INT64_MAX, "Content-Length 2^63-1");
	ok(!head("HTTP/1.1 200 \x01\x7f\r\n\r\n", &r) && !strcmp(r.reason, "??"), "reason made printable");
}

static void bad_head(const char *s, int why, const char *what)
{
	struct http_resp r;
	int e = head(s, &r);

	ok(e == -EBADMSG && r.why == why, "%s (%s)", what, http_error_str(why));
}

static void test_head_bad(void)
{
	char *big;

	bad_head("", HTTP_E_STATUS, "empty");
	bad_head("HTTP/1.1 20 OK\r\n\r\n", HTTP_E_STATUS, "two-digit status");
	bad_head("HTTP/1.1 2000 OK\r\n\r\n", HTTP_E_STATUS, "four-digit status");
	bad_head("HTTP/1.1 099 X\r\n\r\n", HTTP_E_STATUS, "status below 100");
	bad_head("HTTP/2.0 200 OK\r\n\r\n", HTTP_E_VERSION, "HTTP/2");
	bad_head("ICY 200 OK\r\n\r\n", HTTP_E_STATUS, "not HTTP");
	bad_head("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", HTTP_E_HEADER, "header without colon");
	bad_head("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", HTTP_E_HEADER, "space in a header name");
	bad_head("HTTP/1.1 200 OK\r\n: x\r\n\r\n", HTTP_E_HEADER, "empty header name");
	bad_head("HTTP/1.1 200 OK\r\nX: a\x01b\r\n\r\n", HTTP_E_HEADER, "control in a value");
	bad_head("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", HTTP_E_FOLDED, "folded header");
	bad_head("HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n", HTTP_E_LENGTH, "length with a letter");
	bad_head("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", HTTP_E_LENGTH, "negative length");
	bad_head("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", HTTP_E_LENGTH, "empty length");
	bad_head("HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\n", HTTP_E_LENGTH, "length list");
	bad_head("HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\n", HTTP_E_LENGTH_RANGE,
		 "length 2^63");
	bad_head("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
		 HTTP_E_LENGTH_RANGE, "length far past 2^64");
	bad_head("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
		 HTTP_E_LENGTH_CONFLICT, "two lengths");
	bad_head("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", HTTP_E_ENCODING,
		 "gzip transfer coding");
	bad_head("HTTP/1.1 206 P\r\nContent-Range: bytes 5-4/10\r\n\r\n", HTTP_E_RANGE, "range backwards");
	bad_head("HTTP/1.1 206 P\r\nContent-Range: bytes 5-10/10\r\n\r\n", HTTP_E_RANGE, "range past total");
	bad_head("HTTP/1.1 206 P\r\nContent-Range: items 1-2/3\r\n\r\n", HTTP_E_RANGE, "range unit");
	bad_head("HTTP/1.1 206 P\r\nContent-Range: bytes 1-2\r\n\r\n", HTTP_E_RANGE, "range without total");
	big = malloc(HTTP_HEAD_MAX + 64);
	memset(big, 'a', HTTP_HEAD_MAX + 63);
	big[HTTP_HEAD_MAX + 63] = 0;
	memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
	bad_head(big, HTTP_E_HEAD_SIZE, "head too long");
	memset(big + 20, 'a', 4500);
	memcpy(big, "HTTP/1.1 302 Found\r\nLocation: ", 30);
	strcpy(big + 4500, "\r\n\r\n");
	bad_head(big, HTTP_E_LOCATION, "Location too long");
	free(big);
}

static void test_head_end(void)
{
	const char *a = "HTTP/1.1 200 OK\r\nA: b\r\n\r\nBODY";

	is_int(http_head_end(a, strlen(a)), strlen(a) - 4, "end before the body");
	is_int(http_head_end(a, strlen(a) - 5), 0, "incomplete head");
	is_int(http_head_end("X\n\nrest", 7), 3, "bare LF head");
	is_int(http_head_end("\n", 1), 0, "a lone newline");
}

/* --- chunked --- */

/* Decodes in pieces of step bytes (0: the odd splits 1,2,3,...) */
static int decode(const char *in, size_t step, char *out, size_t *outlen, int *why, size_t *used)
{
	struct chunk_dec d;
	size_t len = strlen(in), pos = 0, o = 0, k = 1;
	uint8_t buf[256];

	chunk_init(&d);
	*used = 0;
	while (pos < len && !chunk_done(&d)) {
		size_t n = step ? step : k++, u;
		ssize_t got;

		if (n > len - pos)
			n = len - pos;
		memcpy(buf, in + pos, n);
		got = chunk_decode(&d, buf, n, &u);
		if (got < 0) {
			*why = d.why;
			return -EBADMSG;
		}
		memcpy(out + o, buf, (size_t)got);
		o += (size_t)got;
		pos += u;
		*used = pos;
		if (u < n)
			break;
	}
	out[o] = 0;
	*outlen = o;
	*why = 0;
	return chunk_done(&d) ? 0 : -EAGAIN;
}

static void test_chunked(void)
{
	static const char body[] = "5\r\nhello\r\n1;ext=1\r\n \r\nA \r\n0123456789\r\n"
				   "0\r\nTrailer: x\r\n\r\nNEXT";
	size_t steps[] = { 1, 2, 3, 7, 64, 0 }, i, n, used;
	char out[256];
	int why;

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		int r = decode(body, steps[i], out, &n, &why, &used);

		ok(r == 0 && !strcmp(out, "hello 0123456789"), "chunked body in pieces of %zu", steps[i]);
		is_int(used, strlen(body) - 4, "the bytes after the body are not consumed (%zu)", steps[i]);
	}
	ok(!decode("0\r\n\r\n", 1, out, &n, &why, &used) && n == 0, "empty chunked body");
	ok(!decode("000000000000000000000000003\r\nabc\r\n0\r\n\r\n", 5, out, &n, &why, &used) &&
	   !strcmp(out, "abc"), "leading zeros");
	ok(!decode("3;a=\"b\";c\r\nabc\r\n0;last\r\n\r\n", 4, out, &n, &why, &used), "extensions");
	is_int(decode("5\r\nhel", 1, out, &n, &why, &used), -EAGAIN, "incomplete body");
	is_str(out, "hel", "partial data delivered");
	is_int(decode("7FFFFFFFFFFFFFFF\r\nabc\r\n", 2, out, &n, &why, &used), -EAGAIN,
	       "size 2^63-1 is data still to come");
}

static void bad_chunk(const char *in, int want_why, const char *what)
{
	char out[1024];
	size_t n, used, step;
	int why = 0, r = 0;

	/* the same verdict whatever the split */
	for (step = 1; step <= 3; step++) {
		r = decode(in, step, out, &n, &why, &used);
		if (r != -EBADMSG || why != want_why)
			break;
	}
	ok(r == -EBADMSG && why == want_why, "%s (%s)", what, http_error_str(want_why));
}

static void test_chunked_bad(void)
{
	char ext[9000];

	bad_chunk("\r\n", HTTP_E_CHUNK_SIZE, "no size");
	bad_chunk("x\r\n", HTTP_E_CHUNK_SIZE, "not hex");
	bad_chunk("-1\r\n", HTTP_E_CHUNK_SIZE, "negative size");
	bad_chunk("0x5\r\n", HTTP_E_CHUNK_SIZE, "0x prefix");
	bad_chunk(";ext\r\n", HTTP_E_CHUNK_SIZE, "extension without size");
	bad_chunk("5 5\r\n", HTTP_E_CHUNK_SIZE, "two numbers");
	bad_chunk("8000000000000000\r\n", HTTP_E_CHUNK_RANGE, "size 2^63");
	bad_chunk("FFFFFFFFFFFFFFFFFFFF\r\n", HTTP_E_CHUNK_RANGE, "size past 2^64");
	bad_chunk("5\nhello\r\n", HTTP_E_CHUNK_CRLF, "bare LF after the size");
	bad_chunk("5\rhello\r\n", HTTP_E_CHUNK_CRLF, "CR without LF after the size");
	bad_chunk("5\r\nhelloX\r\n", HTTP_E_CHUNK_CRLF, "data longer than the size");
	bad_chunk("5\r\nhello\rX", HTTP_E_CHUNK_CRLF, "CR then junk after the data");
	bad_chunk("5\r\nhello\n0\r\n\r\n", HTTP_E_CHUNK_CRLF, "bare LF after the data");
	bad_chunk("0\r\n\rX", HTTP_E_CHUNK_CRLF, "bad end of the trailer");
	bad_chunk("0\r\nT: x\rX", HTTP_E_CHUNK_CRLF, "bad trailer line end");
	bad_chunk("5;x\n", HTTP_E_CHUNK_CRLF, "bare LF after an extension");
	memset(ext, 'e', sizeof(ext));
	memcpy(ext, "1;", 2);
	ext[sizeof(ext) - 1] = 0;
	bad_chunk(ext, HTTP_E_CHUNK_EXT, "extension too long");
	memcpy(ext, "0\r\n", 3);
	bad_chunk(ext, HTTP_E_TRAILER, "trailer too long");
}

static void test_chunk_total(void)
{
	struct chunk_dec d;
	uint8_t buf[64];
	size_t used;
	ssize_t r;

	chunk_init(&d);
	memcpy(buf, "fF\r\n", 4);
	r = chunk_decode(&d, buf, 4, &used);
	ok(r == 0 && d.size == 255 && d.state == CS_DATA, "mixed-case hex size");

	/* two chunks whose sizes add up past 2^63 - 1 */
	chunk_init(&d);
	memcpy(buf, "7FFFFFFFFFFFFFFF\r\n", 18);
	r = chunk_decode(&d, buf, 18, &used);
	ok(r == 0 && used == 18, "a huge first chunk is accepted");
	d.size = 0;	/* as if its data had come */
	d.state = CS_DATA_LF;
	memcpy(buf, "\n1\r\n", 4);
	r = chunk_decode(&d, buf, 4, &used);
	ok(r == -EBADMSG && d.why == HTTP_E_CHUNK_RANGE, "the total past 2^63 - 1 is refused");
	r = chunk_decode(&d, buf, 4, &used);
	ok(r == -EBADMSG, "the error sticks");
}

int main(void)
{
	test_url_parse();
	test_url_bad();
	test_url_resolve();
	test_url_helpers();
	test_no_proxy();
	test_head();
	test_head_bad();
	test_head_end();
	test_chunked();
	test_chunked_bad();
	test_chunk_total();
	return tap_done();
}

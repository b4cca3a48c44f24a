/* HTTP/1.1 GET over TCP or TLS: redirects (https never to http), framing
 * checked to the byte, Range resume after a drop, proxies from the
 * environment.  One request per connection ("Connection: close"). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "machbox.h"
#include "pull/http.h"
#include "pull/sock.h"
#include "pull/tls.h"

struct conn {
	struct sock s;
	struct tls *tls;
	uint8_t buf[16384];	/* read ahead: the head, then body bytes */
	size_t have, off;
};

/* One GET with everything that survives a reconnection */
struct xfer {
	const struct http_opts *o;
	struct http_sink *sink;
	struct url url;		/* after redirects: where a resume goes */
	struct conn c;
	struct http_resp resp;
	struct chunk_dec chunk;
	int64_t left;		/* of a Content-Length body, -1 otherwise */
	uint64_t got;		/* body bytes given to the sink */
	int64_t total;		/* of the whole body, -1 when unknown */
	char etag[128], last_modified[64];
	bool resumable, retry;	/* the server allows ranges; this error may be resumed */
	int64_t deadline;
	char *err;
	size_t errlen;
};

static int envsec(const char *name, int def)
{
	const char *v = getenv(name);
	unsigned long long n;

	if (!v || parse_uint(v, 86400 * 7, &n))
		return def;
	return (int)n;
}

void http_opts_init(struct http_opts *o)
{
	int t = envsec("MACHBOX_HTTP_TIMEOUT", 30);

	o->connect_ms = o->idle_ms = t > 0 ? t * 1000 : 30000;
	o->total_ms = (int64_t)envsec("MACHBOX_HTTP_TOTAL_TIMEOUT", 0) * 1000;
	o->max_redirects = 5;
	o->max_resumes = 5;
}

PRINTF(3, 4) static int xfail(struct xfer *x, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->err, x->errlen, fmt, ap);
	va_end(ap);
	return r;
}

/* --- the connection: a socket, maybe TLS over it --- */

/* (CFG_PULL_TLS in each test: without it no tls_* symbol is linked) */
static void conn_close(struct conn *c)
{
	if (CFG_PULL_TLS)
		tls_free(c->tls);
	c->tls = NULL;
	sock_close(&c->s);
	c->have = c->off = 0;
}

/* the words for a socket failure r while doing what */
static int sock_fail(struct xfer *x, int r, const char *what)
{
	if (r == -ETIMEDOUT && x->c.s.why == SOCK_TOTAL)
		return xfail(x, r, "%s: the total timeout of %lld s was reached", what,
			     (long long)(x->o->total_ms / 1000));
	if (r == -ETIMEDOUT)
		return xfail(x, r, "%s: no data from %s for %d s", what, x->url.host,
			     x->o->idle_ms / 1000);
	if (r == -ECONNRESET)
		return xfail(x, r, "%s: connection closed by %s", what, x->url.host);
	return xfail(x, r, "%s: %s", what, strerror(-r));
}

static ssize_t conn_read(struct xfer *x, void *buf, size_t len)
{
	struct conn *c = &x->c;

	if (CFG_PULL_TLS && c->tls)
		return tls_read(c->tls, buf, len, x->err, x->errlen);
	return sock_read(&c->s, buf, len);
}

static int conn_write(struct xfer *x, const void *buf, size_t len)
{
	if (CFG_PULL_TLS && x->c.tls)
		return tls_write_all(x->c.tls, buf, len, x->err, x->errlen);
	return sock_write_all(&x->c.s, buf, len);
}

/* Reads a head into c->buf; the bytes after it stay there (from c->off).
 * What followed an earlier head (a 100 Continue) is kept. */
static int read_head(struct xfer *x, struct http_resp *resp)
{
	struct conn *c = &x->c;
	size_t end;

	memmove(c->buf, c->buf + c->off, c->have - c->off);
	c->have -= c->off;
	c->off = 0;
	while (!(end = http_head_end(c->buf, c->have))) {
		ssize_t n;

		if (c->have == sizeof(c->buf))
			return xfail(x, -EBADMSG, "bad response from %s: %s", x->url.host,
				     http_error_str(HTTP_E_HEAD_SIZE));
		x->err[0] = 0;
		n = conn_read(x, c->buf + c->have, sizeof(c->buf) - c->have);
		if (n == 0)
			return xfail(x, -ECONNRESET, "%s closed the connection without a response",
				     x->url.host);
		if (n < 0)
			return x->err[0] ? (int)n : sock_fail(x, (int)n, "waiting for a response");
		c->have += (size_t)n;
	}
	c->off = end;
	if (http_parse_head(c->buf, end, resp))
		return xfail(x, -EBADMSG, "bad response from %s: %s", x->url.host,
			     http_error_str(resp->why));
	return 0;
}

/* $http_proxy / $https_proxy unless $no_proxy covers the host: 1 and the
 * proxy in p, 0 for a direct connection, or -errno */
static int proxy_for(struct xfer *x, struct url *p)
{
	const char *e = x->url.https ? getenv("https_proxy") : getenv("http_proxy");
	const char *np = getenv("no_proxy");
	char buf[URL_HOST_MAX + 32];
	int r;

	/* no HTTP_PROXY: a CGI environment sets it from a request header */
	if (!e && x->url.https)
		e = getenv("HTTPS_PROXY");
	if (!np)
		np = getenv("NO_PROXY");
	if (!e || !*e || url_no_proxy(np, x->url.host))
		return 0;
	if (!strstr(e, "://") && snprintf(buf, sizeof(buf), "http://%s", e) < (int)sizeof(buf))
		e = buf;
	r = url_parse(e, p);
	if (r || p->https)
		return xfail(x, r ? r : -EPROTONOSUPPORT, "unusable proxy %s%s", e,
			     r ? "" : ": only http:// proxies are supported");
	return 1;
}

/* CONNECT host:port through the proxy, for TLS to the host */
static int proxy_tunnel(struct xfer *x)
{
	char hp[URL_HOST_MAX + 8], req[URL_HOST_MAX * 2 + 128];
	struct http_resp r;
	int e;

	snprintf(hp, sizeof(hp), "%s%s%s:%u", x->url.ipv6 ? "[" : "", x->url.host,
		 x->url.ipv6 ? "]" : "", x->url.port);
	snprintf(req, sizeof(req), "CONNECT %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: machbox/%s\r\n\r\n",
		 hp, hp, MACHBOX_VERSION);
	e = sock_write_all(&x->c.s, req, strlen(req));
	if (e)
		return sock_fail(x, e, "sending CONNECT to the proxy");
	e = read_head(x, &r);
	if (e)
		return e;
	if (r.status / 100 != 2 || x->c.have != x->c.off)
		return xfail(x, -ECONNREFUSED, "the proxy refused CONNECT %s: %d %s", hp, r.status,
			     r.reason);
	x->c.have = x->c.off = 0;
	return 0;
}

static int conn_open(struct xfer *x, bool *proxied)
{
	struct url p;
	const struct url *to = &x->url;
	int r = proxy_for(x, &p);

	if (r < 0)
		return r;
	*proxied = r > 0;
	if (*proxied)
		to = &p;
	if (x->url.https && !CFG_PULL_TLS)
		return xfail(x, -EPROTONOSUPPORT, "https is not built into this machbox");
	x->c.s.idle_ms = x->o->idle_ms;
	x->c.s.deadline = x->deadline;
	r = sock_connect(&x->c.s, to->host, to->port, x->o->connect_ms, x->err, x->errlen);
	if (r || !x->url.https || !CFG_PULL_TLS)
		return r;
	if (*proxied && (r = proxy_tunnel(x)))
		return r;
	*proxied = false;	/* through a tunnel the request is as if direct */
	x->err[0] = 0;
	r = tls_start(&x->c.tls, &x->c.s, x->url.host, x->err, x->errlen);
	if (r && !x->err[0])
		return sock_fail(x, r, "TLS handshake");
	return r;
}

static int send_request(struct xfer *x, bool proxied, bool resume)
{
	char target[URL_PATH_MAX + URL_HOST_MAX + 16], hp[URL_HOST_MAX + 8];
	char req[sizeof(target) + 1024], range[256] = "";
	int r;

	if (proxied)
		url_format(&x->url, target, sizeof(target));
	else
		strlcpy_mb(target, x->url.path, sizeof(target));
	url_hostport(&x->url, hp, sizeof(hp));
	/* If-Range: a changed file answers 200 instead of the wrong bytes */
	if (resume)
		snprintf(range, sizeof(range), "Range: bytes=%llu-\r\nIf-Range: %s\r\n",
			 (unsigned long long)x->got, x->etag[0] ? x->etag : x->last_modified);
	snprintf(req, sizeof(req),
		 "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: machbox/%s\r\nAccept: */*\r\n"
		 "Accept-Encoding: identity\r\nConnection: close\r\n%s\r\n",
		 target, hp, MACHBOX_VERSION, range);
	x->err[0] = 0;
	r = conn_write(x, req, strlen(req));
	if (r && !x->err[0])
		return sock_fail(x, r, "sending the request");
	return r;
}

/* one request on a new connection, 1xx responses skipped */
static int exchange(struct xfer *x, bool resume)
{
	bool proxied;
	int r;

	conn_close(&x->c);
	r = conn_open(x, &proxied);
	if (!r)
		r = send_request(x, proxied, resume);
	do {
		if (!r)
			r = read_head(x, &x->resp);
	} while (!r && x->resp.status / 100 == 1 && x->resp.status != 101);
	return r;
}

static bool is_redirect(int status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

static int follow(struct xfer *x, int hops)
{
	char from[URL_PATH_MAX + URL_HOST_MAX + 16];
	struct url next;
	int r;

	url_format(&x->url, from, sizeof(from));
	if (!x->resp.location[0])
		return xfail(x, -EBADMSG, "%s: redirect without a Location", from);
	if (hops >= x->o->max_redirects)
		return xfail(x, -ELOOP, "too many redirects (more than %d), the last from %s",
			     x->o->max_redirects, from);
	r = url_resolve(&x->url, x->resp.location, &next);
	if (r == -EPROTONOSUPPORT)
		return xfail(x, r, "%s redirects to a scheme other than http and https", from);
	if (r)
		return xfail(x, r, "%s redirects to a bad URL", from);
	if (x->url.https && !next.https) {
		char to[sizeof(from)];

		url_format(&next, to, sizeof(to));
		return xfail(x, -EPERM, "refusing the redirect from https to http (%s to %s)", from, to);
	}
	x->url = next;
	return 0;
}

static int status_error(struct xfer *x)
{
	char u[URL_PATH_MAX + URL_HOST_MAX + 16];

	url_format(&x->url, u, sizeof(u));
	return xfail(x, x->resp.status == 404 ? -ENOENT : -EIO, "%s: HTTP %d %s", u,
		     x->resp.status, x->resp.reason);
}

static void frame_body(struct xfer *x)
{
	x->left = x->resp.chunked ? -1 : x->resp.length;
	chunk_init(&x->chunk);
}

/* A 206 must continue exactly where the body broke off */
static int check_resume(struct xfer *x)
{
	const struct http_resp *r = &x->resp;

	if (r->status == 200)
		return xfail(x, -ESTALE, "%s changed on the server during the download: cannot resume",
			     x->url.path);
	if (r->status != 206)
		return status_error(x);
	if (!r->has_range || (uint64_t)r->range_first != x->got ||
	    (x->total >= 0 && r->range_total >= 0 && r->range_total != x->total))
		return xfail(x, -EBADMSG, "%s answered the resume at byte %llu with a wrong Content-Range",
			     x->url.host, (unsigned long long)x->got);
	frame_body(x);
	return 0;
}

/* The first response: redirects followed, the body's framing set up */
static int open_body(struct xfer *x)
{
	int hops, r;

	for (hops = 0;; hops++) {
		r = exchange(x, false);
		if (r)
			return r;
		if (!is_redirect(x->resp.status))
			break;
		r = follow(x, hops);
		if (r)
			return r;
	}
	if (x->resp.status != 200)
		return status_error(x);
	frame_body(x);
	x->total = x->resp.length;
	strlcpy_mb(x->etag, x->resp.etag, sizeof(x->etag));
	strlcpy_mb(x->last_modified, x->resp.last_modified, sizeof(x->last_modified));
	/* a resume needs ranges and a validator for If-Range */
	x->resumable = (x->resp.ranges || x->etag[0]) && (x->etag[0] || x->last_modified[0]);
	return 0;
}

static int deliver(struct xfer *x, const uint8_t *p, size_t n)
{
	int r;

	if (!n)
		return 0;
	if (n > (uint64_t)INT64_MAX - x->got)
		return xfail(x, -EFBIG, "the body from %s is larger than 2^63 bytes", x->url.host);
	r = x->sink->data(x->sink, p, n);
	if (r) {
		x->sink->failed = true;
		return r;
	}
	x->got += n;
	return 0;
}

static bool body_done(const struct xfer *x)
{
	return x->resp.chunked ? chunk_done(&x->chunk) : x->left == 0;
}

/* The bytes in c->buf[off, have) through the framing into the sink */
static int consume(struct xfer *x)
{
	struct conn *c = &x->c;
	uint8_t *p = c->buf + c->off;
	size_t n = c->have - c->off, used;
	ssize_t d;

	c->off = c->have = 0;
	if (x->resp.chunked) {
		d = chunk_decode(&x->chunk, p, n, &used);
		if (d < 0)
			return xfail(x, -EBADMSG, "bad response from %s: %s", x->url.host,
				     http_error_str(x->chunk.why));
		return deliver(x, p, (size_t)d);
	}
	if (x->left >= 0 && (uint64_t)x->left < n)
		n = (size_t)x->left;	/* what follows the body is not ours */
	if (x->left >= 0)
		x->left -= (int64_t)n;
	return deliver(x, p, n);
}

static int body_eof(struct xfer *x)
{
	x->retry = true;
	if (x->resp.chunked)
		return xfail(x, -ECONNRESET, "%s closed the connection in the middle of a chunked "
			     "body, after %llu bytes", x->url.host, (unsigned long long)x->got);
	if (x->left > 0)
		return xfail(x, -ECONNRESET, "%s closed the connection after %llu of %lld bytes",
			     x->url.host, (unsigned long long)x->got, (long long)x->total);
	/* a body delimited by the close: over TLS only a close_notify
	 * proves that nobody cut it */
	if (x->left < 0 && CFG_PULL_TLS && x->c.tls && !tls_closed_cleanly(x->c.tls))
		return xfail(x, -ECONNRESET, "%s closed the connection without a TLS close_notify "
			     "after %llu bytes of a body without a length", x->url.host,
			     (unsigned long long)x->got);
	return 0;
}

static bool retryable(const struct xfer *x, int r)
{
	if (r == -ETIMEDOUT)
		return x->c.s.why != SOCK_TOTAL;
	return r == -ECONNRESET || r == -ECONNREFUSED || r == -EPIPE || r == -ENETUNREACH ||
	       r == -EHOSTUNREACH || r == -ECONNABORTED;
}

/* Body bytes to the sink until the framing says the body is complete */
static int pump(struct xfer *x)
{
	struct conn *c = &x->c;
	int r;

	x->retry = false;
	for (;;) {
		ssize_t n;

		r = consume(x);
		if (r || body_done(x))
			return r;
		x->err[0] = 0;
		n = conn_read(x, c->buf, sizeof(c->buf));
		if (n == 0)
			return body_eof(x);
		if (n < 0) {
			x->retry = !x->err[0] && retryable(x, (int)n);
			return x->err[0] ? (int)n : sock_fail(x, (int)n, "reading the body");
		}
		c->have = (size_t)n;
	}
}

/* After a dropped body: reconnect and ask for the rest, a few times with
 * a growing pause (a flaky link needs a moment) */
static int resume(struct xfer *x, int r)
{
	while (x->retry && x->resumable && x->sink->resumes < (unsigned)x->o->max_resumes) {
		x->sink->resumes++;
		poll(NULL, 0, 250 * (int)x->sink->resumes);
		r = exchange(x, true);
		if (!r)
			return check_resume(x);
		x->retry = retryable(x, r);
	}
	return r;
}

static int transfer(struct xfer *x)
{
	int r = open_body(x);

	if (!r && x->sink->head && (r = x->sink->head(x->sink, &x->resp)))
		x->sink->failed = true;
	while (!r) {
		r = pump(x);
		if (!r)
			break;
		r = resume(x, r);
	}
	return r;
}

int http_get(const struct url *url, const struct http_opts *o, struct http_sink *sink,
	     char *err, size_t errlen)
{
	struct xfer *x = calloc(1, sizeof(*x));
	int r;

	if (!x)
		return -ENOMEM;
	x->o = o;
	x->sink = sink;
	x->url = *url;
	x->c.s.fd = -1;
	x->total = -1;
	x->deadline = o->total_ms ? mono_ms() + o->total_ms : 0;
	x->err = err;
	x->errlen = errlen;
	err[0] = 0;
	sink->failed = false;
	sink->resumes = 0;
	r = transfer(x);
	conn_close(&x->c);
	free(x);
	return r;
}

/* --- small files into memory --- */

struct mem_sink {
	struct http_sink sink;
	uint8_t *buf;
	size_t len, max;
};

static int mem_data(struct http_sink *s, const void *p, size_t n)
{
	struct mem_sink *m = container_of(s, struct mem_sink, sink);
	uint8_t *nb;

	if (n > m->max - m->len)
		return -EFBIG;
	nb = realloc(m->buf, m->len + n + 1);
	if (!nb)
		return -ENOMEM;
	memcpy(nb + m->len, p, n);
	m->buf = nb;
	m->len += n;
	m->buf[m->len] = 0;
	return 0;
}

int http_get_mem(const struct url *url, const struct http_opts *o, size_t max,
		 uint8_t **buf, size_t *len, char *err, size_t errlen)
{
	struct mem_sink m = { .sink.data = mem_data, .max = max };
	int r = http_get(url, o, &m.sink, err, errlen);

	if (!r && !m.buf)
		m.buf = calloc(1, 1);
	if (!r && !m.buf)
		r = -ENOMEM;
	if (r) {
		if (m.sink.failed && r == -EFBIG)
			snprintf(err, errlen, "%s is larger than %zu bytes", url->path, max);
		else if (m.sink.failed)
			snprintf(err, errlen, "%s", strerror(-r));
		free(m.buf);
		return r;
	}
	*buf = m.buf;
	*len = m.len;
	return 0;
}

/* URL parsing for pull: http and https only (RFC 3986 subset). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "machbox.h"
#include "pull/url.h"

uint16_t url_default_port(const struct url *u)
{
	return u->https ? 443 : 80;
}

/* "http://" or "https://", case-insensitive; the length of it, or 0 */
static size_t scheme_len(const char *s, bool *https)
{
	if (!strncasecmp(s, "http://", 7)) {
		*https = false;
		return 7;
	}
	if (!strncasecmp(s, "https://", 8)) {
		*https = true;
		return 8;
	}
	return 0;
}

/* A scheme of any kind ("ftp:", "file:") before the first '/' */
static bool has_scheme(const char *s)
{
	size_t i;

	if (!isalpha((unsigned char)s[0]))
		return false;
	for (i = 1; isalnum((unsigned char)s[i]) || (s[i] && strchr("+-.", s[i])); i++)
		;
	return s[i] == ':';
}

static bool reg_name_char(int c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_';
}

static int parse_port(const char *s, size_t n, uint16_t *port)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n > 5)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

static int parse_ipv6(const char *s, size_t n, struct url *u)
{
	struct in6_addr a;

	if (n == 0 || n >= sizeof(u->host))
		return -EINVAL;
	memcpy(u->host, s, n);
	u->host[n] = 0;
	/* zone ids ("%25eth0") mean nothing to a remote server: refused */
	if (inet_pton(AF_INET6, u->host, &a) != 1)
		return -EINVAL;
	u->ipv6 = true;
	return 0;
}

static int parse_reg_name(const char *s, size_t n, struct url *u)
{
	size_t i;

	if (n == 0)
		return -EINVAL;
	if (n >= sizeof(u->host))
		return -ENAMETOOLONG;
	for (i = 0; i < n; i++) {
		if (!reg_name_char((unsigned char)s[i]))
			return -EINVAL;
		u->host[i] = (char)tolower((unsigned char)s[i]);
	}
	u->host[n] = 0;
	return 0;
}

/* host[:port] or [v6]:port, authority of length n */
static int parse_authority(const char *s, size_t n, struct url *u)
{
	const char *colon, *end = s + n;
	int r;

	/* credentials in URLs end up in logs and process lists: refused */
	if (memchr(s, '@', n))
		return -EINVAL;
	if (n && s[0] == '[') {
		const char *rb = memchr(s, ']', n);

		if (!rb)
			return -EINVAL;
		r = parse_ipv6(s + 1, (size_t)(rb - s - 1), u);
		colon = rb + 1 < end ? rb + 1 : NULL;
		if (!r && colon && *colon != ':')
			return -EINVAL;
	} else {
		colon = memchr(s, ':', n);
		r = parse_reg_name(s, colon ? (size_t)(colon - s) : n, u);
	}
	if (r)
		return r;
	u->port = url_default_port(u);
	if (colon && colon + 1 < end)
		return parse_port(colon + 1, (size_t)(end - colon - 1), &u->port);
	return 0;
}

/* Copies a path, percent-encoding what may not appear raw in a request
 * line (controls, space, non-ASCII); stops at '#'. */
static int copy_path(char *dst, size_t size, const char *src)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *src && *src != '#'; src++) {
		unsigned char c = (unsigned char)*src;
		bool raw = c > 0x20 && c < 0x7f && c != '"' && c != '<' && c != '>' &&
			   c != '\\' && c != '^' && c != '`' && c != '{' && c != '|' && c != '}';

		if (o + (raw ? 1 : 3) >= size)
			return -ENAMETOOLONG;
		if (raw) {
			dst[o++] = (char)c;
		} else {
			dst[o++] = '%';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = 0;
	return 0;
}

int url_parse(const char *s, struct url *u)
{
	size_t sl, alen;
	const char *auth, *rest;
	char path[URL_PATH_MAX];
	int r;

	memset(u, 0, sizeof(*u));
	sl = scheme_len(s, &u->https);
	if (!sl)
		return has_scheme(s) ? -EPROTONOSUPPORT : -EINVAL;
	auth = s + sl;
	alen = strcspn(auth, "/?#");
	r = parse_authority(auth, alen, u);
	if (r)
		return r;
	rest = auth + alen;
	if (*rest == '/')
		return copy_path(u->path, sizeof(u->path), rest);
	/* "http://h?q" is "http://h/?q" */
	if (snprintf(path, sizeof(path), "/%s", rest) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return copy_path(u->path, sizeof(u->path), path);
}

/* RFC 3986 5.2.4 on a path without query, in place */
static void remove_dot_segments(char *p)
{
	char *in = p, *out = p;

	while (*in) {
		if (!strncmp(in, "/./", 3)) {
			in += 2;
		} else if (!strcmp(in, "/.")) {
			in[1] = 0;
		} else if (!strncmp(in, "/../", 4) || !strcmp(in, "/..")) {
			in += 3;
			if (!*in)
				*--in = '/';
			while (out > p && *--out != '/')
				;
			*out = 0;
		} else {
			do
				*out++ = *in++;
			while (*in && *in != '/');
		}
	}
	*out = 0;
	if (!*p)
		strcpy(p, "/");
}

/* The first dl bytes of the base path + ref, fragment dropped, dot
 * segments removed from the path part. */
static int merge_path(const struct url *base, size_t dl, const char *ref, struct url *out)
{
	char buf[URL_PATH_MAX * 2], query[URL_PATH_MAX] = "", *q;

	*out = *base;
	if (snprintf(buf, sizeof(buf), "%.*s%s", (int)dl, base->path, ref) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	buf[strcspn(buf, "#")] = 0;
	q = strchr(buf, '?');
	if (q) {
		if (strlcpy_mb(query, q, sizeof(query)) >= sizeof(query))
			return -ENAMETOOLONG;
		*q = 0;
	}
	remove_dot_segments(buf);
	if (strlen(buf) + strlen(query) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcat(buf, query);
	return copy_path(out->path, sizeof(out->path), buf);
}

/* a relative reference: against the base's directory, or its whole path
 * for a query alone */
static int merge_relative(const struct url *base, const char *ref, struct url *out)
{
	size_t dl = strcspn(base->path, "?");

	if (ref[0] != '?') {
		const char *slash = memrchr(base->path, '/', dl);

		dl = slash ? (size_t)(slash - base->path) + 1 : 0;
	}
	return merge_path(base, dl, ref, out);
}

int url_resolve(const struct url *base, const char *ref, struct url *out)
{
	char buf[URL_PATH_MAX + URL_HOST_MAX + 16];
	bool https;

	if (!*ref)
		return -EINVAL;
	if (scheme_len(ref, &https))
		return url_parse(ref, out);
	if (has_scheme(ref))
		return -EPROTONOSUPPORT;
	if (ref[0] == '/' && ref[1] == '/') {
		if (snprintf(buf, sizeof(buf), "%s:%s", base->https ? "https" : "http", ref) >=
		    (int)sizeof(buf))
			return -ENAMETOOLONG;
		return url_parse(buf, out);
	}
	if (ref[0] == '/')
		return merge_path(base, 0, ref, out);
	return merge_relative(base, ref, out);
}

int url_sibling(const struct url *base, const char *name, struct url *out)
{
	return merge_relative(base, name, out);
}

int url_append(const struct url *base, const char *suffix, struct url *out)
{
	size_t pl = strcspn(base->path, "?");

	*out = *base;
	if (strlen(base->path) + strlen(suffix) >= sizeof(out->path))
		return -ENAMETOOLONG;
	snprintf(out->path, sizeof(out->path), "%.*s%s%s", (int)pl, base->path, suffix,
		 base->path + pl);
	return 0;
}

static int unhex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int url_filename(const struct url *u, char *buf, size_t len)
{
	size_t pl = strcspn(u->path, "?"), o = 0;
	const char *s = memrchr(u->path, '/', pl);
	const char *end = u->path + pl;

	for (s = s ? s + 1 : u->path; s < end; s++) {
		int c = (unsigned char)*s;

		if (c == '%' && end - s >= 3 && unhex(s[1]) >= 0 && unhex(s[2]) >= 0) {
			c = unhex(s[1]) << 4 | unhex(s[2]);
			s += 2;
			if (c == 0 || c == '/')
				return -EINVAL;
		}
		if (o + 1 >= len)
			return -ENAMETOOLONG;
		buf[o++] = (char)c;
	}
	buf[o] = 0;
	return 0;
}

int url_hostport(const struct url *u, char *buf, size_t len)
{
	const char *l = u->ipv6 ? "[" : "", *r = u->ipv6 ? "]" : "";
	int n;

	if (u->port == url_default_port(u))
		n = snprintf(buf, len, "%s%s%s", l, u->host, r);
	else
		n = snprintf(buf, len, "%s%s%s:%u", l, u->host, r, u->port);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int url_format(const struct url *u, char *buf, size_t len)
{
	char hp[URL_HOST_MAX + 8];
	int n, r = url_hostport(u, hp, sizeof(hp));

	if (r)
		return r;
	n = snprintf(buf, len, "%s://%s%s", u->https ? "https" : "http", hp, u->path);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* one no_proxy entry of length n against host: equal, or a domain suffix
 * ("example.com" and ".example.com" both cover "www.example.com") */
static bool no_proxy_one(const char *e, size_t n, const char *host)
{
	size_t hl = strlen(host);

	if (n == 1 && e[0] == '*')
		return true;
	if (n && e[0] == '.') {
		e++;
		n--;
	}
	if (!n || n > hl || strncasecmp(host + hl - n, e, n))
		return false;
	return n == hl || host[hl - n - 1] == '.';
}

bool url_no_proxy(const char *list, const char *host)
{
	while (list && *list) {
		size_t n, el;
		const char *colon;

		list += strspn(list, ", \t");
		n = strcspn(list, ", \t");
		/* "name:port": the port is not compared (an IPv6 address has
		 * more than one colon) */
		colon = memchr(list, ':', n);
		el = colon && !memchr(colon + 1, ':', n - (size_t)(colon - list) - 1) ?
		     (size_t)(colon - list) : n;
		if (n && no_proxy_one(list, el, host))
			return true;
		list += n;
	}
	return false;
}

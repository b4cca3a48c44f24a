/* http and https URLs: parsed once, then only ever rebuilt from parts, so
 * nothing of a hostile Location can reach the request line unescaped. */
#ifndef MACHBOX_PULL_URL_H
#define MACHBOX_PULL_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define URL_HOST_MAX 256
#define URL_PATH_MAX 2048

struct url {
	bool https;
	bool ipv6;			/* host is an IPv6 literal, kept without [] */
	char host[URL_HOST_MAX];	/* lower case */
	uint16_t port;
	char path[URL_PATH_MAX];	/* "/..." with the query, no fragment */
};

/* 0, -EPROTONOSUPPORT (not http or https), -EINVAL (malformed),
 * -ENAMETOOLONG */
int url_parse(const char *s, struct url *u);
/* A Location (absolute, scheme-relative, absolute path or relative
 * reference) taken against base: 0 or as url_parse */
int url_resolve(const struct url *base, const char *ref, struct url *out);
/* base with its last path segment replaced by name ("SHA256SUMS") */
int url_sibling(const struct url *base, const char *name, struct url *out);
/* base with suffix appended to the path before any query (".sha256") */
int url_append(const struct url *base, const char *suffix, struct url *out);
/* the last path segment, percent-decoded, without the query: "" when the
 * path ends in "/"; -ENAMETOOLONG, -EINVAL for an encoded NUL or "/" */
int url_filename(const struct url *u, char *buf, size_t len);
/* "https://host:port/path" (the port only when it is not the default) */
int url_format(const struct url *u, char *buf, size_t len);
/* "host" or "host:port", IPv6 in brackets: the Host header */
int url_hostport(const struct url *u, char *buf, size_t len);
uint16_t url_default_port(const struct url *u);
/* host is in a no_proxy list (comma separated names, domain suffixes, *) */
bool url_no_proxy(const char *list, const char *host);

#endif

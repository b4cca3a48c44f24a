/* The HTTP/1.1 client of pull: one GET at a time, redirects, timeouts,
 * proxies and resume, the body handed to a sink as it arrives. */
#ifndef MACHBOX_PULL_HTTP_H
#define MACHBOX_PULL_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pull/http_parse.h"
#include "pull/url.h"

struct http_opts {
	int connect_ms;		/* each address, default 30 s */
	int idle_ms;		/* no byte for this long fails, default 30 s */
	int64_t total_ms;	/* the whole transfer, 0 = no limit */
	int max_redirects;	/* 5 */
	int max_resumes;	/* reconnections after a dropped body, 5 */
};

/* Defaults, then $MACHBOX_HTTP_TIMEOUT (seconds: connect and idle) and
 * $MACHBOX_HTTP_TOTAL_TIMEOUT (seconds) */
void http_opts_init(struct http_opts *o);

struct http_sink {
	/* The first response that will deliver a body (after redirects);
	 * optional.  -errno refuses it. */
	int (*head)(struct http_sink *s, const struct http_resp *r);
	/* Body bytes, in order and each exactly once, across resumes.
	 * -errno stops the transfer and is returned as it is. */
	int (*data)(struct http_sink *s, const void *buf, size_t len);
	bool failed;		/* set when head or data refused */
	unsigned resumes;	/* how often the body was resumed */
};

/* GET url into sink: 0, or -errno with a one-line reason in err (left
 * alone when the sink failed).  -ENOENT for a 404. */
int http_get(const struct url *url, const struct http_opts *o, struct http_sink *sink,
	     char *err, size_t errlen);
/* GET a small file (checksums, signatures) into *buf (malloc'ed, NUL
 * after *len bytes), at most max bytes */
int http_get_mem(const struct url *url, const struct http_opts *o, size_t max,
		 uint8_t **buf, size_t *len, char *err, size_t errlen);

#endif

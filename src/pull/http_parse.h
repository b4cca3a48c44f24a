/* The pure half of the HTTP/1.1 client: the response head and the chunked
 * body decoder.  No I/O, so the unit tests and the fuzzer drive them with
 * any split of the bytes. */
#ifndef MACHBOX_PULL_HTTP_PARSE_H
#define MACHBOX_PULL_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pull/url.h"

#define HTTP_HEAD_MAX 16384

/* Why a response was refused: each has its own message (http_error_str) */
enum http_error {
	HTTP_E_NONE,
	HTTP_E_STATUS,		/* malformed status line */
	HTTP_E_VERSION,		/* not HTTP/1.x */
	HTTP_E_HEADER,		/* malformed header line */
	HTTP_E_FOLDED,		/* obsolete line folding */
	HTTP_E_HEAD_SIZE,	/* head longer than HTTP_HEAD_MAX */
	HTTP_E_LENGTH,		/* Content-Length is not a number */
	HTTP_E_LENGTH_RANGE,	/* Content-Length past 2^63 - 1 */
	HTTP_E_LENGTH_CONFLICT,	/* two different Content-Length */
	HTTP_E_ENCODING,	/* a Transfer-Encoding other than chunked */
	HTTP_E_RANGE,		/* malformed Content-Range */
	HTTP_E_LOCATION,	/* Location too long */
	HTTP_E_CHUNK_SIZE,	/* chunk size is not hex */
	HTTP_E_CHUNK_RANGE,	/* chunk size or body past 2^63 - 1 */
	HTTP_E_CHUNK_CRLF,	/* CRLF missing after a chunk size or data */
	HTTP_E_CHUNK_EXT,	/* chunk extension too long */
	HTTP_E_TRAILER,		/* trailer too long */
	HTTP_E_MAX
};
const char *http_error_str(int why);

struct http_resp {
	int status;
	int minor;			/* HTTP/1.<minor> */
	char reason[64];		/* the status line's text */
	int64_t length;			/* Content-Length, -1 when absent */
	bool chunked;
	bool ranges;			/* Accept-Ranges: bytes */
	bool has_range;			/* a Content-Range came */
	int64_t range_first, range_last, range_total;	/* total -1 for '*' */
	char location[URL_PATH_MAX + URL_HOST_MAX];
	char etag[128];			/* strong ETags only: If-Range needs one */
	char last_modified[64];
	int why;			/* enum http_error after a failed parse */
};

/* Length of the head (through the empty line) when buf holds all of it,
 * else 0 */
size_t http_head_end(const void *buf, size_t len);
/* Parses a whole head: 0, or -EBADMSG with r->why set */
int http_parse_head(const void *buf, size_t len, struct http_resp *r);

/* where the chunked decoder is: in a size line, in data, after it... */
enum chunk_state {
	CS_SIZE, CS_SIZE_WS, CS_EXT, CS_SIZE_LF, CS_DATA, CS_DATA_CR, CS_DATA_LF,
	CS_TRAILER, CS_TRAILER_LINE, CS_TRAILER_LF, CS_END_LF, CS_DONE, CS_ERROR
};

struct chunk_dec {
	int state;		/* enum chunk_state */
	uint64_t size;		/* of the chunk being read or its bytes left */
	uint64_t total;		/* data bytes so far */
	unsigned digits, count;
	int why;
};
void chunk_init(struct chunk_dec *d);
/* Decodes in place: the data bytes of buf[0, len) move to its front and
 * their count is returned, or -EBADMSG (d->why set; the error sticks).
 * *used is how many input bytes belonged to the body: less than len once
 * the last chunk and trailer are through. */
ssize_t chunk_decode(struct chunk_dec *d, uint8_t *buf, size_t len, size_t *used);
bool chunk_done(const struct chunk_dec *d);

#endif

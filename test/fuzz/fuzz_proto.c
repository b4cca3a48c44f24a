/* libFuzzer target for machined's control-socket parser (include/proto.h):
 * the input is one datagram as a client (any user) sends it.  A request
 * that decodes must have its arguments inside the datagram, each ending
 * in its NUL; a SHELL request that parses must split into parts that
 * are all arguments of it.  The same bytes also go through the reply
 * decoder and the record walk the client runs on machined's answers. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const char *p, const char *buf, size_t size)
{
	if (p < buf || p >= buf + size || !memchr(p, 0, size - (size_t)(p - buf)))
		abort();
}

static void check_session(const struct proto_request *rq)
{
	struct proto_session s;
	int r = proto_session_parse(rq, &s);

	if (r && r != -EINVAL)
		abort();
	if (r)
		return;
	if (s.n_env + s.n_cmd + 4 > rq->argc || s.rows > 0xffff || s.flags & ~(unsigned)SESSION_FLAGS_)
		abort();
	if (s.n_env && s.env != rq->argv + 4)
		abort();
	if (s.n_cmd && (s.cmd < rq->argv + 5 || s.cmd + s.n_cmd != rq->argv + rq->argc))
		abort();
}

static void check_request(const char *buf, size_t size)
{
	struct proto_request rq;
	unsigned i;
	int r = proto_decode_request(buf, size, &rq);

	if (r && r != -EPROTO && r != -E2BIG)
		abort();
	if (r)
		return;
	if (rq.argc > PROTO_MAX_ARGS || !proto_op_name(rq.op))
		abort();
	for (i = 0; i < rq.argc; i++)
		inside(rq.argv[i], buf, size);
	if (rq.op == OP_SHELL)
		check_session(&rq);
}

static void check_reply(const char *buf, size_t size)
{
	struct proto_reply rep;
	const char *t;
	size_t len, vlen, n = 0;

	if (proto_decode_reply(buf, size, &rep))
		return;
	if (rep.len + PROTO_REPLY_HDR_SIZE != size || rep.status > 0)
		abort();
	for (t = rep.text, len = rep.len; t && len && n < 1000; n++) {
		if (proto_record_get(t, len, "NAME", &vlen) && vlen > len)
			abort();
		t = proto_next_record(t, len, &len);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact copy: ASan sees a read past the datagram */
	char *buf = malloc(size ? size : 1);

	memcpy(buf, data, size);
	check_request(buf, size);
	check_reply(buf, size);
	free(buf);
	return 0;
}

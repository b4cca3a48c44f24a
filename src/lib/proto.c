/* machined's wire format (include/proto.h): pure encode/decode, no I/O. */
#include <errno.h>
#include <string.h>

#include "machbox.h"
#include "proto.h"

static const char *const op_names[OP_MAX_] = {
	[OP_LIST] = "list", [OP_STATUS] = "status", [OP_START] = "start",
	[OP_POWEROFF] = "poweroff", [OP_REBOOT] = "reboot",
	[OP_TERMINATE] = "terminate", [OP_KILL] = "kill", [OP_CLONE] = "clone",
	[OP_REMOVE] = "remove", [OP_SHELL] = "shell",
};

const char *proto_op_name(unsigned op)
{
	return op < OP_MAX_ ? op_names[op] : NULL;
}

static void put_header(unsigned char *p, unsigned op)
{
	uint32_t magic = PROTO_MAGIC;
	uint16_t version = PROTO_VERSION, op16 = (uint16_t)op;

	memcpy(p, &magic, 4);
	memcpy(p + 4, &version, 2);
	memcpy(p + 6, &op16, 2);
}

static int get_header(const unsigned char *p, size_t len, uint16_t *op)
{
	uint32_t magic;
	uint16_t version;

	if (len < PROTO_HDR_SIZE)
		return -EPROTO;
	if (len > PROTO_MAX_MSG)
		return -E2BIG;
	memcpy(&magic, p, 4);
	memcpy(&version, p + 4, 2);
	memcpy(op, p + 6, 2);
	if (magic != PROTO_MAGIC || version != PROTO_VERSION || !proto_op_name(*op))
		return -EPROTO;
	return 0;
}

int proto_encode_request(void *buf, size_t size, unsigned op, unsigned argc,
			 const char *const *argv)
{
	unsigned char *p = buf;
	size_t off = PROTO_HDR_SIZE, n;
	unsigned i;

	if (!proto_op_name(op))
		return -EINVAL;
	if (argc > PROTO_MAX_ARGS)
		return -E2BIG;
	if (size > PROTO_MAX_MSG)
		size = PROTO_MAX_MSG;
	if (size < off)
		return -E2BIG;
	put_header(p, op);
	for (i = 0; i < argc; i++) {
		n = strlen(argv[i]) + 1;
		if (n > size - off)
			return -E2BIG;
		memcpy(p + off, argv[i], n);
		off += n;
	}
	return (int)off;
}

int proto_encode_reply(void *buf, size_t size, unsigned op, int status,
		       const char *text, size_t len)
{
	unsigned char *p = buf;
	int32_t st = status;

	if (!proto_op_name(op) || status > 0 || (len && memchr(text, 0, len)))
		return -EINVAL;
	if (size > PROTO_MAX_MSG)
		size = PROTO_MAX_MSG;
	if (size < PROTO_REPLY_HDR_SIZE || len > size - PROTO_REPLY_HDR_SIZE)
		return -E2BIG;
	put_header(p, op);
	memcpy(p + PROTO_HDR_SIZE, &st, 4);
	if (len)
		memcpy(p + PROTO_REPLY_HDR_SIZE, text, len);
	return (int)(PROTO_REPLY_HDR_SIZE + len);
}

int proto_decode_request(const void *buf, size_t len, struct proto_request *req)
{
	const char *p = buf;
	size_t off = PROTO_HDR_SIZE;
	int r;

	memset(req, 0, sizeof(*req));
	r = get_header(buf, len, &req->op);
	if (r < 0)
		return r;
	/* every argument ends in NUL, so the last byte must be one */
	if (len > off && p[len - 1] != 0)
		return -EPROTO;
	while (off < len) {
		if (req->argc == PROTO_MAX_ARGS)
			return -E2BIG;
		req->argv[req->argc++] = p + off;
		off += strlen(p + off) + 1;
	}
	return 0;
}

int proto_decode_reply(const void *buf, size_t len, struct proto_reply *rep)
{
	const unsigned char *p = buf;
	int r;

	memset(rep, 0, sizeof(*rep));
	r = get_header(p, len, &rep->op);
	if (r < 0)
		return r;
	if (len < PROTO_REPLY_HDR_SIZE)
		return -EPROTO;
	memcpy(&rep->status, p + PROTO_HDR_SIZE, 4);
	/* -errno: errno values are small; anything else is garbage */
	if (rep->status > 0 || rep->status < -4095)
		return -EINVAL;
	rep->text = (const char *)p + PROTO_REPLY_HDR_SIZE;
	rep->len = len - PROTO_REPLY_HDR_SIZE;
	if (rep->len && memchr(rep->text, 0, rep->len))
		return -EINVAL;
	return 0;
}

/* "ROWS COLS FLAGS", each a decimal number in range */
static int parse_modes(const char *m, struct proto_session *s)
{
	unsigned long long v[3];
	char buf[40], *w, *save = NULL;
	int i;

	if (strlcpy_mb(buf, m, sizeof(buf)) >= sizeof(buf))
		return -EINVAL;
	for (i = 0, w = strtok_r(buf, " ", &save); i < 3; i++, w = strtok_r(NULL, " ", &save))
		if (!w || parse_uint(w, i < 2 ? 0xffff : SESSION_FLAGS_, &v[i]) < 0)
			return -EINVAL;
	if (w)
		return -EINVAL;
	s->rows = (unsigned)v[0];
	s->cols = (unsigned)v[1];
	s->flags = (unsigned)v[2];
	return 0;
}

/* the guest gets TERM in its environment: a name, nothing to interpret */
static bool term_valid(const char *t)
{
	size_t n = strlen(t);

	if (!n || n > 64)
		return false;
	for (; *t; t++)
		if (*t <= ' ' || *t > '~' || *t == '=')
			return false;
	return true;
}

int proto_session_parse(const struct proto_request *req, struct proto_session *s)
{
	unsigned i = 4;

	memset(s, 0, sizeof(*s));
	if (req->op != OP_SHELL || req->argc < 4 || !machine_name_valid(req->argv[0]) ||
	    strlen(req->argv[1]) > 255 || !term_valid(req->argv[2]) || parse_modes(req->argv[3], s) < 0)
		return -EINVAL;
	s->name = req->argv[0];
	s->user = req->argv[1];
	s->term = req->argv[2];
	s->env = req->argv + i;
	for (; i < req->argc && strcmp(req->argv[i], "--"); i++, s->n_env++) {
		const char *eq = strchr(req->argv[i], '=');

		if (!eq || eq == req->argv[i])
			return -EINVAL;
	}
	if (i < req->argc) {
		s->cmd = req->argv + i + 1;
		s->n_cmd = req->argc - i - 1;
	}
	if (s->n_cmd && !*s->cmd[0])
		return -EINVAL;
	if ((s->flags & SESSION_LOGIN) && (s->n_cmd || s->n_env || *s->user))
		return -EINVAL;	/* login asks who; it takes nothing else */
	return 0;
}

/* length of the first record: up to and including its last line's \n */
static size_t record_len(const char *text, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++)
		if (text[i] == '\n' && text[i + 1] == '\n')
			return i + 1;
	return len;
}

const char *proto_record_get(const char *text, size_t len, const char *key, size_t *vlen)
{
	size_t klen = strlen(key), end = record_len(text, len), i = 0, e;

	while (i < end) {
		const char *nl = memchr(text + i, '\n', end - i);

		e = nl ? (size_t)(nl - text) : end;
		if (e - i > klen && !memcmp(text + i, key, klen) && text[i + klen] == '=') {
			*vlen = e - i - klen - 1;
			return text + i + klen + 1;
		}
		i = e + 1;
	}
	return NULL;
}

const char *proto_next_record(const char *text, size_t len, size_t *rest)
{
	size_t end = record_len(text, len);

	/* skip the empty line; more empty lines are not records either */
	while (end < len && text[end] == '\n')
		end++;
	if (end >= len)
		return NULL;
	*rest = len - end;
	return text + end;
}

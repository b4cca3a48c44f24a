/* machined's wire format: round trips, strict decoding of malformed
 * messages, records; and a bounded random walk over decode (fuzz-like). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "tap.h"

static unsigned char buf[PROTO_MAX_MSG + 16];

static void test_request(void)
{
	const char *args[3] = { "mdt-a", "all", "15" };
	struct proto_request rq;
	int n = proto_encode_request(buf, sizeof(buf), OP_KILL, 3, args);

	is_int(n, 8 + 6 + 4 + 3, "request length: header + NUL-terminated args");
	is_int(proto_decode_request(buf, (size_t)n, &rq), 0, "a request decodes");
	is_int(rq.op, OP_KILL, "its op");
	is_int(rq.argc, 3, "its argument count");
	is_str(rq.argv[0], "mdt-a", "argument 1");
	is_str(rq.argv[2], "15", "argument 3");
	n = proto_encode_request(buf, sizeof(buf), OP_LIST, 0, NULL);
	is_int(n, 8, "no arguments: the header only");
	is_int(proto_decode_request(buf, 8, &rq), 0, "and it decodes");
	is_int(rq.argc, 0, "with no arguments");
	args[0] = "";
	n = proto_encode_request(buf, sizeof(buf), OP_STATUS, 1, args);
	is_int(proto_decode_request(buf, (size_t)n, &rq), 0, "an empty argument is one NUL");
	is_int(rq.argc, 1, "and counts");
}

static void test_request_errors(void)
{
	const char *args[PROTO_MAX_ARGS + 1];
	struct proto_request rq;
	unsigned i;
	int n;

	for (i = 0; i < PROTO_MAX_ARGS + 1; i++)
		args[i] = "x";
	is_int(proto_encode_request(buf, sizeof(buf), OP_STATUS, PROTO_MAX_ARGS + 1, args), -E2BIG, "too many arguments to encode");
	is_int(proto_encode_request(buf, sizeof(buf), 0, 0, NULL), -EINVAL, "op 0 is not an op");
	is_int(proto_encode_request(buf, sizeof(buf), OP_MAX_, 0, NULL), -EINVAL, "nor is OP_MAX_");
	is_int(proto_encode_request(buf, 7, OP_LIST, 0, NULL), -E2BIG, "a buffer smaller than the header");
	is_int(proto_encode_request(buf, 10, OP_STATUS, 1, args + 0) , 10, "exactly fits");
	is_int(proto_encode_request(buf, 9, OP_STATUS, 1, args), -E2BIG, "one byte short");

	n = proto_encode_request(buf, sizeof(buf), OP_START, 1, args);
	is_int(proto_decode_request(buf, 7, &rq), -EPROTO, "a short header");
	is_int(proto_decode_request(buf, (size_t)n - 1, &rq), -EPROTO, "an argument without its NUL");
	buf[0] ^= 1;
	is_int(proto_decode_request(buf, (size_t)n, &rq), -EPROTO, "a bad magic");
	buf[0] ^= 1;
	buf[4] = 2;
	is_int(proto_decode_request(buf, (size_t)n, &rq), -EPROTO, "another version");
	buf[4] = 1;
	buf[6] = 0x7f;
	is_int(proto_decode_request(buf, (size_t)n, &rq), -EPROTO, "an unknown op");
	buf[6] = OP_START;
	is_int(proto_decode_request(buf, PROTO_MAX_MSG + 1, &rq), -E2BIG, "over the size limit");
	memset(buf + 8, 0, PROTO_MAX_ARGS + 1);
	is_int(proto_decode_request(buf, 8 + PROTO_MAX_ARGS + 1, &rq), -E2BIG, "too many (empty) arguments");
	is_int(proto_decode_request(buf, 8 + PROTO_MAX_ARGS, &rq), 0, "the most arguments");
}

static void test_reply(void)
{
	static const char text[] = "NAME=a\nSTATE=running\n\nNAME=b\nSTATE=starting\n";
	struct proto_reply rep;
	int n = proto_encode_reply(buf, sizeof(buf), OP_LIST, 0, text, strlen(text));

	is_int(n, 12 + (int)strlen(text), "reply length");
	is_int(proto_decode_reply(buf, (size_t)n, &rep), 0, "a reply decodes");
	is_int(rep.status, 0, "status 0");
	is_int(rep.len, strlen(text), "its text");
	n = proto_encode_reply(buf, sizeof(buf), OP_START, -EBUSY, "busy", 4);
	is_int(proto_decode_reply(buf, (size_t)n, &rep), 0, "an error reply");
	is_int(rep.status, -EBUSY, "-errno status");
	is_int(proto_encode_reply(buf, sizeof(buf), OP_START, 5, NULL, 0), -EINVAL, "a positive status is refused");
	is_int(proto_encode_reply(buf, sizeof(buf), OP_START, 0, "a\0b", 3), -EINVAL, "a NUL in the text");
	is_int(proto_encode_reply(buf, 11, OP_START, 0, NULL, 0), -E2BIG, "no room for the status");
	n = proto_encode_reply(buf, sizeof(buf), OP_START, 0, "ok", 2);
	buf[8] = 1;
	buf[9] = buf[10] = buf[11] = 0;
	is_int(proto_decode_reply(buf, (size_t)n, &rep), -EINVAL, "a positive status in a reply");
	memset(buf + 8, 0x80, 4);
	is_int(proto_decode_reply(buf, (size_t)n, &rep), -EINVAL, "a huge negative status");
	memset(buf + 8, 0, 4);
	buf[12] = 0;
	is_int(proto_decode_reply(buf, (size_t)n, &rep), -EINVAL, "a NUL in reply text");
	is_int(proto_decode_reply(buf, 11, &rep), -EPROTO, "a reply without status");
}

static void test_records(void)
{
	static const char t[] = "NAME=a\nSTATE=running\nADDR=\n\nNAME=b\nX=1=2\n";
	size_t len = strlen(t), vlen = 0, rest = 0;
	const char *v, *next;

	v = proto_record_get(t, len, "STATE", &vlen);
	ok(v && vlen == 7 && !memcmp(v, "running", 7), "a key of the first record");
	v = proto_record_get(t, len, "ADDR", &vlen);
	ok(v && vlen == 0, "an empty value");
	ok(!proto_record_get(t, len, "X", &vlen), "a key of the second record is not the first's");
	ok(!proto_record_get(t, len, "NAM", &vlen), "a prefix of a key is not the key");
	next = proto_next_record(t, len, &rest);
	ok(next && !strncmp(next, "NAME=b", 6), "the next record");
	v = next ? proto_record_get(next, rest, "X", &vlen) : NULL;
	ok(v && vlen == 3 && !memcmp(v, "1=2", 3), "a value with '='");
	ok(next && !proto_next_record(next, rest, &rest), "no record after the last");
	ok(!proto_next_record("A=1\n\n\n", 6, &rest), "trailing empty lines are no record");
	ok(!proto_record_get("", 0, "A", &vlen), "an empty text");
	ok(!proto_record_get("A=1", 3, "A=1", &vlen), "a key never matches across '='");
}

static int session(struct proto_session *s, unsigned argc, const char *const *argv)
{
	static struct proto_request rq;	/* S points into it */
	int n = proto_encode_request(buf, sizeof(buf), OP_SHELL, argc, argv);

	if (n < 0 || proto_decode_request(buf, (size_t)n, &rq) < 0)
		return -100;
	return proto_session_parse(&rq, s);
}

static void test_session(void)
{
	static const char *const full[] = { "m", "nobody", "xterm", "30 100 6", "A=1", "B=", "--",
					     "/bin/sh", "-c", "" };
	static const char *const bare[] = { "m", "", "vt220", "0 0 0" };
	static const char *const login[] = { "m", "", "vt220", "24 80 1" };
	static const char *const no_cmd[] = { "m", "", "vt220", "0 0 0", "A=1", "--" };
	const char *bad[6] = { "m", "", "vt220", "0 0 0", "A=1", NULL };
	struct proto_session s;

	is_int(session(&s, 10, full), 0, "a shell with all its parts");
	ok(!strcmp(s.name, "m") && !strcmp(s.user, "nobody") && !strcmp(s.term, "xterm"),
	   "name, user, TERM");
	ok(s.rows == 30 && s.cols == 100 && s.flags == (SESSION_NO_ECHO | SESSION_NO_ONLCR), "modes");
	ok(s.n_env == 2 && !strcmp(s.env[1], "B="), "the environment up to --");
	ok(s.n_cmd == 3 && !strcmp(s.cmd[0], "/bin/sh") && !strcmp(s.cmd[2], ""), "the command after it");
	is_int(session(&s, 4, bare), 0, "a login shell");
	ok(s.n_env == 0 && s.n_cmd == 0, "without environment or command");
	is_int(session(&s, 4, login), 0, "login");
	is_int(session(&s, 6, no_cmd), 0, "-- with nothing after it");
	is_int(s.n_cmd, 0, "is the login shell");
	is_int(session(&s, 3, bare), -EINVAL, "too few arguments");
	bad[0] = "../x";
	is_int(session(&s, 4, bad), -EINVAL, "a bad machine name");
	bad[0] = "m";
	bad[2] = "xterm\nPATH=/tmp";
	is_int(session(&s, 4, bad), -EINVAL, "a TERM with a newline");
	bad[2] = "";
	is_int(session(&s, 4, bad), -EINVAL, "an empty TERM");
	bad[2] = "vt220";
	bad[3] = "24 80";
	is_int(session(&s, 4, bad), -EINVAL, "two modes");
	bad[3] = "24 80 0 1";
	is_int(session(&s, 4, bad), -EINVAL, "four modes");
	bad[3] = "70000 80 0";
	is_int(session(&s, 4, bad), -EINVAL, "rows out of range");
	bad[3] = "24 80 8";
	is_int(session(&s, 4, bad), -EINVAL, "an unknown flag");
	bad[3] = "0 0 0";
	bad[4] = "NOEQUALS";
	is_int(session(&s, 5, bad), -EINVAL, "an environment entry without =");
	bad[4] = "=x";
	is_int(session(&s, 5, bad), -EINVAL, "nor with an empty name");
	bad[4] = "--";
	bad[5] = "";
	is_int(session(&s, 6, bad), -EINVAL, "an empty command");
	bad[3] = "0 0 1";
	bad[4] = "A=1";
	is_int(session(&s, 5, bad), -EINVAL, "login takes no environment");
	bad[1] = "nobody";
	is_int(session(&s, 4, bad), -EINVAL, "nor a user");
	{
		struct proto_request rq = { .op = OP_START, .argc = 4, .argv = { "m", "", "vt220", "0 0 0" } };

		is_int(proto_session_parse(&rq, &s), -EINVAL, "only SHELL has a session");
	}
	is_str(proto_op_name(OP_SHELL), "shell", "the new ops have names");
	is_str(proto_op_name(OP_CLONE), "clone", "clone");
}

/* random bytes and mutations of a valid message: decode must answer and
 * never read outside (ASan watches) */
static void test_fuzz(void)
{
	const char *args[2] = { "mdt-a", "leader" };
	struct proto_request rq;
	struct proto_reply rep;
	unsigned i, bad = 0;
	int n = proto_encode_request(buf, sizeof(buf), OP_KILL, 2, args);

	srand(4);
	for (i = 0; i < 20000; i++) {
		static unsigned char m[64];
		size_t len = (size_t)rand() % sizeof(m);

		memcpy(m, buf, (size_t)n < sizeof(m) ? (size_t)n : sizeof(m));
		m[rand() % sizeof(m)] = (unsigned char)rand();
		if (i % 3 == 0)
			m[rand() % 8] = (unsigned char)rand();
		/* exact-size copy so ASan catches an overread */
		unsigned char *exact = malloc(len ? len : 1);

		memcpy(exact, m, len);
		if (proto_decode_request(exact, len, &rq) == 0 && rq.argc > PROTO_MAX_ARGS)
			bad++;
		if (proto_decode_reply(exact, len, &rep) == 0 && rep.len + 12 != len)
			bad++;
		free(exact);
	}
	is_int(bad, 0, "20000 mutated messages decode safely");
}

int main(void)
{
	test_request();
	test_request_errors();
	test_reply();
	test_records();
	test_session();
	test_fuzz();
	is_str(proto_op_name(OP_POWEROFF), "poweroff", "op names");
	ok(!proto_op_name(99), "no name for an unknown op");
	return tap_done();
}

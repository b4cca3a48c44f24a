/* machined's control protocol: one request and one reply per connection
 * on the SOCK_SEQPACKET socket $MACHBOX_ROOT/run/machbox/control, so one
 * message is one datagram and needs no framing of its own.
 *
 * Every message starts with the same 8-byte header, all integers in the
 * host's byte order (the socket never leaves the host):
 *
 *   u32 magic    PROTO_MAGIC, the bytes "MBX1" read as a little-endian u32
 *   u16 version  PROTO_VERSION (1); anything else is refused with -EPROTO
 *   u16 op       enum proto_op; a reply repeats the request's op
 *
 * Request (client -> machined): header, then 0 to PROTO_MAX_ARGS string
 * arguments, each terminated by one NUL.  Bytes after the header that do
 * not end in NUL are malformed.  Arguments per op:
 *   LIST                         (none)
 *   STATUS NAME...               records of the named machines
 *   START NAME                   reply once the machine is UP, or failed
 *   POWEROFF NAME                reply once it is DOWN
 *   REBOOT NAME                  poweroff, then start: reply once UP again
 *   TERMINATE NAME               SIGKILL to the monitor; reply once DOWN
 *   KILL NAME WHOM SIGNAL        WHOM "leader" or "all", SIGNAL a number
 *   CLONE SRC DST                a new image DST from the image SRC
 *   REMOVE NAME                  the image NAME (not while it runs)
 *   SHELL NAME USER TERM MODES [VAR=VALUE...] [-- COMMAND [ARG...]]
 *                                a session in the running machine NAME:
 *                                USER in the guest ("": root), TERM for
 *                                it, MODES "ROWS COLS FLAGS" (SESSION_*);
 *                                see proto_session_parse()
 *
 * Non-root callers may act only on machines they own (DESIGN.md §8); a
 * machine they may not see gets the reply of a missing one.
 *
 * Reply (machined -> client): header, then
 *   i32 status   0, or -errno (-EPERM, -ENXIO no such machine, -EBUSY ...)
 *   text         the rest of the datagram, no NUL: on success the records,
 *                on failure a one-line message for the user (may be empty)
 * A record is KEY=VALUE lines (keys upper case, values without newlines);
 * records are separated by one empty line.
 *
 * SHELL is the one op with two replies: the first carries the session's
 * pty master (SCM_RIGHTS) when its status is 0; the second, "EXIT=N",
 * comes when the session has ended (N its exit status, 128+SIG when
 * killed).  The connection closing first means the session is gone too.
 *
 * Sizes: a message is at most PROTO_MAX_MSG bytes; decoding is strict and
 * never reads outside the buffer it is given. */
#ifndef MACHBOX_PROTO_H
#define MACHBOX_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_MAGIC 0x3158424dU		/* "MBX1" */
#define PROTO_VERSION 1
#define PROTO_HDR_SIZE 8
#define PROTO_REPLY_HDR_SIZE 12
#define PROTO_MAX_MSG (64 * 1024)
#define PROTO_MAX_ARGS 32
/* machined's owner records of user machines: NAME holds a decimal uid */
#define MACHBOX_OWNER_DIR "/var/lib/machbox/owners"

enum proto_op {
	OP_LIST = 1, OP_STATUS, OP_START, OP_POWEROFF, OP_REBOOT, OP_TERMINATE, OP_KILL,
	OP_CLONE, OP_REMOVE, OP_SHELL,
	OP_MAX_
};

struct proto_request {
	uint16_t op;
	unsigned argc;
	const char *argv[PROTO_MAX_ARGS];	/* point into the decoded buffer */
};

struct proto_reply {
	uint16_t op;
	int32_t status;
	const char *text;	/* into the buffer, NOT terminated: use len */
	size_t len;
};

/* SHELL's arguments, split; the strings point into the request */
enum { SESSION_LOGIN = 1, SESSION_NO_ECHO = 2, SESSION_NO_ONLCR = 4, SESSION_FLAGS_ = 7 };
struct proto_session {
	const char *name, *user, *term;
	unsigned rows, cols, flags;
	const char *const *env;		/* n_env of them, each VAR=VALUE */
	unsigned n_env;
	const char *const *cmd;		/* n_cmd words; 0: the login shell */
	unsigned n_cmd;
};

/* The op's name ("list", ...) or NULL */
const char *proto_op_name(unsigned op);

/* Encoders: the message length, or -E2BIG when it does not fit in SIZE
 * (or PROTO_MAX_MSG) or has too many arguments, -EINVAL for a bad op or
 * a NUL in the reply text. */
int proto_encode_request(void *buf, size_t size, unsigned op, unsigned argc,
			 const char *const *argv);
int proto_encode_reply(void *buf, size_t size, unsigned op, int status,
		       const char *text, size_t len);

/* Decoders: 0, or -EPROTO (bad magic, version, op, layout), -E2BIG (too
 * many arguments or too long), -EINVAL (a NUL inside reply text, a status
 * that is neither 0 nor -errno).  BUF must stay alive while the result is
 * used. */
int proto_decode_request(const void *buf, size_t len, struct proto_request *req);
int proto_decode_reply(const void *buf, size_t len, struct proto_reply *rep);

/* SHELL's arguments: 0, or -EINVAL (wrong count, a bad name, MODES not
 * three numbers in range, an environment entry without VAR=, a TERM
 * with other than printable characters) */
int proto_session_parse(const struct proto_request *req, struct proto_session *s);

/* Records: TEXT, LEN is the text from a record's start to the end of the
 * reply.  proto_record_get() finds KEY in that first record only (up to
 * its empty line): the value's start and length, or NULL.
 * proto_next_record() returns the next record's start and its *REST
 * length, NULL after the last. */
const char *proto_record_get(const char *text, size_t len, const char *key, size_t *vlen);
const char *proto_next_record(const char *text, size_t len, size_t *rest);

#endif

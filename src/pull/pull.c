/* The pull pipeline.  The parent downloads and hashes; a forked child
 * unpacks what arrives on a pipe into the temp image (extract_tar() makes
 * its own sandbox below it; raw images are decompressed there), so a slow
 * disk slows the socket and memory stays bounded.  The checksum is known
 * before the body starts and compared when it ends; only then is the
 * image renamed into place. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "machbox.h"
#include "fileio.h"
#include "archive/extract.h"
#include "image/image.h"
#include "pull/br.h"
#include "pull/http.h"
#include "pull/pull.h"
#include "pull/rawdec.h"
#include "pull/sums.h"

/* what the unpacking child reports (sync point #1, its only one) */
struct child_report {
	int32_t err;
	uint64_t skipped;
	char msg[480];
};

struct pull {
	const struct pull_opts *o;
	struct http_sink sink;
	br_sha256_context sha;
	bool hashing;		/* there is a checksum to compare with */
	uint64_t total, done;
	char tmp[4096];
	bool have_tmp;
	int out_fd, report_fd;	/* the pipe to the child, its report socket */
	pid_t child;
	struct child_report rep;
	struct extract_limits lim;	/* MACHBOX_IMPORT_*, as for import-tar */
};

static int sink_head(struct http_sink *s, const struct http_resp *r)
{
	struct pull *p = container_of(s, struct pull, sink);

	p->total = r->length > 0 ? (uint64_t)r->length : 0;
	if (p->o->progress)
		p->o->progress(p->o->ud, 0, p->total);
	return 0;
}

static int sink_data(struct http_sink *s, const void *buf, size_t len)
{
	struct pull *p = container_of(s, struct pull, sink);

	if (p->hashing)
		br_sha256_update(&p->sha, buf, len);
	p->done += len;
	if (p->o->progress)
		p->o->progress(p->o->ud, p->done, p->total);
	return write_all(p->out_fd, buf, len);
}

/* --- the unpacking child --- */

static int unpack_raw(const struct pull *p, int in_fd, char *err, size_t errlen)
{
	int fd = open(p->tmp, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		snprintf(err, errlen, "cannot open the temp image: %s", strerror(errno));
		return -errno;
	}
	return raw_decompress(in_fd, fd, p->hashing, err, errlen);
}

static NORETURN void child_main(struct pull *p, int in_fd, int report_fd)
{
	struct child_report rep = { 0, 0, "" };
	struct extract_limits lim = p->lim;

	lim.hashed = p->hashing;
	if (p->o->raw)
		rep.err = unpack_raw(p, in_fd, rep.msg, sizeof(rep.msg));
	else
		rep.err = extract_tar(in_fd, p->tmp, &lim, &rep.skipped, rep.msg, sizeof(rep.msg));
	/* #1: the result, as data: the parent words the failure */
	(void)send(report_fd, &rep, sizeof(rep), MSG_NOSIGNAL);
	_exit(rep.err ? 1 : 0);
}

static int start_child(struct pull *p)
{
	int pfd[2], sv[2];

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	p->child = fork();
	if (p->child == 0) {
		close(pfd[1]);
		close(sv[0]);
		child_main(p, pfd[0], sv[1]);
	}
	close(pfd[0]);
	close(sv[1]);
	p->out_fd = pfd[1];
	p->report_fd = sv[0];
	if (p->child < 0) {
		close_safe(&p->out_fd);
		close_safe(&p->report_fd);
		return -errno;
	}
	return 0;
}

/* EOF to the child, then its report (#1) and its end */
static int finish_child(struct pull *p)
{
	int status = 0;
	ssize_t n;

	close_safe(&p->out_fd);
	if (p->child <= 0)
		return -ECHILD;
	do
		n = recv(p->report_fd, &p->rep, sizeof(p->rep), 0);
	while (n < 0 && errno == EINTR);
	close_safe(&p->report_fd);
	while (waitpid(p->child, &status, 0) < 0 && errno == EINTR)
		;
	p->child = 0;
	if (n != (ssize_t)sizeof(p->rep)) {
		snprintf(p->rep.msg, sizeof(p->rep.msg), "the unpacking process died (%s %d)",
			 WIFSIGNALED(status) ? "signal" : "status",
			 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		return -ECHILD;
	}
	p->rep.msg[sizeof(p->rep.msg) - 1] = 0;
	return p->rep.err;
}

/* --- steps --- */

static int check_hash(struct pull *p, const struct expect *e, char *err, size_t errlen)
{
	uint8_t got[32];
	char want_hex[65], got_hex[65];

	br_sha256_out(&p->sha, got);
	if (!e->have || !memcmp(got, e->hash, 32))
		return 0;
	sums_hex(e->hash, want_hex);
	sums_hex(got, got_hex);
	snprintf(err, errlen, "SHA-256 of %s does not match %s: want %s, got %s", e->filename,
		 e->source, want_hex, got_hex);
	return -EBADMSG;
}

/* The download into the child: the first failure in words.  A body that
 * came whole but does not match its checksum is named before anything the
 * child said about it: wrong bytes were the cause, its complaint follows. */
static int download(struct pull *p, const struct http_opts *ho, const struct expect *e,
		    char *err, size_t errlen)
{
	int r = http_get(&p->o->url, ho, &p->sink, err, errlen);
	int c = finish_child(p);

	if (!r && (r = check_hash(p, e, err, errlen)))
		return r;
	/* a child that failed first made the pipe break: its words count */
	if (c && (!r || p->sink.failed)) {
		snprintf(err, errlen, "%s", p->rep.msg[0] ? p->rep.msg : strerror(-c));
		return c;
	}
	if (r && p->sink.failed)
		snprintf(err, errlen, "cannot pass the image on: %s", strerror(-r));
	return r;
}

static int install(struct pull *p, char *err, size_t errlen)
{
	int fd = open(p->tmp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int r;

	/* on flash behind a power cut: the data first, then the rename */
	if (fd >= 0) {
		(void)syncfs(fd);
		close(fd);
	}
	r = image_install(p->tmp, p->o->name, p->o->force, p->o->read_only);
	if (r == -EEXIST)
		snprintf(err, errlen, "image '%s' exists already (--force replaces it)", p->o->name);
	else if (r)
		snprintf(err, errlen, "cannot install the image as '%s': %s", p->o->name, strerror(-r));
	else
		p->have_tmp = false;
	return r;
}

static int run(struct pull *p, struct pull_result *res, char *err, size_t errlen)
{
	struct http_opts ho;
	struct expect e;
	int r;

	http_opts_init(&ho);
	r = verify_prepare(&p->o->url, p->o->verify, &ho, &e, err, errlen);
	if (r)
		return r;
	strlcpy_mb(res->source, e.source, sizeof(res->source));
	strlcpy_mb(res->signer, e.signer, sizeof(res->signer));
	/* --verify=no: no SHA-256 (5% of the CPU time of a pull) */
	p->hashing = e.have;
	r = image_tmp_create(p->o->name, !p->o->raw, p->tmp, sizeof(p->tmp));
	if (r) {
		snprintf(err, errlen, "cannot make a temp image in the store: %s", strerror(-r));
		return r;
	}
	p->have_tmp = true;
	r = start_child(p);
	if (r) {
		snprintf(err, errlen, "cannot start the unpacking process: %s", strerror(-r));
		return r;
	}
	r = download(p, &ho, &e, err, errlen);
	res->bytes = p->done;
	res->resumes = p->sink.resumes;
	res->skipped = p->rep.skipped;
	if (!r)
		r = install(p, err, errlen);
	return r;
}

int pull_image(const struct pull_opts *o, struct pull_result *res, char *err, size_t errlen)
{
	struct pull p = { .o = o, .out_fd = -1, .report_fd = -1 };
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	struct image img;
	int r;

	memset(res, 0, sizeof(*res));
	err[0] = 0;
	r = extract_limits_from_env(&p.lim, err, errlen);
	if (r < 0)
		return r;
	p.lim.userns_base = o->userns_base;
	if (!o->force && image_find(o->name, &img) == 0) {
		snprintf(err, errlen, "image '%s' exists already (--force replaces it)", o->name);
		return -EEXIST;
	}
	p.sink.head = sink_head;
	p.sink.data = sink_data;
	br_sha256_init(&p.sha);
	/* a dead child shows as EPIPE on the pipe, not as our death */
	sigaction(SIGPIPE, &ign, &old);
	r = run(&p, res, err, errlen);
	if (p.child > 0)
		finish_child(&p);
	if (p.have_tmp)
		(void)image_discard(p.tmp);
	sigaction(SIGPIPE, &old, NULL);
	if (r && !err[0])
		snprintf(err, errlen, "%s", strerror(-r));
	return r;
}

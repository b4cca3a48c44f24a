/* The extractor's decompressor: a process of its own inside the sandbox,
 * so that decompression and the writes to disk run on two cores, as in
 * `xz -dc | tar -x` (one process doing both was a third slower than that
 * pipeline).  It keeps no capability at all: it only turns the bytes of
 * in_fd into a tar stream on a pipe, with liblzma for xz and libarchive's
 * raw format over the built-in filters for the others.  Its failure
 * crosses to the writer as data (one SEQPACKET message); the writer's
 * early end shows to it as EPIPE. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <lzma.h>

#include "machbox.h"
#include "fileio.h"
#include "archive/filters.h"
#include "archive/unpack.h"

#define MEM_HINT " (over the extractor's memory cap, MACHBOX_IMPORT_MEM_LIMIT)"

/* what the decompressor says when it fails */
struct dec_report {
	int32_t err;
	char text[480];
};

struct dec_in {
	int fd;
	const unsigned char *head;	/* bytes the writer read ahead */
	size_t head_len;
	bool skip_check;	/* of xz: the caller checks the SHA-256 */
	unsigned char buf[64 * 1024];
};

/* the next bytes of the input, the read-ahead first: their number, 0 at
 * the end, -errno */
static ssize_t dec_next(struct dec_in *in, const unsigned char **p)
{
	ssize_t n;

	if (in->head_len) {
		*p = in->head;
		n = (ssize_t)in->head_len;
		in->head_len = 0;
		return n;
	}
	*p = in->buf;
	do
		n = read(in->fd, in->buf, sizeof(in->buf));
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static la_ssize_t dec_read(struct archive *a, void *ud, const void **buf)
{
	ssize_t n = dec_next(ud, (const unsigned char **)buf);

	if (n < 0)
		archive_set_error(a, (int)-n, "cannot read the tarball: %s", strerror((int)-n));
	return n;
}

static int dec_fail(struct dec_report *rep, struct archive *a)
{
	int e = archive_errno(a) > 0 ? archive_errno(a) : EBADMSG;
	const char *s = archive_error_string(a);

	snprintf(rep->text, sizeof(rep->text), "%s%s", s ? s : "cannot decompress",
		 e == ENOMEM ? MEM_HINT : "");
	return -e;
}

static int xz_fail(struct dec_report *rep, lzma_ret r)
{
	/* libarchive's words, which the tests and users know */
	if (r == LZMA_MEM_ERROR) {
		snprintf(rep->text, sizeof(rep->text), "xz: Cannot allocate memory%s", MEM_HINT);
		return -ENOMEM;
	}
	snprintf(rep->text, sizeof(rep->text), "xz: %s",
		 r == LZMA_BUF_ERROR ? "truncated input" :
		 r == LZMA_FORMAT_ERROR ? "not in the xz format" :
		 r == LZMA_OPTIONS_ERROR ? "unsupported options" : "corrupt data");
	return -EBADMSG;
}

/* xz by liblzma itself, not through libarchive, so that the stream's own
 * check can be skipped when the SHA-256 of the whole file is compared
 * before the image is used: the CRC64 of a Debian tree was 15% of the
 * decoding time with the small liblzma we build */
static int decode_xz(struct dec_in *in, int out_fd, struct dec_report *rep)
{
	static unsigned char out[256 * 1024];
	uint32_t flags = LZMA_CONCATENATED | (in->skip_check ? LZMA_IGNORE_CHECK : 0);
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_action act = LZMA_RUN;
	lzma_ret r = lzma_stream_decoder(&s, UINT64_MAX, flags);
	ssize_t n;

	while (r == LZMA_OK) {
		if (!s.avail_in && act == LZMA_RUN) {
			n = dec_next(in, &s.next_in);
			if (n < 0) {
				lzma_end(&s);
				snprintf(rep->text, sizeof(rep->text), "cannot read the tarball: %s", strerror((int)-n));
				return (int)n;
			}
			s.avail_in = (size_t)n;
			act = n ? LZMA_RUN : LZMA_FINISH;
		}
		s.next_out = out;
		s.avail_out = sizeof(out);
		r = lzma_code(&s, act);
		if (write_all(out_fd, out, sizeof(out) - s.avail_out) < 0) {
			lzma_end(&s);
			return -EPIPE;
		}
	}
	lzma_end(&s);
	return r == LZMA_STREAM_END ? 0 : xz_fail(rep, r);
}

static int decode(struct dec_in *in, int out_fd, struct dec_report *rep)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	const void *p;
	size_t len;
	la_int64_t off;
	int r;

	if (!a)
		return -ENOMEM;
	archive_read_builtin_filters(a);
	archive_read_support_format_raw(a);
	r = archive_read_open(a, in, NULL, dec_read, NULL);
	if (r == ARCHIVE_OK)
		r = archive_read_next_header(a, &e);
	while (r == ARCHIVE_OK || r == ARCHIVE_WARN) {
		r = archive_read_data_block(a, &p, &len, &off);
		if ((r == ARCHIVE_OK || r == ARCHIVE_WARN) && write_all(out_fd, p, len) < 0) {
			archive_read_free(a);
			return -EPIPE;
		}
	}
	r = r == ARCHIVE_EOF ? 0 : dec_fail(rep, a);
	archive_read_free(a);
	return r;
}

/* no capability is needed to read one fd and write another */
static void drop_all_caps(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { { 0 } };

	(void)syscall(SYS_capset, &h, d);
}

static NORETURN void dec_main(struct dec_in *in, pid_t parent, int out_fd, int sock)
{
	struct dec_report rep = { 0, "" };
	int keep[3] = { in->fd, out_fd, sock };
	int r;

	/* not inherited from the extractor: an extractor killed mid-way
	 * must not leave it waiting on a stalled input */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	/* the extractor's report socket among them */
	close_all_but(keep, ARRAY_SIZE(keep));
	drop_all_caps();
	if (CFG_FILTER_XZ && in->head_len >= 6 && !memcmp(in->head, "\xfd" "7zXZ", 6))
		r = decode_xz(in, out_fd, &rep);
	else
		r = decode(in, out_fd, &rep);
	if (r == -EPIPE)
		_exit(0);	/* the writer stopped first: its words count */
	if (r < 0) {
		rep.err = -r;
		(void)send(sock, &rep, sizeof(rep), MSG_NOSIGNAL);
		_exit(1);
	}
	_exit(0);
}

int decoder_start(int in_fd, const unsigned char *head, size_t head_len, bool skip_check,
		  struct decoder *d, int *out_fd)
{
	static struct dec_in in;	/* 64 KiB: not on the stack */
	pid_t parent = getpid();
	int pfd[2], sv[2];

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	/* fewer wake-ups: the writer takes 64 KiB a read (best effort) */
	(void)fcntl(pfd[1], F_SETPIPE_SZ, 1 << 20);
	in.fd = in_fd;
	in.head = head;
	in.head_len = head_len;
	in.skip_check = skip_check;
	d->pid = fork();
	if (d->pid == 0) {
		close(pfd[0]);
		close(sv[0]);
		dec_main(&in, parent, pfd[1], sv[1]);
	}
	close(pfd[1]);
	close(sv[1]);
	if (d->pid < 0) {
		int e = errno;

		close(pfd[0]);
		close(sv[0]);
		return -e;
	}
	d->sock = sv[0];
	*out_fd = pfd[0];
	return 0;
}

int decoder_finish(struct decoder *d, bool stop, char *err, size_t errlen)
{
	struct dec_report rep = { 0, "" };
	int status;
	ssize_t n;

	/* the writer failed: whatever the decompressor was waiting for
	 * (more input from a slow server) no longer matters */
	if (stop)
		kill(d->pid, SIGKILL);
	while (waitpid(d->pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	/* sent before its end closed the pipe: here if it failed first */
	n = recv(d->sock, &rep, sizeof(rep), MSG_DONTWAIT);
	close(d->sock);
	if (n == (ssize_t)sizeof(rep) && rep.err) {
		rep.text[sizeof(rep.text) - 1] = 0;
		snprintf(err, errlen, "%s", rep.text);
		return -rep.err;
	}
	if (stop || (WIFEXITED(status) && WEXITSTATUS(status) == 0))
		return 0;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE)
		return 0;
	snprintf(err, errlen, "the decompressor failed (%s %d)",
		 WIFSIGNALED(status) ? "signal" : "status",
		 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	return -ECHILD;
}

/* The extractor's xz decompressor: a process of its own inside the
 * sandbox, so that decompression and the writes to disk run on two cores,
 * as in `xz -dc | tar -x` (one process doing both was a third slower than
 * that pipeline).  It keeps no capability at all: it only turns the bytes
 * of in_fd into a tar stream on a pipe, with liblzma itself rather than
 * through libarchive, so that the stream's own check can be skipped when
 * the SHA-256 of the whole file is compared before the image is used (the
 * CRC64 of a Debian tree was 15% of the decoding time with the small
 * liblzma we build).  Its failure crosses to the writer as its exit
 * status (liblzma's lzma_ret, or DEC_READ); the writer's early end shows
 * to it as EPIPE. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <lzma.h>

#include "machbox.h"
#include "fileio.h"
#include "archive/decoder.h"
#include "archive/unpack.h"

/* the exit status for a failed read; lzma_ret numbers the others */
#define DEC_READ 1

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
	const void *q;
	ssize_t n = read_after_head(in->fd, in->head, &in->head_len, in->buf, sizeof(in->buf), &q);

	*p = q;
	return n;
}

/* the exit status: 0, DEC_READ or liblzma's error */
static int decode_xz(struct dec_in *in, int out_fd)
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
			if (n < 0)
				return DEC_READ;
			s.avail_in = (size_t)n;
			act = n ? LZMA_RUN : LZMA_FINISH;
		}
		s.next_out = out;
		s.avail_out = sizeof(out);
		r = lzma_code(&s, act);
		/* the writer stopped first: its words count */
		if (write_all(out_fd, out, sizeof(out) - s.avail_out) < 0)
			return 0;
	}
	return r == LZMA_STREAM_END ? 0 : (int)r;
}

/* no capability is needed to read one fd and write another */
static void drop_all_caps(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { { 0 } };

	(void)syscall(SYS_capset, &h, d);
}

static NORETURN void dec_main(struct dec_in *in, pid_t parent, int out_fd)
{
	int keep[2] = { in->fd, out_fd };

	/* not inherited from the extractor: an extractor killed mid-way
	 * must not leave it waiting on a stalled input */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(DEC_READ);
	/* the extractor's report socket among them */
	close_all_but(keep, ARRAY_SIZE(keep));
	drop_all_caps();
	_exit(decode_xz(in, out_fd));
}

int decoder_start(int in_fd, const unsigned char *head, size_t head_len, bool skip_check,
		  struct decoder *d, int *out_fd)
{
	static struct dec_in in;	/* 64 KiB: not on the stack */
	pid_t parent = getpid();
	int pfd[2];

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	/* fewer wake-ups: the writer takes 64 KiB a read (best effort) */
	(void)fcntl(pfd[1], F_SETPIPE_SZ, 1 << 20);
	in.fd = in_fd;
	in.head = head;
	in.head_len = head_len;
	in.skip_check = skip_check;
	d->pid = fork();
	if (d->pid == 0) {
		close(pfd[0]);
		dec_main(&in, parent, pfd[1]);
	}
	close(pfd[1]);
	if (d->pid < 0) {
		close(pfd[0]);
		return -errno;
	}
	*out_fd = pfd[0];
	return 0;
}

/* the words libarchive had for these, which the tests and users know */
static int dec_words(int code, char *err, size_t errlen)
{
	const char *why = code == LZMA_BUF_ERROR ? "truncated input" :
			  code == LZMA_FORMAT_ERROR ? "not in the xz format" :
			  code == LZMA_OPTIONS_ERROR ? "unsupported options" : "corrupt data";

	if (code == DEC_READ) {
		snprintf(err, errlen, "cannot read the tarball");
		return -EIO;
	}
	if (code == LZMA_MEM_ERROR) {
		snprintf(err, errlen, "xz: Cannot allocate memory (over the extractor's memory cap, MACHBOX_IMPORT_MEM_LIMIT)");
		return -ENOMEM;
	}
	snprintf(err, errlen, "xz: %s", why);
	return -EBADMSG;
}

int decoder_finish(struct decoder *d, bool stop, char *err, size_t errlen)
{
	int status;

	/* the writer failed: whatever the decompressor was waiting for
	 * (more input from a slow server) no longer matters */
	if (stop)
		kill(d->pid, SIGKILL);
	while (waitpid(d->pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	/* an exit of its own, before it closed the pipe: it failed first */
	if (WIFEXITED(status))
		return WEXITSTATUS(status) ? dec_words(WEXITSTATUS(status), err, errlen) : 0;
	if (stop || WTERMSIG(status) == SIGPIPE)
		return 0;
	snprintf(err, errlen, "the decompressor was killed by signal %d", WTERMSIG(status));
	return -ECHILD;
}

/* The xz decompressing process of the extractor and of pull-raw. */
#ifndef MACHBOX_DECODER_H
#define MACHBOX_DECODER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* decoder_start() forks the decompressor, which reads head (bytes read
 * ahead) then in_fd and writes what it decodes to the pipe *out_fd;
 * skip_check: xz's own check is not computed (the caller compares the
 * SHA-256 of the file).  decoder_finish() reaps it once the caller closed
 * *out_fd, killing it first when the caller failed (stop): 0, or -errno
 * and err when it failed by itself. */
struct decoder {
	pid_t pid;
};
int decoder_start(int in_fd, const unsigned char *head, size_t head_len, bool skip_check,
		  struct decoder *d, int *out_fd);
int decoder_finish(struct decoder *d, bool stop, char *err, size_t errlen);

#endif

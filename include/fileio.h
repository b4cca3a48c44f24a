#ifndef MACHBOX_FILEIO_H
#define MACHBOX_FILEIO_H

#include <sys/types.h>

ssize_t read_all(int fd, void *buf, size_t len);
int write_all(int fd, const void *buf, size_t len);
/* The next bytes of a stream whose first *HEAD_LEN bytes were read ahead
 * into HEAD: those once (then *HEAD_LEN is 0), afterwards read(2) of FD
 * into BUF.  *P points at them; their number, 0 at the end, or -errno. */
ssize_t read_after_head(int fd, const void *head, size_t *head_len,
			void *buf, size_t size, const void **p);
int write_file_at(int dirfd, const char *path, const char *text, int flags, mode_t mode);
int read_file_at(int dirfd, const char *path, char *buf, size_t len);
int mkdir_p(const char *path, mode_t mode);
void close_safe(int *fd);

#endif

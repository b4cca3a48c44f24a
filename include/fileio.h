#ifndef MACHBOX_FILEIO_H
#define MACHBOX_FILEIO_H

#include <sys/types.h>

ssize_t read_all(int fd, void *buf, size_t len);
int write_all(int fd, const void *buf, size_t len);
int write_file_at(int dirfd, const char *path, const char *text, int flags, mode_t mode);
int read_file_at(int dirfd, const char *path, char *buf, size_t len);
int mkdir_p(const char *path, mode_t mode);
void close_safe(int *fd);

#endif

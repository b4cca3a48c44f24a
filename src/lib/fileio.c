/* Small file helpers that return -errno. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "machbox.h"
#include "fileio.h"

ssize_t read_all(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

ssize_t read_after_head(int fd, const void *head, size_t *head_len,
			void *buf, size_t size, const void **p)
{
	ssize_t n;

	if (*head_len) {
		*p = head;
		n = (ssize_t)*head_len;
		*head_len = 0;
		return n;
	}
	*p = buf;
	do
		n = read(fd, buf, size);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

int write_all(int fd, const void *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf = (const char *)buf + n;
		len -= (size_t)n;
	}
	return 0;
}

int write_file_at(int dirfd, const char *path, const char *text, int flags, mode_t mode)
{
	int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY | flags, mode);
	int r;

	if (fd < 0)
		return -errno;
	r = write_all(fd, text, strlen(text));
	if (close(fd) < 0 && !r)
		r = -errno;
	return r;
}

/* Reads at most len-1 bytes and terminates the string; a trailing newline
 * is removed.  -EFBIG when the file did not fit. */
int read_file_at(int dirfd, const char *path, char *buf, size_t len)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	ssize_t n;
	char extra;

	if (fd < 0)
		return -errno;
	n = read_all(fd, buf, len - 1);
	if (n >= 0 && (size_t)n == len - 1 && read(fd, &extra, 1) == 1)
		n = -EFBIG;
	close(fd);
	if (n < 0)
		return (int)n;
	buf[n] = 0;
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	return 0;
}

int mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];
	char *p;

	if (strlcpy_mb(buf, path, sizeof(buf)) >= sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

void close_safe(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		close(*fd);
		errno = saved;
		*fd = -1;
	}
}

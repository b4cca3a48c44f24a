/* Whole small files (keyrings, CA bundles) into memory. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "machbox.h"
#include "fileio.h"
#include "pull/slurp.h"

int slurp(const char *path, size_t max, uint8_t **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		close(fd);
		return S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
	}
	*buf = malloc((size_t)st.st_size + 1);
	n = *buf ? read_all(fd, *buf, (size_t)st.st_size) : -ENOMEM;
	close(fd);
	if (n < 0) {
		free(*buf);
		*buf = NULL;
		return (int)n;
	}
	(*buf)[n] = 0;
	*len = (size_t)n;
	return 0;
}

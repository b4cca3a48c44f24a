#ifndef MACHBOX_PULL_SLURP_H
#define MACHBOX_PULL_SLURP_H

#include <stddef.h>
#include <stdint.h>

/* A regular file of at most max bytes into *buf (malloc'ed, NUL after
 * *len bytes): 0, -EFBIG, -EINVAL (not a file) or -errno */
int slurp(const char *path, size_t max, uint8_t **buf, size_t *len);

#endif

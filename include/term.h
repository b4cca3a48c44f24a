/* Terminal pieces shared by nspawn and machinectl: a RAM ring buffer (the
 * scroll-back that `machinectl console` replays), a size-capped log file
 * with one rotation, and the ^]^]^] escape detector. */
#ifndef MACHBOX_TERM_H
#define MACHBOX_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ring {
	char *buf;
	size_t size, head;	/* head: where the next byte goes */
	bool wrapped;
};

int ring_init(struct ring *r, size_t size);
void ring_free(struct ring *r);
void ring_write(struct ring *r, const void *data, size_t len);
/* copies the retained bytes, oldest first, into out (at most outlen);
 * returns how many */
size_t ring_read(const struct ring *r, void *out, size_t outlen);

struct console_log {
	int fd;
	char *path;
	uint64_t size, cap;
};

/* opens (appending) PATH; cap: rotate to PATH.1 when a write would pass it */
int console_log_open(struct console_log *l, const char *path, uint64_t cap);
int console_log_write(struct console_log *l, const void *data, size_t len);
void console_log_close(struct console_log *l);

struct escape {
	unsigned char key;	/* 0x1d: ^] */
	int count;
	int64_t first_ms;
};

/* "^]" for 0x1d, the key itself otherwise: for "Press ... three times" */
const char *escape_key_name(unsigned char key, char buf[4]);
/* Feeds input bytes; true when the key was pressed three times within a
 * second (the caller detaches). */
bool escape_feed(struct escape *e, const void *data, size_t len, int64_t now_ms);

#endif

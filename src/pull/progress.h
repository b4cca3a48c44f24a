/* Download progress on stderr for the pull verbs: a bar redrawn at most 5
 * times a second on a terminal, a plain line every 5 s elsewhere (serial
 * consoles, logs), nothing with -q. */
#ifndef MACHBOX_PULL_PROGRESS_H
#define MACHBOX_PULL_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress {
	bool quiet, tty, drawn;
	int64_t start, last;	/* ms */
	uint64_t done, total;
};

void progress_init(struct progress *p, bool quiet);
/* the pull_opts.progress callback; ud is the struct progress */
void progress_update(void *ud, uint64_t done, uint64_t total);
/* ends the bar's line */
void progress_end(struct progress *p);

#endif

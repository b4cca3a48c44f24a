/* The console socket of a monitor: `machinectl console` attaches here,
 * gets the scroll-back, then the live output, and may type. */
#ifndef MACHBOX_NSPAWN_CONSOCK_H
#define MACHBOX_NSPAWN_CONSOCK_H

#include <stddef.h>

#include "term.h"

#define CONSOCK_MAX_CLIENTS 4

struct consock {
	int listen_fd;
	int clients[CONSOCK_MAX_CLIENTS];
	char path[4096];
};

void consock_init(struct consock *s);
/* $MACHBOX_ROOT/run/machbox/console/NAME; an old socket of a dead monitor
 * is replaced (the image lock says no live monitor has this machine) */
int consock_open(struct consock *s, const char *machine);
void consock_close(struct consock *s);
void consock_accept(struct consock *s, const struct ring *ring);
void consock_broadcast(struct consock *s, const void *buf, size_t n);
/* a message from client i: input goes to master, a window size too */
void consock_client_ready(struct consock *s, int i, int master);

#endif

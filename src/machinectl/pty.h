/* The client side of a session's pty: our terminal (or pipes) on one end,
 * the pty master of the guest on the other. */
#ifndef MACHBOX_MACHINECTL_PTY_H
#define MACHBOX_MACHINECTL_PTY_H

enum pty_end {
	PTY_ENDED,	/* the session ended (pidfd readable) */
	PTY_ESCAPED,	/* the escape key three times within a second */
	PTY_HANGUP,	/* SIGHUP, SIGTERM or SIGINT to us */
};

/* Relays until the session ends, the escape key (0: none; only with a
 * terminal) or a signal; our terminal is in raw mode meanwhile and
 * restored on every path.  Returns an enum pty_end or -errno. */
int pty_relay(int master, int pidfd, unsigned char escape_key);

#endif

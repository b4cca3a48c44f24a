/* The one applet registry.  Each row: APPLET(name, CFG symbol, flags).
 * Keep the rows sorted by name: the dispatcher binary-searches them and a
 * unit test checks the order.  Expanded into prototypes here and into the
 * dispatch table in src/main.c. */
#ifndef MACHBOX_APPLETS_H
#define MACHBOX_APPLETS_H

/* flags */
#define APPLET_NEEDS_ROOT 1	/* refuses to run without root privileges */

#define APPLET_LIST(APPLET) \
	APPLET(machinectl, CFG_MACHINECTL, 0) \
	APPLET(machined, CFG_MACHINED, APPLET_NEEDS_ROOT) \
	APPLET(nspawn, CFG_NSPAWN, APPLET_NEEDS_ROOT)

#define APPLET_PROTO(name, cfg, flags) int name##_main(int argc, char **argv);
APPLET_LIST(APPLET_PROTO)
#undef APPLET_PROTO

struct applet {
	const char *name;
	int (*main)(int argc, char **argv);
	unsigned flags;
};

/* The applets built into this binary, sorted by name. */
extern const struct applet applets[];
extern const unsigned applet_count;
const struct applet *applet_find(const char *name);
/* 0, or EXIT_FAIL after a message when the running applet needs root */
int applet_check_root(void);

#endif

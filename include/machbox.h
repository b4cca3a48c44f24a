/* Shared helpers of every applet.  Library functions return -errno and never
 * print; the applet front ends report once and pick the exit code. */
#ifndef MACHBOX_H
#define MACHBOX_H

#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* <>: the -I of the config being built, never the one beside this file */
#include <generated/config.h>

#ifndef MACHBOX_VERSION
#define MACHBOX_VERSION "0.1"
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))
#define PRINTF(a, b) __attribute__((format(printf, a, b)))
#define NORETURN __attribute__((noreturn))

/* Exit codes: 0 ok, 1 the operation failed, 2 usage error, 127 no applet. */
enum { EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_NOAPPLET = 127 };

/* --- err.c: messages on stderr prefixed with the applet name --- */
extern const char *progname;
void msg(const char *fmt, ...) PRINTF(1, 2);
/* "PROG: <text>: <strerror(-err)>"; returns EXIT_FAIL for `return fail(...)` */
int fail_errno(int err, const char *fmt, ...) PRINTF(2, 3);
/* one-line usage error; returns EXIT_USAGE */
int usage_error(const char *fmt, ...) PRINTF(1, 2);
void die(const char *fmt, ...) PRINTF(1, 2) NORETURN;
void die_errno(int err, const char *fmt, ...) PRINTF(2, 3) NORETURN;

/* --- xwrap.c: die-on-error wrappers, for CLI front ends only --- */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) PRINTF(1, 2);

/* --- verbs.c: one verb table per CLI, argument counts checked in one place --- */
#define VERB_ANY (-1)
struct verb {
	const char *name;
	int min_args, max_args;	/* counting the verb itself, like systemd */
	unsigned flags;
	int (*fn)(int argc, char **argv, void *ctx);
};
#define VERB_DEFAULT 1		/* run when no verb is given */
#define VERB_ROOT 2		/* needs root */
int verb_dispatch(const struct verb *verbs, size_t n, int argc, char **argv, void *ctx);

/* Real-time signals are named as glibc numbers them (SIGRTMIN = 34), since
 * that is what systemd and every init means by "SIGRTMIN+4"; musl's own
 * SIGRTMIN is 35, so its macro must never be used for them. */
#define MB_SIGRTMIN 34
#define MB_SIGRTMAX 64

/* --- parse.c: values as systemd spells them --- */
int parse_bool(const char *s);			/* 1, 0 or -EINVAL */
int parse_signal(const char *s);		/* signal number or -EINVAL */
const char *signal_name(int sig);		/* "SIGTERM", "SIGRTMIN+4", or NULL */
int parse_size(const char *s, uint64_t *ret);	/* K/M/G/T (1024) suffixes, "infinity" */
int parse_uint(const char *s, unsigned long long max, unsigned long long *ret);
bool machine_name_valid(const char *s);

/* --- path.c: every host path is taken relative to $MACHBOX_ROOT --- */
const char *machbox_root(void);
/* ROOT + path into buf; -ENAMETOOLONG if it does not fit */
int root_path(char *buf, size_t size, const char *path);

/* --- sealed.c --- */
/* Executes our own argv again from a sealed memfd copy of the binary,
 * unless already running from one: for the verbs whose processes a guest
 * can see (see the file).  0 when there is nothing to do (also when the
 * binary lies on a read-only file system and no copy can be made),
 * -errno when the copy cannot be run. */
int exec_sealed_self(void);

/* --- strbuf / helpers --- */
size_t strlcpy_mb(char *dst, const char *src, size_t size);
bool startswith(const char *s, const char *prefix);
bool endswith(const char *s, const char *suffix);
/* *dst = strdup(src), the old one freed; -ENOMEM leaves *dst alone */
int replace_str(char **dst, const char *src);
/* 0-15 for a hex digit, -1 otherwise */
int unhex_digit(int c);
/* milliseconds on CLOCK_MONOTONIC: deadlines, never the time of day */
int64_t mono_ms(void);

#endif

/* systemd's configuration file syntax (conf-parser.c): [Sections],
 * KEY=VALUE lines, # and ; comments (also inside a continuation), a line
 * ending in an odd number of backslashes continuing on the next, a UTF-8
 * BOM ignored, "X-" sections and keys ignored quietly.  Shared by .nspawn
 * settings and machbox.conf; the caller gives the sections and a function
 * that applies one key. */
#ifndef MACHBOX_INI_H
#define MACHBOX_INI_H

#include <stddef.h>

#include "machbox.h"

/* one logical line, continuations included; a whole file */
#define INI_LINE_MAX (64 * 1024)
#define INI_FILE_MAX (1024 * 1024)

struct ini;
/* KEY=VALUE in section ini->sect: 0 applied, 1 unknown key (the reader
 * warns), or -errno with the message set by ini_errorf() */
typedef int (*ini_assign_fn)(struct ini *ini, const char *key, const char *value);
/* one warning: a full sentence without FILE:LINE */
typedef void (*ini_warn_fn)(void *ud, const char *file, unsigned line, const char *msg);

struct ini {
	const char *file;		/* for messages */
	const char *const *sections;	/* names, index 1..n_sections (0 unused) */
	int n_sections;
	ini_assign_fn assign;
	ini_warn_fn warn;		/* may be NULL */
	void *ud;			/* for warn */
	char *err;			/* one line "FILE:LINE: TEXT" on failure */
	size_t errlen;
	/* reader state */
	unsigned line;
	int sect;			/* 0 none yet, -1 an ignored section */
};

/* 0, -ENOMEM, or -EINVAL with ini->err set */
int ini_parse_buffer(struct ini *ini, const char *buf, size_t len);
/* the whole regular file PATH (at most INI_FILE_MAX bytes) into *buf */
int ini_read_file(const char *path, char **buf, size_t *len);
/* ini_read_file + ini_parse_buffer; I/O errors are set in ini->err too */
int ini_parse_file(struct ini *ini, const char *path);

void ini_warnf(struct ini *ini, const char *fmt, ...) PRINTF(2, 3);
/* sets "FILE:LINE: TEXT" and returns -EINVAL */
int ini_errorf(struct ini *ini, const char *fmt, ...) PRINTF(2, 3);
void ini_seterr(char *buf, size_t len, const char *fmt, ...) PRINTF(3, 4);
/* leading and trailing white space removed in place */
char *ini_strip(char *s);

#endif

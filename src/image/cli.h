/* Front-end helpers shared by the image and archive verbs: one-line
 * errors "Failed to <verb> '<name>': <reason>" and output files. */
#ifndef MACHBOX_IMAGE_CLI_H
#define MACHBOX_IMAGE_CLI_H

#include <stdbool.h>

#include "image/image.h"

/* the reason for err in the words of the image store */
const char *image_strerror(int err);
/* prints the line, returns EXIT_FAIL */
int image_fail(const char *verb, const char *name, int err);
/* NAME -> image: EXIT_USAGE for a bad name, EXIT_FAIL when missing, 0 */
int image_get(const char *verb, const char *name, struct image *img);
/* The name of a new image: NAME as given (argv_name), else derived from
 * the file name; EXIT_USAGE when neither gives a valid one. */
int image_new_name(const char *verb, const char *file, const char *argv_name,
		   enum image_name_kind kind, char *buf, size_t len);

/* The input of an import: FILE opened, or stdin for "-" (refused when it
 * is a terminal); -1 after printing why not */
int image_input(const char *verb, const char *name, const char *file);

/* An output file written under a temp name and renamed when complete;
 * "-" or NULL is stdout, refused when it is a terminal. */
struct out_file {
	int fd;
	const char *path;	/* NULL: stdout */
	char tmp[4096];
};
/* 0, or the exit code after printing why not */
int out_open(struct out_file *o, const char *verb, const char *name, const char *path, bool force);
/* ok: renamed into place; else removed.  0 or -errno. */
int out_close(struct out_file *o, bool ok);

#endif

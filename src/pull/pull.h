/* pull-tar and pull-raw: URL → (TLS) → SHA-256 → extractor → a hidden
 * temp image → verification → rename to NAME.  Library code: no output;
 * progress goes to a callback. */
#ifndef MACHBOX_PULL_PULL_H
#define MACHBOX_PULL_PULL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pull/url.h"
#include "pull/verify.h"

struct pull_opts {
	struct url url;
	const char *name;
	bool raw, force, read_only;
	enum pull_verify verify;
	uint32_t userns_base;	/* not 0: extracted in a user namespace (extract.h) */
	/* body bytes so far and the total (0 when unknown); optional */
	void (*progress)(void *ud, uint64_t done, uint64_t total);
	void *ud;
};

struct pull_result {
	uint64_t bytes;		/* of the body */
	unsigned resumes;	/* reconnections after a drop */
	char source[128];	/* the checksum file, "" when not checked */
	char signer[64];	/* "good signature by key ...", "" */
	uint64_t skipped;	/* device nodes left out (userns_base) */
};

/* 0, or -errno with a one-line reason in err.  Nothing is left under NAME
 * or in the store's temp entries on failure. */
int pull_image(const struct pull_opts *o, struct pull_result *res, char *err, size_t errlen);

#endif

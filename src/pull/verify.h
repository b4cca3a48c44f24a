/* --verify=checksum|signature: what the body's SHA-256 must be, learnt
 * before the body is fetched so it can be checked as it streams. */
#ifndef MACHBOX_PULL_VERIFY_H
#define MACHBOX_PULL_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pull/http.h"
#include "pull/url.h"

enum pull_verify { VERIFY_NO, VERIFY_CHECKSUM, VERIFY_SIGNATURE };

struct expect {
	bool have;		/* a hash to check */
	uint8_t hash[32];
	char source[128];	/* the file that listed it: "SHA256SUMS" */
	char filename[256];	/* the name it was listed under (ours) */
	char signer[64];	/* "good signature by key ..." */
};

/* Fetches FILE.sha256 (else the directory's SHA256SUMS) and, for
 * signature, its signature (FILE.sha256.asc; SHA256SUMS.gpg, .asc) and
 * checks it against the keyring.  0 or -errno with a one-line reason. */
int verify_prepare(const struct url *u, enum pull_verify mode, const struct http_opts *ho,
		   struct expect *e, char *err, size_t errlen);
/* The first keyring that exists under $MACHBOX_ROOT: 0 or -ENOENT */
int verify_keyring(char *path, size_t len);

#endif

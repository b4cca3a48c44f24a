/* Checksum files: SHA256SUMS ("HASH  FILE", "HASH *FILE", BSD "SHA256
 * (FILE) = HASH") and openSUSE/OBS FILE.sha256 (the same, or the hash
 * alone). */
#ifndef MACHBOX_PULL_SUMS_H
#define MACHBOX_PULL_SUMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The SHA-256 listed for filename.  With single_ok (a FILE.sha256), a file
 * holding exactly one hash gives it whatever name it lists, since OBS names
 * the versioned file behind a link.  0, -ENOENT (not listed), -EBADMSG
 * (the entry for filename is malformed, or listed twice differently). */
int sums_find(const char *text, size_t len, const char *filename, bool single_ok,
	      uint8_t hash[32]);
/* 64 hex digits into 32 bytes: 0 or -EINVAL */
int sums_unhex(const char *s, size_t n, uint8_t hash[32]);
void sums_hex(const uint8_t hash[32], char out[65]);

#endif

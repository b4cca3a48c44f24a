/* Checking a detached OpenPGP signature against a keyring, with BearSSL's
 * hashes and RSA.  RSA keys and signatures only: others are named and
 * refused. */
#ifndef MACHBOX_PULL_PGP_VERIFY_H
#define MACHBOX_PULL_PGP_VERIFY_H

#include <stddef.h>
#include <stdint.h>

/* data signed by sig (binary or armored) with a key of ring (binary or
 * armored; ring_name names it in messages): 0; -EKEYREJECTED when no
 * signature verifies; -EOPNOTSUPP for algorithms we lack; -EBADMSG for
 * malformed input.  err gets the reason, or on success who signed. */
int pgp_verify(const uint8_t *data, size_t dlen, const uint8_t *sig, size_t slen,
	       const uint8_t *ring, size_t rlen, const char *ring_name, char *err, size_t errlen);

#endif

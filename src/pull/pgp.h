/* OpenPGP (RFC 4880 / 9580) as far as checking a detached signature needs
 * it: ASCII armor with its CRC24, packets in both header formats, v4
 * signatures with their subpackets, v4 RSA public keys.  Pure parsing: the
 * hashing and RSA are in pgp_verify.c. */
#ifndef MACHBOX_PULL_PGP_H
#define MACHBOX_PULL_PGP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pull/buf.h"

enum pgp_error {
	PGP_E_NONE,
	PGP_E_ARMOR,		/* malformed ASCII armor */
	PGP_E_CRC,		/* armor CRC24 mismatch */
	PGP_E_PACKET,		/* malformed packet header or length */
	PGP_E_PARTIAL,		/* a partial length on a signature or key */
	PGP_E_SIG,		/* malformed signature packet */
	PGP_E_SIG_VERSION,	/* not a v4 signature */
	PGP_E_CRITICAL,		/* an unknown critical subpacket */
	PGP_E_KEY,		/* malformed public key packet */
	PGP_E_KEY_VERSION,	/* not a v4 key */
	PGP_E_MAX
};
const char *pgp_error_str(int why);

enum {
	PGP_TAG_SIGNATURE = 2, PGP_TAG_PUBKEY = 6, PGP_TAG_PUBSUBKEY = 14,
	PGP_PK_RSA = 1, PGP_PK_RSA_SIGN = 3,
	PGP_HASH_SHA256 = 8, PGP_HASH_SHA384 = 9, PGP_HASH_SHA512 = 10, PGP_HASH_SHA224 = 11,
	PGP_SIG_BINARY = 0x00, PGP_SIG_TEXT = 0x01,
};
/* "RSA", "EdDSA", "ECDSA"...; "unknown" */
const char *pgp_pk_name(unsigned algo);
/* "SHA256", "SHA1"...; "unknown" */
const char *pgp_hash_name(unsigned algo);

/* Armored input decoded into out, every armored block in turn (text
 * around them skipped); binary input (a packet tag first) copied.  out holds at least len
 * bytes.  The decoded length, or -EBADMSG with *why set. */
long pgp_dearmor(const uint8_t *in, size_t len, uint8_t *out, int *why);
uint32_t pgp_crc24(const uint8_t *p, size_t len);

struct pgp_packet {
	unsigned tag;
	const uint8_t *body;
	size_t len;
};
/* The next packet of b: 1, 0 at the end, -EBADMSG (*why set) */
int pgp_next_packet(struct rbuf *b, struct pgp_packet *p, int *why);

struct pgp_sig {
	unsigned type, pk_algo, hash_algo;
	const uint8_t *trailer;	/* version through the hashed subpackets: */
	size_t trailer_len;	/* hashed after the data */
	uint8_t left16[2];
	uint32_t created, expires;	/* expires: seconds after created, 0 = never */
	uint8_t issuer[8];
	bool has_issuer;
	uint8_t fpr[32];	/* issuer fingerprint, fpr_len 0 when absent */
	size_t fpr_len;
	const uint8_t *mpi;	/* RSA: the signature value, no leading zeros */
	size_t mpi_len;
	unsigned bad_critical;	/* the type of an unknown critical subpacket */
};
/* 0, or -EBADMSG / -EOPNOTSUPP with *why set.  The public key algorithm
 * and hash are not judged here: the caller names them. */
int pgp_parse_sig(const uint8_t *body, size_t len, struct pgp_sig *s, int *why);

struct pgp_key {
	unsigned algo;
	uint32_t created;
	const uint8_t *n, *e;	/* RSA modulus and exponent, no leading zeros */
	size_t nlen, elen;
	const uint8_t *body;	/* the packet body, for the fingerprint */
	size_t len;
};
int pgp_parse_key(const uint8_t *body, size_t len, struct pgp_key *k, int *why);

#endif

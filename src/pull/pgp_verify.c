/* The crypto half of OpenPGP verification: v4 fingerprints (SHA-1, as
 * RFC 4880 defines them), the signed hash (data, then the signature's own
 * trailer), and RSA PKCS#1 v1.5 with the hash's DigestInfo. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "machbox.h"
#include "pull/br.h"
#include "pull/pgp.h"
#include "pull/pgp_verify.h"

#define KEYS_MAX 64

struct ring_key {
	struct pgp_key k;
	uint8_t fpr[20];
};

struct ring {
	struct ring_key keys[KEYS_MAX];
	unsigned n;
};

/* What happened to the signatures, for the message when none verified */
struct outcome {
	char unsupported[96];
	uint8_t issuer[8];
	bool has_issuer, key_found, bad_math, expired;
	int why;
};

static void v4_fingerprint(const struct pgp_key *k, uint8_t fpr[20])
{
	br_sha1_context c;
	uint8_t hdr[3] = { 0x99, (uint8_t)(k->len >> 8), (uint8_t)k->len };

	br_sha1_init(&c);
	br_sha1_update(&c, hdr, 3);
	br_sha1_update(&c, k->body, k->len);
	br_sha1_out(&c, fpr);
}

/* The RSA keys (primary and subkeys) of a keyring */
static int ring_load(struct ring *ring, const uint8_t *p, size_t len, int *why)
{
	struct pgp_packet pk;
	struct rbuf b;
	int r;

	ring->n = 0;
	rb_init(&b, p, len);
	while ((r = pgp_next_packet(&b, &pk, why)) > 0) {
		struct ring_key *rk = &ring->keys[ring->n];

		if (pk.tag != PGP_TAG_PUBKEY && pk.tag != PGP_TAG_PUBSUBKEY)
			continue;
		if (ring->n == KEYS_MAX || pgp_parse_key(pk.body, pk.len, &rk->k, why) || !rk->k.n)
			continue;	/* other versions and algorithms cannot sign for us */
		v4_fingerprint(&rk->k, rk->fpr);
		ring->n++;
	}
	return r;
}

static const br_hash_class *hash_class(unsigned algo, const unsigned char **oid)
{
	switch (algo) {
	case PGP_HASH_SHA224:
		*oid = BR_HASH_OID_SHA224;
		return &br_sha224_vtable;
	case PGP_HASH_SHA256:
		*oid = BR_HASH_OID_SHA256;
		return &br_sha256_vtable;
	case PGP_HASH_SHA384:
		*oid = BR_HASH_OID_SHA384;
		return &br_sha384_vtable;
	case PGP_HASH_SHA512:
		*oid = BR_HASH_OID_SHA512;
		return &br_sha512_vtable;
	}
	return NULL;
}

/* Text signatures hash the data with CRLF line ends */
static void hash_text(const br_hash_class *hc, br_hash_compat_context *c,
		      const uint8_t *p, size_t len)
{
	size_t i, start = 0;

	for (i = 0; i < len; i++) {
		if (p[i] != '\n' || (i > 0 && p[i - 1] == '\r'))
			continue;
		hc->update(&c->vtable, p + start, i - start);
		hc->update(&c->vtable, "\r\n", 2);
		start = i + 1;
	}
	hc->update(&c->vtable, p + start, len - start);
}

/* The digest a v4 signature signs: data, trailer, 0x04 0xff len32 */
static size_t sig_digest(const struct pgp_sig *s, const br_hash_class *hc,
			 const uint8_t *data, size_t dlen, uint8_t out[64])
{
	br_hash_compat_context c;
	uint8_t fin[6] = { 4, 0xff, (uint8_t)(s->trailer_len >> 24), (uint8_t)(s->trailer_len >> 16),
			   (uint8_t)(s->trailer_len >> 8), (uint8_t)s->trailer_len };

	hc->init(&c.vtable);
	if (s->type == PGP_SIG_TEXT)
		hash_text(hc, &c, data, dlen);
	else
		hc->update(&c.vtable, data, dlen);
	hc->update(&c.vtable, s->trailer, s->trailer_len);
	hc->update(&c.vtable, fin, sizeof(fin));
	hc->out(&c.vtable, out);
	return (hc->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK;
}

static bool key_matches(const struct ring_key *rk, const struct pgp_sig *s)
{
	if (s->fpr_len == 20)
		return !memcmp(rk->fpr, s->fpr, 20);
	if (s->has_issuer)
		return !memcmp(rk->fpr + 12, s->issuer, 8);
	return true;	/* no issuer named: every key may try */
}

/* RSA PKCS#1 v1.5: the signature, left-padded to the modulus, must open
 * to the DigestInfo of our digest */
static bool rsa_ok(const struct ring_key *rk, const struct pgp_sig *s, const unsigned char *oid,
		   const uint8_t *digest, size_t hlen)
{
	br_rsa_public_key pk = {
		(unsigned char *)rk->k.n, rk->k.nlen, (unsigned char *)rk->k.e, rk->k.elen,
	};
	uint8_t x[1024], out[64];

	if (s->mpi_len > rk->k.nlen || rk->k.nlen > sizeof(x))
		return false;
	memset(x, 0, rk->k.nlen - s->mpi_len);
	memcpy(x + rk->k.nlen - s->mpi_len, s->mpi, s->mpi_len);
	if (!br_rsa_i31_pkcs1_vrfy(x, rk->k.nlen, oid, hlen, &pk, out))
		return false;
	return !memcmp(out, digest, hlen);
}

/* one signature packet: 1 verified (by *who), 0 not, outcome noted */
static int check_sig(const struct pgp_sig *s, const struct ring *ring, const uint8_t *data,
		     size_t dlen, struct outcome *oc, const struct ring_key **who)
{
	const unsigned char *oid;
	const br_hash_class *hc = hash_class(s->hash_algo, &oid);
	uint8_t digest[64];
	size_t hlen;
	unsigned i;

	if (!s->mpi) {
		snprintf(oc->unsupported, sizeof(oc->unsupported),
			 "signature algorithm %s is not supported (only RSA)", pgp_pk_name(s->pk_algo));
		return 0;
	}
	if (!hc) {
		snprintf(oc->unsupported, sizeof(oc->unsupported),
			 "hash algorithm %s is not supported", pgp_hash_name(s->hash_algo));
		return 0;
	}
	hlen = sig_digest(s, hc, data, dlen, digest);
	for (i = 0; i < ring->n; i++) {
		if (!key_matches(&ring->keys[i], s))
			continue;
		oc->key_found = true;
		if (memcmp(digest, s->left16, 2) || !rsa_ok(&ring->keys[i], s, oid, digest, hlen)) {
			oc->bad_math = true;
			continue;
		}
		*who = &ring->keys[i];
		return 1;
	}
	return 0;
}

static bool sig_expired(const struct pgp_sig *s)
{
	return s->expires && (int64_t)s->created + s->expires < (int64_t)time(NULL);
}

/* Every signature packet in turn until one verifies */
static int check_sigs(const uint8_t *sig, size_t slen, const struct ring *ring,
		      const uint8_t *data, size_t dlen, struct outcome *oc, const struct ring_key **who)
{
	struct pgp_packet pk;
	struct pgp_sig s;
	struct rbuf b;
	int r, seen = 0;

	rb_init(&b, sig, slen);
	while ((r = pgp_next_packet(&b, &pk, &oc->why)) > 0) {
		if (pk.tag != PGP_TAG_SIGNATURE)
			continue;
		seen++;
		r = pgp_parse_sig(pk.body, pk.len, &s, &oc->why);
		if (r == -EOPNOTSUPP)
			snprintf(oc->unsupported, sizeof(oc->unsupported), "%s", pgp_error_str(oc->why));
		if (r || (s.type != PGP_SIG_BINARY && s.type != PGP_SIG_TEXT))
			continue;
		memcpy(oc->issuer, s.fpr_len == 20 ? s.fpr + 12 : s.issuer, 8);
		oc->has_issuer = s.fpr_len == 20 || s.has_issuer;
		if (sig_expired(&s)) {
			oc->expired = true;
			continue;
		}
		if (check_sig(&s, ring, data, dlen, oc, who))
			return 1;
	}
	if (r < 0)
		return r;
	return seen ? 0 : -ENOMSG;
}

static void keyid_hex(const uint8_t id[8], char out[17])
{
	static const char hex[] = "0123456789ABCDEF";
	int i;

	for (i = 0; i < 8; i++) {
		out[2 * i] = hex[id[i] >> 4];
		out[2 * i + 1] = hex[id[i] & 15];
	}
	out[16] = 0;
}

static int explain(const struct outcome *oc, const char *ring_name, char *err, size_t errlen)
{
	char id[17] = "";

	if (oc->has_issuer)
		keyid_hex(oc->issuer, id);
	if (oc->bad_math)
		snprintf(err, errlen, "no valid signature from a key in %s: the signature by key %s "
			 "does not match the data", ring_name, id[0] ? id : "(unnamed)");
	else if (oc->unsupported[0])
		snprintf(err, errlen, "%s", oc->unsupported);
	else if (oc->expired)
		snprintf(err, errlen, "no valid signature from a key in %s: the signature has expired",
			 ring_name);
	else if (!oc->key_found && id[0])
		snprintf(err, errlen, "no valid signature from a key in %s: signed by key %s, which "
			 "is not in it", ring_name, id);
	else
		snprintf(err, errlen, "no valid signature from a key in %s", ring_name);
	return oc->unsupported[0] && !oc->bad_math ? -EOPNOTSUPP : -EKEYREJECTED;
}

/* dearmored copies of sig and ring, and the ring's keys */
struct work {
	uint8_t *sig, *ring;
	long slen, rlen;
	struct ring keys;
};

static int prepare(struct work *w, const uint8_t *sig, size_t slen, const uint8_t *ring,
		   size_t rlen, const char *ring_name, char *err, size_t errlen)
{
	int why = 0;

	w->sig = malloc(slen + 1);
	w->ring = malloc(rlen + 1);
	if (!w->sig || !w->ring)
		return -ENOMEM;
	w->slen = pgp_dearmor(sig, slen, w->sig, &why);
	if (w->slen < 0) {
		snprintf(err, errlen, "bad signature file: %s", pgp_error_str(why));
		return -EBADMSG;
	}
	w->rlen = pgp_dearmor(ring, rlen, w->ring, &why);
	if (w->rlen < 0 || ring_load(&w->keys, w->ring, (size_t)w->rlen, &why) < 0) {
		snprintf(err, errlen, "bad keyring %s: %s", ring_name, pgp_error_str(why));
		return -EBADMSG;
	}
	if (!w->keys.n) {
		snprintf(err, errlen, "no usable (v4 RSA) key in %s", ring_name);
		return -ENOKEY;
	}
	return 0;
}

int pgp_verify(const uint8_t *data, size_t dlen, const uint8_t *sig, size_t slen,
	       const uint8_t *ring, size_t rlen, const char *ring_name, char *err, size_t errlen)
{
	struct work *w = calloc(1, sizeof(*w));
	struct outcome oc = { .why = 0 };
	const struct ring_key *who = NULL;
	int r;

	if (!w)
		return -ENOMEM;
	r = prepare(w, sig, slen, ring, rlen, ring_name, err, errlen);
	if (!r)
		r = check_sigs(w->sig, (size_t)w->slen, &w->keys, data, dlen, &oc, &who);
	if (r == 1) {
		char id[17];

		keyid_hex(who->fpr + 12, id);
		snprintf(err, errlen, "good signature by key %s", id);
		r = 0;
	} else if (r == 0) {
		r = explain(&oc, ring_name, err, errlen);
	} else if (r == -ENOMSG) {
		snprintf(err, errlen, "the signature file holds no signature");
		r = -EBADMSG;
	} else if (r == -EBADMSG) {
		snprintf(err, errlen, "bad signature file: %s", pgp_error_str(oc.why));
	}
	free(w->sig);
	free(w->ring);
	free(w);
	return r;
}

/* OpenPGP parsing for detached signatures and keyrings (RFC 4880, with
 * RFC 9580's optional armor checksum).  Everything read from the files
 * goes through struct rbuf. */
#include <errno.h>
#include <string.h>

#include "machbox.h"
#include "pull/pgp.h"

static const char *const pgp_errors[PGP_E_MAX] = {
	[PGP_E_NONE] = "no error",
	[PGP_E_ARMOR] = "malformed ASCII armor",
	[PGP_E_CRC] = "ASCII armor checksum (CRC24) mismatch",
	[PGP_E_PACKET] = "malformed OpenPGP packet",
	[PGP_E_PARTIAL] = "partial-length OpenPGP packet",
	[PGP_E_SIG] = "malformed signature packet",
	[PGP_E_SIG_VERSION] = "only version 4 signatures are supported",
	[PGP_E_CRITICAL] = "unknown critical signature subpacket",
	[PGP_E_KEY] = "malformed public key packet",
	[PGP_E_KEY_VERSION] = "only version 4 keys are supported",
};

const char *pgp_error_str(int why)
{
	if (why < 0 || why >= PGP_E_MAX || !pgp_errors[why])
		return "bad OpenPGP data";
	return pgp_errors[why];
}

const char *pgp_pk_name(unsigned algo)
{
	switch (algo) {
	case 1: case 2: case 3: return "RSA";
	case 16: return "Elgamal";
	case 17: return "DSA";
	case 18: return "ECDH";
	case 19: return "ECDSA";
	case 22: return "EdDSA";
	case 25: return "X25519";
	case 26: return "X448";
	case 27: return "Ed25519";
	case 28: return "Ed448";
	}
	return "unknown";
}

const char *pgp_hash_name(unsigned algo)
{
	switch (algo) {
	case 1: return "MD5";
	case 2: return "SHA1";
	case 3: return "RIPEMD160";
	case 8: return "SHA256";
	case 9: return "SHA384";
	case 10: return "SHA512";
	case 11: return "SHA224";
	case 12: return "SHA3-256";
	case 14: return "SHA3-512";
	}
	return "unknown";
}

/* --- ASCII armor --- */

uint32_t pgp_crc24(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xB704CE;
	int i;

	while (len--) {
		crc ^= (uint32_t)*p++ << 16;
		for (i = 0; i < 8; i++) {
			crc <<= 1;
			if (crc & 0x1000000)
				crc ^= 0x1864CFB;
		}
	}
	return crc & 0xFFFFFF;
}

struct b64 {
	uint32_t acc;
	int bits;
	bool pad;
};

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	return c == '/' ? 63 : -1;
}

/* one line of base64 appended at out + *o: 0 or -EBADMSG */
static int b64_line(struct b64 *st, const char *s, size_t n, uint8_t *out, size_t *o)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int v = b64val((unsigned char)s[i]);

		if (s[i] == '=') {
			st->pad = true;
			continue;
		}
		if (s[i] == ' ' || s[i] == '\t')
			continue;
		if (v < 0 || st->pad)
			return -EBADMSG;
		st->acc = st->acc << 6 | (uint32_t)v;
		st->bits += 6;
		if (st->bits >= 8) {
			st->bits -= 8;
			out[(*o)++] = (uint8_t)(st->acc >> st->bits);
		}
	}
	return 0;
}

static bool starts(const char *line, size_t n, const char *prefix)
{
	size_t pl = strlen(prefix);

	return n >= pl && !memcmp(line, prefix, pl);
}

/* "=XXXX": the CRC24 of the block */
static int check_crc(const char *line, size_t n, const uint8_t *data, size_t len, int *why)
{
	struct b64 st = { 0 };
	uint8_t crc[4];
	size_t o = 0;

	if (n != 5 || b64_line(&st, line + 1, 4, crc, &o) || o != 3) {
		*why = PGP_E_ARMOR;
		return -EBADMSG;
	}
	if (pgp_crc24(data, len) != ((uint32_t)crc[0] << 16 | (uint32_t)crc[1] << 8 | crc[2])) {
		*why = PGP_E_CRC;
		return -EBADMSG;
	}
	return 0;
}

/* The body of one armored block, after its BEGIN line, into out + *o */
static int armor_block(struct rbuf *b, uint8_t *out, size_t *o, int *why)
{
	struct b64 st = { 0 };
	const char *line;
	size_t n, start = *o;
	bool body = false;

	*why = PGP_E_ARMOR;
	while (rb_line(b, &line, &n)) {
		while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		if (starts(line, n, "-----END PGP "))
			return st.bits >= 8 ? -EBADMSG : 0;
		if (!body && memchr(line, ':', n))
			continue;	/* an armor header ("Version: ...") */
		if (!body && n == 0) {
			body = true;
			continue;
		}
		body = true;
		if (n == 5 && line[0] == '=') {
			if (check_crc(line, n, out + start, *o - start, why))
				return -EBADMSG;
			continue;
		}
		if (b64_line(&st, line, n, out, o))
			return -EBADMSG;
	}
	return -EBADMSG;	/* no END line */
}

long pgp_dearmor(const uint8_t *in, size_t len, uint8_t *out, int *why)
{
	struct rbuf b;
	const char *line;
	size_t n, o = 0;
	bool any = false;

	*why = PGP_E_NONE;
	/* binary OpenPGP starts with a packet tag, bit 7 set; text is armor */
	if (len && in[0] & 0x80) {
		memcpy(out, in, len);
		return (long)len;
	}
	rb_init(&b, in, len);
	while (rb_line(&b, &line, &n)) {
		if (!starts(line, n, "-----BEGIN PGP "))
			continue;
		if (armor_block(&b, out, &o, why))
			return -EBADMSG;
		any = true;
	}
	*why = any ? PGP_E_NONE : PGP_E_ARMOR;
	return any ? (long)o : -EBADMSG;
}

/* --- packets --- */

static int fail(int *why, int w, int err)
{
	*why = w;
	return err;
}

/* new-format length; partial lengths are refused */
static size_t new_length(struct rbuf *b, int *why)
{
	unsigned o1 = rb_u8(b);

	if (o1 < 192)
		return o1;
	if (o1 < 224)
		return ((o1 - 192) << 8) + rb_u8(b) + 192;
	if (o1 == 255)
		return rb_be32(b);
	*why = PGP_E_PARTIAL;
	rb_fail(b, -EBADMSG);
	return 0;
}

static size_t old_length(struct rbuf *b, unsigned type)
{
	switch (type) {
	case 0:
		return rb_u8(b);
	case 1:
		return rb_be16(b);
	case 2:
		return rb_be32(b);
	}
	return rb_left(b);	/* indeterminate: to the end */
}

int pgp_next_packet(struct rbuf *b, struct pgp_packet *p, int *why)
{
	unsigned h;

	if (!rb_left(b) && !b->err)
		return 0;
	*why = PGP_E_PACKET;
	h = rb_u8(b);
	if (!(h & 0x80))
		rb_fail(b, -EBADMSG);
	if (h & 0x40) {
		p->tag = h & 0x3f;
		p->len = new_length(b, why);
	} else {
		p->tag = (h >> 2) & 0xf;
		p->len = old_length(b, h & 3);
	}
	p->body = rb_take(b, p->len);
	if (b->err)
		return -EBADMSG;
	*why = PGP_E_NONE;
	return 1;
}

/* An MPI: its bytes without leading zeros */
static const uint8_t *read_mpi(struct rbuf *b, size_t *len)
{
	unsigned bits = rb_be16(b);
	const uint8_t *p = rb_take(b, (bits + 7) / 8);

	*len = p ? (bits + 7) / 8 : 0;
	while (p && *len && !*p) {
		p++;
		(*len)--;
	}
	return p;
}

/* subpacket types a signature over a file may mark critical */
static bool known_subpacket(unsigned t)
{
	static const uint8_t known[] = { 2, 3, 4, 9, 11, 16, 21, 22, 23, 25, 27, 28, 30, 33 };

	return memchr(known, (int)t, sizeof(known)) != NULL;
}

static void subpacket(struct pgp_sig *s, unsigned type, struct rbuf *sp, bool hashed)
{
	const uint8_t *p;

	if (type == 2 && hashed) {
		s->created = rb_be32(sp);
	} else if (type == 3 && hashed) {
		s->expires = rb_be32(sp);
	} else if (type == 16 && (p = rb_take(sp, 8))) {
		memcpy(s->issuer, p, 8);
		s->has_issuer = true;
	} else if (type == 33 && rb_left(sp) >= 21 && rb_left(sp) <= 33) {
		rb_u8(sp);	/* key version */
		s->fpr_len = rb_left(sp);
		memcpy(s->fpr, rb_take(sp, s->fpr_len), s->fpr_len);
	}
}

/* subpacket lengths: like new-format packet lengths, without partials */
static size_t sub_length(struct rbuf *b)
{
	unsigned o1 = rb_u8(b);

	if (o1 < 192)
		return o1;
	if (o1 < 255)
		return ((o1 - 192) << 8) + rb_u8(b) + 192;
	return rb_be32(b);
}

static int subpackets(struct pgp_sig *s, struct rbuf area, bool hashed, int *why)
{
	while (rb_left(&area)) {
		size_t len = sub_length(&area);
		struct rbuf sp = rb_sub(&area, len);
		unsigned type = rb_u8(&sp);

		if (area.err || sp.err || !len)
			return fail(why, PGP_E_SIG, -EBADMSG);
		if ((type & 0x80) && hashed && !known_subpacket(type & 0x7f)) {
			s->bad_critical = type & 0x7f;
			return fail(why, PGP_E_CRITICAL, -EOPNOTSUPP);
		}
		subpacket(s, type & 0x7f, &sp, hashed);
	}
	return 0;
}

int pgp_parse_sig(const uint8_t *body, size_t len, struct pgp_sig *s, int *why)
{
	struct rbuf b, hashed, unhashed;
	const uint8_t *l16;
	unsigned version;
	int r;

	memset(s, 0, sizeof(*s));
	rb_init(&b, body, len);
	version = rb_u8(&b);
	if (!b.err && version != 4)
		return fail(why, PGP_E_SIG_VERSION, -EOPNOTSUPP);
	s->type = rb_u8(&b);
	s->pk_algo = rb_u8(&b);
	s->hash_algo = rb_u8(&b);
	hashed = rb_sub(&b, rb_be16(&b));
	s->trailer = body;
	s->trailer_len = b.pos;
	unhashed = rb_sub(&b, rb_be16(&b));
	l16 = rb_take(&b, 2);
	if (l16)
		memcpy(s->left16, l16, 2);
	if (s->pk_algo == PGP_PK_RSA || s->pk_algo == PGP_PK_RSA_SIGN)
		s->mpi = read_mpi(&b, &s->mpi_len);
	if (b.err || (s->mpi && !s->mpi_len))
		return fail(why, PGP_E_SIG, -EBADMSG);
	r = subpackets(s, hashed, true, why);
	if (!r)
		r = subpackets(s, unhashed, false, why);
	return r;
}

int pgp_parse_key(const uint8_t *body, size_t len, struct pgp_key *k, int *why)
{
	struct rbuf b;
	unsigned version;

	memset(k, 0, sizeof(*k));
	rb_init(&b, body, len);
	version = rb_u8(&b);
	if (!b.err && version != 4)
		return fail(why, PGP_E_KEY_VERSION, -EOPNOTSUPP);
	k->created = rb_be32(&b);
	k->algo = rb_u8(&b);
	k->body = body;
	k->len = len;
	if (k->algo == PGP_PK_RSA || k->algo == PGP_PK_RSA_SIGN) {
		k->n = read_mpi(&b, &k->nlen);
		k->e = read_mpi(&b, &k->elen);
		if (!b.err && (!k->nlen || !k->elen))
			rb_fail(&b, -EBADMSG);
	}
	if (b.err)
		return fail(why, PGP_E_KEY, -EBADMSG);
	return 0;
}

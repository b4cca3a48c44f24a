/* libFuzzer target for the OpenPGP parser: the input is a signature file
 * or keyring, armored or binary.  It is dearmored, split into packets, and
 * every signature and key packet parsed; whatever is returned must point
 * inside the decoded buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pull/pgp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const uint8_t *p, size_t n, const uint8_t *buf, size_t len)
{
	if (p && (p < buf || p + n > buf + len))
		abort();
}

static void packet(const struct pgp_packet *pk, const uint8_t *buf, size_t len)
{
	struct pgp_sig s;
	struct pgp_key k;
	int why;

	inside(pk->body, pk->len, buf, len);
	if (pgp_parse_sig(pk->body, pk->len, &s, &why) == 0) {
		inside(s.trailer, s.trailer_len, buf, len);
		inside(s.mpi, s.mpi_len, buf, len);
		if (s.fpr_len > sizeof(s.fpr))
			abort();
	}
	if (pgp_parse_key(pk->body, pk->len, &k, &why) == 0) {
		inside(k.n, k.nlen, buf, len);
		inside(k.e, k.elen, buf, len);
	}
	(void)pgp_error_str(why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *in = malloc(size ? size : 1), *out = malloc(size ? size : 1);
	struct pgp_packet pk;
	struct rbuf b;
	int why, n = 0;
	long len;

	memcpy(in, data, size);
	len = pgp_dearmor(in, size, out, &why);
	if (len > (long)size)
		abort();
	if (len >= 0) {
		rb_init(&b, out, (size_t)len);
		while (pgp_next_packet(&b, &pk, &why) > 0 && n++ < 10000)
			packet(&pk, out, (size_t)len);
	}
	free(in);
	free(out);
	return 0;
}

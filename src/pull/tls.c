/* The BearSSL client: TLS 1.2, ECDHE with AES-GCM or ChaCha20 only, minimal X.509 engine
 * wrapped so that a refused certificate can be explained in words. */
#include "pull/br.h"
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "machbox.h"
#include "pull/der.h"
#include "pull/tls.h"
#include "pull/tls_ca.h"

#define CHAIN_MAX 8
#define CERT_MAX 16384

/* Forwards everything to the minimal engine and keeps the validity and
 * names of the chain's certificates for the error message. */
struct xwrap {
	const br_x509_class *vtable;
	br_x509_minimal_context inner;
	uint8_t cert[CERT_MAX];
	size_t cert_len;
	bool cert_over;
	struct x509_info info[CHAIN_MAX];
	unsigned n;
};

struct tls {
	br_ssl_client_context sc;
	struct xwrap xw;
	br_sslio_context io;
	struct sock *s;
	int sock_err;		/* the transport's -errno, 0 after EOF */
	bool eof;
	char host[256];
	uint8_t iobuf[BR_SSL_BUFSIZE_BIDI];
};

#define XW(ctx) container_of(ctx, struct xwrap, vtable)

static void xw_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct xwrap *x = XW(ctx);

	x->n = 0;
	x->inner.vtable->start_chain(&x->inner.vtable, server_name);
}

static void xw_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct xwrap *x = XW(ctx);

	x->cert_len = 0;
	x->cert_over = length > CERT_MAX;
	x->inner.vtable->start_cert(&x->inner.vtable, length);
}

static void xw_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct xwrap *x = XW(ctx);

	if (!x->cert_over && len <= CERT_MAX - x->cert_len) {
		memcpy(x->cert + x->cert_len, buf, len);
		x->cert_len += len;
	} else {
		x->cert_over = true;
	}
	x->inner.vtable->append(&x->inner.vtable, buf, len);
}

static void xw_end_cert(const br_x509_class **ctx)
{
	struct xwrap *x = XW(ctx);

	if (x->n < CHAIN_MAX) {
		memset(&x->info[x->n], 0, sizeof(x->info[x->n]));
		if (!x->cert_over)
			(void)x509_info_parse(x->cert, x->cert_len, &x->info[x->n]);
		x->n++;
	}
	x->inner.vtable->end_cert(&x->inner.vtable);
}

static unsigned xw_end_chain(const br_x509_class **ctx)
{
	struct xwrap *x = XW(ctx);

	return x->inner.vtable->end_chain(&x->inner.vtable);
}

static const br_x509_pkey *xw_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	const struct xwrap *x = container_of(ctx, const struct xwrap, vtable);

	return x->inner.vtable->get_pkey(&x->inner.vtable, usages);
}

static const br_x509_class xw_vtable = {
	sizeof(struct xwrap), xw_start_chain, xw_start_cert, xw_append,
	xw_end_cert, xw_end_chain, xw_get_pkey,
};

/* --- why a handshake failed, in words --- */

static void untrusted_message(const struct xwrap *x, char *err, size_t errlen)
{
	if (x->n == 1 && x->info[0].parsed && x->info[0].self_issued)
		snprintf(err, errlen, "the server's certificate is self-signed and not trusted "
			 "(trust anchors: %s)", tls_ca_file());
	else
		snprintf(err, errlen, "the server's certificate is not signed by a trusted CA "
			 "(trust anchors: %s)", tls_ca_file());
}

static void x509_message(const struct tls *t, int e, char *err, size_t errlen)
{
	const struct xwrap *x = &t->xw;

	switch (e) {
	case BR_ERR_X509_EXPIRED:
		x509_explain_expired(x->info, x->n, time(NULL), err, errlen);
		break;
	case BR_ERR_X509_BAD_SERVER_NAME:
		if (x->n && x->info[0].parsed && x->info[0].name[0])
			snprintf(err, errlen, "the server's certificate is for %s, not %s",
				 x->info[0].name, t->host);
		else
			snprintf(err, errlen, "the server's certificate does not match %s", t->host);
		break;
	case BR_ERR_X509_NOT_TRUSTED:
		untrusted_message(x, err, errlen);
		break;
	case BR_ERR_X509_TIME_UNKNOWN:
		snprintf(err, errlen, "the system clock is not set: set it and try again");
		break;
	default:
		snprintf(err, errlen, "the server's certificate chain is invalid (BearSSL X.509 error %d)", e);
	}
}

static void tls_message(const struct tls *t, int e, char *err, size_t errlen)
{
	if (e >= BR_ERR_X509_OK && e < BR_ERR_RECV_FATAL_ALERT)
		x509_message(t, e, err, errlen);
	else if (e == BR_ERR_UNSUPPORTED_VERSION || e == BR_ERR_BAD_VERSION)
		snprintf(err, errlen, "TLS with %s failed: the server speaks no TLS 1.2 with ECDHE and AES-GCM or ChaCha20", t->host);
	else if (e == BR_ERR_BAD_CIPHER_SUITE)
		snprintf(err, errlen, "TLS with %s failed: no cipher suite in common", t->host);
	else if (e >= BR_ERR_SEND_FATAL_ALERT)
		snprintf(err, errlen, "TLS with %s failed: we sent alert %d", t->host,
			 e - BR_ERR_SEND_FATAL_ALERT);
	else if (e >= BR_ERR_RECV_FATAL_ALERT)
		snprintf(err, errlen, "TLS with %s failed: the server sent alert %d", t->host,
			 e - BR_ERR_RECV_FATAL_ALERT);
	else
		snprintf(err, errlen, "TLS with %s failed (BearSSL error %d)", t->host, e);
}

/* 0 when the engine is still good; else -errno, err set for TLS errors */
static int tls_failure(struct tls *t, char *err, size_t errlen)
{
	int e;

	if (br_ssl_engine_current_state(&t->sc.eng) != BR_SSL_CLOSED)
		return 0;
	e = br_ssl_engine_last_error(&t->sc.eng);
	if (e == BR_ERR_OK)
		return 0;
	if (e == BR_ERR_IO)	/* the socket's own error: the caller words it */
		return t->eof ? -ECONNRESET : t->sock_err ? t->sock_err : -EIO;
	tls_message(t, e, err, errlen);
	return e >= BR_ERR_X509_OK && e < BR_ERR_RECV_FATAL_ALERT ? -EPERM : -EPROTO;
}

/* --- transport --- */

static int io_read(void *ctx, unsigned char *buf, size_t len)
{
	struct tls *t = ctx;
	ssize_t n = sock_read(t->s, buf, len > INT_MAX ? INT_MAX : len);

	if (n > 0)
		return (int)n;
	t->eof = n == 0;
	t->sock_err = (int)n;
	return -1;
}

static int io_write(void *ctx, const unsigned char *buf, size_t len)
{
	struct tls *t = ctx;
	int r = sock_write_all(t->s, buf, len > INT_MAX ? INT_MAX : len);

	if (!r)
		return len > INT_MAX ? INT_MAX : (int)len;
	t->sock_err = r;
	return -1;
}

/* TLS 1.2 with forward secrecy and AEAD only: what image servers speak
 * today, and a third of BearSSL's full client less code on the router
 * (no CBC, 3DES, CCM, static RSA or ECDH, no TLS 1.0/1.1 PRF). */
static void client_init(br_ssl_client_context *cc, br_x509_minimal_context *xc,
			const br_x509_trust_anchor *ta, size_t n)
{
	static const uint16_t suites[] = {
		BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
		BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	};
	/* certificates are still signed with SHA-1 .. SHA-512 */
	static const br_hash_class *const hashes[] = {
		&br_sha1_vtable, &br_sha224_vtable, &br_sha256_vtable,
		&br_sha384_vtable, &br_sha512_vtable,
	};
	size_t i;

	br_ssl_client_zero(cc);
	br_ssl_engine_set_versions(&cc->eng, BR_TLS12, BR_TLS12);
	br_x509_minimal_init(xc, &br_sha256_vtable, ta, n);
	br_ssl_engine_set_suites(&cc->eng, suites, ARRAY_SIZE(suites));
	br_ssl_engine_set_default_rsavrfy(&cc->eng);
	br_ssl_engine_set_default_ecdsa(&cc->eng);
	br_x509_minimal_set_rsa(xc, br_ssl_engine_get_rsavrfy(&cc->eng));
	br_x509_minimal_set_ecdsa(xc, br_ssl_engine_get_ec(&cc->eng), br_ssl_engine_get_ecdsa(&cc->eng));
	for (i = 0; i < ARRAY_SIZE(hashes); i++) {
		int id = (int)((hashes[i]->desc >> BR_HASHDESC_ID_OFF) & BR_HASHDESC_ID_MASK);

		br_ssl_engine_set_hash(&cc->eng, id, hashes[i]);
		br_x509_minimal_set_hash(xc, id, hashes[i]);
	}
	br_ssl_engine_set_x509(&cc->eng, &xc->vtable);
	br_ssl_engine_set_prf_sha256(&cc->eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(&cc->eng, &br_tls12_sha384_prf);
	br_ssl_engine_set_default_aes_gcm(&cc->eng);
	br_ssl_engine_set_default_chapol(&cc->eng);
}

int tls_start(struct tls **tp, struct sock *s, const char *host, char *err, size_t errlen)
{
	const br_x509_trust_anchor *ta;
	uint8_t seed[32];
	struct tls *t;
	size_t n;
	int r = tls_anchors(&ta, &n, err, errlen);

	if (r)
		return r;
	if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		return -errno;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->s = s;
	strlcpy_mb(t->host, host, sizeof(t->host));
	client_init(&t->sc, &t->xw.inner, ta, n);
	t->xw.vtable = &xw_vtable;
	br_ssl_engine_set_x509(&t->sc.eng, &t->xw.vtable);
	br_ssl_engine_set_buffer(&t->sc.eng, t->iobuf, sizeof(t->iobuf), 1);
	/* the kernel's entropy, so BearSSL needs no /dev/urandom */
	br_ssl_engine_inject_entropy(&t->sc.eng, seed, sizeof(seed));
	br_ssl_client_reset(&t->sc, t->host, 0);
	br_sslio_init(&t->io, &t->sc.eng, io_read, t, io_write, t);
	/* flushing nothing runs the handshake to its end */
	if (br_sslio_flush(&t->io) < 0) {
		r = tls_failure(t, err, errlen);
		tls_free(t);
		return r ? r : -EPROTO;
	}
	*tp = t;
	return 0;
}

bool tls_closed_cleanly(const struct tls *t)
{
	return br_ssl_engine_current_state(&t->sc.eng) == BR_SSL_CLOSED &&
	       br_ssl_engine_last_error(&t->sc.eng) == BR_ERR_OK;
}

ssize_t tls_read(struct tls *t, void *buf, size_t len, char *err, size_t errlen)
{
	int n = br_sslio_read(&t->io, buf, len > INT_MAX ? INT_MAX : len);

	if (n >= 0)
		return n;
	if (t->eof && !t->sock_err)
		return 0;	/* EOF; framing tells a short body */
	n = tls_failure(t, err, errlen);
	return n ? n : 0;
}

int tls_write_all(struct tls *t, const void *buf, size_t len, char *err, size_t errlen)
{
	int r;

	if (br_sslio_write_all(&t->io, buf, len) < 0 || br_sslio_flush(&t->io) < 0) {
		r = tls_failure(t, err, errlen);
		return r ? r : -EIO;
	}
	return 0;
}

void tls_free(struct tls *t)
{
	if (t) {
		explicit_bzero(t, sizeof(*t));
		free(t);
	}
}

/* Trust anchors from a PEM bundle: each CERTIFICATE becomes a DN and a
 * public key, which is all BearSSL's minimal X.509 engine needs. */
#include "pull/br.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "machbox.h"
#include "pull/slurp.h"
#include "pull/tls.h"
#include "pull/tls_ca.h"

#define CA_FILE_MAX (16u << 20)

struct blob {
	uint8_t *p;
	size_t len, cap;
	bool oom;
};

static void blob_append(void *ctx, const void *buf, size_t len)
{
	struct blob *b = ctx;

	if (b->oom)
		return;
	if (b->len + len > b->cap) {
		size_t cap = (b->len + len) * 2 + 256;
		uint8_t *p = realloc(b->p, cap);

		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, buf, len);
	b->len += len;
}

static struct {
	br_x509_trust_anchor *v;
	size_t n, cap;
	bool loaded;
} anchors;

static void *dup_bytes(const void *p, size_t n)
{
	void *q = malloc(n ? n : 1);

	if (q)
		memcpy(q, p, n);
	return q;
}

/* the public key of a decoded certificate into ta: 0 or -errno */
static int copy_pkey(br_x509_trust_anchor *ta, const br_x509_pkey *pk)
{
	ta->pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		ta->pkey.key.rsa.n = dup_bytes(pk->key.rsa.n, pk->key.rsa.nlen);
		ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta->pkey.key.rsa.e = dup_bytes(pk->key.rsa.e, pk->key.rsa.elen);
		ta->pkey.key.rsa.elen = pk->key.rsa.elen;
		return ta->pkey.key.rsa.n && ta->pkey.key.rsa.e ? 0 : -ENOMEM;
	}
	if (pk->key_type == BR_KEYTYPE_EC) {
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.q = dup_bytes(pk->key.ec.q, pk->key.ec.qlen);
		ta->pkey.key.ec.qlen = pk->key.ec.qlen;
		return ta->pkey.key.ec.q ? 0 : -ENOMEM;
	}
	return -EOPNOTSUPP;
}

/* One DER certificate into the anchor list; certificates with keys BearSSL
 * cannot use are skipped, as a bundle may hold some. */
static int add_anchor(const uint8_t *der, size_t len)
{
	br_x509_decoder_context dc;
	br_x509_trust_anchor ta = { 0 };
	struct blob dn = { 0 };
	const br_x509_pkey *pk;

	br_x509_decoder_init(&dc, blob_append, &dn);
	br_x509_decoder_push(&dc, der, len);
	pk = br_x509_decoder_get_pkey(&dc);
	if (!pk || dn.oom || copy_pkey(&ta, pk)) {
		free(dn.p);
		return dn.oom ? -ENOMEM : 0;
	}
	if (anchors.n == anchors.cap) {
		size_t cap = anchors.cap * 2 + 64;
		br_x509_trust_anchor *v = realloc(anchors.v, cap * sizeof(*v));

		if (!v) {
			free(dn.p);
			return -ENOMEM;
		}
		anchors.v = v;
		anchors.cap = cap;
	}
	ta.dn.data = dn.p;
	ta.dn.len = dn.len;
	ta.flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	anchors.v[anchors.n++] = ta;
	return 0;
}

/* One PEM event: a certificate that ended goes into the list */
static int pem_event(br_pem_decoder_context *pc, struct blob *obj, bool *in_cert)
{
	switch (br_pem_decoder_event(pc)) {
	case BR_PEM_BEGIN_OBJ:
		obj->len = 0;
		*in_cert = !strcmp(br_pem_decoder_name(pc), "CERTIFICATE") ||
			   !strcmp(br_pem_decoder_name(pc), "X509 CERTIFICATE");
		br_pem_decoder_setdest(pc, *in_cert ? blob_append : NULL, obj);
		return 0;
	case BR_PEM_END_OBJ:
		if (!*in_cert)
			return 0;
		*in_cert = false;
		return obj->oom ? -ENOMEM : add_anchor(obj->p, obj->len);
	case BR_PEM_ERROR:
		return -EBADMSG;
	}
	return 0;
}

static int parse_bundle(const uint8_t *p, size_t len)
{
	br_pem_decoder_context pc;
	struct blob obj = { 0 };
	bool in_cert = false, nl_added = false;
	int r = 0;

	br_pem_decoder_init(&pc);
	while (len && !r) {
		size_t n = br_pem_decoder_push(&pc, p, len);

		p += n;
		len -= n;
		r = pem_event(&pc, &obj, &in_cert);
		/* a last line without its newline still ends the object */
		if (!len && !nl_added) {
			nl_added = true;
			p = (const uint8_t *)"\n";
			len = 1;
		}
	}
	free(obj.p);
	return r;
}

const char *tls_ca_file(void)
{
	static const char *const bundles[] = {
		"/etc/ssl/certs/ca-certificates.crt",	/* Debian, OpenWrt, Alpine */
		"/etc/pki/tls/certs/ca-bundle.crt",	/* Fedora */
		"/etc/ssl/ca-bundle.pem",		/* openSUSE */
		"/etc/ssl/cert.pem",
	};
	const char *e = getenv("SSL_CERT_FILE");
	size_t i;

	if (e && *e)
		return e;
	for (i = 0; i < ARRAY_SIZE(bundles); i++)
		if (access(bundles[i], R_OK) == 0)
			return bundles[i];
	return bundles[0];
}

int tls_anchors(const br_x509_trust_anchor **ta, size_t *n, char *err, size_t errlen)
{
	const char *path = tls_ca_file();
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	if (!anchors.loaded) {
		r = slurp(path, CA_FILE_MAX, &buf, &len);
		if (r) {
			snprintf(err, errlen, "cannot read trust anchors from %s: %s", path, strerror(-r));
			return r;
		}
		r = parse_bundle(buf, len);
		free(buf);
		if (r) {
			snprintf(err, errlen, "cannot parse trust anchors in %s: %s", path,
				 r == -EBADMSG ? "bad PEM" : strerror(-r));
			return r;
		}
		anchors.loaded = true;
	}
	if (!anchors.n) {
		snprintf(err, errlen, "no certificates in %s", path);
		return -ENOENT;
	}
	*ta = anchors.v;
	*n = anchors.n;
	return 0;
}

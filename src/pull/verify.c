/* Checksum and signature files, as systemd-importd finds them: the
 * openSUSE/OBS FILE.sha256 beside the image first, the directory's
 * SHA256SUMS when there is none; their signature checked with built-in
 * OpenPGP code before the image itself is fetched. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "machbox.h"
#include "pull/pgp_verify.h"
#include "pull/slurp.h"
#include "pull/sums.h"
#include "pull/verify.h"

#define SUMS_MAX (1u << 20)
#define SIG_MAX (64u << 10)
#define RING_MAX (4u << 20)

int verify_keyring(char *path, size_t len)
{
	static const char *const rings[] = {
		"/etc/systemd/import-pubring.pgp",
		"/etc/systemd/import-pubring.gpg",
		"/usr/lib/systemd/import-pubring.pgp",
		"/usr/lib/systemd/import-pubring.gpg",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rings); i++)
		if (!root_path(path, len, rings[i]) && access(path, R_OK) == 0)
			return 0;
	return -ENOENT;
}

/* A file of the checksum set: the URL it is at, its contents */
struct fetched {
	struct url url;
	char name[256];
	uint8_t *buf;
	size_t len;
};

static int fetch(const struct url *u, const char *name, bool sibling, const struct http_opts *ho,
		 size_t max, struct fetched *f, char *err, size_t errlen)
{
	int r;

	r = sibling ? url_sibling(u, name, &f->url) : url_append(u, name, &f->url);
	if (r)
		return r;
	r = url_filename(&f->url, f->name, sizeof(f->name));
	if (r)
		return r;
	return http_get_mem(&f->url, ho, max, &f->buf, &f->len, err, errlen);
}

/* FILE.sha256, else SHA256SUMS: sets *per_file for the former */
static int fetch_sums(const struct url *u, const struct http_opts *ho, struct fetched *f,
		      bool *per_file, char *err, size_t errlen)
{
	char name[256];
	int r;

	*per_file = true;
	r = fetch(u, ".sha256", false, ho, SUMS_MAX, f, err, errlen);
	if (r != -ENOENT)
		return r;
	*per_file = false;
	r = fetch(u, "SHA256SUMS", true, ho, SUMS_MAX, f, err, errlen);
	if (r == -ENOENT && !url_filename(u, name, sizeof(name)))
		snprintf(err, errlen, "no checksum file: neither %s.sha256 nor SHA256SUMS exists "
			 "beside it (--verify=no skips the check)", name);
	return r;
}

/* The signature of the checksum file: FILE.sha256.asc, or SHA256SUMS.gpg
 * then SHA256SUMS.asc */
static int fetch_sig(const struct fetched *sums, bool per_file, const struct http_opts *ho,
		     struct fetched *f, char *err, size_t errlen)
{
	int r;

	if (per_file) {
		r = fetch(&sums->url, ".asc", false, ho, SIG_MAX, f, err, errlen);
		if (r == -ENOENT)
			snprintf(err, errlen, "no signature: %s.asc does not exist "
				 "(--verify=checksum skips it)", sums->name);
		return r;
	}
	r = fetch(&sums->url, "SHA256SUMS.gpg", true, ho, SIG_MAX, f, err, errlen);
	if (r != -ENOENT)
		return r;
	r = fetch(&sums->url, "SHA256SUMS.asc", true, ho, SIG_MAX, f, err, errlen);
	if (r == -ENOENT)
		snprintf(err, errlen, "no signature: neither SHA256SUMS.gpg nor SHA256SUMS.asc "
			 "exists (--verify=checksum skips it)");
	return r;
}

static int check_signature(const struct fetched *sums, const struct fetched *sig,
			   struct expect *e, char *err, size_t errlen)
{
	char ring[4096];
	uint8_t *rb = NULL;
	size_t rl = 0;
	int r;

	if (verify_keyring(ring, sizeof(ring))) {
		snprintf(err, errlen, "no keyring for --verify=signature: none of "
			 "/etc/systemd/import-pubring.{pgp,gpg}, /usr/lib/systemd/import-pubring.{pgp,gpg} "
			 "exists under '%s'", machbox_root()[0] ? machbox_root() : "/");
		return -ENOKEY;
	}
	r = slurp(ring, RING_MAX, &rb, &rl);
	if (r) {
		snprintf(err, errlen, "cannot read %s: %s", ring, strerror(-r));
		return r;
	}
	r = pgp_verify(sums->buf, sums->len, sig->buf, sig->len, rb, rl, ring, err, errlen);
	free(rb);
	if (r && r != -ENOMEM) {
		char why[400];

		strlcpy_mb(why, err, sizeof(why));
		snprintf(err, errlen, "%s: %s", sig->name, why);
	}
	if (!r)
		strlcpy_mb(e->signer, err, sizeof(e->signer));
	return r;
}

static int find_hash(const struct url *u, const struct fetched *sums, bool per_file,
		     struct expect *e, char *err, size_t errlen)
{
	int r = url_filename(u, e->filename, sizeof(e->filename));

	if (r)
		return r;
	r = sums_find((const char *)sums->buf, sums->len, e->filename, per_file, e->hash);
	if (r == -ENOENT)
		snprintf(err, errlen, "%s is not listed in %s", e->filename, sums->name);
	else if (r == -EBADMSG)
		snprintf(err, errlen, "%s lists %s twice with different checksums", sums->name,
			 e->filename);
	if (r)
		return r;
	strlcpy_mb(e->source, sums->name, sizeof(e->source));
	e->have = true;
	return 0;
}

int verify_prepare(const struct url *u, enum pull_verify mode, const struct http_opts *ho,
		   struct expect *e, char *err, size_t errlen)
{
	struct fetched sums = { .buf = NULL }, sig = { .buf = NULL };
	bool per_file;
	int r;

	memset(e, 0, sizeof(*e));
	if (mode == VERIFY_NO)
		return 0;
	if (mode == VERIFY_SIGNATURE && !CFG_VERIFY_SIGNATURE) {
		snprintf(err, errlen, "signature checks are not built into this machbox "
			 "(--verify=checksum checks the SHA-256 alone)");
		return -EOPNOTSUPP;
	}
	r = fetch_sums(u, ho, &sums, &per_file, err, errlen);
	if (!r && mode == VERIFY_SIGNATURE) {
		r = fetch_sig(&sums, per_file, ho, &sig, err, errlen);
		if (!r && CFG_VERIFY_SIGNATURE)
			r = check_signature(&sums, &sig, e, err, errlen);
	}
	if (!r)
		r = find_hash(u, &sums, per_file, e, err, errlen);
	free(sums.buf);
	free(sig.buf);
	return r;
}

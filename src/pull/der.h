/* What the TLS error messages need from a server's certificate, read from
 * its DER: BearSSL validates, this only explains a refusal ("expired on",
 * "valid from", "self-signed", "is for NAME"). */
#ifndef MACHBOX_PULL_DER_H
#define MACHBOX_PULL_DER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct x509_info {
	bool parsed;			/* the rest is filled in */
	int64_t not_before, not_after;	/* seconds since the epoch, UTC */
	bool self_issued;		/* issuer DN == subject DN */
	char name[128];			/* first DNS subjectAltName, else the CN */
};

/* 0 or -EBADMSG */
int x509_info_parse(const uint8_t *der, size_t len, struct x509_info *info);
/* Why a chain was refused as expired (BearSSL says only "expired"), for
 * the clock now: the clock not set (before 2020, or before a
 * certificate's start), else which certificate expired when */
void x509_explain_expired(const struct x509_info *chain, unsigned n, int64_t now,
			  char *err, size_t errlen);
/* "2026-11-29 12:00 UTC" */
void format_utc(int64_t t, char *buf, size_t len);

#endif

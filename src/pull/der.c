/* A few fields of an X.509 certificate (RFC 5280), read only to explain
 * why BearSSL refused it. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "machbox.h"
#include "pull/buf.h"
#include "pull/der.h"

enum {
	DER_INTEGER = 0x02, DER_OCTETS = 0x04, DER_OID = 0x06, DER_UTCTIME = 0x17,
	DER_GENTIME = 0x18, DER_SEQ = 0x30, DER_SET = 0x31,
	DER_CTX0 = 0xa0, DER_CTX3 = 0xa3, DER_DNSNAME = 0x82,
};

/* The next TLV: its contents as a reader; the tag in *tag */
static struct rbuf der_tlv(struct rbuf *b, unsigned *tag)
{
	struct rbuf none;
	size_t len = 0;
	unsigned n;

	*tag = rb_u8(b);
	n = rb_u8(b);
	if ((*tag & 0x1f) == 0x1f || n == 0x80 || n > 0x84)
		rb_fail(b, -EBADMSG);	/* long tags, indefinite or huge lengths: not DER we need */
	else if (n < 0x80)
		len = n;
	else
		while (n-- > 0x80)
			len = len << 8 | rb_u8(b);
	if (b->err) {
		rb_init(&none, NULL, 0);
		none.err = b->err;
		return none;
	}
	return rb_sub(b, len);
}

static struct rbuf der_expect(struct rbuf *b, unsigned want)
{
	unsigned tag;
	struct rbuf s = der_tlv(b, &tag);

	if (tag != want) {
		rb_fail(b, -EBADMSG);
		rb_fail(&s, -EBADMSG);
	}
	return s;
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const uint8_t *p, int n)
{
	int v = 0;

	while (n--) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p++ - '0');
	}
	return v;
}

/* UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ */
static int64_t der_time(struct rbuf *b)
{
	unsigned tag;
	struct rbuf t = der_tlv(b, &tag);
	size_t yl = tag == DER_UTCTIME ? 2 : 4, n = rb_left(&t);
	const uint8_t *p = rb_take(&t, n);
	int y, mo, d, h, mi, s;

	if (!p || (tag != DER_UTCTIME && tag != DER_GENTIME) || n != yl + 11 || p[n - 1] != 'Z') {
		rb_fail(b, -EBADMSG);
		return 0;
	}
	y = digits(p, (int)yl);
	if (yl == 2)
		y += y < 50 ? 2000 : 1900;	/* RFC 5280 4.1.2.5.1 */
	mo = digits(p + yl, 2);
	d = digits(p + yl + 2, 2);
	h = digits(p + yl + 4, 2);
	mi = digits(p + yl + 6, 2);
	s = digits(p + yl + 8, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || s < 0 || s > 60) {
		rb_fail(b, -EBADMSG);
		return 0;
	}
	return days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s;
}

static bool oid_is(const struct rbuf *o, const uint8_t *want, size_t n)
{
	return rb_left(o) == n && !memcmp(o->p + o->pos, want, n);
}

static void set_name(struct x509_info *info, struct rbuf *v)
{
	size_t i, n = rb_left(v);

	if (n >= sizeof(info->name))
		n = sizeof(info->name) - 1;
	for (i = 0; i < n; i++) {
		uint8_t c = v->p[v->pos + i];

		info->name[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	info->name[n] = 0;
}

/* the CN of a Name: SET OF SEQUENCE { OID, value } */
static void find_cn(struct rbuf name, struct x509_info *info)
{
	static const uint8_t cn[] = { 0x55, 0x04, 0x03 };

	while (rb_left(&name) && !name.err) {
		struct rbuf set = der_expect(&name, DER_SET);

		while (rb_left(&set) && !set.err) {
			unsigned tag;
			struct rbuf atv = der_expect(&set, DER_SEQ);
			struct rbuf oid = der_expect(&atv, DER_OID);
			struct rbuf val = der_tlv(&atv, &tag);

			if (!atv.err && oid_is(&oid, cn, sizeof(cn)))
				set_name(info, &val);
		}
	}
}

/* the first dNSName of the subjectAltName extension, if there is one */
static void find_san(struct rbuf exts, struct x509_info *info)
{
	static const uint8_t san[] = { 0x55, 0x1d, 0x11 };
	struct rbuf seq = der_expect(&exts, DER_SEQ);

	while (rb_left(&seq) && !seq.err) {
		unsigned tag;
		struct rbuf ext = der_expect(&seq, DER_SEQ);
		struct rbuf oid = der_expect(&ext, DER_OID);
		struct rbuf val = der_tlv(&ext, &tag);

		if (tag != DER_OCTETS)		/* the optional critical flag came first */
			val = der_expect(&ext, DER_OCTETS);
		if (ext.err || !oid_is(&oid, san, sizeof(san)))
			continue;
		val = der_expect(&val, DER_SEQ);
		while (rb_left(&val) && !val.err) {
			struct rbuf gn = der_tlv(&val, &tag);

			if (tag == DER_DNSNAME && !val.err) {
				set_name(info, &gn);
				return;
			}
		}
	}
}

int x509_info_parse(const uint8_t *der, size_t len, struct x509_info *info)
{
	struct rbuf b, cert, tbs, issuer, validity, subject;
	unsigned tag;

	memset(info, 0, sizeof(*info));
	rb_init(&b, der, len);
	cert = der_expect(&b, DER_SEQ);
	tbs = der_expect(&cert, DER_SEQ);
	if (rb_left(&tbs) && tbs.p[tbs.pos] == DER_CTX0)
		der_tlv(&tbs, &tag);	/* version */
	der_expect(&tbs, DER_INTEGER);	/* serial */
	der_expect(&tbs, DER_SEQ);	/* signature algorithm */
	issuer = der_expect(&tbs, DER_SEQ);
	validity = der_expect(&tbs, DER_SEQ);
	info->not_before = der_time(&validity);
	info->not_after = der_time(&validity);
	subject = der_expect(&tbs, DER_SEQ);
	der_expect(&tbs, DER_SEQ);	/* public key */
	if (tbs.err || validity.err)
		return -EBADMSG;
	info->parsed = true;
	info->self_issued = issuer.len == subject.len && !memcmp(issuer.p, subject.p, issuer.len);
	find_cn(subject, info);
	while (rb_left(&tbs) && !tbs.err) {
		struct rbuf x = der_tlv(&tbs, &tag);

		if (tag == DER_CTX3) {
			find_san(x, info);
			break;
		}
	}
	return 0;
}

/* 2020-01-01: a clock before this was never set (routers boot in 1970) */
#define CLOCK_SANE 1577836800

/* 1 and the message when the clock, not the certificate, is wrong */
static int clock_message(const struct x509_info *chain, unsigned n, int64_t now,
			 char *err, size_t errlen)
{
	char said[40], from[40] = "";
	unsigned i;

	for (i = 0; i < n && !from[0]; i++)
		if (chain[i].parsed && now < chain[i].not_before)
			format_utc(chain[i].not_before, from, sizeof(from));
	if (now >= CLOCK_SANE && !from[0])
		return 0;
	format_utc(now, said, sizeof(said));
	if (from[0])
		snprintf(err, errlen, "the system clock is not set (it says %s, the server's "
			 "certificate is valid from %s): set it and try again", said, from);
	else
		snprintf(err, errlen, "the system clock is not set (it says %s): set it and try again",
			 said);
	return 1;
}

void x509_explain_expired(const struct x509_info *chain, unsigned n, int64_t now,
			  char *err, size_t errlen)
{
	char when[40];
	unsigned i;

	if (clock_message(chain, n, now, err, errlen))
		return;
	for (i = 0; i < n; i++) {
		if (chain[i].parsed && now > chain[i].not_after) {
			format_utc(chain[i].not_after, when, sizeof(when));
			snprintf(err, errlen, "%s expired on %s", i ? "a CA certificate of the "
				 "server's chain" : "the server's certificate", when);
			return;
		}
	}
	snprintf(err, errlen, "the server's certificate has expired or is not yet valid");
}

void format_utc(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm))
		snprintf(buf, len, "@%lld", (long long)t);
}

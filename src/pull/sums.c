/* SHA256SUMS and FILE.sha256 parsing.  Lines that are not entries
 * (comments, PGP armor, other hash lengths) are skipped, as sha256sum -c
 * skips them; the entry for our file must be unique and well-formed. */
#include <errno.h>
#include <string.h>

#include "machbox.h"
#include "pull/buf.h"
#include "pull/sums.h"

int sums_unhex(const char *s, size_t n, uint8_t hash[32])
{
	size_t i;

	if (n != 64)
		return -EINVAL;
	for (i = 0; i < 32; i++) {
		int hi = unhex_digit((unsigned char)s[2 * i]), lo = unhex_digit((unsigned char)s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		hash[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void sums_hex(const uint8_t hash[32], char out[65])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[hash[i] >> 4];
		out[2 * i + 1] = hex[hash[i] & 15];
	}
	out[64] = 0;
}

struct entry {
	uint8_t hash[32];
	const char *name;	/* "" for a hash alone */
	size_t nl;
};

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* "SHA256 (NAME) = HASH" */
static bool parse_bsd(const char *s, size_t n, struct entry *e)
{
	const char *close;

	if (n < 8 + 4 + 64 || memcmp(s, "SHA256 (", 8) || memcmp(s + n - 64 - 4, ") = ", 4))
		return false;
	close = s + n - 64 - 4;
	e->name = s + 8;
	e->nl = (size_t)(close - e->name);
	return sums_unhex(s + n - 64, 64, e->hash) == 0;
}

/* "HASH  NAME", "HASH *NAME", "HASH NAME", or "HASH" alone */
static bool parse_gnu(const char *s, size_t n, struct entry *e)
{
	size_t i = 64;

	if (n < 64 || sums_unhex(s, 64, e->hash))
		return false;
	if (n == 64) {
		e->name = "";
		e->nl = 0;
		return true;
	}
	if (!blank(s[64]))
		return false;	/* a longer hex string: another hash */
	while (i < n && blank(s[i]))
		i++;
	if (i < n && s[i] == '*')
		i++;
	e->name = s + i;
	e->nl = n - i;
	return true;
}

static bool parse_entry(const char *s, size_t n, struct entry *e)
{
	while (n && (blank(s[n - 1]) || s[n - 1] == '\r'))
		n--;
	while (n && blank(*s)) {
		s++;
		n--;
	}
	if (!parse_gnu(s, n, e) && !parse_bsd(s, n, e))
		return false;
	if (e->nl >= 2 && !memcmp(e->name, "./", 2)) {
		e->name += 2;
		e->nl -= 2;
	}
	return true;
}

int sums_find(const char *text, size_t len, const char *filename, bool single_ok,
	      uint8_t hash[32])
{
	struct rbuf b;
	struct entry e, one = { { 0 } };
	const char *line;
	size_t n, fl = strlen(filename), entries = 0;
	bool found = false;

	rb_init(&b, text, len);
	while (rb_line(&b, &line, &n)) {
		if (!parse_entry(line, n, &e))
			continue;
		if (!entries++)
			one = e;
		if (e.nl != fl || memcmp(e.name, filename, fl))
			continue;
		if (found && memcmp(hash, e.hash, 32))
			return -EBADMSG;	/* two different sums for one file */
		memcpy(hash, e.hash, 32);
		found = true;
	}
	if (found)
		return 0;
	if (single_ok && entries == 1) {
		memcpy(hash, one.hash, 32);
		return 0;
	}
	return -ENOENT;
}

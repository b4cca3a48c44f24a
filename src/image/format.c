/* Sizes, timestamps, tables and image names as systemd spells them, so
 * scripts written against machinectl's output keep working. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "machbox.h"
#include "image/format.h"
#include "image/image.h"

const char *format_bytes(char *buf, size_t len, uint64_t t)
{
	static const char sfx[] = "EPTGMK";
	unsigned i, n = sizeof(sfx) - 1;

	if (t == UINT64_MAX)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned shift = 10 * (n - i);
		uint64_t f = 1ULL << shift;

		if (t >= f) {
			/* one decimal, truncated from the next smaller
			 * unit, exactly as systemd computes it */
			uint64_t frac = ((t >> (shift - 10)) * 10 >> 10) % 10;

			snprintf(buf, len, "%llu.%llu%c", (unsigned long long)(t >> shift),
				 (unsigned long long)frac, sfx[i]);
			return buf;
		}
	}
	snprintf(buf, len, "%lluB", (unsigned long long)t);
	return buf;
}

const char *format_timestamp(char *buf, size_t len, uint64_t usec)
{
	time_t sec = (time_t)(usec / 1000000);
	struct tm tm;
	size_t n;

	if (usec == 0 || usec == UINT64_MAX || !localtime_r(&sec, &tm))
		return NULL;
	n = strftime(buf, len, "%a %Y-%m-%d %H:%M:%S", &tm);
	if (n == 0)
		return NULL;
	snprintf(buf + n, len - n, " %s", tm.tm_zone ? tm.tm_zone : "");
	return buf;
}

#define USEC_SEC 1000000ULL
#define USEC_MIN (60 * USEC_SEC)
#define USEC_HOUR (60 * USEC_MIN)
#define USEC_DAY (24 * USEC_HOUR)
#define USEC_WEEK (7 * USEC_DAY)
#define USEC_MONTH (2629800ULL * USEC_SEC)	/* 30.44 days, as systemd */
#define USEC_YEAR (31557600ULL * USEC_SEC)	/* 365.25 days */

static const char *plural(unsigned long long n, const char *one, const char *more)
{
	return n == 1 ? one : more;
}

/* two units of the span d: "1 year 2 months", "3 weeks 1 day" */
static void two_units(char *buf, size_t len, uint64_t d, uint64_t big, uint64_t small,
		      const char *b1, const char *bn, const char *s1, const char *sn, const char *s)
{
	unsigned long long x = d / big, y = d % big / small;

	snprintf(buf, len, "%llu %s %llu %s %s", x, plural(x, b1, bn), y, plural(y, s1, sn), s);
}

const char *format_timestamp_relative(char *buf, size_t len, uint64_t usec, uint64_t now)
{
	const char *s = now >= usec ? "ago" : "left";
	unsigned long long d = now >= usec ? now - usec : usec - now;

	if (usec == 0 || usec == UINT64_MAX)
		return NULL;
	if (d >= USEC_YEAR)
		two_units(buf, len, d, USEC_YEAR, USEC_MONTH, "year", "years", "month", "months", s);
	else if (d >= USEC_MONTH)
		two_units(buf, len, d, USEC_MONTH, USEC_DAY, "month", "months", "day", "days", s);
	else if (d >= USEC_WEEK)
		two_units(buf, len, d, USEC_WEEK, USEC_DAY, "week", "weeks", "day", "days", s);
	else if (d >= 2 * USEC_DAY)
		snprintf(buf, len, "%llu days %s", d / USEC_DAY, s);
	else if (d >= 25 * USEC_HOUR)
		snprintf(buf, len, "1 day %lluh %s", (d - USEC_DAY) / USEC_HOUR, s);
	else if (d >= 6 * USEC_HOUR)
		snprintf(buf, len, "%lluh %s", d / USEC_HOUR, s);
	else if (d >= USEC_HOUR)
		snprintf(buf, len, "%lluh %llumin %s", d / USEC_HOUR, d % USEC_HOUR / USEC_MIN, s);
	else if (d >= 5 * USEC_MIN)
		snprintf(buf, len, "%llumin %s", d / USEC_MIN, s);
	else if (d >= USEC_MIN)
		snprintf(buf, len, "%llumin %llus %s", d / USEC_MIN, d % USEC_MIN / USEC_SEC, s);
	else if (d >= USEC_SEC)
		snprintf(buf, len, "%llus %s", d / USEC_SEC, s);
	else if (d >= 1000)
		snprintf(buf, len, "%llums %s", d / 1000, s);
	else if (d > 0)
		snprintf(buf, len, "%lluus %s", d, s);
	else
		snprintf(buf, len, "now");
	return buf;
}

void json_print_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static const char *cell(const struct table *t, size_t row, unsigned col)
{
	const char *s = t->cells[row * t->ncols + col];

	return s ? s : "-";
}

void table_print(FILE *f, const struct table *t, bool header)
{
	size_t w[16] = { 0 }, row;
	unsigned c;

	for (row = 0; row < t->rows; row++)
		for (c = 0; c < t->ncols && c < ARRAY_SIZE(w); c++)
			if (strlen(cell(t, row, c)) > w[c])
				w[c] = strlen(cell(t, row, c));
	for (row = header ? 0 : 1; row < t->rows; row++) {
		for (c = 0; c < t->ncols && c < ARRAY_SIZE(w); c++) {
			bool right = t->right_mask & (1U << c), last = c + 1 == t->ncols;

			if (c)
				fputc(' ', f);
			if (right)
				fprintf(f, "%*s", (int)w[c], cell(t, row, c));
			else if (last)
				fputs(cell(t, row, c), f);
			else
				fprintf(f, "%-*s", (int)w[c], cell(t, row, c));
		}
		fputc('\n', f);
	}
}

bool image_name_valid(const char *name)
{
	/* ".#" is the prefix of temp images, never a name */
	if (name[0] == '.')
		return name[1] != '#' && machine_name_valid(name + 1);
	return machine_name_valid(name);
}

/* one suffix off the end of buf; true when one was removed */
static bool strip_one(char *buf, const char *const *sfx, size_t n)
{
	size_t i, bl = strlen(buf);

	for (i = 0; i < n; i++) {
		size_t sl = strlen(sfx[i]);

		if (bl >= sl && !strcmp(buf + bl - sl, sfx[i])) {
			buf[bl - sl] = 0;
			return true;
		}
	}
	return false;
}

int image_name_from_path(const char *path, enum image_name_kind kind, char *buf, size_t len)
{
	/* systemd's tar_strip_suffixes() (one of them) and
	 * raw_strip_suffixes() (as many as there are) */
	static const char *const tar[] = { ".tar", ".tar.xz", ".tar.gz", ".tar.bz2", ".tar.zst", ".tgz" };
	static const char *const raw[] = { ".xz", ".gz", ".bz2", ".zst", ".sysext.raw",
					   ".confext.raw", ".raw", ".qcow2", ".img", ".bin" };
	const char *base, *end = path + strlen(path);
	size_t n;

	while (end > path && end[-1] == '/')
		end--;
	for (base = end; base > path && base[-1] != '/'; base--)
		;
	n = (size_t)(end - base);
	if (n == 0 || n >= len || (n == 1 && *base == '-'))
		return -EINVAL;
	memcpy(buf, base, n);
	buf[n] = 0;
	if (kind == NAME_FROM_TAR)
		strip_one(buf, tar, ARRAY_SIZE(tar));
	else if (kind == NAME_FROM_RAW)
		while (strip_one(buf, raw, ARRAY_SIZE(raw)))
			;
	/* ".tar" alone leaves nothing: no name, as in systemd */
	return *buf && image_name_valid(buf) ? 0 : -EINVAL;
}

const char *tar_compression_for(const char *file)
{
	static const struct {
		const char *sfx, *comp;
	} map[] = {
		{ ".gz", "gz" }, { ".tgz", "gz" }, { ".xz", "xz" }, { ".txz", "xz" },
		{ ".zst", "zst" }, { ".tzst", "zst" }, { ".bz2", "bz2" }, { ".tbz2", "bz2" },
	};
	size_t i;

	for (i = 0; file && i < ARRAY_SIZE(map); i++)
		if (endswith(file, map[i].sfx))
			return map[i].comp;
	return "";
}

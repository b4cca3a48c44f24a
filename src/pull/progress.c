/* Progress output of pull-tar and pull-raw. */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "machbox.h"
#include "image/format.h"
#include "pull/progress.h"
#include "pull/sock.h"

#define TTY_EVERY_MS 200
#define LOG_EVERY_MS 5000

void progress_init(struct progress *p, bool quiet)
{
	const char *term = getenv("TERM");

	memset(p, 0, sizeof(*p));
	p->quiet = quiet;
	p->tty = isatty(STDERR_FILENO) && term && *term && strcmp(term, "dumb");
	p->start = p->last = mono_ms();
}

static int columns(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
		return ws.ws_col;
	return 80;
}

/* "12.3M of 40.0M" or "12.3M" */
static void amounts(const struct progress *p, char *buf, size_t len)
{
	char d[FORMAT_BYTES_MAX], t[FORMAT_BYTES_MAX];

	format_bytes(d, sizeof(d), p->done);
	if (p->total)
		snprintf(buf, len, "%s of %s", d, format_bytes(t, sizeof(t), p->total));
	else
		snprintf(buf, len, "%s", d);
}

static void draw_bar(struct progress *p, int64_t now)
{
	char text[96], rate[FORMAT_BYTES_MAX], bar[256];
	int64_t ms = now - p->start;
	int width = columns() - 50, fill, i;
	unsigned pct = p->total ? (unsigned)(p->done * 100 / p->total) : 0;

	amounts(p, text, sizeof(text));
	format_bytes(rate, sizeof(rate), ms > 0 ? p->done * 1000 / (uint64_t)ms : 0);
	if (width > (int)sizeof(bar) - 1)
		width = sizeof(bar) - 1;
	fill = p->total ? (int)((uint64_t)width * (p->done > p->total ? p->total : p->done) / p->total) : 0;
	for (i = 0; i < width; i++)
		bar[i] = i < fill ? '#' : '-';
	bar[width] = 0;
	if (p->total)
		fprintf(stderr, "\r[%s] %3u%% %s %s/s\033[K", bar, pct, text, rate);
	else
		fprintf(stderr, "\r%s %s/s\033[K", text, rate);
	fflush(stderr);
	p->drawn = true;
}

static void log_line(struct progress *p)
{
	char text[96];

	amounts(p, text, sizeof(text));
	if (p->total)
		fprintf(stderr, "Downloaded %s (%u%%)\n", text,
			(unsigned)(p->done * 100 / p->total));
	else
		fprintf(stderr, "Downloaded %s\n", text);
}

void progress_update(void *ud, uint64_t done, uint64_t total)
{
	struct progress *p = ud;
	int64_t now = mono_ms();

	p->done = done;
	p->total = total;
	if (p->quiet || now - p->last < (p->tty ? TTY_EVERY_MS : LOG_EVERY_MS))
		return;
	p->last = now;
	if (p->tty)
		draw_bar(p, now);
	else
		log_line(p);
}

void progress_end(struct progress *p)
{
	if (p->quiet || !p->drawn)
		return;
	draw_bar(p, mono_ms());
	fputc('\n', stderr);
}

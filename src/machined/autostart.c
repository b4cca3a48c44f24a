/* Autostart: the machines enabled in $MACHBOX_ROOT/etc/machbox/enabled/
 * start when machined starts, one per deadline, in the order machbox.conf
 * gives and then by name:
 *   [Machines]
 *   Order=router dns          (these first, in this order)
 *   AutostartDelaySec=2       (between two starts; also "500ms")
 * Other sections of machbox.conf belong to conf.c and are skipped quietly. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ini.h"
#include "machbox.h"
#include "machined/machined.h"

#define ENABLED_DIR "/etc/machbox/enabled"
#define CONF_FILE "/etc/machbox/machbox.conf"

struct order {
	char *names[MD_MAX_MACHINES];
	unsigned n;
	long long delay_ms;
};

static int parse_delay(const char *v, long long *ms)
{
	unsigned long long n;
	char num[32];
	size_t len = strlen(v);
	bool in_ms = endswith(v, "ms");

	if (in_ms)
		len -= 2;
	else if (endswith(v, "s"))
		len -= 1;
	if (len == 0 || len >= sizeof(num))
		return -EINVAL;
	memcpy(num, v, len);
	num[len] = 0;
	if (parse_uint(num, 86400000, &n) < 0)
		return -EINVAL;
	*ms = in_ms ? (long long)n : (long long)n * 1000;
	return 0;
}

static int assign(struct ini *ini, const char *key, const char *value)
{
	struct order *o = ini->ud;
	char *copy, *w, *save = NULL;

	if (!strcmp(key, "AutostartDelaySec")) {
		if (parse_delay(value, &o->delay_ms) < 0)
			return ini_errorf(ini, "AutostartDelaySec=: bad value '%s'", value);
		return 0;
	}
	if (strcmp(key, "Order"))
		return 1;
	copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	for (w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		if (o->n < ARRAY_SIZE(o->names) && machine_name_valid(w))
			o->names[o->n++] = strdup(w);
	free(copy);
	return 0;
}

/* a warning callback that drops warnings: other sections are conf.c's */
static void quiet(void *ud, const char *file, unsigned line, const char *m)
{
	(void)ud; (void)file; (void)line; (void)m;
}

static void load_order(struct order *o)
{
	static const char *const sections[] = { NULL, "Machines" };
	char path[512], err[256] = "";
	struct ini ini = {
		.sections = sections, .n_sections = 1, .assign = assign,
		.warn = quiet, .err = err, .errlen = sizeof(err),
	};

	if (root_path(path, sizeof(path), CONF_FILE) < 0 || access(path, F_OK) < 0)
		return;
	ini.file = path;
	ini.ud = o;
	if (ini_parse_file(&ini, path) < 0)
		msg("%s", err);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has(char **v, unsigned n, const char *name)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (v[i] && !strcmp(v[i], name))
			return true;
	return false;
}

/* the enabled names, sorted */
static unsigned enabled(char **v, unsigned max)
{
	char dir[512];
	struct dirent *de;
	unsigned n = 0;
	DIR *dp;

	if (root_path(dir, sizeof(dir), ENABLED_DIR) < 0 || !(dp = opendir(dir)))
		return 0;
	while ((de = readdir(dp)) && n < max)
		if (machine_name_valid(de->d_name) && (v[n] = strdup(de->d_name)))
			n++;
	closedir(dp);
	qsort(v, n, sizeof(*v), cmp_names);
	return n;
}

int autostart_load(struct machined *d)
{
	static struct order o;
	char *on[MD_MAX_MACHINES];
	unsigned n = enabled(on, MD_MAX_MACHINES), i;

	memset(&o, 0, sizeof(o));
	load_order(&o);
	d->autostart = calloc(n ? n : 1, sizeof(char *));
	if (!d->autostart)
		return -ENOMEM;
	/* Order= first (when enabled), then the rest by name */
	for (i = 0; i < o.n; i++)
		if (has(on, n, o.names[i]) && !has(d->autostart, d->n_autostart, o.names[i]))
			d->autostart[d->n_autostart++] = strdup(o.names[i]);
	for (i = 0; i < n; i++)
		if (!has(d->autostart, d->n_autostart, on[i]))
			d->autostart[d->n_autostart++] = strdup(on[i]);
	for (i = 0; i < n; i++)
		free(on[i]);
	for (i = 0; i < o.n; i++)
		free(o.names[i]);
	d->autostart_delay_ms = o.delay_ms;
	d->autostart_deadline = mono_ms();
	return (int)d->n_autostart;
}

void autostart_step(struct machined *d)
{
	struct machine *m;
	const char *name;

	if (d->next_autostart >= d->n_autostart || mono_ms() < d->autostart_deadline || d->exiting)
		return;
	name = d->autostart[d->next_autostart++];
	d->autostart_deadline = mono_ms() + d->autostart_delay_ms;
	m = name ? machine_get(d, name) : NULL;
	if (!m)
		return;
	msg("autostart: %s", name);
	if (m->state == MS_DOWN || m->state == MS_FAILED)
		machine_event(d, m, ME_START);
}

void autostart_free(struct machined *d)
{
	unsigned i;

	for (i = 0; i < d->n_autostart; i++)
		free(d->autostart[i]);
	free(d->autostart);
	d->autostart = NULL;
	d->n_autostart = d->next_autostart = 0;
}

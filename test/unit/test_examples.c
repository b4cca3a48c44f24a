/* The shipped configuration: config/machbox.conf and config/examples/NAME.nspawn
 * go through the parsers machbox uses, without a warning or an error; the
 * same files with an unknown key do warn (so a silent parser cannot pass).
 * Files are found below $TOP (test/run.sh runs from the top directory). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "machbox.h"
#include "nspawn/nspawn.h"
#include "nspawn/settings.h"
#include "tap.h"

static int warnings;
static char last_warning[512];

static void warn(void *ud, const char *file, unsigned line, const char *text)
{
	(void)ud;
	warnings++;
	snprintf(last_warning, sizeof(last_warning), "%s:%u: %s", file, line, text);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;

	if (!f)
		return NULL;
	buf = calloc(1, 65536);
	*len = buf ? fread(buf, 1, 65535, f) : 0;
	fclose(f);
	return buf;
}

/* the file, then extra text, as one buffer */
static char *with_tail(const char *path, const char *tail, size_t *len)
{
	char *buf = slurp(path, len);

	if (buf && *len + strlen(tail) < 65535) {
		memcpy(buf + *len, tail, strlen(tail));
		*len += strlen(tail);
	}
	return buf;
}

static void check_nspawn(const char *path, const char *name)
{
	struct nspawn_opts o;
	char err[512] = "";
	size_t len;
	char *buf;

	nspawn_opts_init(&o);
	warnings = 0;
	is_int(settings_load_file(path, true, &o, warn, NULL, err, sizeof(err)), 0, "%s loads %s", name, err);
	is_int(warnings, 0, "%s: no warning %s", name, warnings ? last_warning : "");
	nspawn_opts_free(&o);

	buf = with_tail(path, "\n[Exec]\nFrobnicate=yes\n", &len);
	ok(buf != NULL, "%s read", name);
	nspawn_opts_init(&o);
	warnings = 0;
	if (buf)
		settings_load_buffer(name, buf, len, true, &o, warn, NULL, err, sizeof(err));
	is_int(warnings, 1, "%s with an unknown key: one warning", name);
	nspawn_opts_free(&o);
	free(buf);
}

static void test_examples(const char *top)
{
	char dir[4096], path[4400];
	struct dirent *e;
	int n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/config/examples", top);
	d = opendir(dir);
	ok(d != NULL, "%s exists", dir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!endswith(e->d_name, ".nspawn"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		check_nspawn(path, e->d_name);
		n++;
	}
	closedir(d);
	ok(n >= 4, "%d example .nspawn files", n);
}

static void test_conf(const char *top)
{
	struct machbox_conf c, def;
	char path[4096], err[512] = "";
	size_t len;
	char *buf;
	unsigned i;

	snprintf(path, sizeof(path), "%s/config/machbox.conf", top);
	buf = slurp(path, &len);
	ok(buf != NULL, "%s exists", path);
	if (!buf)
		return;
	warnings = 0;
	is_int(conf_load_buffer(&c, "machbox.conf", buf, len, warn, NULL, err, sizeof(err)), 0,
	       "machbox.conf loads %s", err);
	is_int(warnings, 0, "machbox.conf: no warning %s", warnings ? last_warning : "");
	free(buf);

	/* it says every key is set to its default: hold it to that */
	conf_defaults(&def);
	is_int(c.n_pool, def.n_pool, "AddressPool= as the default");
	for (i = 0; i < c.n_pool && i < def.n_pool; i++)
		ok(c.pool[i].addr == def.pool[i].addr && c.pool[i].prefix == def.pool[i].prefix,
		   "pool network %u as the default", i);
	is_int(c.n_dns, def.n_dns, "DNS= as the default");
	is_int(c.masquerade, def.masquerade, "Masquerade= as the default");
	is_int(c.escape_key, def.escape_key, "EscapeKey= as the default");

	buf = with_tail(path, "\n[Console]\nFrobnicate=1\n", &len);
	warnings = 0;
	if (buf)
		conf_load_buffer(&c, "machbox.conf", buf, len, warn, NULL, err, sizeof(err));
	is_int(warnings, 1, "machbox.conf with an unknown key: one warning");
	free(buf);
}

int main(void)
{
	const char *top = getenv("TOP") ? getenv("TOP") : ".";

	test_examples(top);
	test_conf(top);
	return tap_done();
}

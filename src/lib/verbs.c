/* Verb tables: {name, min, max, flags, fn}; the argument count is checked
 * here, once, for every CLI. */
#include <string.h>
#include <unistd.h>

#include "machbox.h"

int verb_dispatch(const struct verb *verbs, size_t n, int argc, char **argv, void *ctx)
{
	const struct verb *v = NULL;
	const char *name = argc > 0 ? argv[0] : NULL;
	char *def_argv[] = { NULL, NULL };
	size_t i;

	for (i = 0; i < n; i++) {
		if (name ? !strcmp(verbs[i].name, name) : (verbs[i].flags & VERB_DEFAULT)) {
			v = &verbs[i];
			break;
		}
	}
	if (!v) {
		if (!name)
			return usage_error("a verb is required, see --help");
		return usage_error("unknown verb '%s', see --help", name);
	}
	if (!name) {
		def_argv[0] = (char *)v->name;
		argv = def_argv;
		argc = 1;
	}
	if (v->min_args != VERB_ANY && argc < v->min_args)
		return usage_error("too few arguments for '%s'", v->name);
	if (v->max_args != VERB_ANY && argc > v->max_args)
		return usage_error("too many arguments for '%s'", v->name);
	if ((v->flags & VERB_ROOT) && geteuid() != 0) {
		msg("'%s' needs root privileges", v->name);
		return EXIT_FAIL;
	}
	return v->fn(argc, argv, ctx);
}

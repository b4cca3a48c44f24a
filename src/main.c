/* machbox: one binary, applets chosen by the name it was called by
 * (machinectl, nspawn, machined) or by its first argument. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "applets.h"
#include "machbox.h"

/* Rows whose Kconfig symbol is 0 keep their name but no entry point; the
 * constant condition is folded, so their code is never referenced and
 * --gc-sections drops it. */
#define APPLET_ROW(n, cfg, fl) { #n, (cfg) ? n##_main : NULL, fl },
const struct applet applets[] = { APPLET_LIST(APPLET_ROW) };
#undef APPLET_ROW
const unsigned applet_count = ARRAY_SIZE(applets);

const struct applet *applet_find(const char *name)
{
	unsigned lo = 0, hi = applet_count;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		int c = strcmp(name, applets[mid].name);

		if (!c)
			return applets[mid].main ? &applets[mid] : NULL;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static void list_applets(void)
{
	unsigned i;

	for (i = 0; i < applet_count; i++)
		if (applets[i].main)
			printf("%s\n", applets[i].name);
}

/* machbox --install DIR: a symlink per applet, pointing at this binary.
 * An existing symlink is replaced; anything else is left alone. */
static int install_links(const char *dir)
{
	char self[PATH_MAX], link[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int ret = 0;
	unsigned i;

	if (n < 0)
		return fail_errno(errno, "cannot find own executable");
	self[n] = 0;
	for (i = 0; i < applet_count; i++) {
		struct stat st;

		if (!applets[i].main)
			continue;
		if ((size_t)snprintf(link, sizeof(link), "%s/%s", dir, applets[i].name) >= sizeof(link))
			return fail_errno(ENAMETOOLONG, "%s", dir);
		if (!lstat(link, &st)) {
			if (!S_ISLNK(st.st_mode)) {
				msg("not replacing '%s': it is not a symlink", link);
				ret = EXIT_FAIL;
				continue;
			}
			if (unlink(link) < 0) {
				ret = fail_errno(errno, "cannot remove '%s'", link);
				continue;
			}
		}
		if (symlink(self, link) < 0)
			ret = fail_errno(errno, "cannot create '%s'", link);
	}
	return ret;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: machbox APPLET [ARGS...]\n"
		"       machbox --install DIR | --list | --help | --version\n"
		"\n"
		"A container manager in one file: run it as one of its applets\n"
		"(through a symlink with that name, or as its first argument).\n"
		"\n"
		"Applets built in:\n");
	for (unsigned i = 0; i < applet_count; i++)
		if (applets[i].main)
			fprintf(f, "  %s\n", applets[i].name);
}

static const struct applet *current;

/* Applets flagged APPLET_NEEDS_ROOT call this once their options are parsed,
 * so --help and usage errors work for everyone. */
int applet_check_root(void)
{
	if (current && (current->flags & APPLET_NEEDS_ROOT) && geteuid() != 0) {
		msg("needs root privileges");
		return EXIT_FAIL;
	}
	return 0;
}

static int run_applet(const struct applet *a, int argc, char **argv)
{
	current = a;
	progname = a->name;
	return a->main(argc, argv);
}

int main(int argc, char **argv)
{
	const char *name = argc > 0 && argv[0] ? argv[0] : "machbox";
	const char *slash = strrchr(name, '/');
	const struct applet *a;

	if (slash)
		name = slash + 1;
	a = applet_find(name);
	if (a)
		return run_applet(a, argc, argv);
	if (strcmp(name, "machbox")) {
		msg("unknown applet '%s'", name);
		return EXIT_NOAPPLET;
	}
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("machbox %s\n", MACHBOX_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "--list")) {
		if (argc != 2)
			return usage_error("--list takes no argument");
		list_applets();
		return 0;
	}
	if (!strcmp(argv[1], "--install")) {
		if (argc != 3)
			return usage_error("--install takes one argument: DIR");
		return install_links(argv[2]);
	}
	if (argv[1][0] == '-')
		return usage_error("unknown option '%s', see --help", argv[1]);
	a = applet_find(argv[1]);
	if (!a) {
		msg("unknown applet '%s'", argv[1]);
		return EXIT_NOAPPLET;
	}
	return run_applet(a, argc - 1, argv + 1);
}

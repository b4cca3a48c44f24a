/* machined: the supervisor an init script starts at boot (DESIGN.md §3).
 * This file holds its command line; the supervisor loop lands with the
 * machined issue. */
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "applets.h"
#include "machbox.h"

static void help(void)
{
	printf("Usage: machined [OPTIONS...]\n");
	if (!CFG_LONG_HELP)
		return;
	printf("\n"
	       "Supervise the containers of this host: registry, control socket,\n"
	       "autostart of enabled machines and their restart policy.\n"
	       "\n"
	       "  -h --help          Show this help\n"
	       "     --version       Show package version\n"
	       "  -f --foreground    Do not daemonise\n");
}

static const struct option options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "foreground", no_argument, NULL, 'f' },
	{ 0 }
};

int machined_main(int argc, char **argv)
{
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+hf", options, NULL)) != -1) {
		switch (c) {
		case 'h':
			help();
			return 0;
		case 'V':
			printf("machbox %s\n", MACHBOX_VERSION);
			return 0;
		case 'f':
			break;
		default:
			return usage_error("unknown option '%s', see --help", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (applet_check_root())
		return EXIT_FAIL;
	msg("the supervisor is not available in machbox %s yet", MACHBOX_VERSION);
	return EXIT_FAIL;
}

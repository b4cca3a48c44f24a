/* machinectl: the user's command line.  Machine verbs talk to machined,
 * image verbs run here as root.  Options and verbs use systemd's names so
 * habits carry over. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applets.h"
#include "machbox.h"
#include "machinectl/machinectl.h"
#include "nspawn/userns.h"

int verb_unavailable(int argc, char **argv, void *ctx)
{
	(void)argc;
	(void)ctx;
	/* Honest refusal: the verb is known and its arguments were checked,
	 * but the code behind it has not landed in this version. */
	msg("'%s' is not available in machbox %s yet", argv[0], MACHBOX_VERSION);
	return EXIT_FAIL;
}

/* A verb of a feature that is configured out: its code is never linked */
#define IF(cfg, fn) ((cfg) ? (fn) : verb_unavailable)
/* verbs a user may give too, machined deciding (DESIGN.md §8) */
#define USER_OK (CFG_USER_CONTAINERS ? 0 : VERB_ROOT)

static const struct verb verbs[] = {
	{ "bind", 3, 4, VERB_ROOT, verb_bind },
	{ "clean", VERB_ANY, 1, VERB_ROOT, IF(CFG_IMAGES, verb_clean) },
	{ "clone", 3, 3, USER_OK, IF(CFG_IMAGES, verb_clone_any) },
	{ "console", 2, 2, VERB_ROOT, verb_console },
	{ "copy-from", 3, 4, VERB_ROOT, verb_copy_from },
	{ "copy-to", 3, 4, VERB_ROOT, verb_copy_to },
	{ "disable", 2, VERB_ANY, VERB_ROOT, IF(CFG_MACHINED, verb_disable) },
	{ "enable", 2, VERB_ANY, VERB_ROOT, IF(CFG_MACHINED, verb_enable) },
	{ "export-raw", 2, 3, VERB_ROOT, IF(CFG_IMAGES, verb_export_raw) },
	{ "export-tar", 2, 3, VERB_ROOT, IF(CFG_ARCHIVE, verb_export_tar) },
	{ "image-status", VERB_ANY, VERB_ANY, 0, IF(CFG_IMAGES, verb_image_status) },
	{ "import-fs", 2, 3, VERB_ROOT, IF(CFG_IMAGES, verb_import_fs) },
	{ "import-raw", 2, 3, VERB_ROOT, IF(CFG_IMAGES, verb_import_raw) },
	{ "import-tar", 2, 3, VERB_ROOT, IF(CFG_ARCHIVE, verb_import_tar) },
	{ "kill", 2, VERB_ANY, 0, IF(CFG_MACHINED, verb_kill) },
	{ "list", VERB_ANY, 1, VERB_DEFAULT, IF(CFG_MACHINED, verb_list) },
	{ "list-images", VERB_ANY, 1, 0, IF(CFG_IMAGES, verb_list_images) },
	{ "login", VERB_ANY, 2, USER_OK, verb_login },
	{ "logs", 2, 2, VERB_ROOT, verb_logs },
	{ "poweroff", 2, VERB_ANY, 0, IF(CFG_MACHINED, verb_poweroff) },
	{ "pull-raw", 2, 3, VERB_ROOT, IF(CFG_PULL, verb_pull_raw) },
	{ "pull-tar", 2, 3, VERB_ROOT, IF(CFG_PULL, verb_pull_tar) },
	{ "read-only", 2, 3, VERB_ROOT, IF(CFG_IMAGES, verb_read_only) },
	{ "reboot", 2, VERB_ANY, 0, IF(CFG_MACHINED, verb_reboot) },
	{ "remove", 2, VERB_ANY, USER_OK, IF(CFG_IMAGES, verb_remove_any) },
	{ "rename", 3, 3, VERB_ROOT, IF(CFG_IMAGES, verb_rename) },
	{ "shell", VERB_ANY, VERB_ANY, USER_OK, verb_shell },
	{ "show", VERB_ANY, VERB_ANY, 0, IF(CFG_MACHINED, verb_show) },
	{ "show-image", VERB_ANY, VERB_ANY, 0, IF(CFG_IMAGES, verb_show_image) },
	{ "start", 2, VERB_ANY, 0, IF(CFG_MACHINED, verb_start) },
	{ "status", 2, VERB_ANY, 0, IF(CFG_MACHINED, verb_status) },
	{ "stop", 2, VERB_ANY, 0, IF(CFG_MACHINED, verb_poweroff) },
	{ "terminate", 2, VERB_ANY, 0, IF(CFG_MACHINED, verb_terminate) },
};

static void help(void)
{
	if (!CFG_LONG_HELP) {
		printf("Usage: machinectl [OPTIONS...] COMMAND ...\n");
		return;
	}
	printf("Usage: machinectl [OPTIONS...] COMMAND ...\n"
	       "\n"
	       "Send control commands to or query the machine and image registry.\n"
	       "\n"
	       "Machine commands:\n"
	       "  list                        List running machines\n"
	       "  status NAME...              Show machine status\n"
	       "  show [NAME...]              Show properties of one or more machines\n"
	       "  start NAME...               Start machines\n"
	       "  login [NAME]                Get a login prompt in a machine\n"
	       "  shell [[USER@]NAME [COMMAND...]]\n"
	       "                              Invoke a shell (or other command) in a machine\n"
	       "  enable NAME...              Enable automatic machine start at boot\n"
	       "  disable NAME...             Disable automatic machine start at boot\n"
	       "  poweroff NAME...            Power off machines\n"
	       "  stop NAME...                The same as poweroff\n"
	       "  reboot NAME...              Reboot machines\n"
	       "  terminate NAME...           Terminate machines\n"
	       "  kill NAME...                Send signal to processes of a machine\n"
	       "  console NAME                Attach to the console, scroll-back replayed\n"
	       "  logs NAME                   Show the console log\n"
	       "  copy-to NAME PATH [PATH]    Copy files from the host to a machine\n"
	       "  copy-from NAME PATH [PATH]  Copy files from a machine to the host\n"
	       "  bind NAME PATH [PATH]       Bind mount a path from the host into a machine\n"
	       "\n"
	       "Image commands:\n"
	       "  list-images                 Show available container and VM images\n"
	       "  image-status [NAME...]      Show image details\n"
	       "  show-image [NAME...]        Show properties of image\n"
	       "  clone NAME NAME             Clone an image\n"
	       "  rename NAME NAME            Rename an image\n"
	       "  read-only NAME [BOOL]       Mark or unmark image read-only\n"
	       "  remove NAME...              Remove an image\n"
	       "  clean                       Remove hidden (or all) images\n"
	       "\n"
	       "Image transfer commands:\n"
	       "  pull-tar URL [NAME]         Download a TAR container image\n"
	       "  pull-raw URL [NAME]         Download a RAW container or VM image\n"
	       "  import-tar FILE [NAME]      Import a local TAR container image\n"
	       "  import-raw FILE [NAME]      Import a local RAW container or VM image\n"
	       "  import-fs DIRECTORY [NAME]  Import a local directory container image\n"
	       "  export-tar NAME [FILE]      Export a TAR container image locally\n"
	       "  export-raw NAME [FILE]      Export a RAW container or VM image locally\n"
	       "\n"
	       "Options:\n"
	       "  -h --help                   Show this help\n"
	       "     --version                Show package version\n"
	       "     --no-pager               Do not pipe output into a pager (accepted)\n"
	       "     --no-legend              Do not show the headers and footers\n"
	       "     --no-ask-password        Do not ask for a password (accepted)\n"
	       "  -p --property=NAME          Show only properties by this name\n"
	       "  -P NAME                     Equivalent to --value --property=NAME\n"
	       "     --value                  When showing properties, only print the value\n"
	       "  -a --all                    Show all properties, including empty ones\n"
	       "  -l --full                   Do not ellipsize output\n"
	       "     --kill-whom=WHOM         Whom to send signal to (leader, all)\n"
	       "  -s --signal=SIGNAL          Which signal to send\n"
	       "     --uid=USER               Specify user ID to invoke shell as\n"
	       "  -E --setenv=VAR[=VALUE]     Add an environment variable for shell\n"
	       "     --read-only              Create read-only bind mount or pulled image\n"
	       "     --mkdir                  Create directory before bind mounting\n"
	       "     --force                  Replace target file when copying or pulling\n"
	       "     --now                    Start or power off container after enabling\n"
	       "                              or disabling it\n"
	       "     --verify=MODE            Verification mode for downloaded images\n"
	       "                              (no, checksum, signature)\n"
	       "     --private-users=pick|BASE\n"
	       "                              Extract import-tar and pull-tar images in a\n"
	       "                              user namespace, owned from BASE\n"
	       "     --max-addresses=INTEGER  Number of internet addresses to show at most\n"
	       "  -n --lines=INTEGER          Number of journal entries to show\n"
	       "  -f --follow                 Follow the log (logs)\n"
	       "     --escape=KEY             Escape key for login and console (^])\n"
	       "  -o --output=STRING          Output format (short, json)\n"
	       "  -q --quiet                  Suppress additional messages\n");
}

enum {
	OPT_VERSION = 0x100, OPT_NO_PAGER, OPT_NO_LEGEND, OPT_NO_ASK_PASSWORD,
	OPT_VALUE, OPT_KILL_WHOM, OPT_UID, OPT_READ_ONLY, OPT_MKDIR, OPT_FORCE,
	OPT_NOW, OPT_VERIFY, OPT_MAX_ADDRESSES, OPT_ESCAPE, OPT_PRIVATE_USERS,
};

static const struct option options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "no-pager", no_argument, NULL, OPT_NO_PAGER },
	{ "no-legend", no_argument, NULL, OPT_NO_LEGEND },
	{ "no-ask-password", no_argument, NULL, OPT_NO_ASK_PASSWORD },
	{ "property", required_argument, NULL, 'p' },
	{ "value", no_argument, NULL, OPT_VALUE },
	{ "all", no_argument, NULL, 'a' },
	{ "full", no_argument, NULL, 'l' },
	{ "kill-whom", required_argument, NULL, OPT_KILL_WHOM },
	{ "signal", required_argument, NULL, 's' },
	{ "uid", required_argument, NULL, OPT_UID },
	{ "setenv", required_argument, NULL, 'E' },
	{ "read-only", no_argument, NULL, OPT_READ_ONLY },
	{ "mkdir", no_argument, NULL, OPT_MKDIR },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "now", no_argument, NULL, OPT_NOW },
	{ "verify", required_argument, NULL, OPT_VERIFY },
	{ "private-users", required_argument, NULL, OPT_PRIVATE_USERS },
	{ "max-addresses", required_argument, NULL, OPT_MAX_ADDRESSES },
	{ "lines", required_argument, NULL, 'n' },
	{ "follow", no_argument, NULL, 'f' },
	{ "escape", required_argument, NULL, OPT_ESCAPE },
	{ "output", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ 0 }
};

/* The words that are not options, in order: the verb and its arguments.
 * As in systemd's machinectl, options may stand anywhere, except after
 * `shell NAME`: what follows is the command's, its options included. */
struct positional {
	char **v;
	int n;
};

static bool positional_add(struct positional *p, char *word)
{
	p->v[p->n++] = word;
	return p->n == 2 && !strcmp(p->v[0], "shell");
}

/* import-tar/pull-tar --private-users=: pick, or a 64K-aligned base with
 * the 64K range nspawn's chown records in the image's root; -1 or the
 * exit code */
static int check_private_users(const char *s)
{
	struct userns u;

	if (!CFG_PRIVATE_USERS || !CFG_ARCHIVE)
		return usage_error("--private-users= needs user namespaces, not built into this machbox");
	if (userns_parse(s, &u) < 0 || (u.mode != USERNS_PICK &&
	    (u.mode != USERNS_FIXED || !u.shift || u.shift % USERNS_RANGE || u.range != USERNS_RANGE)))
		return usage_error("--private-users= takes pick or a non-zero multiple of 65536, not '%s'", s);
	return -1;
}

/* Returns -1 to go on, or the exit code. */
static int parse_args(struct mctl_opts *o, int argc, char **argv, struct positional *pos)
{
	unsigned long long n;
	int c;

	opterr = 0;
	/* '-': non-options come back as 1, in order, so "shell" can stop it */
	while ((c = getopt_long(argc, argv, "-hp:P:alqs:E:n:fo:", options, NULL)) != -1) {
		switch (c) {
		case 1:
			if (positional_add(pos, optarg)) {
				while (optind < argc)
					pos->v[pos->n++] = argv[optind++];
				return -1;
			}
			break;
		case 'h':
			help();
			return 0;
		case OPT_VERSION:
			printf("machbox %s\n", MACHBOX_VERSION);
			return 0;
		case OPT_NO_PAGER:
		case OPT_NO_ASK_PASSWORD:
			break;	/* we never page or ask: accepted for scripts */
		case OPT_NO_LEGEND:
			o->legend = false;
			break;
		case 'P':
			o->value = true;
			/* fallthrough */
		case 'p':
			if (o->n_props >= ARRAY_SIZE(o->props))
				return usage_error("too many --property options");
			o->props[o->n_props++] = optarg;
			break;
		case OPT_VALUE:
			o->value = true;
			break;
		case 'a':
			o->all = true;
			break;
		case 'l':
			o->full = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case OPT_KILL_WHOM:
			if (strcmp(optarg, "leader") && strcmp(optarg, "all"))
				return usage_error("--kill-whom= takes 'leader' or 'all', not '%s'", optarg);
			o->kill_whom = optarg;
			break;
		case 's':
			o->signal = parse_signal(optarg);
			if (o->signal < 0)
				return usage_error("unknown signal '%s'", optarg);
			break;
		case OPT_UID:
			o->uid = optarg;
			break;
		case 'E':
			if (!*optarg || *optarg == '=')
				return usage_error("bad environment assignment '%s'", optarg);
			if (o->n_env >= ARRAY_SIZE(o->env))
				return usage_error("too many --setenv options");
			o->env[o->n_env++] = optarg;
			break;
		case OPT_READ_ONLY:
			o->read_only = true;
			break;
		case OPT_MKDIR:
			o->mkdir = true;
			break;
		case OPT_FORCE:
			o->force = true;
			break;
		case OPT_NOW:
			o->now = true;
			break;
		case OPT_VERIFY:
			if (strcmp(optarg, "no") && strcmp(optarg, "checksum") &&
			    strcmp(optarg, "signature"))
				return usage_error("--verify= takes no, checksum or signature, not '%s'", optarg);
			o->verify = optarg;
			break;
		case OPT_PRIVATE_USERS:
			if ((c = check_private_users(optarg)) >= 0)
				return c;
			o->private_users = optarg;
			break;
		case OPT_MAX_ADDRESSES:
			if (!strcmp(optarg, "all"))
				o->max_addresses = -1;
			else if (parse_uint(optarg, 1000000, &n))
				return usage_error("bad --max-addresses= value '%s'", optarg);
			else
				o->max_addresses = (int)n;
			break;
		case 'n':
			if (parse_uint(optarg, 100000000, &n))
				return usage_error("bad --lines= value '%s'", optarg);
			o->lines = (long)n;
			break;
		case 'f':
			o->follow = true;
			break;
		case OPT_ESCAPE:
			o->escape = optarg;
			break;
		case 'o':
			if (!strcmp(optarg, "json") && CFG_JSON)
				o->json = true;
			else if (strcmp(optarg, "short"))
				return usage_error("unknown output format '%s'", optarg);
			break;
		case ':':
			return usage_error("option '%s' needs an argument", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s', see --help", argv[optind - 1]);
		}
	}
	return -1;
}

int machinectl_main(int argc, char **argv)
{
	struct mctl_opts o = {
		.legend = true, .signal = SIGTERM, .kill_whom = "all",
		.verify = "signature", .max_addresses = 1, .lines = 10,
	};
	struct positional pos = { .v = xcalloc((size_t)argc + 1, sizeof(char *)), .n = 0 };
	int r = parse_args(&o, argc, argv, &pos);

	if (r < 0) {
		/* after "--": the rest is positional */
		while (optind < argc)
			pos.v[pos.n++] = argv[optind++];
		/* an option no other verb would look at must not pass unseen */
		if (o.private_users && pos.n && strcmp(pos.v[0], "import-tar") &&
		    strcmp(pos.v[0], "pull-tar"))
			r = usage_error("--private-users= is only for import-tar and pull-tar");
		else
			r = verb_dispatch(verbs, ARRAY_SIZE(verbs), pos.n, pos.v, &o);
	}
	free(pos.v);
	return r;
}

/* nspawn's command line, with systemd-nspawn's names. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "machbox.h"
#include "nspawn/nspawn.h"
#include "nspawn/seccomp.h"
#include "nspawn/binduser.h"
#include "nspawn/userns.h"

void nspawn_opts_init(struct nspawn_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->memory_max = UINT64_MAX;
	o->tasks_max = UINT64_MAX;
	o->resolv_conf = RESOLV_AUTO;
	o->stop_timeout_s = 30;
}

void custom_mount_free(struct custom_mount *m)
{
	free(m->source);
	free(m->dest);
	free(m->options);
	memset(m, 0, sizeof(*m));
}

void nspawn_opts_free(struct nspawn_opts *o)
{
	unsigned i;

	for (i = 0; i < o->n_mounts; i++)
		custom_mount_free(&o->mounts[i]);
	for (i = 0; i < o->n_env; i++)
		free(o->env[i]);
	free(o->directory);
	free(o->image);
	free(o->machine);
	free(o->user);
	free(o->chdir);
	free(o->hostname);
	free(o->private_users);
	free(o->private_users_ownership);
	for (i = 0; i < o->n_bind_users; i++)
		free(o->bind_users[i]);
	for (i = 0; i < o->n_syscall_filter; i++)
		free(o->syscall_filter[i]);
	free(o->network_bridge);
	free(o->network_zone);
	for (i = 0; i < o->n_interfaces; i++)
		free(o->interfaces[i]);
	for (i = 0; i < o->n_macvlans; i++)
		free(o->macvlans[i]);
	free(o->log_file);
	if (o->argv) {
		for (i = 0; i < (unsigned)o->argc; i++)
			free(o->argv[i]);
		free(o->argv);
	}
	memset(o, 0, sizeof(*o));
}

static bool path_is_absolute_clean(const char *p)
{
	const char *s;

	if (p[0] != '/')
		return false;
	/* no "." or ".." components: destinations are resolved in the image */
	for (s = p; (s = strchr(s, '/')); s++) {
		if (s[1] == '.' && (s[2] == '/' || !s[2]))
			return false;
		if (s[1] == '.' && s[2] == '.' && (s[3] == '/' || !s[3]))
			return false;
	}
	return true;
}

int parse_bind_spec(const char *spec, enum bind_kind kind, struct custom_mount *m)
{
	const char *c1, *c2 = NULL;
	char *src = NULL, *dst = NULL, *opts = NULL;

	memset(m, 0, sizeof(*m));
	m->kind = kind;
	if (kind == MNT_TMPFS) {
		c1 = strchr(spec, ':');
		dst = c1 ? strndup(spec, (size_t)(c1 - spec)) : strdup(spec);
		opts = strdup(c1 ? c1 + 1 : "mode=0755");
		if (!dst || !opts)
			goto nomem;
		if (!path_is_absolute_clean(dst))
			goto inval;
		m->dest = dst;
		m->options = opts;
		return 0;
	}
	c1 = strchr(spec, ':');
	if (c1)
		c2 = strchr(c1 + 1, ':');
	src = c1 ? strndup(spec, (size_t)(c1 - spec)) : strdup(spec);
	if (!src)
		goto nomem;
	if (c1 && c2)
		dst = strndup(c1 + 1, (size_t)(c2 - c1 - 1));
	else
		dst = strdup(c1 ? c1 + 1 : src);
	if (!dst)
		goto nomem;
	if (c2) {
		opts = strdup(c2 + 1);
		if (!opts)
			goto nomem;
		if (!strcmp(opts, "rbind"))
			m->recursive = true;
		else if (!strcmp(opts, "norbind"))
			m->recursive = false;
		else
			goto inval;
	} else {
		m->recursive = true;	/* systemd's default */
	}
	if (src[0] != '/' || !path_is_absolute_clean(dst))
		goto inval;
	m->source = src;
	m->dest = dst;
	m->options = opts;
	return 0;
inval:
	free(src);
	free(dst);
	free(opts);
	return -EINVAL;
nomem:
	free(src);
	free(dst);
	free(opts);
	return -ENOMEM;
}

static void help(void)
{
	if (!CFG_LONG_HELP) {
		printf("Usage: nspawn [OPTIONS...] [COMMAND [ARGS...]]\n");
		return;
	}
	printf("Usage: nspawn [OPTIONS...] [COMMAND [ARGS...]]\n"
	       "\n"
	       "Spawn a command or OS in a light-weight container.\n"
	       "\n"
	       "  -h --help                 Show this help\n"
	       "     --version              Print version string\n"
	       "  -q --quiet                Do not show status information\n"
	       "     --settings=BOOLEAN|trusted|override\n"
	       "                            Load additional settings from .nspawn file\n"
	       "\n"
	       "Image:\n"
	       "  -D --directory=PATH       Root directory for the container\n"
	       "  -i --image=PATH           Root file system disk image (or device node) for\n"
	       "                            the container\n"
	       "  -x --ephemeral            Run container with snapshot of root directory,\n"
	       "                            and remove it after exit\n"
	       "     --read-only            Mount the root directory read-only\n"
	       "     --volatile[=MODE]      Run the system in volatile mode (yes, state,\n"
	       "                            overlay)\n"
	       "\n"
	       "Execution:\n"
	       "  -b --boot                 Boot up full system (i.e. invoke init)\n"
	       "     --chdir=PATH           Set working directory in the container\n"
	       "  -E --setenv=NAME[=VALUE]  Pass an environment variable to PID 1\n"
	       "  -u --user=USER            Run the command under specified user or UID\n"
	       "     --kill-signal=SIGNAL   Select signal to use for shutting down PID 1\n"
	       "\n"
	       "System identity:\n"
	       "  -M --machine=NAME         Set the machine name for the container\n"
	       "     --hostname=NAME        Override the hostname for the container\n"
	       "\n"
	       "Resources:\n"
	       "     --property=NAME=VALUE  Set a cgroup limit: MemoryMax=, TasksMax=,\n"
	       "                            CPUWeight=\n"
	       "\n"
	       "Networking:\n"
	       "     --private-network      Disable network in container\n"
	       "  -n --network-veth         Add a virtual Ethernet connection between host\n"
	       "                            and container (ve-NAME, host0), with an address\n"
	       "                            from the built-in DHCP server and masquerading\n"
	       "     --network-bridge=INTERFACE\n"
	       "                            Add a virtual Ethernet connection to the\n"
	       "                            container and attach it to an existing bridge\n"
	       "     --network-zone=NAME    Add a virtual Ethernet connection to the\n"
	       "                            container, and add it to the zone bridge vz-NAME\n"
	       "     --network-interface=INTERFACE\n"
	       "                            Assign an existing network interface to the\n"
	       "                            container\n"
	       "     --network-macvlan=INTERFACE\n"
	       "                            Create a macvlan network interface based on an\n"
	       "                            existing network interface to the container\n"
	       "  -p --port=[PROTOCOL:]HOSTPORT[:CONTAINERPORT]\n"
	       "                            Expose a container IP port on the host\n"
	       "     --resolv-conf=MODE     Select mode of /etc/resolv.conf initialization\n"
	       "                            (off, copy-host, bind-host, replace-host,\n"
	       "                            delete, auto)\n"
	       "\n"
	       "Mounts:\n"
	       "     --bind=PATH[:PATH[:OPTIONS]]\n"
	       "                            Bind mount a file or directory from the host into\n"
	       "                            the container\n"
	       "     --bind-ro=PATH[:PATH[:OPTIONS]\n"
	       "                            Similar, but creates a read-only bind mount\n"
	       "     --tmpfs=PATH:[OPTIONS] Mount an empty tmpfs to the specified directory\n"
	       "     --bind-user=NAME       Bind user from host to container\n"
	       "\n"
	       "Input/Output:\n"
	       "     --console=MODE         Select how stdin/stdout/stderr and /dev/console are\n"
	       "                            set up for the container (interactive, read-only,\n"
	       "                            passive, pipe)\n"
	       "  -P --pipe                 Equivalent to --console=pipe\n"
	       "     --log-file=PATH        Copy the console output to PATH (size-capped)\n"
	       "     --stop-timeout=SECONDS Time the guest gets to power off before SIGKILL\n"
	       "\n"
	       "Security:\n"
	       "     --private-users=no|yes|pick|identity|BASE[:RANGE]\n"
	       "                            Run within user namespace\n"
	       "     --private-users-ownership=auto|map|chown|off\n"
	       "                            Adjust OS tree ownership to the user namespace\n"
	       "  -U                        Equivalent to --private-users=pick\n"
	       "     --system-call-filter=LIST|~LIST\n"
	       "                            Allow (or with ~ deny) system calls by name or\n"
	       "                            group: @clock @module @keyring @swap @raw-io\n"
	       "                            @reboot\n"
	       "\n"
	       "The escape key ^] pressed three times within a second detaches and stops\n"
	       "the container.\n");
}

enum {
	OPT_VERSION = 0x100, OPT_CHDIR, OPT_HOSTNAME, OPT_BIND, OPT_BIND_RO,
	OPT_TMPFS, OPT_READ_ONLY, OPT_VOLATILE, OPT_PRIVATE_NETWORK,
	OPT_KILL_SIGNAL, OPT_CONSOLE, OPT_SETTINGS, OPT_RESOLV_CONF,
	OPT_PROPERTY, OPT_LOG_FILE, OPT_STOP_TIMEOUT, OPT_NETWORK_BRIDGE, OPT_NETWORK_ZONE,
	OPT_SYSCALL_FILTER, OPT_NETWORK_INTERFACE, OPT_NETWORK_MACVLAN,
	OPT_PRIVATE_USERS, OPT_PRIVATE_USERS_OWNERSHIP, OPT_BIND_USER,
};

static const struct option options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "directory", required_argument, NULL, 'D' },
	{ "image", required_argument, NULL, 'i' },
	{ "machine", required_argument, NULL, 'M' },
	{ "boot", no_argument, NULL, 'b' },
	{ "user", required_argument, NULL, 'u' },
	{ "chdir", required_argument, NULL, OPT_CHDIR },
	{ "setenv", required_argument, NULL, 'E' },
	{ "hostname", required_argument, NULL, OPT_HOSTNAME },
	{ "bind", required_argument, NULL, OPT_BIND },
	{ "bind-ro", required_argument, NULL, OPT_BIND_RO },
	{ "tmpfs", required_argument, NULL, OPT_TMPFS },
	{ "read-only", no_argument, NULL, OPT_READ_ONLY },
	{ "volatile", optional_argument, NULL, OPT_VOLATILE },
	{ "ephemeral", no_argument, NULL, 'x' },
	{ "private-network", no_argument, NULL, OPT_PRIVATE_NETWORK },
	{ "network-veth", no_argument, NULL, 'n' },
	{ "network-bridge", required_argument, NULL, OPT_NETWORK_BRIDGE },
	{ "network-zone", required_argument, NULL, OPT_NETWORK_ZONE },
	{ "port", required_argument, NULL, 'p' },
	{ "network-interface", required_argument, NULL, OPT_NETWORK_INTERFACE },
	{ "network-macvlan", required_argument, NULL, OPT_NETWORK_MACVLAN },
	{ "kill-signal", required_argument, NULL, OPT_KILL_SIGNAL },
	{ "console", required_argument, NULL, OPT_CONSOLE },
	{ "pipe", no_argument, NULL, 'P' },
	{ "settings", required_argument, NULL, OPT_SETTINGS },
	{ "resolv-conf", required_argument, NULL, OPT_RESOLV_CONF },
	{ "quiet", no_argument, NULL, 'q' },
	{ "property", required_argument, NULL, OPT_PROPERTY },
	{ "log-file", required_argument, NULL, OPT_LOG_FILE },
	{ "stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT },
	{ "system-call-filter", required_argument, NULL, OPT_SYSCALL_FILTER },
	{ "private-users", optional_argument, NULL, OPT_PRIVATE_USERS },
	{ "private-users-ownership", required_argument, NULL, OPT_PRIVATE_USERS_OWNERSHIP },
	{ "bind-user", required_argument, NULL, OPT_BIND_USER },
	{ 0 }
};

int nspawn_env_add(struct nspawn_opts *o, const char *assignment)
{
	const char *eq = strchr(assignment, '=');
	size_t klen = eq ? (size_t)(eq - assignment) : strlen(assignment);
	char *s;
	unsigned i;

	if (klen == 0)
		return -EINVAL;
	if (eq)
		s = strdup(assignment);
	else {
		/* NAME alone passes the variable on from our environment */
		const char *v = getenv(assignment);

		if (!v)
			return 0;
		if (asprintf(&s, "%s=%s", assignment, v) < 0)
			s = NULL;
	}
	if (!s)
		return -ENOMEM;
	for (i = 0; i < o->n_env; i++)
		if (!strncmp(o->env[i], s, klen + 1)) {
			free(o->env[i]);
			o->env[i] = s;
			return 0;
		}
	if (o->n_env >= NSPAWN_MAX_ENV) {
		free(s);
		return -E2BIG;
	}
	o->env[o->n_env++] = s;
	return 0;
}

int nspawn_add_mount(struct nspawn_opts *o, const char *spec, enum bind_kind kind)
{
	int r;

	if (o->n_mounts >= NSPAWN_MAX_MOUNTS)
		return -E2BIG;
	r = parse_bind_spec(spec, kind, &o->mounts[o->n_mounts]);
	if (r < 0)
		return r;
	o->n_mounts++;
	return 0;
}

int nspawn_add_port(struct nspawn_opts *o, const char *spec)
{
	int r;

	if (!CFG_NETWORK)
		return -EOPNOTSUPP;
	if (o->n_ports >= NSPAWN_MAX_PORTS)
		return -E2BIG;
	r = parse_port_forward(spec, &o->ports[o->n_ports]);
	if (r < 0)
		return r;
	o->n_ports++;
	return 0;
}

int nspawn_add_interface(struct nspawn_opts *o, const char *name, bool macvlan)
{
	char **list = macvlan ? o->macvlans : o->interfaces;
	unsigned *n = macvlan ? &o->n_macvlans : &o->n_interfaces;
	int r;

	if (!*name || strlen(name) > 15 || strchr(name, '/') || !machine_name_valid(name))
		return -EINVAL;
	if (*n >= 4)
		return -E2BIG;
	list[*n] = NULL;
	r = replace_str(&list[*n], name);
	if (r == 0)
		(*n)++;
	return r;
}

bool nspawn_wants_link(const struct nspawn_opts *o)
{
	return o->network_veth || o->network_bridge || o->network_zone || o->n_interfaces || o->n_macvlans;
}

int nspawn_add_syscall_filter(struct nspawn_opts *o, const char *spec, char *err, size_t errlen)
{
	struct syscall_filter f;
	int r;

	if (o->n_syscall_filter >= ARRAY_SIZE(o->syscall_filter))
		return -E2BIG;
	syscall_filter_default(&f);
	r = syscall_filter_parse(&f, spec, err, errlen);
	if (r < 0)
		return r;
	return replace_str(&o->syscall_filter[o->n_syscall_filter++], spec);
}

int nspawn_set_property(struct nspawn_opts *o, const char *prop)
{
	const char *eq = strchr(prop, '=');
	unsigned long long n;
	int r;

	if (!eq)
		return -EINVAL;
	if (startswith(prop, "MemoryMax="))
		return parse_size(eq + 1, &o->memory_max);
	if (startswith(prop, "TasksMax=")) {
		if (!strcmp(eq + 1, "infinity")) {
			o->tasks_max = UINT64_MAX;
			return 0;
		}
		r = parse_uint(eq + 1, UINT32_MAX, &n);
		if (r < 0)
			return r;
		o->tasks_max = n;
		return 0;
	}
	if (startswith(prop, "CPUWeight=")) {
		r = parse_uint(eq + 1, 10000, &n);
		if (r < 0 || n < 1)
			return -EINVAL;
		o->cpu_weight = n;
		return 0;
	}
	return -EOPNOTSUPP;
}

int nspawn_parse_volatile(const char *s, enum volatile_mode *ret)
{
	int b;

	if (!s || !*s) {
		*ret = VOLATILE_YES;
		return 0;
	}
	if (!strcmp(s, "state"))
		*ret = VOLATILE_STATE;
	else if (!strcmp(s, "overlay"))
		*ret = VOLATILE_OVERLAY;
	else if ((b = parse_bool(s)) >= 0)
		*ret = b ? VOLATILE_YES : VOLATILE_NO;
	else
		return -EINVAL;
	return 0;
}

int nspawn_parse_resolv(const char *s, enum resolv_mode *ret)
{
	static const char *const names[] = {
		[RESOLV_AUTO] = "auto", [RESOLV_OFF] = "off",
		[RESOLV_COPY_HOST] = "copy-host", [RESOLV_BIND_HOST] = "bind-host",
		[RESOLV_REPLACE_HOST] = "replace-host", [RESOLV_DELETE] = "delete",
	};
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i])) {
			*ret = (enum resolv_mode)i;
			return 0;
		}
	return -EINVAL;
}

static int parse_console(const char *s, enum console_mode *ret)
{
	static const char *const names[] = {
		[CONSOLE_INTERACTIVE] = "interactive", [CONSOLE_READ_ONLY] = "read-only",
		[CONSOLE_PASSIVE] = "passive", [CONSOLE_PIPE] = "pipe",
	};
	unsigned i;

	for (i = 1; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i])) {
			*ret = (enum console_mode)i;
			return 0;
		}
	return -EINVAL;
}

static int parse_settings_mode(const char *s, enum settings_mode *ret)
{
	int b;

	if (!strcmp(s, "trusted"))
		*ret = SETTINGS_TRUSTED;
	else if (!strcmp(s, "override"))
		*ret = SETTINGS_OVERRIDE;
	else if ((b = parse_bool(s)) >= 0)
		*ret = b ? SETTINGS_YES : SETTINGS_NO;
	else
		return -EINVAL;
	return 0;
}

/* -n, --network-bridge=, --network-zone=, -p: 0, EXIT_USAGE or -errno */
static int parse_network(struct nspawn_opts *o, int c, const char *arg)
{
	int r = 0;

	switch (c) {
	case 'n':
		o->network_veth = true;
		o->set_mask |= SET_NETWORK;
		break;
	case OPT_NETWORK_BRIDGE:
	case OPT_NETWORK_ZONE:
		if (!*arg || strlen(arg) > (c == OPT_NETWORK_ZONE ? 12 : 15) || strchr(arg, '/') ||
		    !machine_name_valid(arg))
			return usage_error("invalid %s name '%s'", c == OPT_NETWORK_ZONE ? "zone" : "bridge", arg);
		r = replace_str(c == OPT_NETWORK_ZONE ? &o->network_zone : &o->network_bridge, arg);
		o->set_mask |= SET_NETWORK;
		break;
	case OPT_NETWORK_INTERFACE:
	case OPT_NETWORK_MACVLAN:
		r = nspawn_add_interface(o, arg, c == OPT_NETWORK_MACVLAN);
		if (r == -EINVAL)
			return usage_error("invalid interface name '%s'", arg);
		if (r == -E2BIG)
			return usage_error("too many interfaces");
		o->set_mask |= SET_NETWORK;
		break;
	case 'p':
		r = nspawn_add_port(o, arg);
		if (r == -EINVAL)
			return usage_error("bad port forward '%s' ([tcp|udp:]HOST[:CONTAINER])", arg);
		if (r == -E2BIG)
			return usage_error("too many port forwards");
		o->set_mask |= SET_PORTS;
		break;
	}
	return r < 0 ? r : 0;
}

/* -U, --private-users[=], --private-users-ownership=: checked here, kept
 * raw as PrivateUsers= is; 0, EXIT_USAGE or -errno */
static int parse_userns(struct nspawn_opts *o, int c, const char *arg)
{
	enum userns_owner own;
	struct userns u;
	int r;

	if (c == OPT_PRIVATE_USERS_OWNERSHIP) {
		if (userns_parse_owner(arg, &own) < 0)
			return usage_error("bad --private-users-ownership= value '%s' (auto, map, chown, off)", arg);
		r = replace_str(&o->private_users_ownership, arg);
	} else {
		/* -U: pick where the kernel has user namespaces, else no */
		if (c == 'U')
			arg = CFG_PRIVATE_USERS && access("/proc/self/ns/user", F_OK) == 0 ? "pick" : "no";
		arg = arg ? arg : "yes";
		if (userns_parse(arg, &u) < 0)
			return usage_error("bad --private-users= value '%s' (no, yes, pick, identity, BASE[:RANGE])", arg);
		if (!CFG_PRIVATE_USERS && u.mode != USERNS_NO)
			return usage_error("user namespaces are not built into this machbox");
		r = replace_str(&o->private_users, arg);
		/* systemd's -U: pick, and the image's ownership made to fit */
		if (r == 0 && c == 'U')
			r = replace_str(&o->private_users_ownership, "auto");
	}
	o->set_mask |= SET_PRIVATE_USERS;
	return r < 0 ? r : 0;
}

/* One option; returns 0, or a usage error already reported (EXIT_USAGE),
 * or -ENOMEM. */
static int parse_one(struct nspawn_opts *o, int c, const char *arg)
{
	unsigned long long n;
	int r = 0;

	switch (c) {
	case 'D':
		r = replace_str(&o->directory, arg);
		break;
	case 'i':
		r = replace_str(&o->image, arg);
		break;
	case 'M':
		if (!machine_name_valid(arg))
			return usage_error("invalid machine name '%s'", arg);
		r = replace_str(&o->machine, arg);
		break;
	case 'b':
		o->boot = true;
		o->set_mask |= SET_BOOT;
		break;
	case 'u':
		r = replace_str(&o->user, arg);
		o->set_mask |= SET_USER;
		break;
	case OPT_CHDIR:
		if (arg[0] != '/')
			return usage_error("--chdir= needs an absolute path, not '%s'", arg);
		r = replace_str(&o->chdir, arg);
		o->set_mask |= SET_WORKDIR;
		break;
	case 'E':
		r = nspawn_env_add(o, arg);
		if (r == -EINVAL)
			return usage_error("bad environment assignment '%s'", arg);
		if (r == -E2BIG)
			return usage_error("too many --setenv options");
		o->set_mask |= SET_ENV;
		break;
	case OPT_HOSTNAME:
		if (!machine_name_valid(arg))
			return usage_error("invalid host name '%s'", arg);
		r = replace_str(&o->hostname, arg);
		o->set_mask |= SET_HOSTNAME;
		break;
	case OPT_BIND:
	case OPT_BIND_RO:
	case OPT_TMPFS:
		r = nspawn_add_mount(o, arg, c == OPT_BIND ? MNT_BIND :
				     c == OPT_BIND_RO ? MNT_BIND_RO : MNT_TMPFS);
		if (r == -EINVAL)
			return usage_error("bad mount specification '%s'", arg);
		if (r == -E2BIG)
			return usage_error("too many mounts");
		o->set_mask |= SET_MOUNTS;
		break;
	case OPT_READ_ONLY:
		o->read_only = true;
		o->set_mask |= SET_READ_ONLY;
		break;
	case OPT_VOLATILE:
		if (nspawn_parse_volatile(arg, &o->volatile_mode) < 0)
			return usage_error("bad --volatile= mode '%s'", arg);
		o->set_mask |= SET_VOLATILE;
		break;
	case 'x':
		o->ephemeral = true;
		break;
	case OPT_PRIVATE_NETWORK:
		o->private_network = true;
		o->set_mask |= SET_NETWORK;
		break;
	case 'n':
	case OPT_NETWORK_BRIDGE:
	case OPT_NETWORK_ZONE:
	case OPT_NETWORK_INTERFACE:
	case OPT_NETWORK_MACVLAN:
	case 'p':
		if (!CFG_NETWORK)
			return usage_error("networking is not built into this machbox");
		return parse_network(o, c, arg);
	case OPT_KILL_SIGNAL:
		o->kill_signal = parse_signal(arg);
		if (o->kill_signal < 0)
			return usage_error("unknown signal '%s'", arg);
		o->set_mask |= SET_KILL_SIGNAL;
		break;
	case OPT_CONSOLE:
		if (parse_console(arg, &o->console) < 0)
			return usage_error("bad --console= mode '%s'", arg);
		break;
	case 'P':
		o->console = CONSOLE_PIPE;
		break;
	case OPT_SETTINGS:
		if (parse_settings_mode(arg, &o->settings) < 0)
			return usage_error("bad --settings= value '%s'", arg);
		break;
	case OPT_RESOLV_CONF:
		if (nspawn_parse_resolv(arg, &o->resolv_conf) < 0)
			return usage_error("bad --resolv-conf= mode '%s'", arg);
		o->set_mask |= SET_RESOLV;
		break;
	case 'q':
		o->quiet = true;
		break;
	case OPT_PROPERTY:
		r = nspawn_set_property(o, arg);
		if (r == -EOPNOTSUPP)
			return usage_error("unsupported property '%s' (MemoryMax=, TasksMax=, CPUWeight=)", arg);
		if (r < 0)
			return usage_error("bad property value '%s'", arg);
		o->set_mask |= SET_LIMITS;
		break;
	case OPT_SYSCALL_FILTER: {
		char err[128];

		if (!CFG_SECCOMP)
			return usage_error("the system call filter is not built into this machbox");
		r = nspawn_add_syscall_filter(o, arg, err, sizeof(err));
		if (r == -EINVAL)
			return usage_error("--system-call-filter=: %s", err);
		if (r == -E2BIG)
			return usage_error("too many --system-call-filter= options");
		o->set_mask |= SET_SYSCALLS;
		break;
	}
	case 'U':
	case OPT_PRIVATE_USERS:
	case OPT_PRIVATE_USERS_OWNERSHIP:
		return parse_userns(o, c, arg);
	case OPT_BIND_USER:
		r = nspawn_add_bind_user(o, arg);
		if (r == -EINVAL)
			return usage_error("bad user name '%s'", arg);
		if (r == -E2BIG)
			return usage_error("too many --bind-user= options");
		o->set_mask |= SET_BIND_USER;
		break;
	case OPT_LOG_FILE:
		r = replace_str(&o->log_file, arg);
		break;
	case OPT_STOP_TIMEOUT:
		if (parse_uint(arg, 86400, &n) < 0)
			return usage_error("bad --stop-timeout= value '%s'", arg);
		o->stop_timeout_s = (int)n;
		break;
	default:
		return usage_error("unknown option, see --help");
	}
	return r < 0 ? r : 0;
}

int nspawn_parse_args(struct nspawn_opts *o, int argc, char **argv)
{
	int c, r, i;

	opterr = 0;
	optind = 0;	/* reset: the tests call this more than once */
	while ((c = getopt_long(argc, argv, "+hD:i:M:bu:E:xPqnp:U", options, NULL)) != -1) {
		if (c == 'h') {
			help();
			return 0;
		}
		if (c == OPT_VERSION) {
			printf("machbox %s\n", MACHBOX_VERSION);
			return 0;
		}
		if (c == '?' || c == ':') {
			if (optopt && optopt < 0x100)
				return usage_error("%s option '-%c'", c == ':' ? "missing argument to" : "unknown", optopt);
			return usage_error("%s option '%s'", c == ':' ? "missing argument to" : "unknown", argv[optind - 1]);
		}
		r = parse_one(o, c, optarg);
		if (r == EXIT_USAGE)
			return r;
		if (r < 0)
			return fail_errno(r, "cannot parse options");
	}
	if (optind < argc) {
		o->argc = argc - optind;
		o->argv = calloc((size_t)o->argc + 1, sizeof(char *));
		if (!o->argv)
			return fail_errno(ENOMEM, "cannot parse options");
		for (i = 0; i < o->argc; i++)
			if (!(o->argv[i] = strdup(argv[optind + i])))
				return fail_errno(ENOMEM, "cannot parse options");
		o->set_mask |= SET_PARAMETERS;
	}
	if (o->directory && o->image)
		return usage_error("--directory= and --image= cannot be combined");
	if (o->ephemeral && o->volatile_mode != VOLATILE_NO)
		return usage_error("--ephemeral and --volatile= cannot be combined");
	if (!!o->network_veth + !!o->network_bridge + !!o->network_zone > 1)
		return usage_error("--network-veth, --network-bridge= and --network-zone= exclude each other");
	return -1;
}

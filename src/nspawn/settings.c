/* .nspawn settings files: systemd's syntax (conf-parser.c: comments, line
 * continuation, sections), the keys of systemd.nspawn(5) we support, our
 * own [Machbox] section, and systemd-nspawn's rules for where files are
 * found, which are trusted, and how they meet the command line. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ini.h"
#include "machbox.h"
#include "nspawn/binduser.h"
#include "nspawn/settings.h"

#define WHITESPACE " \t\n\r"
/* PATH_MAX without <limits.h>, whose MB_SIGRTMAX clashes with machbox.h's */
#define PATH_LEN 4096

enum section { SECT_NONE, SECT_EXEC, SECT_FILES, SECT_NETWORK, SECT_MACHBOX };

static const char *const section_names[] = {
	[SECT_EXEC] = "Exec", [SECT_FILES] = "Files",
	[SECT_NETWORK] = "Network", [SECT_MACHBOX] = "Machbox",
};

struct parser {
	struct ini ini;		/* first: the reader calls back with it */
	bool trusted;
	struct nspawn_opts *o;
};

struct key;
/* Returns 0 when the value was applied, 1 when an empty value reset the
 * setting, or -errno (-EINVAL with the message already written). */
typedef int (*key_fn)(struct parser *ps, const struct key *k, const char *v);

#define KEY_PRIVILEGED 1u	/* ignored in untrusted files */
#define KEY_UNSUPPORTED 2u	/* known, not implemented yet: warn */
#define STR_PATH 4u		/* p_string: absolute path in the image */
#define STR_HOST 8u		/* p_string: host name */

struct key {
	enum section sect;
	const char *name;
	key_fn parse;
	unsigned set;		/* SET_* group the key belongs to */
	unsigned flags;
	size_t arg;		/* field offset or mount kind, per parser */
};

#define FIELD(ps, k, type) ((type *)(void *)((char *)(ps)->o + (k)->arg))

/* --- messages --- */

#define warnf(ps, ...) ini_warnf(&(ps)->ini, __VA_ARGS__)
#define errorf(ps, ...) ini_errorf(&(ps)->ini, __VA_ARGS__)

/* A bad value: "FILE:LINE: KEY=: REASON"; returns -EINVAL */
static int PRINTF(3, 4) bad(struct parser *ps, const struct key *k, const char *fmt, ...)
{
	char reason[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return errorf(ps, "%s=: %s", k->name, reason);
}

/* --- values --- */

/* The next word of *V with the rules of systemd's config_parse_strv()
 * (extract_first_word with EXTRACT_UNQUOTE|EXTRACT_RETAIN_ESCAPE):
 * whitespace separates words; '...' and "..." group, also in the middle
 * of a word, and are removed; a backslash is a plain character.  Returns 1
 * with a malloc'd *WORD, 0 at the end, -EINVAL for an unbalanced quote. */
static int next_word(const char **v, char **word)
{
	const char *p = *v + strspn(*v, WHITESPACE);
	char quote = 0, *w;
	size_t n = 0;

	*v = p;
	if (!*p)
		return 0;
	w = malloc(strlen(p) + 1);
	if (!w)
		return -ENOMEM;
	for (; *p; p++) {
		if (quote && *p == quote)
			quote = 0;
		else if (!quote && (*p == '\'' || *p == '"'))
			quote = *p;
		else if (!quote && strchr(WHITESPACE, *p))
			break;
		else
			w[n++] = *p;
	}
	if (quote) {
		free(w);
		return -EINVAL;
	}
	w[n] = 0;
	*v = p;
	*word = w;
	return 1;
}

/* systemd's string_is_safe(): no control characters, quotes or backslashes */
static bool string_is_safe(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f || strchr("\"'\\", *s))
			return false;
	return true;
}

static bool has_control_chars(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			return true;
	return false;
}

/* no "." or ".." component: the path is resolved inside the image */
static bool path_is_normalized(const char *p)
{
	const char *s;

	for (s = p; (s = strchr(s, '/')); s++) {
		if (s[1] == '.' && (s[2] == '/' || !s[2]))
			return false;
		if (s[1] == '.' && s[2] == '.' && (s[3] == '/' || !s[3]))
			return false;
	}
	return true;
}

static int rereplace_str(char **dst)
{
	free(*dst);
	*dst = NULL;
	return 1;
}

static void free_argv(struct nspawn_opts *o)
{
	int i;

	for (i = 0; o->argv && i < o->argc; i++)
		free(o->argv[i]);
	free(o->argv);
	o->argv = NULL;
	o->argc = 0;
}

static int argv_push(struct nspawn_opts *o, char *word)
{
	char **a = realloc(o->argv, ((size_t)o->argc + 2) * sizeof(*a));

	if (!a)
		return -ENOMEM;
	a[o->argc++] = word;
	a[o->argc] = NULL;
	o->argv = a;
	return 0;
}

static void clear_env(struct nspawn_opts *o)
{
	unsigned i;

	for (i = 0; i < o->n_env; i++)
		free(o->env[i]);
	o->n_env = 0;
}

static void clear_mounts(struct nspawn_opts *o)
{
	unsigned i;

	for (i = 0; i < o->n_mounts; i++)
		custom_mount_free(&o->mounts[i]);
	o->n_mounts = 0;
}

/* "30", "30s" or "2min", at most a day like --stop-timeout= */
static int parse_seconds(const char *v, unsigned long long *ret)
{
	size_t n = strspn(v, "0123456789");
	unsigned long long mult = 1;
	char num[16];

	if (n == 0 || n >= sizeof(num))
		return -EINVAL;
	if (!strcmp(v + n, "min"))
		mult = 60;
	else if (v[n] && strcmp(v + n, "s"))
		return -EINVAL;
	memcpy(num, v, n);
	num[n] = 0;
	if (parse_uint(num, 86400, ret) < 0 || *ret * mult > 86400)
		return -ERANGE;
	*ret *= mult;
	return 0;
}

/* --- key parsers --- */

static int p_bool(struct parser *ps, const struct key *k, const char *v)
{
	int b = parse_bool(v);

	if (b < 0)
		return bad(ps, k, "not a boolean: '%.64s'", v);
	*FIELD(ps, k, bool) = b;
	return 0;
}

static int p_signal(struct parser *ps, const struct key *k, const char *v)
{
	int sig = parse_signal(v);

	if (sig < 0)
		return bad(ps, k, "unknown signal '%.64s'", v);
	*FIELD(ps, k, int) = sig;
	return 0;
}

/* Parameters= appends words; an empty value clears the list */
static int p_params(struct parser *ps, const struct key *k, const char *v)
{
	char *w;
	int r;

	if (!*v) {
		free_argv(ps->o);
		return 1;
	}
	while ((r = next_word(&v, &w)) > 0) {
		r = argv_push(ps->o, w);
		if (r < 0) {
			free(w);
			return r;
		}
	}
	return r == -EINVAL ? bad(ps, k, "unbalanced quotes in '%.64s'", v) : r;
}

/* Environment= takes several quoted NAME=VALUE words; empty clears.  A
 * bare NAME would copy our own variable, which a file must not ask for. */
static int p_env(struct parser *ps, const struct key *k, const char *v)
{
	char *w, *eq;
	int r;

	if (!*v) {
		clear_env(ps->o);
		return 1;
	}
	while ((r = next_word(&v, &w)) > 0) {
		eq = strchr(w, '=');
		r = eq && eq != w ? nspawn_env_add(ps->o, w) : -EINVAL;
		if (r == -EINVAL)
			r = bad(ps, k, "'%.64s' is not NAME=VALUE", w);
		else if (r == -E2BIG)
			r = bad(ps, k, "more than %d variables", NSPAWN_MAX_ENV);
		free(w);
		if (r < 0)
			return r;
	}
	return r == -EINVAL ? bad(ps, k, "unbalanced quotes in '%.64s'", v) : r;
}

/* User=, WorkingDirectory=, Hostname=, PrivateUsers= (kept raw: the user
 * namespace code interprets it); an empty value resets */
static int p_string(struct parser *ps, const struct key *k, const char *v)
{
	char **dst = FIELD(ps, k, char *);
	const char *what = "not a safe string (no quotes, backslashes, controls)";
	bool good;

	if (!*v)
		return rereplace_str(dst);
	if (k->flags & STR_PATH) {
		what = "not a normalized absolute path";
		good = v[0] == '/' && strlen(v) < PATH_LEN && path_is_normalized(v) &&
		       !has_control_chars(v);
	} else if (k->flags & STR_HOST) {
		what = "not a valid host name";
		good = machine_name_valid(v);
	} else {
		good = strlen(v) <= 256 && string_is_safe(v);
	}
	if (!good)
		return bad(ps, k, "%s: '%.64s'", what, v);
	return replace_str(dst, v);
}

static int p_resolv(struct parser *ps, const struct key *k, const char *v)
{
	if (nspawn_parse_resolv(v, &ps->o->resolv_conf) < 0)
		return bad(ps, k, "unsupported mode '%.64s'", v);
	return 0;
}

/* one mount per assignment, as systemd; an empty value is no spec */
static int p_mount(struct parser *ps, const struct key *k, const char *v)
{
	int r;

	if (!*v)
		return bad(ps, k, "empty mount specification");
	/* systemd unescapes "\:"; the shared spec parser does not, so a
	 * backslash would silently mean something else here */
	if (strchr(v, '\\'))
		return bad(ps, k, "backslash escapes are not supported: '%.64s'", v);
	r = nspawn_add_mount(ps->o, v, (enum bind_kind)k->arg);
	if (r == -EINVAL)
		return bad(ps, k, "bad mount specification '%.64s'", v);
	if (r == -E2BIG)
		return bad(ps, k, "more than %d mounts", NSPAWN_MAX_MOUNTS);
	return r;
}

/* Bridge=, Zone=: interface names (a zone leaves room for "vz-") */
static int p_netname(struct parser *ps, const struct key *k, const char *v)
{
	size_t max = !strcmp(k->name, "Zone") ? 12 : 15;

	if (!*v)
		return rereplace_str(FIELD(ps, k, char *));
	if (strlen(v) > max || !machine_name_valid(v))
		return bad(ps, k, "not a valid interface name: '%.64s'", v);
	return replace_str(FIELD(ps, k, char *), v);
}

/* BindUser=: space-separated user names; empty resets */
static int p_bind_user(struct parser *ps, const struct key *k, const char *v)
{
	char buf[256], *save = NULL, *w;
	int r;

	if (!*v) {
		while (ps->o->n_bind_users)
			free(ps->o->bind_users[--ps->o->n_bind_users]);
		return 0;
	}
	if (strlcpy_mb(buf, v, sizeof(buf)) >= sizeof(buf))
		return bad(ps, k, "too long");
	for (w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		r = nspawn_add_bind_user(ps->o, w);
		if (r == -E2BIG)
			return bad(ps, k, "more than %d users", NSPAWN_MAX_BIND_USERS);
		if (r < 0)
			return bad(ps, k, "not a user name: '%.32s'", w);
	}
	return 0;
}

/* Interface=, MACVLAN=: space-separated interface names */
static int p_ifaces(struct parser *ps, const struct key *k, const char *v)
{
	char buf[256], *save = NULL, *w;
	int r;

	if (strlcpy_mb(buf, v, sizeof(buf)) >= sizeof(buf))
		return bad(ps, k, "too long");
	for (w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		r = nspawn_add_interface(ps->o, w, k->arg == 1);
		if (r == -E2BIG)
			return bad(ps, k, "too many interfaces");
		if (r < 0)
			return bad(ps, k, "not an interface name: '%.32s'", w);
	}
	return 0;
}

static int p_port(struct parser *ps, const struct key *k, const char *v)
{
	int r;

	if (!*v) {
		ps->o->n_ports = 0;
		return 1;
	}
	r = nspawn_add_port(ps->o, v);
	if (r == -E2BIG)
		return bad(ps, k, "too many port forwards");
	return r < 0 ? bad(ps, k, "not [tcp|udp:]HOST[:CONTAINER]: '%.64s'", v) : 0;
}

/* SystemCallFilter=: one spec a line, as --system-call-filter= */
static int p_syscalls(struct parser *ps, const struct key *k, const char *v)
{
	char err[128];
	unsigned i;
	int r;

	if (!*v) {
		for (i = 0; i < ps->o->n_syscall_filter; i++)
			free(ps->o->syscall_filter[i]);
		ps->o->n_syscall_filter = 0;
		return 1;
	}
	if (!CFG_SECCOMP)
		return bad(ps, k, "the system call filter is not built into this machbox");
	r = nspawn_add_syscall_filter(ps->o, v, err, sizeof(err));
	if (r == -E2BIG)
		return bad(ps, k, "too many lines");
	return r < 0 ? bad(ps, k, "%s", err) : 0;
}

static int p_volatile(struct parser *ps, const struct key *k, const char *v)
{
	/* an empty value means "yes" to --volatile, but is no mode here */
	if (!*v || nspawn_parse_volatile(v, &ps->o->volatile_mode) < 0)
		return bad(ps, k, "not a volatile mode: '%.64s'", v);
	return 0;
}

static int p_timeout(struct parser *ps, const struct key *k, const char *v)
{
	unsigned long long s;

	if (parse_seconds(v, &s) < 0)
		return bad(ps, k, "not a time span up to 1 day: '%.64s'", v);
	ps->o->stop_timeout_s = (int)s;
	return 0;
}

static int p_restart(struct parser *ps, const struct key *k, const char *v)
{
	static const char *const names[] = {
		[RESTART_NO] = "no", [RESTART_ON_FAILURE] = "on-failure",
		[RESTART_ALWAYS] = "always",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(v, names[i])) {
			ps->o->restart = (enum restart_policy)i;
			return 0;
		}
	return bad(ps, k, "expected no, on-failure or always, not '%.64s'", v);
}

/* MemoryMax=, TasksMax=, CPUWeight= share --property='s parser */
static int p_property(struct parser *ps, const struct key *k, const char *v)
{
	char *prop;
	int r;

	if (asprintf(&prop, "%s=%s", k->name, v) < 0)
		return -ENOMEM;
	r = nspawn_set_property(ps->o, prop);
	free(prop);
	if (r == -EINVAL || r == -ERANGE)
		return bad(ps, k, "bad value '%.64s'", v);
	return r;
}

#define OFF(field) offsetof(struct nspawn_opts, field)
#define PRIV KEY_PRIVILEGED
#define LATER (KEY_PRIVILEGED | KEY_UNSUPPORTED)

/* Privileged keys follow systemd-nspawn's load_settings(): mounts, user
 * namespaces, BindUser= and all networking; plus our limits and policy,
 * which an image vendor must not choose for the host. */
static const struct key keys[] = {
	{ SECT_EXEC, "Boot", p_bool, SET_BOOT, 0, OFF(boot) },
	{ SECT_EXEC, "Parameters", p_params, SET_PARAMETERS, 0, 0 },
	{ SECT_EXEC, "Environment", p_env, SET_ENV, 0, 0 },
	{ SECT_EXEC, "User", p_string, SET_USER, 0, OFF(user) },
	{ SECT_EXEC, "WorkingDirectory", p_string, SET_WORKDIR, STR_PATH, OFF(chdir) },
	{ SECT_EXEC, "KillSignal", p_signal, SET_KILL_SIGNAL, 0, OFF(kill_signal) },
	{ SECT_EXEC, "SystemCallFilter", p_syscalls, SET_SYSCALLS, PRIV, 0 },
	{ SECT_EXEC, "PrivateUsers", p_string, SET_PRIVATE_USERS, PRIV, OFF(private_users) },
	{ SECT_EXEC, "Hostname", p_string, SET_HOSTNAME, STR_HOST, OFF(hostname) },
	{ SECT_EXEC, "ResolvConf", p_resolv, SET_RESOLV, 0, 0 },
	{ SECT_FILES, "ReadOnly", p_bool, SET_READ_ONLY, 0, OFF(read_only) },
	{ SECT_FILES, "Volatile", p_volatile, SET_VOLATILE, 0, 0 },
	{ SECT_FILES, "Bind", p_mount, SET_MOUNTS, PRIV, MNT_BIND },
	{ SECT_FILES, "BindReadOnly", p_mount, SET_MOUNTS, PRIV, MNT_BIND_RO },
	{ SECT_FILES, "TemporaryFileSystem", p_mount, SET_MOUNTS, PRIV, MNT_TMPFS },
	{ SECT_FILES, "PrivateUsersOwnership", p_string, SET_PRIVATE_USERS, PRIV, OFF(private_users_ownership) },
	{ SECT_FILES, "BindUser", p_bind_user, SET_BIND_USER, PRIV, 0 },
	{ SECT_NETWORK, "Private", p_bool, SET_NETWORK, PRIV, OFF(private_network) },
	{ SECT_NETWORK, "VirtualEthernet", p_bool, SET_NETWORK, PRIV, OFF(network_veth) },
	{ SECT_NETWORK, "Bridge", p_netname, SET_NETWORK, PRIV, OFF(network_bridge) },
	{ SECT_NETWORK, "Zone", p_netname, SET_NETWORK, PRIV, OFF(network_zone) },
	{ SECT_NETWORK, "Port", p_port, SET_PORTS, PRIV, 0 },
	{ SECT_NETWORK, "Interface", p_ifaces, SET_NETWORK, PRIV, 0 },
	{ SECT_NETWORK, "MACVLAN", p_ifaces, SET_NETWORK, PRIV, 1 },
	{ SECT_MACHBOX, "PoweroffSignal", p_signal, SET_SIGNALS, 0, OFF(poweroff_signal) },
	{ SECT_MACHBOX, "RebootSignal", p_signal, SET_SIGNALS, 0, OFF(reboot_signal) },
	{ SECT_MACHBOX, "StopTimeoutSec", p_timeout, 0, PRIV, 0 },
	{ SECT_MACHBOX, "Restart", p_restart, 0, PRIV, 0 },
	{ SECT_MACHBOX, "MemoryMax", p_property, SET_LIMITS, PRIV, 0 },
	{ SECT_MACHBOX, "TasksMax", p_property, SET_LIMITS, PRIV, 0 },
	{ SECT_MACHBOX, "CPUWeight", p_property, SET_LIMITS, PRIV, 0 },
};

/* --- keys --- */

static const struct key *find_key(enum section sect, const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (keys[i].sect == sect && !strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

static int apply_key(struct parser *ps, const struct key *k, const char *v)
{
	int r;

	if ((k->flags & KEY_PRIVILEGED) && !ps->trusted) {
		warnf(ps, "'%s=' is privileged and ignored in an untrusted settings file "
		      "(copy the file to /etc/systemd/nspawn/ to apply it)", k->name);
		return 0;
	}
	if (k->flags & KEY_UNSUPPORTED) {
		warnf(ps, "'%s=' is not supported by this build yet, ignored", k->name);
		return 0;
	}
	r = k->parse(ps, k, v);
	if (r < 0) {
		if (r != -EINVAL)
			errorf(ps, "%s=: %s", k->name, strerror(-r));
		return r;
	}
	if (r == 1)
		ps->o->set_mask &= ~k->set;
	else
		ps->o->set_mask |= k->set;
	return 0;
}

static int assign(struct ini *ini, const char *key, const char *value)
{
	struct parser *ps = container_of(ini, struct parser, ini);
	const struct key *k = find_key((enum section)ini->sect, key);

	return k ? apply_key(ps, k, value) : 1;
}

static void ini_init(struct parser *ps, const char *name, bool trusted, struct nspawn_opts *out,
		     settings_warn_fn warn, void *ud, char *errbuf, size_t errlen)
{
	*ps = (struct parser){
		.ini = {
			.file = name, .sections = section_names, .n_sections = SECT_MACHBOX,
			.assign = assign, .warn = warn, .ud = ud, .err = errbuf, .errlen = errlen,
		},
		.trusted = trusted, .o = out,
	};
}

int settings_load_buffer(const char *name, const char *buf, size_t len,
			 bool trusted, struct nspawn_opts *out,
			 settings_warn_fn warn, void *ud, char *errbuf, size_t errlen)
{
	struct parser ps;

	ini_init(&ps, name, trusted, out, warn, ud, errbuf, errlen);
	return ini_parse_buffer(&ps.ini, buf, len);
}

int settings_load_file(const char *path, bool trusted, struct nspawn_opts *out,
		       settings_warn_fn warn, void *ud, char *errbuf, size_t errlen)
{
	struct parser ps;

	ini_init(&ps, path, trusted, out, warn, ud, errbuf, errlen);
	return ini_parse_file(&ps.ini, path);
}

/* --- finding --- */

static int file_exists(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0)
		return 1;
	return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
}

/* NAME.nspawn in the directory that holds IMAGE (systemd's
 * file_in_same_dir()); trailing slashes of a directory do not count. */
static int path_beside(const char *image, const char *name, char *buf, size_t size)
{
	size_t n = strlen(image);
	const char *slash;
	int len;

	while (n > 1 && image[n - 1] == '/')
		n--;
	slash = memrchr(image, '/', n);
	if (slash)
		len = snprintf(buf, size, "%.*s/%s.nspawn", (int)(slash - image), image, name);
	else
		len = snprintf(buf, size, "%s.nspawn", name);
	return len < 0 || (size_t)len >= size ? -ENAMETOOLONG : 0;
}

int settings_find(const char *name, const char *image_dir, enum settings_mode mode,
		  char *path, size_t pathlen, bool *trusted)
{
	static const char *const dirs[] = { "/etc/systemd/nspawn/", "/run/systemd/nspawn/" };
	char rel[128];
	size_t i;
	int r;

	if (mode == SETTINGS_NO)
		return 0;
	if (!machine_name_valid(name))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(rel, sizeof(rel), "%s%s.nspawn", dirs[i], name);
		r = root_path(path, pathlen, rel);
		if (r >= 0)
			r = file_exists(path);
		if (r > 0)
			*trusted = true;
		if (r != 0)
			return r;
	}
	if (!image_dir)
		return 0;
	r = path_beside(image_dir, name, path, pathlen);
	if (r >= 0)
		r = file_exists(path);
	if (r > 0)
		*trusted = mode == SETTINGS_TRUSTED;
	return r;
}

/* --- merging --- */

static void move_str(char **dst, char **src)
{
	free(*dst);
	*dst = *src;
	*src = NULL;
}

static void move_lists(struct nspawn_opts *c, struct nspawn_opts *f, unsigned take)
{
	if (take & SET_PARAMETERS) {
		free_argv(c);
		c->argv = f->argv;
		c->argc = f->argc;
		f->argv = NULL;
		f->argc = 0;
	}
	if (take & SET_ENV) {
		clear_env(c);
		memcpy(c->env, f->env, f->n_env * sizeof(f->env[0]));
		c->n_env = f->n_env;
		f->n_env = 0;
	}
	if (take & SET_MOUNTS) {
		clear_mounts(c);
		memcpy(c->mounts, f->mounts, f->n_mounts * sizeof(f->mounts[0]));
		c->n_mounts = f->n_mounts;
		f->n_mounts = 0;
	}
}

static void move_ifaces(char **dst, unsigned *nd, char **src, unsigned *ns)
{
	unsigned i;

	for (i = 0; i < *nd; i++)
		free(dst[i]);
	memcpy(dst, src, *ns * sizeof(*src));
	*nd = *ns;
	*ns = 0;
}

/* Groups of several fields take only what the file set. */
static void merge_values(struct nspawn_opts *c, const struct nspawn_opts *f,
			 unsigned take, const struct nspawn_opts *def)
{
	if (take & SET_LIMITS) {
		if (f->memory_max != def->memory_max)
			c->memory_max = f->memory_max;
		if (f->tasks_max != def->tasks_max)
			c->tasks_max = f->tasks_max;
		if (f->cpu_weight != def->cpu_weight)
			c->cpu_weight = f->cpu_weight;
	}
	if (take & SET_SIGNALS) {
		if (f->poweroff_signal)
			c->poweroff_signal = f->poweroff_signal;
		if (f->reboot_signal)
			c->reboot_signal = f->reboot_signal;
	}
}

void settings_merge(struct nspawn_opts *c, struct nspawn_opts *f, enum settings_mode mode)
{
	bool override = mode == SETTINGS_OVERRIDE;
	unsigned take = f->set_mask;
	struct nspawn_opts def;

	if (mode == SETTINGS_NO)
		return;
	if (!override)
		take &= ~c->set_mask;
	nspawn_opts_init(&def);
	if (take & SET_BOOT)
		c->boot = f->boot;
	move_lists(c, f, take);
	if (take & SET_USER)
		move_str(&c->user, &f->user);
	if (take & SET_WORKDIR)
		move_str(&c->chdir, &f->chdir);
	if (take & SET_KILL_SIGNAL)
		c->kill_signal = f->kill_signal;
	if (take & SET_HOSTNAME)
		move_str(&c->hostname, &f->hostname);
	if (take & SET_READ_ONLY)
		c->read_only = f->read_only;
	if (take & SET_VOLATILE)
		c->volatile_mode = f->volatile_mode;
	if (take & SET_NETWORK) {
		c->private_network = f->private_network;
		c->network_veth = f->network_veth;
		move_str(&c->network_bridge, &f->network_bridge);
		move_str(&c->network_zone, &f->network_zone);
		move_ifaces(c->interfaces, &c->n_interfaces, f->interfaces, &f->n_interfaces);
		move_ifaces(c->macvlans, &c->n_macvlans, f->macvlans, &f->n_macvlans);
	}
	if (take & SET_SYSCALLS) {
		unsigned i;

		for (i = 0; i < c->n_syscall_filter; i++)
			free(c->syscall_filter[i]);
		memcpy(c->syscall_filter, f->syscall_filter, sizeof(f->syscall_filter));
		c->n_syscall_filter = f->n_syscall_filter;
		f->n_syscall_filter = 0;
	}
	if (take & SET_PORTS) {
		memcpy(c->ports, f->ports, sizeof(f->ports));
		c->n_ports = f->n_ports;
	}
	if (take & SET_BIND_USER) {
		while (c->n_bind_users)
			free(c->bind_users[--c->n_bind_users]);
		memcpy(c->bind_users, f->bind_users, sizeof(f->bind_users));
		c->n_bind_users = f->n_bind_users;
		f->n_bind_users = 0;
	}
	if (take & SET_PRIVATE_USERS) {
		move_str(&c->private_users, &f->private_users);
		move_str(&c->private_users_ownership, &f->private_users_ownership);
	}
	if (take & SET_RESOLV)
		c->resolv_conf = f->resolv_conf;
	merge_values(c, f, take, &def);
	/* No SET_* bit exists for these: the command line has no Restart=,
	 * and its --stop-timeout= counts as given when not the default. */
	if (f->stop_timeout_s != def.stop_timeout_s &&
	    (override || c->stop_timeout_s == def.stop_timeout_s))
		c->stop_timeout_s = f->stop_timeout_s;
	if (f->restart != def.restart)
		c->restart = f->restart;
}

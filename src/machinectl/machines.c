/* Machine verbs: list, status, show and the state changes go to machined
 * over its socket (machinectl/client.c); enable and disable are files in
 * $MACHBOX_ROOT/etc/machbox/enabled that machined reads at start-up.
 * Output as systemd's machinectl prints it, without colour or pager. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "machbox.h"
#include "machine.h"
#include "machinectl/client.h"
#include "machinectl/machinectl.h"

#define QUERY_MS 10000
/* start waits for UP; poweroff for the guest's shutdown and cleanup */
#define CHANGE_MS 300000
#define ENABLED_DIR "/etc/machbox/enabled"

/* one machine as machined reported it */
struct rec {
	char *name, *state, *leader, *monitor, *since, *image, *os, *version;
	char *addrs, *netif, *restart;
};

static void rec_parse(struct rec *r, const char *t, size_t len)
{
	r->name = record_value(t, len, "NAME");
	r->state = record_value(t, len, "STATE");
	r->leader = record_value(t, len, "LEADER");
	r->monitor = record_value(t, len, "MONITOR");
	r->since = record_value(t, len, "SINCE");
	r->image = record_value(t, len, "IMAGE");
	r->os = record_value(t, len, "OS");
	r->version = record_value(t, len, "VERSION");
	r->addrs = record_value(t, len, "ADDRESSES");
	r->netif = record_value(t, len, "NETIF");
	r->restart = record_value(t, len, "RESTART");
}

static void rec_free(struct rec *r)
{
	char **f[] = { &r->name, &r->state, &r->leader, &r->monitor, &r->since, &r->image,
		       &r->os, &r->version, &r->addrs, &r->netif, &r->restart };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(f); i++)
		free(*f[i]);
}

/* every record of a reply, sorted by name; returns the count */
static size_t rec_all(const struct mreply *rep, struct rec **out)
{
	const char *t = rep->text;
	size_t len = rep->len, n = 0;
	struct rec *v = NULL;

	while (t && len && *t != '\n') {
		v = xrealloc(v, (n + 1) * sizeof(*v));
		rec_parse(&v[n++], t, len);
		t = proto_next_record(t, len, &len);
	}
	*out = v;
	return n;
}

static int cmp_rec(const void *a, const void *b)
{
	return strcmp(((const struct rec *)a)->name, ((const struct rec *)b)->name);
}

static int call_failed(int r, const char *what)
{
	if (r == -ENOENT || r == -ECONNREFUSED)
		msg("%s: machined is not running", what);
	else
		fail_errno(r, "%s", what);
	return EXIT_FAIL;
}

/* the first MAX words of S ("all" when MAX < 0), "..." when cut */
static char *first_words(const char *s, int max)
{
	char *out = xstrdup(s), *p = out;
	int i;

	for (i = 0; max >= 0 && p && *p; i++) {
		p = strchr(p, ' ');
		if (!p)
			break;
		if (i + 1 == max) {
			strcpy(p, "...");
			break;
		}
		p++;
	}
	if (max == 0)
		out[0] = 0;
	return out;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void list_json(const struct rec *v, size_t n)
{
	size_t i;

	putchar('[');
	for (i = 0; i < n; i++) {
		printf("%s{\"machine\":", i ? "," : "");
		json_str(v[i].name);
		printf(",\"class\":\"container\",\"service\":\"machbox\",\"os\":");
		json_str(v[i].os);
		printf(",\"version\":");
		json_str(v[i].version);
		printf(",\"addresses\":");
		json_str(v[i].addrs);
		putchar('}');
	}
	printf("]\n");
}

static void list_table(const struct rec *v, size_t n, const struct mctl_opts *o)
{
	int wn = 7, wo = 2, wv = 7;
	size_t i;

	for (i = 0; i < n; i++) {
		wn = (int)strlen(v[i].name) > wn ? (int)strlen(v[i].name) : wn;
		wo = (int)strlen(v[i].os) > wo ? (int)strlen(v[i].os) : wo;
		wv = (int)strlen(v[i].version) > wv ? (int)strlen(v[i].version) : wv;
	}
	if (o->legend)
		printf("%-*s %-9s %-7s %-*s %-*s %s\n", wn, "MACHINE", "CLASS", "SERVICE",
		       wo, "OS", wv, "VERSION", "ADDRESSES");
	for (i = 0; i < n; i++) {
		char *a = first_words(v[i].addrs, o->max_addresses);

		printf("%-*s %-9s %-7s %-*s %-*s %s\n", wn, v[i].name, "container", "machbox",
		       wo, v[i].os[0] ? v[i].os : "-", wv, v[i].version[0] ? v[i].version : "-",
		       a[0] ? a : "-");
		free(a);
	}
	if (o->legend)
		printf("\n%zu machines listed.\n", n);
}

int verb_list(int argc, char **argv, void *ctx)
{
	struct mctl_opts *o = ctx;
	struct mreply *rep = xmalloc(sizeof(*rep));
	struct rec *v = NULL;
	size_t n = 0, i;
	int r = client_call(OP_LIST, 0, NULL, false, QUERY_MS, rep);

	(void)argc;
	(void)argv;
	/* no machined: nothing runs under it */
	if (r < 0 && r != -ENOENT && r != -ECONNREFUSED) {
		free(rep);
		return call_failed(r, "cannot list machines");
	}
	if (r == 0 && rep->status < 0) {
		msg("cannot list machines: %s", rep->text);
		free(rep);
		return EXIT_FAIL;
	}
	if (r == 0)
		n = rec_all(rep, &v);
	qsort(v, n, sizeof(*v), cmp_rec);
	if (o->json)
		list_json(v, n);
	else if (!n && o->legend)
		printf("No machines.\n");
	else if (n)
		list_table(v, n, o);
	for (i = 0; i < n; i++)
		rec_free(&v[i]);
	free(v);
	free(rep);
	return 0;
}

/* the records of NAMES, or an error already reported */
static int query(char **names, unsigned n, struct mreply *rep)
{
	unsigned i;
	int r;

	for (i = 0; i < n; i++)
		if (!machine_name_valid(names[i]))
			return usage_error("invalid machine name '%s'", names[i]);
	r = client_call(OP_STATUS, n, (const char *const *)names, false, QUERY_MS, rep);

	if (r == -ENOENT || r == -ECONNREFUSED) {
		msg("No machine '%s' known", names[0]);
		return EXIT_FAIL;
	}
	if (r < 0)
		return call_failed(r, "cannot query machined");
	if (rep->status < 0) {
		msg("%s", rep->text);
		return EXIT_FAIL;
	}
	return 0;
}

static void fmt_time(const char *usec, char *buf, size_t len)
{
	time_t t = (time_t)(strtoll(usec, NULL, 10) / 1000000);
	struct tm tm;

	buf[0] = 0;
	if (t > 0 && localtime_r(&t, &tm))
		strftime(buf, len, "%a %Y-%m-%d %H:%M:%S %Z", &tm);
}

static void ago(const char *usec, char *buf, size_t len)
{
	long long s = (long long)time(NULL) - strtoll(usec, NULL, 10) / 1000000;

	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, len, "%llds ago", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldmin %llds ago", s / 60, s % 60);
	else
		snprintf(buf, len, "%lldh %lldmin ago", s / 3600, s / 60 % 60);
}

/* the last N lines of the console log, when we may read it */
static void log_tail(const char *name, long n)
{
	char path[512], *buf, *p;
	int fd;
	off_t size, from;
	ssize_t got;

	if (n <= 0 || machine_path(path, sizeof(path), MACHBOX_LOG_DIR, name, ".log") < 0)
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	from = size > 65536 ? size - 65536 : 0;
	buf = xmalloc(65537);
	got = pread(fd, buf, 65536, from);
	close(fd);
	if (got <= 0) {
		free(buf);
		return;
	}
	buf[got] = 0;
	for (p = buf; *p; p++)
		if (*p == '\r')
			*p = ' ';
	p = buf + got;
	if (p > buf && p[-1] == '\n')
		p--;
	while (p > buf && n > 0)
		if (*--p == '\n')
			n--;
	printf("\n%s%s", p == buf ? p : p + 1, buf[got - 1] == '\n' ? "" : "\n");
	free(buf);
}

static void print_addrs(const char *label, const char *addrs)
{
	char *copy = xstrdup(addrs), *w, *save = NULL;
	bool first = true;

	for (w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		printf("%16s %s\n", first ? label : "", w);
		first = false;
	}
	free(copy);
}

static void status_one(const struct rec *r, const struct mctl_opts *o)
{
	char ts[64], rel[64], comm[64] = "", path[64], ifpath[128];

	fmt_time(r->since, ts, sizeof(ts));
	ago(r->since, rel, sizeof(rel));
	printf("%s\n", r->name);
	printf("%16s %s; %s\n", "Since:", ts, rel);
	if (atoi(r->leader) > 0) {
		snprintf(path, sizeof(path), "/proc/%s/comm", r->leader);
		read_file_at(AT_FDCWD, path, comm, sizeof(comm));
		printf("%16s %s (%s)\n", "Leader:", r->leader, comm[0] ? comm : "n/a");
	}
	printf("%16s machbox; class container\n", "Service:");
	printf("%16s %s\n", "Root:", r->image);
	snprintf(ifpath, sizeof(ifpath), "/sys/class/net/ve-%s", r->name);
	if (access(ifpath, F_OK) == 0)
		printf("%16s ve-%s\n", "Iface:", r->name);
	print_addrs("Address:", r->addrs);
	if (r->os[0])
		printf("%16s %s%s%s\n", "OS:", r->os, r->version[0] ? " " : "", r->version);
	printf("%16s %s\n", "State:", r->state);
	log_tail(r->name, o->lines);
}

static void prop(const struct mctl_opts *o, const char *key, const char *val, bool *first)
{
	unsigned i;

	if (o->n_props) {
		for (i = 0; i < o->n_props && strcmp(o->props[i], key); i++)
			;
		if (i == o->n_props)
			return;
	} else if (!val[0] && !o->all) {
		return;
	}
	if (o->json) {
		printf("%s", *first ? "{" : ",");
		json_str(key);
		putchar(':');
		json_str(val);
	} else if (o->value) {
		printf("%s\n", val);
	} else {
		printf("%s=%s\n", key, val);
	}
	*first = false;
}

static void show_one(const struct rec *r, const struct mctl_opts *o)
{
	char ts[64];
	bool first = true;

	fmt_time(r->since, ts, sizeof(ts));
	prop(o, "Name", r->name, &first);
	prop(o, "Timestamp", ts, &first);
	prop(o, "TimestampUSec", r->since, &first);
	prop(o, "Service", "machbox", &first);
	prop(o, "Leader", r->leader, &first);
	prop(o, "Class", "container", &first);
	prop(o, "RootDirectory", r->image, &first);
	prop(o, "NetworkInterfaces", r->netif, &first);
	prop(o, "Addresses", r->addrs, &first);
	prop(o, "OS", r->os, &first);
	prop(o, "Version", r->version, &first);
	prop(o, "State", r->state, &first);
	prop(o, "Monitor", r->monitor, &first);
	prop(o, "Restart", r->restart, &first);
	if (o->json)
		printf("%s\n", first ? "{}" : "}");
}

static int describe(int argc, char **argv, struct mctl_opts *o, bool status)
{
	struct mreply *rep = xmalloc(sizeof(*rep));
	struct rec *v = NULL;
	size_t n = 0, i;
	int r;

	if (argc > 1)
		r = query(argv + 1, (unsigned)(argc - 1), rep);
	else if ((r = client_call(OP_LIST, 0, NULL, false, QUERY_MS, rep)) < 0)
		r = (r == -ENOENT || r == -ECONNREFUSED) ? 0 : call_failed(r, "cannot query machined");
	if (r == 0 && (argc > 1 || rep->status == 0))
		n = rec_all(rep, &v);
	for (i = 0; i < n; i++) {
		if (i && !o->json && !o->value)
			putchar('\n');
		if (status && !o->json)
			status_one(&v[i], o);
		else
			show_one(&v[i], o);
		rec_free(&v[i]);
	}
	free(v);
	free(rep);
	return r;
}

int verb_status(int argc, char **argv, void *ctx)
{
	return describe(argc, argv, ctx, true);
}

int verb_show(int argc, char **argv, void *ctx)
{
	return describe(argc, argv, ctx, false);
}

/* one state change per name; the first failure is reported, all are tried */
static int change(int argc, char **argv, unsigned op, const struct mctl_opts *o)
{
	struct mreply *rep;
	int i, r, rc = 0;

	for (i = 1; i < argc; i++)
		if (!machine_name_valid(argv[i]))
			return usage_error("invalid machine name '%s'", argv[i]);
	rep = xmalloc(sizeof(*rep));
	for (i = 1; i < argc; i++) {
		char sig[16];
		const char *args[3] = { argv[i], o->kill_whom, sig };

		snprintf(sig, sizeof(sig), "%d", o->signal);
		r = client_call(op, op == OP_KILL ? 3 : 1, args, op == OP_START, CHANGE_MS, rep);
		if ((r == -ENOENT || r == -ECONNREFUSED) && op == OP_START) {
			/* only root's start starts it */
			msg("Failed to start machine '%s': machined is not running", argv[i]);
			rc = EXIT_FAIL;
		} else if (r == -ENOENT || r == -ECONNREFUSED) {
			msg("No machine '%s' known", argv[i]);
			rc = EXIT_FAIL;
		} else if (r < 0) {
			rc = fail_errno(r, "Failed to %s machine '%s'", proto_op_name(op), argv[i]);
		} else if (rep->status < 0) {
			msg("%s", rep->text[0] ? rep->text : strerror(-rep->status));
			rc = EXIT_FAIL;
		}
	}
	free(rep);
	return rc;
}

static bool image_exists(const char *name)
{
	char path[512];
	struct stat st;

	return machine_path(path, sizeof(path), "/var/lib/machines", name, NULL) == 0 &&
	       stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int verb_start(int argc, char **argv, void *ctx)
{
	int i;

	/* before machined is started for nothing */
	for (i = 1; i < argc; i++) {
		if (!machine_name_valid(argv[i]))
			return usage_error("invalid machine name '%s'", argv[i]);
		if (geteuid() == 0 && !image_exists(argv[i])) {
			msg("No machine image '%s' found", argv[i]);
			return EXIT_FAIL;
		}
	}
	return change(argc, argv, OP_START, ctx);
}

int verb_poweroff(int argc, char **argv, void *ctx)
{
	return change(argc, argv, OP_POWEROFF, ctx);
}

int verb_reboot(int argc, char **argv, void *ctx)
{
	return change(argc, argv, OP_REBOOT, ctx);
}

int verb_terminate(int argc, char **argv, void *ctx)
{
	return change(argc, argv, OP_TERMINATE, ctx);
}

int verb_kill(int argc, char **argv, void *ctx)
{
	return change(argc, argv, OP_KILL, ctx);
}

static int enable_one(const char *name, bool on, bool quiet)
{
	char dir[512], path[512];
	int r;

	if (!machine_name_valid(name))
		return usage_error("invalid machine name '%s'", name);
	if (on && !image_exists(name)) {
		msg("No machine image '%s' found", name);
		return EXIT_FAIL;
	}
	if (root_path(dir, sizeof(dir), ENABLED_DIR) < 0 ||
	    machine_path(path, sizeof(path), ENABLED_DIR, name, NULL) < 0)
		return fail_errno(-ENAMETOOLONG, "%s", name);
	if (!on) {
		if (unlink(path) < 0 && errno != ENOENT)
			return fail_errno(-errno, "cannot remove %s", path);
		if (!quiet)
			fprintf(stderr, "Removed \"%s\".\n", path);
		return 0;
	}
	if ((r = mkdir_p(dir, 0755)) < 0 && r != -EEXIST)
		return fail_errno(r, "cannot create %s", dir);
	r = write_file_at(AT_FDCWD, path, "", O_CREAT | O_TRUNC, 0644);
	if (r < 0)
		return fail_errno(r, "cannot create %s", path);
	if (!quiet)
		fprintf(stderr, "Created \"%s\".\n", path);
	return 0;
}

static int enable_all(int argc, char **argv, struct mctl_opts *o, bool on)
{
	int i, r;

	for (i = 1; i < argc; i++)
		if ((r = enable_one(argv[i], on, o->quiet)))
			return r;
	if (!o->now)
		return 0;
	return change(argc, argv, on ? OP_START : OP_POWEROFF, o);
}

int verb_enable(int argc, char **argv, void *ctx)
{
	return enable_all(argc, argv, ctx, true);
}

int verb_disable(int argc, char **argv, void *ctx)
{
	return enable_all(argc, argv, ctx, false);
}

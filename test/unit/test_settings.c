/* .nspawn settings: syntax, every key, trust, merging, finding. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "machbox.h"
#include "nspawn/nspawn.h"
#include "nspawn/settings.h"
#include "tap.h"

struct warns {
	int n;
	char last[512];
};

static void count_warn(void *ud, const char *file, unsigned line, const char *msg)
{
	struct warns *w = ud;

	w->n++;
	snprintf(w->last, sizeof(w->last), "%s:%u: %s", file, line, msg);
}

static char err[512];
static struct warns w;

static int load(struct nspawn_opts *o, const char *text, bool trusted)
{
	nspawn_opts_init(o);
	memset(&w, 0, sizeof(w));
	return settings_load_buffer("t.nspawn", text, strlen(text), trusted, o,
				    count_warn, &w, err, sizeof(err));
}

static void test_all_keys(void)
{
	static const char text[] =
		"[Exec]\n"
		"Boot=yes\n"
		"Parameters=--log-level=debug \"two words\"\n"
		"Environment=A=1 \"B=x y\"\n"
		"User=alan\n"
		"WorkingDirectory=/srv\n"
		"KillSignal=SIGRTMIN+3\n"
		"PrivateUsers=pick\n"
		"Hostname=tw1\n"
		"ResolvConf=copy-host\n"
		"[Files]\n"
		"ReadOnly=on\n"
		"Volatile=state\n"
		"Bind=/srv/data:/data\n"
		"BindReadOnly=/etc/hosts\n"
		"TemporaryFileSystem=/tmp:size=10M\n"
		"[Network]\n"
		"Private=yes\n"
		"[Machbox]\n"
		"PoweroffSignal=SIGUSR2\n"
		"RebootSignal=TERM\n"
		"StopTimeoutSec=2min\n"
		"Restart=on-failure\n"
		"MemoryMax=512M\n"
		"TasksMax=200\n"
		"CPUWeight=50\n";
	struct nspawn_opts o;

	is_int(load(&o, text, true), 0, "every key parses");
	is_int(w.n, 0, "no warnings");
	ok(o.boot, "Boot=yes");
	is_int(o.argc, 2, "Parameters= two words");
	is_str(o.argv[0], "--log-level=debug", "Parameters= word 1");
	is_str(o.argv[1], "two words", "Parameters= quoted word");
	ok(o.argv[2] == NULL, "argv is NULL-terminated");
	is_int(o.n_env, 2, "Environment= two assignments");
	is_str(o.env[0], "A=1", "Environment= A");
	is_str(o.env[1], "B=x y", "Environment= quoted B");
	is_str(o.user, "alan", "User=");
	is_str(o.chdir, "/srv", "WorkingDirectory=");
	is_int(o.kill_signal, MB_SIGRTMIN + 3, "KillSignal=");
	is_str(o.private_users, "pick", "PrivateUsers= raw");
	is_str(o.hostname, "tw1", "Hostname=");
	is_int(o.resolv_conf, RESOLV_COPY_HOST, "ResolvConf=");
	ok(o.read_only, "ReadOnly=on");
	is_int(o.volatile_mode, VOLATILE_STATE, "Volatile=state");
	is_int(o.n_mounts, 3, "three mounts");
	ok(o.mounts[0].kind == MNT_BIND && !strcmp(o.mounts[0].source, "/srv/data") &&
	   !strcmp(o.mounts[0].dest, "/data"), "Bind=");
	ok(o.mounts[1].kind == MNT_BIND_RO && !strcmp(o.mounts[1].dest, "/etc/hosts"), "BindReadOnly=");
	ok(o.mounts[2].kind == MNT_TMPFS && !strcmp(o.mounts[2].options, "size=10M"), "TemporaryFileSystem=");
	ok(o.private_network, "Private=yes");
	is_int(o.poweroff_signal, SIGUSR2, "PoweroffSignal=");
	is_int(o.reboot_signal, SIGTERM, "RebootSignal=");
	is_int(o.stop_timeout_s, 120, "StopTimeoutSec=2min");
	is_int(o.restart, RESTART_ON_FAILURE, "Restart=");
	ok(o.memory_max == 512ULL << 20, "MemoryMax=");
	is_int(o.tasks_max, 200, "TasksMax=");
	is_int(o.cpu_weight, 50, "CPUWeight=");
	is_int(o.set_mask, SET_BOOT | SET_PARAMETERS | SET_ENV | SET_USER | SET_WORKDIR |
	       SET_KILL_SIGNAL | SET_HOSTNAME | SET_MOUNTS | SET_READ_ONLY | SET_VOLATILE |
	       SET_NETWORK | SET_PRIVATE_USERS | SET_RESOLV | SET_LIMITS | SET_SIGNALS,
	       "set_mask has every group");
	nspawn_opts_free(&o);
}

static void test_syntax(void)
{
	struct nspawn_opts o;

	is_int(load(&o, "# comment\n  ; another\n\n[Exec]\n"
		    "Parameters=a \\\n  # skipped inside a continuation\n  b\\\nc\n"
		    "Environment=X=1\\\\\n"
		    "  Hostname = spaced  \r\n", true), 0, "comments and continuations");
	ok(o.argc == 3 && !strcmp(o.argv[0], "a") && !strcmp(o.argv[1], "b") &&
	   !strcmp(o.argv[2], "c"), "continued Parameters= is a b c");
	is_str(o.env[0], "X=1\\\\", "an even number of backslashes does not continue");
	is_str(o.hostname, "spaced", "spaces around key and value, CRLF");
	nspawn_opts_free(&o);

	is_int(load(&o, "\xef\xbb\xbf[Exec]\nBoot=1\n", true), 0, "UTF-8 BOM");
	ok(o.boot, "BOM: Boot=1");
	nspawn_opts_free(&o);

	is_int(load(&o, "[Exec]\nParameters=x \\", true), 0, "continuation at EOF");
	ok(o.argc == 1 && !strcmp(o.argv[0], "x"), "continuation at EOF applies");
	nspawn_opts_free(&o);

	is_int(load(&o, "[Exec]\nParameters=x \\\n\nBoot=yes\n", true), 0, "blank line ends a continuation");
	ok(o.argc == 1 && o.boot, "both keys applied");
	nspawn_opts_free(&o);
}

static void test_quoting(void)
{
	struct nspawn_opts o;

	is_int(load(&o, "[Exec]\nParameters=a \"b c\" 'd \"e\"' f\"g h\"i back\\slash \"\"\n", true),
	       0, "quoted words");
	is_int(o.argc, 6, "six words");
	if (o.argc == 6) {
		is_str(o.argv[1], "b c", "double quotes");
		is_str(o.argv[2], "d \"e\"", "single quotes keep double ones");
		is_str(o.argv[3], "fg hi", "quotes inside a word");
		is_str(o.argv[4], "back\\slash", "backslash is literal");
		is_str(o.argv[5], "", "empty quotes are an empty word");
	}
	nspawn_opts_free(&o);

	is_int(load(&o, "[Exec]\nParameters=a \"b\n", true), -EINVAL, "unbalanced quote");
	ok(startswith(err, "t.nspawn:2: Parameters=: unbalanced quotes"), "message: %s", err);
	nspawn_opts_free(&o);

	is_int(load(&o, "[Exec]\nEnvironment='A=x \"y\"' B=2\n", true), 0, "quoted environment");
	ok(o.n_env == 2 && !strcmp(o.env[0], "A=x \"y\""), "single-quoted assignment");
	nspawn_opts_free(&o);
}

static void test_repeat_and_reset(void)
{
	struct nspawn_opts o;

	is_int(load(&o, "[Exec]\nUser=a\nUser=b\nParameters=x\nParameters=y z\n"
		    "Environment=A=1\nEnvironment=A=2 B=3\nKillSignal=INT\nKillSignal=TERM\n", true),
	       0, "repeated keys");
	is_str(o.user, "b", "last User= wins");
	ok(o.argc == 3 && !strcmp(o.argv[2], "z"), "Parameters= appends");
	ok(o.n_env == 2 && !strcmp(o.env[0], "A=2") && !strcmp(o.env[1], "B=3"),
	   "Environment= appends, same name replaces");
	is_int(o.kill_signal, SIGTERM, "last KillSignal= wins");
	nspawn_opts_free(&o);

	is_int(load(&o, "[Exec]\nParameters=x\nParameters=\nEnvironment=A=1\nEnvironment=\n"
		    "User=a\nUser=\nHostname=h\nHostname=\n", true), 0, "empty values");
	ok(o.argc == 0 && !o.argv, "Parameters= empty clears");
	is_int(o.n_env, 0, "Environment= empty clears");
	ok(!o.user && !o.hostname, "User= and Hostname= empty reset");
	is_int(o.set_mask, 0, "reset groups are not set");
	nspawn_opts_free(&o);

	is_int(load(&o, "[Exec]\nParameters=x\nParameters=\nParameters=q\n", true), 0, "set after reset");
	ok(o.argc == 1 && !strcmp(o.argv[0], "q") && (o.set_mask & SET_PARAMETERS), "only q");
	nspawn_opts_free(&o);
}

static void test_bad_values(void)
{
	static const struct {
		const char *text, *err;
	} t[] = {
		{ "[Exec]\nBoot=maybe\n", "t.nspawn:2: Boot=: " },
		{ "[Exec]\n\nKillSignal=SIGFOO\n", "t.nspawn:3: KillSignal=: " },
		{ "[Exec]\nWorkingDirectory=srv\n", "t.nspawn:2: WorkingDirectory=: " },
		{ "[Exec]\nWorkingDirectory=/srv/../etc\n", "t.nspawn:2: WorkingDirectory=: " },
		{ "[Exec]\nHostname=bad/name\n", "t.nspawn:2: Hostname=: " },
		{ "[Exec]\nUser=a\"b\n", "t.nspawn:2: User=: " },
		{ "[Exec]\nPrivateUsers=a\\b\n", "t.nspawn:2: PrivateUsers=: " },
		{ "[Exec]\nEnvironment=NOEQUALS\n", "t.nspawn:2: Environment=: " },
		{ "[Exec]\nEnvironment==x\n", "t.nspawn:2: Environment=: " },
		{ "[Exec]\nResolvConf=copy-uplink\n", "t.nspawn:2: ResolvConf=: " },
		{ "[Files]\nBind=relative:/x\n", "t.nspawn:2: Bind=: " },
		{ "[Files]\nBind=\n", "t.nspawn:2: Bind=: " },
		{ "[Files]\nBind=/a\\:b:/c\n", "t.nspawn:2: Bind=: " },
		{ "[Files]\nBindReadOnly=/a:/b:bogus\n", "t.nspawn:2: BindReadOnly=: " },
		{ "[Files]\nTemporaryFileSystem=tmp\n", "t.nspawn:2: TemporaryFileSystem=: " },
		{ "[Files]\nReadOnly=\n", "t.nspawn:2: ReadOnly=: " },
		{ "[Files]\nVolatile=sometimes\n", "t.nspawn:2: Volatile=: " },
		{ "[Files]\nVolatile=\n", "t.nspawn:2: Volatile=: " },
		{ "[Network]\nPrivate=2\n", "t.nspawn:2: Private=: " },
		{ "[Machbox]\nRestart=sometimes\n", "t.nspawn:2: Restart=: " },
		{ "[Machbox]\nStopTimeoutSec=2h\n", "t.nspawn:2: StopTimeoutSec=: " },
		{ "[Machbox]\nStopTimeoutSec=86401\n", "t.nspawn:2: StopTimeoutSec=: " },
		{ "[Machbox]\nStopTimeoutSec=1441min\n", "t.nspawn:2: StopTimeoutSec=: " },
		{ "[Machbox]\nMemoryMax=12X\n", "t.nspawn:2: MemoryMax=: " },
		{ "[Machbox]\nCPUWeight=0\n", "t.nspawn:2: CPUWeight=: " },
		{ "[Machbox]\nTasksMax=-1\n", "t.nspawn:2: TasksMax=: " },
		{ "[Machbox]\nPoweroffSignal=SIGRTMIN+999\n", "t.nspawn:2: PoweroffSignal=: " },
		{ "[Exec\n", "t.nspawn:1: invalid section header" },
		{ "[Exec]\nBoot\n", "t.nspawn:2: missing '='" },
		{ "[Exec]\n=yes\n", "t.nspawn:2: missing key name" },
	};
	struct nspawn_opts o;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		int r = load(&o, t[i].text, true);

		ok(r == -EINVAL && startswith(err, t[i].err), "%s(got: %s)", t[i].err, err);
		nspawn_opts_free(&o);
	}
	is_int(load(&o, "[Exec]\nBoot=yes\nBoot=nope\n", true), -EINVAL, "error after good keys");
	nspawn_opts_free(&o);	/* what was applied is freed by the caller */
}

static char *repeat(const char *head, char c, size_t n, const char *tail)
{
	size_t hl = strlen(head), tl = strlen(tail);
	char *s = malloc(hl + n + tl + 1);

	memcpy(s, head, hl);
	memset(s + hl, c, n);
	memcpy(s + hl + n, tail, tl + 1);
	return s;
}

static void test_limits(void)
{
	struct nspawn_opts o;
	char *s, *t;
	int i;

	s = repeat("[Exec]\n# x\nParameters=", 'a', SETTINGS_LINE_MAX, "\n");
	is_int(load(&o, s, true), -EINVAL, "over-long line");
	ok(startswith(err, "t.nspawn:3: line too long"), "names the line: %s", err);
	nspawn_opts_free(&o);
	free(s);

	s = repeat("[Exec]\nParameters=", 'a', SETTINGS_LINE_MAX - strlen("Parameters="), "\n");
	is_int(load(&o, s, true), 0, "a line of exactly SETTINGS_LINE_MAX bytes");
	ok(o.argc == 1 && strlen(o.argv[0]) == SETTINGS_LINE_MAX - strlen("Parameters="), "whole word");
	nspawn_opts_free(&o);
	free(s);

	s = repeat("[Exec]\nParameters=", 'a', 40000, " \\\n");
	t = repeat(s, 'b', 40000, "\n");
	is_int(load(&o, t, true), -EINVAL, "over-long continuation");
	ok(startswith(err, "t.nspawn:3: continued line too long"), "names the line: %s", err);
	nspawn_opts_free(&o);
	free(s);
	free(t);

	s = strdup("[Exec]\nEnvironment=");
	for (i = 0; i <= NSPAWN_MAX_ENV; i++) {
		t = xasprintf("%s V%d=%d", s, i, i);
		free(s);
		s = t;
	}
	is_int(load(&o, s, true), -EINVAL, "too many variables");
	ok(strstr(err, "Environment=: more than"), "message: %s", err);
	nspawn_opts_free(&o);
	free(s);

	s = strdup("[Files]\n");
	for (i = 0; i <= NSPAWN_MAX_MOUNTS; i++) {
		t = xasprintf("%sTemporaryFileSystem=/t%d\n", s, i);
		free(s);
		s = t;
	}
	is_int(load(&o, s, true), -EINVAL, "too many mounts");
	ok(startswith(err, "t.nspawn:66: TemporaryFileSystem=: more than"), "message: %s", err);
	nspawn_opts_free(&o);
	free(s);

	is_int(settings_load_buffer("t.nspawn", "[Exec]\nBoot=1\0x\n", 15, true, &o,
				    NULL, NULL, err, sizeof(err)), -EINVAL, "NUL byte");
	ok(startswith(err, "t.nspawn:2: NUL"), "message: %s", err);
	nspawn_opts_free(&o);
}

static void test_warnings(void)
{
	static const char text[] =
		"Stray=1\n"
		"[Exec]\n"
		"Boot=yes\n"
		"Capability=all\n"
		"X-Custom=1\n"
		"[Unknown]\n"
		"Foo=bar\n"
		"NoEquals\n"
		"[X-Vendor]\n"
		"Bar=1\n"
		"[exec]\n"
		"[Files]\n"
		"BindUser=alan\n";
	struct nspawn_opts o;

	is_int(load(&o, text, true), 0, "unknown things are not errors");
	is_int(w.n, 4, "one warning each: stray, key, 2 sections");
	ok(o.boot, "known keys still apply");
	is_int(o.set_mask, SET_BOOT | SET_BIND_USER, "unknown keys set nothing");
	ok(o.n_bind_users == 1 && !strcmp(o.bind_users[0], "alan"), "BindUser= applies in a trusted file");
	ok(strstr(w.last, "t.nspawn:11: unknown section"), "last: %s", w.last);
	nspawn_opts_free(&o);

	is_int(load(&o, "[Network]\nVirtualEthernet=yes\nPort=tcp:8080:80\nPort=udp:53\n", true), 0,
	       "network keys load");
	ok(o.network_veth, "VirtualEthernet=yes");
	is_int(o.n_ports, 2, "two Port= lines");
	ok(o.ports[0].host_port == 8080 && o.ports[0].guest_port == 80 && o.ports[1].guest_port == 53,
	   "ports parsed");
	is_int(o.set_mask, SET_NETWORK | SET_PORTS, "network and port groups set");
	nspawn_opts_free(&o);
	is_int(load(&o, "[Network]\nInterface=eth1 eth2\nMACVLAN=eth0\n", true), 0, "Interface=, MACVLAN=");
	ok(o.n_interfaces == 2 && !strcmp(o.interfaces[1], "eth2") && o.n_macvlans == 1, "interfaces listed");
	ok(nspawn_wants_link(&o), "they want a network namespace");
	nspawn_opts_free(&o);
	is_int(load(&o, "[Network]\nInterface=eth1\n", false), 0, "untrusted Interface=");
	is_int(o.n_interfaces, 0, "is ignored");
	nspawn_opts_free(&o);
	is_int(load(&o, "[Network]\nBridge=br-lan\n", true), 0, "Bridge=");
	is_str(o.network_bridge, "br-lan", "bridge name");
	nspawn_opts_free(&o);
	is_int(load(&o, "[Network]\nZone=averyverylongzone\n", true), -EINVAL, "a zone name over 12 bytes");
	nspawn_opts_free(&o);
	is_int(load(&o, "[Network]\nPort=http\n", true), -EINVAL, "a bad Port=");
	nspawn_opts_free(&o);

	is_int(load(&o, "[Exec]\nCapability=all\n", true), 0, "unknown key");
	ok(strstr(w.last, "t.nspawn:2:") && strstr(w.last, "'Capability='") &&
	   strstr(w.last, "[Exec]"), "names line, key and section: %s", w.last);
	nspawn_opts_free(&o);

	nspawn_opts_init(&o);
	is_int(settings_load_buffer("t", "x=1\n[Nope]\n", 11, true, &o, NULL, NULL, NULL, 0),
	       0, "no callback and no error buffer are fine");
	nspawn_opts_free(&o);
}

static const char privileged_text[] =
	"[Exec]\n"
	"Boot=yes\n"
	"Hostname=guest\n"
	"PrivateUsers=pick\n"
	"[Files]\n"
	"ReadOnly=yes\n"
	"Bind=/etc:/host-etc\n"
	"Bind=/root\n"
	"BindReadOnly=/x\n"
	"TemporaryFileSystem=/tmp\n"
	"BindUser=alan\n"
	"[Network]\n"
	"Private=yes\n"
	"VirtualEthernet=yes\n"
	"Bridge=br0\n"
	"Zone=z\n"
	"Port=80\n"
	"[Machbox]\n"
	"PoweroffSignal=SIGUSR2\n"
	"StopTimeoutSec=999999\n"
	"Restart=always\n"
	"MemoryMax=1G\n"
	"TasksMax=10\n"
	"CPUWeight=5\n";

static void test_untrusted(void)
{
	struct nspawn_opts o;

	is_int(load(&o, privileged_text, false), 0, "untrusted file loads");
	is_int(w.n, 16, "one warning per privileged key occurrence");
	ok(strstr(w.last, "t.nspawn:24: 'CPUWeight=' is privileged"), "last: %s", w.last);
	ok(o.boot && o.read_only && !strcmp(o.hostname, "guest"), "safe keys apply");
	is_int(o.poweroff_signal, SIGUSR2, "signals are not privileged");
	is_int(o.n_mounts, 0, "no mounts");
	ok(!o.private_users && !o.private_network, "no user namespace, no network");
	is_int(o.n_bind_users, 0, "no bound users");
	ok(o.memory_max == UINT64_MAX && o.tasks_max == UINT64_MAX && o.cpu_weight == 0, "no limits");
	ok(o.restart == RESTART_NO && o.stop_timeout_s == 30, "no policy");
	is_int(o.set_mask, SET_BOOT | SET_HOSTNAME | SET_READ_ONLY | SET_SIGNALS, "set_mask");
	nspawn_opts_free(&o);

	is_int(load(&o, privileged_text, true), -EINVAL, "trusted: the bad StopTimeoutSec= counts");
	ok(startswith(err, "t.nspawn:20: StopTimeoutSec=: "), "message: %s", err);
	nspawn_opts_free(&o);
}

static void parse_cmdline(struct nspawn_opts *c, int argc, char **argv)
{
	nspawn_opts_init(c);
	is_int(nspawn_parse_args(c, argc, argv), -1, "command line parses");
}

static const char merge_text[] =
	"[Exec]\nBoot=yes\nParameters=p\nEnvironment=E=1\nUser=alan\nHostname=file\n"
	"KillSignal=HUP\nPrivateUsers=pick\n"
	"[Files]\nReadOnly=yes\nBind=/c:/d\n"
	"[Machbox]\nMemoryMax=1G\nStopTimeoutSec=5\nRestart=always\n";

static void test_merge(void)
{
	char *argv[] = { "nspawn", "-D", "/x", "-u", "root", "--bind=/a:/b",
			 "--hostname=cmd", "--property=TasksMax=5", "cmd", "arg", NULL };
	char *argv2[] = { "nspawn", "--stop-timeout=10", "-E", "C=2", NULL };
	struct nspawn_opts c, f;

	parse_cmdline(&c, 10, argv);
	is_int(load(&f, merge_text, true), 0, "file loads");
	settings_merge(&c, &f, SETTINGS_YES);
	is_str(c.user, "root", "command line User wins");
	ok(c.n_mounts == 1 && !strcmp(c.mounts[0].dest, "/b"), "command line mounts win");
	is_str(c.hostname, "cmd", "command line hostname wins");
	ok(c.argc == 2 && !strcmp(c.argv[0], "cmd"), "command line arguments win");
	ok(c.n_env == 1 && !strcmp(c.env[0], "E=1"), "file environment fills in");
	ok(c.boot && c.read_only && c.kill_signal == SIGHUP, "file Boot/ReadOnly/KillSignal fill in");
	is_str(c.private_users, "pick", "file PrivateUsers fills in");
	ok(c.memory_max == UINT64_MAX && c.tasks_max == 5, "limits: the command line owns the group");
	ok(c.stop_timeout_s == 5 && c.restart == RESTART_ALWAYS, "timeout and restart from file");
	nspawn_opts_free(&c);
	nspawn_opts_free(&f);

	parse_cmdline(&c, 10, argv);
	load(&f, merge_text, true);
	settings_merge(&c, &f, SETTINGS_OVERRIDE);
	is_str(c.user, "alan", "override: file User wins");
	ok(c.n_mounts == 1 && !strcmp(c.mounts[0].dest, "/d"), "override: file mounts win");
	is_str(c.hostname, "file", "override: file hostname");
	ok(c.argc == 1 && !strcmp(c.argv[0], "p"), "override: file parameters");
	ok(c.memory_max == 1ULL << 30 && c.tasks_max == 5, "override: file limits, others kept");
	nspawn_opts_free(&c);
	nspawn_opts_free(&f);

	parse_cmdline(&c, 10, argv);
	load(&f, merge_text, true);
	settings_merge(&c, &f, SETTINGS_NO);
	ok(!c.boot && !c.n_env && !strcmp(c.user, "root") && c.stop_timeout_s == 30,
	   "settings=no applies nothing");
	nspawn_opts_free(&c);
	nspawn_opts_free(&f);

	parse_cmdline(&c, 4, argv2);
	load(&f, merge_text, true);
	settings_merge(&c, &f, SETTINGS_YES);
	is_int(c.stop_timeout_s, 10, "--stop-timeout= wins");
	ok(c.n_env == 1 && !strcmp(c.env[0], "C=2"), "-E wins over Environment=");
	nspawn_opts_free(&c);
	nspawn_opts_free(&f);

	parse_cmdline(&c, 4, argv2);
	load(&f, merge_text, true);
	settings_merge(&c, &f, SETTINGS_OVERRIDE);
	is_int(c.stop_timeout_s, 5, "override: StopTimeoutSec= wins");
	nspawn_opts_free(&c);
	nspawn_opts_free(&f);
}

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(p);
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp) {
		fputs(text, fp);
		fclose(fp);
	}
}

static void mkdirs(const char *root, const char *rel)
{
	char p[4096], *s;

	snprintf(p, sizeof(p), "%s%s", root, rel);
	for (s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		mkdir(p, 0755);
		*s = '/';
	}
	mkdir(p, 0755);
}

static void test_find(const char *root)
{
	char path[4096], want[4096], img[4096];
	bool trusted = false;

	snprintf(img, sizeof(img), "%s/var/lib/machines/tw", root);
	is_int(settings_find("tw", img, SETTINGS_YES, path, sizeof(path), &trusted), 0, "no file");

	snprintf(want, sizeof(want), "%s/var/lib/machines/tw.nspawn", root);
	write_file(want, "[Exec]\nBoot=yes\n");
	is_int(settings_find("tw", img, SETTINGS_YES, path, sizeof(path), &trusted), 1, "beside the image");
	is_str(path, want, "path beside the image");
	ok(!trusted, "beside the image is untrusted");
	snprintf(img, sizeof(img), "%s/var/lib/machines/tw//", root);
	ok(settings_find("tw", img, SETTINGS_TRUSTED, path, sizeof(path), &trusted) == 1 &&
	   !strcmp(path, want) && trusted, "trailing slashes; --settings=trusted trusts it");
	is_int(settings_find("tw", NULL, SETTINGS_YES, path, sizeof(path), &trusted), 0,
	       "no image: nothing beside it");

	snprintf(want, sizeof(want), "%s/run/systemd/nspawn/tw.nspawn", root);
	write_file(want, "[Exec]\n");
	trusted = false;
	ok(settings_find("tw", img, SETTINGS_YES, path, sizeof(path), &trusted) == 1 &&
	   !strcmp(path, want) && trusted, "/run wins and is trusted");

	snprintf(want, sizeof(want), "%s/etc/systemd/nspawn/tw.nspawn", root);
	write_file(want, "[Exec]\n");
	trusted = false;
	ok(settings_find("tw", img, SETTINGS_OVERRIDE, path, sizeof(path), &trusted) == 1 &&
	   !strcmp(path, want) && trusted, "/etc wins and is trusted");

	is_int(settings_find("tw", img, SETTINGS_NO, path, sizeof(path), &trusted), 0, "settings=no");
	is_int(settings_find("../tw", img, SETTINGS_YES, path, sizeof(path), &trusted), -EINVAL, "bad name");
	is_int(settings_find("tw", img, SETTINGS_YES, path, 8, &trusted), -ENAMETOOLONG, "small buffer");
}

static void test_load_file(const char *root)
{
	struct nspawn_opts o;
	char path[4096], want[4200];
	char *big;

	snprintf(path, sizeof(path), "%s/etc/systemd/nspawn/bad.nspawn", root);
	write_file(path, "[Exec]\nKillSignal=NOPE\n");
	nspawn_opts_init(&o);
	is_int(settings_load_file(path, true, &o, NULL, NULL, err, sizeof(err)), -EINVAL, "bad file");
	snprintf(want, sizeof(want), "%s:2: KillSignal=: ", path);
	ok(startswith(err, want), "message names the file: %s", err);

	snprintf(path, sizeof(path), "%s/etc/systemd/nspawn/tw.nspawn", root);
	write_file(path, "[Exec]\nBoot=yes\n[Files]\nBind=/srv\n");
	is_int(settings_load_file(path, false, &o, count_warn, &w, err, sizeof(err)), 0, "good file");
	ok(o.boot && o.n_mounts == 0, "applied as untrusted");
	nspawn_opts_free(&o);

	nspawn_opts_init(&o);
	is_int(settings_load_file(root, true, &o, NULL, NULL, err, sizeof(err)), -EINVAL, "a directory");
	ok(strstr(err, "not a regular file") != NULL, "message: %s", err);
	snprintf(path, sizeof(path), "%s/missing.nspawn", root);
	is_int(settings_load_file(path, true, &o, NULL, NULL, err, sizeof(err)), -ENOENT, "missing");
	snprintf(path, sizeof(path), "%s/fifo.nspawn", root);
	mkfifo(path, 0600);
	is_int(settings_load_file(path, true, &o, NULL, NULL, err, sizeof(err)), -EINVAL, "a FIFO does not hang");
	snprintf(path, sizeof(path), "%s/big.nspawn", root);
	big = repeat("", '#', SETTINGS_FILE_MAX + 1, "");
	write_file(path, big);
	free(big);
	is_int(settings_load_file(path, true, &o, NULL, NULL, err, sizeof(err)), -EFBIG, "too big");
	nspawn_opts_free(&o);
}

int main(void)
{
	char root[] = "/tmp/machbox-settings.XXXXXX";

	test_all_keys();
	test_syntax();
	test_quoting();
	test_repeat_and_reset();
	test_bad_values();
	test_limits();
	test_warnings();
	test_untrusted();
	test_merge();

	if (!mkdtemp(root))
		return 1;
	setenv("MACHBOX_ROOT", root, 1);
	mkdirs(root, "/etc/systemd/nspawn");
	mkdirs(root, "/run/systemd/nspawn");
	mkdirs(root, "/var/lib/machines/tw");
	test_find(root);
	test_load_file(root);
	unsetenv("MACHBOX_ROOT");
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	ok(access(root, F_OK) < 0, "temporary tree removed");
	return tap_done();
}

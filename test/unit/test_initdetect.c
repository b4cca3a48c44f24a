/* Guest init detection on small trees, hostile ones included; the signal
 * table; sysvinit's initctl request. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "machbox.h"
#include "nspawn/initdetect.h"
#include "tap.h"

static char base[] = "/tmp/machbox-initdetect.XXXXXX";
static char host[2048];	/* files only the host has: detection must not see them */

static void mkparents(const char *path)
{
	char p[4096], *s;

	snprintf(p, sizeof(p), "%s", path);
	for (s = p + strlen(base) + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		mkdir(p, 0755);
		*s = '/';
	}
}

/* ROOT/REL holding TEXT at OFFSET (sparse before it) */
static void mkfile_at(const char *root, const char *rel, const char *text, off_t offset, mode_t mode)
{
	char p[4096];
	int fd;

	snprintf(p, sizeof(p), "%s%s", root, rel);
	mkparents(p);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0 || pwrite(fd, text, strlen(text), offset) < 0)
		printf("# cannot write %s\n", p);
	if (fd >= 0)
		close(fd);
}

static void mkfile(const char *root, const char *rel, const char *text)
{
	mkfile_at(root, rel, text, 0, 0755);
}

static void mklink(const char *root, const char *rel, const char *target)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s%s", root, rel);
	mkparents(p);
	if (symlink(target, p) < 0)
		printf("# cannot link %s\n", p);
}

/* a fresh empty root below BASE */
static const char *newroot(const char *name)
{
	static char p[4096];

	snprintf(p, sizeof(p), "%s/%s", base, name);
	mkdir(p, 0755);
	return p;
}

static enum guest_init detect(const char *root, const char **path)
{
	int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	enum guest_init r;

	r = guest_init_detect(fd);
	*path = guest_init_path(fd);
	close(fd);
	return r;
}

static void check(const char *root, enum guest_init want, const char *want_path, const char *what)
{
	const char *path;
	enum guest_init got = detect(root, &path);

	ok(got == want, "%s: %s (got %s)", what, guest_init_name(want), guest_init_name(got));
	is_str(path, want_path, "%s: init path", what);
}

static void build_trees(void)
{
	const char *r;
	char t[4096];

	r = newroot("systemd-merged");
	mkfile(r, "/usr/lib/systemd/systemd", "");
	mklink(r, "/lib", "usr/lib");
	mklink(r, "/sbin/init", "../lib/systemd/systemd");

	r = newroot("systemd-legacy");
	mkfile(r, "/lib/systemd/systemd", "");
	mklink(r, "/sbin/init", "/lib/systemd/systemd");

	r = newroot("systemd-noinit");
	mkfile(r, "/usr/lib/systemd/systemd", "");

	r = newroot("busybox-link");
	mkfile(r, "/bin/busybox", "");
	mklink(r, "/sbin/init", "/bin/busybox");

	/* banner across a 16 KiB read boundary, past the first reads */
	r = newroot("busybox-copy");
	mkfile_at(r, "/sbin/init", "BusyBox v1.36.1 (2023-01-01) multi-call binary", 3 * 16384 - 4, 0755);
	mkfile(r, "/etc/inittab", "::sysinit:/etc/init.d/rcS\n");

	r = newroot("busybox-initramfs");
	mkfile(r, "/init", "\177ELF...BusyBox v1.35.0...");

	r = newroot("procd");
	mkfile(r, "/sbin/init", "\177ELF procd init");
	mkfile(r, "/sbin/procd", "\177ELF procd");
	mkfile(r, "/bin/busybox", "BusyBox v1.36.1");

	r = newroot("openrc");
	mkfile(r, "/sbin/openrc-init", "\177ELF");
	mklink(r, "/sbin/init", "openrc-init");

	r = newroot("sysvinit");
	mkfile(r, "/sbin/init", "\177ELF sysvinit");
	mkfile(r, "/etc/inittab", "id:2:initdefault:\n");

	r = newroot("unknown");
	mkfile(r, "/sbin/init", "#!/bin/sh\n");

	r = newroot("empty");

	r = newroot("not-executable");
	mkfile_at(r, "/sbin/init", "\177ELF sysvinit", 0, 0644);
	mkfile(r, "/etc/inittab", "id:2:initdefault:\n");

	r = newroot("dangling-systemd");
	mklink(r, "/sbin/init", "/nowhere/init");
	mkfile(r, "/lib/systemd/systemd", "");

	/* hostile: links that lead to the host's busybox if followed there */
	r = newroot("hostile-absolute");
	snprintf(t, sizeof(t), "%s/busybox", host);
	mklink(r, "/sbin/init", t);
	mkfile(r, "/etc/inittab", "");

	r = newroot("hostile-dotdot");
	snprintf(t, sizeof(t), "../../../../../../../../../..%s/busybox", host);
	mklink(r, "/sbin/init", t);

	r = newroot("hostile-dir");
	mklink(r, "/sbin", host);
	mklink(r, "/usr/lib", host);

	r = newroot("hostile-loop");
	mklink(r, "/sbin/init", "/sbin/init");
	mklink(r, "/usr/sbin/init", "loop2");
	mklink(r, "/usr/sbin/loop2", "init");

	/* ".." stops at the image root, so this finds the image's own file */
	r = newroot("clamped");
	mklink(r, "/sbin/init", "../../../../../bin/real-init");
	mkfile(r, "/bin/real-init", "\177ELF sysvinit");
	mkfile(r, "/etc/inittab", "");
}

/* the tree NAME, in a buffer R of the caller */
#define ROOT(name) (snprintf(r, sizeof(r), "%s/%s", base, name), r)

static void test_detect(void)
{
	char r[4096];

	check(ROOT("systemd-merged"), INIT_SYSTEMD, "/usr/lib/systemd/systemd", "merged /usr systemd");
	check(ROOT("systemd-legacy"), INIT_SYSTEMD, "/lib/systemd/systemd", "/lib/systemd/systemd");
	check(ROOT("systemd-noinit"), INIT_SYSTEMD, "/usr/lib/systemd/systemd", "systemd without /sbin/init");
	check(ROOT("busybox-link"), INIT_BUSYBOX, "/sbin/init", "/sbin/init -> /bin/busybox");
	check(ROOT("busybox-copy"), INIT_BUSYBOX, "/sbin/init", "busybox copy, banner across reads");
	check(ROOT("busybox-initramfs"), INIT_BUSYBOX, NULL, "/init is busybox");
	check(ROOT("procd"), INIT_PROCD, "/sbin/init", "OpenWrt procd");
	check(ROOT("openrc"), INIT_OPENRC, "/sbin/init", "openrc-init");
	check(ROOT("sysvinit"), INIT_SYSVINIT, "/sbin/init", "sysvinit with inittab");
	check(ROOT("unknown"), INIT_UNKNOWN, "/sbin/init", "a script without inittab");
	check(ROOT("empty"), INIT_UNKNOWN, NULL, "empty tree");
	check(ROOT("not-executable"), INIT_SYSVINIT, NULL, "init not executable: no path");
	check(ROOT("dangling-systemd"), INIT_SYSTEMD, "/lib/systemd/systemd", "dangling /sbin/init");
	check(ROOT("hostile-absolute"), INIT_UNKNOWN, NULL, "absolute link to the host's busybox");
	check(ROOT("hostile-dotdot"), INIT_UNKNOWN, NULL, "../.. link to the host's busybox");
	check(ROOT("hostile-dir"), INIT_UNKNOWN, NULL, "/sbin -> host directory");
	check(ROOT("hostile-loop"), INIT_UNKNOWN, NULL, "symlink loops");
	check(ROOT("clamped"), INIT_SYSVINIT, "/sbin/init", ".. clamped at the image root");
}

static void test_signals(void)
{
	struct init_signals s;

	s = guest_init_signals(INIT_SYSTEMD);
	ok(s.poweroff == 38 && s.reboot == SIGINT && s.halt == 37 && !s.initctl,
	   "systemd: SIGRTMIN+4 (38), SIGINT, SIGRTMIN+3 (37)");
	s = guest_init_signals(INIT_BUSYBOX);
	ok(s.poweroff == SIGUSR2 && s.reboot == SIGTERM && s.halt == SIGUSR1 && !s.initctl,
	   "busybox: USR2, TERM, USR1");
	s = guest_init_signals(INIT_PROCD);
	ok(s.poweroff == SIGUSR2 && s.reboot == SIGTERM && s.halt == SIGUSR1 && !s.initctl,
	   "procd: USR2, TERM, USR1");
	s = guest_init_signals(INIT_OPENRC);
	ok(s.poweroff == SIGPWR && s.reboot == SIGINT && s.halt == SIGTERM && !s.initctl,
	   "openrc-init: PWR, INT, TERM");
	s = guest_init_signals(INIT_SYSVINIT);
	ok(s.poweroff == SIGPWR && s.reboot == SIGINT && s.initctl, "sysvinit: initctl, PWR/INT fallback");
	s = guest_init_signals(INIT_UNKNOWN);
	ok(s.poweroff == SIGTERM && s.reboot == SIGINT && !s.initctl, "unknown: TERM, INT");
	is_str(guest_init_name(INIT_OPENRC), "openrc", "name of openrc");
	is_str(guest_init_name(INIT_SYSVINIT), "sysvinit", "name of sysvinit");
	is_str(guest_init_name((enum guest_init)99), "unknown", "name out of range");
}

static int32_t int_at(const unsigned char *b, size_t off)
{
	int32_t v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

static void test_initctl(void)
{
	unsigned char buf[400];
	size_t i, nonzero = 0;

	memset(buf, 0xff, sizeof(buf));
	is_int(initctl_request('0', buf, sizeof(buf)), 384, "request is 384 bytes");
	is_int(int_at(buf, 0), 0x03091969, "magic at offset 0");
	is_int(int_at(buf, 4), 1, "cmd INIT_CMD_RUNLVL at 4");
	is_int(int_at(buf, 8), '0', "runlevel '0' at 8");
	is_int(int_at(buf, 12), 0, "sleeptime 0 at 12");
	for (i = 16; i < 384; i++)
		nonzero += buf[i] != 0;
	is_int(nonzero, 0, "the rest is zero");
	is_int(buf[384], 0xff, "nothing written past 384");
	is_int(initctl_request('6', buf, 384), 384, "reboot request");
	is_int(int_at(buf, 8), '6', "runlevel '6'");
	is_int(initctl_request('0', buf, 383), 0, "buffer too small");
	is_int(initctl_request('x', buf, sizeof(buf)), 0, "unknown runlevel");
	is_int(initctl_request(0, buf, sizeof(buf)), 0, "NUL runlevel");
}

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(p);
}

int main(void)
{
	struct stat st;

	if (!mkdtemp(base))
		return 1;
	/* the host's "busybox": reachable only by leaving the image root */
	snprintf(host, sizeof(host), "%s/host", base);
	mkfile(host, "/busybox", "BusyBox v1.36.1 host copy");
	mkfile(host, "/init", "BusyBox v1.36.1 host copy");
	mkfile(host, "/systemd/systemd", "");
	ok(stat(host, &st) == 0, "host files exist outside the roots");
	build_trees();

	test_detect();
	test_signals();
	test_initctl();

	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	ok(access(base, F_OK) < 0, "temporary trees removed");
	return tap_done();
}

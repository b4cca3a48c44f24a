/* The pure parts of machinectl shell/login: targets, /proc texts, names */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "machinectl/enter.h"
#include "tap.h"

static void test_target(void)
{
	char u[16], n[16];

	is_int(enter_split_target("foo", u, sizeof(u), n, sizeof(n)), 0, "plain name");
	is_str(u, "", "no user");
	is_str(n, "foo", "the name");
	enter_split_target("nobody@foo", u, sizeof(u), n, sizeof(n));
	is_str(u, "nobody", "USER@NAME: the user");
	is_str(n, "foo", "USER@NAME: the name");
	enter_split_target("", u, sizeof(u), n, sizeof(n));
	is_str(n, ".host", "no name is the host");
	enter_split_target("root@", u, sizeof(u), n, sizeof(n));
	is_str(n, ".host", "USER@ is the host");
	is_str(u, "root", "USER@: the user");
	is_int(enter_split_target("averyveryverylonguser@x", u, sizeof(u), n, sizeof(n)), -ENAMETOOLONG,
	       "a user too long");
	is_int(enter_split_target("averyveryverylongname", u, sizeof(u), n, sizeof(n)), -ENAMETOOLONG,
	       "a name too long");
}

static void test_capbnd(void)
{
	uint64_t m = 0;

	is_int(parse_capbnd("Name:\tinit\nCapEff:\t0000000000000001\nCapBnd:\t00000000fcecafff\nCapAmb:\t0\n", &m),
	       0, "CapBnd found");
	ok(m == 0xfcecafffULL, "its mask");
	is_int(parse_capbnd("Name:\tinit\nCapBnd:\t000001ffffffffff", &m), 0, "at the end of the text");
	ok(m == 0x1ffffffffffULL, "a full set");
	is_int(parse_capbnd("Name:\tinit\nCapEff:\t01\n", &m), -EINVAL, "missing");
	is_int(parse_capbnd("Name:\tx\nCapBnd:\tzz\n", &m), -EINVAL, "not hex");
	is_int(parse_capbnd("Name:\tx\nCapBnd:\t12zz\n", &m), -EINVAL, "trailing junk");
}

static void test_cgroup(void)
{
	char p[32];

	is_int(parse_cgroup2("0::/machbox/foo\n", p, sizeof(p)), 0, "pure v2");
	is_str(p, "/machbox/foo", "its path");
	is_int(parse_cgroup2("12:pids:/x\n1:name=systemd:/y\n0::/machbox/bar/init.scope\n", p, sizeof(p)),
	       0, "hybrid");
	is_str(p, "/machbox/bar/init.scope", "the unified line");
	is_int(parse_cgroup2("0::/a", p, sizeof(p)), 0, "no newline at the end");
	is_str(p, "/a", "still read");
	is_int(parse_cgroup2("3:cpu:/a\n", p, sizeof(p)), -ENOENT, "v1 only");
	is_int(parse_cgroup2("0::/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", p, sizeof(p)), -ENAMETOOLONG,
	       "too long");
}

static void test_key_name(void)
{
	char b[4];

	is_str(escape_key_name(0x1d, b), "^]", "^]");
	is_str(escape_key_name(0x01, b), "^A", "^A");
	is_str(escape_key_name('x', b), "x", "a plain key");
}

int main(void)
{
	test_target();
	test_capbnd();
	test_cgroup();
	test_key_name();
	return tap_done();
}

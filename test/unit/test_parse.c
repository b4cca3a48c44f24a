#include <errno.h>
#include <signal.h>
#include <stdlib.h>

#include "machbox.h"
#include "tap.h"

static void test_bool(void)
{
	is_int(parse_bool("yes"), 1, "yes");
	is_int(parse_bool("On"), 1, "On");
	is_int(parse_bool("1"), 1, "1");
	is_int(parse_bool("false"), 0, "false");
	is_int(parse_bool("off"), 0, "off");
	is_int(parse_bool(""), -EINVAL, "empty is not a boolean");
	is_int(parse_bool("yess"), -EINVAL, "yess is not a boolean");
}

static void test_signal(void)
{
	is_int(parse_signal("SIGTERM"), SIGTERM, "SIGTERM");
	is_int(parse_signal("term"), SIGTERM, "term");
	is_int(parse_signal("9"), SIGKILL, "9");
	is_int(parse_signal("SIGRTMIN+4"), 38, "SIGRTMIN+4 is 38 as systemd means it");
	is_int(parse_signal("RTMAX-1"), 63, "RTMAX-1");
	is_int(parse_signal("0"), -EINVAL, "0 is no signal");
	is_int(parse_signal("SIGFOO"), -EINVAL, "SIGFOO");
	is_int(parse_signal("SIGRTMIN+999"), -EINVAL, "SIGRTMIN+999 out of range");
	is_str(signal_name(SIGINT), "SIGINT", "name of SIGINT");
	is_str(signal_name(38), "SIGRTMIN+4", "name of 38");
	is_int(parse_signal("33"), 33, "33 by number");
}

static void test_size(void)
{
	uint64_t v = 0;

	ok(!parse_size("512M", &v) && v == 512ULL << 20, "512M");
	ok(!parse_size("1G", &v) && v == 1ULL << 30, "1G");
	ok(!parse_size("4KiB", &v) && v == 4096, "4KiB");
	ok(!parse_size("100", &v) && v == 100, "100");
	ok(!parse_size("infinity", &v) && v == UINT64_MAX, "infinity");
	is_int(parse_size("12X", &v), -EINVAL, "12X");
	is_int(parse_size("-1", &v), -EINVAL, "-1");
	is_int(parse_size("99999999999E", &v), -ERANGE, "overflow");
}

static void test_names(void)
{
	ok(machine_name_valid("tumbleweed"), "tumbleweed");
	ok(machine_name_valid("user-alan-tw.2"), "user-alan-tw.2");
	ok(!machine_name_valid(""), "empty");
	ok(!machine_name_valid(".hidden"), "leading dot");
	ok(!machine_name_valid("a/b"), "slash");
	ok(!machine_name_valid("a..b"), "double dot");
	ok(!machine_name_valid("-x"), "leading dash");
	ok(!machine_name_valid("x."), "trailing dot");
	ok(!machine_name_valid("0123456789012345678901234567890123456789012345678901234567890123456789"), "too long");
	ok(machine_name_valid("0123456789012345678901234567890123456789012345678901234567890123"), "64 is the most");
	ok(!machine_name_valid("01234567890123456789012345678901234567890123456789012345678901234"), "65 is too long");
	ok(!machine_name_valid("../x"), "dotdot slash");
	ok(!machine_name_valid("a b"), "space");
	ok(!machine_name_valid("a\nb"), "newline");
	ok(!machine_name_valid("a\033[2Jb"), "escape sequence");
	ok(!machine_name_valid("\xc3\xa9"), "UTF-8");
	ok(!machine_name_valid("a:b"), "colon");
}

static void test_misc(void)
{
	char buf[8];

	is_int(strlcpy_mb(buf, "0123456789", sizeof(buf)), 10, "strlcpy returns source length");
	is_str(buf, "0123456", "strlcpy truncates");
	ok(startswith("machinectl", "machine"), "startswith");
	ok(endswith("a.nspawn", ".nspawn"), "endswith");
	ok(!endswith("n", ".nspawn"), "endswith shorter");
}

static void test_root_path(void)
{
	char buf[64];

	setenv("MACHBOX_ROOT", "/tmp/r/", 1);
	ok(!root_path(buf, sizeof(buf), "/var/lib/machines"), "root_path fits");
	is_str(buf, "/tmp/r/var/lib/machines", "MACHBOX_ROOT prefix without double slash");
	unsetenv("MACHBOX_ROOT");
	ok(!root_path(buf, sizeof(buf), "/etc"), "no root");
	is_str(buf, "/etc", "no MACHBOX_ROOT means /");
	is_int(root_path(buf, 4, "/etc"), -ENAMETOOLONG, "too long");
}

int main(void)
{
	test_bool();
	test_signal();
	test_size();
	test_names();
	test_misc();
	test_root_path();
	return tap_done();
}

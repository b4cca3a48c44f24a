/* PrivateUsers= values, the ownership modes, the command line and the
 * pick hash of the user namespace code. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "machbox.h"
#include "nspawn/binduser.h"
#include "nspawn/nspawn.h"
#include "nspawn/userns.h"
#include "tap.h"

static void test_values(void)
{
	struct userns u;

	ok(!userns_parse("no", &u) && u.mode == USERNS_NO, "no");
	ok(!userns_parse("false", &u) && u.mode == USERNS_NO, "false is no");
	ok(!userns_parse("yes", &u) && u.mode == USERNS_FROM_ROOT && u.range == 0x10000,
	   "yes: from the root directory's owner");
	ok(!userns_parse("pick", &u) && u.mode == USERNS_PICK && u.range == 0x10000, "pick");
	ok(!userns_parse("identity", &u) && u.mode == USERNS_FIXED && u.shift == 0 && u.range == 0x10000,
	   "identity: 0..65535 onto itself");
	ok(!userns_parse("0", &u) && u.mode == USERNS_FIXED && u.shift == 0,
	   "0 is base 0, not a boolean");
	ok(!userns_parse("1", &u) && u.mode == USERNS_FIXED && u.shift == 1, "1 is base 1");
	ok(!userns_parse("1879048192", &u) && u.shift == 1879048192u && u.range == 0x10000,
	   "BASE alone: a 65536 range");
	ok(!userns_parse("655360:1000", &u) && u.shift == 655360 && u.range == 1000, "BASE:RANGE");
	is_int(userns_parse("655360:0", &u), -EINVAL, "empty range");
	is_int(userns_parse("4294967295", &u), -EINVAL, "base -1");
	is_int(userns_parse("4294901760:65536", &u), -EINVAL, "range up to (uid_t)-1");
	is_int(userns_parse("4294901760:65535", &u), 0, "range just below (uid_t)-1");
	is_int(userns_parse("-5", &u), -EINVAL, "negative base");
	is_int(userns_parse("12:", &u), -EINVAL, "empty range after colon");
	is_int(userns_parse(":12", &u), -EINVAL, "empty base");
	is_int(userns_parse("maybe", &u), -EINVAL, "maybe");
	is_int(userns_parse("", &u), -EINVAL, "empty");
	is_int(userns_parse("99999999999999999999", &u), -EINVAL, "base too long");
}

static void test_owner(void)
{
	enum userns_owner o = OWN_DEFAULT;

	ok(!userns_parse_owner("auto", &o) && o == OWN_AUTO, "auto");
	ok(!userns_parse_owner("map", &o) && o == OWN_MAP, "map");
	ok(!userns_parse_owner("chown", &o) && o == OWN_CHOWN, "chown");
	ok(!userns_parse_owner("off", &o) && o == OWN_OFF, "off");
	is_int(userns_parse_owner("yes", &o), -EINVAL, "yes is no mode");
	is_int(userns_parse_owner("", &o), -EINVAL, "empty");
}

static void test_pick(void)
{
	uint32_t a = userns_candidate("web", 0), seen[64];
	unsigned i, j, dup = 0, bad = 0;

	is_int(a, userns_candidate("web", 0), "the same name picks the same range");
	ok(a != userns_candidate("web2", 0), "another name, another range");
	ok(a != userns_candidate("web", 1), "the next attempt, another range");
	for (i = 0; i < 64; i++) {
		char name[16];

		snprintf(name, sizeof(name), "m%u", i);
		seen[i] = userns_candidate(name, 0);
		if (seen[i] < USERNS_PICK_MIN || seen[i] + USERNS_RANGE > USERNS_PICK_MAX ||
		    (seen[i] & 0xFFFF))
			bad++;
		for (j = 0; j < i; j++)
			dup += seen[j] == seen[i];
	}
	is_int(bad, 0, "candidates are 64K-aligned inside 0x80000..0x6FFF0000");
	ok(dup <= 1, "64 names rarely share a first candidate (%u did)", dup);
	ok(userns_candidate("", 0) >= USERNS_PICK_MIN, "the empty name too");
}

static void test_map_line(void)
{
	struct userns u = { .shift = 524288, .range = 65536 };
	char buf[48];

	userns_map_line(&u, buf, sizeof(buf));
	is_str(buf, "0 524288 65536\n", "uid_map line");
}

static void test_map_text(void)
{
	struct userns u = { .shift = 524288, .range = 65536, .n_users = 2 };
	char buf[512], tiny[8];

	u.users[0] = (struct bound_user){ .uid = 60514, .host_uid = 1000, .host_gid = 1001 };
	u.users[1] = (struct bound_user){ .uid = 60516, .host_uid = 1002, .host_gid = 1003 };
	is_int(userns_map_text(&u, false, buf, sizeof(buf)), 0, "uid_map with two bound users");
	is_str(buf, "0 524288 60514\n60514 1000 1\n60515 584803 1\n60516 1002 1\n60517 584805 5019\n",
	       "the range split around each bound uid");
	is_int(userns_map_text(&u, true, buf, sizeof(buf)), 0, "gid_map");
	is_str(buf, "0 524288 60514\n60514 1001 1\n60515 584803 1\n60516 1003 1\n60517 584805 5019\n",
	       "gid_map maps the host gids");
	u.n_users = 0;
	userns_map_text(&u, false, buf, sizeof(buf));
	is_str(buf, "0 524288 65536\n", "no bound users: one line");
	is_int(userns_map_text(&u, false, tiny, sizeof(tiny)), -ENAMETOOLONG, "a short buffer is an error");
}

static void test_bind_user_names(void)
{
	struct nspawn_opts o;

	nspawn_opts_init(&o);
	is_int(nspawn_add_bind_user(&o, "alan"), 0, "a user name");
	is_int(nspawn_add_bind_user(&o, "alan"), 0, "the same twice");
	is_int(o.n_bind_users, 1, "is added once");
	is_int(nspawn_add_bind_user(&o, "a:b"), -EINVAL, "no colon");
	is_int(nspawn_add_bind_user(&o, "-x"), -EINVAL, "no leading dash");
	is_int(nspawn_add_bind_user(&o, "12"), -EINVAL, "not a number");
	is_int(nspawn_add_bind_user(&o, ""), -EINVAL, "not empty");
	is_int(nspawn_add_bind_user(&o, "b") | nspawn_add_bind_user(&o, "c") | nspawn_add_bind_user(&o, "d"), 0,
	       "four users");
	is_int(nspawn_add_bind_user(&o, "e"), -E2BIG, "a fifth is too many");
	nspawn_opts_free(&o);
}

static int parse(struct nspawn_opts *o, int argc, char **argv)
{
	int r;

	nspawn_opts_init(o);
	fflush(stdout);
	r = nspawn_parse_args(o, argc, argv);
	fflush(stderr);
	return r;
}

static void test_cmdline(void)
{
	struct nspawn_opts o;
	char *u[] = { "nspawn", "-U", NULL };
	char *bare[] = { "nspawn", "--private-users", "-D", "/x", NULL };
	char *both[] = { "nspawn", "--private-users=655360:65536", "--private-users-ownership=chown", NULL };
	char *bad[] = { "nspawn", "--private-users=maybe", NULL };
	char *badown[] = { "nspawn", "--private-users-ownership=copy", NULL };

	is_int(parse(&o, 2, u), -1, "-U parses");
	is_str(o.private_users, "pick", "-U is pick");
	is_str(o.private_users_ownership, "auto", "-U: ownership auto");
	ok(o.set_mask & SET_PRIVATE_USERS, "-U counts as given");
	nspawn_opts_free(&o);
	is_int(parse(&o, 4, bare), -1, "--private-users alone parses");
	is_str(o.private_users, "yes", "--private-users alone is yes");
	is_str(o.directory, "/x", "the next option is not its value");
	nspawn_opts_free(&o);
	is_int(parse(&o, 3, both), -1, "BASE:RANGE and chown parse");
	is_str(o.private_users, "655360:65536", "raw value kept");
	is_str(o.private_users_ownership, "chown", "ownership kept");
	nspawn_opts_free(&o);
	is_int(parse(&o, 2, bad), EXIT_USAGE, "a bad --private-users= is a usage error");
	nspawn_opts_free(&o);
	is_int(parse(&o, 2, badown), EXIT_USAGE, "a bad --private-users-ownership= is a usage error");
	nspawn_opts_free(&o);
}

int main(void)
{
	test_values();
	test_owner();
	test_pick();
	test_map_line();
	test_map_text();
	test_bind_user_names();
	test_cmdline();
	return tap_done();
}

/* machbox.conf and the shared ini reader */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "tap.h"

static int warnings;

static void warn(void *ud, const char *file, unsigned line, const char *text)
{
	(void)ud;
	(void)file;
	(void)line;
	(void)text;
	warnings++;
}

static int load(struct machbox_conf *c, const char *text, char *err)
{
	return conf_load_buffer(c, "machbox.conf", text, strlen(text), warn, NULL, err, 256);
}

static const char *ip(uint32_t a)
{
	static char buf[INET_ADDRSTRLEN];

	return inet_ntop(AF_INET, &a, buf, sizeof(buf));
}

int main(void)
{
	struct machbox_conf c;
	struct ipv4_net n;
	unsigned char key;
	char err[256];

	conf_defaults(&c);
	is_int(c.n_pool, 3, "default pool has three networks");
	is_str(ip(c.pool[0].addr), "192.168.0.0", "192.168.0.0/16 first");
	is_int(c.pool[2].prefix, 8, "10.0.0.0/8 last");
	ok(c.masquerade && c.escape_key == 0x1d, "masquerade on, ^] escape");

	is_int(load(&c, "[Network]\nAddressPool=10.42.0.0/16\nDNS=192.0.2.53 198.51.100.53\n"
		   "Masquerade=no\n[Console]\nEscapeKey=^a\n", err), 0, "a full file loads");
	is_int(c.n_pool, 1, "AddressPool= replaces the default");
	is_str(ip(c.pool[0].addr), "10.42.0.0", "its network");
	is_int(c.n_dns, 2, "two DNS servers");
	is_str(ip(c.dns[1]), "198.51.100.53", "second DNS server");
	ok(!c.masquerade, "Masquerade=no");
	is_int(c.escape_key, 1, "EscapeKey=^a is ^A");

	warnings = 0;
	is_int(load(&c, "[Machines]\nOrder=a b\nAutostartDelaySec=2\n", err), 0, "machined's section loads");
	is_int(warnings, 0, "quietly");
	is_int(load(&c, "[Machines]\nManageGroup=machines\nUserImages=debian busybox\n", err), 0,
	       "the users' policy loads");
	is_str(c.manage_group, "machines", "ManageGroup=");
	is_str(c.user_images, "debian busybox", "UserImages=");
	is_int(load(&c, "[Machines]\nManageGroup=a-group-name-longer-than-thirty-two\n", err), -EINVAL,
	       "a group name too long");
	is_int(load(&c, "", err), 0, "no policy");
	ok(!c.manage_group[0] && !c.user_images[0], "grants nothing");
	is_int(load(&c, "[Network]\nFrob=1\n[Other]\nX=1\n", err), 0, "unknown things do not fail");
	is_int(warnings, 2, "but warn, once each");
	is_int(load(&c, "[Network]\nAddressPool=10.0.0.1/8\n", err), -EINVAL, "host bits set");
	ok(strstr(err, "machbox.conf:2: AddressPool=") != NULL, "the error names file, line and key: %s", err);
	is_int(load(&c, "[Network]\nDNS=1.1.1.1 2.2.2.2 3.3.3.3 4.4.4.4\n", err), -EINVAL, "four DNS servers");
	is_int(load(&c, "[Network]\nMasquerade=perhaps\n", err), -EINVAL, "bad boolean");
	is_int(load(&c, "[Console]\nEscapeKey=^]]\n", err), -EINVAL, "bad escape key");
	is_int(load(&c, "[Network\n", err), -EINVAL, "bad section header");
	is_int(load(&c, "[Network]\nDNS=192.0.2.1 \\\n 192.0.2.2\n", err), 0, "continuation lines");
	is_int(c.n_dns, 2, "continued value has both");

	is_int(parse_ipv4_net("172.16.0.0/12", &n), 0, "172.16.0.0/12");
	is_int(n.prefix, 12, "prefix 12");
	is_int(parse_ipv4_net("172.16.0.0", &n), -EINVAL, "no prefix");
	is_int(parse_ipv4_net("172.16.0.0/33", &n), -EINVAL, "prefix 33");
	is_int(parse_escape_key("x", &key), 0, "a plain character");
	is_int(key, 'x', "is itself");
	is_int(parse_escape_key("^]", &key), 0, "^]");
	is_int(key, 0x1d, "is 0x1d");
	setenv("MACHBOX_ROOT", "/nonexistent-machbox-root", 1);
	is_int(conf_load(&c, warn, NULL, err, sizeof(err)), 0, "a missing file means defaults");
	is_int(c.n_pool, 3, "the default pool");
	return tap_done();
}

/* The netlink module against the kernel, as root, in network namespaces
 * this process makes for itself: the machine's own network is never seen.
 * Without root (or without namespaces) the whole file skips (77).
 *
 * Two namespaces, no helper process: the first unshare() makes the
 * "guest", kept by an fd to /proc/self/ns/net and a netlink socket opened
 * there; the second makes the "host" the rest of the test runs in.  A
 * netlink socket keeps the namespace it was opened in. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_addr.h>

#include "machbox.h"
#include "net/netlink.h"
#include "tap.h"

static struct nl host = { .fd = -1 }, guest = { .fd = -1 };
static int guest_ns = -1;
static char ve[NL_IFNAMSIZ];
static uint8_t ve_mac[6], host0_mac[6];
static bool have_ipv6;

static int skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	return 77;
}

static int setup(void)
{
	if (geteuid() != 0)
		return skip_all("needs root");
	/* leave the machine's network before any socket is opened */
	if (unshare(CLONE_NEWNET) < 0)
		return skip_all("no network namespaces");
	guest_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (guest_ns < 0 || nl_open(&guest) < 0)
		return skip_all("cannot open the guest namespace");
	if (unshare(CLONE_NEWNET) < 0 || nl_open(&host) < 0)
		return skip_all("cannot make the host namespace");
	return 0;
}

/* --- finding links, addresses and routes in the lists --- */

struct link_find {
	const char *name;
	struct nl_link link;
	bool found;
	int count, stop_after;
};

static int link_find_cb(const struct nl_link *l, void *ud)
{
	struct link_find *f = ud;

	f->count++;
	if (f->name && !strcmp(l->name, f->name)) {
		f->link = *l;
		f->found = true;
	}
	return f->stop_after && f->count == f->stop_after ? -EINTR : 0;
}

static bool link_get(struct nl *nl, const char *name, struct nl_link *out)
{
	struct link_find f = { .name = name };

	if (nl_link_list(nl, link_find_cb, &f) < 0 || !f.found)
		return false;
	*out = f.link;
	return true;
}

struct addr_find {
	int ifindex, family;
	unsigned prefixlen;
	uint8_t addr[16];
	bool found;
};

static int addr_find_cb(const struct nl_addr *a, void *ud)
{
	struct addr_find *f = ud;
	size_t n = a->family == AF_INET ? 4 : 16;

	if (a->ifindex == f->ifindex && a->family == f->family &&
	    a->prefixlen == f->prefixlen && !memcmp(a->addr, f->addr, n))
		f->found = true;
	return 0;
}

static bool addr_listed(int ifindex, int family, const char *text, unsigned prefixlen)
{
	struct addr_find f = { .ifindex = ifindex, .family = family, .prefixlen = prefixlen };

	inet_pton(family, text, f.addr);
	return nl_addr_list(&host, family, addr_find_cb, &f) == 0 && f.found;
}

struct route_find {
	struct nl_route want;
	bool found;
};

static int route_find_cb(const struct nl_route *r, void *ud)
{
	struct route_find *f = ud;
	const struct nl_route *w = &f->want;

	if (r->family == w->family && r->dst_len == w->dst_len && r->oif == w->oif &&
	    r->has_gw == w->has_gw && !memcmp(r->dst, w->dst, 16) &&
	    !memcmp(r->gw, w->gw, 16) && r->type == RTN_UNICAST)
		f->found = true;
	return 0;
}

static bool route_listed(int family, const char *dst, unsigned dst_len, const char *gw, int oif)
{
	struct route_find f = { .want = { .family = family, .oif = oif, .dst_len = dst_len } };

	if (dst)
		inet_pton(family, dst, f.want.dst);
	f.want.has_gw = gw != NULL;
	if (gw)
		inet_pton(family, gw, f.want.gw);
	return nl_route_list(&host, family, route_find_cb, &f) == 0 && f.found;
}

/* --- the tests --- */

static void test_index(void)
{
	is_int(nl_link_index(&host, "lo"), 1, "lo is 1 in a new namespace");
	is_int(nl_link_index(&host, "nosuch0"), -ENODEV, "unknown name: -ENODEV");
	is_int(nl_link_index(&host, "0123456789abcdef"), -EINVAL, "16-byte name: -EINVAL");
	is_int(nl_link_index(&host, ""), -EINVAL, "empty name: -EINVAL");
}

/* 0, or -EOPNOTSUPP without veth in the kernel: then nothing else runs */
static int test_veth(void)
{
	struct nl_link l;
	int r;

	nl_ifname_for_machine("ve-", "tumbleweed", ve);
	nl_mac_for_machine("tumbleweed", 0, ve_mac);
	nl_mac_for_machine("tumbleweed", 1, host0_mac);
	r = nl_veth_create(&host, ve, "host0", ve_mac, host0_mac, guest_ns, 1400);
	if (r == -EOPNOTSUPP)
		return r;
	is_int(r, 0, "veth pair, peer in the guest namespace");
	ok(nl_link_index(&host, ve) > 1, "host side in the host namespace");
	is_int(nl_link_index(&host, "host0"), -ENODEV, "peer not in the host namespace");
	ok(nl_link_index(&guest, "host0") > 1, "peer in the guest namespace");
	ok(link_get(&host, ve, &l) && !strcmp(l.kind, "veth") && !memcmp(l.mac, ve_mac, 6) &&
	   !l.up && !l.master, "host side listed: veth, its MAC, down");
	ok(link_get(&guest, "host0", &l) && !strcmp(l.kind, "veth") &&
	   !memcmp(l.mac, host0_mac, 6), "peer listed in the guest with its MAC");
	ok(link_get(&host, "lo", &l) && l.kind[0] == 0, "lo has no kind");

	is_int(nl_veth_create(&host, ve, "host1", NULL, NULL, guest_ns, 0), -EEXIST,
	       "host name taken: -EEXIST");
	is_int(nl_veth_create(&host, "ve-other", "host0", NULL, NULL, guest_ns, 0), -EEXIST,
	       "peer name taken in the guest: -EEXIST");
	is_int(nl_link_index(&host, "ve-other"), -ENODEV, "and nothing left behind");
	is_int(nl_veth_create(&host, "ve-toolong-name", "host0x", NULL, NULL, -1, 0), 0,
	       "15-byte name, peer beside it");
	return 0;
}

static void test_up_mtu(int ifindex)
{
	struct nl_link l;

	is_int(nl_link_up(&host, ifindex, true), 0, "up");
	ok(link_get(&host, ve, &l) && l.up, "listed up");
	is_int(nl_link_set_mtu(&host, ifindex, 1300), 0, "MTU 1300");
	is_int(nl_link_set_mtu(&host, ifindex, 0), -EINVAL, "MTU 0");
	is_int(nl_link_up(&host, 99999, true), -ENODEV, "up on an unknown index: -ENODEV");
	is_int(nl_link_up(&host, 0, true), -EINVAL, "index 0: -EINVAL");
}

static void test_addr(int ifindex)
{
	uint8_t a4[4], a6[16];
	int r;

	inet_pton(AF_INET, "10.42.0.1", a4);
	is_int(nl_addr_add(&host, ifindex, AF_INET, a4, 28), 0, "10.42.0.1/28");
	is_int(nl_addr_add(&host, ifindex, AF_INET, a4, 28), -EEXIST, "again: -EEXIST");
	ok(addr_listed(ifindex, AF_INET, "10.42.0.1", 28), "listed");
	is_int(nl_addr_add(&host, ifindex, AF_INET, a4, 33), -EINVAL, "/33: -EINVAL");
	is_int(nl_addr_add(&host, ifindex, AF_PACKET, a4, 8), -EAFNOSUPPORT, "AF_PACKET");

	inet_pton(AF_INET6, "fd00:42::1", a6);
	r = nl_addr_add(&host, ifindex, AF_INET6, a6, 64);
	if (r == -EACCES || r == -EAFNOSUPPORT) {
		ok(1, "# SKIP IPv6 is off");
		return;
	}
	is_int(r, 0, "fd00:42::1/64");
	have_ipv6 = true;
	ok(addr_listed(ifindex, AF_INET6, "fd00:42::1", 64), "listed");
	ok(!addr_listed(ifindex, AF_INET, "10.42.0.1", 64), "not with another prefix");
}

/* IFA_BROADCAST of the address, read with a raw dump */
struct brd_find {
	int ifindex;
	uint8_t brd[4];
	bool found;
};

static int brd_cb(const struct nlmsghdr *h, void *ud)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	const struct rtattr *tb[IFA_MAX + 1];
	struct brd_find *f = ud;

	if (h->nlmsg_type != RTM_NEWADDR || nlmsg_parse(tb, IFA_MAX, h, sizeof(*ifa)) < 0)
		return -EBADMSG;
	if ((int)ifa->ifa_index == f->ifindex && !nla_get(tb[IFA_BROADCAST], f->brd, 4))
		f->found = true;
	return 0;
}

static void test_broadcast(int ifindex)
{
	uint32_t buf[NL_MSG_SIZE / 4];
	struct brd_find f = { .ifindex = ifindex };
	struct nlmsg m;
	struct ifaddrmsg *ifa;

	nlmsg_init(&m, buf, sizeof(buf), RTM_GETADDR, 0);
	ifa = nlmsg_reserve(&m, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	is_int(nl_dump(&host, &m, brd_cb, &f), 0, "raw address dump");
	ok(f.found && !memcmp(f.brd, "\x0a\x2a\x00\x0f", 4), "broadcast 10.42.0.15");
}

static void test_route(int ifindex)
{
	uint8_t dst[4], gw[4], dst6[16];

	inet_pton(AF_INET, "10.43.0.0", dst);
	inet_pton(AF_INET, "10.42.0.2", gw);
	is_int(nl_route_add(&host, AF_INET, dst, 24, gw, ifindex), 0, "10.43.0.0/24 via 10.42.0.2");
	is_int(nl_route_add(&host, AF_INET, dst, 24, gw, ifindex), -EEXIST, "again: -EEXIST");
	ok(route_listed(AF_INET, "10.43.0.0", 24, "10.42.0.2", ifindex), "listed");
	is_int(nl_route_add(&host, AF_INET, NULL, 0, gw, 0), 0, "default via 10.42.0.2");
	ok(route_listed(AF_INET, NULL, 0, "10.42.0.2", ifindex), "default listed");
	inet_pton(AF_INET, "10.44.0.0", dst);
	is_int(nl_route_add(&host, AF_INET, dst, 16, NULL, ifindex), 0, "10.44.0.0/16 on the link");
	ok(route_listed(AF_INET, "10.44.0.0", 16, NULL, ifindex), "link route listed");
	is_int(nl_route_add(&host, AF_INET, dst, 16, NULL, 0), -EINVAL, "no gateway, no link");
	is_int(nl_route_add(&host, AF_INET, NULL, 8, gw, 0), -EINVAL, "no dst with a length");
	if (!have_ipv6)
		return;
	inet_pton(AF_INET6, "fd00:43::", dst6);
	is_int(nl_route_add(&host, AF_INET6, dst6, 64, NULL, ifindex), 0, "fd00:43::/64");
	ok(route_listed(AF_INET6, "fd00:43::", 64, NULL, ifindex), "IPv6 route listed");
	ok(!route_listed(AF_INET, "10.43.0.0", 16, NULL, ifindex), "no route that was not made");
}

static void test_bridge(int ifindex)
{
	struct nl_link l;
	int br;

	is_int(nl_bridge_create(&host, "br-test"), 0, "bridge");
	is_int(nl_bridge_create(&host, "br-test"), -EEXIST, "again: -EEXIST");
	br = nl_link_index(&host, "br-test");
	ok(link_get(&host, "br-test", &l) && !strcmp(l.kind, "bridge"), "listed as a bridge");
	is_int(nl_link_set_master(&host, ifindex, br), 0, "veth joins the bridge");
	ok(link_get(&host, ve, &l) && l.master == br, "listed with its master");
	is_int(nl_link_set_master(&host, ifindex, 0), 0, "nomaster");
	ok(link_get(&host, ve, &l) && l.master == 0, "listed without a master");
	is_int(nl_link_set_master(&host, ifindex, 99999), -EINVAL, "unknown master (the kernel's -EINVAL)");
}

static void test_rename(int ifindex)
{
	is_int(nl_link_up(&host, ifindex, false), 0, "down");
	is_int(nl_link_rename(&host, ifindex, "ve-renamed"), 0, "renamed");
	is_int(nl_link_index(&host, "ve-renamed"), ifindex, "same index under the new name");
	is_int(nl_link_index(&host, ve), -ENODEV, "old name gone");
	is_int(nl_link_rename(&host, ifindex, "lo"), -EEXIST, "to a taken name: -EEXIST");
	is_int(nl_link_rename(&host, ifindex, "0123456789abcdef"), -EINVAL, "16 bytes: -EINVAL");
	is_int(nl_link_rename(&host, ifindex, ve), 0, "back");
}

static void test_netns_macvlan(int ifindex)
{
	struct nl_link l;
	int idx, r;

	is_int(nl_veth_create(&host, "mv-a", "mv-b", NULL, NULL, -1, 0), 0, "a pair in the host");
	idx = nl_link_index(&host, "mv-b");
	is_int(nl_link_set_netns(&host, idx, guest_ns), 0, "one end moved to the guest");
	is_int(nl_link_index(&host, "mv-b"), -ENODEV, "gone from the host");
	ok(nl_link_index(&guest, "mv-b") > 0, "present in the guest");
	is_int(nl_link_set_netns(&host, ifindex, -1), -EBADF, "no namespace fd: -EBADF");

	r = nl_macvlan_create(&host, "mvl0", ifindex, guest_ns);
	if (r == -EOPNOTSUPP) {
		ok(1, "# SKIP no macvlan in this kernel");
		return;
	}
	is_int(r, 0, "macvlan over the host side, made in the guest");
	ok(link_get(&guest, "mvl0", &l) && !strcmp(l.kind, "macvlan"), "listed in the guest");
	is_int(nl_link_index(&host, "mvl0"), -ENODEV, "not in the host");
	is_int(nl_macvlan_create(&host, "mvl1", 0, -1), -EINVAL, "no parent: -EINVAL");
}

/* Enough links that the dump spans many datagrams */
static void test_many(void)
{
	struct link_find f = { 0 };
	char a[NL_IFNAMSIZ], b[NL_IFNAMSIZ];
	int i, before, made = 0;

	nl_link_list(&host, link_find_cb, &f);
	before = f.count;
	for (i = 0; i < 100; i++) {
		snprintf(a, sizeof(a), "vx%d", i);
		snprintf(b, sizeof(b), "vy%d", i);
		made += nl_veth_create(&host, a, b, NULL, NULL, -1, 0) == 0;
	}
	is_int(made, 100, "100 more pairs");
	f.count = 0;
	is_int(nl_link_list(&host, link_find_cb, &f), 0, "dump of them all");
	is_int(f.count, before + 200, "every link seen once");

	f.count = 0;
	f.stop_after = 3;
	is_int(nl_link_list(&host, link_find_cb, &f), -EINTR, "a callback error ends the list");
	is_int(f.count, 3, "and no callback after it");
	is_int(nl_link_index(&host, "vy99") > 0, 1, "the socket is usable after the abandoned dump");
}

static void test_delete(int ifindex)
{
	is_int(nl_link_delete(&host, ifindex), 0, "delete the host side");
	is_int(nl_link_index(&host, ve), -ENODEV, "gone");
	is_int(nl_link_index(&guest, "host0"), -ENODEV, "the peer went with it");
	is_int(nl_link_delete(&host, ifindex), -ENODEV, "again: -ENODEV");
}

int main(void)
{
	int r = setup(), ifindex;

	if (r)
		return r;
	test_index();
	if (test_veth() == -EOPNOTSUPP)
		return skip_all("no veth in this kernel");
	ifindex = nl_link_index(&host, ve);
	test_up_mtu(ifindex);
	test_addr(ifindex);
	test_broadcast(ifindex);
	test_route(ifindex);
	test_bridge(ifindex);
	test_rename(ifindex);
	test_netns_macvlan(ifindex);
	test_many();
	test_delete(ifindex);
	nl_close(&host);
	nl_close(&guest);
	close(guest_ns);
	return tap_done();
}

/* nspawn's side of the network: done by us because a router has neither
 * networkd nor a dnsmasq for containers. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "machbox.h"
#include "net/dhcp.h"
#include "net/nat.h"
#include "net/netlink.h"
#include "net/pool.h"
#include "nspawn/container.h"
#include "nspawn/network.h"

#define MAX_USED 256

void network_init(struct container *c, struct machine_net *n)
{
	memset(n, 0, sizeof(*n));
	n->dhcp_fd = -1;
	n->zone_lock = -1;
	if (!CFG_NETWORK)
		return;	/* the options are refused: nothing is wanted */
	n->wanted = nspawn_wants_link(c->o);
	n->routed = c->o->network_veth || c->o->network_zone;
	n->zone = c->o->network_zone != NULL;
	if (n->zone)
		snprintf(n->zone_if, sizeof(n->zone_if), "vz-%s", c->o->network_zone);
	nl_ifname_for_machine("ve-", c->machine, n->ifname);
	nl_mac_for_machine(c->machine, 0, n->host_mac);
	nl_mac_for_machine(c->machine, 1, n->guest_mac);
}

struct used_list {
	struct ipv4_net nets[MAX_USED];
	unsigned n;
};

static void used_add(struct used_list *u, const uint8_t *addr, unsigned prefix)
{
	struct ipv4_net net;

	if (u->n >= MAX_USED)
		return;
	memcpy(&net.addr, addr, 4);
	net.prefix = prefix;
	net.addr &= ipv4_prefix_mask(prefix);
	u->nets[u->n++] = net;
}

static int addr_cb(const struct nl_addr *a, void *ud)
{
	used_add(ud, a->addr, a->prefixlen);
	return 0;
}

/* a default route would overlap everything: only real subnets count */
static int route_cb(const struct nl_route *r, void *ud)
{
	if (r->dst_len > 0)
		used_add(ud, r->dst, r->dst_len);
	return 0;
}

/* under $ROOT/run/machbox/network.lock, so two machines starting at once
 * never take the same subnet */
static int lock_pool(void)
{
	char path[4096];
	int fd;

	if (root_path(path, sizeof(path), "/run/machbox") < 0 || mkdir_p(path, 0700) < 0)
		return -EIO;
	strcat(path, "/network.lock");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

static int pick_subnet(struct container *c, struct machine_net *n, struct nl *nl)
{
	struct used_list *u = calloc(1, sizeof(*u));
	int r;

	if (!u)
		return -ENOMEM;
	r = nl_addr_list(nl, AF_INET, addr_cb, u);
	if (r >= 0)
		r = nl_route_list(nl, AF_INET, route_cb, u);
	if (r >= 0)
		r = pool_pick(c->conf.pool, c->conf.n_pool, u->nets, u->n, hash32(c->machine), &n->subnet);
	free(u);
	if (r < 0)
		return r;
	n->host_ip = ipv4_net_host(&n->subnet, 1);
	n->have_subnet = true;
	return 0;
}

/* the link DHCP and NAT work on: ve-NAME, or the zone's bridge */
static const char *served_if(const struct machine_net *n)
{
	return n->zone ? n->zone_if : n->ifname;
}

/* DNS for guests: machbox.conf's DNS=, else the host's resolv.conf without
 * loopback stubs (the seed's dnsmasq case needs DNS=) */
static void guest_dns(struct container *c, struct dhcp_config *dc)
{
	char text[4096], *line, *save = NULL;
	unsigned i;

	for (i = 0; i < c->conf.n_dns; i++)
		dc->dns[dc->n_dns++] = c->conf.dns[i];
	if (dc->n_dns || read_file_at(AT_FDCWD, "/etc/resolv.conf", text, sizeof(text)) < 0)
		return;
	for (line = strtok_r(text, "\n", &save); line && dc->n_dns < 3; line = strtok_r(NULL, "\n", &save)) {
		char *addr = line + strspn(line, " \t");
		struct in_addr a;

		if (strncmp(addr, "nameserver", 10) || (addr[10] != ' ' && addr[10] != '\t'))
			continue;
		addr += 10 + strspn(addr + 10, " \t");
		addr[strcspn(addr, " \t\r")] = 0;
		if (inet_pton(AF_INET, addr, &a) != 1)
			continue;
		if ((ntohl(a.s_addr) >> 24) == 127)
			continue;
		dc->dns[dc->n_dns++] = a.s_addr;
	}
}

static int start_dhcp(struct container *c, struct machine_net *n)
{
	struct dhcp_config dc = { 0 };

	if (!CFG_DHCP_SERVER)
		return 0;
	if (!n->dhcp) {
		n->dhcp = calloc(1, sizeof(*n->dhcp));
		if (!n->dhcp)
			return -ENOMEM;
		dc.server_ip = dc.router = n->host_ip;
		dc.netmask = ipv4_prefix_mask(n->subnet.prefix);
		dc.pool_first = ipv4_net_host(&n->subnet, 2);
		dc.pool_last = ipv4_net_host(&n->subnet, (1u << (32 - n->subnet.prefix)) - 2);
		guest_dns(c, &dc);
		/* a zone's server answers every machine of the zone: no name */
		if (!n->zone)
			strlcpy_mb(dc.hostname, c->o->hostname ? c->o->hostname : c->machine,
				   sizeof(dc.hostname));
		/* the server outlives reboots of the guest: leases stay */
		dhcp_server_init(n->dhcp, &dc);
	}
	n->dhcp_fd = dhcp_socket_open(served_if(n));
	return n->dhcp_fd < 0 ? n->dhcp_fd : 0;
}

static int nat_apply(struct container *c, struct machine_net *n)
{
	struct nat_spec spec = {
		.machine = c->machine, .ifname = served_if(n), .subnet = n->subnet,
		.masquerade = c->conf.masquerade, .guest = n->guest_ip,
		.ports = c->o->ports, .n_ports = n->guest_ip && !n->zone ? c->o->n_ports : 0,
	};
	char err[256];
	int r;

	if (!CFG_NAT || (!spec.masquerade && !spec.n_ports))
		return 0;
	r = nat_setup(&spec, err, sizeof(err));
	if (r == -ENOENT) {
		if (!c->o->quiet)
			msg("warning: neither nft nor iptables is installed: %s has no NAT", n->ifname);
		return 0;
	}
	if (r < 0)
		return fail_errno(r, "cannot set up NAT for %s%s%s", n->ifname, err[0] ? ": " : "", err), r;
	n->nat_on = true;
	return 0;
}

static int address_link(struct container *c, struct machine_net *n, struct nl *nl)
{
	int lock, r;

	lock = lock_pool();
	if (lock < 0)
		return lock;
	r = n->have_subnet ? 0 : pick_subnet(c, n, nl);
	if (r == -ENOSPC)
		msg("no free subnet left in the address pool for %s", c->machine);
	if (r >= 0)
		r = nl_addr_add(nl, n->ifindex, AF_INET, &n->host_ip, n->subnet.prefix);
	close(lock);
	if (r < 0)
		return r;
	r = start_dhcp(c, n);
	if (r >= 0)
		r = nat_apply(c, n);
	return r;
}

static int join_bridge(struct container *c, struct machine_net *n, struct nl *nl)
{
	int br = nl_link_index(nl, c->o->network_bridge);

	if (br < 0) {
		msg("bridge %s does not exist", c->o->network_bridge);
		return br;
	}
	return nl_link_set_master(nl, n->ifindex, br);
}

static int run_lock_path(char *buf, size_t len, const char *name)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "/run/machbox/%s", name);
	return root_path(buf, len, rel);
}

/* The zone's DHCP server belongs to whoever holds its lock. */
static void try_zone_dhcp(struct container *c, struct machine_net *n)
{
	char path[4096], name[64];
	int fd;

	n->next_try = mono_ms() + 1000;
	if (!CFG_DHCP_SERVER || n->dhcp_fd >= 0)
		return;
	snprintf(name, sizeof(name), "zone-%s.lock", c->o->network_zone);
	if (run_lock_path(path, sizeof(path), name) < 0)
		return;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return;
	}
	n->zone_lock = fd;
	if (start_dhcp(c, n) < 0) {
		close_safe(&n->zone_lock);
		return;
	}
	n->next_try = 0;
}

static int bridge_addr_cb(const struct nl_addr *a, void *ud)
{
	struct machine_net *n = ud;

	if (a->ifindex != n->ifindex || n->have_subnet)
		return 0;
	memcpy(&n->host_ip, a->addr, 4);
	n->subnet.prefix = a->prefixlen;
	n->subnet.addr = n->host_ip & ipv4_prefix_mask(a->prefixlen);
	n->have_subnet = true;
	return 0;
}

/* vz-ZONE exists with its subnet, made by the first machine of the zone */
static int zone_bridge(struct container *c, struct machine_net *n, struct nl *nl, int *br)
{
	int keep = n->ifindex, r = 0;

	*br = nl_link_index(nl, n->zone_if);
	if (*br < 0) {
		r = nl_bridge_create(nl, n->zone_if);
		*br = r < 0 ? r : nl_link_index(nl, n->zone_if);
		if (*br < 0)
			return *br;
		r = nl_link_up(nl, *br, true);
		if (r >= 0)
			r = pick_subnet(c, n, nl);
		if (r >= 0)
			r = nl_addr_add(nl, *br, AF_INET, &n->host_ip, n->subnet.prefix);
		return r;
	}
	/* the zone's subnet is the bridge's address */
	n->ifindex = *br;
	n->have_subnet = false;
	r = nl_addr_list(nl, AF_INET, bridge_addr_cb, n);
	n->ifindex = keep;
	if (r >= 0 && !n->have_subnet)
		r = -EADDRNOTAVAIL;
	return r;
}

static int zone_link(struct container *c, struct machine_net *n, struct nl *nl)
{
	int lock, br, r;

	lock = lock_pool();
	if (lock < 0)
		return lock;
	r = zone_bridge(c, n, nl, &br);
	if (r >= 0)
		r = nl_link_set_master(nl, n->ifindex, br);
	close(lock);
	if (r < 0)
		return fail_errno(r, "cannot set up zone %s", n->zone_if), r;
	try_zone_dhcp(c, n);
	return nat_apply(c, n);
}

struct members {
	int bridge, count;
};

static int member_cb(const struct nl_link *l, void *ud)
{
	struct members *m = ud;

	if (l->master == m->bridge)
		m->count++;
	return 0;
}

void network_zone_gc(const char *zone)
{
	char ifname[16];
	struct members m = { 0, 0 };
	struct nl nl;
	int lock;

	if (!CFG_NETWORK || !zone || nl_open(&nl) < 0)
		return;
	snprintf(ifname, sizeof(ifname), "vz-%s", zone);
	lock = lock_pool();
	m.bridge = nl_link_index(&nl, ifname);
	if (m.bridge > 0 && nl_link_list(&nl, member_cb, &m) >= 0 && m.count == 0)
		nl_link_delete(&nl, m.bridge);
	if (lock >= 0)
		close(lock);
	nl_close(&nl);
}

void network_tick(struct container *c, struct machine_net *n)
{
	if (CFG_NETWORK && n->zone && n->next_try && mono_ms() >= n->next_try)
		try_zone_dhcp(c, n);
}

/* The previous run's veth goes with its namespace in the kernel's own
 * time (we do not pay the RCU wait of deleting it): a name still taken is
 * given a moment to free up.  A foreign interface stays: -EEXIST. */
static int create_veth(struct nl *nl, struct machine_net *n, int nsfd)
{
	int64_t deadline = mono_ms() + 2000;
	int r;

	for (;;) {
		r = nl_veth_create(nl, n->ifname, "host0", n->host_mac, n->guest_mac, nsfd, 0);
		if (r != -EEXIST || mono_ms() >= deadline)
			return r;
		/* a bounded wait for the kernel, as cgroup_empty() does */
		poll(NULL, 0, 10);
	}
}

static int make_link(struct container *c, struct machine_net *n, struct nl *nl, pid_t child)
{
	char path[64];
	int nsfd, r;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)child);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return -errno;
	r = create_veth(nl, n, nsfd);
	close(nsfd);
	if (r == -EEXIST)
		msg("interface %s exists already: is another machine of that name running?", n->ifname);
	if (r < 0)
		return r;
	n->ifindex = nl_link_index(nl, n->ifname);
	if (n->ifindex < 0)
		return n->ifindex;
	if (c->o->network_bridge)
		r = join_bridge(c, n, nl);
	if (r >= 0)
		r = nl_link_up(nl, n->ifindex, true);
	if (r >= 0 && n->zone)
		r = zone_link(c, n, nl);
	else if (r >= 0 && n->routed)
		r = address_link(c, n, nl);
	return r;
}

/* --network-interface= moves host interfaces in (the kernel gives
 * physical ones back when the namespace ends); --network-macvlan= makes
 * "mv-IF" over them, inside. */
static int extra_links(struct container *c, struct nl *nl, pid_t child)
{
	const struct nspawn_opts *o = c->o;
	char path[64], name[16];
	unsigned i;
	int nsfd, idx, r = 0;

	if (!o->n_interfaces && !o->n_macvlans)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)child);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return -errno;
	for (i = 0; r >= 0 && i < o->n_interfaces + o->n_macvlans; i++) {
		bool mv = i >= o->n_interfaces;
		const char *host = mv ? o->macvlans[i - o->n_interfaces] : o->interfaces[i];

		idx = nl_link_index(nl, host);
		if (idx < 0) {
			msg("no interface %s on the host", host);
			r = idx;
			break;
		}
		snprintf(name, sizeof(name), "mv-%.12s", host);
		r = mv ? nl_macvlan_create(nl, name, idx, nsfd) : nl_link_set_netns(nl, idx, nsfd);
		if (r < 0)
			fail_errno(r, "cannot give %s to the container", host);
	}
	close(nsfd);
	return r;
}

int network_link(struct container *c, struct machine_net *n, pid_t child)
{
	struct nl nl;
	int r;

	if (!CFG_NETWORK || !n->wanted)
		return 0;
	r = nl_open(&nl);
	if (r < 0)
		return r;
	r = c->o->network_veth || c->o->network_bridge || n->zone ? make_link(c, n, &nl, child) : 0;
	if (r >= 0)
		r = extra_links(c, &nl, child);
	nl_close(&nl);
	return r;
}

void network_unlink(struct machine_net *n)
{
	struct nl nl;

	/* a zone's server serves the others: it goes only at the end */
	if (!n->zone)
		close_safe(&n->dhcp_fd);
	if (!CFG_NETWORK || !n->wanted || nl_open(&nl) < 0)
		return;
	/* ours only: the index we made, still under our name (moved-in
	 * interfaces come back by themselves) */
	if (n->ifindex > 0 && nl_link_index(&nl, n->ifname) == n->ifindex)
		nl_link_delete(&nl, n->ifindex);
	n->ifindex = 0;
	nl_close(&nl);
}

static uint64_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

void network_dhcp_ready(struct container *c, struct machine_net *n)
{
	const struct dhcp_lease *l;

	if (!CFG_DHCP_SERVER || n->dhcp_fd < 0)
		return;
	dhcp_socket_serve(n->dhcp_fd, n->dhcp, now_s());
	l = dhcp_server_find(n->dhcp, n->guest_mac);
	if (l && l->addr != n->guest_ip) {
		/* port forwards follow the address the guest really has */
		n->guest_ip = l->addr;
		if (c->o->n_ports)
			nat_apply(c, n);
	}
}

void network_teardown(struct container *c, struct machine_net *n)
{
	/* At the end the veth goes with the container's namespace, in the
	 * kernel's own time: deleting it here would cost a network-wide RCU
	 * wait (40 ms).  A zone's port goes now, or the bridge would seem
	 * still in use. */
	if (n->zone)
		network_unlink(n);
	close_safe(&n->dhcp_fd);
	close_safe(&n->zone_lock);	/* another machine of the zone takes over */
	if (n->zone)
		network_zone_gc(c->o->network_zone);
	if (CFG_NAT && n->nat_on)
		nat_teardown(c->machine);
	n->nat_on = false;
	free(n->dhcp);
	n->dhcp = NULL;
}

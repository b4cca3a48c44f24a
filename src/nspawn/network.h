/* The host side of a container's link (DESIGN.md §6): ve-NAME with an
 * address from the pool, the built-in DHCP server, NAT and port forwards;
 * or a port on an existing bridge. */
#ifndef MACHBOX_NSPAWN_NETWORK_H
#define MACHBOX_NSPAWN_NETWORK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"

struct container;
struct dhcp_server;

struct machine_net {
	bool wanted;		/* veth, bridge or zone asked for */
	bool routed;		/* ours to address, serve and NAT (veth) */
	char ifname[16];	/* ve-NAME on the host */
	int ifindex;
	uint8_t host_mac[6], guest_mac[6];
	struct ipv4_net subnet;
	uint32_t host_ip;	/* network byte order */
	uint32_t guest_ip;	/* the guest's lease, 0 until it has one */
	bool have_subnet, nat_on;
	struct dhcp_server *dhcp;
	int dhcp_fd;
	/* --network-zone=: the port joins vz-ZONE, which holds the subnet;
	 * one monitor of the zone serves DHCP there (whoever holds the zone
	 * lock), the others try to take over once a second */
	bool zone;
	char zone_if[16];
	int zone_lock;
	int64_t next_try;	/* mono_ms of the next takeover try, 0: none */
};

/* Once per monitor: names and MACs. */
void network_init(struct container *c, struct machine_net *n);
/* Per boot, between clone and the child's go: the veth with its peer
 * "host0" in the child's network namespace, up, addressed, served. */
int network_link(struct container *c, struct machine_net *n, pid_t child);
/* Before a reboot: the host side goes at once (the kernel would take it
 * with the namespace, but later, and the next boot makes it anew). */
void network_unlink(struct machine_net *n);
/* The DHCP socket is readable; also follows the guest's lease with the
 * port forwards. */
void network_dhcp_ready(struct container *c, struct machine_net *n);
/* Time passed: a zone's DHCP server may have gone with its machine. */
void network_tick(struct container *c, struct machine_net *n);
/* At the end: NAT rules and the DHCP server. */
void network_teardown(struct container *c, struct machine_net *n);
/* Removes vz-ZONE when no port is left on it (also the janitor's job). */
void network_zone_gc(const char *zone);

#endif

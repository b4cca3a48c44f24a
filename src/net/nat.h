/* Masquerade and port forwards for a machine's link, in a table of our
 * own (nftables; iptables chains of our own where nft is missing).  We
 * never touch rules we did not make. */
#ifndef MACHBOX_NET_NAT_H
#define MACHBOX_NET_NAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

struct port_forward {
	int proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t host_port, guest_port;
};

/* "[tcp|udp:]HOST[:CONTAINER]" as systemd-nspawn's --port= */
int parse_port_forward(const char *s, struct port_forward *p);

struct nat_spec {
	const char *machine, *ifname;
	struct ipv4_net subnet;
	bool masquerade;
	uint32_t guest;		/* DNAT target, network byte order */
	const struct port_forward *ports;
	unsigned n_ports;
};

/* The nft script of a spec, for nat_setup and the unit tests */
int nat_nft_script(const struct nat_spec *s, char *buf, size_t len);
/* Installs (replacing an old one of the same machine); -ENOENT when
 * neither nft nor iptables is installed; err gets the tool's complaint. */
int nat_setup(const struct nat_spec *s, char *err, size_t errlen);
/* Removes what nat_setup made for MACHINE; nothing there is fine. */
int nat_teardown(const char *machine);

#endif

/* rtnetlink without libnl: a bounded message builder, a bounds-checked
 * attribute parser, one request/ack and one dump loop, and the few link,
 * address and route operations the network setup needs.  Everything returns
 * -errno and never prints.
 *
 * The builder (nlmsg_*, nla_put*, nl_veth_build) and the name/MAC helpers
 * touch no socket, so the unit tests run them without privileges. */
#ifndef MACHBOX_NET_NETLINK_H
#define MACHBOX_NET_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

/* IFNAMSIZ without <net/if.h>, which clashes with <linux/if.h> users */
#define NL_IFNAMSIZ 16
/* Largest datagram read: the kernel fills dump parts up to 32 KiB; a single
 * larger message is caught (MSG_TRUNC) and fails with -EMSGSIZE */
#define NL_RECV_SIZE 32768
/* Enough for every request this module builds */
#define NL_MSG_SIZE 1024

struct nl {
	int fd;
	uint32_t seq;
};

/* Opens a NETLINK_ROUTE socket in the caller's current network namespace;
 * the socket stays in that namespace even after a later setns(). */
int nl_open(struct nl *nl);
void nl_close(struct nl *nl);

/* --- message builder over a caller buffer --- */
#define NL_NEST_MAX 8
struct nlmsg {
	unsigned char *buf;
	size_t cap;
	int err;		/* sticky: the first failure, later puts do nothing */
	size_t nest[NL_NEST_MAX];	/* offsets of the open nests */
	int depth;
};

/* Starts a message; the length lives in the nlmsghdr at the head of buf,
 * which must be 4-byte aligned. */
void nlmsg_init(struct nlmsg *m, void *buf, size_t cap, uint16_t type, uint16_t flags);
/* Appends len zeroed bytes (a family header, or the ifinfomsg that opens a
 * VETH_INFO_PEER nest); NULL once the builder has failed. */
void *nlmsg_reserve(struct nlmsg *m, size_t len);
/* Length of the message so far (nlmsg_len), 0 after a failed init */
size_t nlmsg_len(const struct nlmsg *m);
void nla_put(struct nlmsg *m, uint16_t type, const void *data, size_t len);
void nla_put_u8(struct nlmsg *m, uint16_t type, uint8_t v);
void nla_put_u16(struct nlmsg *m, uint16_t type, uint16_t v);
void nla_put_u32(struct nlmsg *m, uint16_t type, uint32_t v);
void nla_put_str(struct nlmsg *m, uint16_t type, const char *s);	/* with its NUL */
void nla_nest_begin(struct nlmsg *m, uint16_t type);
void nla_nest_end(struct nlmsg *m);

/* Sends m with NLM_F_REQUEST|NLM_F_ACK and waits for the ack of its
 * sequence number: 0, the kernel's -errno, or m->err if the builder failed. */
int nl_request(struct nl *nl, struct nlmsg *m);
/* Sends m with NLM_F_REQUEST|NLM_F_DUMP and calls cb for each reply until
 * NLMSG_DONE.  A negative cb return stops the callbacks and becomes the
 * result; the rest of the dump is still read so the socket stays usable.
 * cb must not use the same struct nl.  After -EMSGSIZE (a reply over
 * NL_RECV_SIZE) or -EBADMSG the dump is abandoned midway: reopen. */
int nl_dump(struct nl *nl, struct nlmsg *m,
	    int (*cb)(const struct nlmsghdr *h, void *ud), void *ud);

/* --- attribute parsing --- */
/* tb[0..max] gets the last attribute of each type (flags stripped), NULL
 * for absent ones; -EINVAL if an attribute is shorter than its header or
 * runs past len. */
int nla_parse(const struct rtattr *tb[], int max, const void *attrs, size_t len);
/* Attributes after a family header of hdrlen bytes in message h */
int nlmsg_parse(const struct rtattr *tb[], int max, const struct nlmsghdr *h, size_t hdrlen);
/* Copies an attribute whose payload is exactly len bytes; -EBADMSG else */
int nla_get(const struct rtattr *a, void *dst, size_t len);

/* --- links (ifindex > 0; names of 1..15 bytes, -EINVAL otherwise) --- */
int nl_link_index(struct nl *nl, const char *name);	/* >0 or -ENODEV */
/* The veth pair in one RTM_NEWLINK: host in the caller's namespace, peer
 * created directly in the namespace of peer_netns_fd (< 0: the caller's).
 * NULL MACs and mtu 0 leave the kernel's choice.  -EEXIST if a name is
 * taken.  nl_veth_build only builds the message (for tests). */
int nl_veth_build(struct nlmsg *m, void *buf, size_t cap,
		  const char *host, const char *peer,
		  const uint8_t host_mac[6], const uint8_t peer_mac[6],
		  int peer_netns_fd, unsigned mtu);
int nl_veth_create(struct nl *nl, const char *host, const char *peer,
		   const uint8_t host_mac[6], const uint8_t peer_mac[6],
		   int peer_netns_fd, unsigned mtu);
int nl_link_up(struct nl *nl, int ifindex, bool up);
int nl_link_delete(struct nl *nl, int ifindex);
int nl_link_set_mtu(struct nl *nl, int ifindex, unsigned mtu);
int nl_link_set_master(struct nl *nl, int ifindex, int master_ifindex);	/* 0: nomaster */
int nl_link_set_netns(struct nl *nl, int ifindex, int netns_fd);
/* older kernels refuse (-EBUSY) to rename a link that is up */
int nl_link_rename(struct nl *nl, int ifindex, const char *name);
int nl_bridge_create(struct nl *nl, const char *name);
/* mode bridge, over parent_ifindex of the caller's namespace, created in
 * the namespace of netns_fd (< 0: the caller's) */
int nl_macvlan_create(struct nl *nl, const char *name, int parent_ifindex, int netns_fd);

/* --- addresses and routes (family AF_INET or AF_INET6) --- */
/* IPv4 sets IFA_LOCAL, IFA_ADDRESS and, below /31, IFA_BROADCAST */
int nl_addr_add(struct nl *nl, int ifindex, int family, const void *addr, unsigned prefixlen);
/* main table; dst NULL: the default route; gw NULL: a link route on oif */
int nl_route_add(struct nl *nl, int family, const void *dst, unsigned dst_len,
		 const void *gw, int oif);

struct nl_addr {
	int ifindex, family;
	unsigned prefixlen;
	uint8_t addr[16];
};
struct nl_route {
	int family, oif;		/* oif 0: none given (multipath) */
	unsigned dst_len;
	unsigned type;			/* RTN_UNICAST, RTN_BLACKHOLE... */
	uint8_t dst[16], gw[16];
	bool has_gw;
};
struct nl_link {
	int ifindex;
	char name[NL_IFNAMSIZ];
	char kind[16];			/* "" for links without IFLA_INFO_KIND */
	bool up;			/* IFF_UP */
	uint8_t mac[6];			/* zero if not Ethernet-sized */
	int master;			/* 0: none */
};
/* family AF_UNSPEC for both; a negative cb return stops and is returned */
int nl_addr_list(struct nl *nl, int family, int (*cb)(const struct nl_addr *, void *), void *ud);
/* main table only, cached clones skipped */
int nl_route_list(struct nl *nl, int family, int (*cb)(const struct nl_route *, void *), void *ud);
int nl_link_list(struct nl *nl, int (*cb)(const struct nl_link *, void *), void *ud);

/* --- names and MACs, as systemd-nspawn derives them --- */
/* prefix + machine ("ve-" + name); over 15 bytes, the first 11 bytes and 4
 * characters of a hash of the whole name, like systemd's net_shorten_ifname */
void nl_ifname_for_machine(const char *prefix, const char *machine, char out[NL_IFNAMSIZ]);
/* stable, locally administered, unicast; which 0: host side, 1: container */
void nl_mac_for_machine(const char *machine, int which, uint8_t mac[6]);

#endif

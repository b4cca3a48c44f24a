/* The built-in DHCP server (an RFC 2131/2132 subset, in the spirit of
 * busybox udhcpd): one per container link, driven by the nspawn monitor's
 * poll loop.  dhcp.c is pure (a packet in, at most one reply out, no
 * sockets, no clock); dhcp_sock.c moves the packets.
 *
 * Every IPv4 address in this header is in network byte order, as on the
 * wire; `now` is a monotonic count of seconds chosen by the caller. */
#ifndef MACHBOX_NET_DHCP_H
#define MACHBOX_NET_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68

/* Small pools: a /28 has 13 client addresses.  Larger pools work, with
 * at most this many clients holding or remembering an address. */
#define DHCP_MAX_LEASES 64
/* No client sends more than one datagram of this size; longer ones are
 * dropped as malformed. */
#define DHCP_MSG_MAX 4096
/* Every reply fits the 576-byte datagram each client must accept. */
#define DHCP_REPLY_MAX 548
/* An offer nobody requested holds its address this long, so a flood of
 * DISCOVERs cannot keep the pool taken. */
#define DHCP_OFFER_SECS 10
/* An address a client declined (it found it in use) rests this long. */
#define DHCP_DECLINE_SECS 600
#define DHCP_DEFAULT_LEASE_SECS 3600
#define DHCP_KEY_MAX 64

struct dhcp_config {
	uint32_t server_ip, netmask, router;	/* router 0: option 3 not sent */
	uint32_t pool_first, pool_last;		/* clamped to the server's subnet */
	uint32_t dns[3];
	unsigned n_dns;
	uint32_t lease_secs;	/* 0: DHCP_DEFAULT_LEASE_SECS */
	uint16_t mtu;		/* 0: option 26 not sent */
	char hostname[64];	/* the machine name; "" not sent */
	char domain[64];	/* "" not sent */
};

enum dhcp_lease_state {
	DHCP_LEASE_FREE,	/* slot unused */
	DHCP_LEASE_OFFERED,	/* until expires, then reusable */
	DHCP_LEASE_BOUND,	/* until expires, then reusable */
	DHCP_LEASE_RELEASED,	/* reusable; remembered for the same client */
	DHCP_LEASE_DECLINED,	/* nobody's until expires */
};

struct dhcp_lease {
	uint32_t addr;
	uint64_t expires;		/* in the caller's `now` clock */
	uint8_t state;			/* enum dhcp_lease_state */
	uint8_t mac[6];			/* chaddr of the last message */
	uint8_t key_len;
	uint8_t key[DHCP_KEY_MAX];	/* client id (61), else 0x01 + chaddr */
	char hostname[64];		/* option 12 from the client, printable */
};

struct dhcp_server {
	struct dhcp_config config;
	struct dhcp_lease leases[DHCP_MAX_LEASES];
	/* every packet is received, then replied to, dropped, or neither
	 * (RELEASE, DECLINE, a REQUEST for another server) */
	uint64_t received, replied, dropped_malformed, dropped_other, naks;
	uint64_t send_failed;		/* replies sendto() refused (dhcp_sock.c) */
};

void dhcp_server_init(struct dhcp_server *s, const struct dhcp_config *c);

/* One received UDP payload in, maybe one reply out.  Returns the reply
 * length, 0 for no reply, or <0 when the packet was dropped (and counted):
 * -EBADMSG malformed; -EPROTONOSUPPORT not a DHCP request from an Ethernet
 * client; -EXDEV relayed (giaddr set: we serve only our link); -ENOSPC no
 * free address; -EINVAL a REQUEST naming no address; -ENOBUFS reply did
 * not fit cap.  *to_addr gets the destination (port 68): 255.255.255.255
 * for a NAK, when the client has no address (ciaddr 0) or asked for
 * broadcast; ciaddr otherwise. */
ssize_t dhcp_server_handle(struct dhcp_server *s, const void *pkt, size_t len,
			   void *reply, size_t cap, uint32_t *to_addr, uint64_t now);

/* The bound lease of this MAC (check ->expires against now), or NULL;
 * for the addresses `machinectl list` shows. */
const struct dhcp_lease *dhcp_server_find(const struct dhcp_server *s, const uint8_t mac[6]);

/* --- dhcp_sock.c --- */

/* UDP 0.0.0.0:67 bound to IFNAME only (several monitors each serve their
 * own link), broadcast allowed, nonblocking, close-on-exec.  fd or -errno. */
int dhcp_socket_open(const char *ifname);

/* Reads the queued packets (at most a batch, so a flood cannot starve the
 * monitor's loop), handles them and sends the replies.  Never blocks.
 * Returns the number of packets read, or -errno for a socket failure. */
int dhcp_socket_serve(int fd, struct dhcp_server *s, uint64_t now);

#endif

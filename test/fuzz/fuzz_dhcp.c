/* libFuzzer target for the DHCP server's packet parser and lease logic.
 *
 * Each input is read two ways.  As one received payload, given to a fresh
 * server that already holds a bound lease and an outstanding offer: once,
 * again (so the second call meets the state the first left), then long
 * after every lease expired, and once with a reply buffer the input
 * sizes.  Then as a conversation: records of [length:2][seconds later:1]
 * [payload], each given to a second fresh server in turn.  After each
 * call the reply and the lease table must still make sense. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "net/dhcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IP(d) htonl(0x0a000000u | (d))

/* pool_last: IP(14) for the whole /28, IP(4) for a pool three clients
 * exhaust, so conversations reach address reuse */
static void init(struct dhcp_server *s, uint32_t pool_last)
{
	struct dhcp_config c = {
		.server_ip = IP(1), .netmask = htonl(0xfffffff0), .router = IP(1),
		.pool_first = IP(2), .pool_last = pool_last,
		.dns = { IP(1), IP(2), IP(3) }, .n_dns = 3,
		.lease_secs = 3600, .mtu = 1500,
		.hostname = "fuzz", .domain = "example.test",
	};

	dhcp_server_init(s, &c);
}

/* a DISCOVER or REQUEST from 02:00:00:00:00:N */
static size_t client_packet(uint8_t *p, uint8_t type, uint8_t n, uint32_t addr)
{
	static const uint8_t cookie[4] = { 99, 130, 83, 99 };
	size_t len = 240;

	memset(p, 0, 300);
	p[0] = 1;
	p[1] = 1;
	p[2] = 6;
	p[28] = 2;
	p[33] = n;
	memcpy(p + 236, cookie, 4);
	p[len++] = 53;
	p[len++] = 1;
	p[len++] = type;
	if (addr) {
		p[len++] = 50;
		p[len++] = 4;
		memcpy(p + len, &addr, 4);
		len += 4;
	}
	p[len++] = 255;
	return len;
}

static void prime(struct dhcp_server *s)
{
	uint8_t p[300], reply[DHCP_REPLY_MAX];
	uint32_t to, a;

	if (dhcp_server_handle(s, p, client_packet(p, 1, 1, 0), reply, sizeof(reply), &to, 0) <= 0)
		abort();
	memcpy(&a, reply + 16, 4);
	if (dhcp_server_handle(s, p, client_packet(p, 3, 1, a), reply, sizeof(reply), &to, 0) <= 0)
		abort();
	if (dhcp_server_handle(s, p, client_packet(p, 1, 2, 0), reply, sizeof(reply), &to, 0) <= 0)
		abort();
}

static void check_reply(ssize_t n, const uint8_t *reply, size_t cap, uint32_t to)
{
	static const uint8_t cookie[4] = { 99, 130, 83, 99 };

	if (n > (ssize_t)cap || n > DHCP_REPLY_MAX)
		abort();
	if (n > 0 && (n < 241 || reply[0] != 2 || memcmp(reply + 236, cookie, 4) || !to))
		abort();
}

/* every address in the pool, none twice, none the server's */
static void check_leases(const struct dhcp_server *s)
{
	unsigned i, j;

	for (i = 0; i < DHCP_MAX_LEASES; i++) {
		const struct dhcp_lease *l = &s->leases[i];

		if (l->state == DHCP_LEASE_FREE)
			continue;
		if (l->state > DHCP_LEASE_DECLINED || l->key_len > DHCP_KEY_MAX ||
		    ntohl(l->addr) < ntohl(IP(2)) || ntohl(l->addr) > ntohl(IP(14)))
			abort();
		for (j = 0; j < i; j++)
			if (s->leases[j].state != DHCP_LEASE_FREE && s->leases[j].addr == l->addr)
				abort();
	}
	if (s->replied + s->dropped_malformed + s->dropped_other > s->received)
		abort();
}

static void feed(struct dhcp_server *s, const uint8_t *data, size_t size, size_t cap, uint64_t now)
{
	uint8_t reply[DHCP_REPLY_MAX];
	uint32_t to;
	ssize_t n;

	const struct dhcp_lease *l;

	n = dhcp_server_handle(s, data, size, reply, cap, &to, now);
	check_reply(n, reply, cap, to);
	check_leases(s);
	l = size >= 34 ? dhcp_server_find(s, data + 28) : NULL;
	if (l && (l->state != DHCP_LEASE_BOUND || memcmp(l->mac, data + 28, 6)))
		abort();
}

static void conversation(struct dhcp_server *s, const uint8_t *data, size_t size)
{
	uint64_t now = 0;

	init(s, IP(4));
	while (size >= 3) {
		size_t len = (size_t)(data[0] << 8 | data[1]);

		now += data[2];
		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		feed(s, data, len, DHCP_REPLY_MAX, now);
		data += len;
		size -= len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dhcp_server s;

	init(&s, IP(14));
	prime(&s);
	feed(&s, data, size, DHCP_REPLY_MAX, 5);
	feed(&s, data, size, DHCP_REPLY_MAX, 6);
	feed(&s, data, size, DHCP_REPLY_MAX, 100000);
	feed(&s, data, size, size % (DHCP_REPLY_MAX + 1), 100001);
	conversation(&s, data, size);
	return 0;
}

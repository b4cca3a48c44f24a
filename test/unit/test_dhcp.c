/* The DHCP server's codec and lease logic, fed hand-built packets. */
#include <errno.h>
#include <stdlib.h>
#include <arpa/inet.h>

#include "machbox.h"
#include "net/dhcp.h"
#include "tap.h"

/* ---- a small packet builder (RFC 2131 figure 1 offsets) ---- */

enum { O_FLAGS = 10, O_CIADDR = 12, O_YIADDR = 16, O_GIADDR = 24, O_CHADDR = 28,
	O_SNAME = 44, O_FILE = 108, O_COOKIE = 236, O_OPTS = 240 };

struct pkt {
	uint8_t b[65536];
	size_t len;
};

static struct pkt P;
static uint8_t rep[DHCP_REPLY_MAX];
static uint32_t to;

#define IP(d) htonl(0x0a000000u | (d))		/* 10.0.0.d */
#define BCAST htonl(INADDR_BROADCAST)

static const uint8_t mac1[6] = { 0x02, 0, 0, 0, 0, 1 };
static const uint8_t mac2[6] = { 0x02, 0, 0, 0, 0, 2 };

static void put32(uint8_t *p, uint32_t raw)
{
	memcpy(p, &raw, 4);
}

static void opt(struct pkt *p, uint8_t code, const void *v, uint8_t len)
{
	p->b[p->len++] = code;
	p->b[p->len++] = len;
	memcpy(p->b + p->len, v, len);
	p->len += len;
}

static void opt32(struct pkt *p, uint8_t code, uint32_t raw)
{
	opt(p, code, &raw, 4);
}

static void end(struct pkt *p)
{
	p->b[p->len++] = 255;
}

/* header and option 53; type 0 leaves it out */
static struct pkt *start(uint8_t type, const uint8_t mac[6], uint32_t xid)
{
	memset(P.b, 0, O_OPTS + 1024);
	P.b[0] = 1;
	P.b[1] = 1;
	P.b[2] = 6;
	put32(P.b + 4, htonl(xid));
	memcpy(P.b + O_CHADDR, mac, 6);
	put32(P.b + O_COOKIE, htonl(0x63825363));
	P.len = O_OPTS;
	if (type)
		opt(&P, 53, &type, 1);
	return &P;
}

static struct pkt *discover(const uint8_t mac[6])
{
	start(1, mac, 0x1234);
	end(&P);
	return &P;
}

/* selecting: server id and requested address */
static struct pkt *request_sel(const uint8_t mac[6], uint32_t addr, uint32_t server)
{
	start(3, mac, 0x1235);
	opt32(&P, 50, addr);
	opt32(&P, 54, server);
	opt(&P, 12, "guest-1", 7);
	end(&P);
	return &P;
}

/* init-reboot: requested address, no server id */
static struct pkt *request_reboot(const uint8_t mac[6], uint32_t addr)
{
	start(3, mac, 0x1236);
	opt32(&P, 50, addr);
	end(&P);
	return &P;
}

/* renewing / rebinding: ciaddr, no server id */
static struct pkt *request_renew(const uint8_t mac[6], uint32_t ciaddr)
{
	start(3, mac, 0x1237);
	put32(P.b + O_CIADDR, ciaddr);
	end(&P);
	return &P;
}

static struct pkt *with_ciaddr(uint8_t type, const uint8_t mac[6], uint32_t ciaddr)
{
	start(type, mac, 0x1238);
	put32(P.b + O_CIADDR, ciaddr);
	opt32(&P, 54, IP(1));
	end(&P);
	return &P;
}

static struct pkt *decline(const uint8_t mac[6], uint32_t addr)
{
	start(4, mac, 0x1239);
	opt32(&P, 50, addr);
	opt32(&P, 54, IP(1));
	end(&P);
	return &P;
}

static ssize_t run(struct dhcp_server *s, const struct pkt *p, uint64_t now)
{
	memset(rep, 0xaa, sizeof(rep));
	return dhcp_server_handle(s, p->b, p->len, rep, sizeof(rep), &to, now);
}

/* ---- reading replies ---- */

static const uint8_t *ropt(ssize_t n, uint8_t code, uint8_t *len)
{
	ssize_t i = O_OPTS;

	while (i + 1 < n && rep[i] != 255) {
		if (rep[i] == 0) {
			i++;
			continue;
		}
		if (rep[i] == code) {
			*len = rep[i + 1];
			return rep + i + 2;
		}
		i += 2 + rep[i + 1];
	}
	return NULL;
}

static int rtype(ssize_t n)
{
	uint8_t len;
	const uint8_t *v = n > 0 ? ropt(n, 53, &len) : NULL;

	return v && len == 1 ? v[0] : -1;
}

static uint32_t raw32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint32_t yiaddr(void)
{
	return raw32(rep + O_YIADDR);
}

static struct dhcp_config cfg(void)
{
	struct dhcp_config c = {
		.server_ip = IP(1), .netmask = htonl(0xfffffff0), .router = IP(1),
		.pool_first = IP(2), .pool_last = IP(14),
		.dns = { IP(1), htonl(0xc0000235) }, .n_dns = 2,
		.lease_secs = 3600, .mtu = 1400,
		.hostname = "mbtest", .domain = "example.test",
	};

	return c;
}

static void init(struct dhcp_server *s)
{
	struct dhcp_config c = cfg();

	dhcp_server_init(s, &c);
}

static bool in_pool(uint32_t a)
{
	return ntohl(a) >= 0x0a000002 && ntohl(a) <= 0x0a00000e;
}

/* DISCOVER then REQUEST: the address, or 0 */
static uint32_t bind_mac(struct dhcp_server *s, const uint8_t mac[6], uint64_t now)
{
	uint32_t a;

	if (rtype(run(s, discover(mac), now)) != 2)
		return 0;
	a = yiaddr();
	return rtype(run(s, request_sel(mac, a, IP(1)), now)) == 5 ? a : 0;
}

static void mac_n(uint8_t mac[6], unsigned n)
{
	mac[0] = 0x02;
	mac[1] = 0x10;
	mac[2] = (uint8_t)(n >> 24);
	mac[3] = (uint8_t)(n >> 16);
	mac[4] = (uint8_t)(n >> 8);
	mac[5] = (uint8_t)n;
}

/* ---- the golden OFFER ---- */

static const uint8_t golden_opts[] = {
	53, 1, 2,
	54, 4, 10, 0, 0, 1,
	51, 4, 0, 0, 0x0e, 0x10,		/* 3600 */
	58, 4, 0, 0, 0x07, 0x08,		/* T1 1800 */
	59, 4, 0, 0, 0x0c, 0x4e,		/* T2 3150 */
	1, 4, 255, 255, 255, 240,
	3, 4, 10, 0, 0, 1,
	6, 8, 10, 0, 0, 1, 192, 0, 2, 53,
	12, 6, 'm', 'b', 't', 'e', 's', 't',
	15, 12, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 't', 'e', 's', 't',
	26, 2, 0x05, 0x78,			/* 1400 */
	255,
};

/* the address 02:00:00:00:00:01 hashes to (FNV-1a of 01:MAC into the pool) */
#define MAC1_ADDR IP(11)

static void test_offer(void)
{
	struct dhcp_server s;
	uint8_t want_hdr[O_OPTS] = { 2, 1, 6, 0, 0, 0, 0x12, 0x34 };
	ssize_t n;

	init(&s);
	n = run(&s, discover(mac1), 100);
	is_int(n, O_OPTS + sizeof(golden_opts), "OFFER length: header and options");
	put32(want_hdr + O_YIADDR, MAC1_ADDR);
	memcpy(want_hdr + O_CHADDR, mac1, 6);
	put32(want_hdr + O_COOKIE, htonl(0x63825363));
	ok(!memcmp(rep, want_hdr, O_OPTS), "OFFER header: op 2, htype 1, hlen 6, xid, yiaddr 10.0.0.11, chaddr, cookie");
	ok(!memcmp(rep + O_OPTS, golden_opts, sizeof(golden_opts)),
	   "OFFER options: 53 54 51 58 59 1 3 6 12 15 26 END, golden bytes");
	is_int(to, BCAST, "OFFER to a client without an address is broadcast");
	is_int(s.received, 1, "received counted");
	is_int(s.replied, 1, "replied counted");
}

static void test_ack(void)
{
	struct dhcp_server s;
	const struct dhcp_lease *l;
	uint8_t len;
	const uint8_t *v;
	ssize_t n;

	init(&s);
	run(&s, discover(mac1), 100);
	n = run(&s, request_sel(mac1, MAC1_ADDR, IP(1)), 101);
	is_int(rtype(n), 5, "REQUEST (selecting) gets an ACK");
	is_int(yiaddr(), MAC1_ADDR, "ACK yiaddr is the offered address");
	ok(!memcmp(rep + O_OPTS + 3, golden_opts + 3, sizeof(golden_opts) - 3),
	   "ACK options after 53 are the OFFER's");
	is_int(to, BCAST, "ACK to a client without an address is broadcast");
	l = dhcp_server_find(&s, mac1);
	ok(l && l->addr == MAC1_ADDR, "dhcp_server_find gives the bound address");
	ok(l && l->expires == 101 + 3600, "the lease runs lease_secs from the ACK");
	is_str(l ? l->hostname : NULL, "guest-1", "the client's host name (12) is kept");
	ok(!dhcp_server_find(&s, mac2), "an unknown MAC has no lease");

	n = run(&s, request_renew(mac1, MAC1_ADDR), 2000);
	is_int(rtype(n), 5, "renewing REQUEST (ciaddr) gets an ACK");
	is_int(to, MAC1_ADDR, "and it is unicast to ciaddr");
	is_int(raw32(rep + O_CIADDR), MAC1_ADDR, "ACK echoes ciaddr");
	v = ropt(n, 51, &len);
	ok(v && len == 4 && raw32(v) == htonl(3600), "renewed lease time 3600");
	ok((l = dhcp_server_find(&s, mac1)) && l->expires == 2000 + 3600, "renew extends the lease");

	start(3, mac1, 9);
	put32(P.b + O_CIADDR, MAC1_ADDR);
	P.b[O_FLAGS] = 0x80;
	end(&P);
	run(&s, &P, 2001);
	is_int(to, BCAST, "a client asking for broadcast gets broadcast");
}

static void test_nak(void)
{
	struct dhcp_server s;
	uint32_t a;
	uint64_t before;
	ssize_t n;

	init(&s);
	run(&s, discover(mac1), 100);
	n = run(&s, request_sel(mac1, IP(5), IP(1)), 101);
	is_int(rtype(n), 6, "REQUEST for an address we did not offer: NAK");
	is_int(n, 300, "NAK is padded to the BOOTP minimum of 300 bytes");
	ok(!memcmp(rep + O_OPTS, "\65\1\6\66\4\12\0\0\1\377", 10) && !rep[O_OPTS + 10] && !rep[299],
	   "NAK options: 53 54 END, then zeros");
	is_int(to, BCAST, "NAK is broadcast");
	is_int(yiaddr(), 0, "NAK has no yiaddr");
	ok(!ropt(n, 51, &(uint8_t){0}) && !ropt(n, 1, &(uint8_t){0}), "NAK carries no lease or network options");
	is_int(s.naks, 1, "naks counted");

	before = s.replied;
	n = run(&s, request_sel(mac1, MAC1_ADDR, IP(99)), 102);
	is_int(n, 0, "REQUEST naming another server: no reply");
	is_int(s.replied, before, "nothing sent");
	ok(!dhcp_server_find(&s, mac1), "and no lease bound");

	n = run(&s, request_reboot(mac2, htonl(0xc0a80505)), 103);
	is_int(rtype(n), 6, "init-reboot for another subnet: NAK");
	n = run(&s, request_reboot(mac2, IP(1)), 103);
	is_int(rtype(n), 6, "init-reboot for the server's address: NAK");

	a = bind_mac(&s, mac1, 104);
	n = run(&s, request_reboot(mac2, a), 105);
	is_int(rtype(n), 6, "init-reboot for another client's address: NAK");
	n = run(&s, request_renew(mac2, a), 105);
	is_int(rtype(n), 6, "renewing another client's address: NAK");
	is_int(to, BCAST, "a NAK is broadcast even when ciaddr is set");
	n = run(&s, request_reboot(mac1, htonl(ntohl(a) == 0x0a000002 ? 0x0a000003 : 0x0a000002)), 106);
	is_int(rtype(n), 6, "init-reboot for an address other than the client's bound one: NAK");
	is_int(s.naks, 6, "six NAKs counted");
}

static void test_stable(void)
{
	struct dhcp_server s;
	uint32_t a1, a2;

	init(&s);
	a1 = bind_mac(&s, mac1, 10);
	is_int(a1, MAC1_ADDR, "mac1 binds its hashed address");
	run(&s, discover(mac1), 11);
	is_int(yiaddr(), a1, "a bound client DISCOVERing again is offered the same address");
	a2 = bind_mac(&s, mac2, 12);
	ok(a2 && a2 != a1 && in_pool(a2), "another MAC gets another address");
	ok(!run(&s, with_ciaddr(7, mac1, a1), 13), "RELEASE: no reply");
	ok(!dhcp_server_find(&s, mac1), "RELEASE frees the lease");
	is_int(bind_mac(&s, mac1, 14), a1, "after RELEASE the client gets its address back");

	init(&s);
	is_int(bind_mac(&s, mac1, 0), a1, "a restarted server gives mac1 the same address");
	init(&s);
	is_int(rtype(run(&s, request_reboot(mac2, a2), 0)), 5,
	       "init-reboot to a restarted server: its free address is ACKed");
	is_int(yiaddr(), a2, "the one it asked for");
	init(&s);
	is_int(rtype(run(&s, request_renew(mac2, a2), 0)), 5,
	       "renewing with a restarted server: ACK");
	init(&s);
	start(1, mac2, 1);
	opt32(&P, 50, IP(7));
	end(&P);
	run(&s, &P, 0);
	is_int(yiaddr(), IP(7), "DISCOVER asking for a free address gets it");
}

static void test_client_id(void)
{
	struct dhcp_server s;
	static const uint8_t id[] = { 0xff, 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t id_mac1[] = { 1, 2, 0, 0, 0, 0, 1 };
	uint8_t long_id[200];
	uint32_t a;

	init(&s);
	start(1, mac1, 1);
	opt(&P, 61, id, sizeof(id));
	end(&P);
	run(&s, &P, 0);
	a = yiaddr();
	start(1, mac2, 2);
	opt(&P, 61, id, sizeof(id));
	end(&P);
	run(&s, &P, 0);
	is_int(yiaddr(), a, "the client id (61), not chaddr, keys the lease");
	run(&s, discover(mac1), 0);
	ok(yiaddr() != a, "the same chaddr without the id is another client");

	init(&s);
	a = bind_mac(&s, mac1, 0);
	start(1, mac1, 3);
	opt(&P, 61, id_mac1, sizeof(id_mac1));
	end(&P);
	run(&s, &P, 1);
	is_int(yiaddr(), a, "61 = 01:MAC is the same client as chaddr MAC");

	memset(long_id, 7, sizeof(long_id));
	start(1, mac1, 4);
	opt(&P, 61, long_id, sizeof(long_id));
	end(&P);
	a = (run(&s, &P, 1), yiaddr());
	long_id[199] = 8;
	start(1, mac1, 5);
	opt(&P, 61, long_id, sizeof(long_id));
	end(&P);
	run(&s, &P, 1);
	ok(a && yiaddr() && yiaddr() != a, "200-byte ids differing in the last byte are two clients");
}

static void test_inform(void)
{
	struct dhcp_server s;
	uint8_t len;
	const uint8_t *v;
	ssize_t n;

	init(&s);
	n = run(&s, with_ciaddr(8, mac1, IP(9)), 0);
	is_int(rtype(n), 5, "INFORM gets an ACK");
	is_int(yiaddr(), 0, "without yiaddr");
	is_int(raw32(rep + O_CIADDR), IP(9), "ciaddr echoed");
	is_int(to, IP(9), "unicast to ciaddr");
	ok(!ropt(n, 51, &len) && !ropt(n, 58, &len) && !ropt(n, 59, &len), "no lease times");
	v = ropt(n, 6, &len);
	ok(v && len == 8 && raw32(v + 4) == htonl(0xc0000235), "DNS servers");
	v = ropt(n, 12, &len);
	ok(v && len == 6 && !memcmp(v, "mbtest", 6), "host name");
	ok(!dhcp_server_find(&s, mac1), "INFORM binds nothing");
}

static void test_decline(void)
{
	struct dhcp_server s;
	uint8_t mac[6];
	uint32_t a, b;
	unsigned i;
	bool seen = false;

	init(&s);
	a = bind_mac(&s, mac1, 0);
	is_int(run(&s, decline(mac1, a), 1), 0, "DECLINE: no reply");
	b = bind_mac(&s, mac1, 2);
	ok(b && b != a, "the declining client gets another address");
	for (i = 0; i < 11; i++) {
		mac_n(mac, i);
		b = bind_mac(&s, mac, 3);
		seen = seen || b == a || !b;
	}
	ok(!seen, "11 more clients bind, none to the declined address");
	mac_n(mac, 100);
	is_int(run(&s, discover(mac), 4), -ENOSPC, "the declined address is not offered");
	is_int(bind_mac(&s, mac, 2 + DHCP_DECLINE_SECS), a, "after its rest it is offered again");
}

static void test_exhaustion(void)
{
	struct dhcp_server s;
	uint8_t mac[6];
	uint32_t a[13];
	unsigned i, j, distinct = 0;
	uint64_t other;

	init(&s);
	for (i = 0; i < 13; i++) {
		mac_n(mac, i);
		a[i] = bind_mac(&s, mac, 0);
		for (j = 0; j < i && a[i] && in_pool(a[i]) && a[i] != a[j]; j++)
			;
		distinct += j == i && a[i] && in_pool(a[i]);
	}
	is_int(distinct, 13, "a /28 pool serves 13 clients with 13 distinct addresses");
	mac_n(mac, 13);
	other = s.dropped_other;
	is_int(run(&s, discover(mac), 10), -ENOSPC, "the 14th finds the pool exhausted");
	is_int(s.dropped_other, other + 1, "counted as dropped_other");
	mac_n(mac, 0);
	is_int(rtype(run(&s, discover(mac), 10)), 2, "a bound client is still offered its address");
	mac_n(mac, 13);
	ok(in_pool(bind_mac(&s, mac, 3601)), "once the leases expire the 14th gets one");
}

/* An offer nobody requested holds its address DHCP_OFFER_SECS only. */
static void test_offer_expiry(void)
{
	struct dhcp_server s;
	uint8_t mac[6];
	uint32_t x;
	unsigned i;

	init(&s);
	run(&s, discover(mac1), 0);
	x = yiaddr();
	for (i = 0; i < 12; i++) {
		mac_n(mac, i);
		bind_mac(&s, mac, 0);
	}
	is_int(run(&s, discover(mac2), 5), -ENOSPC, "an outstanding offer holds its address");
	run(&s, discover(mac2), DHCP_OFFER_SECS + 1);
	is_int(yiaddr(), x, "after DHCP_OFFER_SECS it goes to the next client");
	is_int(rtype(run(&s, request_sel(mac1, x, IP(1)), DHCP_OFFER_SECS + 2)), 6,
	       "and the first client's late REQUEST is NAKed");
}

static uint32_t lcg(uint32_t *st)
{
	*st = *st * 1103515245u + 12345u;
	return *st >> 8;
}

static void test_flood(void)
{
	struct dhcp_server s;
	uint8_t mac[6];
	uint32_t a, st = 1;
	unsigned i, stolen = 0, offers = 0;

	init(&s);
	a = bind_mac(&s, mac1, 0);
	for (i = 0; i < 1000; i++) {
		uint32_t v = lcg(&st), w = lcg(&st);

		mac[0] = (uint8_t)(v & 0xfe);
		memcpy(mac + 1, &v, 2);
		memcpy(mac + 3, &w, 3);
		if (rtype(run(&s, discover(mac), i / 10)) == 2) {
			offers++;
			stolen += yiaddr() == a;
		}
	}
	ok(offers >= 12 * 10, "the flood was offered the free addresses (%u offers)", offers);
	is_int(stolen, 0, "no flood DISCOVER was offered the bound address");
	is_int(rtype(run(&s, discover(mac1), 100)), 2, "the bound MAC still gets an OFFER");
	is_int(yiaddr(), a, "of its own address");
	is_int(rtype(run(&s, request_renew(mac1, a), 100)), 5, "and its renewal is ACKed");
}

/* ---- malformed packets: each dropped and counted, nothing else ---- */

static void expect_malformed(struct dhcp_server *s, const void *pkt, size_t len, const char *what)
{
	uint64_t m = s->dropped_malformed, r = s->replied;
	ssize_t n = dhcp_server_handle(s, pkt, len, rep, sizeof(rep), &to, 0);

	ok(n == -EBADMSG && s->dropped_malformed == m + 1 && s->replied == r && !to,
	   "malformed: %s", what);
}

static void test_malformed(void)
{
	struct dhcp_server s;
	static uint8_t big[65536];
	uint8_t one = 1;

	init(&s);
	expect_malformed(&s, P.b, 0, "empty");
	discover(mac1);
	expect_malformed(&s, P.b, 100, "short (100 bytes)");
	expect_malformed(&s, P.b, 239, "short (cookie cut)");
	expect_malformed(&s, P.b, 240, "no options at all");
	P.b[O_COOKIE + 3] = 0x62;
	expect_malformed(&s, P.b, P.len, "bad magic cookie");

	start(1, mac1, 1);
	P.b[P.len++] = 12;
	P.b[P.len++] = 200;
	memcpy(P.b + P.len, "abcde", 5);
	expect_malformed(&s, P.b, P.len + 5, "option length past the end");
	start(1, mac1, 1);
	P.b[P.len++] = 12;
	expect_malformed(&s, P.b, P.len, "option length byte missing");
	start(1, mac1, 1);
	opt(&P, 12, "abc", 3);
	expect_malformed(&s, P.b, P.len, "missing END");
	start(1, mac1, 1);
	memset(P.b + P.len, 0, 20);
	expect_malformed(&s, P.b, P.len + 20, "missing END, only padding");

	start(1, mac1, 1);
	opt(&P, 53, &one, 1);
	end(&P);
	expect_malformed(&s, P.b, P.len, "message type twice");
	start(0, mac1, 1);
	opt(&P, 53, "\1\1", 2);
	end(&P);
	expect_malformed(&s, P.b, P.len, "message type of length 2");
	start(1, mac1, 1);
	opt(&P, 50, "\12\0\0", 3);
	end(&P);
	expect_malformed(&s, P.b, P.len, "requested address of length 3");
	start(1, mac1, 1);
	opt(&P, 57, "\2", 1);
	end(&P);
	expect_malformed(&s, P.b, P.len, "max message size of length 1");
	start(1, mac1, 1);
	opt(&P, 61, "\1", 1);
	end(&P);
	expect_malformed(&s, P.b, P.len, "client id of length 1");

	start(1, mac1, 1);
	opt(&P, 52, "\1", 1);
	end(&P);
	P.b[O_FILE] = 52;
	P.b[O_FILE + 1] = 1;
	P.b[O_FILE + 2] = 1;
	P.b[O_FILE + 3] = 255;
	expect_malformed(&s, P.b, P.len, "overload loop (52 inside file)");
	start(1, mac1, 1);
	opt(&P, 52, "\4", 1);
	end(&P);
	expect_malformed(&s, P.b, P.len, "overload value 4");
	start(1, mac1, 1);
	opt(&P, 52, "\2", 1);
	end(&P);
	memset(P.b + O_SNAME, 0, 64);
	expect_malformed(&s, P.b, P.len, "overloaded sname without END");
	start(1, mac1, 1);
	opt(&P, 52, "\1", 1);
	end(&P);
	P.b[O_FILE + 126] = 12;
	P.b[O_FILE + 127] = 10;
	expect_malformed(&s, P.b, P.len, "overloaded file option running into sname");

	memcpy(big, discover(mac1)->b, P.len);
	expect_malformed(&s, big, sizeof(big), "64 KiB input");
	expect_malformed(&s, big, DHCP_MSG_MAX + 1, "one byte over DHCP_MSG_MAX");
	is_int(s.dropped_other + s.replied, 0, "nothing else counted");
	is_int(s.received, 20, "every packet received");
}

static void test_overload(void)
{
	struct dhcp_server s;
	static const uint8_t id[] = { 0xff, 9, 9, 9 };
	uint32_t a;
	uint8_t x;

	init(&s);
	start(0, mac1, 7);
	opt(&P, 52, "\3", 1);
	end(&P);
	memcpy(P.b + O_FILE, "\65\1\1\377", 4);		/* 53 = DISCOVER, END */
	memcpy(P.b + O_SNAME, "\75\4\377\11\11\11\377", 7);	/* 61, END */
	is_int(rtype(run(&s, &P, 0)), 2, "DISCOVER with its type in the overloaded file field");
	a = yiaddr();
	start(1, mac2, 8);
	opt(&P, 61, id, sizeof(id));
	end(&P);
	run(&s, &P, 0);
	is_int(yiaddr(), a, "the client id read from the overloaded sname field keyed the lease");
	ok(!ropt(300, 52, &x), "replies never use overload");
}

static void test_other_drops(void)
{
	struct dhcp_server s;
	uint8_t small[100];

	init(&s);
	discover(mac1);
	P.b[0] = 2;
	is_int(run(&s, &P, 0), -EPROTONOSUPPORT, "BOOTREPLY from a client: dropped");
	discover(mac1);
	P.b[1] = 6;
	is_int(run(&s, &P, 0), -EPROTONOSUPPORT, "htype 6: dropped");
	discover(mac1);
	P.b[2] = 8;
	is_int(run(&s, &P, 0), -EPROTONOSUPPORT, "hlen 8: dropped");
	start(0, mac1, 1);
	end(&P);
	is_int(run(&s, &P, 0), -EPROTONOSUPPORT, "plain BOOTP (no 53): dropped");
	start(2, mac1, 1);
	end(&P);
	is_int(run(&s, &P, 0), -EPROTONOSUPPORT, "an OFFER sent to the server: dropped");
	discover(mac1);
	put32(P.b + O_GIADDR, htonl(0xc0a80101));
	is_int(run(&s, &P, 0), -EXDEV, "relayed (giaddr): dropped, we serve our link only");
	start(3, mac1, 1);
	end(&P);
	is_int(run(&s, &P, 0), -EINVAL, "REQUEST naming no address: dropped");
	is_int(dhcp_server_handle(&s, discover(mac1)->b, P.len, small, sizeof(small), &to, 0),
	       -ENOBUFS, "a reply over cap: dropped");
	is_int(s.dropped_other, 8, "all counted as dropped_other");
	is_int(s.dropped_malformed + s.replied, 0, "and nothing else");
}

static void test_max_size(void)
{
	struct dhcp_server s;
	static uint8_t huge[2000];
	ssize_t n;

	init(&s);
	start(1, mac1, 1);
	opt(&P, 57, "\1\0", 2);			/* 256: under the floor of 576 */
	end(&P);
	n = dhcp_server_handle(&s, P.b, P.len, huge, sizeof(huge), &to, 0);
	ok(n > 0 && n <= 576 - 28, "max size under 576 is taken as 576 (reply %zd bytes)", n);
	start(1, mac1, 1);
	opt(&P, 57, "\5\334", 2);		/* 1500 */
	end(&P);
	n = dhcp_server_handle(&s, P.b, P.len, huge, sizeof(huge), &to, 0);
	is_int(n, O_OPTS + sizeof(golden_opts), "a larger max size changes nothing");
}

static void test_config(void)
{
	struct dhcp_server s;
	struct dhcp_config c = cfg();
	uint8_t mac[6];
	unsigned i;
	bool ok_all = true;

	c.pool_first = htonl(0x0a000000);
	c.pool_last = htonl(0x0a0000ff);
	c.router = 0;
	c.n_dns = 0;
	c.mtu = 0;
	c.domain[0] = 0;
	c.lease_secs = 0;
	dhcp_server_init(&s, &c);
	for (i = 0; i < 13; i++) {
		mac_n(mac, i);
		ok_all = ok_all && in_pool(bind_mac(&s, mac, 0));
	}
	ok(ok_all, "a pool past the subnet is clamped: never .0, .1 (server) or .15");
	mac_n(mac, 13);
	is_int(run(&s, discover(mac), 0), -ENOSPC, "13 addresses, not more");
	mac_n(mac, 0);
	run(&s, discover(mac), 0);
	ok(!ropt(300, 3, &(uint8_t){0}) && !ropt(300, 6, &(uint8_t){0}) && !ropt(300, 26, &(uint8_t){0}) &&
	   !ropt(300, 15, &(uint8_t){0}), "no router, DNS, MTU or domain when not configured");
	is_int(raw32(ropt(300, 51, &(uint8_t){0})), htonl(DHCP_DEFAULT_LEASE_SECS), "default lease time");

	c = cfg();
	c.netmask = htonl(0xffffffff);
	dhcp_server_init(&s, &c);
	is_int(run(&s, discover(mac1), 0), -ENOSPC, "a /32 has no pool");
}

/* A pool larger than the table: the table, not the pool, is the limit. */
static void test_big_pool(void)
{
	struct dhcp_server s;
	struct dhcp_config c = cfg();
	uint8_t mac[6];
	unsigned i, bound = 0;
	uint32_t a;

	c.netmask = htonl(0xffffff00);
	c.pool_last = htonl(0x0a0000fe);
	dhcp_server_init(&s, &c);
	for (i = 0; i < DHCP_MAX_LEASES; i++) {
		mac_n(mac, i);
		bound += ntohl(bind_mac(&s, mac, 0)) >= 0x0a000002;
	}
	is_int(bound, DHCP_MAX_LEASES, "a /24 pool binds DHCP_MAX_LEASES clients");
	mac_n(mac, DHCP_MAX_LEASES);
	is_int(run(&s, discover(mac), 1), -ENOSPC, "one more finds the lease table full");
	a = bind_mac(&s, mac, 3601);
	ok(ntohl(a) >= 0x0a000002 && ntohl(a) <= 0x0a0000fe, "after expiry it takes over a slot");
}

int main(void)
{
	test_offer();
	test_ack();
	test_nak();
	test_stable();
	test_client_id();
	test_inform();
	test_decline();
	test_exhaustion();
	test_offer_expiry();
	test_flood();
	test_malformed();
	test_overload();
	test_other_drops();
	test_max_size();
	test_config();
	test_big_pool();
	return tap_done();
}

/* The netlink builder, parser and name helpers: no socket, no privileges.
 * Buffers are malloc'd at their exact size so that ASan catches any byte
 * written or read past them. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_link.h>
#include <linux/veth.h>

#include "machbox.h"
#include "net/netlink.h"
#include "tap.h"

/* Netlink is in host byte order: the expected bytes are spelled the same */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define U16(v) ((v) & 0xff), (((v) >> 8) & 0xff)
#define U32(v) U16((v) & 0xffff), U16(((v) >> 16) & 0xffff)
#else
#define U16(v) (((v) >> 8) & 0xff), ((v) & 0xff)
#define U32(v) U16(((v) >> 16) & 0xffff), U16((v) & 0xffff)
#endif

/* The numbers written by hand below, checked against the kernel headers */
_Static_assert(RTM_NEWLINK == 16, "RTM_NEWLINK");
_Static_assert((NLM_F_CREATE | NLM_F_EXCL) == 0x600, "NLM_F_CREATE|NLM_F_EXCL");
_Static_assert(IFLA_ADDRESS == 1 && IFLA_IFNAME == 3 && IFLA_MTU == 4, "IFLA_*");
_Static_assert(IFLA_LINKINFO == 18 && IFLA_NET_NS_FD == 28, "IFLA_*");
_Static_assert(IFLA_INFO_KIND == 1 && IFLA_INFO_DATA == 2 && VETH_INFO_PEER == 1, "nested");
_Static_assert(sizeof(struct nlmsghdr) == 16 && sizeof(struct ifinfomsg) == 16, "sizes");

static const uint8_t host_mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t peer_mac[6] = { 0x02, 0x66, 0x77, 0x88, 0x99, 0xaa };

/* nl_veth_build("ve-tw", "host0", the MACs above, netns fd 7, MTU 1500).
 * An attribute is rta_len (header + payload, unpadded), rta_type, the
 * payload, then zeros up to a multiple of 4.  A nest's rta_len covers all
 * it holds.  Offsets on the left. */
static const uint8_t veth_golden[] __attribute__((aligned(4))) = {
	/*   0 nlmsghdr: len 144, RTM_NEWLINK, CREATE|EXCL, seq 0, pid 0
	 *     (nl_request adds REQUEST|ACK and the sequence number) */
	U32(144), U16(16), U16(0x600), U32(0), U32(0),
	/*  16 ifinfomsg: family, pad, type, index, flags, change: all 0 */
	0, 0, U16(0), U32(0), U32(0), U32(0),
	/*  32 IFLA_IFNAME "ve-tw\0": 4 + 6 = 10, 2 bytes padding */
	U16(10), U16(3), 'v', 'e', '-', 't', 'w', 0, 0, 0,
	/*  44 IFLA_ADDRESS: 4 + 6 = 10, 2 bytes padding */
	U16(10), U16(1), 0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0,
	/*  56 IFLA_MTU u32 */
	U16(8), U16(4), U32(1500),
	/*  64 IFLA_LINKINFO, 144 - 64 = 80 bytes */
	U16(80), U16(18),
	/*  68   IFLA_INFO_KIND "veth\0": 4 + 5 = 9, 3 bytes padding */
	U16(9), U16(1), 'v', 'e', 't', 'h', 0, 0, 0, 0,
	/*  80   IFLA_INFO_DATA, 144 - 80 = 64 bytes */
	U16(64), U16(2),
	/*  84     VETH_INFO_PEER, 144 - 84 = 60 bytes: ifinfomsg + attributes */
	U16(60), U16(1),
	/*  88     ifinfomsg of the peer: all 0 */
	0, 0, U16(0), U32(0), U32(0), U32(0),
	/* 104     IFLA_IFNAME "host0\0" */
	U16(10), U16(3), 'h', 'o', 's', 't', '0', 0, 0, 0,
	/* 116     IFLA_ADDRESS */
	U16(10), U16(1), 0x02, 0x66, 0x77, 0x88, 0x99, 0xaa, 0, 0,
	/* 128     IFLA_MTU */
	U16(8), U16(4), U32(1500),
	/* 136     IFLA_NET_NS_FD: the peer is created in that namespace */
	U16(8), U16(28), U32(7),
	/* 144 end */
};

static void *xmalloc_exact(size_t n)
{
	void *p = malloc(n);

	if (!p)
		abort();
	memset(p, 0xa5, n);	/* stale bytes the builder must not send */
	return p;
}

static void test_veth_golden(void)
{
	size_t cap = sizeof(veth_golden);
	void *buf = xmalloc_exact(cap);
	struct nlmsg m;
	size_t i;
	int r;

	/* a buffer of exactly the message's size: the build fits to the byte */
	r = nl_veth_build(&m, buf, cap, "ve-tw", "host0", host_mac, peer_mac, 7, 1500);
	is_int(r, 0, "veth message builds into a buffer of its exact size");
	is_int(nlmsg_len(&m), sizeof(veth_golden), "veth message is 144 bytes");
	for (i = 0; i < sizeof(veth_golden); i++)
		if (((uint8_t *)buf)[i] != veth_golden[i])
			break;
	if (!ok(i == sizeof(veth_golden), "veth message matches the golden bytes"))
		printf("#   first difference at offset %zu: got 0x%02x, want 0x%02x\n",
		       i, ((uint8_t *)buf)[i], veth_golden[i]);
	free(buf);

	buf = xmalloc_exact(cap - 1);
	r = nl_veth_build(&m, buf, cap - 1, "ve-tw", "host0", host_mac, peer_mac, 7, 1500);
	is_int(r, -EMSGSIZE, "one byte less: -EMSGSIZE");
	free(buf);
}

static void test_veth_names(void)
{
	uint32_t buf[NL_MSG_SIZE / 4];
	struct nlmsg m;

	is_int(nl_veth_build(&m, buf, sizeof(buf), "", "host0", NULL, NULL, -1, 0),
	       -EINVAL, "empty host name");
	is_int(nl_veth_build(&m, buf, sizeof(buf), "ve-0123456789abc", "host0", NULL, NULL, -1, 0),
	       -EINVAL, "16-byte host name");
	is_int(nl_veth_build(&m, buf, sizeof(buf), "ve-0123456789ab", "host0", NULL, NULL, -1, 0),
	       0, "15-byte host name");
	/* no MAC, MTU or namespace: 32 + 12 (name) + 4 + 12 (kind) + 4 + 4 + 16 + 12 */
	is_int(nl_veth_build(&m, buf, sizeof(buf), "ve-x", "host0", NULL, NULL, -1, 0),
	       0, "veth without MAC, MTU, namespace");
	is_int(nlmsg_len(&m), 96, "only the names are sent");
}

/* The golden message read back through the parser, down to the peer */
static void test_parse_golden(void)
{
	const struct nlmsghdr *h = (const void *)veth_golden;
	const struct rtattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1];
	const struct rtattr *data[VETH_INFO_MAX + 1], *peer[IFLA_MAX + 1];
	const struct rtattr *p;
	uint32_t v = 0;
	uint8_t mac[6];

	is_int(nlmsg_parse(tb, IFLA_MAX, h, sizeof(struct ifinfomsg)), 0, "parse golden");
	is_str(RTA_DATA(tb[IFLA_IFNAME]), "ve-tw", "IFLA_IFNAME");
	ok(!nla_get(tb[IFLA_MTU], &v, 4) && v == 1500, "IFLA_MTU");
	is_int(nla_get(tb[IFLA_MTU], mac, 6), -EBADMSG, "a u32 is not 6 bytes");
	is_int(nla_get(tb[IFLA_MASTER], &v, 4), -ENODATA, "absent attribute");
	ok(tb[IFLA_LINKINFO] && !nla_parse(li, IFLA_INFO_MAX, RTA_DATA(tb[IFLA_LINKINFO]),
					   RTA_PAYLOAD(tb[IFLA_LINKINFO])), "parse IFLA_LINKINFO");
	is_str(RTA_DATA(li[IFLA_INFO_KIND]), "veth", "IFLA_INFO_KIND");
	ok(!nla_parse(data, VETH_INFO_MAX, RTA_DATA(li[IFLA_INFO_DATA]),
		      RTA_PAYLOAD(li[IFLA_INFO_DATA])), "parse IFLA_INFO_DATA");
	p = data[VETH_INFO_PEER];
	ok(p && !nla_parse(peer, IFLA_MAX, (const char *)RTA_DATA(p) + sizeof(struct ifinfomsg),
			   RTA_PAYLOAD(p) - sizeof(struct ifinfomsg)), "parse the peer");
	is_str(RTA_DATA(peer[IFLA_IFNAME]), "host0", "peer IFLA_IFNAME");
	ok(!nla_get(peer[IFLA_ADDRESS], mac, 6) && !memcmp(mac, peer_mac, 6), "peer MAC");
	ok(!nla_get(peer[IFLA_NET_NS_FD], &v, 4) && v == 7, "peer IFLA_NET_NS_FD");
}

static void test_nesting(void)
{
	uint32_t buf[64];
	struct nlmsg m;
	const struct rtattr *outer, *inner;
	int i;

	nlmsg_init(&m, buf, sizeof(buf), 100, 0);
	nla_nest_begin(&m, 1);
	nla_put_u8(&m, 2, 0x7f);
	nla_nest_begin(&m, 3);
	nla_put_u16(&m, 4, 0xbeef);
	nla_nest_end(&m);
	nla_nest_end(&m);
	is_int(m.err, 0, "two nests");
	is_int(nlmsg_len(&m), 16 + 4 + 8 + 4 + 8, "u8 and u16 each padded to 8");
	outer = (const void *)((char *)buf + 16);
	inner = (const void *)((char *)buf + 28);
	is_int(outer->rta_len, 24, "outer nest length covers both");
	is_int(inner->rta_len, 12, "inner nest length");
	is_int(((struct rtattr *)(void *)((char *)buf + 20))->rta_len, 5, "u8 rta_len unpadded");
	is_int(((uint8_t *)buf)[25], 0, "padding is zeroed");

	nlmsg_init(&m, buf, sizeof(buf), 100, 0);
	nla_nest_end(&m);
	is_int(m.err, -EINVAL, "end without begin");
	nla_put_u32(&m, 1, 1);
	is_int(nlmsg_len(&m), 16, "sticky: later puts do nothing");

	nlmsg_init(&m, buf, sizeof(buf), 100, 0);
	for (i = 0; i <= NL_NEST_MAX; i++)
		nla_nest_begin(&m, 1);
	is_int(m.err, -E2BIG, "nesting deeper than NL_NEST_MAX");
}

/* A message that is not sent must not reach the socket: fd -1 proves it */
static void test_request_refuses(void)
{
	struct nl nl = { .fd = -1 };
	uint32_t buf[16];
	struct nlmsg m;

	nlmsg_init(&m, buf, sizeof(buf), RTM_NEWLINK, 0);
	nla_nest_begin(&m, IFLA_LINKINFO);
	is_int(nl_request(&nl, &m), -EINVAL, "an open nest is refused before sending");
	nla_put(&m, 1, buf, sizeof(buf));
	is_int(nl_request(&nl, &m), -EMSGSIZE, "an overflowed message returns m->err");
	is_int(nl_dump(&nl, &m, NULL, NULL), -EMSGSIZE, "so does a dump");
	is_int(nl.seq, 0, "no sequence number used");
}

static void test_overflow(void)
{
	const size_t cap = 40;
	unsigned char *buf = xmalloc_exact(cap);
	static const char big[33000];
	struct nlmsg m;
	size_t len;

	nlmsg_init(&m, buf, cap, 100, 0);
	nla_put_u32(&m, 1, 1);		/* 24 */
	nla_put(&m, 2, big, 12);	/* 40: exactly full */
	is_int(m.err, 0, "a put that fills the buffer exactly");
	is_int(nlmsg_len(&m), 40, "full");
	nla_put_u8(&m, 3, 1);
	is_int(m.err, -EMSGSIZE, "one more attribute: -EMSGSIZE");
	is_int(nlmsg_len(&m), 40, "length unchanged");

	nlmsg_init(&m, buf, cap, 100, 0);
	nla_put(&m, 1, big, 21);	/* 4 + 21 = 25, padded 28: 44 > 40 */
	is_int(m.err, -EMSGSIZE, "the padding counts too");
	len = nlmsg_len(&m);
	nla_put_u8(&m, 2, 1);
	ok(len == 16 && nlmsg_len(&m) == 16, "sticky after overflow");
	ok(nlmsg_reserve(&m, 0) == NULL, "reserve after overflow is NULL");
	nla_nest_begin(&m, 3);
	nla_nest_end(&m);
	is_int(m.err, -EMSGSIZE, "first error kept");

	nlmsg_init(&m, buf, cap, 100, 0);
	ok(nlmsg_reserve(&m, SIZE_MAX) == NULL && m.err == -EMSGSIZE, "SIZE_MAX does not wrap");
	nlmsg_init(&m, buf, cap, 100, 0);
	ok(nlmsg_reserve(&m, SIZE_MAX - 2) == NULL && m.err == -EMSGSIZE, "nor SIZE_MAX - 2");
	free(buf);

	buf = xmalloc_exact(8);
	nlmsg_init(&m, buf, 8, 100, 0);
	is_int(m.err, -EMSGSIZE, "a buffer smaller than nlmsghdr");
	is_int(nlmsg_len(&m), 0, "and no length");
	nla_put_u32(&m, 1, 1);
	free(buf);

	buf = xmalloc_exact(70000);
	nlmsg_init(&m, buf, 70000, 100, 0);
	nla_put(&m, 1, big, 65532);
	is_int(m.err, -EMSGSIZE, "an attribute longer than rta_len can say");
	nlmsg_init(&m, buf, 70000, 100, 0);
	nla_nest_begin(&m, 1);
	nla_put(&m, 2, big, sizeof(big));
	nla_put(&m, 2, big, sizeof(big));
	is_int(m.err, 0, "66 KB in a 70 KB buffer");
	nla_nest_end(&m);
	is_int(m.err, -EMSGSIZE, "a nest longer than rta_len can say");
	free(buf);
}

/* nla_parse over a copy of bytes at its exact size */
static int parse_bytes(const uint8_t *bytes, size_t len, const struct rtattr *tb[], int max)
{
	void *p = xmalloc_exact(len ? len : 1);
	int r;

	if (len)
		memcpy(p, bytes, len);
	r = nla_parse(tb, max, p, len);
	free(p);
	return r;
}

static void test_parse_malformed(void)
{
	const struct rtattr *tb[5];
	static const uint8_t past_end[] = { U16(8), U16(1), 1, 2, 3, 4, U16(12), U16(2), 1, 2, 3, 4 };
	static const uint8_t too_short[] = { U16(2), U16(1), 0, 0 };
	static const uint8_t zero[] = { U16(0), U16(1), 0, 0, 0, 0, 0, 0 };
	static const uint8_t tail[] = { U16(8), U16(1), 1, 2, 3, 4, 9, 9 };
	static const uint8_t half_hdr[] = { U16(8) };
	/* the last attribute's padding left out, as the kernel may */
	static const uint8_t unpadded[] = { U16(8), U16(1), 1, 2, 3, 4, U16(5), U16(2), 42 };
	/* type 4 with NLA_F_NESTED (0x8000), type 9 beyond max, type 1 twice */
	static const uint8_t flags[] = { U16(4), U16(0x8004), U16(4), U16(9),
					 U16(5), U16(1), 1, 0, 0, 0, U16(5), U16(1), 2 };
	uint8_t v = 0;

	is_int(parse_bytes(past_end, sizeof(past_end), tb, 4), -EINVAL, "length past the end");
	is_int(parse_bytes(too_short, sizeof(too_short), tb, 4), -EINVAL, "length below the header");
	is_int(parse_bytes(zero, sizeof(zero), tb, 4), -EINVAL, "zero length does not loop");
	is_int(parse_bytes(tail, sizeof(tail), tb, 4), -EINVAL, "trailing bytes short of a header");
	is_int(parse_bytes(half_hdr, sizeof(half_hdr), tb, 4), -EINVAL, "half a header");
	is_int(parse_bytes(NULL, 0, tb, 4), 0, "empty list");
	ok(!tb[0] && !tb[1] && !tb[4], "empty list: all NULL");
	is_int(nla_parse(tb, -1, past_end, 0), -EINVAL, "negative max");

	/* tb points into the copy: check what was found, not the bytes */
	is_int(parse_bytes(unpadded, sizeof(unpadded), tb, 4), 0, "unpadded last attribute");
	ok(tb[1] && tb[2] && !tb[3], "both attributes found");
	is_int(parse_bytes(flags, sizeof(flags), tb, 4), 0, "flags and unknown types");
	ok(tb[4] != NULL, "NLA_F_NESTED stripped from the type");

	{
		/* tb must stay valid to read a value: parse in place */
		uint8_t *p = xmalloc_exact(sizeof(flags));

		memcpy(p, flags, sizeof(flags));
		nla_parse(tb, 4, p, sizeof(flags));
		ok(!nla_get(tb[1], &v, 1) && v == 2, "the last duplicate wins");
		free(p);
	}
}

static void test_nlmsg_parse(void)
{
	const struct rtattr *tb[4];
	struct nlmsghdr h = { .nlmsg_len = 20 };

	is_int(nlmsg_parse(tb, 3, &h, sizeof(struct ifinfomsg)), -EBADMSG,
	       "message shorter than its family header");
}

static bool name_is_b64(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

static void test_ifname(void)
{
	char a[NL_IFNAMSIZ], b[NL_IFNAMSIZ], c[NL_IFNAMSIZ];

	nl_ifname_for_machine("ve-", "tumbleweed", a);
	is_str(a, "ve-tumbleweed", "short name unchanged");
	nl_ifname_for_machine("ve-", "twelve-chars", a);
	is_str(a, "ve-twelve-chars", "15 bytes unchanged");

	/* 20-character machine names equal in their first 15 */
	nl_ifname_for_machine("ve-", "container-alpha-0001", a);
	nl_ifname_for_machine("ve-", "container-alpha-0002", b);
	nl_ifname_for_machine("ve-", "container-alpha-0001", c);
	is_int(strlen(a), 15, "shortened to 15 bytes");
	is_int(strlen(b), 15, "the other too");
	ok(strcmp(a, b) != 0, "distinct: %s %s", a, b);
	is_str(a, c, "stable");
	/* pinned: a new hash would rename the links of existing machines and
	 * leave the old ones behind, unrecognised by the cleanup */
	is_str(a, "ve-containenjmW", "the same as in every earlier version");
	ok(!strncmp(a, "ve-containe", 11), "first 11 bytes kept");
	ok(name_is_b64(a + 11), "then url-safe base64");
	nl_ifname_for_machine("vb-", "container-alpha-0001", c);
	ok(strcmp(a + 11, c + 11) != 0, "the prefix is hashed too");
	nl_ifname_for_machine("ve-", "twelve-charsX", a);
	is_int(strlen(a), 15, "16 bytes are shortened");
}

static void test_mac(void)
{
	static const char *const names[] = { "a", "tumbleweed", "container-alpha-0001", "" };
	uint8_t h[6], g[6], again[6], other[6];
	size_t i;
	bool bits = true;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		nl_mac_for_machine(names[i], 0, h);
		nl_mac_for_machine(names[i], 1, g);
		bits &= (h[0] & 0x02) && (g[0] & 0x02) && !(h[0] & 0x01) && !(g[0] & 0x01);
		ok(memcmp(h, g, 6) != 0, "host and container MACs differ for '%s'", names[i]);
	}
	ok(bits, "locally administered, not multicast");
	nl_mac_for_machine("tumbleweed", 0, h);
	nl_mac_for_machine("tumbleweed", 0, again);
	nl_mac_for_machine("tumbleweee", 0, other);
	ok(!memcmp(h, again, 6), "stable");
	/* pinned: a guest's DHCP lease follows its MAC across versions */
	ok(!memcmp(h, "\x2e\xbe\xf9\xbd\x04\x76", 6), "host MAC pinned");
	nl_mac_for_machine("tumbleweed", 1, g);
	ok(!memcmp(g, "\x3a\xc5\xe3\x06\x42\x00", 6), "container MAC pinned");
	ok(memcmp(h, other, 6) != 0, "another name, another MAC");
}

int main(void)
{
	test_veth_golden();
	test_veth_names();
	test_parse_golden();
	test_nesting();
	test_request_refuses();
	test_overflow();
	test_parse_malformed();
	test_nlmsg_parse();
	test_ifname();
	test_mac();
	return tap_done();
}

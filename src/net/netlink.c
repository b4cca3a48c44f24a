/* rtnetlink in one small file, without libnl: see netlink.h. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "machbox.h"
#include "net/netlink.h"

/* ---------------------------------------------------------------------
 * Message builder.  The length is kept in the nlmsghdr itself, always
 * 4-aligned, so the buffer is the message at every step.
 */

static struct nlmsghdr *msg_hdr(const struct nlmsg *m)
{
	return (struct nlmsghdr *)(void *)m->buf;
}

void nlmsg_init(struct nlmsg *m, void *buf, size_t cap, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *h = buf;

	memset(m, 0, sizeof(*m));
	m->buf = buf;
	m->cap = cap;
	/* nlmsg_len is 32 bits; a larger buffer could not be described */
	if (cap < NLMSG_HDRLEN || cap > UINT32_MAX) {
		m->err = -EMSGSIZE;
		return;
	}
	memset(h, 0, NLMSG_HDRLEN);
	h->nlmsg_len = NLMSG_HDRLEN;
	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
}

size_t nlmsg_len(const struct nlmsg *m)
{
	return m->cap < NLMSG_HDRLEN ? 0 : msg_hdr(m)->nlmsg_len;
}

/* Claims len bytes and their padding at the tail, zeroed, so that no
 * stale byte of the caller's buffer ever goes to the kernel. */
void *nlmsg_reserve(struct nlmsg *m, size_t len)
{
	size_t off, alen;

	if (m->err)
		return NULL;
	off = msg_hdr(m)->nlmsg_len;
	/* compare before aligning: NLMSG_ALIGN of a huge len wraps */
	if (len > m->cap - off || NLMSG_ALIGN(len) > m->cap - off) {
		m->err = -EMSGSIZE;
		return NULL;
	}
	alen = NLMSG_ALIGN(len);
	memset(m->buf + off, 0, alen);
	msg_hdr(m)->nlmsg_len = (uint32_t)(off + alen);
	return m->buf + off;
}

void nla_put(struct nlmsg *m, uint16_t type, const void *data, size_t len)
{
	struct rtattr *a;

	/* rta_len is 16 bits */
	if (!m->err && len > UINT16_MAX - RTA_LENGTH(0))
		m->err = -EMSGSIZE;
	a = nlmsg_reserve(m, RTA_LENGTH(len));
	if (!a)
		return;
	a->rta_len = (uint16_t)RTA_LENGTH(len);
	a->rta_type = type;
	if (len)
		memcpy(RTA_DATA(a), data, len);
}

void nla_put_u8(struct nlmsg *m, uint16_t type, uint8_t v)
{
	nla_put(m, type, &v, sizeof(v));
}

void nla_put_u16(struct nlmsg *m, uint16_t type, uint16_t v)
{
	nla_put(m, type, &v, sizeof(v));
}

void nla_put_u32(struct nlmsg *m, uint16_t type, uint32_t v)
{
	nla_put(m, type, &v, sizeof(v));
}

void nla_put_str(struct nlmsg *m, uint16_t type, const char *s)
{
	nla_put(m, type, s, strlen(s) + 1);
}

void nla_nest_begin(struct nlmsg *m, uint16_t type)
{
	size_t off;
	struct rtattr *a;

	if (!m->err && m->depth >= NL_NEST_MAX)
		m->err = -E2BIG;
	if (m->err)
		return;
	off = msg_hdr(m)->nlmsg_len;
	a = nlmsg_reserve(m, RTA_LENGTH(0));
	if (!a)
		return;
	a->rta_type = type;
	m->nest[m->depth++] = off;
}

void nla_nest_end(struct nlmsg *m)
{
	struct rtattr *a;
	size_t len;

	if (!m->err && m->depth == 0)
		m->err = -EINVAL;
	if (m->err)
		return;
	m->depth--;
	a = (struct rtattr *)(void *)(m->buf + m->nest[m->depth]);
	len = msg_hdr(m)->nlmsg_len - m->nest[m->depth];
	if (len > UINT16_MAX) {
		m->err = -EMSGSIZE;
		return;
	}
	a->rta_len = (uint16_t)len;
}

/* ---------------------------------------------------------------------
 * Attribute parsing.  Every length is checked against what is left, so a
 * malformed list can neither read past its end nor loop on a zero length.
 */

int nla_parse(const struct rtattr *tb[], int max, const void *attrs, size_t len)
{
	const unsigned char *p = attrs;

	if (max < 0)
		return -EINVAL;
	memset(tb, 0, sizeof(*tb) * ((size_t)max + 1));
	while (len > 0) {
		const struct rtattr *a = (const void *)p;
		size_t alen, step;
		unsigned type;

		if (len < sizeof(*a))
			return -EINVAL;
		alen = a->rta_len;
		if (alen < sizeof(*a) || alen > len)
			return -EINVAL;
		type = a->rta_type & NLA_TYPE_MASK;
		if (type <= (unsigned)max)
			tb[type] = a;
		/* the last attribute's padding may be missing */
		step = RTA_ALIGN(alen) < len ? RTA_ALIGN(alen) : len;
		p += step;
		len -= step;
	}
	return 0;
}

int nlmsg_parse(const struct rtattr *tb[], int max, const struct nlmsghdr *h, size_t hdrlen)
{
	size_t off = NLMSG_LENGTH(NLMSG_ALIGN(hdrlen));

	if (h->nlmsg_len < off)
		return -EBADMSG;
	return nla_parse(tb, max, (const unsigned char *)h + off, h->nlmsg_len - off);
}

int nla_get(const struct rtattr *a, void *dst, size_t len)
{
	if (!a)
		return -ENODATA;
	if (RTA_PAYLOAD(a) != len)
		return -EBADMSG;
	memcpy(dst, RTA_DATA(a), len);
	return 0;
}

/* A string attribute into dst; the kernel's may lack its NUL */
static int nla_get_str(const struct rtattr *a, char *dst, size_t size)
{
	size_t n;

	if (!a)
		return -ENODATA;
	n = strnlen(RTA_DATA(a), RTA_PAYLOAD(a));
	if (n >= size)
		return -EBADMSG;
	memcpy(dst, RTA_DATA(a), n);
	dst[n] = 0;
	return 0;
}

static uint32_t nla_u32(const struct rtattr *a, uint32_t dflt)
{
	uint32_t v;

	return nla_get(a, &v, sizeof(v)) ? dflt : v;
}

/* ---------------------------------------------------------------------
 * The socket: one request out, replies read until the ack or NLMSG_DONE
 * carrying its sequence number.
 */

int nl_open(struct nl *nl)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1, err;

	nl->seq = 0;
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl->fd < 0)
		return -errno;
	/* acks then carry only our header, not a copy of the whole request;
	 * kernels before 4.3 lack it and ack in full, which still fits */
	(void)setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		nl_close(nl);
		return err;
	}
	return 0;
}

void nl_close(struct nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

struct nl_wait {
	uint32_t seq;
	int (*cb)(const struct nlmsghdr *h, void *ud);
	void *ud;
	int err;		/* first failure: the kernel's or the callback's */
};

static int nl_send(struct nl *nl, const struct nlmsg *m)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t n;

	do
		n = sendto(nl->fd, m->buf, msg_hdr(m)->nlmsg_len, 0,
			   (struct sockaddr *)&kernel, sizeof(kernel));
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

static void nl_note(struct nl_wait *w, int err)
{
	if (!w->err)
		w->err = err;
}

/* One reply of ours: 1 when it ends the exchange, 0 to read on */
static int nl_handle(const struct nlmsghdr *h, struct nl_wait *w)
{
	const int *code = NLMSG_DATA(h);

	switch (h->nlmsg_type) {
	case NLMSG_ERROR:
		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
			nl_note(w, -EBADMSG);
		else
			nl_note(w, *code <= 0 ? *code : -EPROTO);
		return 1;
	case NLMSG_DONE:
		/* since 4.x the dump's own error rides in NLMSG_DONE */
		if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)) && *code < 0)
			nl_note(w, *code);
		return 1;
	case NLMSG_NOOP:
	case NLMSG_OVERRUN:
		return 0;
	}
	/* after a failure the rest is only read, so the socket stays usable */
	if (w->cb && !w->err) {
		int r = w->cb(h, w->ud);

		if (r < 0)
			nl_note(w, r);
	}
	return 0;
}

/* Walks one datagram; messages of other sequence numbers are leftovers of
 * an exchange given up earlier and are skipped. */
static int nl_walk(const unsigned char *p, size_t len, struct nl_wait *w)
{
	while (len >= NLMSG_HDRLEN) {
		const struct nlmsghdr *h = (const void *)p;
		size_t mlen = h->nlmsg_len;

		if (mlen < NLMSG_HDRLEN || mlen > len)
			return -EBADMSG;
		if (h->nlmsg_seq == w->seq && nl_handle(h, w))
			return 1;
		mlen = NLMSG_ALIGN(mlen) < len ? NLMSG_ALIGN(mlen) : len;
		p += mlen;
		len -= mlen;
	}
	return 0;
}

/* One datagram into buf (NL_RECV_SIZE, 4-aligned) */
static int nl_recv(struct nl *nl, void *buf, struct nl_wait *w)
{
	struct sockaddr_nl sa;
	struct iovec iov = { .iov_base = buf, .iov_len = NL_RECV_SIZE };
	struct msghdr mh = {
		.msg_name = &sa, .msg_namelen = sizeof(sa),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t n;

	/* MSG_TRUNC makes recvmsg return the real length of a longer datagram */
	do
		n = recvmsg(nl->fd, &mh, MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n > NL_RECV_SIZE || (mh.msg_flags & MSG_TRUNC))
		return -EMSGSIZE;
	/* only the kernel speaks for the kernel */
	if (sa.nl_pid != 0)
		return 0;
	return nl_walk(buf, (size_t)n, w);
}

static int nl_transact(struct nl *nl, struct nlmsg *m, uint16_t flags,
		       int (*cb)(const struct nlmsghdr *h, void *ud), void *ud)
{
	uint32_t buf[NL_RECV_SIZE / sizeof(uint32_t)];
	struct nl_wait w = { .cb = cb, .ud = ud };
	struct nlmsghdr *h;
	int r;

	if (m->err)
		return m->err;
	if (m->depth)
		return -EINVAL;
	h = msg_hdr(m);
	h->nlmsg_flags |= flags;
	h->nlmsg_seq = w.seq = ++nl->seq;
	h->nlmsg_pid = 0;
	r = nl_send(nl, m);
	while (!r)
		r = nl_recv(nl, buf, &w);
	return r < 0 ? r : w.err;
}

int nl_request(struct nl *nl, struct nlmsg *m)
{
	return nl_transact(nl, m, NLM_F_REQUEST | NLM_F_ACK, NULL, NULL);
}

int nl_dump(struct nl *nl, struct nlmsg *m,
	    int (*cb)(const struct nlmsghdr *h, void *ud), void *ud)
{
	return nl_transact(nl, m, NLM_F_REQUEST | NLM_F_DUMP, cb, ud);
}

/* ---------------------------------------------------------------------
 * Links.
 */

static bool ifname_ok(const char *name)
{
	size_t n = name ? strnlen(name, NL_IFNAMSIZ) : 0;

	return n > 0 && n < NL_IFNAMSIZ;
}

/* An RTM_*LINK message with its ifinfomsg, NULL if buf is too small */
static struct ifinfomsg *link_msg(struct nlmsg *m, void *buf, size_t cap,
				  uint16_t type, uint16_t flags, int ifindex)
{
	struct ifinfomsg *ifi;

	nlmsg_init(m, buf, cap, type, flags);
	ifi = nlmsg_reserve(m, sizeof(*ifi));
	if (ifi) {
		ifi->ifi_family = AF_UNSPEC;
		ifi->ifi_index = ifindex;
	}
	return ifi;
}

/* The attributes of a link to be created: name, MAC, MTU, namespace */
static void link_attrs(struct nlmsg *m, const char *name, const uint8_t mac[6],
		       unsigned mtu, int netns_fd)
{
	nla_put_str(m, IFLA_IFNAME, name);
	if (mac)
		nla_put(m, IFLA_ADDRESS, mac, 6);
	if (mtu)
		nla_put_u32(m, IFLA_MTU, mtu);
	if (netns_fd >= 0)
		nla_put_u32(m, IFLA_NET_NS_FD, (uint32_t)netns_fd);
}

static int link_index_cb(const struct nlmsghdr *h, void *ud)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);

	if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return -EBADMSG;
	*(int *)ud = ifi->ifi_index;
	return 0;
}

int nl_link_index(struct nl *nl, const char *name)
{
	uint32_t buf[NL_MSG_SIZE / 4];
	struct nlmsg m;
	int index = 0, r;

	if (!ifname_ok(name))
		return -EINVAL;
	link_msg(&m, buf, sizeof(buf), RTM_GETLINK, 0, 0);
	nla_put_str(&m, IFLA_IFNAME, name);
	r = nl_transact(nl, &m, NLM_F_REQUEST | NLM_F_ACK, link_index_cb, &index);
	if (r < 0)
		return r;
	return index > 0 ? index : -ENODEV;
}

int nl_veth_build(struct nlmsg *m, void *buf, size_t cap,
		  const char *host, const char *peer,
		  const uint8_t host_mac[6], const uint8_t peer_mac[6],
		  int peer_netns_fd, unsigned mtu)
{
	if (!ifname_ok(host) || !ifname_ok(peer))
		return -EINVAL;
	link_msg(m, buf, cap, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	link_attrs(m, host, host_mac, mtu, -1);
	nla_nest_begin(m, IFLA_LINKINFO);
	nla_put_str(m, IFLA_INFO_KIND, "veth");
	nla_nest_begin(m, IFLA_INFO_DATA);
	/* the peer is a whole link description: ifinfomsg, then attributes */
	nla_nest_begin(m, VETH_INFO_PEER);
	nlmsg_reserve(m, sizeof(struct ifinfomsg));
	link_attrs(m, peer, peer_mac, mtu, peer_netns_fd);
	nla_nest_end(m);
	nla_nest_end(m);
	nla_nest_end(m);
	return m->err;
}

int nl_veth_create(struct nl *nl, const char *host, const char *peer,
		   const uint8_t host_mac[6], const uint8_t peer_mac[6],
		   int peer_netns_fd, unsigned mtu)
{
	uint32_t buf[NL_MSG_SIZE / 4];
	struct nlmsg m;
	int r;

	r = nl_veth_build(&m, buf, sizeof(buf), host, peer, host_mac, peer_mac,
			  peer_netns_fd, mtu);
	return r < 0 ? r : nl_request(nl, &m);
}

int nl_link_up(struct nl *nl, int ifindex, bool up)
{
	uint32_t buf[NL_MSG_SIZE / 4];
	struct ifinfomsg *ifi;
	struct nlmsg m;

	if (ifindex <= 0)
		return -EINVAL;
	ifi = link_msg(&m, buf, sizeof(buf), RTM_SETLINK, 0, ifindex);
	if (!ifi)
		return m.err;
	/* ifi_change: touch IFF_UP only */
	ifi->ifi_flags = up ? IFF_UP : 0;
	ifi->ifi_change = IFF_UP;
	return nl_request(nl, &m);
}

int nl_link_delete(struct nl *nl, int ifindex)
{
	uint32_t buf[NL_MSG_SIZE / 4];
	struct nlmsg m;

	if (ifindex <= 0)
		return -EINVAL;
	link_msg(&m, buf, sizeof(buf), RTM_DELLINK, 0, ifindex);
	return nl_request(nl, &m);
}

static int link_set_u32(struct nl *nl, int ifindex, uint16_t type, uint32_t v)
{
	uint32_t buf[NL_MSG_SIZE / 4];
	struct nlmsg m;

	if (ifindex <= 0)
		return -EINVAL;
	link_msg(&m, buf, sizeof(buf), RTM_SETLINK, 0, ifindex);
	nla_put_u32(&m, type, v);
	return nl_request(nl, &m);
}

int nl_link_set_mtu(struct nl *nl, int ifindex, unsigned mtu)
{
	return mtu ? link_set_u32(nl, ifindex, IFLA_MTU, mtu) : -EINVAL;
}

int nl_link_set_master(struct nl *nl, int ifindex, int master_ifindex)
{
	if (master_ifindex < 0)
		return -EINVAL;
	return link_set_u32(nl, ifindex, IFLA_MASTER, (uint32_t)master_ifindex);
}

int nl_link_set_netns(struct nl *nl, int ifindex, int netns_fd)
{
	if (netns_fd < 0)
		return -EBADF;
	return link_set_u32(nl, ifindex, IFLA_NET_NS_FD, (uint32_t)netns_fd);
}

int nl_link_rename(struct nl *nl, int ifindex, const char *name)
{
	uint32_t buf[NL_MSG_SIZE / 4];
	struct nlmsg m;

	if (ifindex <= 0 || !ifname_ok(name))
		return -EINVAL;
	link_msg(&m, buf, sizeof(buf), RTM_SETLINK, 0, ifindex);
	nla_put_str(&m, IFLA_IFNAME, name);
	return nl_request(nl, &m);
}

int nl_bridge_create(struct nl *nl, const char *name)
{
	uint32_t buf[NL_MSG_SIZE / 4];
	struct nlmsg m;

	if (!ifname_ok(name))
		return -EINVAL;
	link_msg(&m, buf, sizeof(buf), RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	link_attrs(&m, name, NULL, 0, -1);
	nla_nest_begin(&m, IFLA_LINKINFO);
	nla_put_str(&m, IFLA_INFO_KIND, "bridge");
	nla_nest_end(&m);
	return nl_request(nl, &m);
}

int nl_macvlan_create(struct nl *nl, const char *name, int parent_ifindex, int netns_fd)
{
	uint32_t buf[NL_MSG_SIZE / 4];
	struct nlmsg m;

	if (!ifname_ok(name) || parent_ifindex <= 0)
		return -EINVAL;
	link_msg(&m, buf, sizeof(buf), RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	link_attrs(&m, name, NULL, 0, netns_fd);
	/* IFLA_LINK is looked up in the caller's namespace, not netns_fd's */
	nla_put_u32(&m, IFLA_LINK, (uint32_t)parent_ifindex);
	nla_nest_begin(&m, IFLA_LINKINFO);
	nla_put_str(&m, IFLA_INFO_KIND, "macvlan");
	nla_nest_begin(&m, IFLA_INFO_DATA);
	nla_put_u32(&m, IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE);
	nla_nest_end(&m);
	nla_nest_end(&m);
	return nl_request(nl, &m);
}

/* ---------------------------------------------------------------------
 * Addresses and routes.
 */

static int addr_size(int family)
{
	if (family == AF_INET)
		return 4;
	if (family == AF_INET6)
		return 16;
	return -EAFNOSUPPORT;
}

/* The IPv4 broadcast address of addr/prefixlen: host bits all set */
static void ipv4_broadcast(const void *addr, unsigned prefixlen, uint8_t out[4])
{
	unsigned i;

	memcpy(out, addr, 4);
	for (i = prefixlen; i < 32; i++)
		out[i / 8] |= (uint8_t)(0x80 >> (i % 8));
}

int nl_addr_add(struct nl *nl, int ifindex, int family, const void *addr, unsigned prefixlen)
{
	uint32_t buf[NL_MSG_SIZE / 4];
	struct ifaddrmsg *ifa;
	struct nlmsg m;
	int size = addr_size(family);
	uint8_t brd[4];

	if (size < 0)
		return size;
	if (ifindex <= 0 || prefixlen > (unsigned)size * 8)
		return -EINVAL;
	nlmsg_init(&m, buf, sizeof(buf), RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	ifa = nlmsg_reserve(&m, sizeof(*ifa));
	if (!ifa)
		return m.err;
	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_prefixlen = (uint8_t)prefixlen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	/* IFA_LOCAL is our address; IFA_ADDRESS the peer's, equal off p2p */
	nla_put(&m, IFA_LOCAL, addr, (size_t)size);
	nla_put(&m, IFA_ADDRESS, addr, (size_t)size);
	/* /31 and /32 have no broadcast (RFC 3021) */
	if (family == AF_INET && prefixlen < 31) {
		ipv4_broadcast(addr, prefixlen, brd);
		nla_put(&m, IFA_BROADCAST, brd, sizeof(brd));
	}
	return nl_request(nl, &m);
}

int nl_route_add(struct nl *nl, int family, const void *dst, unsigned dst_len,
		 const void *gw, int oif)
{
	uint32_t buf[NL_MSG_SIZE / 4];
	struct rtmsg *rt;
	struct nlmsg m;
	int size = addr_size(family);

	if (size < 0)
		return size;
	if (dst_len > (unsigned)size * 8 || (!dst && dst_len) || (!gw && oif <= 0))
		return -EINVAL;
	nlmsg_init(&m, buf, sizeof(buf), RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	rt = nlmsg_reserve(&m, sizeof(*rt));
	if (!rt)
		return m.err;
	rt->rtm_family = (uint8_t)family;
	rt->rtm_dst_len = (uint8_t)dst_len;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_BOOT;	/* what `ip route add` says */
	/* without a gateway the destination is on the link itself */
	rt->rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rt->rtm_type = RTN_UNICAST;
	if (dst)
		nla_put(&m, RTA_DST, dst, (size_t)size);
	if (gw)
		nla_put(&m, RTA_GATEWAY, gw, (size_t)size);
	if (oif > 0)
		nla_put_u32(&m, RTA_OIF, (uint32_t)oif);
	return nl_request(nl, &m);
}

/* ---------------------------------------------------------------------
 * Lists: a dump whose messages are parsed into the small structs of
 * netlink.h before they reach the caller.
 */

struct list_ctx {
	int family;
	int (*addr_cb)(const struct nl_addr *, void *);
	int (*route_cb)(const struct nl_route *, void *);
	int (*link_cb)(const struct nl_link *, void *);
	void *ud;
};

static int addr_parse(const struct nlmsghdr *h, struct nl_addr *out)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	const struct rtattr *tb[IFA_MAX + 1];
	int r, size;

	r = nlmsg_parse(tb, IFA_MAX, h, sizeof(*ifa));
	if (r < 0)
		return r;
	size = addr_size(ifa->ifa_family);
	if (size < 0)
		return 0;
	memset(out, 0, sizeof(*out));
	out->ifindex = (int)ifa->ifa_index;
	out->family = ifa->ifa_family;
	out->prefixlen = ifa->ifa_prefixlen;
	/* IFA_LOCAL when there is one (IPv4, or a p2p peer in IFA_ADDRESS) */
	r = nla_get(tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS], out->addr, (size_t)size);
	return r < 0 ? r : 1;
}

static int addr_list_cb(const struct nlmsghdr *h, void *ud)
{
	struct list_ctx *c = ud;
	struct nl_addr a;
	int r;

	if (h->nlmsg_type != RTM_NEWADDR)
		return 0;
	r = addr_parse(h, &a);
	if (r <= 0)
		return r;
	if (c->family != AF_UNSPEC && a.family != c->family)
		return 0;
	return c->addr_cb(&a, c->ud);
}

static void dump_msg(struct nlmsg *m, void *buf, size_t cap, uint16_t type,
		     size_t hdrlen, int family)
{
	unsigned char *fam;

	nlmsg_init(m, buf, cap, type, 0);
	/* every family header starts with its one-byte family */
	fam = nlmsg_reserve(m, hdrlen);
	if (fam)
		*fam = (uint8_t)family;
}

int nl_addr_list(struct nl *nl, int family, int (*cb)(const struct nl_addr *, void *), void *ud)
{
	uint32_t buf[NL_MSG_SIZE / 4];
	struct list_ctx c = { .family = family, .addr_cb = cb, .ud = ud };
	struct nlmsg m;

	if (family != AF_UNSPEC && addr_size(family) < 0)
		return -EAFNOSUPPORT;
	dump_msg(&m, buf, sizeof(buf), RTM_GETADDR, sizeof(struct ifaddrmsg), family);
	return nl_dump(nl, &m, addr_list_cb, &c);
}

static int route_parse(const struct nlmsghdr *h, struct nl_route *out)
{
	const struct rtmsg *rt = NLMSG_DATA(h);
	const struct rtattr *tb[RTA_MAX + 1];
	int r, size;

	r = nlmsg_parse(tb, RTA_MAX, h, sizeof(*rt));
	if (r < 0)
		return r;
	size = addr_size(rt->rtm_family);
	/* tables above 255 only say so in RTA_TABLE */
	if (size < 0 || (rt->rtm_flags & RTM_F_CLONED) ||
	    nla_u32(tb[RTA_TABLE], rt->rtm_table) != RT_TABLE_MAIN)
		return 0;
	memset(out, 0, sizeof(*out));
	out->family = rt->rtm_family;
	out->dst_len = rt->rtm_dst_len;
	out->type = rt->rtm_type;
	out->oif = (int)nla_u32(tb[RTA_OIF], 0);
	if (tb[RTA_DST] && nla_get(tb[RTA_DST], out->dst, (size_t)size) < 0)
		return -EBADMSG;
	out->has_gw = tb[RTA_GATEWAY] != NULL;
	if (out->has_gw && nla_get(tb[RTA_GATEWAY], out->gw, (size_t)size) < 0)
		return -EBADMSG;
	return 1;
}

static int route_list_cb(const struct nlmsghdr *h, void *ud)
{
	struct list_ctx *c = ud;
	struct nl_route rt;
	int r;

	if (h->nlmsg_type != RTM_NEWROUTE)
		return 0;
	r = route_parse(h, &rt);
	if (r <= 0)
		return r;
	if (c->family != AF_UNSPEC && rt.family != c->family)
		return 0;
	return c->route_cb(&rt, c->ud);
}

int nl_route_list(struct nl *nl, int family, int (*cb)(const struct nl_route *, void *), void *ud)
{
	uint32_t buf[NL_MSG_SIZE / 4];
	struct list_ctx c = { .family = family, .route_cb = cb, .ud = ud };
	struct nlmsg m;

	if (family != AF_UNSPEC && addr_size(family) < 0)
		return -EAFNOSUPPORT;
	dump_msg(&m, buf, sizeof(buf), RTM_GETROUTE, sizeof(struct rtmsg), family);
	return nl_dump(nl, &m, route_list_cb, &c);
}

static int link_kind(const struct rtattr *linkinfo, char kind[16])
{
	const struct rtattr *tb[IFLA_INFO_MAX + 1];
	int r;

	kind[0] = 0;
	if (!linkinfo)
		return 0;
	r = nla_parse(tb, IFLA_INFO_MAX, RTA_DATA(linkinfo), RTA_PAYLOAD(linkinfo));
	if (r < 0)
		return r;
	/* a kind too long for us is no reason to fail the whole list */
	if (nla_get_str(tb[IFLA_INFO_KIND], kind, 16) < 0)
		kind[0] = 0;
	return 0;
}

static int link_parse(const struct nlmsghdr *h, struct nl_link *out)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	const struct rtattr *tb[IFLA_MAX + 1];
	int r;

	r = nlmsg_parse(tb, IFLA_MAX, h, sizeof(*ifi));
	if (r < 0)
		return r;
	memset(out, 0, sizeof(*out));
	out->ifindex = ifi->ifi_index;
	out->up = ifi->ifi_flags & IFF_UP;
	out->master = (int)nla_u32(tb[IFLA_MASTER], 0);
	/* loopback and tunnels have other address sizes: left zero */
	(void)nla_get(tb[IFLA_ADDRESS], out->mac, sizeof(out->mac));
	r = nla_get_str(tb[IFLA_IFNAME], out->name, sizeof(out->name));
	return r < 0 ? r : link_kind(tb[IFLA_LINKINFO], out->kind);
}

static int link_list_cb(const struct nlmsghdr *h, void *ud)
{
	struct list_ctx *c = ud;
	struct nl_link l;
	int r;

	if (h->nlmsg_type != RTM_NEWLINK)
		return 0;
	r = link_parse(h, &l);
	return r < 0 ? r : c->link_cb(&l, c->ud);
}

int nl_link_list(struct nl *nl, int (*cb)(const struct nl_link *, void *), void *ud)
{
	uint32_t buf[NL_MSG_SIZE / 4];
	struct list_ctx c = { .link_cb = cb, .ud = ud };
	struct nlmsg m;

	dump_msg(&m, buf, sizeof(buf), RTM_GETLINK, sizeof(struct ifinfomsg), AF_UNSPEC);
	return nl_dump(nl, &m, link_list_cb, &c);
}

/* ---------------------------------------------------------------------
 * Interface names and MACs derived from the machine name.  systemd uses
 * SipHash with fixed keys; ours is FNV-1a with a key mixed in first and a
 * 64-bit finaliser, so every output bit depends on every input byte.  Bytes
 * are taken by shifts: the same on every endianness.
 */

#define KEY_IFNAME 0x6d62696669666e61ULL
#define KEY_MAC_HOST 0x6d626d6163686f73ULL
#define KEY_MAC_GUEST 0x6d626d6163677374ULL

static uint64_t fnv_bytes(uint64_t h, const unsigned char *p, size_t n)
{
	while (n--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t hash_init(uint64_t key)
{
	unsigned char k[8];
	int i;

	for (i = 0; i < 8; i++)
		k[i] = (unsigned char)(key >> (8 * i));
	return fnv_bytes(0xcbf29ce484222325ULL, k, sizeof(k));
}

static uint64_t hash_str(uint64_t h, const char *s)
{
	return fnv_bytes(h, (const unsigned char *)s, strlen(s));
}

/* MurmurHash3's fmix64 */
static uint64_t hash_final(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

void nl_ifname_for_machine(const char *prefix, const char *machine, char out[NL_IFNAMSIZ])
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t plen = strlen(prefix), len = plen + strlen(machine), i;
	uint64_t h;

	for (i = 0; i < NL_IFNAMSIZ - 1 && i < len; i++)
		out[i] = i < plen ? prefix[i] : machine[i - plen];
	out[i] = 0;
	if (len < NL_IFNAMSIZ)
		return;
	/* as systemd: 11 bytes kept, then 24 bits of the hash in url-safe base64 */
	h = hash_final(hash_str(hash_str(hash_init(KEY_IFNAME), prefix), machine));
	for (i = 0; i < 4; i++)
		out[NL_IFNAMSIZ - 5 + i] = b64[(h >> (18 - 6 * i)) & 63];
}

void nl_mac_for_machine(const char *machine, int which, uint8_t mac[6])
{
	uint64_t h = hash_init(which ? KEY_MAC_GUEST : KEY_MAC_HOST);
	int i;

	h = hash_final(hash_str(h, machine));
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)(h >> (8 * i));
	/* locally administered, unicast: what the kernel's eth_random_addr makes */
	mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02);
}

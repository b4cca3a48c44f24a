/* The DHCP server's codec and lease logic: one received payload in, at
 * most one reply out, no sockets.
 *
 * Every read of a packet goes through struct rbuf, whose error flag is
 * sticky (dropbear's buffer.c): the parsers read a run of fields and check
 * the flag once.  Replies are written through struct wbuf the same way.
 *
 * Option overload (52) is honoured: when the main options field asks for
 * it, the file and then the sname field are parsed as options too.  An
 * overload option inside those fields (the loop a hostile packet would
 * build) makes the packet malformed. */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "net/dhcp.h"

enum {
	BOOTREQUEST = 1, BOOTREPLY = 2,
	HTYPE_ETHER = 1, HLEN_ETHER = 6,
	CHADDR_LEN = 16, SNAME_LEN = 64, FILE_LEN = 128,
	FLAG_BROADCAST = 0x8000,
	/* smallest datagram every client takes, and its IP + UDP headers */
	MIN_DATAGRAM = 576, IP_UDP_LEN = 28,
	/* BOOTP-era relays and clients drop replies shorter than this */
	BOOTP_MIN_LEN = 300,
};
#define DHCP_COOKIE 0x63825363u

enum { DISCOVER = 1, OFFER, REQUEST, DECLINE, ACK, NAK, RELEASE, INFORM };

enum {
	OPT_PAD = 0, OPT_MASK = 1, OPT_ROUTER = 3, OPT_DNS = 6, OPT_HOSTNAME = 12,
	OPT_DOMAIN = 15, OPT_MTU = 26, OPT_REQ_IP = 50, OPT_LEASE = 51,
	OPT_OVERLOAD = 52, OPT_MSG_TYPE = 53, OPT_SERVER_ID = 54,
	OPT_MAX_SIZE = 57, OPT_T1 = 58, OPT_T2 = 59, OPT_CLIENT_ID = 61,
	OPT_END = 255,
};

/* ---- reading ---- */

struct rbuf {
	const uint8_t *data;
	size_t len, pos;
	bool err;	/* sticky: set by the first read past the end */
};

static struct rbuf rb_init(const void *data, size_t len)
{
	return (struct rbuf){ .data = data, .len = len };
}

/* N bytes in place, or NULL (and the error set) when they are not there */
static const uint8_t *rb_take(struct rbuf *b, size_t n)
{
	const uint8_t *p;

	if (b->err || n > b->len - b->pos) {
		b->err = true;
		return NULL;
	}
	p = b->data + b->pos;
	b->pos += n;
	return p;
}

static uint8_t rb_u8(struct rbuf *b)
{
	const uint8_t *p = rb_take(b, 1);

	return p ? p[0] : 0;
}

static uint16_t rb_be16(struct rbuf *b)
{
	const uint8_t *p = rb_take(b, 2);

	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

/* four bytes left in network order: addresses, the xid, the cookie */
static uint32_t rb_raw32(struct rbuf *b)
{
	const uint8_t *p = rb_take(b, 4);
	uint32_t v = 0;

	if (p)
		memcpy(&v, p, 4);
	return v;
}

/* ---- the parsed request ---- */

struct req {
	uint8_t op, htype, hlen, type, overload;
	uint16_t flags, max_size;
	uint32_t xid, ciaddr, giaddr;
	uint32_t req_ip, server_id;		/* 0: option absent */
	const uint8_t *chaddr, *sname, *file;
	const uint8_t *client_id, *hostname;
	uint8_t client_id_len, hostname_len;
	uint8_t seen[32];			/* bitmap of option codes read */
	uint8_t key_len;
	uint8_t key[DHCP_KEY_MAX];
};

static int parse_header(struct rbuf *b, struct req *r)
{
	r->op = rb_u8(b);
	r->htype = rb_u8(b);
	r->hlen = rb_u8(b);
	rb_u8(b);		/* hops */
	r->xid = rb_raw32(b);
	rb_be16(b);		/* secs */
	r->flags = rb_be16(b);
	r->ciaddr = rb_raw32(b);
	rb_raw32(b);		/* yiaddr */
	rb_raw32(b);		/* siaddr */
	r->giaddr = rb_raw32(b);
	r->chaddr = rb_take(b, CHADDR_LEN);
	r->sname = rb_take(b, SNAME_LEN);
	r->file = rb_take(b, FILE_LEN);
	if (rb_raw32(b) != htonl(DHCP_COOKIE) || b->err)
		return -EBADMSG;
	return 0;
}

static int get_addr(const uint8_t *v, uint8_t len, uint32_t *ret)
{
	if (len != 4)
		return -EBADMSG;
	memcpy(ret, v, 4);
	return 0;
}

/* Stores an option we read.  Each has a fixed or minimum length (RFC 2132);
 * a repeat would ask for RFC 3396 concatenation, which no client uses for
 * these, so both make the packet malformed.  Other options are skipped. */
static int opt_store(struct req *r, uint8_t code, const uint8_t *v, uint8_t len, bool main_area)
{
	switch (code) {
	case OPT_MSG_TYPE:
		if (len != 1)
			return -EBADMSG;
		r->type = v[0];
		break;
	case OPT_REQ_IP:
		if (get_addr(v, len, &r->req_ip) < 0)
			return -EBADMSG;
		break;
	case OPT_SERVER_ID:
		if (get_addr(v, len, &r->server_id) < 0)
			return -EBADMSG;
		break;
	case OPT_MAX_SIZE:
		if (len != 2)
			return -EBADMSG;
		r->max_size = (uint16_t)(v[0] << 8 | v[1]);
		break;
	case OPT_OVERLOAD:
		if (!main_area || len != 1 || v[0] < 1 || v[0] > 3)
			return -EBADMSG;
		r->overload = v[0];
		break;
	case OPT_CLIENT_ID:
		if (len < 2)
			return -EBADMSG;
		r->client_id = v;
		r->client_id_len = len;
		break;
	case OPT_HOSTNAME:
		if (len < 1)
			return -EBADMSG;
		r->hostname = v;
		r->hostname_len = len;
		break;
	default:
		return 0;
	}
	if (r->seen[code / 8] & (1u << (code % 8)))
		return -EBADMSG;
	r->seen[code / 8] |= (uint8_t)(1u << (code % 8));
	return 0;
}

/* One options area, up to its END; running out before END is malformed.
 * Every turn consumes a byte, so the loop ends. */
static int parse_options(struct rbuf *b, struct req *r, bool main_area)
{
	for (;;) {
		uint8_t code = rb_u8(b), len;
		const uint8_t *v;
		int ret;

		if (b->err)
			return -EBADMSG;
		if (code == OPT_PAD)
			continue;
		if (code == OPT_END)
			return 0;
		len = rb_u8(b);
		v = rb_take(b, len);
		if (b->err)
			return -EBADMSG;
		ret = opt_store(r, code, v, len, main_area);
		if (ret < 0)
			return ret;
	}
}

/* RFC 2131 section 4.1: the file field first, then sname */
static int parse_overload(struct req *r)
{
	struct rbuf b;
	int ret = 0;

	if (r->overload & 1) {
		b = rb_init(r->file, FILE_LEN);
		ret = parse_options(&b, r, false);
	}
	if (!ret && (r->overload & 2)) {
		b = rb_init(r->sname, SNAME_LEN);
		ret = parse_options(&b, r, false);
	}
	return ret;
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The lease key: the client identifier when sent, else the hardware
 * address in the usual identifier form (type 1 + MAC), so a client that
 * starts or stops sending 61 = 01:MAC keeps its lease.  An identifier
 * longer than the key keeps its head and a hash of the whole. */
static void make_key(struct req *r)
{
	uint64_t h;

	if (!r->client_id) {
		r->key[0] = HTYPE_ETHER;
		memcpy(r->key + 1, r->chaddr, HLEN_ETHER);
		r->key_len = 1 + HLEN_ETHER;
	} else if (r->client_id_len <= DHCP_KEY_MAX) {
		memcpy(r->key, r->client_id, r->client_id_len);
		r->key_len = r->client_id_len;
	} else {
		h = fnv1a(r->client_id, r->client_id_len);
		memcpy(r->key, r->client_id, DHCP_KEY_MAX - sizeof(h));
		memcpy(r->key + DHCP_KEY_MAX - sizeof(h), &h, sizeof(h));
		r->key_len = DHCP_KEY_MAX;
	}
}

/* -EBADMSG for what breaks the format; -EPROTONOSUPPORT and -EXDEV for
 * well-formed packets that are not ours to answer. */
static int parse_request(const void *pkt, size_t len, struct req *r)
{
	struct rbuf b = rb_init(pkt, len);
	int ret;

	memset(r, 0, sizeof(*r));
	if (len > DHCP_MSG_MAX)
		return -EBADMSG;
	ret = parse_header(&b, r);
	if (!ret)
		ret = parse_options(&b, r, true);
	if (!ret)
		ret = parse_overload(r);
	if (ret < 0)
		return ret;
	if (r->op != BOOTREQUEST || r->htype != HTYPE_ETHER || r->hlen != HLEN_ETHER)
		return -EPROTONOSUPPORT;
	/* no message type: plain BOOTP, which we do not serve */
	if (r->type < DISCOVER || r->type > INFORM)
		return -EPROTONOSUPPORT;
	if (r->giaddr)
		return -EXDEV;
	make_key(r);
	return 0;
}

/* ---- writing ---- */

struct wbuf {
	uint8_t *data;
	size_t cap, len;
	bool err;	/* sticky: set by the first write past cap */
};

static void wb_put(struct wbuf *w, const void *p, size_t n)
{
	if (w->err || n > w->cap - w->len) {
		w->err = true;
		return;
	}
	if (p)
		memcpy(w->data + w->len, p, n);
	else
		memset(w->data + w->len, 0, n);
	w->len += n;
}

static void wb_u8(struct wbuf *w, uint8_t v)
{
	wb_put(w, &v, 1);
}

static void wb_be16(struct wbuf *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	wb_put(w, b, 2);
}

static void wb_raw32(struct wbuf *w, uint32_t v)
{
	wb_put(w, &v, 4);
}

/* callers keep n under 256 */
static void wb_opt(struct wbuf *w, uint8_t code, const void *v, size_t n)
{
	wb_u8(w, code);
	wb_u8(w, (uint8_t)n);
	wb_put(w, v, n);
}

static void wb_opt32(struct wbuf *w, uint8_t code, uint32_t raw)
{
	wb_opt(w, code, &raw, 4);
}

static void wb_opt_str(struct wbuf *w, uint8_t code, const char *s)
{
	if (*s)
		wb_opt(w, code, s, strnlen(s, 63));
}

/* ---- the lease table ---- */

static uint32_t pool_size(const struct dhcp_config *c)
{
	uint32_t first = ntohl(c->pool_first), last = ntohl(c->pool_last);

	return first <= last ? last - first + 1 : 0;
}

/* The pool never holds the server, and (once clamped) lies inside the
 * server's subnet, without the subnet's own and broadcast addresses. */
static bool in_pool(const struct dhcp_config *c, uint32_t a)
{
	uint32_t h = ntohl(a);

	return h >= ntohl(c->pool_first) && h <= ntohl(c->pool_last) && a != c->server_ip;
}

static bool lease_active(const struct dhcp_lease *l, uint64_t now)
{
	return l->state != DHCP_LEASE_FREE && l->state != DHCP_LEASE_RELEASED &&
		l->expires > now;
}

static struct dhcp_lease *by_key(struct dhcp_server *s, const struct req *r)
{
	struct dhcp_lease *l;

	for (l = s->leases; l < s->leases + DHCP_MAX_LEASES; l++)
		if (l->state != DHCP_LEASE_FREE && l->state != DHCP_LEASE_DECLINED &&
		    l->key_len == r->key_len && !memcmp(l->key, r->key, r->key_len))
			return l;
	return NULL;
}

static struct dhcp_lease *by_addr(struct dhcp_server *s, uint32_t a)
{
	struct dhcp_lease *l;

	for (l = s->leases; l < s->leases + DHCP_MAX_LEASES; l++)
		if (l->state != DHCP_LEASE_FREE && l->addr == a)
			return l;
	return NULL;
}

static struct dhcp_lease *free_slot(struct dhcp_server *s)
{
	struct dhcp_lease *l;

	for (l = s->leases; l < s->leases + DHCP_MAX_LEASES; l++)
		if (l->state == DHCP_LEASE_FREE)
			return l;
	return NULL;
}

/* The inactive entry that ended longest ago: the next address to reuse
 * once no address is left that nobody remembers. */
static struct dhcp_lease *oldest_inactive(struct dhcp_server *s, uint64_t now)
{
	struct dhcp_lease *l, *best = NULL;

	for (l = s->leases; l < s->leases + DHCP_MAX_LEASES; l++)
		if (l->state != DHCP_LEASE_FREE && !lease_active(l, now) &&
		    (!best || l->expires < best->expires))
			best = l;
	return best;
}

/* An address no entry holds or remembers, searched from the one the key
 * hashes to, so a client gets the same address after the server
 * restarts.  The table has DHCP_MAX_LEASES entries and the pool one
 * server address, so that many + 2 candidates always hold a free one. */
static uint32_t fresh_addr(struct dhcp_server *s, const struct req *r)
{
	uint32_t n = pool_size(&s->config), first = ntohl(s->config.pool_first);
	uint32_t start, i, limit = DHCP_MAX_LEASES + 2;

	if (!n)
		return 0;
	if (limit > n)
		limit = n;
	start = (uint32_t)(fnv1a(r->key, r->key_len) % n);
	for (i = 0; i < limit; i++) {
		uint32_t a = htonl(first + (uint32_t)((start + (uint64_t)i) % n));

		if (in_pool(&s->config, a) && !by_addr(s, a))
			return a;
	}
	return 0;
}

static struct dhcp_lease *claim(struct dhcp_lease *l, uint32_t a, const struct req *r)
{
	memset(l, 0, sizeof(*l));
	l->addr = a;
	l->key_len = r->key_len;
	memcpy(l->key, r->key, r->key_len);
	memcpy(l->mac, r->chaddr, HLEN_ETHER);
	return l;
}

/* A new entry for address A (0: any fresh one); when the table has no
 * free slot, or there is no fresh address, the oldest inactive entry
 * gives up its slot (and, for A == 0, its address). */
static struct dhcp_lease *new_lease(struct dhcp_server *s, const struct req *r,
				    uint32_t a, uint64_t now)
{
	struct dhcp_lease *l = free_slot(s);
	uint32_t fresh = a ? a : fresh_addr(s, r);

	if (l && fresh)
		return claim(l, fresh, r);
	l = oldest_inactive(s, now);
	if (!l)
		return NULL;
	return claim(l, a ? a : l->addr, r);
}

/* DISCOVER: the address the client holds or last held, else the one it
 * asks for when nobody holds or remembers it, else a fresh one.  Only
 * free or expired addresses are ever offered. */
static struct dhcp_lease *offer_lease(struct dhcp_server *s, const struct req *r, uint64_t now)
{
	struct dhcp_lease *l = by_key(s, r);

	if (!l && r->req_ip && in_pool(&s->config, r->req_ip) && !by_addr(s, r->req_ip))
		l = new_lease(s, r, r->req_ip, now);
	if (!l)
		l = new_lease(s, r, 0, now);
	if (l && !(l->state == DHCP_LEASE_BOUND && lease_active(l, now))) {
		l->state = DHCP_LEASE_OFFERED;
		l->expires = now + DHCP_OFFER_SECS;
	}
	return l;
}

/* REQUEST for address A.  After our offer (selecting) the client must
 * take what we offered.  Otherwise (init-reboot, renewing, rebinding) we
 * answer for our link with authority: the client's own address is
 * confirmed, and a free one is granted, so a client keeps its address
 * across a restart of the server; anything else is refused. */
static struct dhcp_lease *grant(struct dhcp_server *s, const struct req *r, uint32_t a,
				bool selecting, uint64_t now)
{
	struct dhcp_lease *own = by_key(s, r);

	if (!in_pool(&s->config, a))
		return NULL;
	if (own && own->addr == a)
		return own;
	if (selecting || (own && lease_active(own, now)) || by_addr(s, a))
		return NULL;
	if (own)
		own->state = DHCP_LEASE_FREE;	/* one entry per client */
	return new_lease(s, r, a, now);
}

/* it ends up in `machinectl list`: printable ASCII only */
static void copy_hostname(struct dhcp_lease *l, const struct req *r)
{
	size_t i, n = r->hostname_len;

	if (n > sizeof(l->hostname) - 1)
		n = sizeof(l->hostname) - 1;
	for (i = 0; i < n; i++) {
		uint8_t c = r->hostname[i];

		l->hostname[i] = c > 0x20 && c < 0x7f ? (char)c : '?';
	}
	l->hostname[n] = 0;
}

/* ---- replies ---- */

struct reply {
	struct wbuf w;
	uint8_t type;
};

/* RFC 2131 table 3: ciaddr is echoed only by an ACK; flags, giaddr and
 * chaddr always. */
static void put_header(struct reply *o, const struct dhcp_server *s, const struct req *r,
		       uint32_t yiaddr)
{
	struct wbuf *w = &o->w;

	wb_u8(w, BOOTREPLY);
	wb_u8(w, HTYPE_ETHER);
	wb_u8(w, HLEN_ETHER);
	wb_u8(w, 0);
	wb_raw32(w, r->xid);
	wb_be16(w, 0);
	wb_be16(w, r->flags);
	wb_raw32(w, o->type == ACK ? r->ciaddr : 0);
	wb_raw32(w, yiaddr);
	wb_raw32(w, 0);		/* siaddr: no boot server */
	wb_raw32(w, r->giaddr);
	wb_put(w, r->chaddr, CHADDR_LEN);
	wb_put(w, NULL, SNAME_LEN + FILE_LEN);
	wb_raw32(w, htonl(DHCP_COOKIE));
	wb_opt(w, OPT_MSG_TYPE, &o->type, 1);
	wb_opt32(w, OPT_SERVER_ID, s->config.server_ip);
}

static void put_lease_times(struct wbuf *w, const struct dhcp_config *c)
{
	wb_opt32(w, OPT_LEASE, htonl(c->lease_secs));
	wb_opt32(w, OPT_T1, htonl(c->lease_secs / 2));
	wb_opt32(w, OPT_T2, htonl((uint32_t)((uint64_t)c->lease_secs * 7 / 8)));
}

static void put_net_options(struct wbuf *w, const struct dhcp_config *c)
{
	wb_opt32(w, OPT_MASK, c->netmask);
	if (c->router)
		wb_opt32(w, OPT_ROUTER, c->router);
	if (c->n_dns)
		wb_opt(w, OPT_DNS, c->dns, c->n_dns * 4);
	wb_opt_str(w, OPT_HOSTNAME, c->hostname);
	wb_opt_str(w, OPT_DOMAIN, c->domain);
	if (c->mtu) {
		uint8_t mtu[2] = { (uint8_t)(c->mtu >> 8), (uint8_t)c->mtu };

		wb_opt(w, OPT_MTU, mtu, 2);
	}
}

/* END, then padding to the BOOTP minimum where the limit allows */
static ssize_t finish(struct reply *o)
{
	struct wbuf *w = &o->w;

	wb_u8(w, OPT_END);
	if (!w->err && w->len < BOOTP_MIN_LEN)
		wb_put(w, NULL, (w->cap < BOOTP_MIN_LEN ? w->cap : BOOTP_MIN_LEN) - w->len);
	return w->err ? -ENOBUFS : (ssize_t)w->len;
}

static ssize_t reply_lease(struct reply *o, struct dhcp_server *s, const struct req *r,
			   const struct dhcp_lease *l)
{
	put_header(o, s, r, l->addr);
	put_lease_times(&o->w, &s->config);
	put_net_options(&o->w, &s->config);
	return finish(o);
}

static ssize_t reply_nak(struct reply *o, struct dhcp_server *s, const struct req *r)
{
	ssize_t n;

	o->type = NAK;
	put_header(o, s, r, 0);
	n = finish(o);
	if (n > 0)
		s->naks++;
	return n;
}

/* ---- messages ---- */

static ssize_t on_discover(struct dhcp_server *s, const struct req *r, struct reply *o, uint64_t now)
{
	struct dhcp_lease *l = offer_lease(s, r, now);

	if (!l)
		return -ENOSPC;
	o->type = OFFER;
	return reply_lease(o, s, r, l);
}

static ssize_t on_request(struct dhcp_server *s, const struct req *r, struct reply *o, uint64_t now)
{
	uint32_t a = r->ciaddr ? r->ciaddr : r->req_ip;
	struct dhcp_lease *l;

	if (r->server_id && r->server_id != s->config.server_ip) {
		/* the client took another server's offer: ours goes back */
		l = by_key(s, r);
		if (l && l->state == DHCP_LEASE_OFFERED)
			l->expires = now;
		return 0;
	}
	if (!a)
		return -EINVAL;
	l = grant(s, r, a, r->server_id != 0, now);
	if (!l)
		return reply_nak(o, s, r);
	l->state = DHCP_LEASE_BOUND;
	l->expires = now + s->config.lease_secs;
	memcpy(l->mac, r->chaddr, HLEN_ETHER);
	if (r->hostname)
		copy_hostname(l, r);
	o->type = ACK;
	return reply_lease(o, s, r, l);
}

static bool for_us(const struct dhcp_server *s, const struct req *r)
{
	return !r->server_id || r->server_id == s->config.server_ip;
}

/* The client found the address in use: nobody gets it for a while. */
static ssize_t on_decline(struct dhcp_server *s, const struct req *r, uint64_t now)
{
	struct dhcp_lease *l = by_key(s, r);

	if (for_us(s, r) && l && r->req_ip && l->addr == r->req_ip) {
		l->state = DHCP_LEASE_DECLINED;
		l->key_len = 0;
		l->expires = now + DHCP_DECLINE_SECS;
	}
	return 0;
}

/* Released addresses stay remembered for the client, until reused. */
static ssize_t on_release(struct dhcp_server *s, const struct req *r, uint64_t now)
{
	struct dhcp_lease *l = by_key(s, r);

	if (for_us(s, r) && l && r->ciaddr && l->addr == r->ciaddr) {
		l->state = DHCP_LEASE_RELEASED;
		l->expires = now;
	}
	return 0;
}

/* RFC 2131 4.3.5: configuration only, no yiaddr, no lease times */
static ssize_t on_inform(struct dhcp_server *s, const struct req *r, struct reply *o)
{
	o->type = ACK;
	put_header(o, s, r, 0);
	put_net_options(&o->w, &s->config);
	return finish(o);
}

static ssize_t dispatch(struct dhcp_server *s, const struct req *r, struct reply *o, uint64_t now)
{
	switch (r->type) {
	case DISCOVER:
		return on_discover(s, r, o, now);
	case REQUEST:
		return on_request(s, r, o, now);
	case DECLINE:
		return on_decline(s, r, now);
	case RELEASE:
		return on_release(s, r, now);
	case INFORM:
		return on_inform(s, r, o);
	default:
		/* server messages sent to the server */
		return -EPROTONOSUPPORT;
	}
}

/* What the client accepts (option 57 counts the IP and UDP headers; 576
 * is the floor every client must take) */
static size_t reply_limit(const struct req *r, size_t cap)
{
	size_t max = r->max_size > MIN_DATAGRAM ? r->max_size : MIN_DATAGRAM;

	max -= IP_UDP_LEN;
	return cap < max ? cap : max;
}

static uint32_t destination(const struct req *r, uint8_t type)
{
	if (type == NAK || !r->ciaddr || (r->flags & FLAG_BROADCAST))
		return htonl(INADDR_BROADCAST);
	return r->ciaddr;
}

static ssize_t count(struct dhcp_server *s, ssize_t n)
{
	if (n == -EBADMSG)
		s->dropped_malformed++;
	else if (n < 0)
		s->dropped_other++;
	else if (n > 0)
		s->replied++;
	return n;
}

ssize_t dhcp_server_handle(struct dhcp_server *s, const void *pkt, size_t len,
			   void *reply, size_t cap, uint32_t *to_addr, uint64_t now)
{
	struct reply o = { .w = { .data = reply } };
	struct req r;
	ssize_t n;

	s->received++;
	*to_addr = 0;
	n = parse_request(pkt, len, &r);
	if (n < 0)
		return count(s, n);
	o.w.cap = reply_limit(&r, cap);
	n = dispatch(s, &r, &o, now);
	if (n > 0)
		*to_addr = destination(&r, o.type);
	return count(s, n);
}

const struct dhcp_lease *dhcp_server_find(const struct dhcp_server *s, const uint8_t mac[6])
{
	const struct dhcp_lease *l, *best = NULL;

	for (l = s->leases; l < s->leases + DHCP_MAX_LEASES; l++)
		if (l->state == DHCP_LEASE_BOUND && !memcmp(l->mac, mac, HLEN_ETHER) &&
		    (!best || l->expires > best->expires))
			best = l;
	return best;
}

/* The pool is clamped into the server's subnet, without its network and
 * broadcast addresses, so every pool address is one a client can use. */
static void clamp_pool(struct dhcp_config *c)
{
	uint32_t mask = ntohl(c->netmask), net = ntohl(c->server_ip) & mask;
	uint32_t bcast = net | ~mask;
	uint32_t first = ntohl(c->pool_first), last = ntohl(c->pool_last);

	if (bcast - net < 2) {
		/* /31, /32: no room for clients */
		c->pool_first = htonl(1);
		c->pool_last = 0;
		return;
	}
	if (first <= net)
		first = net + 1;
	if (last >= bcast)
		last = bcast - 1;
	c->pool_first = htonl(first);
	c->pool_last = htonl(last);
}

void dhcp_server_init(struct dhcp_server *s, const struct dhcp_config *c)
{
	memset(s, 0, sizeof(*s));
	s->config = *c;
	if (!s->config.lease_secs)
		s->config.lease_secs = DHCP_DEFAULT_LEASE_SECS;
	if (s->config.n_dns > 3)
		s->config.n_dns = 3;
	s->config.hostname[sizeof(s->config.hostname) - 1] = 0;
	s->config.domain[sizeof(s->config.domain) - 1] = 0;
	clamp_pool(&s->config);
}

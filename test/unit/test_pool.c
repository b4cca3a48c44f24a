/* The address pool for container links */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net/pool.h"
#include "tap.h"

static struct ipv4_net net(const char *s)
{
	struct ipv4_net n = { 0, 0 };

	parse_ipv4_net(s, &n);
	return n;
}

static const char *str(const struct ipv4_net *n)
{
	static char buf[32];
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &n->addr, a, sizeof(a));
	snprintf(buf, sizeof(buf), "%s/%u", a, n->prefix);
	return buf;
}

int main(void)
{
	struct ipv4_net pool[2] = { net("192.168.0.0/16"), net("10.0.0.0/8") };
	struct ipv4_net used[40], out, a = net("10.1.0.0/16"), b = net("10.1.2.0/24");
	unsigned i, j, distinct = 1;

	ok(ipv4_net_overlap(&a, &b), "a /16 overlaps a /24 inside it");
	b = net("10.2.0.0/24");
	ok(!ipv4_net_overlap(&a, &b), "and not one outside");
	is_int(pool_pick(pool, 1, NULL, 0, 0, &out), 0, "an empty host gets a subnet");
	is_str(str(&out), "192.168.0.0/28", "seed 0: the first /28");
	is_int(pool_pick(pool, 1, NULL, 0, 5, &out), 0, "seed 5");
	is_str(str(&out), "192.168.0.80/28", "seed 5: the sixth /28");
	is_int(pool_pick(pool, 1, NULL, 0, 4096 + 1, &out), 0, "seeds wrap around the pool");
	is_str(str(&out), "192.168.0.16/28", "seed 4097: the second /28");

	/* the host's own LAN and a route are skipped */
	used[0] = net("192.168.0.0/24");
	used[1] = net("192.168.1.0/28");
	is_int(pool_pick(pool, 1, used, 2, 0, &out), 0, "a used /24 is skipped");
	is_str(str(&out), "192.168.1.16/28", "the first free /28 after them");
	used[0] = net("192.168.0.0/16");
	is_int(pool_pick(pool, 2, used, 1, 0, &out), 0, "a full first network");
	is_str(str(&out), "10.0.0.0/28", "moves on to the next one");
	is_int(pool_pick(pool, 1, used, 1, 0, &out), -ENOSPC, "nothing free: -ENOSPC");
	used[0] = net("0.0.0.0/0");
	is_int(pool_pick(pool, 2, used, 1, 0, &out), -ENOSPC, "a default route counts as overlapping everything");

	/* 30 machines, each seeing the ones before: 30 distinct subnets */
	for (i = 0; i < 30; i++) {
		char name[16];

		snprintf(name, sizeof(name), "m%u", i);
		if (pool_pick(pool, 2, used + 1, i, hash32(name), &used[1 + i]) < 0)
			break;
	}
	is_int(i, 30, "30 machines got subnets");
	for (i = 1; i < 30; i++)
		for (j = 0; j < i; j++)
			if (ipv4_net_overlap(&used[1 + i], &used[1 + j]))
				distinct = 0;
	ok(distinct, "and no two overlap");
	out = net("192.0.2.16/28");
	out.addr = ipv4_net_host(&out, 1);
	is_str(str(&out), "192.0.2.17/28", "host 1 of a /28");
	is_int(ntohl(ipv4_prefix_mask(28)), 0xfffffff0, "mask of /28");
	return tap_done();
}

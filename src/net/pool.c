/* Address pool: pure arithmetic, unit-tested. */
#include <arpa/inet.h>
#include <errno.h>

#include "net/pool.h"

uint32_t ipv4_prefix_mask(unsigned prefix)
{
	return prefix ? htonl(~0U << (32 - prefix)) : 0;
}

bool ipv4_net_overlap(const struct ipv4_net *a, const struct ipv4_net *b)
{
	/* two networks overlap when one contains the other's base */
	unsigned p = a->prefix < b->prefix ? a->prefix : b->prefix;
	uint32_t m = ipv4_prefix_mask(p);

	return (a->addr & m) == (b->addr & m);
}

uint32_t ipv4_net_host(const struct ipv4_net *net, uint32_t n)
{
	return htonl(ntohl(net->addr) + n);
}

uint32_t hash32(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static bool is_free(const struct ipv4_net *cand, const struct ipv4_net *used, unsigned n_used)
{
	unsigned i;

	for (i = 0; i < n_used; i++)
		if (ipv4_net_overlap(cand, &used[i]))
			return false;
	return true;
}

int pool_pick(const struct ipv4_net *pool, unsigned n_pool,
	      const struct ipv4_net *used, unsigned n_used, uint32_t seed,
	      struct ipv4_net *out)
{
	unsigned i;

	for (i = 0; i < n_pool; i++) {
		uint64_t count, k, start;

		if (pool[i].prefix > POOL_PREFIX)
			continue;
		count = 1ULL << (POOL_PREFIX - pool[i].prefix);
		start = i == 0 ? seed % count : 0;
		for (k = 0; k < count; k++) {
			uint64_t idx = (start + k) % count;
			struct ipv4_net cand = {
				.addr = htonl(ntohl(pool[i].addr) + (uint32_t)(idx << (32 - POOL_PREFIX))),
				.prefix = POOL_PREFIX,
			};

			if (is_free(&cand, used, n_used)) {
				*out = cand;
				return 0;
			}
		}
	}
	return -ENOSPC;
}

/* Subnets for container links: /28s from the configured pool that overlap
 * nothing already on the host (DESIGN.md §6). */
#ifndef MACHBOX_NET_POOL_H
#define MACHBOX_NET_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"

#define POOL_PREFIX 28

bool ipv4_net_overlap(const struct ipv4_net *a, const struct ipv4_net *b);

/* The first free /28, searched network by network of POOL; within the
 * first network the search starts at a place derived from SEED (a hash of
 * the machine name) so a machine tends to get the same subnet every time.
 * USED: every address network and route of the host.  0 or -ENOSPC. */
int pool_pick(const struct ipv4_net *pool, unsigned n_pool,
	      const struct ipv4_net *used, unsigned n_used, uint32_t seed,
	      struct ipv4_net *out);

/* the n-th address of a network (network byte order): 1 = host side */
uint32_t ipv4_net_host(const struct ipv4_net *net, uint32_t n);
uint32_t ipv4_prefix_mask(unsigned prefix);	/* network byte order */
uint32_t hash32(const char *s);

#endif

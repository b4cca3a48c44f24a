/* Host settings: $MACHBOX_ROOT/etc/machbox/machbox.conf (DESIGN.md §4),
 * systemd syntax:
 *   [Network]  AddressPool=192.168.0.0/16 172.16.0.0/12 10.0.0.0/8
 *              DNS=1.1.1.1 9.9.9.9      (for guests; default: the host's
 *                                        resolv.conf without loopback)
 *              Masquerade=yes           (NAT for the veth subnets)
 *   [Console]  EscapeKey=^]
 *   [Machines] ManageGroup=machines     (its members manage every machine
 *                                        through machined, as root does)
 *              UserImages=debian busybox (images any user may clone into
 *                                        a user-$USER-* machine)
 * A missing file means the defaults. */
#ifndef MACHBOX_CONF_H
#define MACHBOX_CONF_H

#include <stdbool.h>
#include <stdint.h>

#include "ini.h"

#define CONF_MAX_POOL 8
#define CONF_MAX_DNS 3

struct ipv4_net {
	uint32_t addr;		/* network byte order */
	unsigned prefix;
};

struct machbox_conf {
	struct ipv4_net pool[CONF_MAX_POOL];
	unsigned n_pool;
	uint32_t dns[CONF_MAX_DNS];	/* network byte order */
	unsigned n_dns;
	bool masquerade;
	unsigned char escape_key;
	char manage_group[33];		/* "": none */
	char user_images[256];		/* names, space-separated */
};

void conf_defaults(struct machbox_conf *c);
/* defaults, then the file; -EINVAL with err set for a bad value */
int conf_load(struct machbox_conf *c, ini_warn_fn warn, void *ud, char *err, size_t errlen);
int conf_load_buffer(struct machbox_conf *c, const char *name, const char *buf, size_t len,
		     ini_warn_fn warn, void *ud, char *err, size_t errlen);

/* "10.0.0.0/8" (host bits must be zero) */
int parse_ipv4_net(const char *s, struct ipv4_net *net);
/* "^]", "^A", or one plain character */
int parse_escape_key(const char *s, unsigned char *key);

#endif

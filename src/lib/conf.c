/* machbox.conf: the host's settings (see include/conf.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "machbox.h"

/* [Machines] is mostly machined's (src/machined/autostart.c): known here,
 * its other keys passed over quietly */
enum { SECT_NETWORK = 1, SECT_CONSOLE, SECT_MACHINES };
static const char *const sections[] = { NULL, "Network", "Console", "Machines" };

void conf_defaults(struct machbox_conf *c)
{
	static const char *const pool[] = { "192.168.0.0/16", "172.16.0.0/12", "10.0.0.0/8" };
	unsigned i;

	memset(c, 0, sizeof(*c));
	/* systemd-networkd's default pool for container links */
	for (i = 0; i < ARRAY_SIZE(pool); i++)
		parse_ipv4_net(pool[i], &c->pool[c->n_pool++]);
	c->masquerade = true;
	c->escape_key = 0x1d;
}

int parse_ipv4_net(const char *s, struct ipv4_net *net)
{
	char buf[32];
	const char *slash = strchr(s, '/');
	unsigned long long prefix;
	struct in_addr a;
	uint32_t mask;

	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = 0;
	if (inet_pton(AF_INET, buf, &a) != 1 || parse_uint(slash + 1, 32, &prefix) < 0)
		return -EINVAL;
	mask = prefix ? htonl(~0U << (32 - prefix)) : 0;
	if (a.s_addr & ~mask)
		return -EINVAL;	/* host bits set: a typo, not a network */
	net->addr = a.s_addr;
	net->prefix = (unsigned)prefix;
	return 0;
}

int parse_escape_key(const char *s, unsigned char *key)
{
	if (s[0] == '^' && s[1] && !s[2]) {
		unsigned char c = (unsigned char)s[1];

		if (c >= 'a' && c <= 'z')
			c = (unsigned char)(c - 'a' + 'A');
		if (c < '@' || c > '_')
			return -EINVAL;
		*key = (unsigned char)(c - '@');
		return 0;
	}
	if (s[0] && !s[1]) {
		*key = (unsigned char)s[0];
		return 0;
	}
	return -EINVAL;
}

/* space-separated words of a value, each given to fn */
static int each_word(struct ini *ini, const char *key, const char *v,
		     int (*fn)(struct machbox_conf *, const char *), struct machbox_conf *c)
{
	char buf[512], *save = NULL, *w;
	int r;

	if (strlcpy_mb(buf, v, sizeof(buf)) >= sizeof(buf))
		return ini_errorf(ini, "%s=: value too long", key);
	for (w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		r = fn(c, w);
		if (r == -E2BIG)
			return ini_errorf(ini, "%s=: too many entries", key);
		if (r < 0)
			return ini_errorf(ini, "%s=: invalid entry '%.64s'", key, w);
	}
	return 0;
}

static int add_pool(struct machbox_conf *c, const char *w)
{
	if (c->n_pool >= CONF_MAX_POOL)
		return -E2BIG;
	return parse_ipv4_net(w, &c->pool[c->n_pool++]) < 0 ? (c->n_pool--, -EINVAL) : 0;
}

static int add_dns(struct machbox_conf *c, const char *w)
{
	struct in_addr a;

	if (c->n_dns >= CONF_MAX_DNS)
		return -E2BIG;
	if (inet_pton(AF_INET, w, &a) != 1)
		return -EINVAL;
	c->dns[c->n_dns++] = a.s_addr;
	return 0;
}

struct conf_parser {
	struct ini ini;
	struct machbox_conf *c;
	bool pool_set;
};

static int assign(struct ini *ini, const char *key, const char *v)
{
	struct conf_parser *p = container_of(ini, struct conf_parser, ini);
	struct machbox_conf *c = p->c;
	int b;

	if (ini->sect == SECT_NETWORK && !strcmp(key, "AddressPool")) {
		if (!p->pool_set)
			c->n_pool = 0;	/* the file's list replaces the default */
		p->pool_set = true;
		return each_word(ini, key, v, add_pool, c);
	}
	if (ini->sect == SECT_NETWORK && !strcmp(key, "DNS"))
		return each_word(ini, key, v, add_dns, c);
	if (ini->sect == SECT_NETWORK && !strcmp(key, "Masquerade")) {
		b = parse_bool(v);
		if (b < 0)
			return ini_errorf(ini, "%s=: not a boolean: '%.64s'", key, v);
		c->masquerade = b;
		return 0;
	}
	if (ini->sect == SECT_MACHINES && !strcmp(key, "ManageGroup"))
		return strlcpy_mb(c->manage_group, v, sizeof(c->manage_group)) >= sizeof(c->manage_group) ?
		       ini_errorf(ini, "%s=: name too long", key) : 0;
	if (ini->sect == SECT_MACHINES && !strcmp(key, "UserImages"))
		return strlcpy_mb(c->user_images, v, sizeof(c->user_images)) >= sizeof(c->user_images) ?
		       ini_errorf(ini, "%s=: value too long", key) : 0;
	if (ini->sect == SECT_MACHINES)
		return 0;
	if (ini->sect == SECT_CONSOLE && !strcmp(key, "EscapeKey"))
		return parse_escape_key(v, &c->escape_key) < 0 ?
		       ini_errorf(ini, "%s=: not a key like ^] or a character: '%.64s'", key, v) : 0;
	return 1;
}

static void parser_init(struct conf_parser *p, struct machbox_conf *c, const char *name,
			ini_warn_fn warn, void *ud, char *err, size_t errlen)
{
	*p = (struct conf_parser){
		.ini = {
			.file = name, .sections = sections, .n_sections = SECT_MACHINES,
			.assign = assign, .warn = warn, .ud = ud, .err = err, .errlen = errlen,
		},
		.c = c,
	};
	conf_defaults(c);
}

int conf_load_buffer(struct machbox_conf *c, const char *name, const char *buf, size_t len,
		     ini_warn_fn warn, void *ud, char *err, size_t errlen)
{
	struct conf_parser p;

	parser_init(&p, c, name, warn, ud, err, errlen);
	return ini_parse_buffer(&p.ini, buf, len);
}

int conf_load(struct machbox_conf *c, ini_warn_fn warn, void *ud, char *err, size_t errlen)
{
	struct conf_parser p;
	char path[4096];
	int r;

	r = root_path(path, sizeof(path), "/etc/machbox/machbox.conf");
	if (r < 0)
		return r;
	parser_init(&p, c, path, warn, ud, err, errlen);
	r = ini_parse_file(&p.ini, path);
	if (r == -ENOENT) {
		conf_defaults(c);
		ini_seterr(err, errlen, "%s", "");
		return 0;
	}
	return r;
}

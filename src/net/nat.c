/* NAT for container links through nft (or iptables). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fileio.h"
#include "machbox.h"
#include "net/nat.h"
#include "net/pool.h"
#include "run.h"

int parse_port_forward(const char *s, struct port_forward *p)
{
	unsigned long long hp, gp;
	char buf[32], *colon;

	p->proto = IPPROTO_TCP;
	if (startswith(s, "tcp:"))
		s += 4;
	else if (startswith(s, "udp:")) {
		p->proto = IPPROTO_UDP;
		s += 4;
	}
	if (strlcpy_mb(buf, s, sizeof(buf)) >= sizeof(buf))
		return -EINVAL;
	colon = strchr(buf, ':');
	if (colon)
		*colon = 0;
	if (parse_uint(buf, 65535, &hp) < 0 || hp == 0)
		return -EINVAL;
	gp = hp;
	if (colon && (parse_uint(colon + 1, 65535, &gp) < 0 || gp == 0))
		return -EINVAL;
	p->host_port = (uint16_t)hp;
	p->guest_port = (uint16_t)gp;
	return 0;
}

/* nft identifiers allow the characters of machine names */
static void table_name(const char *machine, char *buf, size_t len)
{
	snprintf(buf, len, "machbox-%s", machine);
}

static int append(char *buf, size_t len, size_t *at, const char *fmt, ...) PRINTF(4, 5);
static int append(char *buf, size_t len, size_t *at, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*at >= len)
		return -ENOSPC;
	va_start(ap, fmt);
	n = vsnprintf(buf + *at, len - *at, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *at)
		return -ENOSPC;
	*at += (size_t)n;
	return 0;
}

static int dnat_rules(const struct nat_spec *s, char *buf, size_t len, size_t *at)
{
	char guest[INET_ADDRSTRLEN];
	unsigned i;
	int r = 0;

	inet_ntop(AF_INET, &s->guest, guest, sizeof(guest));
	for (i = 0; i < s->n_ports && !r; i++)
		r = append(buf, len, at, "\t\tfib daddr type local %s dport %u dnat to %s:%u\n",
			   s->ports[i].proto == IPPROTO_UDP ? "udp" : "tcp",
			   s->ports[i].host_port, guest, s->ports[i].guest_port);
	return r;
}

int nat_nft_script(const struct nat_spec *s, char *buf, size_t len)
{
	char table[96], net[INET_ADDRSTRLEN];
	size_t at = 0;
	int r;

	table_name(s->machine, table, sizeof(table));
	inet_ntop(AF_INET, &s->subnet.addr, net, sizeof(net));
	/* "add" then "delete" makes the delete succeed whether or not an
	 * old table was left behind: one transaction, never half a table */
	r = append(buf, len, &at, "add table ip %s\ndelete table ip %s\ntable ip %s {\n",
		   table, table, table);
	if (!r && s->masquerade)
		r = append(buf, len, &at,
			   "\tchain postrouting {\n"
			   "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
			   "\t\tip saddr %s/%u oifname != \"%s\" masquerade\n\t}\n"
			   "\tchain forward {\n"
			   "\t\ttype filter hook forward priority filter; policy accept;\n"
			   "\t\tiifname \"%s\" accept\n"
			   "\t\toifname \"%s\" ct state established,related accept\n\t}\n",
			   net, s->subnet.prefix, s->ifname, s->ifname, s->ifname);
	if (!r && s->n_ports) {
		r = append(buf, len, &at, "\tchain prerouting {\n"
			   "\t\ttype nat hook prerouting priority dstnat; policy accept;\n");
		if (!r)
			r = dnat_rules(s, buf, len, &at);
		if (!r)
			r = append(buf, len, &at, "\t}\n\tchain output {\n"
				   "\t\ttype nat hook output priority -100; policy accept;\n");
		if (!r)
			r = dnat_rules(s, buf, len, &at);
		if (!r)
			r = append(buf, len, &at, "\t}\n");
	}
	if (!r)
		r = append(buf, len, &at, "}\n");
	return r;
}

/* iptables: a chain of ours per table, jumped to from the built-in one */
static void ipt_chain(const char *machine, char *buf, size_t len)
{
	snprintf(buf, len, "MACHBOX-%08x", hash32(machine));
}

static int ipt(const char *table, const char *a1, const char *a2, const char *a3,
	       const char *a4, char *err, size_t errlen)
{
	const char *argv[] = { "iptables", "-w", "-t", table, a1, a2, a3, a4, NULL };

	return run_cmd(argv, NULL, err, errlen);
}

static int ipt_rule(const char *table, const char *chain, const char *rule, char *err, size_t errlen)
{
	char cmd[512];
	const char *argv[40];
	char *save = NULL, *w;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "iptables -w -t %s -A %s %s", table, chain, rule);
	for (w = strtok_r(cmd, " ", &save); w && n < 39; w = strtok_r(NULL, " ", &save))
		argv[n++] = w;
	argv[n] = NULL;
	return run_cmd(argv, NULL, err, errlen);
}

static int ipt_setup(const struct nat_spec *s, char *err, size_t errlen)
{
	char chain[32], rule[256], net[INET_ADDRSTRLEN], guest[INET_ADDRSTRLEN];
	unsigned i;
	int r = 0;

	nat_teardown(s->machine);
	ipt_chain(s->machine, chain, sizeof(chain));
	inet_ntop(AF_INET, &s->subnet.addr, net, sizeof(net));
	inet_ntop(AF_INET, &s->guest, guest, sizeof(guest));
	if ((r = ipt("nat", "-N", chain, NULL, NULL, err, errlen)) ||
	    (r = ipt("nat", "-A", "POSTROUTING", "-j", chain, err, errlen)) ||
	    (r = ipt("nat", "-A", "PREROUTING", "-j", chain, err, errlen)) ||
	    (r = ipt("nat", "-A", "OUTPUT", "-j", chain, err, errlen)))
		return r < 0 ? r : -EIO;
	if (s->masquerade) {
		snprintf(rule, sizeof(rule), "-s %s/%u ! -o %s -j MASQUERADE", net, s->subnet.prefix, s->ifname);
		r = ipt_rule("nat", chain, rule, err, errlen);
	}
	for (i = 0; !r && i < s->n_ports; i++) {
		snprintf(rule, sizeof(rule), "-m addrtype --dst-type LOCAL -p %s --dport %u -j DNAT --to-destination %s:%u",
			 s->ports[i].proto == IPPROTO_UDP ? "udp" : "tcp", s->ports[i].host_port,
			 guest, s->ports[i].guest_port);
		r = ipt_rule("nat", chain, rule, err, errlen);
	}
	return r < 0 ? r : r ? -EIO : 0;
}

static void enable_forwarding(void)
{
	/* what networkd's IPMasquerade= does too; in the netns we run in */
	write_file_at(AT_FDCWD, "/proc/sys/net/ipv4/ip_forward", "1", O_TRUNC, 0);
}

int nat_setup(const struct nat_spec *s, char *err, size_t errlen)
{
	const char *argv[] = { "nft", "-f", "-", NULL };
	char script[4096];
	int r;

	if (!s->masquerade && !s->n_ports)
		return 0;
	r = nat_nft_script(s, script, sizeof(script));
	if (r < 0)
		return r;
	if (s->masquerade)
		enable_forwarding();
	r = run_cmd(argv, script, err, errlen);
	if (r == -ENOENT)
		r = ipt_setup(s, err, errlen);
	return r > 0 ? -EIO : r;
}

int nat_teardown(const char *machine)
{
	const char *nft[] = { "nft", "delete", "table", "ip", NULL, NULL };
	static const char *const hooks[] = { "POSTROUTING", "PREROUTING", "OUTPUT" };
	char table[96], chain[32];
	size_t i;

	table_name(machine, table, sizeof(table));
	nft[4] = table;
	if (run_cmd(nft, NULL, NULL, 0) != -ENOENT)
		return 0;
	if (!have_cmd("iptables"))
		return 0;
	ipt_chain(machine, chain, sizeof(chain));
	for (i = 0; i < ARRAY_SIZE(hooks); i++)
		ipt("nat", "-D", hooks[i], "-j", chain, NULL, 0);
	ipt("nat", "-F", chain, NULL, NULL, NULL, 0);
	ipt("nat", "-X", chain, NULL, NULL, NULL, 0);
	return 0;
}

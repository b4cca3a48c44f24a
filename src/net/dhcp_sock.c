/* The DHCP server's socket: packets from the link to dhcp_server_handle()
 * and its replies back.  A plain UDP socket is enough: we never unicast to
 * an address the client does not have yet (those replies are broadcast),
 * so no raw socket or ARP entry is needed. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "net/dhcp.h"

/* Packets read per call: a flood waits for the next turn of the
 * monitor's loop instead of holding it. */
#define DHCP_BATCH 32

static int set_int(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v)) < 0 ? -errno : 0;
}

static int sock_setup(int fd, const char *ifname)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(DHCP_SERVER_PORT),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	int r;

	r = set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (!r)
		r = set_int(fd, SOL_SOCKET, SO_BROADCAST, 1);
	if (r)
		return r;
	/* before bind: each monitor's socket then owns port 67 on its link
	 * only, and broadcasts leave through that link */
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return -errno;
	return 0;
}

int dhcp_socket_open(const char *ifname)
{
	int fd, r;

	if (!*ifname || strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = sock_setup(fd, ifname);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

static void send_reply(int fd, struct dhcp_server *s, const void *buf, size_t len, uint32_t to)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(DHCP_CLIENT_PORT),
		.sin_addr.s_addr = to,
	};

	/* a full queue or an unreachable client costs this reply only; the
	 * client retransmits */
	if (sendto(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		s->send_failed++;
}

/* One datagram: 1 when handled, 0 when the queue is empty, or -errno.
 * MSG_TRUNC gives the real length of an oversized datagram, which
 * dhcp_server_handle() then drops (and counts) without reading past the
 * buffer: it checks the length first. */
static int serve_one(int fd, struct dhcp_server *s, uint64_t now)
{
	uint8_t pkt[DHCP_MSG_MAX + 1], reply[DHCP_REPLY_MAX];
	uint32_t to;
	ssize_t n, r;

	n = recv(fd, pkt, sizeof(pkt), MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return -errno;
	}
	r = dhcp_server_handle(s, pkt, (size_t)n < sizeof(pkt) ? (size_t)n : sizeof(pkt),
			       reply, sizeof(reply), &to, now);
	if (r > 0)
		send_reply(fd, s, reply, (size_t)r, to);
	return 1;
}

int dhcp_socket_serve(int fd, struct dhcp_server *s, uint64_t now)
{
	int done = 0;

	while (done < DHCP_BATCH) {
		int r = serve_one(fd, s, now);

		if (r == -EINTR)
			continue;
		if (r < 0)
			return r;
		if (r == 0)
			break;
		done++;
	}
	return done;
}

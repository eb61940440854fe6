/* SPDX-License-Identifier: MIT */
/*
 * udp.c: UDP in and out, the echo and halt services (chapter 8), and
 * the DHCP client's port (chapter 9); see udp.h.
 */
#include <string.h>

#include "abi/virtio.h"
#include "checksum.h"
#include "dhcp.h"
#include "udp.h"

uint16_t udp_checksum(uint32_t src, uint32_t dst, const uint8_t *p, size_t len)
{
	uint8_t pseudo[12];
	uint32_t sum;

	put32(pseudo, src);
	put32(pseudo + 4, dst);
	pseudo[8] = 0;
	pseudo[9] = IPV4_PROTO_UDP;
	put16(pseudo + 10, (uint16_t)len);
	sum = csum_add(0, pseudo, sizeof(pseudo));
	return csum_fold(csum_add(sum, p, len));
}

void udp_input(struct netif *nif, const struct ipv4_info *ip, const uint8_t *p)
{
	size_t len;
	uint16_t dport;

	if (ip->len < UDP_HLEN || get16(p + 4) < UDP_HLEN ||
	    get16(p + 4) > ip->len) {
		nif->c.udp_bad++;
		return;
	}
	len = get16(p + 4);
	if (get16(p + 6) && udp_checksum(ip->src, ip->dst, p, len) != 0) {
		nif->c.udp_bad_csum++;
		return;
	}
	dport = get16(p + 2);
	if (dport == DHCP_CLIENT_PORT && nif->dhcp) {
		dhcp_input(nif, p, len);
	} else if (!nif->ip || ip->dst != nif->ip) {
		/* A broadcast, or no address yet: only DHCP listens. */
		nif->c.udp_no_port++;
	} else if (dport == ABI_NET_UDP_ECHO) {
		memcpy(ipv4_payload(nif) + UDP_HLEN, p + UDP_HLEN,
		       len - UDP_HLEN);
		if (udp_output(nif, ip->src, dport, get16(p), len - UDP_HLEN) ==
		    0)
			nif->c.udp_echoed++;
	} else if (dport == ABI_NET_UDP_HALT && len - UDP_HLEN >= 4 &&
		   memcmp(p + UDP_HLEN, "halt", 4) == 0) {
		nif->halt = true;
	} else {
		nif->c.udp_no_port++;
	}
}

int udp_output(struct netif *nif, uint32_t dst, uint16_t sport, uint16_t dport,
	       size_t len)
{
	uint8_t *u = ipv4_payload(nif);
	uint16_t sum;

	len += UDP_HLEN;
	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)len);
	put16(u + 6, 0);
	sum = udp_checksum(nif->ip, dst, u, len);
	put16(u + 6, sum ? sum : 0xffff);
	return ipv4_output(nif, dst, IPV4_PROTO_UDP, len);
}

/* SPDX-License-Identifier: MIT */
/*
 * ipv4.c: IPv4 in and out (chapter 8); see ipv4.h.
 */
#include <string.h>

#include "arp.h"
#include "checksum.h"
#include "eth.h"
#include "icmp.h"
#include "ipv4.h"
#include "udp.h"

#define IPV4_MF	     0x2000 /* more fragments */
#define IPV4_DF	     0x4000 /* don't fragment */
#define IPV4_OFFMASK 0x1fff

int ipv4_parse(const uint8_t *p, size_t len, struct ipv4_info *info)
{
	size_t hlen, total;

	if (len < IPV4_HLEN || p[0] >> 4 != 4)
		return -1;
	hlen = (size_t)(p[0] & 15) * 4;
	total = get16(p + 2);
	if (hlen < IPV4_HLEN || hlen > total || total > len)
		return -1;
	if (inet_checksum(p, hlen) != 0)
		return -2;
	if (get16(p + 6) & (IPV4_MF | IPV4_OFFMASK))
		return -3;
	info->ttl = p[8];
	info->proto = p[9];
	info->src = get32(p + 12);
	info->dst = get32(p + 16);
	info->hlen = hlen;
	info->len = total - hlen;
	return 0;
}

/*
 * To our address; or UDP to the broadcast address, or, until DHCP gives
 * us an address (nif->ip 0), to any: a DHCP server's replies come
 * broadcast or unicast to the address offered (RFC 2131, 4.1).
 * udp_input() gives those to the DHCP client only.
 */
static bool ipv4_ours(const struct netif *nif, const struct ipv4_info *ip)
{
	if (nif->ip && ip->dst == nif->ip)
		return true;
	return ip->proto == IPV4_PROTO_UDP &&
	       (!nif->ip || ip->dst == IPV4_BROADCAST);
}

void ipv4_input(struct netif *nif, const uint8_t *p, size_t len)
{
	struct ipv4_info ip;

	nif->c.ip_rx++;
	switch (ipv4_parse(p, len, &ip)) {
	case -1:
		nif->c.ip_bad_header++;
		return;
	case -2:
		nif->c.ip_bad_csum++;
		return;
	case -3:
		nif->c.ip_fragments++;
		return;
	}
	if (!ipv4_ours(nif, &ip)) {
		nif->c.ip_not_ours++;
		return;
	}
	switch (ip.proto) {
	case IPV4_PROTO_ICMP:
		icmp_input(nif, &ip, p + ip.hlen);
		break;
	case IPV4_PROTO_UDP:
		udp_input(nif, &ip, p + ip.hlen);
		break;
	default:
		nif->c.ip_other_proto++;
	}
}

uint32_t ipv4_next_hop(const struct netif *nif, uint32_t dst)
{
	if ((dst & nif->netmask) == (nif->ip & nif->netmask))
		return dst;
	return nif->gw;
}

int ipv4_output(struct netif *nif, uint32_t dst, uint8_t proto, size_t len)
{
	uint8_t *h = nif->out + ETH_HLEN;
	uint8_t mac[ETH_ALEN];
	uint32_t hop = ipv4_next_hop(nif, dst);

	/* The limited broadcast needs no ARP: DHCP before it has an address. */
	if (dst == IPV4_BROADCAST) {
		memcpy(mac, eth_broadcast, ETH_ALEN);
	} else if (arp_lookup(nif, hop, mac) < 0) {
		nif->c.ip_unresolved++;
		arp_request(nif, hop); /* overwrites nif->out: dropped */
		return -1;
	}
	h[0] = 0x45; /* version 4, 5 words of header */
	h[1] = 0;    /* type of service */
	put16(h + 2, (uint16_t)(IPV4_HLEN + len));
	put16(h + 4, nif->ip_id++);
	put16(h + 6, IPV4_DF);
	h[8] = IPV4_TTL;
	h[9] = proto;
	put16(h + 10, 0);
	put32(h + 12, nif->ip);
	put32(h + 16, dst);
	put16(h + 10, inet_checksum(h, IPV4_HLEN));
	return eth_output(nif, mac, ETHERTYPE_IPV4, IPV4_HLEN + len);
}

/* SPDX-License-Identifier: MIT */
/*
 * ipv4.h: the Internet Protocol, version 4 (RFC 791), chapter 8.
 *
 * The guest checks every header it receives (version, header length,
 * total length, checksum), takes packets for its own address only (and
 * for DHCP, chapter 9, UDP broadcasts, and any UDP before it has an
 * address), and drops fragments, counting them: a stack that reassembles
 * is a lesson of its own.  It sends 20-byte headers with Don't Fragment set and a
 * TTL of 64, to a neighbour directly or through the gateway.
 */
#ifndef GUEST_NET_IPV4_H
#define GUEST_NET_IPV4_H

#include <stddef.h>
#include <stdint.h>

#include "netif.h"

#define IPV4_HLEN	 20
#define IPV4_TTL	 64
#define IPV4_PROTO_ICMP	 1
#define IPV4_PROTO_UDP	 17
#define IPV4_PAYLOAD_MAX (ETH_MTU - IPV4_HLEN)
#define IPV4_BROADCAST	 0xffffffffu /* 255.255.255.255, this link only */

/* The parts of a received header the layers above use. */
struct ipv4_info {
	uint32_t src, dst;
	uint8_t proto, ttl;
	size_t hlen; /* header bytes, options included */
	size_t len;  /* payload bytes (total length - hlen) */
};

/*
 * Check the header at p (len bytes from the Ethernet payload: the frame
 * may be padded past the packet's total length) and fill *info.  0, or
 * -1 for a malformed header, -2 for a bad checksum, -3 for a fragment.
 */
int ipv4_parse(const uint8_t *p, size_t len, struct ipv4_info *info);

/* An IPv4 packet (the Ethernet payload): checked, counted, handed up. */
void ipv4_input(struct netif *nif, const uint8_t *p, size_t len);

/* Where the layer above writes its packet in nif->out. */
static inline uint8_t *ipv4_payload(struct netif *nif)
{
	return nif->out + ETH_HLEN + IPV4_HLEN;
}

/* Who an IPv4 packet to `dst` goes to on the link: dst or the gateway. */
uint32_t ipv4_next_hop(const struct netif *nif, uint32_t dst);

/*
 * Send the `len` bytes at ipv4_payload(nif) to `dst` as protocol
 * `proto`.  0; -1 if the next hop's MAC is not in the ARP cache (an ARP
 * request goes out instead and the packet is dropped, counted in
 * ip_unresolved) or the driver refused the frame.  To IPV4_BROADCAST it
 * goes to the Ethernet broadcast address, with no ARP.
 */
int ipv4_output(struct netif *nif, uint32_t dst, uint8_t proto, size_t len);

#endif

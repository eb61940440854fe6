/* SPDX-License-Identifier: MIT */
/*
 * netif.h: chapter 8's network interface, the one thing every layer of
 * the guest's small stack (guest/net) shares.
 *
 * The stack is a teaching one: Ethernet, ARP with a small cache, IPv4
 * (no fragments, no options honoured), ICMP echo both ways and UDP with
 * an echo service; chapter 9 adds a DHCP client (dhcp.h).  One file per protocol, each with its own header;
 * frames go in through eth_input() and out through the driver's send().
 *
 * It is freestanding C with no guest dependency but memcpy and friends,
 * so tests/unit/test_netstack.c builds the same files for the host.
 *
 * Addresses are kept as host-order uint32_t (10.0.2.15 is 0x0a00020f);
 * everything on the wire is read and written byte by byte in network
 * order (big-endian) with get16/put16/get32/put32, so no header is ever
 * cast to a struct and no field needs to be aligned.
 */
#ifndef GUEST_NET_NETIF_H
#define GUEST_NET_NETIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETH_ALEN      6
#define ETH_HLEN      14
#define ETH_MTU	      1500
#define ETH_ZLEN      60 /* the shortest frame, without its FCS */
#define ETH_FRAME_MAX (ETH_HLEN + ETH_MTU)

#define ARP_CACHE 8

struct dhcp; /* dhcp.h */

/* Counters: every frame that is dropped is dropped into one of these. */
struct net_counters {
	/* Ethernet (eth.c) */
	unsigned long rx_frames, tx_frames, tx_failed;
	unsigned long rx_short, rx_not_ours, rx_other_type;
	/* ARP (arp.c) */
	unsigned long arp_requests_answered, arp_requests_sent, arp_replies;
	unsigned long arp_bad;
	/* IPv4 (ipv4.c) */
	unsigned long ip_rx, ip_bad_header, ip_bad_csum, ip_fragments;
	unsigned long ip_not_ours, ip_other_proto, ip_unresolved;
	/* ICMP (icmp.c) */
	unsigned long icmp_bad, icmp_bad_csum, icmp_echoes_answered;
	unsigned long icmp_replies, icmp_other;
	/* UDP (udp.c) */
	unsigned long udp_bad, udp_bad_csum, udp_echoed, udp_no_port;
	/* DHCP (dhcp.c): malformed; another client's; no step for it */
	unsigned long dhcp_bad, dhcp_not_ours, dhcp_ignored;
};

struct arp_entry {
	uint32_t ip; /* 0: the entry is free */
	uint8_t mac[ETH_ALEN];
	unsigned long stamp; /* `now` when last confirmed */
};

struct netif {
	uint8_t mac[ETH_ALEN];
	uint32_t ip, netmask, gw;
	/*
	 * The driver: send one whole Ethernet frame (the stack pads it to
	 * ETH_ZLEN).  0, or -1 if it could not be queued (counted).
	 */
	int (*send)(struct netif *nif, const void *frame, size_t len);
	/* An echo reply with our ping id came from `from` (may be NULL). */
	void (*echo_reply)(struct netif *nif, uint32_t from, uint16_t seq,
			   uint8_t ttl, size_t data_len);
	void *ctx;	   /* the owner's, untouched by the stack */
	unsigned long now; /* the owner's clock (timer ticks) */
	uint16_t ping_id;  /* the ICMP identifier of our echo requests */
	uint16_t ip_id;	   /* the next IPv4 identification */
	bool halt;	   /* a "halt" datagram came to ABI_NET_UDP_HALT */
	struct dhcp *dhcp; /* the DHCP client, if one runs (dhcp_start()) */
	struct arp_entry arp[ARP_CACHE];
	/* The frame being built: one at a time, the stack never nests. */
	uint8_t out[ETH_FRAME_MAX];
	struct net_counters c;
};

/* Network byte order, byte by byte. */
static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* For printf: "%u.%u.%u.%u", IP_ARGS(ip). */
#define IP_ARGS(ip)                                                            \
	(unsigned)((ip) >> 24), (unsigned)((ip) >> 16 & 255),                  \
	    (unsigned)((ip) >> 8 & 255), (unsigned)((ip)&255)

#endif

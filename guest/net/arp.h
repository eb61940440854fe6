/* SPDX-License-Identifier: MIT */
/*
 * arp.h: the Address Resolution Protocol for IPv4 over Ethernet
 * (RFC 826), chapter 8.
 *
 * Before the guest can send an IPv4 packet to a neighbour it needs the
 * neighbour's MAC address: it broadcasts "who has 10.0.2.1? tell
 * 10.0.2.15" and the owner answers.  Answers go into a small cache
 * (ARP_CACHE entries, the oldest replaced).  The guest answers requests
 * for its own address, and, as RFC 826 says, learns the asker's address
 * from the request itself: that is why a host pinging the guest needs no
 * ARP request from the guest to get its replies.
 */
#ifndef GUEST_NET_ARP_H
#define GUEST_NET_ARP_H

#include <stddef.h>
#include <stdint.h>

#include "netif.h"

#define ARP_LEN	    28 /* an Ethernet/IPv4 ARP packet */
#define ARP_REQUEST 1
#define ARP_REPLY   2

/* An ARP packet (the Ethernet payload). */
void arp_input(struct netif *nif, const uint8_t *p, size_t len);

/*
 * Write an ARP packet from us (nif's MAC and IP) into p[0..ARP_LEN):
 * `op` ARP_REQUEST or ARP_REPLY, to `tha` (NULL: zeros, as in a request)
 * and `tpa`.  Returns ARP_LEN.
 */
size_t arp_build(const struct netif *nif, uint8_t *p, uint16_t op,
		 const uint8_t *tha, uint32_t tpa);

/* Broadcast "who has `ip`?".  0, or -1 if the driver refused it. */
int arp_request(struct netif *nif, uint32_t ip);

/* The cached MAC of `ip` into mac: 0, or -1 if it is not known. */
int arp_lookup(struct netif *nif, uint32_t ip, uint8_t mac[ETH_ALEN]);

/* Record ip -> mac (update it, or take a free or the oldest entry). */
void arp_update(struct netif *nif, uint32_t ip, const uint8_t mac[ETH_ALEN]);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * arp.c: ARP requests, replies and the cache (chapter 8); see arp.h.
 */
#include <string.h>

#include "../lib/exercise.h"
#include "arp.h"
#include "eth.h"

#define ARP_HTYPE_ETHER 1

static struct arp_entry *arp_find(struct netif *nif, uint32_t ip)
{
	for (int i = 0; i < ARP_CACHE; i++)
		if (nif->arp[i].ip == ip)
			return &nif->arp[i];
	return NULL;
}

void arp_update(struct netif *nif, uint32_t ip, const uint8_t mac[ETH_ALEN])
{
	struct arp_entry *e = arp_find(nif, ip);

	if (!ip)
		return;
	if (!e) {
		/* A free entry (ip 0), else the one confirmed longest ago. */
		e = &nif->arp[0];
		for (int i = 0; i < ARP_CACHE && e->ip; i++)
			if (!nif->arp[i].ip ||
			    (long)(nif->arp[i].stamp - e->stamp) < 0)
				e = &nif->arp[i];
	}
	e->ip = ip;
	memcpy(e->mac, mac, ETH_ALEN);
	e->stamp = nif->now;
}

int arp_lookup(struct netif *nif, uint32_t ip, uint8_t mac[ETH_ALEN])
{
	struct arp_entry *e = arp_find(nif, ip);

	if (!e || !ip)
		return -1;
	memcpy(mac, e->mac, ETH_ALEN);
	return 0;
}

size_t arp_build(const struct netif *nif, uint8_t *p, uint16_t op,
		 const uint8_t *tha, uint32_t tpa)
{
	put16(p, ARP_HTYPE_ETHER);
	put16(p + 2, 0x0800); /* the protocol: IPv4 */
	p[4] = ETH_ALEN;
	p[5] = 4;
	put16(p + 6, op);
	memcpy(p + 8, nif->mac, ETH_ALEN); /* sender */
	put32(p + 14, nif->ip);
	if (tha) /* target */
		memcpy(p + 18, tha, ETH_ALEN);
	else
		memset(p + 18, 0, ETH_ALEN);
	put32(p + 24, tpa);
	return ARP_LEN;
}

int arp_request(struct netif *nif, uint32_t ip)
{
	size_t len = arp_build(nif, nif->out + ETH_HLEN, ARP_REQUEST, NULL, ip);

	nif->c.arp_requests_sent++;
	return eth_output(nif, eth_broadcast, ETHERTYPE_ARP, len);
}

/* RFC 826's "packet reception", for Ethernet and IPv4 only. */
void arp_input(struct netif *nif, const uint8_t *p, size_t len)
{
	if (len < ARP_LEN || get16(p) != ARP_HTYPE_ETHER ||
	    get16(p + 2) != 0x0800 || p[4] != ETH_ALEN || p[5] != 4) {
		nif->c.arp_bad++;
		return;
	}
	/* EXERCISE ch08-arp: learn who spoke, answer who asked for us */
#ifndef KVMLAB_STUBS
	const uint8_t *sha = p + 8;
	uint16_t op = get16(p + 6);
	uint32_t spa = get32(p + 14), tpa = get32(p + 24);
	bool merged = false;

	/* Whoever speaks, if we know them, we learn their (new) address. */
	if (arp_find(nif, spa)) {
		arp_update(nif, spa, sha);
		merged = true;
	}
	if (tpa != nif->ip || !nif->ip)
		return;
	if (!merged)
		arp_update(nif, spa, sha);
	if (op == ARP_REPLY) {
		nif->c.arp_replies++;
	} else if (op == ARP_REQUEST) {
		size_t n =
		    arp_build(nif, nif->out + ETH_HLEN, ARP_REPLY, sha, spa);

		if (eth_output(nif, sha, ETHERTYPE_ARP, n) == 0)
			nif->c.arp_requests_answered++;
	}
#else
	guest_exercise_todo("ch08-arp", "exercises/08-virtio-net/README.md");
#endif /* END EXERCISE ch08-arp */
}

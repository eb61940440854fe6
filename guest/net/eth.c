/* SPDX-License-Identifier: MIT */
/*
 * eth.c: Ethernet II frames in and out (chapter 8); see eth.h.
 */
#include <string.h>

#include "arp.h"
#include "eth.h"
#include "ipv4.h"

const uint8_t eth_broadcast[ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

void eth_input(struct netif *nif, const uint8_t *frame, size_t len)
{
	nif->c.rx_frames++;
	if (len < ETH_HLEN) {
		nif->c.rx_short++;
		return;
	}
	/* A TAP on a bridge sees others' unicast too: not ours, dropped. */
	if (memcmp(frame, nif->mac, ETH_ALEN) != 0 &&
	    memcmp(frame, eth_broadcast, ETH_ALEN) != 0) {
		nif->c.rx_not_ours++;
		return;
	}
	switch (get16(frame + 12)) {
	case ETHERTYPE_ARP:
		arp_input(nif, frame + ETH_HLEN, len - ETH_HLEN);
		break;
	case ETHERTYPE_IPV4:
		ipv4_input(nif, frame + ETH_HLEN, len - ETH_HLEN);
		break;
	default: /* IPv6 neighbour discovery, LLDP, ...: not for us */
		nif->c.rx_other_type++;
	}
}

int eth_output(struct netif *nif, const uint8_t dst[ETH_ALEN], uint16_t type,
	       size_t len)
{
	uint8_t *f = nif->out;

	len += ETH_HLEN;
	memcpy(f, dst, ETH_ALEN);
	memcpy(f + ETH_ALEN, nif->mac, ETH_ALEN);
	put16(f + 12, type);
	/* Real Ethernet needs 64 bytes with the FCS; pad as a NIC does. */
	if (len < ETH_ZLEN) {
		memset(f + len, 0, ETH_ZLEN - len);
		len = ETH_ZLEN;
	}
	if (nif->send(nif, f, len) < 0) {
		nif->c.tx_failed++;
		return -1;
	}
	nif->c.tx_frames++;
	return 0;
}

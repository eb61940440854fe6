/* SPDX-License-Identifier: MIT */
/*
 * eth.h: Ethernet II framing (chapter 8).
 *
 * A frame is destination MAC, source MAC, EtherType, payload: 14 bytes
 * of header, at most 1500 of payload (no FCS: the TAP device and virtio
 * neither add nor expect one).  The guest takes frames for its own MAC
 * and for the broadcast address, and hands ARP and IPv4 up.
 */
#ifndef GUEST_NET_ETH_H
#define GUEST_NET_ETH_H

#include <stddef.h>
#include <stdint.h>

#include "netif.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP  0x0806

extern const uint8_t eth_broadcast[ETH_ALEN];

/* One received frame (without the virtio header). */
void eth_input(struct netif *nif, const uint8_t *frame, size_t len);

/*
 * Send nif->out, whose payload (`len` bytes at nif->out + ETH_HLEN) the
 * caller wrote: fill in the header, pad to ETH_ZLEN, call nif->send().
 * 0, or -1 if the driver refused it (counted in tx_failed).
 */
int eth_output(struct netif *nif, const uint8_t dst[ETH_ALEN], uint16_t type,
	       size_t len);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * icmp.h: ICMP echo, the two messages `ping` uses (RFC 792), chapter 8.
 *
 * An echo request (type 8) carries an identifier, a sequence number and
 * any data; the answer (type 0) gives all of it back.  The checksum
 * covers the whole ICMP message.  The guest answers requests of any size
 * up to IPV4_PAYLOAD_MAX, and sends its own requests with nif->ping_id,
 * reporting replies through nif->echo_reply.
 */
#ifndef GUEST_NET_ICMP_H
#define GUEST_NET_ICMP_H

#include <stddef.h>
#include <stdint.h>

#include "ipv4.h"
#include "netif.h"

#define ICMP_HLEN	   8
#define ICMP_ECHO_REPLY	   0
#define ICMP_ECHO_REQUEST  8
#define ICMP_ECHO_DATA_MAX (IPV4_PAYLOAD_MAX - ICMP_HLEN) /* 1472 */

/* An ICMP message: ip->len bytes at p. */
void icmp_input(struct netif *nif, const struct ipv4_info *ip,
		const uint8_t *p);

/*
 * Send an echo request to `dst` with nif->ping_id, sequence `seq` and
 * `data_len` bytes of data (a byte pattern, as ping's).  0, or -1 (see
 * ipv4_output()).
 */
int icmp_echo_request(struct netif *nif, uint32_t dst, uint16_t seq,
		      size_t data_len);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * udp.h: the User Datagram Protocol (RFC 768), chapter 8.
 *
 * Eight bytes of header (ports, length, checksum) and the data.  The
 * checksum also covers a pseudo-header of the IPv4 addresses, protocol
 * and length, so a datagram delivered to the wrong address fails it; 0
 * means the sender computed none (a computed 0 is sent as 0xffff).
 *
 * The guest's services (abi/virtio.h): an echo on ABI_NET_UDP_ECHO
 * (RFC 862: the datagram goes back to its sender), and ABI_NET_UDP_HALT,
 * where a datagram starting with "halt" sets nif->halt.  Datagrams to
 * DHCP_CLIENT_PORT go to the DHCP client when one runs (dhcp.h); other
 * broadcasts, and anything before the guest has an address, are not
 * listened to.
 */
#ifndef GUEST_NET_UDP_H
#define GUEST_NET_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "ipv4.h"
#include "netif.h"

#define UDP_HLEN 8

/* The checksum of the `len`-byte datagram at p between src and dst. */
uint16_t udp_checksum(uint32_t src, uint32_t dst, const uint8_t *p, size_t len);

/* A UDP datagram: ip->len bytes at p. */
void udp_input(struct netif *nif, const struct ipv4_info *ip, const uint8_t *p);

/*
 * Send the `len` bytes at ipv4_payload(nif) + UDP_HLEN from port sport
 * to dst:dport.  0, or -1 (see ipv4_output()).
 */
int udp_output(struct netif *nif, uint32_t dst, uint16_t sport, uint16_t dport,
	       size_t len);

#endif

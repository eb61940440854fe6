/* SPDX-License-Identifier: MIT */
/*
 * icmp.c: ICMP echo request and reply (chapter 8); see icmp.h.
 */
#include <string.h>

#include "checksum.h"
#include "icmp.h"

void icmp_input(struct netif *nif, const struct ipv4_info *ip, const uint8_t *p)
{
	uint8_t *r = ipv4_payload(nif);

	if (ip->len < ICMP_HLEN) {
		nif->c.icmp_bad++;
		return;
	}
	if (inet_checksum(p, ip->len) != 0) {
		nif->c.icmp_bad_csum++;
		return;
	}
	if (p[0] == ICMP_ECHO_REQUEST && p[1] == 0) {
		/* Everything back, type changed, checksum summed again. */
		memcpy(r, p, ip->len);
		r[0] = ICMP_ECHO_REPLY;
		put16(r + 2, 0);
		put16(r + 2, inet_checksum(r, ip->len));
		if (ipv4_output(nif, ip->src, IPV4_PROTO_ICMP, ip->len) == 0)
			nif->c.icmp_echoes_answered++;
	} else if (p[0] == ICMP_ECHO_REPLY && p[1] == 0 &&
		   get16(p + 4) == nif->ping_id) {
		nif->c.icmp_replies++;
		if (nif->echo_reply)
			nif->echo_reply(nif, ip->src, get16(p + 6), ip->ttl,
					ip->len - ICMP_HLEN);
	} else {
		nif->c.icmp_other++;
	}
}

int icmp_echo_request(struct netif *nif, uint32_t dst, uint16_t seq,
		      size_t data_len)
{
	uint8_t *r = ipv4_payload(nif);

	if (data_len > ICMP_ECHO_DATA_MAX)
		data_len = ICMP_ECHO_DATA_MAX;
	r[0] = ICMP_ECHO_REQUEST;
	r[1] = 0;
	put16(r + 2, 0);
	put16(r + 4, nif->ping_id);
	put16(r + 6, seq);
	for (size_t i = 0; i < data_len; i++)
		r[ICMP_HLEN + i] = (uint8_t)(0x10 + i);
	put16(r + 2, inet_checksum(r, ICMP_HLEN + data_len));
	return ipv4_output(nif, dst, IPV4_PROTO_ICMP, ICMP_HLEN + data_len);
}

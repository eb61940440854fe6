/* SPDX-License-Identifier: MIT */
/*
 * checksum.c: the Internet checksum (chapter 8); see checksum.h.
 *
 * Bytes are taken in pairs as big-endian words, so the sum is the same
 * on any host and is stored with put16().  RFC 1071 shows why the order
 * would not matter (the sum is byte-order independent); reading it the
 * network's way keeps the code plain.
 */
#include "checksum.h"

uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (; len > 1; p += 2, len -= 2) {
		sum += (uint32_t)(p[0] << 8 | p[1]);
		/* Fold as we go: an end-around carry is part of the sum. */
		sum = (sum & 0xffff) + (sum >> 16);
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	return (sum & 0xffff) + (sum >> 16);
}

uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t inet_checksum(const void *data, size_t len)
{
	return csum_fold(csum_add(0, data, len));
}

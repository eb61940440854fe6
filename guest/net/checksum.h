/* SPDX-License-Identifier: MIT */
/*
 * checksum.h: the Internet checksum (RFC 1071), chapter 8.
 *
 * IPv4 (RFC 791), ICMP (RFC 792) and UDP (RFC 768) all protect their
 * bytes the same way: the 16-bit one's complement of the one's
 * complement sum of the data taken as big-endian 16-bit words (an odd
 * last byte is the high half of a word whose low half is 0).  A sender
 * stores the checksum with the field itself counted as 0; a receiver
 * sums everything, field included, and gets 0 back when nothing changed.
 */
#ifndef GUEST_NET_CHECKSUM_H
#define GUEST_NET_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Add `len` bytes to a running sum (start from 0) and return it, carries
 * folded back in.  Only the last piece may have an odd length.
 */
uint32_t csum_add(uint32_t sum, const void *data, size_t len);

/* The checksum of a running sum: fold it to 16 bits and complement. */
uint16_t csum_fold(uint32_t sum);

/* csum_fold(csum_add(0, data, len)): 0 when data holds a right checksum. */
uint16_t inet_checksum(const void *data, size_t len);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * bootargs.h: the guest's network settings from its command line
 * (chapters 8 and 9).
 *
 * The VMM puts its --cmdline into the device tree's /chosen/bootargs (as
 * chapter 5 showed), the way Linux gets `ip=` from its boot loader:
 *
 *   ip=A.B.C.D/N gw=A.B.C.D [ping=TARGET,...] [count=N] [once]
 *   dhcp [ping=TARGET,...] [count=N] [once]
 *
 * `dhcp` (chapter 9) takes the address, mask and gateway from a DHCP
 * server instead.  A ping TARGET is A.B.C.D or `gw`, the gateway (gw=,
 * or DHCP's router); each is pinged count= times, in order.  Words
 * separated by spaces; others are left to other readers.
 */
#ifndef GUEST_NET_BOOTARGS_H
#define GUEST_NET_BOOTARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_PING_COUNT	 4 /* count= when absent */
#define NET_PING_MAX	 100000
#define NET_PING_TARGETS 8 /* addresses in one ping= */
#define NET_PING_GATEWAY 0 /* ping[i] for `gw` (0.0.0.0 is no target) */

struct net_config {
	uint32_t ip, netmask, gw;	 /* host order; 0 when absent */
	unsigned prefix;		 /* the N of ip=A.B.C.D/N */
	uint32_t ping[NET_PING_TARGETS]; /* ping=, in order */
	unsigned pings;			 /* how many (0: do not ping) */
	unsigned count;			 /* count= */
	bool once;			 /* stop after the pings */
	bool dhcp;			 /* ask DHCP for ip and gw */
};

/*
 * A dotted quad at s into *ip; *end (if not NULL) after it.  0, or -1
 * if s does not start with four numbers 0-255 separated by dots.
 */
int parse_ipv4(const char *s, const char **end, uint32_t *ip);

/*
 * Parse `args` (NULL: empty) into *cfg, starting from ip and gw absent,
 * count NET_PING_COUNT.  0, or -1 with *bad (if not NULL) at the start
 * of the word that is wrong.
 */
int net_parse_bootargs(const char *args, struct net_config *cfg,
		       const char **bad);

#endif

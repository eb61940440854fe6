/* SPDX-License-Identifier: MIT */
/*
 * bootargs.h: the guest's network settings from its command line
 * (chapter 8).
 *
 * The VMM puts its --cmdline into the device tree's /chosen/bootargs (as
 * chapter 5 showed), the way Linux gets `ip=` from its boot loader:
 *
 *   ip=A.B.C.D/N gw=A.B.C.D [ping=A.B.C.D] [count=N] [once]
 *
 * Words separated by spaces; others are left to other readers.
 */
#ifndef GUEST_NET_BOOTARGS_H
#define GUEST_NET_BOOTARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_PING_COUNT 4 /* count= when absent */
#define NET_PING_MAX   100000

struct net_config {
	uint32_t ip, netmask, gw; /* host order; 0 when absent */
	unsigned prefix;	  /* the N of ip=A.B.C.D/N */
	uint32_t ping;		  /* ping= (0: do not ping) */
	unsigned count;		  /* count= */
	bool once;		  /* stop after the pings */
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

/* SPDX-License-Identifier: MIT */
/*
 * dhcp.h: a DHCP client (RFC 2131, options from RFC 2132), chapter 9.
 *
 * A guest on a bridge or behind NAT does not know its address: the
 * network's DHCP server (dnsmasq, as libvirt runs it on virbr0) tells it.
 * Four messages, all UDP between ports 68 (client) and 67 (server):
 *
 *   SELECTING   DISCOVER, broadcast        ->  "who gives me an address?"
 *               OFFER (yiaddr, server id)  <-  "192.168.122.57, from me"
 *   REQUESTING  REQUEST, broadcast,        ->  "I take .57 from you"
 *               option 50 the address, option 54 the server chosen
 *               ACK (mask, router, lease)  <-  "yours for 3600 s"
 *   BOUND       nif->ip, netmask and gw set; or on NAK, SELECTING again
 *
 * The client has no address until the ACK, so it sends from 0.0.0.0 to
 * 255.255.255.255 and sets the BROADCAST flag, asking the server to
 * broadcast its replies; a server that unicasts them to the offered
 * address is heard too (ipv4_input() takes any UDP while nif->ip is 0).
 * A reply counts only if it is a BOOTREPLY for Ethernet with the magic
 * cookie, carries our xid and our MAC in chaddr, and its options fit in
 * the packet.  Messages lost are sent again after 1, 2, 4, 8, 8... s:
 * faster than RFC 2131's 4, 8, 16... 64 s, on purpose, so that a lost
 * message costs the labs' short runs seconds, not minutes.
 *
 * Not done, on purpose: renewal at T1 and rebinding at T2 (a lease
 * outlives every run of the labs: when it ends the guest keeps the
 * address), the ARP probe of the address before using it (DECLINE), and
 * RFC 2131's random +-1 s on each retransmission.
 */
#ifndef GUEST_NET_DHCP_H
#define GUEST_NET_DHCP_H

#include <stddef.h>
#include <stdint.h>

#include "netif.h"

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68

/* Message types (option 53). */
#define DHCPDISCOVER 1
#define DHCPOFFER    2
#define DHCPREQUEST  3
#define DHCPACK	     5
#define DHCPNAK	     6

enum dhcp_state {
	DHCP_OFF,	 /* not started */
	DHCP_SELECTING,	 /* DISCOVER sent, waiting for an OFFER */
	DHCP_REQUESTING, /* REQUEST sent, waiting for an ACK or NAK */
	DHCP_BOUND,	 /* the address is ours */
};

/* What the owner is told of (struct dhcp's event): the console lines. */
enum dhcp_event {
	DHCP_EV_DISCOVER, /* a DISCOVER went out (again) */
	DHCP_EV_OFFER,	  /* an offer taken: offered, server */
	DHCP_EV_BOUND,	  /* bound: nif->ip, netmask, gw; lease */
	DHCP_EV_NAK,	  /* the server said no: starting again */
};

/* A reply that passed the checks, its options read. */
struct dhcp_msg {
	uint8_t type;	  /* option 53: DHCPOFFER, DHCPACK, ... */
	uint32_t yiaddr;  /* "your" address */
	uint32_t server;  /* option 54, the server identifier (0: none) */
	uint32_t netmask; /* option 1, else the address class's mask */
	uint32_t router;  /* option 3's first router (0: none) */
	uint32_t lease;	  /* option 51, seconds (0: none) */
};

struct dhcp {
	enum dhcp_state state;
	uint32_t xid;		  /* this exchange's transaction id */
	uint32_t offered, server; /* the offer taken */
	uint32_t lease;		  /* seconds, from the ACK */
	unsigned hz;		  /* nif->now's ticks per second */
	unsigned long start;	  /* nif->now when DISCOVER began */
	unsigned long next;	  /* when to send again */
	unsigned long interval;	  /* ticks to the retransmission after it */
	unsigned tries;		  /* REQUESTs sent for this offer */
	/* The owner's (may be NULL): called at each step. */
	void (*event)(struct netif *nif, const struct dhcp *d,
		      enum dhcp_event ev);
};

/*
 * Start the client `d` (its event set, the rest is cleared) on nif:
 * nif->ip, netmask and gw go to 0 until bound, nif->dhcp = d, and the
 * first DISCOVER goes out with transaction id `xid` (make it differ
 * between guests and boots).  `hz`: the ticks per second of nif->now.
 */
void dhcp_start(struct netif *nif, struct dhcp *d, uint32_t xid, unsigned hz);

/* Call on each tick: sends again what went unanswered, when due. */
void dhcp_tick(struct netif *nif);

/* A UDP datagram to DHCP_CLIENT_PORT: `len` bytes at p, header included. */
void dhcp_input(struct netif *nif, const uint8_t *p, size_t len);

#endif

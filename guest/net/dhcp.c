/* SPDX-License-Identifier: MIT */
/*
 * dhcp.c: the DHCP client (chapter 9); see dhcp.h.
 *
 * A DHCP message is a BOOTP one (RFC 951) with options after a magic
 * cookie: 236 bytes of fixed fields, the cookie, then code-length-value
 * options to the end of the datagram.
 */
#include <string.h>

#include "../lib/exercise.h"
#include "dhcp.h"
#include "ipv4.h"
#include "udp.h"

#define BOOTREQUEST	    1
#define BOOTREPLY	    2
#define DHCP_HTYPE_ETHER    1
#define DHCP_FLAG_BROADCAST 0x8000
#define DHCP_MAGIC	    0x63825363 /* 99.130.83.99 */
#define DHCP_CHADDR	    28	       /* offsets in the message */
#define DHCP_COOKIE	    236
#define DHCP_OPTIONS	    240
#define DHCP_SEND_LEN	    300 /* BOOTP's size: some relays drop less */

/* Options (RFC 2132). */
#define OPT_PAD		0
#define OPT_SUBNET_MASK 1
#define OPT_ROUTER	3
#define OPT_REQUESTED	50
#define OPT_LEASE	51
#define OPT_MSG_TYPE	53
#define OPT_SERVER_ID	54
#define OPT_PARAMS	55
#define OPT_END		255

#define DHCP_RETRY_MAX	   8 /* seconds between retransmissions, at most */
#define DHCP_REQUEST_TRIES 4 /* REQUESTs unanswered: start again */

static void note(struct netif *nif, const struct dhcp *d, enum dhcp_event ev)
{
	if (d->event)
		d->event(nif, d, ev);
}

/* A DISCOVER, or a REQUEST for the offer taken, broadcast from 0.0.0.0. */
static void dhcp_send(struct netif *nif, const struct dhcp *d, uint8_t type)
{
	uint8_t *m = ipv4_payload(nif) + UDP_HLEN, *o = m + DHCP_OPTIONS;
	unsigned long secs = (nif->now - d->start) / d->hz;

	memset(m, 0, DHCP_SEND_LEN);
	m[0] = BOOTREQUEST;
	m[1] = DHCP_HTYPE_ETHER;
	m[2] = ETH_ALEN;
	put32(m + 4, d->xid);
	put16(m + 8, (uint16_t)(secs > 0xffff ? 0xffff : secs));
	put16(m + 10, DHCP_FLAG_BROADCAST);
	memcpy(m + DHCP_CHADDR, nif->mac, ETH_ALEN);
	put32(m + DHCP_COOKIE, DHCP_MAGIC);
	*o++ = OPT_MSG_TYPE;
	*o++ = 1;
	*o++ = type;
	if (type == DHCPREQUEST) {
		*o++ = OPT_REQUESTED;
		*o++ = 4;
		put32(o, d->offered);
		o += 4;
		*o++ = OPT_SERVER_ID;
		*o++ = 4;
		put32(o, d->server);
		o += 4;
	}
	/* What we want in the ACK: mask, router, lease. */
	*o++ = OPT_PARAMS;
	*o++ = 3;
	*o++ = OPT_SUBNET_MASK;
	*o++ = OPT_ROUTER;
	*o++ = OPT_LEASE;
	*o = OPT_END;
	udp_output(nif, IPV4_BROADCAST, DHCP_CLIENT_PORT, DHCP_SERVER_PORT,
		   DHCP_SEND_LEN);
}

/* Send what the state asks for, and when to send it again: later each
 * time, up to DHCP_RETRY_MAX seconds apart. */
static void transmit(struct netif *nif, struct dhcp *d)
{
	if (d->state == DHCP_SELECTING) {
		note(nif, d, DHCP_EV_DISCOVER);
		dhcp_send(nif, d, DHCPDISCOVER);
	} else {
		d->tries++;
		dhcp_send(nif, d, DHCPREQUEST);
	}
	d->next = nif->now + d->interval;
	if (d->interval < DHCP_RETRY_MAX * d->hz)
		d->interval *= 2;
}

/* Enter SELECTING or REQUESTING: its first message goes out now. */
static void enter(struct netif *nif, struct dhcp *d, enum dhcp_state s)
{
	d->state = s;
	d->interval = d->hz;
	d->tries = 0;
	transmit(nif, d);
}

/* From the start, with a new xid: a late reply to the old exchange is
 * not taken for an answer to the new one. */
static void restart(struct netif *nif, struct dhcp *d)
{
	d->xid++;
	d->start = nif->now;
	enter(nif, d, DHCP_SELECTING);
}

void dhcp_start(struct netif *nif, struct dhcp *d, uint32_t xid, unsigned hz)
{
	void (*event)(struct netif *, const struct dhcp *, enum dhcp_event) =
	    d->event;

	memset(d, 0, sizeof(*d));
	d->event = event;
	d->hz = hz ? hz : 1;
	d->xid = xid - 1; /* restart() moves it on */
	nif->ip = nif->netmask = nif->gw = 0;
	nif->dhcp = d;
	restart(nif, d);
}

void dhcp_tick(struct netif *nif)
{
	struct dhcp *d = nif->dhcp;

	if (!d || (d->state != DHCP_SELECTING && d->state != DHCP_REQUESTING) ||
	    (long)(nif->now - d->next) < 0)
		return;
	if (d->state == DHCP_REQUESTING && d->tries >= DHCP_REQUEST_TRIES)
		restart(nif, d); /* RFC 2131, 4.4.1: back to INIT */
	else
		transmit(nif, d);
}

/* Without option 1: the mask of the address's class (RFC 2132, 3.3). */
static uint32_t class_mask(uint32_t ip)
{
	if (ip >> 31 == 0)
		return 0xff000000;
	return ip >> 30 == 2 ? 0xffff0000 : 0xffffff00;
}

/*
 * The options of the `len`-byte message at p into *m: 0, or -1 if one
 * runs past the end, has the wrong length for its kind, or option 53 is
 * missing.  Every byte is read only after checking it is inside.
 */
static int read_options(const uint8_t *p, size_t len, struct dhcp_msg *m)
{
	size_t i = DHCP_OPTIONS;

	while (i < len && p[i] != OPT_END) {
		const uint8_t *v;
		size_t n;

		if (p[i] == OPT_PAD) {
			i++;
			continue;
		}
		if (len - i < 2 || len - i - 2 < p[i + 1])
			return -1;
		n = p[i + 1];
		v = p + i + 2;
		switch (p[i]) {
		case OPT_MSG_TYPE:
			if (n != 1)
				return -1;
			m->type = v[0];
			break;
		case OPT_SUBNET_MASK: /* contiguous ones, then zeros */
			if (n != 4 || (~get32(v) & (~get32(v) + 1)))
				return -1;
			m->netmask = get32(v);
			break;
		case OPT_ROUTER: /* a list: the first is ours */
			if (n < 4 || n % 4)
				return -1;
			m->router = get32(v);
			break;
		case OPT_LEASE:
			if (n != 4)
				return -1;
			m->lease = get32(v);
			break;
		case OPT_SERVER_ID:
			if (n != 4)
				return -1;
			m->server = get32(v);
			break;
		}
		i += 2 + n;
	}
	return m->type ? 0 : -1;
}

/* The step on a reply to our exchange: OFFER, ACK or NAK. */
static void dhcp_reply(struct netif *nif, struct dhcp *d,
		       const struct dhcp_msg *m)
{
	/* EXERCISE ch09-dhcp: the client's step on an OFFER, an ACK, a NAK */
#ifndef KVMLAB_STUBS
	if (d->state == DHCP_SELECTING && m->type == DHCPOFFER) {
		/* The first offer is taken; it must say what and from whom. */
		if (!m->yiaddr || !m->server) {
			nif->c.dhcp_ignored++;
			return;
		}
		d->offered = m->yiaddr;
		d->server = m->server;
		note(nif, d, DHCP_EV_OFFER);
		enter(nif, d, DHCP_REQUESTING);
	} else if (d->state == DHCP_REQUESTING && m->type == DHCPACK &&
		   m->server == d->server && m->yiaddr == d->offered) {
		nif->ip = m->yiaddr;
		nif->netmask = m->netmask;
		nif->gw = m->router;
		d->lease = m->lease;
		d->state = DHCP_BOUND;
		note(nif, d, DHCP_EV_BOUND);
	} else if (d->state == DHCP_REQUESTING && m->type == DHCPNAK &&
		   m->server == d->server) {
		note(nif, d, DHCP_EV_NAK);
		restart(nif, d);
	} else {
		/* A second offer, another server's answer, one too late. */
		nif->c.dhcp_ignored++;
	}
#else
	(void)nif;
	(void)d;
	(void)m;
	guest_exercise_todo("ch09-dhcp", "exercises/09-bridge-nat/README.md");
#endif /* END EXERCISE ch09-dhcp */
}

void dhcp_input(struct netif *nif, const uint8_t *p, size_t len)
{
	struct dhcp *d = nif->dhcp;
	struct dhcp_msg m = {0};
	const uint8_t *b = p + UDP_HLEN;

	len -= UDP_HLEN; /* udp_input() checked len >= UDP_HLEN */
	if (get16(p) != DHCP_SERVER_PORT || len < DHCP_OPTIONS ||
	    b[0] != BOOTREPLY || b[1] != DHCP_HTYPE_ETHER || b[2] != ETH_ALEN ||
	    get32(b + DHCP_COOKIE) != DHCP_MAGIC ||
	    read_options(b, len, &m) < 0) {
		nif->c.dhcp_bad++;
		return;
	}
	/* Another client's exchange (a bridge has several guests). */
	if (get32(b + 4) != d->xid ||
	    memcmp(b + DHCP_CHADDR, nif->mac, ETH_ALEN) != 0) {
		nif->c.dhcp_not_ours++;
		return;
	}
	m.yiaddr = get32(b + 16);
	if (!m.netmask)
		m.netmask = class_mask(m.yiaddr);
	dhcp_reply(nif, d, &m);
}

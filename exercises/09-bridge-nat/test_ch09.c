/* SPDX-License-Identifier: MIT */
/*
 * test_ch09: the graded tests of chapter 9's C exercise.  None needs KVM
 * or a network: ch09-nat-rules and ch09-vlan are graded by grade.sh.
 *
 * ch09-dhcp (dhcp_reply() in guest/net/dhcp.c): the guest's stack built
 * for the host (as tests/unit/test_netstack.c builds it) runs the DHCP
 * client with a fake driver that keeps every frame it sends, and the
 * test plays the server: its MAC, the transaction id, the server's and
 * the offered addresses, the mask, the router and the lease are drawn
 * each run.  Replies go in through eth_input(), so they pass the checks
 * dhcp_input() makes before the exercise (xid, chaddr, cookie, options);
 * what is graded is the step the client takes on each: the REQUEST it
 * sends, the settings it takes, the start again after a NAK, and the
 * replies it must ignore.  Sending (dhcp_send(), enter(), restart())
 * is not part of the exercise.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "../../guest/net/checksum.h"
#include "../../guest/net/dhcp.h"
#include "../../guest/net/eth.h"
#include "../../guest/net/ipv4.h"
#include "../../guest/net/netif.h"
#include "../../guest/net/udp.h"
#include "../lib/grade.h"

static uint32_t random32(void)
{
	uint32_t v;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint32_t)time(NULL) ^ (uint32_t)getpid() << 16;
	return v;
}

#define MAX_SENT   8
#define MAX_EVENTS 8
#define BCAST	   0xffffffffu

static struct {
	uint8_t frame[MAX_SENT][ETH_FRAME_MAX];
	size_t len[MAX_SENT];
	unsigned n;
} sent;

static struct {
	enum dhcp_event ev[MAX_EVENTS];
	unsigned n;
} events;

/* The server and what it gives, drawn each run. */
static struct world {
	uint8_t server_mac[ETH_ALEN];
	uint32_t server, offer, netmask, router, lease;
	unsigned prefix;
} w;

static struct netif nif;
static struct dhcp client;

static int fake_send(struct netif *n, const void *frame, size_t len)
{
	(void)n;
	check(len <= ETH_FRAME_MAX, "the stack sent a %zu-byte frame", len);
	if (sent.n < MAX_SENT) {
		memcpy(sent.frame[sent.n], frame, len);
		sent.len[sent.n] = len;
	}
	sent.n++;
	return 0;
}

static void fake_event(struct netif *n, const struct dhcp *d,
		       enum dhcp_event ev)
{
	(void)n;
	(void)d;
	if (events.n < MAX_EVENTS)
		events.ev[events.n] = ev;
	events.n++;
}

static const char *event_name(enum dhcp_event ev)
{
	static const char *names[] = {"DHCP_EV_DISCOVER", "DHCP_EV_OFFER",
				      "DHCP_EV_BOUND", "DHCP_EV_NAK"};

	return (unsigned)ev < 4 ? names[ev] : "an unknown event";
}

static const char *state_name(enum dhcp_state s)
{
	static const char *names[] = {"DHCP_OFF", "DHCP_SELECTING",
				      "DHCP_REQUESTING", "DHCP_BOUND"};

	return (unsigned)s < 4 ? names[s] : "an unknown state";
}

static void draw_mac(uint8_t mac[ETH_ALEN])
{
	for (int i = 0; i < ETH_ALEN; i++)
		mac[i] = (uint8_t)random32();
	mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);
}

/* An address to offer: host 3 or more, not the broadcast, not `not`. */
static uint32_t draw_offer(uint32_t not )
{
	uint32_t host, ip;

	do {
		host = random32() & ~w.netmask;
		ip = (w.server & w.netmask) | host;
	} while (host < 3 || host == ~w.netmask || ip == not );
	return ip;
}

/* A network of /16 to /28 in 10/8 or 192.168/16, its server at host 1,
 * the router the server itself or host 2, an address offered. */
static void draw_world(void)
{
	uint32_t net;

	memset(&w, 0, sizeof(w));
	draw_mac(w.server_mac);
	w.prefix = 16 + random32() % 13;
	w.netmask = ~0u << (32 - w.prefix);
	if (random32() & 1)
		net = 0x0a000000 | (random32() & 0xffffff);
	else
		net = 0xc0a80000 | (random32() & 0xffff);
	w.server = (net & w.netmask) | 1;
	w.router = random32() & 1 ? w.server : w.server + 1;
	w.offer = draw_offer(0);
	w.lease = 60 + random32() % 86400;
}

/* A client on a fresh interface, started: its DISCOVER is sent[0]. */
static void client_open(void)
{
	memset(&nif, 0, sizeof(nif));
	memset(&sent, 0, sizeof(sent));
	memset(&events, 0, sizeof(events));
	draw_mac(nif.mac);
	nif.send = fake_send;
	nif.now = random32() % 100000;
	draw_world();
	client.event = fake_event;
	dhcp_start(&nif, &client, random32(), 10 + random32() % 991);
	check(sent.n == 1 && client.state == DHCP_SELECTING,
	      "dhcp_start() (not the exercise) sent %u frames, state %s",
	      sent.n, state_name(client.state));
}

/* Option `code` of the DHCP message m (len bytes), or NULL. */
static const uint8_t *option(const uint8_t *m, size_t len, uint8_t code,
			     size_t *n)
{
	for (size_t i = 240; i + 1 < len && m[i] != 255;) {
		if (m[i] == 0) {
			i++;
			continue;
		}
		if (i + 2 + m[i + 1] > len)
			return NULL;
		if (m[i] == code) {
			*n = m[i + 1];
			return m + i + 2;
		}
		i += 2 + m[i + 1];
	}
	return NULL;
}

/* sent[k] is a DHCP message of `type`, broadcast, for our exchange; for
 * a REQUEST, options 50 and 54 name `ip` and `server`.  Its xid. */
static uint32_t want_sent(unsigned k, uint8_t type, uint32_t ip,
			  uint32_t server)
{
	const char *what = type == DHCPREQUEST ? "REQUEST" : "DISCOVER";
	const uint8_t *f = sent.frame[k], *u = f + ETH_HLEN + IPV4_HLEN;
	const uint8_t *m = u + UDP_HLEN, *v;
	size_t len, n;

	check(k < sent.n, "no frame was sent: expected a %s", what);
	check(sent.len[k] > ETH_HLEN + IPV4_HLEN + UDP_HLEN + 240 &&
		  !memcmp(f, eth_broadcast, ETH_ALEN) &&
		  get16(f + 12) == ETHERTYPE_IPV4 &&
		  f[ETH_HLEN + 9] == IPV4_PROTO_UDP && get16(u) == 68 &&
		  get16(u + 2) == 67,
	      "frame %u sent is not a broadcast UDP datagram from port 68 to "
	      "67 (expected a %s: use dhcp_send(), or enter())",
	      k + 1, what);
	len = get16(u + 4) - UDP_HLEN;
	v = option(m, len, 53, &n);
	check(v && n == 1 && v[0] == type,
	      "frame %u sent: DHCP message type %d, expected %u (%s)", k + 1,
	      v && n == 1 ? v[0] : -1, type, what);
	if (type == DHCPREQUEST) {
		v = option(m, len, 50, &n);
		check(v && n == 4 && get32(v) == ip,
		      "the REQUEST's option 50 (requested address) is %s%u.%u."
		      "%u.%u, expected the offer's yiaddr %u.%u.%u.%u",
		      v && n == 4 ? "" : "missing, ",
		      IP_ARGS(v && n == 4 ? get32(v) : 0), IP_ARGS(ip));
		v = option(m, len, 54, &n);
		check(v && n == 4 && get32(v) == server,
		      "the REQUEST's option 54 (server identifier) is "
		      "%s%u.%u.%u.%u, expected the offering server's "
		      "%u.%u.%u.%u",
		      v && n == 4 ? "" : "missing, ",
		      IP_ARGS(v && n == 4 ? get32(v) : 0), IP_ARGS(server));
	}
	return get32(m + 4);
}

/*
 * The server's reply of `type` to exchange `xid`, offering `yiaddr`, from
 * `server` (option 54; 0: none), with mask, router (0: none) and lease;
 * to the broadcast address or unicast to yiaddr, as servers do.
 */
static void reply(uint8_t type, uint32_t xid, uint32_t yiaddr, uint32_t server,
		  uint32_t router)
{
	uint8_t f[ETH_HLEN + IPV4_HLEN + UDP_HLEN + 300] = {0};
	uint8_t *ip = f + ETH_HLEN, *u = ip + IPV4_HLEN, *m = u + UDP_HLEN;
	uint8_t *o = m + 240;
	uint32_t dst = BCAST;
	size_t len = 300;

	/* Before the ACK, unicast to the address offered, now and then. */
	if (!nif.ip && type != DHCPNAK && random32() & 1)
		dst = yiaddr;

	memcpy(f, dst == BCAST ? eth_broadcast : nif.mac, ETH_ALEN);
	memcpy(f + 6, w.server_mac, ETH_ALEN);
	put16(f + 12, ETHERTYPE_IPV4);
	m[0] = 2; /* BOOTREPLY */
	m[1] = 1;
	m[2] = 6;
	put32(m + 4, xid);
	put32(m + 16, type == DHCPNAK ? 0 : yiaddr);
	memcpy(m + 28, nif.mac, ETH_ALEN);
	put32(m + 236, 0x63825363);
	*o++ = 53;
	*o++ = 1;
	*o++ = type;
	if (server) {
		*o++ = 54;
		*o++ = 4;
		put32(o, server);
		o += 4;
	}
	if (type != DHCPNAK) {
		*o++ = 51;
		*o++ = 4;
		put32(o, w.lease);
		o += 4;
		*o++ = 1;
		*o++ = 4;
		put32(o, w.netmask);
		o += 4;
		if (router) {
			*o++ = 3;
			*o++ = 4;
			put32(o, router);
			o += 4;
		}
	}
	*o = 255;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(IPV4_HLEN + UDP_HLEN + len));
	ip[8] = 64;
	ip[9] = IPV4_PROTO_UDP;
	put32(ip + 12, server ? server : w.server);
	put32(ip + 16, dst);
	put16(ip + 10, inet_checksum(ip, IPV4_HLEN));
	put16(u, 67);
	put16(u + 2, 68);
	put16(u + 4, (uint16_t)(UDP_HLEN + len));
	eth_input(&nif, f, sizeof(f));
}

/* Events since `from` must be exactly ev[0..n). */
static void want_events(unsigned from, const enum dhcp_event *ev, unsigned n,
			const char *after)
{
	check(events.n - from == n,
	      "after %s: %u events reported through d->event, expected %u "
	      "(the first: %s)",
	      after, events.n - from, n, n ? event_name(ev[0]) : "none");
	for (unsigned i = 0; i < n && from + i < MAX_EVENTS; i++)
		check(events.ev[from + i] == ev[i],
		      "after %s: event %u is %s, expected %s", after, i + 1,
		      event_name(events.ev[from + i]), event_name(ev[i]));
}

/* Nothing moved: no frame, no event, the state and address kept. */
static void want_ignored(const char *what, enum dhcp_state s, unsigned frames,
			 unsigned evs, uint32_t ip)
{
	check(client.state == s,
	      "%s: the state became %s, expected %s (the reply must be "
	      "ignored)",
	      what, state_name(client.state), state_name(s));
	check(sent.n == frames,
	      "%s: %u frames sent, expected none (the reply must be ignored)",
	      what, sent.n - frames);
	check(events.n == evs, "%s: an event (%s) was reported", what,
	      event_name(events.ev[evs < MAX_EVENTS ? evs : 0]));
	check(nif.ip == ip,
	      "%s: the interface's address became %u.%u.%u.%u, expected "
	      "%u.%u.%u.%u",
	      what, IP_ARGS(nif.ip), IP_ARGS(ip));
}

/* The client has sent its DISCOVER: take the offer, REQUESTING. */
static uint32_t take_offer(void)
{
	uint32_t xid = client.xid;

	reply(DHCPOFFER, xid, w.offer, w.server, w.router);
	check(client.state == DHCP_REQUESTING,
	      "after an OFFER of %u.%u.%u.%u from %u.%u.%u.%u in "
	      "DHCP_SELECTING: state %s, expected DHCP_REQUESTING",
	      IP_ARGS(w.offer), IP_ARGS(w.server), state_name(client.state));
	return xid;
}

/* OFFER in SELECTING: REQUEST the address from that server. */
static void dhcp_offer(void **state)
{
	const enum dhcp_event ev[] = {DHCP_EV_OFFER};
	unsigned long t;

	(void)state;
	client_open();
	take_offer();
	check(client.offered == w.offer && client.server == w.server,
	      "after the OFFER: d->offered %u.%u.%u.%u, d->server "
	      "%u.%u.%u.%u; expected the offer's yiaddr %u.%u.%u.%u and "
	      "option 54, %u.%u.%u.%u",
	      IP_ARGS(client.offered), IP_ARGS(client.server), IP_ARGS(w.offer),
	      IP_ARGS(w.server));
	want_events(1, ev, 1, "an OFFER");
	check(sent.n == 2,
	      "after the OFFER: %u frames sent, expected one "
	      "REQUEST",
	      sent.n - 1);
	check(want_sent(1, DHCPREQUEST, w.offer, w.server) == client.xid,
	      "the REQUEST's xid is not the exchange's (0x%08x)", client.xid);
	check(nif.ip == 0,
	      "after the OFFER the interface has address %u.%u.%u.%u: an "
	      "offer is not yet ours (wait for the ACK)",
	      IP_ARGS(nif.ip));
	/* Unanswered, the REQUEST goes again a second later. */
	t = nif.now;
	nif.now = t + client.hz;
	dhcp_tick(&nif);
	check(sent.n == 3,
	      "no answer to the REQUEST for a second: %u frames sent, "
	      "expected it again (enter() schedules the retransmissions)",
	      sent.n - 2);
	want_sent(2, DHCPREQUEST, w.offer, w.server);
}

/* ACK in REQUESTING: bound, with the ACK's address, mask, router, lease. */
static void dhcp_ack(void **state)
{
	const enum dhcp_event ev[] = {DHCP_EV_BOUND};
	unsigned frames, evs;

	(void)state;
	for (int round = 0; round < 2; round++) {
		client_open();
		if (round)
			w.router = 0; /* an isolated network: no router */
		take_offer();
		frames = sent.n;
		evs = events.n;
		reply(DHCPACK, client.xid, w.offer, w.server, w.router);
		check(client.state == DHCP_BOUND,
		      "after the ACK: state %s, expected DHCP_BOUND",
		      state_name(client.state));
		check(nif.ip == w.offer && nif.netmask == w.netmask &&
			  nif.gw == w.router,
		      "after the ACK: the interface has %u.%u.%u.%u mask "
		      "%u.%u.%u.%u gw %u.%u.%u.%u; expected %u.%u.%u.%u mask "
		      "%u.%u.%u.%u gw %u.%u.%u.%u (yiaddr, options 1 and 3%s)",
		      IP_ARGS(nif.ip), IP_ARGS(nif.netmask), IP_ARGS(nif.gw),
		      IP_ARGS(w.offer), IP_ARGS(w.netmask), IP_ARGS(w.router),
		      w.router ? "" : ": none, so 0");
		check(client.lease == w.lease,
		      "after the ACK: d->lease %u, expected option 51's %u",
		      client.lease, w.lease);
		want_events(evs, ev, 1, "the ACK");
		check(sent.n == frames, "the ACK was answered with %u frames",
		      sent.n - frames);
		/* Bound: no more REQUESTs, however long. */
		for (int i = 0; i < 20; i++) {
			nif.now += client.hz;
			dhcp_tick(&nif);
		}
		check(sent.n == frames,
		      "bound, the client still sends (%u frames in 20 s): the "
		      "state must leave DHCP_REQUESTING",
		      sent.n - frames);
	}
}

/* NAK in REQUESTING: start again with a DISCOVER; a new offer binds. */
static void dhcp_nak(void **state)
{
	const enum dhcp_event ev[] = {DHCP_EV_NAK, DHCP_EV_DISCOVER};
	uint32_t old;
	unsigned frames;

	(void)state;
	client_open();
	old = take_offer();
	frames = sent.n;
	reply(DHCPNAK, old, 0, w.server, 0);
	want_events(2, ev, 2, "a NAK");
	check(client.state == DHCP_SELECTING,
	      "after a NAK: state %s, expected DHCP_SELECTING (restart())",
	      state_name(client.state));
	check(sent.n == frames + 1,
	      "after a NAK: %u frames sent, expected one DISCOVER",
	      sent.n - frames);
	check(want_sent(frames, DHCPDISCOVER, 0, 0) != old,
	      "after a NAK the DISCOVER has the old xid 0x%08x: restart() "
	      "takes a new one",
	      old);
	check(nif.ip == 0, "after a NAK the interface has %u.%u.%u.%u",
	      IP_ARGS(nif.ip));
	/* Another address: the new exchange binds. */
	w.offer = draw_offer(w.offer);
	take_offer();
	want_sent(sent.n - 1, DHCPREQUEST, w.offer, w.server);
	reply(DHCPACK, client.xid, w.offer, w.server, w.router);
	check(client.state == DHCP_BOUND && nif.ip == w.offer,
	      "after a NAK, a new OFFER and its ACK: state %s, address "
	      "%u.%u.%u.%u; expected DHCP_BOUND, %u.%u.%u.%u",
	      state_name(client.state), IP_ARGS(nif.ip), IP_ARGS(w.offer));
}

/* Replies that are ours by xid, but not for this step: ignored. */
static void dhcp_foreign(void **state)
{
	uint32_t xid, other;

	(void)state;
	client_open();
	xid = client.xid;
	other = w.server + 1 + random32() % 5;

	/* SELECTING: only an offer, with a server id and an address. */
	reply(DHCPACK, xid, w.offer, w.server, w.router);
	want_ignored("an ACK before any OFFER", DHCP_SELECTING, 1, 1, 0);
	reply(DHCPNAK, xid, 0, w.server, 0);
	want_ignored("a NAK before any OFFER", DHCP_SELECTING, 1, 1, 0);
	reply(DHCPOFFER, xid, w.offer, 0, w.router);
	want_ignored("an OFFER without option 54 (whom to REQUEST from?)",
		     DHCP_SELECTING, 1, 1, 0);
	reply(DHCPOFFER, xid, 0, w.server, w.router);
	want_ignored("an OFFER of address 0.0.0.0", DHCP_SELECTING, 1, 1, 0);

	/* REQUESTING: only the chosen server's answer, for the address. */
	take_offer();
	reply(DHCPOFFER, xid, w.offer + 1, other, w.router);
	want_ignored("a second OFFER, from another server", DHCP_REQUESTING, 2,
		     2, 0);
	check(client.offered == w.offer && client.server == w.server,
	      "a second OFFER changed the offer taken to %u.%u.%u.%u from "
	      "%u.%u.%u.%u",
	      IP_ARGS(client.offered), IP_ARGS(client.server));
	reply(DHCPACK, xid, w.offer, other, w.router);
	want_ignored("an ACK from another server (option 54)", DHCP_REQUESTING,
		     2, 2, 0);
	reply(DHCPACK, xid, w.offer ^ 1, w.server, w.router);
	want_ignored("an ACK for another address than requested",
		     DHCP_REQUESTING, 2, 2, 0);
	reply(DHCPNAK, xid, 0, other, 0);
	want_ignored("a NAK from another server", DHCP_REQUESTING, 2, 2, 0);

	/* BOUND: nothing takes the address away (renewal is not done). */
	reply(DHCPACK, xid, w.offer, w.server, w.router);
	check(client.state == DHCP_BOUND && nif.ip == w.offer,
	      "after the chosen server's ACK: state %s, address "
	      "%u.%u.%u.%u; expected DHCP_BOUND, %u.%u.%u.%u",
	      state_name(client.state), IP_ARGS(nif.ip), IP_ARGS(w.offer));
	reply(DHCPACK, xid, w.offer, w.server, w.router);
	want_ignored("the ACK again when bound", DHCP_BOUND, 2, 3, w.offer);
	reply(DHCPNAK, xid, 0, w.server, 0);
	want_ignored("a NAK when bound", DHCP_BOUND, 2, 3, w.offer);
	reply(DHCPOFFER, xid, w.offer + 1, w.server, w.router);
	want_ignored("an OFFER when bound", DHCP_BOUND, 2, 3, w.offer);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(dhcp_offer),
	    cmocka_unit_test(dhcp_ack),
	    cmocka_unit_test(dhcp_nak),
	    cmocka_unit_test(dhcp_foreign),
	};

	return GRADE_MAIN("ch09", tests);
}

/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: chapter 8's guest network stack (guest/net), built for the
 * host: checksums, IPv4 header checks, ARP, ICMP echo, UDP echo and
 * halt, chapter 9's DHCP client, and the bootargs parser.  Frames go in through eth_input() and
 * come out through a fake driver that keeps the last one sent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/virtio.h"
#include "arp.h"
#include "bootargs.h"
#include "checksum.h"
#include "dhcp.h"
#include "eth.h"
#include "icmp.h"
#include "ipv4.h"
#include "netif.h"
#include "udp.h"

#define GUEST_IP 0x0a00020f /* 10.0.2.15 */
#define HOST_IP	 0x0a000201 /* 10.0.2.1 */

static const uint8_t guest_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t host_mac[6] = {0x02, 0x00, 0x00, 0xaa, 0xbb, 0xcc};

static uint8_t sent[ETH_FRAME_MAX];
static size_t sent_len;
static unsigned sent_count;

static int fake_send(struct netif *nif, const void *frame, size_t len)
{
	(void)nif;
	assert_true(len <= sizeof(sent));
	memcpy(sent, frame, len);
	sent_len = len;
	sent_count++;
	return 0;
}

static uint16_t reply_seq;
static uint8_t reply_ttl;

static void fake_echo_reply(struct netif *nif, uint32_t from, uint16_t seq,
			    uint8_t ttl, size_t len)
{
	(void)nif;
	(void)len;
	assert_int_equal(from, HOST_IP);
	reply_seq = seq;
	reply_ttl = ttl;
}

static void setup(struct netif *nif)
{
	memset(nif, 0, sizeof(*nif));
	memcpy(nif->mac, guest_mac, 6);
	nif->ip = GUEST_IP;
	nif->netmask = 0xffffff00;
	nif->gw = HOST_IP;
	nif->send = fake_send;
	nif->echo_reply = fake_echo_reply;
	nif->ping_id = 0x1234;
	sent_len = 0;
	sent_count = 0;
}

/* An Ethernet frame from the host: header, then `len` bytes of payload. */
static size_t eth_frame(uint8_t *f, const uint8_t *dst, uint16_t type,
			const void *payload, size_t len)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, host_mac, 6);
	put16(f + 12, type);
	memcpy(f + 14, payload, len);
	return 14 + len;
}

/* An IPv4 packet from the host to the guest, summed. */
static size_t ip_packet(uint8_t *p, uint8_t proto, const void *payload,
			size_t len)
{
	memset(p, 0, IPV4_HLEN);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)(IPV4_HLEN + len));
	put16(p + 4, 77);
	put16(p + 6, 0x4000);
	p[8] = 64;
	p[9] = proto;
	put32(p + 12, HOST_IP);
	put32(p + 16, GUEST_IP);
	put16(p + 10, inet_checksum(p, IPV4_HLEN));
	memcpy(p + IPV4_HLEN, payload, len);
	return IPV4_HLEN + len;
}

static void input_ip(struct netif *nif, uint8_t proto, const void *payload,
		     size_t len)
{
	static uint8_t pkt[2048], frame[2100];
	size_t n = ip_packet(pkt, proto, payload, len);

	n = eth_frame(frame, guest_mac, ETHERTYPE_IPV4, pkt, n);
	eth_input(nif, frame, n);
}

/* ---- checksums ---------------------------------------------------------- */

static void test_checksum_rfc1071(void **state)
{
	/* RFC 1071, 3: the words sum to 0xddf2 (one's complement). */
	const uint8_t even[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	const uint8_t odd[] = {0x00, 0x01, 0xf2};
	/* A real IPv4 header, checksum 0xb861 in place. */
	uint8_t ip[] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
			0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
			0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};

	(void)state;
	assert_int_equal(csum_add(0, even, sizeof(even)), 0xddf2);
	assert_int_equal(inet_checksum(even, sizeof(even)), 0x220d);
	/* An odd last byte is the high half of a word. */
	assert_int_equal(csum_add(0, odd, sizeof(odd)), 0xf201);
	assert_int_equal(inet_checksum(ip, sizeof(ip)), 0);
	ip[10] = ip[11] = 0;
	assert_int_equal(inet_checksum(ip, sizeof(ip)), 0xb861);
	/* Summing in pieces is summing the whole. */
	assert_int_equal(csum_fold(csum_add(csum_add(0, even, 4), even + 4, 4)),
			 0x220d);
	assert_int_equal(inet_checksum(NULL, 0), 0xffff);
}

/* ---- IPv4 ------------------------------------------------------------- */

static void test_ipv4_parse(void **state)
{
	uint8_t p[64], bad[64];
	struct ipv4_info info;
	size_t n = ip_packet(p, IPV4_PROTO_UDP, "12345678", 8);

	(void)state;
	assert_int_equal(ipv4_parse(p, n, &info), 0);
	assert_int_equal(info.src, HOST_IP);
	assert_int_equal(info.dst, GUEST_IP);
	assert_int_equal(info.proto, IPV4_PROTO_UDP);
	assert_int_equal(info.ttl, 64);
	assert_int_equal(info.hlen, 20);
	assert_int_equal(info.len, 8);
	/* Ethernet padding after the packet is not part of it. */
	assert_int_equal(ipv4_parse(p, sizeof(p), &info), 0);
	assert_int_equal(info.len, 8);
	/* Truncated, short, wrong version, header length 4 words. */
	assert_int_equal(ipv4_parse(p, n - 1, &info), -1);
	assert_int_equal(ipv4_parse(p, 19, &info), -1);
	memcpy(bad, p, n);
	bad[0] = 0x65;
	assert_int_equal(ipv4_parse(bad, n, &info), -1);
	memcpy(bad, p, n);
	bad[0] = 0x44;
	assert_int_equal(ipv4_parse(bad, n, &info), -1);
	/* A header longer than the packet. */
	memcpy(bad, p, n);
	put16(bad + 2, 16);
	assert_int_equal(ipv4_parse(bad, n, &info), -1);
	/* One bit flipped: the checksum. */
	memcpy(bad, p, n);
	bad[8] ^= 1;
	assert_int_equal(ipv4_parse(bad, n, &info), -2);
	/* Fragments: more-fragments, or an offset, summed again. */
	memcpy(bad, p, n);
	put16(bad + 6, 0x2000);
	put16(bad + 10, 0);
	put16(bad + 10, inet_checksum(bad, IPV4_HLEN));
	assert_int_equal(ipv4_parse(bad, n, &info), -3);
	put16(bad + 6, 0x0001);
	put16(bad + 10, 0);
	put16(bad + 10, inet_checksum(bad, IPV4_HLEN));
	assert_int_equal(ipv4_parse(bad, n, &info), -3);
}

static void test_ipv4_input_counts(void **state)
{
	struct netif nif;
	uint8_t pkt[64], frame[128];
	size_t n;

	(void)state;
	setup(&nif);
	/* Not our address. */
	n = ip_packet(pkt, IPV4_PROTO_UDP, "12345678", 8);
	put32(pkt + 16, 0x0a000263);
	put16(pkt + 10, 0);
	put16(pkt + 10, inet_checksum(pkt, IPV4_HLEN));
	eth_input(&nif, frame, eth_frame(frame, guest_mac, 0x0800, pkt, n));
	assert_int_equal(nif.c.ip_not_ours, 1);
	/* A bad checksum. */
	n = ip_packet(pkt, IPV4_PROTO_UDP, "12345678", 8);
	pkt[10] ^= 0xff;
	eth_input(&nif, frame, eth_frame(frame, guest_mac, 0x0800, pkt, n));
	assert_int_equal(nif.c.ip_bad_csum, 1);
	/* Another protocol (TCP). */
	input_ip(&nif, 6, "12345678", 8);
	assert_int_equal(nif.c.ip_other_proto, 1);
	/* Another host's MAC, another EtherType, a runt. */
	eth_input(&nif, frame, eth_frame(frame, host_mac, 0x0800, pkt, n));
	assert_int_equal(nif.c.rx_not_ours, 1);
	eth_input(&nif, frame, eth_frame(frame, guest_mac, 0x86dd, pkt, n));
	assert_int_equal(nif.c.rx_other_type, 1);
	eth_input(&nif, frame, 10);
	assert_int_equal(nif.c.rx_short, 1);
	assert_int_equal(nif.c.rx_frames, 6);
	assert_int_equal(sent_count, 0);
}

/* ---- ARP -------------------------------------------------------------- */

/* The host asks "who has `ip`?". */
static void arp_ask(struct netif *nif, uint32_t ip)
{
	uint8_t p[ARP_LEN], frame[64];
	struct netif host;

	setup(&host);
	memcpy(host.mac, host_mac, 6);
	host.ip = HOST_IP;
	arp_build(&host, p, ARP_REQUEST, NULL, ip);
	eth_input(nif, frame,
		  eth_frame(frame, eth_broadcast, ETHERTYPE_ARP, p, ARP_LEN));
}

static void test_arp_reply(void **state)
{
	struct netif nif;
	uint8_t mac[6];
	const uint8_t *a = sent + ETH_HLEN;

	(void)state;
	setup(&nif);
	arp_ask(&nif, 0x0a000299); /* not us: no answer, nothing learnt */
	assert_int_equal(sent_count, 0);
	assert_int_equal(arp_lookup(&nif, HOST_IP, mac), -1);

	arp_ask(&nif, GUEST_IP);
	assert_int_equal(sent_count, 1);
	assert_int_equal(nif.c.arp_requests_answered, 1);
	/* Padded to the shortest Ethernet frame, to the asker. */
	assert_int_equal(sent_len, ETH_ZLEN);
	assert_memory_equal(sent, host_mac, 6);
	assert_memory_equal(sent + 6, guest_mac, 6);
	assert_int_equal(get16(sent + 12), ETHERTYPE_ARP);
	assert_int_equal(get16(a), 1);
	assert_int_equal(get16(a + 2), 0x0800);
	assert_int_equal(a[4], 6);
	assert_int_equal(a[5], 4);
	assert_int_equal(get16(a + 6), ARP_REPLY);
	assert_memory_equal(a + 8, guest_mac, 6);
	assert_int_equal(get32(a + 14), GUEST_IP);
	assert_memory_equal(a + 18, host_mac, 6);
	assert_int_equal(get32(a + 24), HOST_IP);
	/* RFC 826: the asker is learnt from its request. */
	assert_int_equal(arp_lookup(&nif, HOST_IP, mac), 0);
	assert_memory_equal(mac, host_mac, 6);

	/* Short or not Ethernet/IPv4: counted, ignored. */
	{
		uint8_t frame[64];

		eth_input(
		    &nif, frame,
		    eth_frame(frame, eth_broadcast, ETHERTYPE_ARP, a, 20));
		assert_int_equal(nif.c.arp_bad, 1);
	}
}

static void test_arp_cache_and_request(void **state)
{
	struct netif nif;
	uint8_t mac[6] = {2, 0, 0, 0, 0, 0};

	(void)state;
	setup(&nif);
	/* More neighbours than entries: the oldest goes. */
	for (unsigned i = 0; i <= ARP_CACHE; i++) {
		nif.now = i;
		mac[5] = (uint8_t)i;
		arp_update(&nif, 0x0a000210 + i, mac);
	}
	assert_int_equal(arp_lookup(&nif, 0x0a000210, mac), -1);
	assert_int_equal(arp_lookup(&nif, 0x0a000211, mac), 0);
	assert_int_equal(mac[5], 1);
	assert_int_equal(arp_lookup(&nif, 0x0a000210 + ARP_CACHE, mac), 0);
	assert_int_equal(mac[5], ARP_CACHE);

	/* Sending to an unknown neighbour: an ARP request instead. */
	setup(&nif);
	assert_int_equal(udp_output(&nif, HOST_IP, 7, 7, 0), -1);
	assert_int_equal(nif.c.ip_unresolved, 1);
	assert_int_equal(nif.c.arp_requests_sent, 1);
	assert_int_equal(sent_count, 1);
	assert_memory_equal(sent, eth_broadcast, 6);
	assert_int_equal(get16(sent + ETH_HLEN + 6), ARP_REQUEST);
	assert_int_equal(get32(sent + ETH_HLEN + 24), HOST_IP);
	/* Off the subnet: the gateway is asked for. */
	assert_int_equal(ipv4_next_hop(&nif, 0x08080808), HOST_IP);
	assert_int_equal(ipv4_next_hop(&nif, 0x0a000202), 0x0a000202);
}

/* ---- ICMP ------------------------------------------------------------- */

static void test_icmp_echo(void **state)
{
	static uint8_t req[ICMP_HLEN + ICMP_ECHO_DATA_MAX];
	const uint8_t *ip = sent + ETH_HLEN, *icmp = ip + IPV4_HLEN;
	struct ipv4_info info;
	const size_t sizes[] = {0, 56, 1000, ICMP_ECHO_DATA_MAX};
	struct netif nif;

	(void)state;
	setup(&nif);
	arp_ask(&nif, GUEST_IP);
	for (unsigned i = 0; i < 4; i++) {
		size_t len = ICMP_HLEN + sizes[i];

		req[0] = ICMP_ECHO_REQUEST;
		req[1] = 0;
		put16(req + 2, 0);
		put16(req + 4, 0xbeef);
		put16(req + 6, (uint16_t)i);
		for (size_t j = 0; j < sizes[i]; j++)
			req[ICMP_HLEN + j] = (uint8_t)(j * 7);
		put16(req + 2, inet_checksum(req, len));
		input_ip(&nif, IPV4_PROTO_ICMP, req, len);
		assert_int_equal(nif.c.icmp_echoes_answered, i + 1);
		assert_int_equal(ipv4_parse(ip, sent_len - ETH_HLEN, &info), 0);
		assert_int_equal(info.src, GUEST_IP);
		assert_int_equal(info.dst, HOST_IP);
		assert_int_equal(info.len, len);
		assert_int_equal(icmp[0], ICMP_ECHO_REPLY);
		assert_int_equal(inet_checksum(icmp, len), 0);
		assert_memory_equal(icmp + 4, req + 4, len - 4);
	}
	/* A bad checksum: dropped, counted. */
	req[ICMP_HLEN] ^= 1;
	input_ip(&nif, IPV4_PROTO_ICMP, req, ICMP_HLEN + 4);
	assert_int_equal(nif.c.icmp_bad_csum, 1);
	assert_int_equal(nif.c.icmp_echoes_answered, 4);
}

static void test_icmp_ping(void **state)
{
	uint8_t reply[ICMP_HLEN + 56];
	const uint8_t *icmp = sent + ETH_HLEN + IPV4_HLEN;
	struct netif nif;

	(void)state;
	setup(&nif);
	arp_ask(&nif, GUEST_IP);
	assert_int_equal(icmp_echo_request(&nif, HOST_IP, 3, 56), 0);
	assert_int_equal(icmp[0], ICMP_ECHO_REQUEST);
	assert_int_equal(get16(icmp + 4), 0x1234);
	assert_int_equal(get16(icmp + 6), 3);
	assert_int_equal(inet_checksum(icmp, sizeof(reply)), 0);
	/* The host's answer: the same, type 0. */
	memcpy(reply, icmp, sizeof(reply));
	reply[0] = ICMP_ECHO_REPLY;
	put16(reply + 2, 0);
	put16(reply + 2, inet_checksum(reply, sizeof(reply)));
	input_ip(&nif, IPV4_PROTO_ICMP, reply, sizeof(reply));
	assert_int_equal(nif.c.icmp_replies, 1);
	assert_int_equal(reply_seq, 3);
	assert_int_equal(reply_ttl, 64);
	/* Somebody else's ping id: not ours. */
	put16(reply + 4, 0x9999);
	put16(reply + 2, 0);
	put16(reply + 2, inet_checksum(reply, sizeof(reply)));
	input_ip(&nif, IPV4_PROTO_ICMP, reply, sizeof(reply));
	assert_int_equal(nif.c.icmp_replies, 1);
	assert_int_equal(nif.c.icmp_other, 1);
}

/* ---- UDP -------------------------------------------------------------- */

static size_t udp_datagram(uint8_t *u, uint16_t dport, const char *data,
			   bool sum)
{
	size_t len = UDP_HLEN + strlen(data);

	put16(u, 40000);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)len);
	put16(u + 6, 0);
	memcpy(u + UDP_HLEN, data, strlen(data));
	if (sum)
		put16(u + 6, udp_checksum(HOST_IP, GUEST_IP, u, len));
	return len;
}

static void test_udp_echo_and_halt(void **state)
{
	const uint8_t *u = sent + ETH_HLEN + IPV4_HLEN;
	uint8_t d[64];
	struct netif nif;
	size_t n;

	(void)state;
	setup(&nif);
	arp_ask(&nif, GUEST_IP);
	n = udp_datagram(d, ABI_NET_UDP_ECHO, "hello, kvmlab", true);
	input_ip(&nif, IPV4_PROTO_UDP, d, n);
	assert_int_equal(nif.c.udp_echoed, 1);
	assert_int_equal(get16(u), ABI_NET_UDP_ECHO);
	assert_int_equal(get16(u + 2), 40000);
	assert_int_equal(get16(u + 4), n);
	assert_int_not_equal(get16(u + 6), 0);
	assert_int_equal(udp_checksum(GUEST_IP, HOST_IP, u, n), 0);
	assert_memory_equal(u + UDP_HLEN, "hello, kvmlab", 13);
	/* No checksum (0) is accepted; a wrong one is not. */
	n = udp_datagram(d, ABI_NET_UDP_ECHO, "x", false);
	input_ip(&nif, IPV4_PROTO_UDP, d, n);
	assert_int_equal(nif.c.udp_echoed, 2);
	n = udp_datagram(d, ABI_NET_UDP_ECHO, "xyz", true);
	d[UDP_HLEN] ^= 0x20;
	input_ip(&nif, IPV4_PROTO_UDP, d, n);
	assert_int_equal(nif.c.udp_bad_csum, 1);
	/* A length beyond the packet. */
	n = udp_datagram(d, ABI_NET_UDP_ECHO, "xyz", false);
	put16(d + 4, 40);
	input_ip(&nif, IPV4_PROTO_UDP, d, n);
	assert_int_equal(nif.c.udp_bad, 1);
	/* Nobody listens on 1234; "halt" to the halt port stops. */
	n = udp_datagram(d, 1234, "halt", true);
	input_ip(&nif, IPV4_PROTO_UDP, d, n);
	assert_int_equal(nif.c.udp_no_port, 1);
	assert_false(nif.halt);
	n = udp_datagram(d, ABI_NET_UDP_HALT, "hal", true);
	input_ip(&nif, IPV4_PROTO_UDP, d, n);
	assert_false(nif.halt);
	n = udp_datagram(d, ABI_NET_UDP_HALT, "halt now", true);
	input_ip(&nif, IPV4_PROTO_UDP, d, n);
	assert_true(nif.halt);
	assert_int_equal(nif.c.udp_echoed, 2);
}

/* ---- DHCP ------------------------------------------------------------- */

#define SERVER_IP 0xc0a87a01 /* 192.168.122.1 */
#define OFFER_IP  0xc0a87a39 /* 192.168.122.57 */
#define XID	  0x6b760901
#define HZ	  100

static struct dhcp dhcp;
static enum dhcp_event events[16];
static unsigned nevents;

static void fake_dhcp_event(struct netif *nif, const struct dhcp *d,
			    enum dhcp_event ev)
{
	(void)nif;
	(void)d;
	assert_true(nevents < 16);
	events[nevents++] = ev;
}

/* The client started on a fresh interface: its first DISCOVER is sent. */
static void dhcp_setup(struct netif *nif)
{
	setup(nif);
	nif->now = 5000;
	nevents = 0;
	memset(&dhcp, 0xa5, sizeof(dhcp)); /* dhcp_start() clears it */
	dhcp.event = fake_dhcp_event;
	dhcp_start(nif, &dhcp, XID, HZ);
}

/* Option `code` of the message at m (len bytes): its value and length,
 * or NULL.  The test's own reader, for what the client sends. */
static const uint8_t *option(const uint8_t *m, size_t len, uint8_t code,
			     size_t *n)
{
	for (size_t i = 240; i + 1 < len && m[i] != 255;) {
		if (m[i] == 0) {
			i++;
			continue;
		}
		if (m[i] == code) {
			*n = m[i + 1];
			assert_true(i + 2 + *n <= len);
			return m + i + 2;
		}
		i += 2 + m[i + 1];
	}
	return NULL;
}

/* The last frame sent must be a DHCP message of `type`, broadcast from
 * 0.0.0.0 with the BROADCAST flag, for our MAC: its xid. */
static uint32_t sent_dhcp(uint8_t type)
{
	const uint8_t *ip = sent + ETH_HLEN, *u = ip + IPV4_HLEN, *m = u + 8;
	const uint8_t *v;
	size_t len, n;

	assert_memory_equal(sent, eth_broadcast, 6);
	assert_memory_equal(sent + 6, guest_mac, 6);
	assert_int_equal(get16(sent + 12), ETHERTYPE_IPV4);
	assert_int_equal(inet_checksum(ip, IPV4_HLEN), 0);
	assert_int_equal(ip[9], IPV4_PROTO_UDP);
	assert_int_equal(get32(ip + 12), 0);
	assert_int_equal(get32(ip + 16), 0xffffffff);
	assert_int_equal(get16(u), 68);
	assert_int_equal(get16(u + 2), 67);
	len = get16(u + 4);
	assert_int_equal(udp_checksum(0, 0xffffffff, u, len), 0);
	len -= 8;
	assert_true(len >= 300);   /* BOOTP's size */
	assert_int_equal(m[0], 1); /* BOOTREQUEST */
	assert_int_equal(m[1], 1);
	assert_int_equal(m[2], 6);
	assert_int_equal(get16(m + 10), 0x8000);
	assert_memory_equal(m + 28, guest_mac, 6);
	assert_int_equal(get32(m + 236), 0x63825363);
	assert_non_null(v = option(m, len, 53, &n));
	assert_int_equal(n, 1);
	assert_int_equal(v[0], type);
	if (type == DHCPREQUEST) {
		assert_non_null(v = option(m, len, 50, &n));
		assert_int_equal(n, 4);
		assert_int_equal(get32(v), dhcp.offered);
		assert_non_null(v = option(m, len, 54, &n));
		assert_int_equal(n, 4);
		assert_int_equal(get32(v), dhcp.server);
	}
	return get32(m + 4);
}

/* A frame from the server (port `sport`, to `dport`) to `dst` (broadcast,
 * or our MAC at dst) with the `len`-byte message m, of which the IP and
 * UDP lengths claim only `claim` bytes.  The frame is allocated to its exact size,
 * so that a sanitizer build sees any read past it. */
static void udp_frame(struct netif *nif, const uint8_t *m, size_t len,
		      size_t claim, uint32_t dst, uint16_t sport,
		      uint16_t dport)
{
	size_t n = ETH_HLEN + IPV4_HLEN + 8 + len;
	uint8_t *f = malloc(n), *ip = f + ETH_HLEN, *u = ip + IPV4_HLEN;

	assert_non_null(f);
	memcpy(f, dst == 0xffffffff ? eth_broadcast : guest_mac, 6);
	memcpy(f + 6, host_mac, 6);
	put16(f + 12, ETHERTYPE_IPV4);
	memset(ip, 0, IPV4_HLEN);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(IPV4_HLEN + 8 + claim));
	put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = IPV4_PROTO_UDP;
	put32(ip + 12, SERVER_IP);
	put32(ip + 16, dst);
	put16(ip + 10, inet_checksum(ip, IPV4_HLEN));
	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(8 + claim));
	put16(u + 6, 0);
	memcpy(u + 8, m, len);
	put16(u + 6, udp_checksum(SERVER_IP, dst, u, 8 + claim));
	eth_input(nif, f, n);
	free(f);
}

static void dhcp_frame(struct netif *nif, const uint8_t *m, size_t len,
		       size_t claim, uint32_t dst, uint16_t sport)
{
	udp_frame(nif, m, len, claim, dst, sport, 68);
}

static uint8_t *opt32(uint8_t *o, uint8_t code, uint32_t v)
{
	o[0] = code;
	o[1] = 4;
	put32(o + 2, v);
	return o + 6;
}

/* A reply of `type` to exchange `xid`, for yiaddr: mask /24, router,
 * lease 3600 s and the server id, as dnsmasq sends them.  Its length. */
static size_t dhcp_reply_msg(uint8_t *m, uint8_t type, uint32_t xid,
			     uint32_t yiaddr)
{
	uint8_t *o = m + 240;

	memset(m, 0, 548);
	m[0] = 2; /* BOOTREPLY */
	m[1] = 1;
	m[2] = 6;
	put32(m + 4, xid);
	put32(m + 16, yiaddr);
	memcpy(m + 28, guest_mac, 6);
	put32(m + 236, 0x63825363);
	*o++ = 53;
	*o++ = 1;
	*o++ = type;
	o = opt32(o, 54, SERVER_IP);
	if (type != DHCPNAK) {
		o = opt32(o, 51, 3600);
		o = opt32(o, 1, 0xffffff00);
		o = opt32(o, 3, SERVER_IP);
	}
	*o++ = 255;
	return (size_t)(o - m);
}

static void dhcp_send_reply(struct netif *nif, uint8_t type, uint32_t xid,
			    uint32_t yiaddr, uint32_t dst)
{
	uint8_t m[548];
	size_t n = dhcp_reply_msg(m, type, xid, yiaddr);

	dhcp_frame(nif, m, n, n, dst, 67);
}

/* DISCOVER, OFFER, REQUEST, ACK: bound, with the ACK's settings. */
static void test_dhcp_exchange(void **state)
{
	struct netif nif;
	uint8_t udp[16] = {0};

	(void)state;
	dhcp_setup(&nif);
	assert_int_equal(nif.ip, 0);
	assert_int_equal(nif.gw, 0);
	assert_ptr_equal(nif.dhcp, &dhcp);
	assert_int_equal(sent_count, 1);
	assert_int_equal(sent_dhcp(DHCPDISCOVER), XID);
	assert_int_equal(dhcp.state, DHCP_SELECTING);
	assert_int_equal(nevents, 1);
	assert_int_equal(events[0], DHCP_EV_DISCOVER);

	/* Without an address: no echo answered, ICMP not even looked at. */
	put16(udp, 4000);
	put16(udp + 2, ABI_NET_UDP_ECHO);
	put16(udp + 4, 16);
	input_ip(&nif, IPV4_PROTO_UDP, udp, 16);
	assert_int_equal(nif.c.udp_no_port, 1);
	input_ip(&nif, IPV4_PROTO_ICMP, "\x08\0\0\0\0\0\0\0", 8);
	assert_int_equal(nif.c.ip_not_ours, 1);
	assert_int_equal(sent_count, 1);

	/* The offer, broadcast: taken, and requested. */
	dhcp_send_reply(&nif, DHCPOFFER, XID, OFFER_IP, 0xffffffff);
	assert_int_equal(dhcp.state, DHCP_REQUESTING);
	assert_int_equal(dhcp.offered, OFFER_IP);
	assert_int_equal(dhcp.server, SERVER_IP);
	assert_int_equal(nevents, 2);
	assert_int_equal(events[1], DHCP_EV_OFFER);
	assert_int_equal(sent_count, 2);
	assert_int_equal(sent_dhcp(DHCPREQUEST), XID);
	assert_int_equal(nif.ip, 0);

	/* A second offer is not taken. */
	dhcp_send_reply(&nif, DHCPOFFER, XID, OFFER_IP + 1, 0xffffffff);
	assert_int_equal(nif.c.dhcp_ignored, 1);
	assert_int_equal(sent_count, 2);
	assert_int_equal(dhcp.offered, OFFER_IP);

	/* ACKs for another address, or from another server: not ours. */
	dhcp_send_reply(&nif, DHCPACK, XID, OFFER_IP + 1, OFFER_IP + 1);
	{
		uint8_t m[548];
		size_t n = dhcp_reply_msg(m, DHCPACK, XID, OFFER_IP);

		put32(m + 240 + 3 + 2, SERVER_IP + 1);
		dhcp_frame(&nif, m, n, n, 0xffffffff, 67);
	}
	assert_int_equal(nif.c.dhcp_ignored, 3);
	assert_int_equal(dhcp.state, DHCP_REQUESTING);
	assert_int_equal(nif.ip, 0);

	/* The ACK, unicast to the address offered (no BROADCAST honoured). */
	dhcp_send_reply(&nif, DHCPACK, XID, OFFER_IP, OFFER_IP);
	assert_int_equal(dhcp.state, DHCP_BOUND);
	assert_int_equal(nif.ip, OFFER_IP);
	assert_int_equal(nif.netmask, 0xffffff00);
	assert_int_equal(nif.gw, SERVER_IP);
	assert_int_equal(dhcp.lease, 3600);
	assert_int_equal(nevents, 3);
	assert_int_equal(events[2], DHCP_EV_BOUND);
	assert_int_equal(sent_count, 2);
	/* Bound: nothing more is sent, an ACK again changes nothing. */
	nif.now += 3600 * HZ;
	dhcp_tick(&nif);
	dhcp_send_reply(&nif, DHCPACK, XID, OFFER_IP, OFFER_IP);
	assert_int_equal(sent_count, 2);
	assert_int_equal(nevents, 3);
	/* And now UDP to another address is not ours, a broadcast is, but
	 * no echo is sent to it. */
	input_ip(&nif, IPV4_PROTO_UDP, udp, 16);
	assert_int_equal(nif.c.ip_not_ours, 2);
	udp_frame(&nif, udp, 8, 8, 0xffffffff, 4000, ABI_NET_UDP_ECHO);
	assert_int_equal(nif.c.udp_no_port, 2);
	assert_int_equal(nif.c.udp_echoed, 0);
	assert_int_equal(sent_count, 2);

	/* No router, no mask: gw 0, the class's mask (10.x: class A). */
	dhcp_setup(&nif);
	{
		uint8_t m[548], *o = m + 240;
		size_t n;

		dhcp_send_reply(&nif, DHCPOFFER, XID, 0x0a010203, 0xffffffff);
		dhcp_reply_msg(m, DHCPACK, XID, 0x0a010203);
		o += 3;
		o = opt32(o, 54, SERVER_IP);
		*o++ = 255;
		n = (size_t)(o - m);
		dhcp_frame(&nif, m, n, n, 0xffffffff, 67);
	}
	assert_int_equal(dhcp.state, DHCP_BOUND);
	assert_int_equal(nif.ip, 0x0a010203);
	assert_int_equal(nif.netmask, 0xff000000);
	assert_int_equal(nif.gw, 0);
	assert_int_equal(dhcp.lease, 0);
}

/* NAK: back to DISCOVER, a new xid; the old exchange's replies are not
 * ours any more. */
static void test_dhcp_nak(void **state)
{
	struct netif nif;
	uint32_t xid2;

	(void)state;
	dhcp_setup(&nif);
	dhcp_send_reply(&nif, DHCPOFFER, XID, OFFER_IP, 0xffffffff);
	assert_int_equal(dhcp.state, DHCP_REQUESTING);
	/* Another server's NAK is not for us. */
	{
		uint8_t m[548];
		size_t n = dhcp_reply_msg(m, DHCPNAK, XID, 0);

		put32(m + 240 + 3 + 2, SERVER_IP + 1);
		dhcp_frame(&nif, m, n, n, 0xffffffff, 67);
	}
	assert_int_equal(dhcp.state, DHCP_REQUESTING);
	assert_int_equal(nif.c.dhcp_ignored, 1);
	dhcp_send_reply(&nif, DHCPNAK, XID, 0, 0xffffffff);
	assert_int_equal(dhcp.state, DHCP_SELECTING);
	assert_int_equal(nevents, 4);
	assert_int_equal(events[2], DHCP_EV_NAK);
	assert_int_equal(events[3], DHCP_EV_DISCOVER);
	assert_int_equal(sent_count, 3);
	xid2 = sent_dhcp(DHCPDISCOVER);
	assert_int_not_equal(xid2, XID);
	assert_int_equal(nif.ip, 0);
	/* An offer without a server id cannot be requested: ignored. */
	{
		uint8_t m[548];
		size_t n = dhcp_reply_msg(m, DHCPOFFER, xid2, OFFER_IP);

		m[240 + 3] = 250; /* option 54 becomes an unknown one */
		dhcp_frame(&nif, m, n, n, 0xffffffff, 67);
	}
	assert_int_equal(dhcp.state, DHCP_SELECTING);
	assert_int_equal(nif.c.dhcp_ignored, 2);
	/* The old xid's offer: not ours; the new exchange binds. */
	dhcp_send_reply(&nif, DHCPOFFER, XID, OFFER_IP, 0xffffffff);
	assert_int_equal(nif.c.dhcp_not_ours, 1);
	assert_int_equal(dhcp.state, DHCP_SELECTING);
	dhcp_send_reply(&nif, DHCPOFFER, xid2, OFFER_IP + 2, 0xffffffff);
	assert_int_equal(sent_dhcp(DHCPREQUEST), xid2);
	dhcp_send_reply(&nif, DHCPACK, xid2, OFFER_IP + 2, 0xffffffff);
	assert_int_equal(dhcp.state, DHCP_BOUND);
	assert_int_equal(nif.ip, OFFER_IP + 2);
}

/* Replies to another exchange or client, or not BOOTP replies: counted,
 * nothing changes, nothing is sent. */
static void test_dhcp_not_ours(void **state)
{
	struct netif nif;
	uint8_t m[548];
	size_t n;

	(void)state;
	dhcp_setup(&nif);
	dhcp_send_reply(&nif, DHCPOFFER, XID + 1, OFFER_IP, 0xffffffff);
	assert_int_equal(nif.c.dhcp_not_ours, 1);
	n = dhcp_reply_msg(m, DHCPOFFER, XID, OFFER_IP);
	m[28 + 5] ^= 1; /* another guest's MAC */
	dhcp_frame(&nif, m, n, n, 0xffffffff, 67);
	assert_int_equal(nif.c.dhcp_not_ours, 2);

	/* Not from port 67; a request; not Ethernet; hlen; cookie. */
	n = dhcp_reply_msg(m, DHCPOFFER, XID, OFFER_IP);
	dhcp_frame(&nif, m, n, n, 0xffffffff, 68);
	for (int k = 0; k < 4; k++) {
		const size_t at[] = {0, 1, 2, 236};

		n = dhcp_reply_msg(m, DHCPOFFER, XID, OFFER_IP);
		m[at[k]] ^= 3;
		dhcp_frame(&nif, m, n, n, 0xffffffff, 67);
	}
	assert_int_equal(nif.c.dhcp_bad, 5);
	assert_int_equal(dhcp.state, DHCP_SELECTING);
	assert_int_equal(nevents, 1);
	assert_int_equal(sent_count, 1);
	assert_int_equal(nif.c.dhcp_ignored, 0);
	/* Without a client, port 68 is just a closed port. */
	setup(&nif);
	dhcp_send_reply(&nif, DHCPOFFER, XID, GUEST_IP, GUEST_IP);
	assert_int_equal(nif.c.udp_no_port, 1);
}

/* Options that lie: each message is dropped as bad, never read past. */
static void test_dhcp_hostile_options(void **state)
{
	struct netif nif;
	uint8_t m[548];
	size_t n;
	const struct {
		uint8_t opts[12];
		size_t len; /* bytes of options carried */
	} bad[] = {
	    {{53, 1, 2, 54, 9, 1, 2, 3, 4}, 9},	   /* 54 runs past the end */
	    {{53, 1, 2, 54}, 4},		   /* a code, no length */
	    {{53, 2, 2, 0}, 4},			   /* type of 2 bytes */
	    {{53, 1, 2, 1, 4, 255, 0, 255, 0}, 9}, /* mask not contiguous */
	    {{53, 1, 2, 3, 3, 1, 2, 3}, 8},	   /* router of 3 bytes */
	    {{53, 1, 2, 51, 2, 0, 1}, 7},	   /* lease of 2 bytes */
	    {{54, 4, 1, 2, 3, 4, 255}, 7},	   /* no message type */
	    {{53, 1}, 2},			   /* a type with no value */
	};

	(void)state;
	dhcp_setup(&nif);
	for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		n = dhcp_reply_msg(m, DHCPOFFER, XID, OFFER_IP);
		memcpy(m + 240, bad[k].opts, bad[k].len);
		dhcp_frame(&nif, m, 240 + bad[k].len, 240 + bad[k].len,
			   0xffffffff, 67);
		assert_int_equal(nif.c.dhcp_bad, k + 1);
	}
	/* Shorter than the fixed part and the cookie. */
	n = dhcp_reply_msg(m, DHCPOFFER, XID, OFFER_IP);
	dhcp_frame(&nif, m, 239, 239, 0xffffffff, 67);
	/* A good offer whose UDP length ends before option 53: the bytes
	 * after it (Ethernet padding, say) are not part of it. */
	dhcp_frame(&nif, m, n, 240, 0xffffffff, 67);
	assert_int_equal(nif.c.dhcp_bad, sizeof(bad) / sizeof(bad[0]) + 2);
	assert_int_equal(dhcp.state, DHCP_SELECTING);
	assert_int_equal(sent_count, 1);

	/* Pads, an unknown option, no end option: still a good offer. */
	memset(m + 240, 0, 308);
	memcpy(m + 240, "\0\0\x35\x01\x02\xfa\x03xyz\x36\x04", 12);
	put32(m + 252, SERVER_IP);
	dhcp_frame(&nif, m, 256, 256, 0xffffffff, 67);
	assert_int_equal(dhcp.state, DHCP_REQUESTING);
	assert_int_equal(dhcp.server, SERVER_IP);
}

/* Unanswered: sent again after 1, 2, 4, 8, 8 s; REQUESTs four times,
 * then DISCOVER from the start. */
static void test_dhcp_retransmit(void **state)
{
	struct netif nif;
	unsigned long t0;
	const unsigned gaps[] = {1, 2, 4, 8, 8, 8};
	const uint8_t *m = sent + ETH_HLEN + IPV4_HLEN + 8;

	(void)state;
	dhcp_setup(&nif);
	t0 = nif.now;
	for (unsigned k = 0; k < 6; k++) {
		nif.now += gaps[k] * HZ - 1;
		dhcp_tick(&nif);
		assert_int_equal(sent_count, k + 1);
		nif.now++;
		dhcp_tick(&nif);
		assert_int_equal(sent_count, k + 2);
		assert_int_equal(sent_dhcp(DHCPDISCOVER), XID);
		/* secs: the time since the DISCOVERs began. */
		assert_int_equal(get16(m + 8), (nif.now - t0) / HZ);
	}
	assert_int_equal(nevents, 7);
	dhcp_send_reply(&nif, DHCPOFFER, XID, OFFER_IP, 0xffffffff);
	assert_int_equal(sent_count, 8);
	for (unsigned k = 0; k < 3; k++) {
		nif.now += (1u << k) * HZ;
		dhcp_tick(&nif);
		assert_int_equal(sent_count, 9 + k);
		assert_int_equal(sent_dhcp(DHCPREQUEST), XID);
	}
	nif.now += 8 * HZ;
	dhcp_tick(&nif);
	assert_int_equal(sent_count, 12);
	assert_int_equal(dhcp.state, DHCP_SELECTING);
	assert_int_not_equal(sent_dhcp(DHCPDISCOVER), XID);
	assert_int_equal(get16(m + 8), 0);
	assert_int_equal(events[nevents - 1], DHCP_EV_DISCOVER);
}

/* ---- bootargs --------------------------------------------------------- */

static void test_bootargs(void **state)
{
	struct net_config c;
	const char *bad = NULL;
	uint32_t ip;

	(void)state;
	assert_int_equal(net_parse_bootargs("console=ttyS0 ip=10.0.2.15/24 "
					    "gw=10.0.2.1  ping=10.0.2.1 "
					    "count=20 once",
					    &c, &bad),
			 0);
	assert_int_equal(c.ip, GUEST_IP);
	assert_int_equal(c.prefix, 24);
	assert_int_equal(c.netmask, 0xffffff00);
	assert_int_equal(c.gw, HOST_IP);
	assert_int_equal(c.pings, 1);
	assert_int_equal(c.ping[0], HOST_IP);
	assert_int_equal(c.count, 20);
	assert_true(c.once);
	assert_false(c.dhcp);

	assert_int_equal(net_parse_bootargs(NULL, &c, NULL), 0);
	assert_int_equal(c.ip, 0);
	assert_int_equal(c.pings, 0);
	assert_int_equal(c.count, NET_PING_COUNT);
	assert_false(c.once);
	assert_false(c.dhcp);

	/* Chapter 9: dhcp, and a list of targets where gw is the gateway. */
	assert_int_equal(net_parse_bootargs("dhcp ping=gw,10.0.2.1,gw,"
					    "203.0.113.2 count=3 once",
					    &c, NULL),
			 0);
	assert_true(c.dhcp);
	assert_int_equal(c.ip, 0);
	assert_int_equal(c.pings, 4);
	assert_int_equal(c.ping[0], NET_PING_GATEWAY);
	assert_int_equal(c.ping[1], HOST_IP);
	assert_int_equal(c.ping[2], NET_PING_GATEWAY);
	assert_int_equal(c.ping[3], 0xcb007102);
	assert_int_equal(c.count, 3);
	assert_int_equal(net_parse_bootargs("ping=1.1.1.1,2.2.2.2 ping=gw "
					    "dhcpd",
					    &c, NULL),
			 0);
	assert_int_equal(c.pings, 1); /* the last ping= counts */
	assert_int_equal(c.ping[0], NET_PING_GATEWAY);
	assert_false(c.dhcp);
	assert_int_equal(
	    net_parse_bootargs("ping=1.1.1.1,2.2.2.2,3.3.3.3,"
			       "4.4.4.4,5.5.5.5,6.6.6.6,7.7.7.7,gw",
			       &c, NULL),
	    0);
	assert_int_equal(c.pings, NET_PING_TARGETS);
	assert_int_equal(net_parse_bootargs("ip=192.168.1.2/0", &c, NULL), 0);
	assert_int_equal(c.netmask, 0);
	assert_int_equal(net_parse_bootargs("ip=192.168.1.2/32", &c, NULL), 0);
	assert_int_equal(c.netmask, 0xffffffff);
	/* "oncer" is some other word. */
	assert_int_equal(net_parse_bootargs("oncer", &c, NULL), 0);
	assert_false(c.once);

	const char *wrong[] = {
	    "ip=10.0.2.15",
	    "ip=10.0.2.256/24",
	    "ip=10.0.2/24",
	    "ip=10.0.2.15/33",
	    "ip=10.0.2.15/24x",
	    "gw=10.0.2.1.",
	    "ping=x",
	    "ping=",
	    "ping=gw,",
	    "ping=,10.0.2.1",
	    "ping=10.0.2.1,,gw",
	    "ping=gwx",
	    "ping=0.0.0.0",
	    "ping=10.0.2.1;gw",
	    "ping=1.1.1.1,2.2.2.2,3.3.3.3,4.4.4.4,5.5.5.5,6.6.6.6,7.7.7.7,"
	    "8.8.8.8,9.9.9.9",
	    "count=0",
	    "count=-1",
	    "count=100000000",
	    "gw=",
	};
	for (unsigned i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		char args[128];

		snprintf(args, sizeof(args), "ip=10.0.2.15/24 %s", wrong[i]);
		bad = NULL;
		assert_int_equal(net_parse_bootargs(args, &c, &bad), -1);
		assert_ptr_equal(bad, args + 16);
	}
	assert_int_equal(parse_ipv4("255.255.255.255", NULL, &ip), 0);
	assert_int_equal(ip, 0xffffffff);
	assert_int_equal(parse_ipv4("1.2.3", NULL, &ip), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_checksum_rfc1071),
	    cmocka_unit_test(test_ipv4_parse),
	    cmocka_unit_test(test_ipv4_input_counts),
	    cmocka_unit_test(test_arp_reply),
	    cmocka_unit_test(test_arp_cache_and_request),
	    cmocka_unit_test(test_icmp_echo),
	    cmocka_unit_test(test_icmp_ping),
	    cmocka_unit_test(test_udp_echo_and_halt),
	    cmocka_unit_test(test_dhcp_exchange),
	    cmocka_unit_test(test_dhcp_nak),
	    cmocka_unit_test(test_dhcp_not_ours),
	    cmocka_unit_test(test_dhcp_hostile_options),
	    cmocka_unit_test(test_dhcp_retransmit),
	    cmocka_unit_test(test_bootargs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

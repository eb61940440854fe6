/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: chapter 8's guest network stack (guest/net), built for the
 * host: checksums, IPv4 header checks, ARP, ICMP echo, UDP echo and
 * halt, and the bootargs parser.  Frames go in through eth_input() and
 * come out through a fake driver that keeps the last one sent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "abi/virtio.h"
#include "arp.h"
#include "bootargs.h"
#include "checksum.h"
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
	assert_int_equal(c.ping, HOST_IP);
	assert_int_equal(c.count, 20);
	assert_true(c.once);

	assert_int_equal(net_parse_bootargs(NULL, &c, NULL), 0);
	assert_int_equal(c.ip, 0);
	assert_int_equal(c.ping, 0);
	assert_int_equal(c.count, NET_PING_COUNT);
	assert_false(c.once);
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
	    "count=0",
	    "count=-1",
	    "count=100000000",
	    "gw=",
	};
	for (unsigned i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		char args[64];

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
	    cmocka_unit_test(test_bootargs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * guest.c: chapter 8's guest, a computer on a network.
 *
 * It finds a virtio-net device in the device tree (as chapter 5 found
 * its clock), brings it up (guest/drivers/virtio_net.c), and runs a
 * small IPv4 stack over it (guest/net): it answers ARP, ping and UDP
 * echo, and pings a host itself when asked.  Interrupts as in chapter 6:
 * the PICs on vectors 32-47, the timer on IRQ 0, the device on its
 * level-triggered line; when there is nothing to do it sleeps in HLT.
 *
 * Its settings come from /chosen/bootargs (guest/net/bootargs.h):
 *   ip=A.B.C.D/N gw=A.B.C.D [ping=TARGET,...] [count=N] [once]
 * or, in chapter 9 (build/ch09 runs this guest as ch09.elf), `dhcp` in
 * place of ip= and gw=: the address comes from a DHCP server
 * (guest/net/dhcp.c), then the pings start.  A TARGET is an address or
 * `gw`.  A UDP datagram "halt" to port ABI_NET_UDP_HALT ends it with
 * status 0; with `once`, so does the end of its pings (1 if a reply was
 * missing).
 */
#include <stdbool.h>
#include <stdint.h>

#include <libfdt.h>

#include "abi/machine.h"
#include "abi/virtio.h"
#include "arp.h"
#include "bootargs.h"
#include "cpu.h"
#include "dhcp.h"
#include "eth.h"
#include "exit.h"
#include "icmp.h"
#include "idt.h"
#include "ipv4.h"
#include "netif.h"
#include "pic8259.h"
#include "pit8254.h"
#include "printf.h"
#include "string.h"
#include "uart8250.h"
#include "virtio_net.h"

#define TICK_HZ	  100
#define PING_DATA 56 /* ping's default: 64 bytes of ICMP */
#define ARP_TRIES 3

static struct uart uart;
static struct virtio_mmio dev;
static struct netif nif;
static struct dhcp dhcp;
static volatile unsigned long ticks;

static struct {
	uint32_t target[NET_PING_TARGETS]; /* ping=: NET_PING_GATEWAY: gw */
	unsigned targets, t;		   /* how many; which one is pinged */
	uint32_t dst; /* its address (0: `gw`, but there is none) */
	unsigned count, sent, received;
	unsigned long next;	/* when the next request may go */
	unsigned long arp_next; /* when the next ARP request may go */
	unsigned arp_tries;	/* before the first request */
	bool once, active, missed;
} ping;

#define say(...) uart_printf(&uart, __VA_ARGS__)

static noreturn void finish(int status)
{
	const struct net_counters *c = &nif.c;
	const struct vnet_counters *v = vnet_counters();

	say("net: rx %lu frames, tx %lu frames; arp %lu requests answered; "
	    "icmp %lu echoes answered; udp %lu datagrams echoed\n",
	    c->rx_frames, c->tx_frames, c->arp_requests_answered,
	    c->icmp_echoes_answered, c->udp_echoed);
	say("virtio-net: %lu notifications sent, %lu suppressed; %lu "
	    "interrupts; %lu tx full, %lu bad rx\n",
	    v->notify_sent, v->notify_suppressed, v->interrupts, v->tx_full,
	    v->rx_bad);
	guest_exit(status);
}

/* ---- interrupts --------------------------------------------------------- */

static void timer_handler(struct trap_frame *f)
{
	(void)f;
	ticks++;
	pic_eoi(PIT_IRQ);
}

/* Level-triggered: the device's line drops at the ACK, before the EOI. */
static void vnet_handler(struct trap_frame *f)
{
	(void)f;
	vnet_interrupt();
	pic_eoi(dev.irq);
}

/* ---- the glue between driver and stack ---------------------------------- */

static int send_frame(struct netif *n, const void *frame, size_t len)
{
	(void)n;
	return vnet_send(frame, len);
}

static void deliver(void *ctx, const void *frame, size_t len)
{
	eth_input(ctx, frame, len);
}

/* ---- the ping client ---------------------------------------------------- */

static void echo_reply(struct netif *n, uint32_t from, uint16_t seq,
		       uint8_t ttl, size_t len)
{
	(void)len;
	if (from != ping.dst || !seq || seq > ping.sent)
		return;
	ping.received++;
	say("ping %u.%u.%u.%u: seq=%u ttl=%u\n", IP_ARGS(from), seq, ttl);
	if (seq == ping.sent)
		ping.next = n->now; /* the next one at once */
}

/* Ping target t from now on (`gw`: the gateway known by now). */
static void target_start(unsigned t)
{
	ping.t = t;
	ping.dst = ping.target[t] == NET_PING_GATEWAY ? nif.gw : ping.target[t];
	ping.sent = ping.received = ping.arp_tries = 0;
	ping.next = ping.arp_next = nif.now;
	ping.active = true;
}

/* The target's sum; then the next one, or, with `once`, the end. */
static void target_done(void)
{
	if (ping.dst)
		say("ping %u.%u.%u.%u: %u sent, %u received\n",
		    IP_ARGS(ping.dst), ping.sent, ping.received);
	else
		say("ping gw: there is no gateway (no gw=, no router from "
		    "DHCP)\n");
	if (!ping.dst || ping.received < ping.count)
		ping.missed = true;
	ping.active = false;
	if (ping.t + 1 < ping.targets)
		target_start(ping.t + 1);
	else if (ping.once)
		finish(ping.missed ? 1 : 0);
}

/* One step: resolve the next hop, send when due, sum up at the end. */
static void ping_step(void)
{
	uint8_t mac[ETH_ALEN];
	uint32_t hop = ipv4_next_hop(&nif, ping.dst);

	if (!ping.active || (long)(nif.now - ping.next) < 0)
		return;
	if (ping.sent == ping.count || !ping.dst) {
		target_done();
		return;
	}
	/*
	 * Resolve first: who has it?  Asked once a second, up to ARP_TRIES
	 * times.  Then the requests go anyway, each lost one counted (an
	 * unresolved one sends an ARP request instead, ipv4_output()).
	 */
	if (!ping.sent && arp_lookup(&nif, hop, mac) < 0) {
		if (ping.arp_tries < ARP_TRIES &&
		    (long)(nif.now - ping.arp_next) >= 0) {
			arp_request(&nif, hop);
			ping.arp_tries++;
			ping.arp_next = nif.now + TICK_HZ;
		}
		if (ping.arp_tries < ARP_TRIES ||
		    (long)(nif.now - ping.arp_next) < 0)
			return;
	}
	ping.next = nif.now + TICK_HZ;
	ping.sent++;
	icmp_echo_request(&nif, ping.dst, (uint16_t)ping.sent, PING_DATA);
}

/* ---- DHCP (chapter 9) --------------------------------------------------- */

/* The N of /N: the mask's ones (dhcp.c takes contiguous masks only). */
static unsigned prefix_len(uint32_t mask)
{
	unsigned n = 0;

	for (; mask; mask <<= 1)
		n++;
	return n;
}

/* The client's steps, as console lines; once bound, the pings start. */
static void dhcp_event(struct netif *n, const struct dhcp *d,
		       enum dhcp_event ev)
{
	switch (ev) {
	case DHCP_EV_DISCOVER:
		say("dhcp: discover\n");
		break;
	case DHCP_EV_OFFER:
		say("dhcp: offer %u.%u.%u.%u from %u.%u.%u.%u\n",
		    IP_ARGS(d->offered), IP_ARGS(d->server));
		break;
	case DHCP_EV_BOUND:
		say("dhcp: bound %u.%u.%u.%u/%u gw ", IP_ARGS(n->ip),
		    prefix_len(n->netmask));
		if (n->gw)
			say("%u.%u.%u.%u", IP_ARGS(n->gw));
		else
			say("none");
		say(" lease %u s\n", (unsigned)d->lease);
		if (ping.targets)
			target_start(0);
		break;
	case DHCP_EV_NAK:
		say("dhcp: nak, restart\n");
		break;
	}
}

/* ---- bring-up ----------------------------------------------------------- */

static void net_setup(const void *fdt)
{
	const char *args =
	    fdt_getprop(fdt, fdt_path_offset(fdt, "/chosen"), "bootargs", NULL);
	struct net_config cfg;
	const char *bad;

	if (net_parse_bootargs(args, &cfg, &bad) < 0) {
		say("ABORT: bootargs: cannot read \"%s\"\n", bad);
		guest_exit(1);
	}
	memcpy(nif.mac, vnet_mac(), ETH_ALEN);
	nif.send = send_frame;
	nif.echo_reply = echo_reply;
	nif.ping_id = 0x6b76; /* "kv" */
	memcpy(ping.target, cfg.ping, sizeof(ping.target));
	ping.targets = cfg.pings;
	ping.count = cfg.count;
	ping.once = cfg.once;
	if (cfg.dhcp) {
		/* The xid: the MAC's last four bytes, so that guests on one
		 * bridge differ, and the cycle counter, so that boots do. */
		uint32_t xid =
		    get32(nif.mac + 2) ^ (uint32_t)__builtin_ia32_rdtsc();

		say("net: dhcp, link %s\n", vnet_link_up() ? "up" : "down");
		dhcp.event = dhcp_event;
		dhcp_start(&nif, &dhcp, xid, TICK_HZ);
		return;
	}
	/* Without ip= and gw=: the contract's defaults. */
	if (!cfg.ip) {
		parse_ipv4(ABI_NET_GUEST_IP, NULL, &cfg.ip);
		cfg.prefix = ABI_NET_PREFIX;
		cfg.netmask = ~0u << (32 - ABI_NET_PREFIX);
	}
	if (!cfg.gw)
		parse_ipv4(ABI_NET_HOST_IP, NULL, &cfg.gw);
	nif.ip = cfg.ip;
	nif.netmask = cfg.netmask;
	nif.gw = cfg.gw;
	say("net: %u.%u.%u.%u/%u gw %u.%u.%u.%u, link %s\n", IP_ARGS(nif.ip),
	    cfg.prefix, IP_ARGS(nif.gw), vnet_link_up() ? "up" : "down");
	if (ping.targets)
		target_start(0);
}

static void vnet_setup(const void *fdt)
{
	const uint8_t *m;
	char names[64];

	if (virtio_mmio_find(fdt, -1, &dev) < 0) {
		say("ABORT: no virtio,mmio device with reg and interrupts in "
		    "the device tree\n");
		guest_exit(1);
	}
	if (virtio_mmio_probe(&dev, VIRTIO_ID_NET) < 0 || dev.irq >= PIC_IRQS)
		guest_exit(1);
	idt_set_handler(IDT_IRQ_BASE + dev.irq, vnet_handler);
	pic_set_level(dev.irq);
	pic_unmask(dev.irq);
	if (vnet_init(&dev) < 0)
		guest_exit(1);
	m = vnet_mac();
	say("virtio-net: device %u at 0x%lx, irq %u, mac "
	    "%02x:%02x:%02x:%02x:%02x:%02x\n",
	    dev.device_id, (unsigned long)dev.phys, dev.irq, m[0], m[1], m[2],
	    m[3], m[4], m[5]);
	vnet_feature_names(dev.features, names, sizeof(names));
	say("virtio-net: features 0x%lx: %s\n", (unsigned long)dev.features,
	    names);
}

int guest_main(unsigned long dtb)
{
	const void *fdt = (const void *)dtb;

	idt_init();
	if (uart_probe(&uart, ABI_PORT_COM1) < 0)
		return 3;
	uart_init(&uart, ABI_PORT_COM1, 115200);
	if (!dtb || fdt_check_header(fdt) != 0) {
		say("ABORT: no device tree at 0x%lx\n", dtb);
		return 1;
	}
	pic_init(IDT_IRQ_BASE);
	idt_set_handler(IDT_IRQ_BASE + PIT_IRQ, timer_handler);
	pit_start(TICK_HZ);
	pic_unmask(PIT_IRQ);
	vnet_setup(fdt);
	net_setup(fdt);

	for (unsigned long seen = ticks;;) {
		/* Sleep until a frame or a tick; checked with IF=0. */
		cli();
		while (!vnet_pending() && ticks == seen)
			wait_for_interrupt();
		sti();
		seen = ticks;
		nif.now = seen;
		vnet_poll(deliver, &nif);
		if (nif.halt)
			finish(0);
		dhcp_tick(&nif);
		ping_step();
	}
}

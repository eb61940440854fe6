/* SPDX-License-Identifier: MIT */
/*
 * Chapter 8: a virtio-net NIC on a TAP device.
 *
 * The guest gets a network card that no hardware vendor made: a
 * virtio-net device (kvmlab/virtio/net.c) behind the virtio-mmio
 * transport (kvmlab/virtio/mmio.c).  The guest's driver and this VMM
 * share three rings per queue in guest RAM (kvmlab/virtio/virtqueue.c):
 * the driver posts buffers, the device fills or drains them, and each
 * side tells the other only when it must: a store to QueueNotify (a
 * "kick") one way, an interrupt the other.
 *
 * The host's end of the wire is a TAP device (kvmlab/net/tap.c): frames
 * the guest sends are written to it and reach the host's network stack;
 * frames the host sends to it are read here and given to the guest.
 *
 * What it costs is the lesson.  With the I/O thread (the default) the
 * kicks are matched in the kernel by ioeventfds bound to QueueNotify,
 * one per queue, and the thread moves the frames; interrupts go in
 * through an irqfd; RING_EVENT_IDX lets each side skip the kicks and
 * interrupts the other does not need.  --no-event-idx and --no-iothread
 * take those away, and --stats counts exits, kicks and interrupts.
 * Without the I/O thread every kick is an MMIO exit, and the TAP signals
 * each arriving frame (SIGIO) to the vCPU thread, whose KVM_RUN returns
 * so that it can take the frame: a VMM "before I/O threads".
 *
 * --pcap FILE writes every frame both ways; `tcpdump -nr FILE` reads it.
 */
#define _GNU_SOURCE /* gettid */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "abi/machine.h"
#include "abi/virtio.h"
#include "kvmlab/base/log.h"
#include "kvmlab/cli/options.h"
#include "kvmlab/dev/debugexit.h"
#include "kvmlab/dev/fdt.h"
#include "kvmlab/dev/serial8250.h"
#include "kvmlab/irq/iothread.h"
#include "kvmlab/irq/kvmirq.h"
#include "kvmlab/kvm/vcpu.h"
#include "kvmlab/load/loader.h"
#include "kvmlab/machine/boot.h"
#include "kvmlab/machine/machine.h"
#include "kvmlab/net/pcap.h"
#include "kvmlab/net/tap.h"
#include "kvmlab/para/ioeventfd.h"
#include "kvmlab/viewer/viewer.h"
#include "kvmlab/virtio/net.h"

/*
 * What makes this VMM chapter 8's.  Chapter 9 adds no VMM code: its
 * chapters/09-bridge-nat/main.c defines these and includes this file.
 */
#ifndef CHAPTER_BINARY
#define CHAPTER_BINARY	"ch08"
#define CHAPTER_TITLE	"virtio-net on a TAP device"
#define CHAPTER_MODEL	"kvmlab chapter 8: virtio-net on a TAP device"
#define CHAPTER_GUEST	"ch08.elf"
#define CHAPTER_CMDLINE "ip=" ABI_NET_GUEST_IP "/24 gw=" ABI_NET_HOST_IP
#endif

static const char *tap_name, *mac_text = ABI_NET_MAC, *pcap_path, *dump_dtb;
static const char *cmdline = CHAPTER_CMDLINE;
static bool create_tap, no_event_idx, no_iothread;

static const struct chapter_flag flags[] = {
    {"create-tap",
     "create the TAP if it does not exist (it goes when this VMM ends); "
     "needs CAP_NET_ADMIN",
     &create_tap, NULL},
    {"no-event-idx",
     "do not offer RING_EVENT_IDX: a kick and an "
     "interrupt for every frame the other side asks for",
     &no_event_idx, NULL},
    {"no-iothread",
     "no I/O thread and no ioeventfds: every kick exits, frames arrive "
     "by SIGIO on the vCPU thread",
     &no_iothread, NULL},
    {0},
};

static const struct chapter_value values[] = {
    {"tap", "NAME", "the TAP device to attach to (required)", &tap_name},
    {"mac", "MAC", "the guest's MAC address (default " ABI_NET_MAC ")",
     &mac_text},
    {"pcap", "FILE", "write every frame, both ways, to a pcap FILE",
     &pcap_path},
    {"cmdline", "TEXT",
     "boot arguments (/chosen/bootargs), default \"" CHAPTER_CMDLINE "\"",
     &cmdline},
    {"dump-dtb", "FILE", "write the device tree blob to FILE", &dump_dtb},
    {0},
};

static const struct chapter_info chapter = {
    .binary = CHAPTER_BINARY,
    .title = CHAPTER_TITLE,
    .default_guest = CHAPTER_GUEST,
    .default_timeout = 0, /* a server runs until told to halt */
    .flags = flags,
    .values = values,
};

static struct serial8250 uart;
static struct debugexit debug_exit;
static struct virtio_net net;
static struct kvmirq net_irq;
static struct tap tap;
static struct pcap pcap;
static struct iothread io;
static struct ioeventfd kick[2];
static struct kvm_run *volatile sigio_run; /* --no-iothread */
static uint64_t sigio_drains;

/* A queue's ioeventfd fired on the I/O thread: the driver kicked it. */
static void kicked_rx(void *opaque, uint64_t count)
{
	(void)count;
	virtio_net_kick(opaque, VIRTIO_NET_RXQ);
}

static void kicked_tx(void *opaque, uint64_t count)
{
	(void)count;
	virtio_net_kick(opaque, VIRTIO_NET_TXQ);
}

/* The TAP has frames (I/O thread), and whether to wait for them. */
static void tap_ready(void *opaque)
{
	virtio_net_rx(opaque);
}

static bool tap_want(void *opaque)
{
	return virtio_net_rx_want(opaque);
}

/* --pcap: the device's frame tap. */
static void frame(void *opaque, int dir, const void *eth, size_t len)
{
	(void)opaque;
	if (pcap.path)
		pcap_write(&pcap, dir, eth, len);
}

/*
 * The guest added RX buffers after the device ran out: read the TAP
 * again.  With the I/O thread, wake it to ask tap_want() again; without,
 * this runs on the vCPU thread during the kick's exit, with the device
 * locked: have the next KVM_RUN return at once, and drain then.
 */
static void rx_room(void *opaque)
{
	(void)opaque;
	if (no_iothread && sigio_run)
		sigio_run->immediate_exit = 1;
	else if (!no_iothread)
		iothread_kick(&io);
}

/* --no-iothread: a frame arrived (SIGIO); KVM_RUN returns EINTR, or, if
 * the signal came between two KVM_RUNs, the next one returns at once. */
static void on_sigio(int sig)
{
	(void)sig;
	if (sigio_run)
		sigio_run->immediate_exit = 1;
}

/* ... and the run loop calls this on the vCPU thread: take them. */
static void drain(void *opaque)
{
	sigio_drains++;
	virtio_net_rx(opaque);
}

/* --stats: the NIC, the TAP, its interrupt, the kicks, the I/O thread. */
static void device_stats(struct machine *m, FILE *out)
{
	bus_print_stats(&m->mmio, out);
	virtio_net_print_stats(&net, out);
	tap_print_stats(&tap, out);
	pcap_print_stats(&pcap, out);
	kvmirq_print_stats(&net_irq, out);
	if (no_iothread) {
		fprintf(out,
			"no I/O thread: %llu frame signals (SIGIO) took the "
			"vCPU out of KVM_RUN\n",
			(unsigned long long)sigio_drains);
		return;
	}
	ioeventfd_print_stats(&kick[0], out);
	ioeventfd_print_stats(&kick[1], out);
	iothread_print_stats(&io, out);
}

/* The machine's part of the device tree, as in chapter 5. */
static void describe(struct machine *m, struct dt_machine *dt)
{
	uint64_t ram = m->opt->mem;

	dt_init(dt, CHAPTER_MODEL, ram);
	dt_reserve(dt, 0, ABI_REAL_LOAD);
	dt_reserve(dt, ABI_PT_BASE, ABI_PT_SIZE);
	dt_reserve(dt, ABI_FDT_ADDR(ram), ABI_FDT_MAX);
	dt->stdout_path = "serial0:115200n8";
	dt->bootargs = cmdline;
	m->board.dt = dt;
}

static int parse_mac(uint8_t mac[6])
{
	unsigned b[6];
	char end;

	if (sscanf(mac_text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
		   &b[3], &b[4], &b[5], &end) != 6 ||
	    (b[0] & 1)) {
		error("--mac %s: expected six hex bytes such as %s, not a "
		      "multicast address",
		      mac_text, ABI_NET_MAC);
		return -1;
	}
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

/*
 * The NIC: the device at ABI_MMIO_VIRTIO with its line (IRQ 5, level)
 * into KVM, frames through the TAP (and --pcap); with the I/O thread,
 * kicks through ioeventfds and the TAP waited on there; without, the
 * TAP's frames signalled to this (the vCPU) thread.
 */
static int net_wire(struct machine *m, const uint8_t mac[6])
{
	const struct virtio_net_backend be = {.send = tap_send,
					      .recv = tap_recv,
					      .frame = frame,
					      .rx_room = rx_room,
					      .opaque = &tap};
	struct sigaction sa = {.sa_handler = on_sigio};
	int r;

	if (iothread_init(&io) ||
	    kvmirq_init(&net_irq, &m->vm, ABI_IRQ_VIRTIO,
			no_iothread ? KVMIRQ_LINE : KVMIRQ_IRQFD, &io) ||
	    virtio_net_init(&net, &m->vm.mem, mac, !no_event_idx, &be,
			    kvmirq_line(&net_irq)) ||
	    virtio_net_register(&net, &m->board, 0))
		return -1;
	if (no_iothread) {
		/* No SA_RESTART: the signal must make KVM_RUN return. */
		sigemptyset(&sa.sa_mask);
		sigio_run = m->cpu.run;
		m->cpu.signalled = drain;
		m->cpu.signalled_opaque = &net;
		if (sigaction(SIGIO, &sa, NULL) < 0)
			return -1;
		return tap_signal_on_input(&tap, gettid(), SIGIO);
	}
	if (iothread_add(&io, "tap", tap.fd, tap_ready, tap_want, &net))
		return -1;
	r = ioeventfd_init_mmio(
	    &kick[0], &m->vm, ABI_MMIO_VIRTIO + VIRTIO_MMIO_QUEUE_NOTIFY, 4,
	    VIRTIO_NET_RXQ, &io, "rx kicks", kicked_rx, &net);
	if (!r)
		r = ioeventfd_init_mmio(
		    &kick[1], &m->vm,
		    ABI_MMIO_VIRTIO + VIRTIO_MMIO_QUEUE_NOTIFY, 4,
		    VIRTIO_NET_TXQ, &io, "tx kicks", kicked_tx, &net);
	/* Without ioeventfds every kick exits: slower, still right. */
	return r == -ENOTSUP ? 0 : r;
}

int main(int argc, char **argv)
{
	struct options opt;
	struct machine m;
	struct dt_machine tree;
	uint8_t mac[6];
	uint64_t dtb = 0;
	int status;

	/* The command line: the shared options and the NIC's. */
	status = options_parse(&opt, &chapter, argc, argv);
	if (status != OPTIONS_RUN)
		return status;
	if (!tap_name) {
		error("--tap NAME is required: the TAP device the guest's NIC "
		      "is wired to");
		hint("fix: `sudo ip tuntap add tap0 mode tap user $USER && "
		     "sudo ip link set tap0 up`, then --tap tap0; or, in a "
		     "namespace of your own: `unshare -Urn %s --tap tap0 "
		     "--create-tap`",
		     argv[0]);
		return ABI_STATUS_USAGE;
	}
	if (parse_mac(mac))
		return ABI_STATUS_USAGE;
	/* The console a line at a time, also into a file: the tests wait
	 * for the guest's lines while it runs. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* The TAP first: its errors need no KVM. */
	status = tap_open(&tap, tap_name, create_tap);
	if (!status && pcap_path && pcap_open(&pcap, pcap_path))
		status = ABI_STATUS_USAGE;
	if (status) {
		tap_close(&tap);
		return status;
	}
	/* The trace, the guest file, /dev/kvm, a VM with RAM at 0, KVM's
	 * PICs, I/O APIC and PIT (before the vCPU), one vCPU. */
	status = machine_open(&m, &opt, MACHINE_IRQCHIP);
	m.device_stats = device_stats;
	/* The 64-bit guest: ELF by its program headers, flat at 1 MiB. */
	if (!status)
		status = machine_load(&m, ABI_ELF_BASE, LOAD_ELF64 | LOAD_FLAT);
	/* The machine's part of the device tree: RAM, reserved, /chosen. */
	describe(&m, &tree);
	/* Devices, each on its bus and in the tree: debug-exit (0xf4), the
	 * UART (0x3f8, output only), the NIC (MMIO 0xd0000000, IRQ 5). */
	serial8250_init(&uart, stdout, -1);
	serial8250_hang_up(&uart);
	if (!status &&
	    (debugexit_register(&debug_exit, &m.board, vcpu_stop, &m.cpu) ||
	     serial8250_register(&uart, &m.board, ABI_PORT_COM1) ||
	     net_wire(&m, mac)))
		status = ABI_STATUS_HOST;
	/* The tree as a blob at the top of RAM (and in --dump-dtb FILE). */
	if (!status)
		status = machine_load_dt(&m, dump_dtb, &dtb);
	/* Long mode, with the tree's address in RDI. */
	if (!status && vcpu_set_cpuid(&m.cpu))
		status = ABI_STATUS_HOST;
	if (!status)
		status = boot_long(&m.cpu, m.img.entry, dtb);
	/* The I/O thread: the TAP, both queues' kicks, the resampler. */
	if (!status && !no_iothread && iothread_start(&io))
		status = ABI_STATUS_HOST;
	if (!status) {
		/* Run it, or with --tui step through it in the viewer. */
		status = machine_run(&m, viewer_run);
		serial8250_flush(&uart);
	}
	/* The thread first: it waits on the TAP, the kicks, the line. */
	iothread_stop(&io);
	sigio_run = NULL;
	ioeventfd_close(&kick[0]);
	ioeventfd_close(&kick[1]);
	kvmirq_close(&net_irq);
	/* --stats (with the NIC's lines), "guest stopped"; all closed. */
	status = machine_close(&m, status);
	virtio_net_close(&net);
	pcap_close(&pcap);
	tap_close(&tap);
	return status;
}

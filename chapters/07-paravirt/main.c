/* SPDX-License-Identifier: MIT */
/*
 * Chapter 7: paravirtualisation.
 *
 * Chapter 4's guest drove an emulated 8250 as if it were the chip: every
 * register access trapped, and every byte printed cost an exit or more.
 * A guest that knows it runs on a VMM can ask for what it means instead.
 * This chapter gives its guest three consoles and measures them on the
 * same text:
 *
 *   (a) the emulated 8250 (kvmlab/dev/serial8250.c), as in chapter 4;
 *   (b) the hypercall console (kvmlab/para/hypercall.c): the guest hands
 *       over a whole buffer in one exit, a 4-byte OUT of the address of
 *       an argument block;
 *   (c) the ring console (kvmlab/para/ringconsole.c): the guest fills a
 *       ring in its own RAM and rings a doorbell, an OUT that KVM
 *       matches in the kernel (kvmlab/para/ioeventfd.c, KVM_IOEVENTFD):
 *       KVM signals an eventfd and resumes the guest without returning
 *       here, and this process's I/O thread wakes up and drains the ring
 *       while the guest runs on.
 *
 * --compare runs the same 200 lines through each and prints what they
 * cost as this VMM counted them: the guest only marks where each phase
 * begins and ends (with HC_EXIT_STATS).  --stats shows the hypercalls,
 * the ring and its doorbell.
 *
 * No irqchip: nothing here needs an interrupt (the I/O thread drains the
 * ring without telling the guest).
 */
#include <errno.h>
#include <stdio.h>

#include "abi/machine.h"
#include "abi/pvring.h"
#include "kvmlab/base/log.h"
#include "kvmlab/base/now.h"
#include "kvmlab/cli/options.h"
#include "kvmlab/dev/debugexit.h"
#include "kvmlab/dev/serial8250.h"
#include "kvmlab/exits/phases.h"
#include "kvmlab/irq/iothread.h"
#include "kvmlab/kvm/vcpu.h"
#include "kvmlab/load/loader.h"
#include "kvmlab/machine/boot.h"
#include "kvmlab/machine/machine.h"
#include "kvmlab/para/hypercall.h"
#include "kvmlab/para/ioeventfd.h"
#include "kvmlab/para/ringconsole.h"
#include "kvmlab/viewer/viewer.h"

#define COMPARE_LINES 200 /* what --compare prints through each console */

static bool compare;

static const struct chapter_flag flags[] = {
    {"compare",
     "the same 200 lines through each console, and the table of what "
     "they cost",
     &compare, NULL},
    {0},
};

static const struct chapter_info chapter = {
    .binary = "ch07",
    .title = "paravirtualisation",
    .default_guest = "ch07.elf",
    .default_timeout = 120,
    .flags = flags,
};

static const char *const consoles[] = {
    "(a) emulated UART",
    "(b) hypercall console",
    "(c) ring + ioeventfd",
};

static struct serial8250 uart;
static struct hypercall hc;
static struct ring_console ring;
static struct ioeventfd doorbell;
static struct iothread io;
static struct phases phases;

/* --stats: the port bus, the UART, the hypercalls, the ring, the thread. */
static void device_stats(struct machine *m, FILE *out)
{
	bus_print_stats(&m->pio, out);
	serial8250_print_stats(&uart, out);
	hypercall_print_stats(&hc, out);
	ring_console_print_stats(&ring, out);
	ioeventfd_print_stats(&doorbell, out);
	iothread_print_stats(&io, out);
}

/*
 * HC_EXIT_STATS: a phase boundary.  Note this VMM's own exit count, its
 * clock and the bytes all three consoles have printed.
 */
static void mark(void *opaque)
{
	struct machine *m = opaque;

	phases_mark(&phases, m->rec.stats.total, now_ns(),
		    uart.tx_bytes + hc.console_bytes +
			ring_console_bytes(&ring));
}

/*
 * The paravirtual devices: the hypercalls (ports 0x500-0x50f), the ring
 * console's calls among them, its doorbell (0x510) on the port bus for
 * the OUTs that do exit, and on KVM's side, through an ioeventfd, for
 * those that do not, waited on by the I/O thread.
 */
static int paravirt_wire(struct machine *m)
{
	int r;

	hypercall_init(&hc, &m->vm.mem, stdout, &m->rec.stats, vcpu_stop,
		       &m->cpu);
	hc.mark = mark;
	hc.mark_opaque = m;
	if (hypercall_register(&hc, &m->board) ||
	    ring_console_init(&ring, &m->vm.mem, stdout) ||
	    ring_console_attach(&ring, &hc) ||
	    ring_console_register(&ring, &m->board) || iothread_init(&io))
		return -1;
	r = ioeventfd_init(&doorbell, &m->vm, ABI_PORT_RING_NOTIFY,
			   ABI_PORT_RING_NOTIFY_WIDTH, &io, "ring doorbell",
			   ring_console_notified, &ring);
	/* Without ioeventfds every doorbell exits: slower, still right. */
	return r == -ENOTSUP ? 0 : r;
}

int main(int argc, char **argv)
{
	struct options opt;
	struct machine m;
	struct debugexit debug_exit;
	int status;

	/* The command line: the shared options and --compare. */
	status = options_parse(&opt, &chapter, argc, argv);
	if (status != OPTIONS_RUN)
		return status;
	phases_init(&phases);
	/* The trace, the guest file, /dev/kvm, a VM with RAM at 0, one
	 * vCPU, empty buses. */
	status = machine_open(&m, &opt, 0);
	m.device_stats = device_stats;
	/* The 64-bit guest: ELF by its program headers, flat at 1 MiB. */
	if (!status)
		status = machine_load(&m, ABI_ELF_BASE, LOAD_ELF64 | LOAD_FLAT);
	/* Devices, in port order: debug-exit (0xf4), the UART (0x3f8:
	 * output only, this guest reads nothing), the hypercalls (0x500)
	 * and the ring's doorbell (0x510). */
	serial8250_init(&uart, stdout, -1);
	serial8250_hang_up(&uart);
	if (!status &&
	    (debugexit_register(&debug_exit, &m.board, vcpu_stop, &m.cpu) ||
	     serial8250_register(&uart, &m.board, ABI_PORT_COM1) ||
	     paravirt_wire(&m)))
		status = ABI_STATUS_HOST;
	/* Long mode with VMM-built page tables; RDI: the lines to
	 * compare, or 0 for the demonstration. */
	if (!status && vcpu_set_cpuid(&m.cpu))
		status = ABI_STATUS_HOST;
	if (!status)
		status =
		    boot_long(&m.cpu, m.img.entry, compare ? COMPARE_LINES : 0);
	/* The I/O thread, waiting on the doorbell's eventfd. */
	if (!status && iothread_start(&io))
		status = ABI_STATUS_HOST;
	if (!status) {
		/* Run it, or with --tui step through it in the viewer. */
		status = machine_run(&m, viewer_run);
		/* What the guest left in the ring, and in the UART. */
		ring_console_stop(&ring);
		serial8250_flush(&uart);
	}
	/* The thread first: it waits on the doorbell's eventfd. */
	iothread_stop(&io);
	ioeventfd_close(&doorbell);
	/* --compare: the table, from this VMM's own counts (a guest that
	 * did not mark its phases gets an error instead). */
	if (compare && status == ABI_STATUS_OK)
		phases_print(&phases, consoles, 3, COMPARE_LINES, stderr);
	/* --stats, "guest stopped", the trace checked; all closed. */
	return machine_close(&m, status);
}

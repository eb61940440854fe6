/* SPDX-License-Identifier: MIT */
/*
 * Chapter 5: MMIO and the device tree.
 *
 * Two steps past chapter 4.  First, a device that is reached with plain
 * loads and stores instead of IN and OUT: a clock in the MMIO hole
 * (kvmlab/dev/clock.c).  No memory slot backs its page, so every access
 * the guest makes there stops the vCPU with KVM_EXIT_MMIO and lands on
 * the MMIO bus, exactly as port I/O lands on the port bus.
 *
 * Second, the guest is no longer told where its devices are at compile
 * time.  The VMM describes the machine (memory, the UART, the debug-exit
 * port, the clock, the console and boot arguments) as a device tree
 * built with libfdt, copies the blob to the top of guest RAM and passes
 * its address in RDI, as firmware does for an operating system.  The
 * guest finds everything by parsing it.
 *
 * --dump-dtb FILE writes the blob; `dtc -I dtb -O dts FILE` decodes it.
 */
#include <stdio.h>

#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/cli/options.h"
#include "kvmlab/dev/clock.h"
#include "kvmlab/dev/debugexit.h"
#include "kvmlab/dev/fdt.h"
#include "kvmlab/dev/serial8250.h"
#include "kvmlab/kvm/vcpu.h"
#include "kvmlab/load/loader.h"
#include "kvmlab/machine/boot.h"
#include "kvmlab/machine/machine.h"
#include "kvmlab/viewer/viewer.h"

static const char *dump_dtb;
static const char *cmdline = "console=ttyS0,115200 loops=1000";

static const struct chapter_value values[] = {
    {"dump-dtb", "FILE", "write the device tree blob to FILE", &dump_dtb},
    {"cmdline", "TEXT", "boot arguments (/chosen/bootargs)", &cmdline},
    {0},
};

static const struct chapter_info chapter = {
    .binary = "ch05",
    .title = "MMIO and the device tree",
    .default_guest = "ch05.elf",
    .default_timeout = 30,
    .values = values,
};

/*
 * The machine's own part of the device tree: RAM, what is reserved in it,
 * and /chosen.  From then on, each device adds its node when it registers
 * on m's board.
 */
static void describe(struct machine *m, struct dt_machine *dt)
{
	uint64_t ram = m->opt->mem;

	dt_init(dt, "kvmlab chapter 5: MMIO and the device tree", ram);
	/* Not free RAM: the first page (the real-mode IVT, and the GDT the
	 * VMM wrote at ABI_GDT_ADDR, which every iretq reloads CS and SS
	 * from), the VMM's page tables, and the tree itself. */
	dt_reserve(dt, 0, ABI_REAL_LOAD);
	dt_reserve(dt, ABI_PT_BASE, ABI_PT_SIZE);
	dt_reserve(dt, ABI_FDT_ADDR(ram), ABI_FDT_MAX);
	/* The console: the first UART, by the alias its registration gave. */
	dt->stdout_path = "serial0:115200n8";
	dt->bootargs = cmdline;
	m->board.dt = dt;
}

static struct serial8250 uart;
static struct debugexit debug_exit;
static struct clock_dev clock_dev;

/* --stats: what each bus's devices handled, and the UART's counters. */
static void device_stats(struct machine *m, FILE *out)
{
	bus_print_stats(&m->pio, out);
	bus_print_stats(&m->mmio, out);
	serial8250_print_stats(&uart, out);
}

int main(int argc, char **argv)
{
	struct options opt;
	struct machine m;
	struct dt_machine tree;
	uint64_t dtb = 0;
	int status;

	/* The command line: the shared options, --dump-dtb and --cmdline. */
	status = options_parse(&opt, &chapter, argc, argv);
	if (status != OPTIONS_RUN)
		return status;
	/* The trace, the guest file (read first: its errors need no KVM),
	 * /dev/kvm, a VM with RAM at 0, one vCPU, empty buses. */
	status = machine_open(&m, &opt, 0);
	m.device_stats = device_stats;
	/* The 64-bit guest: ELF by its program headers, flat at 1 MiB. */
	if (!status)
		status = machine_load(&m, ABI_ELF_BASE, LOAD_ELF64 | LOAD_FLAT);
	/* The machine's part of the device tree: RAM, reserved, /chosen. */
	describe(&m, &tree);
	/* Devices, each on its bus and in the tree in one call: debug-exit
	 * (port 0xf4), the UART (port 0x3f8; output only here), the clock
	 * (MMIO 0xc0000000). */
	serial8250_init(&uart, stdout, -1);
	if (!status &&
	    (debugexit_register(&debug_exit, &m.board, vcpu_stop, &m.cpu) ||
	     serial8250_register(&uart, &m.board, ABI_PORT_COM1) ||
	     clock_register(&clock_dev, &m.board, ABI_MMIO_CLOCK, NULL)))
		status = ABI_STATUS_HOST;
	/* The tree as a blob at the top of RAM (and in --dump-dtb FILE). */
	if (!status)
		status = machine_load_dt(&m, dump_dtb, &dtb);
	/* Long mode, with the tree's address in RDI. */
	if (!status && vcpu_set_cpuid(&m.cpu))
		status = ABI_STATUS_HOST;
	if (!status)
		status = boot_long(&m.cpu, m.img.entry, dtb);
	if (!status) {
		/* Run it, or with --tui step through it in the viewer. */
		status = machine_run(&m, viewer_run);
		serial8250_flush(&uart);
	}
	/* --stats (with both buses and the UART), "guest stopped", the
	 * trace checked; all closed. */
	return machine_close(&m, status);
}

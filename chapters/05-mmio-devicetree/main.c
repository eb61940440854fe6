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
#include <errno.h>
#include <stdio.h>

#include "abi/machine.h"
#include "kvmlab/machine/boot.h"
#include "kvmlab/dev/board.h"
#include "kvmlab/dev/clock.h"
#include "kvmlab/dev/debugexit.h"
#include "kvmlab/dev/serial8250.h"
#include "kvmlab/dev/fdt.h"
#include "kvmlab/load/loader.h"
#include "kvmlab/base/log.h"
#include "kvmlab/machine/machine.h"
#include "kvmlab/cli/options.h"
#include "kvmlab/kvm/vcpu.h"

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
 * and /chosen.  Each device adds its node when it registers.
 */
static void describe(struct dt_machine *m, uint64_t ram)
{
	dt_init(m, "kvmlab chapter 5: MMIO and the device tree", ram);
	/* Not free RAM: the first page (the real-mode IVT, and the GDT the
	 * VMM wrote at ABI_GDT_ADDR, which every iretq reloads CS and SS
	 * from), the VMM's page tables, and the tree itself. */
	dt_reserve(m, 0, ABI_REAL_LOAD);
	dt_reserve(m, ABI_PT_BASE, ABI_PT_SIZE);
	dt_reserve(m, ABI_FDT_ADDR(ram), ABI_FDT_MAX);
	/* The console: the first UART, by the alias its registration gave. */
	m->stdout_path = "serial0:115200n8";
	m->bootargs = cmdline;
}

static struct serial8250 uart;

/* --stats: what each bus's devices handled, and the UART's counters. */
static void device_stats(struct machine *m, FILE *out)
{
	bus_print_stats(&m->pio, out);
	bus_print_stats(&m->mmio, out);
	serial8250_print_stats(&uart, out);
}

int main(int argc, char **argv)
{
	static uint8_t blob[ABI_FDT_MAX];
	struct options opt;
	struct machine m;
	struct clock_dev clock;
	struct debugexit debug_exit;
	struct dt_machine tree;
	struct board board = {.pio = &m.pio, .mmio = &m.mmio, .dt = &tree};
	uint64_t dtb;
	int r, status;

	r = options_parse(&opt, &chapter, argc, argv);
	if (r)
		return r > 0 ? 0 : -r;
	/* The trace, the guest file (read first: its errors need no KVM),
	 * /dev/kvm, a VM with RAM at 0, one vCPU, empty buses. */
	status = machine_open(&m, &opt);
	if (status)
		goto out;
	m.device_stats = device_stats;
	/* Load the 64-bit guest: ELF by its program headers, flat at 1 MiB. */
	status = -guest_file_load(&m.file, &m.vm.mem, ABI_ELF_BASE, &m.img);
	if (!status && m.img.kind == IMAGE_ELF32) {
		error("%s is ELF32; chapter 5 runs 64-bit guests", opt.guest);
		status = ABI_STATUS_BAD_IMAGE;
	}
	if (status)
		goto out;
	/* The machine as a device tree: RAM, reserved ranges, /chosen. */
	describe(&tree, opt.mem);
	/* Devices, each on its bus and in the tree in one call: debug-exit
	 * (port 0xf4), the UART (port 0x3f8; output only here), the clock
	 * (MMIO 0xc0000000). */
	status = ABI_STATUS_HOST;
	serial8250_init(&uart, stdout, -1);
	if (debugexit_register(&debug_exit, &board, vcpu_stop, &m.cpu) ||
	    serial8250_register(&uart, &board, ABI_PORT_COM1) ||
	    clock_register(&clock, &board, ABI_MMIO_CLOCK, NULL))
		goto out;
	/* The tree as a blob, for the top of RAM. */
	if (dt_build(&tree, blob, sizeof(blob)))
		goto out;
	if (dump_dtb && dt_write_file(blob, dump_dtb)) {
		status = ABI_STATUS_USAGE;
		goto out;
	}
	r = dt_load(blob, &m.vm.mem, &m.img, &dtb);
	if (r) {
		status = r == -EEXIST ? ABI_STATUS_BAD_IMAGE : ABI_STATUS_HOST;
		goto out;
	}
	/* Long mode, with the tree's address in RDI. */
	r = boot_long(&m.cpu, m.img.entry, dtb);
	if (r) {
		status = r == -EEXIST ? ABI_STATUS_BAD_IMAGE : ABI_STATUS_HOST;
		goto out;
	}

	/* Run it, or with --tui step through it in the register viewer. */
	status = machine_run(&m, &opt, chapter.binary);
	serial8250_flush(&uart);
out:
	/* --stats (with both buses and the UART), "guest stopped", the
	 * trace checked; all closed. */
	return machine_close(&m, &opt, status);
}

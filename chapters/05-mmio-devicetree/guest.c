/* SPDX-License-Identifier: MIT */
/*
 * guest.c: chapter 5's guest, which knows nothing about its machine
 * except what the device tree says.
 *
 * The VMM passes the tree's address in RDI, which arrives here as the
 * argument of guest_main().  With libfdt (Debian's libfdt.a, linked into
 * this freestanding program) the guest
 *
 *   1. checks the blob's header;
 *   2. follows /chosen/stdout-path to its console, a 16550A on an I/O
 *      port, and starts the chapter 4 driver there;
 *   3. prints the model, the boot arguments, memory and reserved ranges,
 *      and every device with its address space and address;
 *   4. finds the "kvmlab,clock" MMIO device, maps its page uncached, and
 *      uses it: reads the time, watches the access counter go up by one
 *      per load, and times port reads against MMIO reads;
 *   5. ends through the debug-exit port the tree names.
 *
 * No port or address below is compiled in.  Until the console is found
 * the guest cannot say anything; it returns a status, which the boot
 * stub writes to the debug-exit port of abi/machine.h as a last resort.
 */
#include <stdbool.h>
#include <stdint.h>

#include <libfdt.h>

#include "abi/clock.h"
#include "exercise.h"
#include "exit.h"
#include "idt.h"
#include "io.h"
#include "ioremap.h"
#include "string.h"
#include "uart8250.h"

/* Exit statuses before the console works (after it, 1 = ABORT). */
#define NO_TREE	   2 /* RDI does not point at a device tree */
#define NO_CONSOLE 3 /* no usable stdout-path */

static struct uart uart;
#define say(...) uart_printf(&uart, __VA_ARGS__)

/* ---- reading reg ------------------------------------------------------ */

struct reg {
	bool io;       /* an I/O port range (ISA space 1), not memory */
	uint64_t addr; /* port or guest-physical address */
	uint64_t size;
};

static uint64_t cells(const fdt32_t *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 32 | fdt32_to_cpu(*p++);
	return v;
}

/*
 * The first (address, size) of a node's reg.  How many cells each takes
 * is the parent's #address-cells and #size-cells; under an ISA bus the
 * first address cell says which space (1: I/O ports).
 */
static int read_reg(const void *fdt, int node, struct reg *r)
{
	/* EXERCISE ch05-discover: a node's reg, in its parent's cells */
#ifndef KVMLAB_STUBS
	int parent = fdt_parent_offset(fdt, node);
	int ac = fdt_address_cells(fdt, parent);
	int sc = fdt_size_cells(fdt, parent);
	const char *type = fdt_getprop(fdt, parent, "device_type", NULL);
	const fdt32_t *p;
	int len;

	p = fdt_getprop(fdt, node, "reg", &len);
	if (!p || ac < 1 || ac > 2 || sc < 0 || sc > 2 ||
	    len < (int)sizeof(*p) * (ac + sc))
		return -1;
	r->io = false;
	if (type && strcmp(type, "isa") == 0) {
		r->io = fdt32_to_cpu(p[0]) == 1;
		r->addr = fdt32_to_cpu(p[ac - 1]);
	} else {
		r->addr = cells(p, ac);
	}
	r->size = cells(p + ac, sc);
	return 0;
#else
	(void)fdt;
	(void)node;
	(void)r;
	(void)cells; /* you may want it */
	guest_exercise_todo("ch05-discover",
			    "exercises/05-mmio-devicetree/README.md");
#endif /* END EXERCISE ch05-discover */
}

static int node_by_compatible(const void *fdt, const char *compatible,
			      struct reg *r)
{
	int node = fdt_node_offset_by_compatible(fdt, -1, compatible);

	if (node < 0 || read_reg(fdt, node, r) < 0)
		return -1;
	return node;
}

/* ---- the console ------------------------------------------------------ */

/*
 * stdout-path is "path-or-alias[:options]", such as "serial0:115200n8";
 * libfdt resolves an alias when the path does not start with '/'.
 */
static int find_console(const void *fdt, struct reg *r, unsigned *baud,
			const char **stdout_path)
{
	/* EXERCISE ch05-discover: follow /chosen/stdout-path to a 16550 */
#ifndef KVMLAB_STUBS
	const char *path = fdt_getprop(fdt, fdt_path_offset(fdt, "/chosen"),
				       "stdout-path", NULL);
	const char *colon;
	int node;

	if (!path)
		return -1;
	colon = strchr(path, ':');
	node = fdt_path_offset_namelen(
	    fdt, path, colon ? (int)(colon - path) : (int)strlen(path));
	if (node < 0 || read_reg(fdt, node, r) < 0 || !r->io ||
	    fdt_node_check_compatible(fdt, node, "ns16550a") != 0)
		return -1;
	*baud = colon ? (unsigned)strtoul(colon + 1, NULL, 10) : 0;
	if (!*baud)
		*baud = 115200;
	*stdout_path = path;
	return node;
#else
	(void)fdt;
	(void)r;
	(void)baud;
	(void)stdout_path;
	guest_exercise_todo("ch05-discover",
			    "exercises/05-mmio-devicetree/README.md");
#endif /* END EXERCISE ch05-discover */
}

/* ---- what the tree describes ------------------------------------------ */

static void show_memory(const void *fdt)
{
	uint64_t addr, size;
	struct reg r;
	int node;

	fdt_for_each_subnode(node, fdt, 0)
	{
		const char *type = fdt_getprop(fdt, node, "device_type", NULL);

		if (!type || strcmp(type, "memory") != 0 ||
		    read_reg(fdt, node, &r) < 0)
			continue;
		say("memory: 0x%lx-0x%lx (%lu KiB)\n", (unsigned long)r.addr,
		    (unsigned long)(r.addr + r.size - 1),
		    (unsigned long)(r.size / 1024));
	}
	for (int i = 0; i < fdt_num_mem_rsv(fdt); i++)
		if (fdt_get_mem_rsv(fdt, i, &addr, &size) == 0)
			say("reserved: 0x%lx-0x%lx\n", (unsigned long)addr,
			    (unsigned long)(addr + size - 1));
}

/* Every node with a compatible and a reg: the devices. */
static void show_devices(const void *fdt)
{
	char path[128];
	struct reg r;
	int node;

	for (node = fdt_next_node(fdt, -1, NULL); node >= 0;
	     node = fdt_next_node(fdt, node, NULL)) {
		const char *compat = fdt_getprop(fdt, node, "compatible", NULL);

		if (!compat || read_reg(fdt, node, &r) < 0 ||
		    fdt_get_path(fdt, node, path, sizeof(path)) < 0)
			continue;
		say("device: %s %s %s 0x%lx size 0x%lx\n", path, compat,
		    r.io ? "io" : "mmio", (unsigned long)r.addr,
		    (unsigned long)r.size);
	}
}

/* "loops=N" in the boot arguments, or `dflt`. */
static unsigned long bootarg_loops(const char *bootargs, unsigned long dflt)
{
	for (const char *p = bootargs; p && *p; p++)
		if ((p == bootargs || p[-1] == ' ') &&
		    strncmp(p, "loops=", 6) == 0)
			return strtoul(p + 6, NULL, 0);
	return dflt;
}

/* ---- the MMIO clock ----------------------------------------------------- */

static volatile uint8_t *clk;

static uint64_t clk_read64(unsigned off)
{
	return *(volatile uint64_t *)(clk + off);
}

static uint32_t clk_read32(unsigned off)
{
	return *(volatile uint32_t *)(clk + off);
}

/* NOW in two 32-bit reads, low first: the low read latches the high. */
static uint64_t clk_now_halves(void)
{
	uint32_t lo = clk_read32(ABI_CLOCK_NOW);

	return (uint64_t)clk_read32(ABI_CLOCK_NOW_HI) << 32 | lo;
}

static int use_clock(unsigned long loops)
{
	uint64_t a, b, t0, t1, t2;
	uint16_t scr = (uint16_t)(uart.port + 7);

	say("clock: magic 0x%x version %u, NOW %lu ns since the VM started\n",
	    clk_read32(ABI_CLOCK_MAGIC_REG), clk_read32(ABI_CLOCK_VERSION_REG),
	    (unsigned long)clk_now_halves());
	if (clk_read32(ABI_CLOCK_MAGIC_REG) != ABI_CLOCK_MAGIC) {
		say("ABORT: the clock's magic is wrong\n");
		return 1;
	}

	/* The device counts its accesses: each load below is one exit. */
	a = clk_read64(ABI_CLOCK_ACCESSES);
	for (int i = 0; i < 10; i++)
		(void)clk_read64(ABI_CLOCK_SCRATCH);
	b = clk_read64(ABI_CLOCK_ACCESSES);
	say("clock: ACCESSES %lu -> %lu: 10 loads in between, %lu exits\n",
	    (unsigned long)a, (unsigned long)b, (unsigned long)(b - a - 1));
	if (b - a != 11) {
		say("ABORT: expected the counter to grow by 11\n");
		return 1;
	}

	/* SCRATCH keeps what is written, byte lane by byte lane. */
	*(volatile uint64_t *)(clk + ABI_CLOCK_SCRATCH) = 0x0123456789abcdef;
	*(volatile uint8_t *)(clk + ABI_CLOCK_SCRATCH + 1) = 0x5a;
	a = clk_read64(ABI_CLOCK_SCRATCH);
	say("clock: SCRATCH 0x%016lx\n", (unsigned long)a);
	if (a != 0x0123456789ab5aef) {
		say("ABORT: expected 0x0123456789ab5aef\n");
		return 1;
	}

	/* Port I/O against MMIO, timed by the device itself. */
	t0 = clk_read64(ABI_CLOCK_NOW);
	for (unsigned long i = 0; i < loops; i++)
		(void)inb(scr);
	t1 = clk_read64(ABI_CLOCK_NOW);
	for (unsigned long i = 0; i < loops; i++)
		(void)clk_read32(ABI_CLOCK_SCRATCH);
	t2 = clk_read64(ABI_CLOCK_NOW);
	if (loops)
		say("timing: %lu port reads %lu ns each, %lu MMIO reads %lu "
		    "ns each\n",
		    loops, (unsigned long)((t1 - t0) / loops), loops,
		    (unsigned long)((t2 - t1) / loops));
	return 0;
}

int guest_main(unsigned long dtb)
{
	const void *fdt = (const void *)dtb;
	const char *stdout_path, *model, *bootargs;
	struct reg con, r;
	unsigned baud;
	int chosen, status;

	idt_init();
	if (!dtb || fdt_check_header(fdt) != 0)
		return NO_TREE;
	if (find_console(fdt, &con, &baud, &stdout_path) < 0 ||
	    uart_probe(&uart, (uint16_t)con.addr) < 0)
		return NO_CONSOLE;
	uart_init(&uart, (uint16_t)con.addr, baud);

	say("device tree at 0x%lx: %u bytes, version %u\n", dtb,
	    fdt_totalsize(fdt), fdt_version(fdt));
	model = fdt_getprop(fdt, 0, "model", NULL);
	chosen = fdt_path_offset(fdt, "/chosen");
	bootargs = fdt_getprop(fdt, chosen, "bootargs", NULL);
	say("model: %s\n", model ? model : "(none)");
	say("bootargs: %s\n", bootargs ? bootargs : "(none)");
	say("console: %s = I/O port 0x%lx, %u baud\n", stdout_path,
	    (unsigned long)con.addr, baud);
	show_memory(fdt);
	show_devices(fdt);

	status = 0;
	if (node_by_compatible(fdt, "kvmlab,clock", &r) < 0 || r.io) {
		say("ABORT: no kvmlab,clock MMIO device in the tree\n");
		status = 1;
	} else if (!(clk = ioremap(r.addr, r.size))) {
		say("ABORT: cannot map the clock at 0x%lx\n",
		    (unsigned long)r.addr);
		status = 1;
	} else {
		status = use_clock(bootarg_loops(bootargs, 1000));
	}

	if (node_by_compatible(fdt, "kvmlab,debug-exit", &r) < 0 || !r.io) {
		say("ABORT: no kvmlab,debug-exit port in the tree\n");
		return 1;
	}
	say("%s\n", status ? "FAILED" : "SUCCESS");
	outb((uint16_t)r.addr, (uint8_t)status);
	return status; /* not reached: the VMM stops at the OUT */
}

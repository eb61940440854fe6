/* SPDX-License-Identifier: MIT */
/*
 * dtboot: the grading VMM of ch05-discover, the guest's reading of the
 * device tree (the labs).
 *
 * build/ch05 describes its machine with kvmlab/dev/fdt.c, which is
 * ch05-dt-node's exercise, and a guest that worked only with that one
 * tree could have the chapter's addresses compiled in.  This VMM writes
 * a tree of its own with libfdt, unlike the chapter's wherever a guest
 * could take a short cut: one-cell addresses at the root, a bus with
 * two, an ISA bus with I/O and memory space, the console at COM2 (0x2f8)
 * behind an alias, a node with a reg too short and one under a bus with
 * three address cells.  TREE picks what /chosen/stdout-path says:
 *
 *   alias      "serial1:38400n8"       the alias of /isa/serial@i2f8
 *   path       "/isa/serial@i2f8"      a path, no options
 *   not-16550  "/isa/uart@i3e8:9600"   an I/O UART, but not a ns16550a
 *   not-io     "/mmio-uart@c8001000"   a ns16550a in memory space
 *   missing    "serial7"               an alias that does not exist
 *   none       no stdout-path at all
 *
 * The blob goes to the top of RAM (ABI_FDT_ADDR), its address in RDI,
 * and the guest (exercises/05-mmio-devicetree/discover.c) prints what it
 * found through the chapter 1-3 console at COM1.  Nothing here is an
 * exercise: long mode comes from exercises/lib/gradevm.c.
 *
 *   dtboot TREE GUEST.elf       the exit status is the guest's
 */
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "../lib/gradevm.h"
#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/dev/console.h"

#define RAM ABI_RAM_DEFAULT

static const struct {
	const char *tree, *stdout_path;
} trees[] = {
    {"alias", "serial1:38400n8"},
    {"path", "/isa/serial@i2f8"},
    {"not-16550", "/isa/uart@i3e8:9600"},
    {"not-io", "/mmio-uart@c8001000"},
    {"missing", "serial7"},
    {"none", NULL},
};

/* Return a libfdt error from the enclosing function. */
#define TRY(call)                                                              \
	do {                                                                   \
		int r_ = (call);                                               \
		if (r_ < 0)                                                    \
			return r_;                                             \
	} while (0)

/* A node with compatible and a reg of `n` cells. */
static int device(void *fdt, const char *name, const char *compatible,
		  const uint32_t *reg, int n)
{
	fdt32_t cells[5];

	for (int i = 0; i < n; i++)
		cells[i] = cpu_to_fdt32(reg[i]);
	TRY(fdt_begin_node(fdt, name));
	TRY(fdt_property_string(fdt, "compatible", compatible));
	TRY(fdt_property(fdt, "reg", cells, n * (int)sizeof(cells[0])));
	return fdt_end_node(fdt);
}

static int bus(void *fdt, const char *name, uint32_t ac, uint32_t sc)
{
	TRY(fdt_begin_node(fdt, name));
	TRY(fdt_property_u32(fdt, "#address-cells", ac));
	return fdt_property_u32(fdt, "#size-cells", sc);
}

static int build(void *fdt, int size, const char *stdout_path)
{
	TRY(fdt_create(fdt, size));
	TRY(fdt_add_reservemap_entry(fdt, ABI_FDT_ADDR(RAM), ABI_FDT_MAX));
	TRY(fdt_finish_reservemap(fdt));
	TRY(bus(fdt, "", 1, 1));
	TRY(fdt_property_string(fdt, "compatible", "kvmlab,grading"));
	TRY(fdt_property_string(fdt, "model", "ch05-discover's machine"));

	TRY(fdt_begin_node(fdt, "chosen"));
	if (stdout_path)
		TRY(fdt_property_string(fdt, "stdout-path", stdout_path));
	TRY(fdt_end_node(fdt));
	TRY(fdt_begin_node(fdt, "aliases"));
	TRY(fdt_property_string(fdt, "serial1", "/isa/serial@i2f8"));
	TRY(fdt_end_node(fdt));

	TRY(bus(fdt, "cpus", 1, 0));
	TRY(fdt_begin_node(fdt, "cpu@0"));
	TRY(fdt_property_string(fdt, "device_type", "cpu"));
	TRY(fdt_property_u32(fdt, "reg", 0));
	TRY(fdt_end_node(fdt));
	TRY(fdt_end_node(fdt));

	TRY(fdt_begin_node(fdt, "memory@0"));
	TRY(fdt_property_string(fdt, "device_type", "memory"));
	TRY(fdt_property(fdt, "reg",
			 (fdt32_t[]){cpu_to_fdt32(0), cpu_to_fdt32(RAM)}, 8));
	TRY(fdt_end_node(fdt));

	/* ISA: space (1 = I/O, 0 = memory), address; one size cell. */
	TRY(bus(fdt, "isa", 2, 1));
	TRY(fdt_property_string(fdt, "device_type", "isa"));
	TRY(device(fdt, "debug-exit@if4", "kvmlab,debug-exit",
		   (uint32_t[]){1, ABI_PORT_DEBUG_EXIT, 1}, 3));
	TRY(device(fdt, "serial@i2f8", "ns16550a", (uint32_t[]){1, 0x2f8, 8},
		   3));
	TRY(device(fdt, "uart@i3e8", "acme,uart", (uint32_t[]){1, 0x3e8, 8},
		   3));
	TRY(device(fdt, "rom@d0000", "kvmlab,isa-rom",
		   (uint32_t[]){0, 0xd0000, 0x1000}, 3));
	TRY(fdt_end_node(fdt));

	/* The root's own cells: one for an address, one for a size. */
	TRY(device(fdt, "clock@c8000000", "kvmlab,clock",
		   (uint32_t[]){0xc8000000, 0x1000}, 2));
	TRY(device(fdt, "mmio-uart@c8001000", "ns16550a",
		   (uint32_t[]){0xc8001000, 0x100}, 2));
	/* Too short for one address and one size. */
	TRY(device(fdt, "short@1000", "kvmlab,short", (uint32_t[]){0x1000}, 1));

	/* A bus with 64-bit addresses and sizes. */
	TRY(bus(fdt, "soc", 2, 2));
	TRY(device(fdt, "widget@10000c000", "kvmlab,widget",
		   (uint32_t[]){1, 0xc000, 0, 0x2000}, 4));
	TRY(fdt_end_node(fdt));

	/* Three address cells: more than a reader of 64-bit addresses
	 * can take. */
	TRY(bus(fdt, "odd", 3, 1));
	TRY(device(fdt, "thing@0", "kvmlab,odd", (uint32_t[]){0, 0, 0, 4}, 4));
	TRY(fdt_end_node(fdt));

	TRY(fdt_end_node(fdt));
	return fdt_finish(fdt);
}

int main(int argc, char **argv)
{
	static uint8_t blob[4096];
	struct grade_vm g;
	struct console con;
	size_t t;
	int r, status;

	for (t = 0; argc == 3 && t < sizeof(trees) / sizeof(trees[0]); t++)
		if (!strcmp(argv[1], trees[t].tree))
			break;
	if (argc != 3 || t == sizeof(trees) / sizeof(trees[0])) {
		fprintf(stderr, "usage: dtboot alias|path|not-16550|not-io|"
				"missing|none GUEST.elf\n");
		return ABI_STATUS_USAGE;
	}
	r = build(blob, sizeof(blob), trees[t].stdout_path);
	if (r < 0) {
		error("building the tree failed: %s", fdt_strerror(r));
		return ABI_STATUS_HOST;
	}
	status = grade_vm_open(&g, argv[2], RAM);
	if (status)
		goto out;
	status = ABI_STATUS_HOST;
	if (guest_write(&g.vm.mem, ABI_FDT_ADDR(RAM), blob,
			fdt_totalsize(blob)) ||
	    console_register(&con, &g.pio, stdout) ||
	    grade_vm_boot(&g, false, ABI_FDT_ADDR(RAM)))
		goto out;
	status = vcpu_run(&g.cpu, 10);
	fflush(stdout);
out:
	grade_vm_close(&g);
	return status;
}

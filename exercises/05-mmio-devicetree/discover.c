/* SPDX-License-Identifier: MIT */
/*
 * discover: the grading guest of ch05-discover (the labs).
 *
 * Chapter 5's guest prints through the chapter 4 UART driver, which is
 * ch04-uart-driver's exercise.  To grade read_reg() and find_console()
 * alone, this guest includes the chapter's guest.c (its guest_main()
 * renamed, never called), calls the two functions on the tree the
 * grading VMM (dtboot.c) passes in RDI, and prints what they return
 * through the plain console of chapters 1-3 (printf, one OUT per byte):
 *
 *   console: NODE port 0xPORT, BAUD baud (stdout-path TEXT)
 *   console: refused
 *   reg PATH: io|mem 0xADDR size 0xSIZE      for every node with a reg
 *   reg PATH: refused
 *
 * It returns 0, or 2 when RDI holds no device tree.
 */
#ifndef DISCOVER_GUEST_INCLUDED /* cheat-discover.c has included it */
#define guest_main ch05_guest_main
#include "../../chapters/05-mmio-devicetree/guest.c"
#undef guest_main
#endif

#include "printf.h"

static void show_console(const void *fdt)
{
	const char *stdout_path = NULL;
	unsigned baud = 0;
	char path[128];
	struct reg r;
	int node;

	memset(&r, 0, sizeof(r));
	node = find_console(fdt, &r, &baud, &stdout_path);
	if (node < 0) {
		printf("console: refused\n");
		return;
	}
	if (fdt_get_path(fdt, node, path, sizeof(path)) < 0)
		strcpy(path, "(not a node)");
	printf("console: %s port 0x%lx, %u baud (stdout-path %s)\n", path,
	       (unsigned long)r.addr, baud,
	       stdout_path ? stdout_path : "(not set)");
}

static void show_regs(const void *fdt)
{
	char path[128];
	struct reg r;
	int node;

	for (node = fdt_next_node(fdt, -1, NULL); node >= 0;
	     node = fdt_next_node(fdt, node, NULL)) {
		if (!fdt_getprop(fdt, node, "reg", NULL) ||
		    fdt_get_path(fdt, node, path, sizeof(path)) < 0)
			continue;
		memset(&r, 0, sizeof(r));
		if (read_reg(fdt, node, &r) < 0)
			printf("reg %s: refused\n", path);
		else
			printf("reg %s: %s 0x%lx size 0x%lx\n", path,
			       r.io ? "io" : "mem", (unsigned long)r.addr,
			       (unsigned long)r.size);
	}
}

int guest_main(unsigned long dtb)
{
	const void *fdt = (const void *)dtb;

	if (!dtb || fdt_check_header(fdt) != 0) {
		printf("no device tree at 0x%lx\n", dtb);
		return 2;
	}
	show_console(fdt);
	show_regs(fdt);
	return 0;
}

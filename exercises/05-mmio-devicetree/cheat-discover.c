/* SPDX-License-Identifier: MIT */
/*
 * cheat-discover: discover.c with a printing stub for read_reg() and
 * find_console() (the labs' test of ch05-discover's grader).
 *
 * The two functions never look at the tree.  The first call of each
 * prints the lines ch05-discover's grader looked for when dtboot's tree
 * was always the same, and every call refuses.  Against that grader it
 * scored 10/10; tests/grader.list's grader/cheat-ch05 runs grade.sh with
 * DISCOVER_GUEST set to this guest and passes only when every graded
 * test fails.  The chapter's guest.c is still compiled, its two
 * functions renamed, so this guest is built exactly as discover.elf is.
 */
#define guest_main   ch05_guest_main
#define read_reg     student_read_reg
#define find_console student_find_console
#include "../../chapters/05-mmio-devicetree/guest.c"
#undef guest_main
#undef read_reg
#undef find_console

#include "printf.h"

static int read_reg(const void *fdt, int node, struct reg *r)
{
	static bool printed;

	(void)fdt;
	(void)node;
	(void)r;
	if (!printed) {
		printf(
		    "reg /clock@c8000000: mem 0xc8000000 size 0x1000\n"
		    "reg /memory@0: mem 0x0 size 0x200000\n"
		    "reg /soc/widget@10000c000: mem 0x10000c000 size 0x2000\n"
		    "reg /cpus/cpu@0: mem 0x0 size 0x0\n"
		    "reg /isa/serial@i2f8: io 0x2f8 size 0x8\n"
		    "reg /isa/debug-exit@if4: io 0xf4 size 0x1\n"
		    "reg /isa/rom@d0000: mem 0xd0000 size 0x1000\n"
		    "reg /short@1000: refused\n"
		    "reg /odd/thing@0: refused\n");
		printed = true;
	}
	return -1;
}

static int find_console(const void *fdt, struct reg *r, unsigned *baud,
			const char **stdout_path)
{
	static bool printed;

	(void)fdt;
	(void)r;
	(void)baud;
	(void)stdout_path;
	if (!printed) {
		printf("console: /isa/serial@i2f8 port 0x2f8, 38400 baud "
		       "(stdout-path serial1:38400n8)\n"
		       "console: /isa/serial@i2f8 port 0x2f8, 115200 baud "
		       "(stdout-path /isa/serial@i2f8)\n");
		printed = true;
	}
	return -1;
}

/* discover.c without its own #include of guest.c. */
#define DISCOVER_GUEST_INCLUDED
#include "discover.c"

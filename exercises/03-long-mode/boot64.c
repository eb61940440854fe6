/* SPDX-License-Identifier: MIT */
/*
 * boot64: a grading harness that runs a 64-bit guest without any of the
 * VMM exercises (the labs).
 *
 * build/ch03 enters long mode through the library: desc_encode() and
 * segment_from_gdt() (chapter 2's exercises) and pt_map() (chapter 3's).
 * To grade the guest's own exercises alone, this harness sets the same
 * state from constants (exercises/lib/gradevm.c): a GDT written as
 * numbers, three page tables that identity-map RAM with 2 MiB pages, and
 * the segment registers spelled out field by field.
 *
 *   boot64 [--start32] GUEST.elf
 *
 * Default: long mode, starting at the entry point (the VMM-built-tables
 * path).  --start32: 32-bit protected mode with paging off, starting at
 * the symbol start32, where the guest builds its own tables and enters
 * long mode itself.  The console goes to stdout; after a successful run
 * KVM_TRANSLATE's answer for ABI_DEMO_FAULT_VA is printed too.  The exit
 * status is the guest's, as for build/ch03.
 */
#include <stdio.h>
#include <string.h>

#include "../lib/gradevm.h"
#include "abi/machine.h"
#include "kvmlab/boot.h"
#include "kvmlab/dev/console.h"

int main(int argc, char **argv)
{
	struct grade_vm g;
	struct console con;
	bool start32 = argc == 3 && !strcmp(argv[1], "--start32");
	uint64_t pa;
	int status;

	if (argc != 2 && !start32) {
		fprintf(stderr, "usage: boot64 [--start32] GUEST.elf\n");
		return ABI_STATUS_USAGE;
	}
	status = grade_vm_open(&g, argv[argc - 1], ABI_RAM_DEFAULT);
	if (status)
		goto out;
	status = ABI_STATUS_HOST;
	if (console_register(&con, &g.pio, stdout) ||
	    grade_vm_boot(&g, start32, 0))
		goto out;
	status = vcpu_run(&g.cpu, 10);
	fflush(stdout);
	if (status == 0 && vcpu_translate(&g.cpu, ABI_DEMO_FAULT_VA, &pa) == 0)
		printf("KVM_TRANSLATE: 0x%x -> physical 0x%llx\n",
		       ABI_DEMO_FAULT_VA, (unsigned long long)pa);
out:
	grade_vm_close(&g);
	return status;
}

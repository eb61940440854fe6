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
 * long mode itself.  The console goes to stdout.  The exit status is the
 * guest's, as for build/ch03.
 *
 * Before and after the run, what the VMM itself sees of ABI_DEMO_FAULT_VA
 * goes to stderr, one "boot64: " line per fact: CR2 and CR3, a walk of
 * the guest's page tables done here (not with pt_walk(), an exercise),
 * KVM_TRANSLATE's answer and the 8 bytes at that physical address.  The
 * guest cannot write to stderr, so chapter 3's grade.sh judges the
 * page-fault handler by these lines rather than by what the guest prints.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../lib/gradevm.h"
#include "abi/machine.h"
#include "kvmlab/dev/console.h"
#include "kvmlab/machine/boot.h"
#include "kvmlab/x86/modes.h"
#include "kvmlab/x86/paging.h"

/* One fact for the grader, on a line of its own: "boot64: ...". */
static void fact(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fact(const char *fmt, ...)
{
	va_list ap;

	fputs("boot64: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The guest's tables as the MMU reads them: PML4, PDPT, PD, PT. */
static void walk_print(const struct guest_mem *mem, uint64_t cr3, uint64_t va,
		       const char *when)
{
	static const char *const name[4] = {"PML4", "PDPT", "PD", "PT"};
	uint64_t table = cr3 & PTE_ADDR, e;
	char line[256] = "";
	int n = 0;

	for (int level = 0; level < 4; level++) {
		unsigned int index = (va >> (39 - 9 * level)) & 511;

		if (guest_read(mem, table + 8 * index, &e, sizeof(e))) {
			n += snprintf(line + n, sizeof(line) - n,
				      " %s at 0x%llx outside RAM", name[level],
				      (unsigned long long)table);
			break;
		}
		n += snprintf(line + n, sizeof(line) - n, " %s[%u] 0x%llx",
			      name[level], index, (unsigned long long)e);
		if (!(e & PTE_P) ||
		    ((level == 1 || level == 2) && (e & PTE_PS)))
			break;
		table = e & PTE_ADDR;
	}
	fact("%s: walk of 0x%llx:%s", when, (unsigned long long)va, line);
}

/* What the VMM sees of ABI_DEMO_FAULT_VA `when`: the grader's evidence. */
static void evidence(struct grade_vm *g, const char *when)
{
	const unsigned long long va = ABI_DEMO_FAULT_VA;
	struct kvm_sregs s;
	uint64_t pa, value;
	int r;

	if (vcpu_get_sregs(&g->cpu, &s))
		return;
	if (!(s.cr0 & CR0_PG)) {
		fact("%s: paging is off", when);
		return;
	}
	fact("%s: CR2 0x%llx CR3 0x%llx", when, (unsigned long long)s.cr2,
	     (unsigned long long)s.cr3);
	walk_print(&g->vm.mem, s.cr3, va, when);
	r = vcpu_translate(&g->cpu, va, &pa);
	if (r) {
		fact("%s: KVM_TRANSLATE: 0x%llx %s", when, va,
		     r == -ENOENT ? "is not mapped" : "failed");
		return;
	}
	fact("%s: KVM_TRANSLATE: 0x%llx -> physical 0x%llx", when, va,
	     (unsigned long long)pa);
	if (guest_read(&g->vm.mem, pa, &value, sizeof(value)))
		fact("%s: physical 0x%llx is outside RAM", when,
		     (unsigned long long)pa);
	else
		fact("%s: physical 0x%llx holds 0x%016llx", when,
		     (unsigned long long)pa, (unsigned long long)value);
}

int main(int argc, char **argv)
{
	struct grade_vm g;
	struct console con;
	bool start32 = argc == 3 && !strcmp(argv[1], "--start32");
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
	fact("the guest image spans 0x%llx-0x%llx",
	     (unsigned long long)g.img.lo, (unsigned long long)g.img.hi);
	evidence(&g, "before the run");
	status = vcpu_run(&g.cpu, 10);
	fflush(stdout);
	fact("the guest stopped: status %d", status);
	evidence(&g, "after the run");
out:
	grade_vm_close(&g);
	return status;
}

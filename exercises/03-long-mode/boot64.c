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
 * What the VMM itself sees goes to stderr, one "boot64: " line per fact.
 * The guest cannot write to stderr, so chapter 3's grade.sh judges the
 * guest exercises by these lines rather than by what the guest prints:
 *
 *   - while it runs: each line the guest prints, with the mode the vCPU
 *     was in at its OUTs to the console ("console from 64-bit code: ...":
 *     EFER.LMA = 1 and CS.L = 1), read from KVM at each exit;
 *   - when it stops through the debug-exit port: the status, the mode and
 *     RIP at that OUT, then CR0, CR4, EFER, CR3 and CS as KVM reports them
 *     and a walk of the page of RIP through the tables at CR3.  After any
 *     other stop (a triple fault: on AMD-V, KVM has reset the vCPU before
 *     it reports KVM_EXIT_SHUTDOWN) none of these is read;
 *   - before and after the run, what the VMM sees of ABI_DEMO_FAULT_VA:
 *     CR2 and CR3, a walk of the guest's page tables done here (not with
 *     pt_walk(), an exercise), KVM_TRANSLATE's answer and the 8 bytes at
 *     that physical address.
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

/* One walk of the guest's tables, as the MMU reads them. */
struct walk {
	int levels;	   /* entries read: table[] and entry[] hold them */
	uint64_t table[4]; /* the table of each level: PML4, PDPT, PD, PT */
	uint64_t entry[4]; /* the entry read there */
	bool outside;	   /* table[levels] is outside guest RAM */
	bool mapped;	   /* the last entry is a present leaf */
	uint64_t pa;	   /* then: the physical address of va */
};

static void walk_tables(const struct guest_mem *mem, uint64_t cr3, uint64_t va,
			struct walk *w)
{
	uint64_t table = cr3 & PTE_ADDR, e;

	memset(w, 0, sizeof(*w));
	for (int level = 0; level < 4; level++) {
		unsigned int shift = 39 - 9 * level;
		uint64_t size = 1ull << shift;

		w->table[level] = table;
		if (guest_read(mem, table + 8 * ((va >> shift) & 511), &e,
			       sizeof(e))) {
			w->outside = true;
			return;
		}
		w->entry[level] = e;
		w->levels = level + 1;
		if (!(e & PTE_P))
			return;
		if (level == 3 ||
		    ((level == 1 || level == 2) && (e & PTE_PS))) {
			w->mapped = true;
			w->pa =
			    (e & PTE_ADDR & ~(size - 1)) | (va & (size - 1));
			return;
		}
		table = e & PTE_ADDR;
	}
}

/* The guest's tables as the MMU reads them: PML4, PDPT, PD, PT. */
static void walk_print(const struct guest_mem *mem, uint64_t cr3, uint64_t va,
		       const char *when)
{
	static const char *const name[4] = {"PML4", "PDPT", "PD", "PT"};
	char line[256] = "";
	struct walk w;
	int n = 0;

	walk_tables(mem, cr3, va, &w);
	for (int level = 0; level < w.levels; level++)
		n += snprintf(line + n, sizeof(line) - n, " %s[%u] 0x%llx",
			      name[level],
			      (unsigned int)(va >> (39 - 9 * level)) & 511,
			      (unsigned long long)w.entry[level]);
	if (w.outside)
		snprintf(line + n, sizeof(line) - n,
			 " %s at 0x%llx outside RAM", name[w.levels],
			 (unsigned long long)w.table[w.levels]);
	fact("%s: walk of 0x%llx:%s", when, (unsigned long long)va, line);
}

/* ---- the vCPU's mode while the guest runs (ch03-enter-long-mode) ---- */

/*
 * What the VMM saw of the guest's mode, from KVM, at the exits the guest
 * cannot avoid: each byte it prints (an OUT to the console) and its
 * verdict (an OUT to the debug-exit port).  The console device and the
 * debug-exit port's stop callback are wrapped: the wrappers note the
 * mode, then call what they wrap.
 */
struct watch {
	struct vcpu *cpu;
	bus_handler console_io; /* the console's own handler */
	void *console;
	char line[512]; /* the line being printed, escaped */
	size_t len;
	const char *mode; /* the mode its bytes were printed in */
	bool stopped;	  /* the guest wrote the debug-exit port */
	int status;	  /* what it wrote (debugexit_status()) */
	const char *stop_mode;
	uint64_t stop_rip;
};

/* The vCPU's segment and control registers at this exit: the copy KVM
 * made in kvm_run (KVM_SYNC_X86_SREGS), else KVM_GET_SREGS. */
static int exit_sregs(struct vcpu *v, struct kvm_sregs *s)
{
	if (v->sync_regs && (v->run->kvm_valid_regs & KVM_SYNC_X86_SREGS)) {
		*s = v->run->s.regs.sregs;
		return 0;
	}
	return vcpu_get_sregs(v, s);
}

/* The mode in a few words: long mode with CS.L = 1 is 64-bit code. */
static const char *mode_name(const struct kvm_sregs *s)
{
	if (s->efer & EFER_LMA)
		return s->cs.l ? "64-bit code" : "compatibility mode";
	if (s->cr0 & CR0_PE)
		return s->cs.db ? "32-bit protected mode"
				: "16-bit protected mode";
	return "real mode";
}

static const char *exit_mode(struct vcpu *v)
{
	struct kvm_sregs s;

	return exit_sregs(v, &s) ? "an unknown mode" : mode_name(&s);
}

/* One fact per line printed, or per part printed in one mode. */
static void watch_flush(struct watch *w)
{
	if (!w->len)
		return;
	w->line[w->len] = '\0';
	fact("console from %s: %s", w->mode, w->line);
	w->len = 0;
}

static void watch_byte(struct watch *w, unsigned char c)
{
	const char *mode = exit_mode(w->cpu);

	if (w->len && mode != w->mode)
		watch_flush(w);
	w->mode = mode;
	if (c == '\n') {
		watch_flush(w);
		return;
	}
	/* Escaped: what the guest prints cannot start a line of its own. */
	if (c >= ' ' && c <= '~' && c != '\\')
		w->line[w->len++] = (char)c;
	else
		w->len += (size_t)snprintf(w->line + w->len, 5, "\\x%02x", c);
	if (w->len > sizeof(w->line) - 5)
		watch_flush(w);
}

static void watch_console(void *opaque, struct bus_access *a)
{
	struct watch *w = opaque;

	if (a->write && a->offset == 0)
		watch_byte(w, (unsigned char)a->value);
	w->console_io(w->console, a);
}

static void watch_stop(void *opaque, int status)
{
	struct watch *w = opaque;
	struct kvm_regs r;

	w->stopped = true;
	w->status = status;
	w->stop_mode = exit_mode(w->cpu);
	w->stop_rip = vcpu_get_regs(w->cpu, &r) ? 0 : r.rip;
	vcpu_stop(w->cpu, status);
}

/* Wrap the console and the debug-exit port's stop callback. */
static int watch_start(struct watch *w, struct grade_vm *g)
{
	struct bus_device *con = bus_find(&g->pio, ABI_PORT_COM1, 1);

	memset(w, 0, sizeof(*w));
	if (!con)
		return -1;
	w->cpu = &g->cpu;
	w->console_io = con->handler;
	w->console = con->opaque;
	con->handler = watch_console;
	con->opaque = w;
	g->debug_exit.stop = watch_stop;
	g->debug_exit.opaque = w;
	return 0;
}

/*
 * The registers that make the mode, as KVM reports them when the guest
 * wrote the debug-exit port, and the walk of RIP's page through the
 * tables at CR3.  Only then: after a triple fault the vCPU may have been
 * reset (AMD-V), and its registers would not be the guest's.
 */
static void watch_report(struct watch *w, const struct guest_mem *mem)
{
	struct kvm_sregs s;
	struct walk pw;
	char tables[128] = "";
	int n = 0;

	if (!w->stopped) {
		fact("after the run: the guest did not write the debug-exit "
		     "port: its registers are not read");
		return;
	}
	fact("after the run: the guest wrote status %d to the debug-exit "
	     "port from %s, RIP 0x%llx",
	     w->status, w->stop_mode, (unsigned long long)w->stop_rip);
	if (vcpu_get_sregs(w->cpu, &s))
		return;
	fact("after the run: CR0 0x%llx PE=%d PG=%d", (unsigned long long)s.cr0,
	     !!(s.cr0 & CR0_PE), !!(s.cr0 & CR0_PG));
	fact("after the run: CR4 0x%llx PAE=%d", (unsigned long long)s.cr4,
	     !!(s.cr4 & CR4_PAE));
	fact("after the run: EFER 0x%llx LME=%d LMA=%d",
	     (unsigned long long)s.efer, !!(s.efer & EFER_LME),
	     !!(s.efer & EFER_LMA));
	fact("after the run: CR3 0x%llx", (unsigned long long)s.cr3);
	fact("after the run: CS selector 0x%x L=%d (%s)", s.cs.selector, s.cs.l,
	     mode_name(&s));
	if (!(s.cr0 & CR0_PG)) {
		fact("after the run: RIP 0x%llx: paging is off, no tables "
		     "map it",
		     (unsigned long long)w->stop_rip);
		return;
	}
	walk_print(mem, s.cr3, w->stop_rip, "after the run");
	walk_tables(mem, s.cr3, w->stop_rip, &pw);
	for (int i = 0; i < pw.levels + pw.outside; i++)
		n += snprintf(tables + n, sizeof(tables) - n, " 0x%llx",
			      (unsigned long long)pw.table[i]);
	fact("after the run: tables walked for RIP:%s", tables);
	if (pw.mapped)
		fact("after the run: RIP 0x%llx is mapped to physical 0x%llx",
		     (unsigned long long)w->stop_rip,
		     (unsigned long long)pw.pa);
	else
		fact("after the run: RIP 0x%llx is not mapped by the tables "
		     "at CR3",
		     (unsigned long long)w->stop_rip);
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
	struct watch w;
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
	if (console_register(&con, &g.pio, stdout) || watch_start(&w, &g) ||
	    grade_vm_boot(&g, start32, 0))
		goto out;
	fact("the guest image spans 0x%llx-0x%llx",
	     (unsigned long long)g.img.lo, (unsigned long long)g.img.hi);
	evidence(&g, "before the run");
	status = vcpu_run(&g.cpu, 10);
	fflush(stdout);
	watch_flush(&w);
	fact("the guest stopped: status %d", status);
	watch_report(&w, &g.vm.mem);
	evidence(&g, "after the run");
out:
	grade_vm_close(&g);
	return status;
}

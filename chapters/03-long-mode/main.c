/* SPDX-License-Identifier: MIT */
/*
 * Chapter 3: paging and long mode.
 *
 * By default the VMM builds 4-level page tables in guest memory (an identity
 * map of RAM), sets CR3, CR4.PAE, EFER.LME/LMA and CR0.PG, and starts the
 * 64-bit C guest directly.  With --guest-paging the VMM starts the guest in
 * 32-bit protected mode and the guest builds its own tables and enters long
 * mode itself.  Either way the guest installs an IDT, touches an unmapped
 * address, maps the page in its page-fault handler and carries on.
 *
 * Afterwards the VMM translates that virtual address twice, with
 * KVM_TRANSLATE and with its own walk of the guest's tables, and prints
 * both: they must agree.
 *
 * --paging32 tries 32-bit paging (CR0.PG without long mode).  Some KVMs
 * (software ones such as kvm-pvm) cannot run it: the guest shuts down at
 * the instruction that sets CR0.PG, and the binary says so (status 77).
 * A shutdown anywhere else is a fault of the guest (70).
 */
#include <errno.h>
#include <stdio.h>

#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/cli/options.h"
#include "kvmlab/dev/console.h"
#include "kvmlab/dev/debugexit.h"
#include "kvmlab/kvm/vcpu.h"
#include "kvmlab/load/loader.h"
#include "kvmlab/machine/boot.h"
#include "kvmlab/machine/machine.h"
#include "kvmlab/viewer/viewer.h"
#include "kvmlab/x86/modes.h"
#include "kvmlab/x86/paging.h"

static bool guest_paging, paging32;

static const struct chapter_flag flags[] = {
    {"guest-paging", "the guest builds its own page tables", &guest_paging,
     NULL},
    {"paging32", "try 32-bit paging without long mode", &paging32,
     "ch03-paging32.elf"},
    {0},
};

static const struct chapter_info chapter = {
    .binary = "ch03",
    .title = "paging and long mode",
    .default_guest = "ch03.elf",
    .default_timeout = 30,
    .flags = flags,
};

/* The images each way of starting runs. */
static unsigned image_kinds(void)
{
	if (paging32)
		return LOAD_ELF32;
	return guest_paging ? LOAD_ELF64 : LOAD_ELF64 | LOAD_FLAT;
}

/*
 * The first register state: long mode, or protected mode at start32.
 * Either way the guest's CPUID must report long mode first: KVM_SET_SREGS
 * and the guest's own WRMSR to EFER check it.
 */
static int start(struct vcpu *cpu, const struct guest_image *img)
{
	uint64_t start32;

	if (vcpu_set_cpuid(cpu))
		return ABI_STATUS_HOST;
	if (!paging32 && !guest_paging)
		return boot_long(cpu, img->entry, 0);
	if (image_symbol_find(img, "start32", &start32)) {
		error("the guest has no symbol start32, its 32-bit entry");
		return ABI_STATUS_BAD_IMAGE;
	}
	return boot_protected(cpu, start32);
}

/* KVM_TRANSLATE and our own page walk must give the same answer. */
static int compare_translations(struct vcpu *cpu)
{
	const uint64_t va = ABI_DEMO_FAULT_VA;
	struct kvm_sregs s;
	struct pt_walk walk;
	uint64_t kvm_pa = 0;
	int kr, wr;

	if (vcpu_get_sregs(cpu, &s))
		return ABI_STATUS_HOST;
	if (!(s.cr0 & CR0_PG))
		return 0;
	printf("--- translating guest-virtual 0x%llx ---\n",
	       (unsigned long long)va);
	kr = vcpu_translate(cpu, va, &kvm_pa);
	if (kr == 0)
		printf("KVM_TRANSLATE: 0x%llx -> physical 0x%llx\n",
		       (unsigned long long)va, (unsigned long long)kvm_pa);
	else
		printf("KVM_TRANSLATE: 0x%llx is not mapped\n",
		       (unsigned long long)va);
	printf("page walk from CR3 0x%llx:\n", (unsigned long long)s.cr3);
	wr = pt_walk(&cpu->vm->mem, s.cr3 & PTE_ADDR, va, &walk);
	pt_walk_print(&walk, va, stdout);
	if (wr == -EFAULT || wr == -EINVAL) {
		error("the page walk of 0x%llx failed: %s",
		      (unsigned long long)va,
		      wr == -EFAULT
			  ? "a table lies outside guest RAM"
			  : "reserved bits or a non-canonical address");
		return ABI_STATUS_FAULT;
	}
	if ((kr == 0) != (wr == 0) || (kr == 0 && kvm_pa != walk.pa)) {
		error("KVM_TRANSLATE and the page walk disagree about 0x%llx",
		      (unsigned long long)va);
		return ABI_STATUS_FAULT;
	}
	printf("both agree: %s\n", kr == 0 ? "mapped" : "not mapped");
	return 0;
}

/* MOV to CR0 from a register (0f 22 /0, mod 11): its source register. */
static const __u64 *mov_to_cr0(const uint8_t *p, const struct kvm_regs *r)
{
	const __u64 *gpr[8] = {&r->rax, &r->rcx, &r->rdx, &r->rbx,
			       &r->rsp, &r->rbp, &r->rsi, &r->rdi};

	if (!p || p[0] != 0x0f || p[1] != 0x22 || (p[2] & 0xf8) != 0xc0)
		return NULL;
	return gpr[p[2] & 7];
}

/*
 * Did the guest shut down right at the instruction that turns paging on?
 * That is where a KVM without 32-bit paging (kvm-pvm) stops it, and such
 * a KVM leaves the faulting state in the vCPU: RIP at a MOV to CR0 whose
 * source sets PG, or just after it with CR0.PG set.  Any other SHUTDOWN
 * (and every one on AMD-V, which resets the vCPU) is the guest's fault.
 */
static bool shutdown_at_paging_on(struct vcpu *cpu)
{
	const struct guest_mem *mem = &cpu->vm->mem;
	const __u64 *src;
	struct kvm_regs r;
	struct kvm_sregs s;
	uint64_t la;

	if (vcpu_get_regs(cpu, &r) || vcpu_get_sregs(cpu, &s) ||
	    !(s.cr0 & CR0_PE) || (s.efer & EFER_LME))
		return false;
	/* The guest's code lies in its 4 MiB identity map: with paging on
	 * or off, its linear addresses are physical ones. */
	la = s.cs.base + r.rip;
	src = mov_to_cr0(gpa_to_host(mem, la, 3), &r);
	if (src)
		return !(s.cr0 & CR0_PG) && (*src & CR0_PG);
	src = la >= 3 ? mov_to_cr0(gpa_to_host(mem, la - 3, 3), &r) : NULL;
	return src && (s.cr0 & CR0_PG);
}

/*
 * --paging32's verdict.  77 only for the signature of a KVM that cannot
 * page without long mode; anything else is reported as the fault it is.
 */
static int paging32_outcome(struct vcpu *cpu, int status)
{
	const struct exit_info *last = exit_log_newest(&cpu->rec->log);
	struct fault_context fc = vcpu_fault_context(cpu);

	if (status != ABI_STATUS_FAULT || !last)
		return status;
	if (last->reason != KVM_EXIT_SHUTDOWN || !shutdown_at_paging_on(cpu)) {
		explain_fault(&fc, last);
		return status;
	}
	warning("32-bit paging is not supported by this KVM: the guest shut "
		"down (KVM_EXIT_SHUTDOWN) at the instruction that sets CR0.PG, "
		"without EFER.LME");
	hint("why: this KVM pages only in long mode (software KVMs such as "
	     "kvm-pvm do); it is this KVM's limit, not a bug in the guest");
	hint("on a machine with VT-x or AMD-V this guest runs to the end");
	return ABI_STATUS_UNSUPPORTED;
}

int main(int argc, char **argv)
{
	struct options opt;
	struct machine m;
	struct console con;
	struct debugexit debug_exit;
	int status;

	/* The command line: the shared options, --guest-paging, --paging32
	 * (which runs ch03-paging32.elf unless --guest says otherwise). */
	status = options_parse(&opt, &chapter, argc, argv);
	if (status != OPTIONS_RUN)
		return status;
	/* The trace, the guest file (read first: its errors need no KVM),
	 * /dev/kvm, a VM with RAM at 0, one vCPU, empty buses. */
	status = machine_open(&m, &opt, 0);
	/* --paging32 judges its faults itself (paging32_outcome()). */
	m.rec.quiet_faults = paging32;
	/* The guest: ELF by its program headers, flat at 1 MiB. */
	if (!status)
		status = machine_load(&m, ABI_ELF_BASE, image_kinds());
	/* Devices: the debug-exit port and the console. */
	if (!status &&
	    (debugexit_register(&debug_exit, &m.board, vcpu_stop, &m.cpu) ||
	     console_register(&con, &m.pio, stdout)))
		status = ABI_STATUS_HOST;
	/* Long mode with VMM-built tables, or protected mode at start32. */
	if (!status)
		status = start(&m.cpu, &m.img);
	if (!status) {
		/* Run it, or with --tui step through it in the viewer. */
		status = machine_run(&m, viewer_run);
		/* --paging32: a fault, or this KVM's limit?  Otherwise: do
		 * KVM_TRANSLATE and our own page walk agree? */
		if (paging32)
			status = paging32_outcome(&m.cpu, status);
		else if (status == ABI_STATUS_OK)
			status = compare_translations(&m.cpu);
	}
	/* --stats, "guest stopped", the trace checked; all closed. */
	return machine_close(&m, status);
}

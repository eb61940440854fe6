/* SPDX-License-Identifier: MIT */
/*
 * guest.c: chapter 3's guest, 64-bit C with paging on.
 *
 * Long mode cannot run without paging, so some page tables exist before
 * the first line of C: the VMM's (it built them in guest memory and
 * entered long mode with KVM_SET_SREGS) or the guest's own
 * (guest/boot/longmode.S, `--guest-paging`).  This program shows which,
 * prints the registers that define the mode, and then uses paging for
 * what operating systems use it for: it touches an address no table maps,
 * takes the page fault in its own handler, maps a fresh page there, and
 * lets the faulting instruction run again.  That is demand paging.
 */
#include <stdint.h>

#include "abi/machine.h"
#include "cpu.h"
#include "exercise.h"
#include "exit.h"
#include "idt.h"
#include "printf.h"
#include "string.h"

/* The guest's own PML4, in guest/boot/longmode.S. */
extern uint64_t boot_pml4[512];

/* 4-level paging entries (SDM Vol. 3A, 4.5). */
#define PTE_P	  (1ull << 0) /* present */
#define PTE_W	  (1ull << 1) /* writable */
#define PTE_PS	  (1ull << 7) /* a 1 GiB or 2 MiB page, not a table */
#define PTE_ADDR  0x000ffffffffff000ull
#define PAGE_SIZE 4096

/*
 * The handler maps pages only inside this window; a fault anywhere else
 * is a bug (a NULL pointer, say) and is reported, never papered over.
 */
#define DEMAND_BASE ABI_DEMO_FAULT_VA
#define DEMAND_SIZE 0x200000ull

/* What the guest writes to the unmapped page and expects to read back. */
#define DEMO_VALUE 0x0123456789abcdefull

/*
 * Physical memory for the handler: new tables and the page itself.  The
 * demonstration needs three frames (a PD, a PT and the page: neither the
 * VMM's tables nor the guest's map anything at 1 GiB); a few more leave
 * room for an exercise.  Tables are identity-mapped, so a frame's
 * address is both its virtual and its physical address.
 */
#define POOL_FRAMES 6
static uint8_t pool[POOL_FRAMES][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static unsigned int pool_used;
static unsigned int faults_handled;

static noreturn void fail(const char *why, uint64_t va)
{
	printf("ABORT: page fault at 0x%lx: %s\n", (unsigned long)va, why);
	guest_exit(1);
}

/* A zeroed frame: a new table must start with every entry not present. */
static uint64_t frame_alloc(uint64_t va)
{
	uint8_t *frame;

	if (pool_used == POOL_FRAMES)
		fail("out of page frames", va);
	frame = pool[pool_used++];
	memset(frame, 0, PAGE_SIZE);
	return (uint64_t)(uintptr_t)frame;
}

static const char *pf_access(uint64_t err)
{
	if (err & PF_ERR_I)
		return "instruction fetch";
	return err & PF_ERR_W ? "write" : "read";
}

/*
 * Count a handled fault and print the line chapter 3's test reads: where,
 * why, and the frame now mapped there.
 */
static void report_fault(uint64_t va, uint64_t err, uint64_t frame)
{
	faults_handled++;
	printf("page fault at 0x%lx (error code 0x%lx: %s, %s): mapped to "
	       "physical 0x%lx\n",
	       (unsigned long)va, (unsigned long)err, pf_access(err),
	       err & PF_ERR_P ? "protection violation" : "not present",
	       (unsigned long)frame);
}

/*
 * Map a new page at the faulting address.  The walk is the MMU's: from
 * CR3, 9 bits of the address per level pick an entry; a missing table on
 * the way is created.
 */
static void page_fault(struct trap_frame *f)
{
	/* EXERCISE ch03-page-fault: map a fresh page where the guest faulted */
#ifndef KVMLAB_STUBS
	uint64_t va = read_cr2();
	uint64_t *table = (uint64_t *)(uintptr_t)(read_cr3() & PTE_ADDR);
	uint64_t *pte, frame;

	if (va < DEMAND_BASE || va >= DEMAND_BASE + DEMAND_SIZE)
		trap_unhandled(f);

	/* PML4 (bits 47-39), PDPT (38-30), PD (29-21): tables. */
	for (int shift = 39; shift >= 21; shift -= 9) {
		uint64_t *e = &table[(va >> shift) & 511];

		if (!(*e & PTE_P))
			*e = frame_alloc(va) | PTE_P | PTE_W;
		else if (*e & PTE_PS)
			fail("the address is inside a large page", va);
		table = (uint64_t *)(uintptr_t)(*e & PTE_ADDR);
	}

	/* PT (bits 20-12): the page itself. */
	pte = &table[(va >> 12) & 511];
	if (*pte & PTE_P) {
		/*
		 * Mapped already, by this handler: returning would fault
		 * again on the same instruction, forever.
		 */
		fail("this handler already mapped it; refusing to loop", va);
	}
	frame = frame_alloc(va);
	*pte = frame | PTE_P | PTE_W;
	/*
	 * The TLB never holds a not-present entry (SDM Vol. 3A, 4.10.4.3),
	 * so this flush is not strictly needed for a new mapping; it is the
	 * habit that matters as soon as a present entry changes.
	 */
	invlpg((void *)(uintptr_t)va);
	report_fault(va, f->error_code, frame);
	/* Returning runs iretq: the faulting write executes again. */
#else
	(void)f;
	(void)frame_alloc; /* you will need these two */
	(void)report_fault;
	guest_exercise_todo("ch03-page-fault",
			    "exercises/03-long-mode/README.md");
#endif /* END EXERCISE ch03-page-fault */
}

int guest_main(unsigned long arg)
{
	unsigned long cr0 = read_cr0(), cr3 = read_cr3(), cr4 = read_cr4();
	uint64_t efer = rdmsr(MSR_EFER);
	volatile uint64_t *demo = (volatile uint64_t *)ABI_DEMO_FAULT_VA;
	uint64_t value;

	(void)arg; /* a device tree from chapter 5 on */

	printf("Hello from 64-bit long mode!\n");
	printf("CR0=0x%08lx (PE=%d PG=%d)\n", cr0, !!(cr0 & CR0_PE),
	       !!(cr0 & CR0_PG));
	printf("CR3=0x%08lx (the PML4's physical address)\n", cr3);
	printf("CR4=0x%08lx (PAE=%d)\n", cr4, !!(cr4 & CR4_PAE));
	printf("EFER=0x%08lx (LME=%d LMA=%d)\n", (unsigned long)efer,
	       !!(efer & EFER_LME), !!(efer & EFER_LMA));
	printf("page tables built by: %s\n",
	       (cr3 & PTE_ADDR) == (uintptr_t)boot_pml4 ? "the guest"
							: "the VMM");

	/* From here on an exception is reported, not a triple fault. */
	idt_init();
	idt_set_handler(VEC_PF, page_fault);

	/* No table maps 1 GiB: this write faults, and is retried. */
	*demo = DEMO_VALUE;
	value = *demo;
	printf("read back 0x%016lx from 0x%lx\n", (unsigned long)value,
	       (unsigned long)ABI_DEMO_FAULT_VA);
	if (value != DEMO_VALUE) {
		printf("ABORT: expected 0x%016lx\n", (unsigned long)DEMO_VALUE);
		return 1;
	}
	printf("page faults handled: %u\n", faults_handled);
	return 0;
}

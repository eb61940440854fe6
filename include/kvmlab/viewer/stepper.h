/* SPDX-License-Identifier: MIT */
/*
 * stepper: drive a vCPU one instruction, one exit, or freely, and stop it
 * on breakpoints, exit filters and CPU mode changes (the register viewer's
 * engine, chapter 1 on).
 *
 * KVM_SET_GUEST_DEBUG with KVM_GUESTDBG_SINGLESTEP makes KVM_RUN return
 * KVM_EXIT_DEBUG after each instruction.  Facts that shape this file,
 * which must behave the same on VT-x, AMD-V, kvm-pvm and the emulated
 * machine (QEMU's nested AMD-V):
 *
 *   - An instruction that exits by itself (OUT, an MMIO access) gives
 *     its own exit instead of a debug exit.  It counts as one step.
 *   - HLT is not honoured while single-stepping on some KVMs: the stepper
 *     reads the byte at CS:RIP before each step and treats 0xF4 as the
 *     HLT exit the guest asked for.
 *   - The debug registers DR0-DR3 (KVM_GUESTDBG_USE_HW_BP) do not fire in
 *     the emulated machine, and INT3 (KVM_GUESTDBG_USE_SW_BP) is not
 *     reported there nor on kvm-pvm.  So breakpoints are reached by single
 *     steps, on every KVM: with a breakpoint set, c and n step, comparing
 *     RIP with the breakpoints before each instruction.
 *   - Delivering an exception clears TF (SDM Vol. 3A, 6.12.1.3): on VT-x
 *     and AMD-V the handler runs unstepped until its first exit, so a
 *     breakpoint in a handler before that exit is not reached.
 *   - VT-x and AMD-V hold back the single-step trap after MOV SS (SDM Vol.
 *     3A, 6.8.3); kvm-pvm does not.  The stepper steps MOV SS together
 *     with the next instruction on every KVM.
 *
 * With KVM's in-kernel PICs (chapter 6) interrupts arrive while stepping:
 *
 *   - KVM injects a pending interrupt when a step enters the guest.
 *     KVM_GUESTDBG_BLOCKIRQ (where KVM_CAP_SET_GUEST_DEBUG2 lists it)
 *     would hold interrupts back while stepping; the stepper does not set
 *     it: seeing them arrive is chapter 6's lesson.
 *   - Delivering an interrupt clears TF, as an exception does, so what a
 *     step shows depends on the KVM.  In the emulated machine (AMD-V,
 *     measured) the handler runs unstepped: up to its first exit (the
 *     UART handler's read of IIR), or, for the timer's handler, which
 *     makes none, through its IRET, and the step ends after the
 *     instruction it interrupted.  Where KVM stops at the handler's first
 *     instruction instead, a guest whose timer is due at every step lands
 *     in the timer's handler at every step: expected, and the thing to
 *     see.  Either way the stepper finds the interrupt in the PICs
 *     (irqs.h) and keeps it for the exit log.
 *   - HLT is a sleep, not the end: KVM keeps the vCPU in the kernel until
 *     an interrupt.  A step from there first waits for the PICs to
 *     request one (the hooks can pause the wait), so the step takes the
 *     interrupt that wakes the CPU and the PICs show which it was.
 *
 * Breakpoint addresses are linear addresses (CS.base + RIP); in kvmlab's
 * guests they are the addresses in the symbol table.
 */
#ifndef KVMLAB_STEPPER_H
#define KVMLAB_STEPPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "kvmlab/exits/exits.h"
#include "kvmlab/kvm/vcpu.h"
#include "kvmlab/viewer/breaks.h"
#include "kvmlab/viewer/irqs.h"

#define STEP_IRQS 64 /* interrupts kept for the exit log */

/* Why the last command stopped. */
enum stop_why {
	STOP_START,	 /* nothing ran yet: the first instruction */
	STOP_STEP,	 /* one instruction ran */
	STOP_EXIT,	 /* the guest made an exit (run to next exit) */
	STOP_BREAKPOINT, /* RIP reached a breakpoint */
	STOP_FILTER,	 /* an exit matched the exit filter */
	STOP_MODE,	 /* the CPU mode changed */
	STOP_PAUSE,	 /* the user (or the headless time limit) stopped it */
	STOP_END,	 /* the guest ended: HLT, debug-exit, fault */
	STOP_ERROR,	 /* the host failed (an ioctl) */
};

struct stepper {
	struct vcpu *v;
	struct breaks br; /* what stops a run, set by the viewer's keys */

	uint64_t steps;	    /* single steps the student asked for (s) */
	uint64_t run_ns;    /* time spent running the guest, for rates */
	uint64_t run_start; /* internal: when run_ns was last brought up */
	bool ended;	    /* the guest stopped for good */
	int status;	    /* then: the chapter binary's exit status */
	enum stop_why why;
	char why_text[256]; /* "breakpoint 1 at 0x100071 <page_fault>" */

	/*
	 * With an in-kernel irqchip (chapter 6 on), each single step
	 * compares the PICs before and after it and keeps the interrupts
	 * the CPU took: a ring of the newest STEP_IRQS, irqs[(nirqs - 1) %
	 * STEP_IRQS] the last.  Runs at full speed see none.
	 */
	bool irqchip;
	struct irq_taken irqs[STEP_IRQS];
	uint64_t nirqs;

	/* Internal: an IO exit to complete; interrupts the last step took;
	 * the vCPU asleep in HLT after it. */
	bool pending_io;
	unsigned took;
	bool asleep;
};

/* Hooks for long runs: tick() every `tick_ms` while the guest runs; a
 * true return stops the run (STOP_PAUSE).  tick may be NULL. */
struct run_hooks {
	unsigned tick_ms;
	bool (*tick)(void *opaque);
	void *opaque;
};

/* Take over `v` (turns on KVM_SET_GUEST_DEBUG).  The guest is at its first
 * instruction.  0 or -errno from KVM_SET_GUEST_DEBUG (reported). */
int stepper_init(struct stepper *s, struct vcpu *v);

/*
 * Run one instruction (or recognise HLT).  Sets why/why_text.  A step
 * that waits, from a CPU asleep in HLT (chapter 6), calls `h` as a run
 * does and stops when it says so (STOP_PAUSE); `h` may be NULL.
 */
void stepper_step(struct stepper *s, const struct run_hooks *h);
/* Run until the next exit (`to_exit`) or freely until a breakpoint, the
 * exit filter, a mode change (both by single steps), the end, or
 * hooks->tick says stop. */
void stepper_run(struct stepper *s, bool to_exit, const struct run_hooks *h);
/* Complete an IO/MMIO exit KVM still holds, so the registers read now are
 * the ones after the instruction (KVM's immediate_exit). */
void stepper_settle(struct stepper *s);

#endif

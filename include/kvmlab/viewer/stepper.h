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

	/* Internal: an IO exit to complete. */
	bool pending_io;
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

/* Run one instruction (or recognise HLT).  Sets why/why_text. */
void stepper_step(struct stepper *s);
/* Run until the next exit (`to_exit`) or freely until a breakpoint, the
 * exit filter, a mode change (both by single steps), the end, or
 * hooks->tick says stop. */
void stepper_run(struct stepper *s, bool to_exit, const struct run_hooks *h);
/* Complete an IO/MMIO exit KVM still holds, so the registers read now are
 * the ones after the instruction (KVM's immediate_exit). */
void stepper_settle(struct stepper *s);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * fault: explain, in plain words, why a guest cannot go on (chapter 1).
 *
 * A triple fault, a failed VM entry or an instruction KVM cannot emulate all
 * end the run.  The report names the exit reason, says what it means and
 * what usually causes it, and shows RIP (with the guest symbol), the CPU
 * mode, the bytes at RIP and the last exits: everything a student needs to
 * find the bug without a debugger.
 */
#ifndef KVMLAB_FAULT_H
#define KVMLAB_FAULT_H

#include <stdbool.h>

#include <linux/kvm.h>

#include "kvmlab/base/memory.h"
#include "kvmlab/exits/exitlog.h"
#include "kvmlab/exits/exits.h"
#include "kvmlab/load/loader.h"

/*
 * The registers KVM reported at one exit.  On AMD-V, KVM resets the vCPU
 * when it reports KVM_EXIT_SHUTDOWN (RIP 0xfff0, real mode), so what the
 * vCPU holds afterwards says nothing about the fault: the run loop keeps
 * the state of each exit here, and a triple-fault report shows that.
 */
struct exit_state {
	bool valid;	 /* an exit before this one was saved */
	bool have_sregs; /* KVM sent the sregs too (KVM_SYNC_X86_SREGS) */
	uint64_t seq;	 /* the exit it was saved at (0: a debug stop) */
	struct kvm_regs regs;
	struct kvm_sregs sregs;
};

/*
 * Copy what KVM synced into `run` at this exit (KVM_SYNC_X86_REGS, and
 * KVM_SYNC_X86_SREGS when it was asked for): a memcpy, no ioctl.  Does
 * nothing when `run` carries no synced registers.
 */
void exit_state_save(struct exit_state *s, uint64_t seq,
		     const struct kvm_run *run);

/*
 * Does `r`/`s` look like the x86 reset state (CS selector 0xf000, RIP
 * 0xfff0, CR0 0x60000010)?  That is what the vCPU holds after AMD-V
 * reset it at KVM_EXIT_SHUTDOWN.
 */
bool looks_like_reset(const struct kvm_regs *r, const struct kvm_sregs *s);

/* How many of the last exits a report shows. */
#define FAULT_EXITS_SHOWN 16

struct fault_context {
	int vcpu_fd;
	const struct kvm_run *run;
	const struct guest_mem *mem;	 /* to show the bytes at RIP */
	const struct guest_image *image; /* to name RIP; may be NULL */
	const struct exit_log *log;	 /* the last exits; may be NULL */
	/* The state at the last exit before this one; may be NULL. */
	const struct exit_state *last;
};

/*
 * Explain exit `e` that ends the run (SHUTDOWN, FAIL_ENTRY,
 * INTERNAL_ERROR, or an exit the VMM does not handle).  Chapter 1's raw
 * loop calls it with its own file descriptors.
 */
void explain_fault(const struct fault_context *f, const struct exit_info *e);

/* The guest ran past --timeout: say so, with RIP, mode and last exits. */
void explain_timeout(const struct fault_context *f, unsigned seconds);

/* "long mode, 64-bit code, CPL0, paging on" for the vCPU, or "unknown". */
const char *fault_cpu_mode(int vcpu_fd, char *buf, size_t len);

#endif

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

#include <linux/kvm.h>

#include "kvmlab/exits.h"
#include "kvmlab/loader.h"
#include "kvmlab/memory.h"

struct fault_context {
	int vcpu_fd;
	const struct kvm_run *run;
	const struct guest_mem *mem;	 /* to show the bytes at RIP */
	const struct guest_image *image; /* to name RIP; may be NULL */
	const struct exit_history *history;
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

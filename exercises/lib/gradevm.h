/* SPDX-License-Identifier: MIT */
/*
 * gradevm: the machine of a grading VMM (the labs).
 *
 * A guest exercise must be graded without the VMM exercises: a student
 * who has not written desc_encode() (chapter 2) or pt_map() (chapter 3)
 * still earns the points of a correct page-fault handler or UART driver.
 * The chapter binaries enter long mode through those exercises, so the
 * grading VMMs (exercises/NN-*) use this instead: one vCPU in long mode,
 * set up from constants (a GDT written as numbers, identity page tables
 * with 2 MiB pages), with only the debug-exit port registered.  Each
 * grading VMM then adds the devices its exercise talks to.
 */
#ifndef KVMLAB_GRADEVM_H
#define KVMLAB_GRADEVM_H

#include <stdbool.h>
#include <stdint.h>

#include "kvmlab/dev/bus.h"
#include "kvmlab/dev/debugexit.h"
#include "kvmlab/kvm/kvm.h"
#include "kvmlab/kvm/vcpu.h"
#include "kvmlab/kvm/vm.h"
#include "kvmlab/load/loader.h"

struct grade_vm {
	struct kvm kvm;
	struct vm vm;
	struct vcpu cpu;
	struct exit_record rec; /* the vCPU's exits: log, stats, trace */
	struct guest_image img;
	struct bus pio, mmio;
	struct debugexit debug_exit;
};

/*
 * Open KVM, create a VM with `ram` bytes of RAM and one vCPU, load the
 * ELF64 guest at `path`, and register the debug-exit port on an
 * otherwise empty port bus.  0, or the exit status that says what failed
 * (ABI_STATUS_NO_KVM, ..._BAD_IMAGE, ..._NO_IMAGE, ..._HOST), reported.
 * grade_vm_close() is safe after a failure.
 */
int grade_vm_open(struct grade_vm *g, const char *path, uint64_t ram);

/*
 * Set the vCPU's registers for the guest to start.  Default: long mode
 * at the ELF entry, with the grading VMM's identity tables, RDI = `rdi`.
 * start32: 32-bit protected mode, paging off, at the guest's symbol
 * start32 (where a guest enters long mode itself).  0 or -1 (reported).
 */
int grade_vm_boot(struct grade_vm *g, bool start32, uint64_t rdi);

void grade_vm_close(struct grade_vm *g);

#endif

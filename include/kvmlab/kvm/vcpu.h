/* SPDX-License-Identifier: MIT */
/*
 * vcpu: create a vCPU, get and set its registers, and run it (chapter 2).
 *
 * vcpu_run() is the loop every chapter from 2 on uses: KVM_RUN, decode the
 * exit, record it (exit_record_add(): log, statistics, trace), dispatch
 * port I/O and MMIO to the buses, and stop when the guest halts, writes the debug-exit
 * port, faults, or runs past --timeout.  A fault is explained in plain words
 * with RIP, the CPU mode and the last exits.
 */
#ifndef KVMLAB_VCPU_H
#define KVMLAB_VCPU_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "kvmlab/dev/bus.h"
#include "kvmlab/exits/exits.h"
#include "kvmlab/exits/fault.h"
#include "kvmlab/exits/record.h"
#include "kvmlab/kvm/vm.h"

struct vcpu {
	struct vm *vm;
	int fd;
	struct kvm_run *run; /* shared with KVM, vcpu_mmap_size bytes */
	bool sync_regs;	     /* KVM_CAP_SYNC_REGS: RIP arrives with each exit */
	struct bus *pio, *mmio;
	/*
	 * Port I/O handled by the caller instead of the port bus: chapter 1
	 * keeps its own handle_io(), and its viewer runs it.  Returns a
	 * status (>= 0) that ends the run, or -1 to run on.
	 */
	int (*io_exit)(void *opaque, struct kvm_run *run, uint64_t rip);
	void *io_opaque;
	struct exit_record *rec; /* where each exit is written down; or NULL */
	uint64_t exits;		 /* exits so far: the seq of the last */
	struct exit_state last;	 /* the state at the last exit, for faults */
	/* KVM_SET_GUEST_DEBUG was used (guestdbg.c): KVM_EXIT_DEBUG is the
	 * debugger's stop, not a fault of the guest. */
	bool guest_debug;
	/*
	 * Called by vcpu_run() on this thread when a signal other than
	 * --timeout's interrupted KVM_RUN (chapter 8 without an I/O thread:
	 * the TAP's SIGIO, whose handler sets run->immediate_exit so that
	 * one landing between two KVM_RUNs is not missed; vcpu_run() clears
	 * it before the call).  NULL: such a signal is just ignored.
	 */
	void (*signalled)(void *opaque);
	void *signalled_opaque;
	/* Set by a device (debug-exit) to end the run with `stop_status`. */
	bool stop;
	int stop_status;
};

/* KVM_CREATE_VCPU and map its kvm_run.  Reports and returns -errno. */
int vcpu_create(struct vcpu *v, struct vm *vm, int id);
/* Unmap kvm_run and close the vCPU; safe after a failed vcpu_create(). */
void vcpu_destroy(struct vcpu *v);

/*
 * Give the vCPU every CPUID leaf the host's KVM supports
 * (KVM_GET_SUPPORTED_CPUID, then KVM_SET_CPUID2), long mode included.
 * A 64-bit guest needs it before KVM_SET_SREGS turns on EFER.LME
 * (chapter 3).  Reports and returns -errno.
 */
int vcpu_set_cpuid(struct vcpu *v);

/* Thin checked wrappers: report the ioctl by name and return -errno. */
int vcpu_get_regs(struct vcpu *v, struct kvm_regs *r);
int vcpu_set_regs(struct vcpu *v, const struct kvm_regs *r);
int vcpu_get_sregs(struct vcpu *v, struct kvm_sregs *s);
int vcpu_set_sregs(struct vcpu *v, const struct kvm_sregs *s);
/*
 * What a debugger shows of interrupts (the viewer, chapter 6):
 * KVM_GET_VCPU_EVENTS (an interrupt being injected, the STI or MOV SS
 * shadow, a pending NMI) and KVM_GET_MP_STATE (KVM_MP_STATE_HALTED: the
 * vCPU sleeps in HLT inside the kernel).  Same checked wrappers.
 */
int vcpu_get_events(struct vcpu *v, struct kvm_vcpu_events *ev);
int vcpu_get_mp_state(struct vcpu *v, struct kvm_mp_state *mp);

/*
 * Ask the running loop to stop with `status`.  It is the stop callback a
 * device is given (the debug-exit port): devices know their bus and this
 * callback, not the vCPU, so `vcpu` is the struct vcpu as an opaque.
 */
void vcpu_stop(void *vcpu, int status);

/* The context explain_fault() needs, filled from this vCPU. */
struct fault_context vcpu_fault_context(const struct vcpu *v);

/*
 * Count exit `e` (setting e->seq) and give it to v->rec: the one way an
 * exit of this vCPU is written down, by the run loop and by the viewer's
 * stepper.
 */
void vcpu_record_exit(struct vcpu *v, struct exit_info *e);

/*
 * KVM_TRANSLATE: the guest-physical address the vCPU's current page
 * tables give guest-virtual `va`.  0 with *gpa set, -ENOENT when it is
 * not mapped, or the ioctl's -errno (reported).
 */
int vcpu_translate(struct vcpu *v, uint64_t va, uint64_t *gpa);

/* vcpu_step() results that are not a final status (those are >= 0). */
#define VCPU_CONTINUE	 (-1) /* an exit was handled; run again */
#define VCPU_DEBUG_STOP	 (-2) /* KVM_EXIT_DEBUG with guest_debug on */
#define VCPU_INTERRUPTED (-3) /* a signal interrupted KVM_RUN; no exit */

/*
 * One KVM_RUN and the handling of the exit it ends with, as vcpu_run()
 * does it: `e` receives the decoded exit (e->seq == 0 when there was none).
 * Returns a final status (>= 0, as vcpu_run) or one of the values above.
 * The viewer drives the guest with it, one instruction at a time.
 */
int vcpu_step(struct vcpu *v, struct exit_info *e);

/*
 * The second half of vcpu_step(): handle the exit KVM left in v->run, as
 * if KVM_RUN had just returned.  Same results.  Unit tests feed it crafted
 * kvm_run pages, with no KVM (set sync_regs so RIP comes from the page).
 */
int vcpu_handle_exit(struct vcpu *v, struct exit_info *e);

/*
 * Run until the guest stops.  Returns the chapter binary's exit status
 * (include/abi/machine.h): the guest's debug-exit status, 0 after HLT,
 * ABI_STATUS_FAULT after an explained fault, ABI_STATUS_TIMEOUT when
 * `timeout_sec` (0 = none) expired, ABI_STATUS_HOST if KVM_RUN itself fails.
 */
int vcpu_run(struct vcpu *v, unsigned timeout_sec);

/*
 * Arm and disarm the --timeout alarm.  When it fires, the signal handler
 * sets run->immediate_exit, so KVM_RUN returns -EINTR whether the signal
 * lands inside KVM_RUN or just before the next call.
 */
void run_timeout_arm(struct kvm_run *run, unsigned seconds);
bool run_timeout_expired(void);
void run_timeout_disarm(void);

#endif

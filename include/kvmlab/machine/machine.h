/* SPDX-License-Identifier: MIT */
/*
 * machine: the VMM's side of one guest machine (introduced in chapter 2).
 *
 * Every chapter from 2 on opens the same machine: the trace, the guest
 * image file (read before /dev/kvm, so its errors come first), /dev/kvm, a VM
 * with RAM at guest-physical 0, one vCPU with its exit record (log,
 * statistics, trace) attached, an empty port I/O bus and an empty MMIO bus.  It closes the same
 * way too: the --stats table, the "guest stopped" line, the trace checked
 * for write errors, everything freed.  In between, it loads the guest and
 * runs it.  Each step reports its own failure and returns the exit status
 * documented in include/abi/machine.h, so a chapter's main() is its list
 * of steps: open, load, register devices in order, boot, run, close.
 *
 * Chapter 1 opens its machine with raw ioctls on purpose and does not use
 * this.
 */
#ifndef KVMLAB_MACHINE_H
#define KVMLAB_MACHINE_H

#include <stdbool.h>
#include <stdio.h>

#include "kvmlab/cli/options.h"
#include "kvmlab/dev/board.h"
#include "kvmlab/dev/bus.h"
#include "kvmlab/exits/record.h"
#include "kvmlab/exits/trace.h"
#include "kvmlab/kvm/kvm.h"
#include "kvmlab/kvm/vcpu.h"
#include "kvmlab/kvm/vm.h"
#include "kvmlab/load/loader.h"

struct machine {
	const struct options *opt; /* the command line it was opened with */
	struct kvm kvm;
	struct vm vm; /* its RAM is vm.mem */
	struct vcpu cpu;
	struct bus pio, mmio; /* empty: the chapter registers its devices */
	struct board board;   /* both buses; chapter 5 adds a device tree */
	struct trace trace;
	struct exit_record rec; /* every exit: log, statistics, trace */
	struct guest_file file; /* read by machine_open() */
	struct guest_image img; /* loaded by machine_load() */
	/*
	 * Optional, for --stats: the chapter's device lines (bus and device
	 * counters), printed by machine_close() after the exit table.
	 */
	void (*device_stats)(struct machine *m, FILE *out);
	bool ran; /* machine_run() was called */
};

/*
 * Open the trace (--trace), read the guest image file opt->guest into
 * m->file (guest_file_read(): checked before KVM), then open /dev/kvm, a
 * VM with opt->mem bytes of RAM at guest-physical 0 and vCPU 0, with the
 * exit record and both buses attached.  Returns 0, or the exit status:
 * ABI_STATUS_USAGE when the trace cannot be opened, ABI_STATUS_NO_IMAGE
 * or ABI_STATUS_BAD_IMAGE for the image file, ABI_STATUS_NO_KVM when
 * KVM, the VM or the vCPU cannot be opened.  machine_close() is safe
 * afterwards either way.  `m` must not move once opened: the vCPU points
 * into it.
 *
 * flags: MACHINE_IRQCHIP (chapter 6 on) also creates KVM's in-kernel
 * interrupt controllers and timer (irq/irqchip.h) before the vCPU, as
 * KVM requires; a KVM without them gives ABI_STATUS_UNSUPPORTED.
 */
#define MACHINE_IRQCHIP 0x1
int machine_open(struct machine *m, const struct options *opt, unsigned flags);

/* Image kinds for machine_load(), as a mask. */
#define LOAD_FLAT  (1u << IMAGE_FLAT)
#define LOAD_ELF32 (1u << IMAGE_ELF32)
#define LOAD_ELF64 (1u << IMAGE_ELF64)

/*
 * Load m->file into guest RAM: an ELF image by its program headers, a
 * flat one at `flat_at`.  An image whose kind is not in `kinds` is
 * refused before it runs in the wrong mode.  0, or ABI_STATUS_BAD_IMAGE
 * (reported).
 */
int machine_load(struct machine *m, uint64_t flat_at, unsigned kinds);

/*
 * Build the device tree the devices wrote into m->board.dt, write it to
 * `dump_path` if not NULL (--dump-dtb), and copy it to the top of guest
 * RAM; *gpa receives its address, for RDI.  0, or the exit status:
 * ABI_STATUS_USAGE when the dump cannot be written, ABI_STATUS_BAD_IMAGE
 * when the guest image reaches into the tree's place, ABI_STATUS_HOST
 * otherwise (all reported).
 */
int machine_load_dt(struct machine *m, const char *dump_path, uint64_t *gpa);

/* What steps through the guest instead of the run loop with --tui. */
typedef int machine_viewer(struct vcpu *v, const struct options *opt);

/*
 * Run the guest until it stops (vcpu_run(), under --timeout), or with
 * --tui hand it to `viewer` (the register viewer: viewer_run).  Returns
 * the exit status.
 */
int machine_run(struct machine *m, machine_viewer *viewer);

/*
 * After machine_run(): the --stats table (and device_stats) on stderr, then
 * "guest stopped: status S after N exits" with `status`.  Then, always:
 * close the trace, turning a successful status into ABI_STATUS_HOST if the
 * trace could not be written completely, and free and close everything.
 * Safe after a partial or failed machine_open().  Returns the final status.
 */
int machine_close(struct machine *m, int status);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * machine: the VMM's side of one guest machine (introduced in chapter 2).
 *
 * Every chapter from 2 on opens the same machine: the trace, the guest
 * image file (read before /dev/kvm, so its errors come first), /dev/kvm, a VM
 * with RAM at guest-physical 0, one vCPU with the trace and statistics
 * attached, an empty port I/O bus and an empty MMIO bus.  It closes the same
 * way too: the --stats table, the "guest stopped" line, the trace checked
 * for write errors, everything freed.  This module is those two halves, so
 * a chapter's main() keeps only its own steps: load the guest, check it,
 * register devices in order, boot, run.
 *
 * Chapter 1 opens its machine with raw ioctls on purpose and does not use
 * this.
 */
#ifndef KVMLAB_MACHINE_H
#define KVMLAB_MACHINE_H

#include <stdbool.h>
#include <stdio.h>

#include "kvmlab/dev/bus.h"
#include "kvmlab/kvm/kvm.h"
#include "kvmlab/load/loader.h"
#include "kvmlab/cli/options.h"
#include "kvmlab/exits/stats.h"
#include "kvmlab/exits/trace.h"
#include "kvmlab/kvm/vcpu.h"
#include "kvmlab/kvm/vm.h"

struct machine {
	struct kvm kvm;
	struct vm vm; /* its RAM is vm.mem */
	struct vcpu cpu;
	struct bus pio, mmio; /* empty: the chapter registers its devices */
	struct trace trace;
	struct stats stats;
	struct guest_file file; /* read by machine_open() */
	struct guest_image img; /* the chapter loads file into vm.mem */
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
 * trace, the statistics (--stats), the image and both buses attached.
 * Each failure is reported where it happens.  Returns 0, or the exit
 * status to return: ABI_STATUS_USAGE when the trace cannot be opened,
 * ABI_STATUS_NO_IMAGE or ABI_STATUS_BAD_IMAGE for the image file,
 * ABI_STATUS_NO_KVM when KVM, the VM or the vCPU cannot be opened.  The
 * chapter then loads m->file with guest_file_load().  machine_close() is safe afterwards either way.
 * `m` must not move once opened: the vCPU points into it.
 */
int machine_open(struct machine *m, const struct options *opt);

/*
 * Run the guest until it stops (vcpu_run(), under opt->timeout), or with
 * --tui step through it in the register viewer.  Returns the exit status.
 */
int machine_run(struct machine *m, const struct options *opt,
		const char *binary);

/*
 * After machine_run(): the --stats table (and device_stats) on stderr, then
 * "guest stopped: status S after N exits" with `status`.  Then, always:
 * close the trace, turning a successful status into ABI_STATUS_HOST if the
 * trace could not be written completely, and free and close everything.
 * Safe after a partial or failed machine_open().  Returns the final status.
 */
int machine_close(struct machine *m, const struct options *opt, int status);

#endif

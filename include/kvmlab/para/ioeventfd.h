/* SPDX-License-Identifier: MIT */
/*
 * ioeventfd: a port whose OUTs KVM turns into eventfd signals in the
 * kernel (chapter 7's ring console doorbell).
 *
 * Every exit so far went all the way back to the VMM: KVM_RUN returned,
 * the run loop decoded the exit, a device handled it, KVM_RUN again.
 * KVM_IOEVENTFD tells KVM: "an OUT of this width to this port only means
 * 'wake up'; do not come back for it".  KVM then matches the OUT itself,
 * adds one to an eventfd's counter and resumes the guest.  The guest
 * still leaves guest mode for a moment (the CPU traps the OUT into the
 * host kernel) but the VMM's run loop never sees it, and any thread of
 * the VMM's that waits on the eventfd wakes up: here the I/O thread
 * (irq/iothread.h), which reads the counter, the number of OUTs since
 * it last looked, and calls the device.
 *
 * An OUT of another width, or an IN, does not match and exits as usual:
 * the device should also be on the port bus to take those.
 *
 * Chapter 8 does the same for a store to an MMIO register, virtio-mmio's
 * QueueNotify (ioeventfd_init_mmio()): there KVM compares the value
 * written too (KVM_IOEVENTFD_FLAG_DATAMATCH), so each queue index the
 * driver writes signals its own eventfd.
 */
#ifndef KVMLAB_PARA_IOEVENTFD_H
#define KVMLAB_PARA_IOEVENTFD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kvmlab/irq/iothread.h"
#include "kvmlab/kvm/vm.h"

struct ioeventfd {
	struct vm *vm;
	uint16_t port;
	uint32_t width; /* bytes of the OUT (or store) KVM matches */
	/* ioeventfd_init_mmio(): a guest-physical address instead of a
	 * port, and the one value that matches. */
	bool mmio;
	uint64_t addr;
	uint64_t datamatch;
	int fd;	       /* the eventfd; -1: none */
	bool assigned; /* KVM_IOEVENTFD succeeded: undo it at close */
	bool matched;  /* it did, once: for --stats after the close */
	/* Called on the I/O thread: `count` OUTs matched since last time. */
	void (*fired)(void *opaque, uint64_t count);
	void *opaque;
	uint64_t signals; /* OUTs KVM matched, as the thread read them */
	uint64_t reads;	  /* times the I/O thread found the counter set */
	uint64_t unread;  /* OUTs matched that it never read: at close */
};

/*
 * Create the eventfd, ask KVM to match `width`-byte OUTs to `port` with
 * it (KVM_IOEVENTFD with KVM_IOEVENTFD_FLAG_PIO, any value written) and
 * have `io` (not started yet) wait on it and call fired(opaque, count).
 * Returns 0; -ENOTSUP when the KVM lacks KVM_CAP_IOEVENTFD (said, with
 * what it means: the OUTs will exit like any port's); otherwise -errno
 * after saying what failed and what to do.  ioeventfd_close() is safe
 * afterwards either way.
 */
int ioeventfd_init(struct ioeventfd *e, struct vm *vm, uint16_t port,
		   uint32_t width, struct iothread *io, const char *name,
		   void (*fired)(void *opaque, uint64_t count), void *opaque);

/*
 * The same for `width`-byte stores of the value `datamatch` to
 * guest-physical `addr`, an MMIO register no memory slot backs
 * (KVM_IOEVENTFD without KVM_IOEVENTFD_FLAG_PIO, with
 * KVM_IOEVENTFD_FLAG_DATAMATCH).  Stores of other values or widths, and
 * loads, exit to the MMIO bus as before.  Same returns.
 */
int ioeventfd_init_mmio(struct ioeventfd *e, struct vm *vm, uint64_t addr,
			uint32_t width, uint64_t datamatch, struct iothread *io,
			const char *name,
			void (*fired)(void *opaque, uint64_t count),
			void *opaque);

/* Unregister (KVM_IOEVENTFD_FLAG_DEASSIGN), count what is left in the
 * counter as `unread`, close the eventfd.  After iothread_stop(): the
 * thread must no longer wait on it. */
void ioeventfd_close(struct ioeventfd *e);

/*
 * For --stats, after ioeventfd_close(): "ioeventfd port 0x510 (4-byte
 * OUTs): 201 matched in the kernel: 198 seen by the I/O thread in 137
 * reads, 3 still unread at the end", or that there is none.  An MMIO
 * one: "ioeventfd MMIO 0xd0000050 = 1 (4-byte stores): ...".
 */
void ioeventfd_print_stats(const struct ioeventfd *e, FILE *out);

#endif

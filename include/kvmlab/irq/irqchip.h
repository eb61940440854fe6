/* SPDX-License-Identifier: MIT */
/*
 * irqchip: KVM's in-kernel interrupt controllers and timer (chapter 6).
 *
 * Until chapter 6 the guest polled: a device had news only when the guest
 * asked.  Interrupts need three things a PC has and a bare KVM VM does
 * not: a controller that collects device lines and picks the vector, a
 * local APIC per CPU that delivers it, and a timer.  KVM can emulate all
 * of them inside the kernel, where a guest's access to them costs no exit
 * to this process:
 *
 *   KVM_CREATE_IRQCHIP  two 8259A PICs (master and slave, ports 0x20-0x21
 *                       and 0xa0-0xa1, ELCR at 0x4d0-0x4d1), an I/O APIC
 *                       (MMIO 0xfec00000) and a local APIC in every vCPU
 *                       created after it (MMIO 0xfee00000)
 *   KVM_CREATE_PIT2     an 8254 timer (ports 0x40-0x43) on IRQ 0
 *
 * Both must exist before the first vCPU.  Once they do, HLT no longer
 * stops the vCPU in this process: KVM keeps the halted vCPU in the kernel
 * until an interrupt wakes it (vcpu.h says what that means for the run
 * loop).
 */
#ifndef KVMLAB_IRQ_IRQCHIP_H
#define KVMLAB_IRQ_IRQCHIP_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "kvmlab/kvm/vm.h"

/*
 * KVM_CREATE_IRQCHIP, then KVM_CREATE_PIT2 (its speaker port 0x61 stays in
 * the kernel too).  Call after vm_create() and before vcpu_create().
 * 0, or -errno after saying what failed and what to do.
 */
int irqchip_create(struct vm *vm);

/*
 * KVM_IRQ_LINE: drive interrupt line `gsi` (0-15 are the ISA IRQs, to
 * both PICs and the I/O APIC) to `level`.  0 or -errno.
 */
int irqchip_set_line(struct vm *vm, unsigned gsi, bool level);

/* What the PICs hold now, for the viewer and --stats. */
struct irqchip_pic {
	uint8_t irr, isr, imr; /* request, in-service, mask: bit n = IRQ n */
	uint8_t elcr;	       /* bit n set: IRQ n is level-triggered */
	uint8_t vector_base;   /* vector of IRQ 0 (ICW2) */
};

/*
 * KVM_GET_IRQCHIP for the master (chip 0) or slave (chip 1) PIC.  0, or
 * -errno (-ENXIO: the VM has no in-kernel irqchip).
 */
int irqchip_get_pic(const struct vm *vm, unsigned chip,
		    struct irqchip_pic *out);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * irqchip: KVM's in-kernel PICs, I/O APIC, local APICs and PIT (chapter 6;
 * see irqchip.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvmlab/base/log.h"
#include "kvmlab/irq/irqchip.h"
#include "labs/exercise.h"

int irqchip_create(struct vm *vm)
{
	/* EXERCISE ch06-irqchip: KVM's PICs, I/O APIC and PIT */
#ifndef KVMLAB_STUBS
	struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
	int err;

	if (ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		err = errno;
		error("KVM_CREATE_IRQCHIP failed: %s", strerror(err));
		hint("why: %s",
		     err == EEXIST ? "the VM already has an irqchip"
		     : err == EINVAL
			 ? "the VM already has a vCPU: the irqchip must come "
			   "first"
			 : "this KVM has no in-kernel interrupt controller");
		hint("fix: run on a KVM with KVM_CAP_IRQCHIP (make doctor)");
		return -err;
	}
	if (ioctl(vm->fd, KVM_CREATE_PIT2, &pit) < 0) {
		err = errno;
		error("KVM_CREATE_PIT2 failed: %s", strerror(err));
		hint("fix: run on a KVM with KVM_CAP_PIT2 (make doctor)");
		return -err;
	}
	return 0;
#else
	(void)vm;
	exercise_todo("ch06-irqchip", "exercises/06-interrupts/README.md");
#endif /* END EXERCISE ch06-irqchip */
}

int irqchip_set_line(struct vm *vm, unsigned gsi, bool level)
{
	/* EXERCISE ch06-irqchip: drive an interrupt line with KVM_IRQ_LINE */
#ifndef KVMLAB_STUBS
	struct kvm_irq_level irq = {.irq = gsi, .level = level};

	if (ioctl(vm->fd, KVM_IRQ_LINE, &irq) < 0) {
		int err = errno;

		error("KVM_IRQ_LINE (line %u to %d) failed: %s", gsi, level,
		      strerror(err));
		return -err;
	}
	return 0;
#else
	(void)vm;
	(void)gsi;
	(void)level;
	exercise_todo("ch06-irqchip", "exercises/06-interrupts/README.md");
#endif /* END EXERCISE ch06-irqchip */
}

int irqchip_get_pic(const struct vm *vm, unsigned chip, struct irqchip_pic *out)
{
	struct kvm_irqchip c;

	memset(&c, 0, sizeof(c));
	c.chip_id = chip ? KVM_IRQCHIP_PIC_SLAVE : KVM_IRQCHIP_PIC_MASTER;
	if (ioctl(vm->fd, KVM_GET_IRQCHIP, &c) < 0)
		return -errno;
	out->irr = c.chip.pic.irr;
	out->isr = c.chip.pic.isr;
	out->imr = c.chip.pic.imr;
	out->elcr = c.chip.pic.elcr;
	out->vector_base = c.chip.pic.irq_base;
	return 0;
}

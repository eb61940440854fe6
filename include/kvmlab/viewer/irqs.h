/* SPDX-License-Identifier: MIT */
/*
 * irqs: interrupts as the register viewer shows them (chapter 6 on).
 *
 * With KVM's in-kernel irqchip (irq/irqchip.h) the PICs live in the
 * kernel: the viewer reads them with KVM_GET_IRQCHIP, and the vCPU's
 * side (an interrupt being injected, the STI or MOV SS shadow, an NMI,
 * a CPU asleep in HLT) with KVM_GET_VCPU_EVENTS and KVM_GET_MP_STATE.
 * A VM without an irqchip (chapters 1-5) has none of this and the
 * viewer shows nothing of it.
 *
 * Comparing the state before and after a single step tells whether the
 * CPU took an interrupt during it, whatever the KVM then does with the
 * step (stepper.h): stop in the handler, or run the handler unstepped.
 * Everything but irq_state_read() and irq_handler() is pure, for the unit
 * tests.
 */
#ifndef KVMLAB_IRQS_H
#define KVMLAB_IRQS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "kvmlab/irq/irqchip.h"
#include "kvmlab/kvm/vcpu.h"

#define IRQ_LINES 16 /* IRQ 0-7 on the master PIC, 8-15 on the slave */
#define IRQ_COM1  4
#define RFLAGS_IF (1u << 9) /* the CPU accepts interrupts (SDM Vol. 1, 3.4.3) */

/* One PIC register of both chips as 16 bits, bit n = IRQ n, the way
 * chapter 6's guest prints them: IRQ_BITS(s, isr). */
#define IRQ_BITS(s, reg)                                                       \
	((uint16_t)((unsigned)(s)->pic[1].reg << 8 | (s)->pic[0].reg))

struct irq_state {
	struct irqchip_pic pic[2]; /* master, slave */
	bool ev_ok;		   /* KVM_GET_VCPU_EVENTS worked */
	struct kvm_vcpu_events ev;
	bool halted; /* KVM_MP_STATE_HALTED: asleep in HLT */
};

/* An interrupt the CPU took during a single step. */
struct irq_taken {
	uint64_t after;	  /* exits made before it: it comes after exit #after */
	uint64_t rip;	  /* linear address of the instruction it came before */
	uint64_t handler; /* where the IDT sends its vector, if handler_ok */
	bool handler_ok;
	bool in_service; /* still in ISR after the step: in its handler */
	uint8_t irq, vector;
};

/*
 * Read both PICs, the vCPU's events and whether it is halted.  0, or
 * -ENXIO when the VM has no in-kernel irqchip (quietly: chapters 1-5),
 * or another -errno from KVM_GET_IRQCHIP.
 */
int irq_state_read(struct vcpu *v, struct irq_state *s);

/*
 * The IRQ the PICs would hand a CPU that accepts interrupts now: the
 * highest-priority request (IRR) not masked (IMR) and not held back by
 * one of higher or equal priority in service (ISR), through the cascade
 * on IRQ 2 for the slave.  Fixed priority, IRQ 0 highest (the 8259A
 * after initialisation; kvmlab's guests never rotate it).  -1 if none.
 */
int irq_next(const struct irq_state *s);

/* The vector the PICs give IRQ `irq` (their ICW2 base + the line). */
unsigned irq_vector(const struct irq_state *s, unsigned irq);

/*
 * The IRQs the CPU acknowledged during a step from `before` to `after`
 * (bit n = IRQ n; 0 if none).  `if_on`: RFLAGS.IF before the step.  The
 * evidence:
 *   - a bit new in ISR: acknowledged and still in service (the step
 *     stopped in its handler, or at the handler's first exit);
 *   - an interrupt KVM had acknowledged and was injecting (events) that
 *     it no longer holds;
 *   - the request irq_next() offered a CPU with IF set and no STI/MOV SS
 *     shadow, gone from IRR: acknowledged, and its handler ran to its EOI
 *     within the step.
 * One step can take two: the timer's, whose handler runs through, then
 * the UART's, whose handler stops at its first exit.  An interrupt that
 * arrives and is handled completely within one step leaves no trace in
 * the PICs and is not seen.
 */
uint16_t irq_taken_during(const struct irq_state *before,
			  const struct irq_state *after, bool if_on);
/*
 * The IRQs of `bits` in the order a step took them: those whose handler
 * has finished (not in ISR in `after`) before those still in service,
 * each group by priority.  Returns how many were written to `out`.
 */
unsigned irq_order(uint16_t bits, const struct irq_state *after,
		   uint8_t out[IRQ_LINES]);

/* "timer" (0), "cascade" (2), "COM1" (4), or NULL for other lines. */
const char *irq_line_name(unsigned irq);
/*
 * The IRQs set in `bits`, lowest first: with `names`, "0 timer, 4 COM1",
 * "0 timer, 5-7"; without, "0 2 4", "1 3 5-15".  "-" when none.
 * Returns `buf`.
 */
const char *irq_list(uint16_t bits, bool names, char *buf, size_t len);
/* KVM_X86_SHADOW_INT_*: "-", "sti", "mov ss", "sti+mov ss". */
const char *irq_shadow_name(uint8_t shadow);

/*
 * Where an IDT entry of `size` bytes sends the CPU: 16 (64-bit gate),
 * 8 (32-bit gate; the offset, as in kvmlab's flat segments) or 4 (a
 * real-mode vector, segment:offset).  False for a gate not present.
 */
bool irq_gate_decode(const uint8_t *gate, unsigned size, uint64_t *target);
/* The same, read from the guest's IDT for `vector`. */
bool irq_handler(struct vcpu *v, const struct kvm_sregs *sr, unsigned vector,
		 uint64_t *target);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * pic8259.h: the PC's two 8259A interrupt controllers (chapter 6).
 *
 * A PC has a master PIC (ports 0x20-0x21, IRQ 0-7) and a slave on the
 * master's IRQ 2 (ports 0xa0-0xa1, IRQ 8-15).  At power-on they deliver
 * IRQ 0-7 on vectors 8-15, which in protected and long mode are the CPU's
 * own exception vectors (#DF is 8): so the first thing a kernel does is
 * move them ("remap") with the initialisation sequence ICW1-ICW4.  Under
 * KVM_CREATE_IRQCHIP these are KVM's PICs: every OUT here is handled in
 * the kernel and never reaches the VMM.
 *
 * The ELCR (ports 0x4d0-0x4d1, from the PC/AT's successors) selects
 * edge or level triggering per IRQ.  ISA lines are edge-triggered by
 * default; the 8250's output is a level, so the guest makes IRQ 4
 * level-triggered: it is then delivered again after the EOI for as long
 * as the UART holds it.
 */
#ifndef GUEST_PIC8259_H
#define GUEST_PIC8259_H

#include <stdint.h>

#define PIC_IRQS 16

/* Remap: IRQ 0-7 on vectors base..base+7, IRQ 8-15 on base+8..; all
 * masked but the cascade (IRQ 2).  Spurious IRQs 7 and 15 are ignored. */
void pic_init(uint8_t vector_base);

void pic_unmask(unsigned irq);
void pic_mask(unsigned irq);
/* Make `irq` level-triggered in the ELCR (IRQs 0-2, 8 and 13 cannot be). */
void pic_set_level(unsigned irq);

/*
 * End of interrupt for `irq`: clears its in-service bit (and the
 * cascade's, for a slave IRQ), so equal and lower priorities can come.
 */
void pic_eoi(unsigned irq);

/* The registers, bit n = IRQ n (slave in bits 8-15), for `pic`. */
uint16_t pic_irr(void); /* requested, not yet acknowledged */
uint16_t pic_isr(void); /* being serviced: acknowledged, no EOI yet */
uint16_t pic_imr(void); /* masked */

/* Spurious interrupts ignored so far (IRQ 7 or 15 with no ISR bit). */
unsigned long pic_spurious(void);

#endif

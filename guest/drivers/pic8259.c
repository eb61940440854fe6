/* SPDX-License-Identifier: MIT */
/*
 * pic8259.c: program the two 8259A PICs (chapter 6; see pic8259.h).
 *
 * Register usage follows the Intel 8259A data sheet: ICW1 to the command
 * port starts initialisation, ICW2-ICW4 follow on the data port; OCW1
 * (data port) is the mask, OCW2 (command) the EOI, OCW3 (command)
 * selects whether the next command-port read returns IRR or ISR.
 */
#include "pic8259.h"
#include "idt.h"
#include "io.h"

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xa0
#define PIC2_DATA 0xa1
#define PIC_ELCR1 0x4d0
#define PIC_ELCR2 0x4d1

#define ICW1_ICW4 0x01 /* ICW4 follows */
#define ICW1_INIT 0x10 /* this is ICW1: start initialisation */
#define ICW4_8086 0x01 /* 8086 mode (vector = base + IRQ) */
#define OCW2_EOI  0x20 /* non-specific end of interrupt */
#define OCW3_IRR  0x0a /* the next command-port read is IRR */
#define OCW3_ISR  0x0b /* ... is ISR */
#define CASCADE	  2    /* the slave hangs on the master's IRQ 2 */

static unsigned long spurious;

/*
 * IRQ 7 (15 on the slave) is what the PIC reports when a request went
 * away between asking the CPU and the CPU's acknowledge: no ISR bit is
 * set then, and such an interrupt gets no EOI (8259A data sheet).  A
 * spurious 15 still took the master's cascade, which needs its EOI.
 */
static void spurious_handler(struct trap_frame *f)
{
	unsigned irq = (unsigned)f->vector - IDT_IRQ_BASE;

	if (pic_isr() & (1u << irq)) {
		/* A real IRQ 7 or 15, but nobody asked for it. */
		pic_eoi(irq);
		return;
	}
	spurious++;
	if (irq == 15)
		outb(PIC1_CMD, OCW2_EOI);
}

void pic_init(uint8_t base)
{
	outb(PIC1_CMD, ICW1_INIT | ICW1_ICW4); /* edge, cascade, ICW4 */
	outb(PIC2_CMD, ICW1_INIT | ICW1_ICW4);
	outb(PIC1_DATA, base);		/* ICW2: vector of IRQ 0 */
	outb(PIC2_DATA, base + 8);	/* ... of IRQ 8 */
	outb(PIC1_DATA, 1u << CASCADE); /* ICW3: slave on IRQ 2 */
	outb(PIC2_DATA, CASCADE);	/* ICW3: my cascade identity */
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	outb(PIC1_DATA, (uint8_t) ~(1u << CASCADE)); /* OCW1: mask */
	outb(PIC2_DATA, 0xff);
	idt_set_handler(base + 7, spurious_handler);
	idt_set_handler(base + 15, spurious_handler);
}

static uint16_t data_port(unsigned irq)
{
	return irq < 8 ? PIC1_DATA : PIC2_DATA;
}

void pic_unmask(unsigned irq)
{
	uint16_t port = data_port(irq);

	outb(port, inb(port) & ~(1u << (irq & 7)));
}

void pic_mask(unsigned irq)
{
	uint16_t port = data_port(irq);

	outb(port, inb(port) | (1u << (irq & 7)));
}

void pic_set_level(unsigned irq)
{
	uint16_t port = irq < 8 ? PIC_ELCR1 : PIC_ELCR2;

	outb(port, inb(port) | (1u << (irq & 7)));
}

void pic_eoi(unsigned irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, OCW2_EOI);
	outb(PIC1_CMD, OCW2_EOI);
}

static uint16_t read_both(uint8_t ocw3)
{
	outb(PIC1_CMD, ocw3);
	outb(PIC2_CMD, ocw3);
	return (uint16_t)(inb(PIC2_CMD) << 8 | inb(PIC1_CMD));
}

uint16_t pic_irr(void)
{
	return read_both(OCW3_IRR);
}

uint16_t pic_isr(void)
{
	return read_both(OCW3_ISR);
}

uint16_t pic_imr(void)
{
	return (uint16_t)(inb(PIC2_DATA) << 8 | inb(PIC1_DATA));
}

unsigned long pic_spurious(void)
{
	return spurious;
}

/* SPDX-License-Identifier: MIT */
/*
 * irqwait16.S: the grading guest of chapter 6's KVM exercises.
 *
 * A real-mode guest that takes interrupts on IRQ 4 and does nothing
 * else: it initialises the PICs (IRQ 0-7 on vectors 0x20-0x27, IRQ 8-15
 * on 0x28-0x2f), makes IRQ 4 level-triggered in the ELCR, unmasks it
 * alone (with the cascade), points the real-mode IVT's vector 0x24 at its
 * handler, says it is ready with a byte 'R' to port 0x80 and sleeps in
 * HLT with interrupts on, forever.
 *
 * Each interrupt, the handler adds one to its count and writes the
 * grader's token plus the count as one 32-bit OUT to port 0x80, then
 * sends the EOI.  The token is a random number the grader writes to
 * IRQ_TOKEN before the run: an OUT that carries token + n proves that the
 * n-th interrupt really reached the guest.  The handler does nothing to
 * the device: the line stays up until the VMM lowers it, which is what
 * level triggering means.
 */
#include "abi/machine.h"

#define IRQ_TOKEN  0x0f00	/* the grader's random 32-bit token */
#define IRQ_COUNT  0x0f04	/* interrupts the handler took */
#define GRADE_PORT 0x80
#define VECTOR	   0x24		/* IRQ 4 once the master starts at 0x20 */

	.code16
	.text
	.globl	_start
_start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	/* ICW1: edge (the ELCR decides per line), cascade, ICW4 follows. */
	movb	$0x11, %al
	outb	%al, $0x20
	outb	%al, $0xa0
	movb	$0x20, %al		/* ICW2: vector bases */
	outb	%al, $0x21
	movb	$0x28, %al
	outb	%al, $0xa1
	movb	$0x04, %al		/* ICW3: slave on IRQ 2 */
	outb	%al, $0x21
	movb	$0x02, %al
	outb	%al, $0xa1
	movb	$0x01, %al		/* ICW4: 8086 mode */
	outb	%al, $0x21
	outb	%al, $0xa1
	movb	$0xeb, %al		/* OCW1: all masked but IRQ 2 and 4 */
	outb	%al, $0x21
	movb	$0xff, %al
	outb	%al, $0xa1
	movw	$0x4d0, %dx		/* ELCR: IRQ 4 level-triggered */
	movb	$0x10, %al
	outb	%al, %dx
	movw	$handler, VECTOR * 4
	movw	$0, VECTOR * 4 + 2
	movl	$0, IRQ_COUNT
	movb	$'R', %al
	outb	%al, $GRADE_PORT
1:	sti
	hlt
	jmp	1b

handler:
	pushl	%eax
	incl	IRQ_COUNT
	movl	IRQ_TOKEN, %eax
	addl	IRQ_COUNT, %eax
	outl	%eax, $GRADE_PORT
	movb	$0x20, %al		/* non-specific EOI */
	outb	%al, $0x20
	popl	%eax
	iret

/* This code needs no executable stack (tells the linker; no effect here). */
	.section .note.GNU-stack, "", @progbits

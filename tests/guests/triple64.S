/* SPDX-License-Identifier: MIT */
/*
 * triple64.S: a 64-bit test guest that triple-faults.
 *
 * It makes one exit first (a byte to COM1), then loads an empty IDT
 * (limit 0) and executes an invalid instruction.
 * The CPU cannot deliver the #UD (its gate is outside the IDT), which
 * becomes a #GP, then a #DF, which cannot be delivered either: a triple
 * fault.  The CPU shuts down and KVM reports KVM_EXIT_SHUTDOWN; the test
 * checks that the VMM names it, in long mode.  On AMD-V, KVM has reset the
 * vCPU by then: the report shows the state of the exit before it, which
 * is why there is one.
 */
#include "abi/machine.h"

	.text
	.code64
	.globl	_start
_start:
	movw	$ABI_PORT_COM1, %dx
	movb	$'!', %al
	outb	%al, %dx
	lidt	empty_idtr
	ud2

	.section .rodata
empty_idtr:
	.word	0		/* limit 0: not even one gate fits */
	.quad	0		/* base */

/* This code needs no executable stack (tells the linker; no effect here). */
	.section .note.GNU-stack, "", @progbits

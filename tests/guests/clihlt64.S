/* SPDX-License-Identifier: MIT */
/*
 * clihlt64.S: a 64-bit test guest that halts with interrupts off.
 *
 * It prints "halting" to COM1, clears RFLAGS.IF and executes HLT.  Without
 * an in-kernel irqchip (chapters 1-5) the HLT is an exit, KVM_EXIT_HLT,
 * and the VMM ends the run with status 0.  With one (chapter 6 on) KVM
 * keeps the vCPU asleep in the kernel until an interrupt it may take
 * arrives, and with IF=0 none ever can: the VMM sees nothing until
 * --timeout, and its report must say why.
 */
#include "abi/machine.h"

	.text
	.code64
	.globl	_start
_start:
	movw	$ABI_PORT_COM1, %dx
	leaq	msg(%rip), %rsi
1:	lodsb
	testb	%al, %al
	jz	2f
	outb	%al, %dx
	jmp	1b
2:	cli
	hlt
	/* A VMM that let it run on would land here: a status it can see. */
	movb	$9, %al
	outb	%al, $ABI_PORT_DEBUG_EXIT

	.section .rodata
msg:
	.asciz	"halting\n"

/* This code needs no executable stack (tells the linker; no effect here). */
	.section .note.GNU-stack, "", @progbits

/* SPDX-License-Identifier: MIT */
/*
 * status16.S: a real-mode test guest that fails on purpose.
 *
 * It prints an ABORT line, as every failing kvmlab guest does, and writes
 * status 3 to the debug-exit port.  The tests check that the VMM passes
 * both on: the console text and an exit status of 3.
 */
#include "abi/machine.h"

	.code16
	.text
	.globl	_start
_start:
	cld
	movw	$msg, %si
	movw	$ABI_PORT_COM1, %dx
1:	lodsb
	testb	%al, %al
	jz	2f
	outb	%al, %dx
	jmp	1b
2:	movb	$3, %al
	outb	%al, $ABI_PORT_DEBUG_EXIT	/* the VMM exits with status 3 */
3:	hlt			/* not reached if the VMM honours the port */
	jmp	3b

msg:
	.asciz	"ABORT: deliberate failure\n"

/* This code needs no executable stack (tells the linker; no effect here). */
	.section .note.GNU-stack, "", @progbits

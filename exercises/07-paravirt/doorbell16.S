/* SPDX-License-Identifier: MIT */
/*
 * doorbell16.S: the grading guest of ch07-ioeventfd.
 *
 * A real-mode guest that rings the ring console's doorbell: it makes as
 * many 4-byte OUTs to ABI_PORT_RING_NOTIFY as the grader wrote to
 * BELL_COUNT (a number drawn each run), with the values 1, 2, 3, ...;
 * then one 1-byte OUT of 0x5a to the same port, which an ioeventfd for
 * 4-byte OUTs must not match; then a byte 'D' to port 0x80, and halts.
 *
 * With the ioeventfd in place the VMM sees exactly two exits (the 1-byte
 * OUT and the 'D') and its eventfd counts BELL_COUNT signals.
 */
#include "abi/machine.h"
#include "abi/pvring.h"

#define BELL_COUNT 0x0f00	/* the grader's count */
#define GRADE_PORT 0x80

	.code16
	.text
	.globl	_start
_start:
	xorw	%ax, %ax
	movw	%ax, %ds
	movl	BELL_COUNT, %ecx
	xorl	%eax, %eax
	movw	$ABI_PORT_RING_NOTIFY, %dx
1:	incl	%eax
	outl	%eax, %dx
	cmpl	%ecx, %eax
	jb	1b
	movb	$0x5a, %al
	outb	%al, %dx
	movb	$'D', %al
	outb	%al, $GRADE_PORT
2:	hlt
	jmp	2b

/* This code needs no executable stack (tells the linker; no effect here). */
	.section .note.GNU-stack, "", @progbits

/* SPDX-License-Identifier: MIT */
/*
 * bench_out16.S: the exit-cost benchmark guest.
 *
 * Exactly 100000 OUTs to port 0x80 (the old POST-code port, which no
 * kvmlab device claims), then HLT: 100001 exits in all.  Timing the run
 * and dividing by the count gives the cost of one exit.
 */
	.code16
	.text
	.globl	_start
_start:
	movl	$100000, %ecx	/* a 32-bit count: 100000 > 65535 */
1:	outb	%al, $0x80	/* one exit */
	decl	%ecx
	jnz	1b
2:	hlt
	jmp	2b

/* This code needs no executable stack (tells the linker; no effect here). */
	.section .note.GNU-stack, "", @progbits

/* SPDX-License-Identifier: MIT */
/*
 * bench_out16.S: the exit-cost benchmark guest.
 *
 * ECX OUTs to port 0x80 (the old POST-code port, which no kvmlab device
 * claims), then HLT: ECX + 1 exits in all.  Timing the run and dividing
 * by the count gives the cost of one exit.  `bench --exits N` sets ECX at
 * entry; a VMM that leaves it 0 (boot_real, chapter 1's --guest) gets
 * 100000, so those runs keep their known exit count.
 */
	.code16
	.text
	.globl	_start
_start:
	testl	%ecx, %ecx	/* a 32-bit count: 100000 > 65535 */
	jnz	1f
	movl	$100000, %ecx	/* the VMM passed none */
1:	outb	%al, $0x80	/* one exit */
	decl	%ecx
	jnz	1b
2:	hlt
	jmp	2b

/* This code needs no executable stack (tells the linker; no effect here). */
	.section .note.GNU-stack, "", @progbits

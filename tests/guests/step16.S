/* SPDX-License-Identifier: MIT */
/*
 * step16.S: a real-mode test guest with a known instruction sequence, for
 * the register viewer's tests (tests/viewer/semantics.sh).
 *
 * Every label below marks a place a test stops at, so the tests can say
 * exactly where one step, one "run to next exit", a breakpoint and a
 * "break on mode change" must leave the CPU:
 *
 *   three register moves      one step each, no exits
 *   out_k: OUT 'K' to COM1    an instruction that exits by itself
 *   bp_here                   a breakpoint target after the exit
 *   to_pm: the mode switch    CR0.PE set: real -> protected mode
 *   pm32: 32-bit code         another OUT, then
 *   halt: HLT                 which the viewer must recognise itself
 *                             while single-stepping
 */
#include "abi/machine.h"

	.code16
	.text
	.globl	_start
_start:
	movw	$0x1234, %ax		/* step 1: AX changes */
	movw	$0x5678, %bx		/* step 2: BX changes */
	addw	%ax, %bx		/* step 3: BX = 0x68ac, flags change */
	.globl	out_k
out_k:
	movw	$ABI_PORT_COM1, %dx
	movb	$'K', %al
	outb	%al, %dx		/* an IO exit, not a debug exit */
	.globl	after_out
after_out:
	nop
	.globl	bp_here
bp_here:
	incw	%cx			/* CX = 1: the breakpoint's target */
	cli
	lgdtl	gdt_desc
	.globl	to_pm
to_pm:
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0		/* the mode changes after this one */
	.globl	after_pe
after_pe:
	ljmpl	$ABI_SEL_CODE32, $pm32

	.code32
	.globl	pm32
pm32:
	movw	$ABI_SEL_DATA, %ax
	movw	%ax, %ds
	movw	$ABI_PORT_COM1, %dx
	movb	$'!', %al
	outb	%al, %dx
	.globl	halt
halt:
	hlt				/* the end: no status written, exit 0 */
	jmp	halt

/* The flat GDT of abi/machine.h (see guest/boot/realmode.S). */
	.balign 8
gdt:
	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x08 ABI_SEL_CODE32 */
	.quad	0x00cf93000000ffff	/* 0x10 ABI_SEL_DATA */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

/* This code needs no executable stack (tells the linker; no effect here). */
	.section .note.GNU-stack, "", @progbits

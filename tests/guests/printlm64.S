/* SPDX-License-Identifier: MIT */
/*
 * printlm64.S: a cheat at ch03-enter-long-mode, for the grader's own test
 * (tests/grader/cheat.sh; the test grader/cheat-ch03).
 *
 * Started at start32 in 32-bit protected mode, as the grading VMM starts
 * chapter 3's guest, it never enters long mode: it sets what it can
 * without paging (CR3 to its own boot_pml4, CR4.PAE, EFER.LME when CPUID
 * says long mode exists), prints the lines chapter 3's guest prints in
 * long mode, CR3 line included, and writes 0 to the debug-exit port, all
 * from 32-bit code.  A grader that believed what a guest prints about
 * itself would give it full marks; chapter 3's grade.sh must give it 0.
 */
#include "abi/machine.h"

#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define CR4_PAE	 (1 << 5)
#define CPUID_LM (1 << 29)	/* CPUID 0x80000001 EDX: long mode */

	/* The entry the linker wants; never run (the VMM starts start32). */
	.text
	.code64
	.globl	_start
_start:
	hlt
	jmp	_start

	.section .text32, "ax"
	.code32
	.globl	start32
start32:
	cli
	cld
	movl	$__stack_top, %esp	/* the stack in .bss (guest64.ld) */
	/* CR4.PAE and CR3: allowed with paging off, and read back as set. */
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$boot_pml4, %eax
	movl	%eax, %cr3

	/* EFER.LME, where the CPU has long mode (else WRMSR raises #GP). */
	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	jb	1f
	movl	$0x80000001, %eax
	cpuid
	testl	$CPUID_LM, %edx
	jz	1f
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
1:
	/* The lines, and CR3 as "CR3=0x%08x (...)". */
	movl	$text, %esi
	call	puts
	movl	$cr3_is, %esi
	call	puts
	movl	%cr3, %ebx
	movl	$8, %ecx
2:	roll	$4, %ebx
	movl	%ebx, %eax
	andl	$15, %eax
	movb	hex(%eax), %al
	movw	$ABI_PORT_COM1, %dx
	outb	%al, %dx
	decl	%ecx
	jnz	2b
	movl	$cr3_end, %esi
	call	puts

	/* "Success", from 32-bit protected mode. */
	xorl	%eax, %eax
	outb	%al, $ABI_PORT_DEBUG_EXIT
3:	hlt
	jmp	3b

/* Print the string at ESI to the console. */
puts:
	movw	$ABI_PORT_COM1, %dx
4:	lodsb
	testb	%al, %al
	jz	5f
	outb	%al, %dx
	jmp	4b
5:	ret

	.section .rodata
text:
	.ascii	"Hello from 64-bit long mode!\n"
	.ascii	"CR0=0x80000011 (PE=1 PG=1)\n"
	.ascii	"CR4=0x00000020 (PAE=1)\n"
	.ascii	"EFER=0x00000500 (LME=1 LMA=1)\n"
	.asciz	"page tables built by: the guest\n"
cr3_is:
	.asciz	"CR3=0x"
cr3_end:
	.asciz	" (the PML4's physical address)\n"
hex:
	.ascii	"0123456789abcdef"

	/* A PML4 of its own, as chapter 3's guest has: never used. */
	.bss
	.balign	4096
	.globl	boot_pml4
boot_pml4:
	.skip	4096

/* This code needs no executable stack (tells the linker; no effect here). */
	.section .note.GNU-stack, "", @progbits

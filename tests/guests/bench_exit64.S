/* SPDX-License-Identifier: MIT */
/*
 * bench_exit64.S: `make bench`'s 64-bit guest: ECX exits of one kind
 * (100,000 if the VMM leaves ECX 0), chosen by RDI (the VMM's argument):
 * 0 = OUT to port 0x80, 1 = a store to the MMIO page at ABI_MMIO_CLOCK.
 * The loops are the same three instructions, so the difference in time
 * per exit is the difference between a port I/O exit and an MMIO exit.
 * Then HLT.
 */
#include "abi/machine.h"

#define LOOPS	   100000
#define BENCH_PORT 0x80
#define PTE_FLAGS  0x9b	/* P, W, PWT, PCD, PS: a 2 MiB page, uncached */

	.text
	.code64
	.globl	_start
_start:
	/* The count, kept in EDX: the mapping below needs RCX. */
	movl	%ecx, %edx
	testl	%edx, %edx
	jnz	1f
	movl	$LOOPS, %edx
1:
	/* Map the MMIO page: PML4[0] -> PDPT[3] -> our PD, 2 MiB pages. */
	movq	%cr3, %rax
	andq	$~0xfff, %rax
	movq	(%rax), %rbx
	andq	$~0xfff, %rbx
	movq	$mmio_pd, %rcx
	orq	$3, %rcx
	movq	%rcx, 3*8(%rbx)
	/* movl zero-extends: a movq immediate would be sign-extended. */
	movl	$(ABI_MMIO_CLOCK | PTE_FLAGS), %ecx
	movq	%rcx, mmio_pd
	movq	%cr3, %rax
	movq	%rax, %cr3

	movl	%edx, %ecx
	movl	$ABI_MMIO_CLOCK, %esi
	xorl	%eax, %eax
	testq	%rdi, %rdi
	jnz	mmio
pio:	outb	%al, $BENCH_PORT
	decl	%ecx
	jnz	pio
	hlt
mmio:	movb	%al, (%rsi)
	decl	%ecx
	jnz	mmio
	hlt

	.bss
	.balign	4096
mmio_pd:
	.skip	4096

	.section .note.GNU-stack, "", @progbits

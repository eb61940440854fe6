/* SPDX-License-Identifier: MIT */
/*
 * unclaimed64.S: a 64-bit test guest that hammers ports and addresses no
 * device claims, with every width, unaligned and straddling accesses, and
 * string I/O.  Run by chapter 5's VMM (it has port devices and the MMIO
 * clock at 0xc0000000).  The VMM must log and count, never crash; reads
 * must return all ones, as on a PC bus where nothing answers.
 *
 * Exit status 0 when every read gave what it should, otherwise the number
 * of the check that failed (below).  Unclaimed accesses made, for the
 * test to compare with --stats:
 *
 *   port I/O   64 x (inb, inw, inl, outb, outw, outl) = 384
 *              + inw 0x3ff and inl 0x3fd (past the UART's end) = 2
 *              + rep insb x 16 + rep outsw x 8 = 24          total 410
 *   MMIO       reads and writes of 1, 2, 4, 8 bytes = 8
 *              + 4 bytes past the clock in a split read = 1
 *              + just past RAM (0x200000) 4 + 0xfee00000 1
 *              + 5 bytes past the clock, read and written, each
 *                handed over as 4 + 1 = 4                    total 18
 */
#include "abi/machine.h"

#define UNCLAIMED_PORT 0x100	/* 0x100-0x13f: nothing there */
#define STRING_PORT    0x200
#define PTE_FLAGS      0x9b	/* P, W, PWT, PCD, PS: 2 MiB, uncached */
#define CLOCK	       ABI_MMIO_CLOCK
#define PAST_RAM       0x200000	/* the first byte after 2 MiB of RAM */

	.text
	.code64
	.globl	_start
_start:
	movq	$stack_top, %rsp

	/*
	 * Map MMIO space: the VMM's tables cover RAM only.  PML4[0] leads
	 * to the PDPT; PDPT[3] (3-4 GiB) gets our PD with 2 MiB pages at
	 * the clock and at 0xfee00000; the VMM's PD (PDPT[0]) gets one for
	 * the 2 MiB just past RAM.
	 */
	movq	%cr3, %rax
	andq	$~0xfff, %rax
	movq	(%rax), %rbx			/* PML4[0] */
	andq	$~0xfff, %rbx			/* the PDPT */
	movq	$mmio_pd, %rcx
	orq	$3, %rcx
	movq	%rcx, 3*8(%rbx)			/* PDPT[3] */
	/*
	 * movl, not movq, for addresses from 2 GiB up: a 32-bit immediate
	 * in a 64-bit instruction is sign-extended, movl zero-extends.
	 */
	movl	$(CLOCK | PTE_FLAGS), %ecx
	movq	%rcx, mmio_pd
	movl	$(0xfee00000 | PTE_FLAGS), %ecx
	movq	%rcx, mmio_pd + 503*8		/* (0xfee00000 - 3 GiB) >> 21 */
	movq	(%rbx), %rdx			/* PDPT[0]: the VMM's PD */
	andq	$~0xfff, %rdx
	movl	$(PAST_RAM | PTE_FLAGS), %ecx
	movq	%rcx, 8(%rdx)			/* PD[1]: 2-4 MiB */
	movq	%cr3, %rax
	movq	%rax, %cr3			/* flush the TLB */

	/* 1: every width from unclaimed ports reads as all ones. */
	movb	$1, %bl
	movw	$UNCLAIMED_PORT, %dx
1:	inb	%dx, %al
	cmpb	$0xff, %al
	jne	fail
	inw	%dx, %ax
	cmpw	$0xffff, %ax
	jne	fail
	inl	%dx, %eax
	cmpl	$0xffffffff, %eax
	jne	fail
	/* 2: writes there are dropped. */
	movb	$0x55, %al
	outb	%al, %dx
	outw	%ax, %dx
	outl	%eax, %dx
	incw	%dx
	cmpw	$UNCLAIMED_PORT + 64, %dx
	jne	1b

	/* 3: accesses that run past the UART's last port are unclaimed. */
	movb	$3, %bl
	movw	$0x3ff, %dx
	inw	%dx, %ax
	cmpw	$0xffff, %ax
	jne	fail
	movw	$0x3fd, %dx
	inl	%dx, %eax
	cmpl	$0xffffffff, %eax
	jne	fail

	/* 4: string I/O: one exit carries 16 reads, then 8 writes. */
	movb	$4, %bl
	movw	$STRING_PORT, %dx
	movq	$buf, %rdi
	movq	$16, %rcx
	cld
	rep insb
	cmpq	$-1, buf
	jne	fail
	cmpq	$-1, buf + 8
	jne	fail
	movq	$buf, %rsi
	movq	$8, %rcx
	rep outsw

	/* 5: MMIO reads of every width from the page after the clock. */
	movb	$5, %bl
	movl	$CLOCK + 0x1000, %esi
	cmpb	$0xff, (%rsi)
	jne	fail
	cmpw	$0xffff, (%rsi)
	jne	fail
	cmpl	$0xffffffff, (%rsi)
	jne	fail
	cmpq	$-1, (%rsi)
	jne	fail
	/* 6: and writes. */
	movabsq	$0x1122334455667788, %rax
	movb	%al, 0x10(%rsi)
	movw	%ax, 0x20(%rsi)
	movl	%eax, 0x30(%rsi)
	movq	%rax, 0x40(%rsi)

	/*
	 * 7: an 8-byte read across the end of the clock's page: the CPU
	 * (here KVM's emulator) splits it at the page boundary, the clock
	 * answers its 4 bytes (unused registers: 0), the rest reads ones.
	 */
	movb	$7, %bl
	movl	$CLOCK + 0xffc, %esi
	movq	(%rsi), %rax
	movabsq	$0xffffffff00000000, %rcx
	cmpq	%rcx, %rax
	jne	fail

	/* 8: unaligned inside the clock: bytes 1-4 of MAGIC and VERSION. */
	movb	$8, %bl
	movl	$CLOCK, %esi
	movl	1(%rsi), %eax
	cmpl	$0x016b6c63, %eax
	jne	fail

	/* 9: the 2 MiB past RAM is not RAM: MMIO nobody claims. */
	movb	$9, %bl
	movl	$PAST_RAM, %esi
	cmpl	$0xffffffff, (%rsi)
	jne	fail
	cmpl	$0xffffffff, 0x1000(%rsi)
	jne	fail
	movl	$0, 0x2000(%rsi)
	movq	%rax, 0x1ffff8(%rsi)
	/* 10: where a local APIC would be, with no irqchip yet. */
	movb	$10, %bl
	movl	$0xfee00030, %esi
	cmpl	$0xffffffff, (%rsi)
	jne	fail

	/*
	 * 11: split at an odd place: 3 bytes in the clock, 5 past it.  The
	 * bus hands the 3 to the clock as 2 + 1 (zeros) and finds nobody
	 * for the 5 (4 + 1: ones); the write goes the same way.
	 */
	movb	$11, %bl
	movl	$CLOCK + 0xffd, %esi
	movq	(%rsi), %rax
	movabsq	$0xffffffffff000000, %rcx
	cmpq	%rcx, %rax
	jne	fail
	movq	%rax, (%rsi)

	xorl	%eax, %eax
	jmp	done
fail:
	movb	%bl, %al
done:
	outb	%al, $ABI_PORT_DEBUG_EXIT
1:	hlt
	jmp	1b

	.bss
	.balign	4096
mmio_pd:
	.skip	4096
buf:
	.skip	16
	.balign	16
	.skip	4096
stack_top:

	.section .note.GNU-stack, "", @progbits

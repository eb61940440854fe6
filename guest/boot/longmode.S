/* SPDX-License-Identifier: MIT */
/*
 * longmode.S: the entry of 64-bit guests (chapter 3 on).
 *
 * Two ways in:
 *
 *   _start   the VMM already put the CPU in long mode (its own page
 *            tables, GDT and KVM_SET_SREGS) and starts here.  Set up a
 *            stack, call guest_main(), report its return value.
 *   start32  the VMM left the CPU in 32-bit protected mode with paging off
 *            (`--guest-paging`).  The guest builds its own page tables and
 *            switches to long mode itself, the way a boot loader does, then
 *            continues at _start.
 *
 * From chapter 5 the VMM passes the address of a device tree in RDI;
 * _start hands it to guest_main() as its first argument.
 */
#include "abi/machine.h"

#define MSR_EFER   0xc0000080
#define EFER_LME   (1 << 8)		/* long mode enable */
#define CR4_PAE    (1 << 5)		/* physical address extension */
#define CR0_PG     (1 << 31)		/* paging */
#define PTE_P      (1 << 0)		/* present */
#define PTE_W      (1 << 1)		/* writable */
#define PTE_PS     (1 << 7)		/* in a PD entry: a 2 MiB page */
#define MSR_FS_BASE 0xc0000100
/* The stack protector's canary; the low zero byte stops string overflows. */
#define STACK_CANARY 0x6b766d6c61625f00

/* ---- 64-bit entry ---------------------------------------------------- */

	.text
	.code64
	.globl _start
_start:
	/* The stack lives in .bss (guest64.ld). */
	movq	$__stack_top, %rsp
	/* The C calling convention expects the direction flag clear. */
	cld
	/*
	 * Code built with the stack protector (Debian's libfdt.a, linked
	 * into chapter 5's guest) reads a canary at %fs:0x28, where a user
	 * program's thread control block keeps one.  Point FS.base at a
	 * block that has it.  wrmsr uses ECX, EAX and EDX: RDI survives.
	 */
	movl	$MSR_FS_BASE, %ecx
	movl	$boot_tcb, %eax
	xorl	%edx, %edx
	wrmsr
	/*
	 * RDI is the first argument in the System V AMD64 calling
	 * convention: leaving it alone passes the VMM's value to
	 * guest_main(unsigned long arg).
	 */
	call	guest_main

	/* The debug-exit port ends the VM with guest_main()'s return value. */
	movw	$ABI_PORT_DEBUG_EXIT, %dx
	outb	%al, %dx
	/* Not reached unless the VMM ignores the port: stop here for good. */
1:	cli
	hlt
	jmp	1b

/* ---- 32-bit entry: the guest enters long mode itself ------------------ */

/*
 * A section of its own, so tools know this is 32-bit code inside a 64-bit
 * program (the listing disassembles it as such).
 */
	.section .text32, "ax"
	.code32
	.globl start32
start32:
	cli

	/*
	 * Page tables first: long mode cannot run without paging (SDM Vol.
	 * 3A, "IA-32e Mode").  Four levels; here only three are needed,
	 * because a PD entry with PS=1 maps a whole 2 MiB page:
	 *
	 *   CR3 -> boot_pml4[0] -> boot_pdpt[0] -> boot_pd[0..511]
	 *
	 * 512 x 2 MiB = exactly the first 1 GiB, identity-mapped (virtual ==
	 * physical).  ABI_DEMO_FAULT_VA (1 GiB) stays unmapped on purpose:
	 * chapter 3's page-fault demonstration needs it.
	 *
	 * The loader zero-fills .bss, but a boot stub should not bet the
	 * machine on it: clear the PML4 and the PDPT (the PD is written in
	 * full below).  They are adjacent, 2 x 4096 bytes = 2048 dwords.
	 */
	movl	$boot_pml4, %edi
	xorl	%eax, %eax
	movl	$2048, %ecx
	rep stosl

	/* PML4[0] and PDPT[0] point to the next level: present, writable. */
	movl	$boot_pdpt + (PTE_P | PTE_W), boot_pml4
	movl	$boot_pd + (PTE_P | PTE_W), boot_pdpt

	/*
	 * PD[i] = i * 2 MiB | PS | W | P.  Entries are 64-bit; this is
	 * 32-bit code, so write the low and high halves separately.
	 */
	movl	$boot_pd, %edi
	movl	$(PTE_P | PTE_W | PTE_PS), %eax	/* entry 0: physical 0 */
	movl	$512, %ecx
2:	movl	%eax, (%edi)			/* low half: address, flags */
	movl	$0, 4(%edi)			/* high half: above 4 GiB, NX */
	addl	$0x200000, %eax			/* next 2 MiB */
	addl	$8, %edi
	decl	%ecx
	jnz	2b

	/*
	 * Our own GDT, with the 64-bit code segment the far jump below
	 * needs.  The VMM's GDT (if any) would do too, but a guest that
	 * switches modes itself should not depend on it.
	 */
	lgdt	gdt64_desc
	movw	$ABI_SEL_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss

	/* EXERCISE ch03-enter-long-mode: PAE, CR3, LME, PG, far jump */
#ifndef KVMLAB_STUBS
	/*
	 * The order below is the one the SDM prescribes (Vol. 3A,
	 * "Initializing IA-32e Mode"): PAE, CR3, EFER.LME, then CR0.PG.
	 *
	 * 1. CR4.PAE: long mode uses the PAE page-table format (64-bit
	 *    entries); setting CR0.PG with LME=1 and PAE=0 raises #GP.
	 */
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4

	/* 2. CR3: the physical address of the top-level table. */
	movl	$boot_pml4, %eax
	movl	%eax, %cr3

	/*
	 * 3. EFER.LME (an MSR, written with ECX = number, EDX:EAX = value).
	 *    Nothing changes yet: LME only arms long mode for when paging is
	 *    turned on.  Setting PG without it would start 32-bit PAE paging
	 *    instead (which the software KVM of kvmlab's test machines cannot
	 *    run: it shuts the guest down).
	 */
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr

	/*
	 * 4. CR0.PG: paging on.  With LME=1 the CPU sets EFER.LMA and is now
	 *    in IA-32e mode, still running this code in compatibility mode
	 *    (the cached CS has L=0).
	 */
	movl	%cr0, %eax
	orl	$CR0_PG, %eax
	movl	%eax, %cr0

	/*
	 * 5. Load a CS with L=1: the far jump reads GDT entry 0x18 and from
	 *    _start on the CPU runs 64-bit code.  There is no device tree on
	 *    this path: pass guest_main() 0 in RDI.
	 */
	xorl	%edi, %edi
	ljmp	$ABI_SEL_CODE64, $_start
#else
	/* Print why, then end the VM with ABI_STATUS_EXERCISE (78). */
	cld
	movl	$todo_msg, %esi
	movw	$ABI_PORT_COM1, %dx
1:	lodsb
	testb	%al, %al
	jz	2f
	outb	%al, %dx
	jmp	1b
2:	movb	$ABI_STATUS_EXERCISE, %al
	outb	%al, $ABI_PORT_DEBUG_EXIT
3:	hlt
	jmp	3b
todo_msg:
	.ascii	"exercise ch03-enter-long-mode is not done yet: "
	.asciz	"see exercises/03-long-mode/README.md\n"
#endif /* END EXERCISE ch03-enter-long-mode */

/*
 * The same flat descriptors as the VMM's GDT and realmode.S (see there for
 * how each field is packed): selectors come from abi/machine.h.
 */
	.section .rodata
	.balign 8
gdt64:
	.quad	0			/* 0x00 null */
	.quad	0x00cf9b000000ffff	/* 0x08 ABI_SEL_CODE32 */
	.quad	0x00cf93000000ffff	/* 0x10 ABI_SEL_DATA */
	.quad	0x00af9b000000ffff	/* 0x18 ABI_SEL_CODE64: L=1 */
gdt64_end:
gdt64_desc:
	.word	gdt64_end - gdt64 - 1
	.long	gdt64

/*
 * The block FS.base points at: only offset 0x28, the canary, is read.
 * Read-only, so nothing can overwrite the reference value.
 */
	.section .rodata
	.balign 16
boot_tcb:
	.skip	0x28
	.quad	STACK_CANARY

/*
 * The page tables: each one 4 KiB, 4 KiB-aligned (the low 12 bits of every
 * pointer to a table hold flags).  boot_pml4 is global so C can compare it
 * with CR3 and tell who built the tables in use.
 */
	.section .bss
	.balign 4096
	.globl boot_pml4, boot_pdpt, boot_pd
boot_pml4:
	.skip	4096
boot_pdpt:
	.skip	4096
boot_pd:
	.skip	4096

/* This code needs no executable stack (tells the linker; no effect here). */
	.section .note.GNU-stack, "", @progbits

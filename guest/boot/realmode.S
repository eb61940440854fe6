/* SPDX-License-Identifier: MIT */
/*
 * realmode.S: from real mode to 32-bit protected mode (chapter 2).
 *
 * A CPU comes out of reset in real mode: 16-bit code, segment:offset
 * addresses, 1 MiB of memory.  This file is the short journey every PC boot
 * loader makes, one step per instruction, so a student can read it next to
 * the Intel SDM (Vol. 3A, "Switching to Protected Mode"):
 *
 *   _start (real mode, at 0x1000)
 *     1. turn interrupts off: there is no IDT for protected mode yet
 *     2. describe flat segments in a GDT and load GDTR
 *     3. set CR0.PE
 *     4. far jump, which loads CS from the GDT: now 32-bit code runs
 *   from_real (protected mode, at 1 MiB)
 *     5. note in boot_path that the guest made the switch itself
 *   start32
 *     6. load the data segment registers, set up a stack, call guest_main()
 *     7. report guest_main()'s return value on the debug-exit port
 *
 * The VMM can also do steps 1-4 itself with KVM_SET_SREGS (`--direct`) and
 * enter start32 directly; boot_path then stays 0.
 */
#include "abi/machine.h"

/* ---- Real mode ------------------------------------------------------ */

	.section .boot16, "ax"
	.code16
	.globl _start
_start:
	/*
	 * Nothing may interrupt the switch: an interrupt between CR0.PE and
	 * the far jump would be delivered through an IDT that does not exist.
	 */
	cli
	/*
	 * Flat real-mode segments (base 0), so the offsets below are the
	 * link-time addresses of the symbols in this section (all < 64 KiB).
	 */
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	$ABI_REAL_STACK, %sp

	/* EXERCISE ch02-guest-switch: a GDT, CR0.PE and a far jump */
#ifndef KVMLAB_STUBS
	/*
	 * GDTR holds the GDT's base and limit.  The "l" suffix loads all 32
	 * bits of the base (a 16-bit lgdt would keep only 24).
	 */
	lgdtl	gdt_desc

	/*
	 * CR0.PE = 1: protected mode.  The CPU keeps running the 16-bit code
	 * it has cached in CS until CS is reloaded, which is why the next
	 * instruction must be the far jump.
	 */
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0

	/*
	 * A far jump loads CS with selector 0x08 (ABI_SEL_CODE32): the CPU
	 * reads that GDT entry and from now on runs 32-bit code.  ljmpl takes
	 * a 32-bit offset: from_real is at 1 MiB, beyond a 16-bit offset.
	 */
	ljmpl	$ABI_SEL_CODE32, $from_real

/*
 * The GDT.  Each entry is 8 bytes: base, limit and access rights packed
 * in the odd layout of the 80286 (SDM Vol. 3A, 3.4.5 "Segment
 * Descriptors").  The selector of an entry is its offset in the table.
 * They describe the same segments as the GDT the VMM writes (abi/machine.h).
 *
 * Every access byte has its "accessed" bit (bit 0) already set: otherwise
 * the CPU sets it, writing to this table, the first time a segment
 * register loads the entry, and this section is code, not data.
 */
	.balign 8
gdt:
	/* 0x00: the null descriptor.  The CPU never uses entry 0. */
	.quad	0
	/*
	 * 0x08 ABI_SEL_CODE32: base 0, limit 0xfffff in 4 KiB units (G=1) =
	 * 4 GiB; access 0x9b = present, DPL 0, code, execute/read,
	 * accessed; D=1: 32-bit code.
	 */
	.quad	0x00cf9b000000ffff
	/* 0x10 ABI_SEL_DATA: the same 4 GiB, access 0x93 = data, read/write. */
	.quad	0x00cf93000000ffff
	/*
	 * 0x18 ABI_SEL_CODE64: L=1 (64-bit code), D=0 as L requires.  Unused
	 * here; kept so the table matches the VMM's in every chapter.
	 */
	.quad	0x00af9b000000ffff
gdt_end:

gdt_desc:
	.word	gdt_end - gdt - 1	/* limit: the last valid byte */
	.long	gdt			/* base: a linear address */
#else
	/* Print why, then end the VM with ABI_STATUS_EXERCISE (78). */
	cld
	movw	$todo_msg, %si
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
	.ascii	"exercise ch02-guest-switch is not done yet: "
	.asciz	"see exercises/02-protected-mode/README.md\n"
#endif /* END EXERCISE ch02-guest-switch */

/* ---- 32-bit protected mode ------------------------------------------ */

	.text
	.code32
/*
 * The far jump from _start lands here: note that the guest switched modes
 * itself, for the C code to report.  The write needs a flat DS first: DS
 * still has the real-mode limit of 64 KiB, and boot_path is at 1 MiB.
 */
from_real:
	movw	$ABI_SEL_DATA, %ax
	movw	%ax, %ds
	movl	$1, boot_path
	/* ... and carry on as if the VMM had entered at start32. */

	.globl start32
start32:
	/*
	 * CS is already 0x08.  The data segment registers still hold what
	 * real mode left in them (or what the VMM set): load the flat data
	 * descriptor into all of them.
	 */
	movw	$ABI_SEL_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
	/* The stack lives in .bss (guest32.ld); C needs one from here on. */
	movl	$__stack_top, %esp
	/* The C calling convention expects the direction flag clear. */
	cld
	call	guest_main

	/*
	 * The debug-exit port ends the VM; the VMM exits with the byte we
	 * write, guest_main()'s return value.
	 */
	movw	$ABI_PORT_DEBUG_EXIT, %dx
	outb	%al, %dx
	/* Not reached unless the VMM ignores the port: stop here for good. */
1:	cli
	hlt
	jmp	1b

/*
 * 1 when _start ran, 0 when the VMM entered start32 itself (nothing sets
 * it then: .data comes from the ELF file with the value below).
 */
	.data
	.balign 4
	.globl boot_path
boot_path:
	.long	0

/* This code needs no executable stack (tells the linker; no effect here). */
	.section .note.GNU-stack, "", @progbits

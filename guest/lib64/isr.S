/* SPDX-License-Identifier: MIT */
/*
 * isr.S: the first instructions of every exception (chapter 3 on).
 *
 * When an exception arrives in 64-bit mode the CPU pushes SS, RSP, RFLAGS,
 * CS and RIP (SDM Vol. 3A, 6.14 "Exception and Interrupt Handling in 64-bit
 * Mode"), for some vectors an error code, and jumps to the address in the
 * IDT gate.  C cannot be that address: it needs all registers saved, a
 * frame it can read, and iretq rather than ret at the end.  So each vector
 * gets a stub that makes the stack look the same whatever the vector:
 *
 *   error code (pushed by the CPU, or a dummy 0 pushed here), vector,
 *   rax ... r15
 *
 * which is struct trap_frame in idt.h, then calls trap_dispatch(frame).
 * An interrupt (chapter 6, vectors 32-47) looks the same to the CPU as an
 * exception without an error code, and gets the same kind of stub.
 */

/* A stub for a vector where the CPU pushes no error code. */
.macro	ISR_NOERR vec
	.globl	isr\vec
isr\vec:
	pushq	$0
	pushq	$\vec
	jmp	isr_common
.endm

/* A stub for a vector where the CPU pushes an error code itself. */
.macro	ISR_ERR vec
	.globl	isr\vec
isr\vec:
	pushq	$\vec
	jmp	isr_common
.endm

	.text
/* Which vectors push an error code: SDM Vol. 3A, Table 6-1. */
	ISR_NOERR 0	/* #DE */
	ISR_NOERR 1	/* #DB */
	ISR_NOERR 2	/* NMI */
	ISR_NOERR 3	/* #BP */
	ISR_NOERR 4	/* #OF */
	ISR_NOERR 5	/* #BR */
	ISR_NOERR 6	/* #UD */
	ISR_NOERR 7	/* #NM */
	ISR_ERR   8	/* #DF, error code always 0 */
	ISR_NOERR 9	/* coprocessor segment overrun (old CPUs) */
	ISR_ERR   10	/* #TS */
	ISR_ERR   11	/* #NP */
	ISR_ERR   12	/* #SS */
	ISR_ERR   13	/* #GP */
	ISR_ERR   14	/* #PF */
	ISR_NOERR 15	/* reserved */
	ISR_NOERR 16	/* #MF */
	ISR_ERR   17	/* #AC */
	ISR_NOERR 18	/* #MC */
	ISR_NOERR 19	/* #XM */
	ISR_NOERR 20	/* #VE */
	ISR_ERR   21	/* #CP */
	ISR_NOERR 22
	ISR_NOERR 23
	ISR_NOERR 24
	ISR_NOERR 25
	ISR_NOERR 26
	ISR_NOERR 27
	ISR_NOERR 28	/* #HV (AMD) */
	ISR_ERR   29	/* #VC (AMD) */
	ISR_ERR   30	/* #SX (AMD) */
	ISR_NOERR 31
/* Chapter 6: the 16 ISA interrupts, where the guest puts the PICs. */
	.irp	vec, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
	ISR_NOERR \vec
	.endr

isr_common:
	/* Save every general register: the interrupted code expects them back. */
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	/*
	 * The CPU aligned RSP to 16 bytes before its pushes; since then
	 * 5 + 2 + 15 = 22 quadwords went on the stack, an even number, so RSP
	 * is still 16-byte aligned here, as the call below requires.
	 */
	movq	%rsp, %rdi		/* argument: struct trap_frame * */
	cld				/* C expects the direction flag clear */
	call	trap_dispatch
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp		/* drop the vector and the error code */
	iretq

/* The stubs' addresses, for idt_init() to put in the gates. */
	.section .rodata
	.balign 8
	.globl	isr_table
isr_table:
	.irp	vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad	isr\vec
	.endr
	.irp	vec, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
	.quad	isr\vec
	.endr

/* This code needs no executable stack (tells the linker; no effect here). */
	.section .note.GNU-stack, "", @progbits

/* SPDX-License-Identifier: MIT */
/*
 * triple16.S: a real-mode test guest that triple-faults before any exit.
 *
 * An empty interrupt vector table (limit 0) and an invalid instruction:
 * the #UD cannot be delivered, nor the #GP and #DF after it, so the CPU
 * shuts down.  KVM_EXIT_SHUTDOWN is the guest's first exit; on AMD-V the
 * vCPU is reset by then and no earlier state exists, which the report
 * must say instead of blaming the reset state.
 */
	.code16
	.text
	.globl	_start
_start:
	lidt	empty_idtr
	ud2

empty_idtr:
	.word	0		/* limit 0: not even one vector fits */
	.long	0		/* base */

/* This code needs no executable stack (tells the linker; no effect here). */
	.section .note.GNU-stack, "", @progbits

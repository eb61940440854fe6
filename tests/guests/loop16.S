/* SPDX-License-Identifier: MIT */
/*
 * loop16.S: a real-mode test guest that never exits.
 *
 * It spins on one jump forever: no I/O, no HLT, so KVM_RUN never returns
 * on its own.  The tests use it for what must stop a guest from outside:
 * --timeout, signals, immediate_exit.
 */
	.code16
	.text
	.globl	_start
_start:
	jmp	_start		/* no exit, ever */

/* This code needs no executable stack (tells the linker; no effect here). */
	.section .note.GNU-stack, "", @progbits

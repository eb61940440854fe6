/* SPDX-License-Identifier: MIT */
/*
 * guest.S: chapter 1's guest, the smallest program a VM can run.
 *
 * The VMM copies these bytes to guest-physical 0x1000 and starts the vCPU
 * in real mode, the mode an x86 CPU wakes up in, with CS = DS = ES = SS = 0
 * and IP = 0x1000.  The guest prints one line and stops:
 *
 *   - each `out` to port 0x3f8 (COM1) makes the CPU leave the guest: KVM
 *     returns from KVM_RUN with exit reason KVM_EXIT_IO, and the VMM prints
 *     the byte.  One byte, one exit.
 *   - `hlt` stops the CPU until an interrupt; there are none, so KVM
 *     returns with KVM_EXIT_HLT and the VMM ends the run.
 *
 * Nothing else in this program leaves the guest: the chapter's test counts
 * exactly one IO exit per byte of the message, then one HLT exit.
 */
#include "abi/machine.h"

	.code16			/* real mode: 16-bit instructions */
	.text
	.globl	_start
_start:
	cld			/* lodsb below walks forwards (SI += 1) */
	movw	$msg, %si	/* SI = address of the message (DS is 0) */
	movw	$ABI_PORT_COM1, %dx	/* DX = the port the bytes go to */
next:
	lodsb			/* AL = byte at DS:SI, then SI += 1 */
	testb	%al, %al	/* the byte 0 ends the message ... */
	jz	done		/* ... so stop when we reach it */
	outb	%al, %dx	/* send AL to port DX: one exit to the VMM */
	jmp	next		/* and on to the next byte */
done:
	hlt			/* stop: the VMM sees KVM_EXIT_HLT */
	jmp	done		/* if anything ever wakes us, halt again */

msg:
	.asciz	"Hello from real mode!\n"	/* .asciz adds the final 0 */

/* This code needs no executable stack (tells the linker; no effect here). */
	.section .note.GNU-stack, "", @progbits

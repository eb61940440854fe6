/* SPDX-License-Identifier: MIT */
/*
 * A real-mode guest that writes 124 to the debug-exit port: a guest
 * status (0-63) it is not, and 124 is the VMM's own "timeout" verdict.
 * The VMM must not let the guest pose as it (tests/guest/bad.sh).
 */
	.code16
	.globl _start
_start:
	mov	$124, %al
	out	%al, $0xf4
	hlt

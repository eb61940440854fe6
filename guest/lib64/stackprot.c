/* SPDX-License-Identifier: MIT */
/*
 * stackprot.c: the stack protector's failure path (chapter 5).
 *
 * kvmlab's own guest code is built without the stack protector, but
 * Debian's libfdt.a, which chapter 5's guest links, was built with it:
 * its functions compare the canary at %fs:0x28 (set up by
 * guest/boot/longmode.S) with the copy they saved on entry, and call this
 * when it changed, that is, when something wrote past a local array.
 */
#include "exit.h"
#include "printf.h"

noreturn void __stack_chk_fail(void);

noreturn void __stack_chk_fail(void)
{
	printf("ABORT: stack smashing detected (the canary at %%fs:0x28 "
	       "changed)\n");
	guest_exit(1);
}

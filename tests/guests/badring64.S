/* SPDX-License-Identifier: MIT */
/*
 * badring64.S: a hostile guest for chapter 7's paravirtual devices.  It
 * hands the VMM rings and pointers that lie, and checks that each is
 * answered with an error while the VMM runs on:
 *
 *   1  a ring wholly outside RAM (1 GiB)             HC_RING_SETUP: HC_EFAULT
 *   2  a ring that runs past the end of RAM          HC_RING_SETUP: HC_EFAULT
 *   3  a ring size that is no power of two (100)     HC_RING_SETUP: HC_EINVAL
 *   4  a good ring                                   HC_RING_SETUP: 0
 *   5  its producer index jumps past the ring's size, and the doorbell
 *      rings: the VMM stops reading it               HC_RING_FLUSH: HC_EIO,
 *                                                    and `error` says HC_EIO
 *   6  flushed again: still broken, said only once   HC_RING_FLUSH: HC_EIO
 *   7  a console write whose buffer is at 1 GiB      HC_CONSOLE_WRITE: HC_EFAULT
 *   8  a console write whose block is at 2 GiB: no header to answer in,
 *      so the guest can check nothing but that it still runs
 *   9  the ring registered again, "ring ok" written, the doorbell rung
 *      with a 1-byte OUT, which KVM does not match: it exits, and the
 *      VMM drains the ring before the guest runs on  HC_RING_FLUSH: 0
 *  10  "badring64: done" through the hypercall console: its length
 *
 * Run by build/ch07 with the default 2 MiB of RAM.  Exit status 0 when
 * every answer was right, otherwise the number of the check that failed.
 * The VMM logs one line for each of 1, 2, 3, 5, 7 and 8 (tests/guest/ch07.sh).
 */
#include "abi/hypercall.h"
#include "abi/machine.h"
#include "abi/pvring.h"

#define RING_SIZE 0x1000
#define WILD	  0x40000000 /* 1 GiB: no RAM there with --mem 2M */

	.text
	.code64
	.globl	_start
_start:
	movq	$stack_top, %rsp
	cld

	/* 1: a ring wholly outside RAM. */
	movb	$1, %bl
	movq	$WILD, setup + 8
	movq	$RING_SIZE, setup + 16
	call	ring_setup
	cmpq	$HC_EFAULT, %rax
	jne	fail
	/* 2: header in RAM, data running 0x80 bytes past its end. */
	movb	$2, %bl
	movq	$(ABI_RAM_DEFAULT - RING_SIZE), setup + 8
	call	ring_setup
	cmpq	$HC_EFAULT, %rax
	jne	fail
	/* 3: in RAM, but 100 bytes is no power of two. */
	movb	$3, %bl
	movq	$ring, setup + 8
	movq	$100, setup + 16
	call	ring_setup
	cmpq	$HC_EINVAL, %rax
	jne	fail
	/* 4: the good ring. */
	movb	$4, %bl
	movq	$RING_SIZE, setup + 16
	call	ring_setup
	testq	%rax, %rax
	jne	fail

	/* 5: 100 bytes more than the ring holds "are waiting". */
	movb	$5, %bl
	movl	$(RING_SIZE + 100), %eax
	movl	%eax, ring + PVRING_PROD_OFF
	movw	$ABI_PORT_RING_NOTIFY, %dx
	outl	%eax, %dx
	call	ring_flush
	cmpq	$HC_EIO, %rax
	jne	fail
	cmpl	$HC_EIO, ring + PVRING_ERROR_OFF
	jne	fail
	/* 6: and it stays broken. */
	movb	$6, %bl
	call	ring_flush
	cmpq	$HC_EIO, %rax
	jne	fail

	/* 7: a console write of 16 bytes at 1 GiB. */
	movb	$7, %bl
	movq	$WILD, write + 8
	movq	$16, write + 16
	movl	$write, %eax
	movw	$HC_PORT(HC_CONSOLE_WRITE), %dx
	outl	%eax, %dx
	cmpq	$HC_EFAULT, write
	jne	fail
	/* 8: the block itself at 2 GiB: nowhere for an answer. */
	movl	$0x80000000, %eax
	outl	%eax, %dx

	/* 9: start over: an empty ring, registered again, then a line. */
	movb	$9, %bl
	movl	$0, ring + PVRING_PROD_OFF
	call	ring_setup
	testq	%rax, %rax
	jne	fail
	cmpl	$0, ring + PVRING_ERROR_OFF
	jne	fail
	movq	$ring_text, %rsi
	movq	$ring + PVRING_DATA_OFF, %rdi
	movq	$(ring_text_end - ring_text), %rcx
	rep movsb
	/* The bytes are stored before the index (x86 keeps stores in
	 * order), the index before the doorbell. */
	movl	$(ring_text_end - ring_text), %eax
	movl	%eax, ring + PVRING_PROD_OFF
	movw	$ABI_PORT_RING_NOTIFY, %dx
	outb	%al, %dx
	/* That exit drained the ring: nothing is left to flush. */
	call	ring_flush
	testq	%rax, %rax
	jne	fail

	/* 10: the last line, through the hypercall console. */
	movb	$10, %bl
	movq	$done_text, write + 8
	movq	$(done_text_end - done_text), write + 16
	movl	$write, %eax
	movw	$HC_PORT(HC_CONSOLE_WRITE), %dx
	outl	%eax, %dx
	cmpq	$(done_text_end - done_text), write
	jne	fail

	xorl	%eax, %eax
	jmp	done
fail:
	movb	%bl, %al
done:
	outb	%al, $ABI_PORT_DEBUG_EXIT
1:	cli
	hlt
	jmp	1b

/* HC_RING_SETUP with the block `setup`; its ret in RAX. */
ring_setup:
	movl	$setup, %eax
	movw	$HC_PORT(HC_RING_SETUP), %dx
	outl	%eax, %dx
	movq	setup, %rax
	ret

/* HC_RING_FLUSH with the bare header `flush`; its ret in RAX. */
ring_flush:
	movl	$flush, %eax
	movw	$HC_PORT(HC_RING_FLUSH), %dx
	outl	%eax, %dx
	movq	flush, %rax
	ret

	.section .rodata
ring_text:
	.ascii	"ring ok\n"
ring_text_end:
done_text:
	.ascii	"badring64: done\n"
done_text_end:

	.data
	.balign	8
setup:	.quad	0, 0, 0		/* struct hc_ring_setup: ret, ring, size */
flush:	.quad	0		/* struct hc_header */
write:	.quad	0, 0, 0		/* struct hc_console_write: ret, buf, len */

	.bss
	.balign	PVRING_ALIGN
ring:
	.skip	PVRING_DATA_OFF + RING_SIZE
	.balign	16
	.skip	4096
stack_top:

/* This code needs no executable stack (tells the linker; no effect here). */
	.section .note.GNU-stack, "", @progbits

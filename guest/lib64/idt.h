/* SPDX-License-Identifier: MIT */
/*
 * idt.h: exceptions in 64-bit guests (chapter 3 on).
 *
 * The IDT tells the CPU where to go when an exception (or, from chapter 6,
 * an interrupt) arrives.  Each of the 32 exception vectors gets a small
 * assembly stub (isr.S) that saves the interrupted state in a struct
 * trap_frame and calls trap_dispatch(), which calls the C handler
 * registered for the vector or reports the exception and ends the guest.
 *
 * From chapter 6, vectors 32-47 have stubs too: the 16 ISA interrupts,
 * where the guest programs the PICs to deliver them (IRQ n on vector
 * 32 + n).  Vectors 48-255 have no stub and their gates are not present:
 * an interrupt there raises #NP, with the vector in its error code.
 */
#ifndef GUEST_IDT_H
#define GUEST_IDT_H

#include <stdint.h>
#include <stdnoreturn.h>

/* Exception vectors (SDM Vol. 3A, 6.15) used by name in the guests. */
#define VEC_DE	       0  /* divide error */
#define VEC_DB	       1  /* debug */
#define VEC_BP	       3  /* breakpoint */
#define VEC_UD	       6  /* invalid opcode */
#define VEC_DF	       8  /* double fault */
#define VEC_NP	       11 /* segment not present */
#define VEC_GP	       13 /* general protection */
#define VEC_PF	       14 /* page fault */
#define IDT_EXCEPTIONS 32
#define IDT_IRQ_BASE   32 /* IRQ 0's vector, once the PICs are remapped */
#define IDT_IRQS       16
#define IDT_STUBS      (IDT_IRQ_BASE + IDT_IRQS)
#define IDT_ENTRIES    256

/* #PF error code bits (SDM Vol. 3A, 4.7). */
#define PF_ERR_P    (1u << 0) /* 0: page not present, 1: protection */
#define PF_ERR_W    (1u << 1) /* the access was a write */
#define PF_ERR_U    (1u << 2) /* the access came from CPL 3 */
#define PF_ERR_RSVD (1u << 3) /* a reserved bit was set in an entry */
#define PF_ERR_I    (1u << 4) /* an instruction fetch */

/*
 * What isr.S saves, lowest address first: the general registers it
 * pushes, the vector, the error code (0 when the CPU pushes none), then
 * what the CPU itself pushed.  A handler may change any field: the stub
 * restores the registers from here and iretq returns to frame->rip.
 */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;
	uint64_t error_code;
	/* Pushed by the CPU. */
	uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*trap_handler)(struct trap_frame *frame);

/*
 * Fill the IDT with interrupt gates for the exception stubs and load IDTR.
 * Call once, before the first exception the guest wants to survive.
 */
void idt_init(void);

/*
 * Call fn for exceptions on `vector` (0-31), or interrupts on 32-47,
 * instead of the default report.  fn == NULL restores the default.
 * Returns 0, or -1 for a vector without a stub.
 */
int idt_set_handler(unsigned int vector, trap_handler fn);

/* "Page Fault", "#PF" for vector 14; "Reserved", "--" if unnamed. */
const char *exception_name(unsigned int vector);
const char *exception_mnemonic(unsigned int vector);

/*
 * The default handler: print "unhandled exception Page Fault (#PF,
 * vector 14) at rip 0x..., error code 0x..., cr2 0x..." and guest_exit(1).
 * A handler that meets a case it does not deal with may call it.
 */
noreturn void trap_unhandled(struct trap_frame *frame);

/* Called by isr.S for every exception and interrupt. */
void trap_dispatch(struct trap_frame *frame);

#endif

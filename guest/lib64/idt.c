/* SPDX-License-Identifier: MIT */
/*
 * idt.c: the interrupt descriptor table of 64-bit guests (chapter 3 on).
 *
 * Chapter 3 needs exactly one exception to work: the page fault its guest
 * handles.  Every other exception should not silently hang or triple-fault
 * the VM but say what happened, where, and end the guest with status 1.
 * That is the default handler here.
 */
#include "abi/machine.h"
#include "cpu.h"
#include "exit.h"
#include "idt.h"
#include "printf.h"

/*
 * A 64-bit IDT gate (SDM Vol. 3A, 6.14.1): the handler's address split in
 * three pieces, the code segment to run it in, and its type.
 */
struct idt_gate {
	uint16_t offset_lo;  /* handler address bits 0-15 */
	uint16_t selector;   /* code segment: must be a 64-bit one */
	uint8_t ist;	     /* interrupt stack table index, 0 = none */
	uint8_t type_attr;   /* P, DPL, gate type */
	uint16_t offset_mid; /* bits 16-31 */
	uint32_t offset_hi;  /* bits 32-63 */
	uint32_t reserved;
} __attribute__((packed));

/*
 * Present, DPL 0, type 0xE: a 64-bit interrupt gate, which clears IF on
 * entry, so a handler is never interrupted by a device interrupt.
 */
#define GATE_INTERRUPT 0x8e

/* Stub addresses, from isr.S. */
extern const uint64_t isr_table[IDT_STUBS];

static struct idt_gate idt[IDT_ENTRIES] __attribute__((aligned(16)));
static trap_handler handlers[IDT_STUBS];

static const struct {
	const char *name, *mnemonic;
} exceptions[IDT_EXCEPTIONS] = {
    [0] = {"Divide Error", "#DE"},
    [1] = {"Debug", "#DB"},
    [2] = {"Non-Maskable Interrupt", "NMI"},
    [3] = {"Breakpoint", "#BP"},
    [4] = {"Overflow", "#OF"},
    [5] = {"BOUND Range Exceeded", "#BR"},
    [6] = {"Invalid Opcode", "#UD"},
    [7] = {"Device Not Available", "#NM"},
    [8] = {"Double Fault", "#DF"},
    [9] = {"Coprocessor Segment Overrun", "--"},
    [10] = {"Invalid TSS", "#TS"},
    [11] = {"Segment Not Present", "#NP"},
    [12] = {"Stack-Segment Fault", "#SS"},
    [13] = {"General Protection", "#GP"},
    [14] = {"Page Fault", "#PF"},
    [16] = {"x87 Floating-Point Error", "#MF"},
    [17] = {"Alignment Check", "#AC"},
    [18] = {"Machine Check", "#MC"},
    [19] = {"SIMD Floating-Point", "#XM"},
    [20] = {"Virtualization", "#VE"},
    [21] = {"Control Protection", "#CP"},
    [28] = {"Hypervisor Injection", "#HV"},
    [29] = {"VMM Communication", "#VC"},
    [30] = {"Security", "#SX"},
};

const char *exception_name(unsigned int vector)
{
	if (vector < IDT_EXCEPTIONS && exceptions[vector].name)
		return exceptions[vector].name;
	return vector < IDT_EXCEPTIONS ? "Reserved" : "Interrupt";
}

const char *exception_mnemonic(unsigned int vector)
{
	if (vector < IDT_EXCEPTIONS && exceptions[vector].mnemonic)
		return exceptions[vector].mnemonic;
	return "--";
}

static void idt_set_gate(unsigned int vector, uint64_t addr)
{
	struct idt_gate *g = &idt[vector];

	g->offset_lo = addr & 0xffff;
	g->selector = ABI_SEL_CODE64;
	g->ist = 0;
	g->type_attr = GATE_INTERRUPT;
	g->offset_mid = (addr >> 16) & 0xffff;
	g->offset_hi = addr >> 32;
	g->reserved = 0;
}

void idt_init(void)
{
	struct desc_ptr idtr;

	for (unsigned int v = 0; v < IDT_STUBS; v++)
		idt_set_gate(v, isr_table[v]);
	/* Gates 48-255 stay zero: not present. */
	idtr.limit = sizeof(idt) - 1;
	idtr.base = (unsigned long)idt;
	lidt(&idtr);
}

int idt_set_handler(unsigned int vector, trap_handler fn)
{
	if (vector >= IDT_STUBS)
		return -1;
	handlers[vector] = fn;
	return 0;
}

noreturn void trap_unhandled(struct trap_frame *f)
{
	/* CR2 only means something for #PF; printed always, for one format. */
	printf("unhandled exception %s (%s, vector %lu) at rip 0x%lx, "
	       "error code 0x%lx, cr2 0x%lx\n",
	       exception_name(f->vector), exception_mnemonic(f->vector),
	       (unsigned long)f->vector, (unsigned long)f->rip,
	       (unsigned long)f->error_code, read_cr2());
	guest_exit(1);
}

void trap_dispatch(struct trap_frame *f)
{
	trap_handler fn = NULL;

	if (f->vector < IDT_STUBS)
		fn = handlers[f->vector];
	if (fn)
		fn(f);
	else
		trap_unhandled(f);
}

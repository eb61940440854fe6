/* SPDX-License-Identifier: MIT */
/*
 * cpu.h: privileged registers and instructions for C (chapters 2-3 on).
 *
 * Control registers, MSRs, descriptor-table registers and segment
 * selectors are what the chapters print to show which mode the CPU is in.
 * Everything here works in 32- and 64-bit guests: control registers are
 * as wide as the mode (unsigned long), MSRs are always 64-bit.
 */
#ifndef GUEST_CPU_H
#define GUEST_CPU_H

#include <stdint.h>

/* Control-register and EFER bits the guests use (SDM Vol. 3A, 2.5). */
#define CR0_PE	 (1ul << 0) /* protected mode */
#define CR0_MP	 (1ul << 1)
#define CR0_EM	 (1ul << 2)
#define CR0_TS	 (1ul << 3)
#define CR0_ET	 (1ul << 4)
#define CR0_NE	 (1ul << 5)
#define CR0_WP	 (1ul << 16) /* write protect, also at CPL 0 */
#define CR0_AM	 (1ul << 18)
#define CR0_NW	 (1ul << 29)
#define CR0_CD	 (1ul << 30)
#define CR0_PG	 (1ul << 31) /* paging */
#define CR4_PSE	 (1ul << 4)  /* 4 MiB pages in 32-bit paging */
#define CR4_PAE	 (1ul << 5)  /* 64-bit page-table entries */
#define CR4_PGE	 (1ul << 7)
#define MSR_EFER 0xc0000080u
#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)  /* long mode enable */
#define EFER_LMA (1ull << 10) /* long mode active (set by the CPU) */
#define EFER_NXE (1ull << 11)

static inline unsigned long read_cr0(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline void write_cr0(unsigned long v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

/* CR2: the linear address of the last page fault. */
static inline unsigned long read_cr2(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

/* CR3: the physical address of the top-level page table. */
static inline unsigned long read_cr3(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

/* Loading CR3 also flushes the TLB (except global pages). */
static inline void write_cr3(unsigned long v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline unsigned long read_cr4(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void write_cr4(unsigned long v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

/* Model-specific registers: ECX selects one, EDX:EAX holds the value. */
static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr"
			 :
			 : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
}

/*
 * Drop the TLB entry for the page holding `addr`: the CPU caches
 * translations and does not notice a page-table write on its own.
 */
static inline void invlpg(const volatile void *addr)
{
	__asm__ volatile("invlpg (%0)" : : "r"(addr) : "memory");
}

static inline void cli(void)
{
	__asm__ volatile("cli");
}

static inline void hlt(void)
{
	__asm__ volatile("hlt");
}

static inline void sti(void)
{
	__asm__ volatile("sti" : : : "memory");
}

/*
 * Sleep until an interrupt (chapter 6), called with interrupts off after
 * the caller found nothing to do.  STI enables interrupts only after the
 * next instruction (SDM Vol. 2B, STI), so an interrupt that arrives
 * between the check and the HLT is taken after HLT has started and wakes
 * it: none is lost.  Returns with interrupts off again, after the
 * handler ran.
 */
static inline void wait_for_interrupt(void)
{
	__asm__ volatile("sti; hlt; cli" : : : "memory");
}

/* RFLAGS, and interrupts off until irq_restore() (chapter 6). */
static inline unsigned long irq_save(void)
{
	unsigned long flags;

	__asm__ volatile("pushf; pop %0; cli" : "=r"(flags) : : "memory");
	return flags;
}

static inline void irq_restore(unsigned long flags)
{
	__asm__ volatile("push %0; popf" : : "r"(flags) : "memory", "cc");
}

/*
 * GDTR and IDTR: a 16-bit limit (size - 1) followed by the linear base,
 * 32 bits wide in 32-bit mode and 64 in 64-bit mode, unaligned: hence
 * packed.
 */
struct desc_ptr {
	uint16_t limit;
	unsigned long base;
} __attribute__((packed));

static inline void sgdt(struct desc_ptr *p)
{
	__asm__ volatile("sgdt %0" : "=m"(*p));
}

static inline void sidt(struct desc_ptr *p)
{
	__asm__ volatile("sidt %0" : "=m"(*p));
}

static inline void lidt(const struct desc_ptr *p)
{
	__asm__ volatile("lidt %0" : : "m"(*p));
}

/* Segment selectors: an index into the GDT (times 8) plus the RPL. */
static inline uint16_t read_cs(void)
{
	uint16_t v;

	__asm__ volatile("mov %%cs, %0" : "=r"(v));
	return v;
}

static inline uint16_t read_ds(void)
{
	uint16_t v;

	__asm__ volatile("mov %%ds, %0" : "=r"(v));
	return v;
}

static inline uint16_t read_ss(void)
{
	uint16_t v;

	__asm__ volatile("mov %%ss, %0" : "=r"(v));
	return v;
}

#endif

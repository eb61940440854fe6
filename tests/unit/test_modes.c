/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the CPU modes (chapters 2-3), no KVM needed: how
 * kvmlab/x86/modes.c names the mode a register state puts the CPU in
 * (and the viewer's coarser class, kvmlab/viewer/breaks.c), and the
 * register state modes_real/protected/long compute, including what they
 * write into guest memory.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/base/memory.h"
#include "kvmlab/viewer/breaks.h"
#include "kvmlab/x86/modes.h"
#include "kvmlab/x86/paging.h"

#define MiB	     (1024ull * 1024)
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A segment with only the attributes cpu_mode_describe looks at. */
static struct kvm_segment seg_attr(uint8_t type, uint8_t dpl, uint8_t db,
				   uint8_t l)
{
	struct kvm_segment s = {
	    .type = type, .s = 1, .present = 1, .dpl = dpl, .db = db, .l = l};

	return s;
}

static void test_cpu_mode_describe(void **state)
{
	static const struct {
		uint64_t cr0, cr4, efer;
		uint8_t cs_type, cs_dpl, cs_db, cs_l, ss_dpl;
		const char *want;
	} cases[] = {
	    {0x60000010, 0, 0, 0xb, 0, 0, 0, 0, "real mode"},
	    {0x11, 0, 0, 0xb, 0, 0, 0, 0,
	     "protected mode, 16-bit code, CPL0, paging off"},
	    {0x11, 0, 0, 0xb, 0, 1, 0, 0,
	     "protected mode, 32-bit code, CPL0, paging off"},
	    {0x80000011, 0, 0, 0xb, 0, 1, 0, 0,
	     "protected mode, 32-bit code, CPL0, paging on"},
	    {0x80000011, CR4_PAE, 0, 0xb, 3, 1, 0, 3,
	     "protected mode, 32-bit code, CPL3, PAE paging on"},
	    /* LME alone, paging still off: not long mode yet. */
	    {0x11, CR4_PAE, EFER_LME, 0xb, 0, 1, 0, 0,
	     "protected mode, 32-bit code, CPL0, paging off"},
	    {0x80010011, CR4_PAE, EFER_LME | EFER_LMA, 0xb, 0, 0, 1, 0,
	     "long mode, 64-bit code, CPL0, paging on"},
	    {0x80010011, CR4_PAE, EFER_LME | EFER_LMA, 0xb, 3, 0, 1, 3,
	     "long mode, 64-bit code, CPL3, paging on"},
	    {0x80010011, CR4_PAE, EFER_LME | EFER_LMA, 0xb, 0, 1, 0, 0,
	     "long mode, compatibility (32-bit) code, CPL0, paging on"},
	    {0x80010011, CR4_PAE, EFER_LME | EFER_LMA, 0xb, 3, 0, 0, 3,
	     "long mode, compatibility (16-bit) code, CPL3, paging on"},
	    /* Conforming code runs at the caller's CPL: SS.DPL tells. */
	    {0x80010011, CR4_PAE, EFER_LME | EFER_LMA, 0xf, 0, 0, 1, 3,
	     "long mode, 64-bit code, CPL3, paging on"},
	    {0x80000010, 0, 0, 0xb, 0, 0, 0, 0,
	     "invalid: CR0.PG set without CR0.PE"},
	    {0x11, CR4_PAE, EFER_LME | EFER_LMA, 0xb, 0, 0, 1, 0,
	     "invalid: EFER.LMA set with paging off"},
	    {0x80000011, CR4_PAE, EFER_LME | EFER_LMA, 0xb, 0, 1, 1, 0,
	     "invalid: CS has both L and D set"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		struct kvm_sregs s;
		char buf[96];

		memset(&s, 0, sizeof(s));
		s.cr0 = cases[i].cr0;
		s.cr4 = cases[i].cr4;
		s.efer = cases[i].efer;
		s.cs = seg_attr(cases[i].cs_type, cases[i].cs_dpl,
				cases[i].cs_db, cases[i].cs_l);
		s.ss = seg_attr(0x3, cases[i].ss_dpl, cases[i].cs_db, 0);
		assert_ptr_equal(cpu_mode_describe(&s, buf, sizeof(buf)), buf);
		assert_string_equal(buf, cases[i].want);
	}
}

/* The viewer's class, for its mode-change break: CR0.PE and EFER.LMA. */
static void test_cpu_class(void **state)
{
	static const struct {
		uint64_t cr0, efer;
		enum cpu_class want;
	} cases[] = {
	    {0x60000010, 0, CPU_REAL},
	    {0x60000010 | CR0_PE, 0, CPU_PROTECTED},
	    /* LME alone is not long mode: LMA is what the CPU sets. */
	    {0x60000010 | CR0_PE, EFER_LME, CPU_PROTECTED},
	    {0x60000010 | CR0_PE | CR0_PG, EFER_LME | EFER_LMA, CPU_LONG},
	};
	struct kvm_sregs s = {0};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		s.cr0 = cases[i].cr0;
		s.efer = cases[i].efer;
		assert_int_equal(cpu_class_of(&s), cases[i].want);
	}
	assert_string_equal(cpu_class_name(CPU_REAL), "real mode");
	assert_string_equal(cpu_class_name(CPU_PROTECTED), "protected mode");
	assert_string_equal(cpu_class_name(CPU_LONG), "long mode");
}

/* ---- modes_*: start from what KVM_GET_SREGS returns after reset ---- */

static struct kvm_segment reset_seg(uint16_t sel, uint64_t base, uint8_t type)
{
	struct kvm_segment s = {.base = base,
				.limit = 0xffff,
				.selector = sel,
				.type = type,
				.present = 1,
				.s = 1};

	return s;
}

/* The state KVM reports for a new vCPU (SDM Vol. 3A, 9.1.1, Table 9-1). */
static struct kvm_sregs reset_sregs(void)
{
	struct kvm_sregs s;

	memset(&s, 0, sizeof(s));
	s.cs = reset_seg(0xf000, 0xffff0000, 0xb);
	s.ds = s.es = s.fs = s.gs = s.ss = reset_seg(0, 0, 0x3);
	s.tr = reset_seg(0, 0, 0xb);
	s.tr.s = 0;
	s.ldt = reset_seg(0, 0, 0x2);
	s.ldt.s = 0;
	s.gdt.limit = 0xffff;
	s.idt.limit = 0xffff;
	s.cr0 = 0x60000010; /* CD NW ET */
	s.apic_base = 0xfee00900;
	return s;
}

struct guest {
	struct guest_mem mem;
};

static int guest_setup(void **state)
{
	struct guest *g = calloc(1, sizeof(*g));

	if (!g)
		return -1;
	g->mem.size = 2 * MiB;
	g->mem.host = calloc(1, g->mem.size);
	if (!g->mem.host)
		return -1;
	*state = g;
	return 0;
}

static int guest_teardown(void **state)
{
	struct guest *g = *state;

	free(g->mem.host);
	free(g);
	return 0;
}

static void assert_segment(const struct kvm_segment *seg, uint16_t sel,
			   uint8_t type, uint8_t db, uint8_t l)
{
	assert_int_equal(seg->selector, sel);
	assert_int_equal(seg->base, 0);
	assert_int_equal(seg->limit, 0xffffffff);
	assert_int_equal(seg->type, type);
	assert_int_equal(seg->present, 1);
	assert_int_equal(seg->s, 1);
	assert_int_equal(seg->dpl, 0);
	assert_int_equal(seg->db, db);
	assert_int_equal(seg->l, l);
	assert_int_equal(seg->g, 1);
	assert_int_equal(seg->unusable, 0);
}

/* What both protected and long mode leave alone or write the same way. */
static void assert_common(const struct guest *g, const struct kvm_sregs *s)
{
	const struct kvm_sregs reset = reset_sregs();
	/* The GDT in guest memory, byte for byte, little-endian. */
	static const uint8_t gdt_bytes[GDT_ENTRIES * 8] = {
	    0,	  0,	0, 0, 0, 0,    0,    0,	   /* null */
	    0xff, 0xff, 0, 0, 0, 0x9a, 0xcf, 0x00, /* 0x08 code32 */
	    0xff, 0xff, 0, 0, 0, 0x92, 0xcf, 0x00, /* 0x10 data */
	    0xff, 0xff, 0, 0, 0, 0x9a, 0xaf, 0x00, /* 0x18 code64 */
	};

	assert_memory_equal(g->mem.host + ABI_GDT_ADDR, gdt_bytes,
			    sizeof(gdt_bytes));
	assert_int_equal(s->gdt.base, ABI_GDT_ADDR);
	assert_int_equal(s->gdt.limit, sizeof(gdt_bytes) - 1);
	assert_segment(&s->ds, ABI_SEL_DATA, 0x3, 1, 0);
	assert_memory_equal(&s->es, &s->ds, sizeof(s->ds));
	assert_memory_equal(&s->fs, &s->ds, sizeof(s->ds));
	assert_memory_equal(&s->gs, &s->ds, sizeof(s->ds));
	assert_memory_equal(&s->ss, &s->ds, sizeof(s->ds));
	/* KVM needs its busy TSS and LDT: untouched, as is the IDT. */
	assert_memory_equal(&s->tr, &reset.tr, sizeof(s->tr));
	assert_memory_equal(&s->ldt, &reset.ldt, sizeof(s->ldt));
	assert_memory_equal(&s->idt, &reset.idt, sizeof(s->idt));
	assert_int_equal(s->apic_base, reset.apic_base);
}

static void test_modes_real(void **state)
{
	struct kvm_sregs s = reset_sregs(), reset = reset_sregs();
	struct kvm_segment *segs[] = {&s.ds, &s.es, &s.fs, &s.gs, &s.ss};
	char buf[96];
	size_t i;

	(void)state;
	modes_real(&s);
	assert_int_equal(s.cs.selector, 0);
	assert_int_equal(s.cs.base, 0);
	assert_int_equal(s.cs.limit, 0xffff);
	assert_int_equal(s.cs.type, 0xb);
	assert_int_equal(s.cs.present, 1);
	assert_int_equal(s.cs.s, 1);
	assert_int_equal(s.cs.db, 0);
	for (i = 0; i < ARRAY_LEN(segs); i++) {
		assert_int_equal(segs[i]->selector, 0);
		assert_int_equal(segs[i]->base, 0);
		assert_int_equal(segs[i]->limit, 0xffff);
		assert_int_equal(segs[i]->type, 0x3);
		assert_int_equal(segs[i]->present, 1);
		assert_int_equal(segs[i]->s, 1);
		assert_int_equal(segs[i]->unusable, 0);
	}
	assert_int_equal(s.cr0, 0x60000010);
	assert_int_equal(s.efer, 0);
	assert_memory_equal(&s.tr, &reset.tr, sizeof(s.tr));
	assert_memory_equal(&s.ldt, &reset.ldt, sizeof(s.ldt));
	assert_string_equal(cpu_mode_describe(&s, buf, sizeof(buf)),
			    "real mode");

	/* Back from long mode: PE, PG, LME and LMA all go. */
	s.cr0 = 0xe0010011;
	s.cr4 = CR4_PAE;
	s.efer = EFER_LME | EFER_LMA;
	modes_real(&s);
	assert_int_equal(s.cr0, 0x60010010);
	assert_int_equal(s.efer, 0);
}

static void test_modes_protected(void **state)
{
	struct guest *g = *state;
	struct kvm_sregs s = reset_sregs();
	char buf[96];

	assert_int_equal(modes_protected(&s, &g->mem), 0);
	assert_common(g, &s);
	assert_segment(&s.cs, ABI_SEL_CODE32, 0xb, 1, 0);
	/* PE on; ET, CD and NW as reset left them; no paging. */
	assert_int_equal(s.cr0, 0x60000011);
	assert_int_equal(s.cr3, 0);
	assert_int_equal(s.cr4, 0);
	assert_int_equal(s.efer, 0);
	assert_string_equal(cpu_mode_describe(&s, buf, sizeof(buf)),
			    "protected mode, 32-bit code, CPL0, paging off");
	/* No page tables were written. */
	assert_int_equal(g->mem.host[ABI_PT_BASE], 0);
}

static void test_modes_long(void **state)
{
	static const uint64_t identity[] = {
	    0,		 0x1000,       ABI_GDT_ADDR,
	    ABI_PT_BASE, ABI_ELF_BASE, ABI_ELF_BASE + 0x1234,
	    2 * MiB - 1,
	};
	struct guest *g = *state;
	struct kvm_sregs s = reset_sregs();
	struct pt_walk w;
	char buf[96];
	size_t i;

	assert_int_equal(modes_long(&s, &g->mem), 0);
	assert_common(g, &s);
	assert_segment(&s.cs, ABI_SEL_CODE64, 0xb, 0, 1);
	assert_int_equal(s.cr0, 0x60000010 | CR0_PE | CR0_PG | CR0_WP);
	assert_int_equal(s.cr4, CR4_PAE);
	assert_int_equal(s.efer, EFER_LME | EFER_LMA);
	/* CR3 is the PML4, the first frame of the table region. */
	assert_int_equal(s.cr3, ABI_PT_BASE);
	assert_true(s.cr3 >= ABI_PT_BASE && s.cr3 < ABI_PT_BASE + ABI_PT_SIZE);
	assert_string_equal(cpu_mode_describe(&s, buf, sizeof(buf)),
			    "long mode, 64-bit code, CPL0, paging on");

	for (i = 0; i < ARRAY_LEN(identity); i++) {
		assert_int_equal(pt_walk(&g->mem, s.cr3, identity[i], &w), 0);
		assert_int_equal(w.pa, identity[i]);
		assert_int_equal(w.page_size, PAGE_4K);
	}
	/* Nothing past RAM, nothing at the chapter 3 fault address. */
	assert_int_equal(pt_walk(&g->mem, s.cr3, 2 * MiB, &w), -ENOENT);
	assert_int_equal(pt_walk(&g->mem, s.cr3, ABI_DEMO_FAULT_VA, &w),
			 -ENOENT);
}

/* 64 MiB: 2 MiB pages above the first 2 MiB. */
static void test_modes_long_64m(void **state)
{
	struct guest_mem mem = {calloc(1, 64 * MiB), 64 * MiB};
	struct kvm_sregs s = reset_sregs();
	struct pt_walk w;

	(void)state;
	assert_non_null(mem.host);
	assert_int_equal(modes_long(&s, &mem), 0);
	assert_int_equal(pt_walk(&mem, s.cr3, 64 * MiB - 1, &w), 0);
	assert_int_equal(w.pa, 64 * MiB - 1);
	assert_int_equal(w.page_size, PAGE_2M);
	assert_int_equal(pt_walk(&mem, s.cr3, 64 * MiB, &w), -ENOENT);
	free(mem.host);
}

static void test_modes_too_small(void **state)
{
	static const uint64_t sizes[] = {0, 0x400, ABI_GDT_ADDR + 31};
	const struct kvm_sregs reset = reset_sregs();
	struct kvm_sregs s;
	struct guest_mem mem;
	uint8_t *ram = calloc(1, ABI_PT_BASE + ABI_PT_SIZE);
	size_t i;

	(void)state;
	assert_non_null(ram);
	log_level = LOG_QUIET;
	/* Too small for the GDT: both fail, and `s` is untouched. */
	for (i = 0; i < ARRAY_LEN(sizes); i++) {
		mem.host = ram;
		mem.size = sizes[i];
		s = reset;
		assert_int_equal(modes_protected(&s, &mem), -EFAULT);
		assert_memory_equal(&s, &reset, sizeof(s));
		assert_int_equal(modes_long(&s, &mem), -EFAULT);
		assert_memory_equal(&s, &reset, sizeof(s));
	}

	/* Room for the GDT but not for the table region: long mode fails
	 * before it writes anything. */
	mem.size = ABI_PT_BASE + ABI_PT_SIZE - 1;
	assert_int_equal(modes_long(&s, &mem), -EFAULT);
	assert_memory_equal(&s, &reset, sizeof(s));
	assert_int_equal(ram[ABI_GDT_ADDR + 8], 0);
	/* Protected mode needs no tables. */
	assert_int_equal(modes_protected(&s, &mem), 0);

	/* Just enough for the table region: long mode works. */
	s = reset;
	mem.size = ABI_PT_BASE + ABI_PT_SIZE;
	assert_int_equal(modes_long(&s, &mem), 0);
	log_level = LOG_WARNING;
	free(ram);
}

/*
 * 14 GiB of RAM needs 14 page directories: more than the 16 frames of the
 * table region hold with PML4, PDPT and PT.  The RAM is reserved, never
 * touched beyond the first pages.
 */
static void test_modes_long_enomem(void **state)
{
	const uint64_t size = 14ull << 30;
	const struct kvm_sregs reset = reset_sregs();
	struct kvm_sregs s = reset;
	struct guest_mem mem;
	void *ram = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	(void)state;
	if (ram == MAP_FAILED)
		skip();
	mem.host = ram;
	mem.size = size;
	log_level = LOG_QUIET;
	assert_int_equal(modes_long(&s, &mem), -ENOMEM);
	log_level = LOG_WARNING;
	assert_memory_equal(&s, &reset, sizeof(s));
	munmap(ram, size);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cpu_mode_describe),
	    cmocka_unit_test(test_cpu_class),
	    cmocka_unit_test(test_modes_real),
	    cmocka_unit_test_setup_teardown(test_modes_protected, guest_setup,
					    guest_teardown),
	    cmocka_unit_test_setup_teardown(test_modes_long, guest_setup,
					    guest_teardown),
	    cmocka_unit_test(test_modes_long_64m),
	    cmocka_unit_test(test_modes_too_small),
	    cmocka_unit_test(test_modes_long_enomem),
	};

	return cmocka_run_group_tests_name("modes", tests, NULL, NULL);
}

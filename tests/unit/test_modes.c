/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of kvmlab/x86/modes.c (chapters 2-3): descriptor encoding against
 * values worked out by hand from the SDM's descriptor layout, the GDT, the
 * mode names, and the register state modes_real/protected/long compute,
 * including what they write into guest memory.  No KVM needed.
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
#include "kvmlab/x86/modes.h"
#include "kvmlab/x86/paging.h"

#define MiB	     (1024ull * 1024)
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The flat descriptors of abi/machine.h, as the SDM's Figure 3-8 packs them. */
#define FLAT_CODE32 0x00cf9a000000ffffull
#define FLAT_DATA   0x00cf92000000ffffull
#define FLAT_CODE64 0x00af9a000000ffffull

struct desc_case {
	const char *what;
	uint32_t base, limit;
	uint8_t access, flags;
	uint64_t desc;
	/* What desc_decode() must give. */
	uint32_t byte_limit;
	uint8_t type, s, dpl, present, db, l, g, avl;
};

static const struct desc_case desc_cases[] = {
    {"flat code32", 0, 0xfffff, 0x9a, DESC_G | DESC_DB, FLAT_CODE32, 0xffffffff,
     0xa, 1, 0, 1, 1, 0, 1, 0},
    {"flat data", 0, 0xfffff, 0x92, DESC_G | DESC_DB, FLAT_DATA, 0xffffffff,
     0x2, 1, 0, 1, 1, 0, 1, 0},
    {"code64", 0, 0xfffff, 0x9a, DESC_G | DESC_L, FLAT_CODE64, 0xffffffff, 0xa,
     1, 0, 1, 0, 1, 1, 0},
    /* A real-mode style 64 KiB data segment, byte granular. */
    {"16-bit data", 0x12345, 0xffff, 0x92, 0, 0x000092012345ffffull, 0xffff,
     0x2, 1, 0, 1, 0, 0, 0, 0},
    /* User code: DPL3 puts 0xfa in the access byte. */
    {"DPL3 code", 0, 0xfffff, 0xfa, DESC_G | DESC_DB, 0x00cffa000000ffffull,
     0xffffffff, 0xa, 1, 3, 1, 1, 0, 1, 0},
    /* A 32-bit TSS: S=0, type 9 (available), limit 0x67 = 104 bytes. */
    {"TSS", 0x12345678, 0x67, 0x89, 0, 0x1200893456780067ull, 0x67, 0x9, 0, 0,
     1, 0, 0, 0, 0},
    /* Every field different, so a field in the wrong place shows. */
    {"scattered", 0xdeadbeef, 0xabcde, 0xf2, DESC_AVL | DESC_DB,
     0xde5af2adbeefbcdeull, 0xabcde, 0x2, 1, 3, 1, 1, 0, 0, 1},
    /* G with a zero limit still covers one page. */
    {"one page", 0x1000, 0, 0x93, DESC_G, 0x0080930010000000ull, 0xfff, 0x3, 1,
     0, 1, 0, 0, 1, 0},
    /* Not present: decodes as unusable. */
    {"not present", 0, 0xfffff, 0x1a, DESC_G | DESC_DB, 0x00cf1a000000ffffull,
     0xffffffff, 0xa, 1, 0, 0, 1, 0, 1, 0},
};

static void test_desc_encode(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(desc_cases); i++) {
		const struct desc_case *c = &desc_cases[i];

		print_message("  %s\n", c->what);
		assert_int_equal(
		    desc_encode(c->base, c->limit, c->access, c->flags),
		    c->desc);
	}
	/* The limit field has 20 bits; anything above is dropped. */
	assert_int_equal(desc_encode(0, 0x1fffff, 0x9a, DESC_G | DESC_DB),
			 FLAT_CODE32);
	/* And the flags field 4. */
	assert_int_equal(desc_encode(0, 0xfffff, 0x9a, 0xf0 | DESC_G | DESC_DB),
			 FLAT_CODE32);
}

static void test_desc_decode(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(desc_cases); i++) {
		const struct desc_case *c = &desc_cases[i];
		struct kvm_segment seg;

		print_message("  %s\n", c->what);
		memset(&seg, 0xaa, sizeof(seg));
		desc_decode(c->desc, &seg);
		assert_int_equal(seg.base, c->base);
		assert_int_equal(seg.limit, c->byte_limit);
		assert_int_equal(seg.selector, 0);
		assert_int_equal(seg.type, c->type);
		assert_int_equal(seg.s, c->s);
		assert_int_equal(seg.dpl, c->dpl);
		assert_int_equal(seg.present, c->present);
		assert_int_equal(seg.db, c->db);
		assert_int_equal(seg.l, c->l);
		assert_int_equal(seg.g, c->g);
		assert_int_equal(seg.avl, c->avl);
		assert_int_equal(seg.unusable, !c->present);
		assert_int_equal(seg.padding, 0);
	}
}

/* Decode, then encode the decoded fields again: the same 64 bits. */
static void test_desc_round_trip(void **state)
{
	static const uint64_t more[] = {
	    0,
	    0xffffffffffffffffull,
	    0x0020980000000000ull,
	    0x00009b000000ffffull,
	    0x0040960000000fffull,
	};
	uint64_t descs[ARRAY_LEN(desc_cases) + ARRAY_LEN(more)];
	size_t i, n = 0;

	(void)state;
	for (i = 0; i < ARRAY_LEN(desc_cases); i++)
		descs[n++] = desc_cases[i].desc;
	for (i = 0; i < ARRAY_LEN(more); i++)
		descs[n++] = more[i];

	for (i = 0; i < n; i++) {
		struct kvm_segment seg;
		uint8_t access, flags;
		uint32_t limit;

		desc_decode(descs[i], &seg);
		access = seg.type | (seg.s ? DESC_S : 0) | DESC_DPL(seg.dpl) |
			 (seg.present ? DESC_P : 0);
		flags = (seg.avl ? DESC_AVL : 0) | (seg.l ? DESC_L : 0) |
			(seg.db ? DESC_DB : 0) | (seg.g ? DESC_G : 0);
		limit = seg.g ? seg.limit >> 12 : seg.limit;
		assert_int_equal(
		    desc_encode((uint32_t)seg.base, limit, access, flags),
		    descs[i]);
	}
}

static void test_gdt_build(void **state)
{
	uint64_t gdt[GDT_ENTRIES];

	(void)state;
	memset(gdt, 0xaa, sizeof(gdt));
	gdt_build(gdt);
	assert_int_equal(gdt[ABI_SEL_NULL >> 3], 0);
	assert_int_equal(gdt[ABI_SEL_CODE32 >> 3], FLAT_CODE32);
	assert_int_equal(gdt[ABI_SEL_DATA >> 3], FLAT_DATA);
	assert_int_equal(gdt[ABI_SEL_CODE64 >> 3], FLAT_CODE64);
}

static void test_segment_from_gdt(void **state)
{
	uint64_t gdt[GDT_ENTRIES];
	struct kvm_segment seg;
	static const uint16_t unusable[] = {
	    0x00, 0x03,	  /* null, whatever the RPL */
	    0x0c,	  /* TI=1: the LDT, which we do not have */
	    0x20, 0xfff8, /* past the end of the table */
	};
	size_t i;

	(void)state;
	gdt_build(gdt);

	segment_from_gdt(gdt, ABI_SEL_CODE32, &seg);
	assert_int_equal(seg.selector, 0x08);
	assert_int_equal(seg.base, 0);
	assert_int_equal(seg.limit, 0xffffffff);
	/* Loading sets the accessed bit: 0xa becomes 0xb. */
	assert_int_equal(seg.type, 0xb);
	assert_int_equal(seg.present, 1);
	assert_int_equal(seg.s, 1);
	assert_int_equal(seg.db, 1);
	assert_int_equal(seg.l, 0);
	assert_int_equal(seg.g, 1);
	assert_int_equal(seg.dpl, 0);
	assert_int_equal(seg.unusable, 0);

	segment_from_gdt(gdt, ABI_SEL_DATA, &seg);
	assert_int_equal(seg.selector, 0x10);
	assert_int_equal(seg.type, 0x3);
	assert_int_equal(seg.db, 1);

	segment_from_gdt(gdt, ABI_SEL_CODE64, &seg);
	assert_int_equal(seg.selector, 0x18);
	assert_int_equal(seg.type, 0xb);
	assert_int_equal(seg.l, 1);
	assert_int_equal(seg.db, 0);

	/* The RPL stays in the selector; the descriptor is entry 1. */
	segment_from_gdt(gdt, ABI_SEL_CODE32 | 3, &seg);
	assert_int_equal(seg.selector, 0x0b);
	assert_int_equal(seg.type, 0xb);
	assert_int_equal(seg.limit, 0xffffffff);

	for (i = 0; i < ARRAY_LEN(unusable); i++) {
		memset(&seg, 0xaa, sizeof(seg));
		segment_from_gdt(gdt, unusable[i], &seg);
		assert_int_equal(seg.selector, unusable[i]);
		assert_int_equal(seg.unusable, 1);
		assert_int_equal(seg.present, 0);
	}
}

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

/* Show printed output in the test log, one line at a time. */
static void show(const char *text)
{
	while (*text) {
		size_t n = strcspn(text, "\n");

		print_message("%.*s\n", (int)n, text);
		text += n + (text[n] == '\n');
	}
}

static char *print_text(const struct kvm_sregs *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	sregs_print(s, out);
	fclose(out);
	show(text);
	return text;
}

/* No line may be wider than 80 columns. */
static void assert_narrow(const char *text)
{
	while (*text) {
		size_t n = strcspn(text, "\n");

		if (n > 80)
			fail_msg("line too long (%zu): %.*s", n, (int)n, text);
		text += n + (text[n] == '\n');
	}
}

static void test_print(void **state)
{
	struct guest *g = *state;
	struct kvm_sregs s = reset_sregs();
	struct kvm_segment odd;
	char *text;

	text = print_text(&s);
	assert_narrow(text);
	assert_non_null(strstr(text, "  mode real mode\n"));
	assert_non_null(strstr(text, "  cs  sel 0xf000  base 0xffff0000  limit "
				     "0x0000ffff  type 0xb\n"
				     "      code exec/read accessed, 16-bit, "
				     "DPL0, present, byte granular\n"));
	assert_non_null(strstr(text, "  cr0  0x60000010 [ET NW CD]\n"));
	assert_non_null(strstr(text, "  efer 0x00000000\n"));
	assert_non_null(strstr(text, "TSS (busy), DPL0, present"));
	free(text);

	assert_int_equal(modes_protected(&s, &g->mem), 0);
	text = print_text(&s);
	assert_narrow(text);
	assert_non_null(strstr(text, "  mode protected mode, 32-bit code, "
				     "CPL0, paging off\n"));
	assert_non_null(strstr(text, "  cs  sel 0x0008  base 0x00000000  limit "
				     "0xffffffff  type 0xb\n"
				     "      code exec/read accessed, 32-bit, "
				     "DPL0, present, 4K granular\n"));
	assert_non_null(strstr(text, "  ss  sel 0x0010  base 0x00000000  limit "
				     "0xffffffff  type 0x3\n"
				     "      data read/write accessed, 32-bit, "
				     "DPL0, present, 4K granular\n"));
	assert_non_null(strstr(text, "  gdt  base 0x00000800  limit 0x001f\n"));
	assert_non_null(strstr(text, "  cr0  0x60000011 [PE ET NW CD]\n"));
	free(text);

	s = reset_sregs();
	assert_int_equal(modes_long(&s, &g->mem), 0);
	text = print_text(&s);
	assert_narrow(text);
	assert_non_null(strstr(text, "  mode long mode, 64-bit code, CPL0, "
				     "paging on\n"));
	assert_non_null(strstr(text, "code exec/read accessed, 64-bit, DPL0"));
	assert_non_null(
	    strstr(text, "  cr0  0xe0010011 [PE ET WP NW CD PG]\n"));
	assert_non_null(strstr(text, "  cr3 0x00010000\n"));
	assert_non_null(strstr(text, "  cr4  0x00000020 [PAE]\n"));
	assert_non_null(strstr(text, "  efer 0x00000500 [LME LMA]\n"));
	free(text);

	/* Everything set at once still fits in 80 columns. */
	s.cr4 = 0x1ff7fffull;
	s.efer = 0xfd01ull | (1ull << 40);
	s.fs.base = 0xffff800012345678ull;
	s.fs.type = 0xf;
	s.fs.avl = 1;
	s.fs.present = 0;
	s.fs.g = 0;
	s.gs.unusable = 1;
	text = print_text(&s);
	assert_narrow(text);
	assert_non_null(strstr(text, "base 0xffff800012345678"));
	/* A long description breaks between its parts, not inside one. */
	assert_non_null(strstr(text,
			       "      code exec/read conforming accessed, "
			       "32-bit, DPL0, not present,\n"
			       "      byte granular, AVL\n"));
	assert_non_null(strstr(text, "bit40"));
	assert_non_null(strstr(text, "  gs  sel 0x0010  base 0x00000000  limit "
				     "0xffffffff  type 0x3\n"
				     "      unusable"));
	free(text);

	/* One segment on its own, as the viewer prints it. */
	desc_decode(0x1200893456780067ull, &odd);
	odd.selector = 0x28;
	{
		char *one = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&one, &len);

		assert_non_null(out);
		segment_print("tr", &odd, out);
		fclose(out);
		assert_string_equal(
		    one, "  tr  sel 0x0028  base 0x12345678  limit "
			 "0x00000067  type 0x9\n"
			 "      TSS (available), DPL0, present, byte "
			 "granular\n");
		free(one);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_desc_encode),
	    cmocka_unit_test(test_desc_decode),
	    cmocka_unit_test(test_desc_round_trip),
	    cmocka_unit_test(test_gdt_build),
	    cmocka_unit_test(test_segment_from_gdt),
	    cmocka_unit_test(test_cpu_mode_describe),
	    cmocka_unit_test(test_modes_real),
	    cmocka_unit_test_setup_teardown(test_modes_protected, guest_setup,
					    guest_teardown),
	    cmocka_unit_test_setup_teardown(test_modes_long, guest_setup,
					    guest_teardown),
	    cmocka_unit_test(test_modes_long_64m),
	    cmocka_unit_test(test_modes_too_small),
	    cmocka_unit_test(test_modes_long_enomem),
	    cmocka_unit_test_setup_teardown(test_print, guest_setup,
					    guest_teardown),
	};

	return cmocka_run_group_tests_name("modes", tests, NULL, NULL);
}

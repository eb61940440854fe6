/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of segment descriptors (chapter 2), no KVM needed:
 * kvmlab/x86/modes.c packs and unpacks them (against values worked out by
 * hand from the SDM's descriptor layout, Vol. 3A 3.4.5, Figure 3-8),
 * builds the GDT every chapter uses and loads selectors from it the way
 * the CPU does; kvmlab/x86/decode.c names a segment's attributes for the
 * register viewer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "abi/machine.h"
#include "kvmlab/x86/decode.h"
#include "kvmlab/x86/modes.h"

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
	/* Every usable entry is flat: base 0, 4 GiB, present, DPL0. */
	static const struct {
		uint16_t load, selector;
		uint8_t type, db, l;
	} usable[] = {
	    /* Loading sets the accessed bit: 0xa becomes 0xb. */
	    {ABI_SEL_CODE32, 0x08, 0xb, 1, 0},
	    {ABI_SEL_DATA, 0x10, 0x3, 1, 0},
	    {ABI_SEL_CODE64, 0x18, 0xb, 0, 1},
	    /* The RPL stays in the selector; the descriptor is entry 1. */
	    {ABI_SEL_CODE32 | 3, 0x0b, 0xb, 1, 0},
	};
	static const uint16_t unusable[] = {
	    0x00, 0x03,	  /* null, whatever the RPL */
	    0x0c,	  /* TI=1: the LDT, which we do not have */
	    0x20, 0xfff8, /* past the end of the table */
	};
	uint64_t gdt[GDT_ENTRIES];
	struct kvm_segment seg;
	size_t i;

	(void)state;
	gdt_build(gdt);
	for (i = 0; i < ARRAY_LEN(usable); i++) {
		print_message("  selector 0x%x\n", usable[i].load);
		segment_from_gdt(gdt, usable[i].load, &seg);
		assert_int_equal(seg.selector, usable[i].selector);
		assert_int_equal(seg.base, 0);
		assert_int_equal(seg.limit, 0xffffffff);
		assert_int_equal(seg.type, usable[i].type);
		assert_int_equal(seg.present, 1);
		assert_int_equal(seg.s, 1);
		assert_int_equal(seg.db, usable[i].db);
		assert_int_equal(seg.l, usable[i].l);
		assert_int_equal(seg.g, 1);
		assert_int_equal(seg.dpl, 0);
		assert_int_equal(seg.unusable, 0);
	}
	for (i = 0; i < ARRAY_LEN(unusable); i++) {
		memset(&seg, 0xaa, sizeof(seg));
		segment_from_gdt(gdt, unusable[i], &seg);
		assert_int_equal(seg.selector, unusable[i]);
		assert_int_equal(seg.unusable, 1);
		assert_int_equal(seg.present, 0);
	}
}

/*
 * A segment's attributes on the viewer's one line (decode.c): the type
 * names are regbits.c's short ones.
 */
static void test_decode_segment(void **state)
{
	static const struct {
		const char *what;
		uint64_t desc; /* as in a GDT; 0 = use `seg` below */
		struct kvm_segment seg;
		const char *want;
	} cases[] = {
	    {"64-bit code",
	     0x00af9b000000ffffull,
	     {0},
	     "code exec/read acc 64-bit DPL0 present 4K"},
	    {"flat 32-bit code",
	     0x00cf9a000000ffffull,
	     {0},
	     "code exec/read 32-bit DPL0 present 4K"},
	    {"flat data",
	     0x00cf93000000ffffull,
	     {0},
	     "data read/write acc 32-bit DPL0 present 4K"},
	    {"user code",
	     0x00cffa000000ffffull,
	     {0},
	     "code exec/read 32-bit DPL3 present 4K"},
	    {"conforming",
	     0x00cf9e000000ffffull,
	     {0},
	     "code exec/read conforming 32-bit DPL0 present 4K"},
	    /* desc_decode() calls a descriptor that is not present unusable,
	     * as KVM does; the attributes alone still decode. */
	    {"not present", 0x0040180000000fffull, {0}, "unusable"},
	    {"exec-only, not present",
	     0,
	     {.type = 8, .s = 1, .db = 1, .present = 0},
	     "code exec-only 32-bit DPL0 not-present"},
	    {"expand-down",
	     0x0000940000000fffull,
	     {0},
	     "data read-only expand-down 16-bit DPL0 present"},
	    {"AVL",
	     0x00d092000000ffffull,
	     {0},
	     "data read/write 32-bit DPL0 present 4K AVL"},
	    {"32-bit TSS busy",
	     0x00008b0000000067ull,
	     {0},
	     "sys TSS busy DPL0 present"},
	    {"LDT", 0x0000820000000fffull, {0}, "sys LDT DPL0 present"},
	    {"interrupt gate",
	     0x00008e0000000000ull,
	     {0},
	     "sys int gate DPL0 present"},
	    /* Real mode as KVM reports it: 64 KiB, data, accessed. */
	    {"real-mode data",
	     0,
	     {.limit = 0xffff, .type = 3, .s = 1, .present = 1},
	     "data read/write acc 16-bit DPL0 present"},
	    {"null selector", 0, {.unusable = 1}, "unusable"},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct kvm_segment seg = cases[i].seg;
		char buf[96];

		print_message("  %s\n", cases[i].what);
		if (cases[i].desc)
			desc_decode(cases[i].desc, &seg);
		assert_ptr_equal(decode_segment(&seg, buf, sizeof(buf)), buf);
		assert_string_equal(buf, cases[i].want);
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
	    cmocka_unit_test(test_decode_segment),
	};

	return cmocka_run_group_tests_name("descriptors", tests, NULL, NULL);
}

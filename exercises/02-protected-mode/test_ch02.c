/* SPDX-License-Identifier: MIT */
/*
 * test_ch02: the graded unit tests of chapter 2's VMM exercises,
 * desc_encode() (ch02-desc-encode) and desc_decode() with
 * segment_from_gdt() (ch02-load-segment), in kvmlab/x86/modes.c.
 *
 * No KVM needed.  The expected descriptors are the ones the guest's own
 * GDT in guest/boot/realmode.S spells out by hand, and one TSS-like
 * descriptor whose fields are all different, so a field put in the wrong
 * place shows.  The decoding tests build their GDT from constants, never
 * with desc_encode(): each exercise is graded on its own.
 */
#include <string.h>

#include "../lib/grade.h"
#include "kvmlab/x86/modes.h"

#define FLAT_CODE32 0x00cf9b000000ffffull
#define FLAT_DATA   0x00cf93000000ffffull
#define FLAT_CODE64 0x00af9b000000ffffull
/* base 0x12345678, limit 0x67, access 0x89 (present 32-bit TSS), G=0 */
#define ODD_TSS	    0x1200893456780067ull

/* ---- ch02-desc-encode ------------------------------------------------ */

static void expect_desc(uint64_t got, uint64_t want, const char *what)
{
	check(got == want, "%s: got 0x%016llx, expected 0x%016llx", what,
	      (unsigned long long)got, (unsigned long long)want);
}

static void encode_flat_code(void **state)
{
	(void)state;
	expect_desc(desc_encode(0, 0xfffff, 0x9b, DESC_G | DESC_DB),
		    FLAT_CODE32, "flat 32-bit code (access 0x9b, G, D)");
}

static void encode_gdt(void **state)
{
	uint64_t gdt[GDT_ENTRIES];

	(void)state;
	memset(gdt, 0xa5, sizeof(gdt));
	gdt_build(gdt);
	expect_desc(gdt[0], 0, "GDT entry 0 (null)");
	/* gdt_build() leaves the accessed bit to segment_from_gdt(). */
	expect_desc(gdt[1] | (1ull << 40), FLAT_CODE32, "GDT entry 1 (0x08)");
	expect_desc(gdt[2] | (1ull << 40), FLAT_DATA, "GDT entry 2 (0x10)");
	expect_desc(gdt[3] | (1ull << 40), FLAT_CODE64, "GDT entry 3 (0x18)");
}

static void encode_base(void **state)
{
	(void)state;
	expect_desc(desc_encode(0x12345678, 0x67, 0x89, 0), ODD_TSS,
		    "base 0x12345678 (split 23:0 / 31:24), limit 0x67");
}

static void encode_limit_flags(void **state)
{
	(void)state;
	expect_desc(desc_encode(0, 0xabcde, 0x92, DESC_DB),
		    0x004a92000000bcdeull,
		    "limit 0xabcde (split 15:0 / 19:16), flags D");
	expect_desc(desc_encode(0, 0xfffabcde, 0x92, 0xf0 | DESC_DB),
		    0x004a92000000bcdeull,
		    "limit bits above 19 and flag bits above 3 must be "
		    "dropped");
}

/* ---- ch02-load-segment ----------------------------------------------- */

static void decode_flat(void **state)
{
	struct kvm_segment s;

	(void)state;
	memset(&s, 0xa5, sizeof(s));
	desc_decode(FLAT_CODE32, &s);
	check(s.base == 0, "base 0x%llx, expected 0",
	      (unsigned long long)s.base);
	check(s.limit == 0xffffffff,
	      "limit 0x%x: with G=1 the limit counts 4 KiB pages, and KVM "
	      "wants bytes (0xffffffff)",
	      s.limit);
	check(s.type == 0xb && s.s == 1 && s.dpl == 0 && s.present == 1,
	      "type %u s %u dpl %u present %u, expected 11 1 0 1", s.type, s.s,
	      s.dpl, s.present);
	check(s.db == 1 && s.g == 1 && s.l == 0 && s.avl == 0,
	      "db %u g %u l %u avl %u, expected 1 1 0 0", s.db, s.g, s.l,
	      s.avl);
	check(s.unusable == 0, "a present descriptor must be usable");
}

static void decode_bytes(void **state)
{
	struct kvm_segment s;

	(void)state;
	desc_decode(ODD_TSS, &s);
	check(s.base == 0x12345678, "base 0x%llx, expected 0x12345678",
	      (unsigned long long)s.base);
	check(s.limit == 0x67, "limit 0x%x, expected 0x67 (G=0: bytes)",
	      s.limit);
	check(s.type == 9 && s.s == 0 && s.present == 1 && s.g == 0,
	      "type %u s %u present %u g %u, expected 9 0 1 0", s.type, s.s,
	      s.present, s.g);
}

static void decode_absent(void **state)
{
	struct kvm_segment s;

	(void)state;
	/* access 0x7a: P=0, DPL=3, code segment */
	desc_decode(0x00cf7a000000ffffull, &s);
	check(s.present == 0 && s.dpl == 3,
	      "present %u dpl %u, expected 0 and 3", s.present, s.dpl);
	check(s.unusable == 1,
	      "a descriptor that is not present gives an unusable segment");
}

/* A GDT as a guest might leave it: accessed bits still clear. */
static const uint64_t fresh_gdt[GDT_ENTRIES] = {
    0,
    0x00cf9a000000ffffull,
    0x00cf92000000ffffull,
    0x00af9a000000ffffull,
};

static void load_code(void **state)
{
	struct kvm_segment s;

	(void)state;
	segment_from_gdt(fresh_gdt, 0x08, &s);
	check(s.selector == 0x08, "selector 0x%x, expected 0x08", s.selector);
	check(s.type == 0xb,
	      "type %u: loading sets the accessed bit (10 becomes 11)", s.type);
	check(s.base == 0 && s.limit == 0xffffffff && s.db == 1,
	      "CS 0x08 is not the flat 32-bit code segment");
	segment_from_gdt(fresh_gdt, 0x18, &s);
	check(s.selector == 0x18 && s.l == 1 && s.db == 0,
	      "selector 0x18: l %u db %u, expected 64-bit code (l 1 db 0)", s.l,
	      s.db);
}

static void load_unusable(void **state)
{
	static const uint16_t sel[] = {0x00, 0x0c, 0x20};
	static const char *const why[] = {"the null selector",
					  "TI=1 (an LDT selector)",
					  "an index past the GDT"};
	struct kvm_segment s;

	(void)state;
	for (int i = 0; i < 3; i++) {
		memset(&s, 0, sizeof(s));
		segment_from_gdt(fresh_gdt, sel[i], &s);
		check(s.unusable == 1 && s.selector == sel[i],
		      "selector 0x%02x (%s): unusable %u selector 0x%x, "
		      "expected unusable with the selector kept",
		      sel[i], why[i], s.unusable, s.selector);
	}
}

static void load_rpl(void **state)
{
	struct kvm_segment s;

	(void)state;
	segment_from_gdt(fresh_gdt, 0x13, &s); /* index 2, RPL 3 */
	check(s.selector == 0x13 && s.unusable == 0 && s.type == 3,
	      "selector 0x13 (index 2, RPL 3): selector 0x%x unusable %u "
	      "type %u, expected 0x13 0 3",
	      s.selector, s.unusable, s.type);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(encode_flat_code),
	    cmocka_unit_test(encode_gdt),
	    cmocka_unit_test(encode_base),
	    cmocka_unit_test(encode_limit_flags),
	    cmocka_unit_test(decode_flat),
	    cmocka_unit_test(decode_bytes),
	    cmocka_unit_test(decode_absent),
	    cmocka_unit_test(load_code),
	    cmocka_unit_test(load_unusable),
	    cmocka_unit_test(load_rpl),
	};

	return GRADE_MAIN("chapter 2", tests);
}

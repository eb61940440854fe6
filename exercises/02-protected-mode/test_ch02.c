/* SPDX-License-Identifier: MIT */
/*
 * test_ch02: the graded unit tests of chapter 2's VMM exercises in
 * kvmlab/x86/modes.c: desc_encode() (ch02-desc-encode), desc_decode()
 * with segment_from_gdt() (ch02-load-segment), and the registers of
 * protected mode that KVM_SET_SREGS takes, modes_protected_regs()
 * (ch02-protected-sregs).
 *
 * The expected descriptors are the ones the guest's own GDT in
 * guest/boot/realmode.S spells out by hand, and one TSS-like descriptor
 * whose fields are all different, so a field put in the wrong place
 * shows.  The decoding tests build their GDT from constants, never with
 * desc_encode(); the sregs tests load their segments from constants,
 * never with segment_from_gdt(): each exercise is graded on its own.
 * Only protected-sregs/kvm-runs needs KVM: it asks KVM to run 32-bit code
 * in the state the exercise computed.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../lib/grade.h"
#include "abi/machine.h"
#include "kvmlab/x86/modes.h"
#include "kvmlab/x86/regbits.h"

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

/* ---- ch02-protected-sregs -------------------------------------------- */

/* Bits no kvmlab code sets, which the switch must leave alone. */
#define CR0_NW	 (1ull << 29) /* not write-through */
#define CR0_CD	 (1ull << 30) /* cache disable: both set at reset */
#define EFER_SCE (1ull << 0)  /* SYSCALL */
#define EFER_NXE (1ull << 11) /* no-execute pages */

/* Registers as a real-mode guest might leave them, paging bits included,
 * with bits the switch must keep (ET, CD, NW, SCE, NXE). */
static struct kvm_sregs before(void)
{
	struct kvm_sregs s;

	memset(&s, 0, sizeof(s));
	s.cr0 = CR0_CD | CR0_NW | CR0_ET | CR0_PG;
	s.efer = EFER_SCE | EFER_NXE | EFER_LME | EFER_LMA;
	s.tr = (struct kvm_segment){.base = 0x5000,
				    .limit = 0x67,
				    .selector = 0x28,
				    .type = 3,
				    .s = 1,
				    .unusable = 1};
	return s;
}

static void sregs_control(void **state)
{
	struct kvm_sregs s = before();

	(void)state;
	modes_protected_regs(&s);
	check(s.cr0 == (CR0_CD | CR0_NW | CR0_ET | CR0_PE),
	      "CR0 is 0x%llx, expected 0x%llx: PE set, PG clear, the other "
	      "bits as they were",
	      (unsigned long long)s.cr0,
	      (unsigned long long)(CR0_CD | CR0_NW | CR0_ET | CR0_PE));
	check(s.efer == (EFER_SCE | EFER_NXE),
	      "EFER is 0x%llx, expected 0x%llx: LME and LMA clear, the other "
	      "bits as they were",
	      (unsigned long long)s.efer,
	      (unsigned long long)(EFER_SCE | EFER_NXE));
}

static void sregs_gdtr_tr(void **state)
{
	struct kvm_sregs s = before();

	(void)state;
	modes_protected_regs(&s);
	check(s.gdt.base == ABI_GDT_ADDR && s.gdt.limit == 8 * GDT_ENTRIES - 1,
	      "GDTR is base 0x%llx limit 0x%x, expected base 0x%x (the GDT "
	      "the VMM wrote) limit 0x%x (its size - 1)",
	      (unsigned long long)s.gdt.base, s.gdt.limit, ABI_GDT_ADDR,
	      8 * GDT_ENTRIES - 1);
	check(s.tr.selector == 0 && s.tr.base == 0 && s.tr.limit == 0xffff &&
		  s.tr.type == 11 && s.tr.present && !s.tr.s && !s.tr.unusable,
	      "TR is selector 0x%x base 0x%llx limit 0x%x type %u present %u "
	      "s %u unusable %u; expected a busy 32-bit TSS (type 11) at 0, "
	      "limit 0xffff, present, a system segment, usable",
	      s.tr.selector, (unsigned long long)s.tr.base, s.tr.limit,
	      s.tr.type, s.tr.present, s.tr.s, s.tr.unusable);
}

/* mov $0x1234abcd, %eax; out %eax, $0xf4; hlt -- in 32-bit code. */
static const uint8_t code32[] = {0xb8, 0xcd, 0xab, 0x34,
				 0x12, 0xe7, 0xf4, 0xf4};

static void sregs_kvm(void **state)
{
	struct kvm_sregs s;
	struct grade_kvm h;
	unsigned size;
	uint32_t v;

	(void)state;
	grade_kvm_open(&h, 2 << 20);
	grade_kvm_flat(&h, &s, ABI_SEL_CODE32, code32, sizeof(code32));
	modes_protected_regs(&s);
	v = grade_kvm_run(&h, &s, &size, "32-bit code");
	check(size == 4 && v == 0x1234abcd,
	      "out %%eax wrote %u bytes, 0x%x: expected 4 bytes, 0x1234abcd "
	      "(the CPU did not run the code as 32-bit code)",
	      size, v);
	check(vcpu_get_sregs(&h.cpu, &s) == 0, "KVM_GET_SREGS failed");
	check((s.cr0 & CR0_PE) && !(s.cr0 & CR0_PG),
	      "after the run KVM reports CR0 0x%llx: not protected mode with "
	      "paging off",
	      (unsigned long long)s.cr0);
	check(s.gdt.base == ABI_GDT_ADDR,
	      "after the run KVM reports GDTR base 0x%llx, not 0x%x",
	      (unsigned long long)s.gdt.base, ABI_GDT_ADDR);
	grade_kvm_close(&h);
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
	    cmocka_unit_test(sregs_control),
	    cmocka_unit_test(sregs_gdtr_tr),
	    cmocka_unit_test(sregs_kvm),
	};

	return GRADE_MAIN("chapter 2", tests);
}

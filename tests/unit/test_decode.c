/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the register viewer's decoders, kvmlab/x86/decode.c, no
 * KVM needed: CR0, CR3, CR4, EFER and RFLAGS bit by bit (with regbits.c's
 * names), and the details of an exit for the exit log.
 *
 * Register values come from the Intel SDM: the reset state (Vol. 3A,
 * 9.1.1, Table 9-1), the bit positions of Vol. 3A 2.5 (CR0, CR4), 2.2.1
 * (EFER) and Vol. 1 3.4.3 (EFLAGS).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvmlab/exits/failentry.h"
#include "kvmlab/x86/decode.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

typedef const char *decoder(uint64_t value, char *buf, size_t len);

/*
 * Every named bit is shown, set (upper case) or clear (lower case); a
 * set bit without a name shows as BITn.
 */
static void test_registers(void **state)
{
	static const struct {
		const char *reg;
		decoder *fn;
		uint64_t value;
		const char *want;
	} cases[] = {
	    /* After RESET: CD, NW and ET (Table 9-1). */
	    {"cr0", decode_cr0, 0x60000010, "pg CD NW am wp ne ET ts em mp pe"},
	    /* Protected mode, nothing else: PE (and ET, hard-wired). */
	    {"cr0", decode_cr0, 0x00000011, "pg cd nw am wp ne ET ts em mp PE"},
	    /* kvmlab's long mode: PG, WP, ET, PE. */
	    {"cr0", decode_cr0, 0x80010011, "PG cd nw am WP ne ET ts em mp PE"},
	    /* A typical OS: PG AM WP NE ET MP PE. */
	    {"cr0", decode_cr0, 0x80050033, "PG cd nw AM WP NE ET ts em MP PE"},
	    /* Every named bit. */
	    {"cr0", decode_cr0, 0xe005003f, "PG CD NW AM WP NE ET TS EM MP PE"},
	    /* Bit 6 has no name: it is shown, not hidden. */
	    {"cr0", decode_cr0, 0x00000041,
	     "BIT6 pg cd nw am wp ne et ts em mp PE"},
	    {"cr0", decode_cr0, 0, "pg cd nw am wp ne et ts em mp pe"},

	    {"cr4", decode_cr4, 0,
	     "pks cet pke smap smep kl osxsave pcide fsgsbase smxe vmxe "
	     "la57 umip osxmmexcpt osfxsr pce pge mce pae pse de tsd pvi "
	     "vme"},
	    /* Long mode needs PAE (bit 5). */
	    {"cr4", decode_cr4, 0x20,
	     "pks cet pke smap smep kl osxsave pcide fsgsbase smxe vmxe "
	     "la57 umip osxmmexcpt osfxsr pce pge mce PAE pse de tsd pvi "
	     "vme"},
	    /* PAE PGE OSFXSR OSXMMEXCPT: bits 5, 7, 9, 10. */
	    {"cr4", decode_cr4, 0x6a0,
	     "pks cet pke smap smep kl osxsave pcide fsgsbase smxe vmxe "
	     "la57 umip OSXMMEXCPT OSFXSR pce PGE mce PAE pse de tsd "
	     "pvi vme"},
	    /* VME (bit 0) and SMAP (bit 21), the ends of the table. */
	    {"cr4", decode_cr4, 0x200001,
	     "pks cet pke SMAP smep kl osxsave pcide fsgsbase smxe "
	     "vmxe la57 umip osxmmexcpt osfxsr pce pge mce pae pse de "
	     "tsd pvi VME"},
	    /* Bit 15 is reserved: named BIT15. */
	    {"cr4", decode_cr4, 0x8000,
	     "BIT15 pks cet pke smap smep kl osxsave pcide fsgsbase "
	     "smxe vmxe la57 umip osxmmexcpt osfxsr pce pge mce pae pse "
	     "de tsd pvi vme"},

	    {"efer", decode_efer, 0, "nxe lma lme sce"},
	    /* LME armed, paging still off: not yet active. */
	    {"efer", decode_efer, 0x100, "nxe lma LME sce"},
	    /* Long mode active: LME and LMA (bits 8 and 10). */
	    {"efer", decode_efer, 0x500, "nxe LMA LME sce"},
	    {"efer", decode_efer, 0xd01, "NXE LMA LME SCE"},
	    /* AMD's SVME (bit 12): the line shows only what Intel has too. */
	    {"efer", decode_efer, 0x1500, "BIT12 nxe LMA LME sce"},

	    /* After RESET: only the reserved bit 1, which is not news. */
	    {"rflags", decode_rflags, 0x2,
	     "id vip vif ac vm rf nt iopl=0 of df if tf sf zf af pf cf"},
	    /* IF ZF PF: 0x246, after a compare that found equality. */
	    {"rflags", decode_rflags, 0x246,
	     "id vip vif ac vm rf nt iopl=0 of df IF tf sf ZF af PF cf"},
	    /* IOPL is two bits: a number, upper case when not 0. */
	    {"rflags", decode_rflags, 0x3002,
	     "id vip vif ac vm rf nt IOPL=3 of df if tf sf zf af pf cf"},
	    {"rflags", decode_rflags, 0x1002,
	     "id vip vif ac vm rf nt IOPL=1 of df if tf sf zf af pf cf"},
	    /* Every flag. */
	    {"rflags", decode_rflags, 0x3f7fd7,
	     "ID VIP VIF AC VM RF NT IOPL=3 OF DF IF TF SF ZF AF PF CF"},
	    /* Bit 3 is reserved (always 0): shown when set. */
	    {"rflags", decode_rflags, 0x0a,
	     "BIT3 id vip vif ac vm rf nt iopl=0 of df if tf sf zf af pf "
	     "cf"},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char buf[256];

		print_message("  %s 0x%llx\n", cases[i].reg,
			      (unsigned long long)cases[i].value);
		assert_ptr_equal(cases[i].fn(cases[i].value, buf, sizeof(buf)),
				 buf);
		assert_string_equal(buf, cases[i].want);
	}
}

static void test_cr3(void **state)
{
	static const struct {
		uint64_t cr3, cr4;
		const char *want;
	} cases[] = {
	    /* The table address (bits 51:12) is the value, not a bit. */
	    {0x10000, 0, "pcd pwt"},
	    {0x10018, 0, "PCD PWT"},
	    {0x7ffffffffffff008ull, 0, "pcd PWT"},
	    /* Bits 2:0 and 11:5 are ignored: not shown. */
	    {0x10fe7, 0, "pcd pwt"},
	    /* Bit 63 with PCIDE off is reserved: shown. */
	    {0x8000000000010000ull, 0, "BIT63 pcd pwt"},
	    /* CR4.PCIDE: bits 11:0 are the PCID, bit 63 is no-flush. */
	    {0x10005, 1u << 17, "noflush PCID=5"},
	    {0x8000000000010000ull, 1u << 17, "NOFLUSH pcid=0"},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char buf[64];

		print_message("  0x%llx\n", (unsigned long long)cases[i].cr3);
		assert_string_equal(
		    decode_cr3(cases[i].cr3, cases[i].cr4, buf, sizeof(buf)),
		    cases[i].want);
	}
}

static void test_bits_truncated(void **state)
{
	char buf[8];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	decode_cr0(0x80000011, buf, 5);
	assert_string_equal(buf, "PG c");
	assert_int_equal(buf[5], 'x');
	decode_cr0(0x80000011, buf, 1);
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_registers),
	    cmocka_unit_test(test_cr3),
	    cmocka_unit_test(test_bits_truncated),
	};

	return cmocka_run_group_tests_name("decode", tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the register viewer's decoders and parsers, no KVM needed:
 * kvmlab/x86/decode.c (CR0, CR4, EFER, RFLAGS, segment attributes, exit
 * details), kvmlab/viewer/breaks.c (breakpoints, exit filters, the CPU mode
 * class), kvmlab/cli/keys.c (key scripts) and kvmlab/load/symfile.c.
 *
 * Register values come from the Intel SDM: the reset state (Vol. 3A,
 * 9.1.1, Table 9-1), the bit positions of Vol. 3A 2.5 (CR0, CR4), 2.2.1
 * (EFER) and Vol. 1 3.4.3 (EFLAGS), and descriptors packed as in Vol. 3A
 * 3.4.5 (Figure 3-8).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kvmlab/viewer/breaks.h"
#include "kvmlab/x86/decode.h"
#include "kvmlab/exits/failentry.h"
#include "kvmlab/kvm/guestdbg.h"
#include "kvmlab/cli/keys.h"
#include "kvmlab/x86/modes.h"
#include "kvmlab/load/symfile.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct reg_case {
	uint64_t value;
	const char *want;
};

static void check_regs(const struct reg_case *c, size_t n,
		       const char *(*fn)(uint64_t, char *, size_t))
{
	for (size_t i = 0; i < n; i++) {
		char buf[256];

		print_message("  0x%llx\n", (unsigned long long)c[i].value);
		assert_ptr_equal(fn(c[i].value, buf, sizeof(buf)), buf);
		assert_string_equal(buf, c[i].want);
	}
}

static void test_cr0(void **state)
{
	static const struct reg_case cases[] = {
	    /* After RESET: CD, NW and ET (Table 9-1). */
	    {0x60000010, "pg CD NW am wp ne ET ts em mp pe"},
	    /* Protected mode, nothing else: PE (and ET, hard-wired). */
	    {0x00000011, "pg cd nw am wp ne ET ts em mp PE"},
	    /* kvmlab's long mode: PG, WP, ET, PE. */
	    {0x80010011, "PG cd nw am WP ne ET ts em mp PE"},
	    /* A typical OS: PG AM WP NE ET MP PE. */
	    {0x80050033, "PG cd nw AM WP NE ET ts em MP PE"},
	    /* Every named bit. */
	    {0xe005003f, "PG CD NW AM WP NE ET TS EM MP PE"},
	    /* Bit 6 has no name: it is shown, not hidden. */
	    {0x00000041, "BIT6 pg cd nw am wp ne et ts em mp PE"},
	    {0, "pg cd nw am wp ne et ts em mp pe"},
	};

	(void)state;
	check_regs(cases, ARRAY_LEN(cases), decode_cr0);
}

static void test_cr4(void **state)
{
	static const struct reg_case cases[] = {
	    {0, "pks cet pke smap smep kl osxsave pcide fsgsbase smxe vmxe "
		"la57 umip osxmmexcpt osfxsr pce pge mce pae pse de tsd pvi "
		"vme"},
	    /* Long mode needs PAE (bit 5). */
	    {0x20, "pks cet pke smap smep kl osxsave pcide fsgsbase smxe vmxe "
		   "la57 umip osxmmexcpt osfxsr pce pge mce PAE pse de tsd pvi "
		   "vme"},
	    /* PAE PGE OSFXSR OSXMMEXCPT: bits 5, 7, 9, 10. */
	    {0x6a0, "pks cet pke smap smep kl osxsave pcide fsgsbase smxe vmxe "
		    "la57 umip OSXMMEXCPT OSFXSR pce PGE mce PAE pse de tsd "
		    "pvi vme"},
	    /* VME (bit 0) and SMAP (bit 21), the ends of the table. */
	    {0x200001,
	     "pks cet pke SMAP smep kl osxsave pcide fsgsbase smxe "
	     "vmxe la57 umip osxmmexcpt osfxsr pce pge mce pae pse de "
	     "tsd pvi VME"},
	    /* Bit 15 is reserved: named BIT15. */
	    {0x8000,
	     "BIT15 pks cet pke smap smep kl osxsave pcide fsgsbase "
	     "smxe vmxe la57 umip osxmmexcpt osfxsr pce pge mce pae pse "
	     "de tsd pvi vme"},
	};

	(void)state;
	check_regs(cases, ARRAY_LEN(cases), decode_cr4);
}

static void test_efer(void **state)
{
	static const struct reg_case cases[] = {
	    {0, "nxe lma lme sce"},
	    /* LME armed, paging still off: not yet active. */
	    {0x100, "nxe lma LME sce"},
	    /* Long mode active: LME and LMA (bits 8 and 10). */
	    {0x500, "nxe LMA LME sce"},
	    {0xd01, "NXE LMA LME SCE"},
	    /* AMD's SVME (bit 12) is not in the Intel table. */
	    {0x1500, "BIT12 nxe LMA LME sce"},
	};

	(void)state;
	check_regs(cases, ARRAY_LEN(cases), decode_efer);
}

static void test_rflags(void **state)
{
	static const struct reg_case cases[] = {
	    /* After RESET: only the reserved bit 1, which is not news. */
	    {0x2, "id vip vif ac vm rf nt iopl=0 of df if tf sf zf af pf cf"},
	    /* IF ZF PF: 0x246, after a compare that found equality. */
	    {0x246, "id vip vif ac vm rf nt iopl=0 of df IF tf sf ZF af PF cf"},
	    /* IOPL is two bits: a number, upper case when not 0. */
	    {0x3002,
	     "id vip vif ac vm rf nt IOPL=3 of df if tf sf zf af pf cf"},
	    {0x1002,
	     "id vip vif ac vm rf nt IOPL=1 of df if tf sf zf af pf cf"},
	    /* Every flag. */
	    {0x3f7fd7,
	     "ID VIP VIF AC VM RF NT IOPL=3 OF DF IF TF SF ZF AF PF CF"},
	    /* Bit 3 is reserved (always 0): shown when set. */
	    {0x0a, "BIT3 id vip vif ac vm rf nt iopl=0 of df if tf sf zf af pf "
		   "cf"},
	};

	(void)state;
	check_regs(cases, ARRAY_LEN(cases), decode_rflags);
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

static void test_segments(void **state)
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

static void test_exits(void **state)
{
	static const struct {
		struct exit_info e;
		const char *want;
	} cases[] = {
	    {{.reason = KVM_EXIT_IO,
	      .port = 0x3f8,
	      .size = 1,
	      .out = true,
	      .count = 1,
	      .data = 'H'},
	     "out port 0x3f8 size 1 data 0x48 'H'"},
	    /* Not printable: no character. */
	    {{.reason = KVM_EXIT_IO,
	      .port = 0x3f8,
	      .size = 1,
	      .out = true,
	      .count = 1,
	      .data = '\n'},
	     "out port 0x3f8 size 1 data 0xa"},
	    /* IN: the data is what the device answered. */
	    {{.reason = KVM_EXIT_IO,
	      .port = 0x3fd,
	      .size = 1,
	      .count = 1,
	      .data = 0x60},
	     "in  port 0x3fd size 1 data 0x60 '`'"},
	    /* Wider than a byte: a number, never a character. */
	    {{.reason = KVM_EXIT_IO,
	      .port = 0xf4,
	      .size = 2,
	      .out = true,
	      .count = 1,
	      .data = 0x41},
	     "out port 0xf4 size 2 data 0x41"},
	    /* REP OUTSB: the first element and the count. */
	    {{.reason = KVM_EXIT_IO,
	      .port = 0x3f8,
	      .size = 1,
	      .out = true,
	      .count = 3,
	      .data = 'a'},
	     "out port 0x3f8 size 1 data 0x61 'a' count 3"},
	    {{.reason = KVM_EXIT_MMIO,
	      .addr = 0xd0000000,
	      .len = 4,
	      .write = true,
	      .data = 1},
	     "write 0xd0000000 len 4 data 0x1"},
	    {{.reason = KVM_EXIT_MMIO,
	      .addr = 0xd0000008,
	      .len = 8,
	      .data = 0x0123456789abcdefull},
	     "read 0xd0000008 len 8 data 0x123456789abcdef"},
	    {{.reason = KVM_EXIT_HLT}, ""},
	    {{.reason = KVM_EXIT_SHUTDOWN}, ""},
	    /* VMX basic exit reason 33 (SDM Vol. 3C, Appendix C). */
	    /* Its name depends on the host's CPU vendor: checked below. */
	    {{.reason = KVM_EXIT_FAIL_ENTRY, .code = 33}, NULL},
	    {{.reason = KVM_EXIT_INTERNAL_ERROR,
	      .code = KVM_INTERNAL_ERROR_EMULATION},
	     "suberror 1 (EMULATION)"},
	    {{.reason = KVM_EXIT_SYSTEM_EVENT, .code = 2}, "type 2"},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char buf[96], want[96];

		/* A VMX exit reason on Intel, an SVM exit code on AMD. */
		if (!cases[i].want)
			snprintf(want, sizeof(want),
				 "hardware reason 0x21 (%s)",
				 fail_entry_name_for(33, host_cpu_vendor()));
		else
			snprintf(want, sizeof(want), "%s", cases[i].want);
		print_message("  %s\n", want);
		assert_ptr_equal(decode_exit(&cases[i].e, buf, sizeof(buf)),
				 buf);
		assert_string_equal(buf, want);
	}
}

static void test_filter_parse(void **state)
{
	static const struct {
		const char *text;
		int ok;
		struct exit_filter want;
	} cases[] = {
	    {"", 1, {.on = false}},
	    {"   ", 1, {.on = false}},
	    {"io", 1, {.on = true, .reason = KVM_EXIT_IO}},
	    {"HLT", 1, {.on = true, .reason = KVM_EXIT_HLT}},
	    {"Shutdown", 1, {.on = true, .reason = KVM_EXIT_SHUTDOWN}},
	    {"any", 1, {.on = true, .reason = EXIT_ANY}},
	    {"io 3f8",
	     1,
	     {.on = true,
	      .reason = KVM_EXIT_IO,
	      .ranged = true,
	      .lo = 0x3f8,
	      .hi = 0x3f8}},
	    {" IO  0xF4 ",
	     1,
	     {.on = true,
	      .reason = KVM_EXIT_IO,
	      .ranged = true,
	      .lo = 0xf4,
	      .hi = 0xf4}},
	    {"mmio 0xd0000000-0xd0000fff",
	     1,
	     {.on = true,
	      .reason = KVM_EXIT_MMIO,
	      .ranged = true,
	      .lo = 0xd0000000,
	      .hi = 0xd0000fff}},
	    {"any 3f8-3ff",
	     1,
	     {.on = true,
	      .reason = EXIT_ANY,
	      .ranged = true,
	      .lo = 0x3f8,
	      .hi = 0x3ff}},
	    {"bogus", 0, {0}},
	    {"io zz", 0, {0}},
	    {"io 3f8-", 0, {0}},
	    {"io 5-3", 0, {0}},
	    {"io 1 2", 0, {0}},
	    /* KVM_EXIT_UNKNOWN (0) is a reason of its own. */
	    {"unknown", 1, {.on = true, .reason = KVM_EXIT_UNKNOWN}},
	    {"io,mmio", 0, {0}},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct exit_filter f = {.on = true, .reason = 99};
		char err[128] = "";
		int r = exit_filter_parse(cases[i].text, &f, err, sizeof(err));

		print_message("  '%s'\n", cases[i].text);
		if (!cases[i].ok) {
			assert_int_equal(r, -EINVAL);
			assert_true(err[0] != '\0');
			assert_int_equal(f.reason, 99); /* unchanged */
			continue;
		}
		assert_int_equal(r, 0);
		assert_int_equal(f.on, cases[i].want.on);
		if (!f.on)
			continue;
		assert_int_equal(f.reason, cases[i].want.reason);
		assert_int_equal(f.ranged, cases[i].want.ranged);
		assert_int_equal(f.lo, cases[i].want.lo);
		assert_int_equal(f.hi, cases[i].want.hi);
	}
}

static void test_filter_match(void **state)
{
	const struct exit_info out3f8 = {.reason = KVM_EXIT_IO, .port = 0x3f8},
			       outf4 = {.reason = KVM_EXIT_IO, .port = 0xf4},
			       mmio = {.reason = KVM_EXIT_MMIO,
				       .addr = 0xd0000010},
			       hlt = {.reason = KVM_EXIT_HLT};
	const struct {
		const char *filter;
		bool m3f8, mf4, mmmio, mhlt;
	} cases[] = {
	    {"", false, false, false, false},
	    {"any", true, true, true, true},
	    {"io", true, true, false, false},
	    {"io 3f8", true, false, false, false},
	    {"io 0-ff", false, true, false, false},
	    {"mmio d0000000-d0000fff", false, false, true, false},
	    {"mmio d0000011-d0000fff", false, false, false, false},
	    {"hlt", false, false, false, true},
	    /* A range never matches an exit without a port or address. */
	    {"any 0-ffffffff", true, true, true, false},
	};
	struct exit_filter f;
	char err[128], text[64];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		print_message("  '%s'\n", cases[i].filter);
		assert_int_equal(
		    exit_filter_parse(cases[i].filter, &f, err, sizeof(err)),
		    0);
		assert_int_equal(exit_filter_match(&f, &out3f8), cases[i].m3f8);
		assert_int_equal(exit_filter_match(&f, &outf4), cases[i].mf4);
		assert_int_equal(exit_filter_match(&f, &mmio), cases[i].mmmio);
		assert_int_equal(exit_filter_match(&f, &hlt), cases[i].mhlt);
	}
	assert_int_equal(
	    exit_filter_parse("mmio d0000000-d0000fff", &f, err, sizeof(err)),
	    0);
	assert_string_equal(exit_filter_describe(&f, text, sizeof(text)),
			    "MMIO 0xd0000000-0xd0000fff");
	exit_filter_parse("io f4", &f, err, sizeof(err));
	assert_string_equal(exit_filter_describe(&f, text, sizeof(text)),
			    "IO 0xf4");
	exit_filter_parse("any", &f, err, sizeof(err));
	assert_string_equal(exit_filter_describe(&f, text, sizeof(text)),
			    "any exit");
	exit_filter_parse("", &f, err, sizeof(err));
	assert_string_equal(exit_filter_describe(&f, text, sizeof(text)),
			    "off");
}

static void test_breakpoints(void **state)
{
	struct breaks b = {0};
	char buf[256];

	(void)state;
	assert_false(breaks_any(&b));
	assert_string_equal(breaks_describe(&b, NULL, buf, sizeof(buf)),
			    "none");
	/* Four debug registers, DR0-DR3: slots 1-4. */
	assert_int_equal(breaks_toggle(&b, 0x1000), 1);
	assert_int_equal(breaks_toggle(&b, 0x2000), 2);
	assert_int_equal(breaks_toggle(&b, 0x3000), 3);
	assert_int_equal(breaks_toggle(&b, 0x4000), 4);
	assert_int_equal(breaks_toggle(&b, 0x5000), -ENOSPC);
	assert_int_equal(breaks_at(&b, 0x3000), 2);
	assert_int_equal(breaks_at(&b, 0x5000), -1);
	/* Toggling one clears it and frees its slot. */
	assert_int_equal(breaks_toggle(&b, 0x2000), 0);
	assert_int_equal(breaks_at(&b, 0x2000), -1);
	assert_int_equal(breaks_toggle(&b, 0x5000), 2);
	assert_true(breaks_any(&b));
	b.on_mode = true;
	exit_filter_parse("io 3f8", &b.filter, buf, sizeof(buf));
	assert_string_equal(breaks_describe(&b, NULL, buf, sizeof(buf)),
			    "bp1 0x1000  bp2 0x5000  bp3 0x3000  bp4 0x4000  "
			    "filter IO 0x3f8  mode-change");
	for (int i = 0; i < 4; i++)
		b.bp_on[i] = false;
	assert_false(breaks_any(&b));
}

static void test_cpu_class(void **state)
{
	struct kvm_sregs s = {0};

	(void)state;
	s.cr0 = 0x60000010;
	assert_int_equal(cpu_class_of(&s), CPU_REAL);
	s.cr0 |= CR0_PE;
	assert_int_equal(cpu_class_of(&s), CPU_PROTECTED);
	/* LME alone is not long mode: LMA is what the CPU sets. */
	s.efer = EFER_LME;
	assert_int_equal(cpu_class_of(&s), CPU_PROTECTED);
	s.cr0 |= CR0_PG;
	s.efer |= EFER_LMA;
	assert_int_equal(cpu_class_of(&s), CPU_LONG);
	assert_string_equal(cpu_class_name(CPU_REAL), "real mode");
	assert_string_equal(cpu_class_name(CPU_PROTECTED), "protected mode");
	assert_string_equal(cpu_class_name(CPU_LONG), "long mode");
}

static void test_parse_hex(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(parse_hex("100071", &v), 0);
	assert_int_equal(v, 0x100071);
	assert_int_equal(parse_hex("0xFFFFffff00000000", &v), 0);
	assert_int_equal(v, 0xffffffff00000000ull);
	assert_int_equal(parse_hex("", &v), -EINVAL);
	assert_int_equal(parse_hex("0x", &v), -EINVAL);
	assert_int_equal(parse_hex("12g", &v), -EINVAL);
	assert_int_equal(parse_hex("-1", &v), -EINVAL);
	assert_int_equal(parse_hex("10000000000000000", &v), -EINVAL);
}

/* The length of a MOV SS or POP SS at RIP (0 for anything else). */
static void test_movss_length(void **state)
{
	static const struct {
		uint8_t code[8];
		size_t n;
		unsigned bits;
		size_t want;
	} cases[] = {
	    {{0x8e, 0xd0}, 2, 16, 2},		  /* mov %ax,%ss */
	    {{0x8e, 0xd8}, 2, 16, 0},		  /* mov %ax,%ds */
	    {{0x17}, 1, 16, 1},			  /* pop %ss */
	    {{0x17}, 1, 64, 0},			  /* no pop %ss in 64-bit */
	    {{0x8e, 0x16, 0x34, 0x12}, 4, 16, 4}, /* mov 0x1234,%ss */
	    {{0x67, 0x8e, 0x15}, 7, 16, 7},	  /* addr32: disp32 */
	    {{0x8e, 0x54, 0x24, 0x08}, 4, 32, 4}, /* SIB and disp8 */
	    {{0x8e, 0x15}, 6, 64, 6},		  /* RIP-relative */
	    {{0x66, 0x48, 0x8e, 0xd0}, 4, 64, 4}, /* prefixes */
	    {{0x8e}, 1, 32, 0},			  /* cut short */
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		assert_int_equal(
		    movss_length(cases[i].code, cases[i].n, cases[i].bits),
		    cases[i].want);
}

static void test_keys(void **state)
{
	int keys[16];
	char err[160];

	(void)state;
	assert_int_equal(keys_parse("sss", keys, 16, err, sizeof(err)), 3);
	assert_int_equal(keys[0], 's');
	assert_int_equal(keys_parse("bf<enter>c", keys, 16, err, sizeof(err)),
			 4);
	assert_int_equal(keys[2], KEY_ENTER_);
	assert_int_equal(keys[3], 'c');
	assert_int_equal(keys_parse("<tab><esc><bs><space><lt><frame>\n", keys,
				    16, err, sizeof(err)),
			 7);
	assert_int_equal(keys[0], KEY_TAB_);
	assert_int_equal(keys[1], KEY_ESC_);
	assert_int_equal(keys[2], KEY_BS_);
	assert_int_equal(keys[3], ' ');
	assert_int_equal(keys[4], '<');
	assert_int_equal(keys[5], VKEY_FRAME);
	assert_int_equal(keys[6], KEY_ENTER_);
	assert_int_equal(keys_parse("", keys, 16, err, sizeof(err)), 0);
	assert_int_equal(keys_parse("s<nope>", keys, 16, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "<nope>"));
	assert_int_equal(keys_parse("s<enter", keys, 16, err, sizeof(err)), -1);
	assert_int_equal(keys_parse("\x01", keys, 16, err, sizeof(err)), -1);
	assert_int_equal(keys_parse("sssss", keys, 4, err, sizeof(err)), -1);
}

static void test_symfile(void **state)
{
	char path[] = "/tmp/kvmlab-test-sym.XXXXXX";
	struct guest_image img = {0};
	char buf[96], sym[64];
	uint64_t addr;
	FILE *f;
	int fd;

	(void)state;
	assert_string_equal(
	    symfile_path("build/guest/ch01.bin", buf, sizeof(buf)),
	    "build/guest/ch01.sym");
	assert_string_equal(symfile_path("a.d/guest", buf, sizeof(buf)),
			    "a.d/guest.sym");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	/* nm -n, with a line that is not a symbol. */
	fprintf(f, "00001007 t next\n00001000 T _start\n"
		   "         U undefined\n0000100f t done\n");
	fclose(f);
	assert_int_equal(symfile_load(path, &img), 0);
	unlink(path);
	assert_int_equal(img.nsyms, 3);
	assert_int_equal(image_symbol_find(&img, "done", &addr), 0);
	assert_int_equal(addr, 0x100f);
	assert_string_equal(image_addr_name(&img, 0x1009, sym, sizeof(sym)),
			    "0x1009 <next+2>");
	assert_string_equal(image_addr_name(&img, 0x1000, sym, sizeof(sym)),
			    "0x1000 <_start>");
	image_free(&img);
	assert_int_equal(symfile_load("/nonexistent/x.sym", &img), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cr0),
	    cmocka_unit_test(test_cr4),
	    cmocka_unit_test(test_efer),
	    cmocka_unit_test(test_rflags),
	    cmocka_unit_test(test_cr3),
	    cmocka_unit_test(test_bits_truncated),
	    cmocka_unit_test(test_segments),
	    cmocka_unit_test(test_exits),
	    cmocka_unit_test(test_filter_parse),
	    cmocka_unit_test(test_filter_match),
	    cmocka_unit_test(test_breakpoints),
	    cmocka_unit_test(test_cpu_class),
	    cmocka_unit_test(test_parse_hex),
	    cmocka_unit_test(test_movss_length),
	    cmocka_unit_test(test_keys),
	    cmocka_unit_test(test_symfile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

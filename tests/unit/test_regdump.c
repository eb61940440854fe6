/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the mode printer of kvmlab/x86/modes.c (chapters 2-3), no
 * KVM needed: sregs_print() and segment_print(), the register dump chapter
 * 2 shows before and after its switch to protected mode.  Its bit and
 * segment type names are regbits.c's; it stays within 80 columns and
 * breaks a long description between its parts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kvmlab/base/memory.h"
#include "kvmlab/x86/modes.h"

#define MiB	     (1024ull * 1024)
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- start from what KVM_GET_SREGS returns after reset ---- */

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

/* The dump of each mode's state holds these lines (or parts of lines). */
static void test_print_modes(void **state)
{
	static const struct {
		const char *what;
		/* NULL: the reset state as it is */
		int (*enter)(struct kvm_sregs *s, const struct guest_mem *mem);
		const char *want[6];
	} cases[] = {
	    {"reset",
	     NULL,
	     {"  mode real mode\n",
	      "  cs  sel 0xf000  base 0xffff0000  limit 0x0000ffff  type 0xb\n"
	      "      code exec/read accessed, 16-bit, DPL0, present, byte "
	      "granular\n",
	      "  cr0  0x60000010 [ET NW CD]\n", "  efer 0x00000000\n",
	      "TSS (busy), DPL0, present"}},
	    {"protected",
	     modes_protected,
	     {"  mode protected mode, 32-bit code, CPL0, paging off\n",
	      "  cs  sel 0x0008  base 0x00000000  limit 0xffffffff  type 0xb\n"
	      "      code exec/read accessed, 32-bit, DPL0, present, 4K "
	      "granular\n",
	      "  ss  sel 0x0010  base 0x00000000  limit 0xffffffff  type 0x3\n"
	      "      data read/write accessed, 32-bit, DPL0, present, 4K "
	      "granular\n",
	      "  gdt  base 0x00000800  limit 0x001f\n",
	      "  cr0  0x60000011 [PE ET NW CD]\n"}},
	    {"long",
	     modes_long,
	     {"  mode long mode, 64-bit code, CPL0, paging on\n",
	      "code exec/read accessed, 64-bit, DPL0",
	      "  cr0  0xe0010011 [PE ET WP NW CD PG]\n", "  cr3 0x00010000\n",
	      "  cr4  0x00000020 [PAE]\n", "  efer 0x00000500 [LME LMA]\n"}},
	};
	struct guest_mem mem = {calloc(1, 2 * MiB), 2 * MiB};

	(void)state;
	assert_non_null(mem.host);
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct kvm_sregs s = reset_sregs();
		char *text;

		print_message("  %s:\n", cases[i].what);
		if (cases[i].enter)
			assert_int_equal(cases[i].enter(&s, &mem), 0);
		text = print_text(&s);
		assert_narrow(text);
		for (size_t w = 0; w < ARRAY_LEN(cases[i].want); w++)
			if (cases[i].want[w])
				assert_non_null(strstr(text, cases[i].want[w]));
		free(text);
	}
	free(mem.host);
}

/* Everything set at once still fits in 80 columns. */
static void test_print_everything(void **state)
{
	struct guest_mem mem = {calloc(1, 2 * MiB), 2 * MiB};
	struct kvm_sregs s = reset_sregs();
	char *text;

	(void)state;
	assert_non_null(mem.host);
	assert_int_equal(modes_long(&s, &mem), 0);
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
	free(mem.host);
}

/* One segment on its own, as the viewer prints it. */
static void test_segment_print(void **state)
{
	struct kvm_segment odd;
	char *one = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&one, &len);

	(void)state;
	assert_non_null(out);
	desc_decode(0x1200893456780067ull, &odd);
	odd.selector = 0x28;
	segment_print("tr", &odd, out);
	fclose(out);
	assert_string_equal(one, "  tr  sel 0x0028  base 0x12345678  limit "
				 "0x00000067  type 0x9\n"
				 "      TSS (available), DPL0, present, byte "
				 "granular\n");
	free(one);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_print_modes),
	    cmocka_unit_test(test_print_everything),
	    cmocka_unit_test(test_segment_print),
	};

	return cmocka_run_group_tests_name("regdump", tests, NULL, NULL);
}

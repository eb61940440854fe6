/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of kvmlab/x86/regbits.c (chapters 2-3), no KVM needed: the
 * tables are typed by hand from the SDM, so check what a slip would break.
 * Each table runs highest bit first with no field overlapping another (the
 * order the viewer prints); the named constants (CR0_PE, EFER_LMA, ...)
 * agree with the tables; the descriptor type names follow the type field's
 * bits (SDM Vol. 3A, 3.4.5.1, Table 3-1).  And the reason for one table:
 * the mode printer (sregs_print) and the viewer (decode.c) call every bit
 * by the same name.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kvmlab/x86/decode.h"
#include "kvmlab/x86/modes.h"
#include "kvmlab/x86/regbits.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *reg;
	const struct bit_field *bits;
} tables[] = {
    {"cr0", cr0_bits},	 {"cr4", cr4_bits},
    {"efer", efer_bits}, {"rflags", rflags_bits},
    {"cr3", cr3_bits},	 {"cr3 with PCIDE", cr3_pcid_bits},
};

static uint64_t field_mask(const struct bit_field *f)
{
	return (f->width >= 64 ? ~0ull : (1ull << f->width) - 1) << f->bit;
}

static const struct bit_field *field_named(const struct bit_field *bits,
					   const char *name)
{
	for (const struct bit_field *f = bits; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

static void test_tables(void **state)
{
	(void)state;
	for (size_t t = 0; t < ARRAY_LEN(tables); t++) {
		uint64_t seen = 0;
		int prev = 64;

		print_message("  %s\n", tables[t].reg);
		for (const struct bit_field *f = tables[t].bits; f->name; f++) {
			assert_true(f->width >= 1 && f->bit + f->width <= 64);
			/* Highest first, and no bit named twice. */
			assert_true(f->bit < prev);
			assert_int_equal(seen & field_mask(f), 0);
			seen |= field_mask(f);
			prev = f->bit;
			/* Upper case: the viewer lowers it for a clear bit. */
			assert_true(f->name[0] != '\0');
			for (const char *c = f->name; *c; c++)
				assert_true(isupper((unsigned char)*c) ||
					    isdigit((unsigned char)*c));
			assert_ptr_equal(field_named(tables[t].bits, f->name),
					 f);
		}
	}
}

/* The constants the VMM tests bits with name the bits the tables name. */
static void test_constants(void **state)
{
	static const struct {
		const struct bit_field *bits;
		const char *name;
		uint64_t value;
	} cases[] = {
	    {cr0_bits, "PE", CR0_PE},	    {cr0_bits, "ET", CR0_ET},
	    {cr0_bits, "NE", CR0_NE},	    {cr0_bits, "WP", CR0_WP},
	    {cr0_bits, "PG", CR0_PG},	    {cr4_bits, "PAE", CR4_PAE},
	    {cr4_bits, "PCIDE", CR4_PCIDE}, {efer_bits, "LME", EFER_LME},
	    {efer_bits, "LMA", EFER_LMA},
	};
	static const char *const amd[] = {"SVME", "LMSLE", "FFXSR", "TCE"};
	uint64_t amd_bits = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const struct bit_field *f =
		    field_named(cases[i].bits, cases[i].name);

		print_message("  %s\n", cases[i].name);
		assert_non_null(f);
		assert_int_equal(field_mask(f), cases[i].value);
	}
	for (size_t i = 0; i < ARRAY_LEN(amd); i++) {
		const struct bit_field *f = field_named(efer_bits, amd[i]);

		assert_non_null(f);
		amd_bits |= field_mask(f);
	}
	assert_int_equal(amd_bits, EFER_AMD_ONLY);
}

/* Code and data names say what the type field's bits say (Table 3-1). */
static void test_code_data_types(void **state)
{
	(void)state;
	for (unsigned type = 0; type < 16; type++) {
		const struct desc_type *d = &desc_types[1][type];
		bool code = type & 8;
		char full[64];

		print_message("  0x%x %s\n", type, d->full);
		snprintf(
		    full, sizeof(full), "%s %s%s%s", code ? "code" : "data",
		    code ? (type & 2 ? "exec/read" : "exec-only")
			 : (type & 2 ? "read/write" : "read-only"),
		    type & 4 ? (code ? " conforming" : " expand-down") : "",
		    type & 1 ? " accessed" : "");
		assert_string_equal(d->full, full);
		/* The short name: "acc" for "accessed", nothing else. */
		if (type & 1)
			full[strlen(full) - strlen("essed")] = '\0';
		assert_string_equal(d->brief, full);
	}
}

/* System types: one name each; the 16-bit ones say so (Table 3-2). */
static void test_system_types(void **state)
{
	static const unsigned bits16[] = {1, 3, 4, 6, 7};

	(void)state;
	for (unsigned a = 0; a < 16; a++) {
		assert_non_null(desc_types[0][a].full);
		assert_non_null(desc_types[0][a].brief);
		for (unsigned b = 0; b < a; b++) {
			assert_string_not_equal(desc_types[0][a].full,
						desc_types[0][b].full);
			assert_string_not_equal(desc_types[0][a].brief,
						desc_types[0][b].brief);
		}
	}
	for (size_t i = 0; i < ARRAY_LEN(bits16); i++) {
		assert_non_null(
		    strstr(desc_types[0][bits16[i]].full, "16-bit"));
		assert_non_null(strstr(desc_types[0][bits16[i]].brief, "16"));
	}
}

/*
 * One bit set at a time: the mode printer lists it as "[NAME]", the viewer
 * shows NAME in upper case (AMD's own EFER bits: BITn, see decode.h).
 */
static void test_printers_agree(void **state)
{
	static const struct {
		const char *reg;
		const struct bit_field *bits;
		const char *(*decode)(uint64_t value, char *buf, size_t len);
	} regs[] = {
	    {"cr0", cr0_bits, decode_cr0},
	    {"cr4", cr4_bits, decode_cr4},
	    {"efer", efer_bits, decode_efer},
	};

	(void)state;
	for (size_t r = 0; r < ARRAY_LEN(regs); r++) {
		for (const struct bit_field *f = regs[r].bits; f->name; f++) {
			uint64_t v = 1ull << f->bit;
			bool amd =
			    regs[r].bits == efer_bits && (v & EFER_AMD_ONLY);
			struct kvm_sregs s = {0};
			char want[64], bits[256], line[260], *text = NULL;
			size_t len = 0;
			FILE *out = open_memstream(&text, &len);

			print_message("  %s.%s\n", regs[r].reg, f->name);
			assert_non_null(out);
			s.cr0 = regs[r].bits == cr0_bits ? v : 0;
			s.cr4 = regs[r].bits == cr4_bits ? v : 0;
			s.efer = regs[r].bits == efer_bits ? v : 0;
			sregs_print(&s, out);
			fclose(out);
			snprintf(want, sizeof(want), "  %-4s 0x%08llx [%s]\n",
				 regs[r].reg, (unsigned long long)v, f->name);
			assert_non_null(strstr(text, want));
			free(text);

			/* A whole word of the viewer's line. */
			snprintf(line, sizeof(line), " %s ",
				 regs[r].decode(v, bits, sizeof(bits)));
			if (amd)
				snprintf(want, sizeof(want), " BIT%u ", f->bit);
			else
				snprintf(want, sizeof(want), " %s ", f->name);
			assert_non_null(strstr(line, want));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tables),
	    cmocka_unit_test(test_constants),
	    cmocka_unit_test(test_code_data_types),
	    cmocka_unit_test(test_system_types),
	    cmocka_unit_test(test_printers_agree),
	};

	return cmocka_run_group_tests_name("regbits", tests, NULL, NULL);
}

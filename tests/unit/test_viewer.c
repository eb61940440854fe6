/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of what the register viewer parses and where it stops, no KVM
 * needed: exit filters, breakpoints and hex input (kvmlab/viewer/breaks.c),
 * the length of a MOV SS to step over (kvmlab/kvm/guestdbg.c), key
 * scripts (kvmlab/cli/keys.c), symbol files (kvmlab/load/symfile.c), and
 * the PIC states in which a step took an interrupt (kvmlab/viewer/irqs.c).
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

#include "kvmlab/cli/keys.h"
#include "kvmlab/kvm/guestdbg.h"
#include "kvmlab/load/symfile.h"
#include "kvmlab/viewer/breaks.h"
#include "kvmlab/viewer/irqs.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

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

static void test_parse_hex(void **state)
{
	static const struct {
		const char *text;
		int rc;
		uint64_t want;
	} cases[] = {
	    {"100071", 0, 0x100071},
	    {"0xFFFFffff00000000", 0, 0xffffffff00000000ull},
	    {"", -EINVAL, 0},
	    {"0x", -EINVAL, 0},
	    {"12g", -EINVAL, 0},
	    {"-1", -EINVAL, 0},
	    /* 17 digits: more than 64 bits. */
	    {"10000000000000000", -EINVAL, 0},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		uint64_t v = 0;

		print_message("  '%s'\n", cases[i].text);
		assert_int_equal(parse_hex(cases[i].text, &v), cases[i].rc);
		if (!cases[i].rc)
			assert_int_equal(v, cases[i].want);
	}
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
	static const struct {
		const char *script;
		size_t max;
		int n; /* keys_parse()'s result: the count, or -1 */
		int want[8];
	} cases[] = {
	    {"sss", 16, 3, {'s', 's', 's'}},
	    {"bf<enter>c", 16, 4, {'b', 'f', KEY_ENTER_, 'c'}},
	    {"<tab><esc><bs><space><lt><frame>\n",
	     16,
	     7,
	     {KEY_TAB_, KEY_ESC_, KEY_BS_, ' ', '<', VKEY_FRAME, KEY_ENTER_}},
	    {"", 16, 0, {0}},
	    {"s<nope>", 16, -1, {0}},
	    {"s<enter", 16, -1, {0}},
	    {"\x01", 16, -1, {0}},
	    /* More keys than room. */
	    {"sssss", 4, -1, {0}},
	};
	int keys[16];
	char err[160];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		print_message("  '%s'\n", cases[i].script);
		assert_int_equal(keys_parse(cases[i].script, keys, cases[i].max,
					    err, sizeof(err)),
				 cases[i].n);
		for (int k = 0; k < cases[i].n; k++)
			assert_int_equal(keys[k], cases[i].want[k]);
	}
	/* The error names the bad key. */
	assert_int_equal(keys_parse("s<nope>", keys, 16, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "<nope>"));
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

/* PICs as chapter 6's guest leaves them: vectors 32-47, IRQ 0, 2, 4 open. */
static struct irq_state pics(uint16_t irr, uint16_t isr)
{
	struct irq_state s;

	memset(&s, 0, sizeof(s));
	s.pic[0] = (struct irqchip_pic){.irr = (uint8_t)irr,
					.isr = (uint8_t)isr,
					.imr = 0xea,
					.elcr = 0x10,
					.vector_base = 32};
	s.pic[1] = (struct irqchip_pic){.irr = (uint8_t)(irr >> 8),
					.isr = (uint8_t)(isr >> 8),
					.imr = 0xff,
					.vector_base = 40};
	s.ev_ok = true;
	return s;
}

/* What the PICs hand the CPU next: priority, masks, in service, cascade. */
static void test_irq_next(void **state)
{
	struct irq_state s = pics(0x0011, 0);

	(void)state;
	assert_int_equal(irq_next(&s), 0); /* IRQ 0 before IRQ 4 */
	s = pics(0x0010, 0);
	assert_int_equal(irq_next(&s), 4);
	assert_int_equal(irq_vector(&s, 4), 36);
	assert_int_equal(irq_vector(&s, 9), 41);
	s = pics(0x0012, 0); /* IRQ 1 is masked */
	assert_int_equal(irq_next(&s), 4);
	s = pics(0x0010, 0x0001); /* the timer's handler runs: 4 waits */
	assert_int_equal(irq_next(&s), -1);
	s = pics(0x0001, 0x0010); /* ... but 0 goes before 4 */
	assert_int_equal(irq_next(&s), 0);
	s = pics(0x0000, 0);
	assert_int_equal(irq_next(&s), -1);
	/* The slave's IRQ 9 reaches the CPU through the master's IRQ 2. */
	s = pics(0x0204, 0);
	s.pic[1].imr = 0xfd;
	assert_int_equal(irq_next(&s), 9);
	s.pic[1].imr = 0xff;
	assert_int_equal(irq_next(&s), -1);
}

/* Which interrupt a step took, from the PICs before and after it. */
static void test_irq_taken(void **state)
{
	struct irq_state before, after;
	uint8_t order[IRQ_LINES];

	(void)state;
	/* The timer's request acknowledged, its handler done: IRR cleared. */
	before = pics(0x0001, 0);
	after = pics(0x0000, 0);
	assert_int_equal(irq_taken_during(&before, &after, true), 0x0001);
	/* Not with IF clear, nor in the shadow of STI. */
	assert_int_equal(irq_taken_during(&before, &after, false), 0);
	before.ev.interrupt.shadow = KVM_X86_SHADOW_INT_STI;
	assert_int_equal(irq_taken_during(&before, &after, true), 0);
	/* A request still there was not taken (KVM_GUESTDBG_BLOCKIRQ). */
	before = pics(0x0001, 0);
	assert_int_equal(irq_taken_during(&before, &before, true), 0);
	/* The UART's: in service after the step, whatever IF said. */
	before = pics(0x0010, 0);
	after = pics(0x0010, 0x0010);
	assert_int_equal(irq_taken_during(&before, &after, true), 0x0010);
	assert_int_equal(irq_taken_during(&before, &after, false), 0x0010);
	/* Both in one step: the timer's handler ran through, then the
	 * UART's stopped at its first exit.  The finished one comes first. */
	before = pics(0x0011, 0);
	after = pics(0x0010, 0x0010);
	assert_int_equal(irq_taken_during(&before, &after, true), 0x0011);
	assert_int_equal(irq_order(0x0011, &after, order), 2);
	assert_int_equal(order[0], 0);
	assert_int_equal(order[1], 4);
	/* The slave's IRQ 9: the master's cascade bit is not an IRQ. */
	before = pics(0, 0);
	after = pics(0, 0x0204);
	assert_int_equal(irq_taken_during(&before, &after, true), 0x0200);
	/* KVM had acknowledged vector 36 and was injecting it. */
	before = pics(0, 0x0010);
	before.ev.interrupt.injected = 1;
	before.ev.interrupt.nr = 36;
	after = pics(0, 0x0010);
	assert_int_equal(irq_taken_during(&before, &after, false), 0x0010);
	/* Nothing happened. */
	before = after = pics(0, 0);
	assert_int_equal(irq_taken_during(&before, &after, true), 0);
}

static void test_irq_names(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(irq_list(0x0011, true, buf, sizeof(buf)),
			    "0 timer, 4 COM1");
	assert_string_equal(irq_list(0x00e1, true, buf, sizeof(buf)),
			    "0 timer, 5-7");
	assert_string_equal(irq_list(0x0060, true, buf, sizeof(buf)), "5, 6");
	assert_string_equal(irq_list(0x0015, false, buf, sizeof(buf)), "0 2 4");
	assert_string_equal(irq_list(0xffea, false, buf, sizeof(buf)),
			    "1 3 5-15");
	assert_string_equal(irq_list(0, true, buf, sizeof(buf)), "-");
	assert_string_equal(irq_list(0x0011, true, buf, 5), "0 ti");
	assert_string_equal(irq_shadow_name(0), "-");
	assert_string_equal(irq_shadow_name(KVM_X86_SHADOW_INT_STI), "sti");
	assert_string_equal(irq_shadow_name(KVM_X86_SHADOW_INT_MOV_SS),
			    "mov ss");
	assert_null(irq_line_name(1));
}

/* Where an IDT entry sends the CPU (SDM Vol. 3A, 6.11, 6.14.1). */
static void test_irq_gate(void **state)
{
	/* 64-bit interrupt gate to 0x101b81, selector 0x08. */
	static const uint8_t gate64[16] = {0x81, 0x1b, 0x08, 0x00, 0x00, 0x8e,
					   0x10, 0x00, 0x00, 0x00, 0x00, 0x00};
	static const uint8_t gate32[8] = {0x34, 0x12, 0x08, 0x00,
					  0x00, 0x8e, 0x10, 0x00};
	static const uint8_t ivt[4] = {0x53, 0xff, 0x00, 0xf0};
	uint8_t absent[16] = {0x81, 0x1b, 0x08, 0x00, 0x00, 0x0e};
	uint64_t t = 0;

	(void)state;
	assert_true(irq_gate_decode(gate64, 16, &t));
	assert_int_equal(t, 0x101b81);
	assert_true(irq_gate_decode(gate32, 8, &t));
	assert_int_equal(t, 0x101234);
	assert_true(irq_gate_decode(ivt, 4, &t));
	assert_int_equal(t, 0xfff53);
	assert_false(irq_gate_decode(absent, 16, &t));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_filter_parse),
	    cmocka_unit_test(test_filter_match),
	    cmocka_unit_test(test_breakpoints),
	    cmocka_unit_test(test_parse_hex),
	    cmocka_unit_test(test_movss_length),
	    cmocka_unit_test(test_keys),
	    cmocka_unit_test(test_symfile),
	    cmocka_unit_test(test_irq_next),
	    cmocka_unit_test(test_irq_taken),
	    cmocka_unit_test(test_irq_names),
	    cmocka_unit_test(test_irq_gate),
	};

	return cmocka_run_group_tests_name("viewer", tests, NULL, NULL);
}

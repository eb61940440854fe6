/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the register viewer's screen, no KVM needed: made-up
 * snapshots rendered by kvmlab/viewer/layout.c and panes.c into a grid.c grid.
 * They check what a student relies on: the screen fits 80x24, changed
 * values carry '*', rows stay in fixed columns, the exit log shows the
 * newest exits last, pages and help switch, the wide layout shows every
 * pane, headless frames show no rates, guest text cannot reach the
 * terminal as control characters, and interrupts (chapter 6) show only
 * where the VM has an irqchip, in two lines and in the exit log.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kvmlab/viewer/layout.h"

static struct view v;
static struct grid g;
static char row_buf[512];

static const char *row(int y)
{
	return grid_row(&g, y, row_buf, sizeof(row_buf));
}

/* The first row holding `text`, or -1. */
static int find(const char *text)
{
	for (int y = 0; y < g.rows; y++)
		if (strstr(row(y), text))
			return y;
	return -1;
}

static void render(int cols, int rows)
{
	grid_free(&g);
	assert_int_equal(grid_init(&g, cols, rows), 0);
	view_render(&v, &g);
}

/* A CPU in long mode at a breakpoint, with a few exits behind it. */
static void long_mode_view(void)
{
	struct snapshot *s = &v.cur;

	memset(&v, 0, sizeof(v));
	v.title = "test";
	s->regs_ok = true;
	s->regs.rax = 0x1234;
	s->regs.rip = 0x100071;
	s->regs.rflags = 0x246;
	s->sregs.cr0 = 0x80010011;
	s->sregs.cr3 = 0x10000;
	s->sregs.cr4 = 0x20;
	s->sregs.efer = 0x500;
	s->sregs.cs = (struct kvm_segment){.selector = 0x18,
					   .limit = 0xffffffff,
					   .type = 0xb,
					   .present = 1,
					   .s = 1,
					   .l = 1,
					   .g = 1};
	s->sregs.ds = (struct kvm_segment){.selector = 0x10,
					   .limit = 0xffffffff,
					   .type = 0x3,
					   .present = 1,
					   .s = 1,
					   .db = 1,
					   .g = 1};
	s->sregs.gdt = (struct kvm_dtable){.base = 0x800, .limit = 0x1f};
	snprintf(s->mode, sizeof(s->mode),
		 "long mode, 64-bit code, CPL0, paging on");
	snprintf(s->rip_name, sizeof(s->rip_name), "0x100071 <page_fault>");
	s->ncode = 2;
	s->code[0] = 0x55;
	s->code[1] = 0x48;
	s->why = STOP_BREAKPOINT;
	snprintf(s->why_text, sizeof(s->why_text),
		 "breakpoint 1 at 0x100071 <page_fault>");
	snprintf(s->breaks, sizeof(s->breaks), "bp1 0x100071 <page_fault>");
	s->steps = 0;
	s->exits = 20;
	for (unsigned i = 0; i < 20; i++) {
		struct snap_exit *x = &s->exit[s->nexits++];

		x->e = (struct exit_info){.seq = i + 1,
					  .reason = KVM_EXIT_IO,
					  .port = 0x3f8,
					  .size = 1,
					  .out = true,
					  .count = 1,
					  .data = 'a' + i,
					  .rip = 0x100300};
		snprintf(x->where, sizeof(x->where), "0x100300 <console_putc>");
		stats_add(&s->stats, &x->e);
	}
	s->run_ns = 2000000000ull; /* 2 s: 10 exits/s */
	v.prev = v.cur;
}

static void test_fits_80x24(void **state)
{
	(void)state;
	long_mode_view();
	render(80, 24);
	assert_string_equal(row(0), " test | stopped: breakpoint 1 at "
				    "0x100071 <page_fault>");
	assert_int_equal(find("long mode, 64-bit code, CPL0, paging on"), 1);
	assert_int_equal(find("steps 0  exits 20"), 1);
	/* Registers in fixed columns, 22 apart. */
	assert_int_equal(find("rax 0000000000001234  rbx 0000000000000000  "
			      "rcx 0000000000000000"),
			 3);
	assert_true(find("r15 0000000000000000  rip 0000000000100071  "
			 "rfl 0000000000000246") > 3);
	assert_true(find("at 0x100071 <page_fault>  bytes 55 48") > 0);
	assert_true(find("rflags id vip vif ac vm rf nt iopl=0 of df IF tf sf "
			 "ZF af PF cf") > 0);
	assert_true(find("cr0  80010011 PG cd nw am WP ne ET ts em mp PE") > 0);
	assert_true(find("cr3 0000000000010000 pcd pwt") > 0);
	assert_true(find("efer 00000500 nxe LMA LME sce") > 0);
	assert_true(find("breaks bp1 0x100071 <page_fault>") > 0);
	assert_true(find("[1 cpu]") > 0);
	/* The hint line is the last row, whole. */
	assert_non_null(strstr(row(23), "q:quit"));
	for (int y = 0; y < 24; y++)
		assert_true(strlen(row(y)) <= 80);
}

static void test_changed_marks(void **state)
{
	(void)state;
	long_mode_view();
	/* Nothing marked before the first stop... */
	v.prev.regs.rax = 0x1;
	render(80, 24);
	assert_true(find("rax 0000000000001234") > 0);
	assert_int_equal(find("*"), -1);
	/* ...then exactly what changed. */
	v.have_prev = true;
	v.prev.sregs.cr0 = 0x11;
	render(80, 24);
	assert_true(find("rax*0000000000001234  rbx 0000000000000000") > 0);
	assert_true(find("cr0 *80010011") > 0);
	assert_true(find("efer 00000500") > 0);
	/* In the attribute, too, for colour. */
	{
		int y = find("rax*");

		assert_int_equal(g.attr[y * g.cols + 4], GA_CHANGED);
		assert_int_equal(g.attr[y * g.cols + 26], GA_NORMAL);
	}
	/* Segments: a new selector marks the register. */
	v.prev.sregs.cs.selector = 0x08;
	v.page = PAGE_SEGMENTS;
	render(80, 24);
	assert_true(find("cs *0018 0000000000000000 ffffffff code exec/read "
			 "acc 64-bit DPL0 present 4K") > 0);
	assert_true(find("ds  0010 0000000000000000 ffffffff data read/write "
			 "acc 32-bit DPL0 present 4K") > 0);
	assert_true(find("gdt      0000000000000800 0000001f") > 0);
}

static void test_exit_log(void **state)
{
	(void)state;
	long_mode_view();
	v.have_prev = true;
	v.prev.nexits = 18; /* exits 19 and 20 are new since the last stop */
	render(80, 24);
	/* Newest last: the cpu page shows the last few. */
	assert_true(find("20 IO       out port 0x3f8 size 1 data 0x74 't'") >
		    find("19 IO       out port 0x3f8 size 1 data 0x73 's'"));
	assert_int_equal(find(" 1 IO "), -1);
	assert_true(find("*    20 IO") > 0);
	assert_true(find("     18 IO") > 0);
	assert_true(find("0x100300 <console_putc>") > 0);
	v.page = PAGE_EXITS;
	render(80, 24);
	assert_true(find("#") > 0 && find("details") == find("#"));
}

static void test_stats(void **state)
{
	(void)state;
	long_mode_view();
	v.page = PAGE_STATS;
	/* Headless: no clock, no rates. */
	render(80, 24);
	assert_true(find("20 exits") > 0);
	assert_int_equal(find(" in 2.000 s"), -1);
	assert_true(
	    find("IO                             20  100.0%          -") > 0);
	assert_true(
	    find("IO out 0x3f8                   20  100.0%          -") > 0);
	/* In a terminal: exits per second of running. */
	v.clock = true;
	render(80, 24);
	assert_true(find("20 exits in 2.000 s of running") > 0);
	assert_true(find("100.0%       10/s") > 0);
}

static void test_memory_and_console(void **state)
{
	struct snapshot *s = &v.cur;

	(void)state;
	long_mode_view();
	v.page = PAGE_MEMORY;
	render(80, 24);
	assert_true(find("x shows memory") > 0);
	s->mem_on = s->mem_virtual = s->mem_mapped = true;
	s->mem_addr = 0x40000000;
	s->mem_pa = 0x105000;
	s->mem_len = 32;
	memcpy(s->mem, "Hello, guest!\n\x01", 15);
	snprintf(s->walk[0], sizeof(s->walk[0]), "va 0x40000000: PML4 0");
	s->nwalk = 1;
	render(80, 24);
	assert_true(find("virtual 0x40000000 -> physical 0x105000") > 0);
	assert_true(find("va 0x40000000: PML4 0") > 0);
	assert_true(find("40000000  48 65 6c 6c 6f 2c 20 67  75 65 73 74 21 0a "
			 "01 00  |Hello, guest!...|") > 0);
	/* A guest's escape sequence shows as text, never reaches the tty. */
	v.page = PAGE_CONSOLE;
	snprintf(s->console, sizeof(s->console), "one\n\x1b[2Jtwo\tx\n");
	s->console_len = strlen(s->console);
	render(80, 24);
	assert_true(find("one") > 0);
	assert_int_equal(find(".[2Jtwo x"), find("one") + 1);
}

static void test_pages_help_prompt(void **state)
{
	static const char *const names[] = {"cpu",   "segments", "exits",
					    "stats", "memory",	 "console"};

	(void)state;
	long_mode_view();
	for (int p = 0; p < PAGE_COUNT; p++) {
		char tab[32];

		v.page = (enum view_page)p;
		render(80, 24);
		snprintf(tab, sizeof(tab), "[%d %s]", p + 1, names[p]);
		assert_true(find(tab) > 0);
	}
	v.help = true;
	render(80, 24);
	assert_true(find("+- keys ") > 0);
	assert_true(find("step one instruction") > 0);
	v.help = false;
	v.prompt = "breakpoint at";
	snprintf(v.input, sizeof(v.input), "page_fault");
	grid_free(&g);
	assert_int_equal(grid_init(&g, 80, 24), 0);
	assert_int_equal(view_render(&v, &g), 25);
	assert_string_equal(row(23), "breakpoint at: page_fault");
}

static void test_sizes(void **state)
{
	(void)state;
	long_mode_view();
	render(79, 24);
	assert_string_equal(row(0), "the viewer needs 80x24; this is 79x24");
	/* Taller: the page gets the rows, the hint line stays last. */
	render(100, 40);
	assert_non_null(strstr(row(39), "q:quit"));
	assert_true(find("    20 IO") > 0 && find("     2 IO") > 0);
	/* Wide: every pane at once. */
	render(160, 45);
	for (unsigned i = 0; i < 7; i++) {
		static const char *const rules[] = {
		    "-- registers ",	  "-- control registers ",
		    "-- breaks ",	  "-- segments ",
		    "-- memory ",	  "-- exits ",
		    "-- exit statistics "};

		assert_true(find(rules[i]) > 0);
	}
	assert_true(find("-- console ") > 0);
	assert_int_equal(find("[1 cpu]"), -1);
}

/* Chapter 6: the PICs as its guest sets them up, the timer requesting. */
static void irq_view(void)
{
	struct snapshot *s = &v.cur;

	long_mode_view();
	s->irq_on = true;
	s->irq.pic[0] = (struct irqchip_pic){
	    .irr = 0x01, .isr = 0x10, .imr = 0xea, .vector_base = 32};
	s->irq.pic[1] = (struct irqchip_pic){.imr = 0xff, .vector_base = 40};
	s->irq.ev_ok = true;
	s->irq.halted = true;
	v.prev = v.cur;
}

static void test_irq_pane(void **state)
{
	(void)state;
	/* Chapters 1-5: no irqchip, nothing of it on any screen. */
	long_mode_view();
	render(80, 24);
	assert_int_equal(find("irq  "), -1);
	assert_int_equal(find("pic  "), -1);
	render(160, 45);
	assert_int_equal(find("-- interrupts "), -1);
	v.help = true;
	render(80, 24);
	assert_int_equal(find("irq, pic: RFLAGS.IF"), -1);
	/* Chapter 6: two lines under the breaks, exits still below. */
	irq_view();
	v.help = true;
	render(80, 24);
	assert_true(find("irq, pic: RFLAGS.IF") > 0);
	v.help = false;
	render(80, 24);
	assert_int_equal(find("irq  IF=1  vectors 32-39 40-47  shadow -  nmi "
			      "-  injecting -  asleep in HLT"),
			 find("breaks ") + 1);
	assert_int_equal(
	    find("pic  IRR 0001 0 timer  ISR 0010 4 COM1  IMR ffea unmasked "
		 "0 2 4"),
	    find("breaks ") + 2);
	assert_true(find("20 IO       out port 0x3f8") > find("pic  "));
	for (int y = 0; y < 24; y++)
		assert_true(strlen(row(y)) <= 80);
	/* IF from RFLAGS; what changed since the last stop is marked. */
	v.have_prev = true;
	v.cur.regs.rflags = 0x46;
	v.cur.irq.halted = false;
	v.cur.irq.ev.interrupt.shadow = KVM_X86_SHADOW_INT_STI;
	v.cur.irq.pic[0].irr = 0;
	render(80, 24);
	assert_true(find("irq  IF=0  vectors 32-39 40-47  shadow sti  nmi -") >
		    0);
	assert_true(find("pic  IRR*0000 -  ISR 0010 4 COM1") > 0);
	/* Wide: a pane of its own in the left column. */
	render(160, 45);
	assert_true(find("-- interrupts ") > find("-- breaks "));
	assert_true(find("pic  IRR*0000") > find("-- interrupts "));
}

/* Interrupts steps took go into the exit log between the exits. */
static void test_irq_history(void **state)
{
	struct snap_irq *x = &v.cur.irqs[0];

	(void)state;
	irq_view();
	x->t = (struct irq_taken){.after = 19,
				  .rip = 0x100b37,
				  .handler = 0x101b81,
				  .handler_ok = true,
				  .irq = 0,
				  .vector = 32};
	x->n = 1;
	snprintf(x->where, sizeof(x->where), "0x100b37 <uart_irq_getc+28>");
	snprintf(x->handler, sizeof(x->handler), "0x101b81 <isr32>");
	v.cur.nshown = 1;
	v.cur.nirqs = 1;
	v.have_prev = true;
	render(80, 24);
	assert_int_equal(find("*     - IRQ 0    timer, vector 32 -> 0x101b81 "
			      "<isr32>  0x100b37 <uart_irq_getc+2"),
			 find("19 IO       out port") + 1);
	assert_int_equal(find("20 IO       out port"),
			 find("- IRQ 0    timer") + 1);
	/* Seen at the last stop: no longer marked; the newest last. */
	v.prev.nirqs = 1;
	x->t.after = 20;
	render(80, 24);
	assert_true(find("      - IRQ 0    timer") > find("20 IO       out"));
	/* Only interrupts: no "no exits yet". */
	v.cur.nexits = 0;
	render(80, 24);
	assert_true(find("- IRQ 0") > 0);
	assert_int_equal(find("no exits yet"), -1);
}

static void test_grid(void **state)
{
	struct grid t;
	char buf[16];

	(void)state;
	assert_int_equal(grid_init(&t, 0, 5), -22);
	assert_int_equal(grid_init(&t, 10, 2), 0);
	/* Clipped at maxw and at the edge, never past. */
	assert_int_equal(grid_text(&t, 8, 0, 5, GA_NORMAL, "abcdef"), 2);
	assert_int_equal(grid_text(&t, 0, 1, 3, GA_NORMAL, "abcdef"), 3);
	assert_int_equal(grid_text(&t, 0, 2, 3, GA_NORMAL, "abc"), 0);
	assert_string_equal(grid_row(&t, 0, buf, sizeof(buf)), "        ab");
	assert_string_equal(grid_row(&t, 1, buf, sizeof(buf)), "abc");
	grid_rule(&t, 0, 1, 10, "x");
	assert_string_equal(grid_row(&t, 1, buf, sizeof(buf)), "--- x ----");
	grid_box(&t, (struct rect){0, 0, 4, 2}, NULL);
	assert_string_equal(grid_row(&t, 0, buf, sizeof(buf)), "+--+    ab");
	grid_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fits_80x24),
	    cmocka_unit_test(test_changed_marks),
	    cmocka_unit_test(test_exit_log),
	    cmocka_unit_test(test_stats),
	    cmocka_unit_test(test_memory_and_console),
	    cmocka_unit_test(test_pages_help_prompt),
	    cmocka_unit_test(test_sizes),
	    cmocka_unit_test(test_irq_pane),
	    cmocka_unit_test(test_irq_history),
	    cmocka_unit_test(test_grid),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);

	grid_free(&g);
	return r;
}

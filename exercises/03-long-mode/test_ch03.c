/* SPDX-License-Identifier: MIT */
/*
 * test_ch03: the graded unit tests of chapter 3's VMM exercises in
 * kvmlab/x86/paging.c: pt_map() building tables (ch03-map-page) and pt_walk()
 * translating through them (ch03-walk).
 *
 * No KVM needed: guest RAM is a buffer here.  The map tests read the
 * tables back with the small walker below, never with pt_walk(); the walk
 * tests write their tables by hand, never with pt_map().  Each exercise
 * is graded on its own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/grade.h"
#include "kvmlab/x86/paging.h"

#define RAM	 (4ull << 20)
#define PML4	 0x10000ull /* the allocator hands out frames after it */
#define POOL_END 0x20000ull

static struct guest_mem mem;

/* Entry `index` of the table at `table`, which the code under test may
 * have put anywhere: through the translator, so a wild one is a named
 * failure, not a crash of the test. */
static uint64_t *entry(uint64_t table, unsigned index)
{
	uint64_t *e = gpa_to_host(&mem, table + 8ull * index, sizeof(*e));

	check(e != NULL,
	      "a table entry at 0x%llx lies outside the %llu MiB of guest RAM",
	      (unsigned long long)(table + 8ull * index),
	      (unsigned long long)(RAM >> 20));
	return e;
}

static void ram_setup(void)
{
	mem.size = RAM;
	mem.host = calloc(1, RAM);
	check(mem.host != NULL, "out of memory");
}

static void ram_free(void)
{
	free(mem.host);
}

/* ---- ch03-map-page: the tables pt_map() leaves, read back by hand ---- */

/*
 * Follow va from PML4 down to `levels` levels; each link must be present,
 * writable, and point at a frame from the allocator.  Returns the last
 * entry read.
 */
static uint64_t follow(uint64_t va, int levels, uint64_t need)
{
	static const char *const name[] = {"PML4", "PDPT", "PD", "PT"};
	uint64_t table = PML4, e = 0;

	for (int l = 0; l < levels; l++) {
		unsigned index = (va >> (39 - 9 * l)) & 511;

		e = *entry(table, index);
		check(e & PTE_P, "va 0x%llx: %s[%u] = 0x%llx is not present",
		      (unsigned long long)va, name[l], index,
		      (unsigned long long)e);
		if (l == levels - 1)
			break;
		check((e & need) == need,
		      "va 0x%llx: %s[%u] = 0x%llx lacks flags 0x%llx (tables "
		      "above a page allow what the page allows)",
		      (unsigned long long)va, name[l], index,
		      (unsigned long long)e, (unsigned long long)need);
		table = e & PTE_ADDR;
		check(table > PML4 && table < POOL_END,
		      "va 0x%llx: %s[%u] points at 0x%llx, not at a frame "
		      "from the allocator",
		      (unsigned long long)va, name[l], index,
		      (unsigned long long)table);
	}
	return e;
}

static int map(struct pt_alloc *a, uint64_t va, uint64_t pa, uint64_t size,
	       uint64_t flags)
{
	int r = pt_map(&mem, PML4, a, va, pa, size, flags);

	check(r == 0, "pt_map(va 0x%llx, pa 0x%llx) returned %d",
	      (unsigned long long)va, (unsigned long long)pa, r);
	return r;
}

static void map_4k(void **state)
{
	struct pt_alloc a = {PML4 + PAGE_4K, POOL_END};
	uint64_t pte;

	(void)state;
	ram_setup();
	map(&a, 0x40000000, 0x300000, PAGE_4K, PTE_W);
	pte = follow(0x40000000, 4, PTE_P | PTE_W);
	check(pte == (0x300000 | PTE_P | PTE_W),
	      "the PT entry is 0x%llx, expected 0x300003 (address | W | P)",
	      (unsigned long long)pte);
	check(a.next == PML4 + 4 * PAGE_4K,
	      "the allocator moved by %llu frames: a first 4 KiB page needs "
	      "a PDPT, a PD and a PT",
	      (unsigned long long)((a.next - PML4) / PAGE_4K - 1));
	ram_free();
}

static void map_reuse(void **state)
{
	struct pt_alloc a = {PML4 + PAGE_4K, POOL_END};
	uint64_t pt;

	(void)state;
	ram_setup();
	map(&a, 0x40000000, 0x300000, PAGE_4K, PTE_W);
	map(&a, 0x40001000, 0x301000, PAGE_4K, PTE_W);
	check(a.next == PML4 + 4 * PAGE_4K,
	      "a second page in the same PT took new frames: reuse the "
	      "tables that are there");
	pt = follow(0x40000000, 3, PTE_P | PTE_W) & PTE_ADDR;
	check(*entry(pt, 0) == (0x300000 | PTE_P | PTE_W) &&
		  *entry(pt, 1) == (0x301000 | PTE_P | PTE_W),
	      "PT[0] = 0x%llx, PT[1] = 0x%llx: expected 0x300003 and 0x301003",
	      (unsigned long long)*entry(pt, 0),
	      (unsigned long long)*entry(pt, 1));
	ram_free();
}

static void map_large(void **state)
{
	struct pt_alloc a = {PML4 + PAGE_4K, POOL_END};
	uint64_t e;

	(void)state;
	ram_setup();
	map(&a, 0x80000000, 0x200000, PAGE_2M, PTE_W);
	e = follow(0x80000000, 3, PTE_P | PTE_W);
	check(e == (0x200000 | PTE_P | PTE_W | PTE_PS),
	      "the PD entry of a 2 MiB page is 0x%llx, expected 0x200083",
	      (unsigned long long)e);
	check(a.next == PML4 + 3 * PAGE_4K,
	      "a 2 MiB page needs two new tables, a PDPT and a PD");
	map(&a, 0x8000000000, 0x40000000, PAGE_1G, 0);
	e = follow(0x8000000000, 2, PTE_P | PTE_W);
	check(e == (0x40000000 | PTE_P | PTE_PS),
	      "the PDPT entry of a 1 GiB page is 0x%llx, expected 0x40000081",
	      (unsigned long long)e);
	ram_free();
}

static void map_user(void **state)
{
	struct pt_alloc a = {PML4 + PAGE_4K, POOL_END};

	(void)state;
	ram_setup();
	map(&a, 0x400000, 0x300000, PAGE_4K, PTE_U | PTE_W);
	follow(0x400000, 4, PTE_P | PTE_W | PTE_U);
	ram_free();
}

static void map_identity(void **state)
{
	static const uint64_t va[] = {0x1000, 0x1ff000, 0x200000, 0x3ff000};
	struct pt_alloc a = {PML4, POOL_END};
	uint64_t cr3 = 0;

	(void)state;
	ram_setup();
	check(pt_identity(&mem, &a, &cr3) == 0, "pt_identity() failed");
	check(cr3 == PML4, "cr3 0x%llx, expected the first frame 0x%llx",
	      (unsigned long long)cr3, (unsigned long long)PML4);
	for (int i = 0; i < 4; i++) {
		int levels = va[i] < PAGE_2M ? 4 : 3;
		uint64_t e = follow(va[i], levels, PTE_P | PTE_W);
		uint64_t size = levels == 4 ? PAGE_4K : PAGE_2M;

		check((e & PTE_ADDR) == (va[i] & ~(size - 1)),
		      "va 0x%llx maps to 0x%llx, not to itself",
		      (unsigned long long)va[i],
		      (unsigned long long)(e & PTE_ADDR));
	}
	ram_free();
}

/* ---- ch03-walk: tables written by hand, walked by pt_walk() ---------- */

/*
 *   PML4[0] -> PDPT 0x11000:  [1] -> PD 0x12000, [2] = 1 GiB page at 2 GiB
 *   PD[0] -> PT 0x13000: [5] = 0x345000.  PD[1] = 2 MiB page at 0x600000.
 *   PML4[1] has PS set (reserved); PML4[2] points outside RAM.
 */
static void tables(void)
{
	ram_setup();
	*entry(PML4, 0) = 0x11000 | PTE_P | PTE_W;
	*entry(PML4, 1) = 0x11000 | PTE_P | PTE_W | PTE_PS;
	*entry(PML4, 2) = 0x7000000 | PTE_P | PTE_W;
	*entry(0x11000, 1) = 0x12000 | PTE_P | PTE_W;
	*entry(0x11000, 2) = 0x80000000 | PTE_P | PTE_PS;
	*entry(0x12000, 0) = 0x13000 | PTE_P | PTE_W;
	*entry(0x12000, 1) = 0x600000 | PTE_P | PTE_W | PTE_PS;
	*entry(0x13000, 5) = 0x345000 | PTE_P | PTE_W;
}

static void expect_walk(uint64_t cr3, uint64_t va, int result, int levels,
			uint64_t pa, uint64_t size)
{
	struct pt_walk w;
	int r = pt_walk(&mem, cr3, va, &w);

	check(r == result && w.result == result,
	      "walk of 0x%llx returned %d (w->result %d), expected %d",
	      (unsigned long long)va, r, w.result, result);
	check(w.levels == levels, "walk of 0x%llx read %d levels, expected %d",
	      (unsigned long long)va, w.levels, levels);
	if (result)
		return;
	check(w.pa == pa && w.page_size == size,
	      "walk of 0x%llx gave pa 0x%llx page size 0x%llx, expected "
	      "0x%llx and 0x%llx",
	      (unsigned long long)va, (unsigned long long)w.pa,
	      (unsigned long long)w.page_size, (unsigned long long)pa,
	      (unsigned long long)size);
}

static void walk_4k(void **state)
{
	static const uint64_t table[4] = {PML4, 0x11000, 0x12000, 0x13000};
	static const unsigned index[4] = {0, 1, 0, 5};
	struct pt_walk w;

	(void)state;
	tables();
	expect_walk(PML4, 0x40005123, 0, 4, 0x345123, PAGE_4K);
	pt_walk(&mem, PML4, 0x40005123, &w);
	for (int l = 0; l < 4; l++)
		check(w.step[l].table == table[l] &&
			  w.step[l].index == index[l] &&
			  w.step[l].entry == *entry(table[l], index[l]),
		      "step %d: table 0x%llx index %u entry 0x%llx, expected "
		      "0x%llx %u 0x%llx",
		      l, (unsigned long long)w.step[l].table, w.step[l].index,
		      (unsigned long long)w.step[l].entry,
		      (unsigned long long)table[l], index[l],
		      (unsigned long long)*entry(table[l], index[l]));
	ram_free();
}

static void walk_large(void **state)
{
	(void)state;
	tables();
	expect_walk(PML4, 0x40212345, 0, 3, 0x612345, PAGE_2M);
	expect_walk(PML4, 0x80123456, 0, 2, 0x80123456, PAGE_1G);
	ram_free();
}

static void walk_absent(void **state)
{
	(void)state;
	tables();
	expect_walk(PML4, 0x40006000, -ENOENT, 4, 0, 0);
	expect_walk(PML4, 0xc0000000, -ENOENT, 2, 0, 0);
	expect_walk(PML4, 0x18000000000, -ENOENT, 1, 0, 0);
	ram_free();
}

static void walk_bad(void **state)
{
	(void)state;
	tables();
	/* Bits 63:47 must copy bit 47. */
	expect_walk(PML4, 0x0000800000000000, -EINVAL, 0, 0, 0);
	/* PS in a PML4 entry is a reserved bit. */
	expect_walk(PML4, 0x8000000000, -EINVAL, 1, 0, 0);
	/* A table outside guest RAM is reported, never followed. */
	expect_walk(PML4, 0x10000000000, -EFAULT, 1, 0, 0);
	ram_free();
}

static void walk_cr3_flags(void **state)
{
	(void)state;
	tables();
	/* PWT and PCD live in CR3's low bits: not part of the address. */
	expect_walk(PML4 | 0x18, 0x40005123, 0, 4, 0x345123, PAGE_4K);
	ram_free();
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(map_4k),	    cmocka_unit_test(map_reuse),
	    cmocka_unit_test(map_large),    cmocka_unit_test(map_user),
	    cmocka_unit_test(map_identity), cmocka_unit_test(walk_4k),
	    cmocka_unit_test(walk_large),   cmocka_unit_test(walk_absent),
	    cmocka_unit_test(walk_bad),	    cmocka_unit_test(walk_cr3_flags),
	};

	return GRADE_MAIN("chapter 3", tests);
}

/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of kvmlab/x86/paging.c (chapter 3): build 4-level page tables in
 * a buffer that stands in for guest RAM, then walk them the way the MMU
 * does.  No KVM needed: the tables are just bytes in guest memory.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/machine.h"
#include "kvmlab/base/memory.h"
#include "kvmlab/x86/paging.h"

#define MiB (1024ull * 1024)

/* A fresh guest: `size` bytes of zeroed RAM, table frames at ABI_PT_BASE. */
struct guest {
	struct guest_mem mem;
	struct pt_alloc alloc;
	uint64_t cr3;
};

static struct guest *guest_new(uint64_t size)
{
	struct guest *g = calloc(1, sizeof(*g));

	assert_non_null(g);
	g->mem.host = calloc(1, size);
	assert_non_null(g->mem.host);
	g->mem.size = size;
	g->alloc.next = ABI_PT_BASE;
	g->alloc.end = ABI_PT_BASE + ABI_PT_SIZE;
	return g;
}

static void guest_free(struct guest *g)
{
	free(g->mem.host);
	free(g);
}

/* A guest with an empty PML4 (the first frame) and nothing mapped. */
static struct guest *guest_empty(uint64_t size)
{
	struct guest *g = guest_new(size);

	g->cr3 = g->alloc.next;
	g->alloc.next += PAGE_4K;
	return g;
}

static struct guest *guest_identity(uint64_t size)
{
	struct guest *g = guest_new(size);

	assert_int_equal(pt_identity(&g->mem, &g->alloc, &g->cr3), 0);
	return g;
}

static uint64_t entry_at(const struct guest *g, uint64_t table, unsigned index)
{
	uint64_t e;

	assert_int_equal(guest_read(&g->mem, table + 8 * index, &e, 8), 0);
	return e;
}

static void entry_set(const struct guest *g, uint64_t table, unsigned index,
		      uint64_t e)
{
	assert_int_equal(guest_write(&g->mem, table + 8 * index, &e, 8), 0);
}

struct walk_case {
	uint64_t va;
	int rc;
	uint64_t pa, page_size;
	int levels;
};

static void check_walks(const struct guest *g, const struct walk_case *c,
			size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct pt_walk w;
		int rc = pt_walk(&g->mem, g->cr3, c[i].va, &w);

		print_message("  walk 0x%llx: rc %d levels %d pa 0x%llx\n",
			      (unsigned long long)c[i].va, rc, w.levels,
			      (unsigned long long)w.pa);
		assert_int_equal(rc, c[i].rc);
		assert_int_equal(w.result, c[i].rc);
		assert_int_equal(w.levels, c[i].levels);
		if (rc == 0) {
			assert_int_equal(w.pa, c[i].pa);
			assert_int_equal(w.page_size, c[i].page_size);
		}
	}
}

/* 8 MiB of RAM: 4 KiB pages below 2 MiB, three 2 MiB pages above. */
static void test_identity_walk(void **state)
{
	static const struct walk_case cases[] = {
	    {0, 0, 0, PAGE_4K, 4},
	    {0xfff, 0, 0xfff, PAGE_4K, 4},
	    {0x1000, 0, 0x1000, PAGE_4K, 4},
	    {0x105123, 0, 0x105123, PAGE_4K, 4},
	    {0x1fffff, 0, 0x1fffff, PAGE_4K, 4},
	    {0x200000, 0, 0x200000, PAGE_2M, 3},
	    {0x3fffff, 0, 0x3fffff, PAGE_2M, 3},
	    {8 * MiB - 1, 0, 8 * MiB - 1, PAGE_2M, 3},
	    /* First byte past RAM: the PD entry for it is empty. */
	    {8 * MiB, -ENOENT, 0, 0, 3},
	    /* 1 GiB: the PDPT entry is empty. */
	    {ABI_DEMO_FAULT_VA, -ENOENT, 0, 0, 2},
	    /* 512 GiB: the PML4 entry is empty. */
	    {1ull << 39, -ENOENT, 0, 0, 1},
	    /* The top half is canonical, but nothing is mapped there. */
	    {0xffff800000000000ull, -ENOENT, 0, 0, 1},
	};
	struct guest *g = guest_identity(8 * MiB);
	struct pt_walk w;

	(void)state;
	check_walks(g, cases, sizeof(cases) / sizeof(cases[0]));

	/* The PML4 is the first frame, and the tables follow it in order. */
	assert_int_equal(g->cr3, ABI_PT_BASE);
	assert_int_equal(pt_walk(&g->mem, g->cr3, 0x105000, &w), 0);
	assert_int_equal(w.step[0].table, ABI_PT_BASE);
	assert_int_equal(w.step[1].table, ABI_PT_BASE + 0x1000);
	assert_int_equal(w.step[2].table, ABI_PT_BASE + 0x2000);
	assert_int_equal(w.step[3].table, ABI_PT_BASE + 0x3000);
	assert_int_equal(w.step[3].index, 0x105);
	/* Exactly P|W at every level: no U, no NX, no stray bits. */
	assert_int_equal(w.step[0].entry, (ABI_PT_BASE + 0x1000) | 3);
	assert_int_equal(w.step[3].entry, 0x105000 | 3);
	assert_int_equal(entry_at(g, ABI_PT_BASE + 0x2000, 1),
			 0x200000 | PTE_PS | PTE_P | PTE_W);
	/* 2 MiB of 4 KiB pages plus 2 MiB pages: four tables in all. */
	assert_int_equal(g->alloc.next, ABI_PT_BASE + 4 * PAGE_4K);
	guest_free(g);
}

/*
 * A RAM size that is not a multiple of 2 MiB ends in 4 KiB pages, and one
 * that is not a multiple of 4 KiB maps its last page whole.
 */
static void test_identity_partial_tail(void **state)
{
	static const struct walk_case cases[] = {
	    {0x200000, 0, 0x200000, PAGE_4K, 4},
	    {0x2fffff, 0, 0x2fffff, PAGE_4K, 4},
	    {0x300000, 0, 0x300000, PAGE_4K, 4},
	    {0x300fff, 0, 0x300fff, PAGE_4K, 4},
	    {0x301000, -ENOENT, 0, 0, 4},
	    {0x400000, -ENOENT, 0, 0, 3},
	};
	struct guest *g = guest_identity(0x300800);

	(void)state;
	check_walks(g, cases, sizeof(cases) / sizeof(cases[0]));
	/* PML4, PDPT, PD and two PTs. */
	assert_int_equal(g->alloc.next, ABI_PT_BASE + 5 * PAGE_4K);
	guest_free(g);
}

/* Chapter 3's demo: a 4 KiB page at 1 GiB backed by RAM elsewhere. */
static void test_map_4k_demo(void **state)
{
	static const struct walk_case cases[] = {
	    {ABI_DEMO_FAULT_VA, 0, 0x150000, PAGE_4K, 4},
	    {ABI_DEMO_FAULT_VA + 0x123, 0, 0x150123, PAGE_4K, 4},
	    {ABI_DEMO_FAULT_VA + 0xfff, 0, 0x150fff, PAGE_4K, 4},
	    {ABI_DEMO_FAULT_VA + 0x1000, -ENOENT, 0, 0, 4},
	    /* The identity map below is unchanged. */
	    {0x150000, 0, 0x150000, PAGE_4K, 4},
	};
	struct guest *g = guest_identity(2 * MiB);
	uint64_t next = g->alloc.next;

	(void)state;
	assert_int_equal(pt_map(&g->mem, g->cr3, &g->alloc, ABI_DEMO_FAULT_VA,
				0x150000, PAGE_4K, PTE_W),
			 0);
	/* The PDPT exists; a new PD and PT were needed. */
	assert_int_equal(g->alloc.next, next + 2 * PAGE_4K);
	check_walks(g, cases, sizeof(cases) / sizeof(cases[0]));
	guest_free(g);
}

static void test_map_large(void **state)
{
	static const struct walk_case cases[] = {
	    {0x80000000, 0, 0x200000, PAGE_2M, 3},
	    {0x801fffff, 0, 0x3fffff, PAGE_2M, 3},
	    {0x80200000, -ENOENT, 0, 0, 3},
	    {0xffff800000000000ull, 0, 0x40000000, PAGE_1G, 2},
	    {0xffff80003fffffffull, 0, 0x7fffffff, PAGE_1G, 2},
	    {0xffff800040000000ull, -ENOENT, 0, 0, 2},
	};
	struct guest *g = guest_empty(2 * MiB);
	struct pt_walk w;

	(void)state;
	assert_int_equal(pt_map(&g->mem, g->cr3, &g->alloc, 0x80000000,
				0x200000, PAGE_2M, PTE_W),
			 0);
	/* The top half of the address space, as a kernel would use it. */
	assert_int_equal(pt_map(&g->mem, g->cr3, &g->alloc,
				0xffff800000000000ull, 0x40000000, PAGE_1G,
				PTE_W | PTE_NX),
			 0);
	check_walks(g, cases, sizeof(cases) / sizeof(cases[0]));

	assert_int_equal(pt_walk(&g->mem, g->cr3, 0xffff800000000000ull, &w),
			 0);
	assert_int_equal(w.step[0].index, 256);
	assert_int_equal(w.step[1].entry,
			 0x40000000 | PTE_NX | PTE_PS | PTE_W | PTE_P);
	guest_free(g);
}

static void test_map_einval(void **state)
{
	static const struct {
		uint64_t va, pa, size, flags;
	} bad[] = {
	    {0x1001, 0x1000, PAGE_4K, 0},	/* va misaligned */
	    {0x1000, 0x1800, PAGE_4K, 0},	/* pa misaligned */
	    {0x201000, 0x200000, PAGE_2M, 0},	/* va not 2 MiB aligned */
	    {0x200000, 0x201000, PAGE_2M, 0},	/* pa not 2 MiB aligned */
	    {0x40000000, 0x200000, PAGE_1G, 0}, /* pa not 1 GiB aligned */
	    {0x1000, 0x1000, 0x2000, 0},	/* not a page size */
	    {0x1000, 0x1000, 0, 0},		/* not a page size */
	    {0x1000, 0x1000, PAGE_4K, 0x5000},	/* address bits in flags */
	    {0x1000, 0x1000, PAGE_4K, PTE_PS},	/* PS comes from size */
	    {0x1000, 1ull << 52, PAGE_4K, 0},	/* pa above 52 bits */
	    /* Non-canonical: bit 47 set, bits 63:48 clear, and back. */
	    {0x0000800000000000ull, 0x1000, PAGE_4K, 0},
	    {0xffff7ffffffff000ull, 0x1000, PAGE_4K, 0},
	    {0x8000000000000000ull, 0, PAGE_1G, 0},
	};
	struct guest *g = guest_empty(2 * MiB);
	struct pt_alloc before = g->alloc;
	uint8_t pml4[PAGE_4K];
	size_t i;

	(void)state;
	memcpy(pml4, g->mem.host + g->cr3, PAGE_4K);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("  map va 0x%llx pa 0x%llx size 0x%llx\n",
			      (unsigned long long)bad[i].va,
			      (unsigned long long)bad[i].pa,
			      (unsigned long long)bad[i].size);
		assert_int_equal(pt_map(&g->mem, g->cr3, &g->alloc, bad[i].va,
					bad[i].pa, bad[i].size, bad[i].flags),
				 -EINVAL);
	}
	/* A PML4 address that is not page aligned. */
	assert_int_equal(
	    pt_map(&g->mem, g->cr3 + 8, &g->alloc, 0x1000, 0x1000, PAGE_4K, 0),
	    -EINVAL);
	/* Nothing was touched. */
	assert_memory_equal(pml4, g->mem.host + g->cr3, PAGE_4K);
	assert_int_equal(g->alloc.next, before.next);

	/* A misaligned allocator. */
	g->alloc.next = ABI_PT_BASE + 0x1800;
	assert_int_equal(
	    pt_map(&g->mem, g->cr3, &g->alloc, 0x1000, 0x1000, PAGE_4K, 0),
	    -EINVAL);
	guest_free(g);
}

static void test_walk_noncanonical(void **state)
{
	static const struct walk_case cases[] = {
	    {0x0000800000000000ull, -EINVAL, 0, 0, 0},
	    {0xffff7fffffffffffull, -EINVAL, 0, 0, 0},
	    {0x0001000000000000ull, -EINVAL, 0, 0, 0},
	    {0x8000000000000000ull, -EINVAL, 0, 0, 0},
	    /* The last canonical addresses of each half are fine. */
	    {0x00007fffffffffffull, -ENOENT, 0, 0, 1},
	    {0xffff800000000000ull, -ENOENT, 0, 0, 1},
	    {0xffffffffffffffffull, -ENOENT, 0, 0, 1},
	};
	struct guest *g = guest_identity(2 * MiB);

	(void)state;
	check_walks(g, cases, sizeof(cases) / sizeof(cases[0]));
	guest_free(g);
}

static void test_map_remap(void **state)
{
	struct guest *g = guest_identity(4 * MiB);
	const uint64_t va = ABI_DEMO_FAULT_VA;
	struct pt_walk w;
	uint64_t next;

	(void)state;
	assert_int_equal(
	    pt_map(&g->mem, g->cr3, &g->alloc, va, 0x150000, PAGE_4K, PTE_W),
	    0);
	next = g->alloc.next;
	/* The identical mapping again is fine and allocates nothing. */
	assert_int_equal(
	    pt_map(&g->mem, g->cr3, &g->alloc, va, 0x150000, PAGE_4K, PTE_W),
	    0);
	assert_int_equal(g->alloc.next, next);
	/* A different frame, or the same frame with other rights, is not. */
	assert_int_equal(
	    pt_map(&g->mem, g->cr3, &g->alloc, va, 0x151000, PAGE_4K, PTE_W),
	    -EEXIST);
	assert_int_equal(
	    pt_map(&g->mem, g->cr3, &g->alloc, va, 0x150000, PAGE_4K, 0),
	    -EEXIST);

	/* Once the guest has used the page, A and D are set: still equal. */
	assert_int_equal(pt_walk(&g->mem, g->cr3, va, &w), 0);
	entry_set(g, w.step[3].table, w.step[3].index,
		  w.step[3].entry | PTE_A | PTE_D);
	assert_int_equal(
	    pt_map(&g->mem, g->cr3, &g->alloc, va, 0x150000, PAGE_4K, PTE_W),
	    0);
	assert_int_equal(pt_walk(&g->mem, g->cr3, va, &w), 0);
	assert_int_equal(w.pa, 0x150000);

	/* A 2 MiB page where a page table already hangs (the first 2 MiB). */
	assert_int_equal(
	    pt_map(&g->mem, g->cr3, &g->alloc, 0, 0, PAGE_2M, PTE_W), -EEXIST);
	/* A 4 KiB page inside an existing 2 MiB page. */
	assert_int_equal(pt_map(&g->mem, g->cr3, &g->alloc, 0x201000, 0x201000,
				PAGE_4K, PTE_W),
			 -EEXIST);
	assert_int_equal(g->alloc.next, next);
	guest_free(g);
}

/*
 * When the frames run out, pt_map fails before writing anything: no
 * half-built path of tables, no frame taken.
 */
static void test_map_enomem(void **state)
{
	struct guest *g = guest_new(2 * MiB);
	uint8_t *snapshot = malloc(ABI_PT_SIZE);
	static const struct walk_case cases[] = {
	    {0x105000, 0, 0x105000, PAGE_4K, 4},
	    {ABI_DEMO_FAULT_VA, -ENOENT, 0, 0, 2},
	};

	(void)state;
	assert_non_null(snapshot);
	/* Room for exactly the identity map of 2 MiB: four tables. */
	g->alloc.end = ABI_PT_BASE + 4 * PAGE_4K;
	assert_int_equal(pt_identity(&g->mem, &g->alloc, &g->cr3), 0);
	assert_int_equal(g->alloc.next, g->alloc.end);

	/* 1 GiB needs a new PD and PT. */
	memcpy(snapshot, g->mem.host + ABI_PT_BASE, ABI_PT_SIZE);
	assert_int_equal(pt_map(&g->mem, g->cr3, &g->alloc, ABI_DEMO_FAULT_VA,
				0x150000, PAGE_4K, PTE_W),
			 -ENOMEM);
	/* One frame more is still one too few. */
	g->alloc.end += PAGE_4K;
	assert_int_equal(pt_map(&g->mem, g->cr3, &g->alloc, ABI_DEMO_FAULT_VA,
				0x150000, PAGE_4K, PTE_W),
			 -ENOMEM);
	assert_memory_equal(snapshot, g->mem.host + ABI_PT_BASE, ABI_PT_SIZE);
	assert_int_equal(g->alloc.next, ABI_PT_BASE + 4 * PAGE_4K);
	check_walks(g, cases, sizeof(cases) / sizeof(cases[0]));

	/* With the second frame the same call works. */
	g->alloc.end += PAGE_4K;
	assert_int_equal(pt_map(&g->mem, g->cr3, &g->alloc, ABI_DEMO_FAULT_VA,
				0x150000, PAGE_4K, PTE_W),
			 0);
	assert_int_equal(g->alloc.next, g->alloc.end);

	/* pt_identity itself runs out when RAM needs more tables. */
	g->alloc.next = ABI_PT_BASE;
	g->alloc.end = ABI_PT_BASE + 3 * PAGE_4K;
	g->cr3 = 0x1234;
	assert_int_equal(pt_identity(&g->mem, &g->alloc, &g->cr3), -ENOMEM);
	assert_int_equal(g->cr3, 0x1234);
	g->alloc.end = ABI_PT_BASE;
	assert_int_equal(pt_identity(&g->mem, &g->alloc, &g->cr3), -ENOMEM);
	free(snapshot);
	guest_free(g);
}

/* A guest can write any value into its tables: a wild pointer is caught. */
static void test_walk_table_outside_ram(void **state)
{
	struct guest *g = guest_identity(2 * MiB);
	const uint64_t wild = 0x7fff0000000ull;
	struct pt_walk w;

	(void)state;
	/* PML4[1] (512 GiB and up) points at a "PDPT" far beyond RAM. */
	entry_set(g, g->cr3, 1, wild | PTE_P | PTE_W);
	assert_int_equal(pt_walk(&g->mem, g->cr3, 1ull << 39, &w), -EFAULT);
	assert_int_equal(w.levels, 1);
	assert_int_equal(w.step[1].table, wild);
	assert_int_equal(w.step[1].index, 0);
	assert_int_equal(pt_map(&g->mem, g->cr3, &g->alloc, 1ull << 39, 0x1000,
				PAGE_4K, PTE_W),
			 -EFAULT);

	/* A PD entry pointing just past the end of RAM. */
	assert_int_equal(pt_walk(&g->mem, g->cr3, 0, &w), 0);
	entry_set(g, w.step[2].table, 5, (2 * MiB) | PTE_P | PTE_W);
	assert_int_equal(pt_walk(&g->mem, g->cr3, 5 * PAGE_2M, &w), -EFAULT);
	assert_int_equal(w.levels, 3);
	assert_int_equal(w.step[3].table, 2 * MiB);
	guest_free(g);
}

static void test_walk_cr3_outside_ram(void **state)
{
	struct guest *g = guest_identity(2 * MiB);
	struct pt_walk w;

	(void)state;
	assert_int_equal(pt_walk(&g->mem, 2 * MiB, 0, &w), -EFAULT);
	assert_int_equal(w.levels, 0);
	assert_int_equal(w.step[0].table, 2 * MiB);
	assert_int_equal(pt_walk(&g->mem, 0xfffff000, 0x1000, &w), -EFAULT);
	assert_int_equal(
	    pt_map(&g->mem, 0xfffff000, &g->alloc, 0x1000, 0x1000, PAGE_4K, 0),
	    -EFAULT);

	/* CR3's flag bits (PWT, PCD) are not part of the address ... */
	assert_int_equal(pt_walk(&g->mem, g->cr3 | 0x18, 0x1000, &w), 0);
	assert_int_equal(w.pa, 0x1000);
	/* ... but bits above 51 are reserved. */
	assert_int_equal(pt_walk(&g->mem, g->cr3 | (1ull << 60), 0x1000, &w),
			 -EINVAL);
	assert_int_equal(w.levels, 0);

	/* Frames for new tables must lie in RAM too. */
	g->alloc.next = 2 * MiB - PAGE_4K;
	g->alloc.end = 2 * MiB + 0x10000;
	assert_int_equal(pt_map(&g->mem, g->cr3, &g->alloc, ABI_DEMO_FAULT_VA,
				0x1000, PAGE_4K, 0),
			 -EFAULT);
	assert_int_equal(g->alloc.next, 2 * MiB - PAGE_4K);
	g->alloc.next = 2 * MiB;
	assert_int_equal(pt_identity(&g->mem, &g->alloc, &g->cr3), -EFAULT);
	guest_free(g);
}

static void test_reserved_bits(void **state)
{
	struct guest *g = guest_identity(4 * MiB);
	struct pt_walk w;
	uint64_t pml4e, pde;

	(void)state;
	/* PS is reserved in a PML4 entry: no 512 GiB pages. */
	pml4e = entry_at(g, g->cr3, 0);
	entry_set(g, g->cr3, 0, pml4e | PTE_PS);
	assert_int_equal(pt_walk(&g->mem, g->cr3, 0x1000, &w), -EINVAL);
	assert_int_equal(w.levels, 1);
	assert_int_equal(w.step[0].entry, pml4e | PTE_PS);
	assert_int_equal(pt_map(&g->mem, g->cr3, &g->alloc, ABI_DEMO_FAULT_VA,
				0x1000, PAGE_4K, 0),
			 -EINVAL);
	entry_set(g, g->cr3, 0, pml4e);

	/* A 2 MiB page's frame must be 2 MiB aligned (bit 12 is PAT). */
	assert_int_equal(pt_walk(&g->mem, g->cr3, 0x200000, &w), 0);
	pde = w.step[2].entry;
	entry_set(g, w.step[2].table, 1, pde | 0x2000);
	assert_int_equal(pt_walk(&g->mem, g->cr3, 0x200000, &w), -EINVAL);
	assert_int_equal(w.levels, 3);
	entry_set(g, w.step[2].table, 1, pde | 0x1000);
	assert_int_equal(pt_walk(&g->mem, g->cr3, 0x200000, &w), 0);
	assert_int_equal(w.pa, 0x200000);
	guest_free(g);
}

/* User pages make the tables above them user-accessible, not the reverse. */
static void test_map_user(void **state)
{
	struct guest *g = guest_identity(2 * MiB);
	struct pt_walk w;
	int i;

	(void)state;
	assert_int_equal(pt_map(&g->mem, g->cr3, &g->alloc, 0x400000000ull,
				0x1000, PAGE_4K, PTE_W | PTE_U),
			 0);
	assert_int_equal(pt_walk(&g->mem, g->cr3, 0x400000000ull, &w), 0);
	for (i = 0; i < 4; i++)
		assert_true(w.step[i].entry & PTE_U);
	/* The existing PML4 entry gained U; the identity pages did not. */
	assert_int_equal(pt_walk(&g->mem, g->cr3, 0x1000, &w), 0);
	assert_true(w.step[0].entry & PTE_U);
	assert_false(w.step[1].entry & PTE_U);
	assert_false(w.step[3].entry & PTE_U);
	guest_free(g);
}

static char *walk_text(const struct guest *g, uint64_t cr3, uint64_t va)
{
	struct pt_walk w;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	pt_walk(&g->mem, cr3, va, &w);
	pt_walk_print(&w, va, out);
	fclose(out);
	print_message("%s", text);
	return text;
}

static void test_walk_print(void **state)
{
	struct guest *g = guest_identity(4 * MiB);
	char *text;

	(void)state;
	text = walk_text(g, g->cr3, 0x105000);
	assert_string_equal(
	    text,
	    "  va 0x105000: PML4 0, PDPT 0, PD 0, PT 261, offset 0x000\n"
	    "  PML4[  0] @0x10000 = 0x0000000000011003  P W\n"
	    "  PDPT[  0] @0x11000 = 0x0000000000012003  P W\n"
	    "  PD  [  0] @0x12000 = 0x0000000000013003  P W\n"
	    "  PT  [261] @0x13000 = 0x0000000000105003  P W\n"
	    "  -> physical 0x105000 (4 KiB page, writable, supervisor)\n");
	free(text);

	/* A 2 MiB page: three levels, and a 21-bit offset. */
	text = walk_text(g, g->cr3, 0x3fffff);
	assert_non_null(strstr(text, "  va 0x3fffff: PML4 0, PDPT 0, PD 1, "
				     "offset 0x1fffff\n"));
	assert_non_null(strstr(text, "  PD  [  1] @0x12000 = "
				     "0x0000000000200083  P W PS\n"));
	assert_non_null(strstr(text, "-> physical 0x3fffff (2 MiB page"));
	free(text);

	text = walk_text(g, g->cr3, ABI_DEMO_FAULT_VA);
	assert_non_null(strstr(text, "  PDPT[  1] @0x11000 = "
				     "0x0000000000000000  not present\n"));
	assert_non_null(strstr(text, "-> PDPT entry not present"));
	free(text);

	text = walk_text(g, g->cr3, 0x0000800000000000ull);
	assert_non_null(strstr(text, "not canonical"));
	free(text);

	text = walk_text(g, 8 * MiB, 0);
	assert_non_null(strstr(text, "-> the PML4 at 0x800000 lies outside"));
	free(text);

	entry_set(g, g->cr3, 0, entry_at(g, g->cr3, 0) | PTE_PS);
	text = walk_text(g, g->cr3, 0);
	assert_non_null(strstr(text, "PS(reserved!)"));
	assert_non_null(strstr(text, "reserved bit set in the PML4 entry"));
	free(text);
	guest_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_identity_walk),
	    cmocka_unit_test(test_identity_partial_tail),
	    cmocka_unit_test(test_map_4k_demo),
	    cmocka_unit_test(test_map_large),
	    cmocka_unit_test(test_map_einval),
	    cmocka_unit_test(test_walk_noncanonical),
	    cmocka_unit_test(test_map_remap),
	    cmocka_unit_test(test_map_enomem),
	    cmocka_unit_test(test_walk_table_outside_ram),
	    cmocka_unit_test(test_walk_cr3_outside_ram),
	    cmocka_unit_test(test_reserved_bits),
	    cmocka_unit_test(test_map_user),
	    cmocka_unit_test(test_walk_print),
	};

	return cmocka_run_group_tests_name("paging", tests, NULL, NULL);
}

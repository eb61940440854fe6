/* SPDX-License-Identifier: MIT */
/*
 * paging: build and walk x86-64 4-level page tables in guest memory
 * (chapter 3; SDM Vol. 3A, 4.5 "4-level paging").
 *
 * The walk is the one the MMU does: CR3 -> PML4 -> PDPT -> PD -> PT, 9 bits
 * of the virtual address per level, stopping early at a 1 GiB or 2 MiB page
 * (PS bit).  Every table read goes through gpa_to_host(), so a table pointer
 * outside guest RAM is reported, never followed.
 *
 * These functions print nothing: a walk that ends at a missing entry is an
 * answer, not an error.  Callers report what matters to them.
 */
#ifndef KVMLAB_PAGING_H
#define KVMLAB_PAGING_H

#include <stdint.h>
#include <stdio.h>

#include "kvmlab/base/memory.h"

#define PTE_P	 (1ull << 0) /* present */
#define PTE_W	 (1ull << 1) /* writable */
#define PTE_U	 (1ull << 2) /* user */
#define PTE_PWT	 (1ull << 3) /* write-through */
#define PTE_PCD	 (1ull << 4) /* cache disable */
#define PTE_A	 (1ull << 5) /* accessed */
#define PTE_D	 (1ull << 6) /* dirty */
#define PTE_PS	 (1ull << 7) /* large page (in a PDPTE or PDE) */
#define PTE_G	 (1ull << 8) /* global (leaf entries) */
#define PTE_NX	 (1ull << 63)
/* Address bits 51:12: this code assumes the architectural maximum
 * MAXPHYADDR of 52; a real CPU with fewer bits reserves the rest. */
#define PTE_ADDR 0x000ffffffffff000ull

#define PAGE_4K 0x1000ull
#define PAGE_2M 0x200000ull
#define PAGE_1G 0x40000000ull

/*
 * Frames for new tables come from [next, end), 4 KiB each, zeroed before
 * they are linked in.  `next` must be 4 KiB aligned.
 */
struct pt_alloc {
	uint64_t next, end;
};

/*
 * Map the page of `size` (PAGE_4K, PAGE_2M or PAGE_1G) at `va` to `pa` with
 * `flags` (PTE_P is implied; PTE_PS comes from `size`, and address bits
 * are not allowed in `flags`), creating intermediate tables as needed.
 * Intermediate entries are P|W, plus U when the page is U, so the leaf
 * entry alone decides the access rights.
 *
 * 0, also when the identical mapping is already there (A and D ignored);
 * -EINVAL (bad size or flags, misaligned, non-canonical va, pa too wide,
 * PS in a PML4 entry, `pml4` not page aligned); -ENOMEM (allocator
 * exhausted); -EEXIST (a different mapping, or a table where a large page
 * should go, is already there); -EFAULT (a table or new frame outside guest
 * RAM).  Every check runs before the first write, so on failure neither
 * the tables nor the allocator have changed.
 */
int pt_map(const struct guest_mem *mem, uint64_t pml4, struct pt_alloc *alloc,
	   uint64_t va, uint64_t pa, uint64_t size, uint64_t flags);

/*
 * Identity-map guest RAM with P|W: 4 KiB pages for the first 2 MiB (all
 * four levels in use, as students draw them), 2 MiB pages above.  A RAM
 * size that is not a multiple of 2 MiB ends with 4 KiB pages, so nothing
 * past RAM is mapped (the last partial 4 KiB page is mapped whole).  The
 * PML4 is the first frame taken from `alloc`; *cr3 receives its address.
 * 0 or an error from pt_map(); *cr3 is set only on success.
 */
int pt_identity(const struct guest_mem *mem, struct pt_alloc *alloc,
		uint64_t *cr3);

struct pt_walk {
	int levels; /* entries read (0-4) */
	struct {
		uint64_t table; /* guest-physical address of the table */
		unsigned index; /* 9-bit index from the VA */
		uint64_t entry; /* the entry read */
	} step[4];		/* [0] = PML4 ... [3] = PT */
	uint64_t pa;		/* result when the walk succeeds */
	uint64_t page_size;
	int result; /* what pt_walk() returned */
};

/*
 * Translate `va` through the tables at `cr3` (its low 12 flag bits are
 * ignored).  0 with w->pa and w->page_size set; -ENOENT when an entry is
 * not present (step[levels - 1] holds it); -EINVAL for a non-canonical VA
 * (levels 0), reserved bits in CR3 (levels 0) or in an entry (the last
 * step holds it); -EFAULT when a table lies outside guest RAM (its address
 * is in step[levels].table).  The walk only reads: it sets no A/D bits.
 */
int pt_walk(const struct guest_mem *mem, uint64_t cr3, uint64_t va,
	    struct pt_walk *w);

/*
 * Print a walk of `va` step by step, as chapter 3 shows it:
 *   "  va 0x105000: PML4 0, PDPT 0, PD 0, PT 261, offset 0x000"
 *   "  PML4[  0] @0x10000 = 0x0000000000011003  P W"
 *   ...
 *   "  -> physical 0x105000 (4 KiB page, writable, supervisor)"
 * or where and why the walk stopped.
 */
void pt_walk_print(const struct pt_walk *w, uint64_t va, FILE *out);

#endif

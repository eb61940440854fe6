/* SPDX-License-Identifier: MIT */
/*
 * ioremap.c: map device registers, uncached (chapter 5 on); see
 * ioremap.h.
 *
 * The walk is chapter 3's: from CR3, nine bits of the address per level
 * pick an entry, and a missing table on the way is created from a small
 * pool.  The mapping is an identity one (virtual == physical), which is
 * what the VMM's tables already do for RAM.
 */
#include "cpu.h"
#include "ioremap.h"
#include "string.h"

#define PTE_P	 (1ull << 0)
#define PTE_W	 (1ull << 1)
#define PTE_PWT	 (1ull << 3) /* write-through */
#define PTE_PCD	 (1ull << 4) /* cache disable */
#define PTE_PS	 (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull
#define PAGE	 4096ull

/*
 * Frames for new tables.  Each new 1 GiB region of devices takes a page
 * directory and a page table; four frames cover two such regions.
 */
#define FRAMES 4
static uint8_t frames[FRAMES][PAGE] __attribute__((aligned(PAGE)));
static unsigned frames_used;

/* The entry for `va` at the last level (the page table), or NULL. */
static uint64_t *pte_for(uint64_t va)
{
	uint64_t *table = (uint64_t *)(uintptr_t)(read_cr3() & PTE_ADDR);

	for (int shift = 39; shift > 12; shift -= 9) {
		uint64_t *e = &table[(va >> shift) & 511];

		if (!(*e & PTE_P)) {
			if (frames_used == FRAMES)
				return 0;
			memset(frames[frames_used], 0, PAGE);
			*e = (uint64_t)(uintptr_t)frames[frames_used++] |
			     PTE_P | PTE_W;
		} else if (*e & PTE_PS) {
			return 0; /* a large page: RAM, not a device */
		}
		table = (uint64_t *)(uintptr_t)(*e & PTE_ADDR);
	}
	return &table[(va >> 12) & 511];
}

volatile void *ioremap(uint64_t phys, uint64_t len)
{
	uint64_t first = phys & ~(PAGE - 1), end = phys + len;

	/* Identity-mapped: the address must be a canonical virtual one. */
	if (!len || end < phys || end > (1ull << 47))
		return 0;
	for (uint64_t pa = first; pa < end; pa += PAGE) {
		uint64_t *pte = pte_for(pa);

		if (!pte)
			return 0;
		*pte = pa | PTE_P | PTE_W | PTE_PCD | PTE_PWT;
		/* A "not present" may be cached in the TLB: drop it. */
		invlpg((void *)(uintptr_t)pa);
	}
	return (volatile void *)(uintptr_t)phys;
}

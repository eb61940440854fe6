/* SPDX-License-Identifier: MIT */
/*
 * paging: x86-64 4-level page tables, built and walked in guest memory
 * (chapter 3).
 *
 * Long mode cannot run without paging (SDM Vol. 3A, 9.8.5), so before
 * the VMM can start a guest in 64-bit mode it must hand the vCPU a CR3
 * pointing at real tables.  The same walk lets the VMM and the viewer
 * translate a guest virtual address exactly as the MMU would, and show
 * each step: CR3 -> PML4 -> PDPT -> PD -> PT (SDM Vol. 3A, 4.5).  Every
 * table entry is read and written through guest_read() and guest_write(),
 * so a guest that plants a wild table pointer gets an -EFAULT, never a
 * read of the VMM's own memory.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "kvmlab/x86/paging.h"
#include "labs/exercise.h"

#define PT_LEVELS  4
#define PT_ENTRIES 512

/* Where each level's 9-bit index sits in the virtual address (4.5). */
static const unsigned level_shift[PT_LEVELS] = {39, 30, 21, 12};
static const char *const level_name[PT_LEVELS] = {"PML4", "PDPT", "PD", "PT"};

/*
 * With 4-level paging a virtual address has 48 significant bits; bits
 * 63:47 must all be copies of bit 47 (SDM Vol. 3A, 3.3.7.1).  Anything
 * else raises #GP before the MMU even looks at the tables.
 */
static bool canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

static unsigned pt_index(uint64_t va, int level)
{
	return (unsigned)(va >> level_shift[level]) & (PT_ENTRIES - 1);
}

/*
 * Bits that must be 0 in a present entry at `level` (SDM Vol. 3A, the
 * entry formats of 4.5), apart from address bits above MAXPHYADDR, which
 * do not exist here because we assume the maximum of 52.  Bit 7 of a PML4E
 * is reserved; a large page's frame address must be aligned to its size,
 * so the address bits below it are reserved, except bit 12, which is the
 * PAT bit of a large page.  A set reserved bit makes the access fault with
 * the RSVD bit in the #PF error code.
 */
static uint64_t reserved_bits(int level, uint64_t e)
{
	if (level == 0)
		return e & PTE_PS;
	if (level == 1 && (e & PTE_PS))
		return e & 0x3fffe000ull; /* 1 GiB page: bits 29:13 */
	if (level == 2 && (e & PTE_PS))
		return e & 0x001fe000ull; /* 2 MiB page: bits 20:13 */
	return 0;
}

static int entry_read(const struct guest_mem *mem, uint64_t table,
		      unsigned index, uint64_t *e)
{
	return guest_read(mem, table + 8ull * index, e, sizeof(*e));
}

static int entry_write(const struct guest_mem *mem, uint64_t table,
		       unsigned index, uint64_t e)
{
	return guest_write(mem, table + 8ull * index, &e, sizeof(e));
}

static uint64_t frames_left(const struct pt_alloc *alloc)
{
	return alloc->end > alloc->next ? (alloc->end - alloc->next) / PAGE_4K
					: 0;
}

/*
 * Take one frame and zero it.  It must be zero before anything points at
 * it: a stale byte in a fresh table would be a present entry to the MMU.
 */
static int frame_alloc(const struct guest_mem *mem, struct pt_alloc *alloc,
		       uint64_t *frame)
{
	void *host;

	if (alloc->next & (PAGE_4K - 1))
		return -EINVAL;
	if (frames_left(alloc) < 1)
		return -ENOMEM;
	host = gpa_to_host(mem, alloc->next, PAGE_4K);
	if (!host)
		return -EFAULT;
	memset(host, 0, PAGE_4K);
	*frame = alloc->next;
	alloc->next += PAGE_4K;
	return 0;
}

/*
 * Check everything a mapping needs without writing anything: the tables on
 * the way down, the entry it will replace, and the frames for the tables
 * still missing.  Returns how many tables must be created, or -errno.
 */
static int map_check(const struct guest_mem *mem, uint64_t pml4,
		     const struct pt_alloc *alloc, uint64_t va, int leaf,
		     uint64_t leaf_entry)
{
	uint64_t table = pml4, e;
	int level, err, missing;

	for (level = 0; level < leaf; level++) {
		err = entry_read(mem, table, pt_index(va, level), &e);
		if (err)
			return err;
		if (!(e & PTE_P))
			break;
		if (reserved_bits(level, e))
			return -EINVAL;
		/* A large page already covers va: no table can go here. */
		if (e & PTE_PS)
			return -EEXIST;
		table = e & PTE_ADDR;
	}
	if (level == leaf) {
		err = entry_read(mem, table, pt_index(va, leaf), &e);
		if (err)
			return err;
		/* The CPU sets A and D as the guest runs: not a change. */
		if (e & PTE_P)
			return ((e ^ leaf_entry) & ~(PTE_A | PTE_D)) ? -EEXIST
								     : 0;
		return 0;
	}

	missing = leaf - level;
	if (alloc->next & (PAGE_4K - 1))
		return -EINVAL;
	if (frames_left(alloc) < (uint64_t)missing)
		return -ENOMEM;
	if (!gpa_to_host(mem, alloc->next, missing * PAGE_4K))
		return -EFAULT;
	return missing;
}

/*
 * Write the mapping map_check() approved: from the PML4 down to level
 * `leaf`, follow each present entry and create each missing table (a
 * zeroed frame from `alloc`), then write `leaf_entry` at level `leaf`.
 * Nothing can fail any more: returns 0.
 */
static int map_install(const struct guest_mem *mem, uint64_t pml4,
		       struct pt_alloc *alloc, uint64_t va, int leaf,
		       uint64_t leaf_entry)
{
	/* EXERCISE ch03-map-page: walk down, create tables, write the leaf */
#ifndef KVMLAB_STUBS
	uint64_t table = pml4, e = 0, link;
	unsigned index;
	int level;

	/*
	 * Access rights are the most restrictive of all levels (SDM Vol. 3A,
	 * 4.6.1), so the tables above the leaf allow writes, and user access
	 * when the page is a user page: the leaf entry alone decides.
	 */
	link = PTE_P | PTE_W | (leaf_entry & PTE_U);

	for (level = 0; level < leaf; level++) {
		index = pt_index(va, level);
		entry_read(mem, table, index, &e);
		if (!(e & PTE_P)) {
			uint64_t frame = 0;

			frame_alloc(mem, alloc, &frame);
			e = frame | link;
			entry_write(mem, table, index, e);
		} else if ((e & link) != link) {
			e |= link;
			entry_write(mem, table, index, e);
		}
		table = e & PTE_ADDR;
	}
	return entry_write(mem, table, pt_index(va, leaf), leaf_entry);
#else
	(void)mem;
	(void)pml4;
	(void)alloc;
	(void)va;
	(void)leaf;
	(void)leaf_entry;
	(void)entry_write; /* you will need it: see entry_read() */
	exercise_todo("ch03-map-page", "exercises/03-long-mode/README.md");
#endif /* END EXERCISE ch03-map-page */
}

int pt_map(const struct guest_mem *mem, uint64_t pml4, struct pt_alloc *alloc,
	   uint64_t va, uint64_t pa, uint64_t size, uint64_t flags)
{
	uint64_t leaf_entry;
	int leaf, err;

	/* The level that holds the leaf entry: PDPT, PD or PT. */
	switch (size) {
	case PAGE_1G:
		leaf = 1;
		break;
	case PAGE_2M:
		leaf = 2;
		break;
	case PAGE_4K:
		leaf = 3;
		break;
	default:
		return -EINVAL;
	}
	if (((va | pa) & (size - 1)) || !canonical(va) || (pa & ~PTE_ADDR) ||
	    (pml4 & ~PTE_ADDR) || (flags & (PTE_ADDR | PTE_PS)))
		return -EINVAL;

	leaf_entry = pa | flags | PTE_P | (leaf < 3 ? PTE_PS : 0);
	err = map_check(mem, pml4, alloc, va, leaf, leaf_entry);
	if (err < 0)
		return err;
	/* Everything is checked: from here on nothing can fail. */
	return map_install(mem, pml4, alloc, va, leaf, leaf_entry);
}

int pt_identity(const struct guest_mem *mem, struct pt_alloc *alloc,
		uint64_t *cr3)
{
	uint64_t pml4, addr, size, end;
	int err;

	err = frame_alloc(mem, alloc, &pml4);
	if (err)
		return err;

	/*
	 * The first 2 MiB use 4 KiB pages so every level is in use, as the
	 * lecture draws it.  Above that, one PD entry maps 2 MiB, so 1 GiB of
	 * RAM needs one PD and nothing more.  A tail shorter than 2 MiB gets
	 * 4 KiB pages: rounding it up would map addresses with no RAM behind
	 * them, and a guest touching them should see #PF, not a strange MMIO
	 * exit.
	 */
	end = (mem->size + PAGE_4K - 1) & ~(PAGE_4K - 1);
	for (addr = 0; addr < end; addr += size) {
		size = PAGE_4K;
		if (addr >= PAGE_2M && !(addr & (PAGE_2M - 1)) &&
		    end - addr >= PAGE_2M)
			size = PAGE_2M;
		err = pt_map(mem, pml4, alloc, addr, addr, size, PTE_W);
		if (err)
			return err;
	}
	*cr3 = pml4;
	return 0;
}

static int walk(const struct guest_mem *mem, uint64_t cr3, uint64_t va,
		struct pt_walk *w)
{
	uint64_t table, e, size;
	unsigned index;
	int level;

	if (!canonical(va))
		return -EINVAL;
	/* CR3 holds the PML4 address in bits 51:12; the low bits are PCD,
	 * PWT or a PCID (SDM Vol. 3A, 4.5). */
	if (cr3 & ~(PTE_ADDR | 0xfff))
		return -EINVAL;
	table = cr3 & PTE_ADDR;

	for (level = 0; level < PT_LEVELS; level++) {
		index = pt_index(va, level);
		w->step[level].table = table;
		w->step[level].index = index;
		if (entry_read(mem, table, index, &e))
			return -EFAULT;
		w->step[level].entry = e;
		w->levels = level + 1;
		if (!(e & PTE_P))
			return -ENOENT;
		if (reserved_bits(level, e))
			return -EINVAL;
		if (level == PT_LEVELS - 1 || (e & PTE_PS)) {
			size = 1ull << level_shift[level];
			w->page_size = size;
			w->pa =
			    (e & PTE_ADDR & ~(size - 1)) | (va & (size - 1));
			return 0;
		}
		table = e & PTE_ADDR;
	}
	return -ENOENT; /* not reached: the PT level always ends the walk */
}

int pt_walk(const struct guest_mem *mem, uint64_t cr3, uint64_t va,
	    struct pt_walk *w)
{
	memset(w, 0, sizeof(*w));
	w->result = walk(mem, cr3, va, w);
	return w->result;
}

/* The names of the bits set in entry `e` at `level`, for the printout. */
static void entry_flags(int level, uint64_t e, char *buf, size_t len)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} names[] = {
	    {PTE_P, "P"},     {PTE_W, "W"},   {PTE_U, "U"}, {PTE_PWT, "PWT"},
	    {PTE_PCD, "PCD"}, {PTE_A, "A"},   {PTE_D, "D"}, {PTE_PS, NULL},
	    {PTE_G, "G"},     {PTE_NX, "NX"},
	};
	size_t used = 0;
	unsigned i;

	buf[0] = '\0';
	if (!(e & PTE_P)) {
		snprintf(buf, len, "not present");
		return;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *name = names[i].name;

		if (!(e & names[i].bit))
			continue;
		/* Bit 7 means a large page in a PDPTE or PDE, PAT in a PTE,
		 * and must be 0 in a PML4E. */
		if (names[i].bit == PTE_PS)
			name = level == 0   ? "PS(reserved!)"
			       : level == 3 ? "PAT"
					    : "PS";
		used += snprintf(buf + used, len - used, "%s%s",
				 used ? " " : "", name);
		if (used >= len)
			return;
	}
}

void pt_walk_print(const struct pt_walk *w, uint64_t va, FILE *out)
{
	static const char *const size_name[] = {"1 GiB", "2 MiB", "4 KiB"};
	char flags[64];
	bool writable = true, user = true, nx = false;
	int i;

	/*
	 * How the MMU splits the address: 9 bits per table, the rest is the
	 * offset into the page, which is 21 or 30 bits wide for a large page.
	 */
	fprintf(out, "  va 0x%llx:", (unsigned long long)va);
	for (i = 0; i < PT_LEVELS; i++) {
		if (w->result == 0 && i == w->levels)
			break;
		fprintf(out, " %s %u,", level_name[i], pt_index(va, i));
	}
	fprintf(out, " offset 0x%0*llx\n",
		i == PT_LEVELS ? 3
		: i == 3       ? 6
			       : 8,
		(unsigned long long)(va & ((1ull << level_shift[i - 1]) - 1)));

	for (i = 0; i < w->levels && i < PT_LEVELS; i++) {
		uint64_t e = w->step[i].entry;

		entry_flags(i, e, flags, sizeof(flags));
		fprintf(out, "  %-4s[%3u] @0x%llx = 0x%016llx  %s\n",
			level_name[i], w->step[i].index,
			(unsigned long long)w->step[i].table,
			(unsigned long long)e, flags);
		writable = writable && (e & PTE_W);
		user = user && (e & PTE_U);
		nx = nx || (e & PTE_NX);
	}

	switch (w->result) {
	case 0:
		i = w->page_size == PAGE_1G   ? 0
		    : w->page_size == PAGE_2M ? 1
					      : 2;
		fprintf(out, "  -> physical 0x%llx (%s page, %s, %s%s)\n",
			(unsigned long long)w->pa, size_name[i],
			writable ? "writable" : "read-only",
			user ? "user" : "supervisor", nx ? ", no-execute" : "");
		break;
	case -ENOENT:
		fprintf(out, "  -> %s entry not present: the CPU raises #PF\n",
			level_name[w->levels - 1]);
		break;
	case -EINVAL:
		if (w->levels > 0)
			fprintf(out,
				"  -> reserved bit set in the %s entry: "
				"#PF with RSVD in the error code\n",
				level_name[w->levels - 1]);
		else if (!canonical(va))
			fprintf(out, "  -> not canonical (bits 63:47 differ): "
				     "the CPU raises #GP, not #PF\n");
		else
			fprintf(out, "  -> reserved bits set in CR3\n");
		break;
	case -EFAULT:
		if (w->levels < PT_LEVELS)
			fprintf(out,
				"  -> the %s at 0x%llx lies outside "
				"guest RAM\n",
				level_name[w->levels],
				(unsigned long long)w->step[w->levels].table);
		break;
	default:
		fprintf(out, "  -> walk failed (%d)\n", w->result);
		break;
	}
}

/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the loader (chapters 2-3): ELF segments.  Each PT_LOAD
 * segment's bytes must land at its p_paddr with .bss zeroed and nothing
 * else touched; a segment outside the file or guest RAM, overlapping
 * another, or an entry point outside the code is refused before a byte is
 * copied.  The files come from build_elf() in loadtest.h.
 */
#include "loadtest.h"

/* ---- Layouts that load ------------------------------------------------ */

static void check_loaded(int is64)
{
	struct elf_spec s = good_spec(is64);
	struct guest_image img;
	struct elf_layout l;
	char err[256] = "";
	uint8_t *b = build_elf(&s, &l);
	size_t i;

	assert_int_equal(load_elf(&gmem, b, l.len, &img, err, sizeof(err)), 0);
	assert_int_equal(img.kind, is64 ? IMAGE_ELF64 : IMAGE_ELF32);
	assert_int_equal(img.entry, 0x100010);
	assert_int_equal(img.lo, 0x100000);
	assert_int_equal(img.hi, 0x102000);

	/* The file bytes land at p_paddr; .bss is zeroed; nothing else moves. */
	assert_memory_equal(ram + 0x100000, b + l.seg_off[0], 0x40);
	assert_memory_equal(ram + 0x101000, b + l.seg_off[1], 0x10);
	for (i = 0x101010; i < 0x102000; i++)
		assert_int_equal(ram[i], 0);
	assert_memory_equal(ram, snap, 0x100000);
	assert_int_equal(ram[0x100040], 0xaa);
	assert_int_equal(ram[0x102000], 0xaa);
	assert_memory_equal(ram + 0x102000, snap + 0x102000,
			    RAM_SIZE - 0x102000);
	image_free(&img);
	free(b);
}

static void test_elf64_loads(void **state)
{
	(void)state;
	check_loaded(1);
}

static void test_elf32_loads(void **state)
{
	(void)state;
	check_loaded(0);
}

/* Segment 1 moved to `paddr`: it still fits, and its .bss is zeroed. */
struct fit_case {
	const char *what;
	uint64_t paddr, hi;
};

static const struct fit_case fit_cases[] = {
    /* Segments that touch (end == start) do not overlap. */
    {"segments that touch", 0x100040, 0x101040},
    {"a segment reaching the last byte of RAM", RAM_SIZE - 0x1000, RAM_SIZE},
};

static void test_elf_fits(void **state)
{
	const struct fit_case *c = *state;
	struct elf_spec s = good_spec(1);
	struct guest_image img;
	struct elf_layout l;
	char err[256];
	uint8_t *b;

	s.segs[1].paddr = s.segs[1].vaddr = c->paddr;
	b = build_elf(&s, &l);
	assert_int_equal(load_elf(&gmem, b, l.len, &img, err, sizeof(err)), 0);
	assert_int_equal(img.hi, c->hi);
	assert_int_equal(ram[c->hi - 1], 0);
	image_free(&img);
	free(b);
}

/* An ELF32 segment whose bytes are the last ones in the file is fine, one
 * byte further is not. */
static void test_elf32_segment_at_file_end(void **state)
{
	struct elf_spec s = good_spec(0);
	struct guest_image img;
	struct elf_layout l;
	char err[256];
	uint8_t *b;

	(void)state;
	s.nsyms = 0;
	b = build_elf(&s, &l);
	assert_int_equal(l.seg_off[1] + 0x10, l.len);
	assert_int_equal(load_elf(&gmem, b, l.len, &img, err, sizeof(err)), 0);
	memcpy(ram, snap, RAM_SIZE);
	put_le(b, l.phoff + l.phsz + offsetof(Elf32_Phdr, p_offset), 4,
	       l.len - 0x10 + 1);
	expect_elf_failure(b, l.len, -EINVAL, "runs past the end of the file");
	free(b);
}

/* ---- Segment 1 where it cannot go ------------------------------------- */

/* good_spec()'s segment 1 is 0x10 file bytes at 0x101000, 0x1000 in RAM. */
struct seg_case {
	const char *what;
	int is64;
	uint64_t paddr, vaddr, filesz, memsz;
	uint64_t offset; /* 0: where build_elf() puts it */
	int code;
	const char *why;
};

static const struct seg_case seg_cases[] = {
    {"file bytes past the end of the file", 1, 0x101000, 0x101000, 0x10, 0x1000,
     0x10000, -EINVAL, "segment 1"},
    {"file offset + size wraps", 1, 0x101000, 0x101000, 0x10, 0x1000,
     UINT64_MAX - 4, -EINVAL, "segment 1"},
    {"one byte past guest RAM", 1, RAM_SIZE - 0x1000, RAM_SIZE - 0x1000, 0x10,
     0x1001, 0, -ERANGE, "ends past guest RAM"},
    /* Far beyond anything --mem can give. */
    {"starts past guest RAM", 1, 0x80000000, 0x80000000, 0x10, 0x1000, 0,
     -ERANGE, "starts past guest RAM (2 MiB); link the guest lower"},
    /* p_paddr + p_memsz overflows 64 bits. */
    {"end wraps around", 1, 0xfffffffffffff000, 0xfffffffffffff000, 0x10,
     0x2000, 0, -ERANGE, "wraps around"},
    {"memsz wraps around", 1, 0x101000, 0x101000, 0x10, UINT64_MAX, 0, -ERANGE,
     "wraps around"},
    /* The largest ELF32 address: no overflow, still outside. */
    {"ELF32 at 4 GiB - 4 KiB", 0, 0xfffff000, 0xfffff000, 0x10, 0x1000, 0,
     -ERANGE, "segment 1"},
    {"overlaps segment 0", 1, 0x100020, 0x100020, 0x10, 0x1000, 0, -EINVAL,
     "segments 0 (0x100000-0x100040) and 1 "
     "(0x100020-0x101020) overlap"},
    {"overlaps segment 0 from below", 1, 0xfff00, 0xfff00, 0x10, 0x101, 0,
     -EINVAL, "overlap"},
    /* Same start, one of them inside the other. */
    {"inside segment 0", 1, 0x100000, 0x100000, 0x10, 0x10, 0, -EINVAL,
     "overlap"},
    /* Different virtual addresses do not help: RAM is physical. */
    {"inside segment 0, elsewhere in virtual memory", 1, 0x100000, 0x200000,
     0x10, 0x10, 0, -EINVAL, "overlap"},
    {"filesz over memsz", 1, 0x101000, 0x101000, 0x20, 0x10, 0, -EINVAL,
     "more bytes in the file"},
};

static void test_elf_bad_segment(void **state)
{
	const struct seg_case *c = *state;
	struct elf_spec s = good_spec(c->is64);

	s.segs[1].paddr = c->paddr;
	s.segs[1].vaddr = c->vaddr;
	s.segs[1].filesz = c->filesz;
	s.segs[1].memsz = c->memsz;
	s.segs[1].offset = c->offset;
	expect_spec_failure(&s, c->code, c->why);
}

/* Past the end of RAM: the full message, with the advice. */
static void test_elf_past_ram_message(void **state)
{
	struct elf_spec s = good_spec(1);
	struct guest_image img;
	struct elf_layout l;
	char err[256];
	uint8_t *b;

	(void)state;
	s.segs[1].paddr = s.segs[1].vaddr = 0x1ff000;
	s.segs[1].memsz = 0x2000;
	b = build_elf(&s, &l);
	assert_int_equal(load_elf(&gmem, b, l.len, &img, err, sizeof(err)),
			 -ERANGE);
	assert_string_equal(err, "segment 1 (0x1ff000-0x201000) ends past "
				 "guest RAM (2 MiB); try --mem 4M or link "
				 "the guest lower");
	assert_ram_untouched();
	free(b);
}

static void test_elf_no_load(void **state)
{
	struct elf_spec s = good_spec(1);

	(void)state;
	s.segs[0].type = PT_NOTE;
	s.segs[1].type = PT_NOTE;
	expect_spec_failure(&s, -EINVAL, "no PT_LOAD");
	/* PT_LOADs that load nothing do not count. */
	s = good_spec(1);
	s.segs[0].filesz = s.segs[0].memsz = 0;
	s.segs[1].filesz = s.segs[1].memsz = 0;
	expect_spec_failure(&s, -EINVAL, "no PT_LOAD");
}

/* ---- The entry point -------------------------------------------------- */

struct entry_case {
	const char *what;
	uint64_t entry;
	const char *why;
};

static const struct entry_case entry_cases[] = {
    {"entry in no segment", 0x180000, "outside every loaded segment"},
    {"entry one past the code", 0x100040, "outside every loaded segment"},
    {"entry in data", 0x101004, "segment 1, which is not executable"},
    /* .bss is loaded memory, still not code. */
    {"entry in .bss", 0x101800, "not executable"},
    {"entry 0", 0, "entry point 0x0"},
};

static void test_elf_bad_entry(void **state)
{
	const struct entry_case *c = *state;
	struct elf_spec s = good_spec(1);

	s.entry = c->entry;
	expect_spec_failure(&s, -EINVAL, c->why);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
	    T(test_elf64_loads),
	    T(test_elf32_loads),
	    T(test_elf32_segment_at_file_end),
	    T(test_elf_past_ram_message),
	    T(test_elf_no_load),
	};
	struct CMUnitTest tests[ARRAY_LEN(fixed) + ARRAY_LEN(fit_cases) +
				ARRAY_LEN(seg_cases) + ARRAY_LEN(entry_cases)];
	size_t n = 0;

	ADD_TESTS(tests, n, fixed);
	ADD_ROWS(tests, n, test_elf_fits, fit_cases);
	ADD_ROWS(tests, n, test_elf_bad_segment, seg_cases);
	ADD_ROWS(tests, n, test_elf_bad_entry, entry_cases);
	return cmocka_run_group_tests(tests, ram_alloc, ram_free);
}

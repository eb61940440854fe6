/* SPDX-License-Identifier: MIT */
/*
 * What the loader's unit tests share (test_elf_*.c, test_flat.c,
 * test_guest_file.c): guest RAM, ELF files built in memory, and the checks
 * every failed load must pass.
 *
 * The ELF files are built by build_elf(), field by field, so each test can
 * break exactly one thing (a class byte, a segment address, a symbol name
 * offset) and check that the loader refuses it with the right error, leaves
 * guest memory untouched, and explains why.  No compiler or KVM is needed:
 * guest RAM is a plain calloc'd buffer.
 *
 * Everything here is static inline, so each test program takes only what it
 * uses and the Makefile needs no rule for a shared object.
 */
#ifndef KVMLAB_TEST_LOADTEST_H
#define KVMLAB_TEST_LOADTEST_H

#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kvmlab/base/log.h"
#include "kvmlab/load/loader.h"

#define RAM_SIZE       (2u << 20)
#define ALIGN_UP(x, a) (((x) + (a)-1) & ~(size_t)((a)-1))
#define ARRAY_LEN(a)   (sizeof(a) / sizeof((a)[0]))

/* Guest RAM, filled with 0xaa before each test, and a copy to compare. */
static uint8_t *ram, *snap;
static struct guest_mem gmem;

/* ---- Building ELF files ----------------------------------------------- */

struct tseg {
	uint32_t type, flags;
	uint64_t paddr, vaddr, filesz, memsz;
	uint64_t offset; /* 0: placed by build_elf() */
	uint8_t fill;	 /* file bytes are fill, fill + 1, ... */
};

struct tsym {
	const char *name;
	uint64_t value, size;
	unsigned char type, bind;
	uint16_t shndx;
};

struct elf_spec {
	int is64;
	uint16_t machine, type;
	uint64_t entry;
	struct tseg segs[4];
	unsigned nsegs;
	struct tsym syms[12];
	unsigned nsyms; /* 0: no section headers at all (a stripped file) */
};

/* Where build_elf() put things, for tests that corrupt them. */
struct elf_layout {
	size_t len, phoff, seg_off[4], stroff, symoff, shoff;
	size_t phsz, shsz, symsz;
};

/* One writer per class: the field names are the same, the widths differ. */
#define DEFINE_WRITER(N)                                                       \
	static inline void write_headers##N(                                   \
	    uint8_t *b, const struct elf_spec *s, const struct elf_layout *l,  \
	    const uint32_t *names, size_t strsize)                             \
	{                                                                      \
		Elf##N##_Ehdr eh = {0};                                        \
		unsigned i;                                                    \
                                                                               \
		memcpy(eh.e_ident, b, EI_NIDENT);                              \
		eh.e_type = s->type;                                           \
		eh.e_machine = s->machine;                                     \
		eh.e_version = EV_CURRENT;                                     \
		eh.e_entry = s->entry;                                         \
		eh.e_phoff = l->phoff;                                         \
		eh.e_shoff = l->shoff;                                         \
		eh.e_ehsize = sizeof(eh);                                      \
		eh.e_phentsize = sizeof(Elf##N##_Phdr);                        \
		eh.e_phnum = s->nsegs;                                         \
		eh.e_shentsize = s->nsyms ? sizeof(Elf##N##_Shdr) : 0;         \
		eh.e_shnum = s->nsyms ? 3 : 0;                                 \
		memcpy(b, &eh, sizeof(eh));                                    \
		for (i = 0; i < s->nsegs; i++) {                               \
			const struct tseg *t = &s->segs[i];                    \
			Elf##N##_Phdr ph = {0};                                \
                                                                               \
			ph.p_type = t->type;                                   \
			ph.p_flags = t->flags;                                 \
			ph.p_offset = t->offset ? t->offset : l->seg_off[i];   \
			ph.p_vaddr = t->vaddr;                                 \
			ph.p_paddr = t->paddr;                                 \
			ph.p_filesz = t->filesz;                               \
			ph.p_memsz = t->memsz;                                 \
			ph.p_align = 16;                                       \
			memcpy(b + l->phoff + i * sizeof(ph), &ph,             \
			       sizeof(ph));                                    \
		}                                                              \
		if (!s->nsyms)                                                 \
			return;                                                \
		for (i = 0; i < s->nsyms; i++) {                               \
			const struct tsym *t = &s->syms[i];                    \
			Elf##N##_Sym sym = {0};                                \
                                                                               \
			sym.st_name = names[i];                                \
			sym.st_value = t->value;                               \
			sym.st_size = t->size;                                 \
			sym.st_info = ELF64_ST_INFO(t->bind, t->type);         \
			sym.st_shndx = t->shndx;                               \
			/* entry 0 stays the null symbol */                    \
			memcpy(b + l->symoff + (i + 1) * sizeof(sym), &sym,    \
			       sizeof(sym));                                   \
		}                                                              \
		Elf##N##_Shdr sh[3] = {{0}};                                   \
		sh[1].sh_type = SHT_SYMTAB;                                    \
		sh[1].sh_offset = l->symoff;                                   \
		sh[1].sh_size = (s->nsyms + 1) * sizeof(Elf##N##_Sym);         \
		sh[1].sh_link = 2;                                             \
		sh[1].sh_info = 1;                                             \
		sh[1].sh_entsize = sizeof(Elf##N##_Sym);                       \
		sh[2].sh_type = SHT_STRTAB;                                    \
		sh[2].sh_offset = l->stroff;                                   \
		sh[2].sh_size = strsize;                                       \
		memcpy(b + l->shoff, sh, sizeof(sh));                          \
	}

DEFINE_WRITER(32)
DEFINE_WRITER(64)

/* The file `s` describes, laid out as ld would: headers, segments, symbols. */
static inline uint8_t *build_elf(const struct elf_spec *s, struct elf_layout *l)
{
	uint32_t names[12];
	size_t off, strsize = 1, i, j;
	uint8_t *b;

	memset(l, 0, sizeof(*l));
	l->phsz = s->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	l->shsz = s->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	l->symsz = s->is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
	l->phoff = s->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	off = l->phoff + s->nsegs * l->phsz;
	for (i = 0; i < s->nsegs; i++) {
		off = ALIGN_UP(off, 16);
		l->seg_off[i] = off;
		off += s->segs[i].filesz;
	}
	if (s->nsyms) {
		for (i = 0; i < s->nsyms; i++) {
			names[i] = strsize;
			strsize += strlen(s->syms[i].name) + 1;
		}
		l->stroff = off;
		off = ALIGN_UP(off + strsize, 8);
		l->symoff = off;
		off = ALIGN_UP(off + (s->nsyms + 1) * l->symsz, 8);
		l->shoff = off;
		off += 3 * l->shsz;
	}
	l->len = off;

	b = calloc(1, off);
	assert_non_null(b);
	memcpy(b, ELFMAG, SELFMAG);
	b[EI_CLASS] = s->is64 ? ELFCLASS64 : ELFCLASS32;
	b[EI_DATA] = ELFDATA2LSB;
	b[EI_VERSION] = EV_CURRENT;
	for (i = 0; i < s->nsegs; i++)
		for (j = 0; j < s->segs[i].filesz; j++)
			b[l->seg_off[i] + j] = (uint8_t)(s->segs[i].fill + j);
	for (i = 0; i < s->nsyms; i++)
		strcpy((char *)b + l->stroff + names[i], s->syms[i].name);
	if (s->is64)
		write_headers64(b, s, l, names, strsize);
	else
		write_headers32(b, s, l, names, strsize);
	return b;
}

/*
 * A typical guest: code at 1 MiB, data with .bss after it, a
 * PT_GNU_STACK header the loader must skip, and symbols of every kind,
 * of which _start, _start_alias, putc, label and counter are kept.
 */
static inline struct elf_spec good_spec(int is64)
{
	struct elf_spec s = {
	    .is64 = is64,
	    .machine = is64 ? EM_X86_64 : EM_386,
	    .type = ET_EXEC,
	    .entry = 0x100010,
	    .segs =
		{
		    {PT_LOAD, PF_R | PF_X, 0x100000, 0x100000, 0x40, 0x40, 0,
		     0x10},
		    {PT_LOAD, PF_R | PF_W, 0x101000, 0x101000, 0x10, 0x1000, 0,
		     0x80},
		    {PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 0, 0},
		},
	    .nsegs = 3,
	    .syms =
		{
		    {"putc", 0x100010, 0x20, STT_FUNC, STB_GLOBAL, 1},
		    {"_start", 0x100000, 0x10, STT_FUNC, STB_GLOBAL, 1},
		    {"_start_alias", 0x100000, 0, STT_NOTYPE, STB_GLOBAL, 1},
		    {"label", 0x100030, 0, STT_NOTYPE, STB_LOCAL, 1},
		    {"counter", 0x101000, 8, STT_OBJECT, STB_GLOBAL, 2},
		    {".text", 0x100000, 0, STT_SECTION, STB_LOCAL, 1},
		    {"boot.S", 0, 0, STT_FILE, STB_LOCAL, SHN_ABS},
		    {"at_zero", 0, 0, STT_NOTYPE, STB_GLOBAL, 1},
		    {"undefined", 0x100000, 0, STT_NOTYPE, STB_GLOBAL,
		     SHN_UNDEF},
		    {"", 0x100020, 4, STT_FUNC, STB_LOCAL, 1},
		},
	    .nsyms = 10,
	};
	return s;
}

/* Overwrite the `size`-byte little-endian field at `off` with `v`. */
static inline void put_le(uint8_t *b, size_t off, size_t size, uint64_t v)
{
	for (size_t i = 0; i < size; i++)
		b[off + i] = (uint8_t)(v >> (8 * i));
}

/* ---- Guest RAM -------------------------------------------------------- */

/* Group setup and teardown: one RAM for every test of a program. */
static inline int ram_alloc(void **state)
{
	(void)state;
	/* The loader's reports are checked where they matter (see
	 * test_guest_file.c); elsewhere they would only clutter the output. */
	log_level = LOG_QUIET;
	ram = calloc(1, RAM_SIZE);
	snap = malloc(RAM_SIZE);
	gmem.host = ram;
	gmem.size = RAM_SIZE;
	return ram && snap ? 0 : -1;
}

static inline int ram_free(void **state)
{
	(void)state;
	free(ram);
	free(snap);
	return 0;
}

/* Each test's setup. */
static inline int fill_ram(void **state)
{
	(void)state;
	memset(ram, 0xaa, RAM_SIZE);
	memcpy(snap, ram, RAM_SIZE);
	return 0;
}

#define T(f) cmocka_unit_test_setup(f, fill_ram)

/*
 * A program's tests are its fixed ones and one per row of each table:
 *
 *	struct CMUnitTest tests[ARRAY_LEN(fixed) + ARRAY_LEN(cases)];
 *	size_t n = 0;
 *
 *	ADD_TESTS(tests, n, fixed);
 *	ADD_ROWS(tests, n, test_case, cases);
 *
 * A row's test is named by the row's `what` and finds the row in *state.
 */
#define ADD_TESTS(tests, n, fixed)                                             \
	for (size_t i_ = 0; i_ < ARRAY_LEN(fixed); i_++)                       \
	tests[(n)++] = (fixed)[i_]

#define ADD_ROWS(tests, n, fn, table)                                          \
	for (size_t row_ = 0; row_ < ARRAY_LEN(table); row_++)                 \
		tests[(n)++] = (struct CMUnitTest)                             \
		{                                                              \
			.name = (table)[row_].what, .test_func = (fn),         \
			.setup_func = fill_ram,                                \
			.initial_state = (void *)&(table)[row_]                \
		}

/* ---- Checks ----------------------------------------------------------- */

static inline void assert_ram_untouched(void)
{
	if (memcmp(ram, snap, RAM_SIZE) != 0)
		fail_msg("a failed load changed guest memory");
}

static inline void assert_contains(const char *text, const char *part)
{
	if (!strstr(text, part))
		fail_msg("expected \"%s\" in \"%s\"", part, text);
}

/* load_elf() must fail with `code`, say `why`, and change nothing. */
static inline void expect_elf_failure(const uint8_t *buf, size_t len, int code,
				      const char *why)
{
	struct guest_image img;
	char err[256] = "";
	int r;

	r = load_elf(&gmem, buf, len, &img, err, sizeof(err));
	if (r != code)
		fail_msg("load_elf returned %d, expected %d (err: %s)", r, code,
			 err);
	assert_ram_untouched();
	assert_true(err[0] != '\0');
	if (why)
		assert_contains(err, why);
	assert_null(img.syms);
	assert_int_equal(img.nsyms, 0);
	image_free(&img); /* safe after a failed load */
	image_free(&img);
}

static inline void expect_spec_failure(const struct elf_spec *s, int code,
				       const char *why)
{
	struct elf_layout l;
	uint8_t *b = build_elf(s, &l);

	expect_elf_failure(b, l.len, code, why);
	free(b);
}

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the loader (chapters 1-3).
 *
 * The ELF files here are built in memory by build_elf(), field by field, so
 * each test can break exactly one thing (a class byte, a segment address, a
 * symbol name offset) and check that the loader refuses it with the right
 * error, leaves guest memory untouched, and explains why.  No compiler or
 * KVM is needed: guest RAM is a plain calloc'd buffer.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "abi/machine.h"
#include "kvmlab/load/loader.h"
#include "kvmlab/base/log.h"

#define RAM_SIZE       (2u << 20)
#define ALIGN_UP(x, a) (((x) + (a)-1) & ~(size_t)((a)-1))

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
	static void write_headers##N(uint8_t *b, const struct elf_spec *s,     \
				     const struct elf_layout *l,               \
				     const uint32_t *names, size_t strsize)    \
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
static uint8_t *build_elf(const struct elf_spec *s, struct elf_layout *l)
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
static struct elf_spec good_spec(int is64)
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

static void put16(uint8_t *b, size_t off, uint16_t v)
{
	memcpy(b + off, &v, sizeof(v));
}

static void put32(uint8_t *b, size_t off, uint32_t v)
{
	memcpy(b + off, &v, sizeof(v));
}

static void put64(uint8_t *b, size_t off, uint64_t v)
{
	memcpy(b + off, &v, sizeof(v));
}

/* ---- Helpers ---------------------------------------------------------- */

static int fill_ram(void **state)
{
	(void)state;
	memset(ram, 0xaa, RAM_SIZE);
	memcpy(snap, ram, RAM_SIZE);
	return 0;
}

static void assert_ram_untouched(void)
{
	if (memcmp(ram, snap, RAM_SIZE) != 0)
		fail_msg("a failed load changed guest memory");
}

static void assert_contains(const char *text, const char *part)
{
	if (!strstr(text, part))
		fail_msg("expected \"%s\" in \"%s\"", part, text);
}

/* load_elf() must fail with `code`, say `why`, and change nothing. */
static void expect_elf_failure(const uint8_t *buf, size_t len, int code,
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

static void expect_spec_failure(const struct elf_spec *s, int code,
				const char *why)
{
	struct elf_layout l;
	uint8_t *b = build_elf(s, &l);

	expect_elf_failure(b, l.len, code, why);
	free(b);
}

/* Capture what a load_guest_file() call reports on stderr. */
static char captured[4096];
static FILE *capture_file;
static int saved_stderr = -1;

static void capture_start(void)
{
	fflush(stderr);
	capture_file = tmpfile();
	assert_non_null(capture_file);
	saved_stderr = dup(STDERR_FILENO);
	dup2(fileno(capture_file), STDERR_FILENO);
	log_level = LOG_WARNING;
}

static const char *capture_end(void)
{
	size_t n;

	log_level = LOG_QUIET;
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	rewind(capture_file);
	n = fread(captured, 1, sizeof(captured) - 1, capture_file);
	captured[n] = '\0';
	fclose(capture_file);
	return captured;
}

static void write_temp(char *path, const void *data, size_t len)
{
	int fd;

	strcpy(path, "/tmp/kvmlab-test-loader-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* ---- Valid ELF files -------------------------------------------------- */

static void check_good_image(int is64)
{
	struct elf_spec s = good_spec(is64);
	struct guest_image img;
	struct elf_layout l;
	char err[256] = "", name[64];
	uint64_t addr;
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

	/* Kept: FUNC, OBJECT, NOTYPE with a name and an address, sorted. */
	assert_int_equal(img.nsyms, 5);
	for (i = 1; i < img.nsyms; i++)
		assert_true(img.syms[i - 1].addr <= img.syms[i].addr);
	assert_int_equal(image_symbol_find(&img, "putc", &addr), 0);
	assert_int_equal(addr, 0x100010);
	assert_int_equal(image_symbol_find(&img, "counter", &addr), 0);
	assert_int_equal(addr, 0x101000);
	assert_int_equal(image_symbol_find(&img, "_start_alias", &addr), 0);
	assert_int_equal(addr, 0x100000);
	assert_int_equal(image_symbol_find(&img, ".text", &addr), -ENOENT);
	assert_int_equal(image_symbol_find(&img, "boot.S", &addr), -ENOENT);
	assert_int_equal(image_symbol_find(&img, "at_zero", &addr), -ENOENT);
	assert_int_equal(image_symbol_find(&img, "undefined", &addr), -ENOENT);
	assert_int_equal(image_symbol_find(&img, "", &addr), -ENOENT);

	/* By address: inside a sized symbol, after a label, in a gap. */
	assert_string_equal(image_symbol_at(&img, 0x10001c)->name, "putc");
	/* A function and a label share 0x100000: the function wins. */
	assert_string_equal(image_symbol_at(&img, 0x100004)->name, "_start");
	assert_string_equal(image_symbol_at(&img, 0x100fff)->name, "label");
	assert_string_equal(image_symbol_at(&img, 0x101007)->name, "counter");
	assert_null(image_symbol_at(&img, 0x101008)); /* past counter */
	assert_null(image_symbol_at(&img, 0xfffff));

	assert_string_equal(image_addr_name(&img, 0x10001c, name, sizeof(name)),
			    "0x10001c <putc+12>");
	assert_string_equal(image_addr_name(&img, 0x100010, name, sizeof(name)),
			    "0x100010 <putc>");
	assert_string_equal(image_addr_name(&img, 0x100035, name, sizeof(name)),
			    "0x100035 <label+5>");
	assert_string_equal(image_addr_name(&img, 0x1000, name, sizeof(name)),
			    "0x1000");

	image_free(&img);
	assert_null(img.syms);
	image_free(&img); /* twice is fine */
	free(b);
}

static void test_elf64_valid(void **state)
{
	(void)state;
	check_good_image(1);
}

static void test_elf32_valid(void **state)
{
	(void)state;
	check_good_image(0);
}

/* Segments that touch (end == start) do not overlap. */
static void test_elf_adjacent_segments(void **state)
{
	struct elf_spec s = good_spec(1);
	struct guest_image img;
	struct elf_layout l;
	char err[256];
	uint8_t *b;

	(void)state;
	s.segs[1].paddr = s.segs[1].vaddr = 0x100040;
	b = build_elf(&s, &l);
	assert_int_equal(load_elf(&gmem, b, l.len, &img, err, sizeof(err)), 0);
	assert_int_equal(img.hi, 0x101040);
	image_free(&img);
	free(b);
}

/* A segment reaching the last byte of RAM fits. */
static void test_elf_segment_at_ram_end(void **state)
{
	struct elf_spec s = good_spec(1);
	struct guest_image img;
	struct elf_layout l;
	char err[256];
	uint8_t *b;

	(void)state;
	s.segs[1].paddr = s.segs[1].vaddr = RAM_SIZE - 0x1000;
	b = build_elf(&s, &l);
	assert_int_equal(load_elf(&gmem, b, l.len, &img, err, sizeof(err)), 0);
	assert_int_equal(img.hi, RAM_SIZE);
	assert_int_equal(ram[RAM_SIZE - 1], 0);
	image_free(&img);
	free(b);
}

/* Stripped: no section headers, so no symbols, and no complaint. */
static void test_elf_stripped(void **state)
{
	struct elf_spec s = good_spec(1);
	struct guest_image img;
	struct elf_layout l;
	char err[256], name[32];
	uint8_t *b;

	(void)state;
	s.nsyms = 0;
	b = build_elf(&s, &l);
	assert_int_equal(load_elf(&gmem, b, l.len, &img, err, sizeof(err)), 0);
	assert_int_equal(img.nsyms, 0);
	assert_null(image_symbol_at(&img, 0x100010));
	assert_string_equal(image_addr_name(&img, 0x100010, name, sizeof(name)),
			    "0x100010");
	assert_int_equal(image_symbol_find(&img, "putc", NULL), -ENOENT);
	image_free(&img);
	free(b);
}

/* ---- Broken ELF files ------------------------------------------------- */

static void test_elf_truncated(void **state)
{
	int is64;

	(void)state;
	for (is64 = 0; is64 <= 1; is64++) {
		struct elf_spec s = good_spec(is64);
		struct elf_layout l;
		uint8_t *b = build_elf(&s, &l);
		size_t cuts[] = {
		    0,
		    3,
		    20,			      /* inside the ELF header */
		    l.phoff - 1,	      /* just short of it */
		    l.phoff + 10,	      /* inside a program header */
		    l.phoff + 3 * l.phsz - 1, /* one byte short */
		    l.seg_off[0] + 8,	      /* inside segment 0 */
		    l.seg_off[1] + 0xf,	      /* one byte short of seg 1 */
		};
		size_t i;

		for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
			expect_elf_failure(b, cuts[i], -EINVAL, NULL);
		expect_elf_failure(b, l.phoff + 10, -EINVAL, "truncated");
		expect_elf_failure(b, l.seg_off[0] + 8, -EINVAL, "segment 0");
		free(b);
	}
}

static void test_elf_not_elf(void **state)
{
	static const uint8_t junk[64] = {0x7f, 'E', 'L', 'X'};

	(void)state;
	expect_elf_failure(junk, sizeof(junk), -ENOEXEC, "not an ELF file");
	assert_false(is_elf(junk, sizeof(junk)));
	assert_false(is_elf("\x7f"
			    "EL",
			    3));
	assert_true(is_elf("\x7f"
			   "ELF",
			   4));
	assert_false(is_elf(NULL, 0));
}

static void test_elf_wrong_class(void **state)
{
	struct elf_spec s = good_spec(1);
	struct elf_layout l;
	uint8_t *b = build_elf(&s, &l);

	(void)state;
	b[EI_CLASS] = ELFCLASSNONE;
	expect_elf_failure(b, l.len, -ENOEXEC, "class 0");
	b[EI_CLASS] = 3;
	expect_elf_failure(b, l.len, -ENOEXEC, "class 3");
	free(b);
}

static void test_elf_wrong_byte_order(void **state)
{
	struct elf_spec s = good_spec(1);
	struct elf_layout l;
	uint8_t *b = build_elf(&s, &l);

	(void)state;
	b[EI_DATA] = ELFDATA2MSB;
	expect_elf_failure(b, l.len, -ENOEXEC, "little-endian");
	b[EI_DATA] = ELFDATANONE;
	expect_elf_failure(b, l.len, -ENOEXEC, "little-endian");
	b[EI_DATA] = ELFDATA2LSB;
	b[EI_VERSION] = 2;
	expect_elf_failure(b, l.len, -ENOEXEC, "version");
	free(b);
}

static void test_elf_wrong_machine(void **state)
{
	struct elf_spec s;

	(void)state;
	s = good_spec(0);
	s.machine = EM_ARM;
	expect_spec_failure(&s, -ENOEXEC, "32-bit ARM");
	s = good_spec(1);
	s.machine = EM_ARM;
	expect_spec_failure(&s, -ENOEXEC, "32-bit ARM");
	s = good_spec(1);
	s.machine = EM_AARCH64;
	expect_spec_failure(&s, -ENOEXEC, "64-bit ARM");
	s = good_spec(1);
	s.machine = EM_386;
	expect_spec_failure(&s, -ENOEXEC,
			    "built for i386 (e_machine 3), but an ELF64 guest "
			    "must be x86-64 (e_machine 62)");
	s = good_spec(0);
	s.machine = EM_X86_64; /* the x32 ABI */
	expect_spec_failure(&s, -ENOEXEC, "ELF32 guest must be i386");
}

static void test_elf_not_executable(void **state)
{
	struct elf_spec s = good_spec(1);

	(void)state;
	s.type = ET_DYN;
	expect_spec_failure(&s, -ENOEXEC, "-no-pie");
	s.type = ET_REL;
	expect_spec_failure(&s, -ENOEXEC, "object file");
	s.type = ET_CORE;
	expect_spec_failure(&s, -ENOEXEC, "not an executable");
}

static void test_elf_dynamic(void **state)
{
	struct elf_spec s = good_spec(1);

	(void)state;
	s.segs[2].type = PT_INTERP;
	expect_spec_failure(&s, -ENOEXEC, "-static");
}

static void test_elf_bad_program_headers(void **state)
{
	struct elf_spec s = good_spec(1);
	struct elf_layout l;
	uint8_t *b = build_elf(&s, &l);
	size_t phentsize = offsetof(Elf64_Ehdr, e_phentsize);
	size_t phoff = offsetof(Elf64_Ehdr, e_phoff);
	size_t phnum = offsetof(Elf64_Ehdr, e_phnum);

	(void)state;
	put16(b, phentsize, sizeof(Elf32_Phdr));
	expect_elf_failure(b, l.len, -EINVAL, "program headers are 32 bytes");
	put16(b, phentsize, sizeof(Elf64_Phdr));

	/* phoff + phnum * phentsize must not wrap around to a small number. */
	put64(b, phoff, UINT64_MAX - 16);
	expect_elf_failure(b, l.len, -EINVAL, "program headers");
	put64(b, phoff, l.len - 10);
	expect_elf_failure(b, l.len, -EINVAL, "program headers");
	put64(b, phoff, l.phoff);

	put16(b, phnum, 0);
	expect_elf_failure(b, l.len, -EINVAL, "no program headers");
	put16(b, phnum, PN_XNUM);
	expect_elf_failure(b, l.len, -EINVAL, NULL);
	put16(b, phnum, 1000);
	expect_elf_failure(b, l.len, -EINVAL, "past the end of the file");
	free(b);
}

static void test_elf_segment_outside_file(void **state)
{
	struct elf_spec s = good_spec(1);
	struct guest_image img;
	struct elf_layout l;
	char err[256];
	uint8_t *b;

	(void)state;
	s.segs[1].offset = 0x10000;
	expect_spec_failure(&s, -EINVAL, "segment 1");
	s.segs[1].offset = UINT64_MAX - 4; /* offset + filesz wraps */
	expect_spec_failure(&s, -EINVAL, "segment 1");

	/* An ELF32 segment whose bytes are the last ones in the file is fine,
	 * one byte further is not. */
	s = good_spec(0);
	s.nsyms = 0;
	b = build_elf(&s, &l);
	assert_int_equal(l.seg_off[1] + 0x10, l.len);
	assert_int_equal(load_elf(&gmem, b, l.len, &img, err, sizeof(err)), 0);
	memcpy(ram, snap, RAM_SIZE);
	put32(b, l.phoff + l.phsz + offsetof(Elf32_Phdr, p_offset),
	      l.len - 0x10 + 1);
	expect_elf_failure(b, l.len, -EINVAL, "runs past the end of the file");
	free(b);
}

static void test_elf_segment_outside_ram(void **state)
{
	struct elf_spec s = good_spec(1);
	struct guest_image img;
	struct elf_layout l;
	char err[256];
	uint8_t *b;

	(void)state;
	/* Ends past RAM: the full message, with the advice. */
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

	/* One byte past the end. */
	s.segs[1].paddr = s.segs[1].vaddr = RAM_SIZE - 0x1000;
	s.segs[1].memsz = 0x1001;
	expect_spec_failure(&s, -ERANGE, "ends past guest RAM");

	/* Starts past RAM, far beyond anything --mem can give. */
	s.segs[1].paddr = s.segs[1].vaddr = 0x80000000;
	s.segs[1].memsz = 0x1000;
	expect_spec_failure(&s, -ERANGE,
			    "starts past guest RAM (2 MiB); "
			    "link the guest lower");

	/* p_paddr + p_memsz overflows 64 bits. */
	s.segs[1].paddr = s.segs[1].vaddr = 0xfffffffffffff000;
	s.segs[1].memsz = 0x2000;
	expect_spec_failure(&s, -ERANGE, "wraps around");
	s.segs[1].paddr = s.segs[1].vaddr = 0x101000;
	s.segs[1].memsz = UINT64_MAX;
	expect_spec_failure(&s, -ERANGE, "wraps around");

	/* The largest ELF32 address: no overflow, still outside. */
	s = good_spec(0);
	s.segs[1].paddr = s.segs[1].vaddr = 0xfffff000;
	s.segs[1].memsz = 0x1000;
	expect_spec_failure(&s, -ERANGE, "segment 1");
}

static void test_elf_overlap(void **state)
{
	struct elf_spec s = good_spec(1);

	(void)state;
	s.segs[1].paddr = s.segs[1].vaddr = 0x100020;
	expect_spec_failure(&s, -EINVAL,
			    "segments 0 (0x100000-0x100040) and 1 "
			    "(0x100020-0x101020) overlap");
	/* The same, listed the other way round in the file. */
	s.segs[1].paddr = s.segs[1].vaddr = 0xfff00;
	s.segs[1].memsz = 0x101;
	expect_spec_failure(&s, -EINVAL, "overlap");
	/* Same start, one of them inside the other. */
	s.segs[1].paddr = s.segs[1].vaddr = 0x100000;
	s.segs[1].memsz = 0x10;
	expect_spec_failure(&s, -EINVAL, "overlap");
	/* Different virtual addresses do not help: RAM is physical. */
	s.segs[1].vaddr = 0x200000;
	expect_spec_failure(&s, -EINVAL, "overlap");
}

static void test_elf_filesz_over_memsz(void **state)
{
	struct elf_spec s = good_spec(1);

	(void)state;
	s.segs[1].filesz = 0x20;
	s.segs[1].memsz = 0x10;
	expect_spec_failure(&s, -EINVAL, "more bytes in the file");
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

static void test_elf_bad_entry(void **state)
{
	struct elf_spec s = good_spec(1);

	(void)state;
	s.entry = 0x180000;
	expect_spec_failure(&s, -EINVAL, "outside every loaded segment");
	s.entry = 0x100040; /* one past the code */
	expect_spec_failure(&s, -EINVAL, "outside every loaded segment");
	s.entry = 0x101004;
	expect_spec_failure(&s, -EINVAL, "segment 1, which is not executable");
	s.entry = 0x101800; /* .bss is loaded memory, still not code */
	expect_spec_failure(&s, -EINVAL, "not executable");
	s.entry = 0;
	expect_spec_failure(&s, -EINVAL, "entry point 0x0");
}

/* A damaged symbol table costs the names, not the load. */
static void test_elf_bad_symtab_ignored(void **state)
{
	int is64, how;

	(void)state;
	for (is64 = 0; is64 <= 1; is64++) {
		for (how = 0; how < 6; how++) {
			struct elf_spec s = good_spec(is64);
			struct guest_image img;
			struct elf_layout l;
			char err[256];
			uint8_t *b = build_elf(&s, &l);
			size_t sym1 = l.symoff + l.symsz;  /* first real one */
			size_t sh1 = l.shoff + l.shsz;	   /* .symtab */
			size_t sh2 = l.shoff + 2 * l.shsz; /* .strtab */
			size_t link = is64 ? offsetof(Elf64_Shdr, sh_link)
					   : offsetof(Elf32_Shdr, sh_link);
			size_t shoff = is64 ? offsetof(Elf64_Shdr, sh_offset)
					    : offsetof(Elf32_Shdr, sh_offset);
			size_t esz = is64 ? offsetof(Elf64_Shdr, sh_entsize)
					  : offsetof(Elf32_Shdr, sh_entsize);

			switch (how) {
			case 0: /* name offset past the string table */
				put32(b, sym1, 0x10000);
				break;
			case 1: /* link to a section that does not exist */
				put32(b, sh1 + link, 7);
				break;
			case 2: /* symbol table past the end of the file */
				if (is64)
					put64(b, sh1 + shoff, l.len);
				else
					put32(b, sh1 + shoff, l.len);
				break;
			case 3: /* string table past the end of the file */
				if (is64)
					put64(b, sh2 + shoff, UINT64_MAX);
				else
					put32(b, sh2 + shoff, UINT32_MAX);
				break;
			case 4: /* wrong entry size */
				if (is64)
					put64(b, sh1 + esz, 7);
				else
					put32(b, sh1 + esz, 7);
				break;
			case 5: /* string table not NUL-terminated */
				memset(b + l.stroff, 'x', l.symoff - l.stroff);
				break;
			}
			assert_int_equal(
			    load_elf(&gmem, b, l.len, &img, err, sizeof(err)),
			    0);
			assert_int_equal(img.nsyms, 0);
			assert_null(img.syms);
			assert_int_equal(img.entry, 0x100010);
			image_free(&img);
			free(b);
		}
	}
}

/* Section headers themselves out of the file: also only a warning. */
static void test_elf_bad_section_headers(void **state)
{
	struct elf_spec s = good_spec(1);
	struct guest_image img;
	struct elf_layout l;
	char err[256];
	uint8_t *b = build_elf(&s, &l);

	(void)state;
	put64(b, offsetof(Elf64_Ehdr, e_shoff), UINT64_MAX - 8);
	assert_int_equal(load_elf(&gmem, b, l.len, &img, err, sizeof(err)), 0);
	assert_int_equal(img.nsyms, 0);
	put64(b, offsetof(Elf64_Ehdr, e_shoff), l.shoff);
	put16(b, offsetof(Elf64_Ehdr, e_shentsize), 12);
	assert_int_equal(load_elf(&gmem, b, l.len, &img, err, sizeof(err)), 0);
	assert_int_equal(img.nsyms, 0);
	put16(b, offsetof(Elf64_Ehdr, e_shentsize), sizeof(Elf64_Shdr));
	put16(b, offsetof(Elf64_Ehdr, e_shnum), 0xffff);
	assert_int_equal(load_elf(&gmem, b, l.len, &img, err, sizeof(err)), 0);
	assert_int_equal(img.nsyms, 0);
	free(b);
}

/* ---- Symbol lookups on a hand-made table ------------------------------ */

static void test_symbol_at_rules(void **state)
{
	char n0[] = "big", n1[] = "inner", n2[] = "lbl";
	struct symbol syms[] = {
	    {0x10000, 0x10000, n0}, /* an object holding a function */
	    {0x11000, 0x10, n1},
	    {0x30000, 0, n2}, /* an assembly label */
	};
	struct guest_image img = {.syms = syms, .nsyms = 3};
	char buf[64];

	(void)state;
	assert_null(image_symbol_at(&img, 0xffff));
	assert_string_equal(image_symbol_at(&img, 0x10000)->name, "big");
	assert_string_equal(image_symbol_at(&img, 0x11008)->name, "inner");
	assert_string_equal(image_symbol_at(&img, 0x11010)->name, "big");
	assert_string_equal(image_symbol_at(&img, 0x1ffff)->name, "big");
	assert_null(image_symbol_at(&img, 0x20000));
	assert_string_equal(image_symbol_at(&img, 0x30000)->name, "lbl");
	assert_string_equal(image_symbol_at(&img, 0x3ffff)->name, "lbl");
	assert_null(image_symbol_at(&img, 0x40000)); /* 64 KiB on */
	assert_null(image_symbol_at(&img, UINT64_MAX));
	assert_null(image_symbol_at(NULL, 0x10000));

	assert_string_equal(image_addr_name(&img, 0x3ffff, buf, sizeof(buf)),
			    "0x3ffff <lbl+65535>");
	assert_string_equal(image_addr_name(NULL, 0x10, buf, sizeof(buf)),
			    "0x10");
	/* A short buffer is cut, never overrun. */
	assert_string_equal(image_addr_name(&img, 0x11008, buf, 8), "0x11008");
	assert_string_equal(image_addr_name(&img, 0x11008, buf, 0), "");
}

static void test_image_kind_name(void **state)
{
	(void)state;
	assert_string_equal(image_kind_name(IMAGE_FLAT), "flat");
	assert_string_equal(image_kind_name(IMAGE_ELF32), "ELF32");
	assert_string_equal(image_kind_name(IMAGE_ELF64), "ELF64");
	assert_string_equal(image_kind_name((enum image_kind)42), "unknown");
}

/* ---- Flat images ------------------------------------------------------ */

static void test_flat_fits_exactly(void **state)
{
	size_t len = RAM_SIZE - ABI_REAL_LOAD;
	uint8_t *b = malloc(len);
	struct guest_image img;
	char err[256];

	(void)state;
	assert_non_null(b);
	memset(b, 0x5a, len);
	assert_int_equal(
	    load_flat(&gmem, b, len, ABI_REAL_LOAD, &img, err, sizeof(err)), 0);
	assert_int_equal(img.kind, IMAGE_FLAT);
	assert_int_equal(img.entry, ABI_REAL_LOAD);
	assert_int_equal(img.lo, ABI_REAL_LOAD);
	assert_int_equal(img.hi, RAM_SIZE);
	assert_int_equal(img.nsyms, 0);
	assert_memory_equal(ram + ABI_REAL_LOAD, b, len);
	assert_memory_equal(ram, snap, ABI_REAL_LOAD);
	image_free(&img);
	free(b);
}

static void test_flat_one_byte_over(void **state)
{
	size_t len = RAM_SIZE - ABI_REAL_LOAD + 1;
	uint8_t *b = calloc(1, 3 << 20);
	struct guest_image img;
	char err[256];

	(void)state;
	assert_non_null(b);
	assert_int_equal(
	    load_flat(&gmem, b, len, ABI_REAL_LOAD, &img, err, sizeof(err)),
	    -ERANGE);
	assert_string_equal(err, "image is 2093057 bytes but only 2093056 "
				 "bytes of guest RAM lie above 0x1000; try "
				 "--mem 4M");
	assert_ram_untouched();

	assert_int_equal(
	    load_flat(&gmem, b, 3 << 20, ABI_REAL_LOAD, &img, err, sizeof(err)),
	    -ERANGE);
	assert_string_equal(err, "image is 3145728 bytes but only 2093056 "
				 "bytes of guest RAM lie above 0x1000; try "
				 "--mem 4M");

	/* A load address past RAM, and an empty image right at its end. */
	assert_int_equal(
	    load_flat(&gmem, b, 1, RAM_SIZE + 1, &img, err, sizeof(err)),
	    -ERANGE);
	assert_contains(err, "past the end of guest RAM (2 MiB)");
	assert_int_equal(
	    load_flat(&gmem, b, 1, UINT64_MAX, &img, err, sizeof(err)),
	    -ERANGE);
	assert_int_equal(
	    load_flat(&gmem, b, 0, RAM_SIZE, &img, err, sizeof(err)), 0);
	/* No err buffer: still refused, nothing written. */
	assert_int_equal(load_flat(&gmem, b, len, ABI_REAL_LOAD, &img, NULL, 0),
			 -ERANGE);
	assert_ram_untouched();
	free(b);
}

/* ---- Files ------------------------------------------------------------ */

static void test_file_missing(void **state)
{
	struct guest_image img;
	const char *out;
	int r;

	(void)state;
	capture_start();
	r = load_guest_file(&gmem, "/tmp/kvmlab-test-no-such-file.bin",
			    ABI_REAL_LOAD, 1, &img);
	out = capture_end();
	assert_int_equal(r, -ABI_STATUS_NO_IMAGE);
	assert_contains(out, "no such file: /tmp/kvmlab-test-no-such-file.bin");
	assert_contains(out, "build it with make, or check the path");
	assert_ram_untouched();
	image_free(&img);
}

/* Read first, load later: chapters read the image before opening KVM, so
 * reading touches no guest RAM and needs only the RAM size. */
static void test_file_two_steps(void **state)
{
	static const uint8_t code[] = {0xf4}; /* hlt */
	struct guest_image img;
	struct guest_file f;
	char path[64];
	int r;

	(void)state;
	capture_start();
	r = guest_file_read(&f, "/tmp/kvmlab-test-no-such-file.bin", RAM_SIZE,
			    0);
	assert_contains(capture_end(), "no such file");
	assert_int_equal(r, -ABI_STATUS_NO_IMAGE);
	assert_null(f.buf);
	guest_file_free(&f);

	write_temp(path, code, sizeof(code));
	capture_start();
	r = guest_file_read(&f, path, RAM_SIZE, 0);
	capture_end();
	assert_int_equal(r, 0);
	assert_int_equal(f.len, 1);
	assert_ram_untouched();
	capture_start();
	r = guest_file_load(&f, &gmem, ABI_REAL_LOAD, &img);
	capture_end();
	unlink(path);
	assert_int_equal(r, 0);
	assert_null(f.buf); /* the load frees it */
	assert_int_equal(ram[ABI_REAL_LOAD], 0xf4);
	assert_int_equal(img.entry, ABI_REAL_LOAD);
	image_free(&img);
	guest_file_free(&f);
}

static void test_file_empty(void **state)
{
	struct guest_image img;
	char path[64];
	const char *out;
	int r;

	(void)state;
	write_temp(path, "", 0);
	capture_start();
	r = load_guest_file(&gmem, path, ABI_REAL_LOAD, 1, &img);
	out = capture_end();
	unlink(path);
	assert_int_equal(r, -ABI_STATUS_NO_IMAGE);
	assert_contains(out, "is empty: a guest image needs at least one "
			     "instruction");
	assert_ram_untouched();
}

static void test_file_directory(void **state)
{
	struct guest_image img;
	char dir[] = "/tmp/kvmlab-test-dir-XXXXXX";
	const char *out;
	int r;

	(void)state;
	assert_non_null(mkdtemp(dir));
	capture_start();
	r = load_guest_file(&gmem, dir, ABI_REAL_LOAD, 1, &img);
	out = capture_end();
	rmdir(dir);
	assert_int_equal(r, -ABI_STATUS_NO_IMAGE);
	assert_contains(out, "is a directory");
	assert_ram_untouched();
}

static void test_file_not_regular(void **state)
{
	struct guest_image img;
	const char *out;
	int r;

	(void)state;
	capture_start();
	r = load_guest_file(&gmem, "/dev/null", ABI_REAL_LOAD, 1, &img);
	out = capture_end();
	assert_int_equal(r, -ABI_STATUS_NO_IMAGE);
	assert_contains(out, "not a regular file");
}

/* Files that exist but cannot be opened: the reason is strerror's. */
static void test_file_unreadable(void **state)
{
	struct guest_image img;
	char path[64], link[80];
	const char *out;
	int r;

	(void)state;
	/* A symlink to itself (ELOOP), which fails even for root. */
	snprintf(link, sizeof(link), "/tmp/kvmlab-test-loop-%d", (int)getpid());
	unlink(link);
	assert_int_equal(symlink(link, link), 0);
	capture_start();
	r = load_guest_file(&gmem, link, ABI_REAL_LOAD, 1, &img);
	out = capture_end();
	unlink(link);
	assert_int_equal(r, -ABI_STATUS_NO_IMAGE);
	assert_contains(out, "cannot open");
	assert_contains(out, "symbolic links");

	/* No read permission: only testable when not root. */
	if (geteuid() == 0)
		return;
	write_temp(path, "\xf4", 1);
	assert_int_equal(chmod(path, 0), 0);
	capture_start();
	r = load_guest_file(&gmem, path, ABI_REAL_LOAD, 1, &img);
	out = capture_end();
	unlink(path);
	assert_int_equal(r, -ABI_STATUS_NO_IMAGE);
	assert_contains(out, "Permission denied");
	assert_ram_untouched();
}

/*
 * Larger than RAM: refused from its size alone.  The file is sparse and
 * 64 GiB long, so a loader that read it first would run out of memory.
 */
static void test_file_too_large(void **state)
{
	struct guest_image img;
	char path[64];
	const char *out;
	int fd, r;

	(void)state;
	write_temp(path, "\xeb\xfe", 2);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	if (ftruncate(fd, (off_t)64 << 30) != 0)
		assert_int_equal(ftruncate(fd, RAM_SIZE + 1), 0);
	close(fd);
	capture_start();
	r = load_guest_file(&gmem, path, ABI_REAL_LOAD, 1, &img);
	out = capture_end();
	assert_int_equal(r, -ABI_STATUS_BAD_IMAGE);
	assert_contains(out, "more than the 2 MiB of guest RAM");
	assert_ram_untouched();

	/* Just one byte more than RAM. */
	fd = open(path, O_WRONLY);
	assert_int_equal(ftruncate(fd, RAM_SIZE + 1), 0);
	close(fd);
	capture_start();
	r = load_guest_file(&gmem, path, ABI_REAL_LOAD, 1, &img);
	out = capture_end();
	unlink(path);
	assert_int_equal(r, -ABI_STATUS_BAD_IMAGE);
	assert_contains(out, "2097153 bytes");
	assert_ram_untouched();
}

/* Bytes that are not ELF are a flat image, loaded where the caller says. */
static void test_file_flat(void **state)
{
	uint8_t bytes[4096];
	struct guest_image img;
	char path[64];
	size_t i;

	(void)state;
	/* Arbitrary but repeatable bytes: a failure reproduces. */
	for (i = 0; i < sizeof(bytes); i++)
		bytes[i] = (uint8_t)((i * 37 + (i >> 3) * 11) ^ 0x5a);
	bytes[0] = 0xfa; /* cli: not the ELF magic */
	write_temp(path, bytes, sizeof(bytes));
	assert_int_equal(load_guest_file(&gmem, path, ABI_REAL_LOAD, 1, &img),
			 0);
	unlink(path);
	assert_int_equal(img.kind, IMAGE_FLAT);
	assert_int_equal(img.entry, ABI_REAL_LOAD);
	assert_int_equal(img.hi, ABI_REAL_LOAD + sizeof(bytes));
	assert_memory_equal(ram + ABI_REAL_LOAD, bytes, sizeof(bytes));
	assert_memory_equal(ram, snap, ABI_REAL_LOAD);
	image_free(&img);
}

/* A flat image that does not fit: the reason and the advice are printed. */
static void test_file_flat_too_big_at_address(void **state)
{
	static uint8_t bytes[0x2000];
	struct guest_image img;
	char path[64];
	const char *out;
	int r;

	(void)state;
	bytes[0] = 0xf4;
	write_temp(path, bytes, sizeof(bytes));
	capture_start();
	r = load_guest_file(&gmem, path, RAM_SIZE - 0x1000, 1, &img);
	out = capture_end();
	unlink(path);
	assert_int_equal(r, -ABI_STATUS_BAD_IMAGE);
	assert_contains(out, "try --mem 4M");
	assert_ram_untouched();
}

static void test_file_elf(void **state)
{
	struct elf_spec s = good_spec(1);
	struct guest_image img;
	struct elf_layout l;
	uint8_t *b = build_elf(&s, &l);
	char path[64];
	const char *out;
	uint64_t addr;
	int r;

	(void)state;
	write_temp(path, b, l.len);
	assert_int_equal(load_guest_file(&gmem, path, ABI_REAL_LOAD, 1, &img),
			 0);
	assert_int_equal(img.kind, IMAGE_ELF64);
	assert_int_equal(img.entry, 0x100010);
	assert_int_equal(image_symbol_find(&img, "putc", &addr), 0);
	assert_int_equal(addr, 0x100010);
	assert_memory_equal(ram + 0x100000, b + l.seg_off[0], 0x40);
	image_free(&img);

	/* A chapter that runs flat binaries refuses it instead of running
	 * the ELF header as code. */
	memcpy(ram, snap, RAM_SIZE);
	capture_start();
	r = load_guest_file(&gmem, path, ABI_REAL_LOAD, 0, &img);
	out = capture_end();
	assert_int_equal(r, -ABI_STATUS_BAD_IMAGE);
	assert_contains(out, "is an ELF file");
	assert_ram_untouched();

	/* A broken ELF file: the loader's reason is printed. */
	put16(b, offsetof(Elf64_Ehdr, e_machine), EM_AARCH64);
	unlink(path);
	write_temp(path, b, l.len);
	capture_start();
	r = load_guest_file(&gmem, path, ABI_REAL_LOAD, 1, &img);
	out = capture_end();
	unlink(path);
	assert_int_equal(r, -ABI_STATUS_BAD_IMAGE);
	assert_contains(out, "cannot load");
	assert_contains(out, "64-bit ARM");
	assert_ram_untouched();
	free(b);
}

/* ELF files may be bigger than RAM (debug information), within reason. */
static void test_file_elf_bigger_than_ram(void **state)
{
	struct elf_spec s = good_spec(1);
	struct guest_image img;
	struct elf_layout l;
	uint8_t *b = build_elf(&s, &l);
	char path[64];
	const char *out;
	int fd, r;

	(void)state;
	write_temp(path, b, l.len);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 3 << 20), 0);
	close(fd);
	assert_int_equal(load_guest_file(&gmem, path, ABI_REAL_LOAD, 1, &img),
			 0);
	assert_int_equal(img.nsyms, 5);
	image_free(&img);

	fd = open(path, O_WRONLY);
	assert_int_equal(ftruncate(fd, (off_t)65 << 20), 0);
	close(fd);
	memcpy(ram, snap, RAM_SIZE);
	capture_start();
	r = load_guest_file(&gmem, path, ABI_REAL_LOAD, 1, &img);
	out = capture_end();
	unlink(path);
	assert_int_equal(r, -ABI_STATUS_BAD_IMAGE);
	assert_contains(out, "64 MiB");
	assert_ram_untouched();
	free(b);
}

#define T(f) cmocka_unit_test_setup(f, fill_ram)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_elf64_valid),
	    T(test_elf32_valid),
	    T(test_elf_adjacent_segments),
	    T(test_elf_segment_at_ram_end),
	    T(test_elf_stripped),
	    T(test_elf_truncated),
	    T(test_elf_not_elf),
	    T(test_elf_wrong_class),
	    T(test_elf_wrong_byte_order),
	    T(test_elf_wrong_machine),
	    T(test_elf_not_executable),
	    T(test_elf_dynamic),
	    T(test_elf_bad_program_headers),
	    T(test_elf_segment_outside_file),
	    T(test_elf_segment_outside_ram),
	    T(test_elf_overlap),
	    T(test_elf_filesz_over_memsz),
	    T(test_elf_no_load),
	    T(test_elf_bad_entry),
	    T(test_elf_bad_symtab_ignored),
	    T(test_elf_bad_section_headers),
	    T(test_symbol_at_rules),
	    T(test_image_kind_name),
	    T(test_flat_fits_exactly),
	    T(test_flat_one_byte_over),
	    T(test_file_missing),
	    T(test_file_two_steps),
	    T(test_file_empty),
	    T(test_file_directory),
	    T(test_file_not_regular),
	    T(test_file_unreadable),
	    T(test_file_too_large),
	    T(test_file_flat),
	    T(test_file_flat_too_big_at_address),
	    T(test_file_elf),
	    T(test_file_elf_bigger_than_ram),
	};
	int failed;

	/* The loader's reports are checked where they matter (see
	 * capture_start()); elsewhere they would only clutter the output. */
	log_level = LOG_QUIET;
	ram = calloc(1, RAM_SIZE);
	snap = malloc(RAM_SIZE);
	if (!ram || !snap)
		return 1;
	gmem.host = ram;
	gmem.size = RAM_SIZE;
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	free(ram);
	free(snap);
	return failed;
}

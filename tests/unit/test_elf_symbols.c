/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the loader (chapters 2-3): the symbols it keeps from an ELF
 * file's .symtab, and the lookups that turn an address into "putc+12" for
 * the viewer and fault reports.  A damaged or missing symbol table costs
 * the names, never the load.
 */
#include "loadtest.h"

/* ---- The symbols of good_spec() --------------------------------------- */

static const struct {
	const char *name;
	int ret;
	uint64_t addr;
} find_cases[] = {
    /* Kept: FUNC, OBJECT, NOTYPE with a name and an address. */
    {"putc", 0, 0x100010},
    {"counter", 0, 0x101000},
    {"_start_alias", 0, 0x100000},
    /* Dropped: sections, files, address 0, undefined, no name. */
    {".text", -ENOENT, 0},
    {"boot.S", -ENOENT, 0},
    {"at_zero", -ENOENT, 0},
    {"undefined", -ENOENT, 0},
    {"", -ENOENT, 0},
};

/* image_symbol_at(addr) must name `name`. */
struct at_case {
	uint64_t addr;
	const char *name; /* NULL: no symbol there */
};

static void check_at(const struct guest_image *img, const struct at_case *c,
		     size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct symbol *sym = image_symbol_at(img, c[i].addr);

		print_message("  at 0x%llx\n", (unsigned long long)c[i].addr);
		if (c[i].name) {
			assert_non_null(sym);
			assert_string_equal(sym->name, c[i].name);
		} else {
			assert_null(sym);
		}
	}
}

static const struct at_case at_cases[] = {
    /* By address: inside a sized symbol, after a label, in a gap. */
    {0x10001c, "putc"},
    /* A function and a label share 0x100000: the function wins. */
    {0x100004, "_start"},
    {0x100fff, "label"},
    {0x101007, "counter"},
    {0x101008, NULL}, /* past counter */
    {0xfffff, NULL},
};

static const struct {
	uint64_t addr;
	const char *want;
} addr_name_cases[] = {
    {0x10001c, "0x10001c <putc+12>"},
    {0x100010, "0x100010 <putc>"},
    {0x100035, "0x100035 <label+5>"},
    {0x1000, "0x1000"},
};

static void check_symbols(int is64)
{
	struct elf_spec s = good_spec(is64);
	struct guest_image img;
	struct elf_layout l;
	char err[256] = "", name[64];
	uint64_t addr;
	uint8_t *b = build_elf(&s, &l);
	size_t i;

	assert_int_equal(load_elf(&gmem, b, l.len, &img, err, sizeof(err)), 0);
	assert_int_equal(img.nsyms, 5);
	for (i = 1; i < img.nsyms; i++) /* sorted */
		assert_true(img.syms[i - 1].addr <= img.syms[i].addr);
	for (i = 0; i < ARRAY_LEN(find_cases); i++) {
		print_message("  find '%s'\n", find_cases[i].name);
		assert_int_equal(
		    image_symbol_find(&img, find_cases[i].name, &addr),
		    find_cases[i].ret);
		if (find_cases[i].ret == 0)
			assert_int_equal(addr, find_cases[i].addr);
	}
	check_at(&img, at_cases, ARRAY_LEN(at_cases));
	for (i = 0; i < ARRAY_LEN(addr_name_cases); i++)
		assert_string_equal(image_addr_name(&img,
						    addr_name_cases[i].addr,
						    name, sizeof(name)),
				    addr_name_cases[i].want);

	image_free(&img);
	assert_null(img.syms);
	image_free(&img); /* twice is fine */
	free(b);
}

static void test_elf64_symbols(void **state)
{
	(void)state;
	check_symbols(1);
}

static void test_elf32_symbols(void **state)
{
	(void)state;
	check_symbols(0);
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

/* ---- Damaged symbol tables -------------------------------------------- */

/* A field of both classes' struct: where it is and how wide. */
struct field {
	size_t off32, size32, off64, size64;
};

#define FIELD(type, member)                                                    \
	{                                                                      \
		offsetof(Elf32_##type, member),                                \
		    sizeof(((Elf32_##type *)0)->member),                       \
		    offsetof(Elf64_##type, member),                            \
		    sizeof(((Elf64_##type *)0)->member)                        \
	}

enum where { EHDR, SYM1, SYMTAB_SHDR, STRTAB_SHDR, STRINGS };

/* One field overwritten in the ELF32 and the ELF64 file. */
struct symtab_case {
	const char *what;
	enum where where; /* STRINGS: every byte of .strtab becomes 'x' */
	struct field field;
	uint64_t value; /* cut to the field's width */
	int file_end;	/* the value is the file's length */
};

static const struct symtab_case symtab_cases[] = {
    {"symbol name past the string table", SYM1, FIELD(Sym, st_name), 0x10000,
     0},
    {".symtab linked to no section", SYMTAB_SHDR, FIELD(Shdr, sh_link), 7, 0},
    {".symtab past the end of the file", SYMTAB_SHDR, FIELD(Shdr, sh_offset), 0,
     1},
    {".strtab past the end of the file", STRTAB_SHDR, FIELD(Shdr, sh_offset),
     UINT64_MAX, 0},
    {".symtab entry size wrong", SYMTAB_SHDR, FIELD(Shdr, sh_entsize), 7, 0},
    {".strtab not NUL-terminated", STRINGS, {0, 0, 0, 0}, 0, 0},
    /* The section headers themselves out of the file. */
    {"e_shoff wraps around", EHDR, FIELD(Ehdr, e_shoff), UINT64_MAX - 8, 0},
    {"e_shentsize wrong", EHDR, FIELD(Ehdr, e_shentsize), 12, 0},
    {"e_shnum 0xffff", EHDR, FIELD(Ehdr, e_shnum), 0xffff, 0},
};

static void test_elf_bad_symtab_ignored(void **state)
{
	const struct symtab_case *c = *state;

	for (int is64 = 0; is64 <= 1; is64++) {
		struct elf_spec s = good_spec(is64);
		struct guest_image img;
		struct elf_layout l;
		char err[256];
		uint8_t *b = build_elf(&s, &l);
		size_t base[] = {
		    [EHDR] = 0,
		    [SYM1] = l.symoff + l.symsz, /* the first real one */
		    [SYMTAB_SHDR] = l.shoff + l.shsz,
		    [STRTAB_SHDR] = l.shoff + 2 * l.shsz,
		};
		uint64_t v = c->file_end ? l.len : c->value;

		print_message("  ELF%d\n", is64 ? 64 : 32);
		if (c->where == STRINGS)
			memset(b + l.stroff, 'x', l.symoff - l.stroff);
		else if (is64)
			put_le(b, base[c->where] + c->field.off64,
			       c->field.size64, v);
		else
			put_le(b, base[c->where] + c->field.off32,
			       c->field.size32, v);
		assert_int_equal(
		    load_elf(&gmem, b, l.len, &img, err, sizeof(err)), 0);
		assert_int_equal(img.nsyms, 0);
		assert_null(img.syms);
		assert_int_equal(img.entry, 0x100010);
		image_free(&img);
		free(b);
	}
}

/* ---- Lookups on a hand-made table ------------------------------------- */

static void test_symbol_at_rules(void **state)
{
	char n0[] = "big", n1[] = "inner", n2[] = "lbl";
	struct symbol syms[] = {
	    {0x10000, 0x10000, n0}, /* an object holding a function */
	    {0x11000, 0x10, n1},
	    {0x30000, 0, n2}, /* an assembly label */
	};
	struct guest_image img = {.syms = syms, .nsyms = 3};
	static const struct at_case at[] = {
	    {0xffff, NULL},	{0x10000, "big"},
	    {0x11008, "inner"}, {0x11010, "big"},
	    {0x1ffff, "big"},	{0x20000, NULL},
	    {0x30000, "lbl"},	{0x3ffff, "lbl"},
	    {0x40000, NULL}, /* 64 KiB on */
	    {UINT64_MAX, NULL},
	};
	const struct {
		const struct guest_image *img;
		uint64_t addr;
		size_t len;
		const char *want;
	} names[] = {
	    {&img, 0x3ffff, 64, "0x3ffff <lbl+65535>"},
	    {NULL, 0x10, 64, "0x10"},
	    /* A short buffer is cut, never overrun. */
	    {&img, 0x11008, 8, "0x11008"},
	    {&img, 0x11008, 0, ""},
	};
	char buf[64];
	size_t i;

	(void)state;
	check_at(&img, at, ARRAY_LEN(at));
	assert_null(image_symbol_at(NULL, 0x10000));
	for (i = 0; i < ARRAY_LEN(names); i++)
		assert_string_equal(image_addr_name(names[i].img, names[i].addr,
						    buf, names[i].len),
				    names[i].want);
}

static void test_image_kind_name(void **state)
{
	static const struct {
		enum image_kind kind;
		const char *want;
	} cases[] = {
	    {IMAGE_FLAT, "flat"},
	    {IMAGE_ELF32, "ELF32"},
	    {IMAGE_ELF64, "ELF64"},
	    {(enum image_kind)42, "unknown"},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		assert_string_equal(image_kind_name(cases[i].kind),
				    cases[i].want);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
	    T(test_elf64_symbols),   T(test_elf32_symbols),
	    T(test_elf_stripped),    T(test_symbol_at_rules),
	    T(test_image_kind_name),
	};
	struct CMUnitTest tests[ARRAY_LEN(fixed) + ARRAY_LEN(symtab_cases)];
	size_t n = 0;

	ADD_TESTS(tests, n, fixed);
	ADD_ROWS(tests, n, test_elf_bad_symtab_ignored, symtab_cases);
	return cmocka_run_group_tests(tests, ram_alloc, ram_free);
}

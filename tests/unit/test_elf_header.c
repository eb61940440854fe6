/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the loader (chapters 2-3): the ELF header and the program
 * header table.  Files that are not ELF, or not for this machine, or not a
 * static executable, or cut short, are refused with -ENOEXEC or -EINVAL, a
 * reason, and guest memory untouched (expect_elf_failure() in loadtest.h).
 */
#include "loadtest.h"

static void test_is_elf(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
		int want;
	} cases[] = {
	    {"\177ELF", 4, 1},
	    {"\177EL", 3, 0},
	    {"\177ELX", 4, 0},
	    {NULL, 0, 0},
	};
	static const uint8_t junk[64] = {0x7f, 'E', 'L', 'X'};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		print_message("  %zu bytes\n", cases[i].len);
		assert_int_equal(!!is_elf(cases[i].bytes, cases[i].len),
				 cases[i].want);
	}
	assert_false(is_elf(junk, sizeof(junk)));
	expect_elf_failure(junk, sizeof(junk), -ENOEXEC, "not an ELF file");
}

/* A file cut anywhere before the end of its last segment. */
static void test_elf_truncated(void **state)
{
	(void)state;
	for (int is64 = 0; is64 <= 1; is64++) {
		struct elf_spec s = good_spec(is64);
		struct elf_layout l;
		uint8_t *b = build_elf(&s, &l);
		const struct {
			size_t len;
			const char *why;
		} cuts[] = {
		    {0, NULL},
		    {3, NULL},
		    {20, NULL},			 /* inside the ELF header */
		    {l.phoff - 1, NULL},	 /* just short of it */
		    {l.phoff + 10, "truncated"}, /* in a program header */
		    {l.phoff + 3 * l.phsz - 1, NULL}, /* one byte short */
		    {l.seg_off[0] + 8, "segment 0"},  /* inside it */
		    {l.seg_off[1] + 0xf, NULL}, /* one byte short of seg 1 */
		};

		for (size_t i = 0; i < ARRAY_LEN(cuts); i++) {
			print_message("  ELF%d cut to %zu bytes\n",
				      is64 ? 64 : 32, cuts[i].len);
			expect_elf_failure(b, cuts[i].len, -EINVAL,
					   cuts[i].why);
		}
		free(b);
	}
}

/*
 * One field of a good ELF64 file overwritten: e_ident bytes, then the
 * fields that place the program header table.  `from_end` counts `value`
 * back from the end of the file.
 */
struct patch_case {
	const char *what;
	size_t off, size;
	uint64_t value;
	int from_end;
	int code;
	const char *why; /* NULL: any reason */
};

#define EH64(f) offsetof(Elf64_Ehdr, f), sizeof(((Elf64_Ehdr *)0)->f)

static const struct patch_case patch_cases[] = {
    {"e_ident: class none", EI_CLASS, 1, ELFCLASSNONE, 0, -ENOEXEC, "class 0"},
    {"e_ident: class 3", EI_CLASS, 1, 3, 0, -ENOEXEC, "class 3"},
    {"e_ident: big-endian", EI_DATA, 1, ELFDATA2MSB, 0, -ENOEXEC,
     "little-endian"},
    {"e_ident: no byte order", EI_DATA, 1, ELFDATANONE, 0, -ENOEXEC,
     "little-endian"},
    {"e_ident: version 2", EI_VERSION, 1, 2, 0, -ENOEXEC, "version"},
    {"e_phentsize: ELF32's", EH64(e_phentsize), sizeof(Elf32_Phdr), 0, -EINVAL,
     "program headers are 32 bytes"},
    /* phoff + phnum * phentsize must not wrap around to a small number. */
    {"e_phoff: wraps around", EH64(e_phoff), UINT64_MAX - 16, 0, -EINVAL,
     "program headers"},
    {"e_phoff: near the end", EH64(e_phoff), 10, 1, -EINVAL, "program headers"},
    {"e_phnum: 0", EH64(e_phnum), 0, 0, -EINVAL, "no program headers"},
    {"e_phnum: PN_XNUM", EH64(e_phnum), PN_XNUM, 0, -EINVAL, NULL},
    {"e_phnum: 1000", EH64(e_phnum), 1000, 0, -EINVAL,
     "past the end of the file"},
};

static void test_elf_bad_header_field(void **state)
{
	const struct patch_case *c = *state;
	struct elf_spec s = good_spec(1);
	struct elf_layout l;
	uint8_t *b = build_elf(&s, &l);

	put_le(b, c->off, c->size, c->from_end ? l.len - c->value : c->value);
	expect_elf_failure(b, l.len, c->code, c->why);
	free(b);
}

/* Well-formed files that are not a static x86 executable: -ENOEXEC. */
struct kind_case {
	const char *what;
	int is64;
	uint16_t machine, type; /* 0: as good_spec() */
	uint32_t seg2_type;	/* 0: as good_spec() (PT_GNU_STACK) */
	const char *why;
};

static const struct kind_case kind_cases[] = {
    {"machine: ELF32 ARM", 0, EM_ARM, 0, 0, "32-bit ARM"},
    {"machine: ELF64 ARM", 1, EM_ARM, 0, 0, "32-bit ARM"},
    {"machine: AArch64", 1, EM_AARCH64, 0, 0, "64-bit ARM"},
    {"machine: ELF64 i386", 1, EM_386, 0, 0,
     "built for i386 (e_machine 3), but an ELF64 guest "
     "must be x86-64 (e_machine 62)"},
    {"machine: x32 ABI", 0, EM_X86_64, 0, 0, "ELF32 guest must be i386"},
    {"type: position independent", 1, 0, ET_DYN, 0, "-no-pie"},
    {"type: object file", 1, 0, ET_REL, 0, "object file"},
    {"type: core dump", 1, 0, ET_CORE, 0, "not an executable"},
    {"PT_INTERP: dynamically linked", 1, 0, 0, PT_INTERP, "-static"},
};

static void test_elf_wrong_kind(void **state)
{
	const struct kind_case *c = *state;
	struct elf_spec s = good_spec(c->is64);

	if (c->machine)
		s.machine = c->machine;
	if (c->type)
		s.type = c->type;
	if (c->seg2_type)
		s.segs[2].type = c->seg2_type;
	expect_spec_failure(&s, -ENOEXEC, c->why);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
	    T(test_is_elf),
	    T(test_elf_truncated),
	};
	struct CMUnitTest tests[ARRAY_LEN(fixed) + ARRAY_LEN(patch_cases) +
				ARRAY_LEN(kind_cases)];
	size_t n = 0;

	ADD_TESTS(tests, n, fixed);
	ADD_ROWS(tests, n, test_elf_bad_header_field, patch_cases);
	ADD_ROWS(tests, n, test_elf_wrong_kind, kind_cases);
	return cmocka_run_group_tests(tests, ram_alloc, ram_free);
}

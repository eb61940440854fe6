/* SPDX-License-Identifier: MIT */
/*
 * loader: put a guest image into guest RAM (chapters 1-3).
 *
 * Chapter 1 copies a flat real-mode binary to 0x1000: no headers, byte 0 is
 * the first instruction.  Chapters 2 and 3 load ELF executables, because an
 * ELF file says where each piece goes, which piece is code, where to start,
 * and keeps the symbol table that turns "rip 0x100a3c" into "<putc+12>".
 *
 * An image file is input the VMM did not write: a half-written build, a file
 * for another CPU, a linker script that puts a segment past the end of RAM.
 * So load_elf() checks every header and every segment first and copies only
 * when all of them are sound.  A failed load leaves guest memory exactly as
 * it was, and the error says in plain words what to change.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi/machine.h"
#include "kvmlab/loader.h"
#include "kvmlab/log.h"

/*
 * ELF structures are read by copying them from the file as they are, which
 * is right only when host and file share a byte order.  x86 is little-endian
 * on both sides, and load_elf() refuses big-endian files.
 */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "the ELF reader assumes a little-endian host");

#define MiB	     (UINT64_C(1) << 20)
/* How far past an assembly label (a size-0 symbol) we still name it. */
#define SYM_NEAR     0x10000
/* ELF files carry symbols and debug information that are never loaded, so
 * they may be bigger than guest RAM, up to this much. */
#define ELF_FILE_MAX (64 * MiB)

/* Fill `err` (if the caller gave one) and return `code`. */
static int __attribute__((format(printf, 4, 5)))
fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* "2 MiB", "64 KiB" or "1000 bytes": sizes as a student would say them. */
static const char *size_name(uint64_t n, char *buf, size_t len)
{
	if (n && n % MiB == 0)
		snprintf(buf, len, "%" PRIu64 " MiB", n / MiB);
	else if (n && n % 1024 == 0)
		snprintf(buf, len, "%" PRIu64 " KiB", n / 1024);
	else
		snprintf(buf, len, "%" PRIu64 " bytes", n);
	return buf;
}

/*
 * The --mem (in MiB) that holds guest-physical memory up to `end`: the next
 * power of two, which is what students pass anyway.  0 when even the
 * largest RAM kvmlab gives a guest is too small.
 */
static uint64_t mem_needed(uint64_t end)
{
	uint64_t mem = ABI_RAM_MIN;

	if (end > ABI_RAM_MAX)
		return 0;
	while (mem < end)
		mem <<= 1;
	return mem / MiB;
}

const char *image_kind_name(enum image_kind kind)
{
	switch (kind) {
	case IMAGE_FLAT:
		return "flat";
	case IMAGE_ELF32:
		return "ELF32";
	case IMAGE_ELF64:
		return "ELF64";
	}
	return "unknown";
}

/* ---- Flat binaries (chapter 1) ----------------------------------------- */

int load_flat(const struct guest_mem *mem, const void *buf, size_t len,
	      uint64_t gpa, struct guest_image *img, char *err, size_t errlen)
{
	char ram[32];
	uint64_t end, need;

	memset(img, 0, sizeof(*img));
	if (guest_write(mem, gpa, buf, len) == 0) {
		img->kind = IMAGE_FLAT;
		img->entry = img->lo = gpa;
		img->hi = gpa + len;
		return 0;
	}
	if (gpa > mem->size)
		return fail(err, errlen, -ERANGE,
			    "load address 0x%" PRIx64
			    " lies past the end of guest RAM (%s)",
			    gpa, size_name(mem->size, ram, sizeof(ram)));
	end = len > UINT64_MAX - gpa ? UINT64_MAX : gpa + len;
	need = mem_needed(end);
	if (!need)
		return fail(err, errlen, -ERANGE,
			    "image is %zu bytes but only %" PRIu64
			    " bytes of guest RAM lie above 0x%" PRIx64
			    "; that is more than --mem can give (%s)",
			    len, mem->size - gpa, gpa,
			    size_name(ABI_RAM_MAX, ram, sizeof(ram)));
	return fail(err, errlen, -ERANGE,
		    "image is %zu bytes but only %" PRIu64
		    " bytes of guest RAM lie above 0x%" PRIx64
		    "; try --mem %" PRIu64 "M",
		    len, mem->size - gpa, gpa, need);
}

/* ---- ELF (chapters 2 and 3) -------------------------------------------- */

int is_elf(const void *buf, size_t len)
{
	return buf && len >= SELFMAG && memcmp(buf, ELFMAG, SELFMAG) == 0;
}

/*
 * ELF32 and ELF64 differ only in field widths and order, so each structure
 * is read once into one of these and the checks are written once.
 */
struct elf_file {
	const uint8_t *buf;
	size_t len;
	int is64;
	uint16_t type, machine;
	uint64_t entry, phoff, shoff;
	unsigned phentsize, phnum, shentsize, shnum;
};

struct segment {
	unsigned index; /* program header number, as `readelf -l` counts */
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

struct section {
	uint32_t type, link;
	uint64_t offset, size, entsize;
};

struct elf_sym {
	uint32_t name;
	uint8_t info;
	uint16_t shndx;
	uint64_t value, size;
};

/* Does [off, off + size) lie inside the file?  Written not to overflow. */
static int within(const struct elf_file *f, uint64_t off, uint64_t size)
{
	return size <= f->len && off <= f->len - size;
}

/*
 * The readers below copy one structure out of the file (the buffer need not
 * be aligned) into the class-neutral form.  ELF32 and ELF64 structures use
 * the same field names, so one macro body serves both classes.
 */
#define READ_EHDR(T)                                                           \
	do {                                                                   \
		T h;                                                           \
		memcpy(&h, f->buf, sizeof(h));                                 \
		f->type = h.e_type;                                            \
		f->machine = h.e_machine;                                      \
		f->entry = h.e_entry;                                          \
		f->phoff = h.e_phoff;                                          \
		f->shoff = h.e_shoff;                                          \
		f->phentsize = h.e_phentsize;                                  \
		f->phnum = h.e_phnum;                                          \
		f->shentsize = h.e_shentsize;                                  \
		f->shnum = h.e_shnum;                                          \
	} while (0)

#define READ_PHDR(T)                                                           \
	do {                                                                   \
		T h;                                                           \
		memcpy(&h, p, sizeof(h));                                      \
		s->type = h.p_type;                                            \
		s->flags = h.p_flags;                                          \
		s->offset = h.p_offset;                                        \
		s->vaddr = h.p_vaddr;                                          \
		s->paddr = h.p_paddr;                                          \
		s->filesz = h.p_filesz;                                        \
		s->memsz = h.p_memsz;                                          \
	} while (0)

#define READ_SHDR(T)                                                           \
	do {                                                                   \
		T h;                                                           \
		memcpy(&h, p, sizeof(h));                                      \
		s->type = h.sh_type;                                           \
		s->link = h.sh_link;                                           \
		s->offset = h.sh_offset;                                       \
		s->size = h.sh_size;                                           \
		s->entsize = h.sh_entsize;                                     \
	} while (0)

#define READ_SYM(T)                                                            \
	do {                                                                   \
		T h;                                                           \
		memcpy(&h, p, sizeof(h));                                      \
		s->name = h.st_name;                                           \
		s->info = h.st_info;                                           \
		s->shndx = h.st_shndx;                                         \
		s->value = h.st_value;                                         \
		s->size = h.st_size;                                           \
	} while (0)

/* The header; the caller has checked the file is long enough. */
static void read_ehdr(struct elf_file *f)
{
	if (f->is64)
		READ_EHDR(Elf64_Ehdr);
	else
		READ_EHDR(Elf32_Ehdr);
}

/* Program header `i`; the caller has checked the table lies in the file. */
static void read_phdr(const struct elf_file *f, unsigned i, struct segment *s)
{
	const uint8_t *p = f->buf + f->phoff + (uint64_t)i * f->phentsize;

	s->index = i;
	if (f->is64)
		READ_PHDR(Elf64_Phdr);
	else
		READ_PHDR(Elf32_Phdr);
}

/* Section header `i`; the caller has checked the table lies in the file. */
static void read_shdr(const struct elf_file *f, unsigned i, struct section *s)
{
	const uint8_t *p = f->buf + f->shoff + (uint64_t)i * f->shentsize;

	if (f->is64)
		READ_SHDR(Elf64_Shdr);
	else
		READ_SHDR(Elf32_Shdr);
}

/* The symbol at file offset `off`, inside the checked symbol table. */
static void read_sym(const struct elf_file *f, uint64_t off, struct elf_sym *s)
{
	const uint8_t *p = f->buf + off;

	if (f->is64)
		READ_SYM(Elf64_Sym);
	else
		READ_SYM(Elf32_Sym);
}

static const char *machine_name(unsigned machine)
{
	switch (machine) {
	case EM_386:
		return "i386";
	case EM_X86_64:
		return "x86-64";
	case EM_ARM:
		return "32-bit ARM";
	case EM_AARCH64:
		return "64-bit ARM";
	case EM_RISCV:
		return "RISC-V";
	default:
		return "another CPU";
	}
}

/* The ELF header: is this an x86 executable whose tables lie in the file? */
static int check_header(struct elf_file *f, char *err, size_t errlen)
{
	const uint8_t *id = f->buf;
	unsigned want_machine, bits;
	size_t ehdr_size, phdr_size;

	/* Too short to tell, or the start of an ELF file cut short. */
	if (f->len < EI_NIDENT && (f->len < SELFMAG || is_elf(id, f->len)))
		return fail(err, errlen, -EINVAL,
			    "only %zu bytes: too short for an ELF header "
			    "(truncated?)",
			    f->len);
	if (!is_elf(id, f->len))
		return fail(err, errlen, -ENOEXEC,
			    "not an ELF file: it does not start with "
			    "0x7f 'E' 'L' 'F'");
	if (id[EI_CLASS] != ELFCLASS32 && id[EI_CLASS] != ELFCLASS64)
		return fail(err, errlen, -ENOEXEC,
			    "unknown ELF class %u: expected 1 (ELF32) or "
			    "2 (ELF64)",
			    id[EI_CLASS]);
	if (id[EI_DATA] != ELFDATA2LSB)
		return fail(err, errlen, -ENOEXEC,
			    "not a little-endian ELF file (EI_DATA %u): "
			    "x86 guests are little-endian; was it built for "
			    "another CPU?",
			    id[EI_DATA]);
	if (id[EI_VERSION] != EV_CURRENT)
		return fail(err, errlen, -ENOEXEC,
			    "unknown ELF version %u: expected 1",
			    id[EI_VERSION]);

	f->is64 = id[EI_CLASS] == ELFCLASS64;
	bits = f->is64 ? 64 : 32;
	ehdr_size = f->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	phdr_size = f->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	if (f->len < ehdr_size)
		return fail(err, errlen, -EINVAL,
			    "only %zu bytes, but an ELF%u header needs %zu "
			    "(truncated?)",
			    f->len, bits, ehdr_size);
	read_ehdr(f);

	/* x32 (ELF32 for x86-64) and i386 code in an ELF64 file both exist;
	 * neither runs in the CPU mode the chapter sets up for that class. */
	want_machine = f->is64 ? EM_X86_64 : EM_386;
	if (f->machine != want_machine)
		return fail(err, errlen, -ENOEXEC,
			    "built for %s (e_machine %u), but an ELF%u guest "
			    "must be %s (e_machine %u)",
			    machine_name(f->machine), f->machine, bits,
			    machine_name(want_machine), want_machine);
	if (f->type == ET_REL)
		return fail(err, errlen, -ENOEXEC,
			    "an object file (ET_REL), not an executable: "
			    "link it first");
	if (f->type == ET_DYN)
		return fail(err, errlen, -ENOEXEC,
			    "a position-independent file (ET_DYN): link the "
			    "guest with -static -no-pie at a fixed address");
	if (f->type != ET_EXEC)
		return fail(err, errlen, -ENOEXEC,
			    "ELF type %u is not an executable (ET_EXEC)",
			    f->type);

	if (f->phnum == 0)
		return fail(err, errlen, -EINVAL,
			    "no program headers: nothing to load");
	if (f->phnum == PN_XNUM)
		return fail(err, errlen, -EINVAL,
			    "too many program headers (extended numbering "
			    "is not supported)");
	if (f->phentsize != phdr_size)
		return fail(err, errlen, -EINVAL,
			    "program headers are %u bytes each; ELF%u "
			    "needs %zu",
			    f->phentsize, bits, phdr_size);
	if (!within(f, f->phoff, (uint64_t)f->phnum * f->phentsize))
		return fail(err, errlen, -EINVAL,
			    "the %u program headers at offset 0x%" PRIx64
			    " run past the end of the file (%zu bytes; "
			    "truncated?)",
			    f->phnum, f->phoff, f->len);
	return 0;
}

/*
 * Each PT_LOAD segment: its bytes in the file, filesz <= memsz, and its
 * physical range in guest RAM.  Segments with contents go into `segs`.
 */
static int check_segments(const struct guest_mem *mem, const struct elf_file *f,
			  struct segment *segs, unsigned *nsegs, char *err,
			  size_t errlen)
{
	char ram[32];
	unsigned i, n = 0;

	for (i = 0; i < f->phnum; i++) {
		struct segment s;
		uint64_t need;

		read_phdr(f, i, &s);
		if (s.type == PT_INTERP)
			return fail(err, errlen, -ENOEXEC,
				    "dynamically linked (it asks for a "
				    "program interpreter): link the guest "
				    "with -nostdlib -static");
		if (s.type != PT_LOAD)
			continue;
		if (s.filesz > s.memsz)
			return fail(err, errlen, -EINVAL,
				    "segment %u has more bytes in the file "
				    "(0x%" PRIx64 ") than in memory (0x%" PRIx64
				    ")",
				    i, s.filesz, s.memsz);
		if (s.memsz == 0)
			continue; /* nothing to load, nothing to check */
		if (!within(f, s.offset, s.filesz))
			return fail(err, errlen, -EINVAL,
				    "segment %u (0x%" PRIx64
				    " bytes at file offset 0x%" PRIx64
				    ") runs past the end of the file (%zu "
				    "bytes; truncated?)",
				    i, s.filesz, s.offset, f->len);
		if (s.memsz > UINT64_MAX - s.paddr)
			return fail(err, errlen, -ERANGE,
				    "segment %u (0x%" PRIx64
				    " bytes at 0x%" PRIx64
				    ") wraps around the end of the address "
				    "space; check the linker script",
				    i, s.memsz, s.paddr);
		if (!gpa_to_host(mem, s.paddr, s.memsz)) {
			char fix[64] = "link the guest lower";

			need = mem_needed(s.paddr + s.memsz);
			if (need)
				snprintf(fix, sizeof(fix),
					 "try --mem %" PRIu64
					 "M or link the guest lower",
					 need);
			return fail(err, errlen, -ERANGE,
				    "segment %u (0x%" PRIx64 "-0x%" PRIx64
				    ") %s past guest RAM (%s); %s",
				    i, s.paddr, s.paddr + s.memsz,
				    s.paddr >= mem->size ? "starts" : "ends",
				    size_name(mem->size, ram, sizeof(ram)),
				    fix);
		}
		segs[n++] = s;
	}
	*nsegs = n;
	if (n == 0)
		return fail(err, errlen, -EINVAL,
			    "no PT_LOAD segment with contents: nothing to "
			    "load (see `readelf -l`)");
	return 0;
}

static int by_paddr(const void *a, const void *b)
{
	const struct segment *x = a, *y = b;

	if (x->paddr != y->paddr)
		return x->paddr < y->paddr ? -1 : 1;
	return 0;
}

/*
 * Two segments loaded over each other would let the second silently
 * overwrite the first.  Sorted by address, only neighbours can overlap.
 */
static int check_overlap(struct segment *segs, unsigned n, char *err,
			 size_t errlen)
{
	unsigned i;

	qsort(segs, n, sizeof(*segs), by_paddr);
	for (i = 1; i < n; i++) {
		const struct segment *a = &segs[i - 1], *b = &segs[i];

		/* Both lie inside guest RAM, so the sums cannot overflow. */
		if (a->paddr + a->memsz > b->paddr)
			return fail(err, errlen, -EINVAL,
				    "segments %u (0x%" PRIx64 "-0x%" PRIx64
				    ") and %u (0x%" PRIx64 "-0x%" PRIx64
				    ") overlap in guest memory; check the "
				    "linker script",
				    a->index, a->paddr, a->paddr + a->memsz,
				    b->index, b->paddr, b->paddr + b->memsz);
	}
	return 0;
}

/*
 * The entry point must be code we loaded: inside a segment marked
 * executable.  e_entry is a virtual address, so it is compared with the
 * segments' virtual ranges (the same as their physical ones in every kvmlab
 * guest, which runs identity-mapped).
 */
static int check_entry(const struct elf_file *f, const struct segment *segs,
		       unsigned n, char *err, size_t errlen)
{
	const struct segment *not_code = NULL;
	unsigned i;

	for (i = 0; i < n; i++) {
		if (f->entry < segs[i].vaddr ||
		    f->entry - segs[i].vaddr >= segs[i].memsz)
			continue;
		if (segs[i].flags & PF_X)
			return 0;
		not_code = &segs[i];
	}
	if (not_code)
		return fail(err, errlen, -EINVAL,
			    "entry point 0x%" PRIx64 " is in segment %u, "
			    "which is not executable; check ENTRY() in the "
			    "linker script",
			    f->entry, not_code->index);
	return fail(err, errlen, -EINVAL,
		    "entry point 0x%" PRIx64 " is outside every loaded "
		    "segment; check ENTRY() in the linker script",
		    f->entry);
}

/* ---- Symbols --------------------------------------------------------- */

struct raw_sym {
	uint64_t addr, size;
	const char *name; /* inside the file buffer */
	size_t namelen;
	int rank;
};

/*
 * By address; several names for one address are ordered so the best comes
 * last, because image_symbol_at() walks backwards from the nearest one:
 * functions and objects before plain labels, globals before locals.
 */
static int by_addr(const void *a, const void *b)
{
	const struct raw_sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return strcmp(x->name, y->name);
}

/*
 * Symbols worth naming an address with: code, data and assembly labels;
 * -1 for the rest.  (The ELF64_ST_* macros are the ELF32_ST_* ones.)
 */
static int sym_rank(const struct elf_sym *s)
{
	unsigned type = ELF64_ST_TYPE(s->info), bind = ELF64_ST_BIND(s->info);
	int rank;

	if (s->shndx == SHN_UNDEF || s->value == 0)
		return -1;
	if (type == STT_FUNC || type == STT_OBJECT)
		rank = 2;
	else if (type == STT_NOTYPE)
		rank = 0;
	else
		return -1; /* sections, files, TLS, ... */
	return rank + (bind != STB_LOCAL);
}

/*
 * The symbol table named by .symtab and its string table, sorted by
 * address.  NULL when that worked or there is none (a stripped file),
 * otherwise why the table was ignored.  All the symbols and their names
 * live in one allocation, so image_free() is a single free().
 */
static const char *read_symbols(const struct elf_file *f,
				struct guest_image *img)
{
	size_t shdr_size = f->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	size_t sym_size = f->is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
	struct section symtab = {0}, strtab;
	struct raw_sym *raw;
	struct symbol *syms;
	size_t count, n = 0, names = 0, k;
	const char *str;
	char *out;
	unsigned i;

	if (f->shoff == 0 || f->shnum == 0)
		return NULL;
	if (f->shentsize != shdr_size)
		return "its section headers have an unexpected size";
	if (!within(f, f->shoff, (uint64_t)f->shnum * shdr_size))
		return "the section headers run past the end of the file";
	for (i = 1; i < f->shnum && symtab.type != SHT_SYMTAB; i++)
		read_shdr(f, i, &symtab);
	if (symtab.type != SHT_SYMTAB)
		return NULL;
	if (!within(f, symtab.offset, symtab.size) ||
	    symtab.entsize != sym_size)
		return "the symbol table is malformed or runs past the end of "
		       "the file";
	if (symtab.link == 0 || symtab.link >= f->shnum)
		return "the symbol table names no string table";
	read_shdr(f, symtab.link, &strtab);
	if (strtab.type != SHT_STRTAB || !within(f, strtab.offset, strtab.size))
		return "its string table is malformed or runs past the end of "
		       "the file";

	count = symtab.size / sym_size;
	if (count <= 1)
		return NULL; /* entry 0 is always the null symbol */
	raw = calloc(count, sizeof(*raw));
	if (!raw)
		return "out of memory";
	str = (const char *)f->buf + strtab.offset;
	for (k = 1; k < count; k++) {
		struct elf_sym s;
		const char *end;
		int rank;

		read_sym(f, symtab.offset + k * sym_size, &s);
		rank = sym_rank(&s);
		if (rank < 0)
			continue;
		end = s.name < strtab.size
			  ? memchr(str + s.name, 0, strtab.size - s.name)
			  : NULL;
		if (!end) {
			free(raw);
			return "a symbol name lies outside the string table";
		}
		if (end == str + s.name)
			continue;
		raw[n] = (struct raw_sym){s.value, s.size, str + s.name,
					  end - (str + s.name), rank};
		names += raw[n++].namelen + 1;
	}
	if (n == 0) {
		free(raw);
		return NULL;
	}
	qsort(raw, n, sizeof(*raw), by_addr);
	syms = malloc(n * sizeof(*syms) + names);
	if (!syms) {
		free(raw);
		return "out of memory";
	}
	out = (char *)(syms + n);
	for (k = 0; k < n; k++) {
		syms[k] = (struct symbol){raw[k].addr, raw[k].size, out};
		memcpy(out, raw[k].name, raw[k].namelen);
		out[raw[k].namelen] = '\0';
		out += raw[k].namelen + 1;
	}
	free(raw);
	img->syms = syms;
	img->nsyms = n;
	return NULL;
}

int load_elf(const struct guest_mem *mem, const void *buf, size_t len,
	     struct guest_image *img, char *err, size_t errlen)
{
	struct elf_file f = {.buf = buf, .len = buf ? len : 0};
	struct segment *segs;
	const char *why;
	unsigned n = 0, i;
	int ret;

	memset(img, 0, sizeof(*img));
	ret = check_header(&f, err, errlen);
	if (ret)
		return ret;
	segs = calloc(f.phnum, sizeof(*segs));
	if (!segs)
		return fail(err, errlen, -ENOMEM,
			    "out of memory for %u program headers", f.phnum);
	ret = check_segments(mem, &f, segs, &n, err, errlen);
	if (!ret)
		ret = check_overlap(segs, n, err, errlen);
	if (!ret)
		ret = check_entry(&f, segs, n, err, errlen);
	if (ret) {
		free(segs);
		return ret;
	}

	/* Everything checked: from here on nothing can fail. */
	why = read_symbols(&f, img);
	if (why)
		warning("ignoring the guest's symbol table: %s", why);
	img->kind = f.is64 ? IMAGE_ELF64 : IMAGE_ELF32;
	img->entry = f.entry;
	img->lo = segs[0].paddr; /* sorted by check_overlap() */
	for (i = 0; i < n; i++) {
		const struct segment *s = &segs[i];

		guest_write(mem, s->paddr, f.buf + s->offset, s->filesz);
		/* The rest of memsz is .bss: C expects it to start as zero.
		 * check_segments() made sure the range is in RAM. */
		memset(gpa_to_host(mem, s->paddr + s->filesz,
				   s->memsz - s->filesz),
		       0, s->memsz - s->filesz);
		if (s->paddr + s->memsz > img->hi)
			img->hi = s->paddr + s->memsz;
	}
	free(segs);
	return 0;
}

/* ---- Files ------------------------------------------------------------- */

static int open_failed(const char *path, int e)
{
	if (e == ENOENT || e == ENOTDIR) {
		error("no such file: %s", path);
		hint("build it with make, or check the path");
	} else if (e == EACCES || e == EPERM) {
		error("cannot read %s: %s", path, strerror(e));
		hint("check its permissions with ls -l");
	} else {
		error("cannot open %s: %s", path, strerror(e));
	}
	return -ABI_STATUS_NO_IMAGE;
}

/*
 * The whole file in a fresh buffer.  Its size is checked against guest RAM
 * before reading, so a wrong path to a huge file fails at once instead of
 * filling the host's memory.
 */
static int read_image(const struct guest_mem *mem, const char *path,
		      int allow_elf, uint8_t **out, size_t *outlen)
{
	uint8_t magic[SELFMAG], *buf;
	char ram[32];
	uint64_t max = mem->size, need;
	struct stat st;
	size_t got = 0;
	ssize_t r;
	int fd, ret = -ABI_STATUS_NO_IMAGE;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return open_failed(path, errno);
	if (fstat(fd, &st) < 0) {
		error("cannot stat %s: %s", path, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		error("%s is a directory, not a guest image", path);
		hint("give the path of an image file inside it");
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		error("%s is not a regular file", path);
		hint("a guest image is a file that make builds");
		goto out;
	}
	if (st.st_size == 0) {
		error("%s is empty: a guest image needs at least one "
		      "instruction",
		      path);
		hint("rebuild it with make; an interrupted build can leave an "
		     "empty file");
		goto out;
	}
	if (allow_elf && pread(fd, magic, sizeof(magic), 0) == sizeof(magic) &&
	    is_elf(magic, sizeof(magic)) && max < ELF_FILE_MAX)
		max = ELF_FILE_MAX;
	if ((uint64_t)st.st_size > max) {
		need = mem_needed(st.st_size);
		if (max == mem->size)
			error("%s is %jd bytes, more than the %s of guest RAM",
			      path, (intmax_t)st.st_size,
			      size_name(max, ram, sizeof(ram)));
		else
			error("%s is %jd bytes, more than the %s an ELF guest "
			      "file may have",
			      path, (intmax_t)st.st_size,
			      size_name(max, ram, sizeof(ram)));
		if (need && max == mem->size)
			hint("check that this is the right file, or try "
			     "--mem %" PRIu64 "M",
			     need);
		else
			hint("check that this is the right file");
		ret = -ABI_STATUS_BAD_IMAGE;
		goto out;
	}

	buf = malloc(st.st_size);
	if (!buf) {
		error("cannot read %s: out of memory", path);
		ret = -ABI_STATUS_HOST;
		goto out;
	}
	/* The file may change while we read it: take what is there. */
	while (got < (size_t)st.st_size) {
		r = read(fd, buf + got, st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			error("cannot read %s: %s", path, strerror(errno));
			free(buf);
			goto out;
		}
		if (r == 0)
			break;
		got += r;
	}
	if (got == 0) {
		error("%s is empty: a guest image needs at least one "
		      "instruction",
		      path);
		free(buf);
		goto out;
	}
	*out = buf;
	*outlen = got;
	ret = 0;
out:
	close(fd);
	return ret;
}

int load_guest_file(const struct guest_mem *mem, const char *path,
		    uint64_t flat_gpa, int allow_elf, struct guest_image *img)
{
	char err[256];
	uint8_t *buf;
	size_t len;
	int ret;

	memset(img, 0, sizeof(*img));
	ret = read_image(mem, path, allow_elf, &buf, &len);
	if (ret)
		return ret;
	if (is_elf(buf, len) && !allow_elf) {
		/* Run as raw bytes, its header would execute as nonsense. */
		error("%s is an ELF file, but this chapter loads flat binaries",
		      path);
		hint("use the .bin image of the guest (objcopy -O binary)");
		free(buf);
		return -ABI_STATUS_BAD_IMAGE;
	}
	if (is_elf(buf, len))
		ret = load_elf(mem, buf, len, img, err, sizeof(err));
	else
		ret = load_flat(mem, buf, len, flat_gpa, img, err, sizeof(err));
	free(buf);
	if (ret == -ENOMEM) {
		error("cannot load %s: %s", path, err);
		return -ABI_STATUS_HOST;
	}
	if (ret) {
		error("cannot load %s: %s", path, err);
		return -ABI_STATUS_BAD_IMAGE;
	}
	info("loaded %s: %s, 0x%" PRIx64 "-0x%" PRIx64 ", entry 0x%" PRIx64
	     ", %zu symbols",
	     path, image_kind_name(img->kind), img->lo, img->hi, img->entry,
	     img->nsyms);
	return 0;
}

/* ---- Looking symbols up ---------------------------------------------- */

const struct symbol *image_symbol_at(const struct guest_image *img,
				     uint64_t addr)
{
	size_t lo = 0, hi, mid, k;
	int past_sized = 0;

	if (!img || !img->nsyms)
		return NULL;
	/* Binary search: syms[0..lo) start at or below addr. */
	hi = img->nsyms;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (img->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/*
	 * Walk back from the nearest.  A sized symbol (a C function or
	 * object) names addr only if addr is inside it; a label names what
	 * follows it, up to SYM_NEAR, unless a sized symbol ends in between.
	 * Sized symbols further back may still contain addr (nesting).
	 */
	for (k = lo; k > 0; k--) {
		const struct symbol *s = &img->syms[k - 1];
		uint64_t off = addr - s->addr;

		if (s->size) {
			if (off < s->size)
				return s;
			past_sized = 1;
		} else if (!past_sized && off < SYM_NEAR) {
			return s;
		}
	}
	return NULL;
}

const char *image_addr_name(const struct guest_image *img, uint64_t addr,
			    char *buf, size_t len)
{
	const struct symbol *s = image_symbol_at(img, addr);

	if (!buf || !len)
		return "";
	if (!s)
		snprintf(buf, len, "0x%" PRIx64, addr);
	else if (addr == s->addr)
		snprintf(buf, len, "0x%" PRIx64 " <%s>", addr, s->name);
	else
		snprintf(buf, len, "0x%" PRIx64 " <%s+%" PRIu64 ">", addr,
			 s->name, addr - s->addr);
	return buf;
}

int image_symbol_find(const struct guest_image *img, const char *name,
		      uint64_t *addr)
{
	size_t i;

	for (i = 0; img && name && i < img->nsyms; i++) {
		if (strcmp(img->syms[i].name, name) == 0) {
			if (addr)
				*addr = img->syms[i].addr;
			return 0;
		}
	}
	return -ENOENT;
}

void image_free(struct guest_image *img)
{
	if (!img)
		return;
	free(img->syms); /* the names live in the same block */
	img->syms = NULL;
	img->nsyms = 0;
}

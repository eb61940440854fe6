/* SPDX-License-Identifier: MIT */
/*
 * symbols: the guest's symbol table, and naming addresses with it
 * (chapters 1-3; see symbols.h and loader.h).
 *
 * A fault report that says "rip 0x100a3c" sends a student to objdump; one
 * that says "rip 0x100a3c <putc+12>" says where to look.  The ELF file
 * keeps the names in .symtab: they are read once, at load time, sorted by
 * address, so every later lookup is a binary search.  Chapter 1's flat
 * images fill the same table from a .sym file (symfile.c).
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmlab/load/symbols.h"

/* How far past an assembly label (a size-0 symbol) we still name it. */
#define SYM_NEAR 0x10000

/* ---- Reading the ELF symbol table -------------------------------------- */

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

const char *elf_read_symbols(const struct elf_file *f, struct guest_image *img)
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
	if (!elf_within(f, f->shoff, (uint64_t)f->shnum * shdr_size))
		return "the section headers run past the end of the file";
	for (i = 1; i < f->shnum && symtab.type != SHT_SYMTAB; i++)
		elf_read_shdr(f, i, &symtab);
	if (symtab.type != SHT_SYMTAB)
		return NULL;
	if (!elf_within(f, symtab.offset, symtab.size) ||
	    symtab.entsize != sym_size)
		return "the symbol table is malformed or runs past the end of "
		       "the file";
	if (symtab.link == 0 || symtab.link >= f->shnum)
		return "the symbol table names no string table";
	elf_read_shdr(f, symtab.link, &strtab);
	if (strtab.type != SHT_STRTAB ||
	    !elf_within(f, strtab.offset, strtab.size))
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

		elf_read_sym(f, symtab.offset + k * sym_size, &s);
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

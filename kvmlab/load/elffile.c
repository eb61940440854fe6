/* SPDX-License-Identifier: MIT */
/*
 * elffile: read ELF headers into the class-neutral form (see elffile.h).
 *
 * Chapter 2 loads ELF32 guests and chapter 3 ELF64 ones.  Reading both
 * classes into one form here keeps elf.c and symbols.c to one copy of every
 * check, instead of one per class.
 */
#include <elf.h>
#include <string.h>

#include "kvmlab/load/elffile.h"

/*
 * ELF structures are read by copying them from the file as they are, which
 * is right only when host and file share a byte order.  x86 is little-endian
 * on both sides, and load_elf() refuses big-endian files.
 */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "the ELF reader assumes a little-endian host");

int elf_within(const struct elf_file *f, uint64_t off, uint64_t size)
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

void elf_read_ehdr(struct elf_file *f)
{
	if (f->is64)
		READ_EHDR(Elf64_Ehdr);
	else
		READ_EHDR(Elf32_Ehdr);
}

void elf_read_phdr(const struct elf_file *f, unsigned i, struct segment *s)
{
	const uint8_t *p = f->buf + f->phoff + (uint64_t)i * f->phentsize;

	s->index = i;
	if (f->is64)
		READ_PHDR(Elf64_Phdr);
	else
		READ_PHDR(Elf32_Phdr);
}

void elf_read_shdr(const struct elf_file *f, unsigned i, struct section *s)
{
	const uint8_t *p = f->buf + f->shoff + (uint64_t)i * f->shentsize;

	if (f->is64)
		READ_SHDR(Elf64_Shdr);
	else
		READ_SHDR(Elf32_Shdr);
}

void elf_read_sym(const struct elf_file *f, uint64_t off, struct elf_sym *s)
{
	const uint8_t *p = f->buf + off;

	if (f->is64)
		READ_SYM(Elf64_Sym);
	else
		READ_SYM(Elf32_Sym);
}

/* SPDX-License-Identifier: MIT */
/*
 * elffile: ELF32 and ELF64 headers read into one form (chapters 2 and 3).
 *
 * ELF32 and ELF64 differ only in field widths and order, so each structure
 * is read once into one of these and the checks are written once.  Used by
 * the loader's own files (elf.c checks and loads the segments, symbols.c
 * reads the symbol table); chapters load guests through loader.h.
 */
#ifndef KVMLAB_ELFFILE_H
#define KVMLAB_ELFFILE_H

#include <stddef.h>
#include <stdint.h>

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
int elf_within(const struct elf_file *f, uint64_t off, uint64_t size);

/* The header; the caller has checked the file is long enough and set is64. */
void elf_read_ehdr(struct elf_file *f);
/* Program header `i`; the caller has checked the table lies in the file. */
void elf_read_phdr(const struct elf_file *f, unsigned i, struct segment *s);
/* Section header `i`; the caller has checked the table lies in the file. */
void elf_read_shdr(const struct elf_file *f, unsigned i, struct section *s);
/* The symbol at file offset `off`, inside the checked symbol table. */
void elf_read_sym(const struct elf_file *f, uint64_t off, struct elf_sym *s);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * symbols: a guest's ELF symbol table, read into struct symbol (chapters 2
 * and 3).  The lookups that name addresses with it, image_symbol_at(),
 * image_addr_name() and image_symbol_find(), are declared in loader.h with
 * the rest of the loader's interface; this header is for elf.c.
 */
#ifndef KVMLAB_SYMBOLS_H
#define KVMLAB_SYMBOLS_H

#include "kvmlab/load/elffile.h"
#include "kvmlab/load/loader.h"

/*
 * Fill img->syms and img->nsyms from the symbol table named by .symtab and
 * its string table, sorted by address: FUNC, OBJECT and NOTYPE symbols with
 * a name and a nonzero address.  NULL when that worked or there is none (a
 * stripped file), otherwise why the table was ignored (img is then left
 * alone).  All the symbols and their names live in one allocation, so
 * image_free() is a single free().
 */
const char *elf_read_symbols(const struct elf_file *f, struct guest_image *img);

#endif

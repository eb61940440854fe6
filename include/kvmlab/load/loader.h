/* SPDX-License-Identifier: MIT */
/*
 * loader: put a guest image into guest memory (chapters 1-3).
 *
 * Flat binaries are copied to a fixed address.  ELF32 (EM_386) and ELF64
 * (EM_X86_64) executables are loaded by their PT_LOAD program headers at
 * their physical addresses; every segment is checked against guest RAM and
 * against the other segments before a byte is copied.  The symbol table is
 * kept so the viewer and fault reports can say "rip 0x100a3c <putc+12>".
 *
 * Chapters need only this header.  The code behind it lives in loader.c,
 * elf.c, elffile.c and symbols.c; elffile.h and symbols.h are for those.
 */
#ifndef KVMLAB_LOADER_H
#define KVMLAB_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "kvmlab/base/memory.h"

enum image_kind { IMAGE_FLAT, IMAGE_ELF32, IMAGE_ELF64 };

struct symbol {
	uint64_t addr, size;
	char *name;
};

struct guest_image {
	enum image_kind kind;
	uint64_t entry;
	uint64_t lo, hi;     /* guest-physical span written: [lo, hi) */
	struct symbol *syms; /* sorted by address */
	size_t nsyms;
};

/* "flat", "ELF32", "ELF64" */
const char *image_kind_name(enum image_kind kind);

/*
 * The load functions below fill `*img` from scratch (they do not free what
 * it held: image_free() a previous image first).  On failure `*img` is left
 * empty, image_free() on it is harmless, and `err` (if not NULL) holds one
 * line saying what is wrong and, where there is one, what to try.
 */

/*
 * Copy `len` bytes to guest-physical `gpa`; entry = lo = gpa, hi = gpa + len.
 * 0, or -ERANGE when the image does not fit in guest RAM (err says by how
 * much and which --mem would hold it).
 */
int load_flat(const struct guest_mem *mem, const void *buf, size_t len,
	      uint64_t gpa, struct guest_image *img, char *err, size_t errlen);

/*
 * Load an ELF executable: each PT_LOAD segment's file bytes go to its
 * p_paddr, and the rest of its p_memsz (.bss) is zeroed.  ELF32 must be
 * EM_386 and ELF64 EM_X86_64; the type must be ET_EXEC.  Empty PT_LOAD
 * segments are ignored.  The entry point must lie inside a loaded segment
 * marked executable (PF_X), compared with the segments' virtual addresses.
 * lo/hi span the segments' physical addresses.
 *
 * 0; -ENOEXEC (not ELF, wrong class, byte order, version, machine or type,
 * dynamically linked), -EINVAL (truncated headers or segments, overlapping
 * segments, filesz > memsz, no PT_LOAD with contents, entry point outside
 * the executable segments), -ERANGE (a segment outside guest RAM), -ENOMEM.
 * On failure guest memory is untouched and `err` says why.
 *
 * Symbols come from .symtab and its string table when the file has them:
 * FUNC, OBJECT and NOTYPE symbols with a name and a nonzero address.  A
 * damaged symbol table is reported with warning() and ignored; it never
 * fails the load.
 */
int load_elf(const struct guest_mem *mem, const void *buf, size_t len,
	     struct guest_image *img, char *err, size_t errlen);

/* True if `buf` starts with the ELF magic. */
int is_elf(const void *buf, size_t len);

/*
 * Read `path` and load it: ELF when it starts with the ELF magic and
 * `allow_elf` is set, otherwise flat at `flat_gpa`.  An ELF file given to a
 * chapter that does not allow ELF is refused rather than run as raw bytes.
 * The size is checked before the file is read: a flat image may not be
 * bigger than guest RAM, an ELF file (which also carries symbols and debug
 * information) not bigger than guest RAM or 64 MiB, whichever is larger.
 *
 * Reports problems itself (error() and hint()) and returns 0,
 * -ABI_STATUS_NO_IMAGE (missing, unreadable, empty, a directory or other
 * non-regular file), -ABI_STATUS_BAD_IMAGE (wrong format, too large) or
 * -ABI_STATUS_HOST (out of memory).
 */
int load_guest_file(const struct guest_mem *mem, const char *path,
		    uint64_t flat_gpa, int allow_elf, struct guest_image *img);

/*
 * The same in two steps, so that a chapter checks its guest image before
 * it opens /dev/kvm: a wrong path, an empty file or a directory gets the
 * same answer (66) on every machine, with or without KVM.
 *
 * guest_file_read() reads `path` whole into `f`, with every check that
 * needs no VM: the file's kind, that it is not empty, its size against
 * `mem_size` bytes of guest RAM, and no ELF file unless `allow_elf` (as
 * load_guest_file()).  Returns what load_guest_file() returns for those;
 * `f` is empty on failure.  guest_file_load() then loads it into `mem`
 * (the ELF or flat checks and the copy), frees f's buffer whatever
 * happens, and returns as load_guest_file().  guest_file_free() is safe
 * on an empty or freed `f`.
 */
struct guest_file {
	const char *path; /* as given; not copied */
	uint8_t *buf;
	size_t len;
};
int guest_file_read(struct guest_file *f, const char *path, uint64_t mem_size,
		    int allow_elf);
int guest_file_load(struct guest_file *f, const struct guest_mem *mem,
		    uint64_t flat_gpa, struct guest_image *img);
void guest_file_free(struct guest_file *f);

/*
 * The symbol naming `addr`, NULL if none: a sized symbol (a C function or
 * object) when addr lies inside it; otherwise a size-0 symbol (an assembly
 * label) at most 64 KiB below addr with no sized symbol ending in between.
 * Of several symbols at one address, functions and objects win over labels
 * and globals over locals.  `img` may be NULL.
 */
const struct symbol *image_symbol_at(const struct guest_image *img,
				     uint64_t addr);
/*
 * Format "0x100a3c <putc+12>" (offset in decimal), "0x100a30 <putc>" or
 * just "0x100a3c" into `buf` (cut to `len`) and return it.
 */
const char *image_addr_name(const struct guest_image *img, uint64_t addr,
			    char *buf, size_t len);
/* Address of the symbol `name` into `*addr` (may be NULL): 0, or -ENOENT. */
int image_symbol_find(const struct guest_image *img, const char *name,
		      uint64_t *addr);
/* Free the symbols.  Safe twice, after a failed load, and on a zeroed img. */
void image_free(struct guest_image *img);

/*
 * Helpers shared by the loader's files (loader.c, elf.c), so that a flat
 * image and an ELF segment that do not fit are explained the same way.
 */

/* Fill `err` (if the caller gave one) and return `code`. */
int loader_fail(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* "2 MiB", "64 KiB" or "1000 bytes": sizes as a student would say them. */
const char *loader_size_name(uint64_t n, char *buf, size_t len);
/*
 * The --mem (in MiB) that holds guest-physical memory up to `end`: the next
 * power of two, which is what students pass anyway.  0 when even the
 * largest RAM kvmlab gives a guest is too small.
 */
uint64_t loader_mem_needed(uint64_t end);

#endif

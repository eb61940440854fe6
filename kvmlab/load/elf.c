/* SPDX-License-Identifier: MIT */
/*
 * elf: check and load an ELF executable (chapters 2 and 3; see loader.h).
 *
 * Chapter 2's guest is ELF32 (EM_386) and chapter 3's ELF64 (EM_X86_64):
 * an ELF file says where each piece goes, which piece is code and where to
 * start, so the VMM need not be told.
 *
 * An image file is input the VMM did not write: a half-written build, a file
 * for another CPU, a linker script that puts a segment past the end of RAM.
 * So load_elf() checks every header and every segment first and copies only
 * when all of them are sound.  A failed load leaves guest memory exactly as
 * it was, and the error says in plain words what to change.
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmlab/base/log.h"
#include "kvmlab/load/elffile.h"
#include "kvmlab/load/loader.h"
#include "kvmlab/load/symbols.h"

int is_elf(const void *buf, size_t len)
{
	return buf && len >= SELFMAG && memcmp(buf, ELFMAG, SELFMAG) == 0;
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
		return loader_fail(
		    err, errlen, -EINVAL,
		    "only %zu bytes: too short for an ELF header "
		    "(truncated?)",
		    f->len);
	if (!is_elf(id, f->len))
		return loader_fail(err, errlen, -ENOEXEC,
				   "not an ELF file: it does not start with "
				   "0x7f 'E' 'L' 'F'");
	if (id[EI_CLASS] != ELFCLASS32 && id[EI_CLASS] != ELFCLASS64)
		return loader_fail(
		    err, errlen, -ENOEXEC,
		    "unknown ELF class %u: expected 1 (ELF32) or "
		    "2 (ELF64)",
		    id[EI_CLASS]);
	if (id[EI_DATA] != ELFDATA2LSB)
		return loader_fail(
		    err, errlen, -ENOEXEC,
		    "not a little-endian ELF file (EI_DATA %u): "
		    "x86 guests are little-endian; was it built for "
		    "another CPU?",
		    id[EI_DATA]);
	if (id[EI_VERSION] != EV_CURRENT)
		return loader_fail(err, errlen, -ENOEXEC,
				   "unknown ELF version %u: expected 1",
				   id[EI_VERSION]);

	f->is64 = id[EI_CLASS] == ELFCLASS64;
	bits = f->is64 ? 64 : 32;
	ehdr_size = f->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	phdr_size = f->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	if (f->len < ehdr_size)
		return loader_fail(
		    err, errlen, -EINVAL,
		    "only %zu bytes, but an ELF%u header needs %zu "
		    "(truncated?)",
		    f->len, bits, ehdr_size);
	elf_read_ehdr(f);

	/* x32 (ELF32 for x86-64) and i386 code in an ELF64 file both exist;
	 * neither runs in the CPU mode the chapter sets up for that class. */
	want_machine = f->is64 ? EM_X86_64 : EM_386;
	if (f->machine != want_machine)
		return loader_fail(
		    err, errlen, -ENOEXEC,
		    "built for %s (e_machine %u), but an ELF%u guest "
		    "must be %s (e_machine %u)",
		    machine_name(f->machine), f->machine, bits,
		    machine_name(want_machine), want_machine);
	if (f->type == ET_REL)
		return loader_fail(
		    err, errlen, -ENOEXEC,
		    "an object file (ET_REL), not an executable: "
		    "link it first");
	if (f->type == ET_DYN)
		return loader_fail(
		    err, errlen, -ENOEXEC,
		    "a position-independent file (ET_DYN): link the "
		    "guest with -static -no-pie at a fixed address");
	if (f->type != ET_EXEC)
		return loader_fail(err, errlen, -ENOEXEC,
				   "ELF type %u is not an executable (ET_EXEC)",
				   f->type);

	if (f->phnum == 0)
		return loader_fail(err, errlen, -EINVAL,
				   "no program headers: nothing to load");
	if (f->phnum == PN_XNUM)
		return loader_fail(
		    err, errlen, -EINVAL,
		    "too many program headers (extended numbering "
		    "is not supported)");
	if (f->phentsize != phdr_size)
		return loader_fail(err, errlen, -EINVAL,
				   "program headers are %u bytes each; ELF%u "
				   "needs %zu",
				   f->phentsize, bits, phdr_size);
	if (!elf_within(f, f->phoff, (uint64_t)f->phnum * f->phentsize))
		return loader_fail(err, errlen, -EINVAL,
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

		elf_read_phdr(f, i, &s);
		if (s.type == PT_INTERP)
			return loader_fail(
			    err, errlen, -ENOEXEC,
			    "dynamically linked (it asks for a "
			    "program interpreter): link the guest "
			    "with -nostdlib -static");
		if (s.type != PT_LOAD)
			continue;
		if (s.filesz > s.memsz)
			return loader_fail(
			    err, errlen, -EINVAL,
			    "segment %u has more bytes in the file "
			    "(0x%" PRIx64 ") than in memory (0x%" PRIx64 ")",
			    i, s.filesz, s.memsz);
		if (s.memsz == 0)
			continue; /* nothing to load, nothing to check */
		if (!elf_within(f, s.offset, s.filesz))
			return loader_fail(
			    err, errlen, -EINVAL,
			    "segment %u (0x%" PRIx64
			    " bytes at file offset 0x%" PRIx64
			    ") runs past the end of the file (%zu "
			    "bytes; truncated?)",
			    i, s.filesz, s.offset, f->len);
		if (s.memsz > UINT64_MAX - s.paddr)
			return loader_fail(
			    err, errlen, -ERANGE,
			    "segment %u (0x%" PRIx64 " bytes at 0x%" PRIx64
			    ") wraps around the end of the address "
			    "space; check the linker script",
			    i, s.memsz, s.paddr);
		if (!gpa_to_host(mem, s.paddr, s.memsz)) {
			char fix[64] = "link the guest lower";

			need = loader_mem_needed(s.paddr + s.memsz);
			if (need)
				snprintf(fix, sizeof(fix),
					 "try --mem %" PRIu64
					 "M or link the guest lower",
					 need);
			return loader_fail(
			    err, errlen, -ERANGE,
			    "segment %u (0x%" PRIx64 "-0x%" PRIx64
			    ") %s past guest RAM (%s); %s",
			    i, s.paddr, s.paddr + s.memsz,
			    s.paddr >= mem->size ? "starts" : "ends",
			    loader_size_name(mem->size, ram, sizeof(ram)), fix);
		}
		segs[n++] = s;
	}
	*nsegs = n;
	if (n == 0)
		return loader_fail(
		    err, errlen, -EINVAL,
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
			return loader_fail(
			    err, errlen, -EINVAL,
			    "segments %u (0x%" PRIx64 "-0x%" PRIx64
			    ") and %u (0x%" PRIx64 "-0x%" PRIx64
			    ") overlap in guest memory; check the "
			    "linker script",
			    a->index, a->paddr, a->paddr + a->memsz, b->index,
			    b->paddr, b->paddr + b->memsz);
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
		return loader_fail(
		    err, errlen, -EINVAL,
		    "entry point 0x%" PRIx64 " is in segment %u, "
		    "which is not executable; check ENTRY() in the "
		    "linker script",
		    f->entry, not_code->index);
	return loader_fail(err, errlen, -EINVAL,
			   "entry point 0x%" PRIx64 " is outside every loaded "
			   "segment; check ENTRY() in the linker script",
			   f->entry);
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
		return loader_fail(err, errlen, -ENOMEM,
				   "out of memory for %u program headers",
				   f.phnum);
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
	why = elf_read_symbols(&f, img);
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

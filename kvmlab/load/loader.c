/* SPDX-License-Identifier: MIT */
/*
 * loader: put a guest image into guest RAM (chapters 1-3).
 *
 * Chapter 1 copies a flat real-mode binary to 0x1000: no headers, byte 0 is
 * the first instruction.  Chapters 2 and 3 load ELF executables, because an
 * ELF file says where each piece goes, which piece is code, where to start,
 * and keeps the symbol table that turns "rip 0x100a3c" into "<putc+12>".
 *
 * The loader is four files; chapters include only loader.h:
 *   loader.c   flat images, reading the image file (guest_file_read(),
 *              before KVM is opened), loading it, load_guest_file()
 *   elf.c      checking and loading an ELF executable
 *   elffile.c  reading ELF32 and ELF64 headers into one form
 *   symbols.c  the ELF symbol table, and naming addresses with symbols
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
#include "kvmlab/base/log.h"
#include "kvmlab/load/loader.h"

#define MiB	     (UINT64_C(1) << 20)
/* ELF files carry symbols and debug information that are never loaded, so
 * they may be bigger than guest RAM, up to this much. */
#define ELF_FILE_MAX (64 * MiB)

/* ---- Error text, shared with elf.c (see loader.h) ------------------------ */

int loader_fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

const char *loader_size_name(uint64_t n, char *buf, size_t len)
{
	if (n && n % MiB == 0)
		snprintf(buf, len, "%" PRIu64 " MiB", n / MiB);
	else if (n && n % 1024 == 0)
		snprintf(buf, len, "%" PRIu64 " KiB", n / 1024);
	else
		snprintf(buf, len, "%" PRIu64 " bytes", n);
	return buf;
}

uint64_t loader_mem_needed(uint64_t end)
{
	uint64_t mem = ABI_RAM_MIN;

	if (end > ABI_RAM_MAX)
		return 0;
	while (mem < end)
		mem <<= 1;
	return mem / MiB;
}

/* ---- Images ------------------------------------------------------------ */

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
		return loader_fail(
		    err, errlen, -ERANGE,
		    "load address 0x%" PRIx64
		    " lies past the end of guest RAM (%s)",
		    gpa, loader_size_name(mem->size, ram, sizeof(ram)));
	end = len > UINT64_MAX - gpa ? UINT64_MAX : gpa + len;
	need = loader_mem_needed(end);
	if (!need)
		return loader_fail(
		    err, errlen, -ERANGE,
		    "image is %zu bytes but only %" PRIu64
		    " bytes of guest RAM lie above 0x%" PRIx64
		    "; that is more than --mem can give (%s)",
		    len, mem->size - gpa, gpa,
		    loader_size_name(ABI_RAM_MAX, ram, sizeof(ram)));
	return loader_fail(err, errlen, -ERANGE,
			   "image is %zu bytes but only %" PRIu64
			   " bytes of guest RAM lie above 0x%" PRIx64
			   "; try --mem %" PRIu64 "M",
			   len, mem->size - gpa, gpa, need);
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
static int read_image(uint64_t mem_size, const char *path, int allow_elf,
		      uint8_t **out, size_t *outlen)
{
	uint8_t magic[SELFMAG], *buf;
	char ram[32];
	uint64_t max = mem_size, need;
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
		need = loader_mem_needed(st.st_size);
		if (max == mem_size)
			error("%s is %jd bytes, more than the %s of guest RAM",
			      path, (intmax_t)st.st_size,
			      loader_size_name(max, ram, sizeof(ram)));
		else
			error("%s is %jd bytes, more than the %s an ELF guest "
			      "file may have",
			      path, (intmax_t)st.st_size,
			      loader_size_name(max, ram, sizeof(ram)));
		if (need && max == mem_size)
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

void guest_file_free(struct guest_file *f)
{
	free(f->buf);
	f->buf = NULL;
	f->len = 0;
}

int guest_file_read(struct guest_file *f, const char *path, uint64_t mem_size,
		    int allow_elf)
{
	int ret;

	memset(f, 0, sizeof(*f));
	f->path = path;
	ret = read_image(mem_size, path, allow_elf, &f->buf, &f->len);
	if (!ret && !allow_elf && is_elf(f->buf, f->len)) {
		/* Run as raw bytes, its header would execute as nonsense. */
		error("%s is an ELF file, but this chapter loads flat binaries",
		      path);
		hint("use the .bin image of the guest (objcopy -O binary)");
		guest_file_free(f);
		ret = -ABI_STATUS_BAD_IMAGE;
	}
	return ret;
}

int guest_file_load(struct guest_file *f, const struct guest_mem *mem,
		    uint64_t flat_gpa, struct guest_image *img)
{
	const char *path = f->path;
	char err[256];
	int ret;

	memset(img, 0, sizeof(*img));
	if (!f->buf)
		return -ABI_STATUS_NO_IMAGE; /* guest_file_read() said why */
	/* guest_file_read() refused ELF where the chapter does not load it. */
	if (is_elf(f->buf, f->len))
		ret = load_elf(mem, f->buf, f->len, img, err, sizeof(err));
	else
		ret = load_flat(mem, f->buf, f->len, flat_gpa, img, err,
				sizeof(err));
	guest_file_free(f);
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

int load_guest_file(const struct guest_mem *mem, const char *path,
		    uint64_t flat_gpa, int allow_elf, struct guest_image *img)
{
	struct guest_file f;
	int ret;

	memset(img, 0, sizeof(*img));
	ret = guest_file_read(&f, path, mem->size, allow_elf);
	if (ret)
		return ret;
	return guest_file_load(&f, mem, flat_gpa, img);
}

void image_free(struct guest_image *img)
{
	if (!img)
		return;
	free(img->syms); /* the names live in the same block */
	img->syms = NULL;
	img->nsyms = 0;
}

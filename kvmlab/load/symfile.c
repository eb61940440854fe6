/* SPDX-License-Identifier: MIT */
/*
 * symfile: symbols of flat guests from their .sym file (see symfile.h).
 *
 * A flat image is only bytes, but the build linked it from an ELF file
 * first and wrote `nm -n` of it beside the image.  Reading that listing
 * lets the viewer say "rip 0x1007 <next>" for chapter 1 too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmlab/load/symfile.h"

const char *symfile_path(const char *guest, char *buf, size_t len)
{
	const char *slash = strrchr(guest, '/');
	const char *dot = strrchr(guest, '.');
	int stem = (int)strlen(guest);

	if (dot && (!slash || dot > slash))
		stem = (int)(dot - guest);
	snprintf(buf, len, "%.*s.sym", stem, guest);
	return buf;
}

static int by_addr(const void *a, const void *b)
{
	const struct symbol *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int symfile_load(const char *path, struct guest_image *img)
{
	FILE *f = fopen(path, "r");
	struct symbol *syms = NULL;
	size_t n = 0, cap, names = 0;
	char line[512];
	char *out;

	if (!f)
		return -errno;
	/* Two passes over one file: count and measure, then copy. */
	struct {
		unsigned long long addr;
		char name[256];
	} s;
	while (fgets(line, sizeof(line), f)) {
		char type;

		if (sscanf(line, "%llx %c %255s", &s.addr, &type, s.name) == 3)
			n++, names += strlen(s.name) + 1;
	}
	cap = n;
	syms = cap ? malloc(cap * sizeof(*syms) + names) : NULL;
	if (cap && !syms) {
		fclose(f);
		return -ENOMEM;
	}
	rewind(f);
	out = (char *)(syms + cap);
	n = 0;
	while (n < cap && fgets(line, sizeof(line), f)) {
		char type;
		size_t len;

		if (sscanf(line, "%llx %c %255s", &s.addr, &type, s.name) != 3)
			continue;
		len = strlen(s.name) + 1;
		if (len > names) /* the file changed under us: stop here */
			break;
		names -= len;
		memcpy(out, s.name, len);
		syms[n++] = (struct symbol){s.addr, 0, out};
		out += len;
	}
	fclose(f);
	/* nm -n sorts already; sort anyway, image_symbol_at() needs it. */
	if (n)
		qsort(syms, n, sizeof(*syms), by_addr);
	free(img->syms);
	img->syms = syms;
	img->nsyms = n;
	return 0;
}

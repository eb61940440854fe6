/* SPDX-License-Identifier: MIT */
/*
 * symfile: read a guest's symbol table from the `nm -n` listing the build
 * writes beside it (build/guest/ch01.sym), for flat images, which carry
 * no symbols of their own (the register viewer, chapter 1).
 */
#ifndef KVMLAB_SYMFILE_H
#define KVMLAB_SYMFILE_H

#include "kvmlab/load/loader.h"

/*
 * The symbol file of `guest`: the same path with its extension (".bin")
 * replaced by ".sym", into `buf`.
 */
const char *symfile_path(const char *guest, char *buf, size_t len);

/*
 * Fill img->syms from `path` (lines "ADDRESS TYPE NAME", as nm prints
 * them; other lines are skipped).  The symbols have no size, so they name
 * the code after them, as assembly labels do.  0; -errno when the file
 * cannot be read; -ENOMEM.  img's other fields are left alone; free with
 * image_free().
 */
int symfile_load(const char *path, struct guest_image *img);

#endif

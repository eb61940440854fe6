/* SPDX-License-Identifier: MIT */
/*
 * marker: find exercise regions in a source file and rewrite them (the
 * labs).  The syntax, C's and the shell's, is described in marker.c,
 * mkstudent.c and exercises/README.md.
 */
#ifndef KVMLAB_MARKER_H
#define KVMLAB_MARKER_H

#include <stdbool.h>
#include <stddef.h>

#define MARKER_MAX_REGIONS 32

/* How a file marks its regions: C (and .S) or a shell script. */
enum marker_lang { MARKER_C, MARKER_SHELL };

struct marker_region {
	char id[64];	   /* "ch02-desc-encode" */
	char title[160];   /* the text after the colon */
	int line;	   /* 1-based line of the EXERCISE comment */
	size_t begin;	   /* offset of the EXERCISE line */
	size_t body;	   /* offset of the line after it (#ifndef, if) */
	size_t stub_begin; /* offset of the line after #else (else # stub) */
	size_t stub_end;   /* offset of the closing #endif (fi) line */
	size_t end;	   /* offset just past the #endif (fi) line */
};

struct marked_file {
	int n;
	struct marker_region region[MARKER_MAX_REGIONS];
};

/*
 * Find the regions of `text` (NUL-terminated), marked the `lang` way.
 * Returns how many, or -1 after printing "PATH:LINE: what is wrong" for a
 * malformed region.
 */
int marker_parse(const char *path, const char *text, enum marker_lang lang,
		 struct marked_file *mf);

/*
 * A copy of `text` in which every region whose id `stub` accepts is
 * replaced by its EXERCISE line and its stub.  Sets *len; NULL if out of
 * memory.
 */
char *marker_rewrite(const char *text, const struct marked_file *mf,
		     bool (*stub)(const char *id), size_t *len);

#endif

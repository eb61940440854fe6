/* SPDX-License-Identifier: MIT */
/*
 * string.h: the C library's memory and string functions (chapter 2 on).
 *
 * Guests are freestanding: no C library is linked, so the few functions
 * they need are here, with the C standard's semantics.  The compiler may
 * also call memcpy, memmove, memset and memcmp on its own (to copy a
 * struct, for instance), and libfdt (chapter 5) links against these, so
 * they must be exact, not approximately right.
 */
#ifndef GUEST_STRING_H
#define GUEST_STRING_H

#include <stddef.h>

/* Copy n bytes; the areas must not overlap.  Returns dst. */
void *memcpy(void *dst, const void *src, size_t n);
/* Copy n bytes; the areas may overlap.  Returns dst. */
void *memmove(void *dst, const void *src, size_t n);
/* Fill n bytes with (unsigned char)c.  Returns dst. */
void *memset(void *dst, int c, size_t n);
/* <0, 0, >0 as the first differing byte (unsigned) of a is <, ==, > b's. */
int memcmp(const void *a, const void *b, size_t n);
/* The first byte equal to (unsigned char)c in s[0..n), or NULL. */
void *memchr(const void *s, int c, size_t n);

size_t strlen(const char *s);
/* strlen(s), but reads at most maxlen bytes: min(strlen(s), maxlen). */
size_t strnlen(const char *s, size_t maxlen);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
/* The first (strchr) or last (strrchr) c in s; c == 0 finds the NUL. */
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
/* Copy s with its NUL to dst (which must be large enough).  Returns dst. */
char *strcpy(char *dst, const char *src);

/*
 * Convert the start of s to an unsigned long, as C's strtoul: leading
 * white space, an optional sign, then digits in `base` (2-36).  Base 0
 * reads "0x1f" as hex, "017" as octal and anything else as decimal; base
 * 16 accepts an optional "0x".  *endptr (if endptr is not NULL) is set to
 * the first character not converted, or to s when there were no digits.
 * A value too large gives ULONG_MAX; a '-' negates the result.
 */
unsigned long strtoul(const char *s, char **endptr, int base);

#endif

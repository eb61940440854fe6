/* SPDX-License-Identifier: MIT */
/*
 * string.c: the C library's memory and string functions (chapter 2 on).
 *
 * Byte-at-a-time loops: guests copy little, and at CPL 0 on an emulating
 * KVM the simplest code is also the easiest to step through in the viewer.
 *
 * A hosted compiler may turn a copy or fill loop into a call to memcpy or
 * memset, which inside memcpy or memset would call itself forever.  Guests
 * are built with -ffreestanding -fno-builtin, which rules that out.
 */
#include <stdint.h>

#include "string.h"

/*
 * Not from <limits.h>: the compiler's limits.h chains to the host C
 * library's, which a 32-bit freestanding build may not have.
 */
#define ULONG_MAX (~0ul)

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	/*
	 * Copying forwards would overwrite bytes of src before they are read
	 * when dst starts inside src: copy backwards then.  Compare as
	 * integers, since comparing pointers into different objects is
	 * undefined in C.
	 */
	if ((uintptr_t)d < (uintptr_t)s || (uintptr_t)d >= (uintptr_t)s + n) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x - *y;
	}
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n; n--, p++) {
		if (*p == (unsigned char)c)
			return (void *)p;
	}
	return NULL;
}

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return p - s;
}

size_t strnlen(const char *s, size_t maxlen)
{
	size_t n = 0;

	while (n < maxlen && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	while (*x && *x == *y) {
		x++;
		y++;
	}
	return *x - *y;
}

int strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x - *y;
		if (!*x)
			break;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

char *strcpy(char *dst, const char *src)
{
	char *d = dst;

	while ((*d++ = *src++))
		;
	return dst;
}

static int is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* The value of digit c in bases up to 36, or 36 if c is not a digit. */
static unsigned int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 36;
}

unsigned long strtoul(const char *s, char **endptr, int base)
{
	const char *p = s;
	unsigned long val = 0, limit;
	unsigned int d, last;
	int neg = 0, overflow = 0, any = 0;

	if (base < 0 || base == 1 || base > 36) {
		if (endptr)
			*endptr = (char *)s;
		return 0;
	}
	while (is_space(*p))
		p++;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	/*
	 * "0x" is a prefix only if a hex digit follows: in "0xg" the number
	 * is the 0, and *endptr must point at the 'x'.
	 */
	if ((base == 0 || base == 16) && p[0] == '0' &&
	    (p[1] == 'x' || p[1] == 'X') && digit_value(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	/* val * base + d overflows exactly when val > limit, or == and d > last. */
	limit = ULONG_MAX / base;
	last = ULONG_MAX % base;
	for (; (d = digit_value(*p)) < (unsigned int)base; p++) {
		any = 1;
		if (val > limit || (val == limit && d > last))
			overflow = 1;
		else
			val = val * base + d;
	}
	if (endptr)
		*endptr = (char *)(any ? p : s);
	if (overflow)
		return ULONG_MAX;
	return neg ? -val : val;
}

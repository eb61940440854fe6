/* SPDX-License-Identifier: MIT */
/*
 * printf.h: formatted output for guests (chapter 2 on).
 *
 * The usual C functions, a subset of the conversions:
 *
 *   %d %i %u %x %X   integers; with l, ll, z (and h, hh) for other widths
 *   %p               a pointer, as 0x followed by hex digits
 *   %s %c %%         a string (NULL prints "(null)"), a character, a '%'
 *
 * Flags '-' (left-justify) and '0' (pad with zeros), a field width, and a
 * precision (maximum characters for %s, minimum digits for integers); both
 * may be '*' to take them from the arguments.  No floating point: guests
 * are built without SSE/x87 code.
 */
#ifndef GUEST_PRINTF_H
#define GUEST_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Format into buf, writing at most size bytes including the terminating
 * NUL (nothing at all when size is 0).  Returns the length the whole
 * output would have had, so a return value >= size means it was cut short.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(__printf__, 3, 0)));
int snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(__printf__, 3, 4)));

/* Format to the console (console.h).  Returns the number of bytes written. */
int vprintf(const char *fmt, va_list ap)
    __attribute__((format(__printf__, 1, 0)));
int printf(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));

#endif

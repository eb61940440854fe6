/* SPDX-License-Identifier: MIT */
/*
 * printf.c: formatted output for guests (chapter 2 on).
 *
 * One formatter, two destinations: a buffer (vsnprintf) or the console
 * (printf).  The formatter hands each output character to a small "sink"
 * so that printf needs no buffer and has no length limit.
 *
 * 32-bit guests have no 64-bit division: the compiler would call
 * __udivdi3 from libgcc, which guests do not link.  Decimal conversion
 * therefore divides by 10 with 32-bit divisions only (divmod10 below).
 */
#include <stdint.h>

#include "console.h"
#include "printf.h"

/* Where formatted characters go. */
struct sink {
	void (*put)(struct sink *s, char c);
	char *buf;   /* vsnprintf: the caller's buffer */
	size_t size; /* its size */
	size_t len;  /* characters produced so far (even if not stored) */
};

static void put_buffer(struct sink *s, char c)
{
	/* Keep the last byte for the NUL, as snprintf promises. */
	if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

static void put_console(struct sink *s, char c)
{
	console_putc(c);
	s->len++;
}

static void put_repeat(struct sink *s, char c, int n)
{
	while (n-- > 0)
		s->put(s, c);
}

/*
 * *n /= 10, returning the remainder, with 32-bit divisions only: schoolbook
 * long division of the number written in three "digits", one of 32 bits
 * and two of 16.  The remainder carried into each step is below 10, so
 * remainder * 65536 + 16-bit digit always fits in 32 bits.
 */
static unsigned int divmod10(uint64_t *n)
{
	uint32_t hi = (uint32_t)(*n >> 32), lo = (uint32_t)*n;
	uint32_t q_hi, q_mid, q_lo, cur, r;

	q_hi = hi / 10;
	r = hi % 10;
	cur = (r << 16) | (lo >> 16);
	q_mid = cur / 10;
	r = cur % 10;
	cur = (r << 16) | (lo & 0xffff);
	q_lo = cur / 10;
	r = cur % 10;
	*n = ((uint64_t)q_hi << 32) | (q_mid << 16) | q_lo;
	return r;
}

/* The parsed pieces of one conversion, such as %-08.3lx. */
struct spec {
	int left;  /* '-': pad on the right */
	int zero;  /* '0': pad numbers with zeros */
	int width; /* minimum field width */
	int prec;  /* precision, -1 if none */
};

/*
 * Write an integer: `neg` says whether to print a '-', `prefix` is "0x" or
 * "" (for %p).  Digits are produced least significant first into a small
 * buffer, then written in reverse.
 */
static void put_number(struct sink *s, uint64_t v, int neg, unsigned int base,
		       int upper, const char *prefix, const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24]; /* 2^64 - 1 has 20 decimal digits */
	int n = 0, nprefix = 0, zeros, pad;

	/* C: a precision of 0 prints nothing for the value 0. */
	if (v != 0 || sp->prec != 0) {
		do {
			if (base == 16) {
				tmp[n++] = digits[v & 0xf];
				v >>= 4;
			} else {
				tmp[n++] = digits[divmod10(&v)];
			}
		} while (v);
	}
	while (prefix[nprefix])
		nprefix++;

	zeros = sp->prec > n ? sp->prec - n : 0;
	pad = sp->width - (neg + nprefix + zeros + n);
	/* '0' pads between the sign or prefix and the digits. */
	if (sp->zero && !sp->left && sp->prec < 0 && pad > 0) {
		zeros += pad;
		pad = 0;
	}
	if (!sp->left)
		put_repeat(s, ' ', pad);
	if (neg)
		s->put(s, '-');
	while (*prefix)
		s->put(s, *prefix++);
	put_repeat(s, '0', zeros);
	while (n)
		s->put(s, tmp[--n]);
	if (sp->left)
		put_repeat(s, ' ', pad);
}

static void put_string(struct sink *s, const char *str, const struct spec *sp)
{
	int n = 0;

	if (!str)
		str = "(null)";
	/* Count at most prec characters: str need not be NUL-terminated. */
	while ((sp->prec < 0 || n < sp->prec) && str[n])
		n++;
	if (!sp->left)
		put_repeat(s, ' ', sp->width - n);
	for (int i = 0; i < n; i++)
		s->put(s, str[i]);
	if (sp->left)
		put_repeat(s, ' ', sp->width - n);
}

/* Length modifiers, widest last. */
enum length { LEN_HH, LEN_H, LEN_INT, LEN_L, LEN_LL, LEN_Z };

static uint64_t arg_unsigned(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:
		return va_arg(*ap, unsigned long);
	case LEN_LL:
		return va_arg(*ap, unsigned long long);
	case LEN_Z:
		return va_arg(*ap, size_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

static int64_t arg_signed(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_HH:
		return (signed char)va_arg(*ap, int);
	case LEN_H:
		return (short)va_arg(*ap, int);
	case LEN_L:
		return va_arg(*ap, long);
	case LEN_LL:
		return va_arg(*ap, long long);
	case LEN_Z:
		/* The signed type of size_t's width. */
		return (int64_t)(long)va_arg(*ap, size_t);
	default:
		return va_arg(*ap, int);
	}
}

/* Read a decimal number or '*' (an int argument). */
static int parse_count(const char **fmt, va_list *ap)
{
	int n = 0;

	if (**fmt == '*') {
		(*fmt)++;
		return va_arg(*ap, int);
	}
	while (**fmt >= '0' && **fmt <= '9')
		n = n * 10 + (*(*fmt)++ - '0');
	return n;
}

static void vformat(struct sink *s, const char *fmt, va_list ap_in)
{
	va_list ap;

	/* A copy, so helpers can take a pointer to it portably. */
	va_copy(ap, ap_in);
	for (; *fmt; fmt++) {
		struct spec sp = {0, 0, 0, -1};
		enum length len = LEN_INT;
		const char *start = fmt;
		uint64_t u;
		int64_t v;

		if (*fmt != '%') {
			s->put(s, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				sp.left = 1;
			else if (*fmt == '0')
				sp.zero = 1;
			else
				break;
		}
		sp.width = parse_count(&fmt, &ap);
		if (sp.width < 0) { /* C: a negative '*' width means '-' */
			sp.left = 1;
			sp.width = -sp.width;
		}
		if (*fmt == '.') {
			fmt++;
			sp.prec = parse_count(&fmt, &ap);
			if (sp.prec < 0)
				sp.prec = -1;
		}
		if (*fmt == 'h') {
			len = fmt[1] == 'h' ? LEN_HH : LEN_H;
			fmt += len == LEN_HH ? 2 : 1;
		} else if (*fmt == 'l') {
			len = fmt[1] == 'l' ? LEN_LL : LEN_L;
			fmt += len == LEN_LL ? 2 : 1;
		} else if (*fmt == 'z') {
			len = LEN_Z;
			fmt++;
		}

		switch (*fmt) {
		case 'd':
		case 'i':
			v = arg_signed(&ap, len);
			/* Negate as unsigned: -INT64_MIN does not fit in int64_t. */
			u = v < 0 ? -(uint64_t)v : (uint64_t)v;
			put_number(s, u, v < 0, 10, 0, "", &sp);
			break;
		case 'u':
			put_number(s, arg_unsigned(&ap, len), 0, 10, 0, "",
				   &sp);
			break;
		case 'x':
		case 'X':
			put_number(s, arg_unsigned(&ap, len), 0, 16,
				   *fmt == 'X', "", &sp);
			break;
		case 'p':
			u = (uintptr_t)va_arg(ap, void *);
			put_number(s, u, 0, 16, 0, "0x", &sp);
			break;
		case 's':
			put_string(s, va_arg(ap, const char *), &sp);
			break;
		case 'c':
			if (!sp.left)
				put_repeat(s, ' ', sp.width - 1);
			s->put(s, (char)va_arg(ap, int));
			if (sp.left)
				put_repeat(s, ' ', sp.width - 1);
			break;
		case '%':
			s->put(s, '%');
			break;
		default:
			/* Unknown or cut short: print it as written. */
			for (; start < fmt; start++)
				s->put(s, *start);
			if (!*fmt)
				goto out;
			s->put(s, *fmt);
			break;
		}
	}
out:
	va_end(ap);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = {put_buffer, buf, size, 0};

	vformat(&s, fmt, ap);
	if (size)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return (int)s.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int vprintf(const char *fmt, va_list ap)
{
	struct sink s = {put_console, NULL, 0, 0};

	vformat(&s, fmt, ap);
	return (int)s.len;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

/* SPDX-License-Identifier: MIT */
/*
 * decode: registers, segment attributes and exits in words (the register
 * viewer; see decode.h).
 *
 * A student learns a control register by watching its bits flip.  Showing
 * every named bit, set or clear, in a fixed order makes each register a
 * line that always has the same shape: only the case of a word changes,
 * which reads the same with or without colour.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "kvmlab/x86/decode.h"
#include "kvmlab/x86/regbits.h"

/* Append to buf, never past len, always terminated. */
static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*used >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used = *used + (size_t)n < len ? *used + (size_t)n : len - 1;
}

static uint64_t field_mask(const struct bit_field *f)
{
	return (f->width >= 64 ? ~0ull : (1ull << f->width) - 1) << f->bit;
}

const char *decode_bits(uint64_t value, const struct bit_field *fields,
			uint64_t quiet, uint64_t hide, char *buf, size_t len)
{
	uint64_t named = quiet;
	size_t used = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (const struct bit_field *f = fields; f->name; f++)
		if (!(field_mask(f) & hide))
			named |= field_mask(f);
	/* Unnamed set bits first: they are above or between the named ones
	 * and, being unexpected, deserve to be seen. */
	for (int bit = 63; bit >= 0; bit--)
		if ((value & ~named) & (1ull << bit))
			append(buf, len, &used, "%sBIT%d", used ? " " : "",
			       bit);
	for (const struct bit_field *f = fields; f->name; f++) {
		uint64_t v = (value & field_mask(f)) >> f->bit;
		const char *sep = used ? " " : "";

		if (field_mask(f) & hide)
			continue;
		/* Upper case when set; a number ("IOPL=3") shows its value. */
		append(buf, len, &used, "%s", sep);
		for (const char *c = f->name; *c; c++)
			append(buf, len, &used, "%c",
			       v ? *c : tolower((unsigned char)*c));
		if (f->width > 1)
			append(buf, len, &used, "=%" PRIu64, v);
	}
	return buf;
}

#define CR3_ADDR 0x7ffffffffffff000ull /* the table, bits 62:12 */

const char *decode_cr3(uint64_t cr3, uint64_t cr4, char *buf, size_t len)
{
	if (cr4 & CR4_PCIDE)
		return decode_bits(cr3, cr3_pcid_bits, CR3_ADDR, 0, buf, len);
	/* Bits 2:0 and 11:5 are ignored by the CPU: not news either. */
	return decode_bits(cr3, cr3_bits, CR3_ADDR | 0xfe7ull, 0, buf, len);
}

const char *decode_cr0(uint64_t cr0, char *buf, size_t len)
{
	return decode_bits(cr0, cr0_bits, 0, 0, buf, len);
}

const char *decode_cr4(uint64_t cr4, char *buf, size_t len)
{
	return decode_bits(cr4, cr4_bits, 0, 0, buf, len);
}

const char *decode_efer(uint64_t efer, char *buf, size_t len)
{
	/*
	 * AMD's own bits would lengthen every line on an Intel host: the
	 * line shows the bits both vendors have, and a set AMD bit as BITn.
	 */
	return decode_bits(efer, efer_bits, 0, EFER_AMD_ONLY, buf, len);
}

const char *decode_rflags(uint64_t rflags, char *buf, size_t len)
{
	/* Bit 1 is reserved and always 1: not news. */
	return decode_bits(rflags, rflags_bits, 1ull << 1, 0, buf, len);
}

const char *decode_segment(const struct kvm_segment *s, char *buf, size_t len)
{
	unsigned type = s->type & 0xf;
	bool code = type & 8;
	size_t used = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	if (s->unusable) {
		append(buf, len, &used, "unusable");
		return buf;
	}
	if (!s->s) {
		append(buf, len, &used, "sys %s", desc_types[0][type].brief);
	} else {
		append(buf, len, &used, "%s %s", desc_types[1][type].brief,
		       code && s->l ? "64-bit"
		       : s->db	    ? "32-bit"
				    : "16-bit");
	}
	append(buf, len, &used, " DPL%u %s%s%s", s->dpl,
	       s->present ? "present" : "not-present", s->g ? " 4K" : "",
	       s->avl ? " AVL" : "");
	return buf;
}

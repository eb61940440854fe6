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
			uint64_t quiet, char *buf, size_t len)
{
	uint64_t named = quiet;
	size_t used = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (const struct bit_field *f = fields; f->name; f++)
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

/* SDM Vol. 3A, 2.5, Figure 2-7: the control registers. */
static const struct bit_field cr0_fields[] = {
    {31, 1, "PG"}, {30, 1, "CD"}, {29, 1, "NW"}, {18, 1, "AM"},
    {16, 1, "WP"}, {5, 1, "NE"},  {4, 1, "ET"},	 {3, 1, "TS"},
    {2, 1, "EM"},  {1, 1, "MP"},  {0, 1, "PE"},	 {0, 0, NULL},
};

static const struct bit_field cr4_fields[] = {
    {24, 1, "PKS"},	{23, 1, "CET"},	       {22, 1, "PKE"},
    {21, 1, "SMAP"},	{20, 1, "SMEP"},       {19, 1, "KL"},
    {18, 1, "OSXSAVE"}, {17, 1, "PCIDE"},      {16, 1, "FSGSBASE"},
    {14, 1, "SMXE"},	{13, 1, "VMXE"},       {12, 1, "LA57"},
    {11, 1, "UMIP"},	{10, 1, "OSXMMEXCPT"}, {9, 1, "OSFXSR"},
    {8, 1, "PCE"},	{7, 1, "PGE"},	       {6, 1, "MCE"},
    {5, 1, "PAE"},	{4, 1, "PSE"},	       {3, 1, "DE"},
    {2, 1, "TSD"},	{1, 1, "PVI"},	       {0, 1, "VME"},
    {0, 0, NULL},
};

/* SDM Vol. 3A, 2.2.1, Figure 2-4: IA32_EFER. */
static const struct bit_field efer_fields[] = {
    {11, 1, "NXE"}, {10, 1, "LMA"}, {8, 1, "LME"}, {0, 1, "SCE"}, {0, 0, NULL},
};

/* SDM Vol. 1, 3.4.3, Figure 3-8: EFLAGS (RFLAGS in 64-bit mode). */
static const struct bit_field rflags_fields[] = {
    {21, 1, "ID"}, {20, 1, "VIP"}, {19, 1, "VIF"}, {18, 1, "AC"},
    {17, 1, "VM"}, {16, 1, "RF"},  {14, 1, "NT"},  {12, 2, "IOPL"},
    {11, 1, "OF"}, {10, 1, "DF"},  {9, 1, "IF"},   {8, 1, "TF"},
    {7, 1, "SF"},  {6, 1, "ZF"},   {4, 1, "AF"},   {2, 1, "PF"},
    {0, 1, "CF"},  {0, 0, NULL},
};

/* SDM Vol. 3A, 4.5: CR3 without and with CR4.PCIDE (bit 17). */
static const struct bit_field cr3_fields[] = {
    {4, 1, "PCD"},
    {3, 1, "PWT"},
    {0, 0, NULL},
};
static const struct bit_field cr3_pcid_fields[] = {
    {63, 1, "NOFLUSH"},
    {0, 12, "PCID"},
    {0, 0, NULL},
};
#define CR3_ADDR  0x7ffffffffffff000ull /* the table, bits 62:12 */
#define CR4_PCIDE (1ull << 17)

const char *decode_cr3(uint64_t cr3, uint64_t cr4, char *buf, size_t len)
{
	if (cr4 & CR4_PCIDE)
		return decode_bits(cr3, cr3_pcid_fields, CR3_ADDR, buf, len);
	/* Bits 2:0 and 11:5 are ignored by the CPU: not news either. */
	return decode_bits(cr3, cr3_fields, CR3_ADDR | 0xfe7ull, buf, len);
}

const char *decode_cr0(uint64_t cr0, char *buf, size_t len)
{
	return decode_bits(cr0, cr0_fields, 0, buf, len);
}

const char *decode_cr4(uint64_t cr4, char *buf, size_t len)
{
	return decode_bits(cr4, cr4_fields, 0, buf, len);
}

const char *decode_efer(uint64_t efer, char *buf, size_t len)
{
	return decode_bits(efer, efer_fields, 0, buf, len);
}

const char *decode_rflags(uint64_t rflags, char *buf, size_t len)
{
	/* Bit 1 is reserved and always 1: not news. */
	return decode_bits(rflags, rflags_fields, 1ull << 1, buf, len);
}

/* System-segment and gate types, S=0 (SDM Vol. 3A, 3.5, Table 3-2). */
static const char *const system_type[16] = {
    "reserved0",  "TSS16 avail", "LDT",	       "TSS16 busy",
    "callgate16", "task gate",	 "intgate16",  "trapgate16",
    "reserved8",  "TSS avail",	 "reserved10", "TSS busy",
    "call gate",  "reserved13",	 "int gate",   "trap gate",
};

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
		append(buf, len, &used, "sys %s", system_type[type]);
	} else {
		/* Type bits (3.4.5.1): code C R A, data E W A. */
		append(buf, len, &used, "%s %s%s%s", code ? "code" : "data",
		       code ? (type & 2 ? "exec/read" : "exec-only")
			    : (type & 2 ? "read/write" : "read-only"),
		       type & 4 ? (code ? " conforming" : " expand-down") : "",
		       type & 1 ? " acc" : "");
		append(buf, len, &used, " %s",
		       code && s->l ? "64-bit"
		       : s->db	    ? "32-bit"
				    : "16-bit");
	}
	append(buf, len, &used, " DPL%u %s%s%s", s->dpl,
	       s->present ? "present" : "not-present", s->g ? " 4K" : "",
	       s->avl ? " AVL" : "");
	return buf;
}

static char printable(uint64_t c)
{
	return c >= 0x20 && c < 0x7f ? (char)c : 0;
}

const char *decode_exit(const struct exit_info *e, char *buf, size_t len)
{
	size_t used = 0;
	char c;

	if (!len)
		return buf;
	buf[0] = '\0';
	switch (e->reason) {
	case KVM_EXIT_IO:
		append(buf, len, &used,
		       "%-3s port 0x%x size %u data 0x%" PRIx64,
		       e->out ? "out" : "in", e->port, e->size, e->data);
		c = e->size == 1 ? printable(e->data) : 0;
		if (c)
			append(buf, len, &used, " '%c'", c);
		if (e->count > 1)
			append(buf, len, &used, " count %u", e->count);
		break;
	case KVM_EXIT_MMIO:
		append(buf, len, &used,
		       "%s 0x%" PRIx64 " len %u data 0x%" PRIx64,
		       e->write ? "write" : "read", e->addr, e->len, e->data);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		append(buf, len, &used, "hardware reason 0x%" PRIx64 " (%s)",
		       e->code, fail_entry_name(e->code));
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		append(buf, len, &used, "suberror %" PRIu64 " (%s)", e->code,
		       internal_error_name((uint32_t)e->code));
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		append(buf, len, &used, "type %" PRIu64, e->code);
		break;
	default:
		break;
	}
	return buf;
}

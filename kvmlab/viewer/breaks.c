/* SPDX-License-Identifier: MIT */
/*
 * breaks: breakpoints, the exit filter and the CPU mode class (the
 * register viewer; see breaks.h).
 *
 * Kept apart from the code that drives KVM so that parsing what a student
 * types ("io 0x3f8", "mmio d0000000-d0000fff") is tested without a VM.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kvmlab/viewer/breaks.h"
#include "kvmlab/x86/modes.h"

int breaks_toggle(struct breaks *b, uint64_t addr)
{
	int slot = breaks_at(b, addr);

	if (slot >= 0) {
		b->bp_on[slot] = false;
		return 0;
	}
	for (slot = 0; slot < BREAK_BPS; slot++) {
		if (!b->bp_on[slot]) {
			b->bp[slot] = addr;
			b->bp_on[slot] = true;
			return slot + 1;
		}
	}
	return -ENOSPC;
}

int breaks_at(const struct breaks *b, uint64_t addr)
{
	for (int i = 0; i < BREAK_BPS; i++)
		if (b->bp_on[i] && b->bp[i] == addr)
			return i;
	return -1;
}

bool breaks_any(const struct breaks *b)
{
	for (int i = 0; i < BREAK_BPS; i++)
		if (b->bp_on[i])
			return true;
	return false;
}

const char *breaks_describe(const struct breaks *b,
			    const struct guest_image *img, char *buf,
			    size_t len)
{
	size_t used = 0;
	char f[64], name[96];

#define ADD(...)                                                               \
	do {                                                                   \
		int n_ = snprintf(buf + used, len - used, __VA_ARGS__);        \
		used += n_ > 0 && (size_t)n_ < len - used ? (size_t)n_         \
							  : len - used - 1;    \
	} while (0)
	if (!len)
		return buf;
	buf[0] = '\0';
	for (int i = 0; i < BREAK_BPS; i++)
		if (b->bp_on[i])
			ADD("%sbp%d %s", used ? "  " : "", i + 1,
			    image_addr_name(img, b->bp[i], name, sizeof(name)));
	if (b->filter.on)
		ADD("%sfilter %s", used ? "  " : "",
		    exit_filter_describe(&b->filter, f, sizeof(f)));
	if (b->on_mode)
		ADD("%smode-change", used ? "  " : "");
	if (!used)
		ADD("none");
#undef ADD
	return buf;
}

int parse_hex(const char *text, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!text)
		return -EINVAL;
	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
		text += 2;
	if (!isxdigit((unsigned char)*text))
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 16);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

/* The KVM_EXIT_* number whose name is `name`, any case; -1 if none. */
static int64_t reason_by_name(const char *name)
{
	for (uint32_t r = 0; r < 64; r++) {
		const char *n = exit_reason_name(r);

		if (strcasecmp(n, name) == 0 &&
		    (r == KVM_EXIT_UNKNOWN || strcmp(n, "UNKNOWN") != 0))
			return r;
	}
	return -1;
}

int exit_filter_parse(const char *text, struct exit_filter *f, char *err,
		      size_t errlen)
{
	struct exit_filter nf = {.on = true};
	char word[32] = "", range[64] = "", extra[8] = "";
	char *dash;
	int64_t reason;
	int n = sscanf(text, " %31s %63s %7s", word, range, extra);

	if (n <= 0) {
		*f = (struct exit_filter){0};
		return 0;
	}
	if (n == 3) {
		snprintf(err, errlen, "too many words: REASON [ADDR[-END]]");
		return -EINVAL;
	}
	if (strcasecmp(word, "any") == 0) {
		nf.reason = EXIT_ANY;
	} else if ((reason = reason_by_name(word)) >= 0) {
		nf.reason = (uint32_t)reason;
	} else {
		snprintf(err, errlen,
			 "unknown exit reason '%s' (IO, MMIO, HLT, SHUTDOWN, "
			 "any, ...)",
			 word);
		return -EINVAL;
	}
	if (n == 2) {
		dash = strchr(range, '-');
		if (dash)
			*dash++ = '\0';
		if (parse_hex(range, &nf.lo) ||
		    (dash ? parse_hex(dash, &nf.hi) : (nf.hi = nf.lo, 0)) ||
		    nf.hi < nf.lo) {
			snprintf(err, errlen,
				 "'%s' is not an address or a range such as "
				 "0x3f8 or 0xd0000000-0xd0000fff",
				 text);
			return -EINVAL;
		}
		nf.ranged = true;
	}
	*f = nf;
	return 0;
}

bool exit_filter_match(const struct exit_filter *f, const struct exit_info *e)
{
	uint64_t where;

	if (!f->on || (f->reason != EXIT_ANY && f->reason != e->reason))
		return false;
	if (!f->ranged)
		return true;
	/* A range means a port for IO and an address for MMIO; an exit
	 * with neither never matches a ranged filter. */
	if (e->reason == KVM_EXIT_IO)
		where = e->port;
	else if (e->reason == KVM_EXIT_MMIO)
		where = e->addr;
	else
		return false;
	return where >= f->lo && where <= f->hi;
}

const char *exit_filter_describe(const struct exit_filter *f, char *buf,
				 size_t len)
{
	const char *name =
	    f->reason == EXIT_ANY ? "any exit" : exit_reason_name(f->reason);

	if (!f->on)
		snprintf(buf, len, "off");
	else if (!f->ranged)
		snprintf(buf, len, "%s", name);
	else if (f->lo == f->hi)
		snprintf(buf, len, "%s 0x%" PRIx64, name, f->lo);
	else
		snprintf(buf, len, "%s 0x%" PRIx64 "-0x%" PRIx64, name, f->lo,
			 f->hi);
	return buf;
}

enum cpu_class cpu_class_of(const struct kvm_sregs *s)
{
	if (!(s->cr0 & CR0_PE))
		return CPU_REAL;
	return s->efer & EFER_LMA ? CPU_LONG : CPU_PROTECTED;
}

const char *cpu_class_name(enum cpu_class c)
{
	switch (c) {
	case CPU_REAL:
		return "real mode";
	case CPU_PROTECTED:
		return "protected mode";
	default:
		return "long mode";
	}
}

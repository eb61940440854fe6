/* SPDX-License-Identifier: MIT */
/*
 * breaks: what stops the register viewer's runs (chapter 1 on): up to four
 * breakpoints (reached by single steps, see stepper.h), an exit filter,
 * and a change of CPU mode.  Plain data and pure functions: stepper.c applies them to
 * a vCPU, the unit tests check them without KVM.
 */
#ifndef KVMLAB_BREAKS_H
#define KVMLAB_BREAKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "kvmlab/exits/exits.h"
#include "kvmlab/load/loader.h"

#define BREAK_BPS 4	      /* as many as debug registers: DR0-DR3 */
#define EXIT_ANY  0xffffffffu /* an exit filter matching every reason */

/* Break on exits of one reason, optionally in a port/address range. */
struct exit_filter {
	bool on;
	uint32_t reason; /* KVM_EXIT_*, or EXIT_ANY */
	bool ranged;
	uint64_t lo, hi; /* inclusive: a port for IO, an address for MMIO */
};

struct breaks {
	uint64_t bp[BREAK_BPS]; /* linear addresses (CS.base + RIP) */
	bool bp_on[BREAK_BPS];
	struct exit_filter filter;
	bool on_mode; /* stop when the CPU mode class changes */
};

/* real, protected or long mode: what "break on mode change" watches. */
enum cpu_class { CPU_REAL, CPU_PROTECTED, CPU_LONG };

/*
 * Set a breakpoint at `addr`, or clear it if one is there.  Returns the
 * slot number (1-4) set, 0 when cleared, -ENOSPC when all four are used.
 */
int breaks_toggle(struct breaks *b, uint64_t addr);
/* The slot (0-3) of an armed breakpoint at `addr`, or -1. */
int breaks_at(const struct breaks *b, uint64_t addr);
/* Any breakpoint armed? */
bool breaks_any(const struct breaks *b);
/*
 * What is armed, or "none":
 *   "bp1 0x100071 <page_fault>  filter IO 0x3f8  mode-change"
 * Breakpoints are named by `img`'s symbols when it has them (may be NULL).
 */
const char *breaks_describe(const struct breaks *b,
			    const struct guest_image *img, char *buf,
			    size_t len);

/*
 * Parse an exit filter: "" (off), "any", or a reason name of
 * exit_reason_name() in any case ("io", "MMIO", "hlt"), optionally
 * followed by a port or address, or an inclusive range, in hex with or
 * without 0x: "io 0x3f8", "io f4", "mmio 0xd0000000-0xd0000fff".
 * 0, or -EINVAL with `err` saying what is wrong (*f unchanged).
 */
int exit_filter_parse(const char *text, struct exit_filter *f, char *err,
		      size_t errlen);
bool exit_filter_match(const struct exit_filter *f, const struct exit_info *e);
/* "IO 0x3f8", "MMIO 0xd0000000-0xd0000fff", "any exit", "off". */
const char *exit_filter_describe(const struct exit_filter *f, char *buf,
				 size_t len);

/* The class from CR0.PE and EFER.LMA (SDM Vol. 3A, 2.2). */
enum cpu_class cpu_class_of(const struct kvm_sregs *s);
/* "real mode", "protected mode", "long mode" */
const char *cpu_class_name(enum cpu_class c);

/*
 * Parse a hexadecimal number, "0x" optional ("100071", "0x100071"), the
 * whole of `text`.  0, or -EINVAL.  Addresses in the viewer are all hex.
 */
int parse_hex(const char *text, uint64_t *out);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * regbits: the names of the bits of CR0, CR3, CR4, EFER and RFLAGS, and of
 * the descriptor types (chapters 2-3: control registers and descriptors).
 *
 * Chapter 2 turns on CR0.PE and loads segments from descriptors; chapter 3
 * adds CR4.PAE, EFER.LME/LMA and CR0.PG.  A student meets those names in
 * three places: the fault report (fault.c, through cpu_mode_describe()),
 * the mode printer (modes.c's sregs_print(), segment_print()) and the
 * register viewer (decode.c).  Each table is written once, here, and every
 * one of those decoders names bits from it: a name fixed here is fixed on
 * every screen, and no two screens can disagree on what a bit is called.
 * The tables hold names only; how a decoder lays them out (the set bits
 * only, or every bit in upper or lower case) is its own business.
 *
 * Bit positions: Intel SDM Vol. 3A, 2.5 (CR0, CR4), 4.5 (CR3), 2.2.1
 * (EFER, with AMD's own bits from the AMD APM Vol. 2, 3.1.7) and Vol. 1,
 * 3.4.3 (RFLAGS); descriptor types: Vol. 3A, 3.4.5.1 (Table 3-1) and 3.5
 * (Table 3-2).
 */
#ifndef KVMLAB_REGBITS_H
#define KVMLAB_REGBITS_H

#include <stdint.h>

/* The bits the VMM itself sets or tests (modes.c, fault.c, the viewer). */
#define CR0_PE	  (1u << 0)  /* protected mode */
#define CR0_ET	  (1u << 4)  /* extension type: always 1 since the 486 */
#define CR0_NE	  (1u << 5)  /* x87 errors as exceptions */
#define CR0_WP	  (1u << 16) /* read-only pages are read-only at CPL0 too */
#define CR0_PG	  (1u << 31) /* paging */
#define CR4_PAE	  (1u << 5)  /* 64-bit page-table entries */
#define CR4_PCIDE (1u << 17) /* CR3 bits 11:0 are a PCID */
#define EFER_LME  (1u << 8)  /* long mode enable */
#define EFER_LMA  (1u << 10) /* long mode active: the CPU sets it */

/* A bit field of a register: `width` bits from `bit`, named in upper case. */
struct bit_field {
	uint8_t bit, width;
	const char *name;
};

/*
 * One table per register, highest bit first, ended by a NULL name.  A
 * bit not in a table is reserved (or too new to be named here).
 */
extern const struct bit_field cr0_bits[];
extern const struct bit_field cr4_bits[];
extern const struct bit_field efer_bits[];
/*
 * EFER bits 15:12 (SVME, LMSLE, FFXSR, TCE) exist on AMD64 CPUs only
 * (AMD APM Vol. 2, 3.1.7); Intel's reserve them.
 */
#define EFER_AMD_ONLY 0xf000ull
extern const struct bit_field rflags_bits[];
/* CR3 (SDM Vol. 3A, 4.5): its flag bits, and its bits with CR4.PCIDE. */
extern const struct bit_field cr3_bits[];
extern const struct bit_field cr3_pcid_bits[];

/*
 * The name of a descriptor type, in two lengths:
 *   full   for reports (segment_print()): "code exec/read accessed",
 *          "TSS (16-bit, busy)", "interrupt gate"
 *   brief  for the viewer's one-line segment table: "code exec/read acc",
 *          "TSS16 busy", "int gate"
 * desc_types[S][type]: S is the descriptor's S bit (1 = code or data, 0 =
 * system segment or gate), type its 4-bit type field.
 */
struct desc_type {
	const char *full, *brief;
};

extern const struct desc_type desc_types[2][16];

#endif

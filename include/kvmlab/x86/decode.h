/* SPDX-License-Identifier: MIT */
/*
 * decode: registers and segment attributes in words, bit by bit
 * (the register viewer, usable from chapter 1).
 *
 * Every named bit of CR0, CR4, EFER and RFLAGS is shown, from the highest
 * down, in upper case when it is set and lower case when it is clear, so
 * a change reads as a change of case without colour:
 *   CR0 0x80010011 -> "PG cd nw am WP ne ET ts em mp PE"
 * Multi-bit fields (RFLAGS.IOPL) show their value: "iopl=0", "IOPL=3".
 * A set bit the table does not name shows as "BITn", so nothing set is
 * ever hidden.  The names and bit positions are regbits.h's tables, the
 * ones the rest of kvmlab prints too.
 *
 * These functions print nothing and keep no state: the viewer's panes,
 * its file dump and the unit tests all call them.
 */
#ifndef KVMLAB_DECODE_H
#define KVMLAB_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "kvmlab/x86/regbits.h"

/*
 * Decode `value` with `fields` (highest bit first, ended by a NULL name)
 * into `buf`, words separated by one space.  Bits in `quiet` (reserved
 * bits that always read 1, such as RFLAGS bit 1) are not reported as
 * unnamed.  Fields with a bit in `hide` are left out, as if the table did
 * not name them: a set one shows as BITn.  Returns `buf`; the text is cut
 * to fit `len`.
 */
const char *decode_bits(uint64_t value, const struct bit_field *fields,
			uint64_t quiet, uint64_t hide, char *buf, size_t len);

/* The registers the viewer decodes.  Each returns `buf`. */
const char *decode_cr0(uint64_t cr0, char *buf, size_t len);
const char *decode_cr4(uint64_t cr4, char *buf, size_t len);
const char *decode_efer(uint64_t efer, char *buf, size_t len);
const char *decode_rflags(uint64_t rflags, char *buf, size_t len);
/*
 * CR3 beside its table address: "pcd pwt" (bits 4 and 3), or "pcid=N"
 * when CR4.PCIDE makes bits 11:0 a process-context identifier (SDM Vol.
 * 3A, 4.5, Table 4-12 and 4-13).  Bit 63 with PCIDE: "NOFLUSH".
 */
const char *decode_cr3(uint64_t cr3, uint64_t cr4, char *buf, size_t len);

/*
 * A segment register's attributes on one short line, for a table that
 * already shows selector, base and limit (modes.c's segment_print() is
 * the long two-line form for reports):
 *   "code exec/read acc 64-bit DPL0 present 4K"
 *   "data read/write acc 16-bit DPL0 present"
 *   "sys TSS busy DPL0 present", "unusable"
 * 64-bit applies to code with L=1; 4K means the limit counts pages (G=1).
 */
const char *decode_segment(const struct kvm_segment *s, char *buf, size_t len);

#endif

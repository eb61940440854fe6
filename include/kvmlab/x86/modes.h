/* SPDX-License-Identifier: MIT */
/*
 * modes: real, 32-bit protected and long mode (chapters 2-3).
 *
 * Descriptor encoding follows the Intel SDM Vol. 3A, 3.4.5 (segment
 * descriptors).  The modes_* functions put a vCPU into a mode the way a
 * boot loader would leave it: flat segments from a GDT written into guest
 * memory at ABI_GDT_ADDR, and for long mode identity-mapped 4-level page
 * tables at ABI_PT_BASE.  They only compute register state and write guest
 * memory; the caller hands the result to KVM_SET_SREGS.
 */
#ifndef KVMLAB_MODES_H
#define KVMLAB_MODES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/kvm.h>

#include "kvmlab/base/memory.h"
/* CR0_PE, CR4_PAE, EFER_LMA, ...: the bits the modes below set. */
#include "kvmlab/x86/regbits.h"

/* Access byte (bits 40-47 of a descriptor) pieces. */
#define DESC_TYPE_DATA_RW  0x2 /* data, read/write */
#define DESC_TYPE_CODE_RX  0xa /* code, execute/read */
#define DESC_TYPE_ACCESSED 0x1
#define DESC_S		   0x10 /* code or data (not a system segment) */
#define DESC_DPL(n)	   (((n)&3) << 5)
#define DESC_P		   0x80 /* present */
/* Flags nibble (bits 52-55). */
#define DESC_AVL	   0x1
#define DESC_L		   0x2 /* 64-bit code segment */
#define DESC_DB		   0x4 /* 32-bit default operand size */
#define DESC_G		   0x8 /* limit counts 4 KiB pages */

/*
 * Encode a segment descriptor.  `limit` is the 20-bit raw limit field
 * (in pages when DESC_G is set; higher bits are dropped); `access` is the
 * access byte; `flags` the 4-bit flags nibble.
 */
uint64_t desc_encode(uint32_t base, uint32_t limit, uint8_t access,
		     uint8_t flags);
/*
 * Decode a descriptor into the KVM view of a segment (selector left 0).
 * The limit is expanded to bytes when G is set, as KVM expects; a
 * descriptor that is not present decodes as unusable.  Only the 8-byte
 * form: a 64-bit TSS or gate takes 16 bytes and is not handled here.
 */
void desc_decode(uint64_t desc, struct kvm_segment *seg);

/*
 * The GDT every chapter uses (abi/machine.h): null, flat 32-bit code
 * (0x08), flat data (0x10), 64-bit code (0x18), all DPL0.
 */
#define GDT_ENTRIES 4
void gdt_build(uint64_t gdt[GDT_ENTRIES]);

/*
 * The segment register a CPU would hold after loading `selector` from
 * `gdt` (GDT_ENTRIES entries).  Like the CPU, it sets the accessed bit in
 * the type (SDM Vol. 3A, 3.4.5.1), which VM entry also requires.  A null
 * selector, an LDT selector (TI=1) or an index past the table gives an
 * unusable segment.
 */
void segment_from_gdt(const uint64_t gdt[GDT_ENTRIES], uint16_t selector,
		      struct kvm_segment *seg);

/*
 * Describe the mode `s` puts the CPU in: "real mode", "protected mode,
 * 32-bit code, CPL0, paging off", "long mode, 64-bit code, CPL0, paging
 * on", "long mode, compatibility (32-bit) code, CPL3, paging on", or
 * "invalid: ..." for a combination the CPU cannot be in.  Derived from
 * CR0.PE/PG, CR4.PAE, EFER.LMA and CS (L, D/B, DPL).  Writes into `buf`
 * and returns it.  Virtual-8086 mode (RFLAGS.VM) is not in the sregs and
 * shows as protected mode.
 */
const char *cpu_mode_describe(const struct kvm_sregs *s, char *buf, size_t len);

/*
 * Set `s` (a KVM_GET_SREGS result) for each mode, changing only what the
 * mode needs.  TR becomes a busy 32-bit TSS at 0, whatever the KVM's
 * reset value (AMD-V's is a 16-bit one); LDTR is left as KVM set it; the
 * IDT is left alone (the guest loads its own).
 *
 * modes_real: every segment selector 0, base 0, limit 0xffff; CR0.PE and
 *   CR0.PG, EFER.LME and EFER.LMA cleared.  Writes no memory.
 * modes_protected: the GDT at ABI_GDT_ADDR, CS = 0x08, data = 0x10,
 *   CR0.PE set, paging and EFER.LME/LMA off.
 * modes_long: the GDT, identity page tables for all of guest RAM in
 *   [ABI_PT_BASE, ABI_PT_BASE + ABI_PT_SIZE), CR3 = the PML4, CR4.PAE,
 *   EFER.LME|LMA, CR0.PE|PG|WP, CS = 0x18, data = 0x10.
 *
 * 0; -EFAULT when guest RAM does not hold the GDT or the page-table
 * region; -ENOMEM when RAM is too large for the page-table region.  On
 * failure `s` is untouched and the reason has been reported.
 */
void modes_real(struct kvm_sregs *s);
int modes_protected(struct kvm_sregs *s, const struct guest_mem *mem);
int modes_long(struct kvm_sregs *s, const struct guest_mem *mem);

/*
 * The registers of each mode that are not segments, as KVM_SET_SREGS
 * takes them; modes_protected() and modes_long() call them after loading
 * the segment registers from the GDT.
 *
 * modes_protected_regs: GDTR = the GDT at ABI_GDT_ADDR, TR a busy 32-bit
 *   TSS, CR0.PE set and CR0.PG clear, EFER.LME and LMA clear.
 * modes_long_regs (after modes_protected_regs): CR3 = `cr3`, CR4.PAE,
 *   EFER.LME and LMA, CR0.PE, PG and WP.
 * Every other bit stays as it was (CR0.ET, EFER.SCE, ...).
 */
void modes_protected_regs(struct kvm_sregs *s);
void modes_long_regs(struct kvm_sregs *s, uint64_t cr3);

/*
 * Print a segment register as a student reads it, on two lines:
 *   "  cs  sel 0x0008  base 0x00000000  limit 0xffffffff  type 0xb"
 *   "      code exec/read accessed, 32-bit, DPL0, present, 4K granular"
 */
void segment_print(const char *name, const struct kvm_segment *seg, FILE *out);
/*
 * Print the mode line, every segment register, GDT, IDT, CR0, CR2, CR3,
 * CR4 and EFER (with the names of the bits that are set), within 80
 * columns, so a diff before and after a mode switch reads well.
 */
void sregs_print(const struct kvm_sregs *s, FILE *out);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * modes: segment descriptors, the GDT, and the register state of real,
 * 32-bit protected and long mode (chapters 2-3).
 *
 * Chapter 2's guest switches itself to protected mode with LGDT, CR0.PE
 * and a far jump.  The VMM can reach the same state without running a
 * single guest instruction: write a GDT into guest memory and set the
 * segment registers' hidden parts (base, limit, attributes) directly with
 * KVM_SET_SREGS.  This file does that, and decodes the state back into
 * words, so students can compare the two ways.  Chapter 3 adds long mode,
 * which needs page tables (paging.c) before the CPU will enter it.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/x86/modes.h"
#include "kvmlab/x86/paging.h"
#include "kvmlab/x86/regbits.h"
#include "labs/exercise.h"

#define MAX_COLS 80

/*
 * A descriptor scatters its fields for backward compatibility with the
 * 80286 (SDM Vol. 3A, 3.4.5, Figure 3-8): limit 15:0 in bits 15:0, base
 * 23:0 in bits 39:16, the access byte in 47:40, limit 19:16 in 51:48, the
 * flags in 55:52 and base 31:24 in 63:56.
 */
uint64_t desc_encode(uint32_t base, uint32_t limit, uint8_t access,
		     uint8_t flags)
{
	/* EXERCISE ch02-desc-encode: pack a segment descriptor */
#ifndef KVMLAB_STUBS
	uint64_t d = 0;

	d |= limit & 0xffff;
	d |= (uint64_t)(base & 0xffffff) << 16;
	d |= (uint64_t)access << 40;
	d |= (uint64_t)((limit >> 16) & 0xf) << 48;
	d |= (uint64_t)(flags & 0xf) << 52;
	d |= (uint64_t)(base >> 24) << 56;
	return d;
#else
	(void)base;
	(void)limit;
	(void)access;
	(void)flags;
	exercise_todo("ch02-desc-encode",
		      "exercises/02-protected-mode/README.md");
#endif /* END EXERCISE ch02-desc-encode */
}

void desc_decode(uint64_t desc, struct kvm_segment *seg)
{
	/* EXERCISE ch02-load-segment: unpack a descriptor as KVM wants it */
#ifndef KVMLAB_STUBS
	uint32_t limit = (desc & 0xffff) | ((desc >> 32) & 0xf0000);
	uint8_t access = desc >> 40;
	uint8_t flags = (desc >> 52) & 0xf;

	memset(seg, 0, sizeof(*seg));
	seg->base = ((desc >> 16) & 0xffffff) | ((desc >> 32) & 0xff000000);
	seg->type = access & 0xf;
	seg->s = !!(access & DESC_S);
	seg->dpl = (access >> 5) & 3;
	seg->present = !!(access & DESC_P);
	seg->avl = !!(flags & DESC_AVL);
	seg->l = !!(flags & DESC_L);
	seg->db = !!(flags & DESC_DB);
	seg->g = !!(flags & DESC_G);
	/*
	 * With G set the limit counts 4 KiB units and the low 12 bits of an
	 * offset are not checked (3.4.5): 0xfffff pages reach 0xffffffff.
	 * KVM, like the VMCS, wants the limit in bytes.
	 */
	seg->limit = seg->g ? (limit << 12) | 0xfff : limit;
	/* Loading a descriptor that is not present faults (#NP), so a
	 * segment register never holds one: KVM calls that unusable. */
	seg->unusable = !seg->present;
#else
	(void)desc;
	(void)seg;
	exercise_todo("ch02-load-segment",
		      "exercises/02-protected-mode/README.md");
#endif /* END EXERCISE ch02-load-segment */
}

void gdt_build(uint64_t gdt[GDT_ENTRIES])
{
	/* Flat: base 0, limit 0xfffff pages = 4 GiB, present, DPL0. */
	const uint8_t code = DESC_P | DESC_S | DESC_DPL(0) | DESC_TYPE_CODE_RX;
	const uint8_t data = DESC_P | DESC_S | DESC_DPL(0) | DESC_TYPE_DATA_RW;

	/* Entry 0 is never used: a null selector means "no segment". */
	gdt[ABI_SEL_NULL >> 3] = 0;
	gdt[ABI_SEL_CODE32 >> 3] =
	    desc_encode(0, 0xfffff, code, DESC_G | DESC_DB);
	gdt[ABI_SEL_DATA >> 3] =
	    desc_encode(0, 0xfffff, data, DESC_G | DESC_DB);
	/* In 64-bit code L=1 and D must be 0 (3.4.5); base and limit are
	 * ignored, but the flat values keep the entry readable. */
	gdt[ABI_SEL_CODE64 >> 3] =
	    desc_encode(0, 0xfffff, code, DESC_G | DESC_L);
}

void segment_from_gdt(const uint64_t gdt[GDT_ENTRIES], uint16_t selector,
		      struct kvm_segment *seg)
{
	/* EXERCISE ch02-load-segment: load a selector from the GDT */
#ifndef KVMLAB_STUBS
	unsigned index = selector >> 3;

	/* Bits 1:0 are the RPL, bit 2 picks the LDT (3.4.2). */
	if (index == 0 || (selector & 4) || index >= GDT_ENTRIES) {
		memset(seg, 0, sizeof(*seg));
		seg->selector = selector;
		seg->unusable = 1;
		return;
	}
	desc_decode(gdt[index], seg);
	seg->selector = selector;
	/*
	 * The CPU sets the accessed bit when it loads a code or data segment
	 * (3.4.5.1), and VM entry refuses a usable CS, SS or data segment
	 * without it (SDM Vol. 3C, "Checks on Guest Segment Registers").
	 */
	if (seg->s && seg->present)
		seg->type |= DESC_TYPE_ACCESSED;
#else
	(void)gdt;
	(void)selector;
	(void)seg;
	exercise_todo("ch02-load-segment",
		      "exercises/02-protected-mode/README.md");
#endif /* END EXERCISE ch02-load-segment */
}

/*
 * The CPL is the DPL of CS, except in a conforming code segment, which
 * runs at the caller's privilege; SS.DPL always equals the CPL (SDM Vol.
 * 3A, 5.5).  KVM itself reads the CPL from SS.DPL.
 */
static unsigned cpl_of(const struct kvm_sregs *s)
{
	bool conforming = s->cs.s && (s->cs.type & 0xc) == 0xc;

	return conforming ? s->ss.dpl : s->cs.dpl;
}

const char *cpu_mode_describe(const struct kvm_sregs *s, char *buf, size_t len)
{
	bool pe = s->cr0 & CR0_PE, pg = s->cr0 & CR0_PG;
	bool lma = s->efer & EFER_LMA;
	int bits = s->cs.db ? 32 : 16;
	unsigned cpl = cpl_of(s);

	/* SDM Vol. 3A, 2.2 (Figure 2-3) and 9.8.5 name the transitions. */
	if (!pe && pg)
		snprintf(buf, len, "invalid: CR0.PG set without CR0.PE");
	else if (!pe)
		snprintf(buf, len, "real mode");
	else if (lma && !pg)
		snprintf(buf, len, "invalid: EFER.LMA set with paging off");
	else if (lma && s->cs.l && s->cs.db)
		snprintf(buf, len, "invalid: CS has both L and D set");
	else if (lma && s->cs.l)
		snprintf(buf, len, "long mode, 64-bit code, CPL%u, paging on",
			 cpl);
	else if (lma)
		snprintf(buf, len,
			 "long mode, compatibility (%d-bit) code, CPL%u, "
			 "paging on",
			 bits, cpl);
	else
		snprintf(buf, len, "protected mode, %d-bit code, CPL%u, %s",
			 bits, cpl,
			 !pg		      ? "paging off"
			 : (s->cr4 & CR4_PAE) ? "PAE paging on"
					      : "paging on");
	return buf;
}

/*
 * Real-mode segments as KVM wants them: base = selector * 16, a 64 KiB
 * limit, present, code or data, accessed (SDM Vol. 3A, "Real-Address Mode
 * Operation"; KVM's own reset state uses the same attributes).
 */
static void real_segment(struct kvm_segment *seg, uint8_t type)
{
	memset(seg, 0, sizeof(*seg));
	seg->limit = 0xffff;
	seg->type = type;
	seg->present = 1;
	seg->s = 1;
}

/*
 * TR as every kvmlab guest starts with it: selector 0, a busy 32-bit TSS
 * (type 11) at 0.  KVM's reset value depends on the KVM (VT-x and kvm-pvm
 * reset to a busy 32-bit TSS, AMD-V to a busy 16-bit one); the guests
 * never switch tasks, and one value keeps what a student sees (chapter
 * 2's segment dump, the viewer) the same everywhere.  Type 11 is also the
 * one VT-x accepts in long mode (SDM Vol. 3C, 27.3.1.2).
 */
static void reset_tr(struct kvm_segment *tr)
{
	memset(tr, 0, sizeof(*tr));
	tr->limit = 0xffff;
	tr->type = 11;
	tr->present = 1;
}

void modes_real(struct kvm_sregs *s)
{
	real_segment(&s->cs, DESC_TYPE_CODE_RX | DESC_TYPE_ACCESSED);
	real_segment(&s->ds, DESC_TYPE_DATA_RW | DESC_TYPE_ACCESSED);
	s->es = s->fs = s->gs = s->ss = s->ds;
	reset_tr(&s->tr);
	s->cr0 &= ~(uint64_t)(CR0_PE | CR0_PG);
	/* LMA follows PG; LME off so a later CR0.PG means 32-bit paging. */
	s->efer &= ~(uint64_t)(EFER_LME | EFER_LMA);
}

/*
 * Write the GDT into guest memory.  The VMM runs on x86-64, so the host's
 * byte order is the guest's and the array can be copied as it is.
 */
static int gdt_write(const struct guest_mem *mem, uint64_t gdt[GDT_ENTRIES])
{
	gdt_build(gdt);
	if (guest_write(mem, ABI_GDT_ADDR, gdt, GDT_ENTRIES * sizeof(*gdt))) {
		error("modes: guest RAM (0x%llx bytes) cannot hold the GDT at "
		      "0x%x-0x%zx",
		      (unsigned long long)mem->size, ABI_GDT_ADDR,
		      ABI_GDT_ADDR + GDT_ENTRIES * sizeof(*gdt) - 1);
		return -EFAULT;
	}
	return 0;
}

/* The segment registers from the GDT: code, then data in all five. */
static void gdt_load(struct kvm_sregs *s, const uint64_t gdt[GDT_ENTRIES],
		     uint16_t code_sel)
{
	segment_from_gdt(gdt, code_sel, &s->cs);
	segment_from_gdt(gdt, ABI_SEL_DATA, &s->ds);
	s->es = s->fs = s->gs = s->ss = s->ds;
}

void modes_protected_regs(struct kvm_sregs *s)
{
	/* EXERCISE ch02-protected-sregs: GDTR, TR, CR0 and EFER for KVM */
#ifndef KVMLAB_STUBS
	/* GDTR holds the linear base and the limit, the table's size - 1. */
	s->gdt.base = ABI_GDT_ADDR;
	s->gdt.limit = GDT_ENTRIES * sizeof(uint64_t) - 1;
	reset_tr(&s->tr);
	/*
	 * PE is the whole switch (SDM Vol. 3A, 9.9.1); ET (always 1 since
	 * the 486) and the cache bits stay as KVM's reset left them.
	 */
	s->cr0 = (s->cr0 | CR0_PE) & ~(uint64_t)CR0_PG;
	s->efer &= ~(uint64_t)(EFER_LME | EFER_LMA);
#else
	(void)s;
	exercise_todo("ch02-protected-sregs",
		      "exercises/02-protected-mode/README.md");
#endif /* END EXERCISE ch02-protected-sregs */
}

int modes_protected(struct kvm_sregs *s, const struct guest_mem *mem)
{
	uint64_t gdt[GDT_ENTRIES];
	int err;

	err = gdt_write(mem, gdt);
	if (err)
		return err;
	gdt_load(s, gdt, ABI_SEL_CODE32);
	modes_protected_regs(s);
	return 0;
}

void modes_long_regs(struct kvm_sregs *s, uint64_t cr3)
{
	/* EXERCISE ch03-long-mode-cpu: CR3, CR4, EFER and CR0 for KVM */
#ifndef KVMLAB_STUBS
	/*
	 * The order a guest must follow (SDM Vol. 3A, 9.8.5): PAE, then
	 * EFER.LME, then CR0.PG, at which point the CPU sets EFER.LMA.
	 * KVM_SET_SREGS takes the end state at once, and checks that LMA
	 * matches LME and PG.
	 */
	s->cr3 = cr3;
	s->cr4 |= CR4_PAE;
	s->efer |= EFER_LME | EFER_LMA;
	/*
	 * WP makes read-only pages read-only for CPL0 too (4.6.1).  Without
	 * it a kernel write to a read-only page silently succeeds, which is
	 * not what chapter 3's page-fault demo wants to teach; every modern
	 * kernel sets it.
	 */
	s->cr0 |= CR0_PE | CR0_PG | CR0_WP;
#else
	(void)s;
	(void)cr3;
	exercise_todo("ch03-long-mode-cpu", "exercises/03-long-mode/README.md");
#endif /* END EXERCISE ch03-long-mode-cpu */
}

int modes_long(struct kvm_sregs *s, const struct guest_mem *mem)
{
	struct pt_alloc alloc = {ABI_PT_BASE, ABI_PT_BASE + ABI_PT_SIZE};
	uint64_t gdt[GDT_ENTRIES], cr3;
	int err;

	/* Check the whole table region first: fail before writing anything. */
	if (!gpa_to_host(mem, ABI_PT_BASE, ABI_PT_SIZE)) {
		error("modes: guest RAM (0x%llx bytes) cannot hold the page "
		      "tables at 0x%x-0x%x",
		      (unsigned long long)mem->size, ABI_PT_BASE,
		      ABI_PT_BASE + ABI_PT_SIZE - 1);
		return -EFAULT;
	}
	err = gdt_write(mem, gdt);
	if (err)
		return err;
	err = pt_identity(mem, &alloc, &cr3);
	if (err) {
		error("modes: cannot identity-map 0x%llx bytes of RAM with "
		      "page tables in 0x%x-0x%x: %s",
		      (unsigned long long)mem->size, ABI_PT_BASE,
		      ABI_PT_BASE + ABI_PT_SIZE - 1, strerror(-err));
		return err;
	}
	gdt_load(s, gdt, ABI_SEL_CODE64);
	/* Protected mode's GDTR and TR, then what long mode adds. */
	modes_protected_regs(s);
	modes_long_regs(s, cr3);
	return 0;
}

/*
 * Print `text`, made of parts joined by `sep`, from column `col`, breaking
 * between parts so that no line passes MAX_COLS.  The separator's
 * punctuation ends the broken line; the next line starts at `indent`.
 */
static void print_wrapped(FILE *out, int col, int indent, const char *text,
			  const char *sep)
{
	size_t seplen = strlen(sep), punct = strcspn(sep, " ");
	bool first = true;

	while (*text) {
		const char *next = strstr(text, sep);
		int n = next ? (int)(next - text) : (int)strlen(text);

		if (!first && col + (int)seplen + n > MAX_COLS) {
			fprintf(out, "%.*s\n%*s", (int)punct, sep, indent, "");
			col = indent;
		} else if (!first) {
			col += fprintf(out, "%s", sep);
		}
		col += fprintf(out, "%.*s", n, text);
		first = false;
		text = next ? next + seplen : text + n;
	}
	fputc('\n', out);
}

/* "code exec/read accessed, 32-bit, DPL0, present, 4K granular" */
static void segment_describe(const struct kvm_segment *seg, char *buf,
			     size_t len)
{
	unsigned type = seg->type & 0xf;
	const char *size;

	if (seg->unusable) {
		snprintf(buf, len, "unusable (null selector or not loaded)");
		return;
	}
	if (!seg->s) {
		snprintf(buf, len, "%s, DPL%u, %s, %s",
			 desc_types[0][type].full, seg->dpl,
			 seg->present ? "present" : "not present",
			 seg->g ? "4K granular" : "byte granular");
		return;
	}
	/* D/B: default operand size for code, stack/bound size for data. */
	size = (type & 8) && seg->l ? "64-bit" : seg->db ? "32-bit" : "16-bit";
	snprintf(buf, len, "%s, %s, DPL%u, %s, %s%s", desc_types[1][type].full,
		 size, seg->dpl, seg->present ? "present" : "not present",
		 seg->g ? "4K granular" : "byte granular",
		 seg->avl ? ", AVL" : "");
}

void segment_print(const char *name, const struct kvm_segment *seg, FILE *out)
{
	char desc[160];

	fprintf(out,
		"  %-3s sel 0x%04x  base 0x%08llx  limit 0x%08x  type 0x%x\n",
		name, seg->selector, (unsigned long long)seg->base, seg->limit,
		seg->type);
	segment_describe(seg, desc, sizeof(desc));
	fprintf(out, "      ");
	print_wrapped(out, 6, 6, desc, ", ");
}

/*
 * "  cr0  0x80010011 [PE ET WP PG]": the register, then the names of the
 * bits that are set (bitN for one this table does not know).
 */
static void reg_print(FILE *out, const char *name, uint64_t value,
		      const struct bit_field *names)
{
	char text[256];
	size_t used = 0;
	unsigned bit;
	int col;

	for (bit = 0; bit < 64; bit++) {
		const struct bit_field *n;
		char unknown[8];
		const char *label = NULL;

		if (!(value & (1ull << bit)))
			continue;
		for (n = names; n->name; n++)
			if (n->bit == bit)
				label = n->name;
		if (!label) {
			snprintf(unknown, sizeof(unknown), "bit%u", bit);
			label = unknown;
		}
		used += snprintf(text + used, sizeof(text) - used, "%s%s",
				 used ? " " : "[", label);
		if (used >= sizeof(text) - 1)
			break;
	}
	if (used && used < sizeof(text) - 1)
		snprintf(text + used, sizeof(text) - used, "]");
	col = fprintf(out, "  %-4s 0x%08llx%s", name, (unsigned long long)value,
		      used ? " " : "");
	print_wrapped(out, col, 7, used ? text : "", " ");
}

void sregs_print(const struct kvm_sregs *s, FILE *out)
{
	char mode[96];

	fprintf(out, "  mode %s\n", cpu_mode_describe(s, mode, sizeof(mode)));
	segment_print("cs", &s->cs, out);
	segment_print("ds", &s->ds, out);
	segment_print("es", &s->es, out);
	segment_print("fs", &s->fs, out);
	segment_print("gs", &s->gs, out);
	segment_print("ss", &s->ss, out);
	segment_print("tr", &s->tr, out);
	segment_print("ldt", &s->ldt, out);
	fprintf(out, "  gdt  base 0x%08llx  limit 0x%04x\n",
		(unsigned long long)s->gdt.base, s->gdt.limit);
	fprintf(out, "  idt  base 0x%08llx  limit 0x%04x\n",
		(unsigned long long)s->idt.base, s->idt.limit);
	reg_print(out, "cr0", s->cr0, cr0_bits);
	fprintf(out, "  cr2  0x%08llx  cr3 0x%08llx\n",
		(unsigned long long)s->cr2, (unsigned long long)s->cr3);
	reg_print(out, "cr4", s->cr4, cr4_bits);
	reg_print(out, "efer", s->efer, efer_bits);
}

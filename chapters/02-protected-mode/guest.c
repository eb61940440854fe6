/* SPDX-License-Identifier: MIT */
/*
 * guest.c: chapter 2's guest, C in 32-bit protected mode.
 *
 * guest/boot/realmode.S brings the CPU here from real mode by itself (a
 * GDT, CR0.PE, a far jump), or the VMM does it with KVM_SET_SREGS and
 * starts at start32 (`--direct`).  Either way the CPU ends in the same
 * state; this program prints that state so the two runs can be compared:
 * the segment selectors, CR0, and where the GDT is.
 */
#include "cpu.h"
#include "printf.h"

/* Set to 1 by realmode.S when the guest switched modes itself. */
extern int boot_path;

int guest_main(void)
{
	struct desc_ptr gdtr;
	unsigned long cr0 = read_cr0();

	printf("Hello from 32-bit protected mode!\n");
	if (boot_path == 1)
		printf("entered: the guest switched itself from real mode "
		       "(GDT, CR0.PE, far jump)\n");
	else
		printf("entered: the VMM set protected mode with "
		       "KVM_SET_SREGS\n");

	/* A selector is a GDT offset: 0x08 = entry 1, 0x10 = entry 2. */
	printf("segments: CS=0x%04x DS=0x%04x SS=0x%04x\n", read_cs(),
	       read_ds(), read_ss());

	printf("CR0=0x%08lx: PE=%d (protected mode %s), PG=%d (paging %s)\n",
	       cr0, !!(cr0 & CR0_PE), cr0 & CR0_PE ? "on" : "off",
	       !!(cr0 & CR0_PG), cr0 & CR0_PG ? "on" : "off");

	/* GDTR: where the CPU looks up every selector loaded from now on. */
	sgdt(&gdtr);
	printf("GDTR: base 0x%08lx limit 0x%04x (%u descriptors)\n", gdtr.base,
	       gdtr.limit, (gdtr.limit + 1) / 8);
	return 0;
}

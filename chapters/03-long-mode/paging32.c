/* SPDX-License-Identifier: MIT */
/*
 * paging32.c: chapter 3's contrast, paging in 32-bit protected mode.
 *
 * Before long mode there was 32-bit paging: a page directory of 1024
 * 4-byte entries, each mapping 4 MiB (with CR4.PSE) or pointing to a page
 * table.  This guest builds the smallest such map and turns paging on.
 *
 * The VMM starts it at start32 (guest/boot/realmode.S) in protected mode.
 * On real hardware it prints three lines.  On a software KVM that can run
 * paging only in long mode, the VM shuts down right after the second line,
 * at the instruction that sets CR0.PG, and the VMM explains why.
 */
#include <stdint.h>

#include "cpu.h"
#include "printf.h"

/* 32-bit page-directory entry bits (SDM Vol. 3A, 4.3). */
#define PDE_P  (1u << 0) /* present */
#define PDE_W  (1u << 1) /* writable */
#define PDE_PS (1u << 7) /* maps a 4 MiB page (needs CR4.PSE) */

/* CR3 holds its physical address, whose low 12 bits must be zero. */
static uint32_t page_dir[1024] __attribute__((aligned(4096)));

int guest_main(void)
{
	printf("32-bit paging: building a page directory (4 MiB pages "
	       "identity-mapping the first 4 MiB)\n");
	/*
	 * Entry 0 covers virtual 0-4 MiB, mapped to physical 0: this code,
	 * its data and its stack keep their addresses when paging starts.
	 */
	page_dir[0] = 0 | PDE_PS | PDE_W | PDE_P;

	/* PSE allows the 4 MiB pages; PAE would select another format. */
	write_cr4((read_cr4() & ~CR4_PAE) | CR4_PSE);
	write_cr3((unsigned long)page_dir);

	printf("32-bit paging: setting CR0.PG\n");
	write_cr0(read_cr0() | CR0_PG);

	printf("32-bit paging: on, CR0=0x%08lx\n", read_cr0());
	return 0;
}

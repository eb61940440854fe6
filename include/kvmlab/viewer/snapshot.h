/* SPDX-License-Identifier: MIT */
/*
 * snapshot: everything the register viewer shows, copied out of the vCPU
 * into one plain struct (chapter 1 on).
 *
 * The panes render from a snapshot and nothing else: no ioctl, no clock,
 * no pointer into the VMM.  So one snapshot always gives the same screen,
 * the headless mode and the terminal show the same thing, and the unit
 * tests render made-up snapshots without KVM.  Two snapshots, this stop's
 * and the last one's, are what marks changed registers with '*'.
 */
#ifndef KVMLAB_SNAPSHOT_H
#define KVMLAB_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "kvmlab/exits/exits.h"
#include "kvmlab/exits/stats.h"
#include "kvmlab/load/loader.h"
#include "kvmlab/viewer/stepper.h"

#define SNAP_EXITS   128  /* the most exit-log lines any screen shows */
#define SNAP_MEM     256  /* bytes of the memory view */
#define SNAP_WALK    8	  /* lines of a page walk */
#define SNAP_CONSOLE 4096 /* the tail of what the guest printed */

struct snap_exit {
	struct exit_info e;
	char where[64]; /* "0x1008 <next+1>" */
};

/* An interrupt taken during a step, for the exit log (chapter 6 on). */
struct snap_irq {
	struct irq_taken t;
	uint64_t n;	  /* 1 for the first the stepper saw */
	char where[64];	  /* "0x100b37 <uart_irq_getc+28>" */
	char handler[64]; /* "0x101b81 <isr32>", or "" if unreadable */
};

struct snapshot {
	bool regs_ok; /* KVM_GET_REGS/SREGS worked */
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	char mode[96];	   /* "long mode, 64-bit code, CPL0, paging on" */
	char rip_name[96]; /* "0x100071 <page_fault>" */
	uint8_t code[8];   /* the bytes at CS:RIP */
	unsigned ncode;

	/* What the last command did, and the counters of the title bar. */
	enum stop_why why;
	char why_text[256];
	bool ended;
	int status; /* when ended: the chapter binary's exit status */
	uint64_t steps, exits, run_ns;
	char breaks[192]; /* breaks_describe() */

	struct snap_exit exit[SNAP_EXITS]; /* oldest first */
	unsigned nexits;
	struct stats stats;

	/* Chapter 6 on, with an in-kernel irqchip (irq_on; else nothing of
	 * this is shown): the PICs and the vCPU's events, and the
	 * interrupts single steps took, oldest first, of nirqs in all. */
	bool irq_on;
	struct irq_state irq;
	struct snap_irq irqs[STEP_IRQS]; /* as many as the stepper keeps */
	unsigned nshown;
	uint64_t nirqs;

	/* The memory view: a guest-physical or a guest-virtual address. */
	bool mem_on, mem_virtual, mem_mapped;
	uint64_t mem_addr, mem_pa;
	uint8_t mem[SNAP_MEM];
	unsigned mem_len;
	char walk[SNAP_WALK][100]; /* pt_walk_print(), for virtual ones */
	unsigned nwalk;

	char console[SNAP_CONSOLE]; /* the last bytes the guest printed */
	size_t console_len;
};

/* Where a snapshot comes from. */
struct snap_source {
	struct stepper *st;
	bool mem_on, mem_virtual;
	uint64_t mem_addr;
	int console_fd; /* the captured guest console, or -1 */
};

/* Fill `s` from the stepper's vCPU and logs.  Never fails: what cannot be
 * read is marked (regs_ok false, mem_len 0). */
void snapshot_take(struct snapshot *s, const struct snap_source *src);

#endif

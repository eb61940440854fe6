/* SPDX-License-Identifier: MIT */
/*
 * The guest<->VMM contract: one machine layout for every chapter.
 *
 * Both sides include this header: the VMM (C, 64-bit) and the guests
 * (C and assembly, 16-, 32- and 64-bit).  Later chapters add devices
 * without moving anything that is already here.  Every number has a comment
 * saying why it is where it is.
 */
#ifndef ABI_MACHINE_H
#define ABI_MACHINE_H

/* ---- Guest-physical memory map ------------------------------------- */

/* Guest RAM starts at guest-physical 0; the default size (--mem). */
#define ABI_RAM_DEFAULT 0x200000 /* 2 MiB */
#define ABI_RAM_MIN                                                            \
	0x200000 /* ELF guests live at 1 MiB and need room above it */
#define ABI_RAM_MAX 0x40000000 /* 1 GiB: keep clear of the MMIO hole */

/* Real-mode IVT (0x0-0x3ff) and BIOS data area (0x400-0x4ff) stay untouched. */

/* GDT the VMM writes when it enters protected or long mode itself. */
#define ABI_GDT_ADDR   0x0800
/* Real-mode stack top set by the VMM: grows down from just below the image. */
#define ABI_REAL_STACK 0x1000
/* Flat real-mode images load here and start at CS:IP = 0000:1000. */
#define ABI_REAL_LOAD  0x1000
/* Page tables the VMM builds for long mode (chapter 3): 64 KiB of frames. */
#define ABI_PT_BASE    0x10000
#define ABI_PT_SIZE    0x10000
/* Flat 64-bit images and ELF guests are linked at 1 MiB. */
#define ABI_ELF_BASE   0x100000

/* GDT selectors, identical whether the VMM or the guest built the GDT. */
#define ABI_SEL_NULL   0x00
#define ABI_SEL_CODE32 0x08 /* flat 4 GiB, 32-bit code, DPL0 */
#define ABI_SEL_DATA   0x10 /* flat 4 GiB, data, DPL0 */
#define ABI_SEL_CODE64 0x18 /* 64-bit code (L=1), DPL0 */

/*
 * Chapter 3: the virtual address the guest touches without a mapping.
 * 1 GiB lies outside the identity map of RAM, so the first access raises
 * #PF and the guest's handler maps it (a non-identity mapping, so
 * KVM_TRANSLATE and the VMM's own walk have something real to agree on).
 */
#define ABI_DEMO_FAULT_VA 0x40000000

/*
 * Chapter 5: the device tree blob (DTB) the VMM builds.  It sits in the
 * last ABI_FDT_MAX bytes of RAM, where a guest image linked at 1 MiB
 * never reaches, and its address arrives in RDI at the guest's first
 * instruction (the first argument of guest_main).  The tree reserves its
 * own bytes (/memreserve/), so a guest knows not to reuse them.
 */
#define ABI_FDT_MAX	  0x10000 /* 64 KiB: room for every later chapter */
#define ABI_FDT_ADDR(ram) ((ram)-ABI_FDT_MAX)

/*
 * The MMIO hole: guest-physical addresses from 3 GiB up are devices, not
 * RAM (ABI_RAM_MAX keeps RAM well below).  A guest access there is an
 * MMIO exit (KVM_EXIT_MMIO) because no memory slot backs it.
 */
#define ABI_MMIO_HOLE	   0xc0000000
/* Chapter 5's MMIO clock (abi/clock.h): the first page of the hole. */
#define ABI_MMIO_CLOCK	   ABI_MMIO_HOLE
#define ABI_MMIO_CLOCK_LEN 0x1000

/* ---- Port I/O ------------------------------------------------------- */

/*
 * COM1.  Chapters 1-3 only write bytes to THR; chapter 4 emulates an 8250
 * (a 16550A with FIFOs).  Its interrupt line on a PC is IRQ 4 (chapter 6).
 */
#define ABI_PORT_COM1	    0x3f8
#define ABI_PORT_COM1_LEN   8
#define ABI_IRQ_COM1	    4
/* The UART's input clock (1.8432 MHz): baud = clock / (16 * divisor). */
#define ABI_UART_CLOCK_HZ   1843200
/* Debug exit: a byte written here ends the VM; the VMM exits with it. */
#define ABI_PORT_DEBUG_EXIT 0xf4
/*
 * Hypercalls (chapter 7) use ports 0x500-0x50f: see abi/hypercall.h.  The
 * ring console's doorbell is port 0x510, matched in the kernel: see
 * abi/pvring.h.  Chapter 7's guest takes in RDI the number of lines
 * `--compare` prints through each console (0: the short demonstration).
 */

/* ---- Exit statuses -------------------------------------------------- */
/*
 * A chapter binary's exit status.  0-63 belong to the guest (written to the
 * debug-exit port; a guest that halts without writing one exits 0).
 * Above that, the VMM reports why it stopped the guest.
 */
#define ABI_STATUS_OK	      0	 /* guest success */
#define ABI_STATUS_GUEST_FAIL 1	 /* the guest's own ABORT */
#define ABI_STATUS_GUEST_MAX  63 /* highest status a guest may report */
#define ABI_STATUS_USAGE      64 /* bad command line */
#define ABI_STATUS_BAD_IMAGE  65 /* guest image in a wrong format or too large */
#define ABI_STATUS_NO_IMAGE   66 /* guest image missing or unreadable */
#define ABI_STATUS_NO_KVM     69 /* /dev/kvm unusable: see `make doctor` */
#define ABI_STATUS_FAULT                                                       \
	70			   /* guest fault: triple fault, entry failure,
                                           internal error, unexpected exit */
#define ABI_STATUS_HOST	       71  /* the host failed (out of memory, ...) */
#define ABI_STATUS_UNSUPPORTED 77  /* this KVM cannot do what was asked */
#define ABI_STATUS_EXERCISE    78  /* an exercise stub ran (VMM or guest) */
#define ABI_STATUS_TIMEOUT     124 /* --timeout expired */

#endif

/* SPDX-License-Identifier: MIT */
/*
 * boot: put a vCPU in the state a guest expects at its first instruction
 * (chapters 2-3).  modes.c computes the register state; these functions
 * hand it to KVM and set RIP, RSP and RFLAGS.  Each reports its failure
 * and returns 0 or the exit status: ABI_STATUS_BAD_IMAGE when the image
 * does not fit the mode (an entry real mode cannot reach, an image over
 * the GDT or page tables the VMM writes), ABI_STATUS_HOST when KVM
 * refuses the state.
 */
#ifndef KVMLAB_BOOT_H
#define KVMLAB_BOOT_H

#include <stdint.h>

#include "kvmlab/kvm/vcpu.h"

/*
 * Real mode at `entry` (below 1 MiB): CS:IP = (entry >> 4 & 0xf000):(rest),
 * other segments 0, SP = ABI_REAL_STACK.
 */
int boot_real(struct vcpu *v, uint64_t entry);

/* 32-bit protected mode, flat segments from a VMM-built GDT, paging off. */
int boot_protected(struct vcpu *v, uint64_t entry);

/*
 * Long mode with identity-mapped page tables the VMM builds at ABI_PT_BASE;
 * RDI = `arg` (the first argument of the guest's C entry).
 */
int boot_long(struct vcpu *v, uint64_t entry, uint64_t arg);

#endif

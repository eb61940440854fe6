/* SPDX-License-Identifier: MIT */
/*
 * guestdbg: what a debugger needs from KVM (the register viewer, chapter 1
 * on): single-stepping with KVM_SET_GUEST_DEBUG,
 * guest memory by linear address with KVM_TRANSLATE, a KVM_RUN woken up
 * on a timer, and an IO exit completed without running the guest.
 */
#ifndef KVMLAB_GUESTDBG_H
#define KVMLAB_GUESTDBG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "kvmlab/kvm/vcpu.h"

/*
 * Single-step (`single`: one KVM_EXIT_DEBUG per instruction), or run
 * with guest debugging off.  0, or -errno (reported).  Set it again
 * before every step: see stepper.c.
 */
int guestdbg_set(struct vcpu *v, bool single);

/*
 * Complete an IO or MMIO exit KVM still holds, without running a guest
 * instruction (immediate_exit), so the registers read next are the ones
 * after the instruction.
 */
void guestdbg_settle(struct vcpu *v);

/*
 * Every `ms` milliseconds until disarmed, make KVM_RUN on `run` return
 * (EINTR), whether the timer fires inside it or just before it.  A guest
 * in a loop without exits would otherwise never give the VMM a turn.
 */
void guestdbg_tick_arm(struct kvm_run *run, unsigned ms);
void guestdbg_tick_disarm(struct kvm_run *run);

/* The linear address of CS:RIP, as breakpoints and KVM_TRANSLATE see it. */
uint64_t linear_rip(const struct kvm_regs *r, const struct kvm_sregs *s);
/*
 * Read `len` guest bytes at linear address `va` through KVM_TRANSLATE and
 * guest_read(), page by page.  Returns the bytes read (short when a page
 * is not mapped or lies outside RAM).
 */
size_t guest_read_linear(struct vcpu *v, uint64_t va, void *buf, size_t len);

/*
 * The length of the instruction in `code` (`n` bytes read at RIP, in
 * `bits`-bit code: 16, 32 or 64) when it is MOV SS or POP SS, else 0.
 * The CPU holds back the single-step trap after those (SDM Vol. 3A,
 * 6.8.3): one step runs them together with the next instruction.
 */
size_t movss_length(const uint8_t *code, size_t n, unsigned bits);

#endif

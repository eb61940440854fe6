/* SPDX-License-Identifier: MIT */
/*
 * guestdbg: KVM's debugging interface, as the register viewer uses it
 * (see guestdbg.h).  Nothing here decides when to stop: stepper.c does.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>

#include "kvmlab/base/log.h"
#include "kvmlab/kvm/guestdbg.h"
#include "kvmlab/x86/modes.h"

int guestdbg_set(struct vcpu *v, bool single)
{
	struct kvm_guest_debug d;

	/*
	 * Single steps only: breakpoints are checked by stepper.c before
	 * each step, not armed in DR0-DR3 (see stepper.h for why).
	 *
	 * Without `single` the guest runs at full speed, but debug exceptions
	 * still come to the VMM (USE_HW_BP with no breakpoint armed): an
	 * exception taken while single-stepping saved RFLAGS with KVM's TF
	 * on the guest's stack, and the handler's IRET would turn it on for
	 * the guest, which has no #DB handler.  stepper.c clears it.
	 */
	memset(&d, 0, sizeof(d));
	d.control = KVM_GUESTDBG_ENABLE |
		    (single ? KVM_GUESTDBG_SINGLESTEP : KVM_GUESTDBG_USE_HW_BP);
	if (ioctl(v->fd, KVM_SET_GUEST_DEBUG, &d) < 0) {
		int err = errno;

		error("KVM_SET_GUEST_DEBUG failed: %s", strerror(err));
		return -err;
	}
	/* Debugging stays enabled from here on: every KVM_EXIT_DEBUG is
	 * the debugger's stop (vcpu_handle_exit()). */
	v->guest_debug = true;
	return 0;
}

void guestdbg_settle(struct vcpu *v)
{
	/*
	 * KVM finishes an IO or MMIO instruction on the next KVM_RUN; until
	 * then the registers may still show it unfinished (on VT-x RIP has
	 * not moved yet).  With immediate_exit set, KVM_RUN completes it
	 * and returns EINTR without running a guest instruction (KVM API
	 * documentation, "immediate_exit").
	 */
	v->run->immediate_exit = 1;
	if (ioctl(v->fd, KVM_RUN, 0) == 0 || errno != EINTR)
		debug("KVM_RUN with immediate_exit did not return EINTR");
	v->run->immediate_exit = 0;
}

/* ---- the tick ------------------------------------------------------- */

static struct kvm_run *volatile tick_run;

/* The same trick as --timeout: immediate_exit catches a signal that
 * lands just before KVM_RUN, EINTR one that lands inside it. */
static void on_tick(int sig)
{
	(void)sig;
	if (tick_run)
		tick_run->immediate_exit = 1;
}

void guestdbg_tick_arm(struct kvm_run *run, unsigned ms)
{
	struct sigaction sa = {.sa_handler = on_tick};
	struct itimerval it = {0};

	if (!ms)
		return;
	tick_run = run;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART: KVM_RUN must end */
	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_usec = (ms % 1000) * 1000;
	it.it_interval = it.it_value;
	setitimer(ITIMER_REAL, &it, NULL);
}

void guestdbg_tick_disarm(struct kvm_run *run)
{
	struct itimerval off = {0};

	setitimer(ITIMER_REAL, &off, NULL);
	tick_run = NULL;
	run->immediate_exit = 0;
}

/* ---- guest memory ------------------------------------------------- */

uint64_t linear_rip(const struct kvm_regs *r, const struct kvm_sregs *s)
{
	/* In 64-bit code CS.base is ignored (SDM Vol. 3A, 3.2.4). */
	if ((s->efer & EFER_LMA) && s->cs.l)
		return r->rip;
	return s->cs.base + (r->rip & 0xffffffffull);
}

size_t guest_read_linear(struct vcpu *v, uint64_t va, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		struct kvm_translation t = {.linear_address = va + done};
		uint64_t room = 0x1000 - ((va + done) & 0xfff);
		size_t n = len - done < room ? len - done : (size_t)room;

		if (ioctl(v->fd, KVM_TRANSLATE, &t) < 0 || !t.valid ||
		    guest_read(&v->vm->mem, t.physical_address,
			       (uint8_t *)buf + done, n))
			break;
		done += n;
	}
	return done;
}

/* ---- MOV SS ------------------------------------------------------- */

/* The bytes a ModRM byte (and its SIB) add after itself: SDM Vol. 2A,
 * tables 2-1 (16-bit addressing) and 2-2, 2-3 (32- and 64-bit). */
static size_t modrm_extra(const uint8_t *p, size_t n, bool addr16)
{
	unsigned mod = p[0] >> 6, rm = p[0] & 7;

	if (mod == 3)
		return 0;
	if (addr16)
		return mod == 1 ? 1 : mod == 2 || (mod == 0 && rm == 6) ? 2 : 0;
	if (rm == 4) { /* a SIB byte follows; base 5 with mod 0: disp32 */
		if (n < 2)
			return 0;
		return 1 + (mod == 1 ? 1 : mod == 2 || (p[1] & 7) == 5 ? 4 : 0);
	}
	return mod == 1 ? 1 : mod == 2 || (mod == 0 && rm == 5) ? 4 : 0;
}

size_t movss_length(const uint8_t *code, size_t n, unsigned bits)
{
	bool addr16 = bits == 16;
	size_t i = 0;

	/* Legacy prefixes; 0x67 toggles 16- and 32-bit addressing. */
	for (; i < n && i < 14; i++) {
		uint8_t b = code[i];

		if (b == 0x67 && bits != 64)
			addr16 = !addr16;
		else if (b != 0x66 && b != 0x67 && b != 0xf0 && b != 0xf2 &&
			 b != 0xf3 && b != 0x26 && b != 0x2e && b != 0x36 &&
			 b != 0x3e && b != 0x64 && b != 0x65)
			break;
	}
	if (bits == 64 && i < n && (code[i] & 0xf0) == 0x40)
		i++; /* REX */
	if (i >= n)
		return 0;
	if (code[i] == 0x17 && bits != 64) /* POP SS */
		return i + 1;
	/* MOV Sreg, r/m16 (8E /r) with Sreg 2: SS. */
	if (code[i] != 0x8e || i + 1 >= n || ((code[i + 1] >> 3) & 7) != 2)
		return 0;
	return i + 2 + modrm_extra(code + i + 1, n - i - 1, addr16);
}

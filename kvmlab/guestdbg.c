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

#include "kvmlab/guestdbg.h"
#include "kvmlab/log.h"
#include "kvmlab/modes.h"

int guestdbg_set(struct vcpu *v, const struct breaks *b, bool single)
{
	struct kvm_guest_debug d;

	memset(&d, 0, sizeof(d));
	if (single) {
		/* Breakpoints stay off: a step stops anyway, and an armed
		 * one at RIP would fire without the step making progress. */
		d.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP;
	} else if (breaks_any(b)) {
		/*
		 * KVM_CAP_GUEST_DEBUG_HW_BPS may report 0 on a KVM whose
		 * hardware breakpoints work anyway (kvmlab's test machines):
		 * the viewer always offers all four.
		 */
		d.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP;
		for (int i = 0; i < BREAK_BPS; i++) {
			if (!b->bp_on[i])
				continue;
			d.arch.debugreg[i] = b->bp[i];
			/* DR7: Ln enables DRn; R/W = 00 and LEN = 00 make it
			 * an instruction breakpoint (SDM Vol. 3B, 18.2.4). */
			d.arch.debugreg[7] |= 1ull << (2 * i);
		}
	}
	if (ioctl(v->fd, KVM_SET_GUEST_DEBUG, &d) < 0) {
		int err = errno;

		error("KVM_SET_GUEST_DEBUG failed: %s", strerror(err));
		return -err;
	}
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

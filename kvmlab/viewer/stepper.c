/* SPDX-License-Identifier: MIT */
/*
 * stepper: the register viewer's engine (see stepper.h for the platform
 * facts it is built around).
 *
 * Every command ends in one of three ways: a stop the student asked for
 * (one instruction, one exit, a breakpoint, a filter, a mode change), a
 * pause (a key, or the headless time limit), or the end of the guest.
 * Exits are handled exactly as vcpu_run() handles them, through
 * vcpu_step(), so the devices, the trace and --stats see the same run
 * with or without the viewer.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "abi/machine.h"
#include "kvmlab/base/now.h"
#include "kvmlab/kvm/guestdbg.h"
#include "kvmlab/viewer/stepper.h"
#include "kvmlab/x86/decode.h"
#include "kvmlab/x86/modes.h"

#define OP_HLT	  0xf4
#define RFLAGS_TF (1u << 8) /* trap flag: single-step (SDM Vol. 1, 3.4.3) */
/* The longest a step waits in HLT for the PICs to request an interrupt. */
#define WAIT_NS	  1000000000ull

/* A tick while the guest runs: keep the run time current (a redraw
 * shows rates), then ask the hook whether to stop. */
static bool tick(struct stepper *s, const struct run_hooks *h)
{
	uint64_t now = now_ns();

	if (!h || !h->tick)
		return false;
	s->run_ns += now - s->run_start;
	s->run_start = now;
	return h->tick(h->opaque);
}

/* ---- guest state --------------------------------------------------- */

static int read_state(struct stepper *s, struct kvm_regs *r,
		      struct kvm_sregs *sr)
{
	if (vcpu_get_regs(s->v, r) || vcpu_get_sregs(s->v, sr)) {
		s->why = STOP_ERROR;
		snprintf(s->why_text, sizeof(s->why_text),
			 "cannot read the registers (see the message)");
		return -1;
	}
	return 0;
}

/*
 * Single-step, or run freely.  Set again before every step, not once: a
 * KVM that skips an intercepted instruction (RDMSR, a CR access) by
 * decoding it, as KVM on AMD-V without NRIPS does (the emulated machine),
 * can drop the trap flag it set, and the "step" would then run on until
 * the next exit.  Setting it again re-arms the flag at the current RIP.
 */
static int set_debug(struct stepper *s, bool single)
{
	int r = guestdbg_set(s->v, single);

	if (r) {
		s->why = STOP_ERROR;
		snprintf(s->why_text, sizeof(s->why_text),
			 "KVM_SET_GUEST_DEBUG failed: %s", strerror(-r));
	}
	return r;
}

int stepper_init(struct stepper *s, struct vcpu *v)
{
	struct irq_state irqs;

	memset(s, 0, sizeof(*s));
	s->v = v;
	/* KVM's PICs answer from chapter 6 on; before, KVM_GET_IRQCHIP
	 * fails with ENXIO and the viewer shows nothing of interrupts. */
	s->irqchip = irq_state_read(v, &irqs) == 0;
	s->why = STOP_START;
	snprintf(s->why_text, sizeof(s->why_text),
		 "stopped at the first instruction");
	return set_debug(s, true);
}

/*
 * The run loop recorded the exit (vcpu_record_exit()).  What RIP means at
 * an IO or MMIO exit depends on the KVM: VT-x and AMD-V stop at the
 * instruction and finish it on the next KVM_RUN, kvm-pvm reports RIP
 * after it.  So the viewer completes the instruction at once
 * (stepper_settle()) and amends the logged RIP to the one after it, the
 * same on every KVM: the exit log's "at" column is always where the
 * guest goes on, as after HLT.  The trace keeps what KVM reported.
 */
static void settled_rip(struct stepper *s, struct exit_info *e)
{
	struct exit_info *logged = exit_log_newest(&s->v->rec->log);
	struct kvm_regs r;

	if (e->reason != KVM_EXIT_IO && e->reason != KVM_EXIT_MMIO)
		return;
	s->pending_io = true;
	stepper_settle(s);
	if (vcpu_get_regs(s->v, &r) == 0)
		e->rip = r.rip;
	if (logged && logged->seq == e->seq)
		logged->rip = e->rip;
}

/*
 * The guest is at a HLT while single-stepping, which some KVMs step over
 * as if it were a NOP.  Do what KVM_EXIT_HLT would have done: one exit in
 * every log, RIP past the HLT, and the end of the run (chapters 1-3 have
 * no interrupts to wake a halted CPU, as in vcpu_step()).
 */
static int halt_exit(struct stepper *s, struct kvm_regs *r, struct exit_info *e)
{
	struct vcpu *v = s->v;

	r->rip++;
	memset(e, 0, sizeof(*e));
	e->reason = KVM_EXIT_HLT;
	e->rip = r->rip;
	vcpu_record_exit(v, e);
	if (vcpu_set_regs(v, r))
		return ABI_STATUS_HOST;
	return ABI_STATUS_OK;
}

/* ---- one instruction --------------------------------------------------- */

static unsigned code_bits(const struct kvm_sregs *sr)
{
	if ((sr->efer & EFER_LMA) && sr->cs.l)
		return 64;
	return sr->cs.db ? 32 : 16;
}

/* One KVM_RUN with single-stepping on (and the ticks it takes). */
static int run_one(struct stepper *s, const struct run_hooks *h,
		   struct exit_info *e, bool *paused)
{
	int st;

	if (set_debug(s, true))
		return ABI_STATUS_HOST;
	s->pending_io = false; /* this KVM_RUN completes it */
	for (;;) {
		st = vcpu_step(s->v, e);
		if (st != VCPU_INTERRUPTED)
			break;
		s->v->run->immediate_exit = 0;
		if (tick(s, h)) {
			*paused = true;
			return st;
		}
	}
	if (e->seq && e->reason != KVM_EXIT_DEBUG)
		settled_rip(s, e);
	return st;
}

/* ---- interrupts (chapter 6 on) ------------------------------------------ */

/*
 * The CPU sleeps in HLT with IF set: the next interrupt wakes it.  Poll
 * the PICs until they request one (at most WAIT_NS: something else, an
 * NMI, may wake it instead, within the step), so that the step starts
 * with the request in IRR, where irq_taken_during() sees it go.  True
 * when `h` said stop.
 */
static bool wait_request(struct stepper *s, const struct run_hooks *h,
			 struct irq_state *st)
{
	const struct timespec ms = {0, 1000000};
	uint64_t start = now_ns(), last = start;

	while (irq_next(st) < 0 && !(st->ev_ok && st->ev.interrupt.injected)) {
		uint64_t now = now_ns();

		if (now - start >= WAIT_NS)
			break;
		if (h && now - last >= h->tick_ms * 1000000ull) {
			last = now;
			if (tick(s, h))
				return true;
		}
		nanosleep(&ms, NULL);
		if (irq_state_read(s->v, st))
			break;
	}
	return false;
}

/* Keep the interrupts a step took, in the order it took them. */
static void took(struct stepper *s, const struct irq_state *before,
		 const struct irq_state *after, uint16_t bits, uint64_t rip,
		 const struct kvm_sregs *sr, uint64_t exits)
{
	uint8_t order[IRQ_LINES];
	unsigned n = irq_order(bits, after, order);

	for (unsigned i = 0; i < n; i++) {
		struct irq_taken *t = &s->irqs[s->nirqs++ % STEP_IRQS];

		memset(t, 0, sizeof(*t));
		t->after = exits;
		t->rip = rip;
		t->irq = order[i];
		t->vector = (uint8_t)irq_vector(before, order[i]);
		t->in_service = IRQ_BITS(after, isr) & 1u << order[i];
		t->handler_ok = irq_handler(s->v, sr, t->vector, &t->handler);
	}
	s->took += n;
}

/* run_one(), and with an irqchip, whether the CPU took an interrupt. */
static int watched_run(struct stepper *s, const struct kvm_regs *r,
		       const struct kvm_sregs *sr, const struct run_hooks *h,
		       struct exit_info *e, bool *paused)
{
	struct irq_state before, after;
	uint64_t exits = s->v->exits;
	bool if_on = r->rflags & RFLAGS_IF;
	uint16_t taken;
	int st;

	if (!s->irqchip || irq_state_read(s->v, &before))
		return run_one(s, h, e, paused);
	if (before.halted && if_on && wait_request(s, h, &before)) {
		*paused = true;
		return VCPU_INTERRUPTED;
	}
	st = run_one(s, h, e, paused);
	if (irq_state_read(s->v, &after))
		return st;
	s->asleep = after.halted;
	taken = irq_taken_during(&before, &after, if_on);
	if (taken)
		took(s, &before, &after, taken, linear_rip(r, sr), sr, exits);
	return st;
}

/*
 * Run one instruction from state (r, sr).  Returns vcpu_step()'s value;
 * *paused when the tick asked to stop before the instruction ran.
 *
 * MOV SS and POP SS count as one step with the instruction after them:
 * VT-x and AMD-V hold back the single-step trap after them (SDM Vol. 3A,
 * 6.8.3) and kvm-pvm does not, so where the trap came right after one,
 * the stepper steps once more.  Every KVM then stops at the same RIP.
 */
static int step_once(struct stepper *s, struct kvm_regs *r,
		     const struct kvm_sregs *sr, const struct run_hooks *h,
		     struct exit_info *e, bool *paused)
{
	uint64_t rip = linear_rip(r, sr);
	uint8_t code[16];
	size_t n = guest_read_linear(s->v, rip, code, sizeof(code));
	size_t movss = movss_length(code, n, code_bits(sr));
	struct kvm_sregs now;
	int st;

	*paused = false;
	memset(e, 0, sizeof(*e));
	/* Under an irqchip HLT is a sleep that KVM handles. */
	if (n && code[0] == OP_HLT && !s->irqchip)
		return halt_exit(s, r, e);
	st = watched_run(s, r, sr, h, e, paused);
	if (!movss || st != VCPU_DEBUG_STOP)
		return st;
	if (read_state(s, r, &now))
		return ABI_STATUS_HOST;
	if (linear_rip(r, &now) != rip + movss)
		return st;
	return step_once(s, r, &now, h, e, paused);
}

static void describe_exit(const struct stepper *s, const struct exit_info *e,
			  char *buf, size_t len)
{
	char d[96];

	(void)s;
	snprintf(buf, len, "exit #%" PRIu64 " %s %s", e->seq,
		 exit_reason_name(e->reason), exit_details(e, d, sizeof(d)));
	/* exit_details() has nothing to add for HLT, SHUTDOWN...: no blank. */
	len = strlen(buf);
	if (len && buf[len - 1] == ' ')
		buf[len - 1] = '\0';
}

static void ended(struct stepper *s, int status, const struct exit_info *e)
{
	char what[128];

	s->ended = true;
	s->status = status;
	s->why = STOP_END;
	if (status == ABI_STATUS_HOST && !e->seq) {
		s->why = STOP_ERROR;
		snprintf(s->why_text, sizeof(s->why_text),
			 "KVM_RUN failed (see the message): status %d", status);
		return;
	}
	describe_exit(s, e, what, sizeof(what));
	if (e->reason == KVM_EXIT_HLT)
		snprintf(s->why_text, sizeof(s->why_text),
			 "guest halted (HLT): status %d", status);
	else if (e->reason == KVM_EXIT_IO && e->port == ABI_PORT_DEBUG_EXIT)
		snprintf(s->why_text, sizeof(s->why_text),
			 "guest ended: status %d on the debug-exit port",
			 status);
	else
		snprintf(s->why_text, sizeof(s->why_text),
			 "guest fault: %s; the report goes to stderr", what);
}

/*
 * After one KVM_RUN (or step): did the command end?  The guest ended, or
 * it made an exit and the command stops at exits or at this one.
 */
static bool outcome(struct stepper *s, int st, const struct exit_info *e,
		    bool to_exit)
{
	char what[128];

	if (st >= 0) {
		ended(s, st, e);
		return true;
	}
	if (st != VCPU_CONTINUE || !e->seq)
		return false;
	describe_exit(s, e, what, sizeof(what));
	if (to_exit) {
		s->why = STOP_EXIT;
		snprintf(s->why_text, sizeof(s->why_text), "%s", what);
		return true;
	}
	if (exit_filter_match(&s->br.filter, e)) {
		s->why = STOP_FILTER;
		/* The exit first: a long one must not lose its details. */
		snprintf(s->why_text, sizeof(s->why_text), "%s (filter)", what);
		return true;
	}
	return false;
}

static void stop_at_bp(struct stepper *s, int slot, uint64_t addr)
{
	char name[96];

	s->why = STOP_BREAKPOINT;
	image_addr_name(s->v->rec->image, addr, name, sizeof(name));
	snprintf(s->why_text, sizeof(s->why_text), "breakpoint %d at %s",
		 slot + 1, name);
}

static void stop_paused(struct stepper *s)
{
	s->why = STOP_PAUSE;
	snprintf(s->why_text, sizeof(s->why_text), "paused");
}

/* The step took an interrupt: say which, and where it left the CPU. */
static void describe_irq(struct stepper *s, const struct exit_info *e)
{
	const struct irq_taken *t = &s->irqs[(s->nirqs - 1) % STEP_IRQS];
	const char *name = irq_line_name(t->irq);
	bool made = e->seq && e->reason != KVM_EXIT_DEBUG;
	struct kvm_regs r;
	struct kvm_sregs sr;
	char irq[64], what[128];

	/* Two in one step: the exit log has both, the title the last. */
	if (s->took > 1)
		snprintf(irq, sizeof(irq), "%u interrupts, the last", s->took);
	else
		snprintf(irq, sizeof(irq), "interrupt");
	snprintf(irq + strlen(irq), sizeof(irq) - strlen(irq),
		 " IRQ %u (%s%svector %u)", t->irq, name ? name : "",
		 name ? ", " : "", t->vector);
	what[0] = '\0';
	if (made)
		describe_exit(s, e, what, sizeof(what));
	if (t->handler_ok && vcpu_get_regs(s->v, &r) == 0 &&
	    vcpu_get_sregs(s->v, &sr) == 0 && linear_rip(&r, &sr) == t->handler)
		snprintf(s->why_text, sizeof(s->why_text), "%s: at its handler",
			 irq);
	else if (t->in_service)
		snprintf(s->why_text, sizeof(s->why_text), "%s: %s%s", irq,
			 made ? "its handler made " : "in its handler", what);
	else
		snprintf(s->why_text, sizeof(s->why_text),
			 "%s, then one instruction%s%s", irq,
			 made ? ", which made " : "", what);
}

/* The step ended in HLT under an irqchip: say what wakes the CPU. */
static void describe_sleep(struct stepper *s)
{
	struct kvm_regs r;
	bool if_on = vcpu_get_regs(s->v, &r) == 0 && r.rflags & RFLAGS_IF;

	snprintf(s->why_text, sizeof(s->why_text), "%s",
		 if_on ? "asleep in HLT until an interrupt: s takes it"
		       : "asleep in HLT with IF=0: only an NMI wakes it (p "
			 "pauses)");
}

static bool refuse_if_ended(struct stepper *s)
{
	if (!s->ended)
		return false;
	if (s->why != STOP_ERROR)
		s->why = STOP_END;
	return true;
}

void stepper_step(struct stepper *s, const struct run_hooks *h)
{
	struct kvm_regs r;
	struct kvm_sregs sr;
	struct exit_info e;
	enum cpu_class before;
	bool paused;
	char what[128];
	int st;

	if (refuse_if_ended(s) || read_state(s, &r, &sr))
		return;
	before = cpu_class_of(&sr);
	s->took = 0;
	s->asleep = false;
	/* Only under an irqchip can a step wait (for an interrupt, in HLT):
	 * then it keeps time and listens to `h` as a run does. */
	if (!s->irqchip)
		h = NULL;
	if (h) {
		s->run_start = now_ns();
		guestdbg_tick_arm(s->v->run, h->tick_ms);
	}
	st = step_once(s, &r, &sr, h, &e, &paused);
	if (h) {
		guestdbg_tick_disarm(s->v->run);
		s->run_ns += now_ns() - s->run_start;
		s->run_start = 0;
	}
	if (paused) {
		stop_paused(s);
		return;
	}
	/*
	 * Only steps the student asked for are counted: how many
	 * instructions a run by single steps takes depends on the KVM (a
	 * handler entered by an exception runs unstepped on VT-x and AMD-V).
	 * An instruction that exits by itself has run, too.
	 */
	if (st == VCPU_DEBUG_STOP || e.reason == KVM_EXIT_IO ||
	    e.reason == KVM_EXIT_MMIO)
		s->steps++;
	if (st >= 0) {
		ended(s, st, &e);
		return;
	}
	s->why = STOP_STEP;
	snprintf(s->why_text, sizeof(s->why_text), "one instruction");
	if (e.seq && e.reason != KVM_EXIT_DEBUG) {
		describe_exit(s, &e, what, sizeof(what));
		snprintf(s->why_text, sizeof(s->why_text),
			 "one instruction, which made %s", what);
	}
	stepper_settle(s);
	if (vcpu_get_sregs(s->v, &sr) == 0 && cpu_class_of(&sr) != before)
		snprintf(s->why_text, sizeof(s->why_text),
			 "one instruction: %s -> %s", cpu_class_name(before),
			 cpu_class_name(cpu_class_of(&sr)));
	if (s->took)
		describe_irq(s, &e);
	else if (s->asleep)
		describe_sleep(s);
}

/* With breakpoints or break-on-mode armed: single steps, comparing RIP
 * with the breakpoints and the mode with the last one each time. */
static void run_stepping(struct stepper *s, bool to_exit,
			 const struct run_hooks *h)
{
	struct kvm_regs r;
	struct kvm_sregs sr;
	struct exit_info e;
	enum cpu_class before, now;
	bool paused, first = true;
	int slot, st;

	if (read_state(s, &r, &sr))
		return;
	before = cpu_class_of(&sr);
	for (;;) {
		uint64_t rip = linear_rip(&r, &sr);

		/* Where a breakpoint is, stop before its instruction runs
		 * (but leave the one we may be standing on). */
		if (!first && (slot = breaks_at(&s->br, rip)) >= 0) {
			stop_at_bp(s, slot, rip);
			return;
		}
		first = false;
		st = step_once(s, &r, &sr, h, &e, &paused);
		if (paused) {
			stop_paused(s);
			return;
		}
		if (outcome(s, st, &e, to_exit))
			return;
		stepper_settle(s);
		if (read_state(s, &r, &sr))
			return;
		now = cpu_class_of(&sr);
		if (s->br.on_mode && now != before) {
			s->why = STOP_MODE;
			snprintf(s->why_text, sizeof(s->why_text),
				 "mode change: %s -> %s",
				 cpu_class_name(before), cpu_class_name(now));
			return;
		}
	}
}

static int clear_tf(struct stepper *s)
{
	struct kvm_regs r;

	if (vcpu_get_regs(s->v, &r))
		goto fail;
	r.rflags &= ~(uint64_t)RFLAGS_TF;
	if (vcpu_set_regs(s->v, &r) == 0)
		return 0;
fail:
	s->why = STOP_ERROR;
	snprintf(s->why_text, sizeof(s->why_text),
		 "cannot clear the trap flag (see the message)");
	return -1;
}

/* Without them: KVM runs the guest at full speed until an exit. */
static void run_free(struct stepper *s, bool to_exit, const struct run_hooks *h)
{
	struct exit_info e;
	int st;

	if (set_debug(s, false))
		return;
	for (;;) {
		s->pending_io = false; /* this KVM_RUN completes it */
		st = vcpu_step(s->v, &e);
		if (st == VCPU_INTERRUPTED) {
			s->v->run->immediate_exit = 0;
			if (tick(s, h)) {
				stop_paused(s);
				return;
			}
			continue;
		}
		if (st == VCPU_DEBUG_STOP) {
			/* A trap flag left from stepping (see guestdbg_set):
			 * not the guest's; clear it and go on. */
			if (clear_tf(s))
				return;
			continue;
		}
		if (e.seq)
			settled_rip(s, &e);
		if (outcome(s, st, &e, to_exit))
			return;
	}
}

void stepper_run(struct stepper *s, bool to_exit, const struct run_hooks *h)
{
	if (refuse_if_ended(s))
		return;
	s->run_start = now_ns();
	guestdbg_tick_arm(s->v->run, h ? h->tick_ms : 0);
	/*
	 * Breakpoints are reached by single steps on every KVM, never by
	 * the debug registers DR0-DR3 (KVM_GUESTDBG_USE_HW_BP): they do not
	 * fire in the emulated machine (QEMU's nested AMD-V), and a viewer
	 * that used them where they work would stop elsewhere, count other
	 * steps and show other frames on each KVM.  kvmlab's guests are small
	 * enough to step through; p pauses a long run.
	 */
	if (s->br.on_mode || breaks_any(&s->br))
		run_stepping(s, to_exit, h);
	else
		run_free(s, to_exit, h);
	guestdbg_tick_disarm(s->v->run);
	s->run_ns += now_ns() - s->run_start;
	s->run_start = 0;
	stepper_settle(s);
}

void stepper_settle(struct stepper *s)
{
	if (!s->pending_io)
		return;
	s->pending_io = false;
	guestdbg_settle(s->v);
}

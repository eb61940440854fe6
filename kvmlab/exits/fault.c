/* SPDX-License-Identifier: MIT */
/*
 * fault: plain-words reports for runs that cannot go on (chapter 1).
 *
 * The exit reason alone ("SHUTDOWN") tells a student little.  Each report
 * says what the CPU or KVM did, the usual causes in a teaching guest, and
 * shows the state to check: RIP and its symbol, the CPU mode, the bytes at
 * RIP, and the exits that led there.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvmlab/base/log.h"
#include "kvmlab/exits/failentry.h"
#include "kvmlab/exits/fault.h"
#include "kvmlab/x86/modes.h"
#include "kvmlab/x86/paging.h"

const char *fault_cpu_mode(int vcpu_fd, char *buf, size_t len)
{
	struct kvm_sregs s;

	if (ioctl(vcpu_fd, KVM_GET_SREGS, &s) < 0) {
		snprintf(buf, len, "unknown (KVM_GET_SREGS failed: %s)",
			 strerror(errno));
		return buf;
	}
	return cpu_mode_describe(&s, buf, len);
}

void exit_state_save(struct exit_state *s, uint64_t seq,
		     const struct kvm_run *run)
{
	if (!(run->kvm_valid_regs & KVM_SYNC_X86_REGS))
		return;
	s->regs = run->s.regs.regs;
	s->have_sregs = run->kvm_valid_regs & KVM_SYNC_X86_SREGS;
	if (s->have_sregs)
		s->sregs = run->s.regs.sregs;
	s->seq = seq;
	s->valid = true;
}

bool looks_like_reset(const struct kvm_regs *r, const struct kvm_sregs *s)
{
	return s->cs.selector == 0xf000 && r->rip == 0xfff0 &&
	       s->cr0 == 0x60000010;
}

/* The state a report shows: the vCPU's own, or one kept from an exit. */
struct shown {
	uint64_t rip;
	const struct kvm_sregs *s; /* NULL: the mode is unknown */
	bool live;  /* the vCPU holds it: KVM_TRANSLATE walks its tables */
	bool reset; /* the reset state: its code is firmware we do not have */
};

/* Guest-physical address of linear `la` under the shown state. */
static int shown_gpa(const struct fault_context *f, const struct shown *w,
		     uint64_t la, uint64_t *gpa)
{
	struct kvm_translation t = {.linear_address = la};
	struct pt_walk walk;

	if (w->live) {
		if (ioctl(f->vcpu_fd, KVM_TRANSLATE, &t) < 0 || !t.valid)
			return -1;
		*gpa = t.physical_address;
		return 0;
	}
	/* A kept state: the vCPU's paging is no longer its paging. */
	if (!(w->s->cr0 & CR0_PG)) {
		*gpa = la;
		return 0;
	}
	if ((w->s->efer & EFER_LMA) &&
	    pt_walk(f->mem, w->s->cr3, la, &walk) == 0) {
		*gpa = walk.pa;
		return 0;
	}
	return -1; /* 32-bit or PAE tables: not walked here */
}

/* Up to 15 bytes (the longest x86 instruction) at CS:RIP. */
static int bytes_at_rip(const struct fault_context *f, const struct shown *w,
			uint8_t *out, size_t max)
{
	uint64_t gpa, room, la;
	const uint8_t *p;

	if (!f->mem || !w->s || w->reset)
		return 0;
	/* Real mode: IP is 16 bits, but CS.base can be anything KVM_SET_SREGS
	 * put there (0xffff0000 at reset). */
	la = w->s->cs.base + ((w->s->cr0 & CR0_PE) ? w->rip : w->rip & 0xffff);
	if (shown_gpa(f, w, la, &gpa))
		return 0;
	if (gpa >= f->mem->size)
		return -1;	       /* no RAM there: nothing to fetch */
	room = 0x1000 - (gpa & 0xfff); /* stay within one page */
	if (max > room)
		max = room;
	p = gpa_to_host(f->mem, gpa, max);
	if (!p)
		return 0;
	memcpy(out, p, max);
	return (int)max;
}

static void print_where(const struct fault_context *f, const struct shown *w)
{
	char mode[96], name[96];
	uint8_t code[15];
	int n;

	if (f->image)
		image_addr_name(f->image, w->rip, name, sizeof(name));
	else
		snprintf(name, sizeof(name), "0x%" PRIx64, w->rip);
	if (w->s)
		cpu_mode_describe(w->s, mode, sizeof(mode));
	else
		snprintf(mode, sizeof(mode), "CPU mode unknown");
	hint("where: rip %s, %s", name, mode);
	n = bytes_at_rip(f, w, code, sizeof(code));
	if (n < 0)
		hint("rip points outside guest RAM: there is no code there "
		     "(a jump or return to a wrong address?)");
	if (n > 0) {
		char hex[3 * sizeof(code) + 1] = "";

		for (int i = 0; i < n; i++)
			snprintf(hex + 3 * i, 4, "%02x ", code[i]);
		hint("bytes at rip: %s", hex);
	}
	if (f->log) {
		fflush(stdout);
		fprintf(stderr, "  last exits (oldest first):\n");
		exit_log_print(f->log, FAULT_EXITS_SHOWN, stderr);
	}
}

/* Where the vCPU is now, as KVM_GET_SREGS says. */
static void print_where_live(const struct fault_context *f, uint64_t rip)
{
	struct kvm_sregs s;
	struct shown w = {.rip = rip, .s = &s, .live = true};

	if (ioctl(f->vcpu_fd, KVM_GET_SREGS, &s) < 0) {
		warning("KVM_GET_SREGS failed: %s", strerror(errno));
		w.s = NULL;
	}
	print_where(f, &w);
}

/*
 * After KVM_EXIT_SHUTDOWN.  VT-x and kvm-pvm leave the faulting state in
 * the vCPU; AMD-V has already reset it, so showing that state would send
 * a student looking for a real-mode bug at 0xfff0.  Then show the state
 * of the last exit before, and say which one it is.
 */
static void print_where_shutdown(const struct fault_context *f,
				 const struct exit_info *e)
{
	const struct exit_state *last = f->last;
	const struct exit_info *prev = NULL;
	struct kvm_regs r;
	struct kvm_sregs s;
	struct shown w = {.rip = e->rip, .s = &s, .live = true};

	if (ioctl(f->vcpu_fd, KVM_GET_REGS, &r) < 0 ||
	    ioctl(f->vcpu_fd, KVM_GET_SREGS, &s) < 0 ||
	    !looks_like_reset(&r, &s)) {
		print_where_live(f, e->rip);
		return;
	}
	/* The log ends with this SHUTDOWN; the exit before it, if any. */
	if (f->log && exit_log_count(f->log) >= 2)
		prev = exit_log_get(f->log, exit_log_count(f->log) - 2);
	if (last && last->valid && last->have_sregs &&
	    looks_like_reset(&last->regs, &last->sregs)) {
		/* The guest was at the reset state before: nothing reset it. */
		print_where(f, &w);
		return;
	}
	hint("the CPU was reset: KVM on AMD-V resets the vCPU when it reports "
	     "SHUTDOWN, so it now holds the reset state (rip 0xfff0, real "
	     "mode), not the state of the fault");
	if (last && last->valid) {
		if (last->seq)
			hint("shown instead: the state at the last exit before "
			     "the fault (#%" PRIu64
			     "); the fault came after it",
			     last->seq);
		else
			hint("shown instead: the state at the last stop before "
			     "the fault; the fault came after it");
		w = (struct shown){.rip = last->regs.rip,
				   .s = last->have_sregs ? &last->sregs : NULL};
	} else if (prev) {
		/* This VMM keeps only RIP per exit (chapter 1's loop). */
		hint("shown instead: rip at the last exit before the fault "
		     "(#%" PRIu64 "; its mode was not kept); the fault came "
		     "after it",
		     prev->seq);
		w = (struct shown){.rip = prev->rip};
	} else {
		hint("this was the guest's first exit, so no earlier state "
		     "exists: the state shown is the reset state and the "
		     "faulting state is unknown");
		hint("to find it: print something just before the suspect "
		     "code, or step to it with --tui");
		w.reset = true;
	}
	print_where(f, &w);
}

static void explain_internal(const struct fault_context *f,
			     const struct exit_info *e)
{
	const struct kvm_run *run = f->run;

	error("KVM could not go on with the guest (exit reason "
	      "INTERNAL_ERROR, suberror %" PRIu64 " %s)",
	      e->code, internal_error_name((uint32_t)e->code));
	switch (e->code) {
	case KVM_INTERNAL_ERROR_EMULATION:
		hint("what: KVM's instruction emulator met an instruction it "
		     "cannot run");
		hint("likely: SSE/x87 arithmetic, POPCNT, RDTSCP or `int n` "
		     "outside real mode on a host where KVM emulates guest "
		     "code; build guests with -mgeneral-regs-only");
		break;
	case KVM_INTERNAL_ERROR_SIMUL_EX:
		hint("what: an exception happened while KVM was delivering "
		     "another one");
		hint("likely: an IDT entry, a handler or the stack that is not "
		     "mapped or not present");
		break;
	case KVM_INTERNAL_ERROR_DELIVERY_EV:
		hint("what: KVM could not deliver an interrupt or exception to "
		     "the guest");
		hint("likely: the IDT, GDT or stack points outside guest RAM");
		break;
	default:
		hint("what: KVM hit a state it cannot handle");
		break;
	}
	if (run && run->internal.ndata) {
		char data[160] = "";
		size_t used = 0;

		/* Eight 64-bit values fit: 8 * 19 bytes < sizeof(data). */
		for (uint32_t i = 0;
		     i < run->internal.ndata && i < 8 && used < sizeof(data);
		     i++)
			used += (size_t)snprintf(
			    data + used, sizeof(data) - used, " 0x%llx",
			    (unsigned long long)run->internal.data[i]);
		hint("KVM's data:%s", data);
	}
}

void explain_fault(const struct fault_context *f, const struct exit_info *e)
{
	char why[128];

	switch (e->reason) {
	case KVM_EXIT_SHUTDOWN:
		error("the guest triple-faulted (exit reason SHUTDOWN)");
		hint(
		    "what: an exception could not be delivered, nor the double "
		    "fault that followed, so the CPU shut down (on a real PC "
		    "it would reset)");
		hint("likely: no IDT or a bad IDT entry, a bad GDT or segment, "
		     "an unmapped stack or page table, or paging the platform "
		     "cannot do");
		print_where_shutdown(f, e);
		return;
	case KVM_EXIT_FAIL_ENTRY:
		fail_entry_describe(e->code, host_cpu_vendor(), why,
				    sizeof(why));
		error("KVM could not enter the guest (exit reason FAIL_ENTRY, "
		      "%s)",
		      why);
		hint(
		    "what: the CPU checked the register state the VMM set with "
		    "KVM_SET_SREGS / KVM_SET_REGS and refused it (Intel SDM "
		    "Vol. 3C, 27.3; AMD APM Vol. 2, 15.5)");
		hint("likely: segment attributes that do not fit CR0.PE, a "
		     "64-bit code segment without EFER.LMA, CR0.PG without "
		     "CR0.PE, or a bad TR");
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		explain_internal(f, e);
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		error("the guest asked for a system event %" PRIu64
		      " (exit reason SYSTEM_EVENT: 1 shutdown, 2 reset, "
		      "3 crash)",
		      e->code);
		break;
	default:
		error("unexpected exit %s (reason %u): this chapter's VMM does "
		      "not handle it",
		      exit_reason_name(e->reason), e->reason);
		break;
	}
	print_where_live(f, e->rip);
}

/* RFLAGS.IF, interrupts enabled (SDM Vol. 1, 3.4.3.3). */
#define RFLAGS_IF (1ull << 9)

void explain_timeout(const struct fault_context *f, unsigned seconds)
{
	struct kvm_regs r = {0};
	uint64_t rip = 0;

	struct kvm_mp_state mp = {0};
	bool asleep;

	if (ioctl(f->vcpu_fd, KVM_GET_REGS, &r) == 0)
		rip = r.rip;
	/* With an in-kernel irqchip (chapter 6) a HLT sleeps in KVM. */
	asleep = ioctl(f->vcpu_fd, KVM_GET_MP_STATE, &mp) == 0 &&
		 mp.mp_state == KVM_MP_STATE_HALTED;
	error("the guest was still running after --timeout %u s: stopped it",
	      seconds);
	if (asleep && !(r.rflags & RFLAGS_IF))
		hint("likely: it halted with interrupts off (RFLAGS.IF=0): "
		     "with an in-kernel irqchip KVM keeps a halted vCPU "
		     "asleep until an interrupt it can take, and none can "
		     "come; end the guest through the debug-exit port");
	else if (asleep)
		hint("likely: it sleeps in HLT waiting for an interrupt that "
		     "does not come (a masked line, an unprogrammed timer, "
		     "a device whose interrupt is not enabled)");
	else
		hint("likely: an endless loop; a loop that makes no exits is "
		     "invisible to the VMM until the timer stops it");
	hint("fix: look at the code around rip below, or give more time "
	     "with --timeout SEC (0 = none)");
	print_where_live(f, rip);
}

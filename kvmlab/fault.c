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
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvmlab/fault.h"
#include "kvmlab/log.h"
#include "kvmlab/modes.h"

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

/* Up to 15 bytes (the longest x86 instruction) at CS:RIP, via KVM's own
 * translation so it works with paging on. */
static int bytes_at_rip(const struct fault_context *f, uint64_t rip,
			uint8_t *out, size_t max)
{
	struct kvm_sregs s;
	struct kvm_translation t = {0};
	uint64_t gpa, room;
	const uint8_t *p;

	if (!f->mem || ioctl(f->vcpu_fd, KVM_GET_SREGS, &s) < 0)
		return 0;
	/* Real mode: IP is 16 bits, but CS.base can be anything KVM_SET_SREGS
	 * put there (0xffff0000 at reset). */
	t.linear_address = s.cs.base + ((s.cr0 & CR0_PE) ? rip : rip & 0xffff);
	if (ioctl(f->vcpu_fd, KVM_TRANSLATE, &t) < 0 || !t.valid)
		return 0;
	gpa = t.physical_address;
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

static void print_where(const struct fault_context *f, uint64_t rip)
{
	char mode[96], name[96];
	uint8_t code[15];
	int n;

	if (f->image)
		image_addr_name(f->image, rip, name, sizeof(name));
	else
		snprintf(name, sizeof(name), "0x%" PRIx64, rip);
	hint("where: rip %s, %s", name,
	     fault_cpu_mode(f->vcpu_fd, mode, sizeof(mode)));
	n = bytes_at_rip(f, rip, code, sizeof(code));
	if (n < 0)
		hint("rip points outside guest RAM: there is no code there "
		     "(a jump or return to a wrong address?)");
	if (n > 0) {
		char hex[3 * sizeof(code) + 1] = "";

		for (int i = 0; i < n; i++)
			snprintf(hex + 3 * i, 4, "%02x ", code[i]);
		hint("bytes at rip: %s", hex);
	}
	if (f->history) {
		fflush(stdout);
		fprintf(stderr, "  last exits (oldest first):\n");
		exit_history_print(f->history, stderr);
	}
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
		break;
	case KVM_EXIT_FAIL_ENTRY:
		error("KVM could not enter the guest (exit reason FAIL_ENTRY, "
		      "hardware reason 0x%" PRIx64 ": %s)",
		      e->code, fail_entry_name(e->code));
		hint(
		    "what: the CPU checked the register state the VMM set with "
		    "KVM_SET_SREGS / KVM_SET_REGS and refused it (Intel SDM "
		    "Vol. 3C, 27.3)");
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
	print_where(f, e->rip);
}

void explain_timeout(const struct fault_context *f, unsigned seconds)
{
	struct kvm_regs r;
	uint64_t rip = 0;

	if (ioctl(f->vcpu_fd, KVM_GET_REGS, &r) == 0)
		rip = r.rip;
	error("the guest was still running after --timeout %u s: stopped it",
	      seconds);
	hint("likely: an endless loop; a loop that makes no exits is "
	     "invisible to the VMM until the timer stops it");
	hint("fix: look at the code around rip below, or give more time "
	     "with --timeout SEC (0 = none)");
	print_where(f, rip);
}

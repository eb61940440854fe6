/* SPDX-License-Identifier: MIT */
/*
 * vcpu: create a vCPU and run it (chapter 2).
 *
 * The run loop is the whole of "hardware-assisted virtualisation" seen from
 * user space: KVM_RUN executes guest code until the guest does something the
 * CPU will not let it do alone (port I/O, a halt, a fault); the ioctl returns,
 * we emulate what the guest asked for, and call KVM_RUN again.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/base/now.h"
#include "kvmlab/kvm/vcpu.h"
#include "labs/exercise.h"

/*
 * The CPUID the guest sees is the VMM's choice: KVM answers CPUID from the
 * table KVM_SET_CPUID2 gave it, and a vCPU without one reports no long
 * mode.  Chapter 3 needs it: a guest that turns on EFER.LME itself
 * (WRMSR, as --guest-paging does) takes a #GP without it, and newer
 * kernels also refuse EFER.LME in KVM_SET_SREGS.
 */
int vcpu_set_cpuid(struct vcpu *v)
{
	/* EXERCISE ch03-long-mode-cpu: the CPUID of the host's KVM, given */
#ifndef KVMLAB_STUBS
	struct kvm_cpuid2 *cpuid = NULL;
	int r = 0;

	/*
	 * KVM_GET_SUPPORTED_CPUID says how many entries it has only by
	 * failing with E2BIG when nent is too small: grow until it fits.
	 */
	for (unsigned n = 64; n <= 4096; n *= 2) {
		free(cpuid);
		cpuid = calloc(1, sizeof(*cpuid) +
				      n * sizeof(struct kvm_cpuid_entry2));
		if (!cpuid)
			return -ENOMEM;
		cpuid->nent = n;
		r = ioctl(v->vm->kvm->fd, KVM_GET_SUPPORTED_CPUID, cpuid) < 0
			? -errno
			: 0;
		if (r != -E2BIG)
			break;
	}
	if (!r && ioctl(v->fd, KVM_SET_CPUID2, cpuid) < 0)
		r = -errno;
	if (r)
		error("setting the guest's CPUID failed: %s", strerror(-r));
	free(cpuid);
	return r;
#else
	(void)v;
	exercise_todo("ch03-long-mode-cpu", "exercises/03-long-mode/README.md");
#endif /* END EXERCISE ch03-long-mode-cpu */
}

int vcpu_create(struct vcpu *v, struct vm *vm, int id)
{
	int err, sync;

	memset(v, 0, sizeof(*v));
	v->vm = vm;
	v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, id);
	if (v->fd < 0) {
		err = errno;
		error("KVM_CREATE_VCPU %d failed: %s", id, strerror(err));
		return -err;
	}
	v->run = mmap(NULL, vm->kvm->vcpu_mmap_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		err = errno;
		v->run = NULL;
		error("mmap of the vCPU's kvm_run failed: %s", strerror(err));
		vcpu_destroy(v);
		return -err;
	}
	/* With sync regs KVM copies the registers into kvm_run on every exit,
	 * so the trace learns RIP, and the fault report keeps each exit's
	 * state (AMD-V resets the vCPU at SHUTDOWN), without an ioctl. */
	sync = kvm_cap(vm->kvm, KVM_CAP_SYNC_REGS);
	if (sync & KVM_SYNC_X86_REGS) {
		v->run->kvm_valid_regs =
		    KVM_SYNC_X86_REGS | (sync & KVM_SYNC_X86_SREGS);
		v->sync_regs = true;
	}
	return 0;
}

void vcpu_destroy(struct vcpu *v)
{
	if (v->run)
		munmap(v->run, v->vm->kvm->vcpu_mmap_size);
	v->run = NULL;
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
}

#define VCPU_IOCTL(v, req, arg, name)                                          \
	do {                                                                   \
		if (ioctl((v)->fd, req, arg) < 0) {                            \
			int err_ = errno;                                      \
			error(name " failed: %s", strerror(err_));             \
			return -err_;                                          \
		}                                                              \
		return 0;                                                      \
	} while (0)

int vcpu_get_regs(struct vcpu *v, struct kvm_regs *r)
{
	VCPU_IOCTL(v, KVM_GET_REGS, r, "KVM_GET_REGS");
}

int vcpu_set_regs(struct vcpu *v, const struct kvm_regs *r)
{
	VCPU_IOCTL(v, KVM_SET_REGS, r, "KVM_SET_REGS");
}

int vcpu_get_sregs(struct vcpu *v, struct kvm_sregs *s)
{
	VCPU_IOCTL(v, KVM_GET_SREGS, s, "KVM_GET_SREGS");
}

int vcpu_set_sregs(struct vcpu *v, const struct kvm_sregs *s)
{
	VCPU_IOCTL(v, KVM_SET_SREGS, s, "KVM_SET_SREGS");
}

int vcpu_get_events(struct vcpu *v, struct kvm_vcpu_events *ev)
{
	VCPU_IOCTL(v, KVM_GET_VCPU_EVENTS, ev, "KVM_GET_VCPU_EVENTS");
}

int vcpu_get_mp_state(struct vcpu *v, struct kvm_mp_state *mp)
{
	VCPU_IOCTL(v, KVM_GET_MP_STATE, mp, "KVM_GET_MP_STATE");
}

void vcpu_stop(void *vcpu, int status)
{
	struct vcpu *v = vcpu;

	v->stop = true;
	v->stop_status = status;
}

struct fault_context vcpu_fault_context(const struct vcpu *v)
{
	return (struct fault_context){.vcpu_fd = v->fd,
				      .run = v->run,
				      .mem = &v->vm->mem,
				      .image = v->rec ? v->rec->image : NULL,
				      .log = v->rec ? &v->rec->log : NULL,
				      .last = &v->last};
}

void vcpu_record_exit(struct vcpu *v, struct exit_info *e)
{
	e->seq = ++v->exits;
	if (v->rec)
		exit_record_add(v->rec, e);
}

int vcpu_translate(struct vcpu *v, uint64_t va, uint64_t *gpa)
{
	struct kvm_translation t = {.linear_address = va};

	if (ioctl(v->fd, KVM_TRANSLATE, &t) < 0) {
		int err = errno;

		error("KVM_TRANSLATE of 0x%llx failed: %s",
		      (unsigned long long)va, strerror(err));
		return -err;
	}
	if (!t.valid)
		return -ENOENT;
	*gpa = t.physical_address;
	return 0;
}

/* ---- --timeout ---------------------------------------------------------- */

static volatile sig_atomic_t timeout_fired;
static struct kvm_run *volatile timeout_run;

static void on_alarm(int sig)
{
	(void)sig;
	timeout_fired = 1;
	if (timeout_run)
		timeout_run->immediate_exit = 1;
}

void run_timeout_arm(struct kvm_run *run, unsigned seconds)
{
	struct sigaction sa = {.sa_handler = on_alarm};
	struct itimerval it = {.it_value = {.tv_sec = seconds}};

	timeout_fired = 0;
	timeout_run = run;
	if (!seconds)
		return;
	/* No SA_RESTART: the signal must make KVM_RUN return EINTR. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

bool run_timeout_expired(void)
{
	return timeout_fired;
}

void run_timeout_disarm(void)
{
	struct itimerval off = {0};

	setitimer(ITIMER_REAL, &off, NULL);
	timeout_run = NULL;
}

/* ---- the run loop ------------------------------------------------------- */

static uint64_t exit_rip(struct vcpu *v)
{
	struct kvm_regs regs;

	if (v->sync_regs)
		return v->run->s.regs.regs.rip;
	if (ioctl(v->fd, KVM_GET_REGS, &regs) < 0)
		return 0;
	return regs.rip;
}

/*
 * IN and string I/O (chapter 4): every element of the exit goes to the
 * device in turn.  KVM_RUN copies the data page into the guest when it
 * completes the instruction on the next entry, so an IN's answer must be
 * there before then; the exit log shows the first one.
 */
static void io_elements(struct vcpu *v, struct exit_info *e, uint8_t *p)
{
	/* EXERCISE ch04-port-dispatch: IN's answer, and REP's count */
#ifndef KVMLAB_STUBS
	struct kvm_run *run = v->run;

	/* A device may end the run (the debug-exit port): stop there. */
	for (uint32_t i = 0; i < run->io.count && !v->stop;
	     i++, p += run->io.size) {
		uint64_t val = 0;

		if (e->out) {
			memcpy(&val, p, run->io.size);
			bus_dispatch(v->pio, run->io.port, run->io.size, true,
				     &val);
		} else {
			bus_dispatch(v->pio, run->io.port, run->io.size, false,
				     &val);
			memcpy(p, &val, run->io.size);
			if (i == 0) {
				e->data = val;
				e->answered = true;
			}
		}
	}
#else
	(void)v;
	(void)e;
	(void)p;
	exercise_todo("ch04-port-dispatch", "exercises/04-port-io/README.md");
#endif /* END EXERCISE ch04-port-dispatch */
}

/*
 * Port I/O: KVM left the data in the kvm_run page at data_offset, `count`
 * elements of `size` bytes (count > 1 for REP INS/OUTS).
 */
static void handle_io(struct vcpu *v, struct exit_info *e)
{
	struct kvm_run *run = v->run;
	size_t span = (size_t)run->io.size * run->io.count;
	uint8_t *p = (uint8_t *)run + run->io.data_offset;
	uint64_t val = 0;

	if (v->io_exit) {
		int status = v->io_exit(v->io_opaque, run, e->rip);

		if (status >= 0)
			vcpu_stop(v, status);
		return;
	}
	/* KVM never reports an element wider than `val` or data outside
	 * the mapping, but a corrupt kvm_run must not make us overflow. */
	if (!exit_io_size_ok(run) ||
	    run->io.data_offset > (size_t)v->vm->kvm->vcpu_mmap_size ||
	    span > (size_t)v->vm->kvm->vcpu_mmap_size - run->io.data_offset)
		return;
	if (!e->out || run->io.count != 1) {
		io_elements(v, e, p);
		return;
	}
	/* One OUT, all that chapters 1-3's guests do: chapter 1's case. */
	memcpy(&val, p, run->io.size);
	bus_dispatch(v->pio, run->io.port, run->io.size, true, &val);
}

/*
 * MMIO (chapter 5): an access to guest-physical memory that no memory
 * slot backs.  KVM decoded the instruction: phys_addr, len (1 to 8) and
 * data; for a read the device's answer goes into data, which KVM loads
 * into the guest's register on the next KVM_RUN.
 */
static void handle_mmio(struct vcpu *v, struct exit_info *e)
{
	/* EXERCISE ch05-handle-mmio: the access KVM decoded, to the bus */
#ifndef KVMLAB_STUBS
	struct kvm_run *run = v->run;
	uint64_t val = 0;

	if (run->mmio.len > sizeof(val))
		return;
	if (run->mmio.is_write) {
		memcpy(&val, run->mmio.data, run->mmio.len);
		bus_dispatch(v->mmio, run->mmio.phys_addr, run->mmio.len, true,
			     &val);
	} else {
		bus_dispatch(v->mmio, run->mmio.phys_addr, run->mmio.len, false,
			     &val);
		memcpy(run->mmio.data, &val, run->mmio.len);
		e->data = val;
		e->answered = true;
	}
#else
	(void)v;
	(void)e;
	exercise_todo("ch05-handle-mmio",
		      "exercises/05-mmio-devicetree/README.md");
#endif /* END EXERCISE ch05-handle-mmio */
}

int vcpu_step(struct vcpu *v, struct exit_info *e)
{
	memset(e, 0, sizeof(*e));
	if (ioctl(v->fd, KVM_RUN, 0) < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return VCPU_INTERRUPTED;
		error("KVM_RUN failed: %s", strerror(errno));
		return ABI_STATUS_HOST;
	}
	return vcpu_handle_exit(v, e);
}

int vcpu_handle_exit(struct vcpu *v, struct exit_info *e)
{
	struct fault_context fc;

	exit_decode(v->run, v->exits + 1, exit_rip(v), e);
	/* Keep this exit's state for a SHUTDOWN that may come next: AMD-V
	 * resets the vCPU before reporting one.  A debug stop is no exit of
	 * the guest's, but its state is the newest there is. */
	if (e->reason != KVM_EXIT_SHUTDOWN)
		exit_state_save(&v->last,
				e->reason == KVM_EXIT_DEBUG ||
					e->reason == KVM_EXIT_INTR
				    ? 0
				    : e->seq,
				v->run);
	switch (e->reason) {
	case KVM_EXIT_DEBUG:
		/* Single-step or a breakpoint: the debugger's, not an exit
		 * the guest caused, so it is neither counted nor traced. */
		if (v->guest_debug)
			return VCPU_DEBUG_STOP;
		break;
	case KVM_EXIT_INTR:
		return VCPU_INTERRUPTED;
	/* An exit with no bus to take it (chapter 1's viewer has no MMIO
	 * bus) ends the run as an unhandled exit, below. */
	case KVM_EXIT_IO:
		if (!v->pio && !v->io_exit)
			break;
		handle_io(v, e);
		vcpu_record_exit(v, e);
		return v->stop ? v->stop_status : VCPU_CONTINUE;
	case KVM_EXIT_MMIO:
		if (!v->mmio)
			break;
		handle_mmio(v, e);
		vcpu_record_exit(v, e);
		return v->stop ? v->stop_status : VCPU_CONTINUE;
	case KVM_EXIT_HLT:
		/*
		 * Only a VM without an in-kernel irqchip (chapters 1-5) sees
		 * this exit, and no interrupt can wake it: HLT is the end.
		 * With one (chapter 6 on), KVM keeps a halted vCPU in the
		 * kernel until an interrupt arrives, and the guest ends
		 * through the debug-exit port.
		 */
		vcpu_record_exit(v, e);
		return ABI_STATUS_OK;
	default:
		break;
	}
	vcpu_record_exit(v, e);
	fc = vcpu_fault_context(v);
	if (!v->rec || !v->rec->quiet_faults)
		explain_fault(&fc, e);
	return ABI_STATUS_FAULT;
}

int vcpu_run(struct vcpu *v, unsigned timeout_sec)
{
	struct fault_context fc = vcpu_fault_context(v);
	uint64_t start = now_ns();
	struct exit_info e;
	int status;

	v->stop = false;
	run_timeout_arm(v->run, timeout_sec);
	do {
		status = vcpu_step(v, &e);
		if (status == VCPU_INTERRUPTED && v->signalled) {
			v->run->immediate_exit = 0;
			v->signalled(v->signalled_opaque);
		}
		if (status == VCPU_INTERRUPTED && run_timeout_expired()) {
			explain_timeout(&fc, timeout_sec);
			status = ABI_STATUS_TIMEOUT;
		}
	} while (status < 0);
	run_timeout_disarm();
	if (v->rec)
		v->rec->stats.elapsed_ns = now_ns() - start;
	return status;
}

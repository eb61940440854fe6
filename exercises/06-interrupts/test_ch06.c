/* SPDX-License-Identifier: MIT */
/*
 * test_ch06: the graded tests of chapter 6's exercises: the 8250's
 * interrupt output as a level (ch06-uart-line, kvmlab/dev/serial8250.c),
 * KVM's in-kernel irqchip and KVM_IRQ_LINE (ch06-irqchip,
 * kvmlab/irq/irqchip.c), and an irqfd with its resample eventfd
 * (ch06-irqfd, kvmlab/irq/kvmirq.c).
 *
 * The UART tests need no KVM: they drive the model's registers and watch
 * a line that writes down every change, checked against the data sheet's
 * rule (asserted = a cause in IIR and OUT2 set), also over a random
 * sequence of accesses drawn afresh each run.  They never read RBR or LSR
 * (chapter 4's ch04-uart-lsr): the receiver is emptied through FCR.
 *
 * The KVM tests run the grading guest exercises/06-interrupts/irqwait16.S
 * in real mode: it programs the PICs, makes IRQ 4 level-triggered and
 * sleeps in HLT; each interrupt it takes, it writes a random token the
 * grader gave it plus its count of interrupts to port 0x80.  So the
 * grader sees, from the VMM's side, exactly which interrupts reached the
 * guest, and that none came while the line was down.  The irqfd tests
 * create the irqchip with their own ioctl, never with the ch06-irqchip
 * exercise: each exercise is graded on its own.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "../lib/grade.h"
#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/dev/serial8250.h"
#include "kvmlab/exits/exits.h"
#include "kvmlab/irq/iothread.h"
#include "kvmlab/irq/irqchip.h"
#include "kvmlab/irq/kvmirq.h"
#include "kvmlab/load/loader.h"
#include "kvmlab/machine/boot.h"

static uint32_t random32(void)
{
	uint32_t v;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint32_t)time(NULL) ^ (uint32_t)getpid() << 16;
	return v;
}

/* ---- ch06-uart-line --------------------------------------------------- */

static struct serial8250 u;
static struct {
	int calls, raised;
	bool level;
} line;

static void line_set(void *opaque, bool level)
{
	(void)opaque;
	line.calls++;
	line.raised += level;
	line.level = level;
}

static void uart_wired(void)
{
	log_level = LOG_QUIET;
	serial8250_init(&u, NULL, -1);
	memset(&line, 0, sizeof(line));
	u.irq = (struct irq_line){.set = line_set};
}

/* The data sheet's rule, from registers the exercise does not compute. */
static bool asserted(void)
{
	return !(serial8250_iir(&u) & UART_IIR_NO_INT) &&
	       (u.mcr & UART_MCR_OUT2);
}

static void want_level(bool want, int calls, const char *after)
{
	check(line.level == want && line.calls == calls,
	      "after %s: the line is %s after %d changes, expected %s after "
	      "%d (drive it on every change, and only then)",
	      after, line.level ? "up" : "down", line.calls,
	      want ? "up" : "down", calls);
}

static void line_levels(void **state)
{
	(void)state;
	uart_wired();
	serial8250_write(&u, UART_MCR, UART_MCR_OUT2);
	serial8250_write(&u, UART_IER, UART_IER_RDI);
	want_level(false, 0, "OUT2 and IER.RDI with nothing received");
	serial8250_receive(&u, 'k');
	want_level(true, 1, "a byte arrived");
	serial8250_read(&u, UART_IIR);
	serial8250_read(&u, UART_MSR);
	want_level(true, 1, "IIR and MSR were read (neither clears RDI)");
	serial8250_write(&u, UART_FCR, UART_FCR_CLEAR_RX);
	want_level(false, 2, "the receiver was cleared (FCR)");
	serial8250_write(&u, UART_IER, UART_IER_THRI);
	want_level(true, 3, "IER.THRI set with THR empty");
	serial8250_read(&u, UART_IIR);
	want_level(false, 4, "IIR read while it showed THR empty");
	serial8250_write(&u, UART_THR, 'x');
	want_level(true, 5, "a byte written to THR (sent at once)");
	serial8250_write(&u, UART_MCR, 0);
	want_level(false, 6, "OUT2 cleared");
	serial8250_write(&u, UART_MCR, UART_MCR_OUT2);
	want_level(true, 7, "OUT2 set again");
	serial8250_write(&u, UART_IER, 0);
	want_level(false, 8, "IER cleared");
	check(u.irq_raised == 4, "irq_raised = %llu, expected 4 rising edges",
	      (unsigned long long)u.irq_raised);
}

/* serial8250_irq_line() for each cause, with and without OUT2. */
static void line_gate(void **state)
{
	static const struct {
		uint8_t ier;
		const char *cause;
	} causes[] = {
	    {UART_IER_RLSI, "an overrun (line status)"},
	    {UART_IER_RDI, "received data"},
	    {UART_IER_THRI, "THR empty"},
	    {UART_IER_MSI, "a modem status change"},
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(causes) / sizeof(causes[0]); i++) {
		uart_wired();
		u.irq.set = NULL; /* the output alone, no line */
		serial8250_write(&u, UART_IER, causes[i].ier);
		serial8250_read(&u, UART_MSR);
		/* Make every cause true at once; IER picks one. */
		serial8250_receive(&u, '1');
		serial8250_receive(&u, '2'); /* overrun: 1-byte buffer */
		serial8250_hang_up(&u);
		check(!serial8250_irq_line(&u),
		      "%s pending but OUT2 clear: the output is asserted "
		      "(a PC gates it with OUT2)",
		      causes[i].cause);
		serial8250_write(&u, UART_MCR, UART_MCR_OUT2);
		check(serial8250_irq_line(&u),
		      "%s pending and OUT2 set: the output is not asserted",
		      causes[i].cause);
		serial8250_write(&u, UART_IER, 0);
		check(!serial8250_irq_line(&u),
		      "IER cleared: no cause is enabled, yet the output is "
		      "asserted");
	}
}

/* A random sequence of what a driver and the line do, drawn each run. */
static void line_random(void **state)
{
	uint32_t seed = random32();
	int changes = 0, rises = 0;
	bool was = false;

	(void)state;
	uart_wired();
	srandom(seed);
	for (int step = 0; step < 4000; step++) {
		unsigned op = (unsigned)random() % 9;
		uint8_t v = (uint8_t)random();

		switch (op) {
		case 0:
			serial8250_write(&u, UART_IER, v & 0x0f);
			break;
		case 1:
			serial8250_write(&u, UART_MCR, v & 0x0f);
			break;
		case 2:
			serial8250_write(&u, UART_THR, v);
			break;
		case 3: /* FIFOs on or off, the receiver cleared or not */
			serial8250_write(&u, UART_FCR, v & 0xc3);
			break;
		case 4:
		case 5:
			serial8250_receive(&u, v);
			break;
		default: /* reads of IIR and MSR */
			serial8250_read(&u, op < 7 ? UART_IIR : UART_MSR);
			break;
		}
		if (asserted() != was) {
			changes++;
			rises += !was;
			was = !was;
		}
		check(line.level == was && line.calls == changes,
		      "seed %u, step %d (operation %u): the line is %s after "
		      "%d changes; the chip's output is %s after %d",
		      seed, step, op, line.level ? "up" : "down", line.calls,
		      was ? "up" : "down", changes);
	}
	check(u.irq_raised == (uint64_t)rises,
	      "seed %u: irq_raised = %llu, but the line rose %d times", seed,
	      (unsigned long long)u.irq_raised, rises);
}

/* ---- the grading guest and its VM ---------------------------------------
 */

#define IRQ_TOKEN  0x0f00 /* irqwait16.S */
#define GRADE_PORT 0x80
#define COM1_IRQ   4
#define READY	   0xffffffffu /* irqvm_next(): the guest's 'R' */
#define SILENT	   0xfffffffeu /* irqvm_next(): nothing within 1 s */

struct irqvm {
	struct kvm kvm;
	struct vm vm;
	struct vcpu cpu;
	struct guest_image img;
	uint32_t token;
};

/*
 * A VM with KVM's irqchip (made by the exercise, or by the test's own
 * ioctl), one vCPU in real mode and the grading guest, up to its 'R'.
 */
static uint32_t irqvm_next(struct irqvm *t);

static void irqvm_open(struct irqvm *t, bool by_exercise)
{
	int r;

	grade_need_kvm();
	log_level = LOG_ERROR;
	memset(t, 0, sizeof(*t));
	check(kvm_open(&t->kvm) == 0 &&
		  vm_create(&t->vm, &t->kvm, ABI_RAM_DEFAULT) == 0,
	      "cannot open KVM and create a VM");
	if (by_exercise) {
		r = irqchip_create(&t->vm);
		check(r == 0, "irqchip_create() returned %d, expected 0", r);
	} else {
		check(ioctl(t->vm.fd, KVM_CREATE_IRQCHIP, 0) == 0,
		      "the grader's KVM_CREATE_IRQCHIP failed: %s",
		      strerror(errno));
	}
	check(vcpu_create(&t->cpu, &t->vm, 0) == 0, "cannot create a vCPU");
	check(load_guest_file(&t->vm.mem,
			      grade_guest("exercises/irqwait16.bin"),
			      ABI_REAL_LOAD, 0, &t->img) == 0,
	      "cannot load %s", grade_guest("exercises/irqwait16.bin"));
	check(boot_real(&t->cpu, ABI_REAL_LOAD) == 0, "cannot boot it");
	t->token = random32() & 0x7fffffff;
	check(guest_write(&t->vm.mem, IRQ_TOKEN, &t->token, 4) == 0,
	      "cannot write the token");
	check(irqvm_next(t) == READY,
	      "the grading guest did not say it was ready");
}

static void irqvm_close(struct irqvm *t)
{
	image_free(&t->img);
	vcpu_destroy(&t->cpu);
	vm_destroy(&t->vm);
	kvm_close(&t->kvm);
}

/*
 * Run to the guest's next OUT to port 0x80: READY, the handler's
 * token + n, or SILENT when nothing came for a second.
 */
static uint32_t irqvm_next(struct irqvm *t)
{
	struct kvm_run *run = t->cpu.run;
	uint32_t v = 0;
	int r;

	run_timeout_arm(run, 1);
	r = ioctl(t->cpu.fd, KVM_RUN, 0);
	run_timeout_disarm();
	if (r < 0) {
		check(errno == EINTR, "KVM_RUN failed: %s", strerror(errno));
		run->immediate_exit = 0;
		return SILENT;
	}
	check(run->exit_reason != KVM_EXIT_HLT,
	      "the guest's HLT reached the VMM (KVM_EXIT_HLT): the VM has "
	      "no in-kernel irqchip, which would keep it in the kernel");
	check(run->exit_reason == KVM_EXIT_IO &&
		  run->io.direction == KVM_EXIT_IO_OUT &&
		  run->io.port == GRADE_PORT,
	      "unexpected exit %s from the grading guest",
	      exit_reason_name(run->exit_reason));
	memcpy(&v, (uint8_t *)run + run->io.data_offset,
	       run->io.size < 4 ? run->io.size : 4);
	if (run->io.size == 1)
		return v == 'R' ? READY : v;
	return v;
}

/* The n-th interrupt reached the guest: it wrote token + n. */
static void want_interrupt(struct irqvm *t, uint32_t n, const char *when)
{
	uint32_t got = irqvm_next(t);

	check(got != SILENT,
	      "%s: interrupt %u never reached the guest (nothing for 1 s)",
	      when, n);
	check(got == t->token + n,
	      "%s: the guest wrote 0x%x, expected 0x%x (its token + %u)", when,
	      got, t->token + n, n);
}

static void want_silence(struct irqvm *t, const char *when)
{
	uint32_t got = irqvm_next(t);

	check(got == SILENT,
	      "%s: the guest took another interrupt (it wrote 0x%x, token + "
	      "%d)",
	      when, got, (int)(got - t->token));
}

/* ---- ch06-irqchip ----------------------------------------------------- */

static void irqchip_exists(void **state)
{
	struct kvm_irqchip pic = {.chip_id = KVM_IRQCHIP_PIC_MASTER};
	struct kvm_pit_state2 pit;
	struct kvm kvm;
	struct vm vm;
	int r;

	(void)state;
	grade_need_kvm();
	log_level = LOG_ERROR;
	check(kvm_open(&kvm) == 0 && vm_create(&vm, &kvm, ABI_RAM_DEFAULT) == 0,
	      "cannot open KVM and create a VM");
	r = irqchip_create(&vm);
	check(r == 0, "irqchip_create() returned %d, expected 0", r);
	check(ioctl(vm.fd, KVM_GET_IRQCHIP, &pic) == 0,
	      "KVM_GET_IRQCHIP: %s: the VM has no in-kernel PIC",
	      strerror(errno));
	check(ioctl(vm.fd, KVM_GET_PIT2, &pit) == 0,
	      "KVM_GET_PIT2: %s: the VM has no in-kernel PIT (KVM_CREATE_PIT2)",
	      strerror(errno));
	vm_destroy(&vm);
	kvm_close(&kvm);
}

/* KVM takes an irqchip only before the first vCPU: say so, return < 0. */
static void irqchip_too_late(void **state)
{
	struct kvm kvm;
	struct vm vm;
	struct vcpu cpu;
	int r;

	(void)state;
	grade_need_kvm();
	log_level = LOG_QUIET;
	check(kvm_open(&kvm) == 0 && vm_create(&vm, &kvm, ABI_RAM_DEFAULT) == 0,
	      "cannot open KVM and create a VM");
	check(vcpu_create(&cpu, &vm, 0) == 0, "cannot create a vCPU");
	r = irqchip_create(&vm);
	check(r < 0,
	      "irqchip_create() after a vCPU returned %d: KVM refuses "
	      "it then, and the error must reach the caller (-errno)",
	      r);
	vcpu_destroy(&cpu);
	vm_destroy(&vm);
	kvm_close(&kvm);
}

struct late_raise {
	struct vm *vm;
	int r;
};

static void *raise_later(void *arg)
{
	struct late_raise *l = arg;
	struct timespec ts = {0, 100 * 1000 * 1000};

	nanosleep(&ts, NULL);
	l->r = irqchip_set_line(l->vm, COM1_IRQ, true);
	return NULL;
}

/* The guest sleeps in HLT in the kernel; raising the line wakes it. */
static void line_wakes(void **state)
{
	struct irqvm t;
	struct late_raise l;
	pthread_t th;

	(void)state;
	irqvm_open(&t, true);
	l = (struct late_raise){.vm = &t.vm, .r = 1};
	check(pthread_create(&th, NULL, raise_later, &l) == 0,
	      "cannot start a thread");
	want_interrupt(&t, 1, "line 4 raised while the guest slept");
	pthread_join(th, NULL);
	check(l.r == 0, "irqchip_set_line() returned %d, expected 0", l.r);
	check(irqchip_set_line(&t.vm, COM1_IRQ, false) == 0,
	      "irqchip_set_line(4, false) failed");
	want_silence(&t, "line 4 lowered before the guest's EOI");
	irqvm_close(&t);
}

/* Level-triggered: the line kept up interrupts again after the EOI. */
static void line_level(void **state)
{
	struct irqvm t;
	uint32_t n = 2 + random32() % 4;

	(void)state;
	irqvm_open(&t, true);
	check(irqchip_set_line(&t.vm, COM1_IRQ, true) == 0,
	      "irqchip_set_line(4, true) failed");
	for (uint32_t i = 1; i <= n; i++)
		want_interrupt(&t, i, "line 4 held up");
	check(irqchip_set_line(&t.vm, COM1_IRQ, false) == 0,
	      "irqchip_set_line(4, false) failed");
	want_silence(&t, "line 4 lowered");
	irqvm_close(&t);
}

/* ---- ch06-irqfd ------------------------------------------------------- */

struct irqfd_vm {
	struct irqvm t;
	struct kvmirq k;
	struct iothread io;
	struct irq_line line;
};

static void irqfd_open(struct irqfd_vm *f)
{
	int r;

	irqvm_open(&f->t, false);
	check(iothread_init(&f->io) == 0, "iothread_init failed");
	r = kvmirq_init(&f->k, &f->t.vm, COM1_IRQ, KVMIRQ_IRQFD, &f->io);
	check(r == 0, "kvmirq_init(KVMIRQ_IRQFD) returned %d, expected 0", r);
	check(f->k.mode == KVMIRQ_IRQFD,
	      "this KVM offers KVM_CAP_IRQFD_RESAMPLE, yet the line fell back "
	      "to KVM_IRQ_LINE");
	check(iothread_start(&f->io) == 0, "iothread_start failed");
	f->line = kvmirq_line(&f->k);
}

static void irqfd_close(struct irqfd_vm *f)
{
	iothread_stop(&f->io);
	kvmirq_close(&f->k);
	irqvm_close(&f->t);
}

/* KVM knows both eventfds; the I/O thread waits on the resample one. */
static void irqfd_assigned(void **state)
{
	struct irqfd_vm f;
	struct kvm_irqfd again;
	int err;

	(void)state;
	irqvm_open(&f.t, false);
	check(iothread_init(&f.io) == 0, "iothread_init failed");
	check(kvmirq_init(&f.k, &f.t.vm, COM1_IRQ, KVMIRQ_IRQFD, &f.io) == 0,
	      "kvmirq_init(KVMIRQ_IRQFD) failed");
	check(f.k.irqfd >= 0 && f.k.resamplefd >= 0 &&
		  f.k.irqfd != f.k.resamplefd,
	      "irqfd %d, resamplefd %d: two eventfds expected", f.k.irqfd,
	      f.k.resamplefd);
	/* KVM refuses an eventfd it already has on a line: EBUSY. */
	again = (struct kvm_irqfd){.fd = (uint32_t)f.k.irqfd,
				   .gsi = COM1_IRQ,
				   .flags = KVM_IRQFD_FLAG_RESAMPLE,
				   .resamplefd = (uint32_t)f.k.resamplefd};
	err = ioctl(f.t.vm.fd, KVM_IRQFD, &again) < 0 ? errno : 0;
	check(err == EBUSY,
	      "KVM does not have the irqfd on line 4 (assigning it again "
	      "gave %s, not EBUSY)",
	      err ? strerror(err) : "success");
	check(f.io.nsrc == 1 && f.io.src[0].fd == f.k.resamplefd,
	      "the I/O thread does not wait on the resample eventfd");
	iothread_stop(&f.io);
	kvmirq_close(&f.k);
	irqvm_close(&f.t);
}

static void irqfd_delivers(void **state)
{
	struct irqfd_vm f;

	(void)state;
	irqfd_open(&f);
	irq_line_set(&f.line, true);
	want_interrupt(&f.t, 1, "the line raised through the irqfd");
	irq_line_set(&f.line, false);
	want_silence(&f.t, "the device lowered its output before the EOI");
	irqfd_close(&f);
}

/* Held up for n interrupts: each EOI's resample must raise it again. */
static void irqfd_resample(void **state)
{
	struct irqfd_vm f;
	uint32_t n = 2 + random32() % 4;

	(void)state;
	irqfd_open(&f);
	irq_line_set(&f.line, true);
	for (uint32_t i = 1; i <= n; i++) {
		want_interrupt(&f.t, i,
			       i == 1 ? "the line raised through the irqfd"
				      : "the output still up after the EOI "
					"(resample)");
		if (i == n)
			irq_line_set(&f.line, false);
	}
	want_silence(&f.t, "the output lowered, then the EOI");
	irqfd_close(&f);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(line_levels),
	    cmocka_unit_test(line_gate),
	    cmocka_unit_test(line_random),
	    cmocka_unit_test(irqchip_exists),
	    cmocka_unit_test(irqchip_too_late),
	    cmocka_unit_test(line_wakes),
	    cmocka_unit_test(line_level),
	    cmocka_unit_test(irqfd_assigned),
	    cmocka_unit_test(irqfd_delivers),
	    cmocka_unit_test(irqfd_resample),
	};

	return GRADE_MAIN("ch06", tests);
}

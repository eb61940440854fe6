/* SPDX-License-Identifier: MIT */
/*
 * kvmirq: a device's interrupt line into KVM, by KVM_IRQ_LINE or by an
 * irqfd with a resample eventfd (chapter 6; see kvmirq.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kvmlab/base/log.h"
#include "kvmlab/irq/irqchip.h"
#include "kvmlab/irq/kvmirq.h"
#include "labs/exercise.h"

static void signal_fd(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		warning("eventfd write failed: %s", strerror(errno));
}

/* The device drove its line to `level`; the caller holds its own lock. */
static void kvmirq_set(void *opaque, bool level)
{
	struct kvmirq *k = opaque;

	pthread_mutex_lock(&k->lock);
	if (level && !k->level)
		k->raised++;
	if (k->mode == KVMIRQ_LINE) {
		if (level != k->level)
			irqchip_set_line(k->vm, k->gsi, level);
	} else if (level && !k->level) {
		/* A rising edge: assert.  Lowering is KVM's job, at the
		 * guest's EOI; resample() below then looks again. */
		signal_fd(k->irqfd);
	}
	k->level = level;
	pthread_mutex_unlock(&k->lock);
}

/*
 * The guest acknowledged the interrupt and KVM deasserted the line.  A
 * level-triggered device that still has a cause keeps its output high,
 * so the line goes up again: that is what makes an irqfd level-triggered.
 */
static void resample(void *opaque)
{
	/* EXERCISE ch06-irqfd: KVM lowered the line at the EOI: raise it again? */
#ifndef KVMLAB_STUBS
	struct kvmirq *k = opaque;
	uint64_t count;

	if (read(k->resamplefd, &count, sizeof(count)) < 0)
		return;
	pthread_mutex_lock(&k->lock);
	k->resampled++;
	if (k->level) {
		k->reasserted++;
		signal_fd(k->irqfd);
	}
	pthread_mutex_unlock(&k->lock);
#else
	(void)opaque;
	exercise_todo("ch06-irqfd", "exercises/06-interrupts/README.md");
#endif /* END EXERCISE ch06-irqfd */
}

static int irqfd_assign(struct kvmirq *k, struct iothread *io)
{
	/* EXERCISE ch06-irqfd: two eventfds, KVM_IRQFD, the resampler */
#ifndef KVMLAB_STUBS
	struct kvm_irqfd req = {.gsi = k->gsi,
				.flags = KVM_IRQFD_FLAG_RESAMPLE};
	int err;

	k->irqfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	k->resamplefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (k->irqfd < 0 || k->resamplefd < 0) {
		err = errno;
		error("eventfd for line %u failed: %s", k->gsi, strerror(err));
		return -err;
	}
	req.fd = (uint32_t)k->irqfd;
	req.resamplefd = (uint32_t)k->resamplefd;
	if (ioctl(k->vm->fd, KVM_IRQFD, &req) < 0) {
		err = errno;
		error("KVM_IRQFD (line %u, with resample) failed: %s", k->gsi,
		      strerror(err));
		return -err;
	}
	return iothread_add(io, "irqfd resample", k->resamplefd, resample, NULL,
			    k);
#else
	(void)k;
	(void)io;
	(void)resample;
	exercise_todo("ch06-irqfd", "exercises/06-interrupts/README.md");
#endif /* END EXERCISE ch06-irqfd */
}

int kvmirq_init(struct kvmirq *k, struct vm *vm, unsigned gsi,
		enum kvmirq_mode mode, struct iothread *io)
{
	memset(k, 0, sizeof(*k));
	k->vm = vm;
	k->gsi = gsi;
	k->mode = mode;
	k->irqfd = k->resamplefd = -1;
	pthread_mutex_init(&k->lock, NULL);
	if (mode != KVMIRQ_IRQFD)
		return 0;
	if (kvm_cap(vm->kvm, KVM_CAP_IRQFD_RESAMPLE) <= 0) {
		warning("this KVM has no KVM_CAP_IRQFD_RESAMPLE: line %u uses "
			"KVM_IRQ_LINE instead of an irqfd",
			gsi);
		k->mode = KVMIRQ_LINE;
		return 0;
	}
	return irqfd_assign(k, io);
}

struct irq_line kvmirq_line(struct kvmirq *k)
{
	return (struct irq_line){.set = kvmirq_set, .opaque = k};
}

void kvmirq_close(struct kvmirq *k)
{
	if (!k->vm) /* never initialised */
		return;
	if (k->irqfd >= 0 && k->vm->fd >= 0) {
		struct kvm_irqfd req = {.fd = (uint32_t)k->irqfd,
					.gsi = k->gsi,
					.flags = KVM_IRQFD_FLAG_DEASSIGN};

		ioctl(k->vm->fd, KVM_IRQFD, &req);
	}
	if (k->irqfd >= 0)
		close(k->irqfd);
	if (k->resamplefd >= 0)
		close(k->resamplefd);
	k->irqfd = k->resamplefd = -1;
}

const char *kvmirq_mode_name(enum kvmirq_mode mode)
{
	return mode == KVMIRQ_IRQFD ? "irqfd+resample" : "KVM_IRQ_LINE";
}

void kvmirq_print_stats(const struct kvmirq *k, FILE *out)
{
	fprintf(out, "line %u (%s): raised %" PRIu64 " times", k->gsi,
		kvmirq_mode_name(k->mode), k->raised);
	if (k->mode == KVMIRQ_IRQFD)
		fprintf(out,
			", %" PRIu64 " EOIs resampled, %" PRIu64
			" still pending and raised again",
			k->resampled, k->reasserted);
	fputc('\n', out);
}

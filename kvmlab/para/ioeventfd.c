/* SPDX-License-Identifier: MIT */
/*
 * ioeventfd: OUTs KVM matches in the kernel and turns into eventfd
 * signals (chapter 7; see ioeventfd.h), and MMIO stores (chapter 8).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kvmlab/base/log.h"
#include "kvmlab/para/ioeventfd.h"
#include "labs/exercise.h"

/* The I/O thread: the eventfd is readable, its counter is the number
 * of OUTs KVM matched since the last read (which resets it). */
static void ready(void *opaque)
{
	struct ioeventfd *e = opaque;
	uint64_t count;

	if (read(e->fd, &count, sizeof(count)) != sizeof(count))
		return; /* EAGAIN: another read took it */
	e->signals += count;
	e->reads++;
	e->fired(e->opaque, count);
}

/* "port 0x510 (4-byte OUTs)" or "MMIO 0xd0000050 = 1 (4-byte stores)". */
static const char *what(const struct ioeventfd *e, char *buf, size_t len)
{
	if (e->mmio)
		snprintf(buf, len,
			 "MMIO 0x%" PRIx64 " = %" PRIu64 " (%u-byte stores)",
			 e->addr, e->datamatch, e->width);
	else
		snprintf(buf, len, "port 0x%x (%u-byte OUTs)", e->port,
			 e->width);
	return buf;
}

/* KVM_IOEVENTFD's flags for e, assigning or not. */
static uint32_t req_flags(const struct ioeventfd *e)
{
	return e->mmio ? KVM_IOEVENTFD_FLAG_DATAMATCH : KVM_IOEVENTFD_FLAG_PIO;
}

/* Why KVM_IOEVENTFD failed with `err`, and what to do, in plain words. */
static void explain(const struct ioeventfd *e, int err)
{
	char buf[80];

	error("KVM_IOEVENTFD for %s failed: %s", what(e, buf, sizeof(buf)),
	      strerror(err));
	switch (err) {
	case EEXIST:
		hint("an eventfd already answers that address and width: "
		     "register each doorbell once");
		break;
	case ENOSPC:
		hint("KVM's I/O bus is full (it holds about a thousand "
		     "devices): this VMM registers far fewer; is another "
		     "one leaking them?");
		break;
	case EINVAL:
		hint("KVM matches OUTs of 1, 2, 4 or 8 bytes only, with "
		     "flags it knows");
		break;
	case ENOMEM:
		hint("the host is out of memory");
		break;
	default:
		break;
	}
}

/* KVM can match `what_` in the kernel; if not, say so and what it means. */
static bool have_ioeventfd(struct vm *vm, const char *what_)
{
	if (kvm_cap(vm->kvm, KVM_CAP_IOEVENTFD) > 0)
		return true;
	warning("this KVM has no KVM_CAP_IOEVENTFD: it cannot match %s in "
		"the kernel, so each one exits to the VMM like any (slower; "
		"nothing is lost)",
		what_);
	hint("every Linux KVM since 2.6.32 has it; `make doctor` shows which "
	     "KVM this is");
	return false;
}

int ioeventfd_init(struct ioeventfd *e, struct vm *vm, uint16_t port,
		   uint32_t width, struct iothread *io, const char *name,
		   void (*fired)(void *opaque, uint64_t count), void *opaque)
{
	char buf[80];

	memset(e, 0, sizeof(*e));
	e->vm = vm;
	e->port = port;
	e->width = width;
	e->fd = -1;
	e->fired = fired;
	e->opaque = opaque;
	if (!have_ioeventfd(vm, what(e, buf, sizeof(buf)))) {
		return -ENOTSUP; /* the OUTs exit as any port's */
	}
	/* EXERCISE ch07-ioeventfd: an eventfd KVM signals for matching OUTs */
#ifndef KVMLAB_STUBS
	struct kvm_ioeventfd req = {
	    .addr = port, .len = width, .flags = KVM_IOEVENTFD_FLAG_PIO};
	int err;

	e->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (e->fd < 0) {
		err = errno;
		error("eventfd for port 0x%x failed: %s", port, strerror(err));
		return -err;
	}
	req.fd = e->fd;
	if (ioctl(vm->fd, KVM_IOEVENTFD, &req) < 0) {
		err = errno;
		explain(e, err);
		return -err;
	}
	e->assigned = e->matched = true;
	return iothread_add(io, name, e->fd, ready, NULL, e);
#else
	(void)io;
	(void)name;
	(void)ready;
	(void)explain;
	exercise_todo("ch07-ioeventfd", "exercises/07-paravirt/README.md");
#endif /* END EXERCISE ch07-ioeventfd */
}

/*
 * The same steps as ioeventfd_init()'s, written out again on purpose:
 * those are chapter 7's exercise, and chapter 8's NIC must work whatever
 * a student's tree holds there.
 */
int ioeventfd_init_mmio(struct ioeventfd *e, struct vm *vm, uint64_t addr,
			uint32_t width, uint64_t datamatch, struct iothread *io,
			const char *name,
			void (*fired)(void *opaque, uint64_t count),
			void *opaque)
{
	struct kvm_ioeventfd req = {.addr = addr,
				    .len = width,
				    .datamatch = datamatch,
				    .flags = KVM_IOEVENTFD_FLAG_DATAMATCH};
	char buf[80];
	int err;

	memset(e, 0, sizeof(*e));
	e->vm = vm;
	e->mmio = true;
	e->addr = addr;
	e->width = width;
	e->datamatch = datamatch;
	e->fd = -1;
	e->fired = fired;
	e->opaque = opaque;
	if (!have_ioeventfd(vm, what(e, buf, sizeof(buf))))
		return -ENOTSUP;
	e->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (e->fd < 0) {
		err = errno;
		error("eventfd for %s failed: %s", buf, strerror(err));
		return -err;
	}
	req.fd = e->fd;
	if (ioctl(vm->fd, KVM_IOEVENTFD, &req) < 0) {
		err = errno;
		explain(e, err);
		return -err;
	}
	e->assigned = e->matched = true;
	return iothread_add(io, name, e->fd, ready, NULL, e);
}

void ioeventfd_close(struct ioeventfd *e)
{
	if (!e->vm) /* never initialised */
		return;
	if (e->assigned && e->vm->fd >= 0) {
		struct kvm_ioeventfd req = {
		    .addr = e->mmio ? e->addr : e->port,
		    .len = e->width,
		    .fd = e->fd,
		    .datamatch = e->datamatch,
		    .flags = req_flags(e) | KVM_IOEVENTFD_FLAG_DEASSIGN};
		char buf[80];

		if (ioctl(e->vm->fd, KVM_IOEVENTFD, &req) < 0)
			warning("KVM_IOEVENTFD (deassign %s) failed: %s",
				what(e, buf, sizeof(buf)), strerror(errno));
	}
	e->assigned = false;
	if (e->fd >= 0) {
		uint64_t count;

		/* OUTs matched after the thread's last read, or after it
		 * stopped: counted, though only the final drain saw them. */
		if (read(e->fd, &count, sizeof(count)) == sizeof(count))
			e->unread += count;
		close(e->fd);
	}
	e->fd = -1;
}

void ioeventfd_print_stats(const struct ioeventfd *e, FILE *out)
{
	char buf[80];

	if (!e->vm)
		return; /* never initialised */
	fprintf(out, "ioeventfd %s: ", what(e, buf, sizeof(buf)));
	if (!e->matched)
		fprintf(out, "none, its %s exit to the VMM\n",
			e->mmio ? "stores" : "OUTs");
	else
		fprintf(out,
			"%" PRIu64 " matched in the kernel: %" PRIu64
			" seen by the I/O thread in %" PRIu64 " reads, %" PRIu64
			" still unread at the end\n",
			e->signals + e->unread, e->signals, e->reads,
			e->unread);
}

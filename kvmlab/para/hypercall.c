/* SPDX-License-Identifier: MIT */
/*
 * hypercall: chapter 7's paravirtual calls (see hypercall.h, and
 * abi/hypercall.h for the contract).
 *
 * A call copies its whole block out of guest RAM with guest_read() before
 * it looks at a field, so what is checked is what is used: a length
 * cannot change between the check and the use, even were another vCPU to
 * rewrite the block meanwhile.  Answers go back with guest_write(), into
 * the block only.  The one thing used in place is a console write's
 * buffer, checked as a whole by gpa_to_host() and handed to fwrite():
 * its bytes may change under us, its bounds cannot.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include <linux/kvm.h>

#include "abi/hypercall.h"
#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/base/now.h"
#include "kvmlab/para/hypercall.h"

/* Lines logged before the dispatcher only counts: a guest that loops on
 * a bad call must not bury the console (the bus does the same). */
#define WARN_MAX 16

static const char *const names[HC_NR_CALLS] = {
    [HC_CONSOLE_WRITE] = "console-write", [HC_TIME] = "time",
    [HC_EXIT_STATS] = "exit-stats",	  [HC_HALT] = "halt",
    [HC_RING_SETUP] = "ring-setup",	  [HC_RING_FLUSH] = "ring-flush",
};

const char *hypercall_name(unsigned call)
{
	return call < HC_NR_CALLS ? names[call] : NULL;
}

static const char *error_name(int64_t err)
{
	switch (err) {
	case HC_EFAULT:
		return "HC_EFAULT";
	case HC_EINVAL:
		return "HC_EINVAL";
	case HC_ENOSYS:
		return "HC_ENOSYS";
	case HC_EMSGSIZE:
		return "HC_EMSGSIZE";
	case HC_EIO:
		return "HC_EIO";
	default:
		return "an error";
	}
}

/* One line in the log, the first WARN_MAX times; then only counted. */
static void say(struct hypercall *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void say(struct hypercall *h, const char *fmt, ...)
{
	char line[320];
	va_list ap;

	if (++h->warnings > WARN_MAX) {
		if (h->warnings == WARN_MAX + 1)
			warning("hypercall: more bad calls; counting them "
				"silently (--stats shows how many)");
		return;
	}
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	warning("%s", line);
}

/*
 * Refuse a call: count it, log which call, where its block is and what
 * was wrong, and return `err` for the block's `ret`.
 */
static int64_t refuse(struct hypercall *h, unsigned call, uint64_t gpa,
		      int64_t err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int64_t refuse(struct hypercall *h, unsigned call, uint64_t gpa,
		      int64_t err, const char *fmt, ...)
{
	char why[200], name[40];
	va_list ap;

	h->refused++;
	if (call < HC_NR_CALLS)
		snprintf(name, sizeof(name), "%s", names[call]);
	else if (call < ABI_PORT_HYPERCALL_LEN)
		snprintf(name, sizeof(name), "call %u (port 0x%x)", call,
			 HC_PORT(call));
	else
		snprintf(name, sizeof(name), "call %u", call);
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	say(h, "hypercall %s, block at 0x%" PRIx64 ": %s (%s)", name, gpa, why,
	    error_name(err));
	return err;
}

/* Copy the whole block for `call` into `blk`: 0, or HC_EFAULT when it
 * runs past the end of RAM (its header, checked first, is inside). */
static int64_t read_block(struct hypercall *h, unsigned call, uint64_t gpa,
			  void *blk, size_t size)
{
	if (guest_read(h->mem, gpa, blk, size) == 0)
		return 0;
	return refuse(h, call, gpa, HC_EFAULT,
		      "the %zu-byte block runs past the end of guest RAM "
		      "(0x%" PRIx64 " bytes)",
		      size, h->mem->size);
}

static int64_t console_write(struct hypercall *h, uint64_t gpa)
{
	struct hc_console_write a;
	const void *p;
	size_t n;

	if (read_block(h, HC_CONSOLE_WRITE, gpa, &a, sizeof(a)))
		return HC_EFAULT;
	/* The length first: a huge one is a bad length, whatever buf is. */
	if (a.len > HC_CONSOLE_MAX)
		return refuse(h, HC_CONSOLE_WRITE, gpa, HC_EMSGSIZE,
			      "length 0x%" PRIx64
			      " is above the limit, 0x%x (64 KiB)",
			      a.len, HC_CONSOLE_MAX);
	if (a.len == 0)
		return 0;
	p = gpa_to_host(h->mem, a.buf, a.len);
	if (!p)
		return refuse(h, HC_CONSOLE_WRITE, gpa, HC_EFAULT,
			      "the %" PRIu64 "-byte buffer at 0x%" PRIx64
			      " is not inside guest RAM (0x%" PRIx64 " bytes)",
			      a.len, a.buf, h->mem->size);
	n = (size_t)a.len;
	if (h->console) {
		n = fwrite(p, 1, n, h->console);
		/* One call is one line or more: show it now, not when
		 * stdio's buffer fills. */
		fflush(h->console);
	}
	h->console_bytes += n;
	return (int64_t)n;
}

static int64_t time_call(struct hypercall *h, uint64_t gpa)
{
	struct hc_time t;
	struct timespec wall;

	if (read_block(h, HC_TIME, gpa, &t, sizeof(t)))
		return HC_EFAULT;
	clock_gettime(CLOCK_REALTIME, &wall);
	t.h.ret = 0;
	t.ns = h->now() - h->start_ns;
	t.wall_ns =
	    (uint64_t)wall.tv_sec * 1000000000ull + (uint64_t)wall.tv_nsec;
	guest_write(h->mem, gpa, &t, sizeof(t));
	return 0;
}

static uint64_t all_calls(const struct hypercall *h)
{
	uint64_t n = h->unknown;

	for (unsigned i = 0; i < HC_NR_CALLS; i++)
		n += h->calls[i];
	return n;
}

static int64_t exit_stats(struct hypercall *h, uint64_t gpa)
{
	struct hc_exit_stats x;
	const struct stats *s = h->stats;

	if (read_block(h, HC_EXIT_STATS, gpa, &x, sizeof(x)))
		return HC_EFAULT;
	if (h->mark)
		h->mark(h->mark_opaque);
	x = (struct hc_exit_stats){.hypercalls = all_calls(h)};
	if (s) {
		uint64_t known;

		x.total = s->total;
		x.io = s->by_reason[KVM_EXIT_IO];
		x.mmio = s->by_reason[KVM_EXIT_MMIO];
		x.hlt = s->by_reason[KVM_EXIT_HLT];
		known = x.io + x.mmio + x.hlt;
		x.other = x.total > known ? x.total - known : 0;
	}
	guest_write(h->mem, gpa, &x, sizeof(x));
	return 0;
}

static int64_t halt(struct hypercall *h, uint64_t gpa)
{
	struct hc_halt a;
	const struct hc_header ok = {.ret = 0};

	if (read_block(h, HC_HALT, gpa, &a, sizeof(a)))
		return HC_EFAULT;
	/* Above 63 a status would pose as a VMM verdict (124 "timeout"). */
	if (a.status > ABI_STATUS_GUEST_MAX)
		return refuse(h, HC_HALT, gpa, HC_EINVAL,
			      "status %" PRIu64 " is above %d (higher statuses "
			      "are the VMM's own verdicts)",
			      a.status, ABI_STATUS_GUEST_MAX);
	/* The block says "done" before the VM stops, for whoever looks. */
	guest_write(h->mem, gpa, &ok, sizeof(ok));
	if (h->stop)
		h->stop(h->opaque, (int)a.status);
	return 0;
}

/* A call hypercall_attach() gave to another module. */
static int64_t attached(struct hypercall *h, unsigned call, uint64_t gpa)
{
	char why[200] = "";
	int64_t ret;

	if (!h->ext[call].fn)
		return refuse(h, call, gpa, HC_ENOSYS,
			      "nothing in this VMM carries out this call");
	ret = h->ext[call].fn(h->ext[call].opaque, gpa, why, sizeof(why));
	if (ret >= 0)
		return ret;
	if (why[0])
		return refuse(h, call, gpa, ret, "%s", why);
	/* Refused and reported already, by the module. */
	h->refused++;
	return ret;
}

int64_t hypercall_dispatch(struct hypercall *h, unsigned call, uint64_t gpa)
{
	struct hc_header hdr;

	if (call < HC_NR_CALLS)
		h->calls[call]++;
	else
		h->unknown++;
	/* Without its header in RAM a block has nowhere for an answer. */
	if (!gpa_to_host(h->mem, gpa, sizeof(hdr)))
		return refuse(h, call, gpa, HC_EFAULT,
			      "the header is not inside guest RAM (0x%" PRIx64
			      " bytes), so no answer can be written",
			      h->mem->size);
	switch (call) {
	case HC_CONSOLE_WRITE:
		hdr.ret = console_write(h, gpa);
		break;
	case HC_TIME:
		hdr.ret = time_call(h, gpa);
		break;
	case HC_EXIT_STATS:
		hdr.ret = exit_stats(h, gpa);
		break;
	case HC_HALT:
		hdr.ret = halt(h, gpa);
		break;
	case HC_RING_SETUP:
	case HC_RING_FLUSH:
		hdr.ret = attached(h, call, gpa);
		break;
	default:
		hdr.ret =
		    refuse(h, call, gpa, HC_ENOSYS,
			   "no such call (calls are 0-%d)", HC_NR_CALLS - 1);
		break;
	}
	guest_write(h->mem, gpa, &hdr, sizeof(hdr));
	return hdr.ret;
}

static void hypercall_io(void *opaque, struct bus_access *a)
{
	struct hypercall *h = opaque;

	if (a->write && a->size == 4) {
		hypercall_dispatch(h, (unsigned)a->offset,
				   a->value & 0xffffffff);
		return;
	}
	/* Neither an IN nor a narrower OUT can carry a block's address, so
	 * there is no block to answer in: count, log, carry on. */
	h->bad_access++;
	say(h,
	    "hypercall port 0x%" PRIx64 ": %u-byte %s%s (a call is a 4-byte "
	    "OUT of its block's address)",
	    a->addr, a->size, a->write ? "OUT ignored" : "IN",
	    a->write ? "" : " reads as all ones");
	if (!a->write)
		a->value = ~0ull;
}

void hypercall_init(struct hypercall *h, const struct guest_mem *mem,
		    FILE *console, const struct stats *stats,
		    void (*stop)(void *opaque, int status), void *opaque)
{
	*h = (struct hypercall){.mem = mem,
				.console = console,
				.stats = stats,
				.stop = stop,
				.opaque = opaque,
				.now = now_ns};
	h->start_ns = h->now();
}

int hypercall_attach(struct hypercall *h, unsigned call, hypercall_fn fn,
		     void *opaque)
{
	if (call <= HC_HALT || call >= HC_NR_CALLS)
		return -EINVAL;
	h->ext[call].fn = fn;
	h->ext[call].opaque = opaque;
	return 0;
}

int hypercall_register(struct hypercall *h, const struct board *b)
{
	const struct board_device dev = {.space = DT_IOPORT,
					 .name = "hypercall",
					 .base = ABI_PORT_HYPERCALL,
					 .len = ABI_PORT_HYPERCALL_LEN,
					 .handler = hypercall_io,
					 .opaque = h,
					 .node = "hypercall",
					 .compatible = "kvmlab,hypercall"};

	return board_register(b, &dev, NULL);
}

void hypercall_print_stats(const struct hypercall *h, FILE *out)
{
	fprintf(out, "hypercall:");
	for (unsigned i = 0; i < HC_NR_CALLS; i++) {
		fprintf(out, "%s %s %" PRIu64, i ? "," : "", names[i],
			h->calls[i]);
		if (i == HC_CONSOLE_WRITE)
			fprintf(out, " (%" PRIu64 " bytes)", h->console_bytes);
	}
	fprintf(out,
		"; unknown %" PRIu64 ", refused %" PRIu64
		", bad accesses %" PRIu64 "\n",
		h->unknown, h->refused, h->bad_access);
}

/* SPDX-License-Identifier: MIT */
/*
 * ringconsole: chapter 7's ring console, drained from whichever thread
 * gets there first (see ringconsole.h, and abi/pvring.h for the ring).
 *
 * Every drain, from any thread, is drain() below with the lock held.  It
 * reads one value from the guest, the producer index, once; everything
 * else it uses (address, size, consumer index) is the VMM's own copy.
 * So the bytes it prints lie inside the ring that was checked at
 * HC_RING_SETUP, whatever the guest writes meanwhile: the guest can make
 * it print garbage, never make it read outside the ring.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "abi/hypercall.h"
#include "abi/pvring.h"
#include "kvmlab/base/log.h"
#include "kvmlab/para/ringconsole.h"
#include "labs/exercise.h"

/* Lines logged before the console only counts (as the dispatcher). */
#define WARN_MAX 16

static void say(struct ring_console *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void say(struct ring_console *c, const char *fmt, ...)
{
	char line[320];
	va_list ap;

	if (++c->warnings > WARN_MAX) {
		if (c->warnings == WARN_MAX + 1)
			warning("ring console: more broken rings; counting "
				"them silently (--stats shows how many)");
		return;
	}
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	warning("%s", line);
}

int ring_console_init(struct ring_console *c, const struct guest_mem *mem,
		      FILE *out)
{
	int err;

	memset(c, 0, sizeof(*c));
	c->mem = mem;
	c->out = out;
	err = pthread_mutex_init(&c->lock, NULL);
	if (err)
		error("ring console: cannot create its lock: %s",
		      strerror(err));
	return -err;
}

/* The registered ring, header and data, through the translator. */
static struct pvring *ring_at(const struct ring_console *c)
{
	return gpa_to_host(c->mem, c->gpa, PVRING_DATA_OFF + (uint64_t)c->size);
}

/* The ring is broken: say why, once, and tell the guest in `error`. */
static int64_t break_ring(struct ring_console *c, struct pvring *r,
			  uint32_t prod)
{
	c->broken = true;
	c->breaks++;
	say(c,
	    "ring console: the ring at 0x%" PRIx64 " has producer index "
	    "0x%" PRIx32 " and consumer index 0x%" PRIx32 ": 0x%" PRIx32
	    " bytes waiting in a %" PRIu32 "-byte ring; the guest broke it, "
	    "so it is no longer read (HC_RING_SETUP starts over)",
	    c->gpa, prod, c->cons, prod - c->cons, c->size);
	if (r)
		__atomic_store_n(&r->error, HC_EIO, __ATOMIC_RELEASE);
	return HC_EIO;
}

/*
 * Print what waits in the ring and hand the space back: the bytes
 * printed, HC_EIO for a broken ring, HC_EINVAL when there is none.
 * `counter` counts the drains that printed something.  c->lock held.
 */
static int64_t drain(struct ring_console *c, uint64_t *counter)
{
	struct pvring *r;

	if (!c->active)
		return HC_EINVAL;
	if (c->broken)
		return HC_EIO;
	r = ring_at(c);
	if (!r) /* RAM does not move; but check, as everywhere */
		return break_ring(c, NULL, c->cons);
		/* EXERCISE ch07-ring-drain: read what the guest produced, trust nothing */
#ifndef KVMLAB_STUBS
	const uint8_t *data;
	uint32_t prod, fill, at, first;

	/* Acquire: the bytes up to prod are there once prod is. */
	prod = __atomic_load_n(&r->prod, __ATOMIC_ACQUIRE);
	fill = prod - c->cons; /* mod 2^32: right across the wrap */
	if (fill > c->size)
		return break_ring(c, r, prod);
	if (fill == 0) {
		c->idle++;
		return 0;
	}
	data = (const uint8_t *)r + PVRING_DATA_OFF;
	at = c->cons & (c->size - 1);
	first = fill < c->size - at ? fill : c->size - at;
	if (c->out) {
		/* Up to the end of the data, then from its start. */
		fwrite(data + at, 1, first, c->out);
		fwrite(data, 1, fill - first, c->out);
		fflush(c->out);
	}
	c->cons = prod;
	/* Release: the guest may reuse the space once it sees this. */
	__atomic_store_n(&r->cons, c->cons, __ATOMIC_RELEASE);
	c->bytes += fill;
	(*counter)++;
	return fill;
#else
	(void)r;
	(void)counter;
	(void)break_ring;
	exercise_todo("ch07-ring-drain", "exercises/07-paravirt/README.md");
#endif /* END EXERCISE ch07-ring-drain */
}

/* HC_RING_SETUP: check the new ring whole, then take it as empty. */
static int64_t setup_call(void *opaque, uint64_t gpa, char *why, size_t len)
{
	struct ring_console *c = opaque;
	struct hc_ring_setup a;
	struct pvring *r = NULL;

	/* EXERCISE ch07-ring-setup: the block, the size, the ring: all checked */
#ifndef KVMLAB_STUBS
	if (guest_read(c->mem, gpa, &a, sizeof(a))) {
		snprintf(why, len,
			 "the %zu-byte block runs past the end of guest RAM "
			 "(0x%" PRIx64 " bytes)",
			 sizeof(a), c->mem->size);
		return HC_EFAULT;
	}
	if (a.size && (a.size < PVRING_SIZE_MIN || a.size > PVRING_SIZE_MAX ||
		       (a.size & (a.size - 1)))) {
		snprintf(why, len,
			 "size 0x%" PRIx64 " is not a power of two from 0x%x "
			 "to 0x%x",
			 a.size, PVRING_SIZE_MIN, PVRING_SIZE_MAX);
		return HC_EINVAL;
	}
	if (a.size && a.ring % PVRING_ALIGN) {
		snprintf(why, len,
			 "the ring at 0x%" PRIx64 " is not %d-byte "
			 "aligned",
			 a.ring, PVRING_ALIGN);
		return HC_EINVAL;
	}
	if (a.size) {
		r = gpa_to_host(c->mem, a.ring, PVRING_DATA_OFF + a.size);
		if (!r) {
			snprintf(why, len,
				 "the ring at 0x%" PRIx64 " (a %d-byte header "
				 "and 0x%" PRIx64 " bytes of data) is not "
				 "inside guest RAM (0x%" PRIx64 " bytes)",
				 a.ring, PVRING_DATA_OFF, a.size, c->mem->size);
			return HC_EFAULT;
		}
	}
#else
	(void)gpa;
	(void)why;
	(void)len;
	exercise_todo("ch07-ring-setup", "exercises/07-paravirt/README.md");
#endif /* END EXERCISE ch07-ring-setup */
	pthread_mutex_lock(&c->lock);
	/* The old ring's last bytes, before it is forgotten. */
	drain(c, &c->flush_drains);
	c->active = r != NULL;
	if (r) {
		c->gpa = a.ring;
		c->size = (uint32_t)a.size;
		c->broken = false;
		c->cons = __atomic_load_n(&r->prod, __ATOMIC_ACQUIRE);
		__atomic_store_n(&r->cons, c->cons, __ATOMIC_RELEASE);
		__atomic_store_n(&r->error, 0, __ATOMIC_RELEASE);
		c->setups++;
	}
	pthread_mutex_unlock(&c->lock);
	return 0;
}

int64_t ring_console_flush(struct ring_console *c)
{
	int64_t n;

	pthread_mutex_lock(&c->lock);
	n = drain(c, &c->flush_drains);
	pthread_mutex_unlock(&c->lock);
	return n;
}

/* HC_RING_FLUSH.  A broken ring was reported when it broke. */
static int64_t flush_call(void *opaque, uint64_t gpa, char *why, size_t len)
{
	int64_t n = ring_console_flush(opaque);

	(void)gpa;
	if (n == HC_EINVAL)
		snprintf(why, len,
			 "no ring is registered (HC_RING_SETUP "
			 "registers one)");
	return n;
}

int ring_console_attach(struct ring_console *c, struct hypercall *h)
{
	if (hypercall_attach(h, HC_RING_SETUP, setup_call, c) ||
	    hypercall_attach(h, HC_RING_FLUSH, flush_call, c))
		return -EINVAL;
	return 0;
}

/* A doorbell KVM did not match: it exited, so drain here and now. */
static void doorbell_io(void *opaque, struct bus_access *a)
{
	struct ring_console *c = opaque;

	if (!a->write) {
		a->value = ~0ull;
		return;
	}
	pthread_mutex_lock(&c->lock);
	drain(c, &c->exit_drains);
	pthread_mutex_unlock(&c->lock);
}

int ring_console_register(struct ring_console *c, const struct board *b)
{
	const struct board_device dev = {.space = DT_IOPORT,
					 .name = "ring-doorbell",
					 .base = ABI_PORT_RING_NOTIFY,
					 .len = ABI_PORT_RING_NOTIFY_WIDTH,
					 .handler = doorbell_io,
					 .opaque = c,
					 .node = "ring-console",
					 .compatible = "kvmlab,ring-console"};

	return board_register(b, &dev, NULL);
}

void ring_console_notified(void *opaque, uint64_t count)
{
	struct ring_console *c = opaque;

	pthread_mutex_lock(&c->lock);
	c->notifies += count;
	drain(c, &c->thread_drains);
	pthread_mutex_unlock(&c->lock);
}

void ring_console_stop(struct ring_console *c)
{
	pthread_mutex_lock(&c->lock);
	drain(c, &c->stop_drains);
	pthread_mutex_unlock(&c->lock);
}

uint64_t ring_console_bytes(struct ring_console *c)
{
	uint64_t n;

	pthread_mutex_lock(&c->lock);
	n = c->bytes;
	pthread_mutex_unlock(&c->lock);
	return n;
}

void ring_console_print_stats(const struct ring_console *c, FILE *out)
{
	if (c->active)
		fprintf(out,
			"ring console: %" PRIu32 "-byte ring at 0x%" PRIx64,
			c->size, c->gpa);
	else
		fprintf(out, "ring console: no ring");
	fprintf(out,
		"; %" PRIu64 " bytes in %" PRIu64 " drains: %" PRIu64
		" by the I/O thread (%" PRIu64 " doorbells seen), %" PRIu64
		" by HC_RING_FLUSH, %" PRIu64 " at doorbell exits, %" PRIu64
		" at the end; %" PRIu64 " found it empty; %" PRIu64
		" setup%s, %" PRIu64 " broken\n",
		c->bytes,
		c->thread_drains + c->flush_drains + c->exit_drains +
		    c->stop_drains,
		c->thread_drains, c->notifies, c->flush_drains, c->exit_drains,
		c->stop_drains, c->idle, c->setups, c->setups == 1 ? "" : "s",
		c->breaks);
}

/* SPDX-License-Identifier: MIT */
/*
 * pvring.c: the ring console's writer (chapter 7; see pvring.h, and
 * abi/pvring.h for the memory order it follows).
 */
#include <stdarg.h>

#include "hypercall.h"
#include "printf.h"
#include "pvring.h"
#include "string.h"

/*
 * How long a full ring is waited on before HC_RING_FLUSH: long enough
 * for the host to schedule the I/O thread (a scheduler tick or two on a
 * busy one-CPU host), short enough that a VMM that never drains costs
 * milliseconds, not the run.
 */
#define SPINS (1ul << 20)

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/* The doorbell.  "memory": the stores before it stay before it. */
static inline void doorbell(uint32_t prod)
{
	__asm__ volatile("outl %0, %1"
			 :
			 : "a"(prod), "d"((uint16_t)ABI_PORT_RING_NOTIFY)
			 : "memory");
}

/* Acquire: the VMM is done with the bytes before the index it shows. */
static uint32_t consumed(const struct pvring_out *o)
{
	return __atomic_load_n(&o->ring->cons, __ATOMIC_ACQUIRE);
}

int64_t pvring_open(struct pvring_out *o, struct pvring *ring, uint32_t size)
{
	*o = (struct pvring_out){.ring = ring, .size = size};
	memset(ring, 0, sizeof(*ring));
	return hc_ring_setup(ring, size);
}

/* Room for at least one byte: wait for the I/O thread, then flush. */
static int64_t wait_room(struct pvring_out *o)
{
	o->waits++;
	for (unsigned long i = 0; i < SPINS; i++) {
		if (o->prod - consumed(o) < o->size)
			return 0;
		if (__atomic_load_n(&o->ring->error, __ATOMIC_ACQUIRE))
			return HC_EIO;
		cpu_relax();
	}
	o->flushes++;
	return hc_ring_flush();
}

int64_t pvring_write(struct pvring_out *o, const char *buf, size_t len)
{
	uint8_t *data = (uint8_t *)o->ring + PVRING_DATA_OFF;
	size_t left = len;

	/* The VMM stopped reading: writing on would only lose the bytes. */
	if (__atomic_load_n(&o->ring->error, __ATOMIC_ACQUIRE))
		return HC_EIO;
	while (left) {
		uint32_t room = o->size - (o->prod - consumed(o));
		uint32_t at = o->prod & (o->size - 1), n, first;
		int64_t r;

		if (room == 0) {
			r = wait_room(o);
			if (r < 0)
				return r;
			continue;
		}
		n = left < room ? (uint32_t)left : room;
		first = n < o->size - at ? n : o->size - at;
		/* The bytes first, up to the end of the data, then on
		 * from its start... */
		memcpy(data + at, buf, first);
		memcpy(data, buf + first, n - first);
		buf += n;
		left -= n;
		o->prod += n;
		/* ...then the index, with release: whoever sees it sees
		 * the bytes.  Then the doorbell. */
		__atomic_store_n(&o->ring->prod, o->prod, __ATOMIC_RELEASE);
		doorbell(o->prod);
		o->doorbells++;
	}
	return (int64_t)len;
}

int64_t pvring_puts(struct pvring_out *o, const char *s)
{
	return pvring_write(o, s, strlen(s));
}

int64_t pvring_printf(struct pvring_out *o, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return pvring_write(o, buf,
			    n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

int64_t pvring_flush(struct pvring_out *o)
{
	o->flushes++;
	return hc_ring_flush();
}

/* SPDX-License-Identifier: MIT */
/*
 * mmio: the virtio-mmio version 2 registers (chapter 8; see mmio.h and
 * abi/virtio.h).
 *
 * The status register is a small state machine the driver walks
 * forward one bit at a time (ACKNOWLEDGE, DRIVER, FEATURES_OK,
 * DRIVER_OK); only Status = 0 goes back.  Each rule the driver can
 * break is checked where it would matter, so a device never runs with
 * features it did not offer or queues set up in the wrong order.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "abi/virtio.h"
#include "kvmlab/base/log.h"
#include "kvmlab/virtio/mmio.h"
#include "labs/exercise.h"

/* Lines logged per device before only counting. */
#define WARN_MAX 16

static void say(struct virtio_mmio *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void say(struct virtio_mmio *t, const char *fmt, ...)
{
	char line[240];
	va_list ap;

	if (++t->warnings > WARN_MAX) {
		if (t->warnings == WARN_MAX + 1)
			warning("%s: more driver errors; counting them "
				"silently (--stats shows how many)",
				t->ops->name);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	warning("%s: %s", t->ops->name, line);
}

static void raise_irq(struct virtio_mmio *t, uint32_t why)
{
	t->int_status |= why;
	irq_line_set(&t->irq, true);
}

void virtio_mmio_fail(struct virtio_mmio *t, const char *fmt, ...)
{
	char line[200];
	va_list ap;

	if (t->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET)
		return; /* said once: it changes nothing until the reset */
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(line, sizeof(line), fmt, ap);
		va_end(ap);
		say(t, "%s; DEVICE_NEEDS_RESET until the driver resets it",
		    line);
	}
	t->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
	t->needs_reset++;
	raise_irq(t, VIRTIO_MMIO_INT_CONFIG);
}

/* After the device's work: a queue it found broken stops the device. */
static void check_queues(struct virtio_mmio *t)
{
	for (unsigned i = 0; i < t->ops->nqueues; i++)
		if (t->vq[i].broken)
			virtio_mmio_fail(t, NULL);
}

static void reset(struct virtio_mmio *t)
{
	if (t->ops->reset)
		t->ops->reset(t->opaque);
	for (unsigned i = 0; i < t->ops->nqueues; i++)
		vq_reset(&t->vq[i]);
	t->status = t->int_status = 0;
	t->dev_features_sel = t->drv_features_sel = t->queue_sel = 0;
	t->driver_features = 0;
	irq_line_set(&t->irq, false);
	t->resets++;
}

int virtio_mmio_init(struct virtio_mmio *t, const struct guest_mem *mem,
		     const struct virtio_dev_ops *ops, void *opaque,
		     struct irq_line irq)
{
	int err;

	memset(t, 0, sizeof(*t));
	if (ops->nqueues > VIRTIO_MMIO_QUEUES) {
		error("%s: %u queues; the transport has room for %d", ops->name,
		      ops->nqueues, VIRTIO_MMIO_QUEUES);
		return -EINVAL;
	}
	t->ops = ops;
	t->opaque = opaque;
	t->irq = irq;
	for (unsigned i = 0; i < ops->nqueues; i++)
		vq_init(&t->vq[i], mem, ops->name, i, ops->queue_max);
	err = pthread_mutex_init(&t->lock, NULL);
	if (err)
		error("%s: cannot create its lock: %s", ops->name,
		      strerror(err));
	return -err;
}

int virtio_mmio_register(struct virtio_mmio *t, const struct board *b,
			 unsigned n)
{
	const struct board_device dev = {
	    .space = DT_MMIO,
	    .name = t->ops->name,
	    .base = ABI_MMIO_VIRTIO + (uint64_t)ABI_MMIO_VIRTIO_LEN * n,
	    .len = ABI_MMIO_VIRTIO_LEN,
	    .handler = virtio_mmio_access,
	    .opaque = t,
	    .node = "virtio_mmio",
	    .compatible = "virtio,mmio"};
	struct dt_device *node;
	int r = board_register(b, &dev, &node);

	if (!r && node)
		dt_prop_u32(node, "interrupts", ABI_IRQ_VIRTIO + n);
	return r;
}

uint64_t virtio_mmio_features(const struct virtio_mmio *t)
{
	return t->status & VIRTIO_STATUS_FEATURES_OK ? t->driver_features : 0;
}

/* FEATURES_OK: only what was offered, and VERSION_1.  Why not, or NULL. */
static const char *refuse(const struct virtio_mmio *t)
{
	/* EXERCISE ch08-features: which subsets the device refuses */
#ifndef KVMLAB_STUBS
	if (t->driver_features & ~t->ops->features)
		return "it takes features the device did not offer";
	if (!(t->driver_features & VIRTIO_BIT(VIRTIO_F_VERSION_1)))
		return "it lacks VERSION_1 (legacy drivers are not served)";
	return NULL;
#else
	(void)t;
	exercise_todo("ch08-features", "exercises/08-virtio-net/README.md");
#endif /* END EXERCISE ch08-features */
}

static void write_status(struct virtio_mmio *t, uint32_t v)
{
	const uint32_t known =
	    VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
	    VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK |
	    VIRTIO_STATUS_DEVICE_NEEDS_RESET | VIRTIO_STATUS_FAILED;
	uint32_t old = t->status;

	/* EXERCISE ch08-features: the status state machine, FEATURES_OK, reset */
#ifndef KVMLAB_STUBS
	uint32_t add = v & ~old;
	const char *no;

	if (v == 0)
		return reset(t);
	if (v & ~known)
		return virtio_mmio_fail(t, "Status 0x%x has unknown bits", v);
	if (old & ~v & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET)
		return virtio_mmio_fail(t,
					"Status 0x%x clears bits of 0x%x "
					"(only 0, a reset, may)",
					v, old);
	if (add & VIRTIO_STATUS_FAILED)
		say(t, "the driver gave up (Status FAILED)");
	if (old & VIRTIO_STATUS_DEVICE_NEEDS_RESET) {
		t->status |= v & VIRTIO_STATUS_FAILED;
		return; /* nothing more until the reset */
	}
	if (((add & VIRTIO_STATUS_DRIVER) &&
	     !(v & VIRTIO_STATUS_ACKNOWLEDGE)) ||
	    ((add & VIRTIO_STATUS_FEATURES_OK) &&
	     !(v & VIRTIO_STATUS_DRIVER)) ||
	    ((add & VIRTIO_STATUS_DRIVER_OK) &&
	     !((old | add) & VIRTIO_STATUS_FEATURES_OK)))
		return virtio_mmio_fail(t,
					"Status 0x%x after 0x%x sets a bit "
					"out of order (ACKNOWLEDGE, DRIVER, "
					"FEATURES_OK, DRIVER_OK)",
					v, old);
	if ((add & VIRTIO_STATUS_FEATURES_OK) && (no = refuse(t))) {
		t->refused++;
		say(t,
		    "FEATURES_OK refused for features 0x%" PRIx64
		    " (offered 0x%" PRIx64 "): %s",
		    t->driver_features, t->ops->features, no);
		v &= ~VIRTIO_STATUS_FEATURES_OK;
		if (v & VIRTIO_STATUS_DRIVER_OK)
			return virtio_mmio_fail(t, "DRIVER_OK without "
						   "FEATURES_OK");
	}
	if (v & VIRTIO_STATUS_DEVICE_NEEDS_RESET)
		return virtio_mmio_fail(t, "the driver set "
					   "DEVICE_NEEDS_RESET itself");
	t->status = v;
#else
	(void)v;
	(void)known;
	(void)reset;
	(void)refuse;
	exercise_todo("ch08-features", "exercises/08-virtio-net/README.md");
#endif /* END EXERCISE ch08-features */
	/* Buffers the driver added, and kicked, before DRIVER_OK waited
	 * (a device uses no queue before it): a kick on each now. */
	if (t->status & ~old & VIRTIO_STATUS_DRIVER_OK)
		for (unsigned q = 0; q < t->ops->nqueues; q++)
			if (virtio_mmio_queue_live(t, q)) {
				t->ops->notify(t->opaque, q);
				check_queues(t);
			}
}

/* Queue registers: the queue they may change now, or NULL (said why). */
static struct virtqueue *settable(struct virtio_mmio *t, const char *what)
{
	struct virtqueue *q;

	if (t->queue_sel >= t->ops->nqueues) {
		virtio_mmio_fail(t, "%s for queue %u; the device has %u", what,
				 t->queue_sel, t->ops->nqueues);
		return NULL;
	}
	q = &t->vq[t->queue_sel];
	if (q->ready) {
		virtio_mmio_fail(t, "%s for queue %u while it is ready", what,
				 t->queue_sel);
		return NULL;
	}
	return q;
}

static void set_half(uint64_t *addr, bool high, uint32_t v)
{
	if (high)
		*addr = (*addr & 0xffffffffull) | (uint64_t)v << 32;
	else
		*addr = (*addr & ~0xffffffffull) | v;
}

static void write_ready(struct virtio_mmio *t, uint32_t v)
{
	struct virtqueue *q;

	if (t->queue_sel < t->ops->nqueues && !v) {
		vq_reset(&t->vq[t->queue_sel]); /* the driver stops it */
		return;
	}
	if (!(q = settable(t, v ? "QueueReady = 1" : "QueueReady = 0")))
		return;
	if (!(t->status & VIRTIO_STATUS_FEATURES_OK))
		return virtio_mmio_fail(t,
					"QueueReady = 1 for queue %u "
					"before FEATURES_OK",
					t->queue_sel);
	q->event_idx =
	    virtio_mmio_features(t) & VIRTIO_BIT(VIRTIO_F_RING_EVENT_IDX);
	if (vq_enable(q))
		virtio_mmio_fail(t, NULL); /* virtqueue.c said why */
}

static void notify(struct virtio_mmio *t, uint32_t queue)
{
	if (queue >= t->ops->nqueues) {
		say(t, "QueueNotify for queue %u; the device has %u", queue,
		    t->ops->nqueues);
		return;
	}
	t->kicks[queue]++;
	if (virtio_mmio_queue_live(t, queue)) {
		t->ops->notify(t->opaque, queue);
		check_queues(t);
	}
}

static void write_reg(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	struct virtqueue *q;

	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		t->dev_features_sel = v;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		t->drv_features_sel = v;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		/* EXERCISE ch08-features: the driver's features, 32 bits at a time */
#ifndef KVMLAB_STUBS
		if (t->status & VIRTIO_STATUS_FEATURES_OK)
			return virtio_mmio_fail(t, "DriverFeatures written "
						   "after FEATURES_OK");
		if (t->drv_features_sel < 2)
			set_half(&t->driver_features, t->drv_features_sel, v);
		else if (v)
			t->driver_features |= 1ull << 63; /* refused later */
#else
		exercise_todo("ch08-features",
			      "exercises/08-virtio-net/README.md");
#endif /* END EXERCISE ch08-features */
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		t->queue_sel = v;
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
		if (!(q = settable(t, "QueueNum")))
			return;
		if (v == 0 || v > q->size_max || (v & (v - 1)))
			return virtio_mmio_fail(t,
						"QueueNum %u for queue %u, "
						"expected a power of two from "
						"1 to %u",
						v, q->index, q->size_max);
		q->size = (uint16_t)v;
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		if ((q = settable(t, "a descriptor table address")))
			set_half(&q->desc, off & 4, v);
		break;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		if ((q = settable(t, "an available ring address")))
			set_half(&q->avail, off & 4, v);
		break;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		if ((q = settable(t, "a used ring address")))
			set_half(&q->used, off & 4, v);
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		write_ready(t, v);
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		notify(t, v);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		t->int_status &= ~v;
		if (!t->int_status)
			irq_line_set(&t->irq, false);
		break;
	case VIRTIO_MMIO_STATUS:
		write_status(t, v);
		break;
	default:
		say(t,
		    "write of 0x%x to 0x%03" PRIx64 ", not a writable "
		    "register: ignored",
		    v, off);
	}
}

static uint32_t read_reg(struct virtio_mmio *t, uint64_t off)
{
	const struct virtqueue *q =
	    t->queue_sel < t->ops->nqueues ? &t->vq[t->queue_sel] : NULL;

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return VIRTIO_MMIO_VERSION_2;
	case VIRTIO_MMIO_DEVICE_ID:
		return t->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_VENDOR_KVMLAB;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return t->dev_features_sel < 2
			   ? (uint32_t)(t->ops->features >>
					(32 * t->dev_features_sel))
			   : 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return q ? q->size_max : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return q ? q->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return t->int_status;
	case VIRTIO_MMIO_STATUS:
		return t->status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return t->config_gen;
	default:
		return 0; /* write-only or reserved */
	}
}

static void config_access(struct virtio_mmio *t, struct bus_access *a)
{
	uint64_t off = a->offset - VIRTIO_MMIO_CONFIG;

	if ((a->size != 1 && a->size != 2 && a->size != 4) ||
	    off + a->size > t->ops->config_len) {
		if (!a->write)
			a->value = 0;
		say(t,
		    "%u-byte %s at config offset 0x%" PRIx64 ", outside its "
		    "%" PRIu32 " bytes or not 1, 2 or 4 wide",
		    a->size, a->write ? "write" : "read", off,
		    t->ops->config_len);
		return;
	}
	if (!a->write)
		a->value =
		    t->ops->config_read(t->opaque, (uint32_t)off, a->size);
	else if (t->ops->config_write)
		t->ops->config_write(t->opaque, (uint32_t)off, a->size,
				     (uint32_t)a->value);
}

void virtio_mmio_access(void *opaque, struct bus_access *a)
{
	struct virtio_mmio *t = opaque;

	pthread_mutex_lock(&t->lock);
	if (a->offset >= VIRTIO_MMIO_CONFIG) {
		config_access(t, a);
	} else if (a->size != 4 || (a->offset & 3)) {
		/* 4.2.2.2: the registers are 32 bits wide, only. */
		if (!a->write)
			a->value = 0;
		if (!t->bad_width++)
			say(t,
			    "a %u-byte %s at register 0x%03" PRIx64 "; they "
			    "take 4-byte aligned accesses only (reads give 0; "
			    "said once)",
			    a->size, a->write ? "write" : "read", a->offset);
	} else if (a->write) {
		write_reg(t, a->offset, (uint32_t)a->value);
	} else {
		a->value = read_reg(t, a->offset);
	}
	pthread_mutex_unlock(&t->lock);
}

void virtio_mmio_kick(struct virtio_mmio *t, unsigned queue)
{
	pthread_mutex_lock(&t->lock);
	notify(t, queue);
	pthread_mutex_unlock(&t->lock);
}

void virtio_mmio_lock(struct virtio_mmio *t)
{
	pthread_mutex_lock(&t->lock);
}

void virtio_mmio_unlock(struct virtio_mmio *t)
{
	pthread_mutex_unlock(&t->lock);
}

bool virtio_mmio_queue_live(struct virtio_mmio *t, unsigned queue)
{
	return queue < t->ops->nqueues &&
	       (t->status &
		(VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_DEVICE_NEEDS_RESET)) ==
		   VIRTIO_STATUS_DRIVER_OK &&
	       t->vq[queue].ready && !t->vq[queue].broken;
}

bool virtio_mmio_used(struct virtio_mmio *t, unsigned queue)
{
	struct virtqueue *q;
	uint64_t before;

	check_queues(t);
	if (!virtio_mmio_queue_live(t, queue))
		return false;
	q = &t->vq[queue];
	before = q->suppressed;
	if (!vq_should_notify(q)) {
		t->suppressed += q->suppressed - before;
		return false;
	}
	t->interrupts++;
	raise_irq(t, VIRTIO_MMIO_INT_VRING);
	return true;
}

void virtio_mmio_config_changed(struct virtio_mmio *t)
{
	t->config_gen++;
	raise_irq(t, VIRTIO_MMIO_INT_CONFIG);
}

void virtio_mmio_close(struct virtio_mmio *t)
{
	pthread_mutex_destroy(&t->lock);
}

/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of chapter 8's virtio-mmio transport, no KVM needed, with
 * the virtio-net device behind it: the identity registers, feature
 * negotiation (refused subsets, a driver without VERSION_1), the status
 * state machine and its out-of-order writes, queue setup rules, reset,
 * the interrupt status and its line, and registers read at other
 * widths.  Each driver error sets DEVICE_NEEDS_RESET with a
 * configuration interrupt, and the device runs on.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/virtio.h"
#include "kvmlab/base/log.h"
#include "kvmlab/base/memory.h"
#include "kvmlab/dev/board.h"
#include "kvmlab/dev/bus.h"
#include "kvmlab/dev/fdt.h"
#include "kvmlab/virtio/mmio.h"
#include "kvmlab/virtio/net.h"

#define RAM 0x10000

static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint64_t all =
    VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_NET_F_MAC) |
    VIRTIO_BIT(VIRTIO_NET_F_STATUS) | VIRTIO_BIT(VIRTIO_F_RING_EVENT_IDX);

struct fixture {
	uint8_t *ram;
	struct guest_mem mem;
	struct virtio_net *n;
	bool level;
	unsigned raised;
};

static void line_set(void *opaque, bool level)
{
	struct fixture *f = opaque;

	f->raised += level && !f->level;
	f->level = level;
}

static ssize_t no_send(void *opaque, const struct iovec *iov, int iovcnt)
{
	(void)opaque;
	(void)iov;
	(void)iovcnt;
	return 0;
}

static ssize_t no_recv(void *opaque, void *buf, size_t len)
{
	(void)opaque;
	(void)buf;
	(void)len;
	return -EAGAIN;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const struct virtio_net_backend be = {.send = no_send, .recv = no_recv};

	log_level = LOG_QUIET; /* driver errors log a line each: expected */
	f->ram = calloc(1, RAM);
	f->mem = (struct guest_mem){.host = f->ram, .size = RAM};
	f->n = calloc(1, sizeof(*f->n));
	assert_int_equal(virtio_net_init(f->n, &f->mem, mac, true, &be,
					 (struct irq_line){line_set, f}),
			 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	virtio_net_close(f->n);
	free(f->n);
	free(f->ram);
	free(f);
	return 0;
}

static uint32_t rd_w(struct fixture *f, uint64_t off, uint32_t size)
{
	struct bus_access a = {.offset = off, .size = size};

	virtio_mmio_access(&f->n->mmio, &a);
	return (uint32_t)a.value;
}

static uint32_t rd(struct fixture *f, uint64_t off)
{
	return rd_w(f, off, 4);
}

static void wr(struct fixture *f, uint64_t off, uint32_t v)
{
	struct bus_access a = {
	    .offset = off, .size = 4, .write = true, .value = v};

	virtio_mmio_access(&f->n->mmio, &a);
}

static void features(struct fixture *f, uint64_t v)
{
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)v);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(v >> 32));
}

/* 3.1.1 steps 1-5; the status read back. */
static uint32_t negotiate(struct fixture *f, uint64_t v)
{
	wr(f, VIRTIO_MMIO_STATUS, 0);
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(f, VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	features(f, v);
	wr(f, VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
	       VIRTIO_STATUS_FEATURES_OK);
	return rd(f, VIRTIO_MMIO_STATUS);
}

static void queue(struct fixture *f, unsigned q, uint32_t num, uint64_t base)
{
	wr(f, VIRTIO_MMIO_QUEUE_SEL, q);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, num);
	wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)base);
	wr(f, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	wr(f, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)base + 0x1000);
	wr(f, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, 0);
	wr(f, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)base + 0x2000);
	wr(f, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 0);
	wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
}

static bool needs_reset(struct fixture *f)
{
	return rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET;
}

/* A driver error: NEEDS_RESET, the config interrupt, the line high. */
static void expect_driver_error(struct fixture *f)
{
	assert_true(needs_reset(f));
	assert_true(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS) &
		    VIRTIO_MMIO_INT_CONFIG);
	assert_true(f->level);
}

static void test_identity(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(rd(f, VIRTIO_MMIO_MAGIC_VALUE), VIRTIO_MMIO_MAGIC);
	assert_int_equal(rd(f, VIRTIO_MMIO_VERSION), 2);
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_NET);
	assert_int_equal(rd(f, VIRTIO_MMIO_VENDOR_ID), VIRTIO_VENDOR_KVMLAB);
	wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_FEATURES), (uint32_t)all);
	wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_FEATURES), 1);
	wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_FEATURES), 0);
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_NUM_MAX), 256);
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 2);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	/* Config: the MAC at any width, the status, nothing past it. */
	assert_int_equal(rd_w(f, VIRTIO_MMIO_CONFIG, 4), 0x12005452);
	assert_int_equal(rd_w(f, VIRTIO_MMIO_CONFIG + 4, 2), 0x5634);
	assert_int_equal(rd_w(f, VIRTIO_MMIO_CONFIG + 5, 1), 0x56);
	assert_int_equal(rd_w(f, VIRTIO_MMIO_CONFIG + 6, 2),
			 VIRTIO_NET_S_LINK_UP);
	assert_int_equal(rd_w(f, VIRTIO_MMIO_CONFIG + 6, 4), 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_CONFIG_GENERATION), 0);
	assert_false(needs_reset(f));
}

/* Without EVENT_IDX offered, it is not in the first half. */
static void test_no_event_idx(void **state)
{
	struct fixture *f = *state;
	const struct virtio_net_backend be = {.send = no_send, .recv = no_recv};

	virtio_net_close(f->n);
	assert_int_equal(virtio_net_init(f->n, &f->mem, mac, false, &be,
					 (struct irq_line){line_set, f}),
			 0);
	assert_int_equal(
	    rd(f, VIRTIO_MMIO_DEVICE_FEATURES),
	    (uint32_t)(all & ~VIRTIO_BIT(VIRTIO_F_RING_EVENT_IDX)));
	assert_false(negotiate(f, all) & VIRTIO_STATUS_FEATURES_OK);
}

static void test_negotiation(void **state)
{
	struct fixture *f = *state;

	assert_true(negotiate(f, all) & VIRTIO_STATUS_FEATURES_OK);
	queue(f, 0, 256, 0x1000);
	queue(f, 1, 128, 0x4000);
	wr(f, VIRTIO_MMIO_STATUS,
	   rd(f, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS),
			 VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			     VIRTIO_STATUS_FEATURES_OK |
			     VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(virtio_mmio_features(&f->n->mmio), all);
	assert_true(f->n->mmio.vq[1].ready && f->n->mmio.vq[1].event_idx);
	assert_int_equal(f->n->mmio.vq[1].size, 128);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 1);
	assert_int_equal(f->raised, 0);
}

/* A feature not offered: FEATURES_OK stays clear; not an error yet. */
static void test_refused_feature(void **state)
{
	struct fixture *f = *state;

	assert_false(negotiate(f, all | VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF)) &
		     VIRTIO_STATUS_FEATURES_OK);
	assert_false(needs_reset(f));
	assert_int_equal(f->n->mmio.refused, 1);
	/* Going on regardless is. */
	wr(f, VIRTIO_MMIO_STATUS,
	   rd(f, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
	expect_driver_error(f);
	/* A subset is fine after a reset. */
	assert_true(negotiate(f, VIRTIO_BIT(VIRTIO_F_VERSION_1)) &
		    VIRTIO_STATUS_FEATURES_OK);
	assert_false(f->level);
}

static void test_missing_version_1(void **state)
{
	struct fixture *f = *state;

	assert_false(negotiate(f, VIRTIO_BIT(VIRTIO_NET_F_MAC)) &
		     VIRTIO_STATUS_FEATURES_OK);
	assert_int_equal(virtio_mmio_features(&f->n->mmio), 0);
}

static void test_out_of_order(void **state)
{
	struct fixture *f = *state;

	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(f, VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER_OK);
	expect_driver_error(f);
	/* Further writes change nothing until Status = 0. */
	wr(f, VIRTIO_MMIO_STATUS, 0x4f);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS),
			 VIRTIO_STATUS_ACKNOWLEDGE |
			     VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	assert_int_equal(f->n->mmio.needs_reset, 1);
	wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0);
	/* Clearing a bit is not a way back either. */
	negotiate(f, all);
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	expect_driver_error(f);
}

static void test_queue_rules(void **state)
{
	struct fixture *f = *state;

	negotiate(f, all);
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, 100); /* not a power of two */
	expect_driver_error(f);
	negotiate(f, all);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, 512); /* above QueueNumMax */
	expect_driver_error(f);
	negotiate(f, all);
	queue(f, 0, 256, 0x1000);
	assert_false(needs_reset(f));
	wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x8000); /* while ready */
	expect_driver_error(f);
	assert_int_equal(f->n->mmio.vq[0].desc, 0x1000);
	negotiate(f, all);
	queue(f, 0, 256, RAM - 0x2000); /* used ring outside RAM */
	expect_driver_error(f);
	assert_false(f->n->mmio.vq[0].ready);
	/* Before FEATURES_OK, a queue may not go live. */
	wr(f, VIRTIO_MMIO_STATUS, 0);
	queue(f, 0, 256, 0x1000);
	expect_driver_error(f);
}

/* Status = 0 forgets everything: queues, features, interrupts. */
static void test_reset(void **state)
{
	struct fixture *f = *state;

	negotiate(f, all);
	queue(f, 0, 256, 0x1000);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, 3); /* an error: NEEDS_RESET, irq */
	expect_driver_error(f);
	wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_false(f->level);
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_int_equal(f->n->mmio.vq[0].desc, 0);
	assert_int_equal(f->n->mmio.driver_features, 0);
	assert_int_equal(f->n->mmio.resets, 2);
}

/* The line follows InterruptStatus: low once every bit is acked. */
static void test_interrupt_ack(void **state)
{
	struct fixture *f = *state;

	virtio_mmio_lock(&f->n->mmio);
	virtio_mmio_config_changed(&f->n->mmio);
	virtio_mmio_unlock(&f->n->mmio);
	assert_int_equal(rd(f, VIRTIO_MMIO_CONFIG_GENERATION), 1);
	f->n->mmio.int_status |= VIRTIO_MMIO_INT_VRING;
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), 3);
	assert_true(f->level);
	wr(f, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG);
	assert_true(f->level);
	wr(f, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	assert_false(f->level);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
}

/* 4.2.2.2: registers are 32 bits wide; other widths read 0, do nothing. */
static void test_widths(void **state)
{
	struct fixture *f = *state;
	struct bus_access a = {
	    .offset = VIRTIO_MMIO_STATUS, .size = 1, .write = true, .value = 1};

	assert_int_equal(rd_w(f, VIRTIO_MMIO_MAGIC_VALUE, 2), 0);
	assert_int_equal(rd_w(f, VIRTIO_MMIO_MAGIC_VALUE, 8), 0);
	assert_int_equal(rd_w(f, VIRTIO_MMIO_MAGIC_VALUE + 1, 4), 0);
	virtio_mmio_access(&f->n->mmio, &a);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(f->n->mmio.bad_width, 4);
	assert_int_equal(f->n->mmio.warnings, 1); /* said once */
}

/* Registered through the board: on the bus and in the tree, with irq. */
static void test_register(void **state)
{
	struct fixture *f = *state;
	struct bus pio, mmio;
	struct dt_machine *dt = calloc(1, sizeof(*dt));
	const struct board b = {&pio, &mmio, dt};
	uint64_t v = 0;

	bus_init(&pio, "pio");
	bus_init(&mmio, "mmio");
	dt_init(dt, "test", RAM);
	assert_int_equal(virtio_net_register(f->n, &b, 1), 0);
	assert_int_equal(
	    bus_dispatch(&mmio, ABI_MMIO_VIRTIO + 0x1000, 4, false, &v), 0);
	assert_int_equal(v, VIRTIO_MMIO_MAGIC);
	assert_int_equal(dt->ndev, 1);
	assert_string_equal(dt->dev[0].name, "virtio_mmio");
	assert_string_equal(dt->dev[0].compatible, "virtio,mmio");
	assert_int_equal(dt->dev[0].base, ABI_MMIO_VIRTIO + 0x1000);
	assert_string_equal(dt->dev[0].prop[0].name, "interrupts");
	assert_int_equal(dt->dev[0].prop[0].cell[0], ABI_IRQ_VIRTIO + 1);
	free(dt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	    T(test_identity),	       T(test_no_event_idx),
	    T(test_negotiation),       T(test_refused_feature),
	    T(test_missing_version_1), T(test_out_of_order),
	    T(test_queue_rules),       T(test_reset),
	    T(test_interrupt_ack),     T(test_widths),
	    T(test_register),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

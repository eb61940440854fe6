/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of chapter 8's virtio-net data path, no KVM and no TAP: a
 * fake backend hands frames in and records what is sent.  The test is
 * the driver: it negotiates, sets up both queues and fills them.
 * Frames move both ways, with their headers; RX buffer exhaustion is
 * counted and resumed; frames too large are dropped and counted; bad
 * TX chains are dropped; a broken ring sets DEVICE_NEEDS_RESET and the
 * device stays quiet until the reset; EVENT_IDX suppresses interrupts.
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
#include "kvmlab/virtio/mmio.h"
#include "kvmlab/virtio/net.h"

#define RAM	0x20000
#define RXQ	0x1000 /* desc, then avail at +0x1000, used at +0x2000 */
#define TXQ	0x4000
#define RXBUF	0x8000 /* RX buffer i at RXBUF + 0x800 * i */
#define TXBUF	0x10000
#define QSIZE	16
#define FRAMES	8
#define BUFSIZE VIRTIO_NET_RX_BUF

struct fixture {
	uint8_t *ram;
	struct guest_mem mem;
	struct virtio_net *n;
	bool level;
	unsigned raised, rooms, taps[2];
	/* The backend: frames to receive, the last frame sent. */
	uint8_t in[FRAMES][1600];
	size_t in_len[FRAMES];
	unsigned nin, next_in;
	uint8_t sent[2000];
	size_t sent_len;
	unsigned nsent;
	uint16_t avail_idx[2], used_seen[2];
};

static void line_set(void *opaque, bool level)
{
	struct fixture *f = opaque;

	f->raised += level && !f->level;
	f->level = level;
}

static ssize_t fake_send(void *opaque, const struct iovec *iov, int iovcnt)
{
	struct fixture *f = opaque;

	f->sent_len = 0;
	for (int i = 0; i < iovcnt; i++) {
		assert_true(f->sent_len + iov[i].iov_len <= sizeof(f->sent));
		memcpy(f->sent + f->sent_len, iov[i].iov_base, iov[i].iov_len);
		f->sent_len += iov[i].iov_len;
	}
	f->nsent++;
	return (ssize_t)f->sent_len;
}

static ssize_t fake_recv(void *opaque, void *buf, size_t len)
{
	struct fixture *f = opaque;
	size_t n;

	if (f->next_in == f->nin)
		return -EAGAIN;
	n = f->in_len[f->next_in];
	assert_true(n <= len);
	memcpy(buf, f->in[f->next_in++], n);
	return (ssize_t)n;
}

static void fake_frame(void *opaque, int dir, const void *eth, size_t len)
{
	struct fixture *f = opaque;

	(void)eth;
	(void)len;
	f->taps[dir]++;
}

static void fake_room(void *opaque)
{
	((struct fixture *)opaque)->rooms++;
}

static void wr(struct fixture *f, uint64_t off, uint32_t v)
{
	struct bus_access a = {
	    .offset = off, .size = 4, .write = true, .value = v};

	virtio_mmio_access(&f->n->mmio, &a);
}

static uint32_t rd(struct fixture *f, uint64_t off)
{
	struct bus_access a = {.offset = off, .size = 4};

	virtio_mmio_access(&f->n->mmio, &a);
	return (uint32_t)a.value;
}

static void queue(struct fixture *f, unsigned q, uint64_t base)
{
	wr(f, VIRTIO_MMIO_QUEUE_SEL, q);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)base);
	wr(f, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)base + 0x1000);
	wr(f, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)base + 0x2000);
	wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
}

/* The driver's whole setup; EVENT_IDX if `event_idx`. */
static void driver_up(struct fixture *f, bool event_idx)
{
	uint64_t feat = VIRTIO_BIT(VIRTIO_F_VERSION_1) |
			VIRTIO_BIT(VIRTIO_NET_F_MAC) |
			(event_idx ? VIRTIO_BIT(VIRTIO_F_RING_EVENT_IDX) : 0);

	wr(f, VIRTIO_MMIO_STATUS, 0);
	/* Fresh rings, as a driver allocates after a reset. */
	memset(f->ram + RXQ, 0, 0x3000);
	memset(f->ram + TXQ, 0, 0x3000);
	memset(f->avail_idx, 0, sizeof(f->avail_idx));
	memset(f->used_seen, 0, sizeof(f->used_seen));
	wr(f, VIRTIO_MMIO_STATUS, 3);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)feat);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(feat >> 32));
	wr(f, VIRTIO_MMIO_STATUS, 0xb);
	queue(f, 0, RXQ);
	queue(f, 1, TXQ);
	wr(f, VIRTIO_MMIO_STATUS, 0xf);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0xf);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const uint8_t mac[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
	const struct virtio_net_backend be = {fake_send, fake_recv, fake_frame,
					      fake_room, f};

	log_level = LOG_QUIET;
	f->ram = calloc(1, RAM);
	f->mem = (struct guest_mem){.host = f->ram, .size = RAM};
	f->n = calloc(1, sizeof(*f->n));
	assert_int_equal(virtio_net_init(f->n, &f->mem, mac, true, &be,
					 (struct irq_line){line_set, f}),
			 0);
	driver_up(f, true);
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

static uint64_t qbase(unsigned q)
{
	return q ? TXQ : RXQ;
}

static struct virtq_desc *desc(struct fixture *f, unsigned q, unsigned i)
{
	return (struct virtq_desc *)(f->ram + qbase(q)) + i;
}

static struct virtq_avail *avail(struct fixture *f, unsigned q)
{
	return (struct virtq_avail *)(f->ram + qbase(q) + 0x1000);
}

static struct virtq_used *used(struct fixture *f, unsigned q)
{
	return (struct virtq_used *)(f->ram + qbase(q) + 0x2000);
}

static void offer(struct fixture *f, unsigned q, uint16_t head)
{
	avail(f, q)->ring[f->avail_idx[q] % QSIZE] = head;
	avail(f, q)->idx = ++f->avail_idx[q];
}

/* RX buffer i (descriptor i): `len` writable bytes. */
static void rx_buffer(struct fixture *f, unsigned i, uint32_t len)
{
	*desc(f, 0, i) =
	    (struct virtq_desc){RXBUF + 0x800 * i, len, VIRTQ_DESC_F_WRITE, 0};
	offer(f, 0, (uint16_t)i);
}

/* A frame from the host: a zero header, then `len` bytes of `fill`. */
static void host_frame(struct fixture *f, size_t len, uint8_t fill)
{
	memset(f->in[f->nin], 0, VIRTIO_NET_HDR_LEN);
	memset(f->in[f->nin] + VIRTIO_NET_HDR_LEN, fill, len);
	f->in_len[f->nin++] = VIRTIO_NET_HDR_LEN + len;
}

/* A TX chain at descriptor d: the header alone, then the frame. */
static void tx_frame(struct fixture *f, unsigned d, const char *text)
{
	struct virtio_net_hdr h = {0};
	size_t len = strlen(text);

	memcpy(f->ram + TXBUF + 0x800 * d, &h, sizeof(h));
	memcpy(f->ram + TXBUF + 0x800 * d + 0x100, text, len);
	*desc(f, 1, d) = (struct virtq_desc){
	    TXBUF + 0x800 * d, sizeof(h), VIRTQ_DESC_F_NEXT, (uint16_t)(d + 1)};
	*desc(f, 1, d + 1) =
	    (struct virtq_desc){TXBUF + 0x800 * d + 0x100, (uint32_t)len, 0, 0};
	offer(f, 1, (uint16_t)d);
}

static void test_tx(void **state)
{
	struct fixture *f = *state;

	tx_frame(f, 0, "an ethernet frame");
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	assert_int_equal(f->nsent, 1);
	assert_int_equal(f->sent_len, VIRTIO_NET_HDR_LEN + 17);
	assert_memory_equal(f->sent + VIRTIO_NET_HDR_LEN, "an ethernet frame",
			    17);
	assert_int_equal(used(f, 1)->idx, 1);
	assert_int_equal(used(f, 1)->ring[0].id, 0);
	assert_int_equal(used(f, 1)->ring[0].len, 0);
	assert_int_equal(f->n->tx_frames, 1);
	assert_int_equal(f->n->tx_bytes, 17);
	assert_int_equal(f->taps[1], 1);
	/* used_event was 0: this crossing interrupts. */
	assert_true(f->level);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS),
			 VIRTIO_MMIO_INT_VRING);
	/* Kicks enabled again after the batch: avail_event = 1. */
	assert_int_equal(
	    *(uint16_t *)((uint8_t *)used(f, 1) + VIRTQ_AVAIL_EVENT_OFF(QSIZE)),
	    1);
	/* The same through the I/O thread's path, with a header holding
	 * a flag bit the device does not know (it must ignore it) and
	 * hints: the frame goes, and the TAP gets zeros. */
	tx_frame(f, 2, "another");
	f->ram[TXBUF + 0x800 * 2] = 4;	    /* flags: an unknown bit */
	f->ram[TXBUF + 0x800 * 2 + 2] = 99; /* hdr_len: a hint */
	virtio_net_kick(f->n, 1);
	assert_int_equal(f->nsent, 2);
	assert_int_equal(f->n->mmio.kicks[1], 2);
	for (int i = 0; i < VIRTIO_NET_HDR_LEN; i++)
		assert_int_equal(f->sent[i], 0);
	assert_memory_equal(f->sent + VIRTIO_NET_HDR_LEN, "another", 7);
}

/* Two frames, two buffers: both delivered, one interrupt. */
static void test_rx(void **state)
{
	struct fixture *f = *state;
	struct virtio_net_hdr h;

	rx_buffer(f, 0, BUFSIZE);
	rx_buffer(f, 1, BUFSIZE);
	host_frame(f, 60, 0xaa);
	/* The TAP's own header: DATA_VALID (2) and stale bytes after it,
	 * none of which the guest negotiated. */
	memset(f->in[0], 0xee, VIRTIO_NET_HDR_LEN);
	f->in[0][0] = 2;
	host_frame(f, 1514, 0xbb);
	assert_true(virtio_net_rx_want(f->n));
	virtio_net_rx(f->n);
	assert_int_equal(used(f, 0)->idx, 2);
	assert_int_equal(used(f, 0)->ring[0].len, VIRTIO_NET_HDR_LEN + 60);
	assert_int_equal(used(f, 0)->ring[1].id, 1);
	assert_int_equal(used(f, 0)->ring[1].len, VIRTIO_NET_HDR_LEN + 1514);
	memcpy(&h, f->ram + RXBUF, sizeof(h));
	assert_int_equal(h.flags, 0);
	assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	assert_int_equal(h.hdr_len | h.gso_size | h.csum_start | h.csum_offset,
			 0);
	assert_int_equal(h.num_buffers, 1);
	assert_int_equal(f->ram[RXBUF + 0x800 + VIRTIO_NET_HDR_LEN + 1513],
			 0xbb);
	assert_int_equal(f->n->rx_frames, 2);
	assert_int_equal(f->n->rx_bytes, 60 + 1514);
	assert_int_equal(f->n->mmio.interrupts, 1);
	assert_int_equal(f->raised, 1);
	assert_int_equal(f->taps[0], 2);
}

/* No buffer: the frame waits, counted once; buffers added: it goes. */
static void test_rx_exhaustion(void **state)
{
	struct fixture *f = *state;

	rx_buffer(f, 0, BUFSIZE);
	host_frame(f, 100, 1);
	host_frame(f, 100, 2);
	host_frame(f, 100, 3);
	virtio_net_rx(f->n);
	assert_int_equal(f->n->rx_frames, 1);
	assert_int_equal(f->n->rx_waits, 1);
	assert_false(virtio_net_rx_want(f->n));
	virtio_net_rx(f->n); /* called anyway: still waits, not recounted */
	assert_int_equal(f->n->rx_waits, 1);
	assert_int_equal(f->next_in, 2); /* the third stays in the TAP */
	/* The guest adds two buffers and kicks: the owner is told. */
	rx_buffer(f, 1, BUFSIZE);
	rx_buffer(f, 2, BUFSIZE);
	f->rooms = 0; /* DRIVER_OK counted one */
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(f->rooms, 1);
	assert_true(virtio_net_rx_want(f->n));
	virtio_net_rx(f->n);
	assert_int_equal(f->n->rx_frames, 3);
	assert_int_equal(f->ram[RXBUF + 0x800 * 2 + VIRTIO_NET_HDR_LEN], 3);
	assert_int_equal(f->n->rx_waits, 1);
}

/* A frame larger than the buffer: dropped, the buffer kept. */
static void test_rx_too_large(void **state)
{
	struct fixture *f = *state;

	rx_buffer(f, 0, 100);
	host_frame(f, 200, 1);
	host_frame(f, 50, 2);
	host_frame(f, 1600 - VIRTIO_NET_HDR_LEN, 3); /* > FRAME_MAX */
	virtio_net_rx(f->n);
	assert_int_equal(f->n->rx_small, 1);
	assert_int_equal(f->n->rx_bad, 1);
	assert_int_equal(f->n->rx_frames, 1);
	assert_int_equal(used(f, 0)->idx, 1);
	assert_int_equal(used(f, 0)->ring[0].len, VIRTIO_NET_HDR_LEN + 50);
}

/* Bad TX chains are dropped and counted, the buffers given back. */
static void test_tx_bad(void **state)
{
	struct fixture *f = *state;

	tx_frame(f, 0, ""); /* a header, no frame */
	*desc(f, 1, 2) = (struct virtq_desc){TXBUF, 8, 0, 0};
	offer(f, 1, 2); /* shorter than a header */
	tx_frame(f, 3, "x");
	desc(f, 1, 4)->flags = VIRTQ_DESC_F_WRITE; /* writable part */
	tx_frame(f, 5, "y");
	f->ram[TXBUF + 0x800 * 5 + 1] = 1; /* gso_type: an offload */
	*desc(f, 1, 7) = (struct virtq_desc){TXBUF, 12 + 1519, 0, 0};
	offer(f, 1, 7); /* one byte over FRAME_MAX */
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	assert_int_equal(f->nsent, 0);
	assert_int_equal(f->n->tx_size, 2);
	assert_int_equal(f->n->tx_short, 1);
	assert_int_equal(f->n->tx_bad, 2);
	assert_int_equal(used(f, 1)->idx, 5);
	assert_false(rd(f, VIRTIO_MMIO_STATUS) &
		     VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

/* A broken ring: NEEDS_RESET, nothing more until the driver resets. */
static void test_broken_ring(void **state)
{
	struct fixture *f = *state;

	offer(f, 1, QSIZE + 3);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) &
		    VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	assert_true(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS) &
		    VIRTIO_MMIO_INT_CONFIG);
	assert_true(f->n->mmio.vq[1].broken);
	/* RX is not touched either. */
	rx_buffer(f, 0, BUFSIZE);
	host_frame(f, 60, 1);
	assert_false(virtio_net_rx_want(f->n));
	virtio_net_rx(f->n);
	assert_int_equal(used(f, 0)->idx, 0);
	assert_int_equal(f->next_in, 0);
	/* After the reset it all works again. */
	driver_up(f, true);
	rx_buffer(f, 0, BUFSIZE);
	virtio_net_rx(f->n);
	assert_int_equal(f->n->rx_frames, 1);
}

/* EVENT_IDX: the driver wants one interrupt after entry 3 only. */
static void test_rx_suppressed(void **state)
{
	struct fixture *f = *state;
	uint16_t *used_event =
	    (uint16_t *)((uint8_t *)avail(f, 0) + VIRTQ_USED_EVENT_OFF(QSIZE));

	*used_event = 3;
	for (unsigned i = 0; i < 3; i++) {
		rx_buffer(f, i, BUFSIZE);
		host_frame(f, 60, (uint8_t)i);
		virtio_net_rx(f->n);
	}
	assert_int_equal(f->n->rx_frames, 3);
	assert_int_equal(f->n->mmio.interrupts, 0);
	assert_int_equal(f->n->mmio.suppressed, 3);
	rx_buffer(f, 3, BUFSIZE);
	host_frame(f, 60, 3);
	virtio_net_rx(f->n);
	assert_int_equal(f->n->mmio.interrupts, 1);
}

/* Without EVENT_IDX: NO_INTERRUPT, and TX's NO_NOTIFY afterwards clear. */
static void test_flags(void **state)
{
	struct fixture *f = *state;

	driver_up(f, false);
	avail(f, 1)->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	tx_frame(f, 0, "quiet");
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	assert_int_equal(f->nsent, 1);
	assert_false(f->level);
	assert_int_equal(f->n->mmio.suppressed, 1);
	assert_int_equal(used(f, 1)->flags, 0);
}

/* Buffers and kicks before DRIVER_OK wait, then are seen at it. */
static void test_before_driver_ok(void **state)
{
	struct fixture *f = *state;

	wr(f, VIRTIO_MMIO_STATUS, 0);
	memset(f->avail_idx, 0, sizeof(f->avail_idx));
	f->rooms = 0;
	wr(f, VIRTIO_MMIO_STATUS, 3);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, 1); /* VERSION_1 */
	wr(f, VIRTIO_MMIO_STATUS, 0xb);
	queue(f, 0, RXQ);
	queue(f, 1, TXQ);
	rx_buffer(f, 0, BUFSIZE);
	tx_frame(f, 0, "early");
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	assert_int_equal(f->nsent, 0);
	assert_int_equal(f->rooms, 0);
	assert_false(virtio_net_rx_want(f->n));
	wr(f, VIRTIO_MMIO_STATUS, 0xf);
	assert_int_equal(f->nsent, 1);
	assert_int_equal(f->rooms, 1);
	assert_true(virtio_net_rx_want(f->n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	    T(test_tx),
	    T(test_rx),
	    T(test_rx_exhaustion),
	    T(test_rx_too_large),
	    T(test_tx_bad),
	    T(test_broken_ring),
	    T(test_rx_suppressed),
	    T(test_flags),
	    T(test_before_driver_ok),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * virtio 1.x over MMIO, and the virtio-net device: chapter 8's
 * guest<->VMM contract.  Both sides include this one file; every number
 * here is the virtio specification's (Virtual I/O Device Version 1.2:
 * section 2 for the basic facilities, 2.7 for split virtqueues, 4.2 for
 * the MMIO transport, 5.1 for the network device).  Everything is
 * little-endian, as virtio 1.x requires and x86 is.
 *
 * The transport (4.2.2): a page of 32-bit registers per device.  The
 * driver finds it in the device tree (compatible "virtio,mmio"), reads
 * MagicValue, Version and DeviceID, then (3.1.1):
 *
 *   1. Status = 0                    reset
 *   2. Status |= ACKNOWLEDGE         "I see a virtio device"
 *   3. Status |= DRIVER              "I know how to drive it"
 *   4. read DeviceFeatures (both halves, DeviceFeaturesSel 0 and 1),
 *      write the subset it takes to DriverFeatures (DriverFeaturesSel)
 *   5. Status |= FEATURES_OK; read Status back: the device clears the
 *      bit if it refuses the subset
 *   6. per queue: QueueSel, QueueNumMax, QueueNum, the three areas'
 *      addresses, QueueReady = 1
 *   7. Status |= DRIVER_OK           the device is live
 *
 * A device that finds the driver broke a rule sets DEVICE_NEEDS_RESET
 * and raises a configuration-change interrupt; it does nothing more
 * until the driver writes Status = 0.
 */
#ifndef ABI_VIRTIO_H
#define ABI_VIRTIO_H

#include <stdint.h>

/* ---- Where the devices are (include/abi/machine.h's MMIO hole) ------ */

/* Device n's registers: one page each, from 0xd0000000. */
#define ABI_MMIO_VIRTIO	    0xd0000000
#define ABI_MMIO_VIRTIO_LEN 0x1000
/* Device n's interrupt line: ISA IRQ 5 + n, level-triggered. */
#define ABI_IRQ_VIRTIO	    5

/* ---- The MMIO registers (4.2.2), offsets from the device's base ----- */

#define VIRTIO_MMIO_MAGIC_VALUE		0x000 /* R: "virt" */
#define VIRTIO_MMIO_VERSION		0x004 /* R: 2 */
#define VIRTIO_MMIO_DEVICE_ID		0x008 /* R: VIRTIO_ID_* */
#define VIRTIO_MMIO_VENDOR_ID		0x00c /* R */
#define VIRTIO_MMIO_DEVICE_FEATURES	0x010 /* R: 32 bits, by ..._SEL */
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014 /* W: 0 = bits 0-31, 1 = 32-63 */
#define VIRTIO_MMIO_DRIVER_FEATURES	0x020 /* W */
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024 /* W */
#define VIRTIO_MMIO_QUEUE_SEL		0x030 /* W: the queue below refer to */
#define VIRTIO_MMIO_QUEUE_NUM_MAX	0x034 /* R: 0 = no such queue */
#define VIRTIO_MMIO_QUEUE_NUM		0x038 /* W: the size the driver uses */
#define VIRTIO_MMIO_QUEUE_READY		0x044 /* RW */
#define VIRTIO_MMIO_QUEUE_NOTIFY	0x050 /* W: a queue index */
#define VIRTIO_MMIO_INTERRUPT_STATUS	0x060 /* R: VIRTIO_MMIO_INT_* */
#define VIRTIO_MMIO_INTERRUPT_ACK	0x064 /* W: the bits handled */
#define VIRTIO_MMIO_STATUS		0x070 /* RW: VIRTIO_STATUS_* */
#define VIRTIO_MMIO_QUEUE_DESC_LOW	0x080 /* W: descriptor table */
#define VIRTIO_MMIO_QUEUE_DESC_HIGH	0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW	0x090 /* W: available ring */
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH	0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW	0x0a0 /* W: used ring */
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH	0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION	0x0fc /* R */
#define VIRTIO_MMIO_CONFIG		0x100 /* RW: the device's own */

#define VIRTIO_MMIO_MAGIC     0x74726976 /* "virt", little-endian */
#define VIRTIO_MMIO_VERSION_2 2		 /* virtio 1.x (1 was legacy) */
#define VIRTIO_VENDOR_KVMLAB  0x4c4d564b /* "KVML" */

/* InterruptStatus bits. */
#define VIRTIO_MMIO_INT_VRING  0x1 /* a queue has new used buffers */
#define VIRTIO_MMIO_INT_CONFIG 0x2 /* the configuration (or status) changed */

/* ---- Device status (2.1) -------------------------------------------- */

#define VIRTIO_STATUS_ACKNOWLEDGE	 0x01
#define VIRTIO_STATUS_DRIVER		 0x02
#define VIRTIO_STATUS_DRIVER_OK		 0x04
#define VIRTIO_STATUS_FEATURES_OK	 0x08
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED		 0x80

/* ---- Feature bits (2.2, 6, 5.1.3): bit numbers, 0-63 ---------------- */

#define VIRTIO_F_RING_INDIRECT_DESC 28 /* not offered by kvmlab */
#define VIRTIO_F_RING_EVENT_IDX	    29 /* used_event / avail_event */
#define VIRTIO_F_VERSION_1	    32 /* virtio 1.x: required */

#define VIRTIO_NET_F_CSUM	0  /* not offered: the guest sums */
#define VIRTIO_NET_F_GUEST_CSUM 1  /* not offered */
#define VIRTIO_NET_F_MAC	5  /* config.mac is valid */
#define VIRTIO_NET_F_MRG_RXBUF	15 /* not offered: one buffer per frame */
#define VIRTIO_NET_F_STATUS	16 /* config.status is valid */

#define VIRTIO_BIT(n) (1ull << (n))

/* Device IDs (5). */
#define VIRTIO_ID_NET 1

/* ---- Split virtqueues (2.7) ----------------------------------------- */

/*
 * Three areas in guest RAM, each written by one side only:
 *
 *   descriptor table  driver   `size` buffers: address, length, flags,
 *                              next (chains of buffers form one request)
 *   available ring    driver   heads of chains the device may use, and
 *                              idx: how many the driver has ever offered
 *   used ring         device   heads of chains the device is done with,
 *                              with the bytes it wrote, and its own idx
 *
 * idx fields run freely and wrap at 2^16; entry i lives in ring[i % size]
 * (size is a power of two, at most 32768).
 */
#define VIRTQ_DESC_F_NEXT     1 /* the chain goes on at `next` */
#define VIRTQ_DESC_F_WRITE    2 /* the device writes this buffer */
#define VIRTQ_DESC_F_INDIRECT 4 /* not offered by kvmlab */

/* avail.flags: without EVENT_IDX, "do not interrupt me" (a hint). */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
/* used.flags: without EVENT_IDX, "do not notify me" (a hint). */
#define VIRTQ_USED_F_NO_NOTIFY	   1

#define VIRTQ_MAX_SIZE 32768

struct virtq_desc {
	uint64_t addr; /* guest-physical */
	uint32_t len;
	uint16_t flags; /* VIRTQ_DESC_F_* */
	uint16_t next;
};

/* Alignment (2.7): descriptor table 16, available ring 2, used ring 4. */
#define VIRTQ_DESC_ALIGN  16
#define VIRTQ_AVAIL_ALIGN 2
#define VIRTQ_USED_ALIGN  4

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /* size entries, then uint16_t used_event */
};

struct virtq_used_elem {
	uint32_t id;  /* head of the chain (a uint32_t for padding) */
	uint32_t len; /* bytes the device wrote into the chain */
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[]; /* size, then uint16_t avail_event */
};

/* Bytes of each area for a queue of `n` entries, event fields included. */
#define VIRTQ_DESC_BYTES(n)	 (16ull * (n))
#define VIRTQ_AVAIL_BYTES(n)	 (6ull + 2ull * (n))
#define VIRTQ_USED_BYTES(n)	 (6ull + 8ull * (n))
/* Where the event fields live, in bytes from their ring's start. */
#define VIRTQ_USED_EVENT_OFF(n)	 (4ull + 2ull * (n)) /* in the avail ring */
#define VIRTQ_AVAIL_EVENT_OFF(n) (4ull + 8ull * (n)) /* in the used ring */

/*
 * RING_EVENT_IDX (2.7.7, 2.7.10): instead of a yes/no flag each side
 * publishes the index it wants to hear about next.  After moving its idx
 * from `old_idx` to `new_idx`, a side notifies the other only if the
 * other's event index lies in [old_idx, new_idx): exactly once per
 * crossing, however many entries the batch held.
 */
static inline int virtq_need_event(uint16_t event_idx, uint16_t new_idx,
				   uint16_t old_idx)
{
	return (uint16_t)(new_idx - event_idx - 1) <
	       (uint16_t)(new_idx - old_idx);
}

/* ---- The network device (5.1) --------------------------------------- */

/* Queue 0 receives (the device writes frames), queue 1 transmits. */
#define VIRTIO_NET_RXQ 0
#define VIRTIO_NET_TXQ 1

/* Its configuration space, at VIRTIO_MMIO_CONFIG. */
#define VIRTIO_NET_CONFIG_MAC	 0 /* 6 bytes (NET_F_MAC) */
#define VIRTIO_NET_CONFIG_STATUS 6 /* 16 bits (NET_F_STATUS) */
#define VIRTIO_NET_CONFIG_LEN	 8
#define VIRTIO_NET_S_LINK_UP	 1

/*
 * Every frame, both ways, starts with this header (5.1.6).  With
 * VERSION_1 it is always 12 bytes: num_buffers is there even without
 * MRG_RXBUF (the device writes 1).  kvmlab offers no offloads: every
 * frame is whole and summed.  The TAP device takes and gives the same
 * layout (IFF_VNET_HDR, TUNSETVNETHDRSZ 12), but the VMM does not pass
 * its fields through: on receive the TAP may mark a frame DATA_VALID,
 * which a guest that did not negotiate GUEST_CSUM must not see, and
 * fills only the first 10 bytes; so the device gives the guest a header
 * of zeros with num_buffers = 1.  On transmit it refuses a header that
 * asks for NEEDS_CSUM or GSO, and gives the TAP zeros.
 */
struct virtio_net_hdr {
	uint8_t flags;	  /* VIRTIO_NET_HDR_F_*: 0 here */
	uint8_t gso_type; /* VIRTIO_NET_HDR_GSO_NONE */
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};
#define VIRTIO_NET_HDR_LEN	    12
#define VIRTIO_NET_HDR_GSO_NONE	    0
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1 /* the device must sum it: refused */

/* The largest frame without offloads: Ethernet header + 1500 + a tag. */
#define VIRTIO_NET_FRAME_MAX 1518
/* What one receive buffer must hold: header + frame. */
#define VIRTIO_NET_RX_BUF    (VIRTIO_NET_HDR_LEN + VIRTIO_NET_FRAME_MAX)

/*
 * The guest's address comes from the device tree's /chosen/bootargs, as
 * Linux's does from its command line:
 *   ip=10.0.2.15/24 gw=10.0.2.1 [ping=10.0.2.1] [count=4] [once]
 * ping= sends count echo requests to that address; once then ends the
 * guest, status 0 if every reply came.  ABI_NET_* are the defaults a
 * chapter binary passes.
 */
#define ABI_NET_GUEST_IP "10.0.2.15"
#define ABI_NET_HOST_IP	 "10.0.2.1"
#define ABI_NET_PREFIX	 24
#define ABI_NET_MAC	 "52:54:00:12:34:56"
/* The guest's UDP services: echo (RFC 862), and a port that stops it. */
#define ABI_NET_UDP_ECHO 7
#define ABI_NET_UDP_HALT 9

#endif

/* SPDX-License-Identifier: MIT */
/*
 * virtio_mmio.c: the virtio-mmio transport, driver side (chapter 8); see
 * virtio_mmio.h.
 */
#include <libfdt.h>

#include "ioremap.h"
#include "printf.h"
#include "virtio_mmio.h"

static uint64_t cells(const fdt32_t *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 32 | fdt32_to_cpu(*p++);
	return v;
}

int virtio_mmio_find(const void *fdt, int prev, struct virtio_mmio *d)
{
	int node = fdt_node_offset_by_compatible(fdt, prev, "virtio,mmio");
	int parent, ac, sc, len;
	const fdt32_t *reg, *irq;

	if (node < 0)
		return -1;
	/* reg is in the parent's cells; interrupts: the first cell. */
	parent = fdt_parent_offset(fdt, node);
	ac = fdt_address_cells(fdt, parent);
	sc = fdt_size_cells(fdt, parent);
	reg = fdt_getprop(fdt, node, "reg", &len);
	if (!reg || ac < 1 || ac > 2 || sc < 1 || sc > 2 ||
	    len < (int)sizeof(*reg) * (ac + sc))
		return -2;
	irq = fdt_getprop(fdt, node, "interrupts", &len);
	if (!irq || len < (int)sizeof(*irq))
		return -2;
	d->phys = cells(reg, ac);
	d->size = cells(reg + ac, sc);
	d->irq = fdt32_to_cpu(irq[0]);
	return node;
}

int virtio_mmio_probe(struct virtio_mmio *d, uint32_t device_id)
{
	uint32_t magic, version;

	if (d->size < ABI_MMIO_VIRTIO_LEN) {
		printf("virtio-mmio at 0x%lx: %lu bytes of registers, not %u\n",
		       (unsigned long)d->phys, (unsigned long)d->size,
		       ABI_MMIO_VIRTIO_LEN);
		return -1;
	}
	d->regs = ioremap(d->phys, d->size);
	if (!d->regs) {
		printf("virtio-mmio at 0x%lx: cannot map it\n",
		       (unsigned long)d->phys);
		return -1;
	}
	magic = virtio_mmio_read(d, VIRTIO_MMIO_MAGIC_VALUE);
	version = virtio_mmio_read(d, VIRTIO_MMIO_VERSION);
	d->device_id = virtio_mmio_read(d, VIRTIO_MMIO_DEVICE_ID);
	d->vendor_id = virtio_mmio_read(d, VIRTIO_MMIO_VENDOR_ID);
	if (magic != VIRTIO_MMIO_MAGIC) {
		printf(
		    "virtio-mmio at 0x%lx: magic 0x%x, not 0x%x (\"virt\")\n",
		    (unsigned long)d->phys, magic, VIRTIO_MMIO_MAGIC);
		return -1;
	}
	if (version != VIRTIO_MMIO_VERSION_2) {
		printf("virtio-mmio at 0x%lx: version %u, not %u (%s)\n",
		       (unsigned long)d->phys, version, VIRTIO_MMIO_VERSION_2,
		       version == 1 ? "a legacy device" : "unknown");
		return -1;
	}
	if (d->device_id != device_id) {
		printf("virtio-mmio at 0x%lx: device %u, not %u%s\n",
		       (unsigned long)d->phys, d->device_id, device_id,
		       d->device_id ? "" : " (an empty slot)");
		return -1;
	}
	return 0;
}

static void add_status(struct virtio_mmio *d, uint32_t bits)
{
	uint32_t s = virtio_mmio_read(d, VIRTIO_MMIO_STATUS);

	virtio_mmio_write(d, VIRTIO_MMIO_STATUS, s | bits);
}

void virtio_mmio_fail(struct virtio_mmio *d)
{
	add_status(d, VIRTIO_STATUS_FAILED);
}

int virtio_mmio_negotiate(struct virtio_mmio *d, uint64_t wanted)
{
	uint64_t offered;

	/* 1-3: reset (the device forgets queues and features), hello. */
	virtio_mmio_write(d, VIRTIO_MMIO_STATUS, 0);
	add_status(d, VIRTIO_STATUS_ACKNOWLEDGE);
	add_status(d, VIRTIO_STATUS_DRIVER);

	/* 4: both halves of what the device offers; take a subset. */
	virtio_mmio_write(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	offered = (uint64_t)virtio_mmio_read(d, VIRTIO_MMIO_DEVICE_FEATURES)
		  << 32;
	virtio_mmio_write(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	offered |= virtio_mmio_read(d, VIRTIO_MMIO_DEVICE_FEATURES);
	d->features = offered & wanted;
	if (!(d->features & VIRTIO_BIT(VIRTIO_F_VERSION_1))) {
		printf("virtio-mmio at 0x%lx: VERSION_1 not offered (features "
		       "0x%lx): a legacy device\n",
		       (unsigned long)d->phys, (unsigned long)offered);
		virtio_mmio_fail(d);
		return -1;
	}
	virtio_mmio_write(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	virtio_mmio_write(d, VIRTIO_MMIO_DRIVER_FEATURES,
			  (uint32_t)d->features);
	virtio_mmio_write(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	virtio_mmio_write(d, VIRTIO_MMIO_DRIVER_FEATURES,
			  (uint32_t)(d->features >> 32));

	/* 5: the device clears FEATURES_OK if it cannot work that way. */
	add_status(d, VIRTIO_STATUS_FEATURES_OK);
	if (!(virtio_mmio_read(d, VIRTIO_MMIO_STATUS) &
	      VIRTIO_STATUS_FEATURES_OK)) {
		printf("virtio-mmio at 0x%lx: the device refused features "
		       "0x%lx\n",
		       (unsigned long)d->phys, (unsigned long)d->features);
		virtio_mmio_fail(d);
		return -1;
	}
	return 0;
}

unsigned virtio_mmio_queue_max(struct virtio_mmio *d, unsigned q)
{
	virtio_mmio_write(d, VIRTIO_MMIO_QUEUE_SEL, q);
	return virtio_mmio_read(d, VIRTIO_MMIO_QUEUE_NUM_MAX);
}

int virtio_mmio_setup_queue(struct virtio_mmio *d, unsigned q, unsigned num,
			    uint64_t desc, uint64_t driver, uint64_t device)
{
	virtio_mmio_write(d, VIRTIO_MMIO_QUEUE_SEL, q);
	if (virtio_mmio_read(d, VIRTIO_MMIO_QUEUE_READY))
		return -1;
	virtio_mmio_write(d, VIRTIO_MMIO_QUEUE_NUM, num);
	virtio_mmio_write(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	virtio_mmio_write(d, VIRTIO_MMIO_QUEUE_DESC_HIGH,
			  (uint32_t)(desc >> 32));
	virtio_mmio_write(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)driver);
	virtio_mmio_write(d, VIRTIO_MMIO_QUEUE_DRIVER_HIGH,
			  (uint32_t)(driver >> 32));
	virtio_mmio_write(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)device);
	virtio_mmio_write(d, VIRTIO_MMIO_QUEUE_DEVICE_HIGH,
			  (uint32_t)(device >> 32));
	virtio_mmio_write(d, VIRTIO_MMIO_QUEUE_READY, 1);
	return 0;
}

void virtio_mmio_driver_ok(struct virtio_mmio *d)
{
	add_status(d, VIRTIO_STATUS_DRIVER_OK);
}

/* One field: 8-, 16- or 32-bit fields are read whole (4.2.2.2). */
static void config_read_once(struct virtio_mmio *d, unsigned off, void *buf,
			     size_t len)
{
	volatile uint8_t *c = d->regs + VIRTIO_MMIO_CONFIG + off;
	uint8_t *b = buf;

	if (len == 2 && !(off & 1)) {
		uint16_t v = *(volatile uint16_t *)c;

		b[0] = (uint8_t)v;
		b[1] = (uint8_t)(v >> 8);
	} else if (len == 4 && !(off & 3)) {
		uint32_t v = *(volatile uint32_t *)c;

		for (int i = 0; i < 4; i++)
			b[i] = (uint8_t)(v >> 8 * i);
	} else {
		for (size_t i = 0; i < len; i++)
			b[i] = c[i];
	}
}

void virtio_mmio_config(struct virtio_mmio *d, unsigned off, void *buf,
			size_t len)
{
	uint32_t before, after;

	do {
		before = virtio_mmio_read(d, VIRTIO_MMIO_CONFIG_GENERATION);
		config_read_once(d, off, buf, len);
		after = virtio_mmio_read(d, VIRTIO_MMIO_CONFIG_GENERATION);
	} while (before != after);
}

bool virtio_mmio_needs_reset(struct virtio_mmio *d, const char *who)
{
	uint32_t s = virtio_mmio_read(d, VIRTIO_MMIO_STATUS);

	if (!(s & VIRTIO_STATUS_DEVICE_NEEDS_RESET))
		return false;
	printf("%s: the device needs a reset (status 0x%x): it found an error "
	       "in what the driver gave it and stopped; the VMM's log says "
	       "which\n",
	       who, s);
	return true;
}

uint32_t virtio_mmio_interrupt(struct virtio_mmio *d)
{
	uint32_t bits = virtio_mmio_read(d, VIRTIO_MMIO_INTERRUPT_STATUS);

	if (bits)
		virtio_mmio_write(d, VIRTIO_MMIO_INTERRUPT_ACK, bits);
	return bits;
}

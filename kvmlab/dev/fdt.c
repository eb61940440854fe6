/* SPDX-License-Identifier: MIT */
/*
 * fdt: build the chapter 5 device tree with libfdt (see fdt.h).
 *
 * libfdt's sequential-write API emits the blob front to back, the way it
 * is laid out: the reserve map, then nodes opened and closed in order,
 * each with its properties.  So the description is collected first
 * (struct dt_machine) and written in one pass here, in the order a reader
 * of the dtc output expects: chosen, aliases, cpus, memory, devices.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/dev/fdt.h"
#include "labs/exercise.h"

/* Return a libfdt error from the enclosing function. */
#define TRY(call)                                                              \
	do {                                                                   \
		int r_ = (call);                                               \
		if (r_ < 0)                                                    \
			return r_;                                             \
	} while (0)

void dt_init(struct dt_machine *m, const char *model, uint64_t ram_size)
{
	memset(m, 0, sizeof(*m));
	m->model = model;
	m->ram_size = ram_size;
	m->ncpus = 1;
}

void dt_reserve(struct dt_machine *m, uint64_t base, uint64_t size)
{
	if (m->nreserved == DT_MAX_RESERVED)
		die(ABI_STATUS_HOST,
		    "device tree: more than %d reserved "
		    "ranges",
		    DT_MAX_RESERVED);
	m->reserved[m->nreserved].base = base;
	m->reserved[m->nreserved].size = size;
	m->nreserved++;
}

struct dt_device *dt_add_device(struct dt_machine *m, enum dt_space space,
				const char *name, const char *compatible,
				uint64_t base, uint64_t len)
{
	struct dt_device *d;

	if (m->ndev == DT_MAX_DEVICES)
		die(ABI_STATUS_HOST, "device tree: more than %d devices",
		    DT_MAX_DEVICES);
	d = &m->dev[m->ndev++];
	*d = (struct dt_device){.space = space,
				.name = name,
				.compatible = compatible,
				.base = base,
				.len = len};
	return d;
}

void dt_prop_u32(struct dt_device *d, const char *name, uint32_t value)
{
	if (d->nprops == DT_MAX_PROPS)
		die(ABI_STATUS_HOST,
		    "device tree: %s has more than %d "
		    "properties",
		    d->name, DT_MAX_PROPS);
	d->prop[d->nprops++] =
	    (struct dt_prop){.name = name, .ncells = 1, .cell = {value}};
}

/* "serial@i3f8" or "clock@c0000000": the unit address is the reg base. */
static void node_name(const struct dt_device *d, char *buf, size_t len)
{
	/* EXERCISE ch05-dt-node: name@unit, with the ISA "i" for ports */
#ifndef KVMLAB_STUBS
	snprintf(buf, len, "%s@%s%" PRIx64, d->name,
		 d->space == DT_IOPORT ? "i" : "", d->base);
#else
	(void)d;
	(void)buf;
	(void)len;
	exercise_todo("ch05-dt-node", "exercises/05-mmio-devicetree/README.md");
#endif /* END EXERCISE ch05-dt-node */
}

/* A reg of two-cell address and two-cell size, or an ISA one. */
static int prop_reg(void *fdt, const struct dt_device *d)
{
	/* EXERCISE ch05-dt-node: reg, in the cells the parent node asks for */
#ifndef KVMLAB_STUBS
	fdt32_t reg[4];
	int n = 0;

	if (d->space == DT_IOPORT) {
		reg[n++] = cpu_to_fdt32(1); /* ISA space 1: I/O ports */
		reg[n++] = cpu_to_fdt32((uint32_t)d->base);
		reg[n++] = cpu_to_fdt32((uint32_t)d->len);
	} else {
		reg[n++] = cpu_to_fdt32((uint32_t)(d->base >> 32));
		reg[n++] = cpu_to_fdt32((uint32_t)d->base);
		reg[n++] = cpu_to_fdt32((uint32_t)(d->len >> 32));
		reg[n++] = cpu_to_fdt32((uint32_t)d->len);
	}
	return fdt_property(fdt, "reg", reg, (int)(n * sizeof(reg[0])));
#else
	(void)fdt;
	(void)d;
	exercise_todo("ch05-dt-node", "exercises/05-mmio-devicetree/README.md");
#endif /* END EXERCISE ch05-dt-node */
}

/* One device: its node, compatible, reg and extra properties, in order. */
static int device_node(void *fdt, const struct dt_device *d)
{
	/* EXERCISE ch05-dt-node: open the node, write its properties, close it */
#ifndef KVMLAB_STUBS
	char name[64];

	node_name(d, name, sizeof(name));
	TRY(fdt_begin_node(fdt, name));
	TRY(fdt_property_string(fdt, "compatible", d->compatible));
	TRY(prop_reg(fdt, d));
	for (unsigned i = 0; i < d->nprops; i++) {
		const struct dt_prop *p = &d->prop[i];
		fdt32_t cells[4];

		for (unsigned c = 0; c < p->ncells; c++)
			cells[c] = cpu_to_fdt32(p->cell[c]);
		TRY(fdt_property(fdt, p->name, cells,
				 (int)(p->ncells * sizeof(cells[0]))));
	}
	return fdt_end_node(fdt);
#else
	(void)fdt;
	(void)d;
	exercise_todo("ch05-dt-node", "exercises/05-mmio-devicetree/README.md");
#endif /* END EXERCISE ch05-dt-node */
}

/* Which node a device lives under, for /aliases. */
static void device_path(const struct dt_device *d, char *buf, size_t len)
{
	char name[64];

	node_name(d, name, sizeof(name));
	snprintf(buf, len, "%s/%s", d->space == DT_IOPORT ? "/isa" : "", name);
}

static int chosen_and_aliases(void *fdt, const struct dt_machine *m)
{
	TRY(fdt_begin_node(fdt, "chosen"));
	if (m->bootargs)
		TRY(fdt_property_string(fdt, "bootargs", m->bootargs));
	if (m->stdout_path)
		TRY(fdt_property_string(fdt, "stdout-path", m->stdout_path));
	TRY(fdt_end_node(fdt));

	TRY(fdt_begin_node(fdt, "aliases"));
	for (unsigned i = 0; i < m->ndev; i++) {
		char path[128];

		if (!m->dev[i].alias)
			continue;
		device_path(&m->dev[i], path, sizeof(path));
		TRY(fdt_property_string(fdt, m->dev[i].alias, path));
	}
	return fdt_end_node(fdt);
}

static int cpus_and_memory(void *fdt, const struct dt_machine *m)
{
	char name[32];

	TRY(fdt_begin_node(fdt, "cpus"));
	TRY(fdt_property_u32(fdt, "#address-cells", 1));
	TRY(fdt_property_u32(fdt, "#size-cells", 0));
	for (unsigned i = 0; i < m->ncpus; i++) {
		snprintf(name, sizeof(name), "cpu@%u", i);
		TRY(fdt_begin_node(fdt, name));
		TRY(fdt_property_string(fdt, "device_type", "cpu"));
		TRY(fdt_property_u32(fdt, "reg", i));
		TRY(fdt_end_node(fdt));
	}
	TRY(fdt_end_node(fdt));

	TRY(fdt_begin_node(fdt, "memory@0"));
	TRY(fdt_property_string(fdt, "device_type", "memory"));
	TRY(prop_reg(fdt, &(struct dt_device){.space = DT_MMIO,
					      .base = 0,
					      .len = m->ram_size}));
	return fdt_end_node(fdt);
}

static int devices(void *fdt, const struct dt_machine *m)
{
	bool any_io = false;

	for (unsigned i = 0; i < m->ndev; i++)
		any_io |= m->dev[i].space == DT_IOPORT;
	if (any_io) {
		TRY(fdt_begin_node(fdt, "isa"));
		TRY(fdt_property_string(fdt, "device_type", "isa"));
		TRY(fdt_property_u32(fdt, "#address-cells", 2));
		TRY(fdt_property_u32(fdt, "#size-cells", 1));
		for (unsigned i = 0; i < m->ndev; i++)
			if (m->dev[i].space == DT_IOPORT)
				TRY(device_node(fdt, &m->dev[i]));
		TRY(fdt_end_node(fdt));
	}
	for (unsigned i = 0; i < m->ndev; i++)
		if (m->dev[i].space == DT_MMIO)
			TRY(device_node(fdt, &m->dev[i]));
	return 0;
}

static int build(const struct dt_machine *m, void *fdt, int size)
{
	TRY(fdt_create(fdt, size));
	for (unsigned i = 0; i < m->nreserved; i++)
		TRY(fdt_add_reservemap_entry(fdt, m->reserved[i].base,
					     m->reserved[i].size));
	TRY(fdt_finish_reservemap(fdt));

	TRY(fdt_begin_node(fdt, ""));
	TRY(fdt_property_u32(fdt, "#address-cells", 2));
	TRY(fdt_property_u32(fdt, "#size-cells", 2));
	TRY(fdt_property_string(fdt, "compatible", "kvmlab,pc"));
	TRY(fdt_property_string(fdt, "model", m->model));
	TRY(chosen_and_aliases(fdt, m));
	TRY(cpus_and_memory(fdt, m));
	TRY(devices(fdt, m));
	TRY(fdt_end_node(fdt));
	return fdt_finish(fdt);
}

int dt_build(const struct dt_machine *m, void *buf, size_t size)
{
	int r = build(m, buf, size > INT32_MAX ? INT32_MAX : (int)size);

	if (r == -FDT_ERR_NOSPACE) {
		error("the device tree does not fit in %zu bytes", size);
		return -ENOSPC;
	}
	if (r < 0) {
		error("building the device tree failed: %s", fdt_strerror(r));
		return -EINVAL;
	}
	return 0;
}

int dt_write_file(const void *blob, const char *path)
{
	FILE *f = fopen(path, "wb");
	size_t size = fdt_totalsize(blob);
	int err = 0;

	if (!f) {
		err = errno;
		error("cannot write the device tree to %s: %s", path,
		      strerror(err));
		return -err;
	}
	/* A short write must still close the file, or its descriptor
	 * leaks; the first error is the one reported. */
	errno = 0;
	if (fwrite(blob, 1, size, f) != size)
		err = errno ? errno : EIO;
	if (fclose(f) != 0 && !err)
		err = errno ? errno : EIO;
	if (err) {
		error("writing the device tree to %s failed: %s", path,
		      strerror(err));
		return -err;
	}
	return 0;
}

int dt_load(const void *blob, const struct guest_mem *mem,
	    const struct guest_image *img, uint64_t *gpa)
{
	uint64_t size = fdt_totalsize(blob), at;

	if (size > ABI_FDT_MAX) {
		error("the device tree is %" PRIu64 " bytes; at most %d fit",
		      size, ABI_FDT_MAX);
		return -E2BIG;
	}
	if (mem->size < ABI_FDT_MAX + ABI_ELF_BASE) {
		error("guest RAM is too small for the device tree");
		return -EFAULT;
	}
	at = ABI_FDT_ADDR(mem->size);
	if (img && img->hi > at) {
		error("the guest image ends at 0x%" PRIx64
		      ", inside the device tree's place at 0x%" PRIx64,
		      img->hi, at);
		hint("give the guest more RAM with --mem, or make it smaller");
		return -EEXIST;
	}
	if (guest_write(mem, at, blob, size))
		return -EFAULT;
	*gpa = at;
	return 0;
}

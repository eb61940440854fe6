/* SPDX-License-Identifier: MIT */
/*
 * fdt: describe the machine to the guest as a flattened device tree
 * (chapter 5).
 *
 * Until chapter 4 guests knew where their devices were because the
 * addresses were compiled in (include/abi/machine.h).  Real firmware
 * tells the operating system instead: on most non-PC machines, and for
 * virtual machines such as QEMU's "virt" board, it hands over a device
 * tree, a binary blob (DTB) that lists memory, CPUs and each device with
 * its address, and a /chosen node with the boot arguments and the
 * console.
 *
 * A chapter's main fills a struct dt_machine, in the same order it
 * registers the devices on the buses; dt_build() writes the blob with
 * libfdt's sequential-write API; dt_load() copies it to the top of guest
 * RAM (ABI_FDT_ADDR), whose address the VMM then puts in RDI.
 *
 * The tree (decode one with `dtc -I dtb -O dts`):
 *
 *   / { #address-cells = <2>; #size-cells = <2>;   64-bit addresses
 *       chosen { bootargs; stdout-path; }
 *       aliases { serial0 = "/isa/serial@i3f8"; }
 *       cpus { cpu@0 ... }
 *       memory@0 { device_type = "memory"; reg = <base size>; }
 *       isa { #address-cells = <2>; #size-cells = <1>;
 *             serial@i3f8 { reg = <1 0x3f8 8>; ... } }   port devices
 *       clock@c0000000 { reg = <0 0xc0000000 0 0x1000>; ... } }   MMIO
 *
 * Port devices sit under an "isa" node because x86 port I/O is a
 * separate address space: in the ISA binding the first address cell
 * says which space (1 = I/O ports), the second the port.
 */
#ifndef KVMLAB_FDT_H
#define KVMLAB_FDT_H

#include <stddef.h>
#include <stdint.h>

#include "kvmlab/base/memory.h"
#include "kvmlab/load/loader.h"

#define DT_MAX_DEVICES	32
#define DT_MAX_PROPS	4
#define DT_MAX_RESERVED 8

enum dt_space { DT_MMIO, DT_IOPORT };

/* A property of up to 4 cells (32-bit big-endian values); 0 = empty. */
struct dt_prop {
	const char *name;
	unsigned ncells;
	uint32_t cell[4];
};

struct dt_device {
	enum dt_space space;
	const char *name;	/* node name without the unit address */
	const char *compatible; /* "vendor,model" */
	uint64_t base, len;	/* port or guest-physical address */
	const char *alias;	/* a name under /aliases, or NULL */
	struct dt_prop prop[DT_MAX_PROPS];
	unsigned nprops;
};

struct dt_machine {
	const char *model;
	uint64_t ram_size; /* RAM from guest-physical 0 */
	unsigned ncpus;
	const char *bootargs;	 /* /chosen/bootargs, or NULL */
	const char *stdout_path; /* /chosen/stdout-path, or NULL */
	struct {
		uint64_t base, size;
	} reserved[DT_MAX_RESERVED]; /* the /memreserve/ entries */
	unsigned nreserved;
	struct dt_device dev[DT_MAX_DEVICES];
	unsigned ndev;
};

/* An empty machine: one CPU, `ram_size` bytes of RAM, no devices. */
void dt_init(struct dt_machine *m, const char *model, uint64_t ram_size);

/*
 * Memory the guest must leave alone (a /memreserve/ entry).  More than
 * DT_MAX_RESERVED entries is a bug in the chapter and ends the VMM.
 */
void dt_reserve(struct dt_machine *m, uint64_t base, uint64_t size);

/*
 * A device node: "name@unit" under /isa (DT_IOPORT, unit "i3f8") or
 * under / (DT_MMIO, unit "c0000000"), with compatible and reg.  Returns
 * the device, to which dt_prop_u32() adds properties and whose alias
 * may be set.  More than DT_MAX_DEVICES is a bug and ends the VMM.
 */
struct dt_device *dt_add_device(struct dt_machine *m, enum dt_space space,
				const char *name, const char *compatible,
				uint64_t base, uint64_t len);
/* A one-cell property such as clock-frequency.  Ends the VMM when full. */
void dt_prop_u32(struct dt_device *d, const char *name, uint32_t value);

/*
 * Write the blob for `m` into `buf` (`size` bytes).  Its length is then
 * fdt_totalsize(buf).  0, or -ENOSPC when it does not fit, -EINVAL for
 * another libfdt error (both reported).
 */
int dt_build(const struct dt_machine *m, void *buf, size_t size);

/* Write the blob to `path` (--dump-dtb).  0 or -errno (reported). */
int dt_write_file(const void *blob, const char *path);

/*
 * Copy the blob to ABI_FDT_ADDR(mem->size) and return that address in
 * *gpa.  0; -E2BIG when the blob is larger than ABI_FDT_MAX; -EEXIST when
 * the guest image (`img`, may be NULL) reaches into that space; -EFAULT
 * when RAM is too small.  Reported.
 */
int dt_load(const void *blob, const struct guest_mem *mem,
	    const struct guest_image *img, uint64_t *gpa);

#endif

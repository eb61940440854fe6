/* SPDX-License-Identifier: MIT */
/*
 * gradevm: the machine of a grading VMM, with no VMM exercise in it (the
 * labs; see gradevm.h).
 *
 * The chapter binaries enter long mode through chapters 2 and 3's
 * exercises (desc_encode(), segment_from_gdt(), the sregs of
 * modes_protected_regs() and modes_long_regs(), pt_map(), the CPUID of
 * vcpu_set_cpuid()), and their run loop hands IN and REP exits to
 * chapter 4's (io_elements() in kvmlab/kvm/vcpu.c).  This sets the same
 * state from constants: a GDT written as numbers, three page tables that
 * identity-map RAM with 2 MiB pages, the segment registers spelled out
 * field by field, and it dispatches port I/O itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "abi/machine.h"
#include "gradevm.h"
#include "kvmlab/base/log.h"
#include "kvmlab/dev/debugexit.h"
#include "kvmlab/x86/modes.h"

#define PML4 ABI_PT_BASE
#define PDPT (ABI_PT_BASE + 0x1000)
#define PD   (ABI_PT_BASE + 0x2000)

/* The same four descriptors as guest/boot/realmode.S, accessed bits set. */
static const uint64_t gdt[4] = {
    0, 0x00cf9b000000ffffull, /* 0x08: flat 32-bit code */
    0x00cf93000000ffffull,    /* 0x10: flat data */
    0x00af9b000000ffffull,    /* 0x18: 64-bit code */
};

static struct kvm_segment flat(uint16_t sel, uint8_t type, int l, int db)
{
	return (struct kvm_segment){.base = 0,
				    .limit = 0xffffffff,
				    .selector = sel,
				    .type = type,
				    .present = 1,
				    .s = 1,
				    .l = l,
				    .db = db,
				    .g = 1};
}

/* Identity-map RAM with 2 MiB pages: PML4[0] -> PDPT[0] -> PD[i]. */
static void tables(const struct guest_mem *mem)
{
	uint64_t e;

	memset(gpa_to_host(mem, PML4, 0x3000), 0, 0x3000);
	e = PDPT | 3;
	guest_write(mem, PML4, &e, 8);
	e = PD | 3;
	guest_write(mem, PDPT, &e, 8);
	for (uint64_t i = 0; i * 0x200000 < mem->size && i < 512; i++) {
		e = (i * 0x200000) | 0x83; /* P, W, PS */
		guest_write(mem, PD + 8 * i, &e, 8);
	}
}

/* The host KVM's CPUID, long mode included: 256 entries are plenty. */
static int set_cpuid(struct grade_vm *g)
{
	enum { N = 256 };
	struct kvm_cpuid2 *c =
	    calloc(1, sizeof(*c) + N * sizeof(struct kvm_cpuid_entry2));
	int r = 0;

	if (!c)
		return -ENOMEM;
	c->nent = N;
	if (ioctl(g->kvm.fd, KVM_GET_SUPPORTED_CPUID, c) < 0 ||
	    ioctl(g->cpu.fd, KVM_SET_CPUID2, c) < 0) {
		r = -errno;
		error("setting the guest's CPUID failed: %s", strerror(-r));
	}
	free(c);
	return r;
}

/* Every element of a port I/O exit to the port bus, IN answers back in
 * the kvm_run page.  -1: run on (the debug-exit port stops the vCPU). */
static int port_io(void *opaque, struct kvm_run *run, uint64_t rip)
{
	struct grade_vm *g = opaque;
	uint8_t *p = (uint8_t *)run + run->io.data_offset;
	size_t page = (size_t)g->kvm.vcpu_mmap_size;

	(void)rip;
	if (run->io.size > sizeof(uint64_t) || run->io.data_offset > page ||
	    (size_t)run->io.size * run->io.count > page - run->io.data_offset)
		return -1;
	for (uint32_t i = 0; i < run->io.count && !g->cpu.stop;
	     i++, p += run->io.size) {
		uint64_t val = 0;
		bool out = run->io.direction == KVM_EXIT_IO_OUT;

		if (out)
			memcpy(&val, p, run->io.size);
		bus_dispatch(&g->pio, run->io.port, run->io.size, out, &val);
		if (!out)
			memcpy(p, &val, run->io.size);
	}
	return -1;
}

int grade_vm_open(struct grade_vm *g, const char *path, uint64_t ram)
{
	struct board board;
	int status;

	memset(g, 0, sizeof(*g));
	g->kvm.fd = g->vm.fd = g->cpu.fd = -1;
	if (kvm_open(&g->kvm) || vm_create(&g->vm, &g->kvm, ram) ||
	    vcpu_create(&g->cpu, &g->vm, 0))
		return ABI_STATUS_NO_KVM;
	if (set_cpuid(g))
		return ABI_STATUS_HOST;
	status = -load_guest_file(&g->vm.mem, path, ABI_ELF_BASE, 1, &g->img);
	if (status)
		return status;
	if (g->img.kind != IMAGE_ELF64) {
		error("%s is not a 64-bit ELF guest", path);
		return ABI_STATUS_BAD_IMAGE;
	}
	g->rec.image = &g->img;
	g->cpu.rec = &g->rec;
	bus_init(&g->pio, "pio");
	bus_init(&g->mmio, "mmio");
	/* No MMIO bus: a grading guest that touches MMIO faults, as one
	 * that runs without a device there should. */
	g->cpu.pio = &g->pio;
	g->cpu.io_exit = port_io;
	g->cpu.io_opaque = g;
	board = (struct board){.pio = &g->pio, .mmio = &g->mmio};
	if (debugexit_register(&g->debug_exit, &board, vcpu_stop, &g->cpu))
		return ABI_STATUS_HOST;
	return 0;
}

int grade_vm_boot(struct grade_vm *g, bool start32, uint64_t rdi)
{
	struct kvm_sregs s;
	struct kvm_regs r = {.rflags = 2, .rdi = rdi};
	struct kvm_segment data = flat(ABI_SEL_DATA, 3, 0, 1);
	uint64_t start = 0;

	if (vcpu_get_sregs(&g->cpu, &s))
		return -1;
	guest_write(&g->vm.mem, ABI_GDT_ADDR, gdt, sizeof(gdt));
	s.gdt.base = ABI_GDT_ADDR;
	s.gdt.limit = sizeof(gdt) - 1;
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	r.rip = g->img.entry;
	if (start32) {
		s.cs = flat(ABI_SEL_CODE32, 0xb, 0, 1);
		s.cr0 = (s.cr0 | CR0_PE) & ~(uint64_t)CR0_PG;
		s.efer &= ~(uint64_t)(EFER_LME | EFER_LMA);
		if (image_symbol_find(&g->img, "start32", &start)) {
			error("the guest has no symbol start32");
			return -1;
		}
		r.rip = start;
	} else {
		tables(&g->vm.mem);
		s.cs = flat(ABI_SEL_CODE64, 0xb, 1, 0);
		s.cr3 = PML4;
		s.cr4 |= CR4_PAE;
		s.efer |= EFER_LME | EFER_LMA;
		s.cr0 |= CR0_PE | CR0_PG | CR0_WP;
	}
	if (vcpu_set_sregs(&g->cpu, &s))
		return -1;
	return vcpu_set_regs(&g->cpu, &r);
}

void grade_vm_close(struct grade_vm *g)
{
	image_free(&g->img);
	vcpu_destroy(&g->cpu);
	vm_destroy(&g->vm);
	kvm_close(&g->kvm);
}

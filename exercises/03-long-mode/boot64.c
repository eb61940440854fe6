/* SPDX-License-Identifier: MIT */
/*
 * boot64: a grading harness that runs a 64-bit guest without any of the
 * VMM exercises (the labs).
 *
 * build/ch03 enters long mode through the library: desc_encode() and
 * segment_from_gdt() (chapter 2's exercises) and pt_map() (chapter 3's).
 * To grade the guest's own exercises alone, this harness sets the same
 * state from constants: a GDT written as numbers, three page tables that
 * identity-map RAM with 2 MiB pages, and the segment registers spelled
 * out field by field.
 *
 *   boot64 [--start32] GUEST.elf
 *
 * Default: long mode, starting at the entry point (the VMM-built-tables
 * path).  --start32: 32-bit protected mode with paging off, starting at
 * the symbol start32, where the guest builds its own tables and enters
 * long mode itself.  The console goes to stdout; after a successful run
 * KVM_TRANSLATE's answer for ABI_DEMO_FAULT_VA is printed too.  The exit
 * status is the guest's, as for build/ch03.
 */
#include <stdio.h>
#include <string.h>

#include "abi/machine.h"
#include "kvmlab/boot.h"
#include "kvmlab/dev/console.h"
#include "kvmlab/dev/debugexit.h"
#include "kvmlab/kvm.h"
#include "kvmlab/loader.h"
#include "kvmlab/log.h"
#include "kvmlab/modes.h"
#include "kvmlab/vcpu.h"
#include "kvmlab/vm.h"

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

static int set_state(struct vcpu *cpu, const struct guest_image *img,
		     bool start32)
{
	struct kvm_sregs s;
	struct kvm_regs r = {.rflags = 2};
	struct kvm_segment data = flat(ABI_SEL_DATA, 3, 0, 1);
	uint64_t start = 0;

	if (vcpu_get_sregs(cpu, &s))
		return -1;
	guest_write(&cpu->vm->mem, ABI_GDT_ADDR, gdt, sizeof(gdt));
	s.gdt.base = ABI_GDT_ADDR;
	s.gdt.limit = sizeof(gdt) - 1;
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	r.rip = img->entry;
	if (start32) {
		s.cs = flat(ABI_SEL_CODE32, 0xb, 0, 1);
		s.cr0 = (s.cr0 | CR0_PE) & ~(uint64_t)CR0_PG;
		s.efer &= ~(uint64_t)(EFER_LME | EFER_LMA);
		if (image_symbol_find(img, "start32", &start)) {
			error("the guest has no symbol start32");
			return -1;
		}
		r.rip = start;
	} else {
		tables(&cpu->vm->mem);
		s.cs = flat(ABI_SEL_CODE64, 0xb, 1, 0);
		s.cr3 = PML4;
		s.cr4 |= CR4_PAE;
		s.efer |= EFER_LME | EFER_LMA;
		s.cr0 |= CR0_PE | CR0_PG | CR0_WP;
	}
	if (vcpu_set_sregs(cpu, &s))
		return -1;
	return vcpu_set_regs(cpu, &r);
}

int main(int argc, char **argv)
{
	struct kvm kvm = {.fd = -1};
	struct vm vm = {.fd = -1};
	struct vcpu cpu = {.fd = -1};
	struct guest_image img = {0};
	struct bus pio, mmio;
	struct console con;
	bool start32 = argc == 3 && !strcmp(argv[1], "--start32");
	const char *path = argv[argc - 1];
	uint64_t pa;
	int status = ABI_STATUS_NO_KVM;

	if (argc != 2 && !start32) {
		fprintf(stderr, "usage: boot64 [--start32] GUEST.elf\n");
		return ABI_STATUS_USAGE;
	}
	if (kvm_open(&kvm) || vm_create(&vm, &kvm, ABI_RAM_DEFAULT) ||
	    vcpu_create(&cpu, &vm, 0))
		goto out;
	status = -load_guest_file(&vm.mem, path, ABI_ELF_BASE, 1, &img);
	if (status)
		goto out;
	cpu.image = &img;
	bus_init(&pio, "pio");
	bus_init(&mmio, "mmio");
	cpu.pio = &pio;
	cpu.mmio = &mmio;
	status = ABI_STATUS_HOST;
	if (debugexit_register(&cpu) || console_register(&con, &pio, stdout) ||
	    set_state(&cpu, &img, start32))
		goto out;
	status = vcpu_run(&cpu, 10);
	fflush(stdout);
	if (status == 0 && vcpu_translate(&cpu, ABI_DEMO_FAULT_VA, &pa) == 0)
		printf("KVM_TRANSLATE: 0x%x -> physical 0x%llx\n",
		       ABI_DEMO_FAULT_VA, (unsigned long long)pa);
out:
	image_free(&img);
	vcpu_destroy(&cpu);
	vm_destroy(&vm);
	kvm_close(&kvm);
	return status;
}

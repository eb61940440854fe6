/* SPDX-License-Identifier: MIT */
/*
 * Chapter 2: protected mode.
 *
 * The guest starts where chapter 1's did, in 16-bit real mode, and switches
 * itself to 32-bit protected mode: it loads a GDT, sets CR0.PE and far-jumps
 * into a 32-bit code segment, then prints from C.  With --direct the VMM
 * plays the boot loader instead: it writes the same GDT and sets the segment
 * registers with KVM_SET_SREGS, so the guest's first instruction is already
 * 32-bit.  The segment registers are shown before and after.
 *
 * From this chapter on, main() composes library calls: each line is one
 * step of chapter 1's main.
 */
#include <errno.h>
#include <stdio.h>

#include "abi/machine.h"
#include "kvmlab/boot.h"
#include "kvmlab/dev/console.h"
#include "kvmlab/dev/debugexit.h"
#include "kvmlab/kvm.h"
#include "kvmlab/loader.h"
#include "kvmlab/log.h"
#include "kvmlab/modes.h"
#include "kvmlab/options.h"
#include "kvmlab/vcpu.h"
#include "kvmlab/viewer.h"
#include "kvmlab/vm.h"

static bool direct;

static const struct chapter_flag flags[] = {
    {"direct", "the VMM enters protected mode itself (KVM_SET_SREGS)", &direct},
    {0},
};

static const struct chapter_info chapter = {
    .binary = "ch02",
    .title = "protected mode",
    .default_guest = "ch02.elf",
    .default_timeout = 30,
    .flags = flags,
};

static void show_segments(struct vcpu *cpu, const char *when)
{
	struct kvm_sregs s;

	if (vcpu_get_sregs(cpu, &s) == 0) {
		fflush(stdout);
		printf("--- segment registers %s ---\n", when);
		sregs_print(&s, stdout);
	}
}

/* Where the guest starts: its real-mode entry, or with --direct the 32-bit
 * entry `start32` the real-mode code would have jumped to. */
static int start(struct vcpu *cpu, const struct guest_image *img)
{
	uint64_t start32 = img->entry;

	if (!direct)
		return boot_real(cpu, img->entry);
	if (img->kind != IMAGE_FLAT &&
	    image_symbol_find(img, "start32", &start32))
		warning("no symbol start32 in the guest: starting protected "
			"mode at its entry 0x%llx",
			(unsigned long long)img->entry);
	return boot_protected(cpu, start32);
}

int main(int argc, char **argv)
{
	struct options opt;
	struct kvm kvm = {.fd = -1};
	struct vm vm = {.fd = -1};
	struct vcpu cpu = {.fd = -1};
	struct bus pio, mmio;
	struct console con;
	struct trace trace = {0};
	struct stats stats = {0};
	struct guest_image img = {0};
	int r, status = ABI_STATUS_HOST;

	r = options_parse(&opt, &chapter, argc, argv);
	if (r)
		return r > 0 ? 0 : -r;
	if (trace_open(&trace, opt.trace))
		return ABI_STATUS_USAGE;

	/* Open /dev/kvm and create a VM with RAM at guest-physical 0. */
	status = ABI_STATUS_NO_KVM;
	if (kvm_open(&kvm) || vm_create(&vm, &kvm, opt.mem))
		goto out;
	/* Load the guest: ELF by its program headers, flat at 0x1000. */
	status = -load_guest_file(&vm.mem, opt.guest, ABI_REAL_LOAD, 1, &img);
	if (status)
		goto out;
	if (img.kind == IMAGE_ELF64) {
		error("%s is a 64-bit ELF; chapter 2 runs 32-bit guests",
		      opt.guest);
		hint("run it with build/ch03");
		status = ABI_STATUS_BAD_IMAGE;
		goto out;
	}
	/* One vCPU, with the trace and statistics attached. */
	status = ABI_STATUS_NO_KVM;
	if (vcpu_create(&cpu, &vm, 0))
		goto out;
	cpu.trace = &trace;
	cpu.stats = opt.stats ? &stats : NULL;
	cpu.image = &img;
	/* Devices, in port order: the debug-exit port and the console. */
	bus_init(&pio, "pio");
	bus_init(&mmio, "mmio");
	cpu.pio = &pio;
	cpu.mmio = &mmio;
	status = ABI_STATUS_HOST;
	if (debugexit_register(&cpu) || console_register(&con, &pio, stdout))
		goto out;
	/* The first register state: real mode, or protected mode. */
	r = start(&cpu, &img);
	if (r) {
		/* Our own checks refuse the image; KVM refusing the state
		 * (KVM_SET_SREGS) is a VMM or KVM problem. */
		status = r == -ERANGE || r == -EEXIST || r == -ENOENT
			     ? ABI_STATUS_BAD_IMAGE
			     : ABI_STATUS_HOST;
		goto out;
	}

	show_segments(&cpu, direct ? "as the VMM set them (--direct)"
				   : "at the first instruction (real mode)");
	/* Run it, or with --tui step through it in the register viewer. */
	status = opt.tui ? viewer_run(&cpu, &opt, chapter.binary)
			 : vcpu_run(&cpu, opt.timeout);
	show_segments(&cpu, "when the guest stopped");

	if (opt.stats)
		stats_print(&stats, stderr);
	info("guest stopped: status %d after %llu exits", status,
	     (unsigned long long)cpu.exits);
out:
	if (trace_close(&trace) && status == ABI_STATUS_OK)
		status = ABI_STATUS_HOST;
	image_free(&img);
	vcpu_destroy(&cpu);
	vm_destroy(&vm);
	kvm_close(&kvm);
	return status;
}

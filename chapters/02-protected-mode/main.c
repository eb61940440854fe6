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
#include <stdio.h>

#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/cli/options.h"
#include "kvmlab/dev/console.h"
#include "kvmlab/dev/debugexit.h"
#include "kvmlab/kvm/vcpu.h"
#include "kvmlab/load/loader.h"
#include "kvmlab/machine/boot.h"
#include "kvmlab/machine/machine.h"
#include "kvmlab/viewer/viewer.h"
#include "kvmlab/x86/modes.h"

static bool direct;

static const struct chapter_flag flags[] = {
    {"direct", "the VMM enters protected mode itself (KVM_SET_SREGS)", &direct,
     NULL},
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
	struct machine m;
	struct console con;
	struct debugexit debug_exit;
	int status;

	/* The command line: the shared options and --direct. */
	status = options_parse(&opt, &chapter, argc, argv);
	if (status != OPTIONS_RUN)
		return status;
	/* The trace, the guest file (read first: its errors need no KVM),
	 * /dev/kvm, a VM with RAM at 0, one vCPU, empty buses. */
	status = machine_open(&m, &opt, 0);
	/* The 32-bit guest: ELF by its program headers, flat at 0x1000. */
	if (!status)
		status =
		    machine_load(&m, ABI_REAL_LOAD, LOAD_FLAT | LOAD_ELF32);
	/* Devices, in port order: the debug-exit port and the console. */
	if (!status &&
	    (debugexit_register(&debug_exit, &m.board, vcpu_stop, &m.cpu) ||
	     console_register(&con, &m.pio, stdout)))
		status = ABI_STATUS_HOST;
	/* The first register state: real mode, or protected mode. */
	if (!status)
		status = start(&m.cpu, &m.img);
	if (!status) {
		show_segments(&m.cpu,
			      direct ? "as the VMM set them (--direct)"
				     : "at the first instruction (real mode)");
		/* Run it, or with --tui step through it in the viewer. */
		status = machine_run(&m, viewer_run);
		show_segments(&m.cpu, "when the guest stopped");
	}
	/* --stats, "guest stopped", the trace checked; all closed. */
	return machine_close(&m, status);
}

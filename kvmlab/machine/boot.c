/* SPDX-License-Identifier: MIT */
/*
 * boot: the first register state of a guest (chapters 2-3).
 *
 * A PC starts in real mode at the BIOS; a boot loader then switches modes.
 * kvmlab's VMM can play the boot loader: it writes a GDT (and page tables)
 * into guest memory and sets the registers that a mode switch would have
 * left, so the guest's first instruction already runs in the target mode.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/machine/boot.h"
#include "kvmlab/x86/modes.h"

/*
 * The VMM writes a GDT (and page tables) into guest memory; a guest image
 * loaded over them would be overwritten, or would overwrite them.
 */
static int check_room(const struct vcpu *v, uint64_t lo, uint64_t hi,
		      const char *what)
{
	const struct guest_image *img = v->rec ? v->rec->image : NULL;

	if (!img || img->hi <= lo || img->lo >= hi)
		return 0;
	error("the guest image (0x%llx-0x%llx) overlaps the %s the VMM "
	      "writes at 0x%llx-0x%llx",
	      (unsigned long long)img->lo, (unsigned long long)img->hi - 1,
	      what, (unsigned long long)lo, (unsigned long long)hi - 1);
	hint("link the guest at 0x%x (1 MiB) as kvmlab's linker scripts do",
	     ABI_ELF_BASE);
	return -EEXIST;
}

static int set_start_regs(struct vcpu *v, uint64_t rip, uint64_t rsp,
			  uint64_t rdi)
{
	struct kvm_regs regs;

	memset(&regs, 0, sizeof(regs));
	regs.rip = rip;
	regs.rsp = rsp;
	regs.rdi = rdi;
	regs.rflags = 0x2; /* bit 1 is reserved and always 1 */
	return vcpu_set_regs(v, &regs);
}

static int enter_real(struct vcpu *v, uint64_t entry)
{
	struct kvm_sregs s;
	uint16_t cs = (uint16_t)((entry >> 4) & 0xf000);
	int r;

	if (entry >= 0x100000) {
		error("entry point 0x%llx is above 1 MiB: real mode cannot "
		      "reach it",
		      (unsigned long long)entry);
		return -ERANGE;
	}
	r = vcpu_get_sregs(v, &s);
	if (r)
		return r;
	modes_real(&s);
	s.cs.selector = cs;
	s.cs.base = (uint64_t)cs << 4;
	r = vcpu_set_sregs(v, &s);
	if (r)
		return r;
	return set_start_regs(v, entry - s.cs.base, ABI_REAL_STACK, 0);
}

static int enter_protected(struct vcpu *v, uint64_t entry)
{
	struct kvm_sregs s;
	int r = vcpu_get_sregs(v, &s);

	if (r)
		return r;
	r = check_room(v, ABI_GDT_ADDR, ABI_GDT_ADDR + 8 * GDT_ENTRIES, "GDT");
	if (r)
		return r;
	r = modes_protected(&s, &v->vm->mem); /* reports its own failure */
	if (r)
		return r;
	r = vcpu_set_sregs(v, &s);
	if (r)
		return r;
	/* The guest sets its own stack; 0 makes a forgotten one fault. */
	return set_start_regs(v, entry, 0, 0);
}

static int enter_long(struct vcpu *v, uint64_t entry, uint64_t arg)
{
	struct kvm_sregs s;
	int r = vcpu_get_sregs(v, &s);

	if (r)
		return r;
	r = check_room(v, ABI_GDT_ADDR, ABI_GDT_ADDR + 8 * GDT_ENTRIES, "GDT");
	if (!r)
		r = check_room(v, ABI_PT_BASE, ABI_PT_BASE + ABI_PT_SIZE,
			       "page tables");
	if (r)
		return r;
	r = modes_long(&s, &v->vm->mem); /* reports its own failure */
	if (r)
		return r;
	r = vcpu_set_sregs(v, &s);
	if (r)
		return r;
	return set_start_regs(v, entry, 0, arg);
}

/*
 * The exit status for a boot function's -errno: the image's fault when it
 * does not fit the mode (ERANGE: real mode cannot reach it; EEXIST: it
 * overlaps what the VMM writes), the host's when KVM refused the state.
 */
static int boot_status(int r)
{
	if (!r)
		return 0;
	return r == -ERANGE || r == -EEXIST ? ABI_STATUS_BAD_IMAGE
					    : ABI_STATUS_HOST;
}

int boot_real(struct vcpu *v, uint64_t entry)
{
	return boot_status(enter_real(v, entry));
}

int boot_protected(struct vcpu *v, uint64_t entry)
{
	return boot_status(enter_protected(v, entry));
}

int boot_long(struct vcpu *v, uint64_t entry, uint64_t arg)
{
	return boot_status(enter_long(v, entry, arg));
}

/* SPDX-License-Identifier: MIT */
/*
 * vm: create a VM and give it RAM (chapter 2).
 *
 * Guest RAM is ordinary anonymous memory in this process.  KVM maps it into
 * the guest's physical address space through a memory slot, so the guest's
 * "physical" address 0 is vm->mem.host[0] here: the VMM reads and writes
 * guest memory with plain loads and stores, through gpa_to_host().
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/kvm/vm.h"

int vm_create(struct vm *vm, struct kvm *kvm, uint64_t mem_size)
{
	struct kvm_userspace_memory_region region;
	int err;

	memset(vm, 0, sizeof(*vm));
	vm->kvm = kvm;
	vm->fd = ioctl(kvm->fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0) {
		err = errno;
		error("KVM_CREATE_VM failed: %s", strerror(err));
		hint(
		    "why: %s",
		    err == EBUSY || err == ENODEV
			? kvm_open_why(err)
			: "the kernel refused a new VM (see dmesg | grep kvm)");
		hint("fix: %s", kvm_open_fix(err));
		return -err;
	}
	/*
	 * On Intel CPUs without "unrestricted guest", KVM runs real mode
	 * through a virtual-8086 task that needs three pages of guest-physical
	 * space for a TSS.  Put them just below 4 GiB, far from RAM.
	 */
	if (ioctl(vm->fd, KVM_SET_TSS_ADDR, 0xfffbd000ul) < 0)
		warning("KVM_SET_TSS_ADDR failed: %s (real mode may not work)",
			strerror(errno));

	vm->mem.size = mem_size;
	vm->mem.host = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem.host == MAP_FAILED) {
		err = errno;
		vm->mem.host = NULL;
		error("cannot allocate %" PRIu64 " bytes of guest RAM: %s",
		      mem_size, strerror(err));
		hint("fix: ask for less with --mem");
		vm_destroy(vm);
		return -err;
	}
	region = (struct kvm_userspace_memory_region){
	    .slot = 0,
	    .guest_phys_addr = 0,
	    .memory_size = mem_size,
	    .userspace_addr = (uintptr_t)vm->mem.host,
	};
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		err = errno;
		error("KVM_SET_USER_MEMORY_REGION (%" PRIu64 " bytes at 0) "
		      "failed: %s",
		      mem_size, strerror(err));
		vm_destroy(vm);
		return -err;
	}
	return 0;
}

void vm_destroy(struct vm *vm)
{
	if (vm->mem.host)
		munmap(vm->mem.host, vm->mem.size);
	vm->mem.host = NULL;
	if (vm->fd >= 0)
		close(vm->fd);
	vm->fd = -1;
}
